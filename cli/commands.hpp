#pragma once
#include <string>
#include <vector>

namespace lsflow::report {
struct StudyReport;
struct SolveOptions;
}  // namespace lsflow::report

namespace lsflow::cli {

class Args;

// Exit statuses shared by every command.
enum ExitCode : int { kOk = 0, kFailure = 1, kBadInput = 2, kNotConverged = 3, kInterrupted = 130 };

int cmd_solve(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_compare(const std::vector<std::string>& args);
int cmd_timeseries(const std::vector<std::string>& args);   // cmd_timeseries.cpp
int cmd_hosting(const std::vector<std::string>& args);      // cmd_hosting.cpp
int cmd_n1(const std::vector<std::string>& args);           // cmd_n1.cpp

// Shared by run and compare (cmd_run.cpp): a scenario read, built, solved and reported on; the solver
// options and output format from --flat-start, --enforce-q-limits, --format; removing the files an
// earlier run left in an output folder when this one has no result.
report::StudyReport study_scenario(const std::string& scenario_path, const report::SolveOptions& opt);
report::SolveOptions solve_options(const Args& args);
std::string output_format(const Args& args);
void remove_stale_results(const std::string& dir, const std::vector<std::string>& files);

}  // namespace lsflow::cli
