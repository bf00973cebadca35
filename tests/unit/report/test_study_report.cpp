// StudyReport: built from a small network solved here (no dependence on the Lạng Sơn files), and the
// `lsflow run` command end to end on a small network file written to a scratch folder.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "csv_util.hpp"
#include "model/network.hpp"
#include "report/network_solution.hpp"
#include "report/study_report.hpp"
#include "study/limits.hpp"
#include "network_builder.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using model::BusType;
using model::GenKind;
namespace fs = std::filesystem;

namespace {

// Grid220 (zone Outside, the grid equivalent) ─T_220_110─ HV110 (thermal, PV) ═ 3W T3 ═ MV35, LV22
// MV35 ─L_MV_Far (10 MVA, weak)─ Far35: overloaded and below its band.  MV35 ─L_open (out)─ Dead22 (3 MW).
// LV22 ─T_22_04─ Aux04 (0.4 kV: no voltage level covers it).
struct TestGrid {
  model::Network net;
  double far_load_mw = 12.0;
  double far_load_mvar = 4.0;

  model::Network build() const {
    model::Network n;
    n.name = "testgrid";
    n.base_mva = 100.0;
    auto bus = [&](ExtId id, const char* name, double kv, const char* zone, BusType type) {
      model::Bus b;
      b.id = id;
      b.name = name;
      b.base_kv = kv;
      b.zone = zone;
      b.type = type;
      return n.add_bus(b);
    };
    const BusIdx grid = bus(1, "Grid220", 220, "Outside", BusType::Ref);
    const BusIdx hv = bus(2, "HV110", 110, "A", BusType::PV);
    const BusIdx mv = bus(3, "MV35", 35, "A", BusType::PQ);
    const BusIdx lv = bus(4, "LV22", 22, "A", BusType::PQ);
    const BusIdx far = bus(5, "Far35", 35, "A", BusType::PQ);
    const BusIdx dead = bus(6, "Dead22", 22, "A", BusType::PQ);
    const BusIdx aux = bus(7, "Aux04", 0.4, "A", BusType::PQ);

    auto branch = [&](const char* name, model::BranchKind kind, BusIdx f, BusIdx t, double r, double x,
                      double rate, bool in) {
      model::Branch br;
      br.name = name;
      br.kind = kind;
      br.from = f;
      br.to = t;
      br.r_pu = r;
      br.x_pu = x;
      br.rate_a_mva = rate;
      br.in_service = in;
      n.branches.push_back(br);
    };
    branch("T_220_110", model::BranchKind::Transformer, grid, hv, 0.002, 0.02, 200, true);
    branch("L_MV_Far", model::BranchKind::Line, mv, far, 0.3, 0.6, 10, true);
    branch("L_open", model::BranchKind::Line, mv, dead, 0.1, 0.2, 10, false);
    branch("T_22_04", model::BranchKind::Transformer, lv, aux, 0.01, 0.05, 2, true);

    model::Transformer3W t3;
    t3.name = "T3_HV_MV_LV";
    t3.hv_bus = hv;
    t3.mv_bus = mv;
    t3.lv_bus = lv;
    t3.vn_hv_kv = 110;
    t3.vn_mv_kv = 35;
    t3.vn_lv_kv = 22;
    t3.sn_hv_mva = 40;
    t3.sn_mv_mva = 40;
    t3.sn_lv_mva = 20;
    t3.uk_hv_mv_pct = 10.5;
    t3.uk_hv_lv_pct = 17;
    t3.uk_mv_lv_pct = 6.5;
    t3.pk_hv_mv_kw = 120;
    t3.pk_hv_lv_kw = 110;
    t3.pk_mv_lv_kw = 100;
    n.transformers3w.push_back(t3);

    auto gen = [&](const char* name, GenKind kind, BusIdx b, double p, double installed, bool pv, bool in) {
      model::Generator g;
      g.name = name;
      g.kind = kind;
      g.bus = b;
      g.p_mw = p;
      g.installed_mw = installed;
      g.pmax_mw = installed;
      g.in_service = in;
      g.qmin_mvar = pv ? -50 : 0;
      g.qmax_mvar = pv ? 50 : 0;
      n.generators.push_back(g);
    };
    gen("Grid", GenKind::Grid, grid, 0, 0, true, true);
    gen("Thermal1", GenKind::Thermal, hv, 20, 30, true, true);
    gen("Hydro1", GenKind::Hydro, lv, 1, 2, false, true);
    gen("Solar1", GenKind::Solar, lv, 2, 3, false, true);
    gen("Wind1", GenKind::Wind, mv, 5, 10, false, true);
    gen("Wind2", GenKind::Wind, mv, 0, 10, false, false);

    auto load = [&](const char* name, BusIdx b, double p, double q) {
      model::Load l;
      l.name = name;
      l.bus = b;
      l.p_mw = p;
      l.q_mvar = q;
      n.loads.push_back(l);
    };
    load("LoadMV", mv, 10, 3);
    load("LoadFar", far, far_load_mw, far_load_mvar);
    load("LoadLV", lv, 4, 1);
    load("LoadDead", dead, 3, 1);
    load("LoadAux", aux, 0.5, 0.1);
    return n;
  }
};

study::Limits test_limits() {
  study::Limits lim;
  lim.name = "test limits";
  auto level = [](const char* name, double lo, double hi, bool in_kv, double nmin, double nmax) {
    study::VoltageLevel l;
    l.name = name;
    l.base_kv_min = lo;
    l.base_kv_max = hi;
    l.in_kv = in_kv;
    l.normal_min = nmin;
    l.normal_max = nmax;
    l.n1_min = nmin;
    l.n1_max = nmax;
    return l;
  };
  // Deliberately not in kV order: the report orders levels itself.
  lim.levels.push_back(level("distribution", 1, 66, false, -5, 5));
  lim.levels.push_back(level("220 kV", 150, 300, true, 209, 242));
  lim.levels.push_back(level("110 kV", 66, 150, true, 104, 121));
  lim.loading_max_pct = 100.0;
  return lim;
}

struct Solved {
  model::Network net;
  report::NetworkSolution sol;
  report::StudyReport rep;
};

Solved solve(const model::Network& net, const study::Limits& lim = test_limits(), int max_iter = 10) {
  Solved s{net, {}, {}};
  report::SolveOptions opt;
  opt.pf.max_iter = max_iter;
  s.sol = report::solve_network(s.net, opt);
  s.rep = report::build_study_report(s.net, s.sol, lim, "test-case");
  return s;
}

std::size_t branch_index(const model::Network& net, const std::string& name) {
  for (std::size_t k = 0; k < net.branches.size(); ++k)
    if (net.branches[k].name == name) return k;
  FAIL("no branch " << name);
  return 0;
}

const report::ElementLoading& element(const report::StudyReport& r, const std::string& name) {
  for (const auto& e : r.elements)
    if (e.name == name) return e;
  FAIL("no element " << name);
  throw;
}

const report::BusState& bus_state(const report::StudyReport& r, const std::string& name) {
  for (const auto& b : r.buses)
    if (b.name == name) return b;
  FAIL("no bus " << name);
  throw;
}

double kind_p(const report::StudyReport& r, GenKind k) {
  for (const auto& g : r.generation)
    if (g.kind == k) return g.p_mw;
  FAIL("no generation row for " << model::to_string(k));
  return 0.0;
}

class Scratch {
 public:
  Scratch() {
    dir_ = fs::temp_directory_path() / ("lsflow_report_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
  static inline int counter_ = 0;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("study report: an overloaded line is listed with its loading and rating", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  REQUIRE(s.rep.converged());
  const auto k = branch_index(s.net, "L_MV_Far");
  const auto& res = s.sol.branches[k];
  // The loading the report must show, from the solution's end flows: max |S| over the 10 MVA rating.
  const double expected_pct = 100.0 * std::max(res.from.s_mva(), res.to.s_mva()) / 10.0;
  REQUIRE(expected_pct > 100.0);

  REQUIRE_FALSE(s.rep.overloads.empty());
  const auto& worst = s.rep.overloads.front();
  CHECK(worst.element == "L_MV_Far");
  CHECK(worst.kind == report::ElementKind::Line);
  CHECK(worst.loading_pct == Approx(expected_pct).epsilon(1e-9));
  CHECK(worst.rating_mva == 10.0);
  CHECK(worst.limit_pct == 100.0);
  CHECK(worst.worst_end == "MV35");   // the sending end carries the losses too
  // Nothing below the limit is listed as an overload.
  for (const auto& o : s.rep.overloads) CHECK(o.loading_pct > 100.0);
  const auto& el = element(s.rep, "L_MV_Far");
  CHECK(el.buses == std::vector<std::string>{"MV35", "Far35"});
  CHECK(el.loss_mw == Approx(res.from.p_mw + res.to.p_mw));
}

TEST_CASE("study report: a lower loading limit turns more elements into overloads", "[report][study_report]") {
  auto lim = test_limits();
  const auto s100 = solve(TestGrid{}.build(), lim);
  lim.loading_max_pct = 1.0;
  const auto s1 = solve(TestGrid{}.build(), lim);
  CHECK(s1.rep.overloads.size() > s100.rep.overloads.size());
  for (const auto& o : s1.rep.overloads) CHECK(o.limit_pct == 1.0);
}

TEST_CASE("study report: a bus below its band carries the right deviation", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  const auto far = *s.net.find_bus_by_name("Far35");
  const double vm = s.sol.buses[static_cast<std::size_t>(far.value)].vm_pu;
  REQUIRE(vm < 0.95);   // the weak line drops the voltage below the distribution band

  const auto& b = bus_state(s.rep, "Far35");
  CHECK(b.level == "distribution");
  CHECK(b.vmin_pu == Approx(0.95));
  CHECK(b.vmax_pu == Approx(1.05));
  CHECK(b.deviation_pu == Approx(vm - 0.95));
  CHECK(b.out_of_band());

  const report::VoltageViolation* v = nullptr;
  for (const auto& x : s.rep.voltage_violations)
    if (x.bus == "Far35") v = &x;
  REQUIRE(v != nullptr);
  CHECK(v->low());
  CHECK(v->vm_pu == Approx(vm));
  CHECK(v->v_kv == Approx(vm * 35.0));
  CHECK(v->deviation_pu == Approx(vm - 0.95));
  CHECK(v->deviation_kv() == Approx((vm - 0.95) * 35.0));
  CHECK(v->limit_pu() == Approx(0.95));
  // Buses inside their band are not violations.
  for (const auto& x : s.rep.voltage_violations) CHECK_FALSE(bus_state(s.rep, x.bus).deviation_pu == 0.0);
  CHECK(bus_state(s.rep, "Grid220").deviation_pu == 0.0);
}

TEST_CASE("study report: a kV band applies in per unit of each bus's base kV", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  const auto& hv = bus_state(s.rep, "HV110");
  CHECK(hv.level == "110 kV");
  CHECK(hv.vmin_pu == Approx(104.0 / 110.0));
  CHECK(hv.vmax_pu == Approx(121.0 / 110.0));
  const auto& grid = bus_state(s.rep, "Grid220");
  CHECK(grid.level == "220 kV");
  CHECK(grid.vmin_pu == Approx(209.0 / 220.0));
  // Levels ordered from the highest kV down, whatever the limits file's order.
  CHECK(s.rep.levels_checked == std::vector<std::string>{"220 kV", "110 kV", "distribution"});
}

TEST_CASE("study report: buses no voltage level covers are skipped and counted", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  const auto& aux = bus_state(s.rep, "Aux04");
  CHECK(aux.energised);
  CHECK_FALSE(aux.has_band());
  CHECK(s.rep.buses_without_band == 1);   // Aux04 (0.4 kV); Dead22 is de-energised, not skipped
  const auto text = report::study_report_text(s.rep);
  CHECK_THAT(text, Catch::Contains("1 energised bus skipped: no voltage level"));
}

TEST_CASE("study report: generation by kind sums the in-service units", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  CHECK(kind_p(s.rep, GenKind::Thermal) == Approx(20.0));
  CHECK(kind_p(s.rep, GenKind::Hydro) == Approx(1.0));
  CHECK(kind_p(s.rep, GenKind::Solar) == Approx(2.0));
  CHECK(kind_p(s.rep, GenKind::Wind) == Approx(5.0));   // Wind2 is out of service
  for (const auto& g : s.rep.generation) {
    CHECK(g.kind != GenKind::Grid);
    if (g.kind == GenKind::Wind) {
      CHECK(g.units == 1);
      CHECK(g.installed_mw == Approx(10.0));
    }
  }
  // Import = the grid generator's output; the balance closes.
  const auto& b = s.rep.balance;
  CHECK(s.rep.exchange.import_mw == Approx(s.sol.gens[0].p_mw));
  CHECK(s.rep.exchange.generators == std::vector<std::string>{"Grid"});
  CHECK(b.generation_mw == Approx(28.0));
  CHECK(b.load_mw == Approx(10 + 12 + 4 + 0.5));   // LoadDead is not supplied
  CHECK(b.unserved_mw == Approx(3.0));
  CHECK(b.losses_mw == Approx(s.sol.losses_mw()));
  CHECK(b.generation_mw + b.import_mw == Approx(b.load_mw + b.shunt_mw + b.losses_mw).epsilon(1e-9));
}

TEST_CASE("study report: tie flows are the elements leaving the grid equivalent", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  const auto& ex = s.rep.exchange;
  CHECK(ex.buses == std::vector<std::string>{"Grid220"});
  REQUIRE(ex.ties.size() == 1);
  CHECK(ex.ties[0].element == "T_220_110");
  CHECK(ex.ties[0].grid_bus == "Grid220");
  CHECK(ex.ties[0].province_bus == "HV110");
  const auto k = branch_index(s.net, "T_220_110");
  CHECK(ex.ties[0].p_in_mw == Approx(s.sol.branches[k].from.p_mw));
  // With nothing between the grid bus and the tie, the tie carries the whole import.
  CHECK(ex.ties[0].p_in_mw == Approx(ex.import_mw));
}

TEST_CASE("study report: the grid equivalent extends over its load-free zone", "[report][study_report]") {
  // Put a second bus in zone Outside between the grid and the province: the tie moves to its far side.
  model::Network net = TestGrid{}.build();
  model::Bus mid;
  mid.id = 8;
  mid.name = "Outside220";
  mid.base_kv = 220;
  mid.zone = "Outside";
  const BusIdx m = net.add_bus(mid);
  const auto k = branch_index(net, "T_220_110");
  const BusIdx grid = net.branches[k].from;
  net.branches[k].from = m;
  model::Branch link;
  link.name = "L_outside";
  link.from = grid;
  link.to = m;
  link.r_pu = 0.001;
  link.x_pu = 0.01;
  net.branches.push_back(link);
  const auto s = solve(net);
  const auto& ex = s.rep.exchange;
  CHECK(ex.buses == std::vector<std::string>{"Grid220", "Outside220"});
  REQUIRE(ex.ties.size() == 1);
  CHECK(ex.ties[0].element == "T_220_110");
  CHECK(ex.ties[0].grid_bus == "Outside220");
}

TEST_CASE("study report: a three-winding transformer's loading is its worst winding's", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  const auto& t = element(s.rep, "T3_HV_MV_LV");
  CHECK(t.kind == report::ElementKind::Transformer3W);
  CHECK(t.buses == std::vector<std::string>{"HV110", "MV35", "LV22"});
  const auto& res = s.sol.trafos3w[0];
  CHECK(t.loading_pct == Approx(res.loading_pct));
  const std::array<double, 3> sn = {40, 40, 20};
  double worst = 0;
  for (std::size_t w = 0; w < 3; ++w) worst = std::max(worst, 100.0 * res.winding[w].s_mva() / sn[w]);
  CHECK(t.loading_pct == Approx(worst));
  CHECK(100.0 * t.s_mva / t.rating_mva == Approx(worst));
  REQUIRE(t.ends.size() == 3);
}

TEST_CASE("study report: out-of-service and de-energised elements are listed apart", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  auto has_oos = [&](const std::string& name, const std::string& kind) {
    for (const auto& o : s.rep.out_of_service)
      if (o.name == name && o.kind == kind) return true;
    return false;
  };
  CHECK(has_oos("L_open", "line"));
  CHECK(has_oos("Wind2", "generator"));
  CHECK_FALSE(has_oos("L_MV_Far", "line"));
  REQUIRE(s.rep.deenergised.size() == 1);
  CHECK(s.rep.deenergised[0].buses == std::vector<std::string>{"Dead22"});
  CHECK(s.rep.deenergised[0].load_mw == Approx(3.0));
  CHECK_FALSE(bus_state(s.rep, "Dead22").energised);
  CHECK_FALSE(element(s.rep, "L_open").energised);
  // A de-energised element has no loading and is no overload.
  CHECK(std::isnan(element(s.rep, "L_open").loading_pct));
}

TEST_CASE("study report: the verdict counts what the lists hold", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  const auto v = report::verdict_line(s.rep);
  const auto n_over = s.rep.overloads.size();
  const auto n_volt = s.rep.voltage_violations.size();
  REQUIRE(n_over >= 1);
  REQUIRE(n_volt >= 1);
  CHECK_THAT(v, Catch::StartsWith("VERDICT: "));
  CHECK_THAT(v, Catch::Contains(fmt::format("{} overload{} (worst 'L_MV_Far' {:.0f} % of 10.0 MVA)", n_over,
                                            n_over == 1 ? "" : "s", s.rep.overloads[0].loading_pct)));
  CHECK_THAT(v, Catch::Contains(fmt::format("{} bus{} outside band (worst ", n_volt, n_volt == 1 ? "" : "es")));
  CHECK_THAT(v, Catch::Contains("3.0 MW of load not supplied (1 bus de-energised)"));
  CHECK_FALSE(s.rep.ok());
}

TEST_CASE("study report: a healthy case gets the OK verdict", "[report][study_report]") {
  TestGrid g;
  g.far_load_mw = 1.0;
  g.far_load_mvar = 0.2;
  model::Network net = g.build();
  net.branches[branch_index(net, "L_open")].in_service = true;   // Dead22 supplied again
  net.branches[branch_index(net, "L_MV_Far")].x_pu = 0.1;
  net.branches[branch_index(net, "L_MV_Far")].r_pu = 0.05;
  const auto s = solve(net);
  REQUIRE(s.rep.converged());
  INFO(report::study_report_text(s.rep));
  CHECK(s.rep.overloads.empty());
  CHECK(s.rep.voltage_violations.empty());
  CHECK(s.rep.deenergised.empty());
  CHECK(report::verdict_line(s.rep) == "VERDICT: OK — no overload, no voltage violation");
  CHECK(s.rep.ok());
}

TEST_CASE("study report: generators beyond their Q limits are flagged", "[report][study_report]") {
  model::Network net = TestGrid{}.build();
  for (auto& gen : net.generators)
    if (gen.name == "Thermal1") {
      gen.qmin_mvar = -0.5;   // the thermal unit holds 1.0 pu and must give more than 0.5 Mvar
      gen.qmax_mvar = 0.5;
    }
  const auto s = solve(net);
  REQUIRE(s.rep.converged());
  REQUIRE(s.rep.q_limit_breaches.size() == 1);
  const auto& q = s.rep.q_limit_breaches[0];
  CHECK(q.generator == "Thermal1");
  CHECK(std::abs(q.q_mvar) > 0.5);
  CHECK(q.excess_mvar() == Approx(std::abs(q.q_mvar) - 0.5));
  CHECK_THAT(report::verdict_line(s.rep), Catch::Contains("1 generator beyond their Q limits (not enforced)"));
}

TEST_CASE("study report: a case that does not converge reports only that", "[report][study_report]") {
  TestGrid g;
  g.far_load_mw = 3000.0;   // far beyond what the 35 kV line can carry
  g.far_load_mvar = 1000.0;
  const auto s = solve(g.build());
  REQUIRE_FALSE(s.rep.converged());
  CHECK(s.rep.elements.empty());
  CHECK(s.rep.overloads.empty());
  CHECK(s.rep.buses.empty());
  REQUIRE(s.rep.convergence.failures.size() == 1);
  const auto& f = s.rep.convergence.failures[0];
  CHECK_FALSE(f.worst_bus.empty());
  CHECK_FALSE(f.mismatch_history_mva.empty());
  const auto v = report::verdict_line(s.rep);
  CHECK_THAT(v, Catch::StartsWith("VERDICT: NOT CONVERGED"));
  CHECK_THAT(v, Catch::Contains("'" + f.worst_bus + "'"));
  CHECK_THAT(report::convergence_failure_text(s.rep), Catch::Contains("did not converge"));
  Scratch dir;
  CHECK_THROWS(report::write_study_report(dir.path("out"), s.rep));
  CHECK_FALSE(fs::exists(dir.path("out/report.json")));
}

TEST_CASE("study report: the text has aligned tables with units", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  report::TextOptions opt;
  opt.top_n = 2;
  opt.wide = true;   // every column
  const auto text = report::study_report_text(s.rep, opt);
  for (const char* header : {"installed (MW)", "P (MW)", "Q (Mvar)", "rating (MVA)", "loading (%)", "limit (%)",
                             "V (kV)", "V (pu)", "band (pu)", "deviation (pu)", "P in (MW)"})
    CHECK_THAT(text, Catch::Contains(header));
  CHECK_THAT(text, Catch::Contains("2 of 4 rated elements"));
  CHECK_THAT(text, Catch::Contains("OVERLOAD"));
  CHECK_THAT(text, Catch::Contains("distribution — "));
  CHECK_THAT(text, Catch::EndsWith(report::verdict_line(s.rep) + "\n"));
  // Every row of a table is as wide as its rule: the loading table's lines end at the same column or earlier.
  std::istringstream in(text);
  std::string line, prev;
  std::size_t rule = 0;
  while (std::getline(in, line)) {
    if (line.find("-----") != std::string::npos && prev.find("loading (%)") != std::string::npos) {
      rule = report::display_width(line);
      CHECK(report::display_width(prev) <= rule);
    }
    prev = line;
  }
  CHECK(rule > 0);
}

TEST_CASE("TextTable pads by display width and right-aligns numbers", "[report][study_report]") {
  report::TextTable t;
  t.add_column("name", report::TextTable::Align::Left);
  t.add_column("P (MW)", report::TextTable::Align::Right);
  t.add_row({"Lạng Sơn", "1.0"});
  t.add_row({"x", "100.0"});
  t.add_section("group");
  const auto s = t.render("");
  CHECK(s == "name      P (MW)\n"
             "----------------\n"
             "Lạng Sơn     1.0\n"
             "x          100.0\n"
             "group\n");
  CHECK(report::fixed(-0.0001, 2) == "0.00");
  CHECK(report::fixed(std::nan(""), 1) == "—");
  CHECK(report::csv_field("a,b") == "\"a,b\"");
  CHECK(report::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
}

TEST_CASE("study report: JSON round-trips", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  const auto j = report::study_report_json(s.rep);
  const auto back = report::study_report_from_json(nlohmann::json::parse(j.dump()));
  CHECK(report::verdict_line(back) == report::verdict_line(s.rep));
  CHECK(report::study_report_text(back) == report::study_report_text(s.rep));
  REQUIRE(back.elements.size() == s.rep.elements.size());
  CHECK(std::isnan(element(back, "L_open").loading_pct));   // NaN written as null, read back as NaN
  CHECK(element(back, "L_MV_Far").loading_pct == Approx(element(s.rep, "L_MV_Far").loading_pct));
  CHECK(j["verdict"]["overloads"] == s.rep.overloads.size());
  CHECK_THROWS_AS(report::study_report_from_json(nlohmann::json::object()), InputError);
}

TEST_CASE("study report: --out files carry names and agree with the report", "[report][study_report]") {
  const auto s = solve(TestGrid{}.build());
  Scratch dir;
  const auto out = dir.path("run");
  report::write_study_report(out, s.rep);
  for (const auto& f : report::study_report_files()) CHECK(fs::exists(out + "/" + f));

  const auto branches = test::read_csv(out + "/branches.csv");
  REQUIRE(branches.rows.size() == s.rep.elements.size());
  bool found = false;
  for (std::size_t i = 0; i < branches.rows.size(); ++i) {
    if (branches.rows[i][branches.col("element")] != "L_MV_Far") continue;
    found = true;
    CHECK(branches.rows[i][branches.col("from_bus")] == "MV35");
    CHECK(branches.rows[i][branches.col("status")] == "overload");
    CHECK(branches.num(i, "loading_pct") == Approx(s.rep.overloads[0].loading_pct).epsilon(1e-8));
    CHECK(branches.num(i, "rating_mva") == 10.0);
  }
  CHECK(found);

  const auto buses = test::read_csv(out + "/buses.csv");
  REQUIRE(buses.rows.size() == s.rep.buses.size());
  const auto violations = test::read_csv(out + "/violations.csv");
  std::size_t n_over = 0, n_volt = 0, n_dead = 0;
  for (const auto& row : violations.rows) {
    const auto& type = row[violations.col("type")];
    n_over += type == "overload";
    n_volt += type == "undervoltage" || type == "overvoltage";
    n_dead += type == "deenergised";
  }
  CHECK(n_over == s.rep.overloads.size());
  CHECK(n_volt == s.rep.voltage_violations.size());
  CHECK(n_dead == 1);

  const auto back = report::read_study_report(out);
  CHECK(report::verdict_line(back) == report::verdict_line(s.rep));
  CHECK_THROWS_AS(report::read_study_report(dir.path("nowhere")), InputError);
}

// ---------------------------------------------------------------------------------------------------
// `lsflow run` end to end, on a network file + limits + scenarios written to a scratch folder.

namespace {

constexpr const char* kNetworkYaml = R"(format: 1
name: reptest
base_mva: 100
line_types:
  - {name: ACSR-240/39, r_ohm_per_km: 0.119, x_ohm_per_km: 0.39, b_us_per_km: 2.83, rating_a: 645}
  - {name: AC-70, r_ohm_per_km: 0.42, x_ohm_per_km: 0.41, b_us_per_km: 2.7, rating_a: 100}
transformer3w_types:
  - {name: T3W25, sn_hv_mva: 25, sn_mv_mva: 25, sn_lv_mva: 25, vn_hv_kv: 115, vn_mv_kv: 38.5, vn_lv_kv: 23,
     uk_hv_mv_pct: 10.5, uk_hv_lv_pct: 17.5, uk_mv_lv_pct: 6.5, tap_step_pct: 1.78, tap_max: 9}
buses:
  - {id: 1, name: Src, base_kv: 110, zone: Outside}
  - {id: 2, name: A110, base_kv: 110, zone: Outside}
  - {id: 3, name: B110, base_kv: 110, zone: DistrictB}
  - {id: 4, name: B35, base_kv: 35, zone: DistrictB}
  - {id: 5, name: B22, base_kv: 22, zone: DistrictB}
  - {id: 6, name: C35, base_kv: 35, zone: DistrictC}
lines:
  - {name: A-B, from_bus: A110, to_bus: B110, type: ACSR-240/39, length_km: 10, circuits: 2}
  - {name: B-C, from_bus: B35, to_bus: C35, type: AC-70, length_km: 8}
external_grids:
  - {name: Grid, bus: Src, connect_to: A110, sk_mva: 2000, rx_ratio: 0.2, vg_pu: 1.02}
transformers3w:
  - {name: B_T1, hv_bus: B110, mv_bus: B35, lv_bus: B22, type: T3W25, tap_pos: 0}
generators:
  - {name: WindC, bus: C35, kind: wind, installed_mw: 6, p_mw: 0}
  - {name: HydroB, bus: B22, kind: hydro, installed_mw: 2, p_mw: 1}
loads:
  - {name: LoadC35, bus: C35, p_mw: 5, pf: 0.9, category: residential}
  - {name: LoadB22, bus: B22, p_mw: 3, pf: 0.95, category: residential}
)";

constexpr const char* kLimitsYaml = R"(name: test grid code
voltage_levels:
  - {name: 110 kV, base_kv_min: 66, base_kv_max: 150, normal_min_kv: 104, normal_max_kv: 121, n1_min_kv: 99, n1_max_kv: 121}
  - {name: distribution, base_kv_min: 1, base_kv_max: 66, normal_min_pct: -5, normal_max_pct: 5, n1_min_pct: -10, n1_max_pct: 5}
loading:
  max_pct: 100
  max_n1_pct: 100
)";

struct RunResult {
  int exit = -1;
  std::string out, err;
};

RunResult run_cli(const Scratch& dir, const std::string& args) {
  const auto out = dir.path("stdout.txt"), err = dir.path("stderr.txt");
  const std::string cmd = "\"" + test::cli_path() + "\" " + args + " >\"" + out + "\" 2>\"" + err + "\"";
  const int rc = std::system(cmd.c_str());
  RunResult r;
  r.exit = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// A scratch folder with the network, the limits and scenarios at load levels of 100 %, 180 % (the
// 35 kV line B-C, 6.1 MVA, overloaded) and 500 % × 2⁵ (no solution).
struct CliCase {
  Scratch dir;
  std::string base, heavy, hopeless;
  CliCase() {
    dir.write("grid.yaml", kNetworkYaml);
    dir.write("limits.yaml", kLimitsYaml);
    base = dir.write("base.yaml", "name: base\nnetwork: grid.yaml\nbase_year: 2024\nlimits: {file: limits.yaml}\n");
    heavy = dir.write("heavy.yaml", "name: heavy\nextends: base.yaml\nload: {level_pct: 180}\n");
    hopeless = dir.write("hopeless.yaml", "name: hopeless\nextends: base.yaml\nstudy_year: 2029\n"
                                          "load: {level_pct: 500, growth_pct_per_yr: 100}\n");
  }
};

}  // namespace

TEST_CASE("lsflow run: a converged case prints the report and writes --out files", "[report][study_report][cli]") {
  CliCase c;
  const auto out = c.dir.path("heavy_out");
  const auto r = run_cli(c.dir, "run \"" + c.heavy + "\" --out \"" + out + "\"");
  INFO(r.out << r.err);
  REQUIRE(r.exit == 0);   // violations do not change the exit status: the verdict tells
  CHECK_THAT(r.out, Catch::Contains("scenario 'heavy'"));
  CHECK_THAT(r.out, Catch::Contains("VERDICT: "));
  CHECK_THAT(r.out, Catch::Contains("'B-C'"));
  CHECK_THAT(r.out, Catch::Contains("IMPORT"));
  for (const auto& f : report::study_report_files()) CHECK(fs::exists(out + "/" + f));
  const auto violations = test::read_csv(out + "/violations.csv");
  bool line_overload = false;
  for (const auto& row : violations.rows)
    line_overload |= row[violations.col("type")] == "overload" && row[violations.col("element")] == "B-C";
  CHECK(line_overload);
  const auto j = nlohmann::json::parse(slurp(out + "/report.json"));
  CHECK(j["scenario"]["name"] == "heavy");
  CHECK(j["exchange"]["generators"][0] == "Grid");
  // The tie is found from the grid generator's zone (Outside holds no load), not from names.
  std::set<std::string> ties;
  for (const auto& t : j["exchange"]["ties"]) ties.insert(t["element"].get<std::string>());
  CHECK(ties == std::set<std::string>{"A-B_c1", "A-B_c2"});
}

TEST_CASE("lsflow run --format json prints the report as JSON", "[report][study_report][cli]") {
  CliCase c;
  const auto r = run_cli(c.dir, "run \"" + c.base + "\" --format json --top 3");
  INFO(r.err);
  REQUIRE(r.exit == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["convergence"]["converged"] == true);
  CHECK(j["verdict"]["text"].get<std::string>().rfind("VERDICT: ", 0) == 0);
  CHECK(j["elements"].size() == 5);   // A-B_c1, A-B_c2, B-C, the grid's Thevenin branch, B_T1
}

TEST_CASE("lsflow run: a case that does not converge exits 3 and writes nothing", "[report][study_report][cli]") {
  CliCase c;
  const auto out = c.dir.path("hopeless_out");
  // A stale result in the folder must not survive as if it were this case's.
  fs::create_directories(out);
  c.dir.write("hopeless_out/report.json", "{}");
  c.dir.write("hopeless_out/keep.txt", "not ours");
  const auto r = run_cli(c.dir, "run \"" + c.hopeless + "\" --out \"" + out + "\"");
  INFO(r.out << r.err);
  CHECK(r.exit == 3);
  CHECK_THAT(r.out, Catch::Contains("VERDICT: NOT CONVERGED"));
  CHECK_THAT(r.err, Catch::Contains("did not converge"));
  CHECK_THAT(r.err, Catch::Contains("mismatch by iteration (MVA)"));
  CHECK_THAT(r.err, Catch::Contains("no result files written"));
  for (const auto& f : report::study_report_files()) CHECK_FALSE(fs::exists(out + "/" + f));
  CHECK(fs::exists(out + "/keep.txt"));
}

TEST_CASE("lsflow run: bad input and bad options exit 2 with a message", "[report][study_report][cli]") {
  CliCase c;
  const auto bad = c.dir.write("bad.yaml", "name: bad\nextends: base.yaml\nload: {levle_pct: 50}\n");
  auto r = run_cli(c.dir, "run \"" + bad + "\"");
  CHECK(r.exit == 2);
  CHECK_THAT(r.err, Catch::Contains("bad.yaml:3"));
  r = run_cli(c.dir, "run \"" + c.dir.path("missing.yaml") + "\"");
  CHECK(r.exit == 2);
  CHECK_THAT(r.err, Catch::Contains("missing.yaml"));
  r = run_cli(c.dir, "run \"" + c.base + "\" --format xml");
  CHECK(r.exit == 2);
  CHECK_THAT(r.err, Catch::Contains("--format"));
  r = run_cli(c.dir, "run");
  CHECK(r.exit == 2);
}

TEST_CASE("study report: reverse flow through a transformer is flagged, with the MW sent up", "[report][study_report]") {
  // Grid (110 kV) — T1 (110/22 kV transformer) — LV: a 12 MW solar park above a 5 MW load sends ≈ 7 MW up;
  // T2 feeds a plain 4 MW load the normal way.
  model::Network net;
  net.name = "reverse";
  test::NetworkBuilder add(net);
  const BusIdx hv = add.bus(1, "HV", model::BusType::Ref, 110, "Out");
  const BusIdx lv = add.bus(2, "LV", model::BusType::PQ, 22, "Z");
  const BusIdx lv2 = add.bus(3, "LV2", model::BusType::PQ, 22, "Z");
  auto& t1 = add.line("T1", hv, lv, 0.005, 0.1, 25.0);
  t1.kind = model::BranchKind::Transformer;
  t1.tap_ratio = 1.0;
  auto& t2 = add.line("T2", lv2, hv, 0.005, 0.1, 25.0);   // drawn from the low side: the HV end is `to`
  t2.kind = model::BranchKind::Transformer;
  t2.tap_ratio = 1.0;
  add.generator("Grid", model::GenKind::Grid, hv, 1.0);
  auto& pv = add.generator("Solar", model::GenKind::Solar, lv);
  pv.p_mw = 12.0;
  pv.qmin_mvar = pv.qmax_mvar = 0.0;
  add.load("Load_LV", lv, 5.0);
  add.load("Load_LV2", lv2, 4.0);
  const auto sol = report::solve_network(net, report::SolveOptions{});
  REQUIRE(sol.converged);
  report::ReportLimits lim;
  lim.band_of_bus.assign(net.buses.size(), std::nullopt);
  const auto r = report::build_study_report(net, sol, lim, "reverse");
  REQUIRE(r.elements.size() == 2);
  CHECK(r.elements[0].reverse_mw == Approx(7.0).margin(0.1));   // 12 − 5 MW less T1's small losses
  CHECK(r.elements[0].reverse_mw < 7.0);
  CHECK(r.elements[1].reverse_mw == 0.0);                       // T2 carries power down
  const auto text = report::study_report_text(r);
  CHECK_THAT(text, Catch::Contains("Reverse flow through transformers — 1"));
  CHECK_THAT(text, Catch::Contains("T1"));
  const auto csv = report::branches_report_csv(r);
  CHECK_THAT(csv, Catch::Contains("reverse_mw"));
  const auto back = report::study_report_from_json(report::study_report_json(r));
  CHECK(back.elements[0].reverse_mw == Approx(r.elements[0].reverse_mw));
}
