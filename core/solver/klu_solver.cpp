#include "solver/klu_solver.hpp"

#include <utility>

#include <fmt/format.h>

#include "common/errors.hpp"

namespace lsflow::solver {

KluSolver::KluSolver() : KluSolver(Settings{}) {}

KluSolver::KluSolver(Settings s) {
  klu_defaults(&common_);
  common_.ordering = s.ordering;
  common_.scale = s.scale;
  common_.btf = s.btf;
}

KluSolver::~KluSolver() { release(); }

KluSolver::KluSolver(KluSolver&& o) noexcept { *this = std::move(o); }

KluSolver& KluSolver::operator=(KluSolver&& o) noexcept {
  if (this != &o) {
    release();
    common_ = o.common_;
    symbolic_ = std::exchange(o.symbolic_, nullptr);
    numeric_ = std::exchange(o.numeric_, nullptr);
    n_ = o.n_;
    ap_ = o.ap_;
    ai_ = o.ai_;
  }
  return *this;
}

void KluSolver::release() {
  if (numeric_) klu_free_numeric(&numeric_, &common_);
  if (symbolic_) klu_free_symbolic(&symbolic_, &common_);
  numeric_ = nullptr;
  symbolic_ = nullptr;
}

void KluSolver::fail(const char* what) {
  if (common_.status == KLU_SINGULAR) {
    const auto col = static_cast<int>(common_.singular_col);
    throw SingularMatrix(col, fmt::format("{}: matrix is singular at column {}", what, col));
  }
  if (common_.status == KLU_OUT_OF_MEMORY) throw std::bad_alloc();
  throw std::runtime_error(fmt::format("{}: KLU failed with status {}", what, common_.status));
}

void KluSolver::analyze(std::int32_t n, const std::int32_t* ap, const std::int32_t* ai) {
  release();
  n_ = n;
  ap_ = ap;
  ai_ = ai;
  // KLU's API is not const-correct; it does not modify Ap/Ai.
  symbolic_ = klu_analyze(n, const_cast<std::int32_t*>(ap), const_cast<std::int32_t*>(ai), &common_);
  if (!symbolic_) fail("klu_analyze");
}

void KluSolver::factor(const double* ax) {
  if (numeric_) klu_free_numeric(&numeric_, &common_);
  // halt_if_singular (default true) makes KLU stop at the first zero pivot and report its column.
  numeric_ = klu_factor(const_cast<std::int32_t*>(ap_), const_cast<std::int32_t*>(ai_),
                        const_cast<double*>(ax), symbolic_, &common_);
  if (!numeric_ || common_.status == KLU_SINGULAR) fail("klu_factor");
}

void KluSolver::refactor(const double* ax) {
  if (!numeric_) {
    factor(ax);
    return;
  }
  const int ok = klu_refactor(const_cast<std::int32_t*>(ap_), const_cast<std::int32_t*>(ai_),
                              const_cast<double*>(ax), symbolic_, numeric_, &common_);
  if (!ok || common_.status == KLU_SINGULAR) {
    // The old pivot order no longer fits these values: pivot afresh.
    factor(ax);
  }
}

void KluSolver::solve(double* rhs) {
  if (!klu_solve(symbolic_, numeric_, n_, 1, rhs, &common_)) fail("klu_solve");
}

double KluSolver::rcond() {
  if (!numeric_) return 0.0;
  klu_rcond(symbolic_, numeric_, &common_);
  return common_.rcond;
}

}  // namespace lsflow::solver
