// Applies a scenario to a network; the rules and their precedence are documented in apply_scenario.hpp.
// Everything is resolved and checked against the network first, then applied to a copy that replaces
// the caller's network only when nothing failed.
#include "study/apply_scenario.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "io/read_network.hpp"
#include "io/yaml_util.hpp"

namespace lsflow::study {

namespace {

enum class Kind { Bus, Branch, Transformer3W, Generator, Load, Shunt };

struct ElemRef {
  Kind kind;
  std::size_t idx;
  auto operator<=>(const ElemRef&) const = default;
};

constexpr Kind kSwitchable[] = {Kind::Branch, Kind::Transformer3W, Kind::Generator, Kind::Load, Kind::Shunt};
// Commissioning also takes buses (a planned substation: `in_service: false` in the network file).
constexpr Kind kCommissionable[] = {Kind::Branch, Kind::Transformer3W, Kind::Generator, Kind::Load, Kind::Shunt,
                                    Kind::Bus};
constexpr Kind kGenerators[] = {Kind::Generator};
constexpr Kind kTransformers[] = {Kind::Branch, Kind::Transformer3W};
constexpr Kind kLoadsAndBuses[] = {Kind::Load, Kind::Bus};
constexpr const char* kSwitchableWhat = "lines, transformers, generators, loads and shunts (not buses)";
constexpr const char* kCommissionableWhat = "lines, transformers, generators, loads, shunts and buses";
constexpr Kind kContingencyKinds[] = {Kind::Branch, Kind::Transformer3W, Kind::Generator};
constexpr const char* kContingencyWhat = "lines, transformers and generators";

std::string_view kind_name(const model::Network& net, ElemRef r) {
  switch (r.kind) {
    case Kind::Bus: return "bus";
    case Kind::Branch: return net.branches[r.idx].kind == model::BranchKind::Line ? "line" : "transformer";
    case Kind::Transformer3W: return "3-winding transformer";
    case Kind::Generator: return "generator";
    case Kind::Load: return "load";
    case Kind::Shunt: return "shunt";
  }
  return "element";
}

const std::string& elem_name(const model::Network& net, ElemRef r) {
  switch (r.kind) {
    case Kind::Bus: return net.buses[r.idx].name;
    case Kind::Branch: return net.branches[r.idx].name;
    case Kind::Transformer3W: return net.transformers3w[r.idx].name;
    case Kind::Generator: return net.generators[r.idx].name;
    case Kind::Load: return net.loads[r.idx].name;
    case Kind::Shunt: return net.shunts[r.idx].name;
  }
  static const std::string none;
  return none;
}

bool& in_service(model::Network& net, ElemRef r) {
  switch (r.kind) {
    case Kind::Branch: return net.branches[r.idx].in_service;
    case Kind::Transformer3W: return net.transformers3w[r.idx].in_service;
    case Kind::Generator: return net.generators[r.idx].in_service;
    case Kind::Load: return net.loads[r.idx].in_service;
    case Kind::Shunt: return net.shunts[r.idx].in_service;
    case Kind::Bus: break;
  }
  throw std::logic_error("buses have no in_service flag");
}

// In service: the element's flag; for a bus, not isolated. Switching a bus on makes it PQ (step 6 re-types it).
bool state_of(model::Network& net, ElemRef r) {
  if (r.kind == Kind::Bus) return net.buses[r.idx].type != model::BusType::Isolated;
  return in_service(net, r);
}
void set_state(model::Network& net, ElemRef r, bool on) {
  if (r.kind != Kind::Bus) {
    in_service(net, r) = on;
    return;
  }
  model::BusType& type = net.buses[r.idx].type;
  if (!on) type = model::BusType::Isolated;
  else if (type == model::BusType::Isolated) type = model::BusType::PQ;
}

template <std::size_t N>
bool allowed(const Kind (&kinds)[N], Kind k) {
  return std::find(std::begin(kinds), std::end(kinds), k) != std::end(kinds);
}

// A value assigned to an element by a scenario entry, directly or through a group.
template <typename T>
struct Assigned {
  T value;
  SourceLoc loc;
  std::string group;   // empty when the entry names the element itself
};

class Resolver {
 public:
  Resolver(const Scenario& s, const model::Network& net) : s_(s), net_(net) {
    auto add = [&](Kind k, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) {
        ElemRef r{k, i};
        const std::string& name = elem_name(net, r);
        if (name.empty()) continue;
        auto& refs = by_name_[name];
        if (refs.empty()) names_.push_back(name);
        refs.push_back(r);
      }
    };
    add(Kind::Bus, net.buses.size());
    add(Kind::Branch, net.branches.size());
    add(Kind::Transformer3W, net.transformers3w.size());
    add(Kind::Generator, net.generators.size());
    add(Kind::Load, net.loads.size());
    add(Kind::Shunt, net.shunts.size());
    for (const auto& b : net.buses)
      if (!b.zone.empty() && std::find(zones_.begin(), zones_.end(), b.zone) == zones_.end()) zones_.push_back(b.zone);
    for (const auto& l : net.loads)
      if (!l.category.empty() && std::find(categories_.begin(), categories_.end(), l.category) == categories_.end())
        categories_.push_back(l.category);
    for (const auto& [name, group] : s.groups)
      if (by_name_.count(name))
        throw InputError(group.loc, fmt::format("groups: \"{}\" is already the name of a {} in the network", name,
                                                kind_name(net, by_name_.at(name).front())));
  }

  // The one element `name` denotes among `kinds` (no groups). Throws at `loc`.
  template <std::size_t N>
  ElemRef element(const std::string& name, const SourceLoc& loc, const Kind (&kinds)[N], std::string_view what,
                  std::string_view context) const {
    auto it = by_name_.find(name);
    if (it == by_name_.end())
      throw InputError(loc, fmt::format("{}: no element named \"{}\" in the network ({}){}", context, name,
                                        net_.source_file, io::did_you_mean(name, names_)));
    std::vector<ElemRef> matches;
    for (ElemRef r : it->second)
      if (allowed(kinds, r.kind)) matches.push_back(r);
    if (matches.empty())
      throw InputError(loc, fmt::format("{}: \"{}\" is a {}; {} takes {}", context, name,
                                        kind_name(net_, it->second.front()), context, what));
    if (matches.size() > 1)
      throw InputError(loc, fmt::format("{}: \"{}\" is ambiguous: a {} and a {} share that name", context, name,
                                        kind_name(net_, matches[0]), kind_name(net_, matches[1])));
    return matches.front();
  }

  // The elements `name` denotes: a group's members, every circuit of a multi-circuit line (the network
  // reader names them <name>_c1 … <name>_cn), or one element. Group members are checked at their own line.
  template <std::size_t N>
  std::vector<ElemRef> elements(const std::string& name, const SourceLoc& loc, const Kind (&kinds)[N],
                                std::string_view what, std::string_view context) const {
    auto g = s_.groups.find(name);
    if (g == s_.groups.end()) return element_or_circuits(name, loc, kinds, what, context);
    std::vector<ElemRef> out;
    for (const NameRef& m : g->second.members)
      for (ElemRef r : element_or_circuits(m.name, m.loc, kinds, what, fmt::format("groups.{}", name)))
        out.push_back(r);
    return out;
  }

  // One element, or every circuit <name>_c1 … <name>_cn of a multi-circuit line.
  template <std::size_t N>
  std::vector<ElemRef> element_or_circuits(const std::string& name, const SourceLoc& loc, const Kind (&kinds)[N],
                                           std::string_view what, std::string_view context) const {
    if (!by_name_.count(name) && by_name_.count(name + "_c1")) {
      std::vector<ElemRef> circuits;
      for (int c = 1; by_name_.count(fmt::format("{}_c{}", name, c)); ++c)
        circuits.push_back(element(fmt::format("{}_c{}", name, c), loc, kinds, what, context));
      return circuits;
    }
    return {element(name, loc, kinds, what, context)};
  }

  // Assigns each entry of `entries` (element or group name → value) to elements; direct entries beat
  // group entries, and two groups disagreeing on an element is an error.
  template <typename T, std::size_t N, typename GetLoc>
  std::map<ElemRef, Assigned<T>> assign(const std::map<std::string, T>& entries, const Kind (&kinds)[N],
                                        std::string_view what, std::string_view context, GetLoc get_loc,
                                        bool (*same)(const T&, const T&)) const {
    std::map<ElemRef, Assigned<T>> out;
    for (const auto& [name, value] : entries) {
      if (s_.groups.count(name)) continue;
      for (ElemRef r : element_or_circuits(name, get_loc(value), kinds, what, context))
        out[r] = Assigned<T>{value, get_loc(value), {}};
    }
    for (const auto& [name, value] : entries) {
      if (!s_.groups.count(name)) continue;
      for (ElemRef r : elements(name, get_loc(value), kinds, what, context)) {
        auto it = out.find(r);
        if (it == out.end()) {
          out[r] = Assigned<T>{value, get_loc(value), name};
        } else if (!it->second.group.empty() && !same(it->second.value, value)) {
          throw InputError(get_loc(value),
                           fmt::format("{}: \"{}\" is in groups \"{}\" ({}) and \"{}\" with different values", context,
                                       elem_name(net_, r), it->second.group, it->second.loc.str(), name));
        }
      }
    }
    return out;
  }

  // Throws at `loc` unless `name` denotes at least one element of `kinds` (ambiguity is fine here).
  template <std::size_t N>
  void check_exists(const std::string& name, const SourceLoc& loc, const Kind (&kinds)[N], std::string_view what,
                    std::string_view context) const {
    auto it = by_name_.find(name);
    if (it == by_name_.end())
      throw InputError(loc, fmt::format("{}: no element named \"{}\" in the network ({}){}", context, name,
                                        net_.source_file, io::did_you_mean(name, names_)));
    if (std::none_of(it->second.begin(), it->second.end(), [&](ElemRef r) { return allowed(kinds, r.kind); }))
      throw InputError(loc, fmt::format("{}: \"{}\" is a {}; {} takes {}", context, name,
                                        kind_name(net_, it->second.front()), context, what));
  }

  void check_zone(const std::string& zone, const SourceLoc& loc, std::string_view context) const {
    if (std::find(zones_.begin(), zones_.end(), zone) == zones_.end())
      throw InputError(loc, fmt::format("{}: no bus has zone \"{}\"{}", context, zone, io::did_you_mean(zone, zones_)));
  }
  void check_category(const std::string& category, const SourceLoc& loc, std::string_view context) const {
    if (std::find(categories_.begin(), categories_.end(), category) == categories_.end())
      throw InputError(loc, fmt::format("{}: no load has category \"{}\"{}", context, category,
                                        io::did_you_mean(category, categories_)));
  }

 private:
  const Scenario& s_;
  const model::Network& net_;
  std::unordered_map<std::string, std::vector<ElemRef>> by_name_;
  std::vector<std::string> names_;
  std::vector<std::string> zones_;
  std::vector<std::string> categories_;
};

// The `contingencies:` list, one entry per element (groups and multi-circuit lines expanded), each with
// the line of the entry that named it; an element reached twice is an error at the second entry.
std::vector<NameRef> resolve_contingencies(const Resolver& names, const Scenario& s, const model::Network& net) {
  std::vector<NameRef> out;
  if (!s.contingencies.is_set()) return out;
  std::map<ElemRef, const NameRef*> seen;   // element → the entry that named it first
  for (const NameRef& entry : s.contingencies.value->names) {
    for (ElemRef r : names.elements(entry.name, entry.loc, kContingencyKinds, kContingencyWhat, "contingencies")) {
      const auto [it, fresh] = seen.try_emplace(r, &entry);
      if (!fresh) {
        const NameRef& first = *it->second;
        const std::string via = first.name == elem_name(net, r) ? "" : fmt::format("as part of \"{}\", ", first.name);
        throw InputError(entry.loc, fmt::format("contingencies: {} \"{}\" is already in the list ({}line {}); each "
                                                "element is analysed once",
                                                kind_name(net, r), elem_name(net, r), via, first.loc.line));
      }
      out.push_back(NameRef{elem_name(net, r), entry.loc});
    }
  }
  return out;
}

const SourceLoc& setting_loc(const Setting<double>& s) { return s.loc; }
const SourceLoc& commissioning_loc(const Commissioning& c) { return c.loc; }
bool same_value(const Setting<double>& a, const Setting<double>& b) { return a.value == b.value; }
bool same_years(const Commissioning& a, const Commissioning& b) {
  return a.in_service_from_year.value == b.in_service_from_year.value &&
         a.out_of_service_from_year.value == b.out_of_service_from_year.value;
}

const std::string kNone;

bool has_bus(const model::Network& net, BusIdx bus) {
  return bus.valid() && static_cast<std::size_t>(bus.value) < net.buses.size();
}
const std::string& zone_of(const model::Network& net, BusIdx bus) { return has_bus(net, bus) ? net.bus(bus).zone : kNone; }

// Share of installed MW for one generator from the kind- and zone-wide settings; nullopt when none applies.
std::optional<double> kind_share_pct(const Dispatch& d, const model::Network& net, const model::Generator& g) {
  const std::string& zone = zone_of(net, g.bus);
  auto from_zone = [&](const NamedValues& by_zone) -> std::optional<double> {
    auto it = by_zone.find(zone);
    if (it != by_zone.end()) return it->second.value;
    return std::nullopt;
  };
  switch (g.kind) {
    case model::GenKind::Wind:
      if (auto z = from_zone(d.wind_share_by_zone_pct)) return z;
      return d.wind_share_pct.value;
    case model::GenKind::Solar:
      if (auto z = from_zone(d.solar_share_by_zone_pct)) return z;
      return d.solar_share_pct.value;
    case model::GenKind::Hydro: return d.hydro_share_pct.value;
    case model::GenKind::Thermal: return d.thermal_share_pct.value;
    case model::GenKind::Grid:
    case model::GenKind::Other: return std::nullopt;
  }
  return std::nullopt;
}

double capacity_mw(const model::Generator& g) { return g.installed_mw > 0.0 ? g.installed_mw : g.pmax_mw; }

}  // namespace

std::vector<NameRef> contingency_names(const Scenario& s, const model::Network& net) {
  if (!s.contingencies.is_set() || !s.contingencies.value->by_name()) return {};
  const Resolver names(s, net);
  return resolve_contingencies(names, s, net);
}

GrowthRate growth_rate_for(const Scenario& s, const model::Network& net, const model::Load& load) {
  const LoadSettings& l = s.load;
  auto find = [](const NamedValues& map, const std::string& key) -> const Setting<double>* {
    if (key.empty()) return nullptr;
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
  };
  auto pick = [](const Setting<double>* v, std::string rule) { return GrowthRate{*v->value, std::move(rule), v->loc}; };
  const std::string& zone = zone_of(net, load.bus);
  const std::string& bus_name = has_bus(net, load.bus) ? net.bus(load.bus).name : kNone;

  if (auto v = find(l.growth_by_name_pct_per_yr, load.name)) return pick(v, "load name");
  if (auto v = find(l.growth_by_name_pct_per_yr, bus_name)) return pick(v, "bus name");
  if (auto z = l.growth_by_zone_category_pct_per_yr.find(zone); z != l.growth_by_zone_category_pct_per_yr.end())
    if (auto v = find(z->second.by_category, load.category)) return pick(v, "zone+category");
  if (auto v = find(l.growth_by_category_pct_per_yr, load.category)) return pick(v, "category");
  if (auto v = find(l.growth_by_zone_pct_per_yr, zone)) return pick(v, "zone");
  if (l.growth_pct_per_yr.is_set()) return pick(&l.growth_pct_per_yr, "general");
  return GrowthRate{0.0, "none", {}};
}

ApplySummary apply_scenario(const Scenario& s, model::Network& net_in) {
  ApplySummary summary;
  summary.load_before_mw = net_in.total_load_mw();
  const Resolver names(s, net_in);
  const int study_year = *s.study_year.value;
  const int base_year = *s.base_year.value;

  // --- 1. Resolve and check every name before changing anything.
  const auto commissioning =
      names.assign(s.commissioning, kCommissionable, kCommissionableWhat, "commissioning", commissioning_loc, same_years);
  std::vector<std::pair<ElemRef, SourceLoc>> outages;
  if (s.outages.is_set())
    for (const NameRef& ref : *s.outages.value)
      for (ElemRef r : names.elements(ref.name, ref.loc, kSwitchable, kSwitchableWhat, "outages"))
        outages.emplace_back(r, ref.loc);
  (void)resolve_contingencies(names, s, net_in);   // used by lsflow n1 (contingency_names); checked here

  const LoadSettings& ls = s.load;
  for (const auto& [name, v] : ls.growth_by_name_pct_per_yr)
    names.check_exists(name, v.loc, kLoadsAndBuses, "loads and buses", "load.growth_by_name_pct_per_yr");
  for (const auto& [zone, v] : ls.growth_by_zone_pct_per_yr)
    names.check_zone(zone, v.loc, "load.growth_by_zone_pct_per_yr");
  for (const auto& [cat, v] : ls.growth_by_category_pct_per_yr)
    names.check_category(cat, v.loc, "load.growth_by_category_pct_per_yr");
  for (const auto& [cat, v] : ls.level_by_category_pct)
    names.check_category(cat, v.loc, "load.level_by_category_pct");
  for (const auto& [zone, rates] : ls.growth_by_zone_category_pct_per_yr) {
    names.check_zone(zone, rates.loc, "load.growth_by_zone_category_pct_per_yr");
    for (const auto& [cat, v] : rates.by_category)
      names.check_category(cat, v.loc, fmt::format("load.growth_by_zone_category_pct_per_yr.{}", zone));
  }

  const Dispatch& d = s.dispatch;
  for (const auto& [zone, v] : d.wind_share_by_zone_pct)
    names.check_zone(zone, v.loc, "dispatch.wind_share_by_zone_pct");
  for (const auto& [zone, v] : d.solar_share_by_zone_pct)
    names.check_zone(zone, v.loc, "dispatch.solar_share_by_zone_pct");
  auto by_generator = [&](const NamedValues& values, const char* context) {
    return names.assign(values, kGenerators, "generators", context, setting_loc, same_value);
  };
  const auto shares = by_generator(d.share_by_name_pct, "dispatch.share_by_name_pct");
  const auto set_points = by_generator(d.p_mw_by_name, "dispatch.p_mw_by_name");
  const auto voltages = by_generator(d.vg_pu_by_name, "dispatch.vg_pu_by_name");
  for (const auto* by_name : {&shares, &set_points}) {
    for (const auto& [r, a] : *by_name) {
      const model::Generator& g = net_in.generators[r.idx];
      const std::string context = by_name == &shares ? "dispatch.share_by_name_pct" : "dispatch.p_mw_by_name";
      if (g.kind == model::GenKind::Grid)
        throw InputError(a.loc, fmt::format("{}: \"{}\" is the grid equivalent (the slack): its P is a result; "
                                            "set its voltage with grid_vm_pu",
                                            context, g.name));
      if (capacity_mw(g) <= 0.0 && by_name == &shares)
        throw InputError(a.loc, fmt::format("{}: generator \"{}\" has neither installed_mw nor pmax_mw to take a "
                                            "share of",
                                            context, g.name));
    }
  }
  for (const auto& [r, a] : set_points) {
    const model::Generator& g = net_in.generators[r.idx];
    if (shares.count(r))
      throw InputError(a.loc, fmt::format("dispatch.p_mw_by_name: \"{}\" also has a share in share_by_name_pct ({}); "
                                          "give one of them",
                                          g.name, shares.at(r).loc.str()));
    const double cap = capacity_mw(g);
    if (*a.value.value < g.pmin_mw - 1e-9)
      throw InputError(a.loc, fmt::format("dispatch.p_mw_by_name: {} MW for \"{}\" is below its pmin_mw of {} MW",
                                          *a.value.value, g.name, g.pmin_mw));
    if (cap > 0.0 && *a.value.value > cap + 1e-9)
      throw InputError(a.loc, fmt::format("dispatch.p_mw_by_name: {} MW for \"{}\" exceeds its {} of {} MW",
                                          *a.value.value, g.name, g.installed_mw > 0.0 ? "installed_mw" : "pmax_mw",
                                          cap));
  }
  const auto taps =
      names.assign(d.tap_pos_by_name, kTransformers, "transformers", "dispatch.tap_pos_by_name", setting_loc, same_value);
  for (const auto& [r, a] : taps) {
    const bool branch = r.kind == Kind::Branch;
    if (branch && net_in.branches[r.idx].kind != model::BranchKind::Transformer)
      throw InputError(a.loc, fmt::format("dispatch.tap_pos_by_name: \"{}\" is a line; tap_pos_by_name takes transformers",
                                          elem_name(net_in, r)));
    const model::TapChanger& tc = branch ? net_in.branches[r.idx].oltc : net_in.transformers3w[r.idx].oltc;
    const int pos = static_cast<int>(*a.value.value);
    if (!tc.present())
      throw InputError(a.loc, fmt::format("dispatch.tap_pos_by_name: transformer \"{}\" has no tap changer (its type "
                                          "has no tap range)",
                                          elem_name(net_in, r)));
    if (pos < tc.pos_min || pos > tc.pos_max)
      throw InputError(a.loc, fmt::format("dispatch.tap_pos_by_name: position {} for \"{}\" is outside its range {} … {}",
                                          pos, elem_name(net_in, r), tc.pos_min, tc.pos_max));
  }
  if (d.grid_vm_pu.is_set() &&
      std::none_of(net_in.generators.begin(), net_in.generators.end(),
                   [](const model::Generator& g) { return g.kind == model::GenKind::Grid; }))
    throw InputError(d.grid_vm_pu.loc, fmt::format("dispatch.grid_vm_pu: the network ({}) has no generator of "
                                                   "kind grid",
                                                   net_in.source_file));

  // --- 2.–5. Apply to a copy.
  model::Network net = net_in;
  std::map<ElemRef, bool> before;
  auto remember = [&](ElemRef r) { before.try_emplace(r, state_of(net, r)); };

  std::map<std::size_t, int> load_from_year;   // commissioned loads grow from their commissioning year
  for (const auto& [r, a] : commissioning) {
    if (auto state = a.value.in_service_in(study_year)) {
      remember(r);
      set_state(net, r, *state);
    }
    if (r.kind == Kind::Load && a.value.in_service_from_year.is_set())
      load_from_year[r.idx] = *a.value.in_service_from_year.value;
  }
  for (const auto& [r, loc] : outages) {
    remember(r);
    if (!state_of(net, r))
      summary.warnings.push_back(fmt::format("{}: outage of {} \"{}\", which is already out of service", loc.str(),
                                             kind_name(net, r), elem_name(net, r)));
    set_state(net, r, false);
  }
  for (const auto& [r, was] : before) {
    const bool now = state_of(net, r);
    if (was != now) (now ? summary.switched_in : summary.switched_out).push_back(elem_name(net, r));
  }

  const double level_pct = ls.level_pct.value_or(100.0);
  for (std::size_t i = 0; i < net.loads.size(); ++i) {
    model::Load& load = net.loads[i];
    double level = level_pct;
    if (auto it = ls.level_by_category_pct.find(load.category); it != ls.level_by_category_pct.end())
      level = *it->second.value;
    int from_year = base_year;
    if (auto it = load_from_year.find(i); it != load_from_year.end()) from_year = std::max(from_year, it->second);
    const int years = std::max(0, study_year - from_year);
    const double rate = growth_rate_for(s, net, load).pct_per_yr;
    const double factor = level / 100.0 * std::pow(1.0 + rate / 100.0, years);
    load.p_mw *= factor;
    load.q_mvar *= factor;
  }

  for (std::size_t i = 0; i < net.generators.size(); ++i) {
    model::Generator& g = net.generators[i];
    const ElemRef r{Kind::Generator, i};
    if (g.kind == model::GenKind::Grid) {
      if (d.grid_vm_pu.is_set()) {
        g.vg_pu = *d.grid_vm_pu.value;
        if (has_bus(net, g.bus)) net.bus(g.bus).vm_pu = g.vg_pu;
      }
    } else if (auto sp = set_points.find(r); sp != set_points.end()) {
      g.p_mw = *sp->second.value.value;
    } else {
      std::optional<double> share;
      if (auto it = shares.find(r); it != shares.end()) share = it->second.value.value;
      else share = kind_share_pct(d, net, g);
      if (share) {
        const double cap = capacity_mw(g);
        if (cap > 0.0) {
          g.p_mw = *share / 100.0 * cap;
          if (g.p_mw < g.pmin_mw - 1e-9 && g.p_mw > 0.0)
            summary.warnings.push_back(fmt::format("generator \"{}\": {} % of {} MW = {} MW is below its pmin_mw "
                                                   "of {} MW",
                                                   g.name, *share, cap, g.p_mw, g.pmin_mw));
        } else summary.warnings.push_back(fmt::format("generator \"{}\" has neither installed_mw nor pmax_mw: its "
                                                    "share was not applied",
                                                    g.name));
      }
    }
    if (auto v = voltages.find(r); v != voltages.end()) g.vg_pu = *v->second.value.value;
  }

  for (const auto& [r, a] : taps) {
    const int pos = static_cast<int>(*a.value.value);
    if (r.kind == Kind::Branch) {
      model::set_tap_position(net.branches[r.idx], pos);
      net.branches[r.idx].oltc.automatic = false;
    } else {
      model::set_tap_position(net.transformers3w[r.idx], pos);
      net.transformers3w[r.idx].oltc.automatic = false;
    }
  }

  // --- 6. Re-type the buses whose set of in-service generators changed (the network reader's rule).
  std::vector<BusIdx> retype;
  for (const auto& [r, was] : before)
    if (r.kind == Kind::Generator && was != state_of(net, r)) retype.push_back(net.generators[r.idx].bus);
    else if (r.kind == Kind::Bus && !was && state_of(net, r)) retype.push_back(BusIdx{static_cast<std::int32_t>(r.idx)});
  for (BusIdx b : retype) {
    if (!has_bus(net, b)) continue;
    model::Bus& bus = net.bus(b);
    if (bus.type == model::BusType::Isolated) continue;
    bool any = false, grid = false, regulating = false;
    for (const model::Generator& g : net.generators) {
      if (g.bus != b || !g.in_service) continue;
      any = true;
      grid = grid || g.kind == model::GenKind::Grid;
      regulating = regulating || g.qmax_mvar > g.qmin_mvar;
    }
    if (grid || (bus.type == model::BusType::Ref && any)) bus.type = model::BusType::Ref;
    else bus.type = regulating ? model::BusType::PV : model::BusType::PQ;
  }

  summary.load_after_mw = net.total_load_mw();
  net_in = std::move(net);
  return summary;
}

model::Network build_network(const Scenario& s, ApplySummary& summary) {
  const std::string& path = *s.network_path.value;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(s.network_path.loc, fmt::format("network: \"{}\" not found", path));
  model::Network net = io::read_network(path, s.network_choices);
  summary = apply_scenario(s, net);
  return net;
}

model::Network build_network(const Scenario& s) {
  ApplySummary summary;
  return build_network(s, summary);
}

}  // namespace lsflow::study
