#pragma once
// Time series: one AC power flow per hour of a profile file (profiles.hpp), over one network.
//
// The math model is built once from the network as the scenario leaves it: every in-service unit is in
// it for every hour — a wind farm at 0 MW is still there and still holds its bus voltage — so bus types
// and the Jacobian's pattern do not depend on the hour. Per hour only the injections change:
//   load       P and Q × the load's column (load:<zone> > load:*), constant power factor; a load no
//              column reaches keeps the scenario's value
//   wind, solar, hydro
//              P = column × installed MW (pmax_mw when installed_mw is 0), the column chosen
//              <kind>:<generator name> > <kind>:<zone of its bus> > <kind>:*; Q as in the scenario;
//              a unit no column reaches keeps the scenario's P
//   others     (thermal, other) the scenario's P; the reference unit (the grid equivalent) balances.
// On-load tap changers: the network's automatic ones (model::TapChanger::automatic) act every hour by
// the rule of report::step_taps (as report::solve_network's tap control: one step toward the band per
// round, higher voltage levels first, re-solve until no tap moves or tap_max_rounds solves), and stay
// where they are into the next hour, as a real OLTC does. A move rewrites the transformer's Ybus values
// in place (same pattern). Other taps stay where the scenario has them.
//
// Reactive limits (TimeSeriesOptions::enforce_q_limits, on in `lsflow timeseries`): every hour starts
// with every unit regulating, as a fresh solve of that hour would; after a converged solve, the units of
// a bus that needs more (less) Q than their limits allow together are fixed at their limits (their bus
// becomes PQ) and the hour is solved again, as MATPOWER's Q-limit loop does; the tap rounds keep the
// hour's fixed units. A different set of PQ buses is a different Jacobian pattern: each set met gets
// its own NewtonRaphson (pattern and symbolic analysis built once, then kept for the hours that meet
// the set again). The reference unit's limits are not enforced hour by hour (MATPOWER would move the
// reference); an hour where it breaks them counts in TimeSeriesResult::hours_ref_q_beyond.
//
// Curtailment (TimeSeriesOptions::curtail): after an hour is solved, if a line or transformer is above
// the normal-operation loading limit or a bus outside its normal band, the least wind is curtailed that
// removes it, by sensitivity: at the solution, J⁻¹·e_P(b) gives each farm bus's effect on every
// voltage (hence on each violated flow and bus voltage); the worst violation is relieved by the farm
// that relieves it most per MW, then the next, on the linearised model with a small margin; the hour is
// solved again (AC, reactive limits, taps) and the loop repeats until nothing removable is left (at
// most 10 rounds). A violation no wind farm relieves (no farm with a positive effect and output left)
// is not caused by wind and is left, counted as remaining. An hour with no solution at all at the wind on
// offer (export-limited) is first brought to the largest common share of its wind that solves
// (bisection to 1/64), then curtailed from there as any other. Farms at one bus are curtailed by the same
// share of their output. The statistics are those of the curtailed hours; the curtailed energy per farm,
// the curtailment hours and the elements that bound are in the result, and the hours above a limit
// before curtailment in hours_with_overload_uncurtailed / hours_with_voltage_violation_uncurtailed.
//
// Solving: one Ybus and one NewtonRaphson per island for the whole run (Jacobian pattern, KLU symbolic
// analysis and the last numeric factorisation kept). Each hour starts from the previous hour's solution.
// It first takes chord steps with the factorisation left by the last Newton iteration (an earlier hour's
// Jacobian: the operating point moves little from one hour to the next); a chord step must cut the
// mismatch by `chord_rate`, else Newton (refactor every iteration) takes over from there. An hour that
// still fails is retried from the case's start voltages, then with a damped Newton (line search); an
// hour that fails all three is counted and listed as not converged, its results are left out of every
// statistic (the energies say over how many hours they are), and the next hour starts from the last
// converged solution. Results do not depend on how the hours got solved beyond the tolerance.
//
// Per element and hour: loading = max(|S_from|, |S_to|) / rate A (a three-winding transformer: its worst
// winding, bus-side |S| over that winding's rating), losses P_from + P_to; per bus |V| against the
// normal-operation band; per unit P (the reference unit's from its injection, as pfsoln). An hour
// allocates nothing (every buffer is sized before the first hour), except that each round of tap moves
// calls report::step_taps, which allocates one small vector, and the restarts of a failing hour.
#include <array>
#include <atomic>
#include <cmath>
#include <complex>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "model/network.hpp"
#include "report/network_solution.hpp"
#include "report/tap_control.hpp"
#include "study/contingency.hpp"
#include "study/profiles.hpp"

namespace lsflow::study {

class Progress;

struct TimeSeriesOptions {
  double tol_pu = 1e-8;      // ∞-norm of the power mismatch, per unit
  int max_iter = 10;         // Newton iterations per attempt
  int max_chord_iter = 10;   // chord steps before Newton takes over (0: plain Newton every hour)
  double chord_rate = 0.25;  // a chord step must cut the mismatch at least to this fraction
  // An hour that took more chord steps than this refreshes the kept factorisation with the Jacobian at
  // its solution (0: never), so that the next hours' chord steps contract faster.
  int refresh_after_chord = 6;
  bool keep_hourly = true;  // fill TimeSeriesResult::hourly
  bool tap_control = true;  // automatic tap changers act (when the network has any)
  bool enforce_q_limits = false;  // reactive limits every hour (see the top of the file)
  bool curtail = false;           // least wind curtailment that removes N-0 violations (top of the file)
  int curtail_max_rounds = 10;
  int tap_max_rounds = 30;  // solves per hour, the first included
  // Threads: 1 (default) runs the hours as one chain, each warm-started from the one before. With
  // N > 1 the range is cut into N consecutive chunks solved side by side; each chunk but the first
  // solves `lead_in_hours` hours before its start, not counted, so that it starts warm and with its tap
  // changers settled as the chain would have them. The statistics are then those of the chain to within
  // the solver tolerance, except that an on-load tap changer's position depends on its history: near a
  // chunk's start it can sit one step off the chain's for a while. An observer forces one thread, and so
  // does a range shorter than threads × max(2 × lead_in_hours, 48) hours.
  int threads = 1;
  int lead_in_hours = 24;
};

// What a profile column reaches in the network (in service, energised).
struct ColumnUse {
  std::size_t column = 0;  // into Profiles::columns
  std::size_t loads = 0;
  std::size_t generators = 0;
  double base_mw = 0.0;  // the scenario's load P it scales, or the installed MW it multiplies
};

// Statistics over the converged hours. Elements: model branches 0..B-1, then three-winding
// transformers B..B+T-1.
struct ElementStats {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  double max_loading_pct = kNaN;  // NaN: no rating, or never energised
  std::int32_t max_hour = -1;
  std::int32_t hours_over = 0;   // hours with loading above the normal-operation limit
  double sum_loading_pct = 0.0;  // over the hours with a loading (mean = sum / converged hours)
  double loss_mwh = 0.0;
  double max_flow_mva = 0.0;
  // Transformers (not inside the external-grid equivalent): power sent up from the lower-voltage side.
  std::int32_t reverse_hours = 0;     // hours with more than report::kReverseFlowMw leaving at the HV end
  double max_reverse_mw = 0.0;
  std::int32_t max_reverse_hour = -1;
  std::int32_t curtail_hours = 0;     // hours its overload made wind be curtailed
};

struct BusStats {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  bool checked = false;                   // has a normal-operation band
  double vmin_pu = kNaN, vmax_pu = kNaN;  // the band
  double min_vm_pu = kNaN, max_vm_pu = kNaN;
  std::int32_t min_hour = -1, max_hour = -1;
  std::int32_t hours_under = 0, hours_over = 0;
  std::int32_t curtail_hours = 0;     // hours its voltage made wind be curtailed
};

struct GenStats {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  double energy_mwh = 0.0;  // Σ P·1 h (negative P counts negative)
  double max_mw = kNaN, min_mw = kNaN;
  std::int32_t max_hour = -1;
  bool profiled = false;   // P from a profile column (else held at the scenario's P, or the reference)
  bool reference = false;  // balances its island (P from the solution)
  std::int32_t hours_at_q_limit = 0;
  double curtailed_mwh = 0.0;        // wind energy curtailed (TimeSeriesOptions::curtail)
  std::int32_t curtailed_hours = 0;
};

// One automatic tap changer over the run.
struct TapStats {
  std::int32_t moves = 0;  // steps taken, summed over the hours
  std::int32_t min_pos = 0, max_pos = 0;
  std::int32_t hours_at_limit = 0;  // hours ending with the regulated bus out of band at the end of the range
  std::int32_t final_pos = 0;
};

// One hour, for hourly.csv.
struct HourRecord {
  bool converged = false;
  std::uint8_t attempt = 0;  // 0 warm start, 1 restart from the case voltages, 2 damped Newton
  std::int16_t newton_iterations = 0;
  std::int16_t chord_iterations = 0;
  std::int16_t tap_rounds = 0;  // solves after the first (tap moves)
  std::int16_t tap_moves = 0;
  std::int16_t q_limited = 0;           // units held at a reactive limit
  std::int16_t curtail_rounds = 0;      // AC solves after curtailing
  bool curtail_unresolved = false;      // a removable violation was still there after the last round
  bool curtail_rescued = false;         // no solution at the wind on offer: a common share of it first
  double curtailed_mw = 0.0;
  std::int32_t overloads_uncurtailed = 0, voltage_violations_uncurtailed = 0;
  double load_mw = 0.0;
  double losses_mw = 0.0;
  std::array<double, 6> gen_mw_by_kind{};  // model::GenKind order (thermal, hydro, solar, wind, grid, other)
  double max_loading_pct = 0.0;
  std::int32_t max_loading_element = -1;
  std::int32_t overloads = 0;           // elements above the limit
  std::int32_t voltage_violations = 0;  // buses outside their band
  double min_vm_pu = 0.0, max_vm_pu = 0.0;
  double max_mismatch_pu = 0.0;  // at the returned voltages
};

struct TimeSeriesResult {
  std::size_t hours = 0;       // in the profile
  std::size_t first_hour = 0;  // the range run
  std::size_t hours_run = 0;   // hours tried (fewer than asked when interrupted)
  std::size_t hours_converged = 0;
  bool interrupted = false;
  std::vector<std::int32_t> not_converged;  // hours, ascending

  std::vector<ElementStats> elements;
  std::vector<BusStats> buses;
  std::vector<GenStats> gens;  // per model generator (in service and energised ones used)
  std::array<double, 6> energy_by_kind_mwh{};
  double grid_import_mwh = 0.0;  // units of kind grid: P > 0 hours
  double grid_export_mwh = 0.0;  //                      P < 0 hours (as a positive number)
  double load_mwh = 0.0;
  double losses_mwh = 0.0;
  double peak_load_mw = 0.0;
  std::int32_t peak_load_hour = -1;
  double max_losses_mw = 0.0;
  std::int32_t max_losses_hour = -1;
  std::int32_t hours_with_overload = 0;
  std::int32_t hours_with_voltage_violation = 0;
  std::int32_t hours_ref_q_beyond = 0;        // the reference unit beyond its Q limits (not enforced)
  // Curtailment.
  double curtailed_mwh = 0.0;
  double wind_available_mwh = 0.0;            // the wind the profile offered (before curtailment)
  std::int32_t hours_curtailed = 0;
  std::int32_t hours_curtail_unresolved = 0;  // a removable violation remained after the last round
  std::int32_t hours_curtail_rescued = 0;     // no solution at the wind on offer (curtailment made one)
  std::int32_t hours_with_overload_uncurtailed = 0;
  std::int32_t hours_with_voltage_violation_uncurtailed = 0;
  std::vector<HourRecord> hourly;         // hours_run records from first_hour (keep_hourly)
  std::vector<TapStats> taps;             // per automatic tap changer (TimeSeries::taps() order)
  std::int32_t hours_taps_unsettled = 0;  // hours that hit tap_max_rounds with taps still moving

  // Solver effort.
  std::int64_t newton_iterations = 0;
  std::int64_t chord_iterations = 0;
  std::int32_t restarts = 0;      // hours that needed a restart or the damped Newton
  std::int32_t refreshes = 0;     // factorisations refreshed after a long chord (see options)
  int threads = 1;                // chunks run side by side (TimeSeriesOptions::threads)
  std::size_t lead_in_hours = 0;  // hours solved before a chunk's start, not counted
  double elapsed_s = 0.0;
  double setup_ms = 0.0;
};

// The state of the hour just solved, for tests and callers that want more than the statistics.
struct HourView {
  std::size_t hour = 0;
  bool converged = false;
  const std::vector<std::complex<double>>* bus_v = nullptr;  // per model bus (0 when not energised)
  const std::vector<double>* gen_p_mw = nullptr;             // per model generator
  const std::vector<double>* element_loading_pct = nullptr;  // per element (NaN: no rating)
  const std::vector<double>* element_loss_mw = nullptr;
  const std::vector<report::TapState>* taps = nullptr;  // positions this hour was solved with
  const std::vector<std::uint8_t>* gen_at_q_limit = nullptr;  // per model generator
};

class TimeSeries {
 public:
  // Builds the math model, binds the profile columns to loads and units (throws InputError at the
  // profile's header line for a column whose target is not a zone, or not a generator of that kind, of
  // the network), and sizes every buffer. `net` and `profiles` must outlive the object.
  TimeSeries(const model::Network& net, const Profiles& profiles, ContingencyLimits limits,
             TimeSeriesOptions opt = {});
  ~TimeSeries();
  TimeSeries(const TimeSeries&) = delete;
  TimeSeries& operator=(const TimeSeries&) = delete;

  // Runs hours [first, first + count) (count 0: to the end), on TimeSeriesOptions::threads threads.
  // `stop` is polled every hour (Ctrl-C): when raised, the result says interrupted and covers the hours
  // run. `progress` is updated as hours finish; `observer`, when given, sees every hour's state.
  TimeSeriesResult run(std::size_t first = 0, std::size_t count = 0, const std::atomic<bool>* stop = nullptr,
                       Progress* progress = nullptr,
                       const std::function<void(const HourView&)>& observer = {});

  [[nodiscard]] const std::vector<ColumnUse>& column_use() const { return column_use_; }
  // Loads and units no column reaches (kept at the scenario's values), columns that reach nothing:
  // one line each, for the report.
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }
  // The component model of one hour: loads and unit P as the profiles make them (for checks and tests).
  [[nodiscard]] model::Network network_at(std::size_t hour) const;
  [[nodiscard]] std::size_t element_count() const;
  [[nodiscard]] std::string element_label(std::size_t element) const;
  [[nodiscard]] const model::Network& network() const { return *net_; }
  [[nodiscard]] const Profiles& profiles() const { return *profiles_; }
  [[nodiscard]] const ContingencyLimits& limits() const { return limits_; }
  [[nodiscard]] const TimeSeriesOptions& options() const { return opt_; }
  // The automatic tap changers that act (empty when tap control is off or the network has none); `pos`
  // is the position after the last hour this object solved (with threads > 1, the first chunk's last
  // hour: TimeSeriesResult::taps[t].final_pos is the run's end).
  [[nodiscard]] const std::vector<report::TapState>& taps() const { return taps_; }

  struct Island;

 private:
  const model::Network* net_;
  const Profiles* profiles_;
  ContingencyLimits limits_;
  TimeSeriesOptions opt_;
  std::vector<std::unique_ptr<Island>> islands_;
  std::vector<ColumnUse> column_use_;
  std::vector<std::string> notes_;
  // Per load / generator: the column that drives it (-1: none).
  std::vector<std::int32_t> load_column_, gen_column_;
  double setup_ms_ = 0.0;
  // Tap control: a working copy of the network whose tap positions move, the taps, and where each one's
  // transformer sits in the math model (island, first math branch, branches: 1 or 3 windings).
  model::Network work_;
  std::vector<report::TapState> taps_;
  struct TapSite {
    std::int32_t island = -1, branch = -1, count = 0;  // the transformer's math branch(es)
    std::int32_t bus_island = -1, bus_math = -1;       // the regulated bus
  };
  std::vector<TapSite> tap_site_;
  report::NetworkSolution tap_view_;  // bus voltages step_taps reads (buses only)
  std::vector<int> tap_pos_before_;
  TimeSeriesResult run_chain(std::size_t warm_from, std::size_t first, std::size_t count,
                             const std::atomic<bool>* stop, Progress* progress,
                             std::atomic<std::size_t>* done_counter,
                             const std::function<void(const HourView&)>& observer);
  void set_tap_admittances(std::size_t tap);
  void reset_taps();
  // +1 / −1: the tap's regulated bus is above / below its band and the tap can still move that way;
  // 0 otherwise. `at_limit` is set when it is out of band at the end of its range.
  int tap_wants(std::size_t tap, bool& at_limit) const;
};

// "Jan 23 19:00" for hour 0 = 1 January 00:00 of a non-leap year (a leap year when leap is true).
[[nodiscard]] std::string hour_label(std::size_t hour, bool leap = false);
// ISO 8601 local time of an hour, "2030-01-23T19:00", hour 0 = 1 January 00:00 of `year` (hours past the
// year's end run into the next).
[[nodiscard]] std::string hour_iso(std::size_t hour, int year);

}  // namespace lsflow::study
