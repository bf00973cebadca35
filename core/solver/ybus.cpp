// Ybus = Cfᵀ·(Yff·Cf + Yft·Ct) + Ctᵀ·(Ytf·Cf + Ytt·Ct) + diag(Ysh)   (MATPOWER manual, eq. 3.9–3.13)
// with, per branch (series admittance ys = 1/(r + jx), charging b, complex tap τ = t·e^{jθ}):
//   ytt = ys + j b/2,   yff = ytt / |τ|²,   yft = −ys / conj(τ),   ytf = −ys / τ.
// The per-branch terms are computed by the topology pass; this file only assembles them.
#include "solver/ybus.hpp"

#include <algorithm>

namespace lsflow::solver {

namespace {
std::int32_t find_pos(const Ybus::Matrix& y, std::int32_t row, std::int32_t col) {
  const auto* outer = y.outerIndexPtr();
  const auto* inner = y.innerIndexPtr();
  const auto* begin = inner + outer[col];
  const auto* end = inner + outer[col + 1];
  const auto* it = std::lower_bound(begin, end, row);
  return static_cast<std::int32_t>(it - inner);
}
}  // namespace

Ybus::Ybus(const MathModel& m) {
  const auto n = m.n_bus();
  std::vector<Eigen::Triplet<cplx, std::int32_t>> trips;
  trips.reserve(static_cast<std::size_t>(n) + 4 * m.branches.size());
  // Every diagonal is present (even if zero) so shunts and outages never change the pattern.
  for (std::int32_t i = 0; i < n; ++i) trips.emplace_back(i, i, m.ysh_pu[static_cast<std::size_t>(i)]);
  for (const auto& br : m.branches) {
    trips.emplace_back(br.from, br.from, br.yff);
    trips.emplace_back(br.from, br.to, br.yft);
    trips.emplace_back(br.to, br.from, br.ytf);
    trips.emplace_back(br.to, br.to, br.ytt);
  }
  y_.resize(n, n);
  y_.setFromTriplets(trips.begin(), trips.end());
  y_.makeCompressed();

  diag_pos_.resize(static_cast<std::size_t>(n));
  for (std::int32_t i = 0; i < n; ++i) diag_pos_[static_cast<std::size_t>(i)] = find_pos(y_, i, i);
  branch_pos_.resize(m.branches.size());
  for (std::size_t b = 0; b < m.branches.size(); ++b) {
    const auto& br = m.branches[b];
    branch_pos_[b] = {find_pos(y_, br.from, br.from), find_pos(y_, br.from, br.to),
                      find_pos(y_, br.to, br.from), find_pos(y_, br.to, br.to)};
  }
}

void Ybus::add_branch(const MathBranch& br, std::size_t b, double sign) {
  cplx* v = y_.valuePtr();
  const auto& p = branch_pos_[b];
  v[p[0]] += sign * br.yff;
  v[p[1]] += sign * br.yft;
  v[p[2]] += sign * br.ytf;
  v[p[3]] += sign * br.ytt;
}

}  // namespace lsflow::solver
