// End to end: `lsflow solve CASE --out DIR` on every shared case, then the written solution is read
// back and the bus power mismatch recomputed from the input data, independently of the solver.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include <cmath>
#include <complex>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "csv_util.hpp"
#include "io/matpower_reader.hpp"
#include "test_paths.hpp"
#include "topology/math_builder.hpp"

namespace fs = std::filesystem;
using cplx = std::complex<double>;

namespace {
// Mismatch at every bus from the case data and the written buses.csv / gens.csv alone.
double written_mismatch_mva(const lsflow::model::Network& net, const fs::path& dir) {
  const auto buses = lsflow::test::read_csv((dir / "buses.csv").string());
  const auto gens = lsflow::test::read_csv((dir / "gens.csv").string());
  const auto nb = net.buses.size();
  REQUIRE(buses.rows.size() == nb);
  REQUIRE(gens.rows.size() == net.generators.size());
  std::vector<cplx> v(nb), mis(nb);
  for (std::size_t i = 0; i < nb; ++i)
    v[i] = std::polar(buses.num(i, "vm_pu"), buses.num(i, "va_deg") * M_PI / 180.0);
  for (const auto& l : net.loads) mis[static_cast<std::size_t>(l.bus.value)] += cplx(l.p_mw, l.q_mvar);
  for (const auto& s : net.shunts) {
    const auto i = static_cast<std::size_t>(s.bus.value);
    mis[i] += std::norm(v[i]) * cplx(s.g_mw, -s.b_mvar);
  }
  for (std::size_t g = 0; g < net.generators.size(); ++g)
    mis[static_cast<std::size_t>(net.generators[g].bus.value)] -= cplx(gens.num(g, "p_mw"), gens.num(g, "q_mvar"));
  for (const auto& br : net.branches) {
    if (!br.in_service) continue;
    // Written independently of the solver's Ybus code: series admittance, charging, complex tap.
    const cplx ys = 1.0 / cplx(br.r_pu, br.x_pu);
    const cplx tau = std::polar(br.tap_ratio == 0.0 ? 1.0 : br.tap_ratio, br.shift_deg * M_PI / 180.0);
    const auto f = static_cast<std::size_t>(br.from.value), t = static_cast<std::size_t>(br.to.value);
    const cplx i_f = (ys + cplx(0, br.b_pu / 2)) / std::norm(tau) * v[f] - ys / std::conj(tau) * v[t];
    const cplx i_t = -ys / tau * v[f] + (ys + cplx(0, br.b_pu / 2)) * v[t];
    mis[f] += v[f] * std::conj(i_f) * net.base_mva;
    mis[t] += v[t] * std::conj(i_t) * net.base_mva;
  }
  double worst = 0.0;
  for (std::size_t i = 0; i < nb; ++i)
    if (net.buses[i].type != lsflow::model::BusType::Isolated) worst = std::max(worst, std::abs(mis[i]));
  return worst;
}
}  // namespace

TEST_CASE("Written solutions of every shared case balance at every bus to 1e-6 MVA", "[validation][cli]") {
  LSFLOW_REQUIRE_SHARED();
  const auto out_root = fs::temp_directory_path() / fmt::format("lsflow_written_{}", ::getpid());
  for (const auto& entry : fs::directory_iterator(lsflow::test::shared_dir() / "cases")) {
    if (entry.path().extension() != ".m") continue;
    const std::string name = entry.path().stem().string();
    DYNAMIC_SECTION(name) {
      const auto dir = out_root / name;
      const std::string cmd = fmt::format("'{}' solve '{}' --out '{}' > /dev/null", lsflow::test::cli_path(),
                                          entry.path().string(), dir.string());
      REQUIRE(std::system(cmd.c_str()) == 0);
      REQUIRE(fs::exists(dir / "summary.json"));
      const auto net = lsflow::io::read_matpower(entry.path().string());
      const double worst = written_mismatch_mva(net, dir);
      INFO(name << ": largest recomputed mismatch " << worst << " MVA");
      CHECK(worst <= 1e-6);
      // The large cases went through the two-thread LU, the small ones through KLU: both paths are
      // covered by this check.
      std::ifstream summary(dir / "summary.json");
      const auto j = nlohmann::json::parse(summary);
      if (name == "case9241pegase" || name == "case13659pegase") CHECK(j.at("lu_threads") == 2);
      if (name == "case9" || name == "case118") CHECK(j.at("lu_threads") == 1);
    }
  }
  fs::remove_all(out_root);
}
