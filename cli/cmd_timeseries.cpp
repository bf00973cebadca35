// lsflow timeseries SCENARIO --profiles FILE [--out DIR] [--format text|json] [--top N] [--hours A-B]
//                   [--tol PU] [--max-iter N] [--no-chord] [--fixed-taps] [--threads N] [--no-progress]
//
// --threads N cuts the year into N chunks solved side by side (each with a 24-hour lead-in; see
// TimeSeriesOptions::threads); the default, 1, is the strict hour-by-hour chain.
//
// One AC power flow per hour of the profile (core/study/timeseries.hpp says what changes per hour and
// how the hours are solved). SCENARIO is a scenario file (.yaml; its limits file gives the bands) or a
// MATPOWER case (.m; 0.90–1.10 pu and 100 % of rate A). Reports per line/transformer the maximum loading
// and its hour, the hours above the loading limit, energy losses; per bus the hours outside its band;
// energy by source; the hours that did not converge.
//
// Exit status: 0 done (also with violations or hours that did not converge: the report lists them),
// 2 bad input or options, 3 not a single hour converged, 130 interrupted (Ctrl-C) — then no result file
// is written and the results an earlier run left in DIR are removed.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include "commands.hpp"
#include "io/assumptions.hpp"
#include "report/text_table.hpp"
#include "common/errors.hpp"
#include "io/atomic_file.hpp"
#include "io/read_network.hpp"
#include "report/study_report.hpp"
#include "study/apply_scenario.hpp"
#include "study/contingency.hpp"
#include "study/curtailment.hpp"
#include "study/limits.hpp"
#include "study/profiles.hpp"
#include "study/progress.hpp"
#include "study/scenario.hpp"
#include "study/study_html.hpp"
#include "study/timeseries.hpp"

namespace lsflow::cli {

namespace {

using report::fixed;
using report::TextTable;

const std::vector<std::string>& timeseries_files() {
  static const std::vector<std::string> files = {"timeseries_elements.csv",   "timeseries_buses.csv",
                                                 "timeseries_generators.csv", "timeseries_hourly.csv",
                                                 "timeseries_taps.csv",       "timeseries_summary.json"};
  return files;
}

// The study case with the notes a time series adds.
struct Case : StudyCase {
  std::vector<std::string> notes;
};

Case load_case(const std::string& path, const io::Choices& choices) {
  Case c;
  static_cast<StudyCase&>(c) = load_study_case(path, choices);
  if (!c.scenario) return c;
  const study::Scenario& s = *c.scenario;
  c.limits_text = fmt::format("{}; loading limit {:g} % of rating", c.contingency_limits.source,
                              c.contingency_limits.loading_normal_pct);
  // Load columns are per unit of the scenario's load: a scenario that already scales its load to a
  // light-load level gets scaled twice.
  bool scaled = s.load.level_pct.is_set() && s.load.level_pct.value_or(100.0) != 100.0;
  for (const auto& [cat, v] : s.load.level_by_category_pct) scaled = scaled || v.value_or(100.0) != 100.0;
  if (scaled)
    c.notes.push_back(
        fmt::format("the scenario sets a load level other than 100 % ({}): the profile's load columns "
                    "multiply that level again; the shipped profiles are made for a peak scenario",
                    s.load.level_pct.loc.str().empty() ? s.source_file : s.load.level_pct.loc.str()));
  return c;
}

std::string element_kind(const model::Network& net, std::size_t e) {
  if (e >= net.branches.size()) return "transformer3w";
  return net.branches[e].kind == model::BranchKind::Line ? "line" : "transformer";
}

std::string element_ends(const model::Network& net, std::size_t e, bool to) {
  if (e < net.branches.size()) return net.bus(to ? net.branches[e].to : net.branches[e].from).name;
  const auto& t = net.transformers3w[e - net.branches.size()];
  return to ? net.bus(t.mv_bus).name + " / " + net.bus(t.lv_bus).name : net.bus(t.hv_bus).name;
}

double element_rating(const model::Network& net, std::size_t e) {
  if (e < net.branches.size()) return net.branches[e].rate_a_mva;
  const auto& t = net.transformers3w[e - net.branches.size()];
  return std::max({t.sn_hv_mva, t.sn_mv_mva, t.sn_lv_mva});
}

std::string bus_name(const model::Network& net, std::size_t i) {
  const auto& b = net.buses[i];
  return b.name.empty() ? std::to_string(b.id) : b.name;
}

double mean_loading(const study::ElementStats& s, std::size_t hours) {
  return std::isnan(s.max_loading_pct) || hours == 0 ? report::kNaN
                                                     : s.sum_loading_pct / static_cast<double>(hours);
}

std::string when(std::int32_t hour, bool leap) {
  return hour < 0 ? std::string("—") : study::hour_label(static_cast<std::size_t>(hour), leap);
}

// The year the profile's hour 0 falls in, for ISO 8601 times in the CSV files: the study year, else a
// common year of the profile's length (2001, or 2000 for 8,784 hours).
int profile_year(const Case& c, bool leap) { return c.study_year > 0 ? c.study_year : leap ? 2000 : 2001; }
std::string iso(std::int32_t hour, int year) {
  return hour < 0 ? std::string() : study::hour_iso(static_cast<std::size_t>(hour), year);
}

// Installed MW per kind among the in-service, energised units (for capacity factors).
std::array<double, 6> installed_by_kind(const model::Network& net, const study::TimeSeriesResult& r) {
  std::array<double, 6> out{};
  for (std::size_t g = 0; g < net.generators.size(); ++g) {
    const auto& gen = net.generators[g];
    if (!gen.in_service || std::isnan(r.gens[g].max_mw)) continue;
    out[static_cast<std::size_t>(gen.kind)] += gen.installed_mw > 0.0 ? gen.installed_mw : gen.pmax_mw;
  }
  return out;
}

// ---- text

std::string render_text(const Case& c, const study::TimeSeries& ts, const study::TimeSeriesResult& r,
                        std::size_t top, bool wide, const study::TimeSeriesOptions& opt,
                        const study::YearN1Curtailment* n1) {
  const std::size_t width = wide ? 0 : report::kTextWidth;
  auto table = [&] {
    TextTable t;
    t.set_max_width(width);
    return t;
  };
  const auto& net = c.net;
  const auto& prof = ts.profiles();
  const bool leap = prof.hours == 8784;
  const std::size_t hc = r.hours_converged;
  std::string s;
  s += fmt::format("lsflow timeseries — {} '{}'{}\n", c.study_year ? "scenario" : "case", c.name,
                   c.study_year ? fmt::format(", study year {}", c.study_year) : "");
  auto field = [&](const char* label, const std::string& text) {
    s += report::wrap_text(text, width, fmt::format("  {:<10}", label), "            ");
  };
  field("file", c.path);
  if (!c.description.empty()) field("about", c.description);
  field("network", fmt::format("{}: {} buses, {} branches, {} three-winding transformers, {} generators, {} loads",
                               net.name, net.buses.size(), net.branches.size(), net.transformers3w.size(),
                               net.generators.size(), net.loads.size()));
  field("limits", c.limits_text);
  if (const auto as = io::describe_choices(c.assumptions()); !as.empty()) field("assume", as);
  field("solve", fmt::format("every hour: reactive limits {}; automatic tap changers {}; wind curtailment {}",
                             opt.enforce_q_limits ? "enforced" : "NOT enforced (--no-q-limits)",
                             opt.tap_control ? "acting" : "held (--fixed-taps)",
                             opt.curtail ? "to remove every N-0 overload and voltage violation it can (--curtail)"
                                         : "none (--curtail finds the least that removes the violations)"));
  s += fmt::format(
      "  profiles  {}: {} hours{}, {} columns\n", prof.source_file, prof.hours,
      prof.hours == 8760 || prof.hours == 8784 ? "" : " (not a year: energies are over these hours)",
      prof.columns.size());
  for (const auto& u : ts.column_use()) {
    const auto& col = prof.columns[u.column];
    if (u.loads + u.generators == 0) continue;
    s += fmt::format("    {:<22} {:>3} {:<10} {:>8.1f} MW {}   mean {:.3f}, max {:.3f}\n", col.name,
                     u.loads + u.generators,
                     u.loads ? (u.loads == 1 ? "load" : "loads") : (u.generators == 1 ? "unit" : "units"),
                     u.base_mw, u.loads ? "load " : "inst.", prof.mean(u.column), prof.max(u.column));
  }
  for (const auto& n : ts.notes()) s += fmt::format("    note: {}\n", n);
  for (const auto& n : c.notes) s += fmt::format("    WARNING: {}\n", n);
  const double per_hour_us = r.hours_run ? 1e6 * r.elapsed_s / static_cast<double>(r.hours_run) : 0.0;
  s += fmt::format(
      "  solved    {} of {} hours in {:.3f} s ({:.0f} µs per hour; setup {:.1f} ms{}): {} Newton iterations, "
      "{} chord steps, {} restart{}\n",
      hc, r.hours_run, r.elapsed_s, per_hour_us, r.setup_ms,
      r.threads > 1 ? fmt::format("; {} chunks side by side, {} lead-in hours", r.threads, r.lead_in_hours)
                    : "",
      r.newton_iterations, r.chord_iterations, r.restarts, r.restarts == 1 ? "" : "s");
  if (r.not_converged.empty()) {
    s += "  not converged: none\n";
  } else {
    std::string list;
    for (std::size_t i = 0; i < r.not_converged.size() && i < 24; ++i)
      list += fmt::format("{}{} ({})", i ? ", " : "", r.not_converged[i], when(r.not_converged[i], leap));
    if (r.not_converged.size() > 24)
      list += fmt::format(" and {} more (timeseries_hourly.csv)", r.not_converged.size() - 24);
    s += fmt::format("  NOT CONVERGED: {} hour{}, left out of every figure below: {}\n",
                     r.not_converged.size(), r.not_converged.size() == 1 ? "" : "s", list);
  }

  s += fmt::format("\nEnergy over the {} converged hour{} (GWh)\n", hc, hc == 1 ? "" : "s");
  s += fmt::format(
      "  load {:.2f}, losses {:.2f} ({:.2f} % of load); peak load {:.1f} MW at hour {} ({}); largest "
      "losses {:.2f} MW at hour {} ({})\n",
      r.load_mwh / 1e3, r.losses_mwh / 1e3, r.load_mwh > 0 ? 100.0 * r.losses_mwh / r.load_mwh : 0.0,
      r.peak_load_mw, r.peak_load_hour, when(r.peak_load_hour, leap), r.max_losses_mw, r.max_losses_hour,
      when(r.max_losses_hour, leap));
  {
    TextTable t = table();
    t.add_column("source", TextTable::Align::Left);
    t.add_column("installed (MW)", TextTable::Align::Right);
    t.add_column("energy (GWh)", TextTable::Align::Right);
    t.add_column("capacity factor (%)", TextTable::Align::Right);
    const auto inst = installed_by_kind(net, r);
    for (std::size_t k = 0; k < 6; ++k) {
      const auto kind = static_cast<model::GenKind>(k);
      if (inst[k] == 0.0 && r.energy_by_kind_mwh[k] == 0.0) continue;
      if (kind == model::GenKind::Grid) {
        t.add_row({"grid import", "", fixed(r.grid_import_mwh / 1e3, 2), ""});
        t.add_row({"grid export", "", fixed(r.grid_export_mwh / 1e3, 2), ""});
        continue;
      }
      const bool finite_inst = std::isfinite(inst[k]) && inst[k] > 0.0;
      t.add_row({std::string(model::to_string(kind)), finite_inst ? fixed(inst[k], 1) : "—",
                 fixed(r.energy_by_kind_mwh[k] / 1e3, 2),
                 finite_inst && hc
                     ? fixed(100.0 * r.energy_by_kind_mwh[k] / (inst[k] * static_cast<double>(hc)), 1)
                     : "—"});
    }
    s += t.render();
  }
  s += fmt::format("\nHours with an overload: {} ({:.1f} %); with a bus outside its band: {} ({:.1f} %)\n",
                   r.hours_with_overload, hc ? 100.0 * r.hours_with_overload / static_cast<double>(hc) : 0.0,
                   r.hours_with_voltage_violation,
                   hc ? 100.0 * r.hours_with_voltage_violation / static_cast<double>(hc) : 0.0);
  if (opt.enforce_q_limits) {
    std::int64_t unit_hours = 0;
    std::size_t units = 0;
    for (const auto& g : r.gens) {
      unit_hours += g.hours_at_q_limit;
      units += g.hours_at_q_limit > 0;
    }
    s += fmt::format("Reactive limits: {} unit-hours at a limit ({} unit{} in some hour){}\n", unit_hours, units,
                     units == 1 ? "" : "s",
                     r.hours_ref_q_beyond ? fmt::format("; the reference unit beyond its limits in {} hours (not "
                                                        "enforced)",
                                                        r.hours_ref_q_beyond)
                                          : "");
  }

  if (opt.curtail) {
    s += fmt::format("\nWind curtailment (N-0) — {:.2f} GWh of {:.2f} GWh of wind on offer ({:.1f} %), in {} hour{}\n",
                     r.curtailed_mwh / 1e3, r.wind_available_mwh / 1e3,
                     r.wind_available_mwh > 0 ? 100.0 * r.curtailed_mwh / r.wind_available_mwh : 0.0, r.hours_curtailed,
                     r.hours_curtailed == 1 ? "" : "s");
    s += report::wrap_text(
        fmt::format("before curtailment {} hours had an overload and {} a bus outside its band; after it {} and {} (what "
                    "remains is not relieved by any wind farm){}",
                    r.hours_with_overload_uncurtailed, r.hours_with_voltage_violation_uncurtailed, r.hours_with_overload,
                    r.hours_with_voltage_violation,
                    r.hours_curtail_unresolved
                        ? fmt::format("; {} hours still had a removable violation after the last round",
                                      r.hours_curtail_unresolved)
                        : ""),
        width, "  ", "  ");
    std::vector<std::size_t> farms;
    for (std::size_t g = 0; g < r.gens.size(); ++g)
      if (r.gens[g].curtailed_mwh > 0.0) farms.push_back(g);
    std::stable_sort(farms.begin(), farms.end(),
                     [&](std::size_t a, std::size_t b) { return r.gens[a].curtailed_mwh > r.gens[b].curtailed_mwh; });
    if (!farms.empty()) {
      TextTable t = table();
      t.add_column("wind farm", TextTable::Align::Left);
      t.add_column("bus", TextTable::Align::Left, TextTable::Fit::Shrink);
      t.add_column("curtailed (MWh)", TextTable::Align::Right);
      t.add_column("of its energy (%)", TextTable::Align::Right);
      t.add_column("hours", TextTable::Align::Right);
      for (std::size_t k = 0; k < farms.size() && k < std::max<std::size_t>(top, 1); ++k) {
        const auto g = farms[k];
        const auto& st = r.gens[g];
        const double offered = st.energy_mwh + st.curtailed_mwh;
        t.add_row({net.generators[g].name, net.bus(net.generators[g].bus).name, fixed(st.curtailed_mwh, 0),
                   offered > 0 ? fixed(100.0 * st.curtailed_mwh / offered, 1) : "—", std::to_string(st.curtailed_hours)});
      }
      s += t.render();
      if (farms.size() > top) s += fmt::format("  … {} more in timeseries_generators.csv\n", farms.size() - top);
    }
    std::vector<std::pair<std::string, std::int32_t>> binding;
    for (std::size_t e = 0; e < r.elements.size(); ++e)
      if (r.elements[e].curtail_hours > 0) binding.emplace_back(ts.element_label(e), r.elements[e].curtail_hours);
    for (std::size_t i = 0; i < r.buses.size(); ++i)
      if (r.buses[i].curtail_hours > 0) binding.emplace_back(bus_name(net, i) + " (voltage)", r.buses[i].curtail_hours);
    std::stable_sort(binding.begin(), binding.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (!binding.empty()) {
      std::string list;
      for (std::size_t k = 0; k < binding.size() && k < 12; ++k)
        list += fmt::format("{}{} {} h", k ? ", " : "", binding[k].first, binding[k].second);
      s += report::wrap_text("binding (hours each element made wind be curtailed): " + list, width, "  ", "    ");
    }
    if (n1) {
      const double total = r.curtailed_mwh + n1->curtailed_mwh;
      s += fmt::format("\nN-1-secure curtailment (--curtail n1) — {:.2f} GWh more, {:.2f} GWh in all ({:.1f} % of the wind "
                       "on offer); {} hours curtailed further; {:.1f} s\n",
                       n1->curtailed_mwh / 1e3, total / 1e3,
                       r.wind_available_mwh > 0 ? 100.0 * total / r.wind_available_mwh : 0.0, n1->hours_curtailed,
                       n1->elapsed_s);
      s += report::wrap_text(
          fmt::format("{} hours are not N-1 secure even so: a contingency causes a violation no wind farm relieves, "
                      "or the case has no solution",
                      n1->hours_not_secure),
          width, "  ", "  ");
      std::vector<std::pair<std::string, std::int32_t>> b(n1->binding_hours.begin(), n1->binding_hours.end());
      std::stable_sort(b.begin(), b.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
      std::string list;
      for (std::size_t k = 0; k < b.size() && k < 10; ++k) list += fmt::format("{}{} {} h", k ? ", " : "", b[k].first, b[k].second);
      if (!list.empty()) s += report::wrap_text("binding after a contingency: " + list, width, "  ", "    ");
      std::vector<std::pair<std::string, std::int32_t>> left(n1->remaining_hours.begin(), n1->remaining_hours.end());
      std::stable_sort(left.begin(), left.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
      list.clear();
      for (std::size_t k = 0; k < left.size() && k < 8; ++k) {
        std::string what = left[k].first;
        if (const auto p = what.find(" (no wind farm"); p != std::string::npos) what.resize(p);
        list += fmt::format("{}{} {} h", k ? ", " : "", what, left[k].second);
      }
      if (!list.empty()) s += report::wrap_text("left (no wind farm relieves it): " + list, width, "  ", "    ");
    }
  }

  {
    std::vector<std::size_t> rev;
    for (std::size_t e = 0; e < r.elements.size(); ++e)
      if (r.elements[e].reverse_hours > 0) rev.push_back(e);
    std::stable_sort(rev.begin(), rev.end(), [&](std::size_t a, std::size_t b) {
      return r.elements[a].max_reverse_mw > r.elements[b].max_reverse_mw;
    });
    s += fmt::format("\nReverse flow through transformers (power sent up from the lower-voltage side) — {} transformer{}\n",
                     rev.size(), rev.size() == 1 ? "" : "s");
    if (!rev.empty()) {
      TextTable t = table();
      t.add_column("transformer", TextTable::Align::Left);
      t.add_column("hours", TextTable::Align::Right);
      t.add_column("max (MW)", TextTable::Align::Right);
      t.add_column("at", TextTable::Align::Left);
      for (std::size_t k = 0; k < rev.size() && k < std::max<std::size_t>(top, 1); ++k) {
        const auto& st = r.elements[rev[k]];
        t.add_row({ts.element_label(rev[k]), std::to_string(st.reverse_hours), fixed(st.max_reverse_mw, 1),
                   when(st.max_reverse_hour, leap)});
      }
      s += t.render();
    }
  }

  if (!ts.taps().empty()) {
    std::int64_t moves = 0;
    std::size_t busiest = 0, at_limit = 0;
    for (std::size_t t = 0; t < r.taps.size(); ++t) {
      moves += r.taps[t].moves;
      if (r.taps[t].moves > r.taps[busiest].moves) busiest = t;
      at_limit += r.taps[t].hours_at_limit > 0;
    }
    s += fmt::format(
        "On-load tap changers: {} automatic, {} steps over the run (most: {}, {} steps, positions "
        "{:+d}…{:+d}); "
        "{} at a range end in some hour{}\n",
        r.taps.size(), moves, ts.taps()[busiest].name, r.taps[busiest].moves, r.taps[busiest].min_pos,
        r.taps[busiest].max_pos, at_limit,
        r.hours_taps_unsettled
            ? fmt::format("; {} hours still moving after the round limit", r.hours_taps_unsettled)
            : "");
  } else if (ts.network().transformers3w.size() + ts.network().branches.size() > 0) {
    s += "On-load tap changers: none automatic (taps as in the case)\n";
  }

  // Elements by maximum loading.
  std::vector<std::size_t> order;
  for (std::size_t e = 0; e < r.elements.size(); ++e)
    if (!std::isnan(r.elements[e].max_loading_pct)) order.push_back(e);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return r.elements[a].max_loading_pct > r.elements[b].max_loading_pct;
  });
  std::size_t over = 0;
  for (auto e : order) over += r.elements[e].hours_over > 0;
  const std::size_t shown = std::min(top, order.size());
  s += fmt::format(
      "\nLines and transformers by maximum loading — {} of {} rated, {} above the limit in some hour; "
      "limit {} %\n",
      shown, order.size(), over, c.contingency_limits.loading_normal_pct);
  if (shown > 0) {
    TextTable t = table();
    t.add_column("element", TextTable::Align::Left);
    t.add_column("kind", TextTable::Align::Left, TextTable::Fit::Drop);
    t.add_column("rating (MVA)", TextTable::Align::Right);
    t.add_column("max loading (%)", TextTable::Align::Right);
    t.add_column("hour", TextTable::Align::Right, TextTable::Fit::Drop);
    t.add_column("time", TextTable::Align::Left);
    t.add_column("hours > limit", TextTable::Align::Right);
    t.add_column("mean loading (%)", TextTable::Align::Right);
    t.add_column("losses (MWh)", TextTable::Align::Right);
    for (std::size_t i = 0; i < shown; ++i) {
      const auto e = order[i];
      const auto& st = r.elements[e];
      t.add_row({ts.element_label(e), element_kind(net, e), fixed(element_rating(net, e), 1),
                 fixed(st.max_loading_pct, 1), std::to_string(st.max_hour), when(st.max_hour, leap),
                 std::to_string(st.hours_over), fixed(mean_loading(st, hc), 1), fixed(st.loss_mwh, 0)});
    }
    s += t.render();
    if (order.size() > shown)
      s += fmt::format("  … {} more in timeseries_elements.csv (--out); --top N shows more\n",
                       order.size() - shown);
  }

  // Buses outside their band in some hour.
  std::vector<std::size_t> buses;
  for (std::size_t i = 0; i < r.buses.size(); ++i)
    if (r.buses[i].hours_under + r.buses[i].hours_over > 0) buses.push_back(i);
  std::stable_sort(buses.begin(), buses.end(), [&](std::size_t a, std::size_t b) {
    return r.buses[a].hours_under + r.buses[a].hours_over > r.buses[b].hours_under + r.buses[b].hours_over;
  });
  s += fmt::format("\nBuses outside their normal-operation band in some hour — {}\n", buses.size());
  if (!buses.empty()) {
    TextTable t = table();
    t.add_column("bus", TextTable::Align::Left);
    t.add_column("base (kV)", TextTable::Align::Right);
    t.add_column("band (pu)", TextTable::Align::Left);
    t.add_column("hours low", TextTable::Align::Right);
    t.add_column("hours high", TextTable::Align::Right);
    t.add_column("min V (pu)", TextTable::Align::Right);
    t.add_column("at", TextTable::Align::Left);
    t.add_column("max V (pu)", TextTable::Align::Right);
    t.add_column("at", TextTable::Align::Left);
    for (std::size_t k = 0; k < buses.size() && k < std::max<std::size_t>(top, 1); ++k) {
      const auto i = buses[k];
      const auto& b = r.buses[i];
      t.add_row({bus_name(net, i), fixed(net.buses[i].base_kv, 1),
                 fmt::format("{:.3f}–{:.3f}", b.vmin_pu, b.vmax_pu), std::to_string(b.hours_under),
                 std::to_string(b.hours_over), fixed(b.min_vm_pu, 4), when(b.min_hour, leap),
                 fixed(b.max_vm_pu, 4), when(b.max_hour, leap)});
    }
    s += t.render();
    if (buses.size() > top)
      s += fmt::format("  … {} more in timeseries_buses.csv (--out)\n", buses.size() - top);
  }

  std::string verdict;
  if (hc == 0) {
    verdict = "NO RESULT — not a single hour converged";
  } else {
    verdict =
        r.hours_with_overload == 0 && r.hours_with_voltage_violation == 0
            ? "OK — no overload and no voltage violation in any converged hour"
            : fmt::format("{} hour{} with an overload ({} element{}), {} hour{} with a bus outside its band",
                          r.hours_with_overload, r.hours_with_overload == 1 ? "" : "s", over,
                          over == 1 ? "" : "s", r.hours_with_voltage_violation,
                          r.hours_with_voltage_violation == 1 ? "" : "s");
    if (opt.curtail)
      verdict += fmt::format(" after curtailing {:.2f} GWh of wind ({:.1f} % of the wind on offer, {} hours)",
                             r.curtailed_mwh / 1e3,
                             r.wind_available_mwh > 0 ? 100.0 * r.curtailed_mwh / r.wind_available_mwh : 0.0,
                             r.hours_curtailed);
    if (!r.not_converged.empty())
      verdict += fmt::format("; {} hour{} NOT CONVERGED", r.not_converged.size(),
                             r.not_converged.size() == 1 ? "" : "s");
  }
  s += fmt::format("\nVERDICT: {}\n", verdict);
  return s;
}

// ---- files

nlohmann::json summary_json(const Case& c, const study::TimeSeries& ts, const study::TimeSeriesResult& r,
                            const study::YearN1Curtailment* n1) {
  using nlohmann::json;
  const auto& net = c.net;
  const auto& prof = ts.profiles();
  const bool leap = prof.hours == 8784;
  json j;
  j["case"] = {
      {"name", c.name}, {"file", c.path}, {"description", c.description}, {"study_year", c.study_year}};
  j["limits"] = {{"source", c.contingency_limits.source}, {"loading_max_pct", c.contingency_limits.loading_normal_pct}};
  json cols = json::array();
  for (const auto& u : ts.column_use()) {
    const auto& col = prof.columns[u.column];
    cols.push_back({{"column", col.name},
                    {"loads", u.loads},
                    {"generators", u.generators},
                    {"base_mw", u.base_mw},
                    {"mean", prof.mean(u.column)},
                    {"max", prof.max(u.column)}});
  }
  j["profiles"] = {{"file", prof.source_file},
                   {"hours", prof.hours},
                   {"columns", cols},
                   {"notes", ts.notes()},
                   {"warnings", c.notes}};
  j["run"] = {{"first_hour", r.first_hour},
              {"hours_run", r.hours_run},
              {"hours_converged", r.hours_converged},
              {"not_converged_hours", r.not_converged},
              {"newton_iterations", r.newton_iterations},
              {"chord_iterations", r.chord_iterations},
              {"restarts", r.restarts},
              {"threads", r.threads},
              {"lead_in_hours", r.lead_in_hours},
              {"elapsed_s", r.elapsed_s},
              {"setup_ms", r.setup_ms}};
  json src = json::object();
  const auto inst = installed_by_kind(net, r);
  for (std::size_t k = 0; k < 6; ++k) {
    const auto kind = static_cast<model::GenKind>(k);
    if (inst[k] == 0.0 && r.energy_by_kind_mwh[k] == 0.0) continue;
    json e = {{"energy_mwh", r.energy_by_kind_mwh[k]}};
    if (std::isfinite(inst[k])) e["installed_mw"] = inst[k];
    if (kind == model::GenKind::Grid) {
      e["import_mwh"] = r.grid_import_mwh;
      e["export_mwh"] = r.grid_export_mwh;
    }
    src[std::string(model::to_string(kind))] = e;
  }
  j["energy"] = {{"load_mwh", r.load_mwh},
                 {"losses_mwh", r.losses_mwh},
                 {"by_source", src},
                 {"peak_load_mw", r.peak_load_mw},
                 {"peak_load_hour", r.peak_load_hour},
                 {"peak_load_time", when(r.peak_load_hour, leap)},
                 {"max_losses_mw", r.max_losses_mw},
                 {"max_losses_hour", r.max_losses_hour}};
  std::size_t over = 0;
  for (const auto& e : r.elements) over += e.hours_over > 0;
  j["violations"] = {{"hours_with_overload", r.hours_with_overload},
                     {"hours_with_voltage_violation", r.hours_with_voltage_violation},
                     {"hours_with_overload_uncurtailed", r.hours_with_overload_uncurtailed},
                     {"hours_with_voltage_violation_uncurtailed", r.hours_with_voltage_violation_uncurtailed},
                     {"elements_over_limit", over}};
  json farms = json::array(), binding = json::array();
  for (std::size_t g = 0; g < r.gens.size(); ++g)
    if (r.gens[g].curtailed_mwh > 0.0)
      farms.push_back({{"generator", net.generators[g].name},
                       {"bus", net.bus(net.generators[g].bus).name},
                       {"curtailed_mwh", r.gens[g].curtailed_mwh},
                       {"hours", r.gens[g].curtailed_hours}});
  for (std::size_t e = 0; e < r.elements.size(); ++e)
    if (r.elements[e].curtail_hours > 0) binding.push_back({{"element", ts.element_label(e)}, {"hours", r.elements[e].curtail_hours}});
  for (std::size_t i = 0; i < r.buses.size(); ++i)
    if (r.buses[i].curtail_hours > 0) binding.push_back({{"bus", bus_name(net, i)}, {"hours", r.buses[i].curtail_hours}});
  j["curtailment"] = {{"enabled", ts.options().curtail},
                      {"curtailed_mwh", r.curtailed_mwh},
                      {"wind_available_mwh", r.wind_available_mwh},
                      {"hours_curtailed", r.hours_curtailed},
                      {"hours_unresolved", r.hours_curtail_unresolved},
                      {"farms", farms},
                      {"binding", binding}};
  if (n1) {
    json b = json::array();
    for (const auto& [what, h] : n1->binding_hours) b.push_back({{"violation", what}, {"hours", h}});
    json left = json::array();
    for (const auto& [what, h] : n1->remaining_hours) left.push_back({{"violation", what}, {"hours", h}});
    j["curtailment"]["n1"] = {{"curtailed_mwh", n1->curtailed_mwh},
                              {"hours_curtailed", n1->hours_curtailed},
                              {"hours_not_secure", n1->hours_not_secure},
                              {"binding", b},
                              {"not_removable", left},
                              {"elapsed_s", n1->elapsed_s}};
  }
  j["reactive_limits"] = {{"enforced", ts.options().enforce_q_limits}, {"hours_reference_beyond", r.hours_ref_q_beyond}};
  json rev = json::array();
  for (std::size_t e = 0; e < r.elements.size(); ++e)
    if (r.elements[e].reverse_hours > 0)
      rev.push_back({{"transformer", ts.element_label(e)},
                     {"hours", r.elements[e].reverse_hours},
                     {"max_mw", r.elements[e].max_reverse_mw},
                     {"max_hour", r.elements[e].max_reverse_hour}});
  j["reverse_flow"] = rev;
  json worst = json::array();
  std::vector<std::size_t> order;
  for (std::size_t e = 0; e < r.elements.size(); ++e)
    if (r.elements[e].hours_over > 0) order.push_back(e);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return r.elements[a].max_loading_pct > r.elements[b].max_loading_pct;
  });
  for (auto e : order)
    worst.push_back({{"element", ts.element_label(e)},
                     {"max_loading_pct", r.elements[e].max_loading_pct},
                     {"max_hour", r.elements[e].max_hour},
                     {"hours_over_limit", r.elements[e].hours_over}});
  j["violations"]["elements"] = worst;
  json taps = json::array();
  for (std::size_t t = 0; t < ts.taps().size(); ++t)
    taps.push_back({{"transformer", ts.taps()[t].name},
                    {"steps", r.taps[t].moves},
                    {"pos_min", r.taps[t].min_pos},
                    {"pos_max", r.taps[t].max_pos},
                    {"hours_at_range_end", r.taps[t].hours_at_limit}});
  j["taps"] = {
      {"automatic", ts.taps().size()}, {"hours_unsettled", r.hours_taps_unsettled}, {"changers", taps}};
  return j;
}

std::string elements_csv(const Case& c, const study::TimeSeries& ts, const study::TimeSeriesResult& r) {
  const auto& net = c.net;
  const int year = profile_year(c, ts.profiles().hours == 8784);
  std::string s =
      "element,kind,from,to,rating_mva,max_loading_pct,max_hour,max_time,hours_over_limit,mean_loading_pct,"
      "max_flow_mva,loss_mwh,reverse_flow_hours,max_reverse_mw,max_reverse_time,curtailment_hours\n";
  for (std::size_t e = 0; e < r.elements.size(); ++e) {
    const auto& st = r.elements[e];
    if (st.max_hour < 0 && st.loss_mwh == 0.0 && st.max_flow_mva == 0.0) continue;  // never energised
    s += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{:.4f},{:.4f},{},{:.4f},{},{}\n", report::csv_field(ts.element_label(e)),
        element_kind(net, e), report::csv_field(element_ends(net, e, false)),
        report::csv_field(element_ends(net, e, true)), element_rating(net, e),
        std::isnan(st.max_loading_pct) ? "" : fmt::format("{:.4f}", st.max_loading_pct),
        st.max_hour < 0 ? "" : std::to_string(st.max_hour), iso(st.max_hour, year), st.hours_over,
        std::isnan(st.max_loading_pct) ? "" : fmt::format("{:.4f}", mean_loading(st, r.hours_converged)),
        st.max_flow_mva, st.loss_mwh, st.reverse_hours, st.max_reverse_mw, iso(st.max_reverse_hour, year),
        st.curtail_hours);
  }
  return s;
}

std::string buses_csv(const Case& c, const study::TimeSeriesResult& r, bool leap) {
  const auto& net = c.net;
  const int year = profile_year(c, leap);
  std::string s =
      "bus,id,zone,base_kv,vmin_pu,vmax_pu,min_vm_pu,min_hour,min_time,max_vm_pu,max_hour,max_time,hours_"
      "under,hours_over,curtailment_hours\n";
  auto num = [](double x) { return std::isnan(x) ? std::string() : fmt::format("{:.6f}", x); };
  for (std::size_t i = 0; i < r.buses.size(); ++i) {
    const auto& b = r.buses[i];
    if (b.min_hour < 0) continue;  // never energised
    s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", report::csv_field(bus_name(net, i)),
                     net.buses[i].id, report::csv_field(net.buses[i].zone), net.buses[i].base_kv,
                     num(b.vmin_pu), num(b.vmax_pu), num(b.min_vm_pu), b.min_hour, iso(b.min_hour, year),
                     num(b.max_vm_pu), b.max_hour, iso(b.max_hour, year), b.hours_under, b.hours_over,
                     b.curtail_hours);
  }
  return s;
}

std::string generators_csv(const Case& c, const study::TimeSeries& ts, const study::TimeSeriesResult& r,
                           bool leap, const study::YearN1Curtailment* n1) {
  const auto& net = c.net;
  const int year = profile_year(c, leap);
  std::string s =
      "generator,kind,bus,installed_mw,p_source,energy_mwh,capacity_factor_pct,max_mw,max_hour,max_time,min_"
      "mw,curtailed_mwh,curtailed_hours,hours_at_q_limit,curtailed_n1_mwh\n";
  (void)ts;
  for (std::size_t g = 0; g < net.generators.size(); ++g) {
    const auto& gen = net.generators[g];
    const auto& st = r.gens[g];
    if (!gen.in_service || std::isnan(st.max_mw)) continue;
    const double cap = gen.installed_mw > 0.0 ? gen.installed_mw : gen.pmax_mw;
    const std::string source = st.reference ? "reference" : st.profiled ? "profile" : "scenario";
    const std::string cf =
        std::isfinite(cap) && cap > 0.0 && r.hours_converged
            ? fmt::format("{:.3f}", 100.0 * st.energy_mwh / (cap * static_cast<double>(r.hours_converged)))
            : "";
    s += fmt::format("{},{},{},{},{},{:.4f},{},{:.4f},{},{},{:.4f},{:.4f},{},{},{:.4f}\n",
                     report::csv_field(gen.name.empty() ? fmt::format("gen{}", g + 1) : gen.name),
                     model::to_string(gen.kind), report::csv_field(net.bus(gen.bus).name),
                     std::isfinite(cap) ? fmt::format("{}", cap) : "", source, st.energy_mwh, cf, st.max_mw,
                     st.max_hour, iso(st.max_hour, year), st.min_mw, st.curtailed_mwh, st.curtailed_hours,
                     st.hours_at_q_limit, n1 ? n1->gen_curtailed_mwh[g] : 0.0);
  }
  return s;
}

std::string hourly_csv(const Case& c, const study::TimeSeries& ts, const study::TimeSeriesResult& r, bool leap) {
  const int year = profile_year(c, leap);
  std::string s =
      "hour,time,converged,attempt,newton_iterations,chord_iterations,tap_moves,load_mw,losses_mw,thermal_mw,"
      "hydro_mw,solar_mw,wind_mw,grid_mw,other_mw,max_loading_pct,max_loading_element,overloads,voltage_violations,"
      "min_vm_pu,max_vm_pu,units_at_q_limit,curtailed_wind_mw,curtail_rounds,overloads_uncurtailed,"
      "voltage_violations_uncurtailed\n";
  s.reserve(r.hourly.size() * 220);
  for (std::size_t k = 0; k < r.hourly.size(); ++k) {
    const auto& h = r.hourly[k];
    const std::size_t hour = r.first_hour + k;
    const std::string time = study::hour_iso(hour, year);
    if (!h.converged) {
      s += fmt::format("{},{},0,{},{},{},{},{:.4f},,,,,,,,,,,,,,,,,,\n", hour, time, h.attempt, h.newton_iterations,
                       h.chord_iterations, h.tap_moves, h.load_mw);
      continue;
    }
    const auto& g = h.gen_mw_by_kind;
    s += fmt::format(
        "{},{},1,{},{},{},{},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{},{},{},{},{:.6f},{:.6f},{},{:.4f},"
        "{},{},{}\n",
        hour, time, h.attempt, h.newton_iterations, h.chord_iterations, h.tap_moves, h.load_mw, h.losses_mw, g[0],
        g[1], g[2], g[3], g[4], g[5], std::isnan(h.max_loading_pct) ? "" : fmt::format("{:.4f}", h.max_loading_pct),
        h.max_loading_element < 0 ? "" : report::csv_field(ts.element_label(static_cast<std::size_t>(h.max_loading_element))),
        h.overloads, h.voltage_violations, h.min_vm_pu, h.max_vm_pu, h.q_limited, h.curtailed_mw, h.curtail_rounds,
        h.overloads_uncurtailed, h.voltage_violations_uncurtailed);
  }
  return s;
}

std::string taps_csv(const study::TimeSeries& ts, const study::TimeSeriesResult& r) {
  std::string s =
      "transformer,regulated_bus,vmin_pu,vmax_pu,pos_start,pos_final,pos_min_seen,pos_max_seen,range_min,"
      "range_max,"
      "step_pct,steps,hours_at_range_end\n";
  const auto& net = ts.network();
  for (std::size_t t = 0; t < ts.taps().size(); ++t) {
    const auto& tap = ts.taps()[t];
    const auto& st = r.taps[t];
    s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", report::csv_field(tap.name),
                     report::csv_field(net.bus(tap.bus).name), tap.vmin_pu, tap.vmax_pu, tap.pos_start,
                     st.final_pos, st.min_pos, st.max_pos, tap.pos_min, tap.pos_max, tap.step_pct, st.moves,
                     st.hours_at_limit);
  }
  return s;
}



struct TimeSeriesArgs {
  std::vector<std::string> assume;
  std::string path, profiles, hours, csv_sep = ",";
  SolverFlags solver;
  OutputFlags output;
  bool no_chord = false, fixed_taps = false, no_progress = false;
  std::string curtail;
  bool curtail_given = false;
  int threads = 1;
};

int run_timeseries(const TimeSeriesArgs& a) {
  study::TimeSeriesOptions opt;
  opt.tol_pu = a.solver.tol_pu;
  opt.max_iter = a.solver.max_iter;
  opt.enforce_q_limits = !a.solver.no_q_limits;
  opt.curtail = a.curtail_given;
  const bool curtail_n1 = a.curtail == "n1";
  if (a.no_chord) opt.max_chord_iter = 0;
  opt.tap_control = !a.fixed_taps;
  opt.threads = std::max(1, a.threads);
  const std::size_t top = a.output.top;

  const Case c = load_case(a.path, assume_choices(a.assume));
  study::ProfileFormat pf;
  pf.separator = a.csv_sep.size() == 1 ? a.csv_sep[0] : '?';
  if (a.csv_sep != "," && a.csv_sep != ";") throw UsageError(fmt::format("option --csv-sep: '{}' is not ',' or ';'", a.csv_sep));
  const study::Profiles prof = study::read_profiles(a.profiles, pf);
  const auto [first, count] = hour_range(a.hours, prof.hours);
  study::TimeSeries ts(c.net, prof, c.contingency_limits, opt);
  for (const auto& n : c.notes) std::fprintf(stderr, "%s\n", fmt::format("warning: {}", n).c_str());

  study::InterruptFlag stop;
  study::TimeSeriesResult r;
  std::vector<study::HourCase> hours;   // --curtail n1: each converged hour after N-0 curtailment
  std::vector<std::vector<float>> loading;   // --html: per element, its loading in every converged hour
  {
    study::Progress progress("timeseries", count ? count : prof.hours - first, "hours", stderr, !a.no_progress);
    std::function<void(const study::HourView&)> keep;
    // One chain (an observer runs the hours in order): each hour kept for the N-1 pass, each element's
    // loading for the HTML report's duration curves.
    if (curtail_n1 || !a.output.html.empty()) {
      if (!a.output.html.empty()) loading.assign(ts.element_count(), {});
      keep = [&](const study::HourView& v) {
        if (!v.converged) return;
        if (!a.output.html.empty())
          for (std::size_t e = 0; e < loading.size(); ++e) {
            const double x = (*v.element_loading_pct)[e];
            if (!std::isnan(x)) loading[e].push_back(static_cast<float>(x));
          }
        if (!curtail_n1) return;
        study::HourCase hc;
        hc.hour = v.hour;
        hc.gen_p_mw = *v.gen_p_mw;
        for (const auto& t : *v.taps) hc.tap_pos.push_back(t.pos);
        hours.push_back(std::move(hc));
      };
    }
    r = ts.run(first, count, &study::InterruptFlag::flag(), &progress, keep);
    progress.finish(r.interrupted ? "interrupted" : fmt::format("{} not converged", r.not_converged.size()));
  }
  study::YearN1Curtailment n1;
  const study::YearN1Curtailment* n1p = nullptr;
  if (curtail_n1 && !r.interrupted) {
    study::CurtailmentOptions co;
    co.solve.pf.tol_pu = opt.tol_pu;
    co.solve.pf.max_iter = opt.max_iter;
    co.solve.pf.enforce_q_limits = opt.enforce_q_limits;
    co.solve.tap_control = opt.tap_control;
    co.threads = a.threads > 1 ? a.threads : 0;
    study::Progress progress("timeseries N-1 curtailment", hours.size(), "hours", stderr, !a.no_progress);
    n1 = study::curtail_hours_n1(ts, hours, c.scenario ? &*c.scenario : nullptr, co, &study::InterruptFlag::flag(),
                                 &progress);
    progress.finish(n1.interrupted ? "interrupted" : "");
    r.interrupted = n1.interrupted;
    n1p = &n1;
  }
  const std::string& out = a.output.out;
  if (r.interrupted) {
    std::fprintf(stderr, "interrupted after %zu of %zu hours: no result files written\n", r.hours_run,
                 count ? count : prof.hours - first);
    remove_stale_results(out, timeseries_files());
    return kInterrupted;
  }
  const bool leap = prof.hours == 8784;
  if (a.output.format == "json")
    std::fputs((summary_json(c, ts, r, n1p).dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(report::fit_lines(render_text(c, ts, r, top, a.output.wide, opt, n1p), a.output.wide ? 0 : report::kTextWidth).c_str(), stdout);
  std::fflush(stdout);
  if (r.hours_converged == 0) {
    std::fprintf(stderr, "not a single hour converged: no result files written\n");
    remove_stale_results(out, timeseries_files());
    return kNotConverged;
  }
  if (!a.output.html.empty()) {
    const report::ReportLimits rl = c.limits ? report::report_limits(c.net, *c.limits) : study::report_limits_of(c.net, c.contingency_limits);
    write_html(a.output.html, study::timeseries_html(ts, r, loading, report::network_skeleton(c.net, rl), c.name, n1p),
               a.output);
  }
  if (!out.empty()) {
    io::ensure_directory(out);
    const std::filesystem::path dir(out);
    io::write_file_atomic((dir / "timeseries_elements.csv").string(), elements_csv(c, ts, r));
    io::write_file_atomic((dir / "timeseries_buses.csv").string(), buses_csv(c, r, leap));
    io::write_file_atomic((dir / "timeseries_generators.csv").string(), generators_csv(c, ts, r, leap, n1p));
    io::write_file_atomic((dir / "timeseries_hourly.csv").string(), hourly_csv(c, ts, r, leap));
    io::write_file_atomic((dir / "timeseries_taps.csv").string(), taps_csv(ts, r));
    io::write_file_atomic((dir / "timeseries_summary.json").string(), summary_json(c, ts, r, n1p).dump(2) + "\n");
    std::fprintf(
        a.output.format == "json" ? stderr : stdout, "%s\n",
        fmt::format("results written to {} ({})", out, fmt::join(timeseries_files(), ", ")).c_str());
  }
  return kOk;
}

}  // namespace

void add_timeseries(CLI::App& app, int& rc) {
  auto a = std::make_shared<TimeSeriesArgs>();
  CLI::App* cmd = app.add_subcommand(
      "timeseries",
      "One power flow per hour of a profile CSV (loads by zone, wind/solar/hydro per unit of installed), "
      "warm-started hour to hour, automatic tap changers acting and reactive limits enforced every hour: "
      "maximum loading and its hour, hours above the limit, energy losses, energy by source, reverse flow "
      "through transformers, hours with a voltage violation, hours that did not converge.");
  cmd->add_option("SCENARIO", a->path, "scenario (.yaml) or MATPOWER case (.m)")->required();
  cmd->add_option("--profiles", a->profiles, "hourly profile CSV: hour,<kind>:<target>,... (networks/langson/profiles/)")
      ->required()
      ->type_name("FILE");
  cmd->add_option("--csv-sep", a->csv_sep,
                  "the profile's field separator: ',' or ';' (';' also takes decimal commas, as Excel writes in a "
                  "Vietnamese locale); a UTF-8 byte-order mark is skipped either way")
      ->capture_default_str()
      ->type_name("CHAR");
  cmd->add_option("--hours", a->hours, "only hours FIRST-LAST of the profile (0-based, e.g. 0-167)")->type_name("A-B");
  add_output_flags(cmd, a->output, 15,
                   "write timeseries_elements.csv, _buses.csv, _generators.csv, _hourly.csv, _taps.csv, "
                   "_summary.json here");
  cmd->add_flag("--no-chord", a->no_chord, "plain Newton every hour (no chord steps from the last factorisation)");
  cmd->add_flag("--fixed-taps", a->fixed_taps, "tap changers stay where the scenario has them");
  cmd->add_option("--curtail", a->curtail,
                  "every hour, the least wind curtailment (by sensitivity, verified by AC) that removes the N-0 "
                  "overloads and voltage violations; reports curtailed energy per farm, hours, binding elements; n1: "
                  "then also N-1 secure, hour by hour (slower: a contingency analysis per hour)")
      ->expected(0, 1)
      ->default_str("n0")
      ->check(CLI::IsMember({"n0", "n1"}))
      ->type_name("[n0|n1]")
      ->each([a](const std::string&) { a->curtail_given = true; });
  add_threads(cmd, a->threads, 1, "consecutive chunks of hours solved side by side (1: the strict hour-by-hour chain)");
  add_no_progress(cmd, a->no_progress);
  add_assume(cmd, a->assume);
  add_solver_flags(cmd, a->solver, false, true);
  cmd->callback([a, &rc] { rc = run_timeseries(*a); });
}

}  // namespace lsflow::cli
