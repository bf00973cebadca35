// The corpus of deliberately broken files under tests/data: through the real `lsflow` binary, every
// one must exit with status 2 and a message that starts `file:line:` — never a crash, a hang or a
// result. Files in tests/data/broken/ name the line their error must point at in their first comment
// ("expected error at line N"): MATPOWER cases (.m) through `lsflow solve`, scenarios (.yaml) through
// `lsflow n1`.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "test_paths.hpp"

namespace fs = std::filesystem;

namespace {
struct Outcome {
  int status = -1;
  std::string stderr_text;
};

Outcome run_cli(const std::string& args) {
  const auto err = fs::temp_directory_path() / fmt::format("lsflow_broken_{}.err", ::getpid());
  const std::string cmd = fmt::format("'{}' {} > /dev/null 2> '{}'", lsflow::test::cli_path(), args, err.string());
  const int raw = std::system(cmd.c_str());
  Outcome o;
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  std::ifstream in(err);
  std::stringstream ss;
  ss << in.rdbuf();
  o.stderr_text = ss.str();
  fs::remove(err);
  return o;
}

// "path:LINE: message" with LINE ≥ 1.
bool starts_with_file_line(const std::string& text, const std::string& path) {
  return std::regex_search(text, std::regex("^" + std::regex_replace(path, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                                            R"(:[1-9][0-9]*: \S)"));
}
}  // namespace

namespace {
// Every file with extension `ext` in tests/data/broken names the line of its error ("expected error at
// line N"): running `command` on it (the path in place of {}) must exit 2 with "path:N: " first.
void check_broken_corpus(const std::string& ext, const std::string& command, int at_least) {
  const auto dir = lsflow::test::source_dir() / "tests" / "data" / "broken";
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ext) continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    std::smatch m;
    const std::string text = ss.str();
    REQUIRE(std::regex_search(text, m, std::regex(R"(expected error at line ([0-9]+))")));
    const std::string expected = fmt::format("{}:{}: ", e.path().string(), m[1].str());
    DYNAMIC_SECTION(e.path().filename().string()) {
      const auto o = run_cli(fmt::format(fmt::runtime(command), e.path().string()));
      INFO(o.stderr_text);
      CHECK(o.status == 2);
      CHECK(o.stderr_text.rfind(expected, 0) == 0);
    }
    ++n;
  }
  CHECK(n >= at_least);
}
}  // namespace

TEST_CASE("Every broken MATPOWER file gives exit 2 and file:line at the expected line", "[cli][errors]") {
  check_broken_corpus(".m", "solve '{}'", 9);
}

TEST_CASE("Every broken scenario file gives exit 2 and file:line at the expected line (lsflow n1)", "[cli][errors]") {
  check_broken_corpus(".yaml", "n1 '{}' --no-progress --threads 1", 3);
}

TEST_CASE("The reader test corpora give exit 2 and file:line through the CLI", "[cli][errors]") {
  const auto data = lsflow::test::source_dir() / "tests" / "data";
  // Valid files that live beside the broken ones (the readers' positive examples).
  const std::set<std::string> valid = {"minimal.yaml", "oltc.yaml", "assume.yaml"};
  int n = 0;
  for (const char* sub : {"matpower", "network"}) {
    for (const auto& e : fs::directory_iterator(data / sub)) {
      if (valid.count(e.path().filename().string())) continue;
      DYNAMIC_SECTION(sub << "/" << e.path().filename().string()) {
        const auto o = run_cli(fmt::format("solve '{}'", e.path().string()));
        INFO(o.stderr_text);
        CHECK(o.status == 2);
        CHECK(starts_with_file_line(o.stderr_text, e.path().string()));
      }
      ++n;
    }
  }
  CHECK(n >= 20);
}

TEST_CASE("Missing, unreadable and looping inputs give exit 2 with the file named", "[cli][errors]") {
  const auto data = lsflow::test::source_dir() / "tests" / "data";
  SECTION("a file that does not exist") {
    const auto o = run_cli("solve /nonexistent/case.m");
    CHECK(o.status == 2);
    CHECK(o.stderr_text.find("/nonexistent/case.m") != std::string::npos);
  }
  SECTION("a directory instead of a file") {
    const auto dir = fs::temp_directory_path() / fmt::format("lsflow_dir_{}.m", ::getpid());
    fs::create_directories(dir);
    const auto o = run_cli(fmt::format("solve '{}'", dir.string()));
    fs::remove(dir);
    INFO(o.stderr_text);
    CHECK(o.status == 2);
    CHECK(o.stderr_text.find(dir.string()) != std::string::npos);
  }
  SECTION("an extends: loop") {
    const auto path = (data / "scenario" / "loop_a.yaml").string();
    const auto o = run_cli(fmt::format("run '{}'", path));
    INFO(o.stderr_text);
    CHECK(o.status == 2);
    CHECK(o.stderr_text.find("extends loop") != std::string::npos);
  }
  SECTION("an unknown option") {
    CHECK(run_cli("solve x.m --flat-strat").status == 2);
  }
}
