// Time series (core/study/timeseries.hpp): hours equal fresh solves of the same hour's network, the
// accumulators on a hand-made profile, an hour that does not converge, column binding errors, Ctrl-C.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <complex>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>

#include "report/network_solution.hpp"
#include "report/tap_control.hpp"
#include "study/apply_scenario.hpp"
#include "study/contingency.hpp"
#include "study/limits.hpp"
#include "study/profiles.hpp"
#include "study/progress.hpp"
#include "study/scenario.hpp"
#include "study/timeseries.hpp"
#include "network_builder.hpp"
#include "test_paths.hpp"

using namespace lsflow;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

constexpr double kRadToDeg = 180.0 / std::numbers::pi;

// Src (reference, grid equivalent) — line L1 (50 MVA) — Far: a 40 MW / 10 Mvar load, a 20 MW wind unit at
// unity power factor and a 10 MW solar unit at 2 MW that no column drives.
model::Network radial() {
  model::Network net;
  net.name = "radial";
  test::NetworkBuilder add(net);
  const BusIdx src = add.bus(1, "Src", model::BusType::Ref, 110, "Out");
  const BusIdx far = add.bus(2, "Far", model::BusType::PQ, 110, "Z");
  add.line("L1", src, far, 0.05, 0.2, 50, 0.02);
  add.generator("Grid", model::GenKind::Grid, src, 1.02);
  auto& wind = add.generator("Wind_A", model::GenKind::Wind, far);
  wind.installed_mw = 20;
  wind.qmin_mvar = wind.qmax_mvar = 0;
  auto& solar = add.generator("Solar_A", model::GenKind::Solar, far);
  solar.installed_mw = 10;
  solar.p_mw = 2;
  solar.qmin_mvar = solar.qmax_mvar = 0;
  add.load("Load_Far", far, 40, 10);
  return net;
}

study::ContingencyLimits radial_limits(const model::Network& net) {
  auto lim = study::default_contingency_limits(net);
  lim.band_normal[1] = study::VoltageBand{0.97, 1.05};
  return lim;
}

report::SolveOptions fresh_options(double tol) {
  report::SolveOptions o;
  o.pf.tol_pu = tol;
  return o;
}

// The hour's state as the time series saw it against a fresh solve of the same hour's network.
void compare_with_fresh(const study::TimeSeries& ts, const study::HourView& v, double tol, bool with_taps) {
  model::Network net = ts.network_at(v.hour);
  if (with_taps && v.taps) report::set_tap_positions(net, *v.taps);
  const auto fresh = report::solve_network(net, fresh_options(tol));
  INFO("hour " << v.hour);
  REQUIRE(fresh.converged);
  REQUIRE(v.converged);
  double dv = 0.0, dva = 0.0, dp = 0.0, dl = 0.0, dloss = 0.0;
  for (std::size_t i = 0; i < net.buses.size(); ++i) {
    if (!fresh.buses[i].energised) continue;
    const auto x = (*v.bus_v)[i];
    dv = std::max(dv, std::abs(std::abs(x) - fresh.buses[i].vm_pu));
    dva = std::max(dva, std::abs(std::arg(x) * kRadToDeg - fresh.buses[i].va_deg));
  }
  for (std::size_t g = 0; g < net.generators.size(); ++g)
    if (net.generators[g].in_service) dp = std::max(dp, std::abs((*v.gen_p_mw)[g] - fresh.gens[g].p_mw));
  const auto nb = net.branches.size();
  for (std::size_t k = 0; k < nb; ++k) {
    if (!fresh.branches[k].energised) continue;
    if (!std::isnan(fresh.branches[k].loading_pct))
      dl = std::max(dl, std::abs((*v.element_loading_pct)[k] - fresh.branches[k].loading_pct));
    dloss = std::max(dloss, std::abs((*v.element_loss_mw)[k] - fresh.branches[k].loss_mw()));
  }
  for (std::size_t k = 0; k < net.transformers3w.size(); ++k) {
    if (!fresh.trafos3w[k].energised) continue;
    dl = std::max(dl, std::abs((*v.element_loading_pct)[nb + k] - fresh.trafos3w[k].loading_pct));
    dloss = std::max(dloss, std::abs((*v.element_loss_mw)[nb + k] - fresh.trafos3w[k].loss_mw()));
  }
  CHECK(dv < 1e-9);
  CHECK(dva < 1e-7);
  CHECK(dp < 1e-6);     // MW
  CHECK(dl < 1e-6);     // % of rating
  CHECK(dloss < 1e-6);  // MW
}

const char* kRadialProfile =
    "hour,load:Z,wind:Z\n"
    "0,0.5,0\n"
    "1,1.0,0.5\n"
    "2,1.5,0\n"
    "3,9.0,0\n"      // 360 MW over a 0.2 pu line: beyond what it can carry, does not converge
    "4,0.25,1.0\n";  // reverse flow, after the failed hour

}  // namespace

TEST_CASE("timeseries: accumulators on a hand-made profile, with an hour that does not converge",
          "[timeseries]") {
  const auto net = radial();
  const auto prof = study::parse_profiles(kRadialProfile, "radial.csv");
  study::TimeSeriesOptions opt;
  opt.tol_pu = 1e-11;
  study::TimeSeries ts(net, prof, radial_limits(net), opt);
  // The solar unit has no column: it is held, and said so.
  REQUIRE(ts.notes().size() == 1);
  CHECK_THAT(ts.notes()[0], Contains("1 solar unit (2.0 MW) with no profile column"));

  // Fresh solves per hour, the expectation for every accumulator.
  double load = 0, losses = 0, wind = 0, solar = 0, grid_in = 0, grid_out = 0, max_l = -1, l1_loss = 0;
  int max_h = -1, over = 0, under = 0;
  std::vector<int> seen;
  for (int h = 0; h < 5; ++h) {
    if (h == 3) continue;
    const auto hn = ts.network_at(static_cast<std::size_t>(h));
    const auto f = report::solve_network(hn, fresh_options(1e-11));
    REQUIRE(f.converged);
    load += hn.total_load_mw();
    losses += f.losses_mw();
    l1_loss += f.branches[0].loss_mw();
    wind += f.gens[1].p_mw;
    solar += f.gens[2].p_mw;
    (f.gens[0].p_mw > 0 ? grid_in : grid_out) += std::abs(f.gens[0].p_mw);
    if (f.branches[0].loading_pct > max_l) {
      max_l = f.branches[0].loading_pct;
      max_h = h;
    }
    over += f.branches[0].loading_pct > 100.0;
    under += f.buses[1].vm_pu < 0.97;
  }
  // What the profile was built to give.
  CHECK(load == Approx(40.0 * (0.5 + 1.0 + 1.5 + 0.25)));
  CHECK(wind == Approx(20.0 * (0.5 + 1.0)));
  CHECK(max_h == 2);
  CHECK(over == 1);
  CHECK(under == 1);  // hour 2: ≈ 0.96 pu
  // The 9 × load hour really does not solve, even from scratch.
  CHECK_FALSE(report::solve_network(ts.network_at(3), fresh_options(1e-8)).converged);

  const auto r = ts.run(0, 0, nullptr, nullptr, [&](const study::HourView& v) {
    seen.push_back(static_cast<int>(v.hour));
    if (v.converged) compare_with_fresh(ts, v, 1e-11, false);
  });
  CHECK(seen == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(r.hours_run == 5);
  CHECK(r.hours_converged == 4);
  CHECK(r.not_converged == std::vector<std::int32_t>{3});
  CHECK(r.restarts >= 1);
  REQUIRE(r.hourly.size() == 5);
  CHECK_FALSE(r.hourly[3].converged);
  CHECK(r.hourly[3].attempt == 2);
  CHECK(r.hourly[4].converged);

  CHECK(r.load_mwh == Approx(load).epsilon(1e-12));
  CHECK(r.losses_mwh == Approx(losses).epsilon(1e-9));
  CHECK(r.energy_by_kind_mwh[static_cast<std::size_t>(model::GenKind::Wind)] == Approx(30.0).epsilon(1e-12));
  CHECK(r.energy_by_kind_mwh[static_cast<std::size_t>(model::GenKind::Solar)] ==
        Approx(solar).epsilon(1e-12));
  CHECK(solar == Approx(8.0));
  CHECK(r.grid_import_mwh == Approx(grid_in).epsilon(1e-9));
  CHECK(r.grid_export_mwh == Approx(grid_out).epsilon(1e-9));
  CHECK(r.grid_export_mwh > 0.0);  // hour 4 sends wind back to the grid
  const auto& l1 = r.elements[0];
  CHECK(l1.max_loading_pct == Approx(max_l).epsilon(1e-9));
  CHECK(l1.max_hour == 2);
  CHECK(l1.hours_over == 1);
  CHECK(l1.loss_mwh == Approx(l1_loss).epsilon(1e-9));
  CHECK(r.hours_with_overload == 1);
  CHECK(r.buses[1].hours_under == under);
  CHECK(r.buses[1].hours_over == 0);
  CHECK(r.hours_with_voltage_violation == under);
  CHECK(r.buses[1].min_hour == 2);
  CHECK(r.peak_load_hour == 2);
  CHECK(r.peak_load_mw == Approx(60.0));
  CHECK(r.gens[1].profiled);
  CHECK(r.gens[0].reference);
  CHECK_FALSE(r.gens[2].profiled);
  CHECK(r.gens[1].max_mw == Approx(20.0));
  CHECK(r.gens[1].max_hour == 4);

  // A second run gives the same numbers (state is reset, warm start aside).
  const auto again = ts.run();
  CHECK(again.losses_mwh == Approx(r.losses_mwh).epsilon(1e-9));
  CHECK(again.not_converged == r.not_converged);

  // A sub-range.
  const auto part = ts.run(1, 2);
  CHECK(part.first_hour == 1);
  CHECK(part.hours_run == 2);
  CHECK(part.load_mwh == Approx(40.0 * 2.5));
}

TEST_CASE("timeseries: profile columns must name zones or generators of their kind", "[timeseries]") {
  const auto net = radial();
  const auto lim = radial_limits(net);
  auto error_of = [&](const std::string& text) -> std::string {
    const auto prof = study::parse_profiles(text, "p.csv");
    try {
      study::TimeSeries ts(net, prof, lim);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(
      error_of("# c\nhour,load:Z,load:Nowhere\n0,1,1\n"),
      StartsWith(
          "p.csv:2: column 3 'load:Nowhere': the network has no zone named 'Nowhere' (zones: Out, Z)"));
  CHECK_THAT(error_of("hour,wind:Solar_A\n0,1\n"),
             StartsWith("p.csv:1: column 2 'wind:Solar_A': Solar_A is a solar generator, not wind"));
  CHECK_THAT(error_of("hour,hydro:Grid\n0,1\n"),
             StartsWith("p.csv:1: column 2 'hydro:Grid': Grid is a grid generator, not hydro"));
  CHECK_THAT(error_of("hour,solar:Foo\n0,1\n"), Contains("no solar generator or zone named 'Foo'"));
  CHECK(error_of("hour,wind:Wind_A,solar:*,load:*\n0,1,1,1\n") == "no error");
  // A column that reaches nothing is a note, not an error.
  const auto prof = study::parse_profiles("hour,hydro:*,load:*\n0,1,1\n", "p.csv");
  study::TimeSeries ts(net, prof, lim);
  bool noted = false;
  for (const auto& n : ts.notes())
    noted = noted || n.find("'hydro:*' reaches no in-service") != std::string::npos;
  CHECK(noted);
  // Name beats zone beats *.
  const auto prof2 =
      study::parse_profiles("hour,wind:*,wind:Z,wind:Wind_A,load:*\n0,0.1,0.2,0.3,1\n", "p.csv");
  study::TimeSeries ts2(net, prof2, lim);
  CHECK(ts2.network_at(0).generators[1].p_mw == Approx(0.3 * 20));
}

TEST_CASE("timeseries: the stop flag ends the run with what was done", "[timeseries]") {
  const auto net = radial();
  const auto prof = study::parse_profiles(kRadialProfile, "radial.csv");
  study::TimeSeries ts(net, prof, radial_limits(net));
  std::atomic<bool> stop{false};
  const auto r = ts.run(0, 0, &stop, nullptr, [&](const study::HourView& v) {
    if (v.hour == 1) stop = true;
  });
  CHECK(r.interrupted);
  CHECK(r.hours_run == 2);
  CHECK(r.hourly.size() == 2);
  stop = true;
  const auto none = ts.run(0, 0, &stop);
  CHECK(none.interrupted);
  CHECK(none.hours_run == 0);
  // The SIGINT flag is the same kind of flag.
  study::InterruptFlag flag;
  study::InterruptFlag::raise_for_test();
  CHECK(flag.raised());
  CHECK(ts.run(0, 0, &study::InterruptFlag::flag()).hours_run == 0);
  study::InterruptFlag::clear();
  CHECK(ts.run(0, 0, &study::InterruptFlag::flag()).hours_run == 5);
}

namespace {
struct LangSon {
  model::Network net;
  study::ContingencyLimits limits;
};
LangSon langson(const std::string& scenario) {
  const auto s =
      study::read_scenario((test::source_dir() / "networks" / "langson" / "scenarios" / scenario).string());
  LangSon l{study::build_network(s), {}};
  l.limits = study::contingency_limits(l.net, study::scenario_limits(s));
  return l;
}
std::string langson_profiles() {
  return (test::source_dir() / "networks" / "langson" / "profiles" / "langson-2021.csv").string();
}
}  // namespace

TEST_CASE("timeseries: Lạng Sơn hours equal fresh solves of the same hour's network",
          "[timeseries][langson]") {
  const auto prof = study::read_profiles(langson_profiles());
  study::TimeSeriesOptions opt;
  opt.tol_pu = 1e-11;
  SECTION("base-peak around the annual peak, taps fixed") {
    const auto l = langson("base-peak.yaml");
    opt.tap_control = false;
    study::TimeSeries ts(l.net, prof, l.limits, opt);
    int compared = 0;
    const auto r = ts.run(4880, 16, nullptr, nullptr, [&](const study::HourView& v) {
      compare_with_fresh(ts, v, 1e-11, false);
      ++compared;
    });
    CHECK(compared == 16);
    CHECK(r.not_converged.empty());
    CHECK(r.chord_iterations > 0);  // the warm start is in use
  }
  SECTION("national-plan wind at the 2030 peak, automatic taps acting") {
    const auto l = langson("wind-1444-peak.yaml");
    study::TimeSeries ts(l.net, prof, l.limits, opt);
    int compared = 0;
    const auto r = ts.run(0, 12, nullptr, nullptr, [&](const study::HourView& v) {
      compare_with_fresh(ts, v, 1e-11, true);
      ++compared;
      // The taps have settled: every one that acts is in its band or at a range end.
      for (const auto& t : *v.taps) {
        const double vm = std::abs((*v.bus_v)[static_cast<std::size_t>(t.bus.value)]);
        const bool in_band = vm >= t.vmin_pu - 1e-9 && vm <= t.vmax_pu + 1e-9;
        const bool at_end = (vm > t.vmax_pu && t.pos == t.pos_max) || (vm < t.vmin_pu && t.pos == t.pos_min);
        INFO(t.name << " at " << vm << " pu, position " << t.pos);
        CHECK((in_band || at_end || l.net.bus(t.bus).type != model::BusType::PQ));
      }
    });
    CHECK(compared == 12);
    CHECK(r.not_converged.empty());
    CHECK(r.energy_by_kind_mwh[static_cast<std::size_t>(model::GenKind::Wind)] > 0.0);
  }
}

TEST_CASE("timeseries: two threads give the chain's statistics", "[timeseries][langson]") {
  const auto prof = study::read_profiles(langson_profiles());
  const auto l = langson("base-peak.yaml");
  study::TimeSeriesOptions opt;
  opt.tol_pu = 1e-10;
  SECTION("taps fixed: equal to the solver tolerance") {
    opt.tap_control = false;
    study::TimeSeries one(l.net, prof, l.limits, opt);
    const auto a = one.run(1000, 600);
    opt.threads = 3;
    study::TimeSeries three(l.net, prof, l.limits, opt);
    const auto b = three.run(1000, 600);
    CHECK(b.threads == 3);
    CHECK(b.lead_in_hours == 48);
    REQUIRE(b.hours_run == 600);
    CHECK(b.hourly.size() == 600);
    CHECK(b.load_mwh == Approx(a.load_mwh).epsilon(1e-12));
    CHECK(b.losses_mwh == Approx(a.losses_mwh).epsilon(1e-9));
    CHECK(b.grid_export_mwh == Approx(a.grid_export_mwh).epsilon(1e-9));
    CHECK(b.hours_with_voltage_violation == a.hours_with_voltage_violation);
    CHECK(b.peak_load_hour == a.peak_load_hour);
    for (std::size_t e = 0; e < a.elements.size(); ++e) {
      if (std::isnan(a.elements[e].max_loading_pct)) continue;
      CHECK(b.elements[e].max_loading_pct == Approx(a.elements[e].max_loading_pct).epsilon(1e-9));
      CHECK(b.elements[e].max_hour == a.elements[e].max_hour);
      CHECK(b.elements[e].hours_over == a.elements[e].hours_over);
    }
    for (std::size_t i = 0; i < a.buses.size(); ++i) {
      if (a.buses[i].min_hour < 0) {  // not energised in this case
        CHECK(b.buses[i].min_hour < 0);
        continue;
      }
      INFO("bus " << l.net.buses[i].name << " " << a.buses[i].min_vm_pu << "…" << a.buses[i].max_vm_pu);
      CHECK(b.buses[i].min_vm_pu == Approx(a.buses[i].min_vm_pu).epsilon(1e-9));
      CHECK(b.buses[i].hours_under == a.buses[i].hours_under);
      // Where |V| moves at all (not a bus held at a set-point, whose minimum is every hour to rounding).
      if (a.buses[i].max_vm_pu - a.buses[i].min_vm_pu > 1e-6)
        CHECK(b.buses[i].min_hour == a.buses[i].min_hour);
    }
    for (std::size_t k = 0; k < 600; ++k)
      CHECK(b.hourly[k].losses_mw == Approx(a.hourly[k].losses_mw).epsilon(1e-9));
  }
  SECTION("automatic taps: the same energy, losses close") {
    study::TimeSeries one(l.net, prof, l.limits, opt);
    const auto a = one.run(0, 480);
    opt.threads = 2;
    study::TimeSeries two(l.net, prof, l.limits, opt);
    const auto b = two.run(0, 480);
    CHECK(b.load_mwh == Approx(a.load_mwh).epsilon(1e-12));
    CHECK(b.losses_mwh == Approx(a.losses_mwh).epsilon(1e-3));
  }
}

TEST_CASE("timeseries: hour labels", "[timeseries]") {
  CHECK(study::hour_label(0) == "Jan  1 00:00");
  CHECK(study::hour_label(4891) == "Jul 23 19:00");
  CHECK(study::hour_label(8759) == "Dec 31 23:00");
  CHECK(study::hour_label(59 * 24, true) == "Feb 29 00:00");
  CHECK(study::hour_label(8760) == "y2 Jan  1 00:00");
}

namespace {
namespace fs = std::filesystem;

struct TempDir {
  fs::path dir;
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "lsflow_ts_XXXXXX").string();
    dir = mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Cli {
  int exit = -1;
  std::string out, err;
};

Cli run_cli(const TempDir& t, const std::string& args) {
  const auto out = t.dir / "stdout.txt", err = t.dir / "stderr.txt";
  const std::string cmd =
      "\"" + test::cli_path() + "\" " + args + " >\"" + out.string() + "\" 2>\"" + err.string() + "\"";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(out), slurp(err)};
}
}  // namespace

TEST_CASE("lsflow timeseries and hosting: exit codes, file:line errors, --out files",
          "[timeseries][hosting][cli]") {
  TempDir t;
  const std::string scenario =
      (test::source_dir() / "networks" / "langson" / "scenarios" / "base-peak.yaml").string();
  std::string prof = "# a day\nhour,load:*,solar:*,hydro:*\n";
  for (int h = 0; h < 24; ++h)
    prof += std::to_string(h) + "," + std::to_string(0.5 + 0.02 * h) + ",0," + "0.4\n";
  const auto good = t.write("day.csv", prof);
  const auto bad = t.write("bad.csv", "hour,load:*\n0,0.5\n1,x\n");
  const auto wrong_zone = t.write("zone.csv", "hour,load:Atlantis\n0,0.5\n");
  const auto out = (t.dir / "out").string();

  auto r = run_cli(
      t, "timeseries \"" + scenario + "\" --profiles \"" + good + "\" --out \"" + out + "\" --no-progress");
  INFO(r.out << r.err);
  CHECK(r.exit == 0);
  CHECK_THAT(r.out, Contains("solved    24 of 24 hours"));
  CHECK_THAT(r.out, Contains("VERDICT:"));
  for (const char* f : {"timeseries_elements.csv", "timeseries_buses.csv", "timeseries_generators.csv",
                        "timeseries_hourly.csv", "timeseries_taps.csv", "timeseries_summary.json"})
    CHECK(fs::exists(fs::path(out) / f));
  const auto hourly = slurp(fs::path(out) / "timeseries_hourly.csv");
  CHECK(std::count(hourly.begin(), hourly.end(), '\n') == 25);
  CHECK_THAT(slurp(fs::path(out) / "timeseries_summary.json"), Contains("\"hours_converged\": 24"));

  r = run_cli(t, "timeseries \"" + scenario + "\" --profiles \"" + bad + "\" --no-progress");
  CHECK(r.exit == 2);
  CHECK_THAT(r.err, StartsWith(bad + ":3: column 2 'load:*': 'x' is not a number"));
  r = run_cli(t, "timeseries \"" + scenario + "\" --profiles \"" + wrong_zone + "\" --no-progress");
  CHECK(r.exit == 2);
  CHECK_THAT(r.err, StartsWith(wrong_zone +
                               ":1: column 2 'load:Atlantis': the network has no zone named 'Atlantis'"));
  r = run_cli(t, "timeseries \"" + scenario + "\" --no-progress");
  CHECK(r.exit == 2);
  CHECK_THAT(r.err, Contains("--profiles is required"));
  r = run_cli(t, "timeseries \"" + scenario + "\" --profiles \"" + good + "\" --hours 5-30 --no-progress");
  CHECK(r.exit == 2);
  CHECK_THAT(r.err, Contains("the profile has hours 0-23, not 30"));

  const auto hout = (t.dir / "hosting").string();
  r = run_cli(t, "hosting \"" + scenario + "\" --buses TrangDinh110,BinhGia110 --voltage-min-kv 66 --out \"" +
                     hout + "\" --no-progress");
  CHECK(r.exit == 0);
  CHECK_THAT(r.out, Contains("L110_DongDang_TrangDinh"));
  CHECK(fs::exists(fs::path(hout) / "hosting.csv"));
  CHECK(fs::exists(fs::path(hout) / "hosting.json"));
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') > 5);
  r = run_cli(t, "hosting \"" + scenario + "\" --buses Nowhere110 --no-progress");
  CHECK(r.exit == 2);
  CHECK_THAT(r.err, Contains("no bus named or numbered 'Nowhere110'"));
}

TEST_CASE("progress: plain lines when not a terminal, only the final one for a short run", "[timeseries][progress]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  {
    study::Progress p("timeseries", 100, "hours", f);
    CHECK_FALSE(p.terminal());
    for (std::size_t i = 1; i <= 100; ++i) p.update(i);
    p.update(50);   // going back is ignored
    p.finish("0 not converged");
    p.finish("twice");   // once only
  }
  std::rewind(f);
  std::string text;
  char buf[256];
  while (std::fgets(buf, sizeof buf, f)) text += buf;
  std::fclose(f);
  CHECK_THAT(text, StartsWith("timeseries: 100/100 hours in "));
  CHECK_THAT(text, Contains(", 0 not converged\n"));
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  CHECK(text.find('\r') == std::string::npos);
  // Disabled: nothing at all.
  std::FILE* g = std::tmpfile();
  {
    study::Progress p("x", 10, "", g, false);
    p.update(10);
  }
  CHECK(std::ftell(g) == 0);
  std::fclose(g);
}
