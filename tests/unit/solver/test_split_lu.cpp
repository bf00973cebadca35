#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "io/matpower_reader.hpp"
#include "solver/klu_solver.hpp"
#include "solver/newton_raphson.hpp"
#include "solver/power_flow.hpp"
#include "solver/split_lu.hpp"
#include "test_paths.hpp"
#include "topology/math_builder.hpp"

using namespace lsflow;
using solver::cplx;

namespace {

// A structurally symmetric, unsymmetric-valued matrix on an nx × ny grid graph with two unknowns per
// node (a power-flow-like block structure), diagonally dominant so that static pivoting is sound.
struct GridMatrix {
  std::int32_t n = 0;
  std::vector<std::int32_t> ap, ai, group;
  std::vector<double> ax;
};

GridMatrix grid_matrix(int nx, int ny, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const int nodes = nx * ny;
  GridMatrix g;
  g.n = 2 * nodes;
  g.ap.push_back(0);
  auto node = [&](int x, int y) { return y * nx + x; };
  for (int c = 0; c < g.n; ++c) {
    const int v = c / 2;
    const int x = v % nx;
    const int y = v / nx;
    std::vector<int> nb = {v};
    if (x > 0) nb.push_back(node(x - 1, y));
    if (x + 1 < nx) nb.push_back(node(x + 1, y));
    if (y > 0) nb.push_back(node(x, y - 1));
    if (y + 1 < ny) nb.push_back(node(x, y + 1));
    std::sort(nb.begin(), nb.end());
    for (int w : nb)
      for (int k = 0; k < 2; ++k) {
        const int r = 2 * w + k;
        g.ai.push_back(r);
        g.ax.push_back(r == c ? 12.0 + u(rng) : u(rng));
      }
    g.ap.push_back(static_cast<std::int32_t>(g.ai.size()));
    g.group.push_back(v);
  }
  return g;
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double d = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

}  // namespace

TEST_CASE("SplitLu solves like KLU and refactors with new values", "[solver][split_lu]") {
  auto g = grid_matrix(40, 30, 7);
  solver::SplitLu lu;
  REQUIRE(lu.analyze(g.n, g.ap.data(), g.ai.data(), g.group.data(), 40 * 30));
  const auto& st = lu.stats();
  CHECK(st.n1 + st.n2 + st.ns == g.n);
  CHECK(st.ns > 0);
  CHECK(st.ns < g.n / 10);   // a grid graph has a small separator
  CHECK(std::min(st.n1, st.n2) > g.n / 4);

  solver::KluSolver klu;
  klu.analyze(g.n, g.ap.data(), g.ai.data());
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int round = 0; round < 3; ++round) {
    if (round > 0)
      for (auto& a : g.ax) a *= 1.0 + 0.1 * u(rng);   // new values, same pattern
    REQUIRE(lu.factor(g.ax.data()));
    klu.factor(g.ax.data());
    std::vector<double> b(static_cast<std::size_t>(g.n));
    for (auto& x : b) x = u(rng);
    auto x_split = b;
    auto x_klu = b;
    lu.solve(x_split.data());
    klu.solve(x_klu.data());
    CHECK(max_abs_diff(x_split, x_klu) < 1e-12);
    // And the residual of the split solution itself.
    std::vector<double> r = b;
    for (std::int32_t c = 0; c < g.n; ++c)
      for (auto p = g.ap[static_cast<std::size_t>(c)]; p < g.ap[static_cast<std::size_t>(c) + 1]; ++p)
        r[static_cast<std::size_t>(g.ai[static_cast<std::size_t>(p)])] -=
            g.ax[static_cast<std::size_t>(p)] * x_split[static_cast<std::size_t>(c)];
    CHECK(*std::max_element(r.begin(), r.end(), [](double a, double b) { return std::abs(a) < std::abs(b); }) ==
          Approx(0.0).margin(1e-12));
  }
}

TEST_CASE("SplitLu refuses a zero pivot and names its column", "[solver][split_lu]") {
  auto g = grid_matrix(20, 20, 11);
  solver::SplitLu lu;
  REQUIRE(lu.analyze(g.n, g.ap.data(), g.ai.data(), g.group.data(), 20 * 20));
  // Zero the whole of column 17: its pivot is zero whatever the ordering.
  for (auto p = g.ap[17]; p < g.ap[18]; ++p) g.ax[static_cast<std::size_t>(p)] = 0.0;
  CHECK_FALSE(lu.factor(g.ax.data()));
  CHECK(lu.failed_column() == 17);
  // It recovers once the values are sound again.
  for (auto p = g.ap[17]; p < g.ap[18]; ++p) g.ax[static_cast<std::size_t>(p)] = g.ai[static_cast<std::size_t>(p)] == 17 ? 10.0 : 0.5;
  CHECK(lu.factor(g.ax.data()));
}

TEST_CASE("SplitLu declines a graph without a small separator", "[solver][split_lu]") {
  // A complete graph on 12 groups: any separator holds nearly everything.
  const int groups = 12;
  std::vector<std::int32_t> ap = {0}, ai, group;
  for (int c = 0; c < groups; ++c) {
    for (int r = 0; r < groups; ++r) ai.push_back(r);
    ap.push_back(static_cast<std::int32_t>(ai.size()));
    group.push_back(c);
  }
  solver::SplitLu lu;
  CHECK_FALSE(lu.analyze(groups, ap.data(), ai.data(), group.data(), groups, 4));
  CHECK_FALSE(lu.analyzed());
}

// The two-thread factorisation must not change the Newton iterates beyond rounding: same iteration
// count and the same voltages as KLU, on a PEGASE case large enough to use it.
TEST_CASE("Newton-Raphson with the two-thread LU matches KLU on case2869pegase", "[solver][split_lu]") {
  LSFLOW_REQUIRE_SHARED();
  const auto net = io::read_matpower((test::shared_dir() / "cases" / "case2869pegase.m").string());
  const auto nm = topology::build_math(net);
  const auto& m = nm.islands.at(0).math;
  solver::PfOptions two;
  two.flat_start = true;
  two.klu.two_threads = true;
  two.klu.split_min_unknowns = 1000;
  solver::PfOptions one = two;
  one.klu.two_threads = false;
  const auto r2 = solver::solve_ac(m, two);
  const auto r1 = solver::solve_ac(m, one);
  REQUIRE(r1.converged);
  REQUIRE(r2.converged);
  CHECK(r2.iterations == r1.iterations);
  double dv = 0.0;
  for (std::size_t b = 0; b < r1.v.size(); ++b) dv = std::max(dv, std::abs(r1.v[b] - r2.v[b]));
  CHECK(dv < 1e-10);

  // And it was the two-thread LU that ran.
  solver::Ybus y(m);
  std::vector<solver::BusKind> kind;
  solver::assign_bus_kinds(m, m.bus_kind, {}, kind);
  solver::NewtonRaphson nr(y, kind, two.klu);
  CHECK(nr.two_threads());
  CHECK(nr.split_lu().stats().ns > 0);
}
