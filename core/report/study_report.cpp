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

bool parse_element_kind(std::string_view s, ElementKind& out) {
  for (ElementKind k : {ElementKind::Line, ElementKind::Transformer, ElementKind::Transformer3W})
    if (s == to_string(k)) {
      out = k;
      return true;
    }
  return false;
}

std::string_view short_kind(ElementKind kind) {
  switch (kind) {
    case ElementKind::Line: return "line";
    case ElementKind::Transformer: return "trafo";
    case ElementKind::Transformer3W: return "trafo3w";
  }
  return "line";
}

namespace {

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
      // A two-winding transformer between two voltage levels: what leaves at the higher one.
      const double kv_f = net.bus(br.from).base_kv, kv_t = net.bus(br.to).base_kv;
      if (br.kind == model::BranchKind::Transformer && kv_f != kv_t) {
        const double p_in_hv = kv_f > kv_t ? res.from.p_mw : res.to.p_mw;
        e.reverse_mw = std::max(0.0, -p_in_hv);
      }
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
      e.reverse_mw = std::max(0.0, -res.winding[0].p_mw);   // out of the transformer at HV
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
    if (b.lat_deg && b.lon_deg) {
      s.lat_deg = *b.lat_deg;
      s.lon_deg = *b.lon_deg;
    }
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

void fill_units(const model::Network& net, const NetworkSolution& sol, StudyReport& r) {
  auto limit = [](double q) { return std::isfinite(q) ? q : kNaN; };
  for (std::size_t g = 0; g < net.generators.size(); ++g) {
    const auto& gen = net.generators[g];
    GeneratorState x;
    x.name = gen.name;
    x.kind = gen.kind;
    x.bus = bus_name(net, gen.bus);
    x.in_service = gen.in_service;
    x.energised = gen.in_service && sol.buses[idx(gen.bus)].energised;
    x.installed_mw = capacity_mw(gen);
    x.qmin_mvar = limit(gen.qmin_mvar);
    x.qmax_mvar = limit(gen.qmax_mvar);
    x.vg_pu = gen.vg_pu;
    if (x.energised) {
      x.p_mw = sol.gens[g].p_mw;
      x.q_mvar = sol.gens[g].q_mvar;
      x.at_q_limit = sol.gens[g].at_q_limit;
    }
    r.generators.push_back(std::move(x));
  }
  for (const auto& l : net.loads) {
    LoadState x;
    x.name = l.name;
    x.bus = bus_name(net, l.bus);
    x.zone = net.bus(l.bus).zone;
    x.category = l.category;
    x.in_service = l.in_service;
    x.energised = l.in_service && sol.buses[idx(l.bus)].energised;
    if (x.in_service) {
      x.p_mw = l.p_mw;
      x.q_mvar = l.q_mvar;
    }
    r.loads.push_back(std::move(x));
  }
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
  fill_units(net, sol, r);
  fill_outages(net, sol, r);
  return r;
}

StudyReport network_skeleton(const model::Network& net, const ReportLimits& limits) {
  NetworkSolution sol;
  sol.converged = true;
  sol.buses.resize(net.buses.size());
  for (std::size_t i = 0; i < net.buses.size(); ++i) {
    sol.buses[i].energised = net.buses[i].type != model::BusType::Isolated;
    sol.buses[i].vm_pu = kNaN;
    sol.buses[i].v_kv = kNaN;
    sol.buses[i].va_deg = kNaN;
  }
  sol.gens.resize(net.generators.size());
  sol.branches.resize(net.branches.size());
  for (std::size_t k = 0; k < net.branches.size(); ++k) sol.branches[k].energised = net.branches[k].in_service;
  sol.trafos3w.resize(net.transformers3w.size());
  for (std::size_t k = 0; k < net.transformers3w.size(); ++k) sol.trafos3w[k].energised = net.transformers3w[k].in_service;
  StudyReport r = build_study_report(net, sol, limits, net.name);
  r.overloads.clear();
  r.voltage_violations.clear();
  for (auto& b : r.buses) b.deviation_pu = 0.0;
  return r;
}

}  // namespace lsflow::report
