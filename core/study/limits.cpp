// Voltage bands and loading limits from a YAML data file (format at the top of limits.hpp).
//
// Per unit of a bus: v_pu = v_kv / base_kv. A level given in kV becomes [min_kv / base_kv,
// max_kv / base_kv]; a level given in % becomes [1 + min_pct/100, 1 + max_pct/100].
#include "study/limits.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "io/yaml_util.hpp"
#include "study/scenario.hpp"

namespace lsflow::study {

using io::YamlMap;
using io::YamlValue;

VoltageBand VoltageLevel::band(double base_kv, Operation op) const {
  const double lo = op == Operation::Normal ? normal_min : n1_min;
  const double hi = op == Operation::Normal ? normal_max : n1_max;
  if (in_kv) return {lo / base_kv, hi / base_kv};
  return {1.0 + lo / 100.0, 1.0 + hi / 100.0};
}

const VoltageLevel* Limits::find_level(double base_kv) const {
  for (const VoltageLevel& l : levels)
    if (l.covers(base_kv)) return &l;
  return nullptr;
}

std::optional<VoltageBand> Limits::find_band(double base_kv, Operation op) const {
  if (const VoltageLevel* l = find_level(base_kv)) return l->band(base_kv, op);
  return std::nullopt;
}

VoltageBand Limits::band(double base_kv, Operation op) const {
  if (auto b = find_band(base_kv, op)) return *b;
  throw InputError(SourceLoc{source_file, 0},
                   fmt::format("no voltage level covers a bus of base {} kV; add one to voltage_levels", base_kv));
}

namespace {

VoltageLevel read_level(const YamlValue& v) {
  const YamlMap m = v.as_map();
  m.allow_only({"name", "base_kv_min", "base_kv_max", "normal_min_kv", "normal_max_kv", "n1_min_kv", "n1_max_kv",
                "normal_min_pct", "normal_max_pct", "n1_min_pct", "n1_max_pct"});
  VoltageLevel l;
  l.loc = v.loc();
  l.name = m.require("name").as_string();
  l.base_kv_min = m.require("base_kv_min").as_double(0.001, 2000.0);   // > 0: bands divide by base kV
  l.base_kv_max = m.require("base_kv_max").as_double(0.001, 2000.0);
  if (l.base_kv_max <= l.base_kv_min)
    m.require("base_kv_max").fail(fmt::format("must be above base_kv_min ({})", l.base_kv_min));

  const bool any_kv = m.has("normal_min_kv") || m.has("normal_max_kv") || m.has("n1_min_kv") || m.has("n1_max_kv");
  const bool any_pct =
      m.has("normal_min_pct") || m.has("normal_max_pct") || m.has("n1_min_pct") || m.has("n1_max_pct");
  if (any_kv && any_pct) v.fail(fmt::format("level \"{}\": give the band in kV or in %, not both", l.name));
  if (!any_kv && !any_pct)
    v.fail(fmt::format("level \"{}\": give normal_min_kv … n1_max_kv or normal_min_pct … n1_max_pct", l.name));
  l.in_kv = any_kv;
  const char* unit = l.in_kv ? "kv" : "pct";
  auto get = [&](const char* which) {
    const YamlValue x = m.require(fmt::format("{}_{}", which, unit));
    return l.in_kv ? x.as_double(0.0, 2000.0) : x.as_double(-50.0, 50.0);
  };
  l.normal_min = get("normal_min");
  l.normal_max = get("normal_max");
  l.n1_min = get("n1_min");
  l.n1_max = get("n1_max");
  if (l.normal_max <= l.normal_min)
    m.require(fmt::format("normal_max_{}", unit)).fail(fmt::format("must be above normal_min_{}", unit));
  if (l.n1_max <= l.n1_min)
    m.require(fmt::format("n1_max_{}", unit)).fail(fmt::format("must be above n1_min_{}", unit));
  if (l.n1_min > l.normal_min || l.n1_max < l.normal_max)
    v.fail(fmt::format("level \"{}\": the N-1 band [{}, {}] must contain the normal band [{}, {}]", l.name,
                       l.n1_min, l.n1_max, l.normal_min, l.normal_max));
  return l;
}

}  // namespace

Limits read_limits(const std::string& path) {
  const YamlValue root = io::load_yaml_file(path);
  if (!root.node().IsMap())
    throw InputError(root.loc(), "a limits file is a mapping of 'key: value' lines at the top level");
  const YamlMap top = root.as_map();
  top.allow_only({"name", "voltage_levels", "loading"});
  Limits limits;
  limits.source_file = path;
  if (auto x = top.get("name")) limits.name = x->as_string();
  for (const YamlValue& item : top.require("voltage_levels").as_list()) {
    VoltageLevel l = read_level(item);
    for (const VoltageLevel& other : limits.levels)
      if (l.base_kv_min < other.base_kv_max && other.base_kv_min < l.base_kv_max)
        throw InputError(l.loc, fmt::format("level \"{}\" [{}, {}) kV overlaps level \"{}\" [{}, {}) kV at line {}",
                                            l.name, l.base_kv_min, l.base_kv_max, other.name, other.base_kv_min,
                                            other.base_kv_max, other.loc.line));
    limits.levels.push_back(std::move(l));
  }
  if (limits.levels.empty()) top.require("voltage_levels").fail("needs at least one level");
  if (auto x = top.get("loading")) {
    const YamlMap m = x->as_map();
    m.allow_only({"max_pct", "max_n1_pct"});
    if (auto y = m.get("max_pct")) limits.loading_max_pct = y->as_double(1.0, 1000.0);
    if (auto y = m.get("max_n1_pct")) limits.loading_max_n1_pct = y->as_double(1.0, 1000.0);
  }
  return limits;
}

Limits scenario_limits(const Scenario& s) {
  if (!s.limits.file.is_set())
    throw InputError(SourceLoc{s.source_file, 0},
                     "missing key 'limits.file' (the voltage-band and loading-limit file)");
  const std::string& file = *s.limits.file.value;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw InputError(s.limits.file.loc, fmt::format("limits.file: \"{}\" not found", file));
  Limits limits = read_limits(file);
  if (s.limits.loading_max_pct.is_set()) limits.loading_max_pct = *s.limits.loading_max_pct.value;
  if (s.limits.loading_max_n1_pct.is_set()) limits.loading_max_n1_pct = *s.limits.loading_max_n1_pct.value;
  return limits;
}

}  // namespace lsflow::study
