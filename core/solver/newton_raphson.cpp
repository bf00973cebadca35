// Newton–Raphson power flow; the derivation is in newton_raphson.hpp next to the class it documents.
#include "solver/newton_raphson.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "common/errors.hpp"

namespace lsflow::solver {

namespace {
enum Slot : int { kPTheta = 0, kQTheta = 1, kPVm = 2, kQVm = 3 };
}

NewtonRaphson::NewtonRaphson(const Ybus& ybus, const std::vector<BusKind>& kind, KluSolver::Settings klu)
    : ybus_(&ybus), n_bus_(ybus.n_bus()), klu_(klu) {
  const auto n = static_cast<std::size_t>(n_bus_);
  theta_idx_.assign(n, -1);
  vm_idx_.assign(n, -1);
  // Unknowns numbered in bus order: θ of every non-reference bus, then |V| of every PQ bus. Both
  // maps are then increasing in the bus index, so the rows of a Jacobian column, taken from the
  // (sorted) rows of a Ybus column, come out sorted without a sort. (MATPOWER orders θ as [pv; pq];
  // the Newton step is the same vector, permuted.)
  std::int32_t next = 0;
  for (std::size_t b = 0; b < n; ++b)
    if (kind[b] != BusKind::Ref) theta_idx_[b] = next++;
  n_pvpq_ = next;
  for (std::size_t b = 0; b < n; ++b)
    if (kind[b] == BusKind::PQ) vm_idx_[b] = next++;
  n_eq_ = next;
  col_bus_.assign(static_cast<std::size_t>(n_eq_), -1);
  for (std::size_t b = 0; b < n; ++b) {
    if (theta_idx_[b] >= 0) col_bus_[static_cast<std::size_t>(theta_idx_[b])] = static_cast<std::int32_t>(b);
    if (vm_idx_[b] >= 0) col_bus_[static_cast<std::size_t>(vm_idx_[b])] = static_cast<std::int32_t>(b);
  }

  // Jacobian pattern: the column of unknown θ_k (or |V|_k) has rows ΔP_i, ΔQ_i for every i with
  // Y_ik ≠ 0: first the ΔP rows of column k of Ybus, then its ΔQ rows.
  const auto& y = ybus.matrix();
  const auto* outer = y.outerIndexPtr();
  const auto* inner = y.innerIndexPtr();
  const auto nnz_y = static_cast<std::size_t>(y.nonZeros());
  std::vector<std::int32_t> rows_p(n, 0), rows_q(n, 0);   // per Ybus column: how many ΔP / ΔQ rows
  std::size_t nnz_j = 0;
  for (std::int32_t k = 0; k < n_bus_; ++k) {
    const auto ku = static_cast<std::size_t>(k);
    for (auto p = outer[k]; p < outer[k + 1]; ++p) {
      const auto i = static_cast<std::size_t>(inner[p]);
      rows_p[ku] += theta_idx_[i] >= 0;
      rows_q[ku] += vm_idx_[i] >= 0;
    }
    const std::size_t per_col = static_cast<std::size_t>(rows_p[ku] + rows_q[ku]);
    nnz_j += per_col * (static_cast<std::size_t>(theta_idx_[ku] >= 0) + static_cast<std::size_t>(vm_idx_[ku] >= 0));
  }
  const auto scratch = static_cast<std::int32_t>(nnz_j);
  ap_.assign(static_cast<std::size_t>(n_eq_) + 1, 0);
  for (std::size_t b = 0; b < n; ++b) {
    const auto len = rows_p[b] + rows_q[b];
    if (theta_idx_[b] >= 0) ap_[static_cast<std::size_t>(theta_idx_[b]) + 1] = len;
    if (vm_idx_[b] >= 0) ap_[static_cast<std::size_t>(vm_idx_[b]) + 1] = len;
  }
  for (std::size_t c = 0; c < static_cast<std::size_t>(n_eq_); ++c) ap_[c + 1] += ap_[c];
  ai_.resize(nnz_j);
  ax_.assign(nnz_j + 1, 0.0);
  fill_map_.assign(4 * nnz_y, scratch);
  for (std::int32_t k = 0; k < n_bus_; ++k) {
    const auto ku = static_cast<std::size_t>(k);
    const std::int32_t cols[2] = {theta_idx_[ku], vm_idx_[ku]};
    for (int which = 0; which < 2; ++which) {
      if (cols[which] < 0) continue;
      std::int32_t pos_p = ap_[static_cast<std::size_t>(cols[which])];
      std::int32_t pos_q = pos_p + rows_p[ku];
      const int slot_p = which == 0 ? kPTheta : kPVm;
      const int slot_q = which == 0 ? kQTheta : kQVm;
      for (auto p = outer[k]; p < outer[k + 1]; ++p) {
        const auto i = static_cast<std::size_t>(inner[p]);
        const auto pu = 4 * static_cast<std::size_t>(p);
        if (theta_idx_[i] >= 0) {
          ai_[static_cast<std::size_t>(pos_p)] = theta_idx_[i];
          fill_map_[pu + static_cast<std::size_t>(slot_p)] = pos_p++;
        }
        if (vm_idx_[i] >= 0) {
          ai_[static_cast<std::size_t>(pos_q)] = vm_idx_[i];
          fill_map_[pu + static_cast<std::size_t>(slot_q)] = pos_q++;
        }
      }
    }
  }
  diag_map_.assign(4 * n, scratch);
  for (std::size_t b = 0; b < n; ++b) {
    const auto dp = static_cast<std::size_t>(ybus.diag_pos(static_cast<std::int32_t>(b)));
    for (std::size_t s = 0; s < 4; ++s) diag_map_[4 * b + s] = fill_map_[4 * dp + s];
  }

  vm_.assign(n, 1.0);
  vm_prev_.assign(n, 1.0);
  va_prev_.assign(n, 0.0);
  va_.assign(n, 0.0);
  v_.assign(n, cplx(1.0, 0.0));
  u_.assign(n, cplx(1.0, 0.0));
  i_.assign(n, cplx{});
  f_.assign(static_cast<std::size_t>(n_eq_), 0.0);
  dx_.assign(static_cast<std::size_t>(n_eq_), 0.0);
  if (n_eq_ > 0) {
    if (klu.two_threads && n_eq_ >= klu.split_min_unknowns && std::thread::hardware_concurrency() >= 2)
      use_split_ = split_.analyze(n_eq_, ap_.data(), ai_.data(), col_bus_.data(), n_bus_);
    if (!use_split_) analyze_klu();
  }
}

void NewtonRaphson::analyze_klu() {
  try {
    klu_.analyze(n_eq_, ap_.data(), ai_.data());
  } catch (const SingularMatrix& e) {
    throw SingularMatrix(bus_of_column(e.math_bus), e.what());
  }
}

std::int32_t NewtonRaphson::bus_of_column(std::int32_t col) const {
  if (col < 0 || col >= n_eq_) return -1;
  return col_bus_[static_cast<std::size_t>(col)];
}

void NewtonRaphson::load_state(const std::vector<cplx>& v) {
  for (std::size_t b = 0; b < v.size(); ++b) {
    v_[b] = v[b];
    vm_[b] = std::abs(v[b]);
    va_[b] = std::arg(v[b]);
    u_[b] = vm_[b] > 0.0 ? v[b] / vm_[b] : cplx(1.0, 0.0);
  }
}

double NewtonRaphson::evaluate(const std::vector<cplx>& sbus) {
  const auto& y = ybus_->matrix();
  const auto* outer = y.outerIndexPtr();
  const auto* inner = y.innerIndexPtr();
  const cplx* yv = y.valuePtr();
  const std::int32_t* map = fill_map_.data();
  double* ax = ax_.data();
  std::fill(i_.begin(), i_.end(), cplx{});
  for (std::int32_t k = 0; k < n_bus_; ++k) {
    const cplx vk = v_[static_cast<std::size_t>(k)];
    const double inv_vm_k = 1.0 / vm_[static_cast<std::size_t>(k)];
    for (auto p = outer[k]; p < outer[k + 1]; ++p) {
      const auto i = static_cast<std::size_t>(inner[p]);
      const cplx a = yv[p] * vk;
      i_[i] += a;
      const cplx t = v_[i] * std::conj(a);
      const std::int32_t* m = map + 4 * static_cast<std::size_t>(p);
      ax[m[kPTheta]] = t.imag();
      ax[m[kQTheta]] = -t.real();
      ax[m[kPVm]] = t.real() * inv_vm_k;
      ax[m[kQVm]] = t.imag() * inv_vm_k;
    }
  }
  double norm = 0.0;
  worst_bus_ = -1;
  for (std::int32_t b = 0; b < n_bus_; ++b) {
    const auto bi = static_cast<std::size_t>(b);
    const cplx s = v_[bi] * std::conj(i_[bi]);
    const cplx mis = s - sbus[bi];
    const std::int32_t* d = diag_map_.data() + 4 * bi;
    ax[d[kPTheta]] -= s.imag();
    ax[d[kQTheta]] += s.real();
    const double inv_vm = 1.0 / vm_[bi];
    ax[d[kPVm]] += s.real() * inv_vm;
    ax[d[kQVm]] += s.imag() * inv_vm;
    const auto ti = theta_idx_[bi];
    if (ti >= 0) {
      f_[static_cast<std::size_t>(ti)] = mis.real();
      const double a = std::abs(mis.real());
      if (!(a <= norm)) { norm = a; worst_bus_ = b; }   // also catches NaN
      const auto vi = vm_idx_[bi];
      if (vi >= 0) {
        f_[static_cast<std::size_t>(vi)] = mis.imag();
        const double q = std::abs(mis.imag());
        if (!(q <= norm)) { norm = q; worst_bus_ = b; }
      }
    }
  }
  return norm;
}

double NewtonRaphson::evaluate_mismatch(const std::vector<cplx>& sbus) {
  const auto& y = ybus_->matrix();
  const auto* outer = y.outerIndexPtr();
  const auto* inner = y.innerIndexPtr();
  const cplx* yv = y.valuePtr();
  std::fill(i_.begin(), i_.end(), cplx{});
  for (std::int32_t k = 0; k < n_bus_; ++k) {
    const cplx vk = v_[static_cast<std::size_t>(k)];
    for (auto p = outer[k]; p < outer[k + 1]; ++p) i_[static_cast<std::size_t>(inner[p])] += yv[p] * vk;
  }
  double norm = 0.0;
  worst_bus_ = -1;
  for (std::int32_t b = 0; b < n_bus_; ++b) {
    const auto bi = static_cast<std::size_t>(b);
    const cplx mis = v_[bi] * std::conj(i_[bi]) - sbus[bi];
    const auto ti = theta_idx_[bi];
    if (ti < 0) continue;
    f_[static_cast<std::size_t>(ti)] = mis.real();
    if (!(std::abs(mis.real()) <= norm)) { norm = std::abs(mis.real()); worst_bus_ = b; }
    const auto vi = vm_idx_[bi];
    if (vi < 0) continue;
    f_[static_cast<std::size_t>(vi)] = mis.imag();
    if (!(std::abs(mis.imag()) <= norm)) { norm = std::abs(mis.imag()); worst_bus_ = b; }
  }
  return norm;
}

void NewtonRaphson::factorize() {
  if (use_split_) {
    if (split_.factor(ax_.data())) return;
    // A pivot the static order cannot take (near-singular Jacobian): KLU with partial pivoting from
    // here on, which also names the bus when the matrix is singular.
    use_split_ = false;
    analyze_klu();
  }
  try {
    klu_.refactor(ax_.data());
  } catch (const SingularMatrix& e) {
    const auto bus = bus_of_column(e.math_bus);
    throw SingularMatrix(bus, fmt::format("singular Jacobian at math bus {}", bus));
  }
}

void NewtonRaphson::solve_step() {
  std::copy(f_.begin(), f_.end(), dx_.begin());
  if (use_split_)
    split_.solve(dx_.data());
  else
    klu_.solve(dx_.data());   // dx = J⁻¹·F; the Newton step is −dx
}

void NewtonRaphson::solve_linear(double* x) {
  if (use_split_)
    split_.solve(x);
  else
    klu_.solve(x);
}

namespace {
// e^{jx} for |x| ≤ 0.25 by its Taylor series to x¹⁴ (truncation < 1e-20): a Newton step's angle
// change is almost always this small, and this is several times cheaper than sincos().
inline cplx small_rotation(double x) {
  const double x2 = x * x;
  const double c = 1.0 + x2 * (-1.0 / 2 + x2 * (1.0 / 24 + x2 * (-1.0 / 720 + x2 * (1.0 / 40320 +
                   x2 * (-1.0 / 3628800 + x2 * (1.0 / 479001600 + x2 * (-1.0 / 87178291200.0)))))));
  const double s = x * (1.0 + x2 * (-1.0 / 6 + x2 * (1.0 / 120 + x2 * (-1.0 / 5040 + x2 * (1.0 / 362880 +
                   x2 * (-1.0 / 39916800 + x2 * (1.0 / 6227020800.0)))))));
  return {c, s};
}
// The same for |x| ≤ 0.02, the usual size of a late Newton or a chord step, to x⁸ (truncation < 1e-18,
// below the rounding of the product it multiplies): half the work.
inline cplx tiny_rotation(double x) {
  const double x2 = x * x;
  const double c = 1.0 + x2 * (-1.0 / 2 + x2 * (1.0 / 24 + x2 * (-1.0 / 720 + x2 * (1.0 / 40320))));
  const double s = x * (1.0 + x2 * (-1.0 / 6 + x2 * (1.0 / 120 + x2 * (-1.0 / 5040))));
  return {c, s};
}
}  // namespace

void NewtonRaphson::update_voltage() {
  // θ and |V| are the state; the unit phasor e^{jθ} is carried along by rotating it through the
  // step's angle, so V = |V|·e^{jθ} needs no sin/cos per bus (large steps fall back to sincos).
  for (std::int32_t b = 0; b < n_bus_; ++b) {
    const auto bi = static_cast<std::size_t>(b);
    const auto ti = theta_idx_[bi];
    if (ti < 0) continue;
    const double dth = -dx_[static_cast<std::size_t>(ti)];
    va_[bi] += dth;
    const auto vi = vm_idx_[bi];
    if (vi >= 0) vm_[bi] -= dx_[static_cast<std::size_t>(vi)];
    const double adth = std::abs(dth);
    if (adth <= 0.02) {
      u_[bi] *= tiny_rotation(dth);
    } else if (adth <= 0.25) {
      u_[bi] *= small_rotation(dth);
    } else {
      double s = 0.0;
      double c = 0.0;
      ::sincos(va_[bi], &s, &c);
      u_[bi] = cplx(c, s);
    }
    v_[bi] = vm_[bi] * u_[bi];
  }
}

double NewtonRaphson::mismatch_norm2() const {
  double s = 0.0;
  for (double x : f_) s += x * x;
  return std::sqrt(s);
}

double NewtonRaphson::evaluate_mismatch_sq(const std::vector<cplx>& sbus) {
  evaluate_mismatch(sbus);
  double s = 0.0;
  for (double x : f_) s += x * x;
  return std::isfinite(s) ? s : std::numeric_limits<double>::infinity();
}

void NewtonRaphson::apply_step(double mu) {
  for (std::int32_t b = 0; b < n_bus_; ++b) {
    const auto bi = static_cast<std::size_t>(b);
    const auto ti = theta_idx_[bi];
    if (ti < 0) continue;
    va_[bi] = va_prev_[bi] - mu * dx_[static_cast<std::size_t>(ti)];
    const auto vi = vm_idx_[bi];
    if (vi >= 0) vm_[bi] = vm_prev_[bi] - mu * dx_[static_cast<std::size_t>(vi)];
    double s = 0.0;
    double c = 0.0;
    ::sincos(va_[bi], &s, &c);
    u_[bi] = cplx(c, s);
    v_[bi] = vm_[bi] * u_[bi];
  }
}

NrResult NewtonRaphson::solve(std::vector<cplx>& v, const std::vector<cplx>& sbus, const NrOptions& opt) {
  NrResult r;
  r.mismatch_history_pu.reserve(static_cast<std::size_t>(opt.max_iter) + 1);
  load_state(v);
  double norm = evaluate(sbus);
  r.mismatch_history_pu.push_back(norm);
  int it = 0;
  bool converged = norm < opt.tol_pu;
  while (!converged && it < opt.max_iter && std::isfinite(norm)) {
    ++it;
    factorize();
    solve_step();
    if (opt.line_search) {
      const double f0 = mismatch_norm2();
      vm_prev_ = vm_;
      va_prev_ = va_;
      double mu = 1.0;
      apply_step(mu);
      while (mu > 1.0 / 64 && !(std::sqrt(evaluate_mismatch_sq(sbus)) <= (1.0 - mu / 2) * f0)) {
        mu /= 2;
        apply_step(mu);
      }
    } else {
      update_voltage();
    }
    norm = evaluate(sbus);
    r.mismatch_history_pu.push_back(norm);
    converged = norm < opt.tol_pu;
  }
  r.converged = converged;
  r.iterations = it;
  r.max_mismatch_pu = norm;
  r.worst_bus = worst_bus_;
  store_state(v);
  return r;
}

}  // namespace lsflow::solver
