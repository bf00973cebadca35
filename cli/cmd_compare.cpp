// lsflow compare A B [C…] [--out DIR] [--format text|json] [--top N] [solver options]
//
// Each of A, B, … is a scenario file (solved here) or a folder written by `lsflow run --out` (its
// report.json is read). A is the base. Exit status: 0 compared, 2 bad input or options, 3 a case did not
// converge (nothing is compared nor written).
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>
#include "commands.hpp"
#include "report/text_table.hpp"
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

namespace {

struct CompareArgs {
  std::vector<std::string> cases;
  SolverFlags solver;
  OutputFlags output;
  bool show_unchanged = false;
  bool no_n1 = false;
  std::string curtail;
  bool curtail_given = false;
};

int run_compare(const CompareArgs& a) {
  if (a.cases.size() < 2)
    throw UsageError("compare needs two or more cases (scenario files or folders written by run --out)");
  report::CompareTextOptions text;
  text.top_n = a.output.top;
  text.show_unchanged = a.show_unchanged;
  text.wide = a.output.wide;
  StudyRunOptions opt;
  opt.solve = study_solve_options(a.solver);
  opt.n1 = !a.no_n1;
  opt.curtail = a.curtail_given;
  opt.curtail_n1 = a.curtail == "n1";
  if (opt.curtail_n1 && a.no_n1) throw UsageError("--curtail n1 needs the N-1 assessment: drop --no-n1");

  std::vector<report::StudyReport> cases;
  bool all_converged = true;
  for (const auto& path : a.cases) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      report::StudyReport r = report::read_study_report(path);
      r.scenario_file = path;
      cases.push_back(std::move(r));
    } else {
      cases.push_back(study_scenario(load_scenario_case(path), opt));
    }
    const auto& r = cases.back();
    if (!r.converged()) {
      all_converged = false;
      std::fprintf(stderr, "%s\n", fmt::format("{}: scenario '{}' did not converge", path, r.scenario).c_str());
      std::fputs(report::convergence_failure_text(r).c_str(), stderr);
    }
  }
  if (!all_converged) {
    remove_stale_results(a.output.out, comparison_files());
    std::fprintf(stderr, "no comparison made, no result files written\n");
    return kNotConverged;
  }

  const report::CaseComparison c = report::compare_cases(cases);
  if (a.output.format == "json")
    std::fputs((report::case_comparison_json(c).dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(report::fit_lines(report::case_comparison_text(c, text), a.output.wide ? 0 : report::kTextWidth).c_str(), stdout);
  write_html(a.output.html, report::case_comparison_html(c, cases), a.output);
  if (!a.output.out.empty()) {
    report::write_case_comparison(a.output.out, c);
    std::fprintf(a.output.format == "json" ? stderr : stdout, "%s\n",
                 fmt::format("results written to {} ({})", a.output.out, fmt::join(comparison_files(), ", ")).c_str());
  }
  return kOk;
}

}  // namespace

void add_compare(CLI::App& app, int& rc) {
  auto a = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Compare cases side by side, matched by element name, the first the base: loading changes, violations "
      "that appear, clear or worsen, generation, exchange, losses. Each case is a scenario (solved here as "
      "`run` solves it) or a folder written by `lsflow run --out`.");
  cmd->add_option("CASES", a->cases, "two or more scenario files or run --out folders")->required()->expected(2, -1);
  add_output_flags(cmd, a->output, 15, "write summary.csv, changes.csv, loadings.csv, voltages.csv, comparison.json here");
  cmd->add_flag("--show-unchanged", a->show_unchanged, "also list elements whose loading did not change");
  cmd->add_flag("--no-n1", a->no_n1, "skip each case's N-1 assessment");
  cmd->add_option("--curtail", a->curtail,
                  "curtail each scenario's wind as `run --curtail` does and compare the curtailed cases (the MW "
                  "curtailed side by side)")
      ->expected(0, 1)
      ->default_str("n0")
      ->check(CLI::IsMember({"n0", "n1"}))
      ->type_name("[n0|n1]")
      ->each([a](const std::string&) { a->curtail_given = true; });
  add_solver_flags(cmd, a->solver);
  cmd->callback([a, &rc] { rc = run_compare(*a); });
}

}  // namespace lsflow::cli
