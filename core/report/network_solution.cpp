#include "report/network_solution.hpp"

#include <algorithm>
#include <chrono>
#include <numbers>

#include <fmt/format.h>

#include "topology/math_builder.hpp"

namespace lsflow::report {

using solver::cplx;

namespace {
constexpr double kRadToDeg = 180.0 / std::numbers::pi;

double loading(double s_mva, double rating_mva) {
  return rating_mva > 0.0 ? 100.0 * s_mva / rating_mva : kNaN;
}

void map_dc(const model::Network& net, const topology::MathIsland& isl, const solver::DcResult& dc,
            NetworkSolution& sol) {
  const double base = net.base_mva;
  for (std::size_t i = 0; i < isl.bus_of.size(); ++i) {
    if (!isl.bus_of[i].valid()) continue;
    auto& b = sol.buses[static_cast<std::size_t>(isl.bus_of[i].value)];
    b.energised = true;
    b.vm_pu = 1.0;
    b.va_deg = dc.va_rad[i] * kRadToDeg;
    b.v_kv = net.bus(isl.bus_of[i]).base_kv;
  }
  for (std::size_t g = 0; g < isl.gen_of.size(); ++g) {
    auto& gr = sol.gens[static_cast<std::size_t>(isl.gen_of[g].value)];
    gr.p_mw = dc.gen_p_pu[g] * base;
    gr.q_mvar = net.generators[static_cast<std::size_t>(isl.gen_of[g].value)].q_mvar;
  }
  for (std::size_t k = 0; k < isl.branch_of.size(); ++k) {
    const auto& o = isl.branch_of[k];
    const double p = dc.p_from_pu[k] * base;
    if (o.kind == topology::BranchOrigin::Kind::Branch) {
      auto& br = sol.branches[static_cast<std::size_t>(o.index)];
      br.energised = true;
      br.from = {p, 0.0};
      br.to = {-p, 0.0};
      br.loading_pct = loading(std::abs(p), net.branches[static_cast<std::size_t>(o.index)].rate_a_mva);
    } else {
      auto& tr = sol.trafos3w[static_cast<std::size_t>(o.index)];
      tr.energised = true;
      tr.winding[static_cast<std::size_t>(o.winding)] = {p, 0.0};
    }
  }
}

void map_ac(const model::Network& net, const topology::MathIsland& isl, const solver::PfResult& pf,
            NetworkSolution& sol) {
  const double base = net.base_mva;
  for (std::size_t i = 0; i < isl.bus_of.size(); ++i) {
    if (!isl.bus_of[i].valid()) continue;
    auto& b = sol.buses[static_cast<std::size_t>(isl.bus_of[i].value)];
    b.energised = true;
    b.vm_pu = std::abs(pf.v[i]);
    b.va_deg = std::arg(pf.v[i]) * kRadToDeg;
    b.v_kv = b.vm_pu * net.bus(isl.bus_of[i]).base_kv;
  }
  for (std::size_t g = 0; g < isl.gen_of.size(); ++g) {
    auto& gr = sol.gens[static_cast<std::size_t>(isl.gen_of[g].value)];
    gr.p_mw = pf.gen_p_pu[g] * base;
    gr.q_mvar = pf.gen_q_pu[g] * base;
    gr.at_q_limit = !pf.gen_at_limit.empty() && pf.gen_at_limit[g];
  }
  std::vector<cplx> sf, st;
  solver::branch_flows(isl.math, pf.v, sf, st);
  for (std::size_t k = 0; k < isl.branch_of.size(); ++k) {
    const auto& o = isl.branch_of[k];
    const FlowEnd f{sf[k].real() * base, sf[k].imag() * base};
    const FlowEnd t{st[k].real() * base, st[k].imag() * base};
    if (o.kind == topology::BranchOrigin::Kind::Branch) {
      auto& br = sol.branches[static_cast<std::size_t>(o.index)];
      br.energised = true;
      br.from = f;
      br.to = t;
      br.loading_pct = loading(std::max(f.s_mva(), t.s_mva()),
                               net.branches[static_cast<std::size_t>(o.index)].rate_a_mva);
    } else {
      auto& tr = sol.trafos3w[static_cast<std::size_t>(o.index)];
      const auto& spec = net.transformers3w[static_cast<std::size_t>(o.index)];
      tr.energised = true;
      tr.winding[static_cast<std::size_t>(o.winding)] = f;
      const double rating = o.winding == 0 ? spec.sn_hv_mva : o.winding == 1 ? spec.sn_mv_mva : spec.sn_lv_mva;
      const double l = loading(f.s_mva(), rating);
      if (std::isnan(tr.loading_pct) || l > tr.loading_pct) tr.loading_pct = l;
    }
  }
}
}  // namespace

double NetworkSolution::losses_mw() const {
  double s = 0.0;
  for (const auto& b : branches)
    if (b.energised) s += b.loss_mw();
  for (const auto& t : trafos3w)
    if (t.energised) s += t.loss_mw();
  return s;
}

namespace {

// What an island asks of its reference bus, from the input (loads, generator set-points).
void island_balance(const model::Network& net, const topology::MathIsland& isl, IslandReport& rep) {
  for (const auto& s : isl.math.s_load_pu) rep.load_mw += s.real() * net.base_mva;
  for (std::size_t g = 0; g < isl.gen_of.size(); ++g) {
    const auto& mg = isl.math.gens[g];
    if (isl.math.bus_kind[static_cast<std::size_t>(mg.bus)] == solver::BusKind::Ref) {
      rep.reference_gens.push_back(isl.gen_of[g]);
      continue;
    }
    const double p = mg.p_pu * net.base_mva;
    rep.gen_mw += p;
    rep.gen_mw_by_kind[static_cast<std::size_t>(net.generators[static_cast<std::size_t>(isl.gen_of[g].value)].kind)] += p;
  }
}

// One power flow per island with the network's tap positions.
NetworkSolution solve_fixed_taps(const model::Network& net, const SolveOptions& opt) {
  NetworkSolution sol;
  sol.dc = opt.dc;
  auto t0 = std::chrono::steady_clock::now();
  const auto nm = topology::build_math(net);
  sol.build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  sol.buses.resize(net.buses.size());
  sol.gens.resize(net.generators.size());
  sol.branches.resize(net.branches.size());
  sol.trafos3w.resize(net.transformers3w.size());
  sol.deenergised = nm.deenergised;
  sol.converged = true;
  for (const auto& isl : nm.islands) {
    IslandReport rep;
    rep.n_bus = isl.bus_of.size();
    island_balance(net, isl, rep);
    if (opt.dc) {
      const auto dc = solver::solve_dc(isl.math, opt.pf.klu);
      map_dc(net, isl, dc, sol);
      rep.converged = true;
      rep.iterations = 1;
    } else {
      const auto pf = solver::solve_ac(isl.math, opt.pf);
      rep.converged = pf.converged;
      rep.iterations = pf.iterations;
      rep.max_mismatch_mva = pf.max_mismatch_pu * net.base_mva;
      if (pf.worst_bus >= 0) {
        rep.worst_bus = isl.bus_of[static_cast<std::size_t>(pf.worst_bus)];
        rep.worst_trafo3w = isl.star_of[static_cast<std::size_t>(pf.worst_bus)];
      }
      rep.failure = pf.failure;
      rep.attempts = pf.attempts;
      if (!pf.converged && opt.diagnose_load_scale && pf.failure.empty())
        rep.max_load_scale = solver::find_max_load_scale(isl.math, opt.pf);
      for (double x : pf.mismatch_history_pu) rep.mismatch_history_mva.push_back(x * net.base_mva);
      sol.times.ybus_ms += pf.times.ybus_ms;
      sol.times.analyze_ms += pf.times.analyze_ms;
      sol.times.iterate_ms += pf.times.iterate_ms;
      sol.times.post_ms += pf.times.post_ms;
      sol.times.lu_threads = std::max(sol.times.lu_threads, pf.times.lu_threads);
      if (pf.converged) map_ac(net, isl, pf, sol);
    }
    sol.converged = sol.converged && rep.converged;
    sol.iterations = std::max(sol.iterations, rep.iterations);
    sol.max_mismatch_mva = std::max(sol.max_mismatch_mva, rep.max_mismatch_mva);
    sol.islands.push_back(std::move(rep));
  }
  return sol;
}

void add_times(solver::PhaseTimes& a, const solver::PhaseTimes& b) {
  a.ybus_ms += b.ybus_ms;
  a.analyze_ms += b.analyze_ms;
  a.iterate_ms += b.iterate_ms;
  a.post_ms += b.post_ms;
  a.lu_threads = std::max(a.lu_threads, b.lu_threads);
}

}  // namespace

NetworkSolution solve_network(const model::Network& net, const SolveOptions& opt) {
  if (!opt.tap_control || opt.dc) return solve_fixed_taps(net, opt);
  TapControl tc;
  tc.taps = automatic_taps(net);
  if (tc.taps.empty()) return solve_fixed_taps(net, opt);
  tc.active = true;

  model::Network work = net;
  NetworkSolution sol = solve_fixed_taps(work, opt);
  tc.rounds = 1;
  SolveOptions later = opt;
  later.diagnose_load_scale = false;   // a later round that fails is undone, not diagnosed
  double build_ms = sol.build_ms;
  solver::PhaseTimes times = sol.times;
  while (sol.converged) {
    const std::vector<TapState> before = tc.taps;
    if (step_taps(work, sol, tc.taps) == 0) {
      tc.settled = true;
      break;
    }
    if (tc.rounds >= opt.tap_max_rounds) {
      tc.stopped = fmt::format("taps still moving after {} solves (SolveOptions::tap_max_rounds); positions and "
                               "results are those of the last solve",
                               tc.rounds);
      tc.taps = before;
      set_tap_positions(work, tc.taps);
      break;
    }
    if (!opt.pf.flat_start)   // warm start from the last solution
      for (std::size_t i = 0; i < work.buses.size(); ++i)
        if (sol.buses[i].energised) {
          work.buses[i].vm_pu = sol.buses[i].vm_pu;
          work.buses[i].va_deg = sol.buses[i].va_deg;
        }
    NetworkSolution next = solve_fixed_taps(work, later);
    ++tc.rounds;
    build_ms += next.build_ms;
    add_times(times, next.times);
    if (!next.converged) {
      tc.stopped = fmt::format("the power flow did not converge after the taps moved in round {}; positions and "
                               "results are those of the last converged solve",
                               tc.rounds - 1);
      tc.taps = before;
      set_tap_positions(work, tc.taps);
      break;
    }
    sol = std::move(next);
  }
  if (!sol.converged) tc.stopped = "the first power flow did not converge; the taps did not move";
  sol.build_ms = build_ms;
  sol.times = times;
  sol.taps = std::move(tc);
  return sol;
}

std::string describe_attempts(const model::Network& net, const IslandReport& isl) {
  if (isl.converged && isl.attempts.size() <= 1) return {};
  std::string s;
  const double base = net.base_mva;
  for (std::size_t a = 0; a < isl.attempts.size(); ++a) {
    const auto& at = isl.attempts[a];
    std::string hist;
    for (double x : at.mismatch_history_pu) hist += fmt::format(" {:.3g}", x * base);
    // In a case that failed, an attempt that converged is only a step on the way (a Q-limit round after
    // it failed): say so, so that "converged" is never read as the case's outcome.
    const bool step = at.converged && !isl.converged;
    s += fmt::format("  attempt {} ({}{}): {} after {} iteration{}, largest mismatch {:.4g} MVA, {}; mismatch by "
                     "iteration (MVA):{}\n",
                     a + 1, at.method, at.units_at_q_limit > 0 ? fmt::format(", {} units held", at.units_at_q_limit) : "",
                     at.converged ? (step ? "solved with every unit regulating" : "converged") : "failed", at.iterations,
                     at.iterations == 1 ? "" : "s", at.max_mismatch_pu * base,
                     at.converged ? (step ? "but units were then beyond their reactive limits" : "solved")
                                  : (at.shrinking() ? "still shrinking" : "not shrinking (diverging or stuck)"),
                     hist);
  }
  if (!isl.converged && isl.worst_bus.valid()) {
    const auto& b = net.bus(isl.worst_bus);
    s += fmt::format("  worst bus: {}{}\n", b.id, b.name.empty() ? "" : " (" + b.name + ")");
  } else if (!isl.converged && isl.worst_trafo3w >= 0) {
    s += fmt::format("  worst bus: the star point of three-winding transformer {}\n",
                     net.transformers3w[static_cast<std::size_t>(isl.worst_trafo3w)].name);
  }
  // What the island asks of its reference bus: an export when the other buses generate more than the load.
  const bool exporting = isl.surplus_mw() > 0.0;
  std::string reference;
  for (GenIdx g : isl.reference_gens)
    reference += (reference.empty() ? "" : ", ") + net.generators[static_cast<std::size_t>(g.value)].name;
  if (reference.empty()) reference = "the reference bus";
  if (!isl.converged) {
    std::string kinds;
    for (std::size_t k = 0; k < isl.gen_mw_by_kind.size(); ++k)
      if (std::abs(isl.gen_mw_by_kind[k]) >= 0.05)
        kinds += fmt::format("{}{} {:.0f}", kinds.empty() ? "" : ", ", model::to_string(static_cast<model::GenKind>(k)),
                             isl.gen_mw_by_kind[k]);
    s += fmt::format("  balance: generation at the other buses {:.0f} MW{} against load {:.0f} MW: the island must {} "
                     "about {:.0f} MW (plus losses) {} {}\n",
                     isl.gen_mw, kinds.empty() ? "" : " (" + kinds + ")", isl.load_mw, exporting ? "export" : "import",
                     std::abs(isl.surplus_mw()), exporting ? "out through" : "in through", reference);
  }
  if (!std::isnan(isl.max_load_scale)) {
    const double pct = 100.0 * isl.max_load_scale;
    if (isl.max_load_scale > 0 && exporting)
      s += fmt::format("  the island solves with load and generation scaled to {:.1f} % (about {:.0f} MW to carry out, "
                       "before losses) "
                       "and fails at 100 %: an export-limited case — the generation is more than the network can "
                       "carry out to {} (transfer capacity of the lines and transformers on the way, and the voltage "
                       "support along them), not a load that is too high\n",
                       pct, isl.max_load_scale * isl.surplus_mw(), reference);
    else if (isl.max_load_scale > 0)
      s += fmt::format("  the island solves with load and generation scaled to {:.1f} % (about {:.0f} MW to bring in, "
                       "before losses) "
                       "and fails at 100 %: the load is too high for this network's transfer and voltage-support "
                       "capacity\n",
                       pct, -isl.max_load_scale * isl.surplus_mw());
    else
      s += "  the island does not solve even at a small fraction of its load and generation: check the data "
           "(impedances, taps, set-points) rather than the load or generation level\n";
  }
  return s;
}

double recompute_max_mismatch_mva(const model::Network& net, const NetworkSolution& sol) {
  // Independent of the solver's internals: injections from the branch π models and shunts evaluated
  // at the written voltages, against loads and generator outputs from the solution.
  const auto nb = net.buses.size();
  std::vector<cplx> v(nb), mis(nb);
  for (std::size_t i = 0; i < nb; ++i)
    v[i] = std::polar(sol.buses[i].vm_pu, sol.buses[i].va_deg / kRadToDeg);
  for (const auto& l : net.loads)
    if (l.in_service) mis[static_cast<std::size_t>(l.bus.value)] += cplx(l.p_mw, l.q_mvar);
  for (const auto& s : net.shunts)
    if (s.in_service) {
      const auto i = static_cast<std::size_t>(s.bus.value);
      mis[i] += std::norm(v[i]) * cplx(s.g_mw, -s.b_mvar);
    }
  for (std::size_t g = 0; g < net.generators.size(); ++g)
    if (net.generators[g].in_service)
      mis[static_cast<std::size_t>(net.generators[g].bus.value)] -= cplx(sol.gens[g].p_mw, sol.gens[g].q_mvar);
  for (std::size_t k = 0; k < net.branches.size(); ++k) {
    const auto& br = net.branches[k];
    if (!br.in_service || !sol.branches[k].energised) continue;
    const auto y = topology::branch_admittance(br.r_pu, br.x_pu, br.b_pu, br.tap_ratio, br.shift_deg);
    const auto f = static_cast<std::size_t>(br.from.value), t = static_cast<std::size_t>(br.to.value);
    mis[f] += v[f] * std::conj(y.yff * v[f] + y.yft * v[t]) * net.base_mva;
    mis[t] += v[t] * std::conj(y.ytf * v[f] + y.ytt * v[t]) * net.base_mva;
  }
  for (std::size_t k = 0; k < net.transformers3w.size(); ++k) {
    if (!sol.trafos3w[k].energised) continue;
    // Star-point voltage is internal; use the winding flows the solution reports.
    const auto& t = net.transformers3w[k];
    const std::array<BusIdx, 3> wb = {t.hv_bus, t.mv_bus, t.lv_bus};
    for (std::size_t j = 0; j < 3; ++j)
      mis[static_cast<std::size_t>(wb[j].value)] +=
          cplx(sol.trafos3w[k].winding[j].p_mw, sol.trafos3w[k].winding[j].q_mvar);
  }
  double worst = 0.0;
  for (std::size_t i = 0; i < nb; ++i)
    if (sol.buses[i].energised) worst = std::max(worst, std::abs(mis[i]));
  return worst;
}

}  // namespace lsflow::report
