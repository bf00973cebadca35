// lsflow run SCENARIO [--out DIR] [--format text|json] [--top N] [--wide] [solver options]
//
// Exit status: 0 the case converged (even with violations: the VERDICT line tells), 2 bad input or
// options, 3 the power flow did not converge (then nothing is written, and a result an earlier run left
// in DIR is removed, so that no file there looks like this case's result), 4 a file could not be written.
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common/errors.hpp"
#include "report/network_solution.hpp"
#include "report/study_report.hpp"

namespace lsflow::cli {

report::StudyReport study_scenario(const StudyCase& c, const report::SolveOptions& opt) {
  const report::NetworkSolution sol = report::solve_network(c.net, opt);
  report::StudyReport r = report::build_study_report(c.net, sol, *c.limits, c.name);
  r.scenario_file = c.path;
  r.description = c.description;
  r.study_year = c.study_year;
  r.base_case = base_case_text(opt, sol.converged ? &sol : nullptr);
  return r;
}

namespace {

struct RunArgs {
  std::string path;
  SolverFlags solver;
  OutputFlags output;
};

int run_run(const RunArgs& a) {
  const StudyCase c = load_scenario_case(a.path);
  report::TextOptions text;
  text.top_n = a.output.top;
  text.wide = a.output.wide;
  const report::StudyReport r = study_scenario(c, study_solve_options(a.solver));

  if (a.output.format == "json")
    std::fputs((report::study_report_json(r).dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(report::study_report_text(r, text).c_str(), stdout);

  std::fflush(stdout);   // the report before the diagnosis, also when both go to one pipe
  if (!r.converged()) {
    std::fputs(report::convergence_failure_text(r).c_str(), stderr);
    remove_stale_results(a.output.out, report::study_report_files());
    std::fprintf(stderr, "no result files written\n");
    return kNotConverged;
  }
  if (!a.output.out.empty()) {
    report::write_study_report(a.output.out, r);
    std::fprintf(a.output.format == "json" ? stderr : stdout, "%s\n",
                 fmt::format("results written to {} ({})", a.output.out, fmt::join(report::study_report_files(), ", "))
                     .c_str());
  }
  return kOk;
}

}  // namespace

void add_run(CLI::App& app, int& rc) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Solve a study scenario (automatic tap changers settled, reactive limits enforced) and report generation "
      "by kind, import/export over the tie, losses, every generator and load, the most loaded lines and "
      "transformers, reverse flow through transformers, buses outside their band, and a VERDICT line (exit 0 "
      "even with violations).");
  cmd->add_option("SCENARIO", a->path, "scenario file (.yaml) naming its network and limits")->required();
  add_output_flags(cmd, a->output, 15, "write buses.csv, branches.csv, generators.csv, loads.csv, violations.csv, "
                                       "report.json here");
  add_solver_flags(cmd, a->solver);
  cmd->callback([a, &rc] { rc = run_run(*a); });
}

}  // namespace lsflow::cli
