#pragma once
// Post-contingency AC power flow of one island, warm-started from its solved base case: the engine
// under N-1 (study/contingency.hpp) and anything else that solves many single outages of one network.
// Math model only; the method and its derivation are at the top of outage_solver.cpp.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "solver/klu_solver.hpp"
#include "solver/math_model.hpp"
#include "solver/newton_raphson.hpp"
#include "solver/ybus.hpp"

namespace lsflow::solver {

struct OutageOptions {
  double tol_pu = 1e-8;       // ∞-norm of the power mismatch, as the base case
  int max_iter = 10;          // Newton iterations (each refactors the Jacobian)
  // Steps with the base-case factorisation (plus the outage's low-rank correction) before Newton takes
  // over; a step must cut the mismatch at least by `chord_rate`, else Newton takes over at once.
  int max_chord_iter = 30;
  double chord_rate = 0.5;
  // The chord goes on (cheap steps) until the mismatch is below tol·chord_margin, so that its answer is
  // as close to the exact solution as a quadratically converged Newton's; it is converged at tol.
  double chord_margin = 0.1;
  // Broyden updates on top of the corrected base factorisation (good Broyden, Kelley's limited-memory
  // form: one solve per step, superlinear instead of linear convergence). Off: plain chord steps.
  bool broyden = true;
  // The first step after a branch outage as a plain solve instead of from Z (for comparisons).
  bool first_step_solve = false;
  KluSolver::Settings klu{};
};

struct OutageSolution {
  bool converged = false;
  bool singular = false;          // a singular Jacobian stopped Newton (reported as not converged)
  bool no_reference = false;      // no unit is left that could hold the reference: nothing was solved
  bool pattern_changed = false;   // a bus lost its last voltage-controlling unit: a new Jacobian pattern
  // Split outages only: the cut-off part was too large for the low-rank correction, or the chord did
  // not converge; nothing was solved and the caller should solve the remaining part on its own.
  bool needs_reduced_solve = false;
  int chord_iterations = 0;       // steps with the base factorisation
  int newton_iterations = 0;      // steps with a refactored Jacobian
  double max_mismatch_pu = 0.0;   // ∞-norm at the returned voltages
  std::int32_t worst_bus = -1;    // math bus with the largest mismatch
};

// One island's post-outage solver. Owns its Ybus copy, Newton–Raphson object (Jacobian pattern, KLU
// symbolic) and the base-case numeric factorisation; not thread-safe, so give each thread its own.
// solve() leaves the object exactly as it found it (Ybus values restored bit for bit, the base
// factorisation intact), so a result never depends on which outages the object solved before, and
// allocates nothing unless a bus changes type or Newton has to take over.
class OutageSolver {
 public:
  // Largest number of Jacobian rows an outage may touch for the low-rank correction (a branch between
  // two PQ buses touches 4; a split outage 2 per cut-off bus plus those of the remaining ends).
  static constexpr int kMaxRank = 16;

  // m: the island (must outlive this object); kind: its base-case bus kinds; v_base: the converged
  // base-case voltages with those kinds and all of m's branches and units in service.
  OutageSolver(const MathModel& m, const std::vector<BusKind>& kind, const std::vector<cplx>& v_base,
               const OutageOptions& opt = {});
  ~OutageSolver();
  OutageSolver(const OutageSolver&) = delete;
  OutageSolver& operator=(const OutageSolver&) = delete;

  // Takes math branches `branches_out` and units `gens_out` out of service, solves from the base-case
  // voltages (the set-point of a bus whose last-listed unit went out moves to the unit now last), and
  // puts everything back. The lost P of a unit is picked up by the reference unit, as in a plain power
  // flow. Without `branches_out` the island must stay connected (check topology::math_bridges first).
  //
  // `buses_cut_off`: when `branches_out` split the island, exactly the buses that lose their connection
  // to every reference bus. They are dropped (their voltages stay at the base values and mean nothing)
  // and the rest is solved as the network without them, as long as the cut-off part is small (see
  // kMaxRank); else needs_reduced_solve is set. Not combined with `gens_out`.
  const OutageSolution& solve(std::span<const std::int32_t> branches_out, std::span<const std::int32_t> gens_out,
                              std::span<const std::int32_t> buses_cut_off = {});

  // The last solve(): voltages, bus kinds, injections and which units were out (1 = out).
  [[nodiscard]] const std::vector<cplx>& voltage() const { return v_; }
  [[nodiscard]] const std::vector<BusKind>& kind() const { return pattern_changed_ ? kind_ : kind_base_; }
  [[nodiscard]] const std::vector<cplx>& sbus() const { return sbus_; }
  [[nodiscard]] const std::vector<std::uint8_t>& gen_out() const { return gen_out_; }
  [[nodiscard]] const MathModel& model() const { return *m_; }
  [[nodiscard]] const std::vector<cplx>& base_voltage() const { return v_base_; }
  [[nodiscard]] const std::vector<BusKind>& base_kind() const { return kind_base_; }
  // Ybus with every branch in service (between solves).
  [[nodiscard]] const Ybus& ybus() const { return ybus_; }

 private:
  void set_injections_and_start(std::span<const std::int32_t> gens_out);
  void restore_branch(std::int32_t b);
  bool prepare_correction(std::span<const std::int32_t> branches_out, std::span<const std::int32_t> buses_cut_off);
  [[nodiscard]] double j0_at(std::int32_t row, std::int32_t col) const;
  double mismatch();
  void apply_h0(bool corrected);   // x_ ← J1⁻¹·x_ (base factors + low-rank correction)
  void apply_correction();         // x_ ← x_ − Z·D·M⁻¹·(E_cᵀ·x_): J0⁻¹ → J1⁻¹
  void apply_step(const double* s);  // state += s (θ, |V|), V from them
  void newton(bool from_start);

  const MathModel* m_;
  OutageOptions opt_;
  Ybus ybus_;
  std::vector<cplx> y_base_;                 // Ybus values with every branch in
  // Ybus by rows (CSR) for the mismatch, a gather per bus instead of a scatter; kept in step with ybus_
  // for the branches out. csr_of_[p]: the CSR position of CSC position p.
  std::vector<std::int32_t> csr_ptr_, csr_col_, csr_of_;
  std::vector<cplx> csr_val_, csr_base_;
  std::vector<BusKind> kind_base_, kind_;
  std::unique_ptr<NewtonRaphson> nr_;        // on ybus_, base kinds; its KLU holds J0's factors
  std::vector<double> j0_;                   // J0 = J(v_base) values, NR's layout
  std::int32_t n_bus_ = 0, n_eq_ = 0;
  std::vector<std::int32_t> theta_idx_, vm_idx_;   // as NewtonRaphson's unknowns/equations
  // Units per bus in list order (CSR), for injections and set-points.
  std::vector<std::int32_t> unit_ptr_, unit_list_;
  std::vector<cplx> v_base_, u_base_, sbus_base_;
  std::vector<double> vm_base_, va_base_;

  // Per solve.
  OutageSolution sol_;
  bool pattern_changed_ = false;
  std::vector<std::uint8_t> gen_out_, bus_off_;
  std::vector<std::int32_t> gens_marked_;
  std::span<const std::int32_t> buses_off_;
  std::vector<cplx> v_, u_, sbus_, i_;
  std::vector<double> vm_, va_, f_, x_;
  // Low-rank correction J1 = J0 + E_r·D·E_cᵀ: rows/cols (global), Z = J0⁻¹E_r, ZD = Z·D, and M's LU.
  int n_rows_ = 0, n_cols_ = 0;
  std::int32_t rows_[kMaxRank]{}, cols_[kMaxRank]{};
  std::vector<double> z_, zd_;
  std::vector<double> steps_;        // Broyden: the steps taken, (max_chord_iter + 1) × n_eq
  std::vector<double> step_norm2_;
  struct SmallLu;
  std::unique_ptr<SmallLu> lu_;
};

}  // namespace lsflow::solver
