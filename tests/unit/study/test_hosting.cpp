// Hosting capacity (core/study/hosting.hpp) on hand-made networks where the answer can be worked out:
// a radial line of known rating (hosting ≈ rating + local load), a double circuit (N-1 ≈ one circuit
// + load), a feeder where the voltage rise binds (against a fine search with plain solves), violations
// already present, Ctrl-C.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "report/network_solution.hpp"
#include "study/apply_scenario.hpp"
#include "study/contingency.hpp"
#include "study/hosting.hpp"
#include "study/limits.hpp"
#include "study/scenario.hpp"
#include "network_builder.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using Catch::Matchers::Contains;

namespace {

// Src (reference, grid) —[circuits × line, rating each]— Far (load_mw at unity power factor); optionally
// an Other bus hanging off Src with a load (for pre-existing violations).
model::Network feeder(int circuits, double rating_mva, double r_pu, double x_pu, double load_mw) {
  model::Network net;
  net.name = "feeder";
  test::NetworkBuilder add(net);
  const BusIdx src = add.bus(1, "Src", model::BusType::Ref);
  const BusIdx far = add.bus(2, "Far", model::BusType::PQ);
  for (int c = 0; c < circuits; ++c) add.line("L" + std::to_string(c + 1), src, far, r_pu, x_pu, rating_mva);
  add.generator("Grid", model::GenKind::Grid, src, 1.0);
  add.load("Load_Far", far, load_mw);
  return net;
}

study::HostingOptions options(double max_mw, double step_mw) {
  study::HostingOptions o;
  o.max_mw = max_mw;
  o.step_mw = step_mw;
  o.threads = 1;
  return o;
}

}  // namespace

TEST_CASE("hosting: a radial line takes its rating plus the local load", "[hosting]") {
  // 100 MVA line, 20 MW load: the line carries P − 20 MW (plus small losses), so P ≈ 120 MW.
  const auto net = feeder(1, 100.0, 0.002, 0.02, 20.0);
  const auto lim = study::default_contingency_limits(net);  // 0.90–1.10 pu: the voltage does not bind
  const auto far = *net.find_bus_by_name("Far");
  const auto st = study::hosting_capacity(net, lim, {far}, options(500.0, 5.0));
  REQUIRE(st.buses.size() == 1);
  const auto& r = st.buses[0];
  INFO(r.failure);
  REQUIRE(r.evaluated);
  INFO("normal " << r.normal_mw << " MW, binding " << r.normal.text());
  // Within the bisection step below the true limit; losses (≈ 0.2 MW, 2 Mvar at full load) a little more.
  CHECK(r.normal_mw <= 120.0);
  CHECK(r.normal_mw >= 120.0 - 5.0 - 1.5);
  CHECK_FALSE(r.normal_at_max);
  CHECK(r.normal.kind == study::HostingViolation::Overload);
  CHECK(r.normal.element == "L1");
  CHECK(r.normal.contingency.empty());
  CHECK(r.normal.at_mw - r.normal_mw <= 5.0);
  CHECK(r.normal.at_mw > r.normal_mw);
  CHECK(r.normal.value > 100.0);
  // The only outage of a radial feeder islands the farm: not a violation, so N-1 = normal.
  CHECK(r.n1_mw == r.normal_mw);
  CHECK(r.n1.element == "L1");
  CHECK(r.existing.empty());
  CHECK(st.contingencies == 1);  // the line (the grid equivalent and the added unit are not N-1 events)

  // A finer step gives a tighter answer inside the coarse one's bracket.
  const auto fine = study::hosting_capacity(net, lim, {far}, options(500.0, 0.5));
  CHECK(fine.buses[0].normal_mw >= r.normal_mw);
  CHECK(fine.buses[0].normal_mw <= r.normal_mw + 5.0);
  CHECK(fine.buses[0].normal_mw >= 120.0 - 0.5 - 1.5);
}

TEST_CASE("hosting: a double circuit, normal vs N-1", "[hosting]") {
  // Two 100 MVA circuits: normal ≈ 200 + 20 MW; after one trips the other carries everything: ≈ 100 + 20.
  const auto net = feeder(2, 100.0, 0.002, 0.02, 20.0);
  const auto lim = study::default_contingency_limits(net);
  const auto st = study::hosting_capacity(net, lim, {*net.find_bus_by_name("Far")}, options(1000.0, 2.0));
  const auto& r = st.buses[0];
  INFO(r.failure);
  REQUIRE(r.evaluated);
  INFO("normal " << r.normal_mw << " (" << r.normal.text() << "), N-1 " << r.n1_mw << " (" << r.n1.text()
                 << ")");
  CHECK(r.normal_mw <= 220.0);
  CHECK(r.normal_mw >= 220.0 - 2.0 - 3.0);
  CHECK(r.n1_mw <= 120.0);
  CHECK(r.n1_mw >= 120.0 - 2.0 - 1.5);
  CHECK(r.n1.kind == study::HostingViolation::Overload);
  CHECK(((r.n1.element == "L2" && r.n1.contingency == "L1") ||
         (r.n1.element == "L1" && r.n1.contingency == "L2")));
  CHECK(r.n1_runs >= 3);
  // Without N-1 only the normal figure.
  auto o = options(1000.0, 2.0);
  o.n1 = false;
  const auto normal_only = study::hosting_capacity(net, lim, {*net.find_bus_by_name("Far")}, o);
  CHECK(normal_only.buses[0].normal_mw == r.normal_mw);
  CHECK(std::isnan(normal_only.buses[0].n1_mw));
  CHECK(normal_only.buses[0].n1_runs == 0);
}

TEST_CASE("hosting: the voltage rise binds on a resistive feeder", "[hosting]") {
  // No rating; band 0.95–1.05 at Far: the export raises |V| by ≈ R·P, so P − 20 ≈ 0.05 / R · 100 MW.
  const auto net = feeder(1, 0.0, 0.05, 0.02, 20.0);
  auto lim = study::default_contingency_limits(net);
  lim.band_normal[1] = lim.band_n1[1] = study::VoltageBand{0.95, 1.05};
  const auto far = *net.find_bus_by_name("Far");
  const auto st = study::hosting_capacity(net, lim, {far}, options(500.0, 1.0));
  const auto& r = st.buses[0];
  INFO(r.failure);
  REQUIRE(r.evaluated);
  CHECK(r.normal.kind == study::HostingViolation::Overvoltage);
  CHECK(r.normal.element == "Far");
  CHECK(r.normal.limit == 1.05);
  // Independent answer: a fine search with plain solves of the network with a unity-pf unit at Far.
  auto vm_at = [&](double mw) {
    auto n = net;
    model::Generator g;
    g.name = "probe";
    g.kind = model::GenKind::Wind;
    g.bus = far;
    g.p_mw = mw;
    g.qmin_mvar = g.qmax_mvar = 0;
    n.generators.push_back(g);
    const auto sol = report::solve_network(n, {});
    REQUIRE(sol.converged);
    return sol.buses[1].vm_pu;
  };
  double lo = 0.0, hi = 500.0;
  while (hi - lo > 0.01) ((vm_at(0.5 * (lo + hi)) <= 1.05) ? lo : hi) = 0.5 * (lo + hi);
  INFO("hosting " << r.normal_mw << " MW, fine search " << lo << " MW");
  CHECK(r.normal_mw <= lo + 1e-6);
  CHECK(r.normal_mw >= lo - 1.0);
  CHECK(lo == Approx(120.0).margin(15.0));  // the R·P estimate
  // Holding the voltage instead (a PV unit at 1.0 pu, no Q limit) removes the overvoltage.
  auto pv = options(500.0, 1.0);
  pv.vg_pu = 1.0;
  pv.n1 = false;
  const auto held = study::hosting_capacity(net, lim, {far}, pv);
  CHECK(held.buses[0].normal_mw > r.normal_mw + 50.0);
}

TEST_CASE("hosting: a violation already there with 0 MW does not bind even as the wind makes it worse",
          "[hosting]") {
  // Src —[L1, 100 MVA]— Far —[L_out, 30 MVA]— Out, a 40 MW unit at Out: L_out is overloaded with 0 MW added
  // (40/30 ≈ 133 %) and a farm at Out makes it worse. Only new violations bind: the figure at Out is set
  // by L1 (≈ 100 MW through it), not 0 MW by L_out.
  auto net = feeder(1, 100.0, 0.002, 0.02, 0.0);
  test::NetworkBuilder add(net);
  const BusIdx far = *net.find_bus_by_name("Far");
  const BusIdx out = add.bus(3, "Out", model::BusType::PQ);
  add.line("L_out", far, out, 0.002, 0.02, 30.0);
  auto& existing = add.generator("Existing", model::GenKind::Thermal, out, 1.0);
  existing.p_mw = 40.0;
  existing.qmin_mvar = existing.qmax_mvar = 0.0;
  const auto lim = study::default_contingency_limits(net);
  auto o = options(500.0, 2.0);
  o.n1 = false;
  const auto st = study::hosting_capacity(net, lim, {out}, o);
  const auto& r = st.buses[0];
  INFO(r.failure << " / " << r.normal.text());
  REQUIRE(r.evaluated);
  REQUIRE(st.existing.size() == 1);
  CHECK_THAT(st.existing[0], Contains("L_out at 13"));
  CHECK(r.existing.empty());   // listed once, for the study
  CHECK(r.normal.element == "L1");
  CHECK(r.normal_mw == Approx(60.0).margin(5.0));   // 100 MVA of L1 less the 40 MW already at Out
}

TEST_CASE("hosting: the wind fleet as a whole is bisected on its MW, N-1 below N-0, with the export there",
          "[hosting]") {
  // Two farms behind a double circuit (2 × 100 MVA) to the grid, a 20 MW load at Far: N-0 ≈ 220 MW of
  // wind (both circuits full), N-1 ≈ 120 MW (one circuit) — the same share for both farms.
  auto net = feeder(2, 100.0, 0.002, 0.02, 20.0);
  test::NetworkBuilder add(net);
  const BusIdx far = *net.find_bus_by_name("Far");
  add.generator("W1", model::GenKind::Wind, far).installed_mw = 200.0;
  add.generator("W2", model::GenKind::Wind, far).installed_mw = 100.0;
  for (auto& u : net.generators)
    if (u.kind == model::GenKind::Wind) u.qmin_mvar = u.qmax_mvar = 0.0;
  auto o = options(500.0, 2.0);
  o.fleet = true;
  const auto st = study::hosting_capacity(net, study::default_contingency_limits(net), {far}, o);
  const auto& f = st.fleet;
  INFO(f.failure << " / " << f.mw.normal.text() << " / " << f.mw.n1.text());
  REQUIRE(f.evaluated);
  CHECK(f.installed_mw == 300.0);
  CHECK(f.mw.normal_mw == Approx(220.0).margin(6.0));
  CHECK(f.mw.n1_mw == Approx(120.0).margin(6.0));
  CHECK(f.mw.n1.contingency.rfind("L", 0) == 0);   // a circuit out
  // The export at the N-0 figure: the fleet's MW less the load and the losses.
  CHECK(f.normal_export_mw == Approx(f.mw.normal_mw - 20.0).margin(5.0));
}

TEST_CASE("hosting: violations already there do not bind", "[hosting]") {
  // Far sits at 0.93 pu with 0 MW added (band 0.95–1.05): an undervoltage that wind relieves. The line
  // (100 MVA) then binds as usual.
  const auto net = feeder(1, 100.0, 0.02, 0.2, 30.0);
  auto lim = study::default_contingency_limits(net);
  lim.band_normal[1] = lim.band_n1[1] = study::VoltageBand{0.95, 1.05};
  const auto far = *net.find_bus_by_name("Far");
  auto lowv = net;
  lowv.loads[0].q_mvar = 30.0;  // 30 Mvar over x = 0.2 pu: ≈ 0.06 pu drop
  const auto st = study::hosting_capacity(lowv, lim, {far}, options(500.0, 2.0));
  const auto& r = st.buses[0];
  INFO(r.failure);
  REQUIRE(r.evaluated);
  REQUIRE(st.existing.size() == 1);
  CHECK_THAT(st.existing[0], Contains("Far at 0.9"));
  INFO(r.normal.text());
  CHECK(r.normal_mw > 50.0);
  CHECK(r.normal.kind != study::HostingViolation::Undervoltage);
}

TEST_CASE("hosting: candidates, a de-energised bus, and the stop flag", "[hosting]") {
  auto net = feeder(1, 100.0, 0.002, 0.02, 20.0);
  model::Bus lone;
  lone.id = 3;
  lone.name = "Lone";
  lone.base_kv = 110;
  lone.zone = "Z";
  const BusIdx l = net.add_bus(lone);
  model::Bus mv;
  mv.id = 4;
  mv.name = "Far35";
  mv.base_kv = 35;
  mv.zone = "Z";
  net.add_bus(mv);
  // Candidates: 110/220 kV, energised, not the reference.
  const auto cand = study::hosting_candidates(net);
  REQUIRE(cand.size() == 1);
  CHECK(net.bus(cand[0]).name == "Far");
  const auto lim = study::default_contingency_limits(net);
  const auto st = study::hosting_capacity(net, lim, {l, cand[0]}, options(500.0, 5.0));
  CHECK_FALSE(st.buses[0].evaluated);
  CHECK_THAT(st.buses[0].failure, Contains("not energised"));
  CHECK(st.buses[1].evaluated);
  CHECK_FALSE(st.interrupted);
  std::atomic<bool> stop{true};
  const auto halted = study::hosting_capacity(net, lim, cand, options(500.0, 5.0), &stop);
  CHECK(halted.interrupted);
  CHECK_FALSE(halted.buses[0].evaluated);
}

TEST_CASE("hosting: Lạng Sơn, every candidate bus, normal and N-1", "[hosting][langson]") {
  // The whole study on the shipped base case: it runs, every candidate is evaluated, N-1 ≤ normal, and
  // radial 110 kV ends are held by their own AC-185 line (97 MVA) plus local load.
  const auto s = (test::source_dir() / "networks" / "langson" / "scenarios" / "base-peak.yaml").string();
  const auto scenario = lsflow::study::read_scenario(s);
  const auto net = lsflow::study::build_network(scenario);
  auto lim = study::contingency_limits(net, study::scenario_limits(scenario));
  study::HostingOptions o;
  o.voltage_min_kv = 66;
  const auto cand = study::hosting_candidates(net);
  REQUIRE(cand.size() >= 10);
  const auto st = study::hosting_capacity(net, lim, cand, o);
  for (const auto& r : st.buses) {
    INFO(r.name << ": normal " << r.normal_mw << " (" << r.normal.text() << "), N-1 " << r.n1_mw << " ("
                << r.n1.text() << ")" << r.failure);
    REQUIRE(r.evaluated);
    CHECK(r.n1_mw <= r.normal_mw);
    if (r.name == "TrangDinh110") {
      CHECK(r.normal.element == "L110_DongDang_TrangDinh");
      CHECK(r.normal_mw == Approx(97.0).margin(15.0));
    }
  }
}
