// StudyReport as text (lsflow run): one section per part of the report, the VERDICT last.
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
// Text helpers



namespace {

std::string quoted(const std::string& name) { return "'" + name + "'"; }

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// Compact numbers for prose: 0.95, 0.945, 142.5.
std::string compact(double x) { return fmt::format("{:.4g}", x); }

// A rating for prose: 314 MVA, 97.2 MVA, 6.30 MVA.
std::string mva_text(double x) { return x >= 100.0 ? fmt::format("{:.0f}", x) : x >= 10.0 ? fmt::format("{:.1f}", x) : fmt::format("{:.2f}", x); }

std::string signed_fixed(double x, int decimals) {
  const std::string s = fixed(x, decimals);
  return (x > 0.0 && s.find_first_not_of("0.") != std::string::npos) ? "+" + s : s;
}

std::string gen_label(model::GenKind k) { return std::string(model::to_string(k)); }

std::string name_list(const std::vector<std::string>& names, std::size_t max_names) {
  std::string s;
  for (std::size_t i = 0; i < names.size() && i < max_names; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > max_names) s += fmt::format(", … ({} more)", names.size() - max_names);
  return s;
}

}  // namespace

std::string verdict_line(const StudyReport& r) {
  if (!r.converged()) {
    std::string why;
    if (!r.convergence.failures.empty()) {
      const auto& f = r.convergence.failures.front();
      why = fmt::format(" (largest mismatch {:.3g} MVA at {} after {} iterations)", f.max_mismatch_mva,
                        quoted(f.worst_bus), f.iterations);
    }
    return "VERDICT: NOT CONVERGED — no result" + why;
  }
  // Caveats that are not limit violations but make the case fail.
  std::vector<std::string> caveats;
  if (r.balance.unserved_mw > 0.0 || !r.deenergised.empty()) {
    std::size_t n = 0;
    for (const auto& d : r.deenergised) n += d.buses.size();
    caveats.push_back(fmt::format("{:.1f} MW of load not supplied ({} de-energised)", r.balance.unserved_mw,
                                  plural(n, "bus", "buses")));
  }
  if (!r.q_limit_breaches.empty())
    caveats.push_back(fmt::format("{} beyond their Q limits (not enforced)",
                                  plural(r.q_limit_breaches.size(), "generator", "generators")));
  std::string tail;
  for (const auto& c : caveats) tail += ", " + c;

  if (r.overloads.empty() && r.voltage_violations.empty())
    return caveats.empty() ? "VERDICT: OK — no overload, no voltage violation"
                           : "VERDICT: no overload, no voltage violation, but" + tail.substr(1);
  std::string s = "VERDICT: ";
  if (r.overloads.empty()) {
    s += "no overload";
  } else {
    const auto& w = r.overloads.front();
    s += fmt::format("{} (worst {} {:.0f} % of {} MVA)", plural(r.overloads.size(), "overload", "overloads"),
                     quoted(w.element), w.loading_pct, mva_text(w.rating_mva));
  }
  s += ", ";
  if (r.voltage_violations.empty()) {
    s += "no voltage violation";
  } else {
    const auto worst = std::max_element(
        r.voltage_violations.begin(), r.voltage_violations.end(),
        [](const auto& a, const auto& b) { return std::abs(a.deviation_pu) < std::abs(b.deviation_pu); });
    s += fmt::format("{} outside band (worst {} {:.3f} pu {} {})",
                     plural(r.voltage_violations.size(), "bus", "buses"), quoted(worst->bus), worst->vm_pu,
                     worst->low() ? "<" : ">", compact(worst->limit_pu()));
  }
  return s + tail;
}

std::string convergence_failure_text(const StudyReport& r) {
  std::string s;
  for (const auto& f : r.convergence.failures) {
    s += fmt::format("error: power flow did not converge{}: island of {} nodes (buses and transformer star points), after {} iterations in all the "
                     "largest mismatch is {:.4g} MVA at bus {}\n",
                     f.failure.empty() ? "" : " (" + f.failure + ")", f.n_bus, f.iterations, f.max_mismatch_mva,
                     quoted(f.worst_bus));
    if (!f.diagnosis.empty()) {
      s += f.diagnosis;   // every attempt with its mismatch history
    } else {
      std::string hist;
      for (double x : f.mismatch_history_mva) hist += fmt::format(" {:.3g}", x);
      s += fmt::format("  mismatch by iteration (MVA):{}\n", hist.empty() ? " —" : hist);
    }
  }
  if (s.empty() && !r.converged()) s = "error: power flow did not converge\n";
  return s;
}

std::string study_report_text(const StudyReport& r, const TextOptions& opt) {
  using A = TextTable::Align;
  std::string s;
  s += fmt::format("lsflow run — scenario {}{}\n", quoted(r.scenario),
                   r.study_year > 0 ? fmt::format(", study year {}", r.study_year) : "");
  if (!r.scenario_file.empty()) s += fmt::format("  file      {}\n", r.scenario_file);
  if (!r.description.empty()) s += fmt::format("  about     {}\n", r.description);
  s += fmt::format("  network   {}{}: {}, {}, {}, {}, {}\n", r.network.empty() ? "(unnamed)" : r.network,
                   r.network_file.empty() ? "" : " (" + r.network_file + ")", plural(r.n_buses, "bus", "buses"),
                   plural(r.n_branches, "branch", "branches"),
                   plural(r.n_trafos3w, "three-winding transformer", "three-winding transformers"),
                   plural(r.n_generators, "generator", "generators"), plural(r.n_loads, "load", "loads"));
  s += fmt::format("  limits    {}{}; loading limit {} % of rating\n", r.limits.empty() ? "(unnamed)" : r.limits,
                   r.limits_file.empty() ? "" : " (" + r.limits_file + ")", compact(r.loading_limit_pct));
  const auto& c = r.convergence;
  if (!c.converged) {
    s += fmt::format("  solution  {} power flow did NOT converge ({} iterations, largest mismatch {:.3g} MVA)\n",
                     c.dc ? "DC" : "AC", c.iterations, c.max_mismatch_mva);
    s += "\n" + verdict_line(r) + "\n";
    return s;
  }
  s += fmt::format("  solution  {} power flow converged in {}, largest mismatch {:.2g} MVA, {}\n",
                   c.dc ? "DC" : "AC", plural(static_cast<std::size_t>(c.iterations), "iteration", "iterations"),
                   c.max_mismatch_mva, plural(c.islands, "energised island", "energised islands"));
  if (!c.rescued.empty()) s += "  note      plain Newton-Raphson failed; solved by the fallback chain:\n" + c.rescued;

  // Generation by kind.
  s += "\nGeneration by kind (in-service units on energised buses)\n";
  {
    TextTable t;
    t.add_column("kind", A::Left);
    t.add_column("units", A::Right);
    t.add_column("installed (MW)", A::Right);
    t.add_column("P (MW)", A::Right);
    t.add_column("Q (Mvar)", A::Right);
    t.add_column("P/installed (%)", A::Right);
    KindGeneration total;
    for (const auto& k : r.generation) {
      t.add_row({gen_label(k.kind), std::to_string(k.units), fixed(k.installed_mw, 1), fixed(k.p_mw, 1),
                 fixed(k.q_mvar, 1), k.installed_mw > 0.0 ? fixed(100.0 * k.p_mw / k.installed_mw, 0) : "—"});
      total.units += k.units;
      total.installed_mw += k.installed_mw;
      total.p_mw += k.p_mw;
      total.q_mvar += k.q_mvar;
    }
    t.add_row({"total", std::to_string(total.units), fixed(total.installed_mw, 1), fixed(total.p_mw, 1),
               fixed(total.q_mvar, 1),
               total.installed_mw > 0.0 ? fixed(100.0 * total.p_mw / total.installed_mw, 0) : "—"});
    s += t.render();
  }
  if (!r.q_limit_breaches.empty()) {
    s += fmt::format("\nGenerators beyond their reactive limits — {}: the solve did not enforce Q limits "
                     "(--enforce-q-limits does)\n",
                     r.q_limit_breaches.size());
    TextTable t;
    t.add_column("generator", A::Left);
    t.add_column("kind", A::Left);
    t.add_column("bus", A::Left);
    t.add_column("Q (Mvar)", A::Right);
    t.add_column("Q min (Mvar)", A::Right);
    t.add_column("Q max (Mvar)", A::Right);
    t.add_column("beyond (Mvar)", A::Right);
    const std::size_t n = std::min(opt.top_n, r.q_limit_breaches.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& q = r.q_limit_breaches[i];
      t.add_row({q.generator, gen_label(q.kind), q.bus, fixed(q.q_mvar, 1), fixed(q.qmin_mvar, 1), fixed(q.qmax_mvar, 1),
                 fixed(q.excess_mvar(), 1)});
    }
    s += t.render();
    if (r.q_limit_breaches.size() > n) s += fmt::format("  … and {} more\n", r.q_limit_breaches.size() - n);
  }

  // Exchange with the external grid.
  const auto& ex = r.exchange;
  if (!ex.has_grid()) {
    s += "\nExchange with the external grid: none (no in-service generator of kind grid)\n";
  } else {
    s += fmt::format("\nExchange with the external grid (grid equivalent {}: {})\n", name_list(ex.generators, 4),
                     name_list(ex.buses, 4));
    s += fmt::format("  {} {:.1f} MW, {:.1f} Mvar  (P > 0 = import into the province, < 0 = export)\n",
                     ex.import_mw >= 0.0 ? "IMPORT" : "EXPORT", std::abs(ex.import_mw), ex.import_mvar);
    if (!ex.ties.empty()) {
      TextTable t;
      t.add_column("tie", A::Left);
      t.add_column("kind", A::Left);
      t.add_column("grid end", A::Left);
      t.add_column("province end", A::Left);
      t.add_column("P in (MW)", A::Right);
      t.add_column("Q in (Mvar)", A::Right);
      t.add_column("rating (MVA)", A::Right);
      t.add_column("loading (%)", A::Right);
      double sum = 0.0;
      for (const auto& tie : ex.ties) {
        t.add_row({tie.element, std::string(short_kind(tie.kind)), tie.grid_bus, tie.province_bus,
                   fixed(tie.p_in_mw, 1), fixed(tie.q_in_mvar, 1), tie.rating_mva > 0 ? fixed(tie.rating_mva, 1) : "—",
                   fixed(tie.loading_pct, 1)});
        sum += tie.p_in_mw;
      }
      if (ex.ties.size() > 1) t.add_row({"total", "", "", "", fixed(sum, 1)});
      s += t.render();
    }
  }

  // Balance and losses.
  const auto& b = r.balance;
  const double supply = b.generation_mw + b.import_mw;
  s += "\nPower balance\n";
  s += fmt::format("  generation {:.1f} MW + import {:.1f} MW = load {:.1f} MW{} + losses {:.2f} MW\n",
                   b.generation_mw, b.import_mw, b.load_mw,
                   b.shunt_mw != 0.0 ? fmt::format(" + shunts {:.2f} MW", b.shunt_mw) : "", b.losses_mw);
  s += fmt::format("  LOSSES {:.2f} MW = {} % of the power supplied; load {:.1f} MW, {:.1f} Mvar\n", b.losses_mw,
                   supply > 0.0 ? fixed(100.0 * b.losses_mw / supply, 2) : "—", b.load_mw, b.load_mvar);

  // Most loaded elements.
  {
    std::vector<const ElementLoading*> rated;
    for (const auto& e : r.elements)
      if (e.energised && !std::isnan(e.loading_pct)) rated.push_back(&e);
    std::stable_sort(rated.begin(), rated.end(),
                     [](const auto* a, const auto* b) { return a->loading_pct > b->loading_pct; });
    const std::size_t n = std::min(opt.top_n, rated.size());
    s += fmt::format("\nMost loaded lines and transformers — {} of {} rated elements, worst first; limit {} % of "
                     "rating\n",
                     n, rated.size(), compact(r.loading_limit_pct));
    if (n > 0) {
      TextTable t;
      t.add_column("element", A::Left);
      t.add_column("kind", A::Left);
      t.add_column("from", A::Left);
      t.add_column("to", A::Left);
      t.add_column("P from (MW)", A::Right);
      t.add_column("Q from (Mvar)", A::Right);
      t.add_column("S max (MVA)", A::Right);
      t.add_column("rating (MVA)", A::Right);
      t.add_column("loading (%)", A::Right);
      t.add_column("limit (%)", A::Right);
      t.add_column("", A::Left);
      for (std::size_t i = 0; i < n; ++i) {
        const auto& e = *rated[i];
        std::string to = e.buses.size() > 1 ? e.buses[1] : "";
        if (e.buses.size() > 2) to += " / " + e.buses[2];
        const bool over = e.loading_pct > r.loading_limit_pct;
        t.add_row({e.name, std::string(short_kind(e.kind)), e.buses[0], to, fixed(e.ends[0].p_mw, 1),
                   fixed(e.ends[0].q_mvar, 1), fixed(e.s_mva, 1), fixed(e.rating_mva, 1), fixed(e.loading_pct, 1),
                   compact(r.loading_limit_pct), over ? "OVERLOAD" : ""});
      }
      s += t.render();
    }
    if (r.overloads.size() > n)
      s += fmt::format("  … and {} more overloaded (--top {} shows them all)\n", r.overloads.size() - n,
                       r.overloads.size());
    if (const auto unrated = r.unrated_elements(); unrated > 0) {
      std::vector<std::string> names;
      for (const auto& e : r.elements)
        if (e.energised && !e.rated()) names.push_back(e.name);
      s += fmt::format("  not checked, no rating: {}\n", name_list(names, 6));
    }
  }

  // Voltages.
  {
    std::size_t checked = 0;
    for (const auto& bs : r.buses)
      if (bs.energised && bs.has_band()) ++checked;
    s += fmt::format("\nBuses outside their voltage band (normal operation) — {} of {} checked buses\n",
                     r.voltage_violations.size(), checked);
    if (r.buses_without_band > 0)
      s += fmt::format("  {} skipped: no voltage level of the limits covers {} base kV\n",
                       plural(r.buses_without_band, "energised bus", "energised buses"),
                       r.buses_without_band == 1 ? "its" : "their");
    std::vector<std::string> levels = r.levels_checked;
    for (const auto& v : r.voltage_violations)
      if (std::find(levels.begin(), levels.end(), v.level) == levels.end()) levels.push_back(v.level);
    TextTable t;
    t.add_column("bus", A::Left);
    t.add_column("zone", A::Left);
    t.add_column("base (kV)", A::Right);
    t.add_column("V (kV)", A::Right);
    t.add_column("V (pu)", A::Right);
    t.add_column("band (kV)", A::Right);
    t.add_column("band (pu)", A::Right);
    t.add_column("deviation (kV)", A::Right);
    t.add_column("deviation (pu)", A::Right);
    t.add_column("", A::Left);
    for (const auto& level : levels) {
      const auto count = static_cast<std::size_t>(std::count_if(
          r.voltage_violations.begin(), r.voltage_violations.end(), [&](const auto& v) { return v.level == level; }));
      if (count == 0) continue;
      t.add_section(fmt::format("{} — {}", level, plural(count, "bus", "buses")));
      for (const auto& v : r.voltage_violations) {
        if (v.level != level) continue;
        t.add_row({v.bus, v.zone, fixed(v.base_kv, 1), fixed(v.v_kv, 2), fixed(v.vm_pu, 4),
                   fixed(v.vmin_pu * v.base_kv, 1) + "–" + fixed(v.vmax_pu * v.base_kv, 1),
                   fixed(v.vmin_pu, 3) + "–" + fixed(v.vmax_pu, 3), signed_fixed(v.deviation_kv(), 2),
                   signed_fixed(v.deviation_pu, 4), v.low() ? "LOW" : "HIGH"});
      }
    }
    if (!t.empty()) s += t.render();
    // Voltage range per level, even when all is well: where the margins are.
    TextTable range;
    range.add_column("level", A::Left);
    range.add_column("buses", A::Right);
    range.add_column("lowest", A::Left);
    range.add_column("V min (pu)", A::Right);
    range.add_column("highest", A::Left);
    range.add_column("V max (pu)", A::Right);
    range.add_column("band (pu)", A::Right);
    for (const auto& level : levels) {
      const BusState* lo = nullptr;
      const BusState* hi = nullptr;
      std::size_t n = 0;
      for (const auto& bs : r.buses) {
        if (!bs.energised || bs.level != level) continue;
        ++n;
        if (!lo || bs.vm_pu < lo->vm_pu) lo = &bs;
        if (!hi || bs.vm_pu > hi->vm_pu) hi = &bs;
      }
      if (n == 0) continue;
      range.add_row({level, std::to_string(n), lo->name, fixed(lo->vm_pu, 3), hi->name, fixed(hi->vm_pu, 3),
                     lo->vmin_pu == hi->vmin_pu && lo->vmax_pu == hi->vmax_pu
                         ? fixed(lo->vmin_pu, 3) + "–" + fixed(lo->vmax_pu, 3)
                         : "per bus"});
    }
    if (!range.empty()) s += "\nVoltage range by level\n" + range.render();
  }

  // Out of service, de-energised.
  if (!r.out_of_service.empty()) {
    std::map<std::string, std::vector<std::string>> by_kind;
    for (const auto& o : r.out_of_service) by_kind[o.kind].push_back(o.name);
    s += fmt::format("\nOut of service ({})\n", r.out_of_service.size());
    for (const char* kind : {"line", "transformer", "transformer3w", "generator", "load", "shunt"}) {
      auto it = by_kind.find(kind);
      if (it == by_kind.end()) continue;
      s += fmt::format("  {:<14} {:>3}: {}\n", kind, it->second.size(), name_list(it->second, 8));
    }
  }
  if (!r.deenergised.empty()) {
    s += fmt::format("\nDe-energised (no supply) — {}\n", plural(r.deenergised.size(), "island", "islands"));
    for (const auto& d : r.deenergised)
      s += fmt::format("  {}, {:.1f} MW of load not supplied: {}\n", plural(d.buses.size(), "bus", "buses"),
                       d.load_mw, name_list(d.buses, 8));
  }
  s += "\n" + verdict_line(r) + "\n";
  return s;
}

}  // namespace lsflow::report
