#pragma once
// What `lsflow run` reports about one solved case: generation by kind, the exchange over the tie to the
// external grid, losses, the loading of every line and transformer, the buses outside their voltage
// band, what is out of service or without supply, and a one-line verdict.
//
// The data (StudyReport, built once by build_study_report) and its renderings (text, JSON, CSV) are
// separate: `lsflow compare` and the tests read the data; the renderers only format it.
//
// Sign conventions: an element's end flow is the power *into the element* at that end (MATPOWER's
// branch flow convention), so an element's losses are the sum of its end flows. The exchange with the
// external grid is the output of the generators of kind grid: positive = import into the province,
// negative = export. A voltage deviation is signed: vm_pu − vmin_pu (< 0) below the band,
// vm_pu − vmax_pu (> 0) above it, 0 inside.
#include "report/text_table.hpp"
#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/network.hpp"
#include "report/network_solution.hpp"
#include "study/limits.hpp"

namespace lsflow::report {

// ---------------------------------------------------------------------------------------------------
// The data

enum class ElementKind { Line, Transformer, Transformer3W };
[[nodiscard]] std::string_view to_string(ElementKind kind);   // "line", "transformer", "transformer3w"
[[nodiscard]] bool parse_element_kind(std::string_view s, ElementKind& out);
[[nodiscard]] std::string_view short_kind(ElementKind kind);  // "line", "trafo", "trafo3w" (tables)

// Generation of one kind (never grid: that is the exchange), in-service units on energised buses.
struct KindGeneration {
  model::GenKind kind = model::GenKind::Other;
  int units = 0;                  // in service and energised
  double installed_mw = 0.0;      // of those units (installed_mw, else pmax_mw)
  double p_mw = 0.0;
  double q_mvar = 0.0;
};

// A branch (or transformer winding) with one end at the grid equivalent.
struct TieFlow {
  std::string element;
  ElementKind kind = ElementKind::Line;
  std::string grid_bus;           // the end at the grid equivalent
  std::string province_bus;       // the other end
  double p_in_mw = 0.0;           // leaving the grid equivalent into the element: + = import
  double q_in_mvar = 0.0;
  double rating_mva = 0.0;        // 0 = unrated
  double loading_pct = kNaN;
};

struct GridExchange {
  std::vector<std::string> generators;   // in-service, energised generators of kind grid
  std::vector<std::string> buses;        // the grid equivalent: their buses (+ the far end of a Thevenin stub)
  double import_mw = 0.0;                // Σ P of those generators; < 0 = export
  double import_mvar = 0.0;
  std::vector<TieFlow> ties;
  [[nodiscard]] bool has_grid() const { return !generators.empty(); }
};

// Active-power balance of the energised network: Σ generation + import = load + shunts + losses.
struct PowerBalance {
  double generation_mw = 0.0;     // all kinds but grid
  double import_mw = 0.0;
  double load_mw = 0.0;           // in-service loads on energised buses
  double load_mvar = 0.0;
  double shunt_mw = 0.0;          // shunt conductance at the solved voltage
  double losses_mw = 0.0;         // series losses of lines and transformers
  double unserved_mw = 0.0;       // in-service load on de-energised buses
};

// Loading of one line, two-winding or three-winding transformer.
struct ElementLoading {
  std::string name;
  ElementKind kind = ElementKind::Line;
  std::vector<std::string> buses;        // from, to (HV, MV, LV for a three-winding transformer)
  std::vector<FlowEnd> ends;             // power into the element at each of `buses` (empty: no flow)
  bool in_service = true;
  bool energised = false;
  double rating_mva = 0.0;               // of the worst end (0 = unrated)
  double s_mva = 0.0;                    // flow that sets the loading (worst end)
  std::string worst_end;                 // bus name of that end
  double loading_pct = kNaN;             // NaN when unrated or not energised
  double loss_mw = 0.0;
  // Transformers: P that leaves at the higher-voltage end (power sent back up from the lower-voltage
  // side(s), e.g. distributed generation above the local load); 0 when none, or for a line.
  double reverse_mw = 0.0;
  [[nodiscard]] bool rated() const { return rating_mva > 0.0; }
};

// Reverse flow is reported from this many MW on (below: a transformer's own losses and rounding).
inline constexpr double kReverseFlowMw = 0.1;

// One generator, every one in the network's order.
struct GeneratorState {
  std::string name;
  model::GenKind kind = model::GenKind::Other;
  std::string bus;
  bool in_service = true;
  bool energised = false;
  double installed_mw = 0.0;      // installed_mw, else pmax_mw
  double p_mw = 0.0, q_mvar = 0.0;
  double qmin_mvar = kNaN, qmax_mvar = kNaN;   // NaN: unlimited
  bool at_q_limit = false;        // held at a reactive limit by the Q-limit loop
  double vg_pu = kNaN;            // voltage set-point
};

// One load, every one in the network's order.
struct LoadState {
  std::string name, bus, zone, category;
  bool in_service = true;
  bool energised = false;
  double p_mw = 0.0, q_mvar = 0.0;
};

// N-1 security of the case (filled by the study layer: study/n1_report.hpp's security_summary).
struct N1Finding {
  std::string contingency;      // the element out
  std::string what;             // overload, undervoltage, overvoltage, not converged, no supply, load lost
  std::string element;          // the overloaded element (winding) or the bus
  double value = kNaN;          // loading % of the emergency rating, |V| pu, lost MW
  double limit = kNaN;          // loading limit %, band edge pu
  double base_value = kNaN;     // the same in the base case
};
struct SecuritySummary {
  bool run = false;
  std::string selection;        // which contingencies (the scenario's list, every credible element, …)
  std::string limits;           // the N-1 limits in one line
  std::size_t contingencies = 0, secure = 0, islanding_only = 0, with_violations = 0, only_pre_existing = 0,
              not_converged = 0, no_supply = 0;
  double lost_load_mw_max = 0.0;
  std::vector<N1Finding> worst;  // new or worsened violations, the worst first (at most a screenful)
  std::size_t findings = 0;      // how many there are in all
  [[nodiscard]] bool secure_n1() const { return with_violations == 0 && not_converged == 0 && no_supply == 0; }
};

// Wind curtailment that removes the case's overloads and voltage violations (study/curtailment.hpp).
struct CurtailedUnit {
  std::string name, bus;
  double p_before_mw = 0.0, p_after_mw = 0.0;
  [[nodiscard]] double curtailed_mw() const { return p_before_mw - p_after_mw; }
};
struct CurtailmentSummary {
  bool run = false;
  bool n1 = false;                       // N-1-secure curtailment
  bool resolved = false;                 // every violation curtailment can remove is gone (verified by AC)
  double curtailed_mw = 0.0;
  double wind_before_mw = 0.0;
  int rounds = 0;                        // AC solves after the first
  std::vector<CurtailedUnit> units;      // the farms curtailed, most first
  std::vector<std::string> binding;      // the elements / buses that bound it
  std::vector<std::string> remaining;    // violations curtailment cannot remove (not caused by wind)
};

struct BusState {
  std::string name;
  ExtId id = 0;
  std::string zone;
  double base_kv = 0.0;
  bool energised = false;
  double vm_pu = kNaN;
  double v_kv = kNaN;
  double va_deg = kNaN;
  std::string level;                     // voltage level name; empty when no level covers base_kv
  double vmin_pu = kNaN, vmax_pu = kNaN; // normal-operation band (NaN without a level)
  double deviation_pu = 0.0;             // signed, see the top of the file
  double lat_deg = kNaN, lon_deg = kNaN; // where the network file places it (NaN: not given)
  [[nodiscard]] bool has_band() const { return !level.empty(); }
  [[nodiscard]] bool out_of_band() const { return energised && has_band() && deviation_pu != 0.0; }
};

struct Overload {
  std::string element;
  ElementKind kind = ElementKind::Line;
  double loading_pct = 0.0;
  double limit_pct = 100.0;
  double rating_mva = 0.0;
  double s_mva = 0.0;
  std::string worst_end;
};

struct VoltageViolation {
  std::string bus;
  std::string zone;
  std::string level;
  double base_kv = 0.0;
  double vm_pu = 0.0;
  double v_kv = 0.0;
  double vmin_pu = 0.0, vmax_pu = 0.0;
  double deviation_pu = 0.0;             // signed: < 0 below the band, > 0 above
  [[nodiscard]] bool low() const { return deviation_pu < 0.0; }
  [[nodiscard]] double deviation_kv() const { return deviation_pu * base_kv; }
  [[nodiscard]] double limit_pu() const { return low() ? vmin_pu : vmax_pu; }
};

// An in-service generator whose solved Q lies outside [qmin_mvar, qmax_mvar]: possible when the
// solve did not enforce reactive limits (--enforce-q-limits); the solution is then not realisable.
struct QLimitBreach {
  std::string generator;
  model::GenKind kind = model::GenKind::Other;
  std::string bus;
  double q_mvar = 0.0;
  double qmin_mvar = 0.0, qmax_mvar = 0.0;
  [[nodiscard]] double excess_mvar() const { return q_mvar > qmax_mvar ? q_mvar - qmax_mvar : qmin_mvar - q_mvar; }
};

struct OutOfService {
  std::string name;
  std::string kind;                      // line, transformer, transformer3w, generator, load, shunt
};

struct DeenergisedArea {
  std::vector<std::string> buses;
  double load_mw = 0.0;                  // in-service load without supply
};

struct IslandFailure {
  std::size_t n_bus = 0;
  int iterations = 0;
  double max_mismatch_mva = 0.0;
  std::string worst_bus;                 // name (or "bus <id>"); "a transformer star point"
  std::string failure;
  std::vector<double> mismatch_history_mva;
  std::string diagnosis;                 // describe_attempts: each Newton attempt, largest solvable load scale
};

struct Convergence {
  bool converged = false;
  bool dc = false;
  int iterations = 0;
  double max_mismatch_mva = 0.0;
  std::size_t islands = 0;               // energised islands solved
  std::vector<IslandFailure> failures;   // islands that did not converge
  std::string rescued;                   // converged only through the fallback chain: its attempts
};

struct StudyReport {
  // What was run.
  std::string scenario;                  // scenario name (the case's label in comparisons)
  std::string scenario_file;
  std::string description;
  int study_year = 0;                    // 0 = not known
  std::string network;                   // network name
  std::string network_file;
  std::string limits;                    // limits name
  std::string limits_file;
  std::string base_case;                 // how the case was solved (reactive limits, taps), one line
  std::string assumptions;               // the assumption alternatives in use, one line (io::describe_choices)
  std::size_t n_buses = 0, n_branches = 0, n_trafos3w = 0, n_generators = 0, n_loads = 0;

  Convergence convergence;
  // The rest is filled only when the case converged.
  std::vector<KindGeneration> generation;   // thermal, hydro, solar, wind (always), other (if any)
  GridExchange exchange;
  PowerBalance balance;
  double loading_limit_pct = 100.0;          // normal operation
  std::vector<ElementLoading> elements;      // branches in model order, then 3W transformers
  std::vector<BusState> buses;               // model order
  std::vector<Overload> overloads;           // worst first
  std::vector<VoltageViolation> voltage_violations;   // by level (highest kV first), worst first
  std::size_t buses_without_band = 0;        // energised buses no voltage level covers (not checked)
  std::vector<std::string> levels_checked;   // level names, highest kV first
  std::vector<QLimitBreach> q_limit_breaches;  // largest excess first
  std::vector<OutOfService> out_of_service;
  std::vector<DeenergisedArea> deenergised;
  std::vector<GeneratorState> generators;    // model order
  std::vector<LoadState> loads;              // model order
  SecuritySummary n1;                        // run only when asked (lsflow run does unless --no-n1)
  CurtailmentSummary curtailment;            // lsflow run --curtail

  [[nodiscard]] bool converged() const { return convergence.converged; }
  [[nodiscard]] std::size_t unrated_elements() const;   // energised, rating 0: loading not checked
  [[nodiscard]] bool ok() const {
    return converged() && overloads.empty() && voltage_violations.empty() && balance.unserved_mw == 0.0 &&
           q_limit_breaches.empty() && (!n1.run || n1.secure_n1());
  }
};

// The limits as the report uses them, resolved per bus (model order): kept free of study/ code, so
// that the report library links without the study library (which depends on it).
struct BusBand {
  std::string level;
  double vmin_pu = 0.0, vmax_pu = 0.0;
};
struct ReportLimits {
  std::string name;
  std::string source_file;
  std::vector<std::optional<BusBand>> band_of_bus;   // nullopt: no level covers the bus
  std::vector<std::string> levels;                   // level names, highest kV first
  double loading_max_pct = 100.0;
};

// Builds the report of a solved network. A case that did not converge gets only its convergence
// section (worst bus names, mismatch history); everything else stays empty.
[[nodiscard]] StudyReport build_study_report(const model::Network& net, const NetworkSolution& sol,
                                             const ReportLimits& limits, const std::string& scenario);

// The network's buses and elements as a report without a solution (every in-service element energised,
// no flows, voltages NaN): what a map needs when a study has no single solved case to draw.
[[nodiscard]] StudyReport network_skeleton(const model::Network& net, const ReportLimits& limits);

// Normal-operation bands of `net`'s buses from study limits (Limits::find_band).
inline ReportLimits report_limits(const model::Network& net, const study::Limits& lim) {
  ReportLimits r;
  r.name = lim.name;
  r.source_file = lim.source_file;
  r.loading_max_pct = lim.loading_limit_pct(study::Operation::Normal);
  r.band_of_bus.reserve(net.buses.size());
  for (const auto& b : net.buses) {
    const study::VoltageLevel* level = lim.find_level(b.base_kv);
    const auto band = lim.find_band(b.base_kv, study::Operation::Normal);
    if (level && band)
      r.band_of_bus.push_back(BusBand{level->name, band->vmin_pu, band->vmax_pu});
    else
      r.band_of_bus.push_back(std::nullopt);
  }
  std::vector<const study::VoltageLevel*> levels;
  for (const auto& l : lim.levels) levels.push_back(&l);
  std::stable_sort(levels.begin(), levels.end(),
                   [](const auto* a, const auto* b) { return a->base_kv_min > b->base_kv_min; });
  for (const auto* l : levels) r.levels.push_back(l->name);
  return r;
}

[[nodiscard]] inline StudyReport build_study_report(const model::Network& net, const NetworkSolution& sol,
                                                    const study::Limits& limits, const std::string& scenario) {
  return build_study_report(net, sol, report_limits(net, limits), scenario);
}

// ---------------------------------------------------------------------------------------------------
// Renderings

struct TextOptions {
  std::size_t top_n = 15;        // rows of the loading table
  bool wide = false;             // every column (default: tables fit 120 columns)
};

// `VERDICT: …` without a trailing newline.
[[nodiscard]] std::string verdict_line(const StudyReport& r);
// What went wrong in a case that did not converge, one line per failed island (for stderr).
[[nodiscard]] std::string convergence_failure_text(const StudyReport& r);

[[nodiscard]] std::string study_report_text(const StudyReport& r, const TextOptions& opt = {});

// A self-contained HTML page (report/html.hpp): the verdict, a map of the network coloured by loading
// and voltage, the most loaded elements, the voltage profile by level, the violations, generators, reverse
// flow, N-1 and curtailment.
[[nodiscard]] std::string study_report_html(const StudyReport& r);

// The whole report; from_json(to_json(r)) == r up to rounding (NaN is written as null).
[[nodiscard]] nlohmann::json study_report_json(const StudyReport& r);
[[nodiscard]] StudyReport study_report_from_json(const nlohmann::json& j);   // throws InputError on bad shape

// `lsflow run --out DIR` files, element and bus names in every row:
//   buses.csv       bus,id,zone,base_kv,level,energised,vm_pu,v_kv,va_deg,band_min_pu,band_max_pu,deviation_pu,status
//   branches.csv    element,kind,from_bus,to_bus,lv_bus,in_service,energised,p_from_mw,q_from_mvar,p_to_mw,
//                   q_to_mvar,p_lv_mw,q_lv_mvar,loss_mw,s_mva,rating_mva,loading_pct,limit_pct,reverse_mw,status
//                   (three-winding transformers: from = HV, to = MV, lv = LV)
//   generators.csv  generator,kind,bus,in_service,energised,installed_mw,p_mw,q_mvar,qmin_mvar,qmax_mvar,
//                   at_q_limit,vg_pu
//   loads.csv       load,bus,zone,category,in_service,energised,p_mw,q_mvar
//   violations.csv  type,element,kind,level,value,unit,limit,excess,excess_unit,detail
//                   type: overload, undervoltage, overvoltage, q_limit, deenergised; excess ≥ 0 beyond the limit
//   report.json     study_report_json, written last: its presence says the set is whole
[[nodiscard]] std::string buses_report_csv(const StudyReport& r);
[[nodiscard]] std::string branches_report_csv(const StudyReport& r);
[[nodiscard]] std::string generators_report_csv(const StudyReport& r);
[[nodiscard]] std::string loads_report_csv(const StudyReport& r);
[[nodiscard]] std::string violations_csv(const StudyReport& r);
// The file names write_study_report writes, report.json last.
[[nodiscard]] const std::vector<std::string>& study_report_files();
void write_study_report(const std::string& dir, const StudyReport& r);
// Reads DIR/report.json (as written by write_study_report); InputError when missing or malformed.
[[nodiscard]] StudyReport read_study_report(const std::string& dir);

}  // namespace lsflow::report
