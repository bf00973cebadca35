// lsflow: AC load flow for the Lạng Sơn grid and any MATPOWER case. The command line is CLI11's (Debian
// libcli11-dev): `lsflow --version`, `lsflow CMD --help` with every option's default and unit, and a
// "did you mean" for a mistyped command or option; the exit statuses are in options.hpp.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "common/errors.hpp"
#include "io/yaml_util.hpp"
#include "options.hpp"

#ifndef LSFLOW_VERSION
#define LSFLOW_VERSION "unknown"
#endif

namespace {

using namespace lsflow;

// The long option names of `cmd` (and the global ones), for suggestions.
std::vector<std::string> option_names(const CLI::App* cmd) {
  std::vector<std::string> names;
  for (const CLI::Option* o : cmd->get_options())
    for (const auto& n : o->get_lnames()) names.push_back("--" + n);
  return names;
}

// "unknown option --tl — did you mean '--tol'?" for each word CLI11 did not expect.
std::string extras_hint(const CLI::App* cmd, const std::vector<std::string>& extras) {
  std::string s;
  const auto names = option_names(cmd);
  for (const auto& e : extras) {
    const std::string word = e.substr(0, e.find('='));
    if (word.rfind("-", 0) == 0) s += fmt::format("\n  unknown option {}{}", word, io::did_you_mean(word, names));
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lsflow: AC load flow for the Lạng Sơn provincial grid (220/110/35/22 kV) and any MATPOWER case — "
               "Newton-Raphson validated against MATPOWER, study scenarios, N-1, a year of hours, wind hosting "
               "capacity and curtailment.",
               "lsflow"};
  app.set_version_flag("--version", std::string("lsflow ") + LSFLOW_VERSION);
  app.require_subcommand(1);
  app.footer(cli::kExitStatusText);
  app.get_formatter()->column_width(34);
  int rc = cli::kOk;
  cli::add_commands(app, rc);

  if (argc == 1) {
    std::fputs((app.help() + "\nRun 'lsflow COMMAND --help' for a command's options.\n").c_str(), stderr);
    return cli::kBadInput;
  }
  // A mistyped command: CLI11 would only say the word was not expected.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::fprintf(stderr, "lsflow: unknown command '%s'%s\nRun 'lsflow --help' for the commands.\n", argv[1],
                   io::did_you_mean(argv[1], names).c_str());
      return cli::kBadInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const CLI::App* cmd = &app;
    for (const CLI::App* sub : app.get_subcommands()) cmd = sub;
    const std::string who = cmd == &app ? "lsflow" : "lsflow " + cmd->get_name();
    std::string hint;
    if (dynamic_cast<const CLI::ExtrasError*>(&e)) hint = extras_hint(cmd, cmd->remaining());
    std::fprintf(stderr, "%s: %s%s\nRun '%s --help' for its options.\n", who.c_str(), e.what(), hint.c_str(),
                 who.c_str());
    return cli::kBadInput;
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return cli::kBadInput;
  } catch (const UsageError& e) {
    const CLI::App* cmd = &app;
    for (const CLI::App* sub : app.get_subcommands()) cmd = sub;
    const std::string who = cmd == &app ? "lsflow" : "lsflow " + cmd->get_name();
    std::fprintf(stderr, "%s: %s\nRun '%s --help' for its options.\n", who.c_str(), e.what(), who.c_str());
    return cli::kBadInput;
  } catch (const WriteError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return cli::kWriteError;
  } catch (const SingularMatrix& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return cli::kNotConverged;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return cli::kFailure;
  }
  return rc;
}
