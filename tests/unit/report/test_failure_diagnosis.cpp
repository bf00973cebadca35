// describe_attempts on a case that does not converge: an importing island is "load too high", an
// exporting one is "export-limited" (generation at the other buses beyond what the network carries out
// to the reference bus), with the balance that says which; the largest solvable scale honours the
// solve's reactive-limit setting.
#include <catch2/catch.hpp>
#include <string>

#include "model/network.hpp"
#include "report/network_solution.hpp"

using namespace lsflow;

namespace {

// Grid (reference) — weak line — A (load) — weak line — B (wind farm holding 1.02 pu).
model::Network export_case(double wind_mw, double load_mw, double q_range_mvar = 200.0) {
  model::Network net;
  auto bus = [&](ExtId id, const char* name, model::BusType type) {
    model::Bus b;
    b.id = id;
    b.name = name;
    b.base_kv = 110;
    b.type = type;
    return net.add_bus(b);
  };
  const BusIdx src = bus(1, "Src", model::BusType::Ref);
  const BusIdx a = bus(2, "A", model::BusType::PQ);
  const BusIdx b = bus(3, "B", model::BusType::PV);
  auto line = [&](const char* name, BusIdx f, BusIdx t) {
    model::Branch br;
    br.name = name;
    br.from = f;
    br.to = t;
    br.r_pu = 0.02;
    br.x_pu = 0.2;
    net.branches.push_back(br);
  };
  line("L1", src, a);
  line("L2", a, b);
  model::Generator grid;
  grid.name = "Grid";
  grid.kind = model::GenKind::Grid;
  grid.bus = src;
  net.generators.push_back(grid);
  model::Generator wind;
  wind.name = "Wind";
  wind.kind = model::GenKind::Wind;
  wind.bus = b;
  wind.p_mw = wind_mw;
  wind.vg_pu = 1.02;
  wind.qmin_mvar = -q_range_mvar;
  wind.qmax_mvar = q_range_mvar;
  net.generators.push_back(wind);
  net.bus(b).vm_pu = 1.02;
  model::Load l;
  l.name = "LoadA";
  l.bus = a;
  l.p_mw = load_mw;
  l.q_mvar = load_mw / 4;
  net.loads.push_back(l);
  return net;
}

}  // namespace

TEST_CASE("diagnosis: an exporting island that fails is export-limited, not 'load too high'",
          "[report][diagnosis]") {
  const auto net = export_case(600.0, 20.0);  // 580 MW out over two 0.2 pu lines: far beyond them
  report::SolveOptions opt;
  opt.diagnose_load_scale = true;
  const auto sol = report::solve_network(net, opt);
  REQUIRE_FALSE(sol.converged);
  const auto& isl = sol.islands.at(0);
  CHECK(isl.load_mw == Approx(20.0));
  CHECK(isl.gen_mw == Approx(600.0));
  CHECK(isl.gen_mw_by_kind[static_cast<std::size_t>(model::GenKind::Wind)] == Approx(600.0));
  CHECK(isl.surplus_mw() == Approx(580.0));
  REQUIRE(isl.reference_gens.size() == 1);
  CHECK(net.generators[static_cast<std::size_t>(isl.reference_gens[0].value)].name == "Grid");
  REQUIRE(isl.max_load_scale > 0.05);
  REQUIRE(isl.max_load_scale < 1.0);
  const std::string text = report::describe_attempts(net, isl);
  INFO(text);
  CHECK_THAT(text,
             Catch::Contains("balance: generation at the other buses 600 MW (wind 600) against load 20 MW"));
  CHECK_THAT(text, Catch::Contains("must export about 580 MW"));
  CHECK_THAT(text, Catch::Contains("out through Grid"));
  CHECK_THAT(text, Catch::Contains("an export-limited case"));
  CHECK_THAT(text, Catch::Contains("not a load that is too high"));
  CHECK(text.find("the load is too high") == std::string::npos);
  // The scale is right: just below it the case solves (exporting about scale × 580 MW).
  const double s = isl.max_load_scale;
  CHECK(report::solve_network(export_case(600.0 * (s - 0.005), 20.0 * (s - 0.005)), {}).converged);
  CHECK_FALSE(report::solve_network(export_case(600.0 * (s + 0.005), 20.0 * (s + 0.005)), {}).converged);
}

TEST_CASE("diagnosis: an importing island that fails says the load is too high, with the import",
          "[report][diagnosis]") {
  const auto net = export_case(5.0, 900.0);
  report::SolveOptions opt;
  opt.diagnose_load_scale = true;
  const auto sol = report::solve_network(net, opt);
  REQUIRE_FALSE(sol.converged);
  const std::string text = report::describe_attempts(net, sol.islands.at(0));
  INFO(text);
  CHECK_THAT(text, Catch::Contains("must import about 895 MW"));
  CHECK_THAT(text, Catch::Contains("the load is too high"));
  CHECK(text.find("export-limited") == std::string::npos);
}

TEST_CASE("diagnosis: the largest solvable scale respects reactive limits when the solve does",
          "[report][diagnosis]") {
  // Without limits the farm props up the voltage with any Q; with a ±30 Mvar range it cannot.
  const auto net = export_case(600.0, 20.0, 30.0);
  report::SolveOptions free;
  free.diagnose_load_scale = true;
  report::SolveOptions limited = free;
  limited.pf.enforce_q_limits = true;
  const auto a = report::solve_network(net, free);
  const auto b = report::solve_network(net, limited);
  REQUIRE_FALSE(a.converged);
  REQUIRE_FALSE(b.converged);
  const double s_free = a.islands.at(0).max_load_scale, s_limited = b.islands.at(0).max_load_scale;
  INFO("free " << s_free << ", limited " << s_limited);
  CHECK(s_limited < s_free - 0.01);
}
