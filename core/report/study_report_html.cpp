// StudyReport as a self-contained HTML page (lsflow run --html FILE); the writer is report/html.hpp.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "report/html.hpp"
#include "report/report_map.hpp"
#include "report/study_report.hpp"

namespace lsflow::report {

namespace h = html;

// ---------------------------------------------------------------------------------------------------
// The map (shared with compare: report_map.hpp)

std::string study_map(const StudyReport& r, const std::string& id, const EdgeStyle& style,
                      const std::vector<h::LegendItem>& legend, const NodeStyle& node_style) {
  // Stations: buses at the same coordinates (a substation's voltage levels), else each bus.
  const bool geographic = std::any_of(r.buses.begin(), r.buses.end(), [](const BusState& b) { return !std::isnan(b.lat_deg); });
  if (!geographic && r.buses.size() > kMaxMapBuses)
    return fmt::format("<p class=\"note\">no map: {} buses without coordinates (a force-directed layout is drawn up to "
                       "{})</p>\n",
                       r.buses.size(), kMaxMapBuses);
  std::vector<h::MapNode> nodes;
  std::map<std::string, std::size_t> node_of_bus;
  std::map<std::pair<long long, long long>, std::size_t> node_of_place;
  double lat0 = 0.0;
  std::size_t with = 0;
  for (const auto& b : r.buses)
    if (!std::isnan(b.lat_deg)) {
      lat0 += b.lat_deg;
      ++with;
    }
  if (with) lat0 /= static_cast<double>(with);
  const double kx = std::cos(lat0 * 3.14159265358979 / 180.0);
  // The drawing spans the energised network: a de-energised bus far outside it (an element that may not
  // exist, e.g. a possible tie to a neighbouring province) is left out rather than shrink the map.
  double la0 = 1e9, la1 = -1e9, lo0 = 1e9, lo1 = -1e9;
  for (const auto& b : r.buses)
    if (b.energised && !std::isnan(b.lat_deg)) {
      la0 = std::min(la0, b.lat_deg), la1 = std::max(la1, b.lat_deg);
      lo0 = std::min(lo0, b.lon_deg), lo1 = std::max(lo1, b.lon_deg);
    }
  const double pad_lat = 0.25 * (la1 - la0), pad_lon = 0.25 * (lo1 - lo0);
  auto far_off = [&](const BusState& b) {
    return !b.energised && la1 >= la0 &&
           (b.lat_deg < la0 - pad_lat || b.lat_deg > la1 + pad_lat || b.lon_deg < lo0 - pad_lon || b.lon_deg > lo1 + pad_lon);
  };
  std::vector<std::vector<const BusState*>> members;
  for (const auto& b : r.buses) {
    std::size_t n = 0;
    if (geographic && !std::isnan(b.lat_deg) && far_off(b)) continue;
    if (geographic && !std::isnan(b.lat_deg)) {
      const auto key = std::make_pair(std::llround(b.lat_deg * 1e4), std::llround(b.lon_deg * 1e4));
      auto it = node_of_place.find(key);
      if (it == node_of_place.end()) {
        it = node_of_place.emplace(key, nodes.size()).first;
        h::MapNode nd;
        nd.x = b.lon_deg * kx;
        nd.y = b.lat_deg;
        nodes.push_back(nd);
        members.emplace_back();
      }
      n = it->second;
    } else if (geographic) {
      continue;   // a bus without coordinates in a geographic drawing: left out (its elements too)
    } else {
      n = nodes.size();
      nodes.emplace_back();
      members.emplace_back();
    }
    members[n].push_back(&b);
    node_of_bus[b.name] = n;
  }
  // Node colour: the worst voltage of the station's buses; label: the highest-voltage bus's name.
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    auto& nd = nodes[n];
    const BusState* top = members[n].front();
    const BusState* worst = nullptr;
    std::string title;
    bool any_energised = false;
    for (const auto* b : members[n]) {
      if (b->base_kv > top->base_kv) top = b;
      any_energised = any_energised || b->energised;
      if (b->out_of_band() && (!worst || std::abs(b->deviation_pu) > std::abs(worst->deviation_pu))) worst = b;
      title += fmt::format("{}{} ({} kV): {}{}", title.empty() ? "" : "\n", b->name, h::num(b->base_kv, 0),
                           b->energised ? h::num(b->vm_pu, 4) + " pu, " + h::num(b->v_kv, 2) + " kV" : "not energised",
                           b->has_band() && b->energised
                               ? fmt::format(" (band {}–{} pu{})", h::num(b->vmin_pu, 3), h::num(b->vmax_pu, 3),
                                             b->out_of_band() ? (b->deviation_pu < 0 ? ", LOW" : ", HIGH") : "")
                               : "");
    }
    nd.id = top->name;
    nd.label = top->name;
    nd.title = title;
    nd.fill = !any_energised ? h::kGrey : !worst ? h::kBlue : worst->deviation_pu < 0 ? h::kPurple : h::kRed;
    nd.cls = !worst ? "inband" : worst->deviation_pu < 0 ? "low" : "high";
    nd.radius = top->base_kv >= 200 ? 8.0 : top->base_kv >= 66 ? 6.0 : 4.5;
    if (node_style) node_style(members[n], nd);
  }
  // Edges between stations; transformers within one: the station's ring (its worst loading).
  std::vector<h::MapEdge> edges;
  std::vector<double> ring(nodes.size(), -1.0);
  std::vector<std::string> ring_title(nodes.size());
  for (const auto& e : r.elements) {
    std::vector<std::size_t> ends;
    for (const auto& b : e.buses) {
      auto it = node_of_bus.find(b);
      if (it != node_of_bus.end()) ends.push_back(it->second);
    }
    if (ends.size() < 2) continue;
    const std::string flow = e.energised && !e.ends.empty()
                                 ? fmt::format("P {} MW, S {} MVA", h::num(e.ends[0].p_mw, 1), h::num(e.s_mva, 1))
                                 : std::string("no flow");
    const std::string title =
        fmt::format("{} ({}): {} → {}\n{}{}", e.name, to_string(e.kind), e.buses[0], e.buses[1], flow,
                    e.rated() ? fmt::format(" of {} MVA: {} %", h::num(e.rating_mva, 1), h::num(e.loading_pct, 1)) : ", unrated");
    bool internal = true;
    for (auto n : ends) internal = internal && n == ends[0];
    if (internal) {
      const std::size_t n = ends[0];
      ring_title[n] += "\n" + title;
      if (e.energised && !std::isnan(e.loading_pct)) ring[n] = std::max(ring[n], e.loading_pct);
      continue;
    }
    for (std::size_t k = 1; k < ends.size(); ++k) {
      if (ends[k] == ends[0]) continue;
      h::MapEdge me;
      me.a = ends[0];
      me.b = ends[k];
      me.name = e.name;
      me.title = title;
      me.stroke = e.energised ? h::loading_colour(e.loading_pct, r.loading_limit_pct) : h::kGrey;
      me.dashed = !e.energised;
      me.width = e.kind == ElementKind::Line ? 2.6 : 3.6;
      me.cls = !e.energised ? "off" : std::isnan(e.loading_pct) ? "unrated" : e.loading_pct > r.loading_limit_pct ? "overload" : "ok";
      me.data_value = h::num(e.loading_pct, 1);
      if (style) style(e, me);
      edges.push_back(std::move(me));
    }
  }
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    if (ring[n] < 0.0) continue;
    nodes[n].ring = h::loading_colour(ring[n], r.loading_limit_pct);
    nodes[n].title += "\ntransformers:" + ring_title[n];
  }
  if (!geographic) h::force_layout(nodes, edges);
  return h::network_map(std::move(nodes), edges, legend, id, geographic);
}

namespace {

std::string kind_text(model::GenKind k) { return std::string(model::to_string(k)); }

std::string verdict_box(const StudyReport& r) {
  const bool ok = r.ok();
  return fmt::format("<p class=\"verdict {}\" id=\"verdict\">{}</p>\n", ok ? "ok" : "bad", h::escape(verdict_line(r)));
}

std::string summary_table(const StudyReport& r) {
  h::Table t;
  t.id = "summary";
  t.sortable = false;
  t.headers = {"", "MW", "Mvar"};
  t.numeric = {false, true, true};
  for (const auto& k : r.generation)
    t.rows.push_back({h::escape(kind_text(k.kind) + " (" + std::to_string(k.units) + " units, " + h::num(k.installed_mw, 0) + " MW installed)"),
                      h::num(k.p_mw, 1), h::num(k.q_mvar, 1)});
  t.rows.push_back({h::escape(r.exchange.import_mw >= 0 ? "import from the external grid" : "export to the external grid"),
                    h::num(std::abs(r.exchange.import_mw), 1), h::num(r.exchange.import_mvar, 1)});
  t.rows.push_back({"load", h::num(r.balance.load_mw, 1), h::num(r.balance.load_mvar, 1)});
  t.rows.push_back({"losses", h::num(r.balance.losses_mw, 2), ""});
  return h::table(t);
}

std::string loading_section(const StudyReport& r) {
  std::vector<const ElementLoading*> rated;
  for (const auto& e : r.elements)
    if (e.energised && !std::isnan(e.loading_pct)) rated.push_back(&e);
  std::stable_sort(rated.begin(), rated.end(), [](const auto* a, const auto* b) { return a->loading_pct > b->loading_pct; });
  std::vector<h::Bar> bars;
  for (std::size_t i = 0; i < rated.size() && i < 20; ++i) {
    const auto& e = *rated[i];
    bars.push_back({e.name, e.loading_pct, h::loading_colour(e.loading_pct, r.loading_limit_pct),
                    fmt::format("{}: {} MVA of {} MVA at {}", e.name, h::num(e.s_mva, 1), h::num(e.rating_mva, 1), e.worst_end)});
  }
  std::string s = h::bar_chart(bars, "% of rating", r.loading_limit_pct, "loading-chart");
  h::Table t;
  t.id = "elements";
  t.headers = {"element", "kind", "from", "to", "P from (MW)", "S (MVA)", "rating (MVA)", "loading (%)", "losses (MW)",
               "reverse (MW)"};
  t.numeric = {false, false, false, false, true, true, true, true, true, true};
  for (const auto* ep : rated) {
    const auto& e = *ep;
    std::string to = e.buses.size() > 1 ? e.buses[1] : "";
    if (e.buses.size() > 2) to += " / " + e.buses[2];
    t.rows.push_back({h::escape(e.name), h::escape(std::string(to_string(e.kind))), h::escape(e.buses[0]), h::escape(to),
                      h::num(e.ends[0].p_mw, 1), h::num(e.s_mva, 1), h::num(e.rating_mva, 1), h::num(e.loading_pct, 1),
                      h::num(e.loss_mw, 2), e.reverse_mw >= kReverseFlowMw ? h::num(e.reverse_mw, 1) : ""});
    t.row_class.push_back(e.loading_pct > r.loading_limit_pct ? "bad" : e.loading_pct > 0.8 * r.loading_limit_pct ? "warn" : "");
  }
  return s + h::table(t);
}

std::string voltage_section(const StudyReport& r) {
  std::string s;
  for (const auto& level : r.levels_checked) {
    std::vector<const BusState*> buses;
    for (const auto& b : r.buses)
      if (b.energised && b.level == level) buses.push_back(&b);
    if (buses.empty()) continue;
    std::stable_sort(buses.begin(), buses.end(), [](const auto* a, const auto* b) { return a->vm_pu < b->vm_pu; });
    h::LineChart c;
    c.id = "voltage-" + std::to_string(&level - r.levels_checked.data());
    c.x_label = "buses of " + level + ", lowest voltage first";
    c.y_label = "|V| (pu)";
    c.points = true;
    h::Series ser{level, h::kBlue, {}, {}};
    double lo = 1e9, hi = -1e9;
    for (std::size_t i = 0; i < buses.size(); ++i) {
      ser.x.push_back(static_cast<double>(i + 1));
      ser.y.push_back(buses[i]->vm_pu);
      c.point_titles.push_back(fmt::format("{}: {} pu (band {}–{})", buses[i]->name, h::num(buses[i]->vm_pu, 4),
                                           h::num(buses[i]->vmin_pu, 3), h::num(buses[i]->vmax_pu, 3)));
      lo = std::min(lo, buses[i]->vmin_pu);
      hi = std::max(hi, buses[i]->vmax_pu);
    }
    c.band_lo = lo;
    c.band_hi = hi;
    c.series.push_back(std::move(ser));
    s += fmt::format("<p class=\"text\">{} — {} buses; band {}–{} pu (shaded)</p>\n", h::escape(level), buses.size(),
                     h::num(lo, 3), h::num(hi, 3)) +
         h::line_chart(c);
  }
  return s.empty() ? "<p class=\"note\">no bus with a voltage band</p>\n" : s;
}

std::string violations_section(const StudyReport& r) {
  h::Table t;
  t.id = "violations";
  t.headers = {"type", "element or bus", "value", "limit", "excess", "detail"};
  t.numeric = {false, false, true, true, true, false};
  for (const auto& o : r.overloads) {
    t.rows.push_back({"overload", h::escape(o.element), h::num(o.loading_pct, 1) + " %", h::num(o.limit_pct, 0) + " %",
                      h::num(o.loading_pct - o.limit_pct, 1),
                      h::escape(fmt::format("{} MVA of {} MVA at {}", h::num(o.s_mva, 1), h::num(o.rating_mva, 1), o.worst_end))});
    t.row_class.push_back("bad");
  }
  for (const auto& v : r.voltage_violations) {
    t.rows.push_back({v.low() ? "undervoltage" : "overvoltage", h::escape(v.bus), h::num(v.vm_pu, 4) + " pu",
                      h::num(v.limit_pu(), 3) + " pu", h::num(std::abs(v.deviation_pu), 4),
                      h::escape(fmt::format("{} kV, {}", h::num(v.v_kv, 2), v.level))});
    t.row_class.push_back("bad");
  }
  for (const auto& q : r.q_limit_breaches) {
    t.rows.push_back({"beyond Q limit", h::escape(q.generator), h::num(q.q_mvar, 1) + " Mvar",
                      h::num(q.q_mvar > q.qmax_mvar ? q.qmax_mvar : q.qmin_mvar, 1) + " Mvar", h::num(q.excess_mvar(), 1),
                      "reactive limits not enforced"});
    t.row_class.push_back("warn");
  }
  if (t.rows.empty()) return "<p class=\"text\">none in normal operation</p>\n";
  return h::table(t);
}

std::string generators_section(const StudyReport& r) {
  h::Table t;
  t.id = "generators";
  t.headers = {"generator", "kind", "bus", "installed (MW)", "P (MW)", "Q (Mvar)", "Q min", "Q max", "at Q limit"};
  t.numeric = {false, false, false, true, true, true, true, true, false};
  for (const auto& g : r.generators) {
    if (!g.energised) continue;
    t.rows.push_back({h::escape(g.name), h::escape(kind_text(g.kind)), h::escape(g.bus), h::num(g.installed_mw, 1),
                      h::num(g.p_mw, 1), h::num(g.q_mvar, 1), h::num(g.qmin_mvar, 1), h::num(g.qmax_mvar, 1),
                      g.at_q_limit ? "yes" : ""});
    t.row_class.push_back(g.at_q_limit ? "warn" : "");
  }
  return h::table(t);
}

std::string n1_section(const StudyReport& r) {
  const auto& n = r.n1;
  std::string s = fmt::format("<p class=\"text\">{} contingencies ({}): {} secure, {} islanding without violations, {} with "
                              "new or worse violations or load lost, {} with only the base case's violations, {} not "
                              "converging, {} leaving no supply. {}</p>\n",
                              n.contingencies, h::escape(n.selection), n.secure, n.islanding_only, n.with_violations,
                              n.only_pre_existing, n.not_converged, n.no_supply, h::escape(n.limits));
  if (n.worst.empty()) return s;
  h::Table t;
  t.id = "n1";
  t.headers = {"outage", "violation", "element or bus", "after", "base case", "limit"};
  t.numeric = {false, false, false, true, true, true};
  for (const auto& f : n.worst) {
    const bool pct = f.what == "overload";
    t.rows.push_back({h::escape(f.contingency), h::escape(f.what), h::escape(f.element), h::num(f.value, pct ? 1 : 4),
                      h::num(f.base_value, pct ? 1 : 4), h::num(f.limit, pct ? 0 : 3)});
    t.row_class.push_back("bad");
  }
  return s + h::table(t);
}

std::string curtailment_section(const StudyReport& r) {
  const auto& c = r.curtailment;
  std::string s = fmt::format("<p class=\"text\">{} MW of {} MW of wind curtailed ({}); {}.</p>\n", h::num(c.curtailed_mw, 1),
                              h::num(c.wind_before_mw, 1), c.n1 ? "N-1 secure" : "normal operation",
                              c.resolved ? "every violation curtailment can remove is gone" : "not every violation removed");
  std::vector<h::Bar> bars;
  for (const auto& u : c.units)
    bars.push_back({u.name, u.curtailed_mw(), h::kRed, fmt::format("{} at {}: {} → {} MW", u.name, u.bus,
                                                                   h::num(u.p_before_mw, 1), h::num(u.p_after_mw, 1))});
  s += h::bar_chart(bars, "MW curtailed", h::kNaN, "curtailment-chart");
  if (!c.binding.empty()) {
    std::string b;
    for (const auto& x : c.binding) b += (b.empty() ? "" : ", ") + x;
    s += "<p class=\"text\">binding: " + h::escape(b) + "</p>\n";
  }
  if (!c.remaining.empty()) {
    std::string b;
    for (const auto& x : c.remaining) b += (b.empty() ? "" : "; ") + x;
    s += "<p class=\"text\">not removable by curtailing wind: " + h::escape(b) + "</p>\n";
  }
  return s;
}

}  // namespace

std::string study_report_html(const StudyReport& r) {
  h::Page page(fmt::format("lsflow run — {}{}", r.scenario, r.study_year ? fmt::format(" ({})", r.study_year) : ""),
               r.description.empty() ? r.scenario_file : r.description + " — " + r.scenario_file);
  if (!r.converged()) {
    page.section("Verdict", verdict_box(r) + "<pre>" + h::escape(convergence_failure_text(r)) + "</pre>", "verdict-section");
    return page.render();
  }
  page.section("Verdict",
               verdict_box(r) + fmt::format("<p class=\"text\">{}; {}</p>\n", h::escape(r.base_case),
                                            h::escape(r.limits + " (" + r.limits_file + ")")) +
                   summary_table(r),
               "verdict-section");
  auto legend = h::loading_legend();
  for (auto& v : h::voltage_legend()) legend.push_back(v);
  page.section("Network map — lines and transformers by loading, substations by voltage",
               study_map(r, "map", {}, legend) +
                   "<p class=\"note\">Hover an element or a substation for its values; a ring is the worst loading of "
                   "the transformers inside a substation.</p>\n",
               "map-section");
  page.section("Most loaded lines and transformers", loading_section(r), "loading-section");
  page.section("Voltage profile by level", voltage_section(r), "voltage-section");
  page.section("Violations (normal operation)", violations_section(r), "violations-section");
  if (r.n1.run) page.section("N-1 security", n1_section(r), "n1-section");
  if (r.curtailment.run) page.section("Wind curtailment", curtailment_section(r), "curtailment-section");
  page.section("Generators in service", generators_section(r), "generators-section");
  return page.render();
}

}  // namespace lsflow::report
