#pragma once
// Wind curtailment of one study case (lsflow run --curtail [n0|n1]).
//
// N-0: the case as the one hour of a time series without profile columns (study::TimeSeries with
// TimeSeriesOptions::curtail: sensitivities at the AC solution, the least MW by the most effective farm,
// AC again, reactive limits and taps as every study solves them; the method is at the top of
// timeseries.hpp). The farms' outputs it ends with are written into the network.
//
// N-1 (preventive, on top of N-0): the curtailed case's credible contingencies (or the scenario's list)
// are run; while one of them causes a new or worsened overload or voltage violation (n1_report.hpp's
// outage_related), the worst is relieved: its post-contingency network (the element out, taps held where
// the base case has them, reactive limits) is solved with each farm bus's wind lowered by a few MW in
// turn — the finite-difference sensitivity of the violated quantity to that bus's wind — and the farm bus
// that relieves it most per MW is curtailed by what the linear estimate needs (plus a small margin); the
// base case is solved again, the contingencies run again. A violation no farm relieves is left (counted
// as remaining). At most `max_rounds` rounds.
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "model/network.hpp"
#include "report/network_solution.hpp"
#include "report/study_report.hpp"
#include "study/contingency.hpp"

namespace lsflow::study {

struct Scenario;
class TimeSeries;
class Progress;

struct CurtailmentOptions {
  report::SolveOptions solve;   // how the base case is solved (reactive limits, taps, tolerance)
  bool n1 = false;              // also N-1 secure
  int threads = 0;              // for the contingencies
  int max_rounds = 40;          // N-1 rounds
  double probe_mw = 5.0;        // the finite-difference step of the N-1 sensitivities
};

// Curtails the wind of `net` in place (the farms' p_mw) and says what it did. `scenario` (may be null)
// gives the N-1 contingency list; without it, every credible contingency.
// The N-1 part alone, on a case already free of N-0 violations (e.g. an hour of a curtailed time series):
// curtails `net` further, appends to out.binding / out.remaining, counts rounds; true when secure.
bool curtail_n1_secure(model::Network& net, const ContingencyLimits& limits, const Scenario* scenario,
                       const CurtailmentOptions& opt, report::CurtailmentSummary& out);

[[nodiscard]] report::CurtailmentSummary curtail_case(model::Network& net, const ContingencyLimits& limits,
                                                      const Scenario* scenario, const CurtailmentOptions& opt);

// N-1-secure curtailment over the hours of a time series already curtailed to N-0 (lsflow timeseries
// --curtail n1): each hour's network (TimeSeries::network_at, the farms at the outputs the N-0 pass left,
// the taps where they stood) goes through curtail_n1_secure. Hours run in parallel (TBB, `threads`).
struct HourCase {
  std::size_t hour = 0;
  std::vector<double> gen_p_mw;   // per model generator, after N-0 curtailment
  std::vector<int> tap_pos;       // per TimeSeries::taps() entry
};
struct YearN1Curtailment {
  double curtailed_mwh = 0.0;              // beyond the N-0 curtailment
  std::int32_t hours_curtailed = 0;        // hours with N-1 curtailment
  std::int32_t hours_not_secure = 0;       // hours with a violation no farm relieves (or no solution)
  std::vector<double> gen_curtailed_mwh;   // per model generator, beyond N-0
  std::map<std::string, std::int32_t> binding_hours;   // "X with Y out" → hours it bound
  std::map<std::string, std::int32_t> remaining_hours; // what no farm relieves → hours it was there
  bool interrupted = false;
  double elapsed_s = 0.0;
};
[[nodiscard]] YearN1Curtailment curtail_hours_n1(const TimeSeries& ts, const std::vector<HourCase>& hours,
                                                 const Scenario* scenario, const CurtailmentOptions& opt,
                                                 const std::atomic<bool>* stop = nullptr, Progress* progress = nullptr);

}  // namespace lsflow::study
