#pragma once
// N-1 contingency analysis: every element of a list taken out of service on its own, the network solved
// again, and the result checked against the N-1 limits.
//
// - Branch outages (lines, 2-winding transformers) that do not split their island are solved by
//   solver::OutageSolver from the base case, keeping the Jacobian pattern and the base factorisation
//   (the outage subtracts its four admittance terms, explicit zeros stay).
// - Outages that split an island are found first, from the bridges of the in-service multigraph
//   (topology::math_bridges; parallel circuits are not bridges). They are reported as islanding: the
//   buses cut off, the load that loses supply (parts with no unit that produced power in the base case)
//   and the load and generation separated in parts that have generation (not solved: their balance is a
//   matter of frequency control). The part that survives is the one that can hold a reference and has an
//   external-grid unit (kind grid), else the one with the most load, else the reference's; it is solved
//   on its own – with the base factorisation and the cut-off rows replaced when the cut-off part is
//   small (OutageSolver), else as a reduced network (new pattern, new reference if the old one was cut
//   off, as MATPOWER's bustypes picks it). A three-winding transformer outage goes this way too (its star
//   point drops out).
// - Generator outages: the unit's P and Q are no longer injected and the reference unit picks up the P
//   (plus the change in losses), as a plain power flow does; there is no governor or AGC sharing. A bus
//   that loses its last voltage-controlling unit becomes PQ (a new pattern for that outage). Reactive
//   limits: ContingencyOptions::enforce_q_limits.
// - Checks, after a converged outage: loading max(|S_from|, |S_to|) / rate A (a 3-winding transformer
//   winding: bus-side |S| / its rated MVA) against loading_n1_pct, and bus voltages against the N-1
//   bands (emergency ratings: ContingencyLimits). With ContingencyOptions::enforce_q_limits, reactive
//   limits hold in the base case and after each outage (see there). Each violation says whether it was
//   there in the base case already (pre_existing, against the same N-1 limit); a record
//   counts those the outage caused and those it made worse. A contingency that does not converge is
//   reported as such, never as secure.
//
// Threads: TBB, each worker thread with its own OutageSolver per island. A result depends only on its
// contingency (the solver restores its state exactly after each outage), and results come back in the
// order of the list, so a run gives the same numbers whatever the number of threads.
#include <atomic>
#include <cmath>
#include <compare>
#include <complex>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/network.hpp"
#include "report/network_solution.hpp"
#include "study/limits.hpp"

namespace lsflow::study {

// An element of the component model: an outage, or the element an outage is about.
struct ElementRef {
  enum class Kind : std::uint8_t { Branch, Trafo3W, Generator };
  Kind kind = Kind::Branch;
  std::int32_t index = -1;   // into Network::branches, transformers3w or generators
  auto operator<=>(const ElementRef&) const = default;
};

// One N-1 contingency: one element out of service.
struct Contingency {
  ElementRef element;
  auto operator<=>(const Contingency&) const = default;
};

// What is checked. Monitored elements are numbered: model branches 0..B-1, then 3-winding transformer
// windings B + 3·k + w (w = 0 HV, 1 MV, 2 LV).
// Ratings: in normal operation rate A (windings: their rated MVA); after a contingency the emergency
// rating, rate B where the data gives one (> 0), else rate A — and loading_n1_pct of it (the limits
// file's emergency percentage; the Vietnamese grid code, Circular 25/2016/TT-BCT, allows no element
// above 100 % after a single contingency). Rating 0: not checked.
struct ContingencyLimits {
  std::vector<std::optional<VoltageBand>> band_n1;       // per model bus; nullopt: voltage not checked
  std::vector<std::optional<VoltageBand>> band_normal;   // base case
  double loading_n1_pct = 100.0;       // % of the emergency rating
  double loading_normal_pct = 100.0;   // % of rate A
  std::string source;                  // where the limits came from, for the report
  std::size_t buses_without_band = 0;  // energised-or-not model buses no voltage level covers
};

// The scenario's limits applied to `net`.
[[nodiscard]] ContingencyLimits contingency_limits(const model::Network& net, const Limits& limits);
// Built-in limits for a bare network (no scenario): 0.90–1.10 pu everywhere, 100 % of rate A, both
// in normal operation and after a contingency.
[[nodiscard]] ContingencyLimits default_contingency_limits(const model::Network& net);

struct ContingencyOptions {
  double tol_pu = 1e-8;   // power mismatch, per unit, as the base case
  int max_iter = 10;      // Newton iterations per contingency (cheaper chord steps come first)
  int threads = 0;        // 0: every core TBB sees
  // Reactive limits (MATPOWER's enforce_q_lims): the base case is solved with the Q-limit loop and its
  // units at a limit stay there (solver::freeze_q_limits); after an outage, a bus whose regulating units
  // would need Q beyond their limits gets the Q-limit loop too (a full solve of the post-contingency
  // island, from the outage's solution). Off: units give any Q (as `lsflow solve` without limits).
  bool enforce_q_limits = false;
};

enum class Outcome : std::uint8_t {
  Solved,         // converged (the part that keeps the reference, if the outage splits the island)
  NotConverged,   // Newton did not reach the tolerance (or the Jacobian was singular)
  NoSupply,       // no unit is left that could hold the reference: the whole island loses supply
  NotRun,         // the run was interrupted before this contingency
};

// One contingency's outcome: a fixed-size record (the variable-length lists are in ContingencyResults).
struct ContingencyRecord {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  Contingency contingency;
  Outcome outcome = Outcome::NotRun;
  bool singular = false;          // NotConverged because the Jacobian was singular
  bool pattern_changed = false;   // a bus lost its last voltage-controlling unit (or the island split)
  bool islanding = false;         // the outage cut buses off from the reference (see `islanded`)
  std::int32_t q_limited = 0;     // units that reached a reactive limit after the outage (Q-limit loop re-solve)
  std::int32_t iterations = 0;    // solver steps (chord and Newton)
  std::int32_t newton_iterations = 0;
  double max_mismatch_mva = 0.0;
  BusIdx worst_mismatch_bus;      // where the mismatch is largest (invalid for a star point)
  // Islanding.
  std::int32_t islanded_buses = 0;
  double lost_load_mw = 0.0;        // load in cut-off parts without generation (no unit above 0 MW): no supply
  double separated_load_mw = 0.0;   // load in cut-off parts with generation (not solved)
  double separated_gen_mw = 0.0;    // base-case generation in cut-off parts
  // The reference unit(s): P after the contingency and its change from the base case.
  double ref_gen_mw = kNaN;
  double ref_pickup_mw = kNaN;
  // Checks (Solved only).
  std::int32_t overloads = 0;
  std::int32_t undervoltages = 0;
  std::int32_t overvoltages = 0;
  double max_loading_pct = kNaN;    // over monitored elements with a rating
  std::int32_t max_loading_monitor = -1;
  double min_vm_pu = kNaN;          // over buses with a band
  BusIdx min_vm_bus;
  double max_vm_pu = kNaN;
  BusIdx max_vm_bus;
  double max_violation_pu = 0.0;    // the largest distance outside a voltage band
  // Of the violations above: those of elements within their N-1 limit in the base case, and those
  // already beyond it that got worse (by more than kWorsenedLoadingPct / kWorsenedVoltagePu). The rest
  // were there before the outage and did not get worse.
  std::int32_t new_violations = 0;
  std::int32_t worsened_violations = 0;
  double worst_new_loading_pct = kNaN;   // highest loading among new or worsened overloads
  double worst_new_excess_pu = 0.0;      // furthest outside a band among new or worsened voltages
  [[nodiscard]] std::int32_t violations() const { return overloads + undervoltages + overvoltages; }
};

// A violation already there in the base case counts as made worse by an outage beyond these margins (the
// same as hosting capacity's): losing a 17 MW farm that moves an overloaded line by 0.1 % is not news.
inline constexpr double kWorsenedLoadingPct = 1.0;    // percentage points of loading
inline constexpr double kWorsenedVoltagePu = 0.005;

struct Overload {
  std::int32_t contingency = -1;    // index into the list given to run(); -1: the base case
  std::int32_t monitor = -1;
  double loading_pct = 0.0;
  double base_loading_pct = 0.0;
  double flow_mva = 0.0;
  double rating_mva = 0.0;
  bool pre_existing = false;        // already beyond the N-1 limit in the base case
};

struct VoltageViolation {
  std::int32_t contingency = -1;
  BusIdx bus;
  double vm_pu = 0.0;
  double base_vm_pu = 0.0;
  double vmin_pu = 0.0;
  double vmax_pu = 0.0;
  bool pre_existing = false;        // already outside the band in the base case
  [[nodiscard]] double excess_pu() const { return vm_pu < vmin_pu ? vmin_pu - vm_pu : vm_pu - vmax_pu; }
};

struct IslandedBus {
  std::int32_t contingency = -1;
  BusIdx bus;
  double load_mw = 0.0;
  bool with_generation = false;     // its cut-off part has a unit that produced power in the base case
};

// Per monitored element / bus: the worst post-contingency value and the contingency that caused it
// (-1: no converged contingency touched it). Ties go to the earlier contingency in the list.
struct MonitorWorst {
  double loading_pct = ContingencyRecord::kNaN;
  std::int32_t contingency = -1;
};
struct BusWorst {
  double min_vm_pu = ContingencyRecord::kNaN;
  std::int32_t min_contingency = -1;
  double max_vm_pu = ContingencyRecord::kNaN;
  std::int32_t max_contingency = -1;
};

struct ContingencyResults {
  std::vector<Contingency> contingencies;          // the list run() was given
  std::vector<ContingencyRecord> records;          // same order
  std::vector<Overload> overloads;                 // by contingency, then loading (highest first)
  std::vector<VoltageViolation> voltage_violations;  // by contingency, then bus
  std::vector<IslandedBus> islanded;               // by contingency, then bus
  std::vector<MonitorWorst> monitor_worst;         // per monitored element
  std::vector<BusWorst> bus_worst;                 // per model bus
  bool interrupted = false;
  int threads = 1;
  double elapsed_s = 0.0;
};

// What the workers look at while they run: a stop flag (e.g. set by SIGINT) checked before every
// contingency, and a counter of finished contingencies for a progress display.
struct RunControl {
  const std::atomic<bool>* stop = nullptr;
  std::atomic<std::size_t>* done = nullptr;
};

class ContingencyAnalysis {
 public:
  // Builds the math model and solves the base case (throws NotConverged when it does not converge,
  // InputError for a network that cannot be solved). `net` must outlive the analysis.
  ContingencyAnalysis(const model::Network& net, ContingencyLimits limits, ContingencyOptions opt = {});
  ~ContingencyAnalysis();
  ContingencyAnalysis(const ContingencyAnalysis&) = delete;
  ContingencyAnalysis& operator=(const ContingencyAnalysis&) = delete;

  // Every in-service element of the chosen kinds in an energised island, in model order: lines and
  // 2-winding transformers, then 3-winding transformers, then generators.
  [[nodiscard]] std::vector<Contingency> all_contingencies(bool branches = true, bool trafos3w = true,
                                                           bool generators = true) const;
  // all_contingencies() without what lies wholly inside the external-grid equivalent
  // (model/grid_equivalent.hpp): its generators (kind grid) and internal branches — losing the external
  // grid is not a credible contingency of the studied network. The default N-1 set; a scenario or the
  // command line can still name those elements.
  [[nodiscard]] std::vector<Contingency> credible_contingencies(bool branches = true, bool trafos3w = true,
                                                                bool generators = true) const;
  // The contingency for an element name (branch, 3-winding transformer or generator); throws
  // InputError at `loc` when no element has that name (with the nearest name as a hint) or the element is
  // out of service or not energised in the base case.
  [[nodiscard]] Contingency find_contingency(const std::string& name, const SourceLoc& loc = {}) const;

  // Runs the list on opt.threads threads. Thread-safe only against itself being called once at a time.
  ContingencyResults run(const std::vector<Contingency>& list, const RunControl& control = {});

  // One contingency, with its whole post-contingency state mapped onto the model (buses, branch flows,
  // generator P and Q as solve_network reports them; cut-off parts de-energised).
  ContingencyRecord solve_one(const Contingency& c, report::NetworkSolution& state);

  [[nodiscard]] const model::Network& network() const { return *net_; }
  [[nodiscard]] const ContingencyLimits& limits() const { return limits_; }
  [[nodiscard]] const ContingencyOptions& options() const { return opt_; }
  // Threads for the next run() (0: every core); workers built for earlier runs are kept.
  void set_threads(int threads) { opt_.threads = threads; }
  // The base case, and its own violations against the normal-operation limits.
  [[nodiscard]] const report::NetworkSolution& base() const { return base_; }
  [[nodiscard]] const std::vector<Overload>& base_overloads() const { return base_overloads_; }
  [[nodiscard]] const std::vector<VoltageViolation>& base_voltage_violations() const { return base_voltage_; }
  // Monitored elements (see ContingencyLimits).
  [[nodiscard]] std::int32_t monitor_count() const;
  [[nodiscard]] std::string monitor_label(std::int32_t monitor) const;
  [[nodiscard]] double base_loading_pct(std::int32_t monitor) const;     // % of rate A
  [[nodiscard]] double base_loading_n1_pct(std::int32_t monitor) const;  // % of the emergency rating
  [[nodiscard]] double rating_mva(std::int32_t monitor) const;           // rate A (0: unrated)
  [[nodiscard]] double emergency_rating_mva(std::int32_t monitor) const; // see ContingencyLimits
  // Units held at a reactive limit in the base case (enforce_q_limits), model generator indices.
  [[nodiscard]] const std::vector<GenIdx>& base_q_limited() const { return base_q_limited_; }
  [[nodiscard]] double setup_ms() const { return setup_ms_; }
  // A line for reports on how the base case was made (e.g. the taps it holds): shown by n1_text.
  void set_note(std::string note) { note_ = std::move(note); }
  [[nodiscard]] const std::string& note() const { return note_; }

  struct Island;
  struct Worker;

 private:
  void run_contingency(const Contingency& c, std::int32_t index, Worker& w, ContingencyRecord& rec,
                       report::NetworkSolution* state) const;
  // A converged outage's checks (and, with reactive limits, the Q-limit re-solve when a unit would be
  // beyond its limit); `state` as in solve_one.
  void finish_solved(const Island& d, Worker& w, ContingencyRecord& rec, std::int32_t index,
                     const std::vector<std::complex<double>>& v, const std::vector<solver::BusKind>& kind,
                     const std::uint8_t* gen_off, std::int32_t skip, const std::uint8_t* branch_off,
                     const std::uint8_t* bus_off, report::NetworkSolution* state) const;
  Worker& worker(std::size_t slot);

  const model::Network* net_;
  ContingencyLimits limits_;
  ContingencyOptions opt_;
  std::vector<std::unique_ptr<Island>> islands_;
  // Model element → (island, math index); island -1 when not energised.
  struct MathRef {
    std::int32_t island = -1;
    std::int32_t index = -1;
  };
  std::vector<MathRef> branch_math_, trafo_math_, gen_math_;
  report::NetworkSolution base_;
  std::vector<Overload> base_overloads_;
  std::vector<VoltageViolation> base_voltage_;
  std::vector<double> base_loading_pct_;   // per monitored element (NaN: no rating or not energised)
  std::vector<double> base_loading_n1_pct_;  // the same against the emergency rating
  std::vector<double> rating_mva_, emergency_mva_;   // per monitored element
  std::vector<GenIdx> base_q_limited_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<Worker> probe_;          // for solve_one
  struct Pool;                             // the TBB arena, kept across runs with the same thread count
  std::unique_ptr<Pool> pool_;
  double setup_ms_ = 0.0;
  std::string note_;
};

struct Scenario;

// What `lsflow n1 SCENARIO` runs when its command line names nothing: the scenario's `contingencies:` list
// (names resolved by contingency_names, apply_scenario.hpp; each element checked in service and energised
// here, InputError at the line that names it), or every credible in-service element of the kinds it
// selects, or, without the key, credible_contingencies().
[[nodiscard]] std::vector<Contingency> scenario_contingencies(const Scenario& s, const ContingencyAnalysis& ca);

// A short label for an element: its name, or kind and row when it has none.
[[nodiscard]] std::string element_label(const model::Network& net, const ElementRef& e);

}  // namespace lsflow::study
