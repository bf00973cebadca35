// lsflow solve CASE [--flat-start] [--enforce-q-limits] [--dc] [--tol PU] [--max-iter N] [--out DIR]
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "args.hpp"
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

int cmd_solve(const std::vector<std::string>& argv) {
  Args args(argv, {"--flat-start", "--enforce-q-limits", "--dc", "--no-fallback", "--no-diagnosis"}, {"--tol", "--max-iter", "--out"});
  if (args.positional().size() != 1) throw UsageError("solve needs exactly one case file: lsflow solve CASE.m [options]");
  report::SolveOptions opt;
  opt.dc = args.flag("--dc");
  opt.pf.flat_start = args.flag("--flat-start");
  opt.pf.enforce_q_limits = args.flag("--enforce-q-limits");
  opt.pf.tol_pu = args.number("--tol", 1e-8, 1e-14, 1.0);
  opt.pf.max_iter = args.integer("--max-iter", 10, 1, 1000);
  opt.pf.fallbacks = !args.flag("--no-fallback");
  opt.diagnose_load_scale = !args.flag("--no-diagnosis");
  if (opt.dc && opt.pf.enforce_q_limits) throw UsageError("--dc and --enforce-q-limits do not go together");

  auto t0 = std::chrono::steady_clock::now();
  const model::Network net = io::read_network(args.positional()[0]);
  const double read_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  const auto sol = report::solve_network(net, opt);
  const double solve_ms = ms_since(t0);

  std::fputs(report::solve_summary_text(net, sol, read_ms, solve_ms).c_str(), stdout);
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
    return kNotConverged;
  }
  if (auto out = args.value("--out")) {
    report::write_solve_outputs(*out, net, sol, read_ms, solve_ms);
    std::printf("results written to %s\n", out->c_str());
  }
  return kOk;
}

}  // namespace lsflow::cli
