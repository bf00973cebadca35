#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "io/matpower_reader.hpp"
#include "test_paths.hpp"

using lsflow::BusIdx;
using lsflow::InputError;
using lsflow::io::parse_matpower;
using lsflow::io::read_matpower;
using namespace lsflow::model;

namespace {

// 1-based line of the only line holding `marker`.
int line_of(const std::string& text, const std::string& marker) {
  const auto pos = text.find(marker);
  REQUIRE(pos != std::string::npos);
  REQUIRE(text.find(marker, pos + 1) == std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

// A three-bus case that uses the syntax real files use: comments anywhere, rows with and without
// ';', '];' on the last row, extra columns, tabs, Inf limits, a continuation, ignored fields.
const std::string tiny_case = R"(function mpc = tiny
%TINY  three-bus test case
mpc.version = '2';   % trailing comment

mpc.baseMVA = 100;

%% bus data
%	bus_i	type	Pd	Qd	Gs	Bs	area	Vm	Va	baseKV	zone	Vmax	Vmin
mpc.bus = [
	1	3	0	0	0	0	1	1.06	0	230	1	1.1	0.9;   % BUS1
	2	2	21.7	12.7	0	0	1	1.045	-4.98	230	2	1.1	0.9	99	98  % BUS2

  3 1 -0.5 .5 1e-05 19 2 1.01 -12.7 115 3 1.06 0.94];  % BUS3
mpc.areas = [1 5;];
mpc.gen = [
	1	232.4	-16.9	Inf	-Inf	1.06	100	1	332.4	0	0	0;  % GEN1
	2	40	42.4	50	-40	1.045	200	0	140	10   % GEN2
	2	10	0	10	-10	1.045	100	1	Inf	-5;  % GEN3
];
mpc.branch = [
	1	2	0.01938	0.05917	0.0528	100	110	120	0	0	1	-360	360;  % BR1
	1	2	0.01938	0.05917	0.0528	0	0	0	0	0	1;  % BR2
	2	3	0	0.25202	0	0	0	0	0.932	0	1;  % BR3
	1	3	0.05403	0.22304	0.0492 ...  % BR4
	 0	0	0	0	-3	0;
	1,2,0.02,0.06,0,0,0,0,0,0,1;  % BR5
];

%%-----  OPF Data  -----%%
mpc.gencost = [
	2	0	0	3	0.043	20	0;
	2	0	0	3	0.25	20	0;
	2	0	0	3	0.01	40	0;
];
mpc.gentype = {'ST'; 'HY'; 'W2'};
mpc.genfuel = {
	'coal';
	'Hydro';
	'wind';
};
mpc.bus_name = {
	'North';
	'';
	'North';
};
)";

// A minimal valid case; each error test changes one piece of it.
const std::string base_case = R"(function mpc = base
mpc.version = '2';
mpc.baseMVA = 100;
mpc.bus = [
	1	3	0	0	0	0	1	1	0	230	1	1.1	0.9;
	2	1	50	10	0	0	1	1	0	230	1	1.1	0.9;
	3	2	0	0	0	0	1	1	0	230	1	1.1	0.9;
];
mpc.gen = [
	1	0	0	100	-100	1.02	100	1	200	0;
	3	40	0	100	-100	1.01	100	1	200	0;
];
mpc.branch = [
	1	2	0.01	0.1	0.02	100	100	100	0	0	1;
	2	3	0.01	0.1	0.02	100	100	100	0	0	1;
];
mpc.gencost = [
	2	0	0	3	0.01	40	0;
	2	0	0	3	0.01	40	0;
];
)";

std::string replaced(const std::string& text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  std::string out = text;
  out.replace(pos, from.size(), to);
  return out;
}

// The InputError thrown by parsing `text`, which must throw one.
InputError parse_error(const std::string& text, const std::string& label = "bad.m") {
  try {
    parse_matpower(text, label);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError thrown for:\n" << text);
  throw std::logic_error("unreachable");
}

InputError read_error(const std::string& path) {
  try {
    read_matpower(path);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError thrown for " << path);
  throw std::logic_error("unreachable");
}

std::string contains_loc(const std::string& file, int line) {
  return file + ":" + std::to_string(line) + ": ";
}

}  // namespace

TEST_CASE("matpower: a small case maps every field", "[io][matpower]") {
  const Network net = parse_matpower(tiny_case, "cases/tiny.m");
  CHECK(net.name == "tiny");
  CHECK(net.source_file == "cases/tiny.m");
  CHECK(net.base_mva == 100.0);

  REQUIRE(net.buses.size() == 3);
  const Bus& b1 = net.buses[0];
  CHECK(b1.id == 1);
  CHECK(b1.name == "North");
  CHECK(b1.type == BusType::Ref);
  CHECK(b1.area == 1);
  CHECK(b1.vm_pu == 1.06);
  CHECK(b1.va_deg == 0.0);
  CHECK(b1.base_kv == 230.0);
  CHECK(b1.zone == "1");
  CHECK(b1.vmax_pu == 1.1);
  CHECK(b1.vmin_pu == 0.9);
  CHECK(b1.loc.file == "cases/tiny.m");
  CHECK(b1.loc.line == line_of(tiny_case, "BUS1"));
  const Bus& b2 = net.buses[1];
  CHECK(b2.id == 2);
  CHECK(b2.name.empty());
  CHECK(b2.type == BusType::PV);
  CHECK(b2.va_deg == -4.98);
  CHECK(b2.zone == "2");
  CHECK(b2.loc.line == line_of(tiny_case, "BUS2"));
  const Bus& b3 = net.buses[2];
  CHECK(b3.id == 3);
  CHECK(b3.name == "North#3");   // a duplicate name gets the bus number
  CHECK(b3.type == BusType::PQ);
  CHECK(b3.area == 2);
  CHECK(b3.base_kv == 115.0);
  CHECK(b3.zone == "3");
  CHECK(b3.vmax_pu == 1.06);
  CHECK(b3.vmin_pu == 0.94);
  CHECK(b3.loc.line == line_of(tiny_case, "BUS3"));
  CHECK(net.find_bus(3) == BusIdx{2});
  CHECK(net.find_bus_by_name("North#3") == BusIdx{2});

  REQUIRE(net.loads.size() == 2);   // bus 1 has no load
  CHECK(net.loads[0].name == "load@2");
  CHECK(net.loads[0].bus == BusIdx{1});
  CHECK(net.loads[0].p_mw == 21.7);
  CHECK(net.loads[0].q_mvar == 12.7);
  CHECK(net.loads[0].in_service);
  CHECK(net.loads[0].loc.line == line_of(tiny_case, "BUS2"));
  CHECK(net.loads[1].name == "load@3");
  CHECK(net.loads[1].p_mw == -0.5);
  CHECK(net.loads[1].q_mvar == 0.5);

  REQUIRE(net.shunts.size() == 1);
  CHECK(net.shunts[0].name == "shunt@3");
  CHECK(net.shunts[0].bus == BusIdx{2});
  CHECK(net.shunts[0].g_mw == 1e-05);
  CHECK(net.shunts[0].b_mvar == 19.0);
  CHECK(net.shunts[0].loc.line == line_of(tiny_case, "BUS3"));

  REQUIRE(net.generators.size() == 3);
  const Generator& g1 = net.generators[0];
  CHECK(g1.name == "gen1@1");
  CHECK(g1.kind == GenKind::Thermal);
  CHECK(g1.bus == BusIdx{0});
  CHECK(g1.p_mw == 232.4);
  CHECK(g1.q_mvar == -16.9);
  CHECK(std::isinf(g1.qmax_mvar));
  CHECK(g1.qmax_mvar > 0);
  CHECK(std::isinf(g1.qmin_mvar));
  CHECK(g1.qmin_mvar < 0);
  CHECK(g1.vg_pu == 1.06);
  CHECK(g1.mbase_mva == 100.0);
  CHECK(g1.in_service);
  CHECK(g1.pmax_mw == 332.4);
  CHECK(g1.pmin_mw == 0.0);
  CHECK(g1.loc.line == line_of(tiny_case, "GEN1"));
  const Generator& g2 = net.generators[1];
  CHECK(g2.name == "gen2@2");
  CHECK(g2.kind == GenKind::Hydro);
  CHECK(g2.bus == BusIdx{1});
  CHECK(g2.qmax_mvar == 50.0);
  CHECK(g2.qmin_mvar == -40.0);
  CHECK(g2.mbase_mva == 200.0);
  CHECK_FALSE(g2.in_service);
  CHECK(g2.pmin_mw == 10.0);
  CHECK(g2.loc.line == line_of(tiny_case, "GEN2"));
  const Generator& g3 = net.generators[2];
  CHECK(g3.name == "gen3@2");   // row order, not bus order
  CHECK(g3.kind == GenKind::Wind);
  CHECK(std::isinf(g3.pmax_mw));
  CHECK(g3.pmin_mw == -5.0);
  CHECK(g3.loc.line == line_of(tiny_case, "GEN3"));

  REQUIRE(net.branches.size() == 5);
  const Branch& br1 = net.branches[0];
  CHECK(br1.name == "1-2");
  CHECK(br1.kind == BranchKind::Line);
  CHECK(br1.from == BusIdx{0});
  CHECK(br1.to == BusIdx{1});
  CHECK(br1.r_pu == 0.01938);
  CHECK(br1.x_pu == 0.05917);
  CHECK(br1.b_pu == 0.0528);
  CHECK(br1.rate_a_mva == 100.0);
  CHECK(br1.rate_b_mva == 110.0);
  CHECK(br1.rate_c_mva == 120.0);
  CHECK(br1.tap_ratio == 0.0);
  CHECK(br1.shift_deg == 0.0);
  CHECK(br1.in_service);
  CHECK(br1.loc.line == line_of(tiny_case, "BR1"));
  CHECK(net.branches[1].name == "1-2#2");
  const Branch& br3 = net.branches[2];
  CHECK(br3.name == "2-3");
  CHECK(br3.kind == BranchKind::Transformer);
  CHECK(br3.tap_ratio == 0.932);
  CHECK(br3.r_pu == 0.0);
  const Branch& br4 = net.branches[3];
  CHECK(br4.name == "1-3");
  CHECK(br4.kind == BranchKind::Transformer);   // phase shifter: ratio 0, angle -3
  CHECK(br4.shift_deg == -3.0);
  CHECK_FALSE(br4.in_service);
  CHECK(br4.loc.line == line_of(tiny_case, "BR4"));   // a continued row keeps its first line
  const Branch& br5 = net.branches[4];
  CHECK(br5.name == "1-2#3");
  CHECK(br5.r_pu == 0.02);
  CHECK(br5.x_pu == 0.06);
  CHECK(br5.loc.line == line_of(tiny_case, "BR5"));
}

TEST_CASE("matpower: the network is named after the function line or the file", "[io][matpower]") {
  CHECK(parse_matpower(base_case, "x/other.m").name == "base");
  const std::string no_function = replaced(base_case, "function mpc = base", "% no function line");
  CHECK(parse_matpower(no_function, "x/other.m").name == "other");
  const Network plain = parse_matpower(no_function, "x/other.m");
  CHECK(plain.generators.size() == 2);
  CHECK(plain.branches.size() == 2);
}

TEST_CASE("matpower: genfuel names map to generator kinds", "[io][matpower]") {
  auto kind_of = [](const std::string& fuel) {
    const std::string text = replaced(base_case, "mpc.gencost", "mpc.genfuel = {'" + fuel +
                                                                    "'; 'ng'};\nmpc.gencost");
    return parse_matpower(text, "fuel.m").generators.at(0).kind;
  };
  CHECK(kind_of("coal") == GenKind::Thermal);
  CHECK(kind_of("nuclear") == GenKind::Thermal);
  CHECK(kind_of("oil") == GenKind::Thermal);
  CHECK(kind_of("biomass") == GenKind::Thermal);
  CHECK(kind_of("hydro") == GenKind::Hydro);
  CHECK(kind_of("solar") == GenKind::Solar);
  CHECK(kind_of("wind") == GenKind::Wind);
  CHECK(kind_of("syncgen") == GenKind::Other);
  CHECK(kind_of("unknown") == GenKind::Other);
  // Without genfuel every generator is Other.
  CHECK(parse_matpower(base_case, "base.m").generators.at(0).kind == GenKind::Other);
}

TEST_CASE("matpower: quoted names keep doubled quotes and spaces", "[io][matpower]") {
  const std::string text =
      replaced(base_case, "mpc.gencost", "mpc.bus_name = { 'O''Brien 1'; \"Riversde  V2\"; 'C' };\nmpc.gencost");
  const Network net = parse_matpower(text, "names.m");
  CHECK(net.buses[0].name == "O'Brien 1");
  CHECK(net.buses[1].name == "Riversde  V2");
  CHECK(net.buses[2].name == "C");
}

// The reader has its own fast path for plain decimals and falls back to from_chars for the rest;
// either way a value must be bit for bit what from_chars gives.
TEST_CASE("matpower: numbers read exactly as from_chars reads them", "[io][matpower]") {
  std::vector<std::string> numbers = {
      "0",       "-0",        "7",           "-12",         ".5",           "5.",
      "-.25",    "+3.5",      "1e-05",       "-2.5E+3",     "0.1",          "0.3",
      "1.0116409", "-39.843601", "0.277777778", "123456789.123456", "9007199254740993",
      "0.12345678901234567890", "12345678901234567890123", "1.7976931348623157e308",
      "4.9e-324", "00000012.5000", "-0.000000000000000000001"};
  std::mt19937_64 rng(20240531);
  for (int i = 0; i < 300; ++i) {   // random decimals with 1-20 significant digits
    const int int_digits = static_cast<int>(rng() % 9);
    const int fraction_digits = static_cast<int>(rng() % 13);
    std::string s = (rng() % 3 == 0) ? "-" : "";
    for (int d = 0; d < int_digits; ++d) s += static_cast<char>('0' + rng() % 10);
    if (fraction_digits > 0 || int_digits == 0) s += '.';
    for (int d = 0; d < std::max(fraction_digits, int_digits == 0 ? 1 : 0); ++d)
      s += static_cast<char>('0' + rng() % 10);
    numbers.push_back(s);
  }
  // Each number becomes the charging susceptance b of one branch.
  std::string text = base_case.substr(0, base_case.find("mpc.branch")) + "mpc.branch = [\n";
  for (const std::string& n : numbers) text += "\t1\t2\t0.01\t0.1\t" + n + "\t0\t0\t0\t0\t0\t1;\n";
  text += "];";
  const Network net = parse_matpower(text, "numbers.m");
  REQUIRE(net.branches.size() == numbers.size());
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    INFO(numbers[i]);
    const std::string& n = numbers[i];
    const std::size_t skip = n[0] == '+' ? 1 : 0;
    double expected = 0.0;
    std::from_chars(n.data() + skip, n.data() + n.size(), expected);
    CHECK(std::bit_cast<std::uint64_t>(net.branches[i].b_pu) == std::bit_cast<std::uint64_t>(expected));
  }
}

TEST_CASE("matpower: bad input gives InputError at the right file:line", "[io][matpower]") {
  CHECK_NOTHROW(parse_matpower(base_case, "bad.m"));   // so each error below comes from its change

  struct Case {
    const char* what;
    std::string text;
    std::string message;   // a piece of the expected message
  };
  const std::string bus2 = "\t2\t1\t50\t10\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9;";
  const std::string gen1 = "\t1\t0\t0\t100\t-100\t1.02\t100\t1\t200\t0;";
  const std::string br2 = "\t2\t3\t0.01\t0.1\t0.02\t100\t100\t100\t0\t0\t1;";
  const std::vector<Case> cases = {
      {"version 1", replaced(base_case, "mpc.version = '2';", "mpc.version = '1'; %<-"), "version 2"},
      {"numeric version 1", replaced(base_case, "mpc.version = '2';", "mpc.version = 1; %<-"),
       "mpc.version is '1'"},
      {"no version", replaced(base_case, "mpc.version = '2';", ""), "no mpc.version"},
      {"no baseMVA", replaced(base_case, "mpc.baseMVA = 100;", ""), "no mpc.baseMVA"},
      {"baseMVA zero", replaced(base_case, "mpc.baseMVA = 100;", "mpc.baseMVA = 0; %<-"),
       "positive"},
      {"baseMVA negative", replaced(base_case, "mpc.baseMVA = 100;", "mpc.baseMVA = -100; %<-"),
       "positive"},
      {"baseMVA text", replaced(base_case, "mpc.baseMVA = 100;", "mpc.baseMVA = hundred; %<-"),
       "found \"hundred\""},
      {"no bus", replaced(base_case, "mpc.bus = [", "mpc.buses = ["), "no mpc.bus matrix"},
      {"no gen", replaced(base_case, "mpc.gen = [", "mpc.generators = ["), "no mpc.gen matrix"},
      {"no branch", replaced(base_case, "mpc.branch = [", "mpc.lines = ["), "no mpc.branch matrix"},
      {"bus row too short", replaced(base_case, bus2, "\t2\t1\t50\t10\t0\t0\t1\t1\t0\t230\t1\t1.1; %<-"),
       "mpc.bus row 2 has 12 columns, needs at least 13"},
      {"gen row too short", replaced(base_case, gen1, "\t1\t0\t0\t100\t-100\t1.02\t100\t1\t200; %<-"),
       "mpc.gen row 1 has 9 columns, needs at least 10"},
      {"branch row too short", replaced(base_case, br2, "\t2\t3\t0.01\t0.1\t0.02 %<-"),
       "mpc.branch row 2 has 5 columns, needs at least 11"},
      {"text for a number", replaced(base_case, bus2, "\t2\t1\tabc\t10\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9; %<-"),
       "column 3 (Pd): expected a number, found \"abc\""},
      {"number glued to text", replaced(base_case, br2, "\t2\t3\t0.01\t0.1x\t0.02\t100\t100\t100\t0\t0\t1; %<-"),
       "found \"0.1x\""},
      {"NaN", replaced(base_case, br2, "\t2\t3\t0.01\tNaN\t0.02\t100\t100\t100\t0\t0\t1; %<-"), "NaN"},
      {"NaN in an extra column",
       replaced(base_case, br2, "\t2\t3\t0.01\t0.1\t0.02\t100\t100\t100\t0\t0\t1\tNaN; %<-"), "NaN"},
      {"Inf in bus Vm", replaced(base_case, bus2, "\t2\t1\t50\t10\t0\t0\t1\tInf\t0\t230\t1\t1.1\t0.9; %<-"),
       "column 8 (Vm): Inf is not allowed"},
      {"-Inf in gen Pmin", replaced(base_case, gen1, "\t1\t0\t0\t100\t-100\t1.02\t100\t1\t200\t-Inf; %<-"),
       "column 10 (Pmin): -Inf is not allowed"},
      {"Inf in branch rating", replaced(base_case, br2, "\t2\t3\t0.01\t0.1\t0.02\tInf\t100\t100\t0\t0\t1; %<-"),
       "rateA): Inf is not allowed"},
      {"matrix never closed", base_case.substr(0, base_case.find("mpc.branch")) +
                                  "mpc.branch = [ %<-\n\t1\t2\t0.01\t0.1\t0.02\t100\t100\t100\t0\t0\t1;\n",
       "never closed: the file ends at line 14"},
      {"ignored matrix never closed",
       replaced(base_case.substr(0, base_case.find("\t2\t0\t0\t3\t0.01\t40\t0;")) + "\t2\t0\t0\t3",
                "mpc.gencost = [", "mpc.gencost = [ %<-"),
       "never closed"},
      {"cell array never closed", base_case + "mpc.bus_name = { %<-\n 'a';\n 'b';\n", "never closed"},
      {"duplicate bus id", replaced(base_case, bus2, "\t1\t1\t50\t10\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9; %<-"),
       "duplicate bus id 1"},
      {"branch to a missing bus", replaced(base_case, br2, "\t2\t7\t0.01\t0.1\t0.02\t100\t100\t100\t0\t0\t1; %<-"),
       "bus 7 does not exist"},
      {"generator at a missing bus", replaced(base_case, gen1, "\t9\t0\t0\t100\t-100\t1.02\t100\t1\t200\t0; %<-"),
       "bus 9 does not exist"},
      {"zero impedance", replaced(base_case, br2, "\t2\t3\t0\t0\t0.02\t100\t100\t100\t0\t0\t1; %<-"),
       "branch 2-3 (mpc.branch row 2): r = x = 0"},
      {"negative rating", replaced(base_case, br2, "\t2\t3\t0.01\t0.1\t0.02\t100\t-5\t100\t0\t0\t1; %<-"),
       "rateB = -5 MVA is negative"},
      {"Vg too low", replaced(base_case, gen1, "\t1\t0\t0\t100\t-100\t0.3\t100\t1\t200\t0; %<-"),
       "gen1@1: voltage set-point Vg = 0.3 pu"},
      {"Vg too high (kV instead of pu)",
       replaced(base_case, gen1, "\t1\t0\t0\t100\t-100\t230\t100\t1\t200\t0; %<-"), "Vg = 230 pu"},
      {"bus type 5", replaced(base_case, bus2, "\t2\t5\t50\t10\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9; %<-"),
       "bus 2: type 5 is not a MATPOWER bus type"},
      {"bus type 0", replaced(base_case, bus2, "\t2\t0\t50\t10\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9; %<-"),
       "type 0"},
      {"bus number not whole", replaced(base_case, bus2, "\t2.5\t1\t50\t10\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9; %<-"),
       "positive whole number"},
      {"bus_name count", base_case + "mpc.bus_name = { %<-\n 'a';\n 'b';\n};\n",
       "mpc.bus_name has 2 names but mpc.bus has 3 rows"},
      {"genfuel count", base_case + "mpc.genfuel = {'coal'; 'ng'; 'wind'}; %<-\n",
       "mpc.genfuel has 3 entries but mpc.gen has 2 rows"},
      {"number in bus_name", base_case + "mpc.bus_name = { 'a'; 2; 'c' }; %<-\n", "expected a quoted name"},
      {"string not closed", base_case + "mpc.bus_name = { 'a'; 'b; }; %<-\n", "not closed"},
      {"indexed assignment", base_case + "mpc.bus(2, 3) = 60; %<-\n", "plain assignment"},
      {"assigned twice", base_case + "mpc.baseMVA = 50; %<-\n", "second time (first at line 3)"},
      {"text after a matrix", replaced(base_case, "];\nmpc.gen", "]'; %<-\nmpc.gen"), "unexpected"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const InputError e = parse_error(c.text);
    const int line = c.text.find("%<-") == std::string::npos ? 1 : line_of(c.text, "%<-");
    CHECK(e.loc().file == "bad.m");
    CHECK(e.loc().line == line);
    CHECK_THAT(e.what(), Catch::Matchers::StartsWith(contains_loc("bad.m", line)));
    CHECK_THAT(e.what(), Catch::Matchers::Contains(c.message));
  }
}

TEST_CASE("matpower: empty text is an error at line 1", "[io][matpower]") {
  for (const std::string text : {"", "\n\n  \t\n"}) {
    const InputError e = parse_error(text);
    CHECK(e.loc().line == 1);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("empty"));
  }
}

TEST_CASE("matpower: broken sample files are reported at file:line", "[io][matpower]") {
  const std::string dir = (lsflow::test::source_dir() / "tests" / "data" / "matpower").string();
  struct Sample {
    const char* file;
    int line;
    const char* message;
  };
  for (const Sample& s : {Sample{"empty.m", 1, "empty"},
                          Sample{"truncated.m", 24, "mpc.branch: the matrix opened here is never closed"},
                          Sample{"version1.m", 4, "version 2"},
                          Sample{"nan_in_gen.m", 14, "mpc.gen row 2, column 2 (Pg): NaN"},
                          Sample{"missing_branch.m", 1, "no mpc.branch matrix"}}) {
    const std::string path = dir + "/" + s.file;
    INFO(path);
    const InputError e = read_error(path);
    CHECK(e.loc().file == path);
    CHECK(e.loc().line == s.line);
    CHECK_THAT(e.what(), Catch::Matchers::StartsWith(contains_loc(path, s.line)));
    CHECK_THAT(e.what(), Catch::Matchers::Contains(s.message));
  }
}

TEST_CASE("matpower: a missing or unreadable file is an InputError naming it", "[io][matpower]") {
  const std::string missing = (lsflow::test::source_dir() / "tests" / "data" / "matpower" /
                               "no_such_case.m").string();
  const InputError e = read_error(missing);
  CHECK(e.loc().file == missing);
  CHECK_THAT(e.what(), Catch::Matchers::StartsWith(missing + ": cannot open"));

  const std::string dir = (lsflow::test::source_dir() / "tests" / "data" / "matpower").string();
  CHECK_THAT(read_error(dir).what(), Catch::Matchers::Contains("directory"));
}

TEST_CASE("matpower: case9 from file keeps rows, lines and the file stem", "[io][matpower]") {
  LSFLOW_REQUIRE_SHARED();
  const std::string path = (lsflow::test::shared_dir() / "cases" / "case9.m").string();
  const Network net = read_matpower(path);
  CHECK(net.name == "case9");
  CHECK(net.source_file == path);
  REQUIRE(net.buses.size() == 9);
  CHECK(net.buses[0].loc.line == 29);
  CHECK(net.buses[8].loc.line == 37);
  REQUIRE(net.generators.size() == 3);
  CHECK(net.generators[1].name == "gen2@2");
  CHECK(net.generators[1].p_mw == 163.0);
  CHECK(net.generators[1].loc.line == 44);
  REQUIRE(net.branches.size() == 9);
  CHECK(net.branches[8].name == "9-4");
  CHECK(net.branches[8].loc.line == 59);
  CHECK(net.total_load_mw() == Approx(315.0));
}

TEST_CASE("matpower: every shared case reads with the reference element counts", "[io][matpower]") {
  LSFLOW_REQUIRE_SHARED();
  std::ifstream csv(lsflow::test::shared_dir() / "reference" / "ITERATIONS.csv");
  REQUIRE(csv);
  std::string row;
  std::getline(csv, row);
  REQUIRE(row.rfind("case,mode,buses,branches,gens", 0) == 0);
  int checked = 0;
  while (std::getline(csv, row)) {
    std::vector<std::string> cols;
    std::stringstream ss(row);
    for (std::string col; std::getline(ss, col, ',');) cols.push_back(col);
    if (cols.size() < 5 || cols[1] != "ac") continue;
    const auto path = lsflow::test::shared_dir() / "cases" / (cols[0] + ".m");
    INFO(path.string());
    const Network net = read_matpower(path.string());
    CHECK(net.name == cols[0]);
    CHECK(net.buses.size() == std::stoul(cols[2]));
    CHECK(net.branches.size() == std::stoul(cols[3]));
    CHECK(net.generators.size() == std::stoul(cols[4]));
    ++checked;
  }
  CHECK(checked >= 10);
}

TEST_CASE("matpower: ACTIVSg10k names and fuels", "[io][matpower]") {
  LSFLOW_REQUIRE_SHARED();
  const Network net =
      read_matpower((lsflow::test::shared_dir() / "cases" / "case_ACTIVSg10k.m").string());
  REQUIRE(net.buses.size() == 10000);
  CHECK(net.buses[0].name == "NEAH BAY 1");
  std::map<GenKind, int> kinds;
  for (const Generator& g : net.generators) ++kinds[g.kind];
  // From the case's mpc.genfuel: 156 coal + 974 ng + 6 nuclear, 715 hydro, 391 solar, 243 wind.
  CHECK(kinds[GenKind::Thermal] == 156 + 974 + 6);
  CHECK(kinds[GenKind::Hydro] == 715);
  CHECK(kinds[GenKind::Solar] == 391);
  CHECK(kinds[GenKind::Wind] == 243);
  CHECK(kinds[GenKind::Other] == 0);
}

// Large files have `mpc.branch` parsed by a second thread (ParseOptions::parallel_min_bytes). Forced
// on small texts here, it must give exactly what the one-thread parse gives: the same network, or the
// same error at the same line, wherever the error sits relative to the branch statement.
TEST_CASE("matpower: the two-thread parse equals the one-thread parse, errors included", "[io][matpower]") {
  const std::string br1 = "\t1\t2\t0.01\t0.1\t0.02\t100\t100\t100\t0\t0\t1;";
  const std::vector<std::pair<const char*, std::string>> texts = {
      {"valid", base_case},
      {"error before the branch statement", replaced(base_case, "\t3\t40\t0\t100", "\t3\tx40\t0\t100")},
      {"error inside it", replaced(base_case, br1, "\t1\t2\t0.01\tabc\t0.02\t100\t100\t100\t0\t0\t1;")},
      {"errors before and inside it", replaced(replaced(base_case, "\t3\t40\t0\t100", "\t3\tx40\t0\t100"), br1,
                                               "\t1\t2\t0.01\tabc\t0.02\t100\t100\t100\t0\t0\t1;")},
      {"error after it", replaced(base_case, "mpc.gencost = [", "mpc.bus = [")},
      {"builder error in it (missing bus)", replaced(base_case, br1, "\t1\t9\t0.01\t0.1\t0.02\t100\t100\t100\t0\t0\t1;")},
      {"branch assigned twice", base_case + "mpc.branch = [\n" + br1 + "\n];\n"},
      {"a commented-out branch statement first",
       replaced(base_case, "mpc.bus = [", "%{\nmpc.branch = [ 1 2 ];\n%}\nmpc.bus = [")},
      {"branch statement inside an unclosed matrix", replaced(base_case, "\t3\t2\t0\t0\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9;\n];",
                                                              "\t3\t2\t0\t0\t0\t0\t1\t1\t0\t230\t1\t1.1\t0.9;\n")},
      {"an indexed branch assignment", replaced(base_case, "mpc.branch = [", "mpc.branch(1,:) = [")},
      {"a longer field name", replaced(base_case, "mpc.gencost = [", "mpc.branchnames = [")},
      {"unclosed branch matrix", replaced(base_case, "\t2\t3\t0.01\t0.1\t0.02\t100\t100\t100\t0\t0\t1;\n];",
                                          "\t2\t3\t0.01\t0.1\t0.02\t100\t100\t100\t0\t0\t1;\n")},
  };
  lsflow::io::ParseOptions serial;
  serial.parallel_min_bytes = std::numeric_limits<std::size_t>::max();
  lsflow::io::ParseOptions parallel;
  parallel.parallel_min_bytes = 0;
  for (const auto& [what, text] : texts) {
    INFO(what);
    std::string err_serial, err_parallel;
    Network a, b;
    try {
      a = parse_matpower(text, "t.m", serial);
    } catch (const InputError& e) {
      err_serial = e.what();
    }
    try {
      b = parse_matpower(text, "t.m", parallel);
    } catch (const InputError& e) {
      err_parallel = e.what();
    }
    CHECK(err_parallel == err_serial);
    if (!err_serial.empty()) continue;
    REQUIRE(a.branches.size() == b.branches.size());
    for (std::size_t i = 0; i < a.branches.size(); ++i) {
      CHECK(a.branches[i].name == b.branches[i].name);
      CHECK(a.branches[i].x_pu == b.branches[i].x_pu);
      CHECK(a.branches[i].loc.line == b.branches[i].loc.line);
    }
  }
}
