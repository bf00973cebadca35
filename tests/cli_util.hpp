#pragma once
// Running the lsflow binary from a test: exit status, standard output and standard error.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test_paths.hpp"

namespace lsflow::test {

struct CliRun {
  int exit = -1;
  std::string out, err;
};

inline std::string slurp_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `lsflow ARGS` (ARGS as a shell would split them); stdout and stderr through files in a scratch folder.
inline CliRun run_lsflow(const std::string& args) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("lsflow_cli_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
  std::filesystem::create_directories(dir);
  const auto out = dir / "stdout.txt", err = dir / "stderr.txt";
  const std::string cmd = "\"" + cli_path() + "\" " + args + " >\"" + out.string() + "\" 2>\"" + err.string() + "\"";
  const int rc = std::system(cmd.c_str());
  CliRun r;
  r.exit = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp_file(out);
  r.err = slurp_file(err);
  std::filesystem::remove_all(dir);
  return r;
}

// A fresh, empty scratch folder (removed by the caller when wanted).
inline std::filesystem::path scratch_dir(const std::string& tag) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("lsflow_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace lsflow::test
