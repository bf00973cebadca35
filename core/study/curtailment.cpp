// Wind curtailment of one case; the method is at the top of curtailment.hpp.
#include "study/curtailment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <chrono>
#include <mutex>
#include <set>

#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "report/tap_control.hpp"
#include "study/n1_report.hpp"
#include "study/profiles.hpp"
#include "study/progress.hpp"
#include "study/scenario.hpp"
#include "study/timeseries.hpp"

namespace lsflow::study {

namespace {

// A solve that may meet what a post-contingency network can be (an island cut off with generation and no
// reference): not converged then.
report::NetworkSolution try_solve(const model::Network& net, const report::SolveOptions& so) {
  try {
    return report::solve_network(net, so);
  } catch (const std::exception&) {
    return {};
  }
}

constexpr double kMarginPct = 0.5;   // land this far inside a loading limit (percentage points)
constexpr double kMarginPu = 0.001;  // and this far inside a voltage band
constexpr double kMinMw = 0.5;       // the smallest cut worth a round

bool is_wind(const model::Generator& g) { return g.in_service && g.kind == model::GenKind::Wind; }

std::string bus_name(const model::Network& net, BusIdx b) {
  const auto& bus = net.bus(b);
  return bus.name.empty() ? fmt::format("bus {}", bus.id) : bus.name;
}

// The wind units of `net` with output, grouped by bus.
std::map<std::int32_t, std::vector<std::size_t>> farm_buses(const model::Network& net) {
  std::map<std::int32_t, std::vector<std::size_t>> out;
  for (std::size_t g = 0; g < net.generators.size(); ++g)
    if (is_wind(net.generators[g]) && net.generators[g].p_mw > 0.05)
      out[net.generators[g].bus.value].push_back(g);
  return out;
}

double group_mw(const model::Network& net, const std::vector<std::size_t>& units) {
  double p = 0.0;
  for (auto g : units) p += net.generators[g].p_mw;
  return p;
}

// Lowers the group's output by `mw`, each unit by the same share of its output.
void cut_group(model::Network& net, const std::vector<std::size_t>& units, double mw) {
  const double total = group_mw(net, units);
  if (total <= 0.0) return;
  const double share = std::min(1.0, mw / total);
  for (auto g : units) net.generators[g].p_mw -= net.generators[g].p_mw * share;
}

void take_out(model::Network& net, const ElementRef& e) {
  const auto i = static_cast<std::size_t>(e.index);
  switch (e.kind) {
    case ElementRef::Kind::Branch:
      net.branches[i].in_service = false;
      break;
    case ElementRef::Kind::Trafo3W:
      net.transformers3w[i].in_service = false;
      break;
    case ElementRef::Kind::Generator:
      net.generators[i].in_service = false;
      break;
  }
}

// N-0, as one hour of a time series with curtailment.
void curtail_n0(model::Network& net, const ContingencyLimits& limits, const CurtailmentOptions& opt,
                report::CurtailmentSummary& out) {
  Profiles one;
  one.source_file = "(the case)";
  one.hours = 1;
  one.line_of_hour = {0};
  TimeSeriesOptions to;
  to.tol_pu = opt.solve.pf.tol_pu;
  to.max_iter = opt.solve.pf.max_iter;
  to.enforce_q_limits = opt.solve.pf.enforce_q_limits;
  to.tap_control = opt.solve.tap_control;
  to.curtail = true;
  to.keep_hourly = true;
  TimeSeries ts(net, one, limits, to);
  std::vector<double> p;
  const auto res = ts.run(0, 1, nullptr, nullptr, [&](const HourView& v) {
    if (v.converged) p = *v.gen_p_mw;
  });
  if (res.hours_converged == 0 || p.empty()) {
    out.remaining.push_back(
        "the case has no power-flow solution, not even with its wind curtailed to nothing");
    return;
  }
  const auto& h = res.hourly.front();
  out.rounds = h.curtail_rounds;
  out.resolved = !h.curtail_unresolved;
  for (std::size_t g = 0; g < net.generators.size(); ++g)
    if (is_wind(net.generators[g])) net.generators[g].p_mw = p[g];
  for (std::size_t e = 0; e < res.elements.size(); ++e)
    if (res.elements[e].curtail_hours > 0) out.binding.push_back(ts.element_label(e));
  for (std::size_t i = 0; i < res.buses.size(); ++i)
    if (res.buses[i].curtail_hours > 0)
      out.binding.push_back(bus_name(net, BusIdx{static_cast<std::int32_t>(i)}) + " voltage");
}

// The violated quantity of a finding in a solved post-contingency state: loading % of the emergency
// rating (monitor), or |V| pu (bus).
struct Target {
  std::int32_t contingency = -1;
  std::int32_t monitor = -1;  // an overload
  BusIdx bus;                 // or a voltage violation
  bool low = false;
  double limit = 0.0;  // % or pu
};

double quantity(const model::Network& net, const ContingencyAnalysis& ca, const report::NetworkSolution& sol,
                const Target& t) {
  if (t.monitor < 0) return sol.buses[static_cast<std::size_t>(t.bus.value)].vm_pu;
  const auto nb = static_cast<std::int32_t>(net.branches.size());
  const double rating = ca.emergency_rating_mva(t.monitor);
  double s = 0.0;
  if (t.monitor < nb) {
    const auto& b = sol.branches[static_cast<std::size_t>(t.monitor)];
    s = std::max(b.from.s_mva(), b.to.s_mva());
  } else {
    const auto k = static_cast<std::size_t>((t.monitor - nb) / 3),
               w = static_cast<std::size_t>((t.monitor - nb) % 3);
    s = sol.trafos3w[k].winding[w].s_mva();
  }
  return rating > 0.0 ? 100.0 * s / rating : 0.0;
}

}  // namespace

bool curtail_n1_secure(model::Network& net, const ContingencyLimits& limits, const Scenario* scenario,
                       const CurtailmentOptions& opt, report::CurtailmentSummary& out) {
  std::set<std::tuple<std::int32_t, std::int32_t, std::int32_t>>
      skip;  // (contingency, monitor, bus): not removable
  bool secure = false;
  report::SolveOptions held = opt.solve;
  held.tap_control = false;  // after an outage the taps stay where the base case has them
  for (int round = 0; round < opt.max_rounds; ++round) {
    const auto base = try_solve(net, opt.solve);
    if (!base.converged) break;
    model::Network tapped = net;
    report::apply_tap_positions(tapped, base);
    ContingencyOptions co;
    co.tol_pu = opt.solve.pf.tol_pu;
    co.max_iter = opt.solve.pf.max_iter;
    co.threads = opt.threads;
    co.enforce_q_limits = opt.solve.pf.enforce_q_limits;
    ContingencyAnalysis ca(tapped, limits, co);
    const auto list = scenario ? scenario_contingencies(*scenario, ca) : ca.credible_contingencies();
    const auto res = ca.run(list);
    // The worst new or worsened violation not yet found unrelievable: overloads first, the highest.
    Target t;
    double worst = -1.0;
    for (const auto& o : res.overloads) {
      if (!outage_related(o) || skip.count({o.contingency, o.monitor, -1})) continue;
      if (o.loading_pct - limits.loading_n1_pct > worst) {
        worst = o.loading_pct - limits.loading_n1_pct;
        t = Target{o.contingency, o.monitor, {}, false, limits.loading_n1_pct};
      }
    }
    if (worst < 0.0)
      for (const auto& v : res.voltage_violations) {
        if (!outage_related(v) || skip.count({v.contingency, -1, v.bus.value})) continue;
        if (v.excess_pu() > worst) {
          worst = v.excess_pu();
          const bool low = v.vm_pu < v.vmin_pu;
          t = Target{v.contingency, -1, v.bus, low, low ? v.vmin_pu : v.vmax_pu};
        }
      }
    if (worst < 0.0) {
      secure = skip.empty();   // nothing left that wind relieves; secure only if nothing was left at all
      break;
    }
    const auto& outage = list[static_cast<std::size_t>(t.contingency)].element;
    const std::string what =
        (t.monitor >= 0 ? ca.monitor_label(t.monitor) : bus_name(net, t.bus) + " voltage") + " with " +
        element_label(net, outage) + " out";
    // The post-contingency case and each farm bus's effect on the violated quantity.
    model::Network post = tapped;
    take_out(post, outage);
    const auto p0 = try_solve(post, held);
    const auto farms = farm_buses(post);
    std::int32_t best = -1;
    double best_sens = 0.0, q0 = 0.0;
    if (p0.converged) {
      q0 = quantity(post, ca, p0, t);
      for (const auto& [bus, units] : farms) {
        const double delta = std::min(opt.probe_mw, group_mw(post, units));
        if (delta <= 0.0) continue;
        model::Network probe = post;
        cut_group(probe, units, delta);
        const auto ps = try_solve(probe, held);
        if (!ps.converged) continue;
        const double q = quantity(probe, ca, ps, t);
        const double sens = (t.monitor < 0 && t.low ? q - q0 : q0 - q) / delta;  // relief per MW curtailed
        if (sens > best_sens) {
          best_sens = sens;
          best = bus;
        }
      }
    }
    const double min_sens = t.monitor >= 0 ? 1e-3 : 1e-6;  // % per MW, pu per MW
    if (best < 0 || best_sens < min_sens) {
      skip.insert({t.contingency, t.monitor, t.monitor >= 0 ? -1 : t.bus.value});
      out.remaining.push_back(what + " (no wind farm relieves it)");
      continue;
    }
    const double excess = t.monitor >= 0 ? q0 - (t.limit - kMarginPct)
                                         : (t.low ? (t.limit + kMarginPu) - q0 : q0 - (t.limit - kMarginPu));
    const auto& units = farms.at(best);
    const double cut = std::min(group_mw(net, units), std::max(kMinMw, excess / best_sens));
    cut_group(net, units, cut);
    if (std::find(out.binding.begin(), out.binding.end(), what) == out.binding.end())
      out.binding.push_back(what);
    ++out.rounds;
  }
  out.resolved = out.resolved && secure;
  return secure;
}

report::CurtailmentSummary curtail_case(model::Network& net, const ContingencyLimits& limits,
                                        const Scenario* scenario, const CurtailmentOptions& opt) {
  report::CurtailmentSummary out;
  out.run = true;
  out.n1 = opt.n1;
  const model::Network original = net;
  curtail_n0(net, limits, opt, out);

  if (opt.n1 && out.remaining.empty()) curtail_n1_secure(net, limits, scenario, opt, out);

  // What was curtailed, per farm, against the case as it came.
  for (std::size_t g = 0; g < net.generators.size(); ++g) {
    const auto& before = original.generators[g];
    if (!is_wind(before)) continue;
    out.wind_before_mw += before.p_mw;
    const double cut = before.p_mw - net.generators[g].p_mw;
    if (cut > 1e-6) {
      out.units.push_back({before.name, bus_name(net, before.bus), before.p_mw, net.generators[g].p_mw});
      out.curtailed_mw += cut;
    }
  }
  std::stable_sort(out.units.begin(), out.units.end(),
                   [](const auto& a, const auto& b) { return a.curtailed_mw() > b.curtailed_mw(); });
  return out;
}

YearN1Curtailment curtail_hours_n1(const TimeSeries& ts, const std::vector<HourCase>& hours, const Scenario* scenario,
                                   const CurtailmentOptions& opt, const std::atomic<bool>* stop, Progress* progress) {
  const auto t0 = std::chrono::steady_clock::now();
  YearN1Curtailment out;
  const auto& base_net = ts.network();
  out.gen_curtailed_mwh.assign(base_net.generators.size(), 0.0);
  std::mutex m;
  std::atomic<std::size_t> done{0};
  CurtailmentOptions one = opt;
  one.threads = 1;   // the hours run side by side instead
  auto hour = [&](std::size_t k) {
    if (stop && stop->load(std::memory_order_relaxed)) return;
    const auto& hc = hours[k];
    model::Network net = ts.network_at(hc.hour);
    auto taps = ts.taps();
    for (std::size_t t = 0; t < taps.size() && t < hc.tap_pos.size(); ++t) taps[t].pos = hc.tap_pos[t];
    report::set_tap_positions(net, taps);
    for (std::size_t g = 0; g < net.generators.size(); ++g)
      if (is_wind(net.generators[g])) net.generators[g].p_mw = hc.gen_p_mw[g];
    const model::Network before = net;
    report::CurtailmentSummary s;
    const bool secure = curtail_n1_secure(net, ts.limits(), scenario, one, s);
    std::lock_guard lock(m);
    double cut = 0.0;
    for (std::size_t g = 0; g < net.generators.size(); ++g) {
      if (!is_wind(before.generators[g])) continue;
      const double c = before.generators[g].p_mw - net.generators[g].p_mw;
      if (c > 1e-6) {
        out.gen_curtailed_mwh[g] += c;
        cut += c;
      }
    }
    out.curtailed_mwh += cut;
    out.hours_curtailed += cut > 1e-6 ? 1 : 0;
    out.hours_not_secure += secure ? 0 : 1;
    for (const auto& b : s.binding) ++out.binding_hours[b];
    for (const auto& x : s.remaining) ++out.remaining_hours[x];
    if (progress) progress->update(++done);
  };
  const int threads = opt.threads > 0 ? opt.threads : tbb::info::default_concurrency();
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, hours.size(), 1), [&](const tbb::blocked_range<std::size_t>& r) {
      for (std::size_t k = r.begin(); k != r.end(); ++k) hour(k);
    });
  });
  out.interrupted = stop && stop->load();
  out.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace lsflow::study
