// Reader for lsflow network files (YAML, physical units) → model::Network.
//
// ----------------------------------------------------------------------------------------------------
// File format (every unit is in the key's name; lists are YAML sequences of mappings)
//
//   format: 1                     optional; the only version there is
//   name, description             optional text
//   base_mva: 100                 system base S_base (default 100)
//   library: types.yaml           optional file (or list of files), relative to this file, holding
//                                 line_types / transformer_types / transformer3w_types
//   voltage_bands:                optional; fills vmin_pu/vmax_pu of buses that do not set them. When
//     - {base_kv, vmin_kv, vmax_kv | vmin_pu, vmax_pu}      present, every bus's base_kv needs a band.
//   line_types:         - {name, r_ohm_per_km, x_ohm_per_km, b_us_per_km, rating_a}
//   transformer_types:  - {name, sn_mva, vn_hv_kv, vn_lv_kv, uk_pct, pk_kw, tap_step_pct, tap_max, tap_min}
//   transformer3w_types: - {name, sn_hv_mva, sn_mv_mva, sn_lv_mva, vn_hv_kv, vn_mv_kv, vn_lv_kv,
//                           uk_hv_mv_pct, uk_hv_lv_pct, uk_mv_lv_pct, pk_hv_mv_kw, pk_hv_lv_kw,
//                           pk_mv_lv_kw, tap_step_pct, tap_max, tap_min}
//   buses:          - {id, name, base_kv, zone, lat_deg, lon_deg, vmin_pu, vmax_pu, vm_pu, va_deg, in_service}
//                   in_service: false makes the bus isolated (MATPOWER type 4): a planned substation that a
//                   scenario commissions; nothing on it is energised meanwhile.
//   lines:          - {name, from_bus, to_bus, type, length_km | sections: [{type, length_km}],
//                      circuits (default 1), in_service}
//   transformers:   - {name, hv_bus, lv_bus, type, tap_pos, oltc, in_service}
//   transformers3w: - {name, hv_bus, mv_bus, lv_bus, type, tap_pos, oltc, in_service}
//     oltc:         {enabled, regulate: mv | lv, vmin_pu + vmax_pu | vset_pu + deadband_pct}
//                   automatic voltage control by the on-load tap changer (model/tap_changer.hpp):
//                   enabled (default true), regulate the MV bus (default, three-winding) or the LV bus
//                   (the only choice, and the default, for two-winding units), target band vmin_pu–
//                   vmax_pu (default 1.00–1.04) or vset_pu ± deadband_pct/2 (deadband_pct: the band's
//                   whole width, % of nominal). The band must be at least one tap step wide, or the tap
//                   would hunt. The type must have a tap range (tap_step_pct > 0, tap_max > tap_min).
//   external_grids: - {name, bus, connect_to, sk_mva, rx_ratio, vg_pu, qmin_mvar, qmax_mvar, in_service}
//   generators:     - {name, bus, kind, installed_mw, p_mw, pmin_mw, pmax_mw, control: pv|pq,
//                      vg_pu, qmin_mvar, qmax_mvar (pv) | q_mvar (pq), in_service}
//   loads:          - {name, bus, p_mw, q_mvar | pf, category, in_service}
//   shunts:         - {name, bus, g_mw, b_mvar, in_service}
//   assumptions:    - {id, about, default, alternatives: {NAME: {source, set: {RECORD: {key: value}}}}}
//                   the values no source settles, each with its alternatives (io/assumptions.hpp); a
//                   record (element or library type) an alternative changes names it: `assumption: ID`
//                   (or a list). A chosen alternative (read_network_yaml's `choices`) is applied to the
//                   records' YAML before they are read, so every check below runs on the result.
// Every record (and type, and band) may carry `source:` text, which the reader checks is text and
// otherwise ignores. Names of elements (buses included) are unique across the whole file and made of
// ASCII letters, digits, '_', '-' and '.', so that scenarios can name them; a line of n > 1 circuits
// becomes n branches named <name>_c1 … <name>_cn (each can fail on its own in N-1 studies).
//
// ----------------------------------------------------------------------------------------------------
// Conversions to per unit (S_base = base_mva; V_base = the bus's base_kv; Z_base = V_base² / S_base)
//
// Lines, per circuit, summed over sections s (type t_s, length L_s):
//   R = Σ r_s·L_s [Ω],  X = Σ x_s·L_s [Ω],  B = Σ b_s·10⁻⁶·L_s [S]   (b = ωC per km, total charging)
//   r_pu = R / Z_base,  x_pu = X / Z_base,  b_pu = B · Z_base = B · V_base² / S_base
//   rating_mva = √3 · V_base[kV] · I[kA]  with I = min over sections of rating_a / 1000
//   (rate_a = rate_b = rate_c: the grid code applies the same loading limit normally and after N-1).
//
// Two-winding transformers (from = HV, to = LV; MATPOWER's branch puts the ideal transformer on the
// from side and the series impedance on the to side, so the impedance is referred to the LV side):
//   tap_pct = tap_pos · tap_step_pct  (HV winding; + raises the HV turns)
//   z_own = uk_pct/100,  r_own = pk_kw / (1000 · sn_mva),  x_own = √(z_own² − r_own²)  (pu on sn, Vn)
//   z_pu (system base, LV bus base) = z_own · (S_base / sn_mva) · (vn_lv_kv / V_base,lv)²
//   tap_ratio τ = [vn_hv_kv·(1 + tap_pct/100) / V_base,hv] / [vn_lv_kv / V_base,lv]
//   Example: 40 MVA 115/38.5 kV on 110/35 kV buses: (38.5/35)² = 1.21, τ = (115/110)/(38.5/35) = 0.9504.
//   Magnetising branch neglected (no no-load data in the facts); rating = sn_mva.
//
// Three-winding transformers are stored as nameplates (model::Transformer3W); the star (T) equivalent is
// made by model::star_equivalent() in the topology pass, not here. tap_hv_pct = tap_pos · tap_step_pct.
//
// Tap range: positions tap_min … tap_max (tap_min defaults to −tap_max); every transformer whose type
// has a range gets a model::TapChanger (position, step, range; manual unless `oltc:` is given).
//
// External grid (Thevenin equivalent of the network behind `connect_to`): a generator of kind grid at
// `bus` (the internal EMF node, the reference bus) and a branch <name>_Zth from `bus` to `connect_to`:
//   |z_pu| = S_base / sk_mva     (sk = √3·V·I_k'' at connect_to; voltage factor c = 1)
//   x_pu = |z_pu| / √(1 + k²),  r_pu = k · x_pu,  k = rx_ratio (R/X, default 0.1); b = 0; rating 0
//   (unlimited). Without sk_mva the generator sits directly on `bus` and no branch is made.
//
// Loads: q_mvar = p_mw · tan(acos(pf)) when pf is given (lagging, pf in (0, 1]).
// Generators: control pv (default for thermal, hydro, grid) holds vg_pu within [qmin_mvar, qmax_mvar];
// control pq (default for wind, solar, other) injects q_mvar (default 0) and is stored with
// qmin_mvar = qmax_mvar = q_mvar. pmax_mw defaults to installed_mw; p_mw must lie in [pmin_mw, pmax_mw].
#include "io/network_reader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "io/assumptions.hpp"
#include "io/yaml_util.hpp"

namespace lsflow::io {

namespace {

constexpr double kSqrt3 = 1.7320508075688772;
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------------
// Keys per section

const std::map<std::string, std::vector<std::string>>& section_keys() {
  static const std::map<std::string, std::vector<std::string>> keys = {
      {"", {"format", "name", "description", "base_mva", "library", "voltage_bands", "line_types",
            "transformer_types", "transformer3w_types", "buses", "lines", "transformers",
            "transformers3w", "external_grids", "generators", "loads", "shunts", "assumptions"}},
      {"library", {"format", "description", "line_types", "transformer_types", "transformer3w_types"}},
      {"voltage_bands", {"base_kv", "vmin_kv", "vmax_kv", "vmin_pu", "vmax_pu", "source"}},
      {"line_types", {"name", "r_ohm_per_km", "x_ohm_per_km", "b_us_per_km", "rating_a", "source", "assumption"}},
      {"transformer_types",
       {"name", "sn_mva", "vn_hv_kv", "vn_lv_kv", "uk_pct", "pk_kw", "tap_step_pct", "tap_max", "tap_min",
        "source", "assumption"}},
      {"transformer3w_types",
       {"name", "sn_hv_mva", "sn_mv_mva", "sn_lv_mva", "vn_hv_kv", "vn_mv_kv", "vn_lv_kv", "uk_hv_mv_pct",
        "uk_hv_lv_pct", "uk_mv_lv_pct", "pk_hv_mv_kw", "pk_hv_lv_kw", "pk_mv_lv_kw", "tap_step_pct",
        "tap_max", "tap_min", "source", "assumption"}},
      {"buses",
       {"id", "name", "base_kv", "zone", "lat_deg", "lon_deg", "vmin_pu", "vmax_pu", "vm_pu", "va_deg",
        "in_service", "source", "assumption"}},
      {"lines",
       {"name", "from_bus", "to_bus", "type", "length_km", "sections", "circuits", "in_service", "source", "assumption"}},
      {"sections", {"type", "length_km", "source"}},
      {"transformers", {"name", "hv_bus", "lv_bus", "type", "tap_pos", "oltc", "in_service", "source", "assumption"}},
      {"transformers3w",
       {"name", "hv_bus", "mv_bus", "lv_bus", "type", "tap_pos", "oltc", "in_service", "source", "assumption"}},
      {"oltc", {"enabled", "regulate", "vmin_pu", "vmax_pu", "vset_pu", "deadband_pct", "source"}},
      {"external_grids",
       {"name", "bus", "connect_to", "sk_mva", "rx_ratio", "vg_pu", "qmin_mvar", "qmax_mvar", "in_service",
        "source", "assumption"}},
      {"generators",
       {"name", "bus", "kind", "installed_mw", "p_mw", "pmin_mw", "pmax_mw", "control", "vg_pu",
        "qmin_mvar", "qmax_mvar", "q_mvar", "in_service", "source", "assumption"}},
      {"loads", {"name", "bus", "p_mw", "q_mvar", "pf", "category", "in_service", "source", "assumption"}},
      {"shunts", {"name", "bus", "g_mw", "b_mvar", "in_service", "source", "assumption"}},
  };
  return keys;
}

const std::vector<std::string>& keys_of(const std::string& section) { return section_keys().at(section); }

// ---------------------------------------------------------------------------------------------------
// Types from the library

struct LineType {
  double r_ohm_per_km = 0.0, x_ohm_per_km = 0.0, b_us_per_km = 0.0, rating_a = 0.0;
  SourceLoc loc;
};

struct TransformerType {
  double sn_mva = 0.0, vn_hv_kv = 0.0, vn_lv_kv = 0.0, uk_pct = 0.0, pk_kw = 0.0;
  double tap_step_pct = 0.0;
  int tap_max = 0, tap_min = 0;
  SourceLoc loc;
};

struct Transformer3WType {
  double sn_hv_mva = 0.0, sn_mv_mva = 0.0, sn_lv_mva = 0.0;
  double vn_hv_kv = 0.0, vn_mv_kv = 0.0, vn_lv_kv = 0.0;
  double uk_hv_mv_pct = 0.0, uk_hv_lv_pct = 0.0, uk_mv_lv_pct = 0.0;
  double pk_hv_mv_kw = 0.0, pk_hv_lv_kw = 0.0, pk_mv_lv_kw = 0.0;
  double tap_step_pct = 0.0;
  int tap_max = 0, tap_min = 0;
  SourceLoc loc;
};

struct VoltageBand {
  double base_kv = 0.0, vmin_pu = 0.0, vmax_pu = 0.0;
  SourceLoc loc;
};

bool is_type_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 127; });
}

template <typename Map>
std::vector<std::string> names_of(const Map& m) {
  std::vector<std::string> out;
  out.reserve(m.size());
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

std::string fmt_num(double x) { return fmt::format("{:g}", x); }

// ---------------------------------------------------------------------------------------------------

class NetworkReader {
 public:
  NetworkReader(std::string path, const Choices& choices) : file_(std::move(path)), choices_(choices) {}

  model::Network read() {
    const YamlValue root = load_yaml_file(file_);
    const YamlMap top = root.as_map();
    top.allow_only(keys_of(""));
    net_.source_file = file_;
    net_.name = std::filesystem::path(file_).stem().string();

    check_format(top);
    if (auto v = top.get("name")) net_.name = v->as_string();
    if (auto v = top.get("description")) (void)v->as_string();
    if (auto v = top.get("base_mva")) net_.base_mva = positive(*v);

    std::vector<YamlMap> libraries;
    if (auto v = top.get("library")) libraries = load_libraries(*v);
    prepare_assumptions(top, libraries);
    try {
      for (const YamlMap& lib : libraries) read_types(lib);
      read_types(top);
      check_set_types();
      if (auto v = top.get("voltage_bands")) read_bands(*v);
      read_buses(top.require("buses"));
      if (auto v = top.get("lines")) read_lines(*v);
      if (auto v = top.get("transformers")) read_transformers(*v);
      if (auto v = top.get("transformers3w")) read_transformers3w(*v);
      if (auto v = top.get("external_grids")) read_external_grids(*v);
      if (auto v = top.get("generators")) read_generators(*v);
      if (auto v = top.get("loads")) read_loads(*v);
      if (auto v = top.get("shunts")) read_shunts(*v);
      assign_bus_types();
    } catch (const InputError& e) {
      if (patched_.empty()) throw;
      // A value an alternative put in place fails: say which alternative, so the user looks there.
      throw InputError(e.loc(), fmt::format("{} (with {})", e.message(), fmt::join(patched_, "; ")));
    }
    return std::move(net_);
  }

 private:
  // ---- small helpers ------------------------------------------------------------------------------

  static void check_format(const YamlMap& m) {
    if (auto v = m.get("format")) {
      const int f = v->as_int();
      if (f != 1) v->fail(fmt::format("format {} is not known (this reader reads format 1)", f));
    }
  }

  static double positive(const YamlValue& v) {
    const double x = v.as_double();
    if (!(x > 0.0)) v.fail(fmt::format("must be positive, got {}", fmt_num(x)));
    return x;
  }

  static double non_negative(const YamlValue& v) {
    const double x = v.as_double();
    if (x < 0.0) v.fail(fmt::format("must not be negative, got {}", fmt_num(x)));
    return x;
  }

  static void check_source(const YamlMap& m) {
    if (auto v = m.get("source")) (void)v->as_string();
  }

  static std::vector<YamlValue> list_of(const YamlValue& v) {
    if (v.is_null()) return {};
    return v.as_list();
  }

  static YamlMap record(const YamlValue& item, const std::string& section) {
    YamlMap m = item.as_map();
    m.allow_only(keys_of(section));
    check_source(m);
    return m;
  }

  // Reads `name`, checks its spelling and that no element of the file has it yet.
  std::string element_name(const YamlMap& m, std::string_view what) {
    const YamlValue v = m.require("name");
    std::string name = v.as_string();
    if (!is_element_name(name))
      v.fail(fmt::format("{} name \"{}\" may hold only ASCII letters, digits, '_', '-' and '.'", what, name));
    claim(name, v.loc(), what);
    return name;
  }

  void claim(const std::string& name, const SourceLoc& loc, std::string_view what) {
    auto [it, fresh] = names_.emplace(name, loc);
    if (!fresh)
      throw InputError(loc, fmt::format("{} \"{}\": the name is already used (first at line {})", what, name,
                                        it->second.line));
  }

  BusIdx bus_ref(const YamlMap& m, std::string_view key, std::string_view what, const std::string& name) const {
    const YamlValue v = m.require(key);
    const std::string bus = v.as_string();
    if (auto idx = net_.find_bus_by_name(bus)) return *idx;
    std::vector<std::string> candidates;
    candidates.reserve(net_.buses.size());
    for (const auto& b : net_.buses) candidates.push_back(b.name);
    throw InputError(v.loc(), fmt::format("{} \"{}\": {} \"{}\" does not exist{}", what, name, key, bus,
                                          did_you_mean(bus, candidates)));
  }

  template <typename Map>
  const typename Map::mapped_type& type_ref(const Map& types, const YamlValue& v, std::string_view kind,
                                            std::string_view what, const std::string& name) const {
    const std::string t = v.as_string();
    auto it = types.find(t);
    if (it == types.end())
      throw InputError(v.loc(), fmt::format("{} \"{}\": {} \"{}\" is not in the library{}", what, name, kind,
                                            t, did_you_mean(t, names_of(types))));
    return it->second;
  }

  static bool in_service(const YamlMap& m) {
    if (auto v = m.get("in_service")) return v->as_bool();
    return true;
  }

  // The type's winding voltage should be near the bus's base voltage; otherwise the wrong bus is named.
  void check_winding(const YamlMap& m, std::string_view key, BusIdx bus, double vn_kv, std::string_view what,
                     const std::string& name) const {
    const double vb = net_.bus(bus).base_kv;
    const double ratio = vn_kv / vb;
    if (ratio < 0.8 || ratio > 1.25)
      throw InputError(m.require(key).loc(),
                       fmt::format("{} \"{}\": {} \"{}\" is a {} kV bus but the winding is rated {} kV", what,
                                   name, key, net_.bus(bus).name, fmt_num(vb), fmt_num(vn_kv)));
  }

  static int tap_position(const YamlMap& m, int tap_min, int tap_max, std::string_view what,
                          const std::string& name) {
    auto v = m.get("tap_pos");
    if (!v) return 0;
    const int pos = v->as_int();
    if (pos < tap_min || pos > tap_max)
      v->fail(tap_min == -tap_max
                  ? fmt::format("{} \"{}\": tap position {} is outside the type's range ±{}", what, name, pos,
                                tap_max)
                  : fmt::format("{} \"{}\": tap position {} is outside the type's range {} … {}", what, name,
                                pos, tap_min, tap_max));
    return pos;
  }

  // The tap changer of a transformer: range and step from its type, position from tap_pos, and the
  // automatic control from `oltc:` (see the top of the file). `mv` is invalid for two-winding units.
  static model::TapChanger tap_changer(const YamlMap& m, double step_pct, int tap_min, int tap_max, int pos,
                                       BusIdx mv, BusIdx lv, std::string_view what, const std::string& name) {
    model::TapChanger t;
    t.step_pct = step_pct;
    t.pos_min = tap_min;
    t.pos_max = tap_max;
    t.pos = pos;
    t.regulated_bus = mv.valid() ? mv : lv;
    const auto v = m.get("oltc");
    if (!v) return t;
    const YamlMap o = v->as_map();
    o.allow_only(keys_of("oltc"));
    check_source(o);
    if (!t.present())
      v->fail(fmt::format("{} \"{}\": oltc needs a tap range, but its type has none (give the type "
                          "tap_step_pct > 0 and tap_max)",
                          what, name));
    t.automatic = o.has("enabled") ? o.require("enabled").as_bool() : true;
    if (auto r = o.get("regulate")) {
      const std::string side = r->as_string();
      if (side == "mv" && mv.valid())
        t.regulated_bus = mv;
      else if (side == "lv")
        t.regulated_bus = lv;
      else if (side == "mv")
        r->fail(fmt::format("{} \"{}\": a two-winding transformer regulates its lv side", what, name));
      else
        r->fail(fmt::format("{} \"{}\": regulate \"{}\" must be {}{}", what, name, side,
                            mv.valid() ? "mv or lv" : "lv",
                            did_you_mean(side, mv.valid() ? std::vector<std::string>{"mv", "lv"}
                                                          : std::vector<std::string>{"lv"})));
    }
    const bool band = o.has("vmin_pu") || o.has("vmax_pu");
    const bool set = o.has("vset_pu") || o.has("deadband_pct");
    if (band && set)
      throw InputError(v->loc(), fmt::format("{} \"{}\": give the oltc band as vmin_pu and vmax_pu, or as "
                                             "vset_pu and deadband_pct, not both",
                                             what, name));
    if (band) {
      t.vmin_pu = o.require("vmin_pu").as_double(0.8, 1.2);
      t.vmax_pu = o.require("vmax_pu").as_double(0.8, 1.2);
    } else if (set) {
      const double vset = o.require("vset_pu").as_double(0.8, 1.2);
      const double width = o.require("deadband_pct").as_double(0.0, 20.0) / 100.0;
      t.vmin_pu = vset - width / 2.0;
      t.vmax_pu = vset + width / 2.0;
    }
    if (t.vmax_pu - t.vmin_pu < step_pct / 100.0 - 1e-12)
      throw InputError(v->loc(), fmt::format("{} \"{}\": the oltc band {}–{} pu is narrower than one tap step "
                                             "({} %): the tap would hunt",
                                             what, name, fmt_num(t.vmin_pu), fmt_num(t.vmax_pu),
                                             fmt_num(step_pct)));
    return t;
  }

  // ---- library ------------------------------------------------------------------------------------

  // The library files `library:` names, parsed (types are read after the assumptions are applied).
  std::vector<YamlMap> load_libraries(const YamlValue& v) {
    std::vector<YamlValue> refs;
    if (v.node().IsSequence())
      refs = v.as_list();
    else
      refs.push_back(v);
    std::vector<YamlMap> out;
    for (const YamlValue& r : refs) {
      const std::string rel = r.as_string();
      const std::filesystem::path p = std::filesystem::path(file_).parent_path() / rel;
      std::error_code ec;
      if (!std::filesystem::is_regular_file(p, ec))
        r.fail(fmt::format("library file \"{}\" not found (looked for {})", rel, p.string()));
      const YamlValue lib_root = load_yaml_file(p.string());
      YamlMap lib = lib_root.as_map();
      lib.allow_only(keys_of("library"));
      check_format(lib);
      if (auto d = lib.get("description")) (void)d->as_string();
      out.push_back(std::move(lib));
    }
    return out;
  }

  // ---- assumptions --------------------------------------------------------------------------------
  // Every named record (element or library type) with its section, its YAML node (patched in place by a
  // chosen alternative) and the assumptions it names.
  struct AssumptionRef {
    std::string name;
    SourceLoc loc;
  };
  struct Record {
    std::string section;
    YAML::Node node;
    SourceLoc loc;
    std::vector<AssumptionRef> assumptions;
  };

  static std::vector<AssumptionRef> assumption_refs(const YamlMap& m) {
    std::vector<AssumptionRef> out;
    auto v = m.get("assumption");
    if (!v) return out;
    if (v->node().IsSequence()) {
      for (const YamlValue& item : v->as_list()) out.push_back(AssumptionRef{item.as_string(), item.loc()});
      if (out.empty()) v->fail("an empty list: name at least one assumption, or drop the key");
    } else {
      out.push_back(AssumptionRef{v->as_string(), v->loc()});
    }
    return out;
  }

  void index_records(const YamlMap& file_top, const std::vector<std::string>& sections) {
    for (const std::string& section : sections) {
      auto v = file_top.get(section);
      if (!v || v->is_null()) continue;
      for (const YamlValue& item : v->as_list()) {
        if (!item.node().IsMap()) continue;   // reported when the section is read
        const YamlMap m = item.as_map();
        auto name = m.get("name");
        if (!name || !name->node().IsScalar()) continue;
        const std::string n = name->node().Scalar();
        if (records_.count(n)) continue;       // a duplicate name is reported when the section is read
        records_[n] = Record{section, item.node(), item.loc(), assumption_refs(m)};
      }
    }
  }

  // Reads `assumptions:`, checks every reference to it and every alternative's `set`, then applies the
  // chosen alternatives to the records' YAML before anything is read from them.
  void prepare_assumptions(const YamlMap& top, const std::vector<YamlMap>& libraries) {
    if (auto v = top.get("assumptions")) defs_ = read_assumption_defs(*v, "network");
    for (const YamlMap& lib : libraries) index_records(lib, {"line_types", "transformer_types", "transformer3w_types"});
    index_records(top, {"line_types", "transformer_types", "transformer3w_types", "buses", "lines", "transformers",
                        "transformers3w", "external_grids", "generators", "loads", "shunts"});
    std::vector<std::string> ids;
    for (const auto& d : defs_) ids.push_back(d.info.id);
    for (const auto& [name, rec] : records_)
      for (const AssumptionRef& ref : rec.assumptions)
        if (!find_def(ref.name))
          throw InputError(ref.loc, fmt::format("\"{}\": assumption \"{}\" is not defined in the file's "
                                                "`assumptions:`{}",
                                                name, ref.name, did_you_mean(ref.name, ids)));
    std::vector<std::string> record_names;
    for (const auto& [name, rec] : records_) record_names.push_back(name);
    for (const AssumptionDef& d : defs_)
      for (const AlternativeDef& alt : d.alternatives) {
        if (!alt.set) continue;
        const YamlMap set = alt.set->as_map();
        if (set.entries().empty()) alt.set->fail("nothing to set (drop `set`, or name an element)");
        for (const auto& target : set.entries()) {
          auto it = records_.find(target.key);
          if (it == records_.end())
            target.value.fail(fmt::format("\"{}\" is not an element or library type of this network{}",
                                          target.key, did_you_mean(target.key, record_names)));
          const Record& rec = it->second;
          const bool refers = std::any_of(rec.assumptions.begin(), rec.assumptions.end(),
                                          [&](const AssumptionRef& r) { return r.name == d.info.id; });
          if (!refers)
            target.value.fail(fmt::format("\"{}\" ({}) does not name this assumption: add `assumption: {}` to it "
                                          "at {}",
                                          target.key, rec.section, d.info.id, rec.loc.str()));
          const YamlMap keys = target.value.as_map();
          std::vector<std::string> allowed;
          for (const std::string& k : keys_of(rec.section))
            if (k != "name" && k != "source" && k != "assumption") allowed.push_back(k);
          keys.allow_only(allowed);
          if (keys.entries().empty()) target.value.fail("nothing to set");
          set_types_.push_back({target.key, target.value});   // types checked once the library is read
        }
      }
    for (const auto& [id, choice] : choices_) {
      const AssumptionDef* d = find_def(id);
      if (!d)
        throw InputError(choice.loc, fmt::format("assumption \"{}\" is defined neither in the network file {} nor in "
                                                 "the scenario{}",
                                                 id, file_, did_you_mean(id, ids)));
      check_choice(*d, id, choice);
    }
    for (AssumptionDef& d : defs_) {
      auto c = choices_.find(d.info.id);
      if (c == choices_.end() || c->second.alternative == d.info.default_alternative) {
        net_.assumptions.push_back(d.info);
        continue;
      }
      d.info.chosen = c->second.alternative;
      net_.assumptions.push_back(d.info);
      const AlternativeDef& alt = *d.find(d.info.chosen);
      patched_.push_back(fmt::format("assumption {} = {} from {}", d.info.id, alt.info.name, alt.info.loc.str()));
      const YamlMap targets = alt.set->as_map();
      for (const auto& target : targets.entries()) {
        YAML::Node node = records_.at(target.key).node;
        const YamlMap keys = target.value.as_map();
        for (const auto& kv : keys.entries()) {
          node[kv.key] = kv.value.node();
          // A line's route is `type` + `length_km` or `sections`: the alternative's form replaces the file's.
          if (rec_section(target.key) == "lines") {
            if (kv.key == "sections") node.remove("type"), node.remove("length_km");
            if (kv.key == "type" || kv.key == "length_km") node.remove("sections");
          }
        }
      }
    }
  }

  const std::string& rec_section(const std::string& name) const { return records_.at(name).section; }

  const AssumptionDef* find_def(const std::string& id) const {
    for (const auto& d : defs_)
      if (d.info.id == id) return &d;
    return nullptr;
  }

  // A type any alternative names must be in the library, chosen or not: say so at the alternative's line.
  void check_set_types() const {
    for (const auto& [name, value] : set_types_) {
      const YamlMap keys = value.as_map();
      auto t = keys.get("type");
      if (!t) continue;
      const std::string& section = rec_section(name);
      const std::string type = t->as_string();
      bool known = true;
      std::vector<std::string> candidates;
      if (section == "lines") known = line_types_.count(type) > 0, candidates = names_of(line_types_);
      if (section == "transformers") known = transformer_types_.count(type) > 0, candidates = names_of(transformer_types_);
      if (section == "transformers3w")
        known = transformer3w_types_.count(type) > 0, candidates = names_of(transformer3w_types_);
      if (!known)
        t->fail(fmt::format("\"{}\": type \"{}\" is not in the library{}", name, type, did_you_mean(type, candidates)));
    }
  }

  void read_types(const YamlMap& m) {
    if (auto v = m.get("line_types"))
      for (const YamlValue& item : list_of(*v)) read_line_type(item);
    if (auto v = m.get("transformer_types"))
      for (const YamlValue& item : list_of(*v)) read_transformer_type(item);
    if (auto v = m.get("transformer3w_types"))
      for (const YamlValue& item : list_of(*v)) read_transformer3w_type(item);
  }

  static std::string type_name(const YamlMap& m, std::string_view kind) {
    const YamlValue v = m.require("name");
    std::string name = v.as_string();
    if (!is_type_name(name)) v.fail(fmt::format("{} name \"{}\" must be ASCII without spaces", kind, name));
    return name;
  }

  template <typename Map>
  static void add_type(Map& types, std::string name, typename Map::mapped_type t, std::string_view kind) {
    auto it = types.find(name);
    if (it != types.end())
      throw InputError(t.loc, fmt::format("{} \"{}\" is defined twice (first at {})", kind, name,
                                          it->second.loc.str()));
    types.emplace(std::move(name), std::move(t));
  }

  void read_line_type(const YamlValue& item) {
    const YamlMap m = record(item, "line_types");
    LineType t;
    t.loc = item.loc();
    std::string name = type_name(m, "line type");
    t.r_ohm_per_km = non_negative(m.require("r_ohm_per_km"));
    t.x_ohm_per_km = non_negative(m.require("x_ohm_per_km"));
    t.b_us_per_km = non_negative(m.require("b_us_per_km"));
    t.rating_a = positive(m.require("rating_a"));
    if (t.r_ohm_per_km == 0.0 && t.x_ohm_per_km == 0.0)
      throw InputError(t.loc, fmt::format("line type \"{}\": zero impedance (r and x are both 0)", name));
    add_type(line_types_, std::move(name), t, "line type");
  }

  // Checks a short-circuit test: uk > 0 and the resistive part below it.
  static void check_uk(const YamlMap& m, std::string_view uk_key, double uk_pct, double pk_kw, double s_mva,
                       std::string_view kind, const std::string& name) {
    if (!(uk_pct > 0.0))
      throw InputError(m.require(uk_key).loc(),
                       fmt::format("{} \"{}\": zero impedance ({} must be positive)", kind, name, uk_key));
    const double ur_pct = pk_kw / (10.0 * s_mva);   // pk/(1000·S) in pu = pk/(10·S) in %
    if (ur_pct >= uk_pct)
      throw InputError(m.require(uk_key).loc(),
                       fmt::format("{} \"{}\": copper losses give ur = {:.3g} %, not below {} = {} %", kind,
                                   name, ur_pct, uk_key, fmt_num(uk_pct)));
  }

  static void read_tap_range(const YamlMap& m, double& step_pct, int& tap_max, int& tap_min) {
    if (auto v = m.get("tap_step_pct")) step_pct = v->as_double(0.0, 10.0);
    if (auto v = m.get("tap_max")) tap_max = v->as_int(0, 64);
    tap_min = -tap_max;
    if (auto v = m.get("tap_min")) tap_min = v->as_int(-64, 0);
  }

  void read_transformer_type(const YamlValue& item) {
    const YamlMap m = record(item, "transformer_types");
    TransformerType t;
    t.loc = item.loc();
    std::string name = type_name(m, "transformer type");
    t.sn_mva = positive(m.require("sn_mva"));
    t.vn_hv_kv = positive(m.require("vn_hv_kv"));
    t.vn_lv_kv = positive(m.require("vn_lv_kv"));
    t.uk_pct = m.require("uk_pct").as_double();
    t.pk_kw = m.has("pk_kw") ? non_negative(m.require("pk_kw")) : 0.0;
    read_tap_range(m, t.tap_step_pct, t.tap_max, t.tap_min);
    if (t.vn_lv_kv >= t.vn_hv_kv)
      m.require("vn_lv_kv").fail(fmt::format("transformer type \"{}\": vn_lv_kv must be below vn_hv_kv", name));
    check_uk(m, "uk_pct", t.uk_pct, t.pk_kw, t.sn_mva, "transformer type", name);
    add_type(transformer_types_, std::move(name), t, "transformer type");
  }

  void read_transformer3w_type(const YamlValue& item) {
    const YamlMap m = record(item, "transformer3w_types");
    Transformer3WType t;
    t.loc = item.loc();
    std::string name = type_name(m, "three-winding transformer type");
    t.sn_hv_mva = positive(m.require("sn_hv_mva"));
    t.sn_mv_mva = positive(m.require("sn_mv_mva"));
    t.sn_lv_mva = positive(m.require("sn_lv_mva"));
    t.vn_hv_kv = positive(m.require("vn_hv_kv"));
    t.vn_mv_kv = positive(m.require("vn_mv_kv"));
    t.vn_lv_kv = positive(m.require("vn_lv_kv"));
    t.uk_hv_mv_pct = m.require("uk_hv_mv_pct").as_double();
    t.uk_hv_lv_pct = m.require("uk_hv_lv_pct").as_double();
    t.uk_mv_lv_pct = m.require("uk_mv_lv_pct").as_double();
    auto pk = [&](const char* key) { return m.has(key) ? non_negative(m.require(key)) : 0.0; };
    t.pk_hv_mv_kw = pk("pk_hv_mv_kw");
    t.pk_hv_lv_kw = pk("pk_hv_lv_kw");
    t.pk_mv_lv_kw = pk("pk_mv_lv_kw");
    read_tap_range(m, t.tap_step_pct, t.tap_max, t.tap_min);
    if (!(t.vn_hv_kv > t.vn_mv_kv && t.vn_mv_kv > t.vn_lv_kv))
      m.require("vn_mv_kv").fail(fmt::format(
          "three-winding transformer type \"{}\": rated voltages must fall from HV to MV to LV", name));
    // Pair values are referred to the smaller winding of the pair (IEC 60076-1).
    const std::string kind = "three-winding transformer type";
    check_uk(m, "uk_hv_mv_pct", t.uk_hv_mv_pct, t.pk_hv_mv_kw, std::min(t.sn_hv_mva, t.sn_mv_mva), kind, name);
    check_uk(m, "uk_hv_lv_pct", t.uk_hv_lv_pct, t.pk_hv_lv_kw, std::min(t.sn_hv_mva, t.sn_lv_mva), kind, name);
    check_uk(m, "uk_mv_lv_pct", t.uk_mv_lv_pct, t.pk_mv_lv_kw, std::min(t.sn_mv_mva, t.sn_lv_mva), kind, name);
    add_type(transformer3w_types_, std::move(name), t, kind);
  }

  // ---- voltage bands and buses --------------------------------------------------------------------

  void read_bands(const YamlValue& v) {
    for (const YamlValue& item : list_of(v)) {
      const YamlMap m = record(item, "voltage_bands");
      VoltageBand b;
      b.loc = item.loc();
      b.base_kv = positive(m.require("base_kv"));
      const bool kv = m.has("vmin_kv") || m.has("vmax_kv");
      const bool pu = m.has("vmin_pu") || m.has("vmax_pu");
      if (kv == pu)
        throw InputError(b.loc, fmt::format("voltage band {} kV: give vmin_kv and vmax_kv, or vmin_pu and "
                                            "vmax_pu",
                                            fmt_num(b.base_kv)));
      if (kv) {
        b.vmin_pu = positive(m.require("vmin_kv")) / b.base_kv;
        b.vmax_pu = positive(m.require("vmax_kv")) / b.base_kv;
      } else {
        b.vmin_pu = positive(m.require("vmin_pu"));
        b.vmax_pu = positive(m.require("vmax_pu"));
      }
      if (!(b.vmin_pu < b.vmax_pu))
        throw InputError(b.loc, fmt::format("voltage band {} kV: the minimum must be below the maximum",
                                            fmt_num(b.base_kv)));
      for (const VoltageBand& other : bands_)
        if (other.base_kv == b.base_kv)
          throw InputError(b.loc, fmt::format("voltage band {} kV is given twice (first at line {})",
                                              fmt_num(b.base_kv), other.loc.line));
      bands_.push_back(b);
    }
  }

  void read_buses(const YamlValue& v) {
    const std::vector<YamlValue> items = list_of(v);
    if (items.empty()) v.fail("a network needs at least one bus");
    for (const YamlValue& item : items) {
      const YamlMap m = record(item, "buses");
      model::Bus b;
      b.loc = item.loc();
      b.name = element_name(m, "bus");
      const YamlValue id = m.require("id");
      b.id = id.as_int(1, std::numeric_limits<int>::max());
      if (auto other = net_.find_bus(b.id))
        id.fail(fmt::format("bus \"{}\": id {} is already used by bus \"{}\" (line {})", b.name, b.id,
                            net_.bus(*other).name, net_.bus(*other).loc.line));
      b.base_kv = positive(m.require("base_kv"));
      b.zone = m.require("zone").as_string();
      if (!is_element_name(b.zone))
        m.require("zone").fail(fmt::format("zone \"{}\" may hold only ASCII letters, digits, '_', '-', '.'",
                                           b.zone));
      const bool has_lat = m.has("lat_deg"), has_lon = m.has("lon_deg");
      if (has_lat != has_lon)
        throw InputError(b.loc, fmt::format("bus \"{}\": give both lat_deg and lon_deg, or neither", b.name));
      if (has_lat) {
        b.lat_deg = m.require("lat_deg").as_double(-90.0, 90.0);
        b.lon_deg = m.require("lon_deg").as_double(-180.0, 180.0);
      }
      const VoltageBand* band = nullptr;
      for (const VoltageBand& vb : bands_)
        if (vb.base_kv == b.base_kv) band = &vb;
      const bool has_vmin = m.has("vmin_pu"), has_vmax = m.has("vmax_pu");
      if (!bands_.empty() && !band && !(has_vmin && has_vmax))
        m.require("base_kv").fail(fmt::format(
            "bus \"{}\": no voltage band for {} kV; add one to voltage_bands or give vmin_pu and vmax_pu",
            b.name, fmt_num(b.base_kv)));
      if (band) {
        b.vmin_pu = band->vmin_pu;
        b.vmax_pu = band->vmax_pu;
      }
      if (has_vmin) b.vmin_pu = m.require("vmin_pu").as_double(0.5, 1.5);
      if (has_vmax) b.vmax_pu = m.require("vmax_pu").as_double(0.5, 1.5);
      if (!(b.vmin_pu < b.vmax_pu))
        throw InputError(b.loc, fmt::format("bus \"{}\": vmin_pu must be below vmax_pu", b.name));
      if (auto x = m.get("vm_pu")) b.vm_pu = x->as_double(0.5, 1.5);
      if (auto x = m.get("va_deg")) b.va_deg = x->as_double(-360.0, 360.0);
      if (!in_service(m)) b.type = model::BusType::Isolated;
      net_.add_bus(std::move(b));
    }
  }

  // ---- branches -----------------------------------------------------------------------------------

  void read_lines(const YamlValue& v) {
    for (const YamlValue& item : list_of(v)) {
      const YamlMap m = record(item, "lines");
      const std::string name = element_name(m, "line");
      const BusIdx from = bus_ref(m, "from_bus", "line", name);
      const BusIdx to = bus_ref(m, "to_bus", "line", name);
      if (from == to) m.require("to_bus").fail(fmt::format("line \"{}\" starts and ends at the same bus", name));
      const double vb = net_.bus(from).base_kv;
      if (net_.bus(to).base_kv != vb)
        m.require("to_bus").fail(fmt::format(
            "line \"{}\" joins a {} kV bus to a {} kV bus; a transformer is needed between voltage levels",
            name, fmt_num(vb), fmt_num(net_.bus(to).base_kv)));

      // Sections: either `type` + `length_km`, or `sections: [{type, length_km}, …]`.
      struct Section {
        const LineType* type;
        std::string type_name;
        double length_km;
      };
      std::vector<Section> sections;
      const bool simple = m.has("type") || m.has("length_km");
      if (simple && m.has("sections"))
        m.require("sections").fail(fmt::format("line \"{}\": give type and length_km, or sections, not both", name));
      if (!simple && !m.has("sections"))
        throw InputError(item.loc(), fmt::format("line \"{}\": missing key 'type' (with 'length_km'), or "
                                                 "'sections'",
                                                 name));
      if (simple) {
        const YamlValue t = m.require("type");
        sections.push_back({&type_ref(line_types_, t, "line type", "line", name), t.as_string(),
                            positive(m.require("length_km"))});
      } else {
        const std::vector<YamlValue> secs = m.require("sections").as_list();
        if (secs.empty()) m.require("sections").fail(fmt::format("line \"{}\": sections is empty", name));
        for (const YamlValue& s : secs) {
          const YamlMap sm = record(s, "sections");
          const YamlValue t = sm.require("type");
          sections.push_back({&type_ref(line_types_, t, "line type", "line", name), t.as_string(),
                              positive(sm.require("length_km"))});
        }
      }
      int circuits = 1;
      if (auto c = m.get("circuits")) circuits = c->as_int(1, 8);

      double r_ohm = 0.0, x_ohm = 0.0, b_s = 0.0, length = 0.0, i_ka = kInf;
      std::vector<std::string> parts;
      for (const Section& s : sections) {
        r_ohm += s.type->r_ohm_per_km * s.length_km;
        x_ohm += s.type->x_ohm_per_km * s.length_km;
        b_s += s.type->b_us_per_km * 1e-6 * s.length_km;
        length += s.length_km;
        i_ka = std::min(i_ka, s.type->rating_a / 1000.0);
        parts.push_back(sections.size() == 1 ? s.type_name
                                             : fmt::format("{} {} km", s.type_name, fmt_num(s.length_km)));
      }
      const double z_base = vb * vb / net_.base_mva;
      model::Branch br;
      br.kind = model::BranchKind::Line;
      br.from = from;
      br.to = to;
      br.r_pu = r_ohm / z_base;
      br.x_pu = x_ohm / z_base;
      br.b_pu = b_s * z_base;
      br.rate_a_mva = br.rate_b_mva = br.rate_c_mva = kSqrt3 * vb * i_ka;
      br.in_service = in_service(m);
      br.length_km = length;
      br.conductor = fmt::format("{}", fmt::join(parts, " + "));
      br.loc = item.loc();
      if (circuits == 1) {
        br.name = name;
        net_.branches.push_back(br);
      } else {
        for (int c = 1; c <= circuits; ++c) {
          br.name = fmt::format("{}_c{}", name, c);
          claim(br.name, item.loc(), "line circuit");
          net_.branches.push_back(br);
        }
      }
    }
  }

  void read_transformers(const YamlValue& v) {
    for (const YamlValue& item : list_of(v)) {
      const YamlMap m = record(item, "transformers");
      const std::string name = element_name(m, "transformer");
      const BusIdx hv = bus_ref(m, "hv_bus", "transformer", name);
      const BusIdx lv = bus_ref(m, "lv_bus", "transformer", name);
      const TransformerType& t = type_ref(transformer_types_, m.require("type"), "transformer type",
                                          "transformer", name);
      check_winding(m, "hv_bus", hv, t.vn_hv_kv, "transformer", name);
      check_winding(m, "lv_bus", lv, t.vn_lv_kv, "transformer", name);
      const int tap_pos = tap_position(m, t.tap_min, t.tap_max, "transformer", name);
      const double tap_pct = tap_pos * t.tap_step_pct;

      const double vb_hv = net_.bus(hv).base_kv, vb_lv = net_.bus(lv).base_kv;
      const double z_own = t.uk_pct / 100.0;
      const double r_own = t.pk_kw / (1000.0 * t.sn_mva);
      const double x_own = std::sqrt(z_own * z_own - r_own * r_own);
      const double scale = (net_.base_mva / t.sn_mva) * (t.vn_lv_kv / vb_lv) * (t.vn_lv_kv / vb_lv);
      model::Branch br;
      br.name = name;
      br.kind = model::BranchKind::Transformer;
      br.from = hv;
      br.to = lv;
      br.r_pu = r_own * scale;
      br.x_pu = x_own * scale;
      br.tap_ratio = (t.vn_hv_kv * (1.0 + tap_pct / 100.0) / vb_hv) / (t.vn_lv_kv / vb_lv);
      br.rate_a_mva = br.rate_b_mva = br.rate_c_mva = t.sn_mva;
      br.oltc = tap_changer(m, t.tap_step_pct, t.tap_min, t.tap_max, tap_pos, BusIdx{}, lv, "transformer", name);
      br.in_service = in_service(m);
      br.loc = item.loc();
      net_.branches.push_back(std::move(br));
    }
  }

  void read_transformers3w(const YamlValue& v) {
    for (const YamlValue& item : list_of(v)) {
      const YamlMap m = record(item, "transformers3w");
      model::Transformer3W tr;
      tr.loc = item.loc();
      tr.name = element_name(m, "three-winding transformer");
      const std::string what = "three-winding transformer";
      tr.hv_bus = bus_ref(m, "hv_bus", what, tr.name);
      tr.mv_bus = bus_ref(m, "mv_bus", what, tr.name);
      tr.lv_bus = bus_ref(m, "lv_bus", what, tr.name);
      if (tr.hv_bus == tr.mv_bus || tr.hv_bus == tr.lv_bus || tr.mv_bus == tr.lv_bus)
        throw InputError(tr.loc, fmt::format("{} \"{}\": the three windings need three different buses", what,
                                             tr.name));
      const Transformer3WType& t =
          type_ref(transformer3w_types_, m.require("type"), "three-winding transformer type", what, tr.name);
      check_winding(m, "hv_bus", tr.hv_bus, t.vn_hv_kv, what, tr.name);
      check_winding(m, "mv_bus", tr.mv_bus, t.vn_mv_kv, what, tr.name);
      check_winding(m, "lv_bus", tr.lv_bus, t.vn_lv_kv, what, tr.name);
      tr.vn_hv_kv = t.vn_hv_kv;
      tr.vn_mv_kv = t.vn_mv_kv;
      tr.vn_lv_kv = t.vn_lv_kv;
      tr.sn_hv_mva = t.sn_hv_mva;
      tr.sn_mv_mva = t.sn_mv_mva;
      tr.sn_lv_mva = t.sn_lv_mva;
      tr.uk_hv_mv_pct = t.uk_hv_mv_pct;
      tr.uk_hv_lv_pct = t.uk_hv_lv_pct;
      tr.uk_mv_lv_pct = t.uk_mv_lv_pct;
      tr.pk_hv_mv_kw = t.pk_hv_mv_kw;
      tr.pk_hv_lv_kw = t.pk_hv_lv_kw;
      tr.pk_mv_lv_kw = t.pk_mv_lv_kw;
      const int tap_pos = tap_position(m, t.tap_min, t.tap_max, what, tr.name);
      tr.tap_hv_pct = tap_pos * t.tap_step_pct;
      tr.oltc = tap_changer(m, t.tap_step_pct, t.tap_min, t.tap_max, tap_pos, tr.mv_bus, tr.lv_bus, what, tr.name);
      tr.in_service = in_service(m);
      net_.transformers3w.push_back(std::move(tr));
    }
  }

  // ---- injections ---------------------------------------------------------------------------------

  void read_external_grids(const YamlValue& v) {
    for (const YamlValue& item : list_of(v)) {
      const YamlMap m = record(item, "external_grids");
      model::Generator g;
      g.loc = item.loc();
      g.name = element_name(m, "external grid");
      g.kind = model::GenKind::Grid;
      g.bus = bus_ref(m, "bus", "external grid", g.name);
      g.in_service = in_service(m);
      g.vg_pu = m.has("vg_pu") ? m.require("vg_pu").as_double(0.8, 1.2) : 1.0;
      g.qmin_mvar = m.has("qmin_mvar") ? m.require("qmin_mvar").as_double() : -kInf;
      g.qmax_mvar = m.has("qmax_mvar") ? m.require("qmax_mvar").as_double() : kInf;
      if (g.qmin_mvar > g.qmax_mvar)
        throw InputError(g.loc, fmt::format("external grid \"{}\": qmin_mvar is above qmax_mvar", g.name));
      g.pmax_mw = kInf;
      g.pmin_mw = -kInf;
      if (m.has("sk_mva") != m.has("connect_to"))
        throw InputError(g.loc, fmt::format("external grid \"{}\": sk_mva and connect_to go together (the "
                                            "Thevenin impedance joins bus to connect_to)",
                                            g.name));
      if (!m.has("sk_mva") && m.has("rx_ratio"))
        m.require("rx_ratio").fail(fmt::format("external grid \"{}\": rx_ratio needs sk_mva", g.name));
      if (m.has("sk_mva")) {
        const double sk = positive(m.require("sk_mva"));
        const double k = m.has("rx_ratio") ? m.require("rx_ratio").as_double(0.0, 10.0) : 0.1;
        const BusIdx to = bus_ref(m, "connect_to", "external grid", g.name);
        if (to == g.bus)
          m.require("connect_to").fail(fmt::format("external grid \"{}\": connect_to must differ from bus", g.name));
        if (net_.bus(to).base_kv != net_.bus(g.bus).base_kv)
          m.require("connect_to").fail(fmt::format("external grid \"{}\": bus and connect_to must have the same "
                                                   "base_kv",
                                                   g.name));
        const double z = net_.base_mva / sk;
        model::Branch br;
        br.name = g.name + "_Zth";
        claim(br.name, g.loc, "external grid impedance");
        br.kind = model::BranchKind::Line;
        br.from = g.bus;
        br.to = to;
        br.x_pu = z / std::sqrt(1.0 + k * k);
        br.r_pu = k * br.x_pu;
        br.in_service = g.in_service;
        br.conductor = fmt::format("Thevenin equivalent, Sk'' = {} MVA, R/X = {}", fmt_num(sk), fmt_num(k));
        br.loc = g.loc;
        net_.branches.push_back(std::move(br));
      }
      regulates_.push_back(true);
      net_.generators.push_back(std::move(g));
    }
  }

  void read_generators(const YamlValue& v) {
    for (const YamlValue& item : list_of(v)) {
      const YamlMap m = record(item, "generators");
      model::Generator g;
      g.loc = item.loc();
      g.name = element_name(m, "generator");
      g.bus = bus_ref(m, "bus", "generator", g.name);
      const YamlValue kind = m.require("kind");
      if (!model::parse_gen_kind(kind.as_string(), g.kind))
        kind.fail(fmt::format("generator \"{}\": kind \"{}\" is not one of thermal, hydro, solar, wind, grid, "
                              "other{}",
                              g.name, kind.as_string(),
                              did_you_mean(kind.as_string(), {"thermal", "hydro", "solar", "wind", "grid", "other"})));
      const bool grid = g.kind == model::GenKind::Grid;
      g.installed_mw = grid && !m.has("installed_mw") ? 0.0 : non_negative(m.require("installed_mw"));
      // A grid equivalent is a slack: unlimited unless the file says otherwise.
      g.pmax_mw = m.has("pmax_mw") ? non_negative(m.require("pmax_mw")) : grid ? kInf : g.installed_mw;
      g.pmin_mw = m.has("pmin_mw") ? non_negative(m.require("pmin_mw")) : 0.0;
      if (g.pmin_mw > g.pmax_mw)
        m.require("pmin_mw").fail(fmt::format("generator \"{}\": pmin_mw is above pmax_mw ({})", g.name,
                                              fmt_num(g.pmax_mw)));
      if (g.installed_mw > 0.0 && g.pmax_mw > g.installed_mw * 1.2)
        m.require("pmax_mw").fail(fmt::format("generator \"{}\": pmax_mw is more than 120 % of installed_mw",
                                              g.name));
      g.p_mw = m.has("p_mw") ? m.require("p_mw").as_double() : 0.0;
      if (g.p_mw < g.pmin_mw && g.p_mw != 0.0)
        m.require("p_mw").fail(fmt::format("generator \"{}\": p_mw {} is below pmin_mw {} (0 means off)", g.name,
                                           fmt_num(g.p_mw), fmt_num(g.pmin_mw)));
      if (g.p_mw > g.pmax_mw || g.p_mw < 0.0)
        m.require("p_mw").fail(fmt::format("generator \"{}\": p_mw {} is outside [0, pmax_mw = {}]", g.name,
                                           fmt_num(g.p_mw), fmt_num(g.pmax_mw)));
      g.mbase_mva = g.installed_mw > 0.0 ? g.installed_mw : net_.base_mva;
      g.in_service = in_service(m);

      bool pv = g.kind == model::GenKind::Thermal || g.kind == model::GenKind::Hydro ||
                g.kind == model::GenKind::Grid;
      if (auto c = m.get("control")) {
        const std::string s = c->as_string();
        if (s != "pv" && s != "pq")
          c->fail(fmt::format("generator \"{}\": control \"{}\" must be pv or pq", g.name, s));
        pv = s == "pv";
      }
      if (g.kind == model::GenKind::Grid && !pv)
        throw InputError(g.loc, fmt::format("generator \"{}\": a grid generator holds the voltage (control pv)",
                                            g.name));
      if (pv) {
        for (const char* key : {"q_mvar"})
          if (m.has(key))
            m.require(key).fail(fmt::format("generator \"{}\": {} applies to control pq; a pv generator has "
                                            "qmin_mvar/qmax_mvar",
                                            g.name, key));
        g.vg_pu = m.has("vg_pu") ? m.require("vg_pu").as_double(0.8, 1.2) : 1.0;
        g.qmin_mvar = m.has("qmin_mvar") ? m.require("qmin_mvar").as_double() : -kInf;
        g.qmax_mvar = m.has("qmax_mvar") ? m.require("qmax_mvar").as_double() : kInf;
        if (!(g.qmin_mvar < g.qmax_mvar))
          throw InputError(g.loc, fmt::format("generator \"{}\": qmin_mvar must be below qmax_mvar", g.name));
      } else {
        for (const char* key : {"vg_pu", "qmin_mvar", "qmax_mvar"})
          if (m.has(key))
            m.require(key).fail(fmt::format("generator \"{}\": {} applies to control pv; a pq generator has "
                                            "q_mvar",
                                            g.name, key));
        g.q_mvar = m.has("q_mvar") ? m.require("q_mvar").as_double() : 0.0;
        g.qmin_mvar = g.qmax_mvar = g.q_mvar;
      }
      regulates_.push_back(pv);
      net_.generators.push_back(std::move(g));
    }
  }

  void read_loads(const YamlValue& v) {
    for (const YamlValue& item : list_of(v)) {
      const YamlMap m = record(item, "loads");
      model::Load l;
      l.loc = item.loc();
      l.name = element_name(m, "load");
      l.bus = bus_ref(m, "bus", "load", l.name);
      l.p_mw = m.require("p_mw").as_double();
      if (m.has("pf") && m.has("q_mvar"))
        m.require("pf").fail(fmt::format("load \"{}\": give q_mvar or pf, not both", l.name));
      if (auto pf = m.get("pf")) {
        const double f = pf->as_double();
        if (!(f > 0.0 && f <= 1.0)) pf->fail(fmt::format("load \"{}\": pf must lie in (0, 1]", l.name));
        l.q_mvar = l.p_mw * std::tan(std::acos(f));
      } else {
        l.q_mvar = m.require("q_mvar").as_double();
      }
      l.category = m.require("category").as_string();
      if (!is_element_name(l.category))
        m.require("category").fail(fmt::format("load \"{}\": category \"{}\" may hold only ASCII letters, "
                                               "digits, '_', '-', '.'",
                                               l.name, l.category));
      l.in_service = in_service(m);
      net_.loads.push_back(std::move(l));
    }
  }

  void read_shunts(const YamlValue& v) {
    for (const YamlValue& item : list_of(v)) {
      const YamlMap m = record(item, "shunts");
      model::Shunt s;
      s.loc = item.loc();
      s.name = element_name(m, "shunt");
      s.bus = bus_ref(m, "bus", "shunt", s.name);
      s.g_mw = m.has("g_mw") ? m.require("g_mw").as_double() : 0.0;
      s.b_mvar = m.has("b_mvar") ? m.require("b_mvar").as_double() : 0.0;
      if (s.g_mw == 0.0 && s.b_mvar == 0.0)
        throw InputError(s.loc, fmt::format("shunt \"{}\": give g_mw or b_mvar", s.name));
      s.in_service = in_service(m);
      net_.shunts.push_back(std::move(s));
    }
  }

  // ---- bus types ----------------------------------------------------------------------------------

  void assign_bus_types() {
    // Set-points of in-service regulating generators per bus; they must agree.
    std::vector<const model::Generator*> holder(net_.buses.size(), nullptr);
    for (std::size_t i = 0; i < net_.generators.size(); ++i) {
      const model::Generator& g = net_.generators[i];
      if (!g.in_service || !regulates_[i]) continue;
      model::Bus& b = net_.bus(g.bus);
      if (b.type == model::BusType::Isolated) continue;   // out of service: typed when a scenario commissions it
      const std::size_t bi = static_cast<std::size_t>(g.bus.value);
      if (holder[bi] && std::abs(holder[bi]->vg_pu - g.vg_pu) > 1e-9)
        throw InputError(g.loc, fmt::format("generator \"{}\" holds bus \"{}\" at vg_pu {} but \"{}\" (line {}) "
                                            "holds it at {}",
                                            g.name, b.name, fmt_num(g.vg_pu), holder[bi]->name,
                                            holder[bi]->loc.line, fmt_num(holder[bi]->vg_pu)));
      holder[bi] = &g;
      if (g.kind == model::GenKind::Grid)
        b.type = model::BusType::Ref;
      else if (b.type != model::BusType::Ref)
        b.type = model::BusType::PV;
      b.vm_pu = g.vg_pu;
    }
  }

  std::string file_;
  const Choices& choices_;
  std::vector<AssumptionDef> defs_;
  std::map<std::string, Record> records_;
  std::vector<std::pair<std::string, YamlValue>> set_types_;   // (record, keys) of every alternative
  std::vector<std::string> patched_;                          // the applied alternatives, for messages
  model::Network net_;
  std::map<std::string, LineType> line_types_;
  std::map<std::string, TransformerType> transformer_types_;
  std::map<std::string, Transformer3WType> transformer3w_types_;
  std::vector<VoltageBand> bands_;
  std::unordered_map<std::string, SourceLoc> names_;
  std::vector<bool> regulates_;   // per generator (control pv); the model has no field for it
};

}  // namespace

model::Network read_network_yaml(const std::string& path, const Choices& choices) {
  return NetworkReader(path, choices).read();
}

std::vector<std::string> network_yaml_keys(const std::string& section) {
  auto it = section_keys().find(section);
  if (it == section_keys().end()) return {};
  return it->second;
}

}  // namespace lsflow::io
