// lsflow solve CASE [--flat-start] [--enforce-q-limits | --no-q-limits] [--dc] [--tol PU] [--max-iter N] [--out DIR]
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "commands.hpp"
#include "common/errors.hpp"
#include "io/read_network.hpp"
#include "report/network_solution.hpp"
#include "report/solve_output.hpp"

namespace lsflow::cli {

namespace {
double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string bus_label(const model::Network& net, BusIdx b) {
  if (!b.valid()) return "a transformer star point";
  const auto& bus = net.bus(b);
  return bus.name.empty() ? fmt::format("bus {}", bus.id) : fmt::format("bus {} ({})", bus.id, bus.name);
}
}  // namespace

namespace {

struct SolveArgs {
  std::string path;
  SolverFlags solver;
  bool enforce_q_limits = false;
  bool dc = false;
  bool no_fallback = false;
  bool no_diagnosis = false;
  std::string out;
  std::vector<std::string> assume;
};

int run_solve(const SolveArgs& a) {
  report::SolveOptions opt;
  opt.dc = a.dc;
  opt.pf.flat_start = a.solver.flat_start;
  opt.pf.tol_pu = a.solver.tol_pu;
  opt.pf.max_iter = a.solver.max_iter;
  opt.pf.fallbacks = !a.no_fallback;
  opt.diagnose_load_scale = !a.no_diagnosis;
  if (a.enforce_q_limits && a.solver.no_q_limits) throw UsageError("--enforce-q-limits and --no-q-limits contradict each other");

  auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(a.path, ec)) throw InputError(SourceLoc{a.path, 0}, "file not found");
  const model::Network net = io::read_network(a.path, assume_choices(a.assume));
  const double read_ms = ms_since(t0);
  // MATPOWER cases keep MATPOWER's default (no reactive limits), so that the validation is MATPOWER's
  // runpf; lsflow network files are studies: limits on, as in every study command.
  const bool matpower = std::filesystem::path(a.path).extension() == ".m";
  opt.pf.enforce_q_limits = a.enforce_q_limits || (!matpower && !a.solver.no_q_limits);
  if (opt.dc && a.enforce_q_limits) throw UsageError("--dc and --enforce-q-limits do not go together");
  if (opt.dc) opt.pf.enforce_q_limits = false;
  t0 = std::chrono::steady_clock::now();
  const auto sol = report::solve_network(net, opt);
  const double solve_ms = ms_since(t0);

  std::fputs(report::solve_summary_text(net, sol, read_ms, solve_ms).c_str(), stdout);
  if (!opt.dc)
    std::printf("reactive limits %s\n", opt.pf.enforce_q_limits
                                           ? "enforced"
                                           : (matpower ? "not enforced (MATPOWER's default for a case file; "
                                                         "--enforce-q-limits enforces them)"
                                                       : "not enforced (--no-q-limits)"));
  for (const auto& isl : sol.islands) {
    const auto text = report::describe_attempts(net, isl);
    if (isl.converged && !text.empty())
      std::fprintf(stdout, "plain Newton-Raphson failed; solved by the fallback chain:\n%s", text.c_str());
  }
  if (!sol.converged) {
    for (const auto& isl : sol.islands) {
      if (isl.converged) continue;
      std::fprintf(stderr, "%s\n%s",
                   fmt::format("error: power flow did not converge{}: after {} iterations in all the largest mismatch "
                               "is {:.4g} MVA at {}",
                               isl.failure.empty() ? "" : " (" + isl.failure + ")", isl.iterations,
                               isl.max_mismatch_mva, bus_label(net, isl.worst_bus))
                       .c_str(),
                   report::describe_attempts(net, isl).c_str());
    }
    std::fprintf(stderr, "no result files written\n");
    remove_stale_results(a.out, {"buses.csv", "gens.csv", "branches.csv", "summary.json"});
    return kNotConverged;
  }
  if (!a.out.empty()) {
    report::write_solve_outputs(a.out, net, sol, read_ms, solve_ms);
    std::printf("results written to %s\n", a.out.c_str());
  }
  return kOk;
}

}  // namespace

void add_solve(CLI::App& app, int& rc) {
  auto a = std::make_shared<SolveArgs>();
  CLI::App* cmd = app.add_subcommand(
      "solve",
      "One AC (or DC) power flow of a MATPOWER .m case or an lsflow network .yaml file. When plain "
      "Newton-Raphson fails, a DC start and a damped Newton are tried; if all fail, the worst bus and the "
      "largest solvable load scale are reported. Reactive limits: MATPOWER's default (off) for a .m case, "
      "on for a network file.");
  cmd->add_option("CASE", a->path, "MATPOWER case (.m, version 2) or lsflow network file (.yaml)")->required();
  add_solver_flags(cmd, a->solver, true, true);
  add_assume(cmd, a->assume);
  cmd->add_flag("--enforce-q-limits", a->enforce_q_limits,
                "enforce reactive limits on a MATPOWER case (MATPOWER's pf.enforce_q_lims = 1)");
  cmd->add_flag("--dc", a->dc, "DC power flow (MATPOWER's rundcpf)");
  cmd->add_flag("--no-fallback", a->no_fallback, "fail after plain Newton-Raphson (no DC start, no damping)");
  cmd->add_flag("--no-diagnosis", a->no_diagnosis, "on failure, do not search the largest solvable load scale");
  cmd->add_option("--out", a->out,
                  "write buses.csv, gens.csv, branches.csv, summary.json here (case-file order and bus numbers)")
      ->type_name("DIR");
  cmd->callback([a, &rc] { rc = run_solve(*a); });
}

}  // namespace lsflow::cli
