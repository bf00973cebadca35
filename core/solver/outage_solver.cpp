// Post-contingency power flow from the base case, keeping the base-case factorisation.
//
// Taking branch k (from f to t) out changes four Ybus values by −(yff, yft, ytf, ytt) and nothing else,
// so the pattern is kept (explicit zeros). The Newton Jacobian is linear in Ybus at fixed V (see
// newton_raphson.hpp: each Ybus term y_ik contributes through t = V_i·conj(y_ik·V_k), and the diagonal
// corrections through S_i = V_i·conj(I_i), I linear in Y), so at the base voltages V0
//     J1 = J(V0, Y − ΔY) = J0 + ΔJ,
// where ΔJ is the same fill applied to the four removed terms alone, and lives in the rows ΔP, ΔQ of
// buses f and t and the columns θ, |V| of f and t: ΔJ = E_r·D·E_cᵀ with D at most 4×4 (E_r, E_c pick
// the rows and columns that are unknowns; the reference and PV buses drop some). With J0 = L·U from the
// base case (kept), Sherman–Morrison–Woodbury gives J1⁻¹ without refactoring:
//     J1⁻¹·b = x0 − Z·D·M⁻¹·(E_cᵀ·x0),   x0 = J0⁻¹·b,  Z = J0⁻¹·E_r (≤ 4 solves),  M = I + E_cᵀ·Z·D.
// The post-contingency flow is then solved by quasi-Newton steps built on J1 (the Jacobian of Newton's
// first step): the chord method (J1 held fixed) improved by Broyden's good update in Kelley's limited-
// memory form (Iterative Methods for Linear and Nonlinear Equations, SIAM 1995, alg. "broyden"): each
// step is one mismatch evaluation, one solve with the base factors and a few vector operations, which on
// large cases is a fraction of a refactorisation. It converges superlinearly from the close start; on
// case9241pegase branch outages it takes about 4.8 steps where the plain chord takes 5.7 (bench/).
// The first step needs no solve: the base case balanced every bus, so the first mismatch sits in the
// outage's rows only and J0⁻¹·F = Z·F[rows]. The steps go on to tol·chord_margin (cheap) so that the
// answer is as close to the exact solution as a quadratically converged Newton's.
// When a step fails to cut the mismatch by `chord_rate`, plain Newton (refactoring every step, pivot
// order of J0) takes over from where the steps left off, or from the base voltages if they made things
// worse; afterwards J0 is factorised again, so the next outage starts from the same state and results
// never depend on the order outages are solved in. Convergence is judged as in NewtonRaphson (∞-norm of
// ΔS below tol), so the answer is a power-flow solution to the same tolerance as a fresh solve of the
// modified case. The mismatch uses a row-wise (CSR) copy of Ybus that follows the outage.
//
// An outage that splits the island (a bridge; the caller names the buses cut off from the reference)
// leaves, after the branch is gone, a block-diagonal J1: the part with the reference and the cut-off
// part, which has no reference and is singular. Its rows and columns are replaced by the identity and
// its mismatch by zero, which leaves the other block – the power flow of the network without the
// cut-off part, as a fresh build would give it – untouched. That replacement is again a change of J0 in
// a few rows and columns (those of the cut-off buses and of the remaining ends of the removed branches,
// since a cut-off bus is coupled to nothing else), so the same correction applies with
//     D = (J1' − J0)[S, S],   J1'[i][j] = δ_ij where i or j is cut off, J0 + ΔJ elsewhere.
// A cut-off part too large for the correction (kMaxRank rows) is left to the caller.
//
// A generator outage changes only Sbus (the unit's S is no longer injected; the reference unit picks up
// its P as in any power flow): ΔJ = 0, the steps start from J0 itself. If the unit was the last one at a
// PV or reference bus, that bus becomes PQ (and another bus the reference, MATPOWER's bustypes): the
// Jacobian pattern changes, so a fresh NewtonRaphson is built for that outage (a minority of cases).
//
// Ybus values are restored bit for bit after each outage: y ← y + (y_base − y), repeated while it differs
// (x − a + a need not give back x in floating point; the second round is exact by Sterbenz's lemma).
#include "solver/outage_solver.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Dense>

#include "common/errors.hpp"

namespace lsflow::solver {

namespace {
// e^{jx} by its Taylor series: to x⁷ for |x| ≤ 0.01 (truncation < 1e-20), to x¹⁴ for |x| ≤ 0.25; a
// chord step's angle change is nearly always that small, and this is several times cheaper than sincos.
inline cplx rotation(double x) {
  const double x2 = x * x;
  if (std::abs(x) <= 0.01)
    return {1.0 + x2 * (-1.0 / 2 + x2 * (1.0 / 24 + x2 * (-1.0 / 720))),
            x * (1.0 + x2 * (-1.0 / 6 + x2 * (1.0 / 120 + x2 * (-1.0 / 5040))))};
  const double c = 1.0 + x2 * (-1.0 / 2 + x2 * (1.0 / 24 + x2 * (-1.0 / 720 + x2 * (1.0 / 40320 +
                   x2 * (-1.0 / 3628800 + x2 * (1.0 / 479001600 + x2 * (-1.0 / 87178291200.0)))))));
  const double s = x * (1.0 + x2 * (-1.0 / 6 + x2 * (1.0 / 120 + x2 * (-1.0 / 5040 + x2 * (1.0 / 362880 +
                   x2 * (-1.0 / 39916800 + x2 * (1.0 / 6227020800.0)))))));
  return {c, s};
}
}  // namespace

struct OutageSolver::SmallLu {
  using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxRank, kMaxRank>;
  using Vec = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxRank, 1>;
  Eigen::PartialPivLU<Mat> lu{kMaxRank};
  Vec rhs{kMaxRank};
  Vec sol{kMaxRank};
};

OutageSolver::OutageSolver(const MathModel& m, const std::vector<BusKind>& kind, const std::vector<cplx>& v_base,
                           const OutageOptions& opt)
    : m_(&m), opt_(opt), ybus_(m), kind_base_(kind), kind_(kind), lu_(std::make_unique<SmallLu>()) {
  n_bus_ = m.n_bus();
  const auto n = static_cast<std::size_t>(n_bus_);
  const auto& y = ybus_.matrix();
  y_base_.assign(y.valuePtr(), y.valuePtr() + y.nonZeros());
  {
    const auto nnz = static_cast<std::size_t>(y.nonZeros());
    const auto* outer = y.outerIndexPtr();
    const auto* inner = y.innerIndexPtr();
    csr_ptr_.assign(n + 1, 0);
    for (std::size_t p = 0; p < nnz; ++p) ++csr_ptr_[static_cast<std::size_t>(inner[p]) + 1];
    for (std::size_t i = 0; i < n; ++i) csr_ptr_[i + 1] += csr_ptr_[i];
    csr_col_.resize(nnz);
    csr_val_.resize(nnz);
    csr_of_.resize(nnz);
    std::vector<std::int32_t> next(csr_ptr_.begin(), csr_ptr_.end() - 1);
    for (std::int32_t k = 0; k < n_bus_; ++k)
      for (auto p = outer[k]; p < outer[k + 1]; ++p) {
        const auto q = static_cast<std::size_t>(next[static_cast<std::size_t>(inner[p])]++);
        csr_col_[q] = k;
        csr_val_[q] = y_base_[static_cast<std::size_t>(p)];
        csr_of_[static_cast<std::size_t>(p)] = static_cast<std::int32_t>(q);
      }
    csr_base_ = csr_val_;
  }

  unit_ptr_.assign(n + 1, 0);
  for (const auto& g : m.gens) ++unit_ptr_[static_cast<std::size_t>(g.bus) + 1];
  for (std::size_t b = 0; b < n; ++b) unit_ptr_[b + 1] += unit_ptr_[b];
  unit_list_.resize(m.gens.size());
  {
    std::vector<std::int32_t> fill(unit_ptr_.begin(), unit_ptr_.end() - 1);
    for (std::size_t g = 0; g < m.gens.size(); ++g)
      unit_list_[static_cast<std::size_t>(fill[static_cast<std::size_t>(m.gens[g].bus)]++)] = static_cast<std::int32_t>(g);
  }

  v_base_ = v_base;
  vm_base_.resize(n);
  va_base_.resize(n);
  u_base_.resize(n);
  for (std::size_t b = 0; b < n; ++b) {
    vm_base_[b] = std::abs(v_base[b]);
    va_base_[b] = std::arg(v_base[b]);
    u_base_[b] = std::polar(1.0, va_base_[b]);
  }
  make_sbus(m, {}, sbus_base_);

  // Unknowns and equations exactly as NewtonRaphson numbers them (θ of every non-reference bus
  // first, then |V| of the PQ buses; ΔP_i shares θ_i's index, ΔQ_i |V_i|'s): read back from it.
  // The base factorisation is used through KLU directly (Woodbury solves), and the outages run in
  // parallel already: no two-thread factorisation here.
  opt_.klu.two_threads = false;
  nr_ = std::make_unique<NewtonRaphson>(ybus_, kind, opt_.klu);
  n_eq_ = nr_->n_eq();
  theta_idx_.assign(n, -1);
  vm_idx_.assign(n, -1);
  const auto n_theta = static_cast<std::int32_t>(
      std::count_if(kind.begin(), kind.end(), [](BusKind k) { return k != BusKind::Ref; }));
  for (std::int32_t c = 0; c < n_eq_; ++c) {
    const auto b = static_cast<std::size_t>(nr_->bus_of_column(c));
    (c < n_theta ? theta_idx_ : vm_idx_)[b] = c;
  }
  if (n_eq_ > 0) {
    nr_->load_state(v_base_);
    nr_->evaluate(sbus_base_);
    j0_ = nr_->jac_values();
    nr_->klu().factor(j0_.data());
  }

  gen_out_.assign(m.gens.size(), 0);
  bus_off_.assign(n, 0);
  gens_marked_.reserve(m.gens.size());
  v_ = v_base_;
  u_ = u_base_;
  vm_ = vm_base_;
  va_ = va_base_;
  sbus_ = sbus_base_;
  i_.assign(n, cplx{});
  f_.assign(static_cast<std::size_t>(n_eq_), 0.0);
  x_.assign(static_cast<std::size_t>(n_eq_), 0.0);
  z_.assign(static_cast<std::size_t>(kMaxRank) * static_cast<std::size_t>(n_eq_), 0.0);
  zd_.assign(static_cast<std::size_t>(kMaxRank) * static_cast<std::size_t>(n_eq_), 0.0);
  const auto n_steps = static_cast<std::size_t>(std::max(1, opt.max_chord_iter) + 1);
  steps_.assign(n_steps * static_cast<std::size_t>(n_eq_), 0.0);
  step_norm2_.assign(n_steps, 0.0);
}

OutageSolver::~OutageSolver() = default;

void OutageSolver::set_injections_and_start(std::span<const std::int32_t> gens_out) {
  for (auto g : gens_marked_) gen_out_[static_cast<std::size_t>(g)] = 0;
  gens_marked_.clear();
  std::copy(sbus_base_.begin(), sbus_base_.end(), sbus_.begin());
  std::copy(v_base_.begin(), v_base_.end(), v_.begin());
  std::copy(u_base_.begin(), u_base_.end(), u_.begin());
  std::copy(vm_base_.begin(), vm_base_.end(), vm_.begin());
  std::copy(va_base_.begin(), va_base_.end(), va_.begin());
  pattern_changed_ = false;
  for (auto g : gens_out) {
    gen_out_[static_cast<std::size_t>(g)] = 1;
    gens_marked_.push_back(g);
  }
  for (auto g : gens_out) {
    const auto b = static_cast<std::size_t>(m_->gens[static_cast<std::size_t>(g)].bus);
    // Injection as make_sbus builds it for the reduced unit set: −load, then the units in list order.
    cplx s = -m_->s_load_pu[b];
    std::int32_t last_in = -1;
    std::int32_t last_base = -1;
    for (auto p = unit_ptr_[b]; p < unit_ptr_[b + 1]; ++p) {
      const auto u = static_cast<std::size_t>(unit_list_[static_cast<std::size_t>(p)]);
      if (!m_->gens[u].q_fixed) last_base = static_cast<std::int32_t>(u);
      if (gen_out_[u]) continue;
      s += cplx(m_->gens[u].p_pu, m_->gens[u].q_pu);
      if (!m_->gens[u].q_fixed) last_in = static_cast<std::int32_t>(u);   // a unit held at a Q limit holds no voltage
    }
    sbus_[b] = s;
    if (kind_base_[b] == BusKind::PQ) continue;
    if (last_in < 0) {
      pattern_changed_ = true;   // the bus lost its last voltage-controlling unit
      continue;
    }
    // The last-listed unit sets the voltage (as in solve_ac / MATPOWER).
    if (last_base != last_in) {
      vm_[b] = m_->gens[static_cast<std::size_t>(last_in)].vg_pu;
      v_[b] = vm_[b] * u_[b];
    }
  }
}

void OutageSolver::restore_branch(std::int32_t b) {
  const auto& pos = ybus_.branch_pos(static_cast<std::size_t>(b));
  const cplx* y = ybus_.matrix().valuePtr();
  for (int round = 0; round < 4; ++round) {
    MathBranch d;
    d.yff = y_base_[static_cast<std::size_t>(pos[0])] - y[pos[0]];
    d.yft = y_base_[static_cast<std::size_t>(pos[1])] - y[pos[1]];
    d.ytf = y_base_[static_cast<std::size_t>(pos[2])] - y[pos[2]];
    d.ytt = y_base_[static_cast<std::size_t>(pos[3])] - y[pos[3]];
    if (d.yff == cplx{} && d.yft == cplx{} && d.ytf == cplx{} && d.ytt == cplx{}) return;
    ybus_.add_branch(d, static_cast<std::size_t>(b), 1.0);
  }
  // Not reached in practice (round 2 is exact); rebuild rather than keep a drifted matrix.
  ybus_ = Ybus(*m_);
}

double OutageSolver::j0_at(std::int32_t row, std::int32_t col) const {
  const auto& ap = nr_->jac_colptr();
  const auto& ai = nr_->jac_rowidx();
  const auto* first = ai.data() + ap[static_cast<std::size_t>(col)];
  const auto* last = ai.data() + ap[static_cast<std::size_t>(col) + 1];
  for (const auto* p = first; p != last; ++p)   // a column holds a few dozen rows at most
    if (*p == row) return j0_[static_cast<std::size_t>(p - ai.data())];
  return 0.0;
}

double OutageSolver::mismatch() {
  const cplx* yv = csr_val_.data();
  const std::int32_t* col = csr_col_.data();
  double norm = 0.0;
  std::int32_t worst = -1;
  for (std::int32_t b = 0; b < n_bus_; ++b) {
    const auto bi = static_cast<std::size_t>(b);
    const auto ti = theta_idx_[bi];
    if (ti < 0) continue;   // the reference: no equation
    const auto vi = vm_idx_[bi];
    if (bus_off_[bi]) {     // cut off: equation replaced by the identity, nothing to correct
      f_[static_cast<std::size_t>(ti)] = 0.0;
      if (vi >= 0) f_[static_cast<std::size_t>(vi)] = 0.0;
      continue;
    }
    cplx cur{};
    for (auto p = csr_ptr_[bi]; p < csr_ptr_[bi + 1]; ++p) cur += yv[p] * v_[static_cast<std::size_t>(col[p])];
    const cplx mis = v_[bi] * std::conj(cur) - sbus_[bi];
    f_[static_cast<std::size_t>(ti)] = mis.real();
    if (!(std::abs(mis.real()) <= norm)) { norm = std::abs(mis.real()); worst = b; }   // also catches NaN
    if (vi < 0) continue;
    f_[static_cast<std::size_t>(vi)] = mis.imag();
    if (!(std::abs(mis.imag()) <= norm)) { norm = std::abs(mis.imag()); worst = b; }
  }
  sol_.worst_bus = worst;
  return norm;
}

bool OutageSolver::prepare_correction(std::span<const std::int32_t> branches_out,
                                      std::span<const std::int32_t> buses_cut_off) {
  n_rows_ = n_cols_ = 0;
  // The buses whose rows/columns change: ends of the removed branches and cut-off buses.
  constexpr int kMaxBus = kMaxRank;
  std::int32_t bus[kMaxBus];
  int nb = 0;
  auto local = [&](std::int32_t b) {
    for (int i = 0; i < nb; ++i)
      if (bus[i] == b) return i;
    if (nb == kMaxBus) return -1;
    bus[nb] = b;
    return nb++;
  };
  for (auto b : buses_cut_off)
    if (local(b) < 0) return false;
  // ΔJ of the removed terms, over local slots 2i (ΔP_i | θ_i) and 2i+1 (ΔQ_i | |V_i|).
  static_assert(2 * kMaxBus <= 64);
  double dj[2 * kMaxBus][2 * kMaxBus];
  for (auto& row : dj) std::fill(std::begin(row), std::end(row), 0.0);
  cplx di[kMaxBus] = {};
  for (auto k : branches_out) {
    const auto& br = m_->branches[static_cast<std::size_t>(k)];
    const int lf = local(br.from), lt = local(br.to);
    if (lf < 0 || lt < 0) return false;
    // ΔJ from one removed term Δy at (i, k): the fill of NewtonRaphson::evaluate with y → Δy.
    auto add = [&](int li, int lk, cplx dy) {
      const auto bi = static_cast<std::size_t>(bus[li]), bk = static_cast<std::size_t>(bus[lk]);
      const cplx a = dy * v_base_[bk];
      const cplx t = v_base_[bi] * std::conj(a);
      di[li] += a;
      const double inv_vm = 1.0 / vm_base_[bk];
      dj[2 * li][2 * lk] += t.imag();
      dj[2 * li + 1][2 * lk] -= t.real();
      dj[2 * li][2 * lk + 1] += t.real() * inv_vm;
      dj[2 * li + 1][2 * lk + 1] += t.imag() * inv_vm;
    };
    add(lf, lf, -br.yff);
    add(lf, lt, -br.yft);
    add(lt, lf, -br.ytf);
    add(lt, lt, -br.ytt);
  }
  for (int li = 0; li < nb; ++li) {   // diagonal corrections with ΔS_i = V_i·conj(ΔI_i)
    const auto bi = static_cast<std::size_t>(bus[li]);
    const cplx ds = v_base_[bi] * std::conj(di[li]);
    const double inv_vm = 1.0 / vm_base_[bi];
    dj[2 * li][2 * li] -= ds.imag();
    dj[2 * li + 1][2 * li] += ds.real();
    dj[2 * li][2 * li + 1] += ds.real() * inv_vm;
    dj[2 * li + 1][2 * li + 1] += ds.imag() * inv_vm;
  }
  // Keep the slots that are equations/unknowns (the same index serves both).
  int slot[kMaxRank];
  for (int l = 0; l < 2 * nb; ++l) {
    const auto bi = static_cast<std::size_t>(bus[l / 2]);
    const auto g = (l % 2 == 0) ? theta_idx_[bi] : vm_idx_[bi];
    if (g < 0) continue;
    if (n_rows_ == kMaxRank) return false;
    rows_[n_rows_] = cols_[n_cols_] = g;
    slot[n_rows_++] = l;
    ++n_cols_;
  }
  if (n_rows_ == 0) return true;   // the change touches no equation: J1 = J0
  double d[kMaxRank][kMaxRank];
  for (int r = 0; r < n_rows_; ++r) {
    const bool r_off = bus_off_[static_cast<std::size_t>(bus[slot[r] / 2])] != 0;
    for (int c = 0; c < n_cols_; ++c) {
      const bool c_off = bus_off_[static_cast<std::size_t>(bus[slot[c] / 2])] != 0;
      d[r][c] = (r_off || c_off) ? (r == c ? 1.0 : 0.0) - j0_at(rows_[r], cols_[c]) : dj[slot[r]][slot[c]];
    }
  }

  const auto n = static_cast<std::size_t>(n_eq_);
  for (int j = 0; j < n_rows_; ++j) {
    double* z = z_.data() + static_cast<std::size_t>(j) * n;
    std::fill(z, z + n, 0.0);
    z[rows_[j]] = 1.0;
    nr_->klu().solve(z);
  }
  // ZD = Z·D (n × c) and M = I + (E_cᵀZ)·D (c × c).
  SmallLu::Mat mm(n_cols_, n_cols_);   // fixed maximum size: on the stack
  for (int c = 0; c < n_cols_; ++c) {
    double* zd = zd_.data() + static_cast<std::size_t>(c) * n;
    std::fill(zd, zd + n, 0.0);
    for (int j = 0; j < n_rows_; ++j) {
      const double dv = d[j][c];
      if (dv == 0.0) continue;
      const double* z = z_.data() + static_cast<std::size_t>(j) * n;
      for (std::size_t e = 0; e < n; ++e) zd[e] += z[e] * dv;
    }
  }
  for (int r = 0; r < n_cols_; ++r)
    for (int c = 0; c < n_cols_; ++c)
      mm(r, c) = (r == c ? 1.0 : 0.0) + zd_[static_cast<std::size_t>(c) * n + static_cast<std::size_t>(cols_[r])];
  lu_->lu.compute(mm);
  const double rc = lu_->lu.rcond();
  return std::isfinite(rc) && rc > 1e-12;
}

void OutageSolver::apply_h0(bool corrected) {
  nr_->klu().solve(x_.data());
  if (corrected) apply_correction();
}

void OutageSolver::apply_correction() {
  if (n_rows_ == 0) return;
  const auto n = static_cast<std::size_t>(n_eq_);
  auto& rhs = lu_->rhs;
  rhs.resize(n_cols_);
  for (int c = 0; c < n_cols_; ++c) rhs(c) = x_[static_cast<std::size_t>(cols_[c])];
  lu_->sol = lu_->lu.solve(rhs);
  for (int c = 0; c < n_cols_; ++c) {
    const double s = lu_->sol(c);
    const double* zd = zd_.data() + static_cast<std::size_t>(c) * n;
    for (std::size_t e = 0; e < n; ++e) x_[e] -= zd[e] * s;
  }
}

void OutageSolver::apply_step(const double* step) {
  for (std::int32_t b = 0; b < n_bus_; ++b) {
    const auto bi = static_cast<std::size_t>(b);
    const auto ti = theta_idx_[bi];
    if (ti < 0 || bus_off_[bi]) continue;
    const double dth = step[ti];
    va_[bi] += dth;
    const auto vi = vm_idx_[bi];
    if (vi >= 0) vm_[bi] += step[vi];
    if (std::abs(dth) <= 0.25) {
      u_[bi] *= rotation(dth);
    } else {
      double s = 0.0, c = 0.0;
      ::sincos(va_[bi], &s, &c);
      u_[bi] = cplx(c, s);
    }
    v_[bi] = vm_[bi] * u_[bi];
  }
}

void OutageSolver::newton(bool from_start) {
  if (from_start) {
    // Back to the start point (set-points of the units still in).
    std::copy(v_base_.begin(), v_base_.end(), v_.begin());
    for (auto g : gens_marked_) {
      const auto b = static_cast<std::size_t>(m_->gens[static_cast<std::size_t>(g)].bus);
      if (kind_base_[b] == BusKind::PQ) continue;
      for (auto p = unit_ptr_[b + 1] - 1; p >= unit_ptr_[b]; --p) {
        const auto u = static_cast<std::size_t>(unit_list_[static_cast<std::size_t>(p)]);
        if (gen_out_[u] || m_->gens[u].q_fixed) continue;
        v_[b] = m_->gens[u].vg_pu * u_base_[b];
        break;
      }
    }
  }
  try {
    const NrResult r = nr_->solve(v_, sbus_, NrOptions{opt_.tol_pu, opt_.max_iter});
    sol_.newton_iterations = r.iterations;
    sol_.converged = r.converged;
    sol_.max_mismatch_pu = r.max_mismatch_pu;
    sol_.worst_bus = r.worst_bus;
  } catch (const SingularMatrix& e) {
    sol_.singular = true;
    sol_.converged = false;
    sol_.worst_bus = e.math_bus;
    sol_.max_mismatch_pu = std::numeric_limits<double>::infinity();
  }
  // Newton refactored with the outage's values: put J0's factors back (same pivots as at construction).
  nr_->klu().factor(j0_.data());
}

const OutageSolution& OutageSolver::solve(std::span<const std::int32_t> branches_out,
                                          std::span<const std::int32_t> gens_out,
                                          std::span<const std::int32_t> buses_cut_off) {
  sol_ = OutageSolution{};
  set_injections_and_start(gens_out);
  for (auto b : branches_out) {
    ybus_.add_branch(m_->branches[static_cast<std::size_t>(b)], static_cast<std::size_t>(b), -1.0);
    const auto& pos = ybus_.branch_pos(static_cast<std::size_t>(b));   // the CSR copy follows
    const cplx* y = ybus_.matrix().valuePtr();
    for (auto p : pos) csr_val_[static_cast<std::size_t>(csr_of_[static_cast<std::size_t>(p)])] = y[p];
  }
  for (auto b : buses_cut_off) bus_off_[static_cast<std::size_t>(b)] = 1;
  const bool split = !buses_cut_off.empty();

  if (pattern_changed_) {
    sol_.pattern_changed = true;
    if (!assign_bus_kinds(*m_, m_->bus_kind, gen_out_, kind_)) {
      sol_.no_reference = true;
    } else {
      // Set-points of every voltage-controlling unit, as solve_ac starts.
      for (std::size_t g = 0; g < m_->gens.size(); ++g) {
        const auto b = static_cast<std::size_t>(m_->gens[g].bus);
        if (gen_out_[g] || m_->gens[g].q_fixed || kind_[b] == BusKind::PQ) continue;
        const double mag = std::abs(v_[b]);
        v_[b] = mag > 0 ? v_[b] * (m_->gens[g].vg_pu / mag) : cplx(m_->gens[g].vg_pu, 0.0);
      }
      try {
        NewtonRaphson nr(ybus_, kind_, opt_.klu);
        const NrResult r = nr.solve(v_, sbus_, NrOptions{opt_.tol_pu, opt_.max_iter});
        sol_.newton_iterations = r.iterations;
        sol_.converged = r.converged;
        sol_.max_mismatch_pu = r.max_mismatch_pu;
        sol_.worst_bus = r.worst_bus;
      } catch (const SingularMatrix& e) {
        sol_.singular = true;
        sol_.worst_bus = e.math_bus;
        sol_.max_mismatch_pu = std::numeric_limits<double>::infinity();
      }
    }
  } else if (n_eq_ == 0) {
    sol_.converged = true;
  } else {
    bool corrected = !branches_out.empty() || split;
    const bool chord_ok = !corrected || prepare_correction(branches_out, buses_cut_off);
    corrected = corrected && n_rows_ > 0;
    double norm = chord_ok ? mismatch() : std::numeric_limits<double>::infinity();
    const double norm0 = norm;
    const double target = opt_.tol_pu * opt_.chord_margin;
    // Steps s_k = −H_k·F_k with H_0 = J1⁻¹; with Broyden (Kelley, Iterative Methods for Linear and
    // Nonlinear Equations, alg. 8.3.1 "broyden"):  z = −H_0·F;  z += s_{j+1}·(s_jᵀz)/‖s_j‖², j < k;
    //   s_{k+1} = z / (1 − s_kᵀz/‖s_k‖²).   Without it, s = −H_0·F (the chord method).
    const auto ne = static_cast<std::size_t>(n_eq_);
    int k = -1;   // index of the last step taken
    while (chord_ok && norm >= target && std::isfinite(norm) && sol_.chord_iterations < opt_.max_chord_iter) {
      if (sol_.chord_iterations == 0 && corrected && !opt_.first_step_solve) {
        // The first mismatch lives in the outage's rows only (the base case balanced the others to
        // within tol), so J0⁻¹·F = Z·F[rows]: no solve.
        std::fill(x_.begin(), x_.end(), 0.0);
        for (int j = 0; j < n_rows_; ++j) {
          const double fj = f_[static_cast<std::size_t>(rows_[j])];
          if (fj == 0.0) continue;
          const double* z = z_.data() + static_cast<std::size_t>(j) * ne;
          for (std::size_t e = 0; e < ne; ++e) x_[e] += z[e] * fj;
        }
        apply_correction();
      } else {
        std::copy(f_.begin(), f_.end(), x_.begin());
        apply_h0(corrected);
      }
      double* next = steps_.data() + static_cast<std::size_t>(k + 1) * ne;
      for (std::size_t e = 0; e < ne; ++e) next[e] = -x_[e];
      if (opt_.broyden && k >= 0) {
        for (int j = 0; j < k; ++j) {
          const double* sj = steps_.data() + static_cast<std::size_t>(j) * ne;
          const double* sj1 = sj + ne;
          double dot = 0.0;
          for (std::size_t e = 0; e < ne; ++e) dot += sj[e] * next[e];
          const double a = dot / step_norm2_[static_cast<std::size_t>(j)];
          for (std::size_t e = 0; e < ne; ++e) next[e] += a * sj1[e];
        }
        const double* sk = steps_.data() + static_cast<std::size_t>(k) * ne;
        double dot = 0.0;
        for (std::size_t e = 0; e < ne; ++e) dot += sk[e] * next[e];
        const double denom = 1.0 - dot / step_norm2_[static_cast<std::size_t>(k)];
        if (!(std::abs(denom) > 1e-12)) break;
        const double inv = 1.0 / denom;
        for (std::size_t e = 0; e < ne; ++e) next[e] *= inv;
      }
      double n2 = 0.0;
      for (std::size_t e = 0; e < ne; ++e) n2 += next[e] * next[e];
      if (!(n2 > 0.0)) break;
      apply_step(next);
      if (opt_.broyden) {
        ++k;
        step_norm2_[static_cast<std::size_t>(k)] = n2;
      }
      ++sol_.chord_iterations;
      const double prev = norm;
      norm = mismatch();
      if (!(norm <= opt_.chord_rate * prev)) break;
    }
    if (norm < opt_.tol_pu) {
      sol_.converged = true;
      sol_.max_mismatch_pu = norm;
    } else if (split) {
      sol_.needs_reduced_solve = true;   // Newton cannot run on the singular cut-off block
      sol_.max_mismatch_pu = norm;
    } else {
      newton(!(chord_ok && std::isfinite(norm) && norm < norm0));
    }
  }
  for (auto b : buses_cut_off) bus_off_[static_cast<std::size_t>(b)] = 0;
  for (auto b : branches_out) {
    restore_branch(b);
    for (auto p : ybus_.branch_pos(static_cast<std::size_t>(b))) {
      const auto q = static_cast<std::size_t>(csr_of_[static_cast<std::size_t>(p)]);
      csr_val_[q] = csr_base_[q];
    }
  }
  return sol_;
}

}  // namespace lsflow::solver
