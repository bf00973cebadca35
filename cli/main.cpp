// lsflow: AC load flow for the Lạng Sơn grid and any MATPOWER case.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "common/errors.hpp"

namespace {
constexpr const char* kUsage = R"(usage: lsflow COMMAND [ARGS]

commands:
  solve CASE [--flat-start] [--enforce-q-limits] [--dc] [--tol PU] [--max-iter N] [--out DIR]
             [--no-fallback] [--no-diagnosis]
        AC (or DC) power flow of a MATPOWER .m case or an lsflow network .yaml file. When plain
        Newton-Raphson fails, a DC start and a damped Newton are tried; if all fail, the largest
        solvable load scale is reported.
  run SCENARIO [--out DIR] [--format text|json] [--top N] [--flat-start] [--enforce-q-limits]
        Solve a study scenario; report generation by kind, import/export, losses, the most loaded
        elements, buses outside their band and a VERDICT line (exit 0 even with violations).
  compare A B [C...] [--out DIR] [--format text|json] [--top N] [--show-unchanged] [--flat-start]
          [--enforce-q-limits]
        Compare scenarios (or folders written by run --out) by element name, A the base.
  timeseries SCENARIO --profiles FILE [--out DIR] [--format text|json] [--top N] [--hours A-B]
             [--tol PU] [--max-iter N] [--no-chord] [--fixed-taps] [--threads N] [--no-progress]
        One power flow per hour of a profile CSV (loads by zone, wind/solar/hydro per unit of installed),
        warm-started hour to hour: maximum loading and its hour, hours above the limit, energy losses,
        energy by source, hours with a voltage violation, hours that did not converge.
  hosting SCENARIO [--buses A,B,...] [--max-mw MW] [--step-mw MW] [--no-n1] [--vg PU]
          [--voltage-min-kv KV] [--out DIR] [--format text|json] [--threads N] [--no-progress]
        Largest wind MW each 110/220 kV bus takes before the first overload or voltage violation, in
        normal operation and under N-1, with the binding element (bisection to --step-mw, default 5).
  n1 INPUT [--out DIR] [--format text|json] [--threads N] [--top N] [--elements LIST]
     [--contingencies NAMES] [--tol PU] [--max-iter N] [--no-progress]
        N-1: every in-service line, transformer and generator out in turn (or the named ones); overloads
        and voltages against the N-1 limits (a scenario's, else 0.90-1.10 pu / 100 %), ranked; outages
        that split the grid reported as islanding; non-converging outages reported as such.
        Which contingencies: --contingencies A,B,... (element names) or --elements LIST (branches,
        transformers3w, generators, all); else the scenario's own list, its `contingencies:` key
        ([names] or {elements: [kinds]}), when it has one; else every element. The command line
        overrides the scenario's list.

exit status: 0 converged, 2 bad input or options, 3 did not converge.
)";
}

int main(int argc, char** argv) {
  using namespace lsflow;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? cli::kBadInput : cli::kOk;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end()) {   // lsflow COMMAND --help
    std::fputs(kUsage, stdout);
    return cli::kOk;
  }
  try {
    if (cmd == "solve") return cli::cmd_solve(args);
    if (cmd == "run") return cli::cmd_run(args);
    if (cmd == "compare") return cli::cmd_compare(args);
    if (cmd == "timeseries") return cli::cmd_timeseries(args);
    if (cmd == "hosting") return cli::cmd_hosting(args);
    if (cmd == "n1") return cli::cmd_n1(args);
    throw UsageError(fmt::format("unknown command '{}'", cmd));
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return cli::kBadInput;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "lsflow %s: %s\n%s", cmd.c_str(), e.what(), kUsage);
    return cli::kBadInput;
  } catch (const SingularMatrix& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return cli::kNotConverged;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return cli::kFailure;
  }
}
