// Non-convergence: the fallback chain (DC start, damped Newton), the diagnosis of a case whose load
// is simply too high, and the CLI's exit status and message when nothing works.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/printf.h>

#include "io/matpower_reader.hpp"
#include "report/network_solution.hpp"
#include "test_paths.hpp"

using namespace lsflow;
namespace fs = std::filesystem;

namespace {
// A 3-bus case: generator at bus 1, loads at 2 and 3 through weak lines.
constexpr const char* kThreeBus = R"(function mpc = weak3
mpc.version = '2';
mpc.baseMVA = 100;
mpc.bus = [
  1 3 0   0  0 0 1 1.0 0 110 1 1.1 0.9;
  2 1 %g %g 0 0 1 1.0 0 110 1 1.1 0.9;
  3 1 %g %g 0 0 1 1.0 0 110 1 1.1 0.9;
];
mpc.gen = [
  1 0 0 999 -999 1.0 100 1 999 0 0 0 0 0 0 0 0 0 0 0 0;
];
mpc.branch = [
  1 2 0.02 0.2 0.01 100 100 100 0 0 1 -360 360;
  2 3 0.02 0.2 0.01 100 100 100 0 0 1 -360 360;
];
)";

model::Network weak3(double p2_mw, double p3_mw) {
  const std::string text = fmt::sprintf(kThreeBus, p2_mw, p2_mw / 4, p3_mw, p3_mw / 4);
  return io::parse_matpower(text, "weak3.m");
}
}  // namespace

TEST_CASE("A case whose load is too high fails with the largest solvable load scale", "[solver][fallback]") {
  const auto net = weak3(100.0, 100.0);   // far beyond what two 0.2 pu lines can carry
  report::SolveOptions opt;
  opt.diagnose_load_scale = true;
  const auto sol = report::solve_network(net, opt);
  REQUIRE_FALSE(sol.converged);
  REQUIRE(sol.islands.size() == 1);
  const auto& isl = sol.islands[0];
  CHECK(isl.attempts.size() == 3);   // newton, newton from DC start, damped newton
  CHECK(isl.worst_bus.valid());
  const double scale = isl.max_load_scale;
  INFO("largest solvable scale " << scale);
  REQUIRE(scale > 0.05);
  REQUIRE(scale < 1.0);
  // The bisection's answer is right: just below it solves, just above it does not.
  report::SolveOptions plain;
  CHECK(report::solve_network(weak3(100.0 * (scale - 0.003), 100.0 * (scale - 0.003)), plain).converged);
  CHECK_FALSE(report::solve_network(weak3(100.0 * (scale + 0.003), 100.0 * (scale + 0.003)), plain).converged);
  const auto text = report::describe_attempts(net, isl);
  CHECK(text.find("load is too high") != std::string::npos);
  CHECK(text.find("worst bus: ") != std::string::npos);
}

TEST_CASE("The CLI reports a failed case with exit 3, the worst bus and no result files", "[solver][fallback][cli]") {
  const auto dir = fs::temp_directory_path() / fmt::format("lsflow_fail_{}", ::getpid());
  fs::create_directories(dir);
  {
    std::ofstream(dir / "weak3.m") << fmt::sprintf(kThreeBus, 100.0, 25.0, 100.0, 25.0);
  }
  const std::string cmd = fmt::format("'{}' solve '{}' --out '{}' > '{}' 2>&1", test::cli_path(),
                                      (dir / "weak3.m").string(), (dir / "out").string(), (dir / "log").string());
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
  CHECK_FALSE(fs::exists(dir / "out"));
  std::ifstream in(dir / "log");
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(log.find("did not converge") != std::string::npos);
  CHECK(log.find("attempt 3 (damped newton") != std::string::npos);
  CHECK(log.find("load and generation scaled to") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("Plain Newton fails from a flat start but the DC start rescues it", "[solver][fallback]") {
  LSFLOW_REQUIRE_SHARED();
  const auto path = test::shared_dir() / "cases" / "case_ACTIVSg10k.m";
  if (!fs::exists(path)) return;
  const auto net = io::read_matpower(path.string());
  report::SolveOptions opt;
  opt.pf.flat_start = true;
  opt.pf.fallbacks = false;
  REQUIRE_FALSE(report::solve_network(net, opt).converged);
  opt.pf.fallbacks = true;
  const auto sol = report::solve_network(net, opt);
  REQUIRE(sol.converged);
  const auto& at = sol.islands.at(0).attempts;
  REQUIRE(at.size() >= 2);
  CHECK_FALSE(at[0].converged);
  CHECK(at.back().converged);
  CHECK(at.back().method.find("DC start") != std::string::npos);
  CHECK(report::recompute_max_mismatch_mva(net, sol) < 1e-6);
}
