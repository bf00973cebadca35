// lsflow n1 INPUT [--out DIR] [--format text|json] [--threads N] [--top N] [--elements LIST]
//                 [--contingencies NAMES] [--tol PU] [--max-iter N] [--no-q-limits] [--no-progress]
//
// The base case is every study's (report::solve_network with the automatic tap changers and reactive
// limits, as `lsflow run` solves it); the taps stay where it left them through the outages.
// N-1 contingency analysis (core/study/contingency.hpp: method and assumptions). INPUT is a scenario
// (.yaml: its network, dispatch and limits file) or a bare network (MATPOWER .m, or an lsflow network
// .yaml — one with a `buses:` list), then checked against built-in limits (0.90–1.10 pu, 100 % of
// rate A), which the output says. Results are written only at the end, atomically; Ctrl-C stops the workers at their next
// contingency and nothing is written (a second Ctrl-C ends the process at once).
//
// Which contingencies: --contingencies NAMES (element names, comma-separated) or --elements LIST (every
// credible in-service element of those kinds); else the scenario's `contingencies:` key (scenario.hpp),
// when it has one; else every credible in-service line, transformer and generator (credible: not inside
// the external-grid equivalent, ContingencyAnalysis::credible_contingencies). The command line overrides
// the file.
//
// Exit status: 0 the analysis ran (even when contingencies violate limits or do not converge: the
// output says so), 2 bad input or options, 3 the base case does not converge, 130 interrupted.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "io/assumptions.hpp"
#include "report/text_table.hpp"
#include "common/errors.hpp"
#include "report/network_solution.hpp"
#include "report/study_report.hpp"
#include "report/tap_control.hpp"
#include "study/apply_scenario.hpp"
#include "study/contingency.hpp"
#include "study/limits.hpp"
#include "study/n1_report.hpp"
#include "study/progress.hpp"
#include "study/scenario.hpp"
#include "study/study_html.hpp"

namespace lsflow::cli {

namespace {

struct N1Args {
  std::vector<std::string> assume;
  std::string path;
  SolverFlags solver;
  OutputFlags output;
  int threads = 0;
  bool no_progress = false;
  std::string elements, contingencies;
};

int run_n1(const N1Args& a) {
  study::ElementKinds kinds;   // from --elements
  if (!a.elements.empty()) {
    for (const auto& item : split_list(a.elements))
      if (!study::add_element_kind(item, kinds))
        throw UsageError(fmt::format("option --elements: '{}' is not branches, transformers3w, generators or all", item));
    if (!kinds.any()) throw UsageError("option --elements: no kind given");
  }
  if (!a.elements.empty() && !a.contingencies.empty())
    throw UsageError("--elements and --contingencies do not go together");
  study::ContingencyOptions opt;
  opt.threads = a.threads;
  opt.tol_pu = a.solver.tol_pu;
  opt.max_iter = a.solver.max_iter;
  opt.enforce_q_limits = !a.solver.no_q_limits;

  study::InterruptFlag stop;   // from here on, Ctrl-C stops the analysis instead of the process
  StudyCase c = load_study_case(a.path, assume_choices(a.assume));
  const std::string& out = a.output.out;

  // The base case as every study solves it (report::solve_network: automatic taps settle, reactive limits),
  // then held: the outages are solved with the taps where the base case left them.
  const report::SolveOptions so = study_solve_options(a.solver);
  const report::NetworkSolution base = report::solve_network(c.net, so);
  if (!base.converged) {
    for (const auto& isl : base.islands)
      if (!isl.converged) std::fprintf(stderr, "%s", report::describe_attempts(c.net, isl).c_str());
    std::fprintf(stderr, "error: the base case did not converge; N-1 needs a solved base case\nno result files written\n");
    remove_stale_results(out, study::n1_output_files());
    return kNotConverged;
  }
  report::apply_tap_positions(c.net, base);
  std::unique_ptr<study::ContingencyAnalysis> ca_ptr;
  try {
    ca_ptr = std::make_unique<study::ContingencyAnalysis>(c.net, c.contingency_limits, opt);   // solves the base case
  } catch (const NotConverged& e) {
    std::fprintf(stderr, "error: %s\nno result files written\n", e.what());
    remove_stale_results(out, study::n1_output_files());
    return kNotConverged;
  }
  study::ContingencyAnalysis& ca = *ca_ptr;
  ca.set_note(base_case_text(so, &base) + "; the outages are solved with the taps held where the base case left them");
  std::vector<study::Contingency> list;
  if (!a.contingencies.empty()) {
    for (const auto& name : split_list(a.contingencies)) list.push_back(ca.find_contingency(name));
    if (list.empty()) throw UsageError("option --contingencies: no name given");
  } else if (!a.elements.empty()) {
    list = ca.credible_contingencies(kinds.branches, kinds.trafos3w, kinds.generators);
  } else if (c.scenario) {
    list = study::scenario_contingencies(*c.scenario, ca);
    if (c.scenario->contingencies.is_set())
      std::fprintf(stderr, "%s\n",
                   fmt::format("contingencies: {} from the scenario ({}; --contingencies or --elements override it)",
                               list.size(), c.scenario->contingencies.loc.str())
                       .c_str());
  } else {
    list = ca.credible_contingencies();
  }
  if (stop.raised()) {
    std::fprintf(stderr, "interrupted: no result files written\n");
    remove_stale_results(out, study::n1_output_files());
    return kInterrupted;
  }

  // Progress: the workers count finished contingencies; this thread draws.
  std::atomic<std::size_t> done{0};
  study::ContingencyResults res;
  {
    study::Progress progress("n1", list.size(), "contingencies", stderr, !a.no_progress);
    std::mutex m;
    std::condition_variable cv;
    bool finished = false;
    std::thread drawer([&] {
      std::unique_lock lock(m);
      while (!cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return finished; }))
        progress.update(done.load(std::memory_order_relaxed));
    });
    auto stop_drawer = [&] {
      {
        std::lock_guard lock(m);
        finished = true;
      }
      cv.notify_all();
      drawer.join();
    };
    try {
      res = ca.run(list, study::RunControl{&study::InterruptFlag::flag(), &done});
    } catch (...) {
      stop_drawer();
      throw;
    }
    stop_drawer();
    progress.update(done.load());
    progress.finish(res.interrupted ? "interrupted" : "");
  }
  if (res.interrupted) {
    std::fprintf(stderr, "interrupted: no result files written\n");
    remove_stale_results(out, study::n1_output_files());
    return kInterrupted;
  }
  if (a.output.format == "json")
    std::fputs((study::n1_json(ca, res, a.output.top).dump(2) + "\n").c_str(), stdout);
  else
  {
    std::string text = study::n1_text(ca, res, a.output.top, a.output.wide);
    // The alternatives in use, under the title line (as `run` has them).
    if (const auto as = io::describe_choices(c.assumptions()); !as.empty()) {
      const auto at = text.find("\nlimits:");
      text.insert(at == std::string::npos ? text.find('\n') + 1 : at + 1,
                  report::wrap_text("assume: " + as, a.output.wide ? 0 : report::kTextWidth, "", "  "));
    }
    std::fputs(report::fit_lines(text, a.output.wide ? 0 : report::kTextWidth).c_str(), stdout);
  }
  std::fflush(stdout);
  if (!a.output.html.empty()) {
    const report::ReportLimits rl = c.limits ? report::report_limits(c.net, *c.limits) : study::report_limits_of(c.net, c.contingency_limits);
    write_html(a.output.html, study::n1_html(ca, res, report::build_study_report(c.net, ca.base(), rl, c.name), a.output.top),
               a.output);
  }
  if (!out.empty()) {
    study::write_n1_outputs(out, ca, res, a.output.top);
    std::fprintf(a.output.format == "json" ? stderr : stdout, "%s\n",
                 fmt::format("results written to {} ({})", out, fmt::join(study::n1_output_files(), ", ")).c_str());
  }
  return kOk;
}

}  // namespace

void add_n1(CLI::App& app, int& rc) {
  auto a = std::make_shared<N1Args>();
  CLI::App* cmd = app.add_subcommand(
      "n1",
      "N-1: every credible in-service line, transformer and generator out in turn (not the external-grid "
      "equivalent), or the named ones; overloads against the emergency rating and voltages against the N-1 "
      "bands (a scenario's limits, else 0.90-1.10 pu / 100 %), ranked; outages that split the grid reported as "
      "islanding. The base case is solved as `run` solves it (taps settled, reactive limits) and the taps are "
      "held there. Which contingencies: --contingencies or --elements, else the scenario's `contingencies:` "
      "key, else every credible element.");
  cmd->add_option("INPUT", a->path, "scenario (.yaml), network file (.yaml) or MATPOWER case (.m)")->required();
  add_output_flags(cmd, a->output, 20,
                   "write contingencies.csv, overloads.csv, voltage_violations.csv, islanding.csv, element_worst.csv, "
                   "bus_worst.csv, summary.json here");
  cmd->add_option("--contingencies", a->contingencies, "element names, comma-separated (any element, grid included)")
      ->type_name("NAMES");
  cmd->add_option("--elements", a->elements, "every credible in-service element of these kinds: branches, "
                                             "transformers3w, generators, all")
      ->type_name("LIST");
  add_threads(cmd, a->threads, 0, "contingencies solved in parallel");
  add_no_progress(cmd, a->no_progress);
  add_assume(cmd, a->assume);
  add_solver_flags(cmd, a->solver, false, true);
  cmd->callback([a, &rc] { rc = run_n1(*a); });
}

}  // namespace lsflow::cli
