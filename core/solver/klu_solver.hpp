#pragma once
#include <cstdint>
#include <vector>

#include <klu.h>

namespace lsflow::solver {

// RAII wrapper over SuiteSparse KLU for a square real matrix in CSC form whose pattern is fixed.
//   analyze()   once per pattern (ordering: symbolic, kept across factorisations and solves);
//   factor()    numeric LU with partial pivoting (first time, or when refactor() is not safe);
//   refactor()  numeric LU reusing the pivot sequence (every Newton iteration);
//   solve()     in place.
// A singular matrix throws SingularMatrix with the *column* KLU found singular; the caller maps the
// column back to a bus (see NewtonRaphson).
class KluSolver {
 public:
  struct Settings {
    // 0: AMD, 1: COLAMD. AMD on the symmetric pattern of the power-flow Jacobian gave the least
    // fill and the fastest refactor on the PEGASE cases (bench/: BM_KluOrdering).
    int ordering = 0;
    // KLU row scaling: -1 none, 0 no scaling but check, 1 sum, 2 max. Scaling costs a pass over the
    // values at every refactor; the Jacobian rows are already well balanced in per unit.
    int scale = -1;
    // Block triangular form: the Jacobian of a connected island is one irreducible block, so BTF
    // only adds work.
    int btf = 0;
    // Newton–Raphson only: factor on two threads with SplitLu (split_lu.hpp) instead of KLU when
    // the Jacobian has at least split_min_unknowns unknowns and the machine has two hardware
    // threads; KLU remains the fallback (a pivot SplitLu refuses). Studies that already run solves
    // in parallel turn it off. The threshold is measured (bench/: BM_SplitFactor vs BM_KluRefactor).
    bool two_threads = true;
    std::int32_t split_min_unknowns = 4000;
  };

  KluSolver();
  explicit KluSolver(Settings s);
  ~KluSolver();
  KluSolver(const KluSolver&) = delete;
  KluSolver& operator=(const KluSolver&) = delete;
  KluSolver(KluSolver&& o) noexcept;
  KluSolver& operator=(KluSolver&& o) noexcept;

  // The arrays must stay alive and unchanged in pattern until the next analyze().
  void analyze(std::int32_t n, const std::int32_t* ap, const std::int32_t* ai);
  void factor(const double* ax);
  // Reuses the pivot order; falls back to factor() when KLU reports a tiny pivot.
  void refactor(const double* ax);
  void solve(double* rhs);
  [[nodiscard]] bool analyzed() const { return symbolic_ != nullptr; }
  [[nodiscard]] bool factored() const { return numeric_ != nullptr; }
  // Reciprocal pivot growth estimate of the last factorisation (cheap): klu_rcond.
  [[nodiscard]] double rcond();

 private:
  void release();
  [[noreturn]] void fail(const char* what);
  klu_common common_{};
  klu_symbolic* symbolic_ = nullptr;
  klu_numeric* numeric_ = nullptr;
  std::int32_t n_ = 0;
  const std::int32_t* ap_ = nullptr;
  const std::int32_t* ai_ = nullptr;
};

}  // namespace lsflow::solver
