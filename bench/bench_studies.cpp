// Study benchmarks: a year of hourly power flows (time series) and hosting capacity (issue: studies).
//
//   BM_TimeSeriesYear/langson_*   a full 8,760-hour year of the Lạng Sơn network with the shipped
//                                 profiles (networks/langson/profiles/langson-2021.csv): per iteration,
//                                 the TimeSeries object is built (math model, Ybus, Jacobian pattern, KLU
//                                 analysis, column binding) and every hour solved, with the automatic tap
//                                 changers acting; reading the files is outside the timing.
//   BM_TimeSeriesYear/case118     the same for MATPOWER's case118 with a synthetic profile (below).
//   BM_TimeSeriesHour/...         the same year, reported per hour (one benchmark iteration = one year,
//                                 time divided by 8,760 through the counter `us_per_hour`).
//   BM_TimeSeriesYear2T/...       the same year in two chunks on two threads (TimeSeriesOptions::threads,
//                                 24-hour lead-in), wall time; the 1-thread figures are the strict chain.
//   BM_HostingLangSon/*           hosting capacity of every candidate bus of the Lạng Sơn network (every
//                                 energised 110/220 kV bus but the reference), normal operation and N-1
//                                 (every line, transformer and generator but the grid equivalent),
//                                 bisection to 5 MW up to 1,000 MW, threads as TBB sees cores; reactive
//                                 limits and the wind fleet as `lsflow hosting` runs them.
//   BM_TimeSeriesYearQLim/...     the year as `lsflow timeseries` runs it: reactive limits every hour.
//   BM_TimeSeriesYearCurtailed/.. and with --curtail: the least N-0 wind curtailment, hour by hour.
//   BM_SensitivityVariant/*       one variant of `lsflow sensitivity` (run study), phase by phase: `load`
//                                 reads the scenario chain and the network file with an alternative chosen
//                                 (A-Conductor220 = 2xACSR-330/43: the YAML patched, every check of the
//                                 assumptions made) and builds the network; `solve` is its base case as
//                                 every study solves it (reactive limits, automatic taps); `n1` the N-1
//                                 from it. A sensitivity run is (1 + Σ alternatives − 1) of these.
//
// The case118 profile (synthetic, documented here): every load and every generator's P follow one shape
// s(h) = daily(h) × seasonal(d), the case file's values being the peak (s = 1):
//   daily(h)    = 0.78 + 0.22·cos(2π(h mod 24 − 19)/24)      evening peak at 19:00, trough 0.56 at 07:00
//   seasonal(d) = 0.88 + 0.12·cos(2π(d − 200)/365)           summer peak (day 200), winter 0.76
// The generators are given the profile as kind hydro with installed_mw = their case P, so their P is
// s(h) × case P and the reference unit takes only the losses' change — scaling the load alone would leave
// the slack to import or export a third of the system. Min/mean of s ≈ 0.43 / 0.69.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <numbers>
#include <string>

#include "io/assumptions.hpp"
#include "report/network_solution.hpp"
#include "report/tap_control.hpp"
#include "io/matpower_reader.hpp"
#include "study/apply_scenario.hpp"
#include "study/contingency.hpp"
#include "study/hosting.hpp"
#include "study/limits.hpp"
#include "study/profiles.hpp"
#include "study/scenario.hpp"
#include "study/timeseries.hpp"

namespace fs = std::filesystem;
using namespace lsflow;

namespace {

// The repository root, from this file's path (CMake compiles with absolute paths).
fs::path source_dir() { return fs::path(__FILE__).parent_path().parent_path(); }

struct Prepared {
  model::Network net;
  study::ContingencyLimits limits;
  study::Profiles profiles;
  std::string error;
};

Prepared& langson(const std::string& scenario) {
  static std::map<std::string, std::unique_ptr<Prepared>> cache;
  auto& p = cache[scenario];
  if (!p) {
    p = std::make_unique<Prepared>();
    try {
      const auto s =
          study::read_scenario((source_dir() / "networks" / "langson" / "scenarios" / scenario).string());
      p->net = study::build_network(s);
      p->limits = study::contingency_limits(p->net, study::scenario_limits(s));
      p->profiles = study::read_profiles(
          (source_dir() / "networks" / "langson" / "profiles" / "langson-2021.csv").string());
    } catch (const std::exception& e) {
      p->error = e.what();
    }
  }
  return *p;
}

double case118_shape(std::size_t h) {
  constexpr double two_pi = 2.0 * std::numbers::pi;
  const double daily = 0.78 + 0.22 * std::cos(two_pi * (static_cast<double>(h % 24) - 19.0) / 24.0);
  const double seasonal = 0.88 + 0.12 * std::cos(two_pi * (static_cast<double>(h / 24) - 200.0) / 365.0);
  return daily * seasonal;
}

Prepared& case118() {
  static std::unique_ptr<Prepared> p;
  if (!p) {
    p = std::make_unique<Prepared>();
    const auto path = fs::path(LSFLOW_SHARED_DIR) / "cases" / "case118.m";
    if (!fs::exists(path)) {
      p->error = "shared case not found: " + path.string();
      return *p;
    }
    p->net = io::read_matpower(path.string());
    for (auto& g : p->net.generators) {
      if (!g.in_service || p->net.bus(g.bus).type == model::BusType::Ref || g.p_mw <= 0.0) continue;
      g.kind = model::GenKind::Hydro;
      g.installed_mw = g.p_mw;
    }
    p->limits = study::default_contingency_limits(p->net);
    std::string text = "hour,load:*,hydro:*\n";
    for (std::size_t h = 0; h < 8760; ++h) {
      const double s = case118_shape(h);
      text += fmt::format("{},{:.6f},{:.6f}\n", h, s, s);
    }
    p->profiles = study::parse_profiles(text, "case118-synthetic");
  }
  return *p;
}

// `studied`: as `lsflow timeseries` runs a year by default (reactive limits every hour); `curtail`: and
// with --curtail (the least wind curtailment that removes the N-0 violations, hour by hour).
void run_year(benchmark::State& state, Prepared& p, bool per_hour, int threads = 1, bool studied = false,
              bool curtail = false) {
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  study::TimeSeriesOptions opt;
  opt.keep_hourly = true;
  opt.threads = threads;
  opt.enforce_q_limits = studied;
  opt.curtail = curtail;
  study::TimeSeriesResult r;
  for (auto _ : state) {
    study::TimeSeries ts(p.net, p.profiles, p.limits, opt);
    r = ts.run();
    benchmark::DoNotOptimize(r.losses_mwh);
  }
  const double hours = static_cast<double>(r.hours_run);
  state.counters["hours"] = hours;
  state.counters["not_converged"] = static_cast<double>(r.not_converged.size());
  state.counters["newton_per_h"] = static_cast<double>(r.newton_iterations) / hours;
  state.counters["chord_per_h"] = static_cast<double>(r.chord_iterations) / hours;
  if (curtail) {
    state.counters["curtailed_gwh"] = r.curtailed_mwh / 1e3;
    state.counters["hours_curtailed"] = r.hours_curtailed;
  }
  state.counters["hours_per_s"] =
      benchmark::Counter(hours * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (per_hour)
    state.counters["us_per_hour"] =
        benchmark::Counter(hours * static_cast<double>(state.iterations()),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_TimeSeriesYear(benchmark::State& state, const char* scenario) {
  run_year(state, std::string(scenario) == "case118" ? case118() : langson(scenario), false);
}

// The year as `lsflow timeseries` runs it: reactive limits every hour; and with --curtail.
void BM_TimeSeriesYearQLim(benchmark::State& state, const char* scenario) {
  run_year(state, std::string(scenario) == "case118" ? case118() : langson(scenario), false, 1, true, false);
}
void BM_TimeSeriesYearCurtailed(benchmark::State& state, const char* scenario) {
  run_year(state, langson(scenario), false, 1, true, true);
}

void BM_TimeSeriesHour(benchmark::State& state, const char* scenario) {
  run_year(state, std::string(scenario) == "case118" ? case118() : langson(scenario), true);
}

// The same year cut into two chunks on two threads (TimeSeriesOptions::threads; 24-hour lead-in).
void BM_TimeSeriesYear2T(benchmark::State& state, const char* scenario) {
  run_year(state, std::string(scenario) == "case118" ? case118() : langson(scenario), false, 2);
}

void BM_HostingLangSon(benchmark::State& state, const char* scenario, bool n1) {
  auto& p = langson(scenario);
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  const auto buses = study::hosting_candidates(p.net);
  study::HostingOptions opt;
  opt.n1 = n1;
  opt.enforce_q_limits = true;   // as lsflow hosting runs it
  opt.fleet = true;
  study::HostingStudy st;
  for (auto _ : state) {
    st = study::hosting_capacity(p.net, p.limits, buses, opt);
    benchmark::DoNotOptimize(st.buses.data());
  }
  int solves = 0, n1_runs = 0, evaluated = 0;
  for (const auto& r : st.buses) {
    solves += r.solves;
    n1_runs += r.n1_runs;
    evaluated += r.evaluated;
  }
  state.counters["buses"] = static_cast<double>(buses.size());
  state.counters["evaluated"] = evaluated;
  state.counters["solves"] = solves;
  state.counters["n1_runs"] = n1_runs;
  state.counters["contingencies"] = static_cast<double>(st.contingencies);
}

// Phases of one sensitivity variant (see the top of the file).
enum class VariantPhase { Load, Solve, N1 };
void BM_SensitivityVariant(benchmark::State& state, const char* scenario, VariantPhase phase) {
  const std::string path = (source_dir() / "networks" / "langson" / "scenarios" / scenario).string();
  const io::Choices choice{{"A-Conductor220", io::Choice{"2xACSR-330/43", SourceLoc{"bench", 0}}}};
  report::SolveOptions so;
  so.pf.enforce_q_limits = true;
  so.tap_control = true;
  try {
    const auto s = study::read_scenario(path, choice);
    model::Network net = study::build_network(s);
    const auto limits = study::contingency_limits(net, study::scenario_limits(s));
    for (auto _ : state) {
      if (phase == VariantPhase::Load) {
        const auto sv = study::read_scenario(path, choice);
        auto nv = study::build_network(sv);
        benchmark::DoNotOptimize(nv.branches.data());
      } else if (phase == VariantPhase::Solve) {
        const auto sol = report::solve_network(net, so);
        benchmark::DoNotOptimize(&sol);
      } else {
        state.PauseTiming();
        const auto sol = report::solve_network(net, so);
        model::Network held = net;
        report::apply_tap_positions(held, sol);
        state.ResumeTiming();
        study::ContingencyOptions co;
        co.enforce_q_limits = true;
        co.threads = 1;
        study::ContingencyAnalysis ca(held, limits, co);
        const auto res = ca.run(ca.credible_contingencies());
        benchmark::DoNotOptimize(&res);
      }
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_SensitivityVariant, load_wind_3570_light_cf30, "wind-3570-light-cf30.yaml", VariantPhase::Load)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SensitivityVariant, solve_wind_3570_light_cf30, "wind-3570-light-cf30.yaml", VariantPhase::Solve)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SensitivityVariant, n1_wind_3570_light_cf30, "wind-3570-light-cf30.yaml", VariantPhase::N1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeSeriesYear, langson_base_peak, "base-peak.yaml")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeSeriesYear, langson_wind_1444_peak, "wind-1444-peak.yaml")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeSeriesYear, case118, "case118")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeSeriesYearQLim, langson_wind_1444_peak, "wind-1444-peak.yaml")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeSeriesYearQLim, case118, "case118")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeSeriesYearCurtailed, langson_base_peak, "base-peak.yaml")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeSeriesYearCurtailed, langson_wind_1444_peak, "wind-1444-peak.yaml")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeSeriesYear2T, langson_base_peak, "base-peak.yaml")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TimeSeriesYear2T, case118, "case118")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TimeSeriesHour, langson_base_peak, "base-peak.yaml")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeSeriesHour, case118, "case118")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_HostingLangSon, base_peak_n1, "base-peak.yaml", true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_HostingLangSon, wind_1444_light_cf30_n1, "wind-1444-light-cf30.yaml", true)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_HostingLangSon, base_peak_normal_only, "base-peak.yaml", false)
    ->Unit(benchmark::kMillisecond);
