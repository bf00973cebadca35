// The power-flow driver: MATPOWER runpf.m / pfsoln.m in math-model terms.
//
// Reactive limits (runpf.m, enforce_q_lims = 1): after a converged solve, every unit whose Q breaks
// a limit by more than 5e-6 Mvar is fixed at that limit, taken out of the voltage-control set (its
// P and Q become a negative load), and its bus becomes PQ; if that was the reference bus, the first
// remaining PV bus takes over (bustypes.m). The flow is solved again from the last solution until
// no unit breaks a limit. If every remaining PV/Ref unit breaks the same side, the case is infeasible.
// Afterwards the angles are shifted back so the original reference keeps its angle.
#include "solver/power_flow.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "common/errors.hpp"

namespace lsflow::solver {

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}
constexpr double kQViolationMvar = 5e-6;   // MATPOWER's opf.violation

Attempt to_attempt(const char* method, const NrResult& r) {
  return {method, r.converged, r.iterations, r.max_mismatch_pu, r.worst_bus, r.mismatch_history_pu};
}
}  // namespace

bool Attempt::shrinking() const {
  const auto& h = mismatch_history_pu;
  if (h.size() < 2) return false;
  const std::size_t k = std::min<std::size_t>(h.size() - 1, 3);
  return h.back() < h[h.size() - 1 - k];
}

double find_max_load_scale(const MathModel& m, const PfOptions& opt, int steps) {
  // Same options as the failed solve, reactive limits included: with the limits off, units at PV buses
  // would supply any Q and the "solvable" scale would be that of an unrealisable case.
  const PfOptions& o = opt;
  auto solves = [&](double lambda) {
    MathModel scaled = m;
    for (auto& s : scaled.s_load_pu) s *= lambda;
    for (auto& g : scaled.gens) g.p_pu *= lambda;
    try {
      return solve_ac(scaled, o).converged;
    } catch (const std::exception&) {
      return false;
    }
  };
  double lo = 0.0, hi = 1.0;
  for (int i = 0; i < steps; ++i) {
    const double mid = 0.5 * (lo + hi);
    (solves(mid) ? lo : hi) = mid;
  }
  return lo;
}

void branch_flows(const MathModel& m, const std::vector<cplx>& v, std::vector<cplx>& s_from,
                  std::vector<cplx>& s_to) {
  s_from.resize(m.branches.size());
  s_to.resize(m.branches.size());
  for (std::size_t b = 0; b < m.branches.size(); ++b) {
    const auto& br = m.branches[b];
    const cplx vf = v[static_cast<std::size_t>(br.from)];
    const cplx vt = v[static_cast<std::size_t>(br.to)];
    s_from[b] = vf * std::conj(br.yff * vf + br.yft * vt);
    s_to[b] = vt * std::conj(br.ytf * vf + br.ytt * vt);
  }
}

void generator_outputs(const MathModel& m, const Ybus& ybus, const std::vector<cplx>& v,
                       const std::vector<BusKind>& kind, const std::vector<std::uint8_t>& skip,
                       const std::vector<cplx>& s_extra_load, std::vector<double>& p_pu,
                       std::vector<double>& q_pu) {
  const auto n = static_cast<std::size_t>(m.n_bus());
  const auto ng = m.gens.size();
  // Injection S_i = V_i·conj(Σ_k Y_ik V_k) at every bus (Ybus is structurally symmetric, so the
  // column sweep gives the row sums).
  std::vector<cplx> s_inj(n);
  {
    const auto& y = ybus.matrix();
    std::vector<cplx> cur(n);
    for (std::int32_t k = 0; k < y.outerSize(); ++k)
      for (Ybus::Matrix::InnerIterator it(y, k); it; ++it)
        cur[static_cast<std::size_t>(it.row())] += it.value() * v[static_cast<std::size_t>(k)];
    for (std::size_t i = 0; i < n; ++i) s_inj[i] = v[i] * std::conj(cur[i]);
  }
  // What the regulating units at bus i supply is the injection plus the load, less what the units held
  // at a reactive limit (MathGen::q_fixed) inject there.
  std::vector<cplx> held(n, cplx{});
  for (std::size_t g = 0; g < ng; ++g)
    if (m.gens[g].q_fixed && (skip.empty() || !skip[g]))
      held[static_cast<std::size_t>(m.gens[g].bus)] += cplx(m.gens[g].p_pu, m.gens[g].q_pu);
  auto load_at = [&](std::size_t i) { return m.s_load_pu[i] + s_extra_load[i] - held[i]; };

  // Units "on": in service, not fixed at a limit, at a PV or Ref bus (pfsoln.m).
  std::vector<std::size_t> on;
  std::vector<int> count(n, 0);
  for (std::size_t g = 0; g < ng; ++g) {
    const auto b = static_cast<std::size_t>(m.gens[g].bus);
    if (!regulates(m, skip, g) || kind[b] == BusKind::PQ) continue;
    on.push_back(g);
    ++count[b];
  }
  for (auto g : on) {
    const auto b = static_cast<std::size_t>(m.gens[g].bus);
    q_pu[g] = (s_inj[b].imag() + load_at(b).imag()) / count[b];
  }
  // Several units at one bus: split the bus total in proportion to each unit's Q range, with
  // infinite limits replaced by a proxy M (sum of |Q| and finite limits over the bus's units).
  std::vector<double> qmin(ng), qmax(ng), m_proxy_bus(n, 0.0);
  for (auto g : on) {
    const auto b = static_cast<std::size_t>(m.gens[g].bus);
    double mm = std::abs(q_pu[g]);
    if (std::isfinite(m.gens[g].qmax_pu)) mm += std::abs(m.gens[g].qmax_pu);
    if (std::isfinite(m.gens[g].qmin_pu)) mm += std::abs(m.gens[g].qmin_pu);
    m_proxy_bus[b] += mm;
  }
  std::vector<double> qg_tot(n, 0.0), qg_min(n, 0.0), qg_max(n, 0.0);
  for (auto g : on) {
    const auto b = static_cast<std::size_t>(m.gens[g].bus);
    const double mm = m_proxy_bus[b];
    auto proxy = [mm](double q) { return std::isinf(q) ? (q > 0 ? mm : -mm) : q; };
    qmin[g] = proxy(m.gens[g].qmin_pu);
    qmax[g] = proxy(m.gens[g].qmax_pu);
    qg_tot[b] += q_pu[g];
    qg_min[b] += qmin[g];
    qg_max[b] += qmax[g];
  }
  constexpr double eps = std::numeric_limits<double>::epsilon();
  if (on.size() > 1) {
    for (auto g : on) {
      const auto b = static_cast<std::size_t>(m.gens[g].bus);
      q_pu[g] = qmin[g] + (qg_tot[b] - qg_min[b]) / (qg_max[b] - qg_min[b] + eps) * (qmax[g] - qmin[g]);
    }
    for (auto g : on) {
      const auto b = static_cast<std::size_t>(m.gens[g].bus);
      if (std::abs(qg_min[b] - qg_max[b]) < 10 * eps)
        q_pu[g] = qmin[g] + (qg_tot[b] - qg_max[b]) / count[b];
    }
  }
  // P of the first unit at each reference bus balances the island.
  std::vector<std::uint8_t> ref_done(n, 0);
  for (auto g : on) {
    const auto b = static_cast<std::size_t>(m.gens[g].bus);
    if (kind[b] != BusKind::Ref || ref_done[b]) continue;
    ref_done[b] = 1;
    double p = s_inj[b].real() + load_at(b).real();
    for (auto h : on)
      if (h != g && static_cast<std::size_t>(m.gens[h].bus) == b) p -= p_pu[h];
    p_pu[g] = p;
  }
}

PfResult solve_ac(const MathModel& m, const PfOptions& opt) {
  PfResult r;
  const auto n = static_cast<std::size_t>(m.n_bus());
  const auto ng = m.gens.size();
  auto t0 = Clock::now();
  Ybus ybus(m);
  r.times.ybus_ms = ms_since(t0);

  std::vector<std::uint8_t> skip(ng, 0);
  std::vector<double> fixed_q(ng, 0.0);
  std::vector<BusKind> typed = m.bus_kind;
  std::vector<BusKind> kind;
  if (!assign_bus_kinds(m, typed, skip, kind))
    throw InputError("island has no reference bus and no PV bus with an in-service generator");
  const auto ref0 = static_cast<std::size_t>(std::find(kind.begin(), kind.end(), BusKind::Ref) - kind.begin());
  const double va_ref0 = std::arg(m.v0_pu[ref0]);

  r.gen_p_pu.resize(ng);
  r.gen_q_pu.resize(ng);
  for (std::size_t g = 0; g < ng; ++g) {
    r.gen_p_pu[g] = m.gens[g].p_pu;
    r.gen_q_pu[g] = m.gens[g].q_pu;
  }
  r.v = opt.flat_start ? std::vector<cplx>(n, cplx(1.0, 0.0)) : m.v0_pu;

  std::vector<cplx> sbus, extra_load(n, cplx{});
  NrOptions nr_opt{opt.tol_pu, opt.max_iter};
  std::vector<std::size_t> limited;
  while (true) {
    // Set-points of the units that control voltage (the last unit listed at a bus wins, as in MATPOWER).
    for (std::size_t g = 0; g < ng; ++g) {
      const auto b = static_cast<std::size_t>(m.gens[g].bus);
      if (!regulates(m, skip, g) || kind[b] == BusKind::PQ) continue;
      const double mag = std::abs(r.v[b]);
      r.v[b] = mag > 0 ? r.v[b] * (m.gens[g].vg_pu / mag) : cplx(m.gens[g].vg_pu, 0.0);
    }
    make_sbus(m, skip, sbus);
    for (std::size_t i = 0; i < n; ++i) sbus[i] -= extra_load[i];

    t0 = Clock::now();
    NewtonRaphson nr(ybus, kind, opt.klu);
    r.times.analyze_ms += ms_since(t0);
    t0 = Clock::now();
    const bool first_round = r.q_limit_rounds == 0;
    std::vector<cplx> v_start = r.v;
    NrResult nr_r = nr.solve(r.v, sbus, nr_opt);
    r.times.lu_threads = std::max(r.times.lu_threads, nr.two_threads() ? 2 : 1);
    if (first_round) r.attempts.push_back(to_attempt("newton", nr_r));
    if (!nr_r.converged && first_round && opt.fallbacks) {
      // A DC power flow gives angles that respect the network's P flows; magnitudes stay at the
      // set-points (PV, Ref) or the start values.
      std::vector<cplx> v_dc = v_start;
      bool have_dc = true;
      try {
        const auto dc = solve_dc(m, opt.klu);
        for (std::size_t i = 0; i < n; ++i) v_dc[i] = std::polar(std::abs(v_start[i]) > 0 ? std::abs(v_start[i]) : 1.0, dc.va_rad[i]);
      } catch (const std::exception&) {
        have_dc = false;
      }
      if (have_dc) {
        r.v = v_dc;
        nr_r = nr.solve(r.v, sbus, nr_opt);
        r.iterations += r.attempts.back().iterations;
        r.attempts.push_back(to_attempt("newton from DC start", nr_r));
      }
      if (!nr_r.converged) {
        r.v = have_dc ? v_dc : v_start;
        NrOptions damped = nr_opt;
        damped.line_search = true;
        damped.max_iter = 3 * nr_opt.max_iter;
        nr_r = nr.solve(r.v, sbus, damped);
        r.iterations += r.attempts.back().iterations;
        r.attempts.push_back(to_attempt(have_dc ? "damped newton from DC start" : "damped newton", nr_r));
      }
    }
    r.times.iterate_ms += ms_since(t0);
    r.iterations += nr_r.iterations;
    r.max_mismatch_pu = nr_r.max_mismatch_pu;
    r.worst_bus = nr_r.worst_bus;
    r.mismatch_history_pu = std::move(nr_r.mismatch_history_pu);
    if (!nr_r.converged) {
      // A later round of the reactive-limit loop failed: the diagnosis must show that round, not only the
      // first one's (which converged).
      if (!first_round)
        r.attempts.push_back(to_attempt(limited.size() == 1 ? "newton after the reactive-limit loop held 1 unit at its limit"
                                                            : "newton after the reactive-limit loop held units at their limits",
                                        nr_r));
      if (!first_round) {
        r.attempts.back().units_at_q_limit = static_cast<int>(limited.size());
        r.attempts.back().mismatch_history_pu = r.mismatch_history_pu;   // nr_r's was moved into r above
      }
      r.converged = false;
      r.kind = kind;
      return r;
    }
    t0 = Clock::now();
    generator_outputs(m, ybus, r.v, kind, skip, extra_load, r.gen_p_pu, r.gen_q_pu);
    r.times.post_ms += ms_since(t0);
    if (!opt.enforce_q_limits) break;

    const double tol = kQViolationMvar / m.base_mva;
    std::vector<std::size_t> mx, mn;
    for (std::size_t g = 0; g < ng; ++g) {
      if (!regulates(m, skip, g)) continue;
      if (r.gen_q_pu[g] > m.gens[g].qmax_pu + tol) mx.push_back(g);
      else if (r.gen_q_pu[g] < m.gens[g].qmin_pu - tol) mn.push_back(g);
    }
    if (mx.empty() && mn.empty()) break;
    // Infeasible: every remaining voltage-controlling unit breaks the same limit.
    std::size_t remaining = 0;
    for (std::size_t g = 0; g < ng; ++g)
      if (regulates(m, skip, g) && kind[static_cast<std::size_t>(m.gens[g].bus)] != BusKind::PQ) ++remaining;
    if (mx.size() + mn.size() == remaining && (mx.empty() || mn.empty())) {
      r.converged = false;
      r.failure = "reactive limits cannot be met: every generator that controls voltage is at the same limit";
      r.kind = kind;
      return r;
    }
    const auto n_ref = static_cast<std::size_t>(std::count(kind.begin(), kind.end(), BusKind::Ref));
    for (auto list : {&mx, &mn}) {
      for (auto g : *list) {
        const auto b = static_cast<std::size_t>(m.gens[g].bus);
        if (n_ref > 1 && kind[b] == BusKind::Ref)
          throw InputError("cannot enforce reactive limits at a reference bus of an island with several references");
        fixed_q[g] = list == &mx ? m.gens[g].qmax_pu : m.gens[g].qmin_pu;
        r.gen_q_pu[g] = fixed_q[g];
        skip[g] = 1;
        extra_load[b] -= cplx(r.gen_p_pu[g], fixed_q[g]);
        typed[b] = BusKind::PQ;
        limited.push_back(g);
      }
    }
    if (!assign_bus_kinds(m, typed, skip, kind)) {
      r.converged = false;
      r.failure = "reactive limits cannot be met: no generator is left to hold the reference";
      r.kind = kind;
      return r;
    }
    ++r.q_limit_rounds;
  }
  r.converged = true;
  r.kind = kind;
  r.gen_at_limit.assign(ng, 0);
  for (std::size_t g = 0; g < ng; ++g)
    if (m.gens[g].q_fixed) r.gen_at_limit[g] = 1;
  for (auto g : limited) {
    r.gen_q_pu[g] = fixed_q[g];
    r.gen_at_limit[g] = 1;
  }
  if (kind[ref0] != BusKind::Ref) {
    const double shift = va_ref0 - std::arg(r.v[ref0]);
    const cplx rot = std::polar(1.0, shift);
    for (auto& x : r.v) x *= rot;
  }
  return r;
}

MathModel freeze_q_limits(const MathModel& m, const PfResult& r) {
  MathModel out = m;
  for (std::size_t g = 0; g < out.gens.size(); ++g) {
    if (r.gen_at_limit.empty() || !r.gen_at_limit[g]) continue;
    out.gens[g].q_fixed = true;
    out.gens[g].p_pu = r.gen_p_pu[g];
    out.gens[g].q_pu = r.gen_q_pu[g];
  }
  out.bus_kind = r.kind;
  out.v0_pu = r.v;
  return out;
}

DcResult solve_dc(const MathModel& m, const KluSolver::Settings& klu) {
  const auto n = static_cast<std::size_t>(m.n_bus());
  std::vector<std::uint8_t> skip;
  std::vector<BusKind> kind;
  if (!assign_bus_kinds(m, m.bus_kind, skip, kind))
    throw InputError("island has no reference bus and no PV bus with an in-service generator");
  // Unknown index per bus (θ of every non-reference bus).
  std::vector<std::int32_t> idx(n, -1), bus_of(n, -1);
  std::int32_t nu = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (kind[i] != BusKind::Ref) {
      bus_of[static_cast<std::size_t>(nu)] = static_cast<std::int32_t>(i);
      idx[i] = nu++;
    }
  std::vector<double> va(n);
  for (std::size_t i = 0; i < n; ++i) va[i] = std::arg(m.v0_pu[i]);

  // P = Re(Sbus) − Pbusinj − Gs, with Pfinj = −b·shift (makeBdc.m).
  std::vector<cplx> sbus;
  make_sbus(m, skip, sbus);
  std::vector<double> pbus(n);
  for (std::size_t i = 0; i < n; ++i) pbus[i] = sbus[i].real() - m.ysh_pu[i].real();
  std::vector<double> bbr(m.branches.size());
  for (std::size_t k = 0; k < m.branches.size(); ++k) {
    const auto& br = m.branches[k];
    bbr[k] = 1.0 / (br.x_pu * br.tap);
    const double pfinj = -bbr[k] * br.shift_rad;
    pbus[static_cast<std::size_t>(br.from)] -= pfinj;
    pbus[static_cast<std::size_t>(br.to)] += pfinj;
  }
  std::vector<Eigen::Triplet<double, std::int32_t>> trips;
  trips.reserve(4 * m.branches.size());
  std::vector<double> rhs(static_cast<std::size_t>(nu));
  for (std::size_t i = 0; i < n; ++i)
    if (idx[i] >= 0) rhs[static_cast<std::size_t>(idx[i])] = pbus[i];
  // Full B for the reference injection afterwards.
  std::vector<double> b_ref_row(n, 0.0);
  for (std::size_t k = 0; k < m.branches.size(); ++k) {
    const auto& br = m.branches[k];
    const auto f = static_cast<std::size_t>(br.from), t = static_cast<std::size_t>(br.to);
    const double b = bbr[k];
    const std::pair<std::size_t, std::size_t> terms[4] = {{f, f}, {f, t}, {t, f}, {t, t}};
    const double vals[4] = {b, -b, -b, b};
    for (int e = 0; e < 4; ++e) {
      const auto [i, j] = terms[e];
      if (idx[i] >= 0 && idx[j] >= 0) trips.emplace_back(idx[i], idx[j], vals[e]);
      else if (idx[i] >= 0) rhs[static_cast<std::size_t>(idx[i])] -= vals[e] * va[j];   // j is a reference
    }
  }
  DcResult r;
  if (nu > 0) {
    Eigen::SparseMatrix<double, Eigen::ColMajor, std::int32_t> bmat(nu, nu);
    bmat.setFromTriplets(trips.begin(), trips.end());
    bmat.makeCompressed();
    KluSolver solver(klu);
    try {
      solver.analyze(nu, bmat.outerIndexPtr(), bmat.innerIndexPtr());
      solver.factor(bmat.valuePtr());
    } catch (const SingularMatrix& e) {
      const auto bus = e.math_bus >= 0 && e.math_bus < nu ? bus_of[static_cast<std::size_t>(e.math_bus)] : -1;
      throw SingularMatrix(bus, fmt::format("singular B matrix (DC power flow) at math bus {}", bus));
    }
    solver.solve(rhs.data());
    for (std::size_t i = 0; i < n; ++i)
      if (idx[i] >= 0) va[i] = rhs[static_cast<std::size_t>(idx[i])];
  }
  r.va_rad = va;
  r.p_from_pu.resize(m.branches.size());
  std::vector<double> bva(n, 0.0);   // (B·θ)_i
  for (std::size_t k = 0; k < m.branches.size(); ++k) {
    const auto& br = m.branches[k];
    const auto f = static_cast<std::size_t>(br.from), t = static_cast<std::size_t>(br.to);
    const double flow = bbr[k] * (va[f] - va[t]);
    r.p_from_pu[k] = flow - bbr[k] * br.shift_rad;
    bva[f] += flow;
    bva[t] -= flow;
  }
  r.gen_p_pu.resize(m.gens.size());
  std::vector<std::uint8_t> ref_done(n, 0);
  for (std::size_t g = 0; g < m.gens.size(); ++g) {
    r.gen_p_pu[g] = m.gens[g].p_pu;
    const auto b = static_cast<std::size_t>(m.gens[g].bus);
    if (kind[b] == BusKind::Ref && !ref_done[b]) {
      ref_done[b] = 1;
      r.gen_p_pu[g] += bva[b] - pbus[b];
    }
  }
  (void)b_ref_row;
  return r;
}

}  // namespace lsflow::solver
