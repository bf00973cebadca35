// Ybus of a small hand-drawn grid with a line, a phase-shifting transformer and a shunt, against
// values worked out by hand:
//   bus 1 ── line r=0.01 x=0.1 b=0.02 ── bus 2 ──[τ = 1.05∠10°, x = 0.2]── bus 3 (shunt B = 0.05)
//   ys12 = 1/(0.01 + j0.1) = 0.990099 − j9.900990;   ys23 = 1/(j0.2) = −j5
//   Y11 = ys12 + j0.01 = 0.990099 − j9.890990          Y12 = Y21 = −ys12
//   Y22 = ys12 + j0.01 + ys23/1.05² = 0.990099 − j14.426137
//   Y23 = −ys23/conj(τ) = −0.826896 + j4.689561        Y32 = −ys23/τ = 0.826896 + j4.689561
//   Y33 = ys23 + j0.05 = −j4.95
#include <catch2/catch.hpp>

#include "solver/ybus.hpp"
#include "topology/math_builder.hpp"

using namespace lsflow;
using solver::cplx;

namespace {
solver::MathModel three_bus() {
  solver::MathModel m;
  m.bus_kind = {solver::BusKind::Ref, solver::BusKind::PV, solver::BusKind::PQ};
  m.ysh_pu = {0.0, 0.0, cplx(0.0, 0.05)};
  m.s_load_pu = {0.0, cplx(0.2, 0.05), cplx(0.5, 0.2)};
  m.v0_pu = {1.0, 1.0, 1.0};
  auto b12 = topology::branch_admittance(0.01, 0.1, 0.02, 0.0, 0.0);
  b12.from = 0;
  b12.to = 1;
  auto b23 = topology::branch_admittance(0.0, 0.2, 0.0, 1.05, 10.0);
  b23.from = 1;
  b23.to = 2;
  m.branches = {b12, b23};
  m.gens = {{0, 0.0, 0.0, 1.0, -1.0, 1.02}, {1, 0.4, 0.0, 1.0, -1.0, 1.01}};
  return m;
}

void check(const cplx& got, double re, double im) {
  CHECK(got.real() == Approx(re).margin(1e-12));
  CHECK(got.imag() == Approx(im).margin(1e-12));
}
}  // namespace

TEST_CASE("Ybus of a hand-drawn grid with a tap and a phase shifter", "[solver][ybus]") {
  const auto m = three_bus();
  solver::Ybus y(m);
  const auto& Y = y.matrix();
  check(Y.coeff(0, 0), 0.99009900990099, -9.890990099009901);
  check(Y.coeff(0, 1), -0.99009900990099, 9.900990099009901);
  check(Y.coeff(1, 0), -0.99009900990099, 9.900990099009901);
  check(Y.coeff(1, 1), 0.99009900990099, -14.426137491300153);
  check(Y.coeff(1, 2), -0.82689608412824, 4.689560728629563);
  check(Y.coeff(2, 1), 0.82689608412824, 4.689560728629563);
  check(Y.coeff(2, 2), 0.0, -4.95);
  check(Y.coeff(0, 2), 0.0, 0.0);
  CHECK(Y.nonZeros() == 7);
}

TEST_CASE("Ybus outage update keeps the pattern and removes the branch exactly", "[solver][ybus]") {
  const auto m = three_bus();
  solver::Ybus y(m);
  const auto nnz = y.matrix().nonZeros();
  y.add_branch(m.branches[1], 1, -1.0);
  CHECK(y.matrix().nonZeros() == nnz);
  check(y.matrix().coeff(1, 2), 0.0, 0.0);
  check(y.matrix().coeff(2, 2), 0.0, 0.05);
  check(y.matrix().coeff(1, 1), 0.99009900990099, -9.890990099009901);
  y.add_branch(m.branches[1], 1, +1.0);
  check(y.matrix().coeff(1, 2), -0.82689608412824, 4.689560728629563);
}
