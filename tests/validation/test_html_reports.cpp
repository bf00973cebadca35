// The HTML reports (`--html FILE`): self-contained (no address to fetch anything from), and — in a real
// browser, headless Chromium (Debian's `chromium`) — they load without a script error, their tables sort
// (the page's own #selftest), the map has its elements, and the known overloaded line of the main study is
// drawn red. A screenshot is taken. Without Chromium the browser part is skipped with a message, unless
// LSFLOW_REQUIRE_BROWSER is set (CI sets it: there, a missing browser is a failure).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "cli_util.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using Catch::Matchers::Contains;

namespace {

std::string scenario(const std::string& name) {
  return (test::source_dir() / "networks" / "langson" / "scenarios" / (name + ".yaml")).string();
}

std::string chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (std::filesystem::exists(p)) return p;
  return {};
}

bool browser_required() { return std::getenv("LSFLOW_REQUIRE_BROWSER") != nullptr; }

// Chromium's flags for a closed network and a root user (the env skill's list).
std::string chromium_cmd(const std::filesystem::path& profile) {
  return "\"" + chromium() + "\" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
         "--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars "
         "--user-data-dir=\"" + profile.string() + "\"";
}

// Every report the commands make, on the main study (and a short year).
struct Reports {
  std::filesystem::path dir;
  std::string run, compare, n1, hosting, timeseries, sensitivity;
  Reports() : dir(test::scratch_dir("html")) {
    run = (dir / "run.html").string();
    compare = (dir / "compare.html").string();
    n1 = (dir / "n1.html").string();
    hosting = (dir / "hosting.html").string();
    timeseries = (dir / "timeseries.html").string();
    sensitivity = (dir / "sensitivity.html").string();
    const auto main = scenario("wind-1444-light-cf30");
    REQUIRE(test::run_lsflow("run " + main + " --html " + run).exit == 0);
    REQUIRE(test::run_lsflow("compare " + scenario("wind-0-light") + " " + main + " --curtail --html " + compare).exit == 0);
    REQUIRE(test::run_lsflow("n1 " + main + " --no-progress --html " + n1).exit == 0);
    REQUIRE(test::run_lsflow("hosting " + main + " --no-progress --no-fleet --buses PhuXa110,ChiLang110 --html " + hosting).exit == 0);
    const auto profiles = (test::source_dir() / "networks" / "langson" / "profiles" / "langson-2021.csv").string();
    REQUIRE(test::run_lsflow("timeseries " + scenario("wind-1444-peak") + " --profiles " + profiles +
                             " --hours 0-335 --curtail --no-progress --html " + timeseries)
                .exit == 0);
    REQUIRE(test::run_lsflow("sensitivity " + scenario("wind-3570-light-cf30") + " --no-progress --html " + sensitivity).exit == 0);
  }
  ~Reports() { std::filesystem::remove_all(dir); }
  [[nodiscard]] std::vector<std::string> all() const { return {run, compare, n1, hosting, timeseries, sensitivity}; }
};

}  // namespace

TEST_CASE("HTML reports are self-contained pages with the map and the sections of each command", "[html]") {
  Reports r;
  for (const auto& f : r.all()) {
    INFO(f);
    const std::string page = test::slurp_file(f);
    REQUIRE(page.rfind("<!DOCTYPE html>", 0) == 0);
    // Nothing is fetched: no address in a src, an href, a CSS url() or an import.
    CHECK_FALSE(std::regex_search(page, std::regex(R"((src|href)\s*=\s*["']?(https?:)?//)")));
    CHECK(page.find("url(http") == std::string::npos);
    CHECK(page.find("@import") == std::string::npos);
    CHECK(page.find("<svg") != std::string::npos);
    CHECK(page.find("</html>") != std::string::npos);
  }
  const std::string run = test::slurp_file(r.run);
  CHECK_THAT(run, Contains("id=\"map\"") && Contains("id=\"loading-chart\"") && Contains("id=\"violations\"") &&
                      Contains("id=\"n1\"") && Contains("id=\"generators\""));
  // The known overloaded line, red on the map, with its loading in the hover title.
  CHECK(std::regex_search(run, std::regex(R"(data-element="L110_PhuXa_NaDuong_c1" data-value="134\.3"[^>]*stroke="#d73027")")));
  CHECK_THAT(test::slurp_file(r.compare), Contains("id=\"map-delta-1\"") && Contains("wind curtailed"));
  CHECK_THAT(test::slurp_file(r.n1), Contains("id=\"ranking\"") && Contains("id=\"ranking-chart\""));
  CHECK_THAT(test::slurp_file(r.hosting), Contains("id=\"hosting-chart\"") && Contains("class=\"node hosting\""));
  CHECK_THAT(test::slurp_file(r.timeseries), Contains("id=\"duration\"") && Contains("id=\"heatmap\"") &&
                                                 Contains("id=\"curtailment-chart\"") && Contains("id=\"energy-chart\""));
  // Sensitivity: the findings with the flipped ones marked, the tornado, the 220 kV conductor named.
  const std::string sens = test::slurp_file(r.sensitivity);
  CHECK_THAT(sens, Contains("id=\"findings\"") && Contains("id=\"tornado\"") && Contains("class=\"tornado-bar\"") &&
                       Contains("class=\"flipped\"") && Contains("A-Conductor220=2xACSR-330/43"));
}

TEST_CASE("HTML reports in headless Chromium: no script error, tables sort, the map as drawn, a screenshot",
          "[html][browser]") {
  if (chromium().empty()) {
    if (browser_required()) FAIL("LSFLOW_REQUIRE_BROWSER is set and no chromium was found (install Debian's chromium)");
    WARN("skipped: no chromium (Debian package chromium) to load the reports in");
    return;
  }
  Reports r;
  for (const auto& f : r.all()) {
    INFO(f);
    const auto profile = r.dir / ("profile-" + std::filesystem::path(f).stem().string());
    const auto dom = r.dir / (std::filesystem::path(f).stem().string() + ".dom.html");
    const auto log = r.dir / (std::filesystem::path(f).stem().string() + ".log");
    const std::string cmd = chromium_cmd(profile) + " --enable-logging=stderr --v=0 --dump-dom \"file://" + f +
                            "#selftest\" > \"" + dom.string() + "\" 2> \"" + log.string() + "\"";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const std::string d = test::slurp_file(dom);
    const std::string err = test::slurp_file(log);
    std::smatch body;
    REQUIRE(std::regex_search(d, body, std::regex("<body[^>]*>")));
    INFO(body.str());
    CHECK(body.str().find("data-ready=\"1\"") != std::string::npos);       // the page's script ran to its end
    CHECK(body.str().find("data-js-errors=\"0\"") != std::string::npos);   // and met no error
    CHECK(body.str().find("data-selftest=\"ok\"") != std::string::npos);   // every table sorts both ways
    CHECK(err.find("Uncaught") == std::string::npos);                      // nothing on the console either
    CHECK(err.find(":CONSOLE") == std::string::npos);
  }
  // The main study's map as the browser has it: its edges, the overloaded line red.
  const auto dom = test::slurp_file(r.dir / "run.dom.html");
  std::size_t edges = 0;
  for (std::size_t p = dom.find("<line class=\"edge "); p != std::string::npos; p = dom.find("<line class=\"edge ", p + 1)) ++edges;
  CHECK(edges >= 30);
  CHECK(std::regex_search(dom, std::regex(R"(data-element="L110_PhuXa_NaDuong_c1"[^>]*stroke="#d73027")")));
  CHECK(std::regex_search(dom, std::regex(R"(data-element="L110_PhuXa_NaDuong_c2"[^>]*stroke="#d73027")")));
  // A screenshot of it.
  const auto png = r.dir / "run.png";
  const std::string shot = chromium_cmd(r.dir / "profile-shot") + " --window-size=1280,1800 --screenshot=\"" + png.string() +
                           "\" \"file://" + r.run + "\" > /dev/null 2>&1";
  REQUIRE(std::system(shot.c_str()) == 0);
  const std::string image = test::slurp_file(png);
  REQUIRE(image.size() > 20000);
  CHECK(image.compare(1, 3, "PNG") == 0);
}
