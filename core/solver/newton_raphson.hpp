#pragma once
#include <cstdint>
#include <vector>

#include "solver/klu_solver.hpp"
#include "solver/math_model.hpp"
#include "solver/split_lu.hpp"
#include "solver/ybus.hpp"

namespace lsflow::solver {

struct NrOptions {
  double tol_pu = 1e-8;   // ∞-norm of the power mismatch, per unit
  int max_iter = 10;      // MATPOWER's pf.nr.max_it
  // Damped Newton: backtracking line search on ‖F‖₂ (Armijo: accept the step length μ when
  // ‖F(x + μΔx)‖₂ ≤ (1 − μ/2)·‖F(x)‖₂, else halve μ, down to 1/64). Off for the plain method,
  // which must take MATPOWER's steps.
  bool line_search = false;
};

struct NrResult {
  bool converged = false;
  int iterations = 0;
  double max_mismatch_pu = 0.0;   // ∞-norm at the returned voltages
  std::int32_t worst_bus = -1;    // math bus with the largest mismatch
  std::vector<double> mismatch_history_pu;  // ∞-norm before each iteration and at the end
};

// Newton–Raphson in polar coordinates for one island, with the Jacobian's pattern, its fill maps and
// KLU's symbolic analysis built once in the constructor and kept across iterations and solves.
//
// Unknowns x = [θ(pv ∪ pq); |V|(pq)] (each in bus order), equations F = [ΔP(pv ∪ pq); ΔQ(pq)] with
//   ΔS = V ∘ conj(Ybus·V) − Sbus            (MATPOWER manual, eq. 4.3; newtonpf.m)
// and J·Δx = −F. With I = Ybus·V and, for each Ybus term (i, k), t = V_i·conj(Y_ik·V_k):
//   ∂S_i/∂θ_k   = −j·t + δ_ik · j·S_i                 (S_i = V_i·conj(I_i))
//   ∂S_i/∂|V_k| =  t/|V_k| + δ_ik · S_i/|V_i|
// which is dSbus_dV (MATPOWER manual, eq. 4.5–4.6) written entry by entry. So one pass over Ybus
// yields I (and hence the mismatch) and every Jacobian term but the diagonal corrections, which use
// S_i from the same product. Each Ybus entry has four precomputed destinations in KLU's value array
// (∂P/∂θ, ∂Q/∂θ, ∂P/∂|V|, ∂Q/∂|V|); a missing one points at a scratch slot past the end, so the fill
// loop has no branches. |V| and θ are kept as the state (no abs/arg per iteration) and V is rebuilt
// from them once per update.
//
// The iteration loop allocates nothing: every buffer is sized here; solve() only reserves the
// returned mismatch history once per call, before the loop.
class NewtonRaphson {
 public:
  NewtonRaphson(const Ybus& ybus, const std::vector<BusKind>& kind, KluSolver::Settings klu = {});

  // v: start in, solution out. sbus: specified injections, per unit. Throws SingularMatrix with a
  // math bus index when the Jacobian is singular.
  NrResult solve(std::vector<cplx>& v, const std::vector<cplx>& sbus, const NrOptions& opt);

  // The phases of one iteration, public for the benchmarks (bench/) and tests.
  void load_state(const std::vector<cplx>& v);     // |V|, θ, V from a complex vector
  double evaluate(const std::vector<cplx>& sbus);  // I = Y·V, mismatch F, Jacobian values; returns ‖F‖∞
  double evaluate_mismatch(const std::vector<cplx>& sbus);  // I and F only; returns ‖F‖∞
  double evaluate_mismatch_sq(const std::vector<cplx>& sbus);  // I and F only; returns ‖F‖₂²
  void factorize();                                // KLU refactor (factor the first time)
  void solve_step();                               // Δx into the step buffer
  void update_voltage();                           // θ, |V| += Δx; V from them
  void store_state(std::vector<cplx>& v) const { v = v_; }
  // x ← J⁻¹·x with the last factorization (x: n_eq() values). At a solution, with evaluate() and
  // factorize() there, J⁻¹·e_k is the change of the unknowns per unit of specified injection in equation
  // k (ΔP of a bus: the reference bus takes the balance) — the sensitivities curtailment works with.
  void solve_linear(double* x);
  // The unknown index of a bus's angle and magnitude (-1: not an unknown: the reference, a PV bus's |V|);
  // the same indices number the equations (ΔP, ΔQ of the bus).
  [[nodiscard]] std::int32_t theta_index(std::int32_t bus) const { return theta_idx_[static_cast<std::size_t>(bus)]; }
  [[nodiscard]] std::int32_t vm_index(std::int32_t bus) const { return vm_idx_[static_cast<std::size_t>(bus)]; }

  [[nodiscard]] std::int32_t n_eq() const { return n_eq_; }
  [[nodiscard]] const std::vector<std::int32_t>& jac_colptr() const { return ap_; }
  [[nodiscard]] const std::vector<std::int32_t>& jac_rowidx() const { return ai_; }
  [[nodiscard]] const std::vector<double>& jac_values() const { return ax_; }  // size nnz + 1 (scratch)
  [[nodiscard]] const std::vector<double>& mismatch() const { return f_; }
  [[nodiscard]] KluSolver& klu() { return klu_; }
  // Whether the Jacobian is factored on two threads (SplitLu) rather than by KLU.
  [[nodiscard]] bool two_threads() const { return use_split_; }
  [[nodiscard]] const SplitLu& split_lu() const { return split_; }
  // The bus behind a Jacobian column (for a singular matrix message).
  [[nodiscard]] std::int32_t bus_of_column(std::int32_t col) const;

 private:
  const Ybus* ybus_;
  std::int32_t n_bus_ = 0;
  std::int32_t n_pvpq_ = 0;
  std::int32_t n_eq_ = 0;
  std::vector<std::int32_t> theta_idx_;   // per bus: unknown index of θ, or -1 (reference)
  std::vector<std::int32_t> vm_idx_;      // per bus: unknown index of |V|, or -1 (PV, reference)
  std::vector<std::int32_t> col_bus_;     // per unknown: its bus
  std::vector<std::int32_t> ap_, ai_;     // Jacobian pattern, CSC
  std::vector<double> ax_;                // Jacobian values + 1 scratch slot
  std::vector<std::int32_t> fill_map_;    // 4 per Ybus entry
  std::vector<std::int32_t> diag_map_;    // 4 per bus
  KluSolver klu_;
  SplitLu split_;
  bool use_split_ = false;

  std::vector<double> vm_, va_;
  std::vector<cplx> v_, u_, i_;   // V, e^{jθ}, Ybus·V
  std::vector<double> f_, dx_;
  std::vector<double> vm_prev_, va_prev_;   // line search: the state the step starts from
  std::int32_t worst_bus_ = -1;

  void apply_step(double mu);   // θ, |V| = previous − μ·Δx (line search); V by sincos
  double mismatch_norm2() const;
  void analyze_klu();
};

}  // namespace lsflow::solver
