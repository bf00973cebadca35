// Validation against MATPOWER 8.1's own solutions (../shared/reference): voltages, generator and
// branch flows of every reference case, plain AC, with reactive limits, and DC; and MATPOWER's
// iteration counts for every shared case.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "csv_util.hpp"
#include "io/matpower_reader.hpp"
#include "report/network_solution.hpp"
#include "test_paths.hpp"

using lsflow::test::Csv;
using lsflow::test::read_csv;

namespace {

struct Mode {
  std::string suffix;   // "", "_qlim", "_dc"
  bool qlim = false;
  bool dc = false;
};

void compare_with_reference(const std::string& case_name, const Mode& mode) {
  const auto ref_dir = lsflow::test::shared_dir() / "reference";
  const auto bus_file = ref_dir / (case_name + mode.suffix + "_bus.csv");
  if (!std::filesystem::exists(bus_file)) {
    WARN("no reference " << bus_file.string());
    return;
  }
  const auto net = lsflow::io::read_matpower((lsflow::test::shared_dir() / "cases" / (case_name + ".m")).string());
  lsflow::report::SolveOptions opt;
  opt.dc = mode.dc;
  opt.pf.enforce_q_limits = mode.qlim;
  const auto sol = lsflow::report::solve_network(net, opt);
  REQUIRE(sol.converged);

  const Csv bus = read_csv(bus_file.string());
  REQUIRE(bus.rows.size() == net.buses.size());
  double worst_vm = 0.0, worst_va = 0.0;
  for (std::size_t i = 0; i < bus.rows.size(); ++i) {
    REQUIRE(static_cast<long>(bus.num(i, "BUS_I")) == net.buses[i].id);
    if (!mode.dc) worst_vm = std::max(worst_vm, std::abs(sol.buses[i].vm_pu - bus.num(i, "VM")));
    worst_va = std::max(worst_va, std::abs(sol.buses[i].va_deg - bus.num(i, "VA")));
  }
  INFO(case_name << mode.suffix << ": max |dVm| " << worst_vm << " pu, max |dVa| " << worst_va << " deg");
  CHECK(worst_vm <= 1e-6);
  CHECK(worst_va <= 1e-5);

  const auto gen_file = ref_dir / (case_name + mode.suffix + "_gen.csv");
  if (std::filesystem::exists(gen_file)) {
    const Csv gen = read_csv(gen_file.string());
    REQUIRE(gen.rows.size() == net.generators.size());
    double worst = 0.0;
    for (std::size_t g = 0; g < gen.rows.size(); ++g) {
      const bool on = net.generators[g].in_service;
      const double p = on ? sol.gens[g].p_mw : 0.0;
      const double q = on ? sol.gens[g].q_mvar : 0.0;
      worst = std::max(worst, std::abs(p - gen.num(g, "PG")));
      if (!mode.dc) worst = std::max(worst, std::abs(q - gen.num(g, "QG")));
    }
    INFO(case_name << mode.suffix << ": max generator P/Q error " << worst);
    CHECK(worst <= 1e-3);
  }

  const Csv br = read_csv((ref_dir / (case_name + mode.suffix + "_branch.csv")).string());
  REQUIRE(br.rows.size() == net.branches.size());
  double worst = 0.0;
  for (std::size_t k = 0; k < br.rows.size(); ++k) {
    const auto& r = sol.branches[k];
    worst = std::max(worst, std::abs(r.from.p_mw - br.num(k, "PF")));
    if (!mode.dc) {
      worst = std::max(worst, std::abs(r.from.q_mvar - br.num(k, "QF")));
      worst = std::max(worst, std::abs(r.to.p_mw - br.num(k, "PT")));
      worst = std::max(worst, std::abs(r.to.q_mvar - br.num(k, "QT")));
    }
  }
  INFO(case_name << mode.suffix << ": max branch flow error " << worst);
  CHECK(worst <= 1e-3);
}

}  // namespace

TEST_CASE("AC power flow matches MATPOWER on every reference case", "[validation]") {
  LSFLOW_REQUIRE_SHARED();
  for (const char* c : {"case9", "case14", "case30", "case118", "case300"}) {
    SECTION(c) { compare_with_reference(c, {"", false, false}); }
  }
}

TEST_CASE("Reactive-limit enforcement matches MATPOWER (enforce_q_lims = 1)", "[validation]") {
  LSFLOW_REQUIRE_SHARED();
  for (const char* c : {"case30", "case118", "case300"}) {
    SECTION(c) { compare_with_reference(c, {"_qlim", true, false}); }
  }
}

TEST_CASE("DC power flow matches MATPOWER's rundcpf", "[validation]") {
  LSFLOW_REQUIRE_SHARED();
  for (const char* c : {"case118", "case300"}) {
    SECTION(c) { compare_with_reference(c, {"_dc", false, true}); }
  }
}

TEST_CASE("Newton-Raphson takes MATPOWER's number of iterations on every shared case", "[validation]") {
  LSFLOW_REQUIRE_SHARED();
  const Csv it = read_csv((lsflow::test::shared_dir() / "reference" / "ITERATIONS.csv").string());
  for (std::size_t r = 0; r < it.rows.size(); ++r) {
    const std::string name = it.rows[r][it.col("case")];
    const std::string mode = it.rows[r][it.col("mode")];
    const auto path = lsflow::test::shared_dir() / "cases" / (name + ".m");
    if (!std::filesystem::exists(path)) continue;
    DYNAMIC_SECTION(name << " " << mode) {
      const auto net = lsflow::io::read_matpower(path.string());
      lsflow::report::SolveOptions opt;
      opt.pf.enforce_q_limits = mode == "qlim";
      const auto sol = lsflow::report::solve_network(net, opt);
      REQUIRE(sol.converged);
      CHECK(sol.iterations == static_cast<int>(it.num(r, "iterations")));
      CHECK(net.buses.size() == static_cast<std::size_t>(it.num(r, "buses")));
    }
  }
}
