#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <queue>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "io/network_reader.hpp"
#include "io/read_network.hpp"
#include "test_paths.hpp"

using lsflow::InputError;
using lsflow::io::read_network;
using lsflow::io::read_network_yaml;
using namespace lsflow::model;

namespace {

std::string data_file(const std::string& name) {
  return (lsflow::test::source_dir() / "tests" / "data" / "network" / name).string();
}

std::string langson_file(const std::string& name) {
  return (lsflow::test::source_dir() / "networks" / "langson" / name).string();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// 1-based line of the only line of `path` that holds `marker`.
int marked_line(const std::string& path, const std::string& marker = "# ERROR") {
  std::ifstream in(path);
  REQUIRE(in);
  std::string line;
  int n = 0, found = 0, count = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find(marker) != std::string::npos) {
      found = n;
      ++count;
    }
  }
  REQUIRE(count == 1);
  return found;
}

const Branch& branch(const Network& net, const std::string& name) {
  auto it = std::find_if(net.branches.begin(), net.branches.end(), [&](const Branch& b) { return b.name == name; });
  REQUIRE(it != net.branches.end());
  return *it;
}

const Generator& generator(const Network& net, const std::string& name) {
  auto it = std::find_if(net.generators.begin(), net.generators.end(),
                         [&](const Generator& g) { return g.name == name; });
  REQUIRE(it != net.generators.end());
  return *it;
}

const Transformer3W& transformer3w(const Network& net, const std::string& name) {
  auto it = std::find_if(net.transformers3w.begin(), net.transformers3w.end(),
                         [&](const Transformer3W& t) { return t.name == name; });
  REQUIRE(it != net.transformers3w.end());
  return *it;
}

const Bus& bus(const Network& net, const std::string& name) {
  auto idx = net.find_bus_by_name(name);
  REQUIRE(idx.has_value());
  return net.bus(*idx);
}

// Buses reachable from the reference buses through in-service branches and three-winding transformers.
std::set<int> energised(const Network& net) {
  std::vector<std::vector<int>> adj(net.buses.size());
  auto link = [&](lsflow::BusIdx a, lsflow::BusIdx b) {
    adj[static_cast<std::size_t>(a.value)].push_back(b.value);
    adj[static_cast<std::size_t>(b.value)].push_back(a.value);
  };
  for (const auto& br : net.branches)
    if (br.in_service) link(br.from, br.to);
  for (const auto& t : net.transformers3w)
    if (t.in_service) {
      link(t.hv_bus, t.mv_bus);
      link(t.hv_bus, t.lv_bus);
    }
  std::set<int> seen;
  std::queue<int> todo;
  for (std::size_t i = 0; i < net.buses.size(); ++i)
    if (net.buses[i].type == BusType::Ref) {
      seen.insert(static_cast<int>(i));
      todo.push(static_cast<int>(i));
    }
  while (!todo.empty()) {
    const int b = todo.front();
    todo.pop();
    for (int n : adj[static_cast<std::size_t>(b)])
      if (seen.insert(n).second) todo.push(n);
  }
  return seen;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// The minimal file: every section, and the per-unit conversions against hand-computed numbers.

TEST_CASE("network yaml: minimal file reads with per-unit conversions", "[io][network]") {
  const Network net = read_network_yaml(data_file("minimal.yaml"));
  CHECK(net.name == "minimal");
  CHECK(net.base_mva == 100.0);
  REQUIRE(net.buses.size() == 5);

  SECTION("buses: bands, overrides, coordinates, derived types") {
    CHECK(bus(net, "A110").vmin_pu == Approx(104.0 / 110.0));
    CHECK(bus(net, "A110").vmax_pu == Approx(1.1));
    CHECK(bus(net, "B35").vmin_pu == Approx(0.9));   // the bus's own value beats the band
    CHECK(bus(net, "B35").vmax_pu == Approx(1.05));
    CHECK(bus(net, "Src").lat_deg.value() == Approx(21.3));
    CHECK_FALSE(bus(net, "B110").lat_deg.has_value());
    CHECK(bus(net, "Src").type == BusType::Ref);
    CHECK(bus(net, "Src").vm_pu == Approx(1.02));
    CHECK(bus(net, "B35").type == BusType::PV);        // Hydro1, control pv
    CHECK(bus(net, "B35").vm_pu == Approx(1.01));
    CHECK(bus(net, "B110").type == BusType::PQ);       // Wind1 is pv but out of service
    CHECK(bus(net, "B22").type == BusType::PQ);        // Solar1 is pq
    CHECK(bus(net, "B35").zone == "DistrictB");
    CHECK(bus(net, "B35").loc.line == 31);
  }

  SECTION("a double-circuit line becomes two branches") {
    // ACSR-240/39, 10 km at 110 kV: R = 1.19 Ω, X = 3.9 Ω, B = 28.3 µS; Z_base = 121 Ω.
    for (const char* name : {"A-B_c1", "A-B_c2"}) {
      const Branch& br = branch(net, name);
      CHECK(br.kind == BranchKind::Line);
      CHECK(br.r_pu == Approx(1.19 / 121.0));
      CHECK(br.x_pu == Approx(3.9 / 121.0));
      CHECK(br.b_pu == Approx(28.3e-6 * 121.0));
      CHECK(br.rate_a_mva == Approx(std::sqrt(3.0) * 110.0 * 0.645));
      CHECK(br.rate_b_mva == br.rate_a_mva);
      CHECK(br.length_km == Approx(10.0));
      CHECK(br.conductor == "ACSR-240/39");
      CHECK(br.loc.line == 34);
    }
  }

  SECTION("the external grid is a grid generator behind its Thevenin impedance") {
    const Generator& g = generator(net, "Grid");
    CHECK(g.kind == GenKind::Grid);
    CHECK(net.bus(g.bus).name == "Src");
    // |z| = 100/2000 = 0.05 pu, R/X = 0.2: x = 0.05/√1.04 = 0.0490290, r = 0.0098058.
    const Branch& z = branch(net, "Grid_Zth");
    CHECK(z.x_pu == Approx(0.0490290).epsilon(1e-5));
    CHECK(z.r_pu == Approx(0.0098058).epsilon(1e-5));
    CHECK(z.b_pu == 0.0);
    CHECK(net.bus(z.to).name == "A110");
  }

  SECTION("a two-winding transformer with an off-nominal tap") {
    // 40 MVA 115/38.5 kV, uk 10.5 %, pk 175 kW, tap −2 × 1.78 %, on 110/35 kV buses:
    // r_own = 0.004375, x_own = √(0.105² − 0.004375²) = 0.1049088; scale 2.5·(38.5/35)² = 3.025;
    // τ = (115·0.9644/110)/(38.5/35) = 0.9165785.
    const Branch& t = branch(net, "B_T2");
    CHECK(t.kind == BranchKind::Transformer);
    CHECK(t.r_pu == Approx(0.0132344).epsilon(1e-5));
    CHECK(t.x_pu == Approx(0.3173491).epsilon(1e-5));
    CHECK(t.tap_ratio == Approx(0.9165785).epsilon(1e-6));
    CHECK(t.rate_a_mva == Approx(40.0));
    CHECK(net.bus(t.from).name == "B110");
  }

  SECTION("a three-winding transformer keeps its nameplate") {
    const Transformer3W& t = transformer3w(net, "B_T1");
    CHECK(t.sn_hv_mva == 25.0);
    CHECK(t.vn_lv_kv == 23.0);
    CHECK(t.uk_hv_lv_pct == 17.5);
    CHECK(t.pk_hv_mv_kw == 0.0);
    CHECK(t.tap_hv_pct == Approx(1.78));
    CHECK(net.bus(t.mv_bus).name == "B35");
  }

  SECTION("generators, loads and shunts") {
    const Generator& s = generator(net, "Solar1");
    CHECK(s.qmin_mvar == Approx(0.2));
    CHECK(s.qmax_mvar == Approx(0.2));
    CHECK(s.q_mvar == Approx(0.2));
    CHECK(s.pmax_mw == Approx(1.5));
    CHECK_FALSE(generator(net, "Wind1").in_service);
    REQUIRE(net.loads.size() == 2);
    CHECK(net.loads[0].q_mvar == Approx(20.0 * std::tan(std::acos(0.9))));
    CHECK(net.loads[0].category == "residential");
    CHECK_FALSE(net.loads[1].in_service);
    CHECK(net.total_load_mw() == Approx(20.0));
    REQUIRE(net.shunts.size() == 1);
    CHECK(net.shunts[0].b_mvar == 4.0);
  }
}

// ---------------------------------------------------------------------------------------------------
// On-load tap changers: ranges from the type, the oltc block's forms and defaults.

TEST_CASE("network yaml: tap changers and the oltc block", "[io][network][oltc]") {
  const Network net = read_network_yaml(data_file("oltc.yaml"));

  SECTION("every transformer with a tap range gets a tap changer; manual unless oltc says otherwise") {
    const Network plain = read_network_yaml(data_file("minimal.yaml"));
    const TapChanger& t = branch(plain, "B_T2").oltc;
    CHECK(t.present());
    CHECK_FALSE(t.automatic);
    CHECK(t.pos == -2);
    CHECK(t.pos_min == -9);
    CHECK(t.pos_max == 9);
    CHECK(t.step_pct == Approx(1.78));
    CHECK(t.regulated_bus == *plain.find_bus_by_name("B35"));   // a two-winding unit: its LV bus
    CHECK(t.vmin_pu == Approx(1.00));                            // the documented default band
    CHECK(t.vmax_pu == Approx(1.04));
    const TapChanger& t3 = transformer3w(plain, "B_T1").oltc;
    CHECK_FALSE(t3.automatic);
    CHECK(t3.pos == 1);
    CHECK(t3.regulated_bus == *plain.find_bus_by_name("B35"));  // a three-winding unit: its MV bus
    CHECK(transformer3w(plain, "B_T1").tap_hv_pct == Approx(1.78));
    // Lines have none.
    CHECK_FALSE(branch(plain, "A-B_c1").oltc.present());
  }

  SECTION("vset_pu with deadband_pct: a band centred on the set-point, the whole width given") {
    const TapChanger& t = branch(net, "B_T2").oltc;
    CHECK(t.automatic);
    CHECK(t.vmin_pu == Approx(1.005));
    CHECK(t.vmax_pu == Approx(1.035));
  }

  SECTION("regulate lv on a three-winding unit, an explicit band") {
    const TapChanger& t = transformer3w(net, "B_T1").oltc;
    CHECK(t.automatic);
    CHECK(t.regulated_bus == *net.find_bus_by_name("B22"));
    CHECK(t.vmin_pu == Approx(0.99));
    CHECK(t.vmax_pu == Approx(1.03));
  }

  SECTION("enabled: false keeps a manual tap; tap_min gives an asymmetric range") {
    const Branch& b = branch(net, "B_T3");
    CHECK_FALSE(b.oltc.automatic);
    CHECK(b.oltc.pos_min == -4);
    CHECK(b.oltc.pos_max == 12);
    CHECK(b.oltc.pos == 3);
    // τ = (115·(1 + 3·1.5 %)/110) / (38.5/35)
    CHECK(b.tap_ratio == Approx((115.0 * 1.045 / 110.0) / (38.5 / 35.0)));
  }

  SECTION("moving a tap rescales the ratio (two-winding) or the HV tap (three-winding), within the range") {
    Network n = net;
    Branch& b = n.branches[static_cast<std::size_t>(
        std::find_if(n.branches.begin(), n.branches.end(), [](const Branch& x) { return x.name == "B_T2"; }) -
        n.branches.begin())];
    const double tau_at_minus2 = b.tap_ratio;
    REQUIRE(set_tap_position(b, 3));
    CHECK(b.oltc.pos == 3);
    CHECK(b.tap_ratio == Approx(tau_at_minus2 * (1.0 + 3 * 0.0178) / (1.0 - 2 * 0.0178)));
    REQUIRE(set_tap_position(b, 40));   // clamped
    CHECK(b.oltc.pos == 9);
    Transformer3W& t = n.transformers3w.front();
    REQUIRE(set_tap_position(t, -4));
    CHECK(t.tap_hv_pct == Approx(-4 * 1.78));
    Branch line = branch(n, "A-B_c1");
    CHECK_FALSE(set_tap_position(line, 1));
    CHECK(line.tap_ratio == 0.0);
  }
}

TEST_CASE("network yaml: a bus out of service is isolated and types no generator", "[io][network]") {
  const std::string path = (std::filesystem::temp_directory_path() / "lsflow_bus_out.yaml").string();
  {
    std::string text = slurp(data_file("minimal.yaml"));
    const std::string old = "  - {id: 4, name: B35, base_kv: 35, zone: DistrictB, vmin_pu: 0.9}";
    REQUIRE(text.find(old) != std::string::npos);
    text.replace(text.find(old), old.size(), "  - {id: 4, name: B35, base_kv: 35, zone: DistrictB, vmin_pu: 0.9, in_service: false}");
    std::ofstream(path) << text;
  }
  const Network net = read_network_yaml(path);
  CHECK(bus(net, "B35").type == BusType::Isolated);   // Hydro1 (pv) sits there but does not type it
  CHECK(bus(net, "B110").type == BusType::PQ);
  std::filesystem::remove(path);
}

// ---------------------------------------------------------------------------------------------------
// Bad files: each marks the line the error must name.

TEST_CASE("network yaml: bad files name the right line", "[io][network]") {
  struct Bad {
    const char* file;
    const char* says;
  };
  const std::vector<Bad> bad = {
      {"unknown_key.yaml", "unknown key 'lenght_km'"},
      {"missing_key.yaml", "missing key 'to_bus'"},
      {"wrong_type.yaml", "expected a number, got \"ten\""},
      {"unknown_bus.yaml", "line \"A-B\": to_bus \"B11O\" does not exist"},
      {"duplicate_name.yaml", "\"B35\": the name is already used (first at line"},
      {"negative_rating.yaml", "rating_a: must be positive, got -645"},
      {"zero_impedance.yaml", "zero impedance"},
      {"zero_uk.yaml", "zero impedance (uk_hv_lv_pct must be positive)"},
      {"unknown_type.yaml", "line type \"ACSR-240/93\" is not in the library"},
      {"voltage_mismatch.yaml", "a transformer is needed"},
      {"duplicate_bus_id.yaml", "id 3 is already used by bus \"B110\""},
      {"bad_kind.yaml", "kind \"hydor\" is not one of"},
      {"missing_library.yaml", "library file \"no_such_types.yaml\" not found"},
      {"winding_mismatch.yaml", "hv_bus \"B35\" is a 35 kV bus but the winding is rated 115 kV"},
      {"tap_out_of_range.yaml", "tap position -12 is outside the type's range ±9"},
      {"pq_with_vg.yaml", "vg_pu applies to control pv"},
      {"bad_name.yaml", "line name \"A B\" may hold only"},
      {"no_band.yaml", "no voltage band for 20 kV"},
      {"syntax_error.yaml", "YAML syntax error"},
      {"oltc_unknown_key.yaml", "unknown key 'regualte'"},
      {"oltc_bad_regulate.yaml", "transformer \"B_T2\": a two-winding transformer regulates its lv side"},
      {"oltc_narrow_band.yaml", "the oltc band 1.01–1.02 pu is narrower than one tap step (1.78 %)"},
      {"oltc_no_range.yaml", "transformer \"B_T2\": oltc needs a tap range"},
      {"oltc_both_bands.yaml", "vmin_pu and vmax_pu, or as vset_pu and deadband_pct, not both"},
      {"tap_below_min.yaml", "tap position -5 is outside the type's range -4 … 12"},
  };
  for (const Bad& b : bad) {
    const std::string path = data_file(b.file);
    INFO(b.file);
    const int line = marked_line(path);
    try {
      (void)read_network_yaml(path);
      FAIL("no InputError");
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(e.loc().file == path);
      CHECK(e.loc().line == line);
      CHECK_THAT(e.what(), Catch::Contains(b.says));
      CHECK_THAT(e.what(), Catch::StartsWith(path + ":" + std::to_string(line) + ": "));
    }
  }
}

TEST_CASE("network yaml: suggestions for near misses", "[io][network]") {
  auto message = [](const std::string& file) {
    try {
      (void)read_network_yaml(data_file(file));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(message("unknown_key.yaml"), Catch::Contains("did you mean 'length_km'?"));
  CHECK_THAT(message("unknown_bus.yaml"), Catch::Contains("did you mean 'B110'?"));
  CHECK_THAT(message("unknown_type.yaml"), Catch::Contains("did you mean 'ACSR-240/39'?"));
  CHECK_THAT(message("bad_kind.yaml"), Catch::Contains("did you mean 'hydro'?"));
  CHECK_THAT(message("oltc_unknown_key.yaml"), Catch::Contains("did you mean 'regulate'?"));
  CHECK_THAT(message("no_such_file.yaml"), Catch::Contains("file not found"));
}

// ---------------------------------------------------------------------------------------------------
// Dispatch on the extension.

TEST_CASE("read_network dispatches on the extension", "[io][network]") {
  CHECK(read_network(data_file("minimal.yaml")).buses.size() == 5);
  CHECK_THROWS_WITH(read_network(data_file("minimal.txt")), Catch::Contains("cannot tell the network format"));
  CHECK_THROWS_AS(read_network(data_file("no_such_case.m")), InputError);   // handed to the MATPOWER reader
  LSFLOW_REQUIRE_SHARED();
  const Network net = read_network((lsflow::test::shared_dir() / "cases" / "case9.m").string());
  CHECK(net.buses.size() == 9);
}

// ---------------------------------------------------------------------------------------------------
// The shipped Lạng Sơn model.

TEST_CASE("langson grid.yaml: reads, and has what the studies need", "[io][network][langson]") {
  const std::string path = langson_file("grid.yaml");
  const Network net = read_network_yaml(path);

  SECTION("buses: at least 40, each with coordinates, a zone and one reference bus") {
    CHECK(net.buses.size() >= 40);
    int refs = 0;
    for (const Bus& b : net.buses) {
      INFO(b.name);
      CHECK(b.lat_deg.has_value());
      CHECK(b.lon_deg.has_value());
      CHECK(*b.lat_deg > 21.0);      // the province, Bắc Giang and Cao Bằng lie within 21–22.7 °N, 106–107.5 °E
      CHECK(*b.lat_deg < 22.7);
      CHECK(*b.lon_deg > 106.0);
      CHECK(*b.lon_deg < 107.5);
      CHECK(b.vmin_pu < 1.0);
      CHECK(b.vmax_pu > 1.0);
      if (b.type == BusType::Ref) ++refs;
    }
    CHECK(refs == 1);
    CHECK(bus(net, "BacGiangSrc220").type == BusType::Ref);
    CHECK(bus(net, "NaDuong110").type == BusType::PV);
    CHECK(bus(net, "LocBinh110").type == BusType::PQ);   // wind out of service in the base year
    CHECK(bus(net, "LangSon35").vmin_pu == Approx(0.95));
    CHECK(bus(net, "PhuXa110").vmin_pu == Approx(104.0 / 110.0));
    // Every district is a zone, with the substations the issue names.
    std::set<std::string> zones;
    for (const Bus& b : net.buses) zones.insert(b.zone);
    const std::set<std::string> expected = {"LangSonCity", "CaoLoc", "VanLang", "TrangDinh", "BinhGia",  "VanQuan",
                                            "BacSon",      "ChiLang", "HuuLung", "LocBinh",   "DinhLap", "BacGiang", "CaoBang"};
    CHECK(zones == expected);
    for (const char* s : {"PhuXa220", "LangSon110", "DongDang110", "CaoLoc110", "HuuLung110", "NaDuong110",
                          "LocBinh110", "DinhLap110", "ChiLang110", "VanQuan110", "BinhGia110", "BacSon110",
                          "TrangDinh110"})
      CHECK(net.find_bus_by_name(s).has_value());
  }

  SECTION("every bus in service is energised from the reference bus; the planned ones are out of service") {
    const auto on = energised(net);
    std::set<std::string> out;
    for (std::size_t i = 0; i < net.buses.size(); ++i) {
      INFO(net.buses[i].name);
      if (net.buses[i].type == BusType::Isolated) out.insert(net.buses[i].name);
      else CHECK(on.count(static_cast<int>(i)) == 1);
    }
    // The planned 220 kV substations (README "Planned reinforcements") and the possible Cao Bằng tie
    // (assumption A-CaoBang220, absent by default): listed so that a change is noticed.
    CHECK(out == std::set<std::string>{"LocBinh220", "DinhLap220", "ChiLang220", "CaoBang220"});
  }

  SECTION("OLTC: every 110/35/22 kV unit holds its 35 kV busbar at 1.00–1.04 pu with ±9 × 1.78 %") {
    int automatic = 0;
    auto check = [&](const std::string& name, const TapChanger& t, lsflow::BusIdx mv) {
      INFO(name);
      if (!t.automatic) return;
      ++automatic;
      CHECK(t.regulated_bus == mv);
      if (net.bus(mv).base_kv == 35.0) {
        CHECK(t.step_pct == Approx(1.78));
        CHECK(t.pos_min == -9);
        CHECK(t.pos_max == 9);
        CHECK(t.vmin_pu == Approx(1.0));
        CHECK(t.vmax_pu == Approx(1.04));
      } else {
        CHECK(net.bus(mv).base_kv == 110.0);   // the planned 220/110 kV units hold their 110 kV busbar
      }
    };
    for (const Transformer3W& t : net.transformers3w) {
      if (net.bus(t.hv_bus).base_kv == 110.0) CHECK(t.oltc.automatic);   // every 110 kV unit
      check(t.name, t.oltc, t.mv_bus);
    }
    for (const Branch& b : net.branches)
      if (b.kind == BranchKind::Transformer) check(b.name, b.oltc, b.to);
    CHECK_FALSE(transformer3w(net, "PhuXa_AT1").oltc.automatic);   // AT1/AT2: manual (README A-OLTC)
    CHECK_FALSE(transformer3w(net, "PhuXa_AT2").oltc.automatic);
    CHECK_FALSE(branch(net, "BacGiang_ATeq").oltc.automatic);
    CHECK(automatic == 18 + 1 + 6);   // 18 three-winding 110 kV units (5 planned), Hữu Lũng T2, 6 planned ATs
  }

  SECTION("AT1 and AT2 are three-winding 220/110/22 kV, 125 and 250 MVA") {
    const Transformer3W& at1 = transformer3w(net, "PhuXa_AT1");
    const Transformer3W& at2 = transformer3w(net, "PhuXa_AT2");
    CHECK(at1.sn_hv_mva == 125.0);
    CHECK(at2.sn_hv_mva == 250.0);
    for (const Transformer3W* t : {&at1, &at2}) {
      CHECK(net.bus(t->hv_bus).base_kv == 220.0);
      CHECK(net.bus(t->mv_bus).base_kv == 110.0);
      CHECK(net.bus(t->lv_bus).base_kv == 22.0);
      CHECK(t->in_service);
    }
    CHECK(net.transformers3w.size() == 20);   // 15 in service, 5 planned (README "Planned reinforcements")
    CHECK(std::count_if(net.transformers3w.begin(), net.transformers3w.end(),
                        [](const Transformer3W& t) { return t.in_service; }) == 15);
  }

  SECTION("counts by kind") {
    std::map<GenKind, int> count;
    std::map<GenKind, double> installed;
    // In the province: the Nho Quế equivalent at Cao Bằng (assumption A-CaoBang220) is outside it.
    auto in_province = [&](const Generator& g) { return net.bus(g.bus).zone != "CaoBang"; };
    for (const Generator& g : net.generators) {
      if (!in_province(g)) continue;
      ++count[g.kind];
      installed[g.kind] += g.installed_mw;
    }
    CHECK_FALSE(generator(net, "Hydro_NhoQue_eq").in_service);
    CHECK(count[GenKind::Grid] == 1);
    CHECK(count[GenKind::Thermal] == 3);
    CHECK(count[GenKind::Hydro] == 10);
    CHECK(count[GenKind::Solar] == 16);
    CHECK(count[GenKind::Wind] == 35);
    CHECK(installed[GenKind::Thermal] == Approx(220.0));       // Na Dương I + II
    CHECK(installed[GenKind::Hydro] == Approx(103.7));         // 34.9 + 63.8 + 5
    CHECK(installed[GenKind::Solar] == Approx(4.12));          // 4,121.79 kWp
    CHECK(installed[GenKind::Wind] == Approx(4696.0));         // the full provincial proposal
    double hydro_operating = 0.0;
    for (const Generator& g : net.generators)
      if (g.kind == GenKind::Hydro && g.in_service && in_province(g)) hydro_operating += g.installed_mw;
    CHECK(hydro_operating == Approx(34.9));
    CHECK_FALSE(generator(net, "NaDuong2").in_service);
    CHECK(generator(net, "NaDuong1_G1").in_service);
    for (const Generator& g : net.generators)
      if (g.kind == GenKind::Wind) CHECK_FALSE(g.in_service);
    int lines = 0, trafos = 0, lines_on = 0, trafos_on = 0;
    for (const Branch& b : net.branches) {
      (b.kind == BranchKind::Line ? lines : trafos)++;
      if (b.in_service) (b.kind == BranchKind::Line ? lines_on : trafos_on)++;
    }
    CHECK(trafos_on == 2);   // Hữu Lũng T2 and the Bắc Giang 220/110 kV equivalent
    CHECK(lines_on == 23);   // 17 records, 5 of them double circuit, plus Grid_BacGiang_Zth
    CHECK(trafos == 2 + 6);  // + the planned 220/110 kV units at Chi Lăng, Lộc Bình, Đình Lập
    CHECK(lines == 23 + 10);  // + 4 planned 220 kV double circuits, a second Phú Xá – Văn Quan circuit and the
                              // possible Cao Bằng tie (A-CaoBang220)
    for (const Shunt& sh : net.shunts) CHECK_FALSE(sh.in_service);   // planned capacitor banks (A-Caps)
  }

  SECTION("per unit: the Bắc Giang – Lạng Sơn 220 kV line and Hữu Lũng T2, by hand") {
    // AC-400/51, 101.6 km at 220 kV: R = 7.4168 Ω, X = 41.656 Ω, B = 284.48 µS; Z_base = 484 Ω.
    const Branch& l = branch(net, "L220_BacGiang_PhuXa_c2");
    CHECK(l.r_pu == Approx(0.0153240).epsilon(1e-5));
    CHECK(l.x_pu == Approx(0.0860661).epsilon(1e-5));
    CHECK(l.b_pu == Approx(0.1376883).epsilon(1e-5));
    CHECK(l.rate_a_mva == Approx(314.367).epsilon(1e-5));   // √3 · 220 kV · 0.825 kA
    // Sections: 9.1 km ACSR-300/48 + 37.4 km AC-185/29 at 110 kV: R = 7.0355 Ω, X = 18.605 Ω,
    // B = 131.019 µS; the weaker conductor (535 A) sets the rating: √3 · 110 kV · 0.535 kA.
    const Branch& s = branch(net, "L110_PhuXa_NaDuong_c1");
    CHECK(s.r_pu == Approx(0.0581446).epsilon(1e-5));
    CHECK(s.x_pu == Approx(0.1537603).epsilon(1e-5));
    CHECK(s.b_pu == Approx(0.0158533).epsilon(1e-5));
    CHECK(s.rate_a_mva == Approx(101.932).epsilon(1e-4));
    CHECK(s.length_km == Approx(46.5));
    // 40 MVA 115/38.5 kV, uk 10.5 %, pk 175 kW, neutral tap, 110/35 kV buses (see minimal for the steps).
    const Branch& t = branch(net, "HuuLung_T2");
    CHECK(t.kind == BranchKind::Transformer);
    CHECK(t.r_pu == Approx(0.0132344).epsilon(1e-5));
    CHECK(t.x_pu == Approx(0.3173491).epsilon(1e-5));
    CHECK(t.tap_ratio == Approx(0.9504132).epsilon(1e-6));   // (115/110)/(38.5/35)
  }

  SECTION("loads: the 2021 peak, with industrial loads at the parks and in every district") {
    CHECK(net.total_load_mw() == Approx(230.0));
    std::set<std::string> industrial_zones;
    std::set<std::string> names;
    for (const Load& l : net.loads) {
      CHECK((l.category == "residential" || l.category == "industrial"));
      CHECK(l.q_mvar > 0.0);
      if (l.category == "industrial") industrial_zones.insert(net.bus(l.bus).zone);
      names.insert(l.name);
    }
    CHECK(industrial_zones.size() == 11);   // every district
    for (const char* n : {"Load_IP_HuuLung", "Load_IP_DongBanh", "Load_IP_HongPhong"}) CHECK(names.count(n) == 1);
    // Đồng Đăng substation: ~34 MW normal (FACTS.md), Văn Lãng included.
    double dong_dang = 0.0;
    for (const Load& l : net.loads) {
      const std::string& b = net.bus(l.bus).name;
      if (b == "DongDang35" || b == "DongDang22" || b == "VanLang35") dong_dang += l.p_mw;
    }
    CHECK(dong_dang == Approx(34.0));
  }

  SECTION("every record in the file cites its source") {
    const YAML::Node root = YAML::LoadFile(path);
    int records = 0;
    for (const char* section : {"voltage_bands", "buses", "lines", "transformers", "transformers3w",
                                "external_grids", "generators", "loads", "shunts"}) {
      for (const YAML::Node& item : root[section]) {
        ++records;
        INFO(section << " item at line " << item.Mark().line + 1);
        REQUIRE(item["source"]);
        const std::string src = item["source"].as<std::string>();
        const bool cites = src.find("FACTS.md") != std::string::npos || src.rfind("assumption", 0) == 0;
        CHECK(cites);
      }
    }
    CHECK(records > 150);
    const YAML::Node lib = YAML::LoadFile(langson_file("conductors.yaml"));
    for (const char* section : {"line_types", "transformer_types", "transformer3w_types"})
      for (const YAML::Node& item : lib[section]) CHECK(item["source"]);
  }
}

TEST_CASE("langson README: the wind tranche table matches grid.yaml", "[io][network][langson]") {
  const Network net = read_network_yaml(langson_file("grid.yaml"));
  const std::string readme = slurp(langson_file("README.md"));
  // Rows: | `Wind_…` | district | `bus` | MW | tranche | …
  const std::regex row(R"(\|\s*`(Wind_[A-Za-z0-9_]+)`\s*\|[^|]*\|\s*`([A-Za-z0-9_]+)`\s*\|\s*([0-9.]+)\s*\|\s*(pdp8|pre2030|post2030)\s*\|)");
  std::map<std::string, double> mw_by_tranche;
  std::map<std::string, int> n_by_tranche;
  std::set<std::string> seen;
  for (auto it = std::sregex_iterator(readme.begin(), readme.end(), row); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1], bus_name = (*it)[2], tranche = (*it)[4];
    const double mw = std::stod((*it)[3]);
    INFO(name);
    CHECK(seen.insert(name).second);
    const Generator& g = generator(net, name);
    CHECK(g.kind == GenKind::Wind);
    CHECK(g.installed_mw == Approx(mw));
    CHECK(net.bus(g.bus).name == bus_name);
    mw_by_tranche[tranche] += mw;
    ++n_by_tranche[tranche];
  }
  CHECK(seen.size() == 35);
  // Cumulative: the national plan, then the province's pre-2030 proposal, then the full proposal.
  CHECK(n_by_tranche["pdp8"] == 22);
  CHECK(mw_by_tranche["pdp8"] == Approx(1444.0));
  CHECK(n_by_tranche["pdp8"] + n_by_tranche["pre2030"] == 27);
  CHECK(mw_by_tranche["pdp8"] + mw_by_tranche["pre2030"] == Approx(3570.0));
  CHECK(mw_by_tranche["pdp8"] + mw_by_tranche["pre2030"] + mw_by_tranche["post2030"] == Approx(4696.0));
}
