#pragma once
#include <cstdint>
#include <vector>

#include "solver/klu_solver.hpp"
#include "solver/math_model.hpp"
#include "solver/newton_raphson.hpp"

namespace lsflow::solver {

struct PfOptions {
  double tol_pu = 1e-8;
  int max_iter = 10;
  bool flat_start = false;        // 1∠0 instead of the case file's voltages (set-points still apply)
  bool enforce_q_limits = false;  // MATPOWER pf.enforce_q_lims = 1
  // When plain Newton fails: retry from a DC power-flow start, then with a damped Newton (line
  // search, up to 3×max_iter iterations) from that start. Off: fail after the plain attempt.
  bool fallbacks = true;
  KluSolver::Settings klu{};
};

// One try of the Newton method within a solve.
struct Attempt {
  std::string method;           // "newton", "newton from DC start", "damped newton from DC start"
  bool converged = false;
  int iterations = 0;
  double max_mismatch_pu = 0.0;
  std::int32_t worst_bus = -1;
  std::vector<double> mismatch_history_pu;
  int units_at_q_limit = 0;     // an attempt after the reactive-limit loop held units at a limit
  // Whether ‖F‖∞ went down over the last iterations (a slowly converging case may deserve more
  // iterations; a growing one is diverging).
  [[nodiscard]] bool shrinking() const;
};

struct PhaseTimes {
  double ybus_ms = 0.0;
  double analyze_ms = 0.0;   // Jacobian pattern + KLU symbolic
  double iterate_ms = 0.0;   // Newton iterations (factor, solve, update, mismatch)
  double post_ms = 0.0;      // generator outputs, Q-limit checks
  int lu_threads = 0;        // 2: the Jacobian was factored on two threads (SplitLu), 1: by KLU
};

struct PfResult {
  bool converged = false;
  int iterations = 0;              // Newton iterations, summed over the Q-limit loop
  double max_mismatch_pu = 0.0;
  std::int32_t worst_bus = -1;     // math bus of the largest mismatch
  std::vector<double> mismatch_history_pu;  // of the last Newton run
  std::vector<cplx> v;             // per math bus
  std::vector<double> gen_p_pu;    // per math gen
  std::vector<double> gen_q_pu;
  std::vector<BusKind> kind;       // final bus kinds
  std::vector<std::uint8_t> gen_at_limit;  // 1 where the Q-limit loop fixed the unit at a limit
  int q_limit_rounds = 0;
  std::vector<Attempt> attempts;   // of the first solve (later Q-limit rounds start warm)
  std::string failure;             // why, when not converged (infeasible Q limits, …)
  PhaseTimes times;
};

// AC power flow of one island as MATPOWER's runpf does it: start from the case voltages with
// generator set-points, Newton–Raphson, then (optionally) the reactive-limit loop.
PfResult solve_ac(const MathModel& m, const PfOptions& opt);

// The island as a converged solve with reactive limits left it: every unit at a limit (r.gen_at_limit)
// held there (MathGen::q_fixed, q_pu at the limit, p_pu as solved), the bus kinds typed as solved
// (r.kind: PQ where no regulating unit is left, the reference where it moved) and the start voltages
// the solution's. Solving it gives r again, without a Q-limit round; it is the base case that studies
// perturb (N-1 outages, hours), keeping the base case's units at their limits.
[[nodiscard]] MathModel freeze_q_limits(const MathModel& m, const PfResult& r);

// MATPOWER's pfsoln for the generators: Q of every unit at a PV/Ref bus from the solved injection
// (shared equally, then by Q range, among units at one bus) and P of the first unit at each Ref bus.
void generator_outputs(const MathModel& m, const Ybus& ybus, const std::vector<cplx>& v,
                       const std::vector<BusKind>& kind, const std::vector<std::uint8_t>& skip,
                       const std::vector<cplx>& s_extra_load, std::vector<double>& p_pu,
                       std::vector<double>& q_pu);

// Branch flows at both ends, per unit: S_from = V_f·conj(yff·V_f + yft·V_t), S_to likewise.
void branch_flows(const MathModel& m, const std::vector<cplx>& v, std::vector<cplx>& s_from,
                  std::vector<cplx>& s_to);

// The largest factor λ ∈ [0, 1] by which every load and every generator's P can be scaled with the
// power flow still solving (bisection to 1/2^steps, each trial with the fallback chain and opt's
// reactive-limit setting). Used to say "the load is simply too high" (or, for an exporting island, "the
// generation is more than the network can carry out") when a case fails. Returns 0 when even
// λ = 1/2^steps fails.
double find_max_load_scale(const MathModel& m, const PfOptions& opt, int steps = 10);

struct DcResult {
  std::vector<double> va_rad;      // per math bus
  std::vector<double> p_from_pu;   // per math branch (p_to = −p_from)
  std::vector<double> gen_p_pu;    // per math gen (the reference unit adjusted)
};

// DC power flow as MATPOWER's rundcpf: B'θ = P − Pshift − Gs, θ_ref fixed at the case value.
DcResult solve_dc(const MathModel& m, const KluSolver::Settings& klu = {});

}  // namespace lsflow::solver
