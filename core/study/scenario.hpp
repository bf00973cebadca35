#pragma once
// A study case: a few lines of YAML on top of a network file. The format, one key a line (every value
// that has a unit carries it in its key's name; paths are relative to the file that writes them):
//
//   name: wind-3570-light                 # default: the file's name without .yaml (never inherited)
//   description: "..."                    # free text (never inherited)
//   extends: growth-2030-light.yaml       # parent scenario; this file's keys override the parent's
//   network: ../grid.yaml                 # network file (.yaml, or MATPOWER .m)
//   base_year: 2021                       # the year the network file's loads describe
//   study_year: 2030                      # default: base_year; growth is (1 + r)^(study − base)
//   load:
//     level_pct: 40                       # load level, % of the network file's loads (default 100)
//     level_by_category_pct: {industrial: 60}           # per load category, instead of level_pct
//     growth_pct_per_yr: 7.5                            # general rate
//     growth_by_zone_pct_per_yr: {LangSonCity: 8.5}     # per zone (district) of the load's bus
//     growth_by_category_pct_per_yr: {industrial: 14.5} # per load category
//     growth_by_zone_category_pct_per_yr: {HuuLung: {industrial: 18}}
//     growth_by_name_pct_per_yr: {Load_IP_HuuLung: 20}  # per load name or bus name (no groups)
//   groups:                               # named sets of elements, usable where an element name is
//     wind_pdp8: [Wind_BayWa_CaoLoc, Wind_BayWa_VanQuan]
//   commissioning:                        # per element or group name
//     NaDuong2: {in_service_from_year: 2027}
//     Old_line: {out_of_service_from_year: 2028}
//   dispatch:
//     wind_share_pct: 90                  # p_mw = share × installed_mw, every wind generator
//     solar_share_pct: 0                  # … every solar generator
//     hydro_share_pct: 60                 # … every hydro generator; or hydro_season: dry | wet
//     thermal_share_pct: 100              # … every thermal generator
//     wind_share_by_zone_pct: {LocBinh: 80}   # per zone, for wind (solar_share_by_zone_pct for solar)
//     share_by_name_pct: {Wind_GE_AiQuoc: 70} # per generator or group, any kind but grid
//     p_mw_by_name: {NaDuong1_G1: 50}         # set-point per generator or group (not kind grid)
//     vg_pu_by_name: {NaDuong1_G1: 1.03}      # voltage set-point per generator or group
//     grid_vm_pu: 1.05                        # every generator of kind grid (and its bus's start value)
//     tap_pos_by_name: {ChiLang_T1: -2}       # a transformer's (or group's) tap held at this position:
//                                             # manual from then on (its automatic OLTC control is off)
//   outages: [L110_PhuXa_NaDuong, NaDuong2]   # element or group names taken out of service
//   contingencies: [L220_BacGiang_ChiLang_c1, NaDuong2]   # the N-1 list of `lsflow n1` (see below)
//   contingencies: {elements: [branches, generators]}     # … or every in-service element of these kinds
//   assumptions:                          # see io/assumptions.hpp
//     choose: {A-Conductor220: 2xACSR-330/43}   # an alternative of the network's or a scenario's assumption
//     define:                                   # assumptions of the scenario itself, e.g. a growth rate
//       - {id: A-Growth, about: "...", default: base,
//          alternatives: {base: {source: "..."}, low: {source: "...", set: {load: {growth_pct_per_yr: 4}}}}}
//                                         # `set` holds scenario keys (not name/description/extends/network)
//   limits:
//     file: ../limits/vn_grid_code.yaml   # voltage bands and loading limits (see limits.hpp)
//     loading_max_pct: 100                # overrides the file's normal-operation loading limit
//     loading_max_n1_pct: 100             # overrides the file's N-1 loading limit
//
// Element names are those of the network file; a multi-circuit line's name stands for all its circuits.
//
// contingencies: what `lsflow n1 SCENARIO` analyses when its command line names nothing (--contingencies
// NAMES and --elements LIST override the file). The list form names lines, 2- and 3-winding transformers
// and generators, one contingency each, in the order written; a group, or a multi-circuit line's name,
// stands for each of its members / circuits, one at a time (N-1: never two out together). Every name is
// checked against the network when the scenario is built (InputError at the entry's line, with the
// nearest name as a hint), and each element must be in service and energised in the study year (checked
// by `lsflow n1`, at the same line). An empty list is an error (leave the key out, or use the mapping
// form with [all], for every element); so is an element listed twice, directly or through a group or a
// line's circuits (no silent de-duplication). The mapping form mirrors --elements: `elements:` takes
// branches (or lines: lines and 2-winding transformers), transformers3w (trafos3w), generators (gens)
// and all. Other commands check the names but do not use the list.
//
// Ranges checked on reading: years 1900–2200, shares 0–100 %, growth −50…100 %/yr, level 0–500 %,
// voltages 0.8–1.2 pu, loading limits 1–1000 %.
//
// Inheritance: a scalar set in the child replaces the parent's; maps (growth_by_*, groups,
// commissioning, *_by_name, *_by_zone_pct, level_by_category_pct) merge key by key, the child's entry
// replacing the parent's for the same key; `outages` is a list and the child's list replaces the
// parent's whole (`outages: []` clears it); so is `contingencies`, in either form. The precedence rules
// (growth, dispatch, commissioning) are documented where they are applied, in apply_scenario.hpp.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "io/assumptions.hpp"
#include "model/assumption.hpp"

namespace lsflow::study {

// A value read from a scenario file, with the line that set it (for errors and reports).
template <typename T>
struct Setting {
  std::optional<T> value;
  SourceLoc loc;
  [[nodiscard]] bool is_set() const { return value.has_value(); }
  [[nodiscard]] T value_or(T fallback) const { return value ? *value : fallback; }
};

// An element, group, zone or category name as written in a scenario, with its line.
struct NameRef {
  std::string name;
  SourceLoc loc;
};

// Key (name, zone or category) → value; each entry remembers its line.
using NamedValues = std::map<std::string, Setting<double>>;

struct ZoneCategoryRates {
  SourceLoc loc;              // the zone's line
  NamedValues by_category;
};

struct LoadSettings {
  Setting<double> level_pct;
  NamedValues level_by_category_pct;
  Setting<double> growth_pct_per_yr;
  NamedValues growth_by_zone_pct_per_yr;
  NamedValues growth_by_category_pct_per_yr;
  std::map<std::string, ZoneCategoryRates> growth_by_zone_category_pct_per_yr;
  NamedValues growth_by_name_pct_per_yr;   // load name or bus name
};

struct Group {
  SourceLoc loc;
  std::vector<NameRef> members;
};

// When an element is in service. Years are inclusive: in service from 1 January of the year.
struct Commissioning {
  SourceLoc loc;                       // the line naming the element or group
  Setting<int> in_service_from_year;
  Setting<int> out_of_service_from_year;
  // The element's state in `year`: true/false, or nullopt when this entry leaves the network file's
  // state alone (only out_of_service_from_year given, and that year not reached).
  [[nodiscard]] std::optional<bool> in_service_in(int year) const;
};

struct Dispatch {
  Setting<double> wind_share_pct;
  Setting<double> solar_share_pct;
  Setting<double> hydro_share_pct;      // also set by hydro_season
  Setting<std::string> hydro_season;    // "dry" or "wet" when the share came from a preset
  Setting<double> thermal_share_pct;
  NamedValues wind_share_by_zone_pct;
  NamedValues solar_share_by_zone_pct;
  NamedValues share_by_name_pct;
  NamedValues p_mw_by_name;
  NamedValues vg_pu_by_name;
  Setting<double> grid_vm_pu;
  NamedValues tap_pos_by_name;          // integer positions, stored as double like every NamedValues
};

// What hydro_season means, as a share of installed MW. Lạng Sơn's hydro is small run-of-river on small,
// low-head rivers (FACTS.md), so output follows river flow: wet = rainy season (May–October), plants near
// full output; dry = November–April, low flow. Both are assumptions [A].
inline constexpr double kHydroWetSharePct = 90.0;
inline constexpr double kHydroDrySharePct = 25.0;
// The share for "dry"/"wet"; nullopt for anything else.
[[nodiscard]] std::optional<double> hydro_season_share_pct(const std::string& season);

// The element kinds an N-1 run can take all of (`contingencies: {elements: [...]}`, `lsflow n1 --elements`).
struct ElementKinds {
  bool branches = false;     // lines and 2-winding transformers
  bool trafos3w = false;
  bool generators = false;
  [[nodiscard]] bool any() const { return branches || trafos3w || generators; }
};
// Adds the kind `word` names to `kinds`: branches|lines, transformers3w|trafos3w, generators|gens, or all.
// False (and `kinds` unchanged) for any other word.
bool add_element_kind(const std::string& word, ElementKinds& kinds);
// The words add_element_kind takes, for messages and suggestions.
[[nodiscard]] const std::vector<std::string>& element_kind_words();

// A scenario's N-1 list: named elements (the list form), or every in-service element of some kinds.
struct ContingencySelection {
  std::vector<NameRef> names;   // element or group names, in the order written; empty in the mapping form
  ElementKinds kinds;           // the mapping form; all false in the list form
  [[nodiscard]] bool by_name() const { return !names.empty(); }
};

struct LimitSettings {
  Setting<std::string> file;            // resolved relative to the scenario that names it
  Setting<double> loading_max_pct;
  Setting<double> loading_max_n1_pct;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string source_file;              // the file read_scenario was given
  std::vector<std::string> chain;       // source_file, then its parent, … up to the root

  Setting<std::string> network_path;    // resolved relative to the scenario that names it
  Setting<int> base_year;
  Setting<int> study_year;              // read_scenario fills it with base_year when absent
  LoadSettings load;
  std::map<std::string, Group> groups;
  std::map<std::string, Commissioning> commissioning;
  Dispatch dispatch;
  Setting<std::vector<NameRef>> outages;
  Setting<ContingencySelection> contingencies;   // loc: the `contingencies:` line
  LimitSettings limits;
  // Assumptions the scenario files define (io/assumptions.hpp), each with the alternative in use (already
  // laid over the fields above); and the choices for the network file's assumptions, for its reader.
  std::vector<model::Assumption> assumptions;
  io::Choices network_choices;

  // study_year − base_year: the exponent of the load growth.
  [[nodiscard]] int years_of_growth() const { return *study_year.value - *base_year.value; }
};

// Reads a scenario and the chain of files it extends. Throws InputError (`file:line: what`) on a
// missing, unreadable or empty file, a YAML syntax error, an unknown key (with the nearest valid one),
// a value of the wrong type or out of range, an `extends:` loop (naming the chain), or a missing
// `network` / `base_year` after inheritance. Element names are checked against the network later,
// by build_network/apply_scenario, at the line that names them.
//
// `overrides` choose assumption alternatives over the files' `assumptions.choose` (the command line's
// --assume): a scenario-defined assumption is resolved here (InputError at the choice for an alternative
// it lacks); any other id is passed on in network_choices, for the network reader to check.
[[nodiscard]] Scenario read_scenario(const std::string& path, const io::Choices& overrides = {});

// Every top-level key, for tools and tests.
[[nodiscard]] const std::vector<std::string>& scenario_keys();

}  // namespace lsflow::study
