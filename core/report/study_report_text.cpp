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

namespace {

// The normal-operation part of the verdict: overloads, voltages, caveats.
std::string n0_verdict(const StudyReport& r) {
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
    return caveats.empty() ? "no overload, no voltage violation" : "no overload, no voltage violation, but" + tail.substr(1);
  std::string s;
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

std::string finding_text(const N1Finding& f) {
  if (f.what == "overload")
    return fmt::format("{} {:.0f} % with {} out", quoted(f.element), f.value, quoted(f.contingency));
  if (f.what == "undervoltage" || f.what == "overvoltage")
    return fmt::format("{} {:.3f} pu with {} out", quoted(f.element), f.value, quoted(f.contingency));
  if (f.what == "load lost")
    return fmt::format("{:.1f} MW of load lost with {} out", f.value, quoted(f.contingency));
  return fmt::format("{} out: {}", quoted(f.contingency), f.what);
}

std::string n1_verdict(const SecuritySummary& n) {
  if (!n.run) return "not assessed";
  if (n.secure_n1())
    return fmt::format("secure ({} contingencies{})", n.contingencies,
                       n.only_pre_existing ? fmt::format(", {} with only the base case's violations", n.only_pre_existing)
                                           : std::string());
  std::string s = fmt::format("NOT SECURE — {} of {} contingencies with new violations", n.with_violations + n.no_supply,
                              n.contingencies);
  if (n.not_converged) s += fmt::format(", {} not converging", n.not_converged);
  // The worst finding: a contingency that does not solve, else the highest overload, else the furthest
  // voltage, else the largest load lost.
  const N1Finding* worst = nullptr;
  auto score = [](const N1Finding& f) {
    if (f.what == "not converged" || f.what == "no supply") return 1e9;
    if (f.what == "overload") return 1e6 + f.value;
    if (f.what == "undervoltage" || f.what == "overvoltage") return 1e3 + std::abs(f.value - f.limit) * 1e2;
    return f.value;
  };
  for (const auto& f : n.worst)
    if (!worst || score(f) > score(*worst)) worst = &f;
  if (worst) s += fmt::format(" (worst {})", finding_text(*worst));
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
  const std::string n0 = n0_verdict(r);
  std::string s;
  if (!r.n1.run) s = (r.ok() ? "VERDICT: OK — " : "VERDICT: ") + n0;
  else s = fmt::format("VERDICT: {}N-0 {}; N-1 {}", r.ok() ? "OK — " : "", n0, n1_verdict(r.n1));
  if (r.curtailment.run)
    s += fmt::format("; with {:.1f} MW of wind curtailed{}: {}", r.curtailment.curtailed_mw,
                     r.curtailment.n1 ? " (N-1 secure)" : "",
                     r.curtailment.resolved ? "every violation wind causes removed" : "NOT every violation removed");
  return s;
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

namespace {

using A = TextTable::Align;
using F = TextTable::Fit;

TextTable table(const TextOptions& opt) {
  TextTable t;
  t.set_max_width(opt.wide ? 0 : kTextWidth);
  return t;
}

std::string q_range(const GeneratorState& g) {
  if (std::isnan(g.qmin_mvar) && std::isnan(g.qmax_mvar)) return "unlimited";
  return fixed(g.qmin_mvar, 1) + "…" + fixed(g.qmax_mvar, 1);
}

void generators_section(const StudyReport& r, const TextOptions& opt, std::string& s) {
  std::vector<const GeneratorState*> shown;
  std::vector<std::string> idle;
  for (const auto& g : r.generators) {
    if (!g.energised || g.kind == model::GenKind::Grid) continue;
    if (std::abs(g.p_mw) < 0.05 && std::abs(g.q_mvar) < 0.05 && !g.at_q_limit) idle.push_back(g.name);
    else shown.push_back(&g);
  }
  if (shown.empty() && idle.empty()) return;
  s += fmt::format("\nGenerators in service — {} producing or holding voltage (the grid equivalent: see the exchange)\n",
                   shown.size());
  if (!shown.empty()) {
    TextTable t = table(opt);
    t.add_column("generator", A::Left);
    t.add_column("kind", A::Left);
    t.add_column("bus", A::Left, F::Shrink);
    t.add_column("installed (MW)", A::Right, F::Drop);
    t.add_column("P (MW)", A::Right);
    t.add_column("Q (Mvar)", A::Right);
    t.add_column("Q range (Mvar)", A::Right);
    t.add_column("V set (pu)", A::Right, F::Drop);
    t.add_column("", A::Left);
    for (const auto* g : shown) {
      std::string flag;
      if (g->at_q_limit) flag = std::abs(g->q_mvar - g->qmax_mvar) <= std::abs(g->q_mvar - g->qmin_mvar) ? "AT Q MAX" : "AT Q MIN";
      else if (!std::isnan(g->qmax_mvar) && (g->q_mvar > g->qmax_mvar + 1e-3 || g->q_mvar < g->qmin_mvar - 1e-3))
        flag = "BEYOND Q LIMIT";
      t.add_row({g->name, gen_label(g->kind), g->bus, fixed(g->installed_mw, 1), fixed(g->p_mw, 1), fixed(g->q_mvar, 1),
                 q_range(*g), fixed(g->vg_pu, 3), flag});
    }
    s += t.render();
  }
  if (!idle.empty())
    s += wrap_text(name_list(idle, opt.wide ? idle.size() : 8), opt.wide ? 0 : kTextWidth, "  at 0 MW and 0 Mvar: ", "    ");
}

void loads_section(const StudyReport& r, const TextOptions& opt, std::string& s) {
  std::size_t n = 0;
  for (const auto& l : r.loads) n += l.in_service ? 1 : 0;
  if (n == 0) return;
  s += fmt::format("\nLoads in service — {}\n", n);
  TextTable t = table(opt);
  t.add_column("load", A::Left);
  t.add_column("bus", A::Left, F::Shrink);
  t.add_column("zone", A::Left, F::Drop);
  t.add_column("category", A::Left, F::Drop);
  t.add_column("P (MW)", A::Right);
  t.add_column("Q (Mvar)", A::Right);
  t.add_column("", A::Left);
  for (const auto& l : r.loads) {
    if (!l.in_service) continue;
    t.add_row({l.name, l.bus, l.zone, l.category, fixed(l.p_mw, 2), fixed(l.q_mvar, 2), l.energised ? "" : "NOT SUPPLIED"});
  }
  s += t.render();
}

void reverse_flow_section(const StudyReport& r, const TextOptions& opt, std::string& s) {
  std::vector<const ElementLoading*> rev;
  auto inside_grid = [&](const ElementLoading& e) {
    for (const auto& b : e.buses)
      if (std::find(r.exchange.buses.begin(), r.exchange.buses.end(), b) == r.exchange.buses.end()) return false;
    return true;
  };
  for (const auto& e : r.elements)
    if (e.energised && e.kind != ElementKind::Line && e.reverse_mw >= kReverseFlowMw && !inside_grid(e))
      rev.push_back(&e);
  if (rev.empty()) {
    s += "\nReverse flow through transformers — none (every transformer carries power down to its lower voltage)\n";
    return;
  }
  std::stable_sort(rev.begin(), rev.end(), [](const auto* a, const auto* b) { return a->reverse_mw > b->reverse_mw; });
  s += fmt::format("\nReverse flow through transformers — {}: power sent up from the lower-voltage side\n", rev.size());
  TextTable t = table(opt);
  t.add_column("transformer", A::Left);
  t.add_column("higher-voltage end", A::Left, F::Shrink);
  t.add_column("MW up to the higher voltage", A::Right);
  t.add_column("loading (%)", A::Right);
  for (const auto* e : rev)
    t.add_row({e->name, e->kind == ElementKind::Transformer3W ? e->buses[0] : e->worst_end, fixed(e->reverse_mw, 1),
               fixed(e->loading_pct, 1)});
  s += t.render();
}

void n1_section(const StudyReport& r, const TextOptions& opt, std::string& s) {
  const auto& n = r.n1;
  if (!n.run) return;
  const std::size_t width = opt.wide ? 0 : kTextWidth;
  s += "\n" + wrap_text(fmt::format("N-1 security — {} contingencies ({}); {}", n.contingencies, n.selection, n.limits),
                        width, "", "  ");
  s += wrap_text(fmt::format("{} secure, {} islanding without violations, {} with new or worse violations or load "
                             "lost, {} with only the base case's violations, {} not converging, {} leaving no supply",
                             n.secure, n.islanding_only, n.with_violations, n.only_pre_existing, n.not_converged,
                             n.no_supply),
                 width, "  ", "  ");
  if (n.worst.empty()) return;
  TextTable t = table(opt);
  t.add_column("outage", A::Left);
  t.add_column("violation", A::Left);
  t.add_column("element or bus", A::Left);
  t.add_column("after", A::Right);
  t.add_column("base case", A::Right);
  t.add_column("limit", A::Right);
  const std::size_t shown = std::min(n.worst.size(), opt.top_n);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& f = n.worst[i];
    const bool pct = f.what == "overload";
    const bool mw = f.what == "load lost";
    auto val = [&](double x) {
      if (std::isnan(x)) return std::string("—");
      return pct ? fixed(x, 1) + " %" : mw ? fixed(x, 1) + " MW" : fixed(x, 4) + " pu";
    };
    t.add_row({f.contingency, f.what, f.element, val(f.value), val(f.base_value), pct ? fixed(f.limit, 0) + " %" : val(f.limit)});
  }
  s += "  the worst new or worsened violations (`lsflow n1` for the whole list):\n" + t.render();
  if (n.findings > shown) s += fmt::format("  … and {} more\n", n.findings - shown);
}

void curtailment_section(const StudyReport& r, const TextOptions& opt, std::string& s) {
  const auto& c = r.curtailment;
  if (!c.run) return;
  s += fmt::format("\nWind curtailment{} — {:.1f} MW of {:.1f} MW of wind, {} AC solve{} after the first; {}\n",
                   c.n1 ? " (N-1 secure)" : " (normal operation)", c.curtailed_mw, c.wind_before_mw, c.rounds,
                   c.rounds == 1 ? "" : "s",
                   c.resolved ? "the case above is the curtailed one and has no violation that curtailment can remove"
                              : "NOT every violation could be removed");
  if (!c.units.empty()) {
    TextTable t = table(opt);
    t.add_column("wind farm", A::Left);
    t.add_column("bus", A::Left, F::Shrink);
    t.add_column("before (MW)", A::Right);
    t.add_column("after (MW)", A::Right);
    t.add_column("curtailed (MW)", A::Right);
    for (const auto& u : c.units)
      t.add_row({u.name, u.bus, fixed(u.p_before_mw, 1), fixed(u.p_after_mw, 1), fixed(u.curtailed_mw(), 1)});
    s += t.render();
  }
  if (!c.binding.empty()) s += "  binding: " + name_list(c.binding, opt.wide ? c.binding.size() : 8) + "\n";
  if (!c.remaining.empty())
    s += "  not removable by curtailing wind: " + name_list(c.remaining, opt.wide ? c.remaining.size() : 8) + "\n";
}

}  // namespace

std::string study_report_text(const StudyReport& r, const TextOptions& opt) {
  std::string s;
  const std::size_t width = opt.wide ? 0 : kTextWidth;
  auto field = [&](const char* label, const std::string& text) {
    s += wrap_text(text, width, fmt::format("  {:<10}", label), "            ");
  };
  s += fmt::format("lsflow run — scenario {}{}\n", quoted(r.scenario),
                   r.study_year > 0 ? fmt::format(", study year {}", r.study_year) : "");
  if (!r.scenario_file.empty()) field("file", r.scenario_file);
  if (!r.description.empty()) field("about", r.description);
  field("network", fmt::format("{}{}: {}, {}, {}, {}, {}", r.network.empty() ? "(unnamed)" : r.network,
                               r.network_file.empty() ? "" : " (" + r.network_file + ")", plural(r.n_buses, "bus", "buses"),
                               plural(r.n_branches, "branch", "branches"),
                               plural(r.n_trafos3w, "three-winding transformer", "three-winding transformers"),
                               plural(r.n_generators, "generator", "generators"), plural(r.n_loads, "load", "loads")));
  field("limits", fmt::format("{}{}; loading limit {} % of rating", r.limits.empty() ? "(unnamed)" : r.limits,
                              r.limits_file.empty() ? "" : " (" + r.limits_file + ")", compact(r.loading_limit_pct)));
  if (!r.assumptions.empty()) field("assume", r.assumptions);
  if (!r.base_case.empty()) field("base case", r.base_case);
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
    TextTable t = table(opt);
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
                     "(--no-q-limits)\n",
                     r.q_limit_breaches.size());
    TextTable t = table(opt);
    t.add_column("generator", A::Left, F::Shrink);
    t.add_column("kind", A::Left);
    t.add_column("bus", A::Left, F::Shrink);
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
  generators_section(r, opt, s);

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
      TextTable t = table(opt);
      t.add_column("tie", A::Left);
      t.add_column("kind", A::Left);
      t.add_column("grid end", A::Left, F::Shrink);
      t.add_column("province end", A::Left, F::Shrink);
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
  loads_section(r, opt, s);

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
      TextTable t = table(opt);
      t.add_column("element", A::Left);
      t.add_column("kind", A::Left, F::Drop);
      t.add_column("from", A::Left, F::Shrink);
      t.add_column("to", A::Left, F::Shrink);
      t.add_column("P from (MW)", A::Right);
      t.add_column("Q from (Mvar)", A::Right, F::Drop);
      t.add_column("S max (MVA)", A::Right);
      t.add_column("rating (MVA)", A::Right);
      t.add_column("loading (%)", A::Right);
      t.add_column("limit (%)", A::Right, F::Drop);
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
  reverse_flow_section(r, opt, s);

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
    TextTable t = table(opt);
    t.add_column("bus", A::Left);
    t.add_column("zone", A::Left, F::Drop);
    t.add_column("base (kV)", A::Right);
    t.add_column("V (kV)", A::Right);
    t.add_column("V (pu)", A::Right);
    t.add_column("band (kV)", A::Right, F::Drop);
    t.add_column("band (pu)", A::Right);
    t.add_column("deviation (kV)", A::Right, F::Drop);
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
    TextTable range = table(opt);
    range.add_column("level", A::Left, F::Shrink);
    range.add_column("buses", A::Right);
    range.add_column("lowest", A::Left, F::Shrink);
    range.add_column("V min (pu)", A::Right);
    range.add_column("highest", A::Left, F::Shrink);
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
  n1_section(r, opt, s);
  curtailment_section(r, opt, s);

  // Out of service, de-energised.
  if (!r.out_of_service.empty()) {
    std::map<std::string, std::vector<std::string>> by_kind;
    for (const auto& o : r.out_of_service) by_kind[o.kind].push_back(o.name);
    s += fmt::format("\nOut of service ({})\n", r.out_of_service.size());
    for (const char* kind : {"line", "transformer", "transformer3w", "generator", "load", "shunt"}) {
      auto it = by_kind.find(kind);
      if (it == by_kind.end()) continue;
      s += wrap_text(name_list(it->second, opt.wide ? it->second.size() : 6), opt.wide ? 0 : kTextWidth,
                     fmt::format("  {:<14} {:>3}: ", kind, it->second.size()), "                      ");
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
