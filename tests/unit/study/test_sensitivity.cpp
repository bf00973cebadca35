// The sensitivity engine (study/sensitivity.hpp) on synthetic outcomes whose flips are known, and
// `lsflow sensitivity` on the hand-built case tests/data/scenario/assume.yaml and on Lạng Sơn.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "cli_util.hpp"
#include "common/errors.hpp"
#include "study/sensitivity.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;

namespace {

model::Assumption assumption(const std::string& id, std::vector<std::string> alts, std::size_t chosen = 0) {
  model::Assumption a;
  a.id = id;
  a.about = id;
  a.default_alternative = alts[0];
  a.chosen = alts[chosen];
  for (const auto& n : alts) a.alternatives.push_back(model::AssumptionAlternative{n, "test", {}});
  return a;
}

// A made-up study: line X is overloaded unless A = thick; bus Y is low only when A = thin and B = weak
// together; the loss metric is 10 + (A index) + 5·(B index).
study::Observations fake_study(const study::SensitivityVariant& v) {
  study::Observations out;
  const std::size_t a = v.alt[0], b = v.alt[1];
  auto st = [](const std::string& key, double value) {
    study::Observation o;
    o.key = key, o.kind = "N-0 overload", o.subject = key, o.unit = "%", o.value = value;
    return o;
  };
  if (a != 1) out.push_back(st("overload X", a == 2 ? 130.0 : 110.0));
  if (a == 2 && b == 1) out.push_back(st("undervoltage Y", 0.93));
  study::Observation m;
  m.key = m.subject = "losses", m.unit = "MW", m.status = false, m.value = 10.0 + static_cast<double>(a) + 5.0 * static_cast<double>(b);
  out.push_back(m);
  return out;
}

const study::FindingRange& finding(const study::SensitivityResult& r, const std::string& key) {
  for (const auto& f : r.findings)
    if (f.key == key) return f;
  FAIL("no finding " << key);
  return r.findings.front();
}

}  // namespace

TEST_CASE("sensitivity: variants one at a time and at the corners", "[study][sensitivity]") {
  const std::vector<model::Assumption> all = {assumption("A", {"base", "thick", "thin"}), assumption("B", {"strong", "weak"}),
                                              assumption("C", {"c0", "c1"}, 1)};
  const auto oat = study::sensitivity_variants(all, study::SensitivityMethod::OneAtATime, {});
  REQUIRE(oat.size() == 1 + 2 + 1 + 1);
  CHECK(oat[0].label == "baseline");
  CHECK(oat[0].choices.at("C").alternative == "c1");   // the baseline is the case's choice, not the default
  CHECK(oat[1].label == "A=thick");
  CHECK(oat[4].label == "C=c0");
  const auto corners = study::sensitivity_variants(all, study::SensitivityMethod::Corners, {});
  REQUIRE(corners.size() == 3 * 2 * 2);
  CHECK(corners[0].label == "baseline");
  std::set<std::vector<std::size_t>> distinct;
  for (const auto& v : corners) distinct.insert(v.alt);
  CHECK(distinct.size() == 12);
  CHECK(study::sensitivity_variants(all, study::SensitivityMethod::Corners, {"A"}).size() == 3);
  CHECK_THROWS_WITH(study::sensitivity_variants(all, study::SensitivityMethod::OneAtATime, {"D"}),
                    Contains("--only") && Contains("assumption \"D\" is not one of the case's (A, B, C)"));
  CHECK_THROWS_WITH(study::sensitivity_variants(all, study::SensitivityMethod::Corners, {}, 10),
                    Contains("12 combinations of alternatives, more than 10"));
}

TEST_CASE("sensitivity: what flips a finding, and what moves a metric most", "[study][sensitivity]") {
  const std::vector<model::Assumption> all = {assumption("A", {"base", "thick", "thin"}), assumption("B", {"strong", "weak"})};
  SECTION("one at a time: the thick conductor alone clears X; Y needs two changes and is never seen") {
    const auto r = study::run_sensitivity(all, study::sensitivity_variants(all, study::SensitivityMethod::OneAtATime, {}),
                                          study::SensitivityMethod::OneAtATime, fake_study);
    REQUIRE(r.variants.size() == 4);
    const auto& x = finding(r, "overload X");
    CHECK(x.in_baseline);
    CHECK(x.baseline == 110.0);
    CHECK(x.min == 110.0);
    CHECK(x.max == 130.0);
    CHECK(x.present_in == 3);
    REQUIRE(x.flipped_by.size() == 1);
    CHECK(x.flipped_by[0].id == "A");
    CHECK(x.flipped_by[0].alternatives == "thick");
    CHECK(x.moved_most_by == "A=thin");
    CHECK(x.moved_most == 20.0);
    for (const auto& f : r.findings) CHECK(f.key != "undervoltage Y");
    const auto& loss = finding(r, "losses");
    CHECK_FALSE(loss.status);
    CHECK(loss.moved_most_by == "B=weak");
    CHECK(loss.moved_most == 5.0);
    CHECK(r.findings.back().key == "losses");   // metrics after status findings
  }
  SECTION("corners: Y appears only with thin and weak together; both flip it, in the pairs that hold that corner") {
    const auto r = study::run_sensitivity(all, study::sensitivity_variants(all, study::SensitivityMethod::Corners, {}),
                                          study::SensitivityMethod::Corners, fake_study);
    REQUIRE(r.variants.size() == 6);
    const auto& y = finding(r, "undervoltage Y");
    CHECK_FALSE(y.in_baseline);
    CHECK(y.present_in == 1);
    REQUIRE(y.flipped_by.size() == 2);
    for (const auto& fl : y.flipped_by) {
      // A alone differs in 3 pairs per B value (base–thick, base–thin, thick–thin) = 6, two of them hold
      // (thin, weak); B alone in 3 pairs (one per A value), one of them holds it.
      CHECK(fl.pairs == (fl.id == "A" ? 2u : 1u));
      CHECK(fl.of_pairs == (fl.id == "A" ? 6u : 3u));
    }
    const auto& x = finding(r, "overload X");
    REQUIRE(x.flipped_by.size() == 1);
    CHECK(x.flipped_by[0].id == "A");
    CHECK(x.flipped_by[0].pairs == 4);   // thick against base and thin, for each B
  }
  SECTION("a variant whose data fails is recorded, and the others still range") {
    auto failing = [&](const study::SensitivityVariant& v) -> study::Observations {
      if (v.alt[1] == 1) throw InputError(SourceLoc{"x.yaml", 3}, "bad under this alternative");
      return fake_study(v);
    };
    const auto r = study::run_sensitivity(all, study::sensitivity_variants(all, study::SensitivityMethod::OneAtATime, {}),
                                          study::SensitivityMethod::OneAtATime, failing);
    CHECK_FALSE(r.variants[3].ok);
    CHECK_THAT(r.variants[3].failure, Contains("x.yaml:3: bad under this alternative"));
    CHECK(finding(r, "overload X").variants == 3);
  }
}

TEST_CASE("lsflow sensitivity: the hand-built case's conductor flips its overload, the grid's strength does not",
          "[cli][sensitivity]") {
  const auto path = (test::source_dir() / "tests" / "data" / "scenario" / "assume.yaml").string();
  const auto run = test::run_lsflow("sensitivity " + path + " --format json --no-progress");
  INFO(run.err);
  REQUIRE(run.exit == 0);
  const json j = json::parse(run.out);
  CHECK(j["format"] == "lsflow-sensitivity");
  CHECK(j["variants"].size() == 6);   // baseline + 2 conductors + 1 Sk + 2 load levels
  const json* ov = nullptr;
  for (const auto& f : j["findings"])
    if (f["key"] == "N-0 overload L_AB") ov = &f;
  REQUIRE(ov != nullptr);
  CHECK((*ov)["in_baseline"] == true);
  // 125 MW + 20 Mvar through 122.9 MVA of ACSR-240/39: ~105 %; through AC-185/29 (97.2 MVA): ~133 %.
  CHECK((*ov)["baseline"].get<double>() == Approx(105.1).margin(0.3));
  CHECK((*ov)["max"].get<double>() == Approx(133.7).margin(0.5));
  std::set<std::string> flippers;
  for (const auto& fl : (*ov)["flipped_by"]) flippers.insert(fl["assumption"].get<std::string>() + "=" + fl["alternatives"].get<std::string>());
  CHECK(flippers.count("A-Conductor=ACSR-300/39") == 1);
  CHECK(flippers.count("A-Sk=2000MVA") == 0);
  CHECK(flippers.count("A-Load=light, reduced") == 1);
  const auto text = test::run_lsflow("sensitivity " + path + " --no-progress");
  CHECK_THAT(text.out, Contains("A-Conductor=ACSR-300/39"));
  CHECK_THAT(text.out, Contains("VERDICT:"));
  SECTION("corners, restricted, and the CSV") {
    const auto c = test::run_lsflow("sensitivity " + path + " --method corners --only A-Conductor,A-Sk --format csv --no-progress");
    REQUIRE(c.exit == 0);
    CHECK_THAT(c.out, StartsWith("finding,kind,subject,unit,status"));
    CHECK_THAT(c.out, Contains("A-Conductor (4 of 6 pairs)"));   // ACSR-300 against the two others, for each Sk
  }
  SECTION("bad options: exit 2 with what is wrong") {
    const auto bad = test::run_lsflow("sensitivity " + path + " --only A-Conductr --no-progress");
    CHECK(bad.exit == 2);
    CHECK_THAT(bad.err, Contains("did you mean 'A-Conductor'"));
    const auto alt = test::run_lsflow("sensitivity " + path + " --assume A-Conductor=ACSR-400/51 --no-progress");
    CHECK(alt.exit == 2);
    CHECK_THAT(alt.err, Contains("--assume: assumption \"A-Conductor\" has no alternative \"ACSR-400/51\""));
  }
}

TEST_CASE("lsflow sensitivity on Lạng Sơn: the 220 kV conductor flips the tie overload of the export cases",
          "[cli][sensitivity][langson]") {
  // The national plan's 1,444 MW with the 220 kV collectors, and the 3,570 MW case of the issue.
  const std::string scenario = GENERATE(as<std::string>{}, "wind-1444-light-grid220", "wind-3570-light-cf30");
  INFO(scenario);
  const auto path = (test::source_dir() / "networks" / "langson" / "scenarios" / (scenario + ".yaml")).string();
  const auto run = test::run_lsflow("sensitivity " + path + " --format json --no-progress");
  INFO(run.err);
  REQUIRE(run.exit == 0);
  const json j = json::parse(run.out);
  int tie = 0;
  for (const auto& f : j["findings"]) {
    const std::string key = f["key"];
    if (key.rfind("N-0 overload L220_BacGiang_ChiLang", 0) != 0) continue;
    ++tie;
    CHECK(f["in_baseline"] == true);
    REQUIRE(f["flipped_by"].size() >= 1);
    CHECK(f["flipped_by"][0]["assumption"] == "A-Conductor220");
    CHECK(f["flipped_by"][0]["alternatives"] == "2xACSR-330/43");
  }
  CHECK(tie == 2);   // both circuits
  // With the twin conductor no 220 kV circuit is overloaded in normal operation (3,570 MW: no N-0
  // overload at all; 1,444 MW on the collectors: Chi Lăng – Hữu Lũng 110 kV still is).
  for (const auto& v : j["variants"])
    if (v["label"] == "A-Conductor220=2xACSR-330/43")
      for (const auto& [k, val] : v["findings"].items()) {
        CHECK(k.rfind("N-0 overload L220", 0) != 0);
        if (scenario == "wind-3570-light-cf30") CHECK(k.rfind("N-0 overload", 0) != 0);
      }
}

TEST_CASE("lsflow sensitivity --study timeseries, n1 and hosting: the figures of each study, ranged", "[cli][sensitivity][langson]") {
  const auto src = test::source_dir();
  const auto peak = (src / "networks" / "langson" / "scenarios" / "wind-1444-peak.yaml").string();
  const auto profiles = (src / "networks" / "langson" / "profiles" / "langson-2021.csv").string();
  auto find = [](const json& j, const std::string& key) -> const json* {
    for (const auto& f : j["findings"])
      if (f["key"] == key) return &f;
    return nullptr;
  };
  SECTION("three days of curtailment: restringing Phú Xá – Na Dương curtails less") {
    const auto run = test::run_lsflow("sensitivity " + peak + " --study timeseries --profiles " + profiles +
                                      " --hours 1000-1071 --only A-PhuXaNaDuong --format json --no-progress");
    INFO(run.err);
    REQUIRE(run.exit == 0);
    const json j = json::parse(run.out);
    REQUIRE(j["variants"].size() == 2);
    const json* c = find(j, "wind curtailed");
    REQUIRE(c != nullptr);
    CHECK((*c)["unit"] == "GWh");
    CHECK((*c)["baseline"].get<double>() > 10.0);   // the windy days of the profile
    CHECK((*c)["min"].get<double>() < (*c)["baseline"].get<double>() - 1.0);
    CHECK((*c)["moved_most_by"] == "A-PhuXaNaDuong=ACSR-300-throughout");
    const json* binds = find(j, "binds curtailment L110_PhuXa_NaDuong_c1");
    REQUIRE(binds != nullptr);
    CHECK((*binds)["max"].get<double>() <= 72.0);
    const auto none = test::run_lsflow("sensitivity " + peak + " --study timeseries --no-progress");
    CHECK(none.exit == 2);
    CHECK_THAT(none.err, Contains("--study timeseries needs --profiles FILE"));
  }
  SECTION("n1: only the N-1 findings; hosting: MW per bus and the fleet's export limit") {
    const auto path = (src / "tests" / "data" / "scenario" / "assume.yaml").string();
    const auto n1 = test::run_lsflow("sensitivity " + path + " --study n1 --format json --no-progress");
    REQUIRE(n1.exit == 0);
    const json j = json::parse(n1.out);
    CHECK(find(j, "N-0 overload L_AB") == nullptr);
    CHECK(find(j, "N-1 not secure") != nullptr);
    const auto cf30 = (src / "networks" / "langson" / "scenarios" / "wind-3570-light-cf30.yaml").string();
    const auto h = test::run_lsflow("sensitivity " + cf30 + " --study hosting --only A-Conductor220 --format json --no-progress");
    INFO(h.err);
    REQUIRE(h.exit == 0);
    const json hj = json::parse(h.out);
    const json* ex = find(hj, "export at the fleet's N-0 limit");
    REQUIRE(ex != nullptr);
    // The figure: the clean export rises from ~640 MW to at least 844 MW with twin ACSR-330.
    CHECK((*ex)["baseline"].get<double>() == Approx(626.0).margin(20.0));
    CHECK((*ex)["max"].get<double>() >= 844.0);
    CHECK(find(hj, "hosting N-0 PhuXa110") != nullptr);
  }
}
