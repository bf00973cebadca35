#pragma once
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace lsflow::solver {

// Sparse LU of a structurally symmetric matrix (the power-flow Jacobian), factored on two threads.
//
// Method (one level of nested dissection, then a dense Schur complement). The column groups (the
// unknowns of one bus) are split by METIS's vertex separator (through CHOLMOD's
// cholmod_metis_bisector) into two halves P1, P2 that share no matrix entry and a small separator S.
// Ordered [P1, P2, S],
//
//        ⎡A11   0   A1s⎤     L·U with  L11·U11 = A11,  L22·U22 = A22           (each half on its own
//    A = ⎢ 0   A22  A2s⎥                Us,t = L_tt⁻¹·A_ts, Ls,t = A_st·U_tt⁻¹  thread, left-looking
//        ⎣As1  As2  Ass⎦                D = Ass − Ls,1·U1,s − Ls,2·U2,s          as in KLU's refactor)
//
// and the Schur complement D (|S|×|S|, small) is factored densely with partial pivoting. Every
// product touching P1 is computed by the thread that owns P1, likewise P2; only the dense D is
// serial. Within each half the groups are ordered by AMD (SuiteSparse) on the bus graph, so the fill
// is that of AMD on each half. The symbolic factorisation (elimination tree, the patterns of L and
// U, the value maps) is built once by analyze() and kept; factor() only does numeric work and
// allocates nothing.
//
// Pivoting: inside the halves the diagonal is taken as the pivot (static pivoting, as in
// klu_refactor, which reuses the pivots of its first factorisation; on power-flow Jacobians KLU's
// own threshold pivoting picks the diagonal too). factor() refuses a pivot smaller than
// pivot_tol × the largest entry of its column and returns false; the caller then falls back to a
// pivoting LU (KLU). D is pivoted by rows.
//
// Solve: L·y = b column by column, D⁻¹ on the separator, then U·x = y, serial (one pass over the
// factors: about a KLU solve).
//
// Threads: analyze() starts one helper thread, which factors P2 on request and otherwise sleeps (after
// spinning up to 1 ms, the gap between two Newton factorisations). When the helper has not claimed a
// factorisation by the time the calling thread is done with P1, the calling thread factors P2 itself,
// so a busy machine costs at worst the one-thread time. Results do not depend on which thread ran what.
class SplitLu {
 public:
  struct Stats {
    std::int32_t n = 0, n1 = 0, n2 = 0, ns = 0;   // unknowns: halves and separator
    std::int64_t nnz_l = 0, nnz_u = 0;            // sparse parts (D is dense: ns²)
    double flops1 = 0, flops2 = 0;                // multiply-adds of each half (with its Schur part)
  };

  SplitLu() = default;
  ~SplitLu();
  SplitLu(const SplitLu&) = delete;
  SplitLu& operator=(const SplitLu&) = delete;

  // The pattern (CSC, n×n; the symbolic part works on A + Aᵀ, so it need not be symmetric; the
  // Jacobian's is). group[c] ∈ [0, n_group): the group of column c, kept together. Returns false
  // when the split does not pay (separator larger than max_separator, or a half nearly empty);
  // the object is then unusable and the caller keeps its serial LU.
  bool analyze(std::int32_t n, const std::int32_t* ap, const std::int32_t* ai, const std::int32_t* group,
               std::int32_t n_group, std::int32_t max_separator = 400);
  // Numeric LU of the values ax (same pattern as analyze). Returns false on a tiny or non-finite
  // pivot; failed_column() then tells which (original) column.
  bool factor(const double* ax);
  // In place: rhs ← A⁻¹·rhs.
  void solve(double* rhs);

  [[nodiscard]] bool analyzed() const { return n_ > 0; }
  [[nodiscard]] const Stats& stats() const { return stats_; }
  [[nodiscard]] std::int32_t failed_column() const { return failed_col_; }
  double pivot_tol = 1e-10;   // a pivot below pivot_tol × its column's largest entry is refused

 private:
  // Numeric work of one half: its own columns, then its part of every separator column.
  bool factor_half(int t, const double* ax);
  void dense_lu();
  void worker_loop();
  void start_worker();

  std::int32_t n_ = 0, n1_ = 0, n2_ = 0, ns_ = 0, s0_ = 0;   // s0_ = n1 + n2: first separator index
  std::vector<std::int32_t> perm_;    // new position → original column
  std::vector<std::int32_t> iperm_;   // original column → new position
  // A by permuted columns, rows sorted: (permuted row, index into ax).
  std::vector<std::int32_t> a_ptr_, a_row_, a_src_;
  std::vector<std::int32_t> a_split_;   // per separator column: 3 cut points (end of P1, P2 rows, S rows start)
  // U strictly above the diagonal, by columns, rows ascending; for separator columns only rows in
  // P1 ∪ P2, and u_split_ marks where the P2 rows start.
  std::vector<std::int32_t> u_ptr_, u_row_, u_split_;
  std::vector<double> u_val_;
  // L strictly below the diagonal (unit diagonal), by columns, for columns in P1 ∪ P2.
  std::vector<std::int32_t> l_ptr_, l_row_;
  std::vector<double> l_val_;
  std::vector<double> u_diag_;         // for P1 ∪ P2
  std::vector<double> dense_;          // D, column-major ns×ns, then its LU
  std::vector<std::int32_t> dense_piv_;
  std::vector<double> w_[2];           // per half: its contribution to D (column-major ns×ns)
  std::vector<double> x_[2];           // per half: dense work vector (size n, kept zero)
  std::vector<double> y_;              // solve work vector
  bool ok_[2] = {true, true};
  std::int32_t fail_[2] = {-1, -1};
  std::int32_t failed_col_ = -1;
  Stats stats_;

  // The second thread: factor_half(1) on demand.
  std::thread worker_;
  std::atomic<std::uint32_t> go_{0}, done_{0}, claimed_{0};   // job counters
  std::atomic<bool> quit_{false};
  const double* job_ax_ = nullptr;
};

}  // namespace lsflow::solver
