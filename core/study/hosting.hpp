#pragma once
// Hosting capacity: for each candidate bus, the largest wind MW it can take before the first new
// overload, voltage violation or non-convergence, in normal operation and under N-1; and the same for
// the scenario's wind fleet as a whole (every in-service wind farm at the same share of its installed
// MW): the province's export limit, N-0 and N-1.
//
// Method, per candidate bus:
// - A temporary wind unit is added at the bus (default: unity power factor, PQ; with `vg_pu` it holds the
//   bus voltage as the Lạng Sơn farms do, without reactive limits). Everything else stays as the scenario
//   has it; the added MW leave through the grid: the reference unit (the grid equivalent) takes them.
//   At a bus that already holds a voltage (PV), the added unit takes that bus's set-point, so that the
//   case with 0 MW added is the scenario's case.
// - The fleet: every in-service wind unit at share × its installed MW (its own P otherwise ignored), the
//   knob being the fleet's MW (share × installed); 0 MW is the case without wind.
// - Every trial's base case is solved as every study solves it: automatic tap changers settle from the
//   case's positions (report::solve_network's tap control) and stay there through the contingencies;
//   reactive limits are enforced when `enforce_q_limits` (as `lsflow run` and `n1` by default).
// - Normal operation: checked against the normal-operation limits (loading limit, normal voltage bands).
//   N-1: the same case must also pass every credible N-1 contingency — every in-service line, 2- and
//   3-winding transformer and generator out in turn, not the added unit and not the external-grid
//   equivalent (ContingencyAnalysis::credible_contingencies) — checked against the N-1 limits. So the N-1
//   figure is never above the normal one. A contingency that does not converge counts as a violation; an
//   outage that islands part of the grid (e.g. the farm's own radial line) is not one by itself. A
//   contingency the N-1 engine throws on is run apart, and if it still throws it is listed in
//   HostingResult::skipped (not a violation).
// - Only NEW violations bind: an element (or bus) beyond its limit, in normal operation or after a given
//   contingency, that was within it with 0 MW added. What is already violated at 0 MW is listed once
//   (HostingStudy::existing), and does not bind however the wind moves it; otherwise one old overload
//   would put every bus at 0 MW. (A contingency that already fails to converge at 0 MW is such a
//   violation too.)
// - Bisection on P in [0, max_mw]: the reported value is the largest P verified to pass; the first
//   failing P found is at most `step_mw` above it, and the binding element is the worst violation there.
//   This assumes that violations, once they appear, stay as P grows (true of the export overloads and
//   overvoltages that wind causes; an undervoltage that wind relieves can make a bus pass again above
//   the reported value — the bisection does not look for such a second window).
#include <atomic>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "model/network.hpp"
#include "study/contingency.hpp"

namespace lsflow::study {

class Progress;

struct HostingOptions {
  double max_mw = 1000.0;       // upper end of the search
  double step_mw = 5.0;         // bisection tolerance
  bool n1 = true;               // also the N-1 figure
  std::optional<double> vg_pu;  // the added unit holds this voltage (PV, no Q limits); default unity pf
  double tol_pu = 1e-8;         // power-flow tolerance, every solve
  int max_iter = 10;
  bool enforce_q_limits = false;  // reactive limits in every solve (study::ContingencyOptions)
  int threads = 0;                           // candidate buses in parallel (0: every core TBB sees)
  bool fleet = false;                        // also the wind fleet as a whole (HostingStudy::fleet)
  // Voltage bands are checked at buses of this base kV and above only (0: every bus with a band). 66
  // keeps the check on the 110/220 kV grid, e.g. when the 35/22 kV busbars' tap changers are not
  // modelled as automatic and would otherwise bind on fixed-tap voltage rise.
  double voltage_min_kv = 0.0;
};

enum class HostingViolation : std::uint8_t { None, Overload, Undervoltage, Overvoltage, NotConverged };
[[nodiscard]] const char* to_string(HostingViolation v);

// What stops the wind at a bus: the worst violation at the smallest failing P found.
struct HostingLimit {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  HostingViolation kind = HostingViolation::None;
  std::string element;      // the overloaded element (or winding), or the bus out of band
  std::string contingency;  // the outage (N-1), empty in normal operation
  double value = kNaN;      // loading % of rating, or |V| pu
  double limit = kNaN;      // loading limit %, or the band edge pu
  double at_mw = kNaN;      // the added MW at which it was found
  int violations = 0;       // how many violations at that P (this one included)
  [[nodiscard]] std::string text() const;
};

struct HostingResult {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  BusIdx bus;
  std::string name;
  std::string zone;
  double base_kv = 0.0;
  bool evaluated = false;      // false: interrupted before this bus, or its base case does not solve
  std::string failure;         // why not evaluated
  double normal_mw = kNaN;     // largest added MW passing in normal operation
  bool normal_at_max = false;  // no violation up to max_mw
  HostingLimit normal;
  double n1_mw = kNaN;  // largest added MW passing normal operation and every contingency
  bool n1_at_max = false;
  HostingLimit n1;
  std::vector<std::string> existing;  // violations at 0 MW (they do not bind), beyond HostingStudy::existing
  std::vector<std::string> skipped;   // contingencies the N-1 engine could not evaluate (with why)
  int solves = 0;                     // base-case solves
  int n1_runs = 0;                    // full N-1 runs
  double elapsed_s = 0.0;
};

// The wind fleet as a whole: the largest total wind output (every in-service wind farm at the same
// share of its installed MW) before the first new violation, and the export over the tie there.
struct FleetLimit {
  bool evaluated = false;
  std::string failure;
  double installed_mw = 0.0;       // of the in-service wind farms
  HostingResult mw;                // normal_mw / n1_mw: fleet MW (the bus fields name the fleet)
  double normal_export_mw = HostingResult::kNaN;   // export (grid units' −P) at normal_mw
  double n1_export_mw = HostingResult::kNaN;       // at n1_mw
};

struct HostingStudy {
  HostingOptions options;
  std::vector<HostingResult> buses;  // in the order asked
  std::vector<std::string> existing; // violations at 0 MW common to every bus's case (listed once)
  FleetLimit fleet;                  // when options.fleet
  std::size_t contingencies = 0;     // N-1 list length (per bus, the added unit not counted)
  std::string limits_source;
  bool interrupted = false;
  double elapsed_s = 0.0;
};

// The default candidates: energised 110 kV and 220 kV buses (base kV in [66, 300)) that are not
// reference buses, in model order.
[[nodiscard]] std::vector<BusIdx> hosting_candidates(const model::Network& net);

// Runs the study. `stop` is polled before every solve (Ctrl-C): buses not finished are left
// evaluated = false and the study says interrupted. `progress` counts buses.
[[nodiscard]] HostingStudy hosting_capacity(const model::Network& net, const ContingencyLimits& limits,
                                            const std::vector<BusIdx>& buses, const HostingOptions& opt = {},
                                            const std::atomic<bool>* stop = nullptr,
                                            Progress* progress = nullptr);

}  // namespace lsflow::study
