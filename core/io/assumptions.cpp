#include "io/assumptions.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace lsflow::io {

namespace {

bool is_alternative_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 127 && c != '=' && c != ','; });
}

std::vector<std::string> alternative_names(const AssumptionDef& d) {
  std::vector<std::string> out;
  for (const auto& a : d.alternatives) out.push_back(a.info.name);
  return out;
}

}  // namespace

const AlternativeDef* AssumptionDef::find(const std::string& alternative) const {
  for (const auto& a : alternatives)
    if (a.info.name == alternative) return &a;
  return nullptr;
}

std::vector<AssumptionDef> read_assumption_defs(const YamlValue& v, const std::string& origin) {
  std::vector<AssumptionDef> out;
  if (v.is_null()) return out;
  for (const YamlValue& item : v.as_list()) {
    const YamlMap m = item.as_map();
    m.allow_only({"id", "about", "default", "alternatives"});
    AssumptionDef d;
    d.info.loc = item.loc();
    d.info.origin = origin;
    const YamlValue id = m.require("id");
    d.info.id = id.as_string();
    if (!is_element_name(d.info.id))
      id.fail(fmt::format("assumption id \"{}\" may hold only ASCII letters, digits, '_', '-' and '.'", d.info.id));
    for (const auto& other : out)
      if (other.info.id == d.info.id)
        id.fail(fmt::format("assumption \"{}\" is defined twice (first at line {})", d.info.id, other.info.loc.line));
    d.info.about = m.require("about").as_string();
    const YamlValue def = m.require("default");
    d.info.default_alternative = def.as_string();
    const YamlValue alts = m.require("alternatives");
    const YamlMap am = alts.as_map();
    for (const auto& e : am.entries()) {
      if (!is_alternative_name(e.key))
        e.value.fail(fmt::format("alternative name \"{}\" must be ASCII without spaces, '=' or ','", e.key));
      const YamlMap a = e.value.as_map();
      a.allow_only({"source", "set"});
      AlternativeDef alt;
      alt.info.name = e.key;
      alt.info.loc = e.value.loc();
      alt.info.source = a.require("source").as_string();
      if (auto s = a.get("set")) {
        (void)s->as_map();   // a mapping; its keys are checked by the reader that owns them
        alt.set = *s;
      }
      d.alternatives.push_back(std::move(alt));
    }
    if (d.alternatives.size() < 2)
      alts.fail(fmt::format("assumption \"{}\" needs at least two alternatives (one is a source, not an "
                            "assumption: put it in the element's `source:`)",
                            d.info.id));
    const AlternativeDef* dflt = d.find(d.info.default_alternative);
    if (!dflt)
      def.fail(fmt::format("assumption \"{}\": default \"{}\" is not one of its alternatives ({}){}", d.info.id,
                           d.info.default_alternative, fmt::join(alternative_names(d), ", "),
                           did_you_mean(d.info.default_alternative, alternative_names(d))));
    if (dflt->set)
      throw InputError(dflt->set->loc(),
                       fmt::format("assumption \"{}\": the default alternative \"{}\" must not `set` anything "
                                   "(the file's own values are the default)",
                                   d.info.id, dflt->info.name));
    // The default first, so that reports and variants start from it.
    std::stable_partition(d.alternatives.begin(), d.alternatives.end(),
                          [&](const AlternativeDef& a) { return a.info.name == d.info.default_alternative; });
    d.info.chosen = d.info.default_alternative;
    for (const auto& a : d.alternatives) d.info.alternatives.push_back(a.info);
    out.push_back(std::move(d));
  }
  return out;
}

Choices parse_choices(const std::vector<std::string>& items, const SourceLoc& loc) {
  Choices out;
  for (const std::string& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw InputError(loc, fmt::format("\"{}\": write an assumption's choice as ID=ALTERNATIVE", item));
    const std::string id = item.substr(0, eq);
    if (out.count(id)) throw InputError(loc, fmt::format("assumption \"{}\" is chosen twice", id));
    out[id] = Choice{item.substr(eq + 1), loc};
  }
  return out;
}

void check_choice(const AssumptionDef& def, const std::string& id, const Choice& c) {
  if (def.find(c.alternative)) return;
  throw InputError(c.loc, fmt::format("assumption \"{}\" has no alternative \"{}\" (it has {}){}", id,
                                      c.alternative, fmt::join(alternative_names(def), ", "),
                                      did_you_mean(c.alternative, alternative_names(def))));
}

std::string describe_choice(const model::Assumption& a) {
  return fmt::format("{} = {}{}", a.id, a.chosen, a.is_default() ? " (default)" : "");
}

std::string describe_choices(const std::vector<model::Assumption>& all) {
  if (all.empty()) return "";
  std::string s;
  std::size_t at_default = 0;
  for (const auto& a : all) {
    if (a.is_default()) {
      ++at_default;
      continue;
    }
    if (!s.empty()) s += "; ";
    s += fmt::format("{} = {} (default {})", a.id, a.chosen, a.default_alternative);
  }
  if (s.empty()) return fmt::format("all {} at their defaults", all.size());
  if (at_default > 0) s += fmt::format("; {} other{} at {} default{}", at_default, at_default == 1 ? "" : "s",
                                       at_default == 1 ? "its" : "their", at_default == 1 ? "" : "s");
  return s;
}

}  // namespace lsflow::io
