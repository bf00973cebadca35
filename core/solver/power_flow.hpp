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
  KluSolver::Settings klu{};
};

struct PhaseTimes {
  double ybus_ms = 0.0;
  double analyze_ms = 0.0;   // Jacobian pattern + KLU symbolic
  double iterate_ms = 0.0;   // Newton iterations (factor, solve, update, mismatch)
  double post_ms = 0.0;      // generator outputs, Q-limit checks
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
  std::string failure;             // why, when not converged (infeasible Q limits, …)
  PhaseTimes times;
};

// AC power flow of one island as MATPOWER's runpf does it: start from the case voltages with
// generator set-points, Newton–Raphson, then (optionally) the reactive-limit loop.
PfResult solve_ac(const MathModel& m, const PfOptions& opt);

// MATPOWER's pfsoln for the generators: Q of every unit at a PV/Ref bus from the solved injection
// (shared equally, then by Q range, among units at one bus) and P of the first unit at each Ref bus.
void generator_outputs(const MathModel& m, const Ybus& ybus, const std::vector<cplx>& v,
                       const std::vector<BusKind>& kind, const std::vector<std::uint8_t>& skip,
                       const std::vector<cplx>& s_extra_load, std::vector<double>& p_pu,
                       std::vector<double>& q_pu);

// Branch flows at both ends, per unit: S_from = V_f·conj(yff·V_f + yft·V_t), S_to likewise.
void branch_flows(const MathModel& m, const std::vector<cplx>& v, std::vector<cplx>& s_from,
                  std::vector<cplx>& s_to);

struct DcResult {
  std::vector<double> va_rad;      // per math bus
  std::vector<double> p_from_pu;   // per math branch (p_to = −p_from)
  std::vector<double> gen_p_pu;    // per math gen (the reference unit adjusted)
};

// DC power flow as MATPOWER's rundcpf: B'θ = P − Pshift − Gs, θ_ref fixed at the case value.
DcResult solve_dc(const MathModel& m, const KluSolver::Settings& klu = {});

}  // namespace lsflow::solver
