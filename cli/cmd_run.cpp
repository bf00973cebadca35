// lsflow run SCENARIO [--out DIR] [--format text|json] [--top N] [--flat-start] [--enforce-q-limits]
//
// Exit status: 0 the case converged (even with violations: the VERDICT line tells), 2 bad input or
// options, 3 the power flow did not converge (then nothing is written, and a result an earlier run left
// in DIR is removed, so that no file there looks like this case's result).
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "common/errors.hpp"
#include "report/network_solution.hpp"
#include "report/study_report.hpp"
#include "study/apply_scenario.hpp"
#include "study/limits.hpp"
#include "study/scenario.hpp"

namespace lsflow::cli {

report::StudyReport study_scenario(const std::string& path, const report::SolveOptions& opt) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(SourceLoc{path, 0}, "scenario file not found");
  const study::Scenario scenario = study::read_scenario(path);
  study::ApplySummary summary;
  const model::Network net = study::build_network(scenario, summary);
  const study::Limits limits = study::scenario_limits(scenario);
  for (const auto& w : summary.warnings) std::fprintf(stderr, "%s\n", fmt::format("warning: {}: {}", path, w).c_str());
  const report::NetworkSolution sol = report::solve_network(net, opt);
  report::StudyReport r = report::build_study_report(net, sol, limits, scenario.name);
  r.scenario_file = path;
  r.description = scenario.description;
  r.study_year = scenario.study_year.value_or(0);
  return r;
}

report::SolveOptions solve_options(const Args& args) {
  report::SolveOptions opt;
  opt.pf.flat_start = args.flag("--flat-start");
  opt.pf.enforce_q_limits = args.flag("--enforce-q-limits");
  opt.diagnose_load_scale = true;   // on failure only: how far the load is from solvable
  opt.tap_control = true;           // automatic OLTCs of the network file act (report/tap_control.hpp)
  return opt;
}

std::string output_format(const Args& args) {
  const std::string format = args.value("--format").value_or("text");
  if (format != "text" && format != "json")
    throw UsageError(fmt::format("option --format: '{}' is not text or json", format));
  return format;
}

// Removes the files a run (or compare) writes from `dir`; says so when it removed any.
void remove_stale_results(const std::string& dir, const std::vector<std::string>& files) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return;
  std::string removed;
  for (const auto& f : files)
    if (std::filesystem::remove(std::filesystem::path(dir) / f, ec)) removed += " " + f;
  if (!removed.empty())
    std::fprintf(stderr, "%s\n",
                 fmt::format("removed the results of an earlier run from {}:{}", dir, removed).c_str());
}

int cmd_run(const std::vector<std::string>& argv) {
  const Args args(argv, {"--flat-start", "--enforce-q-limits"}, {"--out", "--format", "--top"});
  if (args.positional().size() != 1)
    throw UsageError("run needs exactly one scenario file: lsflow run SCENARIO.yaml [options]");
  const std::string format = output_format(args);
  report::TextOptions text;
  text.top_n = static_cast<std::size_t>(args.integer("--top", 15, 0, 1000000));

  const report::StudyReport r = study_scenario(args.positional()[0], solve_options(args));

  if (format == "json")
    std::fputs((report::study_report_json(r).dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(report::study_report_text(r, text).c_str(), stdout);

  std::fflush(stdout);   // the report before the diagnosis, also when both go to one pipe
  const auto out = args.value("--out");
  if (!r.converged()) {
    std::fputs(report::convergence_failure_text(r).c_str(), stderr);
    if (out) remove_stale_results(*out, report::study_report_files());
    std::fprintf(stderr, "no result files written\n");
    return kNotConverged;
  }
  if (out) {
    report::write_study_report(*out, r);
    std::fprintf(format == "json" ? stderr : stdout, "%s\n",
                 fmt::format("results written to {} ({})", *out, fmt::join(report::study_report_files(), ", ")).c_str());
  }
  return kOk;
}

}  // namespace lsflow::cli
