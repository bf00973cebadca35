// N-1 with reactive limits (ContingencyOptions::enforce_q_limits, contingency.hpp).
//
// The checks are independent of the engine's Q-limit handling: each post-contingency state must
// balance every bus of the outaged network (recomputed from the input data), keep every unit within
// its limits, the base case's units at a limit on it; and where a fresh solve of the outaged network
// (report::solve_network, MATPOWER's Q-limit loop from the case's start, the base case's limited units
// replaced by negative loads) ends with the same units at the same limits, give the same voltages.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "io/matpower_reader.hpp"
#include "report/network_solution.hpp"
#include "solver/power_flow.hpp"
#include "study/contingency.hpp"
#include "topology/math_builder.hpp"
#include "network_builder.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using study::ElementRef;
using study::Outcome;

namespace {

constexpr double kTol = 1e-10;
constexpr double kEq = 1e-8;

model::Network shared_case(const std::string& name) {
  return io::read_matpower((test::shared_dir() / "cases" / (name + ".m")).string());
}

}  // namespace

TEST_CASE("freeze_q_limits gives back the Q-limited solution in one round, without the loop", "[solver][qlim]") {
  LSFLOW_REQUIRE_SHARED();
  for (const char* name : {"case118", "case300"}) {
    INFO(name);
    const auto net = shared_case(name);
    const auto nm = topology::build_math(net);
    const auto& m = nm.islands.at(0).math;
    solver::PfOptions o;
    o.tol_pu = kTol;
    o.enforce_q_limits = true;
    const auto limited = solver::solve_ac(m, o);
    REQUIRE(limited.converged);
    REQUIRE(limited.q_limit_rounds > 0);   // the case has units at a limit: the test means something
    const auto frozen = solver::freeze_q_limits(m, limited);
    solver::PfOptions plain;
    plain.tol_pu = kTol;
    const auto again = solver::solve_ac(frozen, plain);
    REQUIRE(again.converged);
    CHECK(again.q_limit_rounds == 0);
    CHECK(again.iterations <= 1);
    CHECK(again.kind == limited.kind);
    for (std::size_t i = 0; i < m.v0_pu.size(); ++i) CHECK(std::abs(again.v[i] - limited.v[i]) < 1e-9);
    for (std::size_t g = 0; g < m.gens.size(); ++g) {
      CHECK(again.gen_at_limit[g] == limited.gen_at_limit[g]);
      CHECK(again.gen_q_pu[g] == Approx(limited.gen_q_pu[g]).margin(1e-9));
      CHECK(again.gen_p_pu[g] == Approx(limited.gen_p_pu[g]).margin(1e-9));
    }
    // With the loop on, the frozen model needs no further round either.
    const auto looped = solver::solve_ac(frozen, o);
    CHECK(looped.q_limit_rounds == 0);
  }
}

TEST_CASE("N-1 with reactive limits: every outage is a Q-limited power-flow solution, a fresh solve's where the limited units agree",
          "[study][contingency][qlim]") {
  LSFLOW_REQUIRE_SHARED();
  for (const char* name : {"case118", "case300"}) {
    INFO(name);
    const auto net = shared_case(name);
    study::ContingencyOptions co;
    co.tol_pu = kTol;
    co.threads = 1;
    co.enforce_q_limits = true;
    study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), co);
    REQUIRE_FALSE(ca.base_q_limited().empty());

    // The base case is report::solve_network's with reactive limits.
    report::SolveOptions so;
    so.pf.tol_pu = kTol;
    so.pf.enforce_q_limits = true;
    const auto base = report::solve_network(net, so);
    REQUIRE(base.converged);
    for (std::size_t b = 0; b < net.buses.size(); ++b)
      CHECK(ca.base().buses[b].vm_pu == Approx(base.buses[b].vm_pu).margin(1e-9));
    std::size_t at_limit = 0;
    for (std::size_t g = 0; g < net.generators.size(); ++g) {
      CHECK(ca.base().gens[g].at_q_limit == base.gens[g].at_q_limit);
      at_limit += base.gens[g].at_q_limit ? 1 : 0;
    }
    CHECK(at_limit == ca.base_q_limited().size());

    // Frozen at model level: each unit the base case left at a limit replaced by a negative load of its
    // base-case P and Q (the bus then types itself: PQ without another unit, the reference moving to the
    // first PV bus when it was the reference's, as MATPOWER's bustypes does).
    model::Network frozen = net;
    std::vector<std::int32_t> load_of_gen(net.generators.size(), -1);
    for (const auto g : ca.base_q_limited()) {
      const auto gi = static_cast<std::size_t>(g.value);
      frozen.generators[gi].in_service = false;
      model::Load l;
      l.bus = net.generators[gi].bus;
      l.p_mw = -base.gens[gi].p_mw;
      l.q_mvar = -base.gens[gi].q_mvar;
      load_of_gen[gi] = static_cast<std::int32_t>(frozen.loads.size());
      frozen.loads.push_back(l);
    }
    std::size_t solved = 0, compared = 0, resolved = 0;
    const auto all = ca.all_contingencies(true, true, true);
    for (const auto& c : all) {
      report::NetworkSolution st;
      const auto rec = ca.solve_one(c, st);
      if (rec.outcome != Outcome::Solved || rec.islanding) continue;   // islanding: covered elsewhere
      ++solved;
      resolved += rec.q_limited > 0 ? 1 : 0;
      model::Network modified = net;
      const auto i = static_cast<std::size_t>(c.element.index);
      if (c.element.kind == ElementRef::Kind::Branch) modified.branches[i].in_service = false;
      else if (c.element.kind == ElementRef::Kind::Generator) modified.generators[i].in_service = false;
      else modified.transformers3w[i].in_service = false;
      INFO("outage " << study::element_label(net, c.element) << ", units newly at a limit " << rec.q_limited);
      // A power-flow solution of the outaged network (recomputed from the data) ...
      CHECK(report::recompute_max_mismatch_mva(modified, st) < 1e-6);
      // ... with every unit within its limits, those at a limit on it (the base case's among them),
      // the others holding their bus's set-point.
      for (std::size_t g = 0; g < net.generators.size(); ++g) {
        const auto& u = modified.generators[g];
        if (!u.in_service || !st.buses[static_cast<std::size_t>(u.bus.value)].energised) continue;
        INFO("generator row " << g + 1);
        CHECK(st.gens[g].q_mvar <= u.qmax_mvar + 1e-4);
        CHECK(st.gens[g].q_mvar >= u.qmin_mvar - 1e-4);
        if (base.gens[g].at_q_limit) CHECK(st.gens[g].at_q_limit);
        if (st.gens[g].at_q_limit)
          CHECK(std::min(std::abs(st.gens[g].q_mvar - u.qmax_mvar), std::abs(st.gens[g].q_mvar - u.qmin_mvar)) < 1e-6);
      }
      // Where a fresh Q-limited solve (pinned units, MATPOWER's loop from the case's start) ends with the
      // same units at the same limits, the equations are the same, and so is the solution. (MATPOWER's loop
      // never lets a unit go, so the two roads may end with different sets: both are valid answers.)
      model::Network fresh_net = frozen;
      fresh_net.branches = modified.branches;
      fresh_net.transformers3w = modified.transformers3w;
      if (c.element.kind == ElementRef::Kind::Generator) {
        fresh_net.generators[i].in_service = false;
        if (load_of_gen[i] >= 0) fresh_net.loads[static_cast<std::size_t>(load_of_gen[i])].in_service = false;
      }
      const auto fresh = report::solve_network(fresh_net, so);
      if (!fresh.converged) continue;
      bool same_set = true;
      for (std::size_t g = 0; g < net.generators.size(); ++g)
        same_set = same_set && (!fresh_net.generators[g].in_service ||
                                (fresh.gens[g].at_q_limit == st.gens[g].at_q_limit &&
                                 (!st.gens[g].at_q_limit || std::abs(fresh.gens[g].q_mvar - st.gens[g].q_mvar) < 1e-6)));
      if (!same_set) continue;
      ++compared;
      // Angles up to a common rotation: the frozen network's reference is where the base case's moved to.
      double worst = 0.0, shift_deg = std::numeric_limits<double>::quiet_NaN();
      for (std::size_t b = 0; b < net.buses.size(); ++b) {
        REQUIRE(st.buses[b].energised == fresh.buses[b].energised);
        if (!fresh.buses[b].energised) continue;
        if (std::isnan(shift_deg)) shift_deg = st.buses[b].va_deg - fresh.buses[b].va_deg;
        const double dva = (st.buses[b].va_deg - fresh.buses[b].va_deg - shift_deg) * M_PI / 180;
        worst = std::max({worst, std::abs(st.buses[b].vm_pu - fresh.buses[b].vm_pu), std::abs(dva)});
      }
      CHECK(worst < kEq);
    }
    CHECK(solved > all.size() / 2);
    CHECK(compared > solved / 2);
    CHECK(resolved > 0);   // some outage drove a unit to a limit: the re-solve path ran
  }
}

TEST_CASE("N-1 with reactive limits off leaves units beyond their limits, on keeps them within",
          "[study][contingency][qlim]") {
  LSFLOW_REQUIRE_SHARED();
  const auto net = shared_case("case118");
  for (const bool enforce : {false, true}) {
    study::ContingencyOptions co;
    co.threads = 1;
    co.enforce_q_limits = enforce;
    study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), co);
    std::size_t beyond = 0;
    for (const auto& c : ca.all_contingencies(true, false, false)) {
      report::NetworkSolution st;
      if (ca.solve_one(c, st).outcome != Outcome::Solved) continue;
      for (std::size_t g = 0; g < net.generators.size(); ++g) {
        const auto& u = net.generators[g];
        if (!u.in_service || !st.buses[static_cast<std::size_t>(u.bus.value)].energised) continue;
        if (st.gens[g].q_mvar > u.qmax_mvar + 1e-4 || st.gens[g].q_mvar < u.qmin_mvar - 1e-4) ++beyond;
      }
    }
    INFO("enforce " << enforce);
    if (enforce) CHECK(beyond == 0);
    else CHECK(beyond > 0);
  }
}

TEST_CASE("N-1 checks loading against the emergency rating: rate B where given, else rate A", "[study][contingency]") {
  // Two 100 MVA circuits to a 120 MW load: one out, the other carries ≈ 120 MVA.
  auto build = [](double rate_b) {
    model::Network net;
    net.name = "emergency";
    test::NetworkBuilder add(net);
    const BusIdx src = add.bus(1, "Src", model::BusType::Ref);
    const BusIdx far = add.bus(2, "Far", model::BusType::PQ);
    add.line("L1", src, far, 0.001, 0.01, 100.0).rate_b_mva = rate_b;
    add.line("L2", src, far, 0.001, 0.01, 100.0).rate_b_mva = rate_b;
    add.generator("Grid", model::GenKind::Grid, src, 1.0);
    add.load("Load", far, 120.0);
    return net;
  };
  for (const double rate_b : {0.0, 100.0, 130.0}) {
    INFO("rate B " << rate_b);
    const auto net = build(rate_b);
    study::ContingencyOptions co;
    co.threads = 1;
    study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), co);
    CHECK(ca.emergency_rating_mva(1) == (rate_b > 0 ? rate_b : 100.0));
    CHECK(ca.rating_mva(1) == 100.0);
    CHECK(ca.base_loading_pct(1) == Approx(60.0).margin(1.0));
    const auto res = ca.run({{{ElementRef::Kind::Branch, 0}}});
    const bool overloaded = !res.overloads.empty();
    CHECK(overloaded == (rate_b < 120.0));
    if (overloaded) {
      CHECK(res.overloads[0].loading_pct == Approx(120.0).margin(1.5));   // % of rate B (= A here)
      CHECK(res.overloads[0].rating_mva == 100.0);
    }
    CHECK(res.monitor_worst[1].loading_pct == Approx(120.0 * 100.0 / ca.emergency_rating_mva(1)).margin(1.5));
  }
}
