// StudyReport: one solved case → what an engineer reads (conventions at the top of study_report.hpp).
//
// Loading of an element = the larger apparent power of its ends over its rating:
//   line / two-winding transformer:  max(|S_from|, |S_to|) / rate_a          (BranchResult::loading_pct)
//   three-winding transformer:       max_w |S_w| / sn_w over windings HV, MV, LV (each its own rating)
// An element is overloaded when its loading exceeds the normal-operation limit (Limits::loading_max_pct).
//
// The grid equivalent is found from the data (model/grid_equivalent.hpp), over the energised elements.
// Tie flows are the elements with exactly one end in the equivalent, measured at that end; their sum is
// the import less the losses inside the equivalent.
#include "report/study_report.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"
#include "model/grid_equivalent.hpp"

namespace lsflow::report {

using nlohmann::json;

std::string_view to_string(ElementKind kind) {
  switch (kind) {
    case ElementKind::Line: return "line";
    case ElementKind::Transformer: return "transformer";
    case ElementKind::Transformer3W: return "transformer3w";
  }
  return "line";
}

namespace {

bool parse_element_kind(std::string_view s, ElementKind& out) {
  for (ElementKind k : {ElementKind::Line, ElementKind::Transformer, ElementKind::Transformer3W})
    if (s == to_string(k)) {
      out = k;
      return true;
    }
  return false;
}

// Short labels for tables.
std::string_view short_kind(ElementKind kind) {
  switch (kind) {
    case ElementKind::Line: return "line";
    case ElementKind::Transformer: return "trafo";
    case ElementKind::Transformer3W: return "trafo3w";
  }
  return "line";
}

std::string bus_name(const model::Network& net, BusIdx b) {
  if (!b.valid()) return "a transformer star point";
  const auto& bus = net.bus(b);
  return bus.name.empty() ? fmt::format("bus {}", bus.id) : bus.name;
}

std::size_t idx(BusIdx b) { return static_cast<std::size_t>(b.value); }

double capacity_mw(const model::Generator& g) {
  const double c = g.installed_mw > 0.0 ? g.installed_mw : g.pmax_mw;
  return std::isfinite(c) ? c : 0.0;
}

// ---------------------------------------------------------------------------------------------------
// Building

void fill_convergence(const model::Network& net, const NetworkSolution& sol, StudyReport& r) {
  auto& c = r.convergence;
  c.converged = sol.converged;
  c.dc = sol.dc;
  c.iterations = sol.iterations;
  c.max_mismatch_mva = sol.max_mismatch_mva;
  c.islands = sol.islands.size();
  for (const auto& isl : sol.islands) {
    if (isl.converged) {
      c.rescued += describe_attempts(net, isl);
      continue;
    }
    IslandFailure f;
    f.n_bus = isl.n_bus;
    f.iterations = isl.iterations;
    f.max_mismatch_mva = isl.max_mismatch_mva;
    f.worst_bus = bus_name(net, isl.worst_bus);
    f.failure = isl.failure;
    f.mismatch_history_mva = isl.mismatch_history_mva;
    f.diagnosis = describe_attempts(net, isl);
    c.failures.push_back(std::move(f));
  }
}

void fill_generation(const model::Network& net, const NetworkSolution& sol, StudyReport& r) {
  using model::GenKind;
  std::vector<KindGeneration> kinds;
  for (GenKind k : {GenKind::Thermal, GenKind::Hydro, GenKind::Solar, GenKind::Wind, GenKind::Other})
    kinds.push_back(KindGeneration{k});
  auto& ex = r.exchange;
  for (std::size_t g = 0; g < net.generators.size(); ++g) {
    const auto& gen = net.generators[g];
    if (!gen.in_service || !sol.buses[idx(gen.bus)].energised) continue;
    if (gen.kind == GenKind::Grid) {
      ex.generators.push_back(gen.name);
      ex.import_mw += sol.gens[g].p_mw;
      ex.import_mvar += sol.gens[g].q_mvar;
      continue;
    }
    // Thermal, hydro, solar, wind are the enum's first four; Other goes to the fifth row.
    auto& k = kinds[gen.kind == GenKind::Other ? 4 : static_cast<std::size_t>(gen.kind)];
    ++k.units;
    k.installed_mw += capacity_mw(gen);
    k.p_mw += sol.gens[g].p_mw;
    k.q_mvar += sol.gens[g].q_mvar;
  }
  if (kinds.back().units == 0) kinds.pop_back();   // "other" only when the network has some
  r.generation = std::move(kinds);

  constexpr double kQTolMvar = 1e-3;
  for (std::size_t g = 0; g < net.generators.size(); ++g) {
    const auto& gen = net.generators[g];
    if (!gen.in_service || !sol.buses[idx(gen.bus)].energised || !(gen.qmax_mvar > gen.qmin_mvar)) continue;
    const double q = sol.gens[g].q_mvar;
    if (q > gen.qmax_mvar + kQTolMvar || q < gen.qmin_mvar - kQTolMvar)
      r.q_limit_breaches.push_back({gen.name, gen.kind, bus_name(net, gen.bus), q, gen.qmin_mvar, gen.qmax_mvar});
  }
  std::stable_sort(r.q_limit_breaches.begin(), r.q_limit_breaches.end(),
                   [](const auto& a, const auto& b) { return a.excess_mvar() > b.excess_mvar(); });
}

void fill_exchange_ties(const model::Network& net, const NetworkSolution& sol, StudyReport& r) {
  const auto nb = net.buses.size();
  model::ElementsOn on;
  on.bus.resize(nb);
  for (std::size_t i = 0; i < nb; ++i) on.bus[i] = sol.buses[i].energised;
  on.branch.resize(net.branches.size());
  for (std::size_t k = 0; k < net.branches.size(); ++k) on.branch[k] = sol.branches[k].energised;
  on.trafo3w.resize(net.transformers3w.size());
  for (std::size_t k = 0; k < net.transformers3w.size(); ++k) on.trafo3w[k] = sol.trafos3w[k].energised;
  const std::vector<bool> in_equiv = model::grid_equivalent_buses(net, on);
  for (std::size_t i = 0; i < nb; ++i)
    if (in_equiv[i]) r.exchange.buses.push_back(bus_name(net, BusIdx{static_cast<std::int32_t>(i)}));

  for (std::size_t k = 0; k < net.branches.size(); ++k) {
    const auto& br = net.branches[k];
    const auto& res = sol.branches[k];
    if (!res.energised) continue;
    const bool f = in_equiv[idx(br.from)], t = in_equiv[idx(br.to)];
    if (f == t) continue;
    TieFlow tie;
    tie.element = br.name;
    tie.kind = br.kind == model::BranchKind::Line ? ElementKind::Line : ElementKind::Transformer;
    tie.grid_bus = bus_name(net, f ? br.from : br.to);
    tie.province_bus = bus_name(net, f ? br.to : br.from);
    const FlowEnd& end = f ? res.from : res.to;
    tie.p_in_mw = end.p_mw;
    tie.q_in_mvar = end.q_mvar;
    tie.rating_mva = br.rate_a_mva;
    tie.loading_pct = res.loading_pct;
    r.exchange.ties.push_back(std::move(tie));
  }
  for (std::size_t k = 0; k < net.transformers3w.size(); ++k) {
    const auto& t = net.transformers3w[k];
    const auto& res = sol.trafos3w[k];
    if (!res.energised) continue;
    const std::array<BusIdx, 3> wb = {t.hv_bus, t.mv_bus, t.lv_bus};
    int n_in = 0;
    for (BusIdx b : wb) n_in += in_equiv[idx(b)] ? 1 : 0;
    if (n_in != 1) continue;
    const std::array<double, 3> sn = {t.sn_hv_mva, t.sn_mv_mva, t.sn_lv_mva};
    for (std::size_t w = 0; w < 3; ++w) {
      if (!in_equiv[idx(wb[w])]) continue;
      TieFlow tie;
      tie.element = t.name;
      tie.kind = ElementKind::Transformer3W;
      tie.grid_bus = bus_name(net, wb[w]);
      tie.province_bus = fmt::format("{} / {}", bus_name(net, wb[(w + 1) % 3]), bus_name(net, wb[(w + 2) % 3]));
      tie.p_in_mw = res.winding[w].p_mw;
      tie.q_in_mvar = res.winding[w].q_mvar;
      tie.rating_mva = sn[w];
      tie.loading_pct = sn[w] > 0.0 ? 100.0 * res.winding[w].s_mva() / sn[w] : kNaN;
      r.exchange.ties.push_back(std::move(tie));
    }
  }
}

void fill_balance(const model::Network& net, const NetworkSolution& sol, StudyReport& r) {
  auto& b = r.balance;
  for (const auto& k : r.generation) b.generation_mw += k.p_mw;
  b.import_mw = r.exchange.import_mw;
  for (const auto& l : net.loads)
    if (l.in_service && sol.buses[idx(l.bus)].energised) {
      b.load_mw += l.p_mw;
      b.load_mvar += l.q_mvar;
    }
  for (const auto& s : net.shunts)
    if (s.in_service && sol.buses[idx(s.bus)].energised) {
      const double vm = sol.buses[idx(s.bus)].vm_pu;
      b.shunt_mw += s.g_mw * vm * vm;
    }
  b.losses_mw = sol.losses_mw();
  for (const auto& d : sol.deenergised) b.unserved_mw += d.load_mw;
}

void fill_elements(const model::Network& net, const NetworkSolution& sol, StudyReport& r) {
  r.elements.reserve(net.branches.size() + net.transformers3w.size());
  for (std::size_t k = 0; k < net.branches.size(); ++k) {
    const auto& br = net.branches[k];
    const auto& res = sol.branches[k];
    ElementLoading e;
    e.name = br.name;
    e.kind = br.kind == model::BranchKind::Line ? ElementKind::Line : ElementKind::Transformer;
    e.buses = {bus_name(net, br.from), bus_name(net, br.to)};
    e.in_service = br.in_service;
    e.energised = res.energised;
    e.rating_mva = br.rate_a_mva;
    if (res.energised) {
      e.ends = {res.from, res.to};
      const bool from_worse = res.from.s_mva() >= res.to.s_mva();
      e.s_mva = from_worse ? res.from.s_mva() : res.to.s_mva();
      e.worst_end = e.buses[from_worse ? 0 : 1];
      e.loading_pct = res.loading_pct;
      e.loss_mw = res.loss_mw();
    }
    r.elements.push_back(std::move(e));
  }
  for (std::size_t k = 0; k < net.transformers3w.size(); ++k) {
    const auto& t = net.transformers3w[k];
    const auto& res = sol.trafos3w[k];
    ElementLoading e;
    e.name = t.name;
    e.kind = ElementKind::Transformer3W;
    e.buses = {bus_name(net, t.hv_bus), bus_name(net, t.mv_bus), bus_name(net, t.lv_bus)};
    e.in_service = t.in_service;
    e.energised = res.energised;
    const std::array<double, 3> sn = {t.sn_hv_mva, t.sn_mv_mva, t.sn_lv_mva};
    e.rating_mva = sn[0];
    if (res.energised) {
      e.ends = {res.winding[0], res.winding[1], res.winding[2]};
      // The worst winding, each against its own rating (Trafo3wResult::loading_pct is its loading).
      std::size_t worst = 0;
      double worst_pct = -1.0;
      for (std::size_t w = 0; w < 3; ++w) {
        const double pct = sn[w] > 0.0 ? 100.0 * res.winding[w].s_mva() / sn[w] : -1.0;
        if (pct > worst_pct) {
          worst_pct = pct;
          worst = w;
        }
      }
      e.rating_mva = sn[worst];
      e.s_mva = res.winding[worst].s_mva();
      e.worst_end = e.buses[worst];
      e.loading_pct = res.loading_pct;
      e.loss_mw = res.loss_mw();
    }
    r.elements.push_back(std::move(e));
  }
  for (const auto& e : r.elements) {
    if (!e.energised || std::isnan(e.loading_pct) || e.loading_pct <= r.loading_limit_pct) continue;
    r.overloads.push_back(
        Overload{e.name, e.kind, e.loading_pct, r.loading_limit_pct, e.rating_mva, e.s_mva, e.worst_end});
  }
  std::stable_sort(r.overloads.begin(), r.overloads.end(),
                   [](const Overload& a, const Overload& b) { return a.loading_pct > b.loading_pct; });
}

void fill_buses(const model::Network& net, const NetworkSolution& sol, const ReportLimits& lim, StudyReport& r) {
  r.levels_checked = lim.levels;
  r.buses.reserve(net.buses.size());
  for (std::size_t i = 0; i < net.buses.size(); ++i) {
    const auto& b = net.buses[i];
    const auto& res = sol.buses[i];
    BusState s;
    s.name = bus_name(net, BusIdx{static_cast<std::int32_t>(i)});
    s.id = b.id;
    s.zone = b.zone;
    s.base_kv = b.base_kv;
    s.energised = res.energised;
    if (res.energised) {
      s.vm_pu = res.vm_pu;
      s.v_kv = res.v_kv;
      s.va_deg = res.va_deg;
    }
    if (i < lim.band_of_bus.size() && lim.band_of_bus[i]) {
      const auto& band = *lim.band_of_bus[i];
      s.level = band.level;
      s.vmin_pu = band.vmin_pu;
      s.vmax_pu = band.vmax_pu;
      if (res.energised) {
        if (res.vm_pu < band.vmin_pu) s.deviation_pu = res.vm_pu - band.vmin_pu;
        else if (res.vm_pu > band.vmax_pu) s.deviation_pu = res.vm_pu - band.vmax_pu;
      }
    } else if (res.energised) {
      ++r.buses_without_band;
    }
    if (s.out_of_band())
      r.voltage_violations.push_back(VoltageViolation{s.name, s.zone, s.level, s.base_kv, s.vm_pu, s.v_kv,
                                                      s.vmin_pu, s.vmax_pu, s.deviation_pu});
    r.buses.push_back(std::move(s));
  }
  auto level_rank = [&](const std::string& level) {
    auto it = std::find(r.levels_checked.begin(), r.levels_checked.end(), level);
    return static_cast<std::size_t>(it - r.levels_checked.begin());
  };
  std::stable_sort(r.voltage_violations.begin(), r.voltage_violations.end(),
                   [&](const VoltageViolation& a, const VoltageViolation& b) {
                     const auto la = level_rank(a.level), lb = level_rank(b.level);
                     if (la != lb) return la < lb;
                     return std::abs(a.deviation_pu) > std::abs(b.deviation_pu);
                   });
}

void fill_outages(const model::Network& net, const NetworkSolution& sol, StudyReport& r) {
  for (const auto& br : net.branches)
    if (!br.in_service) r.out_of_service.push_back({br.name, br.kind == model::BranchKind::Line ? "line" : "transformer"});
  for (const auto& t : net.transformers3w)
    if (!t.in_service) r.out_of_service.push_back({t.name, "transformer3w"});
  for (const auto& g : net.generators)
    if (!g.in_service) r.out_of_service.push_back({g.name, "generator"});
  for (const auto& l : net.loads)
    if (!l.in_service) r.out_of_service.push_back({l.name, "load"});
  for (const auto& s : net.shunts)
    if (!s.in_service) r.out_of_service.push_back({s.name, "shunt"});
  for (const auto& d : sol.deenergised) {
    DeenergisedArea a;
    for (BusIdx b : d.buses) a.buses.push_back(bus_name(net, b));
    a.load_mw = d.load_mw;
    r.deenergised.push_back(std::move(a));
  }
}

}  // namespace

std::size_t StudyReport::unrated_elements() const {
  return static_cast<std::size_t>(
      std::count_if(elements.begin(), elements.end(), [](const auto& e) { return e.energised && !e.rated(); }));
}

StudyReport build_study_report(const model::Network& net, const NetworkSolution& sol, const ReportLimits& limits,
                               const std::string& scenario) {
  StudyReport r;
  r.scenario = scenario;
  r.network = net.name;
  r.network_file = net.source_file;
  r.limits = limits.name;
  r.limits_file = limits.source_file;
  r.n_buses = net.buses.size();
  r.n_branches = net.branches.size();
  r.n_trafos3w = net.transformers3w.size();
  r.n_generators = net.generators.size();
  r.n_loads = net.loads.size();
  r.loading_limit_pct = limits.loading_max_pct;
  fill_convergence(net, sol, r);
  if (!sol.converged) return r;
  fill_generation(net, sol, r);
  fill_exchange_ties(net, sol, r);
  fill_balance(net, sol, r);
  fill_elements(net, sol, r);
  fill_buses(net, sol, limits, r);
  fill_outages(net, sol, r);
  return r;
}

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

}  // namespace

json study_report_json(const StudyReport& r) {
  json j;
  j["format"] = "lsflow-study-report";
  j["version"] = 1;
  j["scenario"] = {
      {"name", r.scenario}, {"file", r.scenario_file}, {"description", r.description}, {"study_year", r.study_year}};
  j["network"] = {{"name", r.network},           {"file", r.network_file},   {"buses", r.n_buses},
                  {"branches", r.n_branches},    {"trafos3w", r.n_trafos3w}, {"generators", r.n_generators},
                  {"loads", r.n_loads}};
  j["limits"] = {{"name", r.limits}, {"file", r.limits_file}, {"loading_max_pct", r.loading_limit_pct},
                 {"levels", r.levels_checked}};
  j["convergence"] = convergence_json(r.convergence);
  j["verdict"] = {{"text", verdict_line(r)},
                  {"ok", r.ok()},
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
                   {"loss_mw", e.loss_mw}});
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
                     {"deviation_pu", s.deviation_pu}});
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
  } catch (const json::exception& e) {
    throw InputError(fmt::format("malformed study report: {}", e.what()));
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------
// CSV

namespace {
std::string num(double x) { return std::isnan(x) ? std::string() : fmt::format("{:.10g}", x); }
}  // namespace

std::string buses_report_csv(const StudyReport& r) {
  std::string out =
      "bus,id,zone,base_kv,level,energised,vm_pu,v_kv,va_deg,band_min_pu,band_max_pu,deviation_pu,status\n";
  for (const auto& b : r.buses) {
    const char* status = !b.energised ? "deenergised" : !b.has_band() ? "no_band" : b.deviation_pu < 0 ? "low"
                                                                                 : b.deviation_pu > 0 ? "high"
                                                                                                      : "ok";
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(b.name), b.id, csv_field(b.zone),
                       num(b.base_kv), csv_field(b.level), b.energised ? 1 : 0, num(b.vm_pu), num(b.v_kv),
                       num(b.va_deg), num(b.vmin_pu), num(b.vmax_pu), num(b.deviation_pu), status);
  }
  return out;
}

std::string branches_report_csv(const StudyReport& r) {
  std::string out =
      "element,kind,from_bus,to_bus,lv_bus,in_service,energised,p_from_mw,q_from_mvar,p_to_mw,q_to_mvar,p_lv_mw,"
      "q_lv_mvar,loss_mw,s_mva,rating_mva,loading_pct,limit_pct,status\n";
  for (const auto& e : r.elements) {
    auto end = [&](std::size_t i, bool q) -> std::string {
      if (i >= e.ends.size()) return "";
      return num(q ? e.ends[i].q_mvar : e.ends[i].p_mw);
    };
    const char* status = !e.in_service           ? "out_of_service"
                         : !e.energised          ? "deenergised"
                         : !e.rated()            ? "unrated"
                         : e.loading_pct > r.loading_limit_pct ? "overload"
                                                               : "ok";
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(e.name),
                       to_string(e.kind), csv_field(e.buses[0]), csv_field(e.buses.size() > 1 ? e.buses[1] : ""),
                       csv_field(e.buses.size() > 2 ? e.buses[2] : ""), e.in_service ? 1 : 0, e.energised ? 1 : 0,
                       end(0, false), end(0, true), end(1, false), end(1, true), end(2, false), end(2, true),
                       e.energised ? num(e.loss_mw) : "", e.energised ? num(e.s_mva) : "", num(e.rating_mva),
                       num(e.loading_pct), num(r.loading_limit_pct), status);
  }
  return out;
}

std::string violations_csv(const StudyReport& r) {
  std::string out = "type,element,kind,level,value,unit,limit,excess,excess_unit,detail\n";
  for (const auto& o : r.overloads)
    out += fmt::format("overload,{},{},,{},pct,{},{},pct,{}\n", csv_field(o.element), to_string(o.kind),
                       num(o.loading_pct), num(o.limit_pct), num(o.loading_pct - o.limit_pct),
                       csv_field(fmt::format("{:.1f} MVA of {:.1f} MVA at {}", o.s_mva, o.rating_mva, o.worst_end)));
  for (const auto& v : r.voltage_violations)
    out += fmt::format("{},{},bus,{},{},pu,{},{},pu,{}\n", v.low() ? "undervoltage" : "overvoltage", csv_field(v.bus),
                       csv_field(v.level), num(v.vm_pu), num(v.limit_pu()), num(std::abs(v.deviation_pu)),
                       csv_field(fmt::format("{:.2f} kV, band {:.1f}-{:.1f} kV", v.v_kv, v.vmin_pu * v.base_kv,
                                             v.vmax_pu * v.base_kv)));
  for (const auto& q : r.q_limit_breaches)
    out += fmt::format("q_limit,{},generator,,{},mvar,{},{},mvar,{}\n", csv_field(q.generator), num(q.q_mvar),
                       num(q.q_mvar > q.qmax_mvar ? q.qmax_mvar : q.qmin_mvar), num(q.excess_mvar()),
                       csv_field(fmt::format("{} at {}; Q limits not enforced", model::to_string(q.kind), q.bus)));
  for (const auto& d : r.deenergised)
    for (const auto& b : d.buses)
      out += fmt::format("deenergised,{},bus,,,,,,,{}\n", csv_field(b),
                         csv_field(fmt::format("island of {} buses, {:.1f} MW of load not supplied", d.buses.size(),
                                               d.load_mw)));
  return out;
}

const std::vector<std::string>& study_report_files() {
  static const std::vector<std::string> files = {"buses.csv", "branches.csv", "violations.csv", "report.json"};
  return files;
}

void write_study_report(const std::string& dir, const StudyReport& r) {
  if (!r.converged()) throw std::logic_error("write_study_report: the case did not converge");
  io::ensure_directory(dir);
  // An older report.json goes first, so a run interrupted midway never leaves a set that looks whole.
  std::error_code ec;
  std::filesystem::remove(std::filesystem::path(dir) / "report.json", ec);
  io::write_file_atomic(dir + "/buses.csv", buses_report_csv(r));
  io::write_file_atomic(dir + "/branches.csv", branches_report_csv(r));
  io::write_file_atomic(dir + "/violations.csv", violations_csv(r));
  io::write_file_atomic(dir + "/report.json", study_report_json(r).dump(2) + "\n");
}

StudyReport read_study_report(const std::string& dir) {
  const auto path = (std::filesystem::path(dir) / "report.json").string();
  std::ifstream in(path);
  if (!in)
    throw InputError(SourceLoc{dir, 0}, "no report.json here: not a folder written by `lsflow run --out`, or "
                                        "that run did not converge");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw InputError(SourceLoc{path, 0}, fmt::format("not valid JSON: {}", e.what()));
  }
  try {
    return study_report_from_json(j);
  } catch (const InputError& e) {
    throw InputError(SourceLoc{path, 0}, e.message());
  }
}

}  // namespace lsflow::report
