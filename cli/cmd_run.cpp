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
#include "report/text_table.hpp"
#include "common/errors.hpp"
#include "io/assumptions.hpp"
#include "report/network_solution.hpp"
#include "report/study_report.hpp"
#include "report/tap_control.hpp"
#include "study/contingency.hpp"
#include "study/curtailment.hpp"
#include "study/n1_report.hpp"

namespace lsflow::cli {

std::string n1_selection_text(const StudyCase& c) {
  if (c.scenario && c.scenario->contingencies.is_set())
    return fmt::format("the scenario's `contingencies:` list, {}", c.scenario->contingencies.loc.str());
  return "every credible line, transformer and generator: not the external-grid equivalent";
}

report::StudyReport study_scenario(const StudyCase& c, const StudyRunOptions& o) {
  // With curtailment, the report is of the curtailed case (the farms at what curtailment left them).
  model::Network curtailed;
  report::CurtailmentSummary cs;
  if (o.curtail) {
    curtailed = c.net;
    study::CurtailmentOptions co;
    co.solve = o.solve;
    co.n1 = o.curtail_n1;
    co.threads = o.threads;
    cs = study::curtail_case(curtailed, c.contingency_limits, c.scenario ? &*c.scenario : nullptr, co);
  }
  const model::Network& net_ref = o.curtail ? curtailed : c.net;
  const report::NetworkSolution sol = report::solve_network(net_ref, o.solve);
  report::StudyReport r = report::build_study_report(net_ref, sol, *c.limits, c.name);
  if (o.curtail) {
    // What is left is what no wind farm relieves.
    if (cs.n1 == false || cs.remaining.empty())
      for (const auto& ov : r.overloads) cs.remaining.push_back(fmt::format("{} at {:.1f} %", ov.element, ov.loading_pct));
    for (const auto& v : r.voltage_violations) cs.remaining.push_back(fmt::format("{} at {:.4f} pu", v.bus, v.vm_pu));
    r.curtailment = std::move(cs);
  }
  r.scenario_file = c.path;
  r.description = c.description;
  r.study_year = c.study_year;
  r.base_case = base_case_text(o.solve, sol.converged ? &sol : nullptr);
  r.assumptions = io::describe_choices(c.assumptions());
  if (!sol.converged || !o.n1) return r;
  // N-1 from this base case, the taps held where it left them (as `lsflow n1` does).
  model::Network net = net_ref;
  report::apply_tap_positions(net, sol);
  study::ContingencyOptions co;
  co.tol_pu = o.solve.pf.tol_pu;
  co.max_iter = o.solve.pf.max_iter;
  co.threads = o.threads;
  co.enforce_q_limits = o.solve.pf.enforce_q_limits;
  study::ContingencyAnalysis ca(net, c.contingency_limits, co);
  const auto list = c.scenario ? study::scenario_contingencies(*c.scenario, ca) : ca.credible_contingencies();
  const auto res = ca.run(list);
  r.n1 = study::security_summary(ca, res, n1_selection_text(c), o.n1_top);
  return r;
}

namespace {

struct RunArgs {
  std::string path;
  SolverFlags solver;
  OutputFlags output;
  bool no_n1 = false;
  int threads = 0;
  std::string curtail;
  bool curtail_given = false;
  std::vector<std::string> assume;
};

int run_run(const RunArgs& a) {
  const StudyCase c = load_scenario_case(a.path, assume_choices(a.assume));
  report::TextOptions text;
  text.top_n = a.output.top;
  text.wide = a.output.wide;
  StudyRunOptions o;
  o.solve = study_solve_options(a.solver);
  o.n1 = !a.no_n1;
  o.threads = a.threads;
  o.curtail = a.curtail_given;
  o.curtail_n1 = a.curtail == "n1";
  if (o.curtail_n1 && a.no_n1) throw UsageError("--curtail n1 needs the N-1 assessment: drop --no-n1");
  const report::StudyReport r = study_scenario(c, o);

  if (a.output.format == "json")
    std::fputs((report::study_report_json(r).dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(report::fit_lines(report::study_report_text(r, text), a.output.wide ? 0 : report::kTextWidth).c_str(), stdout);

  std::fflush(stdout);   // the report before the diagnosis, also when both go to one pipe
  if (!r.converged()) {
    std::fputs(report::convergence_failure_text(r).c_str(), stderr);
    remove_stale_results(a.output.out, report::study_report_files());
    if (!a.output.html.empty()) std::filesystem::remove(a.output.html);
    std::fprintf(stderr, "no result files written\n");
    return kNotConverged;
  }
  write_html(a.output.html, report::study_report_html(r), a.output);
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
  cmd->add_flag("--no-n1", a->no_n1, "skip the N-1 assessment (default: the scenario's contingencies, else every "
                                     "credible one, in the verdict)");
  cmd->add_option("--curtail", a->curtail,
                  "the least wind curtailment that removes the overloads and voltage violations (n0: normal "
                  "operation; n1: also after every contingency), by sensitivity, verified by AC; the report is of "
                  "the curtailed case")
      ->expected(0, 1)
      ->default_str("n0")
      ->check(CLI::IsMember({"n0", "n1"}))
      ->type_name("[n0|n1]")
      ->each([a](const std::string&) { a->curtail_given = true; });
  add_threads(cmd, a->threads, 0, "contingencies solved in parallel");
  add_assume(cmd, a->assume);
  add_solver_flags(cmd, a->solver);
  cmd->callback([a, &rc] { rc = run_run(*a); });
}

}  // namespace lsflow::cli
