// The Newton-Raphson Jacobian, filled through the precomputed maps, against central finite
// differences of the mismatch function, on a case with PV and PQ buses, a tap and a phase shifter.
#include <catch2/catch.hpp>

#include <cmath>

#include "solver/newton_raphson.hpp"
#include "topology/math_builder.hpp"

using namespace lsflow;
using solver::cplx;

namespace {
solver::MathModel four_bus() {
  solver::MathModel m;
  m.bus_kind = {solver::BusKind::Ref, solver::BusKind::PV, solver::BusKind::PQ, solver::BusKind::PQ};
  m.ysh_pu = {0.0, 0.0, cplx(0.01, 0.05), 0.0};
  m.s_load_pu = {0.0, cplx(0.2, 0.05), cplx(0.5, 0.2), cplx(0.3, 0.1)};
  m.v0_pu = {1.0, 1.0, 1.0, 1.0};
  const struct { int f, t; double r, x, b, tap, shift; } br[] = {
      {0, 1, 0.01, 0.1, 0.02, 0, 0}, {1, 2, 0.0, 0.2, 0.0, 1.05, 10.0}, {0, 3, 0.02, 0.15, 0.04, 0, 0},
      {3, 2, 0.01, 0.12, 0.0, 0.97, -3.0}};
  for (const auto& b : br) {
    auto mb = topology::branch_admittance(b.r, b.x, b.b, b.tap, b.shift);
    mb.from = b.f;
    mb.to = b.t;
    m.branches.push_back(mb);
  }
  return m;
}
}  // namespace

TEST_CASE("Jacobian matches finite differences of the mismatch", "[solver][jacobian]") {
  const auto m = four_bus();
  solver::Ybus y(m);
  solver::NewtonRaphson nr(y, m.bus_kind);
  REQUIRE(nr.n_eq() == 5);   // θ1 θ2 θ3 |V|2 |V|3
  // A non-trivial operating point.
  std::vector<cplx> v = {std::polar(1.02, 0.0), std::polar(1.01, -0.05), std::polar(0.97, -0.12),
                         std::polar(0.99, -0.08)};
  std::vector<cplx> sbus = {0.0, cplx(0.4, 0.0), -m.s_load_pu[2], -m.s_load_pu[3]};
  nr.load_state(v);
  nr.evaluate(sbus);
  const auto n = static_cast<std::size_t>(nr.n_eq());
  std::vector<double> dense(n * n, 0.0);
  const auto& ap = nr.jac_colptr();
  const auto& ai = nr.jac_rowidx();
  const auto& ax = nr.jac_values();
  for (std::size_t c = 0; c < n; ++c)
    for (auto p = ap[c]; p < ap[c + 1]; ++p) dense[static_cast<std::size_t>(ai[static_cast<std::size_t>(p)]) * n + c] = ax[static_cast<std::size_t>(p)];

  // Unknown c ↔ (bus, θ or |V|): θ of buses 1,2,3 then |V| of 2,3 (MATPOWER's order).
  const int bus_of[5] = {1, 2, 3, 2, 3};
  const bool is_vm[5] = {false, false, false, true, true};
  const double h = 1e-6;
  double worst = 0.0;
  for (std::size_t c = 0; c < n; ++c) {
    auto perturbed = [&](double delta) {
      auto vp = v;
      auto& x = vp[static_cast<std::size_t>(bus_of[c])];
      x = is_vm[c] ? std::polar(std::abs(x) + delta, std::arg(x)) : std::polar(std::abs(x), std::arg(x) + delta);
      nr.load_state(vp);
      nr.evaluate_mismatch(sbus);
      return nr.mismatch();
    };
    const auto fp = perturbed(h);
    const auto fm = perturbed(-h);
    for (std::size_t r = 0; r < n; ++r) {
      const double fd = (fp[r] - fm[r]) / (2 * h);
      worst = std::max(worst, std::abs(fd - dense[r * n + c]));
    }
  }
  INFO("largest |J - finite difference| = " << worst);
  CHECK(worst < 1e-7);
}

TEST_CASE("Newton-Raphson converges quadratically on the small case", "[solver][jacobian]") {
  const auto m = four_bus();
  solver::Ybus y(m);
  solver::NewtonRaphson nr(y, m.bus_kind);
  std::vector<cplx> v = {1.02, 1.01, 1.0, 1.0};
  std::vector<cplx> sbus = {0.0, cplx(0.4, 0.0), -m.s_load_pu[2], -m.s_load_pu[3]};
  const auto r = nr.solve(v, sbus, {1e-10, 10});
  REQUIRE(r.converged);
  const auto& h = r.mismatch_history_pu;
  REQUIRE(h.size() >= 3);
  // Quadratic: each step's error is far below the previous one once close.
  CHECK(h[h.size() - 1] < 1e-3 * h[h.size() - 2]);
}
