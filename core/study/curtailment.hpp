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
#include <string>
#include <vector>

#include "model/network.hpp"
#include "report/network_solution.hpp"
#include "report/study_report.hpp"
#include "study/contingency.hpp"

namespace lsflow::study {

struct Scenario;

struct CurtailmentOptions {
  report::SolveOptions solve;   // how the base case is solved (reactive limits, taps, tolerance)
  bool n1 = false;              // also N-1 secure
  int threads = 0;              // for the contingencies
  int max_rounds = 40;          // N-1 rounds
  double probe_mw = 5.0;        // the finite-difference step of the N-1 sensitivities
};

// Curtails the wind of `net` in place (the farms' p_mw) and says what it did. `scenario` (may be null)
// gives the N-1 contingency list; without it, every credible contingency.
[[nodiscard]] report::CurtailmentSummary curtail_case(model::Network& net, const ContingencyLimits& limits,
                                                      const Scenario* scenario, const CurtailmentOptions& opt);

}  // namespace lsflow::study
