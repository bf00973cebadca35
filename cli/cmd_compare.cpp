// lsflow compare A B [C…] [--out DIR] [--format text|json] [--top N] [--flat-start] [--enforce-q-limits]
//
// Each of A, B, … is a scenario file (solved here) or a folder written by `lsflow run --out` (its
// report.json is read). A is the base. Exit status: 0 compared, 2 bad input or options, 3 a case did not
// converge (nothing is compared nor written).
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "common/errors.hpp"
#include "report/case_comparison.hpp"
#include "report/network_solution.hpp"
#include "report/study_report.hpp"

namespace lsflow::cli {

namespace {
const std::vector<std::string>& comparison_files() {
  static const std::vector<std::string> files = {"summary.csv", "changes.csv", "loadings.csv", "voltages.csv",
                                                 "comparison.json"};
  return files;
}
}  // namespace

int cmd_compare(const std::vector<std::string>& argv) {
  const Args args(argv, {"--flat-start", "--enforce-q-limits", "--show-unchanged"}, {"--out", "--format", "--top"});
  if (args.positional().size() < 2)
    throw UsageError("compare needs two or more cases (scenario files or folders written by run --out): "
                     "lsflow compare A.yaml B.yaml [C.yaml ...] [options]");
  const std::string format = output_format(args);
  report::CompareTextOptions text;
  text.top_n = static_cast<std::size_t>(args.integer("--top", 15, 0, 1000000));
  text.show_unchanged = args.flag("--show-unchanged");
  const report::SolveOptions opt = solve_options(args);

  std::vector<report::StudyReport> cases;
  bool all_converged = true;
  for (const auto& path : args.positional()) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      report::StudyReport r = report::read_study_report(path);
      r.scenario_file = path;
      cases.push_back(std::move(r));
    } else {
      cases.push_back(study_scenario(path, opt));
    }
    const auto& r = cases.back();
    if (!r.converged()) {
      all_converged = false;
      std::fprintf(stderr, "%s\n", fmt::format("{}: scenario '{}' did not converge", path, r.scenario).c_str());
      std::fputs(report::convergence_failure_text(r).c_str(), stderr);
    }
  }
  const auto out = args.value("--out");
  if (!all_converged) {
    if (out) remove_stale_results(*out, comparison_files());
    std::fprintf(stderr, "no comparison made, no result files written\n");
    return kNotConverged;
  }

  const report::CaseComparison c = report::compare_cases(cases);
  if (format == "json")
    std::fputs((report::case_comparison_json(c).dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(report::case_comparison_text(c, text).c_str(), stdout);
  if (out) {
    report::write_case_comparison(*out, c);
    std::fprintf(format == "json" ? stderr : stdout, "%s\n",
                 fmt::format("results written to {} ({})", *out, fmt::join(comparison_files(), ", ")).c_str());
  }
  return kOk;
}

}  // namespace lsflow::cli
