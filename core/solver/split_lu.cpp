// Two-thread sparse LU; the method is described in split_lu.hpp.
#include "solver/split_lu.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include <amd.h>
#include <cholmod.h>

namespace lsflow::solver {

namespace {

// A symmetric graph in CSC form without self-loops or duplicates.
struct Graph {
  std::vector<std::int32_t> ptr, idx;
  [[nodiscard]] std::int32_t n() const { return static_cast<std::int32_t>(ptr.size()) - 1; }
};

// The graph of the groups: g — h when some entry of A couples a column of g with a column of h.
Graph group_graph(std::int32_t n, const std::int32_t* ap, const std::int32_t* ai, const std::int32_t* group,
                  std::int32_t n_group) {
  const auto ng = static_cast<std::size_t>(n_group);
  std::vector<std::int32_t> cnt(ng + 1, 0);
  for (std::int32_t c = 0; c < n; ++c)
    for (auto p = ap[c]; p < ap[c + 1]; ++p) {
      const auto g = group[c];
      const auto h = group[ai[p]];
      if (g == h) continue;
      ++cnt[static_cast<std::size_t>(g) + 1];
      ++cnt[static_cast<std::size_t>(h) + 1];
    }
  for (std::size_t g = 0; g < ng; ++g) cnt[g + 1] += cnt[g];
  std::vector<std::int32_t> raw(static_cast<std::size_t>(cnt[ng]));
  std::vector<std::int32_t> next(cnt.begin(), cnt.end() - 1);
  for (std::int32_t c = 0; c < n; ++c)
    for (auto p = ap[c]; p < ap[c + 1]; ++p) {
      const auto g = group[c];
      const auto h = group[ai[p]];
      if (g == h) continue;
      raw[static_cast<std::size_t>(next[static_cast<std::size_t>(g)]++)] = h;
      raw[static_cast<std::size_t>(next[static_cast<std::size_t>(h)]++)] = g;
    }
  Graph gr;
  gr.ptr.assign(ng + 1, 0);
  gr.idx.reserve(raw.size() / 2);
  std::vector<std::int32_t> mark(ng, -1);
  for (std::size_t g = 0; g < ng; ++g) {
    for (auto p = cnt[g]; p < cnt[g + 1]; ++p) {
      const auto h = raw[static_cast<std::size_t>(p)];
      if (mark[static_cast<std::size_t>(h)] == static_cast<std::int32_t>(g)) continue;
      mark[static_cast<std::size_t>(h)] = static_cast<std::int32_t>(g);
      gr.idx.push_back(h);
    }
    std::sort(gr.idx.begin() + gr.ptr[g], gr.idx.end());
    gr.ptr[g + 1] = static_cast<std::int32_t>(gr.idx.size());
  }
  return gr;
}

// METIS's vertex separator of the graph (through CHOLMOD) with node weights: part[g] is 0 or 1 for
// the halves, 2 for the separator. False when METIS/CHOLMOD fails (the serial LU stays in charge).
bool bisect(const Graph& g, std::vector<std::int32_t>& weight, std::vector<std::int32_t>& part) {
  cholmod_common cm;
  cholmod_start(&cm);
  cm.print = 0;
  cholmod_sparse a{};
  a.nrow = a.ncol = static_cast<std::size_t>(g.n());
  a.nzmax = g.idx.size();
  a.p = const_cast<std::int32_t*>(g.ptr.data());
  a.i = const_cast<std::int32_t*>(g.idx.data());
  a.stype = 0;   // both triangles present, no diagonal: what METIS takes
  a.itype = CHOLMOD_INT;
  a.xtype = CHOLMOD_PATTERN;
  a.dtype = CHOLMOD_DOUBLE;
  a.sorted = 1;
  a.packed = 1;
  std::vector<std::int32_t> edge_weight(std::max<std::size_t>(1, g.idx.size()), 1);
  part.assign(static_cast<std::size_t>(g.n()), 0);
  const auto sep = cholmod_metis_bisector(&a, weight.data(), edge_weight.data(), part.data(), &cm);
  const bool ok = sep >= 0 && cm.status == CHOLMOD_OK;
  cholmod_finish(&cm);
  return ok;
}

// AMD order of the subgraph induced by `nodes` (returned as node ids).
std::vector<std::int32_t> amd_subgraph(const Graph& g, const std::vector<std::int32_t>& nodes,
                                       std::vector<std::int32_t>& local) {
  const auto m = static_cast<std::int32_t>(nodes.size());
  for (std::int32_t i = 0; i < m; ++i) local[static_cast<std::size_t>(nodes[static_cast<std::size_t>(i)])] = i;
  std::vector<std::int32_t> sp(static_cast<std::size_t>(m) + 1, 0), si;
  for (std::int32_t i = 0; i < m; ++i) {
    const auto v = static_cast<std::size_t>(nodes[static_cast<std::size_t>(i)]);
    for (auto p = g.ptr[v]; p < g.ptr[v + 1]; ++p) {
      const auto l = local[static_cast<std::size_t>(g.idx[static_cast<std::size_t>(p)])];
      if (l >= 0) si.push_back(l);
    }
    sp[static_cast<std::size_t>(i) + 1] = static_cast<std::int32_t>(si.size());
  }
  std::vector<std::int32_t> order(static_cast<std::size_t>(m));
  if (m > 0 && amd_order(m, sp.data(), si.data(), order.data(), nullptr, nullptr) < AMD_OK) {
    for (std::int32_t i = 0; i < m; ++i) order[static_cast<std::size_t>(i)] = i;   // out of memory: natural
  }
  for (auto v : nodes) local[static_cast<std::size_t>(v)] = -1;
  for (auto& o : order) o = nodes[static_cast<std::size_t>(o)];
  return order;
}

// Group labels (METIS's: the halves, then the separator), in the order the columns are numbered.
enum Label : std::int32_t { kP1 = 0, kP2 = 1, kS = 2, kLabels = 3 };

// The columns ordered [P1, P2, S] from a labelling of the groups: AMD within each half, the
// separator as it comes (its block is dense).
struct Ordering {
  std::vector<std::int32_t> perm, iperm;
  std::int32_t cols[kLabels] = {0, 0, 0};
};

Ordering order_columns(const Graph& gg, const std::vector<std::int32_t>& label, const std::vector<std::int32_t>& gptr,
                       const std::vector<std::int32_t>& gcols) {
  const auto ng = gptr.size() - 1;
  std::vector<std::int32_t> nodes[kLabels];
  Ordering o;
  for (std::size_t g = 0; g < ng; ++g) {
    const auto k = static_cast<std::size_t>(label[g]);
    nodes[k].push_back(static_cast<std::int32_t>(g));
    o.cols[k] += gptr[g + 1] - gptr[g];
  }
  std::vector<std::int32_t> local(ng, -1);
  o.perm.reserve(gcols.size());
  for (int k = 0; k < kLabels; ++k) {
    std::vector<std::int32_t> amd;
    if (k != kS) amd = amd_subgraph(gg, nodes[k], local);
    const auto& order = k != kS ? amd : nodes[k];
    for (auto g : order)
      for (auto p = gptr[static_cast<std::size_t>(g)]; p < gptr[static_cast<std::size_t>(g) + 1]; ++p)
        o.perm.push_back(gcols[static_cast<std::size_t>(p)]);
  }
  o.iperm.assign(o.perm.size(), -1);
  for (std::size_t i = 0; i < o.perm.size(); ++i) o.iperm[static_cast<std::size_t>(o.perm[i])] = static_cast<std::int32_t>(i);
  return o;
}

// P·A·Pᵀ both by columns (CSC) and by rows (CSR), each with its indices ascending, so that the
// neighbours i < k of k in A + Aᵀ are the leading entries of column k and of row k.
struct Permuted {
  std::vector<std::int32_t> cptr, crow, csrc;   // by columns: row, index into A's values
  std::vector<std::int32_t> rptr, rcol;         // by rows
};

Permuted permute(std::int32_t n, const std::int32_t* ap, const std::int32_t* ai, const std::vector<std::int32_t>& perm,
                 const std::vector<std::int32_t>& iperm) {
  // Rows first (walking the new columns in order leaves each row's columns ascending), then the
  // columns back from the rows (rows ascending): two counting passes, no sort.
  const auto nu = static_cast<std::size_t>(n);
  Permuted m;
  m.rptr.assign(nu + 1, 0);
  for (std::int32_t c = 0; c < n; ++c)
    for (auto p = ap[c]; p < ap[c + 1]; ++p) ++m.rptr[static_cast<std::size_t>(iperm[static_cast<std::size_t>(ai[p])]) + 1];
  for (std::size_t i = 0; i < nu; ++i) m.rptr[i + 1] += m.rptr[i];
  m.rcol.resize(static_cast<std::size_t>(m.rptr[nu]));
  std::vector<std::int32_t> rsrc(m.rcol.size());
  std::vector<std::int32_t> next(m.rptr.begin(), m.rptr.end() - 1);
  m.cptr.assign(nu + 1, 0);
  for (std::int32_t j = 0; j < n; ++j) {
    const auto c = perm[static_cast<std::size_t>(j)];
    m.cptr[static_cast<std::size_t>(j) + 1] = m.cptr[static_cast<std::size_t>(j)] + (ap[c + 1] - ap[c]);
    for (auto p = ap[c]; p < ap[c + 1]; ++p) {
      const auto q = static_cast<std::size_t>(next[static_cast<std::size_t>(iperm[static_cast<std::size_t>(ai[p])])]++);
      m.rcol[q] = j;
      rsrc[q] = p;
    }
  }
  m.crow.resize(m.rcol.size());
  m.csrc.resize(m.rcol.size());
  std::copy(m.cptr.begin(), m.cptr.end() - 1, next.begin());
  for (std::int32_t r = 0; r < n; ++r)
    for (auto q = m.rptr[static_cast<std::size_t>(r)]; q < m.rptr[static_cast<std::size_t>(r) + 1]; ++q) {
      const auto d = static_cast<std::size_t>(next[static_cast<std::size_t>(m.rcol[static_cast<std::size_t>(q)])]++);
      m.crow[d] = r;
      m.csrc[d] = rsrc[static_cast<std::size_t>(q)];
    }
  return m;
}

// Calls f(i) for each i < k adjacent to k in A + Aᵀ (an i may come twice).
template <class F>
void for_each_lower_neighbour(const Permuted& m, std::int32_t k, F&& f) {
  const auto ku = static_cast<std::size_t>(k);
  for (auto p = m.cptr[ku]; p < m.cptr[ku + 1] && m.crow[static_cast<std::size_t>(p)] < k; ++p) f(m.crow[static_cast<std::size_t>(p)]);
  for (auto p = m.rptr[ku]; p < m.rptr[ku + 1] && m.rcol[static_cast<std::size_t>(p)] < k; ++p) f(m.rcol[static_cast<std::size_t>(p)]);
}

// Elimination tree of A + Aᵀ (Liu's algorithm with path compression).
std::vector<std::int32_t> elimination_tree(const Permuted& m) {
  const auto nu = m.cptr.size() - 1;
  std::vector<std::int32_t> parent(nu, -1), ancestor(nu, -1);
  for (std::int32_t k = 0; k < static_cast<std::int32_t>(nu); ++k)
    for_each_lower_neighbour(m, k, [&](std::int32_t i) {
      while (i != -1 && i < k) {
        const auto nx = ancestor[static_cast<std::size_t>(i)];
        ancestor[static_cast<std::size_t>(i)] = k;
        if (nx == -1) parent[static_cast<std::size_t>(i)] = k;
        i = nx;
      }
    });
  return parent;
}

// Calls f(i) for every i < k with L(k, i) ≠ 0 (row k of L: the reach of row k's entries up the
// tree), in no particular order.
template <class F>
void for_each_in_row(const Permuted& m, const std::vector<std::int32_t>& parent, std::vector<std::int32_t>& mark,
                     std::int32_t k, F&& f) {
  mark[static_cast<std::size_t>(k)] = k;
  for_each_lower_neighbour(m, k, [&](std::int32_t i) {
    for (; mark[static_cast<std::size_t>(i)] != k; i = parent[static_cast<std::size_t>(i)]) {
      mark[static_cast<std::size_t>(i)] = k;
      f(i);
    }
  });
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

SplitLu::~SplitLu() {
  if (worker_.joinable()) {
    quit_.store(true, std::memory_order_release);
    go_.fetch_add(1, std::memory_order_acq_rel);
    go_.notify_one();
    worker_.join();
  }
}

bool SplitLu::analyze(std::int32_t n, const std::int32_t* ap, const std::int32_t* ai, const std::int32_t* group,
                      std::int32_t n_group, std::int32_t max_separator) {
  n_ = 0;
  if (n <= 0 || n_group <= 2) return false;
  const auto nu = static_cast<std::size_t>(n);
  const auto ng = static_cast<std::size_t>(n_group);
  const Graph gg = group_graph(n, ap, ai, group, n_group);

  // Columns of each group, ascending (θ before |V| in the Newton–Raphson numbering).
  std::vector<std::int32_t> gptr(ng + 1, 0), gcols(nu);
  for (std::int32_t c = 0; c < n; ++c) ++gptr[static_cast<std::size_t>(group[c]) + 1];
  for (std::size_t g = 0; g < ng; ++g) gptr[g + 1] += gptr[g];
  {
    std::vector<std::int32_t> next(gptr.begin(), gptr.end() - 1);
    for (std::int32_t c = 0; c < n; ++c) gcols[static_cast<std::size_t>(next[static_cast<std::size_t>(group[c])]++)] = c;
  }

  // METIS balances the halves' unknowns, not their factorisation work, which grows faster than the
  // size and gathers where a half is meshed: on case9241pegase the heavier half does 72 % of the
  // work (bench/: BM_SplitFactor's work1/work2). Tried and dropped: a second bisection weighted by
  // the first one's work per group (overshoots, separator 2–5× larger); node weights from degrees
  // (no steady gain); bisecting the heavier half again and moving one part to the other thread (the
  // meshed core stays in one part and its new separator adds a dense top: worse). Even unbalanced,
  // the heavier half does less than half of KLU's multiply-adds (nested dissection fills less).
  std::vector<std::int32_t> weight(ng), part;
  for (std::size_t g = 0; g < ng; ++g) weight[g] = std::max(1, gptr[g + 1] - gptr[g]);
  if (!bisect(gg, weight, part)) return false;
  Ordering ord = order_columns(gg, part, gptr, gcols);
  if (ord.cols[kS] > max_separator || std::min(ord.cols[kP1], ord.cols[kP2]) < n / 8) return false;

  perm_ = std::move(ord.perm);
  iperm_ = std::move(ord.iperm);
  n1_ = ord.cols[kP1];
  n2_ = ord.cols[kP2];
  ns_ = ord.cols[kS];
  s0_ = n1_ + n2_;
  auto half_of = [&](std::int32_t i) { return i < n1_ ? 0 : (i < s0_ ? 1 : 2); };

  Permuted pa = permute(n, ap, ai, perm_, iperm_);
  for (std::int32_t j = 0; j < n; ++j)
    for (auto q = pa.cptr[static_cast<std::size_t>(j)]; q < pa.cptr[static_cast<std::size_t>(j) + 1]; ++q)
      if (half_of(pa.crow[static_cast<std::size_t>(q)]) + half_of(j) == 1)
        throw std::logic_error("SplitLu: an entry couples the two halves");
  const auto parent = elimination_tree(pa);

  a_split_.assign(2 * static_cast<std::size_t>(ns_), 0);
  for (std::int32_t js = 0; js < ns_; ++js) {
    const auto j = static_cast<std::size_t>(s0_ + js);
    auto q = pa.cptr[j];
    while (q < pa.cptr[j + 1] && pa.crow[static_cast<std::size_t>(q)] < n1_) ++q;
    a_split_[2 * static_cast<std::size_t>(js)] = q;
    while (q < pa.cptr[j + 1] && pa.crow[static_cast<std::size_t>(q)] < s0_) ++q;
    a_split_[2 * static_cast<std::size_t>(js) + 1] = q;
  }

  // L by columns, rows ascending: row k of L is column k's reach; walking k upwards appends each k
  // to the columns it reaches. Only the halves' columns are kept (the separator's block is dense).
  std::vector<std::int32_t> mark(nu, -1);
  l_ptr_.assign(static_cast<std::size_t>(s0_) + 1, 0);
  for (std::int32_t k = 0; k < n; ++k)
    for_each_in_row(pa, parent, mark, k, [&](std::int32_t i) {
      if (i < s0_) ++l_ptr_[static_cast<std::size_t>(i) + 1];
    });
  for (std::size_t c = 0; c < static_cast<std::size_t>(s0_); ++c) l_ptr_[c + 1] += l_ptr_[c];
  l_row_.assign(static_cast<std::size_t>(l_ptr_.back()), 0);
  {
    std::vector<std::int32_t> next(l_ptr_.begin(), l_ptr_.end() - 1);
    std::fill(mark.begin(), mark.end(), -1);
    for (std::int32_t k = 0; k < n; ++k)
      for_each_in_row(pa, parent, mark, k, [&](std::int32_t i) {
        if (i < s0_) l_row_[static_cast<std::size_t>(next[static_cast<std::size_t>(i)]++)] = k;
      });
  }
  // U above the diagonal by columns, rows ascending: the transpose of L (separator columns: their
  // rows in P1 ∪ P2 only, P1's first; u_split_ marks where P2's start).
  u_ptr_.assign(nu + 1, 0);
  for (auto k : l_row_) ++u_ptr_[static_cast<std::size_t>(k) + 1];
  for (std::size_t k = 0; k < nu; ++k) u_ptr_[k + 1] += u_ptr_[k];
  u_row_.assign(l_row_.size(), 0);
  {
    std::vector<std::int32_t> next(u_ptr_.begin(), u_ptr_.end() - 1);
    for (std::int32_t c = 0; c < s0_; ++c)
      for (auto q = l_ptr_[static_cast<std::size_t>(c)]; q < l_ptr_[static_cast<std::size_t>(c) + 1]; ++q)
        u_row_[static_cast<std::size_t>(next[static_cast<std::size_t>(l_row_[static_cast<std::size_t>(q)])]++)] = c;
  }
  u_split_.assign(static_cast<std::size_t>(ns_), 0);
  for (std::int32_t js = 0; js < ns_; ++js) {
    const auto j = static_cast<std::size_t>(s0_ + js);
    auto p = u_ptr_[j];
    while (p < u_ptr_[j + 1] && u_row_[static_cast<std::size_t>(p)] < n1_) ++p;
    u_split_[static_cast<std::size_t>(js)] = p;
  }

  a_ptr_ = std::move(pa.cptr);
  a_row_ = std::move(pa.crow);
  a_src_ = std::move(pa.csrc);

  stats_ = {};
  stats_.n = n;
  stats_.n1 = n1_;
  stats_.n2 = n2_;
  stats_.ns = ns_;
  stats_.nnz_l = static_cast<std::int64_t>(l_row_.size());
  stats_.nnz_u = static_cast<std::int64_t>(u_row_.size());
  // Multiply-adds: each U(k, j) above the diagonal costs |L(:, k)|, charged to k's half.
  for (std::size_t p = 0; p < u_row_.size(); ++p) {
    const auto k = static_cast<std::size_t>(u_row_[p]);
    (static_cast<std::int32_t>(k) < n1_ ? stats_.flops1 : stats_.flops2) += l_ptr_[k + 1] - l_ptr_[k];
  }

  u_val_.assign(u_row_.size(), 0.0);
  l_val_.assign(l_row_.size(), 0.0);
  u_diag_.assign(static_cast<std::size_t>(s0_), 0.0);
  const auto nss = static_cast<std::size_t>(ns_) * static_cast<std::size_t>(ns_);
  dense_.assign(nss, 0.0);
  dense_piv_.assign(static_cast<std::size_t>(ns_), 0);
  for (int t = 0; t < 2; ++t) {
    w_[t].assign(nss, 0.0);
    x_[t].assign(nu, 0.0);
  }
  y_.assign(nu, 0.0);
  n_ = n;
  if (!worker_.joinable()) start_worker();   // here, so that factor() allocates nothing
  return true;
}

bool SplitLu::factor_half(int t, const double* ax) {
  double* x = x_[t].data();
  const std::int32_t* a_ptr = a_ptr_.data();
  const std::int32_t* a_row = a_row_.data();
  const std::int32_t* a_src = a_src_.data();
  const std::int32_t* u_ptr = u_ptr_.data();
  const std::int32_t* u_row = u_row_.data();
  const std::int32_t* l_ptr = l_ptr_.data();
  const std::int32_t* l_row = l_row_.data();
  double* u_val = u_val_.data();
  double* l_val = l_val_.data();

  // x ← x − L(:, k)·U(k, j) for the reach [p0, p1) of column j; U(k, j) stored on the way.
  auto eliminate = [&](std::int32_t p0, std::int32_t p1) {
    for (auto p = p0; p < p1; ++p) {
      const auto k = u_row[p];
      const double ukj = x[k];
      x[k] = 0.0;
      u_val[p] = ukj;
      if (ukj == 0.0) continue;
      for (auto q = l_ptr[k]; q < l_ptr[k + 1]; ++q) x[l_row[q]] -= l_val[q] * ukj;
    }
  };

  // Columns [lo, hi), left-looking as klu_refactor: scatter A(:, j), eliminate with the columns it
  // reaches, divide by the pivot.
  auto columns = [&](std::int32_t lo, std::int32_t hi) {
  for (std::int32_t j = lo; j < hi; ++j) {
    double amax = 0.0;
    for (auto q = a_ptr[j]; q < a_ptr[j + 1]; ++q) {
      const double a = ax[a_src[q]];
      x[a_row[q]] = a;
      amax = std::max(amax, std::abs(a));
    }
    eliminate(u_ptr[j], u_ptr[j + 1]);
    const double d = x[j];
    x[j] = 0.0;
    if (!(std::abs(d) > pivot_tol * amax)) {   // tiny, zero or NaN
      for (auto q = l_ptr[j]; q < l_ptr[j + 1]; ++q) x[l_row[q]] = 0.0;
      fail_[t] = j;
      return false;
    }
    u_diag_[static_cast<std::size_t>(j)] = d;
    const double inv = 1.0 / d;
    for (auto q = l_ptr[j]; q < l_ptr[j + 1]; ++q) {
      const auto r = l_row[q];
      l_val[q] = x[r] * inv;
      x[r] = 0.0;
    }
  }
  return true;
  };

  if (!(t == 0 ? columns(0, n1_) : columns(n1_, s0_))) return false;

  // This half's part of each separator column: U(P_t, j), and −L(S, P_t)·U(P_t, j) into w_[t].
  const auto ns = static_cast<std::size_t>(ns_);
  for (std::int32_t js = 0; js < ns_; ++js) {
    const auto j = static_cast<std::size_t>(s0_ + js);
    const auto jsu = static_cast<std::size_t>(js);
    const auto q0 = t == 0 ? a_ptr[j] : a_split_[2 * jsu];
    const auto q1 = t == 0 ? a_split_[2 * jsu] : a_split_[2 * jsu + 1];
    for (auto q = q0; q < q1; ++q) x[a_row[q]] = ax[a_src[q]];
    eliminate(t == 0 ? u_ptr[j] : u_split_[jsu], t == 0 ? u_split_[jsu] : u_ptr[j + 1]);
    double* w = w_[t].data() + jsu * ns;
    double* xs = x + s0_;
    for (std::size_t i = 0; i < ns; ++i) {
      w[i] = xs[i];
      xs[i] = 0.0;
    }
  }
  fail_[t] = -1;
  return true;
}

void SplitLu::start_worker() {
  worker_ = std::thread([this] { worker_loop(); });
}

void SplitLu::worker_loop() {
  std::uint32_t seen = 0;
  for (;;) {
    // Spin for up to a millisecond before sleeping: a Newton iteration's other phases take less
    // than that on large cases, and a futex wake-up costs tens of microseconds.
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
    while (go_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < until)
      for (int spin = 0; spin < 64; ++spin) cpu_relax();
    go_.wait(seen, std::memory_order_acquire);
    seen = go_.load(std::memory_order_acquire);
    if (quit_.load(std::memory_order_acquire)) return;
    // The calling thread takes the second half itself when this thread has not claimed it by the
    // time the first half is done (a busy machine): the two-thread factorisation is then never
    // slower than one thread.
    std::uint32_t expected = seen - 1;
    if (claimed_.compare_exchange_strong(expected, seen, std::memory_order_acq_rel)) {
      ok_[1] = factor_half(1, job_ax_);
      done_.store(seen, std::memory_order_release);
      done_.notify_one();
    }
  }
}

bool SplitLu::factor(const double* ax) {
  if (n_ == 0) throw std::logic_error("SplitLu::factor before a successful analyze");
  job_ax_ = ax;
  const auto job = go_.fetch_add(1, std::memory_order_acq_rel) + 1;
  go_.notify_one();
  ok_[0] = factor_half(0, ax);
  std::uint32_t expected = job - 1;
  if (claimed_.compare_exchange_strong(expected, job, std::memory_order_acq_rel)) {
    ok_[1] = factor_half(1, ax);   // the helper thread did not get to it
  } else {
    for (int spin = 0; spin < 20000 && done_.load(std::memory_order_acquire) != job; ++spin) cpu_relax();
    for (auto d = done_.load(std::memory_order_acquire); d != job; d = done_.load(std::memory_order_acquire))
      done_.wait(d, std::memory_order_acquire);
  }
  for (int t = 0; t < 2; ++t)
    if (!ok_[t]) {
      failed_col_ = perm_[static_cast<std::size_t>(fail_[t])];
      return false;
    }

  // D = Ass + w₁ + w₂, then its LU with row pivoting.
  const auto ns = static_cast<std::size_t>(ns_);
  for (std::size_t i = 0; i < ns * ns; ++i) dense_[i] = w_[0][i] + w_[1][i];
  for (std::int32_t js = 0; js < ns_; ++js) {
    const auto j = static_cast<std::size_t>(s0_ + js);
    for (auto q = a_split_[2 * static_cast<std::size_t>(js) + 1]; q < a_ptr_[j + 1]; ++q)
      dense_[static_cast<std::size_t>(js) * ns + static_cast<std::size_t>(a_row_[static_cast<std::size_t>(q)] - s0_)] +=
          ax[a_src_[static_cast<std::size_t>(q)]];
  }
  for (std::size_t k = 0; k < ns; ++k) {
    double* ck = dense_.data() + k * ns;
    std::size_t p = k;
    double best = std::abs(ck[k]);
    for (std::size_t i = k + 1; i < ns; ++i)
      if (std::abs(ck[i]) > best) {
        best = std::abs(ck[i]);
        p = i;
      }
    dense_piv_[k] = static_cast<std::int32_t>(p);
    if (!(best > 0.0) || !std::isfinite(best)) {
      failed_col_ = perm_[static_cast<std::size_t>(s0_) + k];
      return false;
    }
    if (p != k)
      for (std::size_t j = 0; j < ns; ++j) std::swap(dense_[j * ns + k], dense_[j * ns + p]);
    const double inv = 1.0 / ck[k];
    for (std::size_t i = k + 1; i < ns; ++i) ck[i] *= inv;
    for (std::size_t j = k + 1; j < ns; ++j) {
      double* cj = dense_.data() + j * ns;
      const double f = cj[k];
      if (f == 0.0) continue;
      for (std::size_t i = k + 1; i < ns; ++i) cj[i] -= ck[i] * f;
    }
  }
  failed_col_ = -1;
  return true;
}

void SplitLu::solve(double* rhs) {
  const auto n = static_cast<std::size_t>(n_);
  double* y = y_.data();
  for (std::size_t i = 0; i < n; ++i) y[i] = rhs[perm_[i]];
  // L·z = b: the halves' columns, then the separator's dense unit-lower factor.
  for (std::int32_t k = 0; k < s0_; ++k) {
    const double yk = y[k];
    if (yk == 0.0) continue;
    for (auto q = l_ptr_[static_cast<std::size_t>(k)]; q < l_ptr_[static_cast<std::size_t>(k) + 1]; ++q)
      y[l_row_[static_cast<std::size_t>(q)]] -= l_val_[static_cast<std::size_t>(q)] * yk;
  }
  const auto ns = static_cast<std::size_t>(ns_);
  double* ys = y + s0_;
  for (std::size_t k = 0; k < ns; ++k) std::swap(ys[k], ys[dense_piv_[k]]);
  for (std::size_t k = 0; k < ns; ++k) {
    const double* ck = dense_.data() + k * ns;
    const double yk = ys[k];
    for (std::size_t i = k + 1; i < ns; ++i) ys[i] -= ck[i] * yk;
  }
  // U·x = z: the separator (dense), its coupling to the halves, then the halves backwards.
  for (std::size_t k = ns; k-- > 0;) {
    const double* ck = dense_.data() + k * ns;
    ys[k] /= ck[k];
    const double yk = ys[k];
    for (std::size_t i = 0; i < k; ++i) ys[i] -= ck[i] * yk;
  }
  for (auto j = static_cast<std::size_t>(n_); j-- > 0;) {
    if (j < static_cast<std::size_t>(s0_)) y[j] /= u_diag_[j];
    const double xj = y[j];
    if (xj == 0.0) continue;
    for (auto p = u_ptr_[j]; p < u_ptr_[j + 1]; ++p)
      y[u_row_[static_cast<std::size_t>(p)]] -= u_val_[static_cast<std::size_t>(p)] * xj;
  }
  for (std::size_t i = 0; i < n; ++i) rhs[perm_[i]] = y[i];
}

}  // namespace lsflow::solver
