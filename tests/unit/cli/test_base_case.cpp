// One base case for every study: `run`, `n1` (and the other study commands) solve it the same way —
// automatic tap changers settled, reactive limits enforced unless --no-q-limits — and say so.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_util.hpp"
#include "csv_util.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using Catch::Matchers::Contains;

namespace {
std::string scenario(const std::string& name) {
  return (test::source_dir() / "networks" / "langson" / "scenarios" / (name + ".yaml")).string();
}

// bus id → vm_pu from `run --out`'s buses.csv and from `n1 --out`'s bus_worst.csv (base case column).
std::map<std::string, double> run_voltages(const std::string& dir) {
  const auto csv = test::read_csv(dir + "/buses.csv");
  std::map<std::string, double> v;
  for (std::size_t r = 0; r < csv.rows.size(); ++r)
    if (csv.num(r, "energised") == 1.0) v[csv.rows[r][csv.col("id")]] = csv.num(r, "vm_pu");
  return v;
}
std::map<std::string, double> n1_base_voltages(const std::string& dir) {
  const auto csv = test::read_csv(dir + "/bus_worst.csv");
  std::map<std::string, double> v;
  for (std::size_t r = 0; r < csv.rows.size(); ++r) v[csv.rows[r][csv.col("id")]] = csv.num(r, "base_vm_pu");
  return v;
}
}  // namespace

TEST_CASE("run and n1 solve the same base case: taps settled, reactive limits, the same voltages at every bus",
          "[cli][study]") {
  // The main study: the automatic tap changers move and three Cao Lộc farms reach their Q limit.
  const auto s = scenario("wind-1444-light-cf30");
  for (const std::string q : {"", " --no-q-limits"}) {
    INFO("options:" << q);
    const auto dir = test::scratch_dir("basecase");
    const auto run = test::run_lsflow("run " + s + " --out " + (dir / "run").string() + q);
    REQUIRE(run.exit == 0);
    const auto n1 = test::run_lsflow("n1 " + s + " --no-progress --out " + (dir / "n1").string() + q);
    REQUIRE(n1.exit == 0);
    const auto vr = run_voltages((dir / "run").string());
    const auto vn = n1_base_voltages((dir / "n1").string());
    // bus_worst.csv lists the buses the N-1 checks (those with a band): every one of them.
    REQUIRE(vn.size() >= vr.size() - 2);
    for (const auto& [bus, vm] : vn) {
      INFO("bus " << bus);
      REQUIRE(vr.count(bus));
      CHECK(vr.at(bus) == Approx(vm).margin(1e-6));
    }
    // Both say how the base case was solved.
    const std::string said = q.empty() ? "reactive limits enforced (3 units at a limit)" : "reactive limits NOT enforced";
    CHECK_THAT(run.out, Contains(said));
    CHECK_THAT(n1.out, Contains(said));
    CHECK_THAT(n1.out, Contains("taps held where the base case left them"));
    CHECK_THAT(run.out, Contains("automatic tap changers settled"));
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("Reactive limits are on by default in run and off with --no-q-limits: no unit beyond its limit",
          "[cli][study]") {
  const auto s = scenario("wind-1444-light-cf30");
  const auto on = test::run_lsflow("run " + s + " --format json");
  const auto off = test::run_lsflow("run " + s + " --format json --no-q-limits");
  REQUIRE(on.exit == 0);
  REQUIRE(off.exit == 0);
  const auto jon = nlohmann::json::parse(on.out), joff = nlohmann::json::parse(off.out);
  CHECK(jon["q_limit_breaches"].empty());
  CHECK(joff["q_limit_breaches"].size() == 3);   // the three Cao Lộc farms of the issue
  std::size_t at_limit = 0;
  for (const auto& g : jon["generators"]) at_limit += g["at_q_limit"].get<bool>() ? 1 : 0;
  CHECK(at_limit == 3);
  for (const auto& g : jon["generators"]) {
    if (!g["in_service"].get<bool>() || g["qmax_mvar"].is_null()) continue;   // null: unlimited
    CHECK(g["q_mvar"].get<double>() <= g["qmax_mvar"].get<double>() + 1e-4);
    CHECK(g["q_mvar"].get<double>() >= g["qmin_mvar"].get<double>() - 1e-4);
  }
}

TEST_CASE("solve keeps MATPOWER's default (no reactive limits) for a .m case and enforces them for a network file",
          "[cli][study]") {
  LSFLOW_REQUIRE_SHARED();
  const auto m = test::run_lsflow("solve " + (test::shared_dir() / "cases" / "case118.m").string());
  REQUIRE(m.exit == 0);
  CHECK_THAT(m.out, Contains("reactive limits not enforced (MATPOWER's default"));
  const auto y = test::run_lsflow("solve " + (test::source_dir() / "networks" / "langson" / "grid.yaml").string());
  REQUIRE(y.exit == 0);
  CHECK_THAT(y.out, Contains("reactive limits enforced"));
  const auto yn = test::run_lsflow("solve " + (test::source_dir() / "networks" / "langson" / "grid.yaml").string() +
                                   " --no-q-limits");
  CHECK_THAT(yn.out, Contains("not enforced (--no-q-limits)"));
}

TEST_CASE("A case that fails in a reactive-limit round is diagnosed with that round, never as converged",
          "[cli][study][regression]") {
  // wind-1444-light: the first Newton run solves with every farm regulating, then 15 farms are beyond
  // their Q limits and the round that holds them fails (export-limited). The diagnosis used to print the
  // first run's "converged" inside the failed case.
  const auto r = test::run_lsflow("run " + scenario("wind-1444-light") + " --no-n1");
  CHECK(r.exit == 3);
  CHECK(r.err.find(": converged after") == std::string::npos);
  CHECK_THAT(r.err, Contains("solved with every unit regulating") && Contains("reactive-limit loop held units") &&
                        Contains("export-limited"));
}
