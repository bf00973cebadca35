// The command line (CLI11): --version, --help with defaults and units, suggestions for mistyped commands
// and options, exit statuses (write errors included), and text that fits 120 columns by default.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "cli_util.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using Catch::Matchers::Contains;

namespace {
std::string scenario(const std::string& name) {
  return (test::source_dir() / "networks" / "langson" / "scenarios" / (name + ".yaml")).string();
}

// The widest line in display columns (UTF-8 code points).
std::size_t widest(const std::string& text) {
  std::size_t best = 0, n = 0;
  for (unsigned char c : text) {
    if (c == '\n') {
      best = std::max(best, n);
      n = 0;
    } else if ((c & 0xC0) != 0x80) {
      ++n;
    }
  }
  return std::max(best, n);
}
}  // namespace

TEST_CASE("lsflow --version and COMMAND --help: the version, each option with its default and unit", "[cli]") {
  const auto v = test::run_lsflow("--version");
  CHECK(v.exit == 0);
  CHECK_THAT(v.out, Contains("lsflow 0."));
  const auto h = test::run_lsflow("n1 --help");
  CHECK(h.exit == 0);
  CHECK_THAT(h.out, Contains("--tol PU") && Contains("=1e-08") && Contains("--max-iter N") && Contains("=10") &&
                        Contains("--threads N") && Contains("=0") && Contains("--no-q-limits") && Contains("--format") &&
                        Contains("=text") && Contains("--html FILE") && Contains("exit status: 0"));
  for (const char* cmd : {"solve", "run", "compare", "timeseries", "hosting"}) {
    INFO(cmd);
    const auto c = test::run_lsflow(std::string(cmd) + " --help");
    CHECK(c.exit == 0);
    CHECK_THAT(c.out, Contains("--tol PU"));
  }
  const auto top = test::run_lsflow("--help");
  CHECK(top.exit == 0);
  for (const char* cmd : {"solve", "run", "compare", "n1", "timeseries", "hosting"}) CHECK_THAT(top.out, Contains(cmd));
}

TEST_CASE("A mistyped command or option gets a suggestion and exit 2", "[cli]") {
  const auto c = test::run_lsflow("rnu " + scenario("base-peak"));
  CHECK(c.exit == 2);
  CHECK_THAT(c.err, Contains("unknown command 'rnu'") && Contains("did you mean 'run'?"));
  const auto o = test::run_lsflow("run " + scenario("base-peak") + " --no-q-limit");
  CHECK(o.exit == 2);
  CHECK_THAT(o.err, Contains("--no-q-limit") && Contains("did you mean '--no-q-limits'?"));
  const auto r = test::run_lsflow("n1 " + scenario("base-peak") + " --threads -3");
  CHECK(r.exit == 2);
  CHECK_THAT(r.err, Contains("--threads"));
  const auto none = test::run_lsflow("");
  CHECK(none.exit == 2);
}

TEST_CASE("A result that cannot be written is exit 4 with the path and the reason", "[cli]") {
  const auto dir = test::scratch_dir("ro");
  const auto blocker = dir / "file";
  { std::ofstream(blocker) << "x"; }
  // --out names a path below a plain file: the folder cannot be made.
  const auto r = test::run_lsflow("run " + scenario("base-peak") + " --no-n1 --out " + (blocker / "out").string());
  CHECK(r.exit == 4);
  CHECK_THAT(r.err, Contains((blocker / "out").string()));
  const auto h = test::run_lsflow("run " + scenario("base-peak") + " --no-n1 --html " + (blocker / "r.html").string());
  CHECK(h.exit == 4);
  std::filesystem::remove_all(dir);
}

TEST_CASE("Text fits 120 columns by default for every command on the main study, --wide lifts it", "[cli]") {
  const auto main = scenario("wind-1444-light-cf30");
  const auto profiles = (test::source_dir() / "networks" / "langson" / "profiles" / "langson-2021.csv").string();
  for (const std::string cmd : {"run " + main, "run " + main + " --curtail n1", "n1 " + main + " --no-progress",
                                "hosting " + main + " --no-progress --buses PhuXa110,ChiLang110",
                                "compare " + scenario("wind-0-light") + " " + main,
                                "timeseries " + scenario("wind-1444-peak") + " --profiles " + profiles +
                                    " --hours 0-47 --curtail --no-progress"}) {
    INFO(cmd);
    const auto r = test::run_lsflow(cmd);
    REQUIRE(r.exit == 0);
    CHECK(widest(r.out) <= 120);
  }
  CHECK(widest(test::run_lsflow("n1 " + main + " --no-progress --wide").out) > 120);
}
