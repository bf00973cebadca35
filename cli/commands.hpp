#pragma once
// The lsflow commands. Each add_<command> registers its subcommand, options and help on `app`; running
// it sets `rc` to the command's exit status (options.hpp). The shared pieces are in options.hpp.
#include <CLI/CLI.hpp>

#include "options.hpp"
#include "report/study_report.hpp"

namespace lsflow::cli {

void add_solve(CLI::App& app, int& rc);        // cmd_solve.cpp
void add_run(CLI::App& app, int& rc);          // cmd_run.cpp
void add_compare(CLI::App& app, int& rc);      // cmd_compare.cpp
void add_n1(CLI::App& app, int& rc);           // cmd_n1.cpp
void add_timeseries(CLI::App& app, int& rc);   // cmd_timeseries.cpp
void add_hosting(CLI::App& app, int& rc);      // cmd_hosting.cpp
void add_sensitivity(CLI::App& app, int& rc);  // cmd_sensitivity.cpp

// Every command, in the order `lsflow --help` lists them.
inline void add_commands(CLI::App& app, int& rc) {
  add_solve(app, rc);
  add_run(app, rc);
  add_compare(app, rc);
  add_n1(app, rc);
  add_timeseries(app, rc);
  add_hosting(app, rc);
  add_sensitivity(app, rc);
}

// Shared by run and compare (cmd_run.cpp): a scenario solved as every study's base case
// (study_solve_options) and reported on, with its N-1 security (the scenario's contingencies, else every
// credible one, from that base case with its taps held) unless n1 is off.
struct StudyRunOptions {
  report::SolveOptions solve;
  bool n1 = true;
  int threads = 0;
  bool curtail = false;      // report the case with its wind curtailed (study/curtailment.hpp)
  bool curtail_n1 = false;   // … N-1 secure
  std::size_t n1_top = 50;   // N-1 findings kept in the report (the worst first)
};
report::StudyReport study_scenario(const StudyCase& c, const StudyRunOptions& o);

}  // namespace lsflow::cli
