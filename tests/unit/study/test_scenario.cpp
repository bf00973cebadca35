// Scenario files: reading and inheritance, growth compounding, commissioning by year, dispatch,
// limits, and the file:line errors. The network is built in code (tiny_network below) so these tests
// do not depend on the network file format; tests/data/scenario/ holds the scenario files.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>
#include <unistd.h>

#include "io/yaml_util.hpp"
#include "study/apply_scenario.hpp"
#include "study/limits.hpp"
#include "study/scenario.hpp"
#include "test_paths.hpp"

namespace fs = std::filesystem;
using namespace lsflow;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

fs::path data_dir() { return test::source_dir() / "tests" / "data" / "scenario"; }
std::string data(const std::string& rel) { return (data_dir() / rel).string(); }

// Four buses in three districts, a grid equivalent, thermal, wind, hydro and solar, and loads of three
// categories. Names match tests/data/scenario/*.yaml.
model::Network tiny_network() {
  model::Network net;
  net.name = "tiny";
  net.source_file = "tiny_grid.yaml";
  auto bus = [&](ExtId id, const char* name, double kv, const char* zone, model::BusType type) {
    model::Bus b;
    b.id = id;
    b.name = name;
    b.base_kv = kv;
    b.zone = zone;
    b.type = type;
    return net.add_bus(b);
  };
  const BusIdx grid = bus(1, "Grid220", 220, "CaoLoc", model::BusType::Ref);
  const BusIdx lb = bus(2, "LB110", 110, "LocBinh", model::BusType::PV);
  const BusIdx hl = bus(3, "HL110", 110, "HuuLung", model::BusType::PV);
  const BusIdx cl = bus(4, "CL22", 22, "CaoLoc", model::BusType::PQ);

  auto branch = [&](const char* name, BusIdx f, BusIdx t, bool in) {
    model::Branch br;
    br.name = name;
    br.from = f;
    br.to = t;
    br.x_pu = 0.1;
    br.in_service = in;
    net.branches.push_back(br);
  };
  branch("T Grid-LB", grid, lb, true);
  branch("L LB-HL", lb, hl, true);
  branch("Old line", lb, hl, true);
  branch("T LB-CL", lb, cl, true);

  auto gen = [&](const char* name, model::GenKind kind, BusIdx b, double installed, double p, bool in) {
    model::Generator g;
    g.name = name;
    g.kind = kind;
    g.bus = b;
    g.installed_mw = installed;
    g.pmax_mw = installed;
    g.p_mw = p;
    g.in_service = in;
    g.qmax_mvar = kind == model::GenKind::Solar ? 0 : 50;   // rooftop solar does not regulate voltage
    g.qmin_mvar = kind == model::GenKind::Solar ? 0 : -50;
    net.generators.push_back(g);
  };
  gen("Grid BacGiang", model::GenKind::Grid, grid, 0, 0, true);
  gen("NaDuong1", model::GenKind::Thermal, lb, 110, 100, true);
  gen("NaDuong2", model::GenKind::Thermal, lb, 110, 100, false);
  gen("WF LocBinh", model::GenKind::Wind, lb, 155, 0, false);
  gen("WF CaoLoc", model::GenKind::Wind, cl, 55, 0, false);
  gen("Hydro BanLai", model::GenKind::Hydro, hl, 20, 15, true);
  gen("Solar roof", model::GenKind::Solar, cl, 4, 1, true);

  auto load = [&](const char* name, BusIdx b, double p, const char* category, bool in) {
    model::Load l;
    l.name = name;
    l.bus = b;
    l.p_mw = p;
    l.q_mvar = p * 0.3;
    l.category = category;
    l.in_service = in;
    net.loads.push_back(l);
  };
  load("Load LocBinh", lb, 10, "residential", true);
  load("Shop LocBinh", lb, 2, "commercial", true);
  load("IP HuuLung", hl, 20, "industrial", true);
  load("HL industrial 2", hl, 6, "industrial", true);
  load("Load HuuLung", hl, 5, "residential", true);
  load("Future IP", hl, 10, "industrial", false);
  load("Cluster CaoLoc", cl, 4, "industrial", true);
  load("Shop CaoLoc", cl, 3, "commercial", true);
  return net;
}

const model::Load& load_named(const model::Network& net, const std::string& name) {
  for (const auto& l : net.loads)
    if (l.name == name) return l;
  FAIL("no load " << name);
  throw;
}
const model::Generator& gen_named(const model::Network& net, const std::string& name) {
  for (const auto& g : net.generators)
    if (g.name == name) return g;
  FAIL("no generator " << name);
  throw;
}
const model::Branch& branch_named(const model::Network& net, const std::string& name) {
  for (const auto& b : net.branches)
    if (b.name == name) return b;
  FAIL("no branch " << name);
  throw;
}

model::Network applied(const std::string& scenario_path, study::ApplySummary* summary = nullptr) {
  const study::Scenario s = study::read_scenario(scenario_path);
  model::Network net = tiny_network();
  auto sum = study::apply_scenario(s, net);
  if (summary) *summary = sum;
  return net;
}

// A folder of scratch scenario files, removed at the end of the test. `write` returns the file's path.
class Scratch {
 public:
  Scratch() {
    dir_ = fs::temp_directory_path() /
           ("lsflow_scn_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // For scratch scenarios that name a network of their own (never read: tests apply to tiny_network()).
    write("tiny_grid.yaml", "# stands for the network; tests apply scenarios to tiny_network()\nbuses: []\n");
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
  // A scenario extending tests/data/scenario/base.yaml (by absolute path) with `body` from line 2 on.
  std::string child(const std::string& name, const std::string& body) const {
    return write(name, "extends: " + data("base.yaml") + "\n" + body);
  }
  [[nodiscard]] const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  static inline int counter_ = 0;
};

// The InputError a call throws; fails the test when it throws nothing.
template <typename F>
InputError input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw;
}

InputError scenario_error(const std::string& path) {
  return input_error([&] { (void)study::read_scenario(path); });
}

InputError apply_error(const std::string& path) {
  return input_error([&] {
    const auto s = study::read_scenario(path);
    model::Network net = tiny_network();
    (void)study::apply_scenario(s, net);
  });
}

// A table of broken scenario bodies: each is written to a scratch file (`stem` + its index), and
// `error_of(path)` must raise an InputError at the case's line, printed as "path:line: ", with the
// message piece in it. `also(path, error)` adds checks of its own.
struct ErrorCase {
  std::string body;
  int line;
  std::string message;
};

template <class ErrorOf, class Also>
void check_errors(Scratch& tmp, const std::string& stem, const std::vector<ErrorCase>& cases, ErrorOf error_of,
                  Also also) {
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    INFO(c.body);
    const auto p = tmp.child(stem + std::to_string(i) + ".yaml", c.body);
    const auto e = error_of(p);
    CHECK(e.loc().file == p);
    CHECK(e.loc().line == c.line);
    CHECK_THAT(e.what(), StartsWith(p + ":" + std::to_string(c.line) + ": "));
    CHECK_THAT(e.message(), Contains(c.message));
    also(p, e);
  }
}

template <class ErrorOf>
void check_errors(Scratch& tmp, const std::string& stem, const std::vector<ErrorCase>& cases, ErrorOf error_of) {
  check_errors(tmp, stem, cases, error_of, [](const std::string&, const InputError&) {});
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// YAML helpers

TEST_CASE("scenario: edit distance counts adjacent transpositions as one edit", "[scenario][yaml]") {
  CHECK(io::edit_distance("growth", "growth") == 0);
  CHECK(io::edit_distance("grwoth", "growth") == 1);
  CHECK(io::edit_distance("kitten", "sitting") == 3);
  CHECK(io::edit_distance("", "abc") == 3);
  CHECK(io::edit_distance("Study_Year", "study_year") == 0);
}

TEST_CASE("scenario: nearest_match finds typos and forgotten unit suffixes, and nothing for unrelated words",
          "[scenario][yaml]") {
  const std::vector<std::string> keys = {"growth_pct_per_yr", "growth_by_zone_pct_per_yr", "level_pct"};
  CHECK(io::nearest_match("grwoth_pct", keys) == "growth_pct_per_yr");
  CHECK(io::nearest_match("growth_pct_per_year", keys) == "growth_pct_per_yr");
  CHECK(io::nearest_match("levle_pct", keys) == "level_pct");
  CHECK_FALSE(io::nearest_match("network", keys).has_value());
  CHECK_FALSE(io::nearest_match("x", keys).has_value());
}

// ---------------------------------------------------------------------------------------------------
// Reading and inheritance

TEST_CASE("scenario: a root scenario reads every section with its lines", "[scenario]") {
  const auto s = study::read_scenario(data("base.yaml"));
  CHECK(s.name == "tiny-base");
  CHECK(s.description == "base of the inheritance tests");
  CHECK(*s.base_year.value == 2024);
  CHECK(*s.study_year.value == 2024);   // defaults to base_year
  CHECK(s.years_of_growth() == 0);
  CHECK(fs::path(*s.network_path.value) == (data_dir() / "tiny_grid.yaml").lexically_normal());
  CHECK(fs::path(*s.limits.file.value) == (data_dir() / "limits.yaml").lexically_normal());
  CHECK(*s.load.growth_pct_per_yr.value == 7.5);
  CHECK(s.load.growth_pct_per_yr.loc.line == 10);
  CHECK(s.load.growth_pct_per_yr.loc.file == data("base.yaml"));
  CHECK(*s.load.growth_by_category_pct_per_yr.at("industrial").value == 14.5);
  REQUIRE(s.groups.at("wind_tranche_1").members.size() == 1);
  CHECK(s.groups.at("wind_tranche_1").members[0].name == "WF LocBinh");
  CHECK(*s.commissioning.at("NaDuong2").in_service_from_year.value == 2027);
  CHECK(s.commissioning.at("NaDuong2").loc.line == 17);
  CHECK(*s.dispatch.hydro_share_pct.value == study::kHydroWetSharePct);
  CHECK(*s.dispatch.hydro_season.value == "wet");
  REQUIRE(s.outages.value->size() == 1);
  CHECK(s.outages.value->at(0).name == "Hydro BanLai");
  CHECK(s.outages.value->at(0).loc.line == 24);
  CHECK(s.chain == std::vector<std::string>{data("base.yaml")});
}

TEST_CASE("scenario: extends: child keys override, maps merge by key, lists are replaced", "[scenario]") {
  const std::string child = data("cases/child.yaml");
  const auto s = study::read_scenario(child);
  CHECK(s.name == "child");              // the file's stem: names are not inherited
  CHECK(s.description.empty());          // nor descriptions
  CHECK(*s.study_year.value == 2030);
  CHECK(*s.base_year.value == 2024);     // inherited
  CHECK(s.base_year.loc.file == data("base.yaml"));
  // The network path was written in base.yaml, so it is relative to base.yaml, not to cases/.
  CHECK(fs::path(*s.network_path.value) == (data_dir() / "tiny_grid.yaml").lexically_normal());
  // Maps merge: the parent's industrial rate stays, the child's residential rate is added.
  CHECK(*s.load.growth_by_category_pct_per_yr.at("industrial").value == 14.5);
  CHECK(*s.load.growth_by_category_pct_per_yr.at("residential").value == 6);
  CHECK(s.load.growth_by_category_pct_per_yr.at("residential").loc.file == child);
  CHECK(s.commissioning.size() == 4);
  CHECK(*s.commissioning.at("wind_tranche_1").in_service_from_year.value == 2030);
  // Scalars override; a plain hydro share replaces the parent's season preset.
  CHECK(*s.dispatch.wind_share_pct.value == 90);
  CHECK(*s.dispatch.hydro_share_pct.value == 40);
  CHECK_FALSE(s.dispatch.hydro_season.is_set());
  CHECK(*s.dispatch.grid_vm_pu.value == 1.02);
  // `outages: []` clears the parent's list.
  REQUIRE(s.outages.is_set());
  CHECK(s.outages.value->empty());
  CHECK(s.chain == std::vector<std::string>{child, (data_dir() / "base.yaml").lexically_normal().string()});
}

TEST_CASE("scenario: extends: three levels, the most derived file wins", "[scenario]") {
  const auto s = study::read_scenario(data("cases/grandchild.yaml"));
  CHECK(s.name == "tiny-grandchild");
  CHECK(s.chain.size() == 3);
  CHECK(*s.study_year.value == 2030);
  CHECK(*s.load.level_pct.value == 40);
  CHECK(*s.dispatch.p_mw_by_name.at("NaDuong1").value == 60);
  REQUIRE(s.outages.value->size() == 1);
  CHECK(s.outages.value->at(0).name == "L LB-HL");
}

// ---------------------------------------------------------------------------------------------------
// Growth

TEST_CASE("scenario: growth compounds (1 + r)^(study_year - base_year) with the most specific rate",
          "[scenario][growth]") {
  const model::Network base = tiny_network();
  const model::Network net = applied(data("cases/grandchild.yaml"));
  const double level = 0.40;
  auto expect = [&](const std::string& name, double rate_pct, int years) {
    INFO(name);
    const double f = level * std::pow(1.0 + rate_pct / 100.0, years);
    CHECK(load_named(net, name).p_mw == Approx(load_named(base, name).p_mw * f).epsilon(1e-12));
    CHECK(load_named(net, name).q_mvar == Approx(load_named(base, name).q_mvar * f).epsilon(1e-12));
  };
  expect("IP HuuLung", 25, 6);          // load name
  expect("HL industrial 2", 20, 6);     // zone + category (HuuLung industrial)
  expect("Cluster CaoLoc", 14.5, 6);    // category industrial
  expect("Load LocBinh", 6, 6);         // category residential beats zone LocBinh
  expect("Shop LocBinh", 5, 6);         // zone LocBinh
  expect("Shop CaoLoc", 7.5, 6);        // general
  expect("Future IP", 20, 2);           // commissioned 2028: grows 2028 → 2030 only
  // A hand check of one number: 20 MW × 0.4 × 1.25^6 = 30.517578125 MW.
  CHECK(load_named(net, "IP HuuLung").p_mw == Approx(30.517578125));
}

TEST_CASE("scenario: growth_rate_for names the rule that won", "[scenario][growth]") {
  const auto s = study::read_scenario(data("cases/grandchild.yaml"));
  const model::Network net = tiny_network();
  CHECK(study::growth_rate_for(s, net, load_named(net, "IP HuuLung")).rule == "load name");
  CHECK(study::growth_rate_for(s, net, load_named(net, "HL industrial 2")).rule == "zone+category");
  CHECK(study::growth_rate_for(s, net, load_named(net, "Cluster CaoLoc")).rule == "category");
  CHECK(study::growth_rate_for(s, net, load_named(net, "Shop LocBinh")).rule == "zone");
  const auto general = study::growth_rate_for(s, net, load_named(net, "Shop CaoLoc"));
  CHECK(general.rule == "general");
  CHECK(general.pct_per_yr == 7.5);
  CHECK(general.loc.line == 10);
}

TEST_CASE("scenario: a bus name rate applies to every load at that bus unless a load name is more specific",
          "[scenario][growth]") {
  Scratch tmp;
  const auto path = tmp.child("bus.yaml",
                              "study_year: 2026\n"
                              "load:\n"
                              "  growth_by_name_pct_per_yr: {HL110: 10, IP HuuLung: 30}\n");
  const model::Network base = tiny_network();
  const model::Network net = applied(path);
  CHECK(load_named(net, "Load HuuLung").p_mw == Approx(5 * 1.1 * 1.1));
  CHECK(load_named(net, "HL industrial 2").p_mw == Approx(6 * 1.1 * 1.1));
  CHECK(load_named(net, "IP HuuLung").p_mw == Approx(20 * 1.3 * 1.3));
  CHECK(load_named(net, "Cluster CaoLoc").p_mw == Approx(4 * 1.145 * 1.145));
}

TEST_CASE("scenario: no growth in the base year, level_by_category_pct beats level_pct", "[scenario][growth]") {
  Scratch tmp;
  const auto path = tmp.child("light.yaml",
                              "load:\n"
                              "  level_pct: 40\n"
                              "  level_by_category_pct: {industrial: 70}\n");
  const model::Network net = applied(path);
  CHECK(load_named(net, "Load LocBinh").p_mw == Approx(4.0));
  CHECK(load_named(net, "IP HuuLung").p_mw == Approx(14.0));
  CHECK(load_named(net, "IP HuuLung").q_mvar == Approx(14.0 * 0.3));
}

// ---------------------------------------------------------------------------------------------------
// Commissioning and outages

TEST_CASE("scenario: commissioning by year: one list, the study year picks the set", "[scenario][commissioning]") {
  auto state = [](const model::Network& net) {
    return std::vector<bool>{gen_named(net, "NaDuong2").in_service, load_named(net, "Future IP").in_service,
                             branch_named(net, "Old line").in_service};
  };
  Scratch tmp;
  // Base year 2024: nothing commissioned yet, the old line still there.
  CHECK(state(applied(data("base.yaml"))) == std::vector<bool>{false, false, true});
  // Years are inclusive: in service from 1 January of in_service_from_year.
  CHECK(state(applied(tmp.child("y2026.yaml", "study_year: 2026\n"))) == std::vector<bool>{false, false, true});
  CHECK(state(applied(tmp.child("y2027.yaml", "study_year: 2027\n"))) == std::vector<bool>{true, false, true});
  CHECK(state(applied(tmp.child("y2028.yaml", "study_year: 2028\n"))) == std::vector<bool>{true, true, true});
  CHECK(state(applied(tmp.child("y2029.yaml", "study_year: 2029\n"))) == std::vector<bool>{true, true, false});
}

TEST_CASE("scenario: commissioning: in and out years together, groups, element entries beat group entries",
          "[scenario][commissioning]") {
  Scratch tmp;
  const auto path = tmp.child("c.yaml",
                              "study_year: 2030\n"
                              "groups:\n"
                              "  all_wind: [WF LocBinh, WF CaoLoc]\n"
                              "commissioning:\n"
                              "  all_wind: {in_service_from_year: 2029}\n"
                              "  WF CaoLoc: {in_service_from_year: 2031}\n"
                              "  Solar roof: {in_service_from_year: 2020, out_of_service_from_year: 2030}\n");
  study::ApplySummary sum;
  const model::Network net = applied(path, &sum);
  CHECK(gen_named(net, "WF LocBinh").in_service);
  CHECK_FALSE(gen_named(net, "WF CaoLoc").in_service);
  CHECK_FALSE(gen_named(net, "Solar roof").in_service);
  CHECK(std::find(sum.switched_in.begin(), sum.switched_in.end(), "WF LocBinh") != sum.switched_in.end());
  CHECK(std::find(sum.switched_out.begin(), sum.switched_out.end(), "Old line") != sum.switched_out.end());
}

TEST_CASE("scenario: Commissioning::in_service_in follows the year rules", "[scenario][commissioning]") {
  study::Commissioning c;
  c.out_of_service_from_year.value = 2030;
  CHECK_FALSE(c.in_service_in(2029).has_value());   // leaves the network's state alone
  CHECK(c.in_service_in(2030) == false);
  c.in_service_from_year.value = 2025;
  CHECK(c.in_service_in(2024) == false);
  CHECK(c.in_service_in(2025) == true);
  CHECK(c.in_service_in(2031) == false);
}

TEST_CASE("scenario: outages take named elements and groups out after commissioning", "[scenario][commissioning]") {
  Scratch tmp;
  const auto path = tmp.child("o.yaml",
                              "study_year: 2030\n"
                              "outages: [NaDuong2, wind_tranche_2, T LB-CL, Shop CaoLoc]\n");
  study::ApplySummary sum;
  const model::Network net = applied(path, &sum);
  CHECK_FALSE(gen_named(net, "NaDuong2").in_service);          // commissioned 2027, then out
  CHECK_FALSE(gen_named(net, "WF CaoLoc").in_service);
  CHECK_FALSE(branch_named(net, "T LB-CL").in_service);
  CHECK_FALSE(load_named(net, "Shop CaoLoc").in_service);
  CHECK(gen_named(net, "Hydro BanLai").in_service);            // the base's outage list was replaced
  REQUIRE(sum.warnings.size() == 1);                            // WF CaoLoc was never in service
  CHECK_THAT(sum.warnings[0], Contains("already out of service"));
}

// ---------------------------------------------------------------------------------------------------
// The N-1 list (`contingencies:`); lsflow n1's use of it is tested in test_contingency.cpp

TEST_CASE("scenario: contingencies: the list is read with its lines, inherited through extends and replaced "
          "whole by a child's",
          "[scenario][contingencies]") {
  CHECK_FALSE(study::read_scenario(data("base.yaml")).contingencies.is_set());

  const auto s = study::read_scenario(data("n1_list.yaml"));
  REQUIRE(s.contingencies.is_set());
  CHECK(s.contingencies.loc.line == 7);
  const auto& names = s.contingencies.value->names;
  REQUIRE(names.size() == 3);
  CHECK(names[0].name == "L_AB_c2");
  CHECK(names[0].loc.file == data("n1_list.yaml"));
  CHECK(names[0].loc.line == 8);
  CHECK(names[1].name == "L_AC");
  CHECK(names[2].name == "Coal1");
  CHECK(names[2].loc.line == 10);
  CHECK(s.contingencies.value->by_name());
  CHECK_FALSE(s.contingencies.value->kinds.any());

  // A child without the key inherits the list, lines and all.
  const auto child = study::read_scenario(data("n1_child.yaml"));
  REQUIRE(child.contingencies.is_set());
  REQUIRE(child.contingencies.value->names.size() == 3);
  CHECK(child.contingencies.value->names[1].name == "L_AC");
  CHECK(child.contingencies.value->names[1].loc.file == data("n1_list.yaml"));
  CHECK(child.contingencies.value->names[1].loc.line == 9);
  CHECK(*child.study_year.value == 2030);

  // A child's list replaces the parent's whole (no merging), in either form.
  Scratch tmp;
  const auto own = tmp.write("own.yaml", "extends: " + data("n1_list.yaml") + "\ncontingencies: [Coal1, L_AB_c1]\n");
  const auto o = study::read_scenario(own);
  REQUIRE(o.contingencies.value->names.size() == 2);
  CHECK(o.contingencies.value->names[0].name == "Coal1");
  CHECK(o.contingencies.value->names[1].name == "L_AB_c1");
  CHECK(o.contingencies.value->names[1].loc.file == own);
  CHECK(o.contingencies.value->names[1].loc.line == 2);

  const auto kinds = tmp.write("kinds.yaml", "extends: " + data("n1_list.yaml") +
                                                 "\ncontingencies:\n  elements: [lines, gens]\n");
  const auto k = study::read_scenario(kinds);
  REQUIRE(k.contingencies.is_set());
  CHECK_FALSE(k.contingencies.value->by_name());
  CHECK(k.contingencies.value->names.empty());
  CHECK(k.contingencies.value->kinds.branches);
  CHECK_FALSE(k.contingencies.value->kinds.trafos3w);
  CHECK(k.contingencies.value->kinds.generators);
  CHECK(k.contingencies.loc.line == 2);

  // {elements: [all]} is how a child goes back to every element; a grandchild's list replaces that again.
  const auto all = tmp.write("all.yaml", "extends: own.yaml\ncontingencies: {elements: [all]}\n");
  const auto a = study::read_scenario(all);
  CHECK(a.contingencies.value->names.empty());
  CHECK((a.contingencies.value->kinds.branches && a.contingencies.value->kinds.trafos3w &&
         a.contingencies.value->kinds.generators));
  const auto again = tmp.write("again.yaml", "extends: all.yaml\ncontingencies: [L_AC]\n");
  const auto g = study::read_scenario(again);
  REQUIRE(g.contingencies.value->names.size() == 1);
  CHECK_FALSE(g.contingencies.value->kinds.any());
}

TEST_CASE("scenario: contingencies: an empty list, a duplicate or a bad kind is an error at its line",
          "[scenario][contingencies][errors]") {
  Scratch tmp;
  const std::vector<ErrorCase> cases = {
      {"contingencies: []\n", 2, "contingencies: an empty list selects no contingency"},
      {"contingencies:\n", 2, "contingencies: expected a list"},
      {"contingencies: NaDuong1\n", 2, "contingencies: expected a list"},
      {"contingencies:\n  - NaDuong1\n  - T LB-CL\n  - NaDuong1\n", 5,
       "\"NaDuong1\" is listed twice (first at line 3)"},
      {"contingencies:\n  elements: []\n", 3, "contingencies.elements: an empty list selects no contingency"},
      {"contingencies:\n  elements: [branches, trafo3w]\n", 3,
       "unknown element kind 'trafo3w'; valid: branches, lines, transformers3w, trafos3w, generators, gens, all — "
       "did you mean 'trafos3w'?"},
      {"contingencies:\n  elemnts: [all]\n", 3, "did you mean 'elements'?"},
      {"contingencies: {}\n", 2, "missing key 'elements'"},
      {"contingencis: [NaDuong1]\n", 2, "did you mean 'contingencies'?"},
  };
  check_errors(tmp, "n1bad", cases, scenario_error);
}

TEST_CASE("scenario: contingencies: names are checked against the network at the line that names them",
          "[scenario][contingencies][errors]") {
  Scratch tmp;
  const std::vector<ErrorCase> cases = {
      {"contingencies:\n  - NaDuong1\n  - NaDuong3\n", 4,
       "contingencies: no element named \"NaDuong3\" in the network (tiny_grid.yaml) — did you mean 'NaDuong1'?"},
      {"contingencies: [T LB-CL, L LB-HK]\n", 2, "no element named \"L LB-HK\" in the network (tiny_grid.yaml) — did "
                                                 "you mean 'L LB-HL'?"},
      {"contingencies: [Load LocBinh]\n", 2,
       "contingencies: \"Load LocBinh\" is a load; contingencies takes lines, transformers and generators"},
      {"contingencies: [LB110]\n", 2, "\"LB110\" is a bus; contingencies takes lines"},
      // An element reached twice, directly and through a group: an error, not a silent de-duplication.
      {"contingencies:\n  - WF LocBinh\n  - Old line\n  - wind_tranche_1\n", 5,
       "contingencies: generator \"WF LocBinh\" is already in the list (line 3); each element is analysed once"},
      {"groups:\n  east: [T LB-CL, NaDuong1]\ncontingencies:\n  - east\n  - NaDuong1\n", 6,
       "generator \"NaDuong1\" is already in the list (as part of \"east\", line 5)"},
      // A group member the network lacks: at the member's line in groups.
      {"groups:\n  east: [T LB-CL, NaDong1]\ncontingencies: [east]\n", 3,
       "groups.east: no element named \"NaDong1\""},
  };
  // apply_error: build_network / lsflow run check the list as well as lsflow n1.
  check_errors(tmp, "n1name", cases, apply_error, [](const std::string& p, const InputError& e) {
    const auto s = study::read_scenario(p);
    const auto e2 = input_error([&] { (void)study::contingency_names(s, tiny_network()); });
    CHECK(std::string(e2.what()) == e.what());
  });

  // A name in a parent's list is reported at the parent's line.
  const auto parent = tmp.write("n1parent.yaml", "network: tiny_grid.yaml\nbase_year: 2024\n"
                                                 "contingencies:\n  - NaDuong1\n  - Hydro BanLay\n");
  const auto kid = tmp.write("n1kid.yaml", "extends: n1parent.yaml\nstudy_year: 2030\n");
  const auto e = apply_error(kid);
  CHECK(e.loc().file == parent);
  CHECK(e.loc().line == 5);
  CHECK_THAT(e.message(), Contains("did you mean 'Hydro BanLai'?"));
}

TEST_CASE("scenario: contingency_names expands groups and multi-circuit lines, one element per contingency",
          "[scenario][contingencies]") {
  Scratch tmp;
  const auto p = tmp.child("n1groups.yaml", "contingencies:\n  - T LB-CL\n  - wind_tranche_2\n  - NaDuong1\n");
  const auto s = study::read_scenario(p);
  const auto names = study::contingency_names(s, tiny_network());
  REQUIRE(names.size() == 3);
  CHECK(names[0].name == "T LB-CL");
  CHECK(names[1].name == "WF CaoLoc");   // the group's member, at the line that names the group
  CHECK(names[1].loc.line == 4);
  CHECK(names[2].name == "NaDuong1");
  CHECK(names[2].loc.line == 5);

  // A multi-circuit line's name stands for each circuit, one contingency each (e2e_grid.yaml's L_AB).
  const auto c = tmp.write("n1circuits.yaml", "extends: " + data("n1_list.yaml") + "\ncontingencies:\n  - L_AB\n"
                                                                                     "  - Coal1\n");
  const auto sc = study::read_scenario(c);
  const model::Network net = study::build_network(sc);
  const auto circuits = study::contingency_names(sc, net);
  REQUIRE(circuits.size() == 3);
  CHECK(circuits[0].name == "L_AB_c1");
  CHECK(circuits[1].name == "L_AB_c2");
  CHECK(circuits[0].loc.line == 3);
  CHECK(circuits[1].loc.line == 3);
  CHECK(circuits[2].name == "Coal1");
  const auto dup = tmp.write("n1circuits2.yaml", "extends: " + data("n1_list.yaml") +
                                                     "\ncontingencies: [L_AB_c2, L_AB]\n");
  const auto e = input_error([&] { (void)study::build_network(study::read_scenario(dup)); });
  CHECK(e.loc().line == 2);
  CHECK_THAT(e.message(), Contains("line \"L_AB_c2\" is already in the list (line 2)"));

  // No key, or the mapping form: no names (lsflow n1 takes every element of the kinds).
  CHECK(study::contingency_names(study::read_scenario(data("base.yaml")), tiny_network()).empty());
  const auto k = tmp.child("n1kinds.yaml", "contingencies: {elements: [generators]}\n");
  CHECK(study::contingency_names(study::read_scenario(k), tiny_network()).empty());
}

// ---------------------------------------------------------------------------------------------------
// Dispatch

TEST_CASE("scenario: dispatch: shares of installed MW by kind, zone and name, set-points, grid voltage",
          "[scenario][dispatch]") {
  const model::Network net = applied(data("cases/grandchild.yaml"));
  CHECK(gen_named(net, "NaDuong1").p_mw == 60);                    // p_mw_by_name
  CHECK(gen_named(net, "NaDuong2").p_mw == 100);                   // no thermal share: the file's P
  CHECK(gen_named(net, "WF LocBinh").p_mw == Approx(0.9 * 155));   // wind_share_pct
  CHECK(gen_named(net, "WF CaoLoc").p_mw == Approx(0.5 * 55));     // wind_share_by_zone_pct CaoLoc
  CHECK(gen_named(net, "Hydro BanLai").p_mw == Approx(0.4 * 20));  // hydro_share_pct
  CHECK(gen_named(net, "Solar roof").p_mw == 1);                   // no solar share given
  CHECK(gen_named(net, "Grid BacGiang").vg_pu == 1.02);
  CHECK(net.buses[0].vm_pu == 1.02);
}

TEST_CASE("scenario: dispatch: hydro seasons, per-name shares beat zone shares, groups in by-name maps",
          "[scenario][dispatch]") {
  Scratch tmp;
  const auto path = tmp.child("d.yaml",
                              "dispatch:\n"
                              "  hydro_season: dry\n"
                              "  solar_share_pct: 0\n"
                              "  thermal_share_pct: 50\n"
                              "  wind_share_by_zone_pct: {CaoLoc: 10}\n"
                              "  share_by_name_pct: {wind_tranche_2: 80, NaDuong2: 100}\n"
                              "  vg_pu_by_name: {NaDuong1: 1.04}\n");
  const model::Network net = applied(path);
  CHECK(gen_named(net, "Hydro BanLai").p_mw == Approx(study::kHydroDrySharePct / 100 * 20));
  CHECK(gen_named(net, "Solar roof").p_mw == 0);
  CHECK(gen_named(net, "NaDuong1").p_mw == Approx(55));
  CHECK(gen_named(net, "NaDuong2").p_mw == Approx(110));
  CHECK(gen_named(net, "WF CaoLoc").p_mw == Approx(0.8 * 55));
  CHECK(gen_named(net, "WF LocBinh").p_mw == Approx(0.3 * 155));
  CHECK(gen_named(net, "NaDuong1").vg_pu == 1.04);
}

TEST_CASE("scenario: bus types follow the generators a scenario switches", "[scenario][dispatch]") {
  Scratch tmp;
  const auto path = tmp.child("t.yaml",
                              "study_year: 2030\n"
                              "commissioning:\n"
                              "  WF CaoLoc: {in_service_from_year: 2030}\n"
                              "outages: [NaDuong1]\n");
  const model::Network net = applied(path);
  CHECK(net.buses[3].type == model::BusType::PV);   // CL22: a voltage-regulating wind farm entered
  CHECK(net.buses[1].type == model::BusType::PV);   // LB110: NaDuong2 (2027) still regulates
  CHECK(net.buses[0].type == model::BusType::Ref);
  const auto path2 = tmp.child("t2.yaml", "outages: [NaDuong1, Hydro BanLai]\n");
  const model::Network net2 = applied(path2);
  CHECK(net2.buses[1].type == model::BusType::PQ);  // LB110 lost its only in-service generator
  CHECK(net2.buses[2].type == model::BusType::PQ);  // HL110 too
  CHECK(net2.buses[3].type == model::BusType::PQ);  // CL22 untouched (its solar does not regulate)
}

// ---------------------------------------------------------------------------------------------------
// Limits

TEST_CASE("scenario: limits: bands in kV become per unit of the bus's base kV, bands in % of it",
          "[scenario][limits]") {
  const auto l = study::read_limits(data("limits.yaml"));
  CHECK(l.name == "test limits");
  const auto n110 = l.band(110, study::Operation::Normal);
  CHECK(n110.vmin_pu == Approx(104.0 / 110));
  CHECK(n110.vmax_pu == Approx(1.1));
  CHECK(l.band(110, study::Operation::N1).vmin_pu == Approx(0.9));
  CHECK(l.band(115, study::Operation::Normal).vmin_pu == Approx(104.0 / 115));
  CHECK(l.band(22, study::Operation::Normal).vmin_pu == Approx(0.95));
  CHECK(l.band(35, study::Operation::N1).vmin_pu == Approx(0.90));
  CHECK(l.band(35, study::Operation::N1).vmax_pu == Approx(1.05));
  CHECK_FALSE(l.find_band(220, study::Operation::Normal).has_value());
  CHECK_THROWS_AS(l.band(220, study::Operation::Normal), InputError);
  CHECK(l.loading_limit_pct(study::Operation::Normal) == 100);
  CHECK(l.loading_limit_pct(study::Operation::N1) == 120);
}

TEST_CASE("scenario: limits: the shipped grid-code file gives the Vietnamese bands", "[scenario][limits]") {
  const auto l = study::read_limits((test::source_dir() / "networks/langson/limits/vn_grid_code.yaml").string());
  using study::Operation;
  CHECK(l.band(500, Operation::Normal).vmin_pu == Approx(0.95));
  CHECK(l.band(500, Operation::N1).vmax_pu == Approx(1.10));
  CHECK(l.band(220, Operation::Normal).vmin_pu == Approx(209.0 / 220));
  CHECK(l.band(220, Operation::Normal).vmax_pu == Approx(1.10));
  CHECK(l.band(220, Operation::N1).vmin_pu == Approx(0.90));
  CHECK(l.band(110, Operation::Normal).vmin_pu == Approx(104.0 / 110));
  CHECK(l.band(110, Operation::N1).vmin_pu == Approx(0.90));
  CHECK(l.band(35, Operation::Normal).vmax_pu == Approx(1.05));
  CHECK(l.band(22, Operation::N1).vmin_pu == Approx(0.90));
  CHECK(l.band(0.4, Operation::Normal).vmin_pu == Approx(0.95));
  CHECK(l.loading_max_pct == 100);
  CHECK(l.loading_max_n1_pct == 100);
}

TEST_CASE("scenario: limits: a scenario's loading overrides apply on top of its file", "[scenario][limits]") {
  Scratch tmp;
  const auto path = tmp.child("l.yaml", "limits:\n  loading_max_n1_pct: 130\n");
  const auto l = study::scenario_limits(study::read_scenario(path));
  CHECK(l.loading_max_pct == 100);
  CHECK(l.loading_max_n1_pct == 130);
  CHECK(l.source_file == (data_dir() / "limits.yaml").lexically_normal().string());
}

TEST_CASE("scenario: limits: errors point at the line", "[scenario][limits][errors]") {
  Scratch tmp;
  const std::string head = "voltage_levels:\n  - name: a\n    base_kv_min: 66\n    base_kv_max: 150\n";
  auto err = [&](const std::string& text) {
    const auto p = tmp.write("lim.yaml", text);
    return input_error([&] { (void)study::read_limits(p); });
  };
  auto e = err(head + "    normal_min_kv: 104\n    normal_max_kv: 121\n    n1_min_kv: 105\n    n1_max_kv: 121\n");
  CHECK(e.loc().line == 2);
  CHECK_THAT(e.message(), Contains("must contain the normal band"));
  e = err(head + "    normal_min_kv: 104\n    normal_max_kv: 121\n    n1_min_pct: -10\n    n1_max_pct: 5\n");
  CHECK_THAT(e.message(), Contains("in kV or in %, not both"));
  e = err(head + "    normal_min_kv: 121\n    normal_max_kv: 104\n    n1_min_kv: 99\n    n1_max_kv: 121\n");
  CHECK(e.loc().line == 6);
  e = err(head + "    normal_min_kv: 104\n    normal_max_kv: 121\n    n1_min_kv: 99\n    n1_max_kv: 121\n" +
          "  - name: b\n    base_kv_min: 100\n    base_kv_max: 300\n"
          "    normal_min_pct: -5\n    normal_max_pct: 5\n    n1_min_pct: -10\n    n1_max_pct: 10\n");
  CHECK(e.loc().line == 9);
  CHECK_THAT(e.message(), Contains("overlaps level \"a\""));
  e = err(head + "    normal_min_kv: 104\n    normal_max_kv: 121\n    n1_min_kv: 99\n    n1_maks_kv: 121\n");
  CHECK(e.loc().line == 8);
  CHECK_THAT(e.message(), Contains("did you mean 'n1_max_kv'?"));
}

// ---------------------------------------------------------------------------------------------------
// Errors: file:line: what is wrong

TEST_CASE("scenario: an unknown key names the nearest valid one at its line", "[scenario][errors]") {
  Scratch tmp;
  const auto p = tmp.child("typo.yaml", "study_year: 2030\nload:\n  grwoth_pct: 7\n");
  const auto e = scenario_error(p);
  CHECK(std::string(e.what()) == p + ":4: unknown key 'grwoth_pct' in load — did you mean 'growth_pct_per_yr'?");
  const auto p2 = tmp.child("typo2.yaml", "stdy_year: 2030\n");
  CHECK(std::string(scenario_error(p2).what()) == p2 + ":2: unknown key 'stdy_year' — did you mean 'study_year'?");
  const auto p3 = tmp.child("typo3.yaml", "zzz: 1\n");
  CHECK_THAT(scenario_error(p3).what(), Contains("unknown key 'zzz'; valid keys: assumptions, base_year, commissioning"));
}

TEST_CASE("scenario: bad values are reported at their line with the key path", "[scenario][errors]") {
  Scratch tmp;
  const std::vector<ErrorCase> cases = {
      {"load:\n  growth_pct_per_yr: abc\n", 3, "load.growth_pct_per_yr: expected a number, got \"abc\""},
      {"load:\n  growth_pct_per_yr: 7.5%\n", 3, "the unit is in the key's name"},
      {"dispatch:\n  wind_share_pct: 150\n", 3, "dispatch.wind_share_pct: 150 is out of range [0, 100]"},
      {"study_year: 2030.5\n", 2, "study_year: expected a whole number"},
      {"study_year: 2020\n", 2, "study_year 2020 is before base_year 2024"},
      {"dispatch:\n  grid_vm_pu: 11\n", 3, "out of range"},
      {"outages: NaDuong1\n", 2, "outages: expected a list"},
      {"load: 5\n", 2, "load: expected a mapping"},
      {"commissioning:\n  NaDuong2: {in_service_from_year: 2030, out_of_service_from_year: 2030}\n", 3,
       "must be after in_service_from_year"},
      {"commissioning:\n  NaDuong2: {}\n", 3, "give in_service_from_year, out_of_service_from_year or both"},
      {"commissioning:\n  NaDuong2: {in_service_from: 2030}\n", 3, "did you mean 'in_service_from_year'?"},
      {"dispatch:\n  hydro_season: dyr\n", 3, "unknown season \"dyr\""},
      {"dispatch:\n  hydro_season: dry\n  hydro_share_pct: 50\n", 3, "not both"},
      {"outages: [NaDuong1, NaDuong1]\n", 2, "\"NaDuong1\" is listed twice"},
      {"load:\n  level_pct: 1\n  level_pct: 2\n", 4, "duplicate key 'level_pct' in load (first at line 3)"},
      {"groups:\n  g: []\n", 3, "at least one member"},
  };
  check_errors(tmp, "bad", cases, scenario_error);
}

TEST_CASE("scenario: names missing from the network are errors at the line that names them", "[scenario][errors]") {
  Scratch tmp;
  const std::vector<ErrorCase> cases = {
      {"commissioning:\n  NaDuong3: {in_service_from_year: 2027}\n", 3,
       "commissioning: no element named \"NaDuong3\" in the network (tiny_grid.yaml) — did you mean 'NaDuong1'?"},
      {"groups:\n  w:\n    - WF LocBinh\n    - WF ChiLang\ncommissioning:\n  w: {in_service_from_year: 2024}\n", 5,
       "groups.w: no element named \"WF ChiLang\""},
      {"outages:\n  - T LB-CL\n  - L LB-XX\n", 4, "outages: no element named \"L LB-XX\""},
      {"outages: [LB110]\n", 2, "outages: \"LB110\" is a bus; outages takes lines, transformers"},
      {"load:\n  growth_by_zone_pct_per_yr: {LocBnh: 5}\n", 3,
       "no bus has zone \"LocBnh\" — did you mean 'LocBinh'?"},
      {"load:\n  growth_by_category_pct_per_yr:\n    industral: 5\n", 4,
       "no load has category \"industral\" — did you mean 'industrial'?"},
      {"load:\n  growth_by_name_pct_per_yr: {NaDuong1: 5}\n", 3,
       "\"NaDuong1\" is a generator; load.growth_by_name_pct_per_yr takes loads and buses"},
      {"load:\n  growth_by_zone_category_pct_per_yr:\n    HuuLung:\n      comercial: 5\n", 5,
       "growth_by_zone_category_pct_per_yr.HuuLung: no load has category \"comercial\""},
      {"dispatch:\n  p_mw_by_name: {NaDuong1: 120}\n", 3, "120 MW for \"NaDuong1\" exceeds its installed_mw of 110 MW"},
      {"dispatch:\n  p_mw_by_name: {Load LocBinh: 5}\n", 3,
       "\"Load LocBinh\" is a load; dispatch.p_mw_by_name takes generators"},
      {"dispatch:\n  share_by_name_pct: {Grid BacGiang: 5}\n", 3, "is the grid equivalent"},
      {"dispatch:\n  share_by_name_pct: {NaDuong1: 50}\n  p_mw_by_name: {NaDuong1: 50}\n", 4, "give one of them"},
      {"dispatch:\n  wind_share_by_zone_pct: {DinhLap: 50}\n", 3, "no bus has zone \"DinhLap\""},
      {"groups:\n  NaDuong1: [NaDuong2]\n", 3, "\"NaDuong1\" is already the name of a generator"},
      {"groups:\n  a: [WF CaoLoc]\n  b: [WF CaoLoc]\ncommissioning:\n  a: {in_service_from_year: 2025}\n"
       "  b: {in_service_from_year: 2026}\n",
       7, "\"WF CaoLoc\" is in groups \"a\""},
  };
  check_errors(tmp, "name", cases, apply_error);
}

TEST_CASE("scenario: a name error in a parent file points at the parent's line", "[scenario][errors]") {
  Scratch tmp;
  const auto parent = tmp.write("parent.yaml",
                                "network: tiny_grid.yaml\nbase_year: 2024\noutages: [Hydro BanLay]\n");
  const auto child = tmp.write("kid.yaml", "extends: parent.yaml\nstudy_year: 2030\n");
  const auto e = apply_error(child);
  CHECK(e.loc().file == parent);
  CHECK(e.loc().line == 3);
  CHECK_THAT(e.message(), Contains("did you mean 'Hydro BanLai'?"));
}

TEST_CASE("scenario: a failed apply leaves the network unchanged", "[scenario][errors]") {
  Scratch tmp;
  const auto p =
      tmp.child("late.yaml", "study_year: 2030\ndispatch:\n  grid_vm_pu: 1.05\n  vg_pu_by_name: {Nobody: 1}\n");
  const auto s = study::read_scenario(p);
  model::Network net = tiny_network();
  CHECK_THROWS_AS(study::apply_scenario(s, net), InputError);
  CHECK(net.generators[0].vg_pu == 1.0);
  CHECK(net.loads[0].p_mw == 10);
  CHECK_FALSE(gen_named(net, "NaDuong2").in_service);
}

TEST_CASE("scenario: extends loops are errors naming the chain", "[scenario][errors]") {
  const auto e = scenario_error(data("loop_a.yaml"));
  CHECK(e.loc().file == data("loop_c.yaml"));
  CHECK(e.loc().line == 2);
  CHECK_THAT(e.message(), Contains("extends loop: "));
  CHECK_THAT(e.message(), Contains("loop_a.yaml → "));
  CHECK_THAT(e.message(), Contains("loop_b.yaml → "));
  CHECK_THAT(e.message(), Contains("loop_c.yaml → "));
  Scratch tmp;
  const auto self = tmp.write("self.yaml", "# me\nextends: self.yaml\n");
  const auto e2 = scenario_error(self);
  CHECK(e2.loc().line == 2);
  CHECK_THAT(e2.message(), Contains("extends loop"));
}

TEST_CASE("scenario: missing, unreadable, empty and unparsable files are errors", "[scenario][errors]") {
  Scratch tmp;
  const std::string missing = (tmp.dir() / "nope.yaml").string();
  CHECK(std::string(scenario_error(missing).what()) == missing + ": file not found");
  CHECK_THAT(scenario_error(tmp.dir().string()).what(), Contains("is a directory"));
  const auto empty = tmp.write("empty.yaml", "");
  CHECK(std::string(scenario_error(empty).what()) == empty + ": file is empty");
  const auto comments = tmp.write("comments.yaml", "# only a comment\n\n");
  CHECK(std::string(scenario_error(comments).what()) == comments + ": file is empty");
  const auto syntax = tmp.write("syntax.yaml", "network: a.yaml\nload: [1,\nbase_year: 2024\n");
  const auto e = scenario_error(syntax);
  CHECK(e.loc().line >= 2);
  CHECK_THAT(e.message(), Contains("YAML syntax error"));
  const auto scalar = tmp.write("scalar.yaml", "just text\n");
  CHECK_THAT(scenario_error(scalar).what(), Contains("mapping of 'key: value' lines"));
  const auto ext = tmp.write("ext.yaml", "# parent is gone\nextends: gone.yaml\n");
  const auto e2 = scenario_error(ext);
  CHECK(e2.loc().file == ext);
  CHECK(e2.loc().line == 2);
  CHECK_THAT(e2.message(), Contains("gone.yaml\" not found"));
  const auto no_net = tmp.write("nonet.yaml", "base_year: 2024\n");
  CHECK_THAT(scenario_error(no_net).what(), Contains("missing key 'network'"));
  const auto no_year = tmp.write("noyear.yaml", "network: tiny_grid.yaml\n");
  CHECK_THAT(scenario_error(no_year).what(), Contains("missing key 'base_year'"));
}

TEST_CASE("scenario: build_network reports a missing network file at the scenario's network line",
          "[scenario][errors]") {
  Scratch tmp;
  const auto p = tmp.write("s.yaml", "# header\nnetwork: no_such_grid.yaml\nbase_year: 2024\n");
  const auto s = study::read_scenario(p);
  const auto e = input_error([&] { (void)study::build_network(s); });
  CHECK(e.loc().file == p);
  CHECK(e.loc().line == 2);
  CHECK_THAT(e.message(), Contains("no_such_grid.yaml\" not found"));
}

// ---------------------------------------------------------------------------------------------------
// End to end: a network file in lsflow's format, read by build_network

TEST_CASE("scenario: build_network reads the network file and applies the scenario", "[scenario][e2e]") {
  const auto s = study::read_scenario(data("e2e.yaml"));
  study::ApplySummary sum;
  const model::Network net = study::build_network(s, sum);
  CHECK(gen_named(net, "Coal2").in_service);
  CHECK(gen_named(net, "WindB").in_service);
  CHECK(gen_named(net, "WindC").in_service);
  // `L_AB` has two circuits: the outage takes both.
  CHECK_FALSE(branch_named(net, "L_AB_c1").in_service);
  CHECK_FALSE(branch_named(net, "L_AB_c2").in_service);
  CHECK(branch_named(net, "L_AC").in_service);
  CHECK(load_named(net, "Res_C").p_mw == Approx(20 * std::pow(1.075, 9)));
  CHECK(load_named(net, "Ind_C").p_mw == Approx(10 * std::pow(1.145, 9)));
  CHECK(load_named(net, "Ind_C").q_mvar == Approx(10 * std::tan(std::acos(0.9)) * std::pow(1.145, 9)));
  CHECK(gen_named(net, "WindB").p_mw == Approx(135));
  CHECK(gen_named(net, "WindC").p_mw == Approx(45));
  CHECK(gen_named(net, "HydroC").p_mw == Approx(2.5));
  CHECK(gen_named(net, "Grid").vg_pu == 1.02);
  CHECK(net.bus(*net.find_bus_by_name("Src220")).vm_pu == 1.02);
  // WindC regulates voltage: its bus became PV when it entered service.
  CHECK(net.bus(*net.find_bus_by_name("C110")).type == model::BusType::PV);
  CHECK(net.bus(*net.find_bus_by_name("B110")).type == model::BusType::PV);
  CHECK(sum.switched_in == std::vector<std::string>{"Coal2", "WindB", "WindC"});
  CHECK(sum.switched_out == std::vector<std::string>{"L_AB_c1", "L_AB_c2"});
  CHECK(sum.load_before_mw == Approx(38));
  CHECK(sum.load_after_mw == Approx(net.total_load_mw()));
}

TEST_CASE("scenario: build_network: a name missing from the network file is an error at the scenario's line",
          "[scenario][e2e][errors]") {
  Scratch tmp;
  const auto p = tmp.write("e2e_child.yaml", "extends: " + data("e2e.yaml") +
                                                 "\ndispatch:\n  p_mw_by_name: {Coal1: 60, Coal3: 50}\n");
  const auto s = study::read_scenario(p);
  const auto e = input_error([&] { (void)study::build_network(s); });
  CHECK(e.loc().file == p);
  CHECK(e.loc().line == 3);
  CHECK_THAT(e.message(), Contains("no element named \"Coal3\""));
  CHECK_THAT(e.message(), Contains("did you mean 'Coal1'?"));
  const auto p2 = tmp.write("e2e_pmin.yaml", "extends: " + data("e2e.yaml") +
                                                 "\ndispatch:\n  p_mw_by_name: {Coal1: 40}\n");
  const auto e2 = input_error([&] { (void)study::build_network(study::read_scenario(p2)); });
  CHECK(e2.loc().line == 3);
  CHECK_THAT(e2.message(), Contains("below its pmin_mw of 55 MW"));
}

// ---------------------------------------------------------------------------------------------------
// The shipped Lạng Sơn scenarios: every name must exist in networks/langson/grid.yaml

namespace {

fs::path langson_dir() { return test::source_dir() / "networks" / "langson"; }

struct Built {
  study::Scenario scenario;
  model::Network net;
  study::ApplySummary summary;
};

Built build_langson(const std::string& file) {
  Built b;
  b.scenario = study::read_scenario((langson_dir() / "scenarios" / file).string());
  b.net = study::build_network(b.scenario, b.summary);
  return b;
}

double in_service_mw(const model::Network& net, model::GenKind kind, bool installed) {
  double s = 0.0;
  for (const auto& g : net.generators)
    if (g.kind == kind && g.in_service) s += installed ? g.installed_mw : g.p_mw;
  return s;
}

}  // namespace

TEST_CASE("scenario: every shipped scenario reads and builds against grid.yaml", "[scenario][langson]") {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(langson_dir() / "scenarios"))
    if (e.path().extension() == ".yaml") files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 14);
  for (const auto& f : files) {
    INFO(f);
    const Built b = build_langson(f);
    CHECK(b.scenario.name + ".yaml" == f);
    CHECK_FALSE(b.scenario.description.empty());
    CHECK(b.summary.warnings.empty());
    const auto limits = study::scenario_limits(b.scenario);
    for (const auto& bus : b.net.buses) CHECK(limits.find_band(bus.base_kv, study::Operation::N1).has_value());
  }
}

TEST_CASE("scenario: shipped scenarios: base year, growth and the wind series", "[scenario][langson]") {
  using model::GenKind;
  const Built peak = build_langson("base-peak.yaml");
  CHECK(peak.net.total_load_mw() == Approx(230));                 // README calibration
  CHECK(peak.summary.switched_in.empty());                          // the network file as it is
  CHECK(in_service_mw(peak.net, GenKind::Wind, true) == 0);
  CHECK(in_service_mw(peak.net, GenKind::Thermal, false) == Approx(100));

  const Built light = build_langson("base-light.yaml");
  CHECK(light.net.total_load_mw() == Approx(0.35 * 180 + 0.60 * 50));   // 93 MW, 40 % of the peak

  const Built g2030 = build_langson("growth-2030-peak.yaml");
  const double expected_2030 = 180 * std::pow(1.075, 9) + 34 * std::pow(1.145, 9) + 16 * std::pow(1.20, 9);
  CHECK(g2030.net.total_load_mw() == Approx(expected_2030));
  CHECK(gen_named(g2030.net, "NaDuong2").in_service);
  CHECK(gen_named(g2030.net, "Hydro_BanLai").in_service);
  CHECK(in_service_mw(g2030.net, GenKind::Thermal, false) == Approx(200));

  struct Wind {
    const char* file;
    double installed_mw;
  };
  for (const Wind w : {Wind{"wind-0-light.yaml", 0}, Wind{"wind-1444-light.yaml", 1444},
                       Wind{"wind-3570-light.yaml", 3570}, Wind{"wind-4696-light.yaml", 4696},
                       Wind{"wind-0-peak.yaml", 0}, Wind{"wind-1444-peak.yaml", 1444},
                       Wind{"wind-3570-peak.yaml", 3570}, Wind{"wind-4696-peak.yaml", 4696}}) {
    INFO(w.file);
    const Built b = build_langson(w.file);
    CHECK(*b.scenario.study_year.value == 2030);
    CHECK(in_service_mw(b.net, GenKind::Wind, true) == Approx(w.installed_mw));
    CHECK(in_service_mw(b.net, GenKind::Wind, false) == Approx(0.9 * w.installed_mw));
    const bool is_light = std::string(w.file).find("light") != std::string::npos;
    CHECK(b.net.total_load_mw() == Approx(is_light ? build_langson("growth-2030-light.yaml").net.total_load_mw()
                                                   : expected_2030));
  }

  const Built nd_in = build_langson("naduong2-in.yaml");
  const Built nd_out = build_langson("naduong2-out.yaml");
  CHECK(gen_named(nd_in.net, "NaDuong2").in_service);
  CHECK_FALSE(gen_named(nd_out.net, "NaDuong2").in_service);
  CHECK(nd_in.net.total_load_mw() == Approx(nd_out.net.total_load_mw()));
}

// ---------------------------------------------------------------------------------------------------
// Tap positions, planned buses and multi-circuit lines named directly (e2e_grid.yaml, read from file)

namespace {
// e2e.yaml's network with a planned 110 kV substation D110 (out of service) reached by a planned line.
std::string planned_grid(const Scratch& tmp) {
  std::ifstream in(data("e2e_grid.yaml"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto insert_after = [&](const std::string& anchor, const std::string& add) {
    const auto at = text.find(anchor);
    REQUIRE(at != std::string::npos);
    text.insert(at + anchor.size(), add);
  };
  insert_after("  - {id: 6, name: C35, base_kv: 35, zone: HuuLung}\n",
               "  - {id: 7, name: D110, base_kv: 110, zone: HuuLung, in_service: false}\n");
  insert_after("  - {name: L_AC, from_bus: A110, to_bus: C110, type: ACSR-240/39, length_km: 30}\n",
               "  - {name: L_CD, from_bus: C110, to_bus: D110, type: ACSR-240/39, length_km: 10, in_service: false}\n");
  insert_after("generators:\n", "  - {name: WindD, bus: D110, kind: wind, installed_mw: 40, in_service: false, "
                                "control: pv, vg_pu: 1.02, qmin_mvar: -13, qmax_mvar: 13}\n");
  return tmp.write("planned_grid.yaml", text);
}
}  // namespace

TEST_CASE("scenario: tap_pos_by_name holds a transformer's tap and turns its automatic control off",
          "[scenario][dispatch][oltc]") {
  Scratch tmp;
  const auto grid = tmp.write("grid.yaml", [] {
    std::ifstream in(data("e2e_grid.yaml"));
    std::string t((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string old = "  - {name: C_T1, hv_bus: C110, lv_bus: C35, type: T40}";
    t.replace(t.find(old), old.size(), "  - {name: C_T1, hv_bus: C110, lv_bus: C35, type: T40, oltc: {}}");
    return t;
  }());
  const auto base = tmp.write("base.yaml", "network: grid.yaml\nbase_year: 2021\n");
  const model::Network plain = study::build_network(study::read_scenario(base));
  REQUIRE(branch_named(plain, "C_T1").oltc.automatic);
  const double tau0 = branch_named(plain, "C_T1").tap_ratio;

  const auto p = tmp.write("taps.yaml", "extends: base.yaml\ndispatch:\n  tap_pos_by_name: {C_T1: -3, A_AT1: 2}\n");
  const model::Network net = study::build_network(study::read_scenario(p));
  const auto& t = branch_named(net, "C_T1");
  CHECK(t.oltc.pos == -3);
  CHECK_FALSE(t.oltc.automatic);
  CHECK(t.tap_ratio == Approx(tau0 * (1.0 - 3 * 0.0178)));
  CHECK(branch_named(net, "A_AT1").oltc.pos == 2);

  // Inherited, and overridden key by key.
  const auto c = tmp.write("child.yaml", "extends: taps.yaml\ndispatch:\n  tap_pos_by_name: {C_T1: 1}\n");
  const model::Network net2 = study::build_network(study::read_scenario(c));
  CHECK(branch_named(net2, "C_T1").oltc.pos == 1);
  CHECK(branch_named(net2, "A_AT1").oltc.pos == 2);

  struct Bad {
    const char* body;
    const char* says;
  };
  for (const Bad& b : {Bad{"{C_T1: 12}", "position 12 for \"C_T1\" is outside its range -9 … 9"},
                       Bad{"{L_AC: 1}", "\"L_AC\" is a line; tap_pos_by_name takes transformers"},
                       Bad{"{Coal1: 1}", "\"Coal1\" is a generator"},
                       Bad{"{C_T2: 1}", "no element named \"C_T2\""},
                       Bad{"{C_T1: 1.5}", "tap_pos_by_name.C_T1"}}) {
    INFO(b.body);
    const auto f = tmp.write("bad.yaml", std::string("extends: base.yaml\ndispatch:\n  tap_pos_by_name: ") + b.body + "\n");
    const auto e = input_error([&] { (void)study::build_network(study::read_scenario(f)); });
    CHECK(e.loc().file == f);
    CHECK(e.loc().line == 3);
    CHECK_THAT(e.message(), Contains(b.says));
  }
}

TEST_CASE("scenario: commissioning brings a planned (out-of-service) bus into service and types it",
          "[scenario][commissioning]") {
  Scratch tmp;
  const auto grid = planned_grid(tmp);
  const auto base = tmp.write("base.yaml", "network: planned_grid.yaml\nbase_year: 2021\nstudy_year: 2030\n");
  const model::Network before = study::build_network(study::read_scenario(base));
  CHECK(before.bus(*before.find_bus_by_name("D110")).type == model::BusType::Isolated);

  const auto p = tmp.write("planned.yaml", "extends: base.yaml\ngroups:\n  substation_d: [D110, L_CD, WindD]\n"
                                           "commissioning:\n  substation_d: {in_service_from_year: 2028}\n");
  study::ApplySummary sum;
  const model::Network net = study::build_network(study::read_scenario(p), sum);
  CHECK(net.bus(*net.find_bus_by_name("D110")).type == model::BusType::PV);   // WindD regulates
  CHECK(branch_named(net, "L_CD").in_service);
  CHECK(sum.switched_in == std::vector<std::string>{"D110", "L_CD", "WindD"});

  // Before its year the bus stays isolated; out of service later, it is isolated again.
  const auto early = tmp.write("early.yaml", "extends: planned.yaml\nstudy_year: 2027\n");
  const model::Network n2 = study::build_network(study::read_scenario(early));
  CHECK(n2.bus(*n2.find_bus_by_name("D110")).type == model::BusType::Isolated);
  const auto gone = tmp.write("gone.yaml", "extends: planned.yaml\ncommissioning:\n  D110: {in_service_from_year: 2028, "
                                           "out_of_service_from_year: 2029}\n");
  const model::Network n3 = study::build_network(study::read_scenario(gone));
  CHECK(n3.bus(*n3.find_bus_by_name("D110")).type == model::BusType::Isolated);
  CHECK(branch_named(n3, "L_CD").in_service);   // the group still switched it in; it is just not energised

  // Outages still take no buses.
  const auto out = tmp.write("out.yaml", "extends: base.yaml\noutages: [C110]\n");
  const auto e = input_error([&] { (void)study::build_network(study::read_scenario(out)); });
  CHECK_THAT(e.message(), Contains("\"C110\" is a bus; outages takes lines"));
}

TEST_CASE("scenario: a multi-circuit line named directly in commissioning or a group means all its circuits",
          "[scenario][commissioning]") {
  Scratch tmp;
  const auto grid = planned_grid(tmp);
  const auto p = tmp.write("lines.yaml", "network: planned_grid.yaml\nbase_year: 2021\nstudy_year: 2030\n"
                                         "commissioning:\n  L_AB: {out_of_service_from_year: 2029}\n");
  const model::Network net = study::build_network(study::read_scenario(p));
  CHECK_FALSE(branch_named(net, "L_AB_c1").in_service);
  CHECK_FALSE(branch_named(net, "L_AB_c2").in_service);
  const auto g = tmp.write("group.yaml", "network: planned_grid.yaml\nbase_year: 2021\nstudy_year: 2030\n"
                                         "groups:\n  old: [L_AB, L_AC]\ncommissioning:\n  old: {out_of_service_from_year: 2029}\n");
  const model::Network net2 = study::build_network(study::read_scenario(g));
  CHECK_FALSE(branch_named(net2, "L_AB_c1").in_service);
  CHECK_FALSE(branch_named(net2, "L_AB_c2").in_service);
  CHECK_FALSE(branch_named(net2, "L_AC").in_service);
}
