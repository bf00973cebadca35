#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include <Eigen/SparseCore>

#include "solver/math_model.hpp"

namespace lsflow::solver {

// The bus admittance matrix in compressed sparse column form (Eigen), with the position of every
// branch's four terms and every bus's diagonal in the value array, so that an outage or a changed
// shunt can rewrite values in place without touching the sparsity pattern (explicit zeros are kept).
class Ybus {
 public:
  using Matrix = Eigen::SparseMatrix<cplx, Eigen::ColMajor, std::int32_t>;

  explicit Ybus(const MathModel& m);

  [[nodiscard]] const Matrix& matrix() const { return y_; }
  [[nodiscard]] std::int32_t n_bus() const { return static_cast<std::int32_t>(y_.cols()); }

  // Adds `sign` times branch b's admittances (sign = -1 takes it out, +1 puts it back).
  void add_branch(const MathBranch& br, std::size_t b, double sign);
  // Positions of branch b's (ff, ft, tf, tt) terms in the value array.
  [[nodiscard]] const std::array<std::int32_t, 4>& branch_pos(std::size_t b) const { return branch_pos_[b]; }
  [[nodiscard]] std::int32_t diag_pos(std::int32_t bus) const { return diag_pos_[static_cast<std::size_t>(bus)]; }

 private:
  Matrix y_;
  std::vector<std::array<std::int32_t, 4>> branch_pos_;
  std::vector<std::int32_t> diag_pos_;
};

}  // namespace lsflow::solver
