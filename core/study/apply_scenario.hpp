#pragma once
// Scenario → network. What apply_scenario does, in this order:
//
// 1. Names. Every element, group, zone and category a scenario names must exist in the network, else
//    InputError at the scenario line that names it (with the nearest existing name as a hint). A group
//    expands to its members; so does a line's name when the network split it into circuits
//    <name>_c1 … <name>_cn (an outage of "L110_A_B" takes out both circuits). Where a name may stand
//    for an element or a group, an entry naming the element itself wins over an entry naming a group
//    that holds it; two groups giving one element different values is an error. The `contingencies:`
//    list is checked here too (lines, transformers and generators; an element reached twice is an
//    error), though only `lsflow n1` uses it (contingency_names).
// 2. Commissioning, by study year: an element with in_service_from_year Y is in service iff
//    study_year >= Y; with out_of_service_from_year Z it is out iff study_year >= Z (both may be given).
//    An entry with only out_of_service_from_year leaves the network file's state alone before Z.
//    Elements without an entry keep the network file's `in_service`. Applies to lines, 2- and
//    3-winding transformers, generators, loads, shunts and buses: a bus the network file has out of
//    service (`in_service: false`, e.g. a planned substation; an isolated bus) comes into service as PQ
//    and is re-typed in step 6; out of service it is isolated (with everything on it). Outages (3.) take
//    no buses: name their elements.
// 3. Outages: each named element (or group) is taken out of service, after commissioning.
// 4. Load: every load's P and Q (constant power factor) are multiplied by
//        level × (1 + r/100)^n,   n = study_year − max(base_year, in_service_from_year of the load)
//    level = level_by_category_pct[category] or level_pct (default 100 %), divided by 100;
//    r = the most specific growth rate (growth_rate_for):
//        growth_by_name_pct_per_yr[load name]
//      > growth_by_name_pct_per_yr[bus name]
//      > growth_by_zone_category_pct_per_yr[bus zone][load category]
//      > growth_by_category_pct_per_yr[load category]
//      > growth_by_zone_pct_per_yr[bus zone]
//      > growth_pct_per_yr                        (default 0)
//    A load commissioned after the base year grows only from its commissioning year: its network-file
//    P is what it draws when it enters service.
// 5. Dispatch, for each generator (in service or not, so toggling it later keeps a sensible set-point):
//    - kind grid: vg_pu = grid_vm_pu (and its bus's initial vm_pu); P is the slack's result.
//    - other kinds: P = p_mw_by_name, else share × capacity with the share from
//        share_by_name_pct > {wind,solar}_share_by_zone_pct[bus zone] > {wind,solar,hydro,thermal}_share_pct
//      where capacity = installed_mw, or pmax_mw when installed_mw is 0. No share and no set-point:
//      the network file's P stays. A set-point outside [pmin_mw, capacity] is an error; a share that
//      lands below pmin_mw (but above 0) is a warning.
//    - vg_pu_by_name sets any generator's voltage set-point (after grid_vm_pu).
//    - tap_pos_by_name holds a transformer's tap (two- or three-winding, or a group of them) at a position
//      within its type's range and turns its automatic control off (a manual setting); a transformer
//      without a tap changer, or a position outside the range, is an error at the scenario line.
// 6. Bus types, for buses whose set of in-service generators changed or that commissioning switched on
//    (the network reader's rule):
//    Ref with an in-service generator of kind grid (a reference bus keeps its role while it has any
//    in-service generator, for MATPOWER cases), else PV with an in-service generator that regulates
//    voltage (qmax_mvar > qmin_mvar), else PQ. Isolated buses stay isolated.
#include <string>
#include <vector>

#include "model/network.hpp"
#include "study/scenario.hpp"

namespace lsflow::study {

// What apply_scenario changed, for a summary line and for tests.
struct ApplySummary {
  double load_before_mw = 0.0;          // in-service load before and after (MW)
  double load_after_mw = 0.0;
  std::vector<std::string> switched_in;     // names whose in_service went false → true
  std::vector<std::string> switched_out;    // and true → false (commissioning or outage)
  std::vector<std::string> warnings;        // harmless oddities, e.g. an outage of an element already out
};

// Applies `s` to `net` (see above). On InputError `net` is left unchanged.
ApplySummary apply_scenario(const Scenario& s, model::Network& net);

// Reads the scenario's network file (io::read_network) and applies the scenario to it.
[[nodiscard]] model::Network build_network(const Scenario& s);
model::Network build_network(const Scenario& s, ApplySummary& summary);

// The scenario's `contingencies:` list resolved against `net` by step 1's rules: one entry per element (a
// group or a multi-circuit line's name gives each member or circuit, in order), each with the line of the
// entry that named it. Throws InputError at that line for a name the network lacks (with the nearest
// name), an element that is not a line, transformer or generator, or an element listed twice. Empty when
// the scenario has no list or selects by kind.
[[nodiscard]] std::vector<NameRef> contingency_names(const Scenario& s, const model::Network& net);

// The growth rate one load gets, and which rule it came from (e.g. "category industrial").
struct GrowthRate {
  double pct_per_yr = 0.0;
  std::string rule;     // "load name", "bus name", "zone+category", "category", "zone", "general", "none"
  SourceLoc loc;        // the scenario line that set it (empty for "none")
};
[[nodiscard]] GrowthRate growth_rate_for(const Scenario& s, const model::Network& net, const model::Load& load);

}  // namespace lsflow::study
