// N-1 results as text, JSON and CSV (what each file holds: n1_report.hpp).
#include "study/n1_report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "io/atomic_file.hpp"
#include "report/text_table.hpp"

namespace lsflow::study {

namespace {

std::string num(double x) { return std::isfinite(x) ? fmt::format("{:.10g}", x) : std::string(); }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string bus_name(const model::Network& net, BusIdx b) {
  if (!b.valid()) return "-";
  const auto& bus = net.bus(b);
  return bus.name.empty() ? fmt::format("{}", bus.id) : bus.name;
}

// "name,id" of a bus for the CSV files, as `lsflow run --out` writes buses (the name is the id when the
// bus has none).
std::string bus_cells(const model::Network& net, BusIdx b) {
  if (!b.valid()) return ",";
  const auto& bus = net.bus(b);
  return fmt::format("{},{}", csv_field(bus.name.empty() ? std::to_string(bus.id) : bus.name), bus.id);
}

std::string_view kind_name(const model::Network& net, const ElementRef& e) {
  switch (e.kind) {
    case ElementRef::Kind::Branch:
      return net.branches[static_cast<std::size_t>(e.index)].kind == model::BranchKind::Line ? "line" : "transformer";
    case ElementRef::Kind::Trafo3W: return "transformer3w";
    case ElementRef::Kind::Generator: return "generator";
  }
  return "";
}

std::string outage_name(const ContingencyAnalysis& ca, const ContingencyResults& r, std::int32_t c) {
  return element_label(ca.network(), r.contingencies[static_cast<std::size_t>(c)].element);
}

// The outage caused something: new or worsened violations, or load without supply.
bool has_violation(const ContingencyRecord& rec) {
  return rec.new_violations + rec.worsened_violations > 0 || rec.lost_load_mw > 0.0;
}

std::string result_text(const ContingencyRecord& rec) {
  switch (rec.outcome) {
    case Outcome::NotConverged: return rec.singular ? "NOT CONVERGED (singular)" : "NOT CONVERGED";
    case Outcome::NoSupply: return "NO SUPPLY";
    case Outcome::NotRun: return "not run";
    case Outcome::Solved: break;
  }
  std::string s;
  if (rec.islanding) s = "islanding";
  if (rec.new_violations + rec.worsened_violations > 0) s += s.empty() ? "violations" : "+violations";
  else if (rec.violations() > 0) s += s.empty() ? "pre-existing only" : "+pre-existing";
  return s.empty() ? "secure" : s;
}


}  // namespace

bool outage_related(const Overload& o) {
  return !o.pre_existing || o.loading_pct > o.base_loading_pct + kWorsenedLoadingPct;
}

bool outage_related(const VoltageViolation& v) {
  if (!v.pre_existing) return true;
  const VoltageViolation before{v.contingency, v.bus, v.base_vm_pu, v.base_vm_pu, v.vmin_pu, v.vmax_pu};
  return v.excess_pu() > before.excess_pu() + kWorsenedVoltagePu;
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Solved: return "solved";
    case Outcome::NotConverged: return "not_converged";
    case Outcome::NoSupply: return "no_supply";
    case Outcome::NotRun: return "not_run";
  }
  return "";
}

std::vector<std::int32_t> rank_contingencies(const ContingencyAnalysis& ca, const ContingencyResults& r) {
  (void)ca;
  auto cls = [](const ContingencyRecord& rec) {
    if (rec.outcome == Outcome::NotConverged || rec.outcome == Outcome::NoSupply) return 0;
    if (rec.outcome == Outcome::NotRun) return 4;
    if (has_violation(rec)) return 1;
    return rec.violations() > 0 || rec.islanding ? 2 : 3;
  };
  auto overload = [](const ContingencyRecord& rec) {
    return std::isnan(rec.worst_new_loading_pct) ? 0.0 : rec.worst_new_loading_pct;
  };
  std::vector<std::int32_t> order(r.records.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int32_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    const auto& x = r.records[static_cast<std::size_t>(a)];
    const auto& y = r.records[static_cast<std::size_t>(b)];
    if (cls(x) != cls(y)) return cls(x) < cls(y);
    if (x.lost_load_mw != y.lost_load_mw) return x.lost_load_mw > y.lost_load_mw;
    if (overload(x) != overload(y)) return overload(x) > overload(y);
    if (x.worst_new_excess_pu != y.worst_new_excess_pu) return x.worst_new_excess_pu > y.worst_new_excess_pu;
    const double lx = std::isnan(x.max_loading_pct) ? -1.0 : x.max_loading_pct;
    const double ly = std::isnan(y.max_loading_pct) ? -1.0 : y.max_loading_pct;
    return lx > ly;
  });
  return order;
}

N1Counts count_outcomes(const ContingencyResults& r) {
  N1Counts c;
  c.total = r.records.size();
  for (const auto& rec : r.records) {
    switch (rec.outcome) {
      case Outcome::NotConverged: ++c.not_converged; break;
      case Outcome::NoSupply: ++c.no_supply; break;
      case Outcome::NotRun: ++c.not_run; break;
      case Outcome::Solved:
        if (has_violation(rec)) ++c.with_violations;
        else if (rec.violations() > 0) ++c.only_pre_existing;
        else if (rec.islanding) ++c.islanding_only;
        else ++c.secure;
        if (rec.islanding) ++c.split;
        break;
    }
    c.lost_load_mw_max = std::max(c.lost_load_mw_max, rec.lost_load_mw);
  }
  return c;
}

namespace {

std::vector<Overload> overloads_by_loading(const ContingencyResults& r) {
  std::vector<Overload> v;
  for (const auto& o : r.overloads)
    if (outage_related(o)) v.push_back(o);
  std::stable_sort(v.begin(), v.end(), [](const Overload& a, const Overload& b) { return a.loading_pct > b.loading_pct; });
  return v;
}

std::vector<VoltageViolation> voltages_by_excess(const ContingencyResults& r) {
  std::vector<VoltageViolation> v;
  for (const auto& x : r.voltage_violations)
    if (outage_related(x)) v.push_back(x);
  std::stable_sort(v.begin(), v.end(),
                   [](const VoltageViolation& a, const VoltageViolation& b) { return a.excess_pu() > b.excess_pu(); });
  return v;
}

std::vector<std::int32_t> monitors_by_worst(const ContingencyResults& r) {
  std::vector<std::int32_t> m;
  for (std::size_t k = 0; k < r.monitor_worst.size(); ++k)
    if (r.monitor_worst[k].contingency >= 0) m.push_back(static_cast<std::int32_t>(k));
  std::stable_sort(m.begin(), m.end(), [&](std::int32_t a, std::int32_t b) {
    return r.monitor_worst[static_cast<std::size_t>(a)].loading_pct > r.monitor_worst[static_cast<std::size_t>(b)].loading_pct;
  });
  return m;
}

std::string method_note(const ContingencyAnalysis& ca) {
  return fmt::format(
      "each outage solved from the base case (tolerance {:g} pu, at most {} Newton iterations after the cheaper "
      "base-factorisation steps); a lost generator's P is picked up by the reference unit as in a plain power "
      "flow (no governor or AGC sharing); {}; an outage that splits the grid is reported as islanding and the "
      "part that keeps the reference is solved",
      ca.options().tol_pu, ca.options().max_iter,
      ca.options().enforce_q_limits
          ? fmt::format("reactive limits enforced ({} unit{} held at a limit from the base case; a unit that "
                        "breaks one after an outage is fixed at it and the outage solved again)",
                        ca.base_q_limited().size(), ca.base_q_limited().size() == 1 ? "" : "s")
          : std::string("reactive limits NOT enforced"));
}

}  // namespace

std::string n1_text(const ContingencyAnalysis& ca, const ContingencyResults& r, std::size_t top_n, bool wide) {
  using report::TextTable;
  using A = TextTable::Align;
  using F = TextTable::Fit;
  const auto& net = ca.network();
  const auto& lim = ca.limits();
  const std::size_t width = wide ? 0 : report::kTextWidth;
  auto table = [&] {
    TextTable t;
    t.set_max_width(width);
    return t;
  };
  auto para = [&](const std::string& text) { return report::wrap_text(text, width, "", "  "); };
  auto num1 = [](double x) { return std::isnan(x) ? std::string("-") : fmt::format("{:.1f}", x); };
  std::size_t n_br = 0, n_t3 = 0, n_gen = 0;
  for (const auto& c : r.contingencies) {
    if (c.element.kind == ElementRef::Kind::Branch) ++n_br;
    else if (c.element.kind == ElementRef::Kind::Trafo3W) ++n_t3;
    else ++n_gen;
  }
  const auto counts = count_outcomes(r);
  std::string s;
  s += para(fmt::format("N-1 contingency analysis of {}: {} contingencies ({} lines/transformers, {} three-winding "
                        "transformers, {} generators), {} thread{}, {:.2f} s ({:.0f} per second)",
                        net.name, r.records.size(), n_br, n_t3, n_gen, r.threads, r.threads == 1 ? "" : "s", r.elapsed_s,
                        r.elapsed_s > 0 ? static_cast<double>(r.records.size() - counts.not_run) / r.elapsed_s : 0.0));
  std::string limits = fmt::format("limits: {}; after a contingency: loading {:g} % of the emergency rating (rating B where "
                                   "the data gives one, else rating A), N-1 voltage bands",
                                   lim.source, lim.loading_n1_pct);
  if (lim.buses_without_band > 0)
    limits += fmt::format(" ({} bus{} without a band: voltage not checked)", lim.buses_without_band,
                          lim.buses_without_band == 1 ? "" : "es");
  s += para(limits);
  s += para("method: " + method_note(ca));
  if (!ca.note().empty()) s += para("base case: " + ca.note());
  s += para(fmt::format("base case: converged in {} iterations; in normal operation {} overload{} and {} bus{} outside "
                        "the band",
                        ca.base().iterations, ca.base_overloads().size(), ca.base_overloads().size() == 1 ? "" : "s",
                        ca.base_voltage_violations().size(), ca.base_voltage_violations().size() == 1 ? "" : "es"));
  std::string outcome = fmt::format("outcome: {} secure, {} islanding without violations, {} with new or worsened "
                                    "violations or load lost, {} with only pre-existing violations, {} did NOT converge, "
                                    "{} left no supply",
                                    counts.secure, counts.islanding_only, counts.with_violations, counts.only_pre_existing,
                                    counts.not_converged, counts.no_supply);
  if (counts.not_run) outcome += fmt::format(", {} not run (interrupted)", counts.not_run);
  outcome += fmt::format("; {} split the grid (largest load lost {:.1f} MW)", counts.split, counts.lost_load_mw_max);
  s += para(outcome);

  const auto order = rank_contingencies(ca, r);
  {
    TextTable t = table();
    t.add_column("#", A::Right);
    t.add_column("outage", A::Left);
    t.add_column("result", A::Left);
    t.add_column("max load%", A::Right);
    t.add_column("on", A::Left, F::Shrink);
    t.add_column("min V pu", A::Right);
    t.add_column("at bus", A::Left, F::Drop);
    t.add_column("new", A::Right);
    t.add_column("all", A::Right, F::Drop);
    t.add_column("lost MW", A::Right);
    std::size_t shown = 0;
    for (auto c : order) {
      const auto& rec = r.records[static_cast<std::size_t>(c)];
      if (shown == top_n || rec.outcome == Outcome::NotRun || (rec.outcome == Outcome::Solved && !has_violation(rec))) break;
      ++shown;
      t.add_row({std::to_string(shown), outage_name(ca, r, c), result_text(rec), num1(rec.max_loading_pct),
                 rec.max_loading_monitor >= 0 ? ca.monitor_label(rec.max_loading_monitor) : "-",
                 std::isnan(rec.min_vm_pu) ? "-" : fmt::format("{:.4f}", rec.min_vm_pu), bus_name(net, rec.min_vm_bus),
                 std::to_string(rec.new_violations + rec.worsened_violations), std::to_string(rec.violations()),
                 fmt::format("{:.1f}", rec.lost_load_mw)});
    }
    if (shown == 0)
      s += "\nno contingency leads to a violation, islanding or non-convergence\n";
    else
      s += "\n" + para("worst contingencies (new: violations the outage caused or made worse; all: with those already in "
                       "the base case):") +
           t.render();
  }

  const auto ov = overloads_by_loading(r);
  if (!ov.empty()) {
    s += "\n" + para(fmt::format("overloads after a contingency (above {:g} %, new or worse than in the base case), highest "
                                 "first ({} in all):",
                                 lim.loading_n1_pct, ov.size()));
    TextTable t = table();
    t.add_column("element", A::Left);
    t.add_column("loading%", A::Right);
    t.add_column("base%", A::Right);
    t.add_column("rating MVA", A::Right);
    t.add_column("outage", A::Left, F::Shrink);
    for (std::size_t i = 0; i < ov.size() && i < top_n; ++i)
      t.add_row({ca.monitor_label(ov[i].monitor), num1(ov[i].loading_pct), num1(ov[i].base_loading_pct),
                 num1(ov[i].rating_mva), outage_name(ca, r, ov[i].contingency)});
    s += t.render();
  }
  const auto vv = voltages_by_excess(r);
  if (!vv.empty()) {
    s += "\n" + para(fmt::format("voltages outside the N-1 band (new or worse than in the base case), furthest first ({} in "
                                 "all):",
                                 vv.size()));
    TextTable t = table();
    t.add_column("bus", A::Left);
    t.add_column("V pu", A::Right);
    t.add_column("band pu", A::Right);
    t.add_column("base pu", A::Right);
    t.add_column("outage", A::Left, F::Shrink);
    for (std::size_t i = 0; i < vv.size() && i < top_n; ++i)
      t.add_row({bus_name(net, vv[i].bus), fmt::format("{:.4f}", vv[i].vm_pu),
                 fmt::format("{:.3f}-{:.3f}", vv[i].vmin_pu, vv[i].vmax_pu), fmt::format("{:.4f}", vv[i].base_vm_pu),
                 outage_name(ca, r, vv[i].contingency)});
    s += t.render();
  }
  std::vector<std::int32_t> islanding;
  for (auto c : order)
    if (r.records[static_cast<std::size_t>(c)].islanding) islanding.push_back(c);
  if (!islanding.empty()) {
    s += fmt::format("\noutages that split the grid ({}), most load lost first:\n", islanding.size());
    TextTable t = table();
    t.add_column("outage", A::Left);
    t.add_column("buses", A::Right);
    t.add_column("lost MW", A::Right);
    t.add_column("separated MW", A::Right);
    t.add_column("sep. gen MW", A::Right, F::Drop);
    t.add_column("buses cut off", A::Left, F::Shrink);
    for (std::size_t i = 0; i < islanding.size() && i < top_n; ++i) {
      const auto c = islanding[i];
      const auto& rec = r.records[static_cast<std::size_t>(c)];
      std::string buses;
      std::size_t listed = 0;
      auto it = std::lower_bound(r.islanded.begin(), r.islanded.end(), c,
                                 [](const IslandedBus& b, std::int32_t v) { return b.contingency < v; });
      for (; it != r.islanded.end() && it->contingency == c; ++it) {
        if (listed == 6) {
          buses += fmt::format(" and {} more", rec.islanded_buses - 6);
          break;
        }
        buses += (listed++ ? ", " : "") + bus_name(net, it->bus);
      }
      t.add_row({outage_name(ca, r, c), std::to_string(rec.islanded_buses), num1(rec.lost_load_mw),
                 num1(rec.separated_load_mw), num1(rec.separated_gen_mw), buses});
    }
    s += t.render();
  }
  std::vector<std::int32_t> failed;
  for (auto c : order)
    if (r.records[static_cast<std::size_t>(c)].outcome == Outcome::NotConverged) failed.push_back(c);
  if (!failed.empty()) {
    s += fmt::format("\ncontingencies that did NOT converge ({}; not counted as secure):\n", failed.size());
    for (std::size_t i = 0; i < failed.size() && i < top_n; ++i) {
      const auto& rec = r.records[static_cast<std::size_t>(failed[i])];
      s += report::wrap_text(fmt::format("{} after {} steps, largest mismatch {:.3g} MVA at bus {}{}", outage_name(ca, r, failed[i]),
                                         rec.iterations, rec.max_mismatch_mva, bus_name(net, rec.worst_mismatch_bus),
                                         rec.singular ? " (singular Jacobian)" : ""),
                             width, "  ", "    ");
    }
  }
  bool any_gen = false;
  for (const auto& c : r.contingencies) any_gen = any_gen || c.element.kind == ElementRef::Kind::Generator;
  if (any_gen) {
    double worst = 0.0;
    std::int32_t worst_c = -1;
    for (std::size_t i = 0; i < r.records.size(); ++i) {
      const auto& rec = r.records[i];
      if (r.contingencies[i].element.kind != ElementRef::Kind::Generator || rec.outcome != Outcome::Solved) continue;
      if (std::abs(rec.ref_pickup_mw) > std::abs(worst)) {
        worst = rec.ref_pickup_mw;
        worst_c = static_cast<std::int32_t>(i);
      }
    }
    if (worst_c >= 0)
      s += "\n" + para(fmt::format("generator outages: the reference unit picks up the lost P (largest pickup {:.1f} MW, "
                                   "after {})",
                                   worst, outage_name(ca, r, worst_c)));
  }
  const std::size_t pre = (r.overloads.size() - ov.size()) + (r.voltage_violations.size() - vv.size());
  if (pre > 0)
    s += "\n" + para(fmt::format("{} violations after a contingency were already there in the base case and got no worse: "
                                 "not listed here (see overloads.csv / voltage_violations.csv, column pre_existing)",
                                 pre));
  const auto mons = monitors_by_worst(r);
  if (!mons.empty()) {
    s += "\nworst contingency per monitored element (highest post-contingency loading first):\n";
    TextTable t = table();
    t.add_column("element", A::Left);
    t.add_column("base%", A::Right);
    t.add_column("worst%", A::Right);
    t.add_column("outage", A::Left, F::Shrink);
    for (std::size_t i = 0; i < mons.size() && i < top_n; ++i) {
      const auto& w = r.monitor_worst[static_cast<std::size_t>(mons[i])];
      t.add_row({ca.monitor_label(mons[i]), num1(ca.base_loading_pct(mons[i])), num1(w.loading_pct),
                 outage_name(ca, r, w.contingency)});
    }
    s += t.render();
  }
  return s;
}

nlohmann::json n1_json(const ContingencyAnalysis& ca, const ContingencyResults& r, std::size_t top_n) {
  const auto& net = ca.network();
  const auto counts = count_outcomes(r);
  nlohmann::json j;
  j["case"] = net.name;
  j["contingencies"] = r.records.size();
  j["threads"] = r.threads;
  j["elapsed_s"] = r.elapsed_s;
  j["interrupted"] = r.interrupted;
  j["limits"] = {{"source", ca.limits().source},
                 {"loading_n1_pct", ca.limits().loading_n1_pct},
                 {"loading_normal_pct", ca.limits().loading_normal_pct},
                 {"buses_without_band", ca.limits().buses_without_band}};
  j["method"] = method_note(ca);
  j["base_case"] = {{"iterations", ca.base().iterations},
                    {"overloads", ca.base_overloads().size()},
                    {"voltage_violations", ca.base_voltage_violations().size()},
                    {"reactive_limits", ca.options().enforce_q_limits},
                    {"units_at_q_limit", ca.base_q_limited().size()},
                    {"note", ca.note()}};
  j["outcome"] = {{"secure", counts.secure},
                  {"islanding_only", counts.islanding_only},
                  {"with_violations", counts.with_violations},
                  {"only_pre_existing", counts.only_pre_existing},
                  {"not_converged", counts.not_converged},
                  {"no_supply", counts.no_supply},
                  {"not_run", counts.not_run},
                  {"split_the_grid", counts.split},
                  {"largest_load_lost_mw", counts.lost_load_mw_max}};
  auto rec_json = [&](std::int32_t c) {
    const auto& rec = r.records[static_cast<std::size_t>(c)];
    const auto& e = r.contingencies[static_cast<std::size_t>(c)].element;
    nlohmann::json x = {{"outage", element_label(net, e)},
                        {"kind", kind_name(net, e)},
                        {"outcome", to_string(rec.outcome)},
                        {"iterations", rec.iterations},
                        {"overloads", rec.overloads},
                        {"voltage_violations", rec.undervoltages + rec.overvoltages},
                        {"new_violations", rec.new_violations},
                        {"worsened_violations", rec.worsened_violations},
                        {"islanded_buses", rec.islanded_buses},
                        {"lost_load_mw", rec.lost_load_mw}};
    if (!std::isnan(rec.max_loading_pct)) {
      x["max_loading_pct"] = rec.max_loading_pct;
      x["max_loading_element"] = ca.monitor_label(rec.max_loading_monitor);
    }
    if (!std::isnan(rec.min_vm_pu)) {
      x["min_vm_pu"] = rec.min_vm_pu;
      x["min_vm_bus"] = net.bus(rec.min_vm_bus).id;
      x["max_vm_pu"] = rec.max_vm_pu;
      x["max_vm_bus"] = net.bus(rec.max_vm_bus).id;
    }
    if (!std::isnan(rec.ref_pickup_mw)) x["ref_pickup_mw"] = rec.ref_pickup_mw;
    if (rec.outcome == Outcome::NotConverged) {
      x["max_mismatch_mva"] = std::isfinite(rec.max_mismatch_mva) ? nlohmann::json(rec.max_mismatch_mva) : nlohmann::json();
      x["singular"] = rec.singular;
    }
    return x;
  };
  nlohmann::json worst = nlohmann::json::array();
  for (auto c : rank_contingencies(ca, r)) {
    const auto& rec = r.records[static_cast<std::size_t>(c)];
    if (worst.size() == top_n || rec.outcome == Outcome::NotRun || (rec.outcome == Outcome::Solved && !has_violation(rec)))
      break;
    worst.push_back(rec_json(c));
  }
  j["worst_contingencies"] = worst;
  nlohmann::json failed = nlohmann::json::array();
  for (std::size_t i = 0; i < r.records.size(); ++i)
    if (r.records[i].outcome == Outcome::NotConverged || r.records[i].outcome == Outcome::NoSupply)
      failed.push_back(rec_json(static_cast<std::int32_t>(i)));
  j["not_converged_or_no_supply"] = failed;
  nlohmann::json ov = nlohmann::json::array();
  for (const auto& o : overloads_by_loading(r)) {
    if (ov.size() == top_n) break;
    ov.push_back({{"element", ca.monitor_label(o.monitor)},
                  {"loading_pct", o.loading_pct},
                  {"base_loading_pct", o.base_loading_pct},
                  {"rating_mva", o.rating_mva},
                  {"outage", outage_name(ca, r, o.contingency)}});
  }
  j["overloads"] = ov;
  j["overloads_total"] = r.overloads.size();   // including pre-existing ones
  nlohmann::json vv = nlohmann::json::array();
  for (const auto& v : voltages_by_excess(r)) {
    if (vv.size() == top_n) break;
    vv.push_back({{"bus", net.bus(v.bus).id},
                  {"vm_pu", v.vm_pu},
                  {"vmin_pu", v.vmin_pu},
                  {"vmax_pu", v.vmax_pu},
                  {"base_vm_pu", v.base_vm_pu},
                  {"outage", outage_name(ca, r, v.contingency)}});
  }
  j["voltage_violations"] = vv;
  j["voltage_violations_total"] = r.voltage_violations.size();
  nlohmann::json ew = nlohmann::json::array();
  for (auto m : monitors_by_worst(r)) {
    if (ew.size() == top_n) break;
    const auto& w = r.monitor_worst[static_cast<std::size_t>(m)];
    ew.push_back({{"element", ca.monitor_label(m)},
                  {"base_loading_pct", ca.base_loading_pct(m)},
                  {"worst_loading_pct", w.loading_pct},
                  {"outage", outage_name(ca, r, w.contingency)}});
  }
  j["element_worst"] = ew;
  return j;
}

std::string n1_contingencies_csv(const ContingencyAnalysis& ca, const ContingencyResults& r) {
  const auto& net = ca.network();
  std::string out =
      "index,kind,outage,outcome,iterations,max_mismatch_mva,overloads,undervoltages,overvoltages,max_loading_pct,"
      "max_loading_element,min_vm_pu,min_vm_bus,max_vm_pu,max_vm_bus,islanded_buses,lost_load_mw,separated_load_mw,"
      "separated_gen_mw,ref_gen_mw,ref_pickup_mw,new_violations,worsened_violations\n";
  for (std::size_t i = 0; i < r.records.size(); ++i) {
    const auto& rec = r.records[i];
    const auto& e = r.contingencies[i].element;
    const bool solved = rec.outcome == Outcome::Solved;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", i + 1, kind_name(net, e),
                       csv_field(element_label(net, e)), to_string(rec.outcome), rec.iterations,
                       num(rec.max_mismatch_mva), rec.overloads, rec.undervoltages, rec.overvoltages,
                       num(rec.max_loading_pct),
                       rec.max_loading_monitor >= 0 ? csv_field(ca.monitor_label(rec.max_loading_monitor)) : "",
                       num(rec.min_vm_pu), rec.min_vm_bus.valid() ? csv_field(net.bus(rec.min_vm_bus).name.empty() ? std::to_string(net.bus(rec.min_vm_bus).id) : net.bus(rec.min_vm_bus).name) : "",
                       num(rec.max_vm_pu), rec.max_vm_bus.valid() ? csv_field(net.bus(rec.max_vm_bus).name.empty() ? std::to_string(net.bus(rec.max_vm_bus).id) : net.bus(rec.max_vm_bus).name) : "",
                       rec.islanded_buses, num(rec.lost_load_mw), num(rec.separated_load_mw),
                       num(rec.separated_gen_mw), solved ? num(rec.ref_gen_mw) : "",
                       solved ? num(rec.ref_pickup_mw) : "", rec.new_violations, rec.worsened_violations);
  }
  return out;
}

std::string n1_overloads_csv(const ContingencyAnalysis& ca, const ContingencyResults& r) {
  std::string out = "contingency,outage,element,loading_pct,base_loading_pct,flow_mva,rating_mva,pre_existing\n";
  for (const auto& o : r.overloads)
    out += fmt::format("{},{},{},{},{},{},{},{}\n", o.contingency + 1, csv_field(outage_name(ca, r, o.contingency)),
                       csv_field(ca.monitor_label(o.monitor)), num(o.loading_pct), num(o.base_loading_pct),
                       num(o.flow_mva), num(o.rating_mva), o.pre_existing && !outage_related(o) ? 1 : 0);
  return out;
}

std::string n1_voltage_csv(const ContingencyAnalysis& ca, const ContingencyResults& r) {
  std::string out = "contingency,outage,bus,id,vm_pu,base_vm_pu,vmin_pu,vmax_pu,pre_existing\n";
  for (const auto& v : r.voltage_violations)
    out += fmt::format("{},{},{},{},{},{},{},{}\n", v.contingency + 1, csv_field(outage_name(ca, r, v.contingency)),
                       bus_cells(ca.network(), v.bus), num(v.vm_pu), num(v.base_vm_pu), num(v.vmin_pu), num(v.vmax_pu),
                       v.pre_existing && !outage_related(v) ? 1 : 0);
  return out;
}

std::string n1_islanding_csv(const ContingencyAnalysis& ca, const ContingencyResults& r) {
  std::string out = "contingency,outage,bus,id,load_mw,with_generation\n";
  for (const auto& b : r.islanded)
    out += fmt::format("{},{},{},{},{}\n", b.contingency + 1, csv_field(outage_name(ca, r, b.contingency)),
                       bus_cells(ca.network(), b.bus), num(b.load_mw), b.with_generation ? 1 : 0);
  return out;
}

std::string n1_element_worst_csv(const ContingencyAnalysis& ca, const ContingencyResults& r) {
  std::string out = "element,base_loading_pct,worst_loading_pct,contingency,outage\n";
  for (std::size_t k = 0; k < r.monitor_worst.size(); ++k) {
    const auto& w = r.monitor_worst[k];
    if (w.contingency < 0) continue;
    const auto m = static_cast<std::int32_t>(k);
    out += fmt::format("{},{},{},{},{}\n", csv_field(ca.monitor_label(m)), num(ca.base_loading_pct(m)),
                       num(w.loading_pct), w.contingency + 1, csv_field(outage_name(ca, r, w.contingency)));
  }
  return out;
}

std::string n1_bus_worst_csv(const ContingencyAnalysis& ca, const ContingencyResults& r) {
  const auto& net = ca.network();
  std::string out = "bus,id,base_vm_pu,min_vm_pu,min_outage,max_vm_pu,max_outage\n";
  for (std::size_t i = 0; i < r.bus_worst.size(); ++i) {
    const auto& w = r.bus_worst[i];
    if (w.min_contingency < 0) continue;
    out += fmt::format("{},{},{},{},{},{}\n", bus_cells(net, BusIdx{static_cast<std::int32_t>(i)}), num(ca.base().buses[i].vm_pu), num(w.min_vm_pu),
                       csv_field(outage_name(ca, r, w.min_contingency)), num(w.max_vm_pu),
                       csv_field(outage_name(ca, r, w.max_contingency)));
  }
  return out;
}

const std::vector<std::string>& n1_output_files() {
  static const std::vector<std::string> files = {"contingencies.csv", "overloads.csv",  "voltage_violations.csv",
                                                 "islanding.csv",     "element_worst.csv", "bus_worst.csv",
                                                 "summary.json"};
  return files;
}

void write_n1_outputs(const std::string& dir, const ContingencyAnalysis& ca, const ContingencyResults& r,
                      std::size_t top_n) {
  io::ensure_directory(dir);
  io::write_file_atomic(dir + "/contingencies.csv", n1_contingencies_csv(ca, r));
  io::write_file_atomic(dir + "/overloads.csv", n1_overloads_csv(ca, r));
  io::write_file_atomic(dir + "/voltage_violations.csv", n1_voltage_csv(ca, r));
  io::write_file_atomic(dir + "/islanding.csv", n1_islanding_csv(ca, r));
  io::write_file_atomic(dir + "/element_worst.csv", n1_element_worst_csv(ca, r));
  io::write_file_atomic(dir + "/bus_worst.csv", n1_bus_worst_csv(ca, r));
  io::write_file_atomic(dir + "/summary.json", n1_json(ca, r, top_n).dump(2) + "\n");
}

report::SecuritySummary security_summary(const ContingencyAnalysis& ca, const ContingencyResults& r,
                                         const std::string& selection, std::size_t top) {
  const auto& net = ca.network();
  const auto counts = count_outcomes(r);
  report::SecuritySummary out;
  out.run = true;
  out.selection = selection;
  out.limits = fmt::format("loading {:g} % of the emergency rating, N-1 voltage bands; {}", ca.limits().loading_n1_pct,
                           ca.options().enforce_q_limits ? "reactive limits enforced" : "reactive limits NOT enforced");
  out.contingencies = counts.total;
  out.secure = counts.secure;
  out.islanding_only = counts.islanding_only;
  out.with_violations = counts.with_violations;
  out.only_pre_existing = counts.only_pre_existing;
  out.not_converged = counts.not_converged;
  out.no_supply = counts.no_supply;
  out.lost_load_mw_max = counts.lost_load_mw_max;
  // Per contingency, its findings in the order the lists hold them (overloads highest first).
  std::vector<std::vector<report::N1Finding>> by_c(r.records.size());
  for (const auto& o : r.overloads)
    if (outage_related(o))
      by_c[static_cast<std::size_t>(o.contingency)].push_back(
          {outage_name(ca, r, o.contingency), "overload", ca.monitor_label(o.monitor), o.loading_pct, ca.limits().loading_n1_pct,
           o.base_loading_pct});
  for (const auto& v : r.voltage_violations)
    if (outage_related(v)) {
      const bool low = v.vm_pu < v.vmin_pu;
      const auto& bus = net.bus(v.bus);
      by_c[static_cast<std::size_t>(v.contingency)].push_back(
          {outage_name(ca, r, v.contingency), low ? "undervoltage" : "overvoltage",
           bus.name.empty() ? fmt::format("bus {}", bus.id) : bus.name, v.vm_pu, low ? v.vmin_pu : v.vmax_pu,
           v.base_vm_pu});
    }
  for (const auto c : rank_contingencies(ca, r)) {
    const auto& rec = r.records[static_cast<std::size_t>(c)];
    auto& list = by_c[static_cast<std::size_t>(c)];
    const std::string name = outage_name(ca, r, c);
    if (rec.outcome == Outcome::NotConverged) list.insert(list.begin(), {name, "not converged", "the power flow"});
    if (rec.outcome == Outcome::NoSupply)
      list.insert(list.begin(), {name, "no supply", "the whole island", rec.lost_load_mw});
    if (rec.outcome == Outcome::Solved && rec.lost_load_mw > 0.0)
      list.push_back({name, "load lost", "islanded buses", rec.lost_load_mw});
    for (auto& f : list) {
      ++out.findings;
      if (out.worst.size() < top) out.worst.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace lsflow::study
