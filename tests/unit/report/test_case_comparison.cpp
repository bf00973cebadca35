// CaseComparison: reports made by hand (so every change class is known exactly), and `lsflow compare`
// end to end on a small network file written to a scratch folder.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "csv_util.hpp"
#include "report/case_comparison.hpp"
#include "report/study_report.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using report::Change;
using report::ViolationType;
namespace fs = std::filesystem;

namespace {

// A converged report with the given element loadings (limit 100 %) and bus voltages (band 0.95–1.05).
struct Builder {
  report::StudyReport r;
  explicit Builder(const std::string& name) {
    r.scenario = name;
    r.convergence.converged = true;
    r.convergence.islands = 1;
    r.loading_limit_pct = 100.0;
    r.levels_checked = {"distribution"};
    r.generation = {{model::GenKind::Thermal, 1, 100, 50, 10},
                    {model::GenKind::Hydro, 0, 0, 0, 0},
                    {model::GenKind::Solar, 0, 0, 0, 0},
                    {model::GenKind::Wind, 0, 0, 0, 0}};
  }
  Builder& line(const std::string& name, double loading_pct, double rating_mva = 100.0) {
    report::ElementLoading e;
    e.name = name;
    e.kind = report::ElementKind::Line;
    e.buses = {"X", "Y"};
    e.energised = true;
    e.rating_mva = rating_mva;
    e.s_mva = loading_pct * rating_mva / 100.0;
    e.worst_end = "X";
    e.loading_pct = loading_pct;
    e.ends = {{e.s_mva, 0.0}, {-e.s_mva, 0.0}};
    r.elements.push_back(e);
    if (loading_pct > r.loading_limit_pct)
      r.overloads.push_back({name, e.kind, loading_pct, r.loading_limit_pct, rating_mva, e.s_mva, "X"});
    std::stable_sort(r.overloads.begin(), r.overloads.end(),
                     [](const auto& a, const auto& b) { return a.loading_pct > b.loading_pct; });
    return *this;
  }
  Builder& bus(const std::string& name, double vm_pu) {
    report::BusState b;
    b.name = name;
    b.base_kv = 35;
    b.energised = true;
    b.vm_pu = vm_pu;
    b.v_kv = vm_pu * 35;
    b.level = "distribution";
    b.vmin_pu = 0.95;
    b.vmax_pu = 1.05;
    b.deviation_pu = vm_pu < 0.95 ? vm_pu - 0.95 : vm_pu > 1.05 ? vm_pu - 1.05 : 0.0;
    r.buses.push_back(b);
    if (b.deviation_pu != 0.0)
      r.voltage_violations.push_back({name, "", b.level, 35, vm_pu, b.v_kv, 0.95, 1.05, b.deviation_pu});
    return *this;
  }
  Builder& exchange(double import_mw, double losses_mw) {
    r.exchange.generators = {"Grid"};
    r.exchange.import_mw = import_mw;
    r.balance.import_mw = import_mw;
    r.balance.generation_mw = 50;
    r.balance.losses_mw = losses_mw;
    r.balance.load_mw = 50 + import_mw - losses_mw;
    return *this;
  }
};

const report::ViolationChange& change_of(const report::CaseComparison& c, std::size_t k, ViolationType t,
                                         const std::string& name) {
  for (const auto& v : c.changes)
    if (v.case_index == k && v.type == t && v.element == name) return v;
  FAIL("no change for " << name << " in case " << k);
  throw;
}

bool has_change(const report::CaseComparison& c, std::size_t k, ViolationType t, const std::string& name) {
  return std::any_of(c.changes.begin(), c.changes.end(),
                     [&](const auto& v) { return v.case_index == k && v.type == t && v.element == name; });
}

const report::LoadingRow& loading_row(const report::CaseComparison& c, const std::string& name) {
  for (const auto& r : c.loadings)
    if (r.element == name) return r;
  FAIL("no loading row " << name);
  throw;
}

const report::MetricRow& metric(const report::CaseComparison& c, const std::string& q) {
  for (const auto& m : c.metrics)
    if (m.quantity == q) return m;
  FAIL("no metric " << q);
  throw;
}

// Base: L_worse 120 %, L_clear 110 %, L_same 130 %, L_better 140 %, L_new 80 %, L_ok 50 %;
//       B_worse 0.93 pu, B_clear 1.06 pu, B_flip 0.94 pu, B_new 1.00 pu.
// Case: L_worse 125, L_clear 90, L_same 130.2, L_better 120, L_new 105, L_ok 50, L_only 70 (new element);
//       B_worse 0.92, B_clear 1.04, B_flip 1.07 (low clears, high appears), B_new 0.94.
// Elements are listed in a different order in the case: matching must go by name.
std::vector<report::StudyReport> two_cases() {
  Builder a("base");
  a.line("L_worse", 120).line("L_clear", 110).line("L_same", 130).line("L_better", 140).line("L_new", 80).line("L_ok", 50);
  a.bus("B_worse", 0.93).bus("B_clear", 1.06).bus("B_flip", 0.94).bus("B_new", 1.0).exchange(40, 3);
  Builder b("windy");
  b.line("L_only", 70).line("L_ok", 50).line("L_new", 105).line("L_better", 120).line("L_same", 130.2).line("L_clear", 90);
  b.line("L_worse", 125);
  b.bus("B_new", 0.94).bus("B_flip", 1.07).bus("B_clear", 1.04).bus("B_worse", 0.92).exchange(-25, 4.5);
  return {a.r, b.r};
}

}  // namespace

TEST_CASE("compare: violations appear, clear, worsen, improve or stay", "[report][compare]") {
  const auto c = report::compare_cases(two_cases());
  CHECK(change_of(c, 1, ViolationType::Overload, "L_worse").change == Change::Worsens);
  CHECK(change_of(c, 1, ViolationType::Overload, "L_clear").change == Change::Clears);
  CHECK(change_of(c, 1, ViolationType::Overload, "L_same").change == Change::Unchanged);   // +0.2 % < tolerance
  CHECK(change_of(c, 1, ViolationType::Overload, "L_better").change == Change::Improves);
  CHECK(change_of(c, 1, ViolationType::Overload, "L_new").change == Change::Appears);
  CHECK_FALSE(has_change(c, 1, ViolationType::Overload, "L_ok"));
  CHECK_FALSE(has_change(c, 1, ViolationType::Overload, "L_only"));
  CHECK(change_of(c, 1, ViolationType::Undervoltage, "B_worse").change == Change::Worsens);
  CHECK(change_of(c, 1, ViolationType::Overvoltage, "B_clear").change == Change::Clears);
  CHECK(change_of(c, 1, ViolationType::Undervoltage, "B_flip").change == Change::Clears);
  CHECK(change_of(c, 1, ViolationType::Overvoltage, "B_flip").change == Change::Appears);
  CHECK(change_of(c, 1, ViolationType::Undervoltage, "B_new").change == Change::Appears);
  CHECK(c.changes.size() == 10);

  // Values on both sides, also where the element is not violated.
  const auto& clear = change_of(c, 1, ViolationType::Overload, "L_clear");
  CHECK(clear.base_value == 110.0);
  CHECK(clear.case_value == 90.0);
  CHECK(clear.base_excess == Approx(10.0));
  CHECK(clear.case_excess == 0.0);
  const auto& appear = change_of(c, 1, ViolationType::Overload, "L_new");
  CHECK(appear.base_value == 80.0);
  CHECK(appear.case_value == 105.0);
  CHECK(appear.limit == 100.0);
  const auto& bw = change_of(c, 1, ViolationType::Undervoltage, "B_worse");
  CHECK(bw.base_excess == Approx(0.02));
  CHECK(bw.case_excess == Approx(0.03));
  CHECK(bw.unit() == "pu");
}

TEST_CASE("compare: changes are sorted by what matters most", "[report][compare]") {
  const auto c = report::compare_cases(two_cases());
  // Appears, worsens, clears, improves, unchanged; overloads before voltages within each.
  std::vector<std::pair<Change, ViolationType>> order;
  for (const auto& v : c.changes) order.emplace_back(v.change, v.type);
  CHECK(std::is_sorted(order.begin(), order.end()));
  CHECK(c.changes.front().change == Change::Appears);
  CHECK(c.changes.front().type == ViolationType::Overload);
  CHECK(c.changes.back().change == Change::Unchanged);
}

TEST_CASE("compare: loadings are matched by element name", "[report][compare]") {
  const auto c = report::compare_cases(two_cases());
  const auto& w = loading_row(c, "L_worse");
  CHECK(w.loading_pct == std::vector<double>{120, 125});
  CHECK(w.max_abs_delta_pct == Approx(5));
  CHECK(w.overloaded_somewhere);
  const auto& only = loading_row(c, "L_only");
  CHECK(only.present == std::vector<bool>{false, true});
  CHECK(std::isnan(only.loading_pct[0]));
  CHECK(only.loading_pct[1] == 70.0);
  CHECK_FALSE(only.overloaded_somewhere);
  // Overloaded somewhere first, worst first; then the largest change.
  CHECK(c.loadings[0].element == "L_better");   // 140 %
  CHECK(c.loadings[1].element == "L_same");     // 130.2 %
  CHECK(c.loadings[2].element == "L_worse");    // 125 %
  const auto first_ok = std::find_if(c.loadings.begin(), c.loadings.end(),
                                     [](const auto& r) { return !r.overloaded_somewhere; });
  CHECK(first_ok->element == "L_ok");   // Δ 0; L_only has no base value (Δ unknown): last
  CHECK(c.loadings.back().element == "L_only");
}

TEST_CASE("compare: voltages and headline quantities per case", "[report][compare]") {
  const auto c = report::compare_cases(two_cases());
  CHECK(c.voltages.front().bus == "B_flip");   // 0.94 → 1.07: the largest change
  CHECK(c.voltages.front().max_abs_delta_pu == Approx(0.13));
  const auto& imp = metric(c, "import (+) / export (−)");
  CHECK(imp.unit == "MW");
  CHECK(imp.values == std::vector<double>{40, -25});
  CHECK(metric(c, "losses").values == std::vector<double>{3, 4.5});
  CHECK(metric(c, "overloads").values == std::vector<double>{4, 4});
  CHECK(metric(c, "buses outside band").values == std::vector<double>{3, 3});
  CHECK(c.labels == std::vector<std::string>{"base", "windy"});
  CHECK(c.verdicts[1] == report::verdict_line(two_cases()[1]));
}

TEST_CASE("compare: three cases, each against the first", "[report][compare]") {
  auto cases = two_cases();
  Builder third("base");   // same name as the base: the label is made unique
  third.line("L_worse", 100).line("L_clear", 150).bus("B_worse", 0.96).exchange(10, 2);
  cases.push_back(third.r);
  const auto c = report::compare_cases(cases);
  CHECK(c.labels == std::vector<std::string>{"base", "windy", "base#2"});
  CHECK(change_of(c, 2, ViolationType::Overload, "L_worse").change == Change::Clears);
  CHECK(change_of(c, 2, ViolationType::Overload, "L_clear").change == Change::Worsens);
  CHECK(change_of(c, 2, ViolationType::Undervoltage, "B_worse").change == Change::Clears);
  // Elements of the base missing from the third case: their overloads clear, their rows say absent.
  CHECK(change_of(c, 2, ViolationType::Overload, "L_better").change == Change::Clears);
  CHECK(std::isnan(change_of(c, 2, ViolationType::Overload, "L_better").case_value));
  CHECK_FALSE(loading_row(c, "L_better").present[2]);
  // Case 1's changes come before case 2's.
  CHECK(std::is_sorted(c.changes.begin(), c.changes.end(),
                       [](const auto& x, const auto& y) { return x.case_index < y.case_index; }));
}

TEST_CASE("compare: needs two converged cases", "[report][compare]") {
  auto cases = two_cases();
  CHECK_THROWS_AS(report::compare_cases({cases[0]}), std::invalid_argument);
  cases[1].convergence.converged = false;
  CHECK_THROWS_AS(report::compare_cases(cases), std::invalid_argument);
}

TEST_CASE("compare: text, JSON and CSV", "[report][compare]") {
  const auto c = report::compare_cases(two_cases());
  const auto text = report::case_comparison_text(c);
  CHECK_THAT(text, Catch::Contains("APPEARS (3)"));
  CHECK_THAT(text, Catch::Contains("WORSENS (2)"));
  CHECK_THAT(text, Catch::Contains("CLEARS (3)"));
  CHECK_THAT(text, Catch::Contains("IMPROVES (1)"));
  CHECK_THAT(text, !Catch::Contains("UNCHANGED"));   // only with show_unchanged
  CHECK_THAT(text, Catch::Contains("windy (%)"));
  CHECK_THAT(text, Catch::Contains("Δ (%-pt)"));
  CHECK_THAT(text, Catch::Contains("L_worse"));
  CHECK_THAT(text, Catch::Contains("Verdicts"));
  report::CompareTextOptions opt;
  opt.show_unchanged = true;
  CHECK_THAT(report::case_comparison_text(c, opt), Catch::Contains("UNCHANGED (1)"));

  const auto j = nlohmann::json::parse(report::case_comparison_json(c).dump());
  CHECK(j["base"] == "base");
  CHECK(j["changes"].size() == c.changes.size());
  CHECK(j["changes"][0]["change"] == "appears");

  const fs::path dir = fs::temp_directory_path() / ("lsflow_compare_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  report::write_case_comparison(dir.string(), c);
  for (const char* f : {"summary.csv", "changes.csv", "loadings.csv", "voltages.csv", "comparison.json"})
    CHECK(fs::exists(dir / f));
  const auto loadings = test::read_csv((dir / "loadings.csv").string());
  CHECK(loadings.header[0] == "element");
  bool found = false;
  for (std::size_t i = 0; i < loadings.rows.size(); ++i)
    if (loadings.rows[i][0] == "L_worse") {
      found = true;
      CHECK(loadings.num(i, "loading_pct_base") == 120.0);
      CHECK(loadings.num(i, "loading_pct_windy") == 125.0);
      CHECK(loadings.num(i, "delta_pct_windy") == Approx(5.0));
    }
  CHECK(found);
  const auto changes = test::read_csv((dir / "changes.csv").string());
  CHECK(changes.rows.size() == c.changes.size());
  CHECK(changes.rows[0][changes.col("change")] == "appears");
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------------
// `lsflow compare` end to end.

namespace {

constexpr const char* kNetworkYaml = R"(format: 1
name: cmptest
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

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct CmpScratch {
  fs::path dir;
  std::string heavy, windy, hopeless;
  CmpScratch() {
    static int counter = 0;
    dir = fs::temp_directory_path() / ("lsflow_compare_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
    write("grid.yaml", kNetworkYaml);
    write("limits.yaml", kLimitsYaml);
    write("base.yaml", "name: base\nnetwork: grid.yaml\nbase_year: 2024\nlimits: {file: limits.yaml}\n");
    // 180 % load overloads the 6.1 MVA line B-C; wind at C35 then relieves it.
    heavy = write("heavy.yaml", "name: heavy\nextends: base.yaml\nload: {level_pct: 180}\n");
    windy = write("windy.yaml", "name: windy\nextends: heavy.yaml\ndispatch: {wind_share_pct: 90}\n");
    hopeless = write("hopeless.yaml", "name: hopeless\nextends: base.yaml\nstudy_year: 2029\n"
                                      "load: {level_pct: 500, growth_pct_per_yr: 100}\n");
  }
  ~CmpScratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  [[nodiscard]] std::string path(const std::string& name) const { return (dir / name).string(); }
  struct Result {
    int exit = -1;
    std::string out, err;
  };
  Result run(const std::string& args) const {
    const auto out = path("stdout.txt"), err = path("stderr.txt");
    const std::string cmd = "\"" + test::cli_path() + "\" " + args + " >\"" + out + "\" 2>\"" + err + "\"";
    const int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(out), slurp(err)};
  }
};

}  // namespace

TEST_CASE("lsflow compare: two scenarios, the overload clears with wind", "[report][compare][cli]") {
  CmpScratch s;
  const auto out = s.path("cmp");
  const auto r = s.run("compare \"" + s.heavy + "\" \"" + s.windy + "\" --out \"" + out + "\"");
  INFO(r.out << r.err);
  REQUIRE(r.exit == 0);
  CHECK_THAT(r.out, Catch::Contains("base 'heavy'"));
  CHECK_THAT(r.out, Catch::Contains("CLEARS"));
  CHECK_THAT(r.out, Catch::Contains("B-C"));
  for (const char* f : {"summary.csv", "changes.csv", "loadings.csv", "voltages.csv", "comparison.json"})
    CHECK(fs::exists(fs::path(out) / f));
  const auto j = nlohmann::json::parse(slurp(out + "/comparison.json"));
  bool cleared = false;
  for (const auto& ch : j["changes"])
    cleared |= ch["element"] == "B-C" && ch["type"] == "overload" && ch["change"] == "clears";
  CHECK(cleared);
  // Wind output shows in the summary, and the import falls by about as much.
  for (const auto& m : j["summary"])
    if (m["quantity"] == "wind generation") CHECK(m["values"][1].get<double>() == Approx(5.4));
}

TEST_CASE("lsflow compare: a folder written by run --out stands for its case", "[report][compare][cli]") {
  CmpScratch s;
  const auto dir = s.path("heavy_run");
  REQUIRE(s.run("run \"" + s.heavy + "\" --out \"" + dir + "\"").exit == 0);
  const auto from_dir = s.run("compare \"" + dir + "\" \"" + s.windy + "\" --format json");
  const auto from_yaml = s.run("compare \"" + s.heavy + "\" \"" + s.windy + "\" --format json");
  INFO(from_dir.err);
  REQUIRE(from_dir.exit == 0);
  REQUIRE(from_yaml.exit == 0);
  auto a = nlohmann::json::parse(from_dir.out);
  auto b = nlohmann::json::parse(from_yaml.out);
  CHECK(a["changes"] == b["changes"]);
  CHECK(a["summary"] == b["summary"]);
  CHECK(a["cases"][0]["file"] == dir);
}

TEST_CASE("lsflow compare: a case that does not converge exits 3, nothing written", "[report][compare][cli]") {
  CmpScratch s;
  const auto out = s.path("cmp");
  const auto r = s.run("compare \"" + s.heavy + "\" \"" + s.hopeless + "\" --out \"" + out + "\"");
  INFO(r.out << r.err);
  CHECK(r.exit == 3);
  CHECK_THAT(r.err, Catch::Contains("scenario 'hopeless' did not converge"));
  CHECK(r.out.empty());
  CHECK_FALSE(fs::exists(fs::path(out) / "comparison.json"));
}

TEST_CASE("lsflow compare: bad use exits 2", "[report][compare][cli]") {
  CmpScratch s;
  CHECK(s.run("compare \"" + s.heavy + "\"").exit == 2);
  CHECK(s.run("compare \"" + s.heavy + "\" \"" + s.windy + "\" --top x").exit == 2);
  const auto r = s.run("compare \"" + s.heavy + "\" \"" + s.path("nothere") + "\"");
  CHECK(r.exit == 2);
  CHECK_THAT(r.err, Catch::Contains("nothere"));
}
