// Scenario files: parsing one file into a layer, then folding the `extends:` chain root-first so the
// most derived file wins. Each layer keeps the file and line of every value, so an error found later
// (a name missing from the network, say) still points at the line the user wrote. The format itself
// is described at the top of scenario.hpp.
#include "study/scenario.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "io/assumptions.hpp"
#include "io/yaml_util.hpp"

namespace lsflow::study {

namespace fs = std::filesystem;
using io::YamlMap;
using io::YamlValue;

namespace {

// Ranges that catch typos and unit mistakes (a share of 0.9 meant as 90 % is still legal, alas).
constexpr int kYearMin = 1900, kYearMax = 2200;
constexpr double kLevelMaxPct = 500.0;
constexpr double kGrowthMinPct = -50.0, kGrowthMaxPct = 100.0;
constexpr double kVoltageMinPu = 0.8, kVoltageMaxPu = 1.2;
constexpr double kPowerMaxMw = 100000.0;
constexpr double kLoadingMinPct = 1.0, kLoadingMaxPct = 1000.0;
constexpr int kTapMax = 64;   // the network reader's limit on a tap range

const std::vector<std::string> kTopKeys = {"name", "description", "extends", "network", "base_year", "study_year",
                                           "load", "groups", "commissioning", "dispatch", "outages",
                                           "contingencies", "limits", "assumptions"};
// What an alternative's `set` may hold: the keys that describe the case, not the file's identity.
const std::vector<std::string> kSetKeys = {"base_year", "study_year", "load", "groups", "commissioning",
                                           "dispatch", "outages", "contingencies", "limits"};

// The kinds `contingencies: {elements: [...]}` and `lsflow n1 --elements` take.
const std::vector<std::string> kElementKindWords = {"branches", "lines", "transformers3w", "trafos3w",
                                                    "generators", "gens", "all"};

// A path written in `file`, made relative to the directory of `file`.
std::string resolve_path(const std::string& file, const std::string& written) {
  const fs::path p(written);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (fs::path(file).parent_path() / p).lexically_normal().string();
}

template <typename T>
Setting<T> make(T value, const SourceLoc& loc) {
  return Setting<T>{std::move(value), loc};
}

void require_name(const io::YamlMap::Entry& e) {
  if (e.key.empty()) e.value.fail("a name must not be empty");
}

NamedValues read_named_values(const YamlValue& v, double lo, double hi) {
  NamedValues out;
  const YamlMap m = v.as_map();
  for (const auto& e : m.entries()) {
    require_name(e);
    out[e.key] = make(e.value.as_double(lo, hi), e.value.loc());
  }
  return out;
}

// A list of names (elements or groups); a name listed twice is a mistake.
std::vector<NameRef> read_names(const YamlValue& v) {
  std::vector<NameRef> out;
  for (const YamlValue& item : v.as_list()) {
    std::string name = item.as_string();
    auto dup = std::find_if(out.begin(), out.end(), [&](const NameRef& r) { return r.name == name; });
    if (dup != out.end())
      item.fail(fmt::format("\"{}\" is listed twice (first at line {})", name, dup->loc.line));
    out.push_back(NameRef{std::move(name), item.loc()});
  }
  return out;
}

void read_load(const YamlValue& v, LoadSettings& load) {
  const YamlMap m = v.as_map();
  m.allow_only({"level_pct", "level_by_category_pct", "growth_pct_per_yr", "growth_by_zone_pct_per_yr",
                "growth_by_category_pct_per_yr", "growth_by_zone_category_pct_per_yr",
                "growth_by_name_pct_per_yr"});
  if (auto x = m.get("level_pct")) load.level_pct = make(x->as_double(0.0, kLevelMaxPct), x->loc());
  if (auto x = m.get("level_by_category_pct"))
    load.level_by_category_pct = read_named_values(*x, 0.0, kLevelMaxPct);
  if (auto x = m.get("growth_pct_per_yr"))
    load.growth_pct_per_yr = make(x->as_double(kGrowthMinPct, kGrowthMaxPct), x->loc());
  if (auto x = m.get("growth_by_zone_pct_per_yr"))
    load.growth_by_zone_pct_per_yr = read_named_values(*x, kGrowthMinPct, kGrowthMaxPct);
  if (auto x = m.get("growth_by_category_pct_per_yr"))
    load.growth_by_category_pct_per_yr = read_named_values(*x, kGrowthMinPct, kGrowthMaxPct);
  if (auto x = m.get("growth_by_zone_category_pct_per_yr")) {
    const YamlMap zones = x->as_map();
    for (const auto& zone : zones.entries()) {
      require_name(zone);
      load.growth_by_zone_category_pct_per_yr[zone.key] =
          ZoneCategoryRates{zone.value.loc(), read_named_values(zone.value, kGrowthMinPct, kGrowthMaxPct)};
    }
  }
  if (auto x = m.get("growth_by_name_pct_per_yr"))
    load.growth_by_name_pct_per_yr = read_named_values(*x, kGrowthMinPct, kGrowthMaxPct);
}

void read_groups(const YamlValue& v, std::map<std::string, Group>& groups) {
  const YamlMap m = v.as_map();
  for (const auto& e : m.entries()) {
    require_name(e);
    Group g{e.value.loc(), read_names(e.value)};
    if (g.members.empty()) e.value.fail("a group needs at least one member");
    groups[e.key] = std::move(g);
  }
}

void read_commissioning(const YamlValue& v, std::map<std::string, Commissioning>& out) {
  const YamlMap names = v.as_map();
  for (const auto& e : names.entries()) {
    require_name(e);
    const YamlMap m = e.value.as_map();
    m.allow_only({"in_service_from_year", "out_of_service_from_year"});
    Commissioning c;
    c.loc = e.value.loc();
    if (auto x = m.get("in_service_from_year")) c.in_service_from_year = make(x->as_int(kYearMin, kYearMax), x->loc());
    if (auto x = m.get("out_of_service_from_year"))
      c.out_of_service_from_year = make(x->as_int(kYearMin, kYearMax), x->loc());
    if (!c.in_service_from_year.is_set() && !c.out_of_service_from_year.is_set())
      e.value.fail("give in_service_from_year, out_of_service_from_year or both");
    if (c.in_service_from_year.is_set() && c.out_of_service_from_year.is_set() &&
        *c.out_of_service_from_year.value <= *c.in_service_from_year.value)
      throw InputError(c.out_of_service_from_year.loc,
                       fmt::format("{}: out_of_service_from_year {} must be after in_service_from_year {}",
                                   e.value.path(), *c.out_of_service_from_year.value,
                                   *c.in_service_from_year.value));
    out[e.key] = std::move(c);
  }
}

void read_dispatch(const YamlValue& v, Dispatch& d) {
  const YamlMap m = v.as_map();
  m.allow_only({"wind_share_pct", "solar_share_pct", "hydro_share_pct", "hydro_season", "thermal_share_pct",
                "wind_share_by_zone_pct", "solar_share_by_zone_pct", "share_by_name_pct", "p_mw_by_name",
                "vg_pu_by_name", "grid_vm_pu", "tap_pos_by_name"});
  auto share = [&](const char* key, Setting<double>& out) {
    if (auto x = m.get(key)) out = make(x->as_double(0.0, 100.0), x->loc());
  };
  share("wind_share_pct", d.wind_share_pct);
  share("solar_share_pct", d.solar_share_pct);
  share("hydro_share_pct", d.hydro_share_pct);
  share("thermal_share_pct", d.thermal_share_pct);
  if (auto x = m.get("hydro_season")) {
    if (m.has("hydro_share_pct")) x->fail("give hydro_season or hydro_share_pct, not both");
    const std::string season = x->as_string();
    const auto pct = hydro_season_share_pct(season);
    if (!pct)
      x->fail(fmt::format("unknown season \"{}\"; valid: dry ({} % of installed MW), wet ({} %){}", season,
                          kHydroDrySharePct, kHydroWetSharePct, io::did_you_mean(season, {"dry", "wet"})));
    d.hydro_season = make(season, x->loc());
    d.hydro_share_pct = make(*pct, x->loc());
  }
  if (auto x = m.get("wind_share_by_zone_pct")) d.wind_share_by_zone_pct = read_named_values(*x, 0.0, 100.0);
  if (auto x = m.get("solar_share_by_zone_pct")) d.solar_share_by_zone_pct = read_named_values(*x, 0.0, 100.0);
  if (auto x = m.get("share_by_name_pct")) d.share_by_name_pct = read_named_values(*x, 0.0, 100.0);
  if (auto x = m.get("p_mw_by_name")) d.p_mw_by_name = read_named_values(*x, 0.0, kPowerMaxMw);
  if (auto x = m.get("vg_pu_by_name")) d.vg_pu_by_name = read_named_values(*x, kVoltageMinPu, kVoltageMaxPu);
  if (auto x = m.get("grid_vm_pu")) d.grid_vm_pu = make(x->as_double(kVoltageMinPu, kVoltageMaxPu), x->loc());
  if (auto x = m.get("tap_pos_by_name")) {
    const YamlMap taps = x->as_map();
    for (const auto& e : taps.entries()) {
      require_name(e);
      d.tap_pos_by_name[e.key] = make(static_cast<double>(e.value.as_int(-kTapMax, kTapMax)), e.value.loc());
    }
  }
}

// `contingencies:` — a list of names, or {elements: [kinds]}. Both must select something.
ContingencySelection read_contingencies(const YamlValue& v) {
  ContingencySelection c;
  if (v.node().IsMap()) {
    const YamlMap m = v.as_map();
    m.allow_only({"elements"});
    const YamlValue kinds = m.require("elements");
    for (const NameRef& k : read_names(kinds)) {
      if (!add_element_kind(k.name, c.kinds))
        throw InputError(k.loc, fmt::format("{}: unknown element kind '{}'; valid: {}{}", kinds.path(), k.name,
                                            fmt::join(kElementKindWords, ", "),
                                            io::did_you_mean(k.name, kElementKindWords)));
    }
    if (!c.kinds.any())
      kinds.fail("an empty list selects no contingency; give branches, transformers3w, generators or all");
    return c;
  }
  c.names = read_names(v);
  if (c.names.empty())
    v.fail("an empty list selects no contingency; name at least one element (or leave the key out, or write "
           "{elements: [all]}, for every in-service element)");
  return c;
}

void read_limits(const std::string& file, const YamlValue& v, LimitSettings& l) {
  const YamlMap m = v.as_map();
  m.allow_only({"file", "loading_max_pct", "loading_max_n1_pct"});
  if (auto x = m.get("file")) l.file = make(resolve_path(file, x->as_string()), x->loc());
  if (auto x = m.get("loading_max_pct"))
    l.loading_max_pct = make(x->as_double(kLoadingMinPct, kLoadingMaxPct), x->loc());
  if (auto x = m.get("loading_max_n1_pct"))
    l.loading_max_n1_pct = make(x->as_double(kLoadingMinPct, kLoadingMaxPct), x->loc());
}

// One file, without following `extends`.
struct Layer {
  Scenario scenario;
  Setting<std::string> name;
  Setting<std::string> extends;   // resolved path
  io::Choices choose;                          // assumptions.choose
  std::vector<io::AssumptionDef> defines;      // assumptions.define
};

void read_body(const std::string& file, const YamlMap& top, Layer& layer);

// `assumptions: {choose: {ID: alternative}, define: [...]}`; each defined alternative's `set` is read
// here as a scenario fragment, so a mistake in it is reported whether or not it is chosen.
void read_assumptions(const std::string& file, const YamlValue& v, Layer& layer) {
  const YamlMap m = v.as_map();
  m.allow_only({"choose", "define"});
  if (auto x = m.get("choose")) {
    const YamlMap c = x->as_map();
    for (const auto& e : c.entries()) {
      require_name(e);
      layer.choose[e.key] = io::Choice{e.value.as_string(), e.value.loc()};
    }
  }
  if (auto x = m.get("define")) {
    layer.defines = io::read_assumption_defs(*x, "scenario");
    for (const io::AssumptionDef& d : layer.defines)
      for (const io::AlternativeDef& a : d.alternatives)
        if (a.set) {
          const YamlMap set = a.set->as_map();
          set.allow_only(kSetKeys);
          Layer probe;
          read_body(file, set, probe);
        }
  }
}

void read_body(const std::string& file, const YamlMap& top, Layer& layer) {
  Scenario& s = layer.scenario;
  if (auto x = top.get("name")) layer.name = make(x->as_string(), x->loc());
  if (auto x = top.get("description")) s.description = x->as_string();
  if (auto x = top.get("extends")) layer.extends = make(resolve_path(file, x->as_string()), x->loc());
  if (auto x = top.get("network")) s.network_path = make(resolve_path(file, x->as_string()), x->loc());
  if (auto x = top.get("base_year")) s.base_year = make(x->as_int(kYearMin, kYearMax), x->loc());
  if (auto x = top.get("study_year")) s.study_year = make(x->as_int(kYearMin, kYearMax), x->loc());
  if (auto x = top.get("load")) read_load(*x, s.load);
  if (auto x = top.get("groups")) read_groups(*x, s.groups);
  if (auto x = top.get("commissioning")) read_commissioning(*x, s.commissioning);
  if (auto x = top.get("dispatch")) read_dispatch(*x, s.dispatch);
  if (auto x = top.get("outages")) s.outages = make(read_names(*x), x->loc());
  if (auto x = top.get("contingencies")) s.contingencies = make(read_contingencies(*x), x->loc());
  if (auto x = top.get("limits")) read_limits(file, *x, s.limits);
  if (auto x = top.get("assumptions")) read_assumptions(file, *x, layer);
}

Layer read_layer(const std::string& file) {
  const YamlValue root = io::load_yaml_file(file);
  if (!root.node().IsMap())
    throw InputError(root.loc(), "a scenario file is a mapping of 'key: value' lines at the top level");
  const YamlMap top = root.as_map();
  top.allow_only(kTopKeys);
  Layer layer;
  read_body(file, top, layer);
  return layer;
}

template <typename T>
void overlay(Setting<T>& base, const Setting<T>& top) {
  if (top.is_set()) base = top;
}

template <typename K, typename V>
void overlay(std::map<K, V>& base, const std::map<K, V>& top) {
  for (const auto& [key, value] : top) base[key] = value;
}

// `top` (the child) over `base` (everything it extends).
void overlay(Scenario& base, const Scenario& top) {
  overlay(base.network_path, top.network_path);
  overlay(base.base_year, top.base_year);
  overlay(base.study_year, top.study_year);

  LoadSettings& l = base.load;
  overlay(l.level_pct, top.load.level_pct);
  overlay(l.level_by_category_pct, top.load.level_by_category_pct);
  overlay(l.growth_pct_per_yr, top.load.growth_pct_per_yr);
  overlay(l.growth_by_zone_pct_per_yr, top.load.growth_by_zone_pct_per_yr);
  overlay(l.growth_by_category_pct_per_yr, top.load.growth_by_category_pct_per_yr);
  for (const auto& [zone, rates] : top.load.growth_by_zone_category_pct_per_yr) {
    ZoneCategoryRates& z = l.growth_by_zone_category_pct_per_yr[zone];
    z.loc = rates.loc;
    overlay(z.by_category, rates.by_category);
  }
  overlay(l.growth_by_name_pct_per_yr, top.load.growth_by_name_pct_per_yr);

  overlay(base.groups, top.groups);
  overlay(base.commissioning, top.commissioning);

  Dispatch& d = base.dispatch;
  overlay(d.wind_share_pct, top.dispatch.wind_share_pct);
  overlay(d.solar_share_pct, top.dispatch.solar_share_pct);
  if (top.dispatch.hydro_share_pct.is_set()) {
    d.hydro_share_pct = top.dispatch.hydro_share_pct;
    d.hydro_season = top.dispatch.hydro_season;   // cleared when the child gave a plain share
  }
  overlay(d.thermal_share_pct, top.dispatch.thermal_share_pct);
  overlay(d.wind_share_by_zone_pct, top.dispatch.wind_share_by_zone_pct);
  overlay(d.solar_share_by_zone_pct, top.dispatch.solar_share_by_zone_pct);
  overlay(d.share_by_name_pct, top.dispatch.share_by_name_pct);
  overlay(d.p_mw_by_name, top.dispatch.p_mw_by_name);
  overlay(d.vg_pu_by_name, top.dispatch.vg_pu_by_name);
  overlay(d.grid_vm_pu, top.dispatch.grid_vm_pu);
  overlay(d.tap_pos_by_name, top.dispatch.tap_pos_by_name);

  overlay(base.outages, top.outages);
  overlay(base.contingencies, top.contingencies);   // a list: replaced whole, like outages

  overlay(base.limits.file, top.limits.file);
  overlay(base.limits.loading_max_pct, top.limits.loading_max_pct);
  overlay(base.limits.loading_max_n1_pct, top.limits.loading_max_n1_pct);
}

constexpr std::size_t kMaxChain = 32;

}  // namespace

std::optional<bool> Commissioning::in_service_in(int year) const {
  if (out_of_service_from_year.is_set() && year >= *out_of_service_from_year.value) return false;
  if (in_service_from_year.is_set()) return year >= *in_service_from_year.value;
  return std::nullopt;
}

std::optional<double> hydro_season_share_pct(const std::string& season) {
  if (season == "wet") return kHydroWetSharePct;
  if (season == "dry") return kHydroDrySharePct;
  return std::nullopt;
}

const std::vector<std::string>& scenario_keys() { return kTopKeys; }

bool add_element_kind(const std::string& word, ElementKinds& kinds) {
  if (word == "branches" || word == "lines") kinds.branches = true;
  else if (word == "transformers3w" || word == "trafos3w") kinds.trafos3w = true;
  else if (word == "generators" || word == "gens") kinds.generators = true;
  else if (word == "all") kinds.branches = kinds.trafos3w = kinds.generators = true;
  else return false;
  return true;
}

const std::vector<std::string>& element_kind_words() { return kElementKindWords; }

Scenario read_scenario(const std::string& path, const io::Choices& overrides) {
  std::vector<Layer> layers;            // child first
  std::vector<std::string> files;       // as displayed
  std::vector<fs::path> seen;           // canonical, for loop detection
  std::string current = path;
  SourceLoc extends_loc;                // the line that led to `current` (none for the first file)
  while (true) {
    std::error_code ec;
    if (!extends_loc.file.empty() && !fs::is_regular_file(current, ec))
      throw InputError(extends_loc, fmt::format("extends: scenario file \"{}\" {}", current,
                                                fs::exists(current, ec) ? "is not a regular file" : "not found"));
    const fs::path canonical = fs::weakly_canonical(current, ec);
    if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) {
      std::vector<std::string> loop(files.begin(), files.end());
      loop.push_back(current);
      throw InputError(extends_loc, fmt::format("extends loop: {}", fmt::join(loop, " → ")));
    }
    if (layers.size() >= kMaxChain)
      throw InputError(extends_loc, fmt::format("extends chain longer than {} files", kMaxChain));
    seen.push_back(canonical);
    files.push_back(current);
    layers.push_back(read_layer(current));
    const Setting<std::string>& ext = layers.back().extends;
    if (!ext.is_set()) break;
    current = *ext.value;
    extends_loc = ext.loc;
  }

  Scenario s = layers.back().scenario;
  for (std::size_t i = layers.size() - 1; i-- > 0;) overlay(s, layers[i].scenario);

  // Assumptions: definitions and choices merge root-first (a child's entry replaces its parent's), the
  // command line's over all; a chosen scenario alternative is laid over the folded scenario, in the order
  // the assumptions are defined; choices of other ids go to the network reader.
  std::vector<io::AssumptionDef> defs;
  io::Choices choices;
  for (std::size_t i = layers.size(); i-- > 0;) {
    for (const io::AssumptionDef& d : layers[i].defines) {
      auto it = std::find_if(defs.begin(), defs.end(), [&](const io::AssumptionDef& x) { return x.info.id == d.info.id; });
      if (it != defs.end()) *it = d;
      else defs.push_back(d);
    }
    for (const auto& [id, c] : layers[i].choose) choices[id] = c;
  }
  for (const auto& [id, c] : overrides) choices[id] = c;
  for (io::AssumptionDef& d : defs) {
    auto c = choices.find(d.info.id);
    if (c != choices.end()) {
      io::check_choice(d, d.info.id, c->second);
      d.info.chosen = c->second.alternative;
      choices.erase(c);
    }
    if (!d.info.is_default()) {
      const io::AlternativeDef& alt = *d.find(d.info.chosen);
      Layer patch;
      read_body(alt.set->file(), alt.set->as_map(), patch);
      overlay(s, patch.scenario);
    }
    s.assumptions.push_back(d.info);
  }
  s.network_choices = std::move(choices);

  const Layer& leaf = layers.front();
  s.name = leaf.name.is_set() ? *leaf.name.value : fs::path(path).stem().string();
  s.description = leaf.scenario.description;
  s.source_file = path;
  s.chain = files;

  const SourceLoc top_loc{path, 0};
  if (!s.network_path.is_set())
    throw InputError(top_loc, "missing key 'network' (the network file, here or in a file it extends)");
  if (!s.base_year.is_set())
    throw InputError(top_loc, "missing key 'base_year' (the year the network's loads describe)");
  if (!s.study_year.is_set()) s.study_year = s.base_year;
  if (*s.study_year.value < *s.base_year.value)
    throw InputError(s.study_year.loc, fmt::format("study_year {} is before base_year {} (set at {})",
                                                   *s.study_year.value, *s.base_year.value,
                                                   s.base_year.loc.str()));
  for (const auto& [name, group] : s.groups)
    for (const NameRef& m : group.members)
      if (s.groups.count(m.name))
        throw InputError(m.loc, fmt::format("groups.{}: \"{}\" is a group; groups cannot contain groups", name,
                                            m.name));
  return s;
}

}  // namespace lsflow::study
