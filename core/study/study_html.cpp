// N-1, time series and hosting capacity as HTML pages (study_html.hpp).
#include "study/study_html.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "report/html.hpp"
#include "report/report_map.hpp"
#include "study/curtailment.hpp"
#include "study/n1_report.hpp"

namespace lsflow::study {

namespace h = report::html;

report::ReportLimits report_limits_of(const model::Network& net, const ContingencyLimits& limits) {
  report::ReportLimits r;
  r.name = limits.source;
  r.loading_max_pct = limits.loading_normal_pct;
  r.levels = {"band"};
  for (std::size_t i = 0; i < net.buses.size(); ++i) {
    const auto& b = limits.band_normal[i];
    if (b) r.band_of_bus.push_back(report::BusBand{"band", b->vmin_pu, b->vmax_pu});
    else r.band_of_bus.push_back(std::nullopt);
  }
  return r;
}

namespace {

std::vector<h::LegendItem> map_legend() {
  auto legend = h::loading_legend();
  for (auto& v : h::voltage_legend()) legend.push_back(v);
  return legend;
}

// A colour for hosting MW: red at 0, orange, light green, green from `good` on.
std::string mw_colour(double mw, double good) {
  if (std::isnan(mw)) return h::kGrey;
  if (mw >= good) return "#1a9850";
  if (mw >= 0.5 * good) return "#8cc63f";
  if (mw >= 0.2 * good) return "#f29e38";
  return h::kRed;
}

}  // namespace

std::string n1_html(const ContingencyAnalysis& ca, const ContingencyResults& r, const report::StudyReport& base,
                    std::size_t top_n) {
  const auto& net = ca.network();
  const auto counts = count_outcomes(r);
  h::Page page("lsflow n1 — " + net.name, ca.limits().source);
  page.section("Outcome",
               fmt::format("<p class=\"verdict {}\">{} contingencies: {} secure, {} islanding without violations, {} with new "
                           "or worsened violations or load lost, {} with only the base case's violations, {} did NOT "
                           "converge, {} left no supply</p>\n<p class=\"text\">{}</p>\n",
                           counts.with_violations + counts.not_converged + counts.no_supply == 0 ? "ok" : "bad", counts.total,
                           counts.secure, counts.islanding_only, counts.with_violations, counts.only_pre_existing,
                           counts.not_converged, counts.no_supply, h::escape(ca.note())),
               "outcome");
  // Per contingency, what it overloads (new or worse).
  std::vector<std::vector<std::string>> overloads(r.records.size());
  for (const auto& o : r.overloads)
    if (outage_related(o))
      overloads[static_cast<std::size_t>(o.contingency)].push_back(
          fmt::format("{} {} %", ca.monitor_label(o.monitor), h::num(o.loading_pct, 1)));
  for (const auto& v : r.voltage_violations)
    if (outage_related(v))
      overloads[static_cast<std::size_t>(v.contingency)].push_back(
          fmt::format("{} {} pu", net.bus(v.bus).name.empty() ? std::to_string(net.bus(v.bus).id) : net.bus(v.bus).name,
                      h::num(v.vm_pu, 4)));
  const auto order = rank_contingencies(ca, r);
  std::vector<h::Bar> bars;
  h::Table t;
  t.id = "ranking";
  t.headers = {"#", "outage", "result", "max loading (%)", "on", "min V (pu)", "new or worse violations"};
  t.numeric = {true, false, false, true, false, true, false};
  std::size_t shown = 0;
  for (auto c : order) {
    const auto& rec = r.records[static_cast<std::size_t>(c)];
    const std::string outage = element_label(net, r.contingencies[static_cast<std::size_t>(c)].element);
    const bool bad = rec.outcome != Outcome::Solved || rec.new_violations + rec.worsened_violations > 0 || rec.lost_load_mw > 0;
    if (shown < top_n) {
      std::string list;
      for (const auto& x : overloads[static_cast<std::size_t>(c)]) list += (list.empty() ? "" : "; ") + x;
      if (rec.lost_load_mw > 0) list += fmt::format("{}{} MW of load lost", list.empty() ? "" : "; ", h::num(rec.lost_load_mw, 1));
      const std::string result = rec.outcome == Outcome::NotConverged ? "NOT CONVERGED"
                                 : rec.outcome == Outcome::NoSupply   ? "NO SUPPLY"
                                 : bad                                ? "violations"
                                 : rec.violations() > 0               ? "pre-existing only"
                                 : rec.islanding                      ? "islanding"
                                                                      : "secure";
      t.rows.push_back({std::to_string(shown + 1), h::escape(outage), result, h::num(rec.max_loading_pct, 1),
                        rec.max_loading_monitor >= 0 ? h::escape(ca.monitor_label(rec.max_loading_monitor)) : "",
                        h::num(rec.min_vm_pu, 4), h::escape(list)});
      t.row_class.push_back(bad ? "bad" : "");
      if (bars.size() < 25 && !std::isnan(rec.max_loading_pct))
        bars.push_back({outage, rec.max_loading_pct, h::loading_colour(rec.max_loading_pct, ca.limits().loading_n1_pct),
                        fmt::format("{} out: {} at {} %", outage,
                                    rec.max_loading_monitor >= 0 ? ca.monitor_label(rec.max_loading_monitor) : "",
                                    h::num(rec.max_loading_pct, 1))});
      ++shown;
    }
  }
  page.section("Contingencies, worst first — the highest loading after each (% of the emergency rating)",
               h::bar_chart(bars, "% of the emergency rating", ca.limits().loading_n1_pct, "ranking-chart") + h::table(t),
               "ranking-section");
  // The map: each element by its worst loading over the contingencies.
  const auto nb = net.branches.size();
  std::map<std::string, std::pair<double, std::int32_t>> worst;
  for (std::size_t k = 0; k < base.elements.size(); ++k) {
    double w = h::kNaN;
    std::int32_t c = -1;
    auto take = [&](std::size_t mon) {
      const auto& mw = r.monitor_worst[mon];
      if (mw.contingency >= 0 && !(mw.loading_pct <= w)) {
        w = mw.loading_pct;
        c = mw.contingency;
      }
    };
    if (k < nb) take(k);
    else
      for (std::size_t j = 0; j < 3; ++j) take(nb + 3 * (k - nb) + j);
    worst[base.elements[k].name] = {w, c};
  }
  const report::EdgeStyle style = [&](const report::ElementLoading& e, h::MapEdge& me) {
    const auto it = worst.find(e.name);
    if (it == worst.end() || std::isnan(it->second.first)) return;
    me.stroke = h::loading_colour(it->second.first, ca.limits().loading_n1_pct);
    me.data_value = h::num(it->second.first, 1);
    me.cls = it->second.first > ca.limits().loading_n1_pct ? "overload" : "ok";
    me.title += fmt::format("\nworst after a contingency: {} % with {} out", h::num(it->second.first, 1),
                            element_label(net, r.contingencies[static_cast<std::size_t>(it->second.second)].element));
  };
  page.section("Map — each line and transformer by its worst loading after any contingency",
               report::study_map(base, "map", style, map_legend()), "map-section");
  return page.render();
}

std::string timeseries_html(const TimeSeries& ts, const TimeSeriesResult& r, const std::vector<std::vector<float>>& loading,
                            const report::StudyReport& base, const std::string& name, const YearN1Curtailment* n1) {
  const auto& net = ts.network();
  const double limit = ts.limits().loading_normal_pct;
  h::Page page("lsflow timeseries — " + name,
               fmt::format("{} hours of {} ({} converged); reactive limits {}; {}", r.hours_run, ts.profiles().source_file,
                           r.hours_converged, ts.options().enforce_q_limits ? "enforced" : "not enforced",
                           ts.options().curtail ? "wind curtailed to remove N-0 violations" : "no curtailment"));
  page.section("Outcome",
               fmt::format("<p class=\"verdict {}\">{} hours with an overload, {} with a bus outside its band{}</p>\n",
                           r.hours_with_overload + r.hours_with_voltage_violation == 0 ? "ok" : "bad", r.hours_with_overload,
                           r.hours_with_voltage_violation,
                           ts.options().curtail
                               ? fmt::format("; {} GWh of wind curtailed ({} % of {} GWh on offer) in {} hours",
                                             h::num(r.curtailed_mwh / 1e3, 2),
                                             h::num(r.wind_available_mwh > 0 ? 100 * r.curtailed_mwh / r.wind_available_mwh : 0, 1),
                                             h::num(r.wind_available_mwh / 1e3, 2), r.hours_curtailed)
                               : ""),
               "outcome");
  // Duration curves of the eight most loaded elements.
  std::vector<std::size_t> order;
  for (std::size_t e = 0; e < r.elements.size(); ++e)
    if (!std::isnan(r.elements[e].max_loading_pct) && e < loading.size() && !loading[e].empty()) order.push_back(e);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return r.elements[a].max_loading_pct > r.elements[b].max_loading_pct; });
  static const char* kColours[8] = {"#d73027", "#f46d43", "#fdae61", "#1a9850", "#2b6cb0", "#7b3294", "#8c564b", "#555555"};
  h::LineChart dc;
  dc.id = "duration";
  dc.x_label = "% of the hours (loading at least this high)";
  dc.y_label = "loading (% of rating)";
  dc.hline = limit;
  dc.y_min = 0.0;
  for (std::size_t i = 0; i < order.size() && i < 8; ++i) {
    std::vector<float> v = loading[order[i]];
    std::sort(v.begin(), v.end(), std::greater<>());
    h::Series s{ts.element_label(order[i]), kColours[i], {}, {}};
    const std::size_t n = v.size(), step = std::max<std::size_t>(1, n / 600);
    for (std::size_t k = 0; k < n; k += step) {
      s.x.push_back(100.0 * static_cast<double>(k) / static_cast<double>(n));
      s.y.push_back(v[k]);
    }
    s.x.push_back(100.0);
    s.y.push_back(v.back());
    dc.series.push_back(std::move(s));
  }
  page.section("Loading duration curves — the eight most loaded lines and transformers", h::line_chart(dc), "duration-section");
  // Heat map: hour of day × day, the hour's worst loading.
  {
    const std::size_t days = (r.hourly.size() + 23) / 24;
    std::vector<std::vector<double>> v(24, std::vector<double>(days, h::kNaN));
    for (std::size_t k = 0; k < r.hourly.size(); ++k) {
      const std::size_t hour = r.first_hour + k;
      if (r.hourly[k].converged) v[hour % 24][k / 24] = r.hourly[k].max_loading_pct;
    }
    page.section("The worst loading of each hour — hour of the day (rows) by day (columns)",
                 h::heatmap(v, "hour of the day", "day of the run", limit, "heatmap") +
                     "<p class=\"note\">Colours as on the map: red above the loading limit; grey: not converged.</p>\n",
                 "heatmap-section");
  }
  // Energy by source.
  {
    std::vector<h::Bar> bars;
    for (std::size_t k = 0; k < r.energy_by_kind_mwh.size(); ++k) {
      const auto kind = static_cast<model::GenKind>(k);
      if (kind == model::GenKind::Grid) continue;
      if (r.energy_by_kind_mwh[k] == 0.0) continue;
      bars.push_back({std::string(model::to_string(kind)), r.energy_by_kind_mwh[k] / 1e3, h::kBlue,
                      fmt::format("{}: {} GWh", model::to_string(kind), h::num(r.energy_by_kind_mwh[k] / 1e3, 2))});
    }
    bars.push_back({"grid import", r.grid_import_mwh / 1e3, "#8c564b", fmt::format("{} GWh", h::num(r.grid_import_mwh / 1e3, 2))});
    bars.push_back({"grid export", r.grid_export_mwh / 1e3, "#555555", fmt::format("{} GWh", h::num(r.grid_export_mwh / 1e3, 2))});
    bars.push_back({"losses", r.losses_mwh / 1e3, h::kRed, fmt::format("{} GWh", h::num(r.losses_mwh / 1e3, 2))});
    if (ts.options().curtail)
      bars.push_back({"wind curtailed", r.curtailed_mwh / 1e3, "#f29e38", fmt::format("{} GWh", h::num(r.curtailed_mwh / 1e3, 2))});
    page.section("Energy by source (GWh)", h::bar_chart(bars, "GWh", h::kNaN, "energy-chart"), "energy-section");
  }
  if (ts.options().curtail) {
    std::vector<h::Bar> bars;
    for (std::size_t g = 0; g < r.gens.size(); ++g) {
      const double n0 = r.gens[g].curtailed_mwh, extra = n1 ? n1->gen_curtailed_mwh[g] : 0.0;
      if (n0 + extra <= 0.0) continue;
      h::Bar b{net.generators[g].name, n0 / 1e3, "#f29e38",
               fmt::format("{}: {} GWh curtailed in {} hours", net.generators[g].name, h::num(n0 / 1e3, 2), r.gens[g].curtailed_hours)};
      if (n1) {
        b.value2 = (n0 + extra) / 1e3;
        b.colour2 = h::kRed;
        b.title += fmt::format("; N-1 secure: {} GWh", h::num((n0 + extra) / 1e3, 2));
      }
      bars.push_back(std::move(b));
    }
    std::stable_sort(bars.begin(), bars.end(), [](const auto& a, const auto& b) { return a.value > b.value; });
    std::string body = h::bar_chart(bars, "GWh curtailed", h::kNaN, "curtailment-chart");
    if (n1) body += "<p class=\"note\">Thin red bar: with N-1-secure curtailment (--curtail n1).</p>\n";
    h::Table t;
    t.id = "binding";
    t.headers = {"element or bus", "hours it made wind be curtailed"};
    t.numeric = {false, true};
    for (std::size_t e = 0; e < r.elements.size(); ++e)
      if (r.elements[e].curtail_hours > 0) t.rows.push_back({h::escape(ts.element_label(e)), std::to_string(r.elements[e].curtail_hours)});
    for (std::size_t i = 0; i < r.buses.size(); ++i)
      if (r.buses[i].curtail_hours > 0)
        t.rows.push_back({h::escape(net.buses[i].name + " (voltage)"), std::to_string(r.buses[i].curtail_hours)});
    page.section("Wind curtailment per farm", body + h::table(t), "curtailment-section");
  }
  {
    h::Table t;
    t.id = "reverse";
    t.headers = {"transformer", "hours with reverse flow", "max (MW)", "at hour"};
    t.numeric = {false, true, true, true};
    for (std::size_t e = 0; e < r.elements.size(); ++e)
      if (r.elements[e].reverse_hours > 0)
        t.rows.push_back({h::escape(ts.element_label(e)), std::to_string(r.elements[e].reverse_hours),
                          h::num(r.elements[e].max_reverse_mw, 1), std::to_string(r.elements[e].max_reverse_hour)});
    page.section("Reverse flow through transformers (power sent up from the lower-voltage side)",
                 t.rows.empty() ? "<p class=\"text\">none</p>\n" : h::table(t), "reverse-section");
  }
  const report::EdgeStyle style = [&](const report::ElementLoading& e, h::MapEdge& me) {
    const auto idx = static_cast<std::size_t>(&e - base.elements.data());
    if (idx >= r.elements.size()) return;
    const auto& st = r.elements[idx];
    me.stroke = h::loading_colour(st.max_loading_pct, limit);
    me.data_value = h::num(st.max_loading_pct, 1);
    me.cls = st.max_loading_pct > limit ? "overload" : "ok";
    me.title += fmt::format("\nover the run: max {} % (hour {}), {} hours above the limit", h::num(st.max_loading_pct, 1),
                            st.max_hour, st.hours_over);
  };
  page.section("Map — each line and transformer by its maximum loading over the run",
               report::study_map(base, "map", style, map_legend()), "map-section");
  return page.render();
}

std::string hosting_html(const HostingStudy& st, const report::StudyReport& base, const std::string& name) {
  h::Page page("lsflow hosting — " + name, st.limits_source);
  std::vector<h::Bar> bars;
  double good = 1.0;
  std::map<std::string, const HostingResult*> by_bus;
  for (const auto& r : st.buses) {
    if (!r.evaluated) continue;
    by_bus[r.name] = &r;
    good = std::max(good, r.normal_mw);
  }
  good = std::min(good, 300.0);
  for (const auto& r : st.buses) {
    if (!r.evaluated) continue;
    h::Bar b{r.name, r.normal_mw, h::kBlue,
             fmt::format("{}: {} MW normal ({}), {} MW N-1 ({})", r.name, h::num(r.normal_mw, 0), r.normal.text(),
                         h::num(r.n1_mw, 0), r.n1.text())};
    if (st.options.n1) {
      b.value2 = r.n1_mw;
      b.colour2 = mw_colour(r.n1_mw, good);
    }
    bars.push_back(std::move(b));
  }
  std::string body = h::bar_chart(bars, "MW of wind added at the bus", h::kNaN, "hosting-chart") +
                     "<p class=\"note\">Blue: normal operation; the thin bar under it: N-1 (red: little, green: much).</p>\n";
  if (st.options.fleet && st.fleet.evaluated) {
    const auto& f = st.fleet;
    body += fmt::format("<p class=\"verdict\">The wind fleet as a whole ({} MW installed): {} MW N-0 (export {} MW), {} MW N-1 "
                        "(export {} MW)</p>\n",
                        h::num(f.installed_mw, 0), h::num(f.mw.normal_mw, 0), h::num(f.normal_export_mw, 0),
                        h::num(f.mw.n1_mw, 0), h::num(f.n1_export_mw, 0));
  }
  page.section("Hosting capacity per bus", body, "hosting-section");
  const report::NodeStyle node = [&](const std::vector<const report::BusState*>& members, h::MapNode& nd) {
    for (const auto* b : members) {
      const auto it = by_bus.find(b->name);
      if (it == by_bus.end()) continue;
      const auto& r = *it->second;
      const double mw = st.options.n1 ? r.n1_mw : r.normal_mw;
      nd.fill = mw_colour(mw, good);
      nd.radius = 5.0 + 7.0 * std::min(1.0, mw / good);
      nd.title += fmt::format("\nhosting at {}: {} MW normal, {} MW N-1", r.name, h::num(r.normal_mw, 0), h::num(r.n1_mw, 0));
      nd.cls = "hosting";
      return;
    }
  };
  std::vector<h::LegendItem> legend = {{"#1a9850", fmt::format("≥ {} MW", h::num(good, 0)), false},
                                             {"#8cc63f", fmt::format("≥ {} MW", h::num(0.5 * good, 0)), false},
                                             {"#f29e38", fmt::format("≥ {} MW", h::num(0.2 * good, 0)), false},
                                             {h::kRed, "less", false},
                                             {h::kGrey, "not a candidate", false}};
  for (auto& l : h::loading_legend()) legend.push_back(l);   // the lines: the 0 MW case's loading
  page.section(st.options.n1 ? "Map — each candidate bus by its N-1 hosting capacity" : "Map — each candidate bus by its hosting capacity",
               report::study_map(base, "map", {}, legend, node), "map-section");
  h::Table t;
  t.id = "hosting";
  t.headers = {"bus", "kV", "zone", "normal (MW)", "binding", "N-1 (MW)", "binding under N-1"};
  t.numeric = {false, true, false, true, false, true, false};
  for (const auto& r : st.buses)
    t.rows.push_back({h::escape(r.name), h::num(r.base_kv, 0), h::escape(r.zone), h::num(r.normal_mw, 0),
                      h::escape(r.evaluated ? r.normal.text() : r.failure), h::num(r.n1_mw, 0), h::escape(r.n1.text())});
  std::string existing;
  for (const auto& e : st.existing) existing += "<li>" + h::escape(e) + "</li>";
  page.section("Per bus", h::table(t) + (existing.empty() ? "" : "<p class=\"text\">Violations already there with 0 MW added (they "
                                                                   "do not bind):</p><ul>" + existing + "</ul>"),
               "table-section");
  return page.render();
}

}  // namespace lsflow::study
