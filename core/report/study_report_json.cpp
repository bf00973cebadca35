// StudyReport to and from JSON (report.json of `lsflow run --out`, read back by `lsflow compare`).
#include "report/study_report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"

namespace lsflow::report {

using nlohmann::json;
// ---------------------------------------------------------------------------------------------------
// JSON

namespace {

json jnum(double x) { return std::isnan(x) ? json(nullptr) : json(x); }

// A number that may be null (NaN or ±inf are written as null); a missing key is an error.
double get_num(const json& j, const char* key) {
  const json& x = j.at(key);
  return x.is_null() ? kNaN : x.get<double>();
}

json flow_json(const FlowEnd& f) { return {{"p_mw", f.p_mw}, {"q_mvar", f.q_mvar}}; }

json convergence_json(const Convergence& c) {
  json fails = json::array();
  for (const auto& f : c.failures)
    fails.push_back({{"n_bus", f.n_bus},
                     {"iterations", f.iterations},
                     {"max_mismatch_mva", f.max_mismatch_mva},
                     {"worst_bus", f.worst_bus},
                     {"failure", f.failure},
                     {"mismatch_history_mva", f.mismatch_history_mva},
                     {"diagnosis", f.diagnosis}});
  return {{"converged", c.converged},        {"mode", c.dc ? "dc" : "ac"}, {"iterations", c.iterations},
          {"max_mismatch_mva", c.max_mismatch_mva}, {"islands", c.islands}, {"failures", fails},
          {"rescued", c.rescued}};
}

json n1_json(const SecuritySummary& n) {
  json worst = json::array();
  for (const auto& f : n.worst)
    worst.push_back({{"contingency", f.contingency},
                     {"what", f.what},
                     {"element", f.element},
                     {"value", jnum(f.value)},
                     {"limit", jnum(f.limit)},
                     {"base_value", jnum(f.base_value)}});
  return {{"run", n.run},
          {"secure", n.run ? json(n.secure_n1()) : json(nullptr)},
          {"selection", n.selection},
          {"limits", n.limits},
          {"contingencies", n.contingencies},
          {"secure_contingencies", n.secure},
          {"islanding_only", n.islanding_only},
          {"with_violations", n.with_violations},
          {"only_pre_existing", n.only_pre_existing},
          {"not_converged", n.not_converged},
          {"no_supply", n.no_supply},
          {"lost_load_mw_max", n.lost_load_mw_max},
          {"findings", n.findings},
          {"worst", worst}};
}

SecuritySummary n1_from_json(const json& j) {
  SecuritySummary n;
  if (j.is_null()) return n;
  n.run = j.value("run", false);
  n.selection = j.value("selection", "");
  n.limits = j.value("limits", "");
  n.contingencies = j.value("contingencies", std::size_t{0});
  n.secure = j.value("secure_contingencies", std::size_t{0});
  n.islanding_only = j.value("islanding_only", std::size_t{0});
  n.with_violations = j.value("with_violations", std::size_t{0});
  n.only_pre_existing = j.value("only_pre_existing", std::size_t{0});
  n.not_converged = j.value("not_converged", std::size_t{0});
  n.no_supply = j.value("no_supply", std::size_t{0});
  n.lost_load_mw_max = j.value("lost_load_mw_max", 0.0);
  n.findings = j.value("findings", std::size_t{0});
  for (const auto& f : j.value("worst", json::array()))
    n.worst.push_back({f.at("contingency").get<std::string>(), f.at("what").get<std::string>(),
                       f.at("element").get<std::string>(), get_num(f, "value"), get_num(f, "limit"),
                       get_num(f, "base_value")});
  return n;
}

json curtailment_json(const CurtailmentSummary& c) {
  json units = json::array();
  for (const auto& u : c.units)
    units.push_back({{"name", u.name}, {"bus", u.bus}, {"p_before_mw", u.p_before_mw}, {"p_after_mw", u.p_after_mw},
                     {"curtailed_mw", u.curtailed_mw()}});
  return {{"run", c.run},           {"n1", c.n1},           {"resolved", c.resolved},
          {"curtailed_mw", c.curtailed_mw}, {"wind_before_mw", c.wind_before_mw}, {"rounds", c.rounds},
          {"units", units},         {"binding", c.binding}, {"remaining", c.remaining}};
}

CurtailmentSummary curtailment_from_json(const json& j) {
  CurtailmentSummary c;
  if (j.is_null()) return c;
  c.run = j.value("run", false);
  c.n1 = j.value("n1", false);
  c.resolved = j.value("resolved", false);
  c.curtailed_mw = j.value("curtailed_mw", 0.0);
  c.wind_before_mw = j.value("wind_before_mw", 0.0);
  c.rounds = j.value("rounds", 0);
  for (const auto& u : j.value("units", json::array()))
    c.units.push_back({u.at("name").get<std::string>(), u.at("bus").get<std::string>(), get_num(u, "p_before_mw"),
                       get_num(u, "p_after_mw")});
  c.binding = j.value("binding", std::vector<std::string>{});
  c.remaining = j.value("remaining", std::vector<std::string>{});
  return c;
}

}  // namespace

json study_report_json(const StudyReport& r) {
  json j;
  j["format"] = "lsflow-study-report";
  j["version"] = 1;
  j["scenario"] = {{"name", r.scenario},
                   {"file", r.scenario_file},
                   {"description", r.description},
                   {"study_year", r.study_year},
                   {"base_case", r.base_case},
                   {"assumptions", r.assumptions}};
  j["network"] = {{"name", r.network},           {"file", r.network_file},   {"buses", r.n_buses},
                  {"branches", r.n_branches},    {"trafos3w", r.n_trafos3w}, {"generators", r.n_generators},
                  {"loads", r.n_loads}};
  j["limits"] = {{"name", r.limits}, {"file", r.limits_file}, {"loading_max_pct", r.loading_limit_pct},
                 {"levels", r.levels_checked}};
  j["convergence"] = convergence_json(r.convergence);
  j["verdict"] = {{"text", verdict_line(r)},
                  {"ok", r.ok()},
                  {"n1_secure", r.n1.run ? json(r.n1.secure_n1()) : json(nullptr)},
                  {"overloads", r.overloads.size()},
                  {"voltage_violations", r.voltage_violations.size()},
                  {"unserved_mw", r.balance.unserved_mw},
                  {"q_limit_breaches", r.q_limit_breaches.size()}};
  if (!r.converged()) return j;

  json gen = json::array();
  for (const auto& k : r.generation)
    gen.push_back({{"kind", model::to_string(k.kind)},
                   {"units", k.units},
                   {"installed_mw", k.installed_mw},
                   {"p_mw", k.p_mw},
                   {"q_mvar", k.q_mvar}});
  j["generation_by_kind"] = gen;

  json ties = json::array();
  for (const auto& t : r.exchange.ties)
    ties.push_back({{"element", t.element},
                    {"kind", to_string(t.kind)},
                    {"grid_bus", t.grid_bus},
                    {"province_bus", t.province_bus},
                    {"p_in_mw", t.p_in_mw},
                    {"q_in_mvar", t.q_in_mvar},
                    {"rating_mva", t.rating_mva},
                    {"loading_pct", jnum(t.loading_pct)}});
  j["exchange"] = {{"generators", r.exchange.generators}, {"buses", r.exchange.buses},
                   {"import_mw", r.exchange.import_mw},   {"import_mvar", r.exchange.import_mvar},
                   {"ties", ties}};
  const auto& b = r.balance;
  j["balance"] = {{"generation_mw", b.generation_mw}, {"import_mw", b.import_mw}, {"load_mw", b.load_mw},
                  {"load_mvar", b.load_mvar},         {"shunt_mw", b.shunt_mw},   {"losses_mw", b.losses_mw},
                  {"unserved_mw", b.unserved_mw}};

  json els = json::array();
  for (const auto& e : r.elements) {
    json ends = json::array();
    for (const auto& f : e.ends) ends.push_back(flow_json(f));
    els.push_back({{"name", e.name},
                   {"kind", to_string(e.kind)},
                   {"buses", e.buses},
                   {"in_service", e.in_service},
                   {"energised", e.energised},
                   {"ends", ends},
                   {"rating_mva", e.rating_mva},
                   {"s_mva", e.s_mva},
                   {"worst_end", e.worst_end},
                   {"loading_pct", jnum(e.loading_pct)},
                   {"loss_mw", e.loss_mw},
                   {"reverse_mw", e.reverse_mw}});
  }
  j["elements"] = els;

  json buses = json::array();
  for (const auto& s : r.buses)
    buses.push_back({{"name", s.name},
                     {"id", s.id},
                     {"zone", s.zone},
                     {"base_kv", s.base_kv},
                     {"energised", s.energised},
                     {"vm_pu", jnum(s.vm_pu)},
                     {"v_kv", jnum(s.v_kv)},
                     {"va_deg", jnum(s.va_deg)},
                     {"level", s.level},
                     {"vmin_pu", jnum(s.vmin_pu)},
                     {"vmax_pu", jnum(s.vmax_pu)},
                     {"deviation_pu", s.deviation_pu},
                     {"lat_deg", jnum(s.lat_deg)},
                     {"lon_deg", jnum(s.lon_deg)}});
  j["buses"] = buses;
  j["buses_without_band"] = r.buses_without_band;

  json ov = json::array();
  for (const auto& o : r.overloads)
    ov.push_back({{"element", o.element},
                  {"kind", to_string(o.kind)},
                  {"loading_pct", o.loading_pct},
                  {"limit_pct", o.limit_pct},
                  {"rating_mva", o.rating_mva},
                  {"s_mva", o.s_mva},
                  {"worst_end", o.worst_end}});
  j["overloads"] = ov;
  json vv = json::array();
  for (const auto& v : r.voltage_violations)
    vv.push_back({{"bus", v.bus},
                  {"zone", v.zone},
                  {"level", v.level},
                  {"base_kv", v.base_kv},
                  {"vm_pu", v.vm_pu},
                  {"v_kv", v.v_kv},
                  {"vmin_pu", v.vmin_pu},
                  {"vmax_pu", v.vmax_pu},
                  {"deviation_pu", v.deviation_pu},
                  {"deviation_kv", v.deviation_kv()}});
  j["voltage_violations"] = vv;
  json qb = json::array();
  for (const auto& q : r.q_limit_breaches)
    qb.push_back({{"generator", q.generator},
                  {"kind", model::to_string(q.kind)},
                  {"bus", q.bus},
                  {"q_mvar", q.q_mvar},
                  {"qmin_mvar", q.qmin_mvar},
                  {"qmax_mvar", q.qmax_mvar}});
  j["q_limit_breaches"] = qb;
  json oos = json::array();
  for (const auto& o : r.out_of_service) oos.push_back({{"name", o.name}, {"kind", o.kind}});
  j["out_of_service"] = oos;
  json de = json::array();
  for (const auto& d : r.deenergised) de.push_back({{"buses", d.buses}, {"load_mw", d.load_mw}});
  j["deenergised"] = de;
  json gens = json::array();
  for (const auto& g : r.generators)
    gens.push_back({{"name", g.name},
                    {"kind", model::to_string(g.kind)},
                    {"bus", g.bus},
                    {"in_service", g.in_service},
                    {"energised", g.energised},
                    {"installed_mw", g.installed_mw},
                    {"p_mw", g.p_mw},
                    {"q_mvar", g.q_mvar},
                    {"qmin_mvar", jnum(g.qmin_mvar)},
                    {"qmax_mvar", jnum(g.qmax_mvar)},
                    {"at_q_limit", g.at_q_limit},
                    {"vg_pu", jnum(g.vg_pu)}});
  j["generators"] = gens;
  json loads = json::array();
  for (const auto& l : r.loads)
    loads.push_back({{"name", l.name},
                     {"bus", l.bus},
                     {"zone", l.zone},
                     {"category", l.category},
                     {"in_service", l.in_service},
                     {"energised", l.energised},
                     {"p_mw", l.p_mw},
                     {"q_mvar", l.q_mvar}});
  j["loads"] = loads;
  j["n1"] = n1_json(r.n1);
  j["curtailment"] = curtailment_json(r.curtailment);
  return j;
}

StudyReport study_report_from_json(const json& j) {
  if (!j.is_object() || j.value("format", "") != "lsflow-study-report")
    throw InputError("not an lsflow study report (no \"format\": \"lsflow-study-report\")");
  StudyReport r;
  try {
    r.scenario = j.at("scenario").at("name").get<std::string>();
    r.scenario_file = j.at("scenario").value("file", "");
    r.description = j.at("scenario").value("description", "");
    r.study_year = j.at("scenario").value("study_year", 0);
    r.base_case = j.at("scenario").value("base_case", "");
    r.assumptions = j.at("scenario").value("assumptions", "");
    const auto& n = j.at("network");
    r.network = n.value("name", "");
    r.network_file = n.value("file", "");
    r.n_buses = n.value("buses", std::size_t{0});
    r.n_branches = n.value("branches", std::size_t{0});
    r.n_trafos3w = n.value("trafos3w", std::size_t{0});
    r.n_generators = n.value("generators", std::size_t{0});
    r.n_loads = n.value("loads", std::size_t{0});
    const auto& l = j.at("limits");
    r.limits = l.value("name", "");
    r.limits_file = l.value("file", "");
    r.loading_limit_pct = get_num(l, "loading_max_pct");
    r.levels_checked = l.value("levels", std::vector<std::string>{});
    const auto& c = j.at("convergence");
    r.convergence.converged = c.at("converged").get<bool>();
    r.convergence.dc = c.value("mode", "ac") == "dc";
    r.convergence.iterations = c.value("iterations", 0);
    r.convergence.max_mismatch_mva = c.value("max_mismatch_mva", 0.0);
    r.convergence.islands = c.value("islands", std::size_t{0});
    for (const auto& f : c.value("failures", json::array()))
      r.convergence.failures.push_back(IslandFailure{f.value("n_bus", std::size_t{0}), f.value("iterations", 0),
                                                     f.value("max_mismatch_mva", 0.0), f.value("worst_bus", ""),
                                                     f.value("failure", ""),
                                                     f.value("mismatch_history_mva", std::vector<double>{}),
                                                     f.value("diagnosis", "")});
    r.convergence.rescued = c.value("rescued", "");
    if (!r.convergence.converged) return r;

    for (const auto& k : j.at("generation_by_kind")) {
      KindGeneration g;
      if (!model::parse_gen_kind(k.at("kind").get<std::string>(), g.kind))
        throw InputError(fmt::format("unknown generator kind \"{}\"", k.at("kind").get<std::string>()));
      g.units = k.at("units").get<int>();
      g.installed_mw = get_num(k, "installed_mw");
      g.p_mw = get_num(k, "p_mw");
      g.q_mvar = get_num(k, "q_mvar");
      r.generation.push_back(g);
    }
    auto kind_of = [](const json& x) {
      ElementKind k{};
      if (!parse_element_kind(x.get<std::string>(), k))
        throw InputError(fmt::format("unknown element kind \"{}\"", x.get<std::string>()));
      return k;
    };
    const auto& ex = j.at("exchange");
    r.exchange.generators = ex.at("generators").get<std::vector<std::string>>();
    r.exchange.buses = ex.at("buses").get<std::vector<std::string>>();
    r.exchange.import_mw = get_num(ex, "import_mw");
    r.exchange.import_mvar = get_num(ex, "import_mvar");
    for (const auto& t : ex.at("ties"))
      r.exchange.ties.push_back(TieFlow{t.at("element").get<std::string>(), kind_of(t.at("kind")),
                                        t.at("grid_bus").get<std::string>(), t.at("province_bus").get<std::string>(),
                                        get_num(t, "p_in_mw"), get_num(t, "q_in_mvar"),
                                        get_num(t, "rating_mva"), get_num(t, "loading_pct")});
    const auto& b = j.at("balance");
    r.balance = PowerBalance{get_num(b, "generation_mw"), get_num(b, "import_mw"),
                             get_num(b, "load_mw"),       get_num(b, "load_mvar"),
                             get_num(b, "shunt_mw"),      get_num(b, "losses_mw"),
                             get_num(b, "unserved_mw")};
    for (const auto& e : j.at("elements")) {
      ElementLoading x;
      x.name = e.at("name").get<std::string>();
      x.kind = kind_of(e.at("kind"));
      x.buses = e.at("buses").get<std::vector<std::string>>();
      x.in_service = e.at("in_service").get<bool>();
      x.energised = e.at("energised").get<bool>();
      for (const auto& f : e.at("ends")) x.ends.push_back(FlowEnd{get_num(f, "p_mw"), get_num(f, "q_mvar")});
      x.rating_mva = get_num(e, "rating_mva");
      x.s_mva = get_num(e, "s_mva");
      x.worst_end = e.at("worst_end").get<std::string>();
      x.loading_pct = get_num(e, "loading_pct");
      x.loss_mw = get_num(e, "loss_mw");
      x.reverse_mw = e.value("reverse_mw", 0.0);
      r.elements.push_back(std::move(x));
    }
    for (const auto& s : j.at("buses")) {
      BusState x;
      x.name = s.at("name").get<std::string>();
      x.id = s.at("id").get<ExtId>();
      x.zone = s.at("zone").get<std::string>();
      x.base_kv = get_num(s, "base_kv");
      x.energised = s.at("energised").get<bool>();
      x.vm_pu = get_num(s, "vm_pu");
      x.v_kv = get_num(s, "v_kv");
      x.va_deg = get_num(s, "va_deg");
      x.level = s.at("level").get<std::string>();
      x.vmin_pu = get_num(s, "vmin_pu");
      x.vmax_pu = get_num(s, "vmax_pu");
      x.deviation_pu = get_num(s, "deviation_pu");
      if (s.contains("lat_deg")) {
        x.lat_deg = get_num(s, "lat_deg");
        x.lon_deg = get_num(s, "lon_deg");
      }
      r.buses.push_back(std::move(x));
    }
    r.buses_without_band = j.at("buses_without_band").get<std::size_t>();
    for (const auto& o : j.at("overloads"))
      r.overloads.push_back(Overload{o.at("element").get<std::string>(), kind_of(o.at("kind")),
                                     get_num(o, "loading_pct"), get_num(o, "limit_pct"),
                                     get_num(o, "rating_mva"), get_num(o, "s_mva"),
                                     o.at("worst_end").get<std::string>()});
    for (const auto& v : j.at("voltage_violations"))
      r.voltage_violations.push_back(VoltageViolation{
          v.at("bus").get<std::string>(), v.at("zone").get<std::string>(), v.at("level").get<std::string>(),
          get_num(v, "base_kv"), get_num(v, "vm_pu"), get_num(v, "v_kv"),
          get_num(v, "vmin_pu"), get_num(v, "vmax_pu"), get_num(v, "deviation_pu")});
    for (const auto& q : j.value("q_limit_breaches", json::array())) {
      QLimitBreach b;
      b.generator = q.at("generator").get<std::string>();
      if (!model::parse_gen_kind(q.at("kind").get<std::string>(), b.kind)) b.kind = model::GenKind::Other;
      b.bus = q.at("bus").get<std::string>();
      b.q_mvar = get_num(q, "q_mvar");
      b.qmin_mvar = get_num(q, "qmin_mvar");
      b.qmax_mvar = get_num(q, "qmax_mvar");
      r.q_limit_breaches.push_back(std::move(b));
    }
    for (const auto& o : j.at("out_of_service"))
      r.out_of_service.push_back({o.at("name").get<std::string>(), o.at("kind").get<std::string>()});
    for (const auto& d : j.at("deenergised"))
      r.deenergised.push_back({d.at("buses").get<std::vector<std::string>>(), get_num(d, "load_mw")});
    for (const auto& g : j.value("generators", json::array())) {
      GeneratorState x;
      x.name = g.at("name").get<std::string>();
      if (!model::parse_gen_kind(g.at("kind").get<std::string>(), x.kind)) x.kind = model::GenKind::Other;
      x.bus = g.at("bus").get<std::string>();
      x.in_service = g.at("in_service").get<bool>();
      x.energised = g.at("energised").get<bool>();
      x.installed_mw = get_num(g, "installed_mw");
      x.p_mw = get_num(g, "p_mw");
      x.q_mvar = get_num(g, "q_mvar");
      x.qmin_mvar = get_num(g, "qmin_mvar");
      x.qmax_mvar = get_num(g, "qmax_mvar");
      x.at_q_limit = g.at("at_q_limit").get<bool>();
      x.vg_pu = get_num(g, "vg_pu");
      r.generators.push_back(std::move(x));
    }
    for (const auto& l : j.value("loads", json::array()))
      r.loads.push_back({l.at("name").get<std::string>(), l.at("bus").get<std::string>(),
                         l.at("zone").get<std::string>(), l.at("category").get<std::string>(),
                         l.at("in_service").get<bool>(), l.at("energised").get<bool>(), get_num(l, "p_mw"),
                         get_num(l, "q_mvar")});
    r.n1 = n1_from_json(j.value("n1", json(nullptr)));
    r.curtailment = curtailment_from_json(j.value("curtailment", json(nullptr)));
  } catch (const json::exception& e) {
    throw InputError(fmt::format("malformed study report: {}", e.what()));
  }
  return r;
}

}  // namespace lsflow::report
