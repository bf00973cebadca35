#pragma once
// What every lsflow command shares: exit statuses, the options that mean the same thing in every command
// (one spelling, one default, one unit), and the study case a command reads (a scenario, a network file
// or a MATPOWER case) with its limits.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "model/network.hpp"
#include "report/network_solution.hpp"
#include "study/contingency.hpp"
#include "study/limits.hpp"
#include "study/scenario.hpp"

namespace lsflow::cli {

// Exit statuses shared by every command (lsflow --help lists them).
enum ExitCode : int {
  kOk = 0,            // done; violations found are results, not errors
  kFailure = 1,       // an unexpected internal error
  kBadInput = 2,      // bad input file (file:line: what is wrong) or bad options
  kNotConverged = 3,  // the power flow (or the base case a study needs) did not converge: no result written
  kWriteError = 4,    // a result file or folder could not be written
  kInterrupted = 130  // Ctrl-C: no result written
};
inline constexpr const char* kExitStatusText =
    "exit status: 0 done (violations are results, not errors); 1 internal error; 2 bad input file "
    "(file:line: what is wrong) or bad options; 3 the power flow did not converge (no result files "
    "written); 4 a result file could not be written; 130 interrupted (Ctrl-C, no result files written)";

// The solver options of every command that solves (tol, iterations, start, reactive limits).
struct SolverFlags {
  double tol_pu = 1e-8;
  int max_iter = 10;
  bool flat_start = false;
  bool no_q_limits = false;   // reactive limits are enforced unless this is set (see add_solver_flags)
};
// --tol PU, --max-iter N, --flat-start and --no-q-limits. `q_limits_help` says what the default is for
// this command (studies: limits on; `solve` of a MATPOWER case: MATPOWER's default, off).
void add_solver_flags(CLI::App* cmd, SolverFlags& f, bool flat_start = true, bool q_limits = true);

// The output options (--format, --out, --wide, --top).
struct OutputFlags {
  std::string format = "text";
  std::string out;        // empty: no files
  bool wide = false;      // text tables with every column instead of fitting 120 columns
  std::size_t top = 15;
  std::string html;       // a self-contained HTML report here (empty: none)
};
// Writes `page` to `path` (atomically) and says so on stdout (stderr when stdout carries JSON).
void write_html(const std::string& path, const std::string& page, const OutputFlags& f);
void add_output_flags(CLI::App* cmd, OutputFlags& f, std::size_t top_default, const std::string& out_help);
// --threads N (0: every core) and --no-progress.
void add_threads(CLI::App* cmd, int& threads, int default_threads, const std::string& what);
void add_no_progress(CLI::App* cmd, bool& no_progress);

// The study case a command works on.
struct StudyCase {
  std::string path;
  std::string name;             // scenario name, else the network's name, else the file's stem
  std::string description;
  int study_year = 0;           // 0: not a scenario
  std::optional<study::Scenario> scenario;
  model::Network net;           // as the scenario builds it (or as read)
  std::optional<study::Limits> limits;        // the scenario's limits file, when it names one
  study::ContingencyLimits contingency_limits;  // for N-1, hosting and time series
  std::string limits_text;      // one line for reports
  [[nodiscard]] bool is_scenario() const { return scenario.has_value(); }
  // The network file's assumptions, then the scenario's, each with the alternative in use.
  [[nodiscard]] std::vector<model::Assumption> assumptions() const;
};

// Reads a scenario (.yaml without a `buses:` list), a network file (.yaml with one) or a MATPOWER case
// (.m). A bare network gets built-in limits (0.90–1.10 pu, 100 % of rating), which limits_text says.
// Warnings of the scenario builder go to stderr. InputError: missing file, bad content.
// `choices`: alternatives of the files' assumptions (--assume), over the scenario's own `choose`.
[[nodiscard]] StudyCase load_study_case(const std::string& path, const io::Choices& choices = {});
// As load_study_case, but the file must be a scenario (run, compare): InputError otherwise.
[[nodiscard]] StudyCase load_scenario_case(const std::string& path, const io::Choices& choices = {});
// --assume ID=ALT,... and its parsing (InputError "--assume: ..." for an item without '=').
void add_assume(CLI::App* cmd, std::vector<std::string>& items);
[[nodiscard]] io::Choices assume_choices(const std::vector<std::string>& items);

// The base case of every study command: automatic tap changers settle (report::solve_network's tap
// control), reactive limits are enforced unless --no-q-limits, load scale diagnosed on failure.
[[nodiscard]] report::SolveOptions study_solve_options(const SolverFlags& f);
// One line that says how the base case was solved (reactive limits, taps) for report headers.
[[nodiscard]] std::string base_case_text(const report::SolveOptions& opt, const report::NetworkSolution* sol);

// --hours FIRST-LAST of a profile of `hours` hours: {first, count}; {0, 0} (every hour) when `text` is
// empty. UsageError "option --hours: ..." when it is not a range inside the profile.
[[nodiscard]] std::pair<std::size_t, std::size_t> hour_range(const std::string& text, std::size_t hours);

// Splits "A,B, C" into its items (spaces around items dropped, empty items skipped).
[[nodiscard]] std::vector<std::string> split_list(const std::string& text);

// Removes the files an earlier run wrote into `dir`; says so on stderr when it removed any.
void remove_stale_results(const std::string& dir, const std::vector<std::string>& files);

}  // namespace lsflow::cli
