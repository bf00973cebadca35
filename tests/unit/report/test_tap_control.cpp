// Automatic on-load tap changers (report/tap_control.hpp): the outer loop in solve_network moves each
// regulating tap one step per solve until its bus is in band, stops at the end of the range and says so,
// grades taps in series (upstream first), leaves generator-held buses alone, and is off by default.
// The networks are built in code, so each expectation can be worked out by solving with fixed taps.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "model/network.hpp"
#include "report/network_solution.hpp"
#include "report/tap_control.hpp"

using namespace lsflow;

namespace {

BusIdx add_bus(model::Network& net, ExtId id, const char* name, double kv,
               model::BusType type = model::BusType::PQ) {
  model::Bus b;
  b.id = id;
  b.name = name;
  b.base_kv = kv;
  b.type = type;
  return net.add_bus(b);
}

model::Branch line(const char* name, BusIdx f, BusIdx t, double x) {
  model::Branch br;
  br.name = name;
  br.from = f;
  br.to = t;
  br.r_pu = x / 10.0;
  br.x_pu = x;
  return br;
}

model::Branch oltc_unit(const char* name, BusIdx hv, BusIdx lv, double vmin, double vmax, int pos_max = 9) {
  model::Branch br = line(name, hv, lv, 0.1);
  br.kind = model::BranchKind::Transformer;
  br.tap_ratio = 1.0;
  br.rate_a_mva = 40.0;
  br.oltc.step_pct = 1.78;
  br.oltc.pos_min = -9;
  br.oltc.pos_max = pos_max;
  br.oltc.automatic = true;
  br.oltc.regulated_bus = lv;
  br.oltc.vmin_pu = vmin;
  br.oltc.vmax_pu = vmax;
  return br;
}

void add_grid(model::Network& net, BusIdx at, double vg) {
  model::Generator g;
  g.name = "Grid";
  g.kind = model::GenKind::Grid;
  g.bus = at;
  g.vg_pu = vg;
  net.bus(at).vm_pu = vg;
  net.generators.push_back(g);
}

void add_load(model::Network& net, BusIdx at, double p, double q) {
  model::Load l;
  l.name = "Load";
  l.bus = at;
  l.p_mw = p;
  l.q_mvar = q;
  net.loads.push_back(l);
}

// Grid (1.09 pu) — 110 kV line — HV — OLTC unit — LV with a light load: the LV bus starts high.
model::Network radial(double vmin = 1.00, double vmax = 1.04, int pos_max = 9) {
  model::Network net;
  const BusIdx src = add_bus(net, 1, "Src", 110, model::BusType::Ref);
  const BusIdx hv = add_bus(net, 2, "HV", 110);
  const BusIdx lv = add_bus(net, 3, "LV", 35);
  add_grid(net, src, 1.09);
  net.branches.push_back(line("L", src, hv, 0.02));
  net.branches.push_back(oltc_unit("T1", hv, lv, vmin, vmax, pos_max));
  add_load(net, lv, 10.0, 3.0);
  return net;
}

const model::Branch& branch(const model::Network& net, const std::string& name) {
  for (const auto& b : net.branches)
    if (b.name == name) return b;
  FAIL("no branch " << name);
  throw;
}

model::Branch& branch(model::Network& net, const std::string& name) {
  for (auto& b : net.branches)
    if (b.name == name) return b;
  FAIL("no branch " << name);
  throw;
}

double lv_voltage_at(model::Network net, int pos) {
  model::set_tap_position(branch(net, "T1"), pos);
  const auto sol = report::solve_network(net, {});
  REQUIRE(sol.converged);
  return sol.buses[2].vm_pu;
}

report::SolveOptions with_taps(int rounds = 30) {
  report::SolveOptions opt;
  opt.tap_control = true;
  opt.tap_max_rounds = rounds;
  return opt;
}

}  // namespace

TEST_CASE("tap control: the tap moves N steps, one per solve, until its bus is in band", "[report][oltc]") {
  const model::Network net = radial();
  // The expectation, from fixed-tap solves: the first position (going up from 0) with the LV bus in band.
  REQUIRE(lv_voltage_at(net, 0) > 1.04);
  int expected = 0;
  while (lv_voltage_at(net, expected) > 1.04) ++expected;
  INFO("expected position " << expected);
  REQUIRE(expected >= 3);  // the case is built to need several steps

  const auto sol = report::solve_network(net, with_taps());
  REQUIRE(sol.converged);
  const auto& tc = sol.taps;
  CHECK(tc.active);
  CHECK(tc.settled);
  CHECK(tc.stopped.empty());
  CHECK(tc.rounds == expected + 1);  // one solve per step, and the last one finds nothing to move
  REQUIRE(tc.taps.size() == 1);
  const auto& t = tc.taps[0];
  CHECK(t.name == "T1");
  CHECK(t.pos_start == 0);
  CHECK(t.pos == expected);
  CHECK(t.moved() == expected);
  CHECK_FALSE(t.at_limit);
  CHECK(t.in_band());
  CHECK(t.vm_pu == Approx(sol.buses[2].vm_pu));
  CHECK(sol.buses[2].vm_pu == Approx(lv_voltage_at(net, expected)).epsilon(1e-9));
  CHECK(tc.taps_moved() == 1);
  CHECK(tc.taps_at_limit() == 0);
  // The caller's network is untouched; apply_tap_positions makes it describe the solution.
  CHECK(branch(net, "T1").oltc.pos == 0);
  model::Network applied = net;
  report::apply_tap_positions(applied, sol);
  CHECK(branch(applied, "T1").oltc.pos == expected);
  CHECK(report::recompute_max_mismatch_mva(applied, sol) < 1e-6);
  CHECK(report::recompute_max_mismatch_mva(net, sol) > 1e-3);  // the start positions do not fit it
  // The text names the move.
  const std::string text = report::tap_control_text(tc);
  CHECK_THAT(text, Catch::Contains("settled after"));
  CHECK_THAT(text, Catch::Contains("T1"));
}

TEST_CASE("tap control: a low bus moves the tap down", "[report][oltc]") {
  const model::Network net = radial(1.10, 1.14);  // the LV bus (≈1.08) is below this band
  const auto sol = report::solve_network(net, with_taps());
  REQUIRE(sol.converged);
  REQUIRE(sol.taps.settled);
  CHECK(sol.taps.taps[0].pos < 0);
  CHECK(sol.taps.taps[0].in_band());
}

TEST_CASE("tap control: a tap at the end of its range stays there and is reported at its limit",
          "[report][oltc]") {
  const model::Network net = radial(0.90, 0.94, 2);  // needs far more than +2 steps
  const auto sol = report::solve_network(net, with_taps());
  REQUIRE(sol.converged);
  const auto& tc = sol.taps;
  CHECK(tc.settled);  // nothing can move any more
  REQUIRE(tc.taps.size() == 1);
  CHECK(tc.taps[0].pos == 2);
  CHECK(tc.taps[0].at_limit);
  CHECK_FALSE(tc.taps[0].in_band());
  CHECK(tc.taps_at_limit() == 1);
  CHECK(tc.rounds == 3);  // 0 → 1 → 2, then stuck
  CHECK_THAT(report::tap_control_text(tc), Catch::Contains("AT LIMIT, still high"));
}

TEST_CASE("tap control: off by default, the solve is exactly the fixed-tap one", "[report][oltc]") {
  const model::Network net = radial();
  report::SolveOptions opt;
  CHECK_FALSE(opt.tap_control);
  const auto a = report::solve_network(net, opt);
  model::Network manual = net;
  branch(manual, "T1").oltc.automatic = false;
  const auto b = report::solve_network(manual, with_taps());  // on, but no automatic tap: one solve
  REQUIRE(a.converged);
  REQUIRE(b.converged);
  CHECK_FALSE(a.taps.active);
  CHECK_FALSE(b.taps.active);
  CHECK(a.iterations == b.iterations);
  for (std::size_t i = 0; i < net.buses.size(); ++i) {
    CHECK(a.buses[i].vm_pu == b.buses[i].vm_pu);  // bit for bit
    CHECK(a.buses[i].va_deg == b.buses[i].va_deg);
  }
  CHECK(a.buses[2].vm_pu > 1.04);  // and the tap did not act
  // DC flows ignore tap control.
  report::SolveOptions dc = with_taps();
  dc.dc = true;
  CHECK_FALSE(report::solve_network(net, dc).taps.active);
}

TEST_CASE("tap control: the round limit stops the loop with positions that belong to the last solve",
          "[report][oltc]") {
  const model::Network net = radial();
  const auto sol = report::solve_network(net, with_taps(2));
  REQUIRE(sol.converged);
  CHECK_FALSE(sol.taps.settled);
  CHECK_THAT(sol.taps.stopped, Catch::Contains("still moving after 2 solves"));
  CHECK(sol.taps.rounds == 2);
  CHECK(sol.taps.taps[0].pos == 1);  // solved at 0, moved to 1, solved at 1; the next move is undone
  model::Network applied = net;
  report::apply_tap_positions(applied, sol);
  CHECK(report::recompute_max_mismatch_mva(applied, sol) < 1e-6);
}

TEST_CASE("tap control: parallel units move together, taps in series act upstream first", "[report][oltc]") {
  // Grid — 220 kV — AT (regulates the 110 kV bus) — 110 kV — two parallel units (regulate 35 kV).
  model::Network net;
  const BusIdx src = add_bus(net, 1, "Src", 220, model::BusType::Ref);
  const BusIdx hv = add_bus(net, 2, "HV220", 220);
  const BusIdx mv = add_bus(net, 3, "MV110", 110);
  const BusIdx lv = add_bus(net, 4, "LV35", 35);
  add_grid(net, src, 1.09);
  net.branches.push_back(line("L", src, hv, 0.01));
  model::Branch at = oltc_unit("AT", hv, mv, 1.02, 1.06);
  at.oltc.step_pct = 1.25;
  at.oltc.pos_min = -8;
  at.oltc.pos_max = 8;
  net.branches.push_back(at);
  net.branches.push_back(oltc_unit("T1", mv, lv, 1.00, 1.04));
  net.branches.push_back(oltc_unit("T2", mv, lv, 1.00, 1.04));
  add_load(net, lv, 20.0, 6.0);

  // One round by hand: both levels are high, only the upstream (220/110 kV) tap moves.
  auto first = report::solve_network(net, {});
  REQUIRE(first.converged);
  REQUIRE(first.buses[2].vm_pu > 1.06);
  REQUIRE(first.buses[3].vm_pu > 1.04);
  model::Network work = net;
  auto taps = report::automatic_taps(work);
  REQUIRE(taps.size() == 3);
  CHECK(report::step_taps(work, first, taps) == 1);
  CHECK(branch(work, "AT").oltc.pos == 1);
  CHECK(branch(work, "T1").oltc.pos == 0);
  CHECK(branch(work, "T2").oltc.pos == 0);

  const auto sol = report::solve_network(net, with_taps());
  REQUIRE(sol.converged);
  REQUIRE(sol.taps.settled);
  for (const auto& t : sol.taps.taps) {
    INFO(t.name);
    CHECK(t.in_band());
    CHECK_FALSE(t.at_limit);
  }
  CHECK(sol.taps.taps[1].pos == sol.taps.taps[2].pos);  // the parallel pair stays together
  CHECK(sol.taps.taps[0].pos > 0);
}

TEST_CASE("tap control: a bus held by a generator is left to the generator, three-winding units regulate",
          "[report][oltc]") {
  model::Network net;
  const BusIdx src = add_bus(net, 1, "Src", 110, model::BusType::Ref);
  const BusIdx hv = add_bus(net, 2, "HV", 110);
  const BusIdx mv = add_bus(net, 3, "MV", 35, model::BusType::PV);
  const BusIdx lv = add_bus(net, 4, "LV", 22);
  const BusIdx hv2 = add_bus(net, 5, "HV2", 110);
  const BusIdx mv2 = add_bus(net, 6, "MV2", 35);
  const BusIdx lv2 = add_bus(net, 7, "LV2", 22);
  add_grid(net, src, 1.08);
  net.branches.push_back(line("L", src, hv, 0.02));
  net.branches.push_back(line("L2", src, hv2, 0.02));
  model::Generator g;
  g.name = "Hydro";
  g.kind = model::GenKind::Hydro;
  g.bus = mv;
  g.vg_pu = 1.07;
  g.p_mw = 5;
  g.qmin_mvar = -50;
  g.qmax_mvar = 50;
  net.generators.push_back(g);
  auto t3 = [&](const char* name, BusIdx h, BusIdx m, BusIdx l) {
    model::Transformer3W t;
    t.name = name;
    t.hv_bus = h;
    t.mv_bus = m;
    t.lv_bus = l;
    t.vn_hv_kv = 110;
    t.vn_mv_kv = 35;
    t.vn_lv_kv = 22;
    t.sn_hv_mva = t.sn_mv_mva = t.sn_lv_mva = 25;
    t.uk_hv_mv_pct = 10.5;
    t.uk_hv_lv_pct = 17.5;
    t.uk_mv_lv_pct = 6.5;
    t.oltc.step_pct = 1.78;
    t.oltc.pos_min = -9;
    t.oltc.pos_max = 9;
    t.oltc.automatic = true;
    t.oltc.regulated_bus = m;
    net.transformers3w.push_back(t);
  };
  t3("Held", hv, mv, lv);
  t3("Free", hv2, mv2, lv2);
  add_load(net, lv, 5, 1);
  add_load(net, mv2, 8, 2);

  const auto sol = report::solve_network(net, with_taps());
  REQUIRE(sol.converged);
  REQUIRE(sol.taps.taps.size() == 2);
  const auto& held = sol.taps.taps[0];
  const auto& free = sol.taps.taps[1];
  CHECK(held.held_by_generator);
  CHECK(held.pos == 0);
  CHECK(sol.buses[2].vm_pu == Approx(1.07));
  CHECK_FALSE(free.held_by_generator);
  CHECK(free.pos > 0);  // 1.08 pu at 110 kV: the 35 kV side comes down into 1.00–1.04
  CHECK(free.in_band());
  CHECK(sol.buses[5].vm_pu <= 1.04 + 1e-9);
  model::Network applied = net;
  report::apply_tap_positions(applied, sol);
  CHECK(applied.transformers3w[1].tap_hv_pct == Approx(free.pos * 1.78));
  CHECK(report::recompute_max_mismatch_mva(applied, sol) < 1e-6);
}
