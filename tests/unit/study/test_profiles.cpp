// Profile CSV reader (core/study/profiles.hpp): the format, every error with its file:line, and the
// shipped Lạng Sơn profiles against the facts they were built from (networks/langson/profiles/README.md).
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>

#include "io/read_network.hpp"
#include "study/profiles.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// The message of the InputError `text` raises, or "no error".
std::string error_of(const std::string& text) {
  try {
    (void)study::parse_profiles(text, "p.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string shipped() {
  return (test::source_dir() / "networks" / "langson" / "profiles" / "langson-2021.csv").string();
}

}  // namespace

TEST_CASE("profiles: a small file with comments, blanks, CRLF and spaces", "[profiles]") {
  const std::string text =
      "# comment\r\n"
      "\r\n"
      "hour, load:CaoLoc ,load:*,wind:Wind_A,solar:*,hydro:LocBinh\r\n"
      "0,0.5,0.4,0,0,0.25\r\n"
      "# a comment between rows\r\n"
      "1,1.25,+0.5,0.75,0.1,1\r\n"
      "2,0,1e-1,1,1.0,0\r\n";
  const auto p = study::parse_profiles(text, "p.csv");
  REQUIRE(p.hours == 3);
  REQUIRE(p.columns.size() == 5);
  CHECK(p.columns[0].name == "load:CaoLoc");
  CHECK(p.columns[0].kind == study::ProfileKind::Load);
  CHECK(p.columns[0].target == "CaoLoc");
  CHECK(p.columns[0].file_column == 2);
  CHECK(p.columns[0].loc.line == 3);
  CHECK(p.columns[2].kind == study::ProfileKind::Wind);
  CHECK(p.columns[2].target == "Wind_A");
  CHECK(p.columns[4].kind == study::ProfileKind::Hydro);
  CHECK(p.at(1, 0) == 1.25);
  CHECK(p.at(1, 1) == 0.5);
  CHECK(p.at(2, 1) == Approx(0.1));
  CHECK(p.at(2, 3) == 1.0);
  CHECK(p.line_of_hour == std::vector<int>{4, 6, 7});
  CHECK(p.find("solar:*") == std::size_t{3});
  CHECK_FALSE(p.find("solar:X").has_value());
  CHECK(p.mean(0) == Approx((0.5 + 1.25 + 0.0) / 3));
  CHECK(p.max(2) == 1.0);
}

TEST_CASE("profiles: errors name file, line and column", "[profiles]") {
  const std::string head = "hour,load:A,wind:*\n";
  CHECK(error_of("") == "p.csv: no header line (expected hour,<kind>:<target>,…): the file is empty");
  CHECK(error_of("# only a comment\n\n") ==
        "p.csv: no header line (expected hour,<kind>:<target>,…): the file is empty");
  CHECK_THAT(error_of("time,load:A\n0,1\n"),
             StartsWith("p.csv:1: the first column must be 'hour', found 'time'"));
  CHECK_THAT(error_of("hour\n0\n"), StartsWith("p.csv:1: no profile columns"));
  CHECK_THAT(error_of("hour,loads:A\n"), StartsWith("p.csv:1: column 2 'loads:A': expected <kind>:<target>"));
  CHECK_THAT(error_of("hour,load\n"), StartsWith("p.csv:1: column 2 'load': expected <kind>:<target>"));
  CHECK_THAT(error_of("hour,wind:\n"), StartsWith("p.csv:1: column 2 'wind:': no target"));
  CHECK_THAT(error_of("# c\nhour,load:A,wind:B,load:A\n"),
             StartsWith("p.csv:2: column 4 'load:A' repeats column 2"));
  CHECK_THAT(error_of(head), StartsWith("p.csv:1: no hours after the header"));
  CHECK_THAT(error_of(head + "0,1,0.5\n1,1\n"),
             StartsWith("p.csv:3: 2 values, expected 3 (hour and 2 profile columns)"));
  CHECK_THAT(error_of(head + "0,1,0.5,7\n"), StartsWith("p.csv:2: 4 values, expected 3"));
  CHECK_THAT(error_of(head + "0,1,0.5\n2,1,0.5\n"),
             StartsWith("p.csv:3: hour 2 where hour 1 was expected (rows are hours 0, 1, 2, … in order)"));
  CHECK_THAT(error_of(head + "1,1,0.5\n"), StartsWith("p.csv:2: hour 1 where hour 0 was expected"));
  CHECK_THAT(error_of(head + "0.5,1,0.5\n"), StartsWith("p.csv:2: hour '0.5' is not a whole number"));
  CHECK_THAT(error_of(head + "0,1,0.5\n\n# gap\n1,abc,0.5\n"),
             StartsWith("p.csv:5: column 2 'load:A': 'abc' is not a number"));
  CHECK_THAT(error_of(head + "0,1,\n"), StartsWith("p.csv:2: column 3 'wind:*': '' is not a number"));
  CHECK_THAT(error_of(head + "0,nan,0.5\n"), StartsWith("p.csv:2: column 2 'load:A': 'nan' is not a number"));
  CHECK_THAT(error_of(head + "0,1,1.2\n"),
             StartsWith("p.csv:2: column 3 'wind:*': 1.2 is outside 0–1 (per unit of installed MW)"));
  CHECK_THAT(
      error_of(head + "0,-0.1,0.2\n"),
      StartsWith("p.csv:2: column 2 'load:A': -0.1 is outside 0–10 (per unit of the scenario's load)"));
  CHECK_THAT(error_of(head + "0,10.5,0.2\n"), Contains("10.5 is outside 0–10"));
  // The file reader adds the path; a missing file says so.
  try {
    (void)study::read_profiles("/nonexistent/profile.csv");
    FAIL("no error for a missing file");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "/nonexistent/profile.csv: cannot open the profile file");
  }
}

// The shipped profiles: what networks/langson/profiles/README.md says they are.
TEST_CASE("profiles: shipped Lạng Sơn profiles match the facts they were built from", "[profiles][langson]") {
  const auto p = study::read_profiles(shipped());
  REQUIRE(p.hours == 8760);
  const auto net = io::read_network((test::source_dir() / "networks" / "langson" / "grid.yaml").string());
  // Zone peak load from the network file's loads (the base case is the evening peak).
  std::map<std::string, double> zone_mw;
  for (const auto& l : net.loads)
    if (l.in_service) zone_mw[net.bus(l.bus).zone] += l.p_mw;
  double total = 0.0;
  for (const auto& [zone, mw] : zone_mw) {
    INFO("zone " << zone);
    REQUIRE(p.find("load:" + zone).has_value());
    total += mw;
  }
  // Province: peak 1 (the base case), load factor 0.465 (README calibration).
  std::vector<double> province(p.hours, 0.0);
  for (const auto& [zone, mw] : zone_mw) {
    const auto c = *p.find("load:" + zone);
    for (std::size_t h = 0; h < p.hours; ++h) province[h] += p.at(h, c) * mw / total;
  }
  double peak = 0.0, sum = 0.0;
  std::size_t peak_hour = 0;
  for (std::size_t h = 0; h < p.hours; ++h) {
    sum += province[h];
    if (province[h] > peak) {
      peak = province[h];
      peak_hour = h;
    }
  }
  CHECK(peak == Approx(1.0).margin(0.003));
  CHECK(sum / 8760.0 == Approx(0.465).margin(0.003));
  // Evening peak (18:00-21:00) [C].
  CHECK(peak_hour % 24 >= 18);
  CHECK(peak_hour % 24 <= 21);

  // Wind: capacity factor 25-35 %, more than half the energy in the NE monsoon (October-March).
  int wind_columns = 0;
  for (std::size_t c = 0; c < p.columns.size(); ++c) {
    if (p.columns[c].kind != study::ProfileKind::Wind) continue;
    ++wind_columns;
    INFO(p.columns[c].name);
    const double cf = p.mean(c);
    CHECK(cf >= 0.25);
    CHECK(cf <= 0.35);
    double winter = 0.0;
    for (std::size_t h = 0; h < p.hours; ++h) {
      const std::size_t day = h / 24;
      const bool monsoon = day < 90 || day >= 273;  // Jan-Mar, Oct-Dec
      if (monsoon) winter += p.at(h, c);
    }
    CHECK(winter / (cf * 8760.0) > 0.52);
  }
  CHECK(wind_columns == 5);
  // Solar: 1,000-1,150 kWh/kWp; nothing at night.
  const auto solar = p.find("solar:*");
  REQUIRE(solar.has_value());
  const double kwh_per_kwp = p.mean(*solar) * 8760.0;
  CHECK(kwh_per_kwp >= 1000.0);
  CHECK(kwh_per_kwp <= 1150.0);
  for (std::size_t d = 0; d < 365; ++d) CHECK(p.at(d * 24 + 1, *solar) == 0.0);  // 01:00-02:00
  REQUIRE(p.find("hydro:*").has_value());
}

TEST_CASE("profiles: a UTF-8 byte-order mark is skipped, semicolon-separated with decimal commas (Excel, Vietnamese locale)", "[profiles]") {
  const std::string plain = "hour,load:*,wind:*\n0,0.5,0.25\n1,1.0,0.75\n";
  const auto a = study::parse_profiles("\xEF\xBB\xBF" + plain, "bom.csv");
  REQUIRE(a.hours == 2);
  CHECK(a.columns[0].name == "load:*");
  study::ProfileFormat semi;
  semi.separator = ';';
  const auto b = study::parse_profiles("\xEF\xBB\xBFhour;load:*;wind:*\n0;0,5;0,25\n1;1;0,75\n", "excel.csv", semi);
  REQUIRE(b.hours == 2);
  for (std::size_t h = 0; h < 2; ++h)
    for (std::size_t c = 0; c < 2; ++c) CHECK(b.at(h, c) == a.at(h, c));
  // The same file read as ',' says what to do.
  try {
    (void)study::parse_profiles("hour;load:*;wind:*\n0;0,5;0,25\n", "excel.csv");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Matchers::Contains("excel.csv:1:") && Catch::Matchers::Contains("--csv-sep ';'"));
  }
  // A decimal comma without ';' is still an error at its line.
  CHECK_THROWS_WITH(study::parse_profiles("hour,load:*\n0,\"0,5\"\n", "x.csv"), Catch::Matchers::Contains("x.csv:2:"));
}
