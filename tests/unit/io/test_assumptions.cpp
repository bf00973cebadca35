// The `assumptions:` sections of network and scenario files: choosing alternatives, what they change,
// and every mistake reported at its file:line.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <string>

#include <yaml-cpp/yaml.h>

#include "common/errors.hpp"
#include "io/assumptions.hpp"
#include "io/network_reader.hpp"
#include "study/apply_scenario.hpp"
#include "study/scenario.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

std::string network_file(const std::string& name) {
  return (test::source_dir() / "tests" / "data" / "network" / name).string();
}
std::string scenario_file(const std::string& name) {
  return (test::source_dir() / "tests" / "data" / "scenario" / name).string();
}
io::Choices choose(const std::string& id, const std::string& alt) {
  return io::Choices{{id, io::Choice{alt, SourceLoc{"test", 1}}}};
}
double rating(const model::Network& net, const std::string& branch) {
  for (const auto& b : net.branches)
    if (b.name == branch) return b.rate_a_mva;
  FAIL("no branch " << branch);
  return 0.0;
}
int marked_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  int n = 0, found = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find("# ERROR") != std::string::npos) found = n;
  }
  REQUIRE(found > 0);
  return found;
}

}  // namespace

TEST_CASE("assumptions: the default is the file's values, and a choice applies its alternative's set", "[io][assumptions]") {
  const std::string path = network_file("assume.yaml");
  const double kv110 = std::sqrt(3.0) * 110.0;
  const auto net = io::read_network_yaml(path);
  REQUIRE(net.assumptions.size() == 2);
  const auto& cond = net.assumptions[0];
  CHECK(cond.id == "A-Conductor");
  CHECK(cond.origin == "network");
  CHECK(cond.is_default());
  // The default first (the file writes it last), then the others in file order.
  REQUIRE(cond.alternatives.size() == 3);
  CHECK(cond.alternatives[0].name == "ACSR-240/39");
  CHECK(cond.alternatives[1].name == "ACSR-300/39");
  CHECK(cond.alternatives[2].name == "AC-185/29");
  CHECK(rating(net, "L_AB") == Approx(kv110 * 0.645));

  // Each alternative gives its own conductor. (Regression: reordering the alternatives once assigned
  // YAML nodes over each other and every non-default alternative set the same thing.)
  const auto thick = io::read_network_yaml(path, choose("A-Conductor", "ACSR-300/39"));
  CHECK(rating(thick, "L_AB") == Approx(kv110 * 0.740));
  CHECK(thick.assumptions[0].chosen == "ACSR-300/39");
  CHECK_FALSE(thick.assumptions[0].is_default());
  const auto thin = io::read_network_yaml(path, choose("A-Conductor", "AC-185/29"));
  CHECK(rating(thin, "L_AB") == Approx(kv110 * 0.510));
  // The short-circuit level: the Thevenin reactance doubles at half the MVA.
  auto zth = [](const model::Network& n) {
    for (const auto& b : n.branches)
      if (b.name == "Grid_Zth") return std::hypot(b.r_pu, b.x_pu);
    return 0.0;
  };
  CHECK(zth(io::read_network_yaml(path, choose("A-Sk", "1000MVA"))) == Approx(2.0 * zth(net)));
  CHECK(io::describe_choices(thick.assumptions) == "A-Conductor = ACSR-300/39 (default ACSR-240/39); 1 other at its default");
}

TEST_CASE("assumptions: every mistake in a network file's section is reported at its line", "[io][assumptions][errors]") {
  struct Bad {
    const char* file;
    const char* says;
  };
  const std::vector<Bad> bad = {
      {"assume_missing_ref.yaml", "assumption \"A-Conductr\" is not defined in the file's `assumptions:` — did you mean 'A-Conductor'?"},
      {"assume_not_named.yaml", "does not name this assumption: add `assumption: A-Sk` to it"},
      {"assume_default_sets.yaml", "the default alternative \"2000MVA\" must not `set` anything"},
      {"assume_unknown_target.yaml", "\"L_BA\" is not an element or library type of this network — did you mean 'L_AB'?"},
      {"assume_bad_default.yaml", "default \"3000MVA\" is not one of its alternatives"},
      {"assume_unknown_type.yaml", "type \"ACSR-330/39\" is not in the library"},   // checked though not chosen
  };
  for (const Bad& b : bad) {
    const std::string path = network_file(b.file);
    INFO(b.file);
    const int line = marked_line(path);
    try {
      (void)io::read_network_yaml(path);
      FAIL("no InputError");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), StartsWith(path + ":" + std::to_string(line) + ": "));
      CHECK_THAT(e.what(), Contains(b.says));
    }
  }
  SECTION("a choice of an unknown alternative or assumption, at the choice's place") {
    const std::string path = network_file("assume.yaml");
    try {
      (void)io::read_network_yaml(path, choose("A-Conductor", "ACSR-400/51"));
      FAIL("no InputError");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), StartsWith("test:1: "));
      CHECK_THAT(e.what(), Contains("assumption \"A-Conductor\" has no alternative \"ACSR-400/51\""));
    }
    CHECK_THROWS_WITH(io::read_network_yaml(path, choose("A-Sc", "1000MVA")),
                      Contains("assumption \"A-Sc\" is defined neither in the network file") && Contains("did you mean 'A-Sk'"));
  }
}

TEST_CASE("assumptions: a scenario chooses the network's alternatives and defines its own", "[study][assumptions]") {
  const auto s = study::read_scenario(scenario_file("assume.yaml"));
  // The scenario's own assumption, with its default; the network's choice is passed on.
  REQUIRE(s.assumptions.size() == 1);
  CHECK(s.assumptions[0].id == "A-Load");
  CHECK(s.assumptions[0].origin == "scenario");
  CHECK(s.network_choices.at("A-Sk").alternative == "1000MVA");
  const auto net = study::build_network(s);
  CHECK(net.total_load_mw() == Approx(125.0));
  for (const auto& a : net.assumptions)
    if (a.id == "A-Sk") CHECK(a.chosen == "1000MVA");

  // Overrides (--assume) beat the file's choose, and reach both kinds of assumption.
  io::Choices over = choose("A-Load", "light");
  over["A-Sk"] = io::Choice{"2000MVA", SourceLoc{"--assume", 0}};
  over["A-Conductor"] = io::Choice{"ACSR-300/39", SourceLoc{"--assume", 0}};
  const auto s2 = study::read_scenario(scenario_file("assume.yaml"), over);
  CHECK(s2.assumptions[0].chosen == "light");
  const auto net2 = study::build_network(s2);
  CHECK(net2.total_load_mw() == Approx(62.5));   // level_pct 50
  CHECK(rating(net2, "L_AB") == Approx(std::sqrt(3.0) * 110.0 * 0.740));
  for (const auto& a : net2.assumptions)
    if (a.id == "A-Sk") CHECK(a.is_default());
  // Two scenario alternatives that set different levels stay different (the reordering regression).
  const auto s3 = study::read_scenario(scenario_file("assume.yaml"), choose("A-Load", "reduced"));
  CHECK(study::build_network(s3).total_load_mw() == Approx(112.5));
}

TEST_CASE("langson grid.yaml: every element has a source or an assumption entry", "[io][assumptions][langson]") {
  const auto dir = test::source_dir() / "networks" / "langson";
  const YAML::Node grid = YAML::LoadFile((dir / "grid.yaml").string());
  const YAML::Node lib = YAML::LoadFile((dir / "conductors.yaml").string());
  std::set<std::string> ids;
  for (const auto& a : grid["assumptions"]) ids.insert(a["id"].as<std::string>());
  CHECK(ids.size() >= 7);
  int elements = 0, without = 0, referring = 0;
  auto check = [&](const YAML::Node& file, const char* section) {
    for (const auto& e : file[section]) {
      ++elements;
      const std::string name = e["name"] ? e["name"].as<std::string>() : "?";
      INFO(section << " " << name);
      const bool sourced = e["source"] && !e["source"].as<std::string>().empty();
      const bool assumed = static_cast<bool>(e["assumption"]);
      if (!sourced && !assumed) ++without;
      CHECK((sourced || assumed));
      if (assumed) {
        ++referring;
        const YAML::Node a = e["assumption"];
        if (a.IsSequence())
          for (const auto& x : a) CHECK(ids.count(x.as<std::string>()) == 1);
        else
          CHECK(ids.count(a.as<std::string>()) == 1);
      }
    }
  };
  for (const char* s : {"buses", "lines", "transformers", "transformers3w", "external_grids", "generators", "loads", "shunts"})
    check(grid, s);
  for (const char* s : {"line_types", "transformer_types", "transformer3w_types"}) check(lib, s);
  CHECK(elements > 150);
  CHECK(without == 0);
  CHECK(referring >= 19);
  // The voltage bands are data too.
  for (const auto& b : grid["voltage_bands"]) CHECK(b["source"]);
  // Every assumption's alternatives carry a source, and every alternative reads (a wrong set would be
  // reported by the reader): the network as each one makes it.
  const std::string path = (dir / "grid.yaml").string();
  for (const auto& a : io::read_network_yaml(path).assumptions) {
    for (const auto& alt : a.alternatives) {
      INFO(a.id << " = " << alt.name);
      CHECK_FALSE(alt.source.empty());
      CHECK_NOTHROW(io::read_network_yaml(path, choose(a.id, alt.name)));
    }
  }
}
