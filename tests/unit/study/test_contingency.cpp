// N-1 contingency analysis (core/study/contingency.hpp).
//
// The central check: for a handful of branch and generator outages, the engine's post-contingency state
// (OutageSolver from the base case: base factorisation + low-rank correction, Broyden, Newton fallback,
// new pattern when a bus loses its last unit, split outages) equals a fresh report::solve_network of the
// network with that element out of service. Both are solved to 1e-10 pu here so that the comparison at
// 1e-9 pu means something: at the default 1e-8 pu, two valid solutions may differ by about 1e-8.
// Then: islanding reported with the right buses and load, the large-split path (a part too big for the
// low-rank correction), a genuinely non-converging contingency and a loss of all generation, results
// independent of the thread count, Ctrl-C, and the CLI's files.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "io/matpower_reader.hpp"
#include "report/network_solution.hpp"
#include "study/apply_scenario.hpp"
#include "study/contingency.hpp"
#include "study/limits.hpp"
#include "study/n1_report.hpp"
#include "study/scenario.hpp"
#include "network_builder.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using study::ElementRef;
using study::Outcome;

namespace {

constexpr double kTol = 1e-10;   // solver tolerance for the comparisons (pu)
constexpr double kEq = 1e-9;     // agreement required (pu)

model::Network shared_case(const std::string& name) {
  return io::read_matpower((test::shared_dir() / "cases" / (name + ".m")).string());
}

study::ContingencyOptions tight(int threads = 1) {
  study::ContingencyOptions o;
  o.tol_pu = kTol;
  o.threads = threads;
  return o;
}

report::NetworkSolution fresh_solve(const model::Network& net) {
  report::SolveOptions so;
  so.pf.tol_pu = kTol;
  return report::solve_network(net, so);
}

std::int32_t branch_named(const model::Network& net, const std::string& name) {
  for (std::size_t k = 0; k < net.branches.size(); ++k)
    if (net.branches[k].name == name) return static_cast<std::int32_t>(k);
  FAIL("no branch " << name);
  return -1;
}

// The engine's state for `c` against a fresh solve of `modified` (the network with c's element out):
// every energised bus's voltage and every energised branch's flows, in per unit.
void check_against_fresh(study::ContingencyAnalysis& ca, const study::Contingency& c, const model::Network& modified,
                         bool angles = true) {
  report::NetworkSolution st;
  const auto rec = ca.solve_one(c, st);
  INFO("outage " << study::element_label(ca.network(), c.element));
  REQUIRE(rec.outcome == Outcome::Solved);
  const auto fresh = fresh_solve(modified);
  REQUIRE(fresh.converged);
  const double base = modified.base_mva;
  std::size_t energised = 0;
  for (std::size_t b = 0; b < modified.buses.size(); ++b) {
    INFO("bus " << modified.buses[b].id);
    REQUIRE(st.buses[b].energised == fresh.buses[b].energised);
    if (!fresh.buses[b].energised) continue;
    ++energised;
    CHECK(st.buses[b].vm_pu == Approx(fresh.buses[b].vm_pu).margin(kEq));
    if (angles) CHECK(st.buses[b].va_deg * M_PI / 180 == Approx(fresh.buses[b].va_deg * M_PI / 180).margin(kEq));
  }
  CHECK(energised > 0);
  for (std::size_t k = 0; k < modified.branches.size(); ++k) {
    INFO("branch " << modified.branches[k].name);
    REQUIRE(st.branches[k].energised == fresh.branches[k].energised);
    CHECK(st.branches[k].from.p_mw / base == Approx(fresh.branches[k].from.p_mw / base).margin(kEq));
    CHECK(st.branches[k].from.q_mvar / base == Approx(fresh.branches[k].from.q_mvar / base).margin(kEq));
    CHECK(st.branches[k].to.p_mw / base == Approx(fresh.branches[k].to.p_mw / base).margin(kEq));
    CHECK(st.branches[k].to.q_mvar / base == Approx(fresh.branches[k].to.q_mvar / base).margin(kEq));
  }
  for (std::size_t k = 0; k < modified.transformers3w.size(); ++k) {
    INFO("transformer3w " << modified.transformers3w[k].name);
    REQUIRE(st.trafos3w[k].energised == fresh.trafos3w[k].energised);
    for (std::size_t w = 0; w < 3; ++w) {
      CHECK(st.trafos3w[k].winding[w].p_mw / base == Approx(fresh.trafos3w[k].winding[w].p_mw / base).margin(kEq));
      CHECK(st.trafos3w[k].winding[w].q_mvar / base == Approx(fresh.trafos3w[k].winding[w].q_mvar / base).margin(kEq));
    }
  }
  for (std::size_t g = 0; g < modified.generators.size(); ++g) {
    INFO("generator " << modified.generators[g].name);
    CHECK(st.gens[g].p_mw / base == Approx(fresh.gens[g].p_mw / base).margin(kEq));
    CHECK(st.gens[g].q_mvar / base == Approx(fresh.gens[g].q_mvar / base).margin(kEq));
  }
}

// Two buses joined by a double circuit (x = 0.5 pu each), a reference generator at one end and a
// unity-power-factor load at the other. The pair carries up to 1/(2·0.25) = 2 pu, one circuit 1 pu: at
// 150 MW the base case solves, and losing a circuit leaves no solution at all.
model::Network double_circuit(double load_mw) {
  model::Network net;
  net.name = "double-circuit";
  test::NetworkBuilder add(net);
  const BusIdx ia = add.bus(1, "A", model::BusType::Ref, 110, "");
  const BusIdx ib = add.bus(2, "B", model::BusType::PQ, 110, "");
  for (int c = 1; c <= 2; ++c) add.line("L" + std::to_string(c), ia, ib, 0.0, 0.5, 100);
  add.generator("G", model::GenKind::Other, ia, 1.0);
  add.load("Load", ib, load_mw);
  return net;
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

}  // namespace

TEST_CASE("N-1 branch outages equal a fresh solve of the modified case (case30, case118)", "[study][n1]") {
  LSFLOW_REQUIRE_SHARED();
  for (const std::string name : {"case30", "case118"}) {
    const auto net = shared_case(name);
    study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), tight());
    const auto all = ca.all_contingencies(true, false, false);
    // Six outages spread over the list, including transformers (off-nominal taps), none a bridge.
    std::size_t checked = 0;
    for (std::size_t i = 1; i < all.size() && checked < 6; i += all.size() / 7) {
      auto c = all[i];
      report::NetworkSolution probe;
      while (ca.solve_one(c, probe).islanding) c = all[static_cast<std::size_t>(++i)];
      auto modified = net;
      modified.branches[static_cast<std::size_t>(c.element.index)].in_service = false;
      check_against_fresh(ca, c, modified);
      ++checked;
    }
    CHECK(checked == 6);
  }
}

TEST_CASE("N-1 generator outages equal a fresh solve (bus turns PQ, unit among two keeps the pattern)", "[study][n1]") {
  LSFLOW_REQUIRE_SHARED();
  auto net = shared_case("case118");
  // A second unit at bus 12 (a PV bus): the outage of one of the two keeps the bus PV, so the Jacobian
  // pattern and the base factorisation are kept; the reference unit picks up its P.
  std::size_t g12 = 0;
  while (net.bus(net.generators[g12].bus).id != 12) ++g12;
  auto twin = net.generators[g12];
  twin.name = "twin@12";
  twin.p_mw = 40.0;
  net.generators[g12].p_mw -= 40.0;
  net.generators.push_back(twin);
  const auto twin_idx = static_cast<std::int32_t>(net.generators.size() - 1);

  study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), tight());
  {
    auto modified = net;
    modified.generators[static_cast<std::size_t>(twin_idx)].in_service = false;
    check_against_fresh(ca, {{ElementRef::Kind::Generator, twin_idx}}, modified);
    report::NetworkSolution st;
    const auto rec = ca.solve_one({{ElementRef::Kind::Generator, twin_idx}}, st);
    CHECK_FALSE(rec.pattern_changed);
    CHECK(rec.newton_iterations == 0);   // base factorisation only
    // The reference unit picks up the 40 MW plus the change in losses.
    CHECK(rec.ref_pickup_mw > 40.0);
    CHECK(rec.ref_pickup_mw < 45.0);
  }
  {
    // The only unit at bus 10 (450 MW): bus 10 becomes PQ, a new pattern.
    std::size_t g10 = 0;
    while (net.bus(net.generators[g10].bus).id != 10) ++g10;
    auto modified = net;
    modified.generators[g10].in_service = false;
    check_against_fresh(ca, {{ElementRef::Kind::Generator, static_cast<std::int32_t>(g10)}}, modified);
    report::NetworkSolution st;
    const auto rec = ca.solve_one({{ElementRef::Kind::Generator, static_cast<std::int32_t>(g10)}}, st);
    CHECK(rec.pattern_changed);
    const auto fresh = fresh_solve(modified);
    std::size_t ref = 0;
    while (net.bus(net.generators[ref].bus).type != model::BusType::Ref) ++ref;
    CHECK(rec.ref_gen_mw == Approx(fresh.gens[ref].p_mw).margin(1e-6));
    CHECK(rec.ref_pickup_mw == Approx(fresh.gens[ref].p_mw - ca.base().gens[ref].p_mw).margin(1e-6));
  }
}

TEST_CASE("N-1 with default tolerance stays within the tolerance's reach of a fresh solve", "[study][n1]") {
  LSFLOW_REQUIRE_SHARED();
  const auto net = shared_case("case118");
  study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), {});
  const auto c = ca.all_contingencies(true, false, false)[40];
  report::NetworkSolution st;
  REQUIRE(ca.solve_one(c, st).outcome == Outcome::Solved);
  auto modified = net;
  modified.branches[static_cast<std::size_t>(c.element.index)].in_service = false;
  const auto fresh = report::solve_network(modified, {});
  for (std::size_t b = 0; b < net.buses.size(); ++b) CHECK(st.buses[b].vm_pu == Approx(fresh.buses[b].vm_pu).margin(5e-8));
}

TEST_CASE("N-1 islanding: buses cut off, load lost, and the rest solved as a fresh solve", "[study][n1]") {
  LSFLOW_REQUIRE_SHARED();
  const auto net = shared_case("case118");
  study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), tight());
  const auto all = ca.all_contingencies(true, false, false);
  const auto res = ca.run(all);
  auto index_of = [&](const std::string& name) {
    const auto k = branch_named(net, name);
    for (std::size_t i = 0; i < all.size(); ++i)
      if (all[i].element.index == k) return static_cast<std::int32_t>(i);
    return -1;
  };
  auto cut_off = [&](std::int32_t c) {
    std::vector<ExtId> ids;
    for (const auto& b : res.islanded)
      if (b.contingency == c) ids.push_back(net.bus(b.bus).id);
    return ids;
  };
  // 12-117: bus 117 (a 20 MW load, no generation) loses supply.
  const auto c117 = index_of("12-117");
  REQUIRE(c117 >= 0);
  const auto& r117 = res.records[static_cast<std::size_t>(c117)];
  CHECK(r117.outcome == Outcome::Solved);
  CHECK(r117.islanding);
  CHECK(r117.islanded_buses == 1);
  CHECK(cut_off(c117) == std::vector<ExtId>{117});
  CHECK(r117.lost_load_mw == Approx(20.0));
  CHECK(r117.separated_gen_mw == 0.0);
  // 8-9: buses 9 and 10 (the 450 MW unit at 10, no load) are cut off with their generation.
  const auto c89 = index_of("8-9");
  const auto& r89 = res.records[static_cast<std::size_t>(c89)];
  CHECK(r89.islanding);
  CHECK(cut_off(c89) == std::vector<ExtId>{9, 10});
  CHECK(r89.lost_load_mw == 0.0);
  CHECK(r89.separated_gen_mw == Approx(450.0));
  CHECK(r89.ref_pickup_mw > 450.0);
  // No other branch of case118 splits the grid but these nine.
  std::size_t n_split = 0;
  for (const auto& r : res.records) n_split += r.islanding;
  CHECK(n_split == 9);

  // The remaining grid as a fresh solve sees it: the branch out (117 then has no supply), and for 8-9
  // also the unit at 10 (else the fresh build would refuse an island with generation but no reference).
  {
    auto modified = net;
    modified.branches[static_cast<std::size_t>(branch_named(net, "12-117"))].in_service = false;
    check_against_fresh(ca, all[static_cast<std::size_t>(c117)], modified);
  }
  {
    auto modified = net;
    modified.branches[static_cast<std::size_t>(branch_named(net, "8-9"))].in_service = false;
    for (auto& g : modified.generators)
      if (net.bus(g.bus).id == 10) g.in_service = false;
    check_against_fresh(ca, all[static_cast<std::size_t>(c89)], modified);
  }
}

TEST_CASE("N-1 split with a large cut-off part (solved on its own) equals a fresh solve", "[study][n1]") {
  LSFLOW_REQUIRE_SHARED();
  const auto net = shared_case("case300");
  study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), tight());
  const study::Contingency c{{ElementRef::Kind::Branch, branch_named(net, "9001-9006")}};
  report::NetworkSolution st;
  const auto rec = ca.solve_one(c, st);
  CHECK(rec.islanding);
  CHECK(rec.islanded_buses == 18);   // more than the low-rank correction takes
  CHECK(rec.newton_iterations > 0);
  CHECK(rec.lost_load_mw == Approx(24.8).margin(0.05));
  auto modified = net;
  modified.branches[static_cast<std::size_t>(c.element.index)].in_service = false;
  check_against_fresh(ca, c, modified);
}

TEST_CASE("N-1 cutting off the reference unit keeps the rest of the grid with a new reference", "[study][n1]") {
  LSFLOW_REQUIRE_SHARED();
  // case300's reference bus 7049 hangs on its generator transformer 7049-49: that outage leaves the
  // reference alone, and the 299 other buses (all the load) must survive, not be called cut off.
  const auto net = shared_case("case300");
  study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), tight());
  const study::Contingency c{{ElementRef::Kind::Branch, branch_named(net, "7049-49")}};
  report::NetworkSolution st;
  const auto rec = ca.solve_one(c, st);
  REQUIRE(rec.outcome == Outcome::Solved);
  CHECK(rec.islanded_buses == 1);
  CHECK(rec.lost_load_mw == 0.0);
  std::size_t ref_gen = 0;
  while (net.bus(net.generators[ref_gen].bus).id != 7049) ++ref_gen;
  CHECK(rec.separated_gen_mw == Approx(ca.base().gens[ref_gen].p_mw));
  // A fresh solve needs the new reference spelled out: the first PV bus with a unit (bustypes' choice),
  // and the cut-off unit out. Angles then differ by a constant (each keeps its own reference angle).
  auto modified = net;
  modified.branches[static_cast<std::size_t>(c.element.index)].in_service = false;
  modified.generators[ref_gen].in_service = false;
  for (auto& b : modified.buses)
    if (b.type == model::BusType::PV) {
      b.type = model::BusType::Ref;
      break;
    }
  check_against_fresh(ca, c, modified, /*angles=*/false);
}

TEST_CASE("N-1 of a three-winding transformer (Lạng Sơn base-peak) equals a fresh solve", "[study][n1][langson]") {
  const auto path = (test::source_dir() / "networks" / "langson" / "scenarios" / "base-peak.yaml").string();
  if (!std::filesystem::exists(path)) {
    WARN("skipped: " << path << " not found");
    return;
  }
  const auto scenario = study::read_scenario(path);
  const auto net = study::build_network(scenario);
  const auto limits = study::contingency_limits(net, study::scenario_limits(scenario));
  study::ContingencyAnalysis ca(net, limits, tight());
  std::int32_t t1 = -1;
  for (std::size_t k = 0; k < net.transformers3w.size(); ++k)
    if (net.transformers3w[k].name == "LangSon_T1") t1 = static_cast<std::int32_t>(k);
  REQUIRE(t1 >= 0);
  const study::Contingency c{{ElementRef::Kind::Trafo3W, t1}};
  report::NetworkSolution st;
  const auto rec = ca.solve_one(c, st);
  CHECK_FALSE(rec.islanding);           // LangSon_T2 takes over; only the star point drops out
  CHECK(rec.newton_iterations == 0);    // base factorisation with the star point's rows replaced
  auto modified = net;
  modified.transformers3w[static_cast<std::size_t>(t1)].in_service = false;
  check_against_fresh(ca, c, modified);
  // The parallel unit is overloaded after the outage (the figure lsflow n1 reports for this case).
  const auto res = ca.run({c});
  REQUIRE(res.records[0].overloads > 0);
  CHECK(ca.monitor_label(res.overloads[0].monitor).rfind("LangSon_T2", 0) == 0);
}

TEST_CASE("N-1 reports a contingency that does not converge, and the loss of all generation", "[study][n1]") {
  const auto net = double_circuit(150.0);
  study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), {});
  const auto list = ca.all_contingencies();
  REQUIRE(list.size() == 3);   // L1, L2, G
  const auto res = ca.run(list);
  for (int i = 0; i < 2; ++i) {
    INFO("outage L" << i + 1);
    CHECK(res.records[static_cast<std::size_t>(i)].outcome == Outcome::NotConverged);
    CHECK_FALSE(res.records[static_cast<std::size_t>(i)].islanding);   // a parallel circuit is not a bridge
  }
  CHECK(res.records[2].outcome == Outcome::NoSupply);
  CHECK(res.records[2].lost_load_mw == Approx(150.0));
  const auto counts = study::count_outcomes(res);
  CHECK(counts.secure == 0);
  CHECK(counts.not_converged == 2);
  CHECK(counts.no_supply == 1);
  const auto text = study::n1_text(ca, res, 10);
  CHECK_THAT(text, Catch::Matchers::Contains("did NOT converge") && Catch::Matchers::Contains("L1"));
  const auto order = study::rank_contingencies(ca, res);
  CHECK(res.records[static_cast<std::size_t>(order[0])].outcome != Outcome::Solved);

  // With a lighter load the same outages solve, and the surviving circuit's loading is checked.
  const auto light = double_circuit(60.0);
  study::ContingencyAnalysis ok(light, study::default_contingency_limits(light), {});
  const auto r2 = ok.run(ok.all_contingencies(true, false, false));
  CHECK(r2.records[0].outcome == Outcome::Solved);
  CHECK(r2.records[0].max_loading_pct > 60.0);
  CHECK(r2.records[0].overloads == 0);
}

TEST_CASE("N-1 tells violations the outage caused or worsened from those already there", "[study][n1]") {
  // A double circuit A=B (25 MVA each) carrying 60 MW: 120 % in the base case; one circuit out, the
  // other carries it all (worsened). A radial line A-C (10 MVA) feeding 12 MW: 120 % before and after
  // (pre-existing, no worse).
  auto net = double_circuit(60.0);
  for (auto& b : net.branches) b.rate_a_mva = 25.0;
  test::NetworkBuilder add(net);
  const BusIdx ic = add.bus(3, "C", model::BusType::PQ, 110, "");
  add.line("L3", net.branches[0].from, ic, 0.0, 0.05, 10.0);
  add.load("LoadC", ic, 12.0);

  study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), {});
  CHECK(ca.base_overloads().size() == 3);
  const auto res = ca.run({{{ElementRef::Kind::Branch, 0}}});
  const auto& rec = res.records[0];
  REQUIRE(rec.outcome == Outcome::Solved);
  CHECK(rec.overloads == 2);
  CHECK(rec.new_violations == 0);
  CHECK(rec.worsened_violations == 1);
  REQUIRE(res.overloads.size() == 2);
  for (const auto& o : res.overloads) {
    CHECK(o.pre_existing);
    CHECK(study::outage_related(o) == (ca.monitor_label(o.monitor) == "L2"));
  }
  const auto counts = study::count_outcomes(res);
  CHECK(counts.with_violations == 1);
  const auto text = study::n1_text(ca, res, 10);
  CHECK_THAT(text, Catch::Matchers::Contains("1 violations after a contingency were already there"));
}

TEST_CASE("N-1 results do not depend on the number of threads", "[study][n1]") {
  LSFLOW_REQUIRE_SHARED();
  for (const std::string name : {"case118", "case300"}) {
    const auto net = shared_case(name);
    study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), {});
    const auto list = ca.all_contingencies();
    ca.set_threads(1);
    const auto a = ca.run(list);
    ca.set_threads(2);
    const auto b = ca.run(list);
    ca.set_threads(2);
    const auto c = ca.run(list);   // a second parallel run, workers reused
    REQUIRE(a.records.size() == b.records.size());
    for (const auto* other : {&b, &c}) {
      for (std::size_t i = 0; i < a.records.size(); ++i) {
        const auto& x = a.records[i];
        const auto& y = other->records[i];
        INFO(name << " contingency " << i);
        CHECK(x.contingency == y.contingency);
        CHECK(x.outcome == y.outcome);
        CHECK(x.iterations == y.iterations);
        CHECK(same(x.max_loading_pct, y.max_loading_pct));
        CHECK(same(x.min_vm_pu, y.min_vm_pu));
        CHECK(same(x.max_vm_pu, y.max_vm_pu));
        CHECK(same(x.ref_gen_mw, y.ref_gen_mw));
        CHECK(x.islanded_buses == y.islanded_buses);
      }
      REQUIRE(a.voltage_violations.size() == other->voltage_violations.size());
      for (std::size_t i = 0; i < a.voltage_violations.size(); ++i) {
        CHECK(a.voltage_violations[i].contingency == other->voltage_violations[i].contingency);
        CHECK(a.voltage_violations[i].bus == other->voltage_violations[i].bus);
        CHECK(a.voltage_violations[i].vm_pu == other->voltage_violations[i].vm_pu);
      }
      CHECK(a.islanded.size() == other->islanded.size());
      for (std::size_t i = 0; i < a.bus_worst.size(); ++i) {
        CHECK(a.bus_worst[i].min_contingency == other->bus_worst[i].min_contingency);
        CHECK(same(a.bus_worst[i].min_vm_pu, other->bus_worst[i].min_vm_pu));
      }
    }
    CHECK(b.threads == 2);
  }
}

TEST_CASE("N-1 stops when asked and marks the rest not run", "[study][n1]") {
  LSFLOW_REQUIRE_SHARED();
  const auto net = shared_case("case30");
  study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), {});
  const auto list = ca.all_contingencies();
  std::atomic<bool> stop{true};
  std::atomic<std::size_t> done{0};
  const auto res = ca.run(list, {&stop, &done});
  CHECK(res.interrupted);
  CHECK(done.load() == 0);
  for (const auto& r : res.records) CHECK(r.outcome == Outcome::NotRun);
  stop = false;
  const auto full = ca.run(list, {&stop, &done});
  CHECK_FALSE(full.interrupted);
  CHECK(done.load() == list.size());
  CHECK(study::count_outcomes(full).not_run == 0);
}

TEST_CASE("lsflow n1 writes its files only when it finishes, and rejects unknown names", "[study][n1][cli]") {
  LSFLOW_REQUIRE_SHARED();
  const auto dir = std::filesystem::temp_directory_path() / "lsflow_test_n1";
  std::filesystem::remove_all(dir);
  const std::string case30 = (test::shared_dir() / "cases" / "case30.m").string();
  const std::string cmd = test::cli_path() + " n1 " + case30 + " --threads 2 --no-progress --out " + dir.string() +
                          " > " + (dir.string() + ".txt") + " 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  for (const auto& f : study::n1_output_files()) CHECK(std::filesystem::exists(dir / f));
  std::ifstream in(dir / "summary.json");
  const auto j = nlohmann::json::parse(in);
  CHECK(j["contingencies"] == 47);   // 41 branches + 6 generators
  CHECK(j["outcome"]["not_run"] == 0);
  CHECK(j["limits"]["source"].get<std::string>().find("built-in") != std::string::npos);
  std::ifstream csv(dir / "contingencies.csv");
  std::string line;
  std::size_t rows = 0;
  while (std::getline(csv, line)) ++rows;
  CHECK(rows == 48);

  // A scenario that names its network only through its parent: the scenario's limits file applies.
  const auto scenario = test::source_dir() / "networks" / "langson" / "scenarios" / "growth-2030-peak.yaml";
  if (std::filesystem::exists(scenario)) {
    const std::string json_out = dir.string() + ".json";
    const std::string sc = test::cli_path() + " n1 " + scenario.string() + " --format json --no-progress > " + json_out;
    REQUIRE(std::system(sc.c_str()) == 0);
    std::ifstream js(json_out);
    const auto jj = nlohmann::json::parse(js);
    CHECK(jj["limits"]["source"].get<std::string>().find("vn_grid_code") != std::string::npos);
    CHECK(jj["contingencies"].get<int>() > 50);
    std::filesystem::remove(json_out);
  }

  const std::string bad = test::cli_path() + " n1 " + case30 + " --contingencies nosuchline > /dev/null 2>&1";
  const int rc = std::system(bad.c_str());
  CHECK(WEXITSTATUS(rc) == 2);
  std::filesystem::remove_all(dir);
  std::filesystem::remove(dir.string() + ".txt");
}

// ---------------------------------------------------------------------------------------------------
// A scenario's own N-1 list (`contingencies:`, tests/data/scenario/n1_list.yaml on e2e_grid.yaml)

namespace {

std::string scenario_data(const std::string& file) {
  return (test::source_dir() / "tests" / "data" / "scenario" / file).string();
}

std::vector<std::string> labels(const model::Network& net, const std::vector<study::Contingency>& list) {
  std::vector<std::string> out;
  for (const auto& c : list) out.push_back(study::element_label(net, c.element));
  return out;
}

// A scratch scenario file extending n1_list.yaml (by absolute path) with `body` from line 2 on.
std::string n1_child_file(const std::string& name, const std::string& body) {
  const auto p = std::filesystem::temp_directory_path() / ("lsflow_n1_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << "extends: " << scenario_data("n1_list.yaml") << "\n" << body;
  return p.string();
}

// Every field of a record that does not depend on its position in the list.
void check_same_record(const study::ContingencyRecord& x, const study::ContingencyRecord& y) {
  CHECK(x.contingency == y.contingency);
  CHECK(x.outcome == y.outcome);
  CHECK(x.iterations == y.iterations);
  CHECK(x.newton_iterations == y.newton_iterations);
  CHECK(x.islanding == y.islanding);
  CHECK(x.islanded_buses == y.islanded_buses);
  CHECK(same(x.lost_load_mw, y.lost_load_mw));
  CHECK(same(x.separated_load_mw, y.separated_load_mw));
  CHECK(same(x.ref_gen_mw, y.ref_gen_mw));
  CHECK(same(x.ref_pickup_mw, y.ref_pickup_mw));
  CHECK(same(x.max_loading_pct, y.max_loading_pct));
  CHECK(x.max_loading_monitor == y.max_loading_monitor);
  CHECK(same(x.min_vm_pu, y.min_vm_pu));
  CHECK(same(x.max_vm_pu, y.max_vm_pu));
  CHECK(x.violations() == y.violations());
}

}  // namespace

TEST_CASE("N-1 on a scenario with a contingencies list runs exactly those, each as when named alone",
          "[study][n1][contingencies]") {
  const auto sc = study::read_scenario(scenario_data("n1_list.yaml"));
  const auto net = study::build_network(sc);
  study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), tight());
  const auto list = study::scenario_contingencies(sc, ca);
  CHECK(labels(net, list) == std::vector<std::string>{"L_AB_c2", "L_AC", "Coal1"});   // in the file's order
  CHECK(list.size() < ca.all_contingencies().size());
  const auto res = ca.run(list);
  REQUIRE(res.records.size() == 3);
  CHECK(res.records[1].islanding);   // L_AC feeds C110 radially
  CHECK(res.records[2].ref_pickup_mw > 90.0);
  // The same element named alone (as --contingencies L_AC does) gives the same record.
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string name = labels(net, {list[i]})[0];
    INFO(name);
    const auto alone = ca.run({ca.find_contingency(name)});
    check_same_record(res.records[i], alone.records[0]);
  }

  // Inherited through extends: the child's list is the parent's.
  const auto child = study::read_scenario(scenario_data("n1_child.yaml"));
  const auto child_net = study::build_network(child);
  study::ContingencyAnalysis child_ca(child_net, study::default_contingency_limits(child_net), tight());
  CHECK(labels(child_net, study::scenario_contingencies(child, child_ca)) ==
        std::vector<std::string>{"L_AB_c2", "L_AC", "Coal1"});

  // The mapping form: every credible in-service element of the kinds (not the grid equivalent's unit);
  // without the key, every credible element.
  const auto gens = n1_child_file("gens.yaml", "contingencies: {elements: [generators]}\n");
  const auto by_kind = study::scenario_contingencies(study::read_scenario(gens), ca);
  std::filesystem::remove(gens);
  CHECK(by_kind == ca.credible_contingencies(false, false, true));
  CHECK(labels(net, by_kind) == std::vector<std::string>{"Coal1", "HydroC"});
  CHECK(labels(net, ca.all_contingencies(false, false, true)) == std::vector<std::string>{"Grid", "Coal1", "HydroC"});
  auto bare = sc;
  bare.contingencies = {};
  CHECK(study::scenario_contingencies(bare, ca) == ca.credible_contingencies());
  CHECK(ca.credible_contingencies().size() < ca.all_contingencies().size());
}

TEST_CASE("N-1 scenario list: an element out of service in the study year is an error at its line",
          "[study][n1][contingencies][errors]") {
  // Coal2 is in the network file, out of service: the name resolves, the analysis has no such contingency.
  const auto p = n1_child_file("oos.yaml", "contingencies:\n  - Coal1\n  - Coal2\n");
  const auto sc = study::read_scenario(p);
  const auto net = study::build_network(sc);
  study::ContingencyAnalysis ca(net, study::default_contingency_limits(net), tight());
  try {
    (void)study::scenario_contingencies(sc, ca);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.loc().file == p);
    CHECK(e.loc().line == 4);
    CHECK_THAT(e.message(), Catch::Matchers::Contains("\"Coal2\": the element is out of service or not energised"));
  }
  // Commissioned by the scenario, the same entry is fine.
  const auto q = n1_child_file("oos2.yaml", "commissioning:\n  Coal2: {in_service_from_year: 2021}\n"
                                            "contingencies:\n  - Coal1\n  - Coal2\n");
  const auto sq = study::read_scenario(q);
  const auto nq = study::build_network(sq);
  study::ContingencyAnalysis cq(nq, study::default_contingency_limits(nq), tight());
  CHECK(labels(nq, study::scenario_contingencies(sq, cq)) == std::vector<std::string>{"Coal1", "Coal2"});
  std::filesystem::remove(p);
  std::filesystem::remove(q);
}

namespace {

struct CliRun {
  int status = -1;
  std::string err;
  std::vector<std::vector<std::string>> rows;   // contingencies.csv without its header, split at commas
};

// `lsflow n1 ARGS --out DIR`, with contingencies.csv read back when it was written.
CliRun run_n1(const std::string& args) {
  const auto dir = std::filesystem::temp_directory_path() / ("lsflow_n1_cli_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const std::string err_file = dir.string() + ".err";
  const std::string cmd = test::cli_path() + " n1 " + args + " --threads 1 --no-progress --out " + dir.string() +
                          " > /dev/null 2> " + err_file;
  CliRun r;
  const int raw = std::system(cmd.c_str());
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  std::ifstream err(err_file);
  r.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  std::ifstream csv(dir / "contingencies.csv");
  std::string line;
  std::getline(csv, line);   // header
  while (std::getline(csv, line)) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string f;
    while (std::getline(ss, f, ',')) fields.push_back(f);
    r.rows.push_back(fields);
  }
  std::filesystem::remove_all(dir);
  std::filesystem::remove(err_file);
  return r;
}

std::vector<std::string> outages(const CliRun& r) {   // the `outage` column
  std::vector<std::string> out;
  for (const auto& row : r.rows) out.push_back(row.at(2));
  return out;
}

}  // namespace

TEST_CASE("lsflow n1 runs a scenario's own contingencies list, and --contingencies or --elements override it",
          "[study][n1][contingencies][cli]") {
  const std::string list = scenario_data("n1_list.yaml");
  const auto own = run_n1(list);
  INFO(own.err);
  REQUIRE(own.status == 0);
  CHECK(outages(own) == std::vector<std::string>{"L_AB_c2", "L_AC", "Coal1"});
  CHECK_THAT(own.err, Catch::Matchers::Contains("contingencies: 3 from the scenario (" + list + ":7;"));

  // Inherited by a child that does not name one.
  CHECK(outages(run_n1(scenario_data("n1_child.yaml"))) == std::vector<std::string>{"L_AB_c2", "L_AC", "Coal1"});

  // The command line wins; the element it names gives the same row as in the scenario's run.
  const auto one = run_n1(list + " --contingencies L_AC");
  REQUIRE(one.status == 0);
  CHECK(outages(one) == std::vector<std::string>{"L_AC"});
  CHECK(one.err.find("from the scenario") == std::string::npos);
  REQUIRE(own.rows.size() == 3);
  REQUIRE(one.rows.size() == 1);
  CHECK(std::vector<std::string>(own.rows[1].begin() + 1, own.rows[1].end()) ==
        std::vector<std::string>(one.rows[0].begin() + 1, one.rows[0].end()));   // all but the index
  CHECK(outages(run_n1(list + " --elements generators")) == std::vector<std::string>{"Coal1", "HydroC"});
  // The grid equivalent is out of the default set but can be named.
  CHECK(outages(run_n1(list + " --contingencies Grid")) == std::vector<std::string>{"Grid"});

  // A name the network lacks: exit 2, file:line of the entry, the nearest name.
  const auto broken = (test::source_dir() / "tests" / "data" / "broken" / "n1_unknown_contingency.yaml").string();
  const auto bad = run_n1(broken);
  CHECK(bad.status == 2);
  CHECK(bad.err.rfind(broken + ":5: contingencies: no element named \"L_CA\"", 0) == 0);
  CHECK_THAT(bad.err, Catch::Matchers::Contains("did you mean 'L_AC'?"));
  CHECK(bad.rows.empty());
  // The file's names are checked when the scenario is built, so overriding its list does not hide the error.
  CHECK(run_n1(broken + " --contingencies L_AC").status == 2);

  // The help says where the list comes from.
  const auto help_file = std::filesystem::temp_directory_path() / ("lsflow_n1_help_" + std::to_string(::getpid()));
  REQUIRE(std::system((test::cli_path() + " n1 --help > " + help_file.string()).c_str()) == 0);
  std::ifstream help(help_file);
  const std::string text((std::istreambuf_iterator<char>(help)), std::istreambuf_iterator<char>());
  std::filesystem::remove(help_file);
  CHECK_THAT(text, Catch::Matchers::Contains("--contingencies or --elements, else the scenario's `contingencies:` key"));
}
