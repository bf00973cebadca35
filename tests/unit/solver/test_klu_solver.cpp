#include <catch2/catch.hpp>

#include "common/errors.hpp"
#include "solver/klu_solver.hpp"
#include "solver/newton_raphson.hpp"
#include "solver/power_flow.hpp"
#include "topology/math_builder.hpp"

using namespace lsflow;
using solver::cplx;

TEST_CASE("KLU solves a small system and refactors with new values", "[solver][klu]") {
  // [4 1 0; 1 3 1; 0 1 2] in CSC
  std::vector<std::int32_t> ap = {0, 2, 5, 7}, ai = {0, 1, 0, 1, 2, 1, 2};
  std::vector<double> ax = {4, 1, 1, 3, 1, 1, 2};
  solver::KluSolver klu;
  klu.analyze(3, ap.data(), ai.data());
  klu.factor(ax.data());
  std::vector<double> b = {5, 5, 3};   // x = 1 1 1
  klu.solve(b.data());
  CHECK(b[0] == Approx(1.0));
  CHECK(b[1] == Approx(1.0));
  CHECK(b[2] == Approx(1.0));
  for (auto& x : ax) x *= 2.0;
  klu.refactor(ax.data());
  b = {5, 5, 3};
  klu.solve(b.data());
  CHECK(b[0] == Approx(0.5));
}

TEST_CASE("KLU on a singular matrix reports the column", "[solver][klu]") {
  // Column 1 is all zero.
  std::vector<std::int32_t> ap = {0, 1, 1, 2}, ai = {0, 2};
  std::vector<double> ax = {1.0, 1.0};
  solver::KluSolver klu;
  klu.analyze(3, ap.data(), ai.data());
  try {
    klu.factor(ax.data());
    FAIL("no exception for a singular matrix");
  } catch (const SingularMatrix& e) {
    CHECK(e.math_bus == 1);
  }
}

TEST_CASE("A singular Jacobian names the bus that causes it", "[solver][klu]") {
  // Bus 2 hangs on a branch whose admittances are all zero: its rows and columns are empty.
  solver::MathModel m;
  m.bus_kind = {solver::BusKind::Ref, solver::BusKind::PQ, solver::BusKind::PQ};
  m.ysh_pu = {0.0, 0.0, 0.0};
  m.s_load_pu = {0.0, cplx(0.1, 0.0), cplx(0.1, 0.0)};
  m.v0_pu = {1.0, 1.0, 1.0};
  auto b01 = topology::branch_admittance(0.01, 0.1, 0.0, 0.0, 0.0);
  b01.from = 0;
  b01.to = 1;
  solver::MathBranch dead;
  dead.from = 1;
  dead.to = 2;
  m.branches = {b01, dead};
  m.gens = {{0, 0.0, 0.0, 1.0, -1.0, 1.0}};
  try {
    solver::solve_ac(m, {});
    FAIL("no exception for a singular Jacobian");
  } catch (const SingularMatrix& e) {
    CHECK(e.math_bus == 2);
    CHECK(std::string(e.what()).find("bus 2") != std::string::npos);
  }
}
