// Ybus = Cfᵀ·(Yff·Cf + Yft·Ct) + Ctᵀ·(Ytf·Cf + Ytt·Ct) + diag(Ysh)   (MATPOWER manual, eq. 3.9–3.13)
// with, per branch (series admittance ys = 1/(r + jx), charging b, complex tap τ = t·e^{jθ}):
//   ytt = ys + j b/2,   yff = ytt / |τ|²,   yft = −ys / conj(τ),   ytf = −ys / τ.
// The per-branch terms are computed by the topology pass; this file only assembles them.
#include "solver/ybus.hpp"

#include <algorithm>

namespace lsflow::solver {

Ybus::Ybus(const MathModel& m) {
  // Direct CSC assembly (count, scatter, sort each short column, merge duplicates), recording where
  // each bus diagonal and branch term lands: a third of the time of building from triplets and
  // then searching for the positions.
  const auto n = static_cast<std::size_t>(m.n_bus());
  const auto nbr = m.branches.size();
  const std::size_t n_terms = n + 4 * nbr;
  // Term t: t < n is the diagonal of bus t; else branch (t − n)/4, slot (t − n)%4 = ff, ft, tf, tt.
  std::vector<std::int32_t> term_row(n_terms), term_col(n_terms);
  std::vector<cplx> term_val(n_terms);
  for (std::size_t i = 0; i < n; ++i) {
    term_row[i] = term_col[i] = static_cast<std::int32_t>(i);
    term_val[i] = m.ysh_pu[i];
  }
  for (std::size_t k = 0; k < nbr; ++k) {
    const auto& br = m.branches[k];
    const std::size_t t = n + 4 * k;
    term_row[t] = br.from, term_col[t] = br.from, term_val[t] = br.yff;
    term_row[t + 1] = br.from, term_col[t + 1] = br.to, term_val[t + 1] = br.yft;
    term_row[t + 2] = br.to, term_col[t + 2] = br.from, term_val[t + 2] = br.ytf;
    term_row[t + 3] = br.to, term_col[t + 3] = br.to, term_val[t + 3] = br.ytt;
  }
  std::vector<std::int32_t> start(n + 1, 0);
  for (std::size_t t = 0; t < n_terms; ++t) ++start[static_cast<std::size_t>(term_col[t]) + 1];
  for (std::size_t c = 0; c < n; ++c) start[c + 1] += start[c];
  std::vector<std::int32_t> order(n_terms);   // terms grouped by column
  {
    std::vector<std::int32_t> next(start.begin(), start.end() - 1);
    for (std::size_t t = 0; t < n_terms; ++t)
      order[static_cast<std::size_t>(next[static_cast<std::size_t>(term_col[t])]++)] = static_cast<std::int32_t>(t);
  }
  std::vector<std::int32_t> term_pos(n_terms);
  y_.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  y_.resizeNonZeros(static_cast<Eigen::Index>(n_terms));   // upper bound; trimmed below
  auto* outer = y_.outerIndexPtr();
  auto* inner = y_.innerIndexPtr();
  cplx* vals = y_.valuePtr();
  std::int32_t nnz = 0;
  outer[0] = 0;
  for (std::size_t c = 0; c < n; ++c) {
    auto* first = order.data() + start[c];
    auto* last = order.data() + start[c + 1];
    std::sort(first, last, [&](std::int32_t a, std::int32_t b) {
      return term_row[static_cast<std::size_t>(a)] < term_row[static_cast<std::size_t>(b)];
    });
    std::int32_t prev_row = -1;
    for (auto* it = first; it != last; ++it) {
      const auto t = static_cast<std::size_t>(*it);
      const auto row = term_row[t];
      if (row != prev_row) {
        inner[nnz] = row;
        vals[nnz] = cplx{};
        ++nnz;
        prev_row = row;
      }
      vals[nnz - 1] += term_val[t];
      term_pos[t] = nnz - 1;
    }
    outer[c + 1] = nnz;
  }
  y_.resizeNonZeros(nnz);
  y_.data().squeeze();

  diag_pos_.assign(term_pos.begin(), term_pos.begin() + static_cast<std::ptrdiff_t>(n));
  branch_pos_.resize(nbr);
  for (std::size_t b = 0; b < nbr; ++b)
    for (std::size_t s = 0; s < 4; ++s) branch_pos_[b][s] = term_pos[n + 4 * b + s];
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
