// N-1 contingency analysis: the model side (which elements, which limits, islanding, reporting) around
// solver::OutageSolver (the math, derivation in outage_solver.cpp). What is assumed is listed at the top
// of contingency.hpp.
//
// Loading is checked without square roots in the loop: r² = max(|S_from|², |S_to|²) / rating², against
// (limit/100)²; voltages as |V|² against the squared band. Per contingency the hot path writes into its
// record and appends to the worker's own violation lists (amortised, no allocation once they have
// grown); lists are merged and sorted by contingency at the end, so their order does not depend on
// which thread solved what.
#include "study/contingency.hpp"

#include <algorithm>
#include <chrono>
#include <numbers>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "io/yaml_util.hpp"
#include "model/grid_equivalent.hpp"
#include "solver/outage_solver.hpp"
#include "solver/power_flow.hpp"
#include "study/apply_scenario.hpp"
#include "study/scenario.hpp"
#include "topology/bridges.hpp"
#include "topology/math_builder.hpp"

namespace lsflow::study {

using solver::BusKind;
using solver::cplx;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kRadToDeg = 180.0 / std::numbers::pi;
constexpr const char* kWindingName[3] = {"HV", "MV", "LV"};

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string bus_label(const model::Network& net, BusIdx b) {
  if (!b.valid()) return "a transformer star point";
  const auto& bus = net.bus(b);
  return bus.name.empty() ? fmt::format("bus {}", bus.id) : fmt::format("bus {} ({})", bus.id, bus.name);
}
}  // namespace

// ---------------------------------------------------------------------------------------------------
// Limits

ContingencyLimits contingency_limits(const model::Network& net, const Limits& limits) {
  ContingencyLimits out;
  out.band_n1.resize(net.buses.size());
  out.band_normal.resize(net.buses.size());
  for (std::size_t i = 0; i < net.buses.size(); ++i) {
    out.band_n1[i] = limits.find_band(net.buses[i].base_kv, Operation::N1);
    out.band_normal[i] = limits.find_band(net.buses[i].base_kv, Operation::Normal);
    if (!out.band_n1[i]) ++out.buses_without_band;
  }
  out.loading_n1_pct = limits.loading_limit_pct(Operation::N1);
  out.loading_normal_pct = limits.loading_limit_pct(Operation::Normal);
  out.source = limits.name.empty() ? limits.source_file : fmt::format("{} ({})", limits.name, limits.source_file);
  return out;
}

ContingencyLimits default_contingency_limits(const model::Network& net) {
  ContingencyLimits out;
  out.band_n1.assign(net.buses.size(), VoltageBand{0.9, 1.1});
  out.band_normal = out.band_n1;
  out.loading_n1_pct = 100.0;
  out.loading_normal_pct = 100.0;
  out.source = "built-in: 0.90-1.10 pu at every bus, 100 % of rate A (no scenario given)";
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Per island, shared read-only by the workers.

struct ContingencyAnalysis::Island {
  topology::MathIsland isl;
  std::vector<BusKind> kind;            // base case
  std::vector<cplx> v_base;
  std::vector<double> gen_p_base_mw;    // per math gen, solved
  std::vector<std::uint8_t> grid_unit;  // per math gen: an external-grid equivalent (GenKind::Grid)
  std::vector<std::uint8_t> bridge;     // per math branch
  std::vector<std::int32_t> adj_ptr, adj_branch;    // incident branches per bus (CSR)
  std::vector<std::int32_t> unit_ptr, unit_list;    // units per bus, list order (CSR)
  std::vector<std::int32_t> ref_buses;              // base case
  // Monitoring, per math branch.
  std::vector<std::int32_t> monitor;    // -1: not a monitored element
  std::vector<double> inv_rating2;      // 1 / emergency rating_pu² (after a contingency), 0: no rating
  std::vector<double> rating_mva;       // emergency rating
  std::vector<std::uint8_t> bus_side_only;   // 3-winding windings: loading from the bus side
  // Per math bus.
  std::vector<std::uint8_t> checked;    // has an N-1 band
  std::vector<double> vmin2, vmax2;     // squared band
  std::vector<double> vmin, vmax;
  std::vector<double> load_mw;
  double load_total_mw = 0.0;
  // Reactive limits (ContingencyOptions::enforce_q_limits): the buses that hold their voltage in the base case.
  std::vector<std::int32_t> reg_buses;

  [[nodiscard]] const solver::MathModel& math() const { return isl.math; }
};

struct ContingencyAnalysis::Worker {
  std::vector<std::unique_ptr<solver::OutageSolver>> solvers;   // per island, built on first use
  // Scratch for split outages, sized to the largest island.
  std::vector<std::int32_t> mark, queue;
  std::vector<std::uint8_t> branch_off, bus_off, gen_off, part_has_gen;
  std::vector<double> part_load;
  std::vector<std::uint8_t> part_rank;   // 0 no reference possible, 1 a regulating unit, 2 an external grid
  std::vector<std::int32_t> cut;        // buses cut off from the reference
  std::vector<cplx> v_full;
  // Outputs of the current run.
  std::vector<Overload> overloads;
  std::vector<VoltageViolation> voltages;
  std::vector<IslandedBus> islanded;
  std::vector<double> monitor_worst2;
  std::vector<std::int32_t> monitor_worst_c;
  std::vector<double> bus_min2, bus_max2;
  std::vector<std::int32_t> bus_min_c, bus_max_c;

  void reset(std::size_t n_monitor, std::size_t n_bus) {
    overloads.clear();
    voltages.clear();
    islanded.clear();
    monitor_worst2.assign(n_monitor, -1.0);
    monitor_worst_c.assign(n_monitor, -1);
    bus_min2.assign(n_bus, kInf);
    bus_max2.assign(n_bus, -1.0);
    bus_min_c.assign(n_bus, -1);
    bus_max_c.assign(n_bus, -1);
  }
};

namespace {

using Island = ContingencyAnalysis::Island;
using Worker = ContingencyAnalysis::Worker;

// Worst-so-far update with ties going to the earlier contingency, so the result is independent of order.
inline bool beats(double value, std::int32_t c, double best, std::int32_t best_c) {
  return value > best || (value == best && best_c >= 0 && c < best_c);
}

// Loading and voltage checks of one converged contingency. A branch is out when it is `skip_branch` or
// flagged in `branch_off`; a bus is out when flagged in `bus_off` (both may be null).
void check_limits(const Island& d, const std::vector<cplx>& v, std::int32_t skip_branch,
                  const std::uint8_t* branch_off, const std::uint8_t* bus_off, std::int32_t c, double lim2,
                  const std::vector<double>& base_loading_pct, Worker& w, ContingencyRecord& rec) {
  const auto& m = d.math();
  const double base = m.base_mva;
  double best2 = -1.0;
  std::int32_t best_mon = -1;
  const auto nbr = static_cast<std::int32_t>(m.branches.size());
  for (std::int32_t b = 0; b < nbr; ++b) {
    const auto bi = static_cast<std::size_t>(b);
    const double inv = d.inv_rating2[bi];
    if (inv == 0.0 || b == skip_branch || (branch_off && branch_off[bi])) continue;
    const auto& br = m.branches[bi];
    const cplx vf = v[static_cast<std::size_t>(br.from)];
    const cplx vt = v[static_cast<std::size_t>(br.to)];
    double s2 = std::norm(br.yff * vf + br.yft * vt) * std::norm(vf);   // |S_from|² = |V_f|²·|I_f|²
    if (!d.bus_side_only[bi]) s2 = std::max(s2, std::norm(br.ytf * vf + br.ytt * vt) * std::norm(vt));
    const double r2 = s2 * inv;
    const auto mon = d.monitor[bi];
    const auto mu = static_cast<std::size_t>(mon);
    if (r2 > best2) {
      best2 = r2;
      best_mon = mon;
    }
    if (beats(r2, c, w.monitor_worst2[mu], w.monitor_worst_c[mu])) {
      w.monitor_worst2[mu] = r2;
      w.monitor_worst_c[mu] = c;
    }
    if (r2 > lim2) {
      ++rec.overloads;
      const double pct = 100.0 * std::sqrt(r2);
      const bool pre = base_loading_pct[mu] * base_loading_pct[mu] > lim2 * 1e4;
      const bool worse = pre && pct > base_loading_pct[mu] + kWorsenedLoadingPct;
      rec.new_violations += !pre;
      rec.worsened_violations += worse;
      if ((!pre || worse) && !(pct <= rec.worst_new_loading_pct)) rec.worst_new_loading_pct = pct;
      w.overloads.push_back({c, mon, pct, base_loading_pct[mu], std::sqrt(s2) * base, d.rating_mva[bi], pre});
    }
  }
  if (best_mon >= 0) {
    rec.max_loading_pct = 100.0 * std::sqrt(best2);
    rec.max_loading_monitor = best_mon;
  }

  double min2 = kInf, max2 = -1.0;
  std::int32_t min_bus = -1, max_bus = -1;
  const auto nb = m.n_bus();
  for (std::int32_t i = 0; i < nb; ++i) {
    const auto ii = static_cast<std::size_t>(i);
    if (!d.checked[ii] || (bus_off && bus_off[ii])) continue;
    const double vm2 = std::norm(v[ii]);
    const auto bus = d.isl.bus_of[ii];
    const auto bu = static_cast<std::size_t>(bus.value);
    if (vm2 < min2) { min2 = vm2; min_bus = i; }
    if (vm2 > max2) { max2 = vm2; max_bus = i; }
    if (vm2 < w.bus_min2[bu] || (vm2 == w.bus_min2[bu] && c < w.bus_min_c[bu])) {
      w.bus_min2[bu] = vm2;
      w.bus_min_c[bu] = c;
    }
    if (beats(vm2, c, w.bus_max2[bu], w.bus_max_c[bu])) {
      w.bus_max2[bu] = vm2;
      w.bus_max_c[bu] = c;
    }
    if (vm2 < d.vmin2[ii] || vm2 > d.vmax2[ii]) {
      const double vm = std::sqrt(vm2);
      const double vm_base = std::abs(d.v_base[ii]);
      VoltageViolation vv{c, bus, vm, vm_base, d.vmin[ii], d.vmax[ii], !(vm_base >= d.vmin[ii] && vm_base <= d.vmax[ii])};
      if (vm2 < d.vmin2[ii]) ++rec.undervoltages;
      else ++rec.overvoltages;
      const bool worse =
          vv.pre_existing &&
          vv.excess_pu() > VoltageViolation{c, bus, vm_base, vm_base, d.vmin[ii], d.vmax[ii]}.excess_pu() + kWorsenedVoltagePu;
      rec.new_violations += !vv.pre_existing;
      rec.worsened_violations += worse;
      if (!vv.pre_existing || worse) rec.worst_new_excess_pu = std::max(rec.worst_new_excess_pu, vv.excess_pu());
      rec.max_violation_pu = std::max(rec.max_violation_pu, vv.excess_pu());
      w.voltages.push_back(vv);
    }
  }
  if (min_bus >= 0) {
    rec.min_vm_pu = std::sqrt(min2);
    rec.min_vm_bus = d.isl.bus_of[static_cast<std::size_t>(min_bus)];
    rec.max_vm_pu = std::sqrt(max2);
    rec.max_vm_bus = d.isl.bus_of[static_cast<std::size_t>(max_bus)];
  }
}

// P of the reference unit(s) after the contingency (the first unit in service at each reference bus
// takes the balance, as pfsoln), and its change from the base case, in MW.
void reference_units(const Island& d, const std::vector<cplx>& v, const std::vector<BusKind>& kind,
                     const std::uint8_t* gen_out, std::int32_t skip_branch,
                     const std::uint8_t* branch_off, ContingencyRecord& rec) {
  const auto& m = d.math();
  double p_mw = 0.0, base_mw = 0.0;
  auto at_bus = [&](std::int32_t r) {
    const auto ri = static_cast<std::size_t>(r);
    cplx s = std::norm(v[ri]) * std::conj(m.ysh_pu[ri]);
    for (auto p = d.adj_ptr[ri]; p < d.adj_ptr[ri + 1]; ++p) {
      const auto b = d.adj_branch[static_cast<std::size_t>(p)];
      const auto bi = static_cast<std::size_t>(b);
      if (b == skip_branch || (branch_off && branch_off[bi])) continue;
      const auto& br = m.branches[bi];
      const cplx vf = v[static_cast<std::size_t>(br.from)], vt = v[static_cast<std::size_t>(br.to)];
      if (br.from == r) s += vf * std::conj(br.yff * vf + br.yft * vt);
      if (br.to == r) s += vt * std::conj(br.ytf * vf + br.ytt * vt);
    }
    double p_pu = s.real() + m.s_load_pu[ri].real();
    std::int32_t first = -1;
    for (auto q = d.unit_ptr[ri]; q < d.unit_ptr[ri + 1]; ++q) {
      const auto g = d.unit_list[static_cast<std::size_t>(q)];
      if (gen_out && gen_out[static_cast<std::size_t>(g)]) continue;
      if (first < 0) first = g;
      else p_pu -= m.gens[static_cast<std::size_t>(g)].p_pu;
    }
    if (first < 0) return;
    p_mw += p_pu * m.base_mva;
    base_mw += d.gen_p_base_mw[static_cast<std::size_t>(first)];
  };
  if (&kind == &d.kind) {
    for (auto r : d.ref_buses) at_bus(r);
  } else {
    for (std::int32_t i = 0; i < m.n_bus(); ++i)
      if (kind[static_cast<std::size_t>(i)] == BusKind::Ref) at_bus(i);
  }
  rec.ref_gen_mw = p_mw;
  rec.ref_pickup_mw = p_mw - base_mw;
}

// Maps one island's state onto a NetworkSolution (as report::solve_network does). Elements of the island
// that are off (branch_off, bus_off, gen_out) are reported de-energised / zero.
void map_island(const model::Network& net, const Island& d, const std::vector<cplx>& v,
                const std::vector<double>& gen_p_pu, const std::vector<double>& gen_q_pu,
                const std::vector<std::uint8_t>& gen_out, const std::vector<std::uint8_t>& branch_off,
                const std::vector<std::uint8_t>& bus_off, report::NetworkSolution& sol,
                const std::vector<std::uint8_t>* at_limit = nullptr) {
  const auto& m = d.math();
  const double base = m.base_mva;
  for (std::size_t i = 0; i < d.isl.bus_of.size(); ++i) {
    if (!d.isl.bus_of[i].valid()) continue;
    auto& b = sol.buses[static_cast<std::size_t>(d.isl.bus_of[i].value)];
    b = report::BusResult{};
    if (bus_off[i]) continue;
    b.energised = true;
    b.vm_pu = std::abs(v[i]);
    b.va_deg = std::arg(v[i]) * kRadToDeg;
    b.v_kv = b.vm_pu * net.bus(d.isl.bus_of[i]).base_kv;
  }
  for (std::size_t g = 0; g < d.isl.gen_of.size(); ++g) {
    auto& gr = sol.gens[static_cast<std::size_t>(d.isl.gen_of[g].value)];
    gr = report::GenResult{};
    if (gen_out[g] || bus_off[static_cast<std::size_t>(m.gens[g].bus)]) continue;
    gr.p_mw = gen_p_pu[g] * base;
    gr.q_mvar = gen_q_pu[g] * base;
    gr.at_q_limit = at_limit ? (*at_limit)[g] != 0 : m.gens[g].q_fixed;
  }
  for (const auto& o : d.isl.branch_of)
    if (o.kind == topology::BranchOrigin::Kind::Winding) sol.trafos3w[static_cast<std::size_t>(o.index)] = {};
  for (std::size_t k = 0; k < d.isl.branch_of.size(); ++k) {
    const auto& o = d.isl.branch_of[k];
    const auto& br = m.branches[k];
    const bool off = branch_off[k] != 0;
    const cplx vf = v[static_cast<std::size_t>(br.from)], vt = v[static_cast<std::size_t>(br.to)];
    const cplx sf = off ? cplx{} : vf * std::conj(br.yff * vf + br.yft * vt);
    const cplx st = off ? cplx{} : vt * std::conj(br.ytf * vf + br.ytt * vt);
    const report::FlowEnd f{sf.real() * base, sf.imag() * base};
    const report::FlowEnd t{st.real() * base, st.imag() * base};
    if (o.kind == topology::BranchOrigin::Kind::Branch) {
      auto& r = sol.branches[static_cast<std::size_t>(o.index)];
      r = report::BranchResult{};
      if (off) continue;
      r.energised = true;
      r.from = f;
      r.to = t;
      const double rate = net.branches[static_cast<std::size_t>(o.index)].rate_a_mva;
      r.loading_pct = rate > 0.0 ? 100.0 * std::max(f.s_mva(), t.s_mva()) / rate : kNaN;
    } else {
      auto& tr = sol.trafos3w[static_cast<std::size_t>(o.index)];
      if (off) continue;
      const auto& spec = net.transformers3w[static_cast<std::size_t>(o.index)];
      tr.energised = true;
      tr.winding[static_cast<std::size_t>(o.winding)] = f;
      const double rating = o.winding == 0 ? spec.sn_hv_mva : o.winding == 1 ? spec.sn_mv_mva : spec.sn_lv_mva;
      const double l = rating > 0.0 ? 100.0 * f.s_mva() / rating : kNaN;
      if (std::isnan(tr.loading_pct) || l > tr.loading_pct) tr.loading_pct = l;
    }
  }
}

// The island without `branches_out` (those flagged in branch_off), restricted to the buses flagged
// `keep`: what a fresh build_math of the modified network would give for the part with the reference,
// with the base voltages as the start.
struct Reduced {
  solver::MathModel m;
  std::vector<std::int32_t> old_bus, old_branch, old_gen;
};

// keep(i): whether island bus i stays; gen_off (may be null): units out; v_start: the start voltages.
template <typename Keep>
Reduced reduce_if(const Island& d, Keep keep, const std::vector<std::uint8_t>& branch_off, const std::uint8_t* gen_off,
                  const std::vector<cplx>& v_start) {
  const auto& m = d.math();
  Reduced r;
  r.m.base_mva = m.base_mva;
  std::vector<std::int32_t> new_bus(static_cast<std::size_t>(m.n_bus()), -1);
  for (std::int32_t i = 0; i < m.n_bus(); ++i) {
    const auto ii = static_cast<std::size_t>(i);
    if (!keep(ii)) continue;
    new_bus[ii] = static_cast<std::int32_t>(r.old_bus.size());
    r.old_bus.push_back(i);
    r.m.bus_kind.push_back(m.bus_kind[ii]);
    r.m.ysh_pu.push_back(m.ysh_pu[ii]);
    r.m.s_load_pu.push_back(m.s_load_pu[ii]);
    r.m.v0_pu.push_back(v_start[ii]);
  }
  for (std::size_t k = 0; k < m.branches.size(); ++k) {
    const auto& br = m.branches[k];
    if (branch_off[k] || new_bus[static_cast<std::size_t>(br.from)] < 0 || new_bus[static_cast<std::size_t>(br.to)] < 0)
      continue;
    auto nb = br;
    nb.from = new_bus[static_cast<std::size_t>(br.from)];
    nb.to = new_bus[static_cast<std::size_t>(br.to)];
    r.m.branches.push_back(nb);
    r.old_branch.push_back(static_cast<std::int32_t>(k));
  }
  for (std::size_t g = 0; g < m.gens.size(); ++g) {
    const auto nb = new_bus[static_cast<std::size_t>(m.gens[g].bus)];
    if (nb < 0 || (gen_off && gen_off[g])) continue;
    auto ng = m.gens[g];
    ng.bus = nb;
    r.m.gens.push_back(ng);
    r.old_gen.push_back(static_cast<std::int32_t>(g));
  }
  return r;
}

Reduced reduce(const Island& d, const std::vector<std::int32_t>& mark, const std::vector<std::uint8_t>& branch_off) {
  return reduce_if(d, [&](std::size_t i) { return mark[i] == 1; }, branch_off, nullptr, d.v_base);
}

// Whether, in a solved post-contingency state, a bus that holds its voltage needs more (or less) Q from
// its regulating units than their limits together allow (MATPOWER shares a bus's Q among its units in
// proportion to their ranges, so one unit is beyond a limit exactly when the sum is). Units held at a
// limit (q_fixed) inject their fixed Q. Off elements: skip_branch / branch_off, bus_off, gen_off (each
// may be absent).
bool q_limits_broken(const Island& d, const std::vector<cplx>& v, const std::vector<BusKind>& kind,
                     const std::uint8_t* gen_off, std::int32_t skip_branch, const std::uint8_t* branch_off,
                     const std::uint8_t* bus_off) {
  const auto& m = d.math();
  const double tol = 5e-6 / m.base_mva;   // MATPOWER's opf.violation, in Mvar
  for (const auto r : d.reg_buses) {
    const auto ri = static_cast<std::size_t>(r);
    if (kind[ri] == BusKind::PQ || (bus_off && bus_off[ri])) continue;
    double qmin = 0.0, qmax = 0.0, held = 0.0;
    int regulating = 0;
    for (auto q = d.unit_ptr[ri]; q < d.unit_ptr[ri + 1]; ++q) {
      const auto g = static_cast<std::size_t>(d.unit_list[static_cast<std::size_t>(q)]);
      if (gen_off && gen_off[g]) continue;
      const auto& u = m.gens[g];
      if (u.q_fixed) {
        held += u.q_pu;
      } else {
        qmin += u.qmin_pu;
        qmax += u.qmax_pu;
        ++regulating;
      }
    }
    if (regulating == 0 || (std::isinf(qmin) && std::isinf(qmax))) continue;
    cplx s = std::norm(v[ri]) * std::conj(m.ysh_pu[ri]);
    for (auto p = d.adj_ptr[ri]; p < d.adj_ptr[ri + 1]; ++p) {
      const auto b = d.adj_branch[static_cast<std::size_t>(p)];
      const auto bi = static_cast<std::size_t>(b);
      if (b == skip_branch || (branch_off && branch_off[bi])) continue;
      const auto& br = m.branches[bi];
      const cplx vf = v[static_cast<std::size_t>(br.from)], vt = v[static_cast<std::size_t>(br.to)];
      if (br.from == r) s += vf * std::conj(br.yff * vf + br.yft * vt);
      if (br.to == r) s += vt * std::conj(br.ytf * vf + br.ytt * vt);
    }
    const double q_reg = s.imag() + m.s_load_pu[ri].imag() - held;
    if (q_reg > qmax + tol || q_reg < qmin - tol) return true;
  }
  return false;
}


// The whole post-contingency state of one island onto `state`: generator outputs as pfsoln gives them
// (on the post-contingency Ybus, rebuilt here: this is for solve_one, not the hot path), then
// map_island. Off branches/buses/units are de-energised or zero.
void map_state(const model::Network& net, const Island& d, const std::vector<cplx>& v,
               const std::vector<BusKind>& kind, const std::vector<std::uint8_t>& gen_off,
               const std::vector<std::uint8_t>& branch_off, const std::vector<std::uint8_t>& bus_off,
               report::NetworkSolution& state) {
  const auto& m = d.math();
  solver::MathModel post = m;
  for (std::size_t k = 0; k < m.branches.size(); ++k)
    if (branch_off[k]) post.branches[k].yff = post.branches[k].yft = post.branches[k].ytf = post.branches[k].ytt = cplx{};
  const solver::Ybus ybus(post);
  std::vector<double> p(m.gens.size()), q(m.gens.size());
  for (std::size_t g = 0; g < m.gens.size(); ++g) {
    p[g] = m.gens[g].p_pu;
    q[g] = m.gens[g].q_pu;
  }
  std::vector<BusKind> k2 = kind;
  for (std::size_t i = 0; i < k2.size(); ++i)
    if (bus_off[i]) k2[i] = BusKind::PQ;
  const std::vector<cplx> no_extra(v.size(), cplx{});
  solver::generator_outputs(post, ybus, v, k2, gen_off, no_extra, p, q);
  map_island(net, d, v, p, q, gen_off, branch_off, bus_off, state);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------

ContingencyAnalysis::ContingencyAnalysis(const model::Network& net, ContingencyLimits limits, ContingencyOptions opt)
    : net_(&net), limits_(std::move(limits)), opt_(opt) {
  const auto t0 = std::chrono::steady_clock::now();
  if (limits_.band_n1.size() != net.buses.size() || limits_.band_normal.size() != net.buses.size())
    throw std::invalid_argument("ContingencyAnalysis: limits were made for another network");
  auto nm = topology::build_math(net);
  const auto n_mon = static_cast<std::size_t>(monitor_count());

  base_.buses.resize(net.buses.size());
  base_.gens.resize(net.generators.size());
  base_.branches.resize(net.branches.size());
  base_.trafos3w.resize(net.transformers3w.size());
  base_.deenergised = nm.deenergised;
  base_.converged = true;
  base_loading_pct_.assign(n_mon, kNaN);
  base_loading_n1_pct_.assign(n_mon, kNaN);
  rating_mva_.assign(n_mon, 0.0);
  emergency_mva_.assign(n_mon, 0.0);
  for (std::size_t k = 0; k < net.branches.size(); ++k) {
    const auto& br = net.branches[k];
    rating_mva_[k] = br.rate_a_mva;
    emergency_mva_[k] = br.rate_b_mva > 0.0 ? br.rate_b_mva : br.rate_a_mva;
  }
  for (std::size_t k = 0; k < net.transformers3w.size(); ++k) {
    const auto& t = net.transformers3w[k];
    const double sn[3] = {t.sn_hv_mva, t.sn_mv_mva, t.sn_lv_mva};
    for (std::size_t w = 0; w < 3; ++w) rating_mva_[net.branches.size() + 3 * k + w] = emergency_mva_[net.branches.size() + 3 * k + w] = sn[w];
  }
  branch_math_.assign(net.branches.size(), {});
  trafo_math_.assign(net.transformers3w.size(), {});
  gen_math_.assign(net.generators.size(), {});

  for (auto& isl : nm.islands) {
    auto d = std::make_unique<Island>();
    d->isl = std::move(isl);
    const auto& m = d->isl.math;
    const auto island = static_cast<std::int32_t>(islands_.size());
    const auto n = static_cast<std::size_t>(m.n_bus());

    solver::PfOptions pf_opt;
    pf_opt.tol_pu = opt_.tol_pu;
    pf_opt.max_iter = opt_.max_iter;
    pf_opt.klu.two_threads = false;   // the contingencies already run in parallel
    pf_opt.enforce_q_limits = opt_.enforce_q_limits;
    const auto pf = solver::solve_ac(m, pf_opt);
    report::IslandReport rep;
    rep.n_bus = n;
    rep.converged = pf.converged;
    rep.iterations = pf.iterations;
    rep.max_mismatch_mva = pf.max_mismatch_pu * m.base_mva;
    if (pf.worst_bus >= 0) rep.worst_bus = d->isl.bus_of[static_cast<std::size_t>(pf.worst_bus)];
    if (!pf.converged)
      throw NotConverged(pf.iterations, pf.max_mismatch_pu, pf.worst_bus,
                         fmt::format("the base case did not converge: after {} iterations the largest mismatch is "
                                     "{:.4g} MVA at {}; N-1 needs a solved base case",
                                     pf.iterations, rep.max_mismatch_mva, bus_label(net, rep.worst_bus)));
    // The units at a limit stay there in every outage: the island as the base case left it.
    if (opt_.enforce_q_limits) {
      d->isl.math = solver::freeze_q_limits(d->isl.math, pf);
      for (std::size_t g = 0; g < m.gens.size(); ++g)
        if (m.gens[g].q_fixed) base_q_limited_.push_back(d->isl.gen_of[g]);
    }
    base_.islands.push_back(rep);
    base_.iterations = std::max(base_.iterations, rep.iterations);
    base_.max_mismatch_mva = std::max(base_.max_mismatch_mva, rep.max_mismatch_mva);
    d->kind = pf.kind;
    d->v_base = pf.v;
    d->gen_p_base_mw.resize(m.gens.size());
    for (std::size_t g = 0; g < m.gens.size(); ++g) d->gen_p_base_mw[g] = pf.gen_p_pu[g] * m.base_mva;
    {
      const std::vector<std::uint8_t> none_g(m.gens.size(), 0), none_b(m.branches.size(), 0), none_n(n, 0);
      map_island(net, *d, pf.v, pf.gen_p_pu, pf.gen_q_pu, none_g, none_b, none_n, base_);
    }

    d->bridge = topology::math_bridges(m);
    d->adj_ptr.assign(n + 1, 0);
    for (const auto& br : m.branches) {
      ++d->adj_ptr[static_cast<std::size_t>(br.from) + 1];
      if (br.to != br.from) ++d->adj_ptr[static_cast<std::size_t>(br.to) + 1];
    }
    for (std::size_t i = 0; i < n; ++i) d->adj_ptr[i + 1] += d->adj_ptr[i];
    d->adj_branch.resize(static_cast<std::size_t>(d->adj_ptr[n]));
    {
      std::vector<std::int32_t> fill(d->adj_ptr.begin(), d->adj_ptr.end() - 1);
      for (std::size_t k = 0; k < m.branches.size(); ++k) {
        const auto& br = m.branches[k];
        d->adj_branch[static_cast<std::size_t>(fill[static_cast<std::size_t>(br.from)]++)] = static_cast<std::int32_t>(k);
        if (br.to != br.from)
          d->adj_branch[static_cast<std::size_t>(fill[static_cast<std::size_t>(br.to)]++)] = static_cast<std::int32_t>(k);
      }
    }
    d->unit_ptr.assign(n + 1, 0);
    for (const auto& g : m.gens) ++d->unit_ptr[static_cast<std::size_t>(g.bus) + 1];
    for (std::size_t i = 0; i < n; ++i) d->unit_ptr[i + 1] += d->unit_ptr[i];
    d->unit_list.resize(m.gens.size());
    {
      std::vector<std::int32_t> fill(d->unit_ptr.begin(), d->unit_ptr.end() - 1);
      for (std::size_t g = 0; g < m.gens.size(); ++g)
        d->unit_list[static_cast<std::size_t>(fill[static_cast<std::size_t>(m.gens[g].bus)]++)] = static_cast<std::int32_t>(g);
    }
    for (std::size_t i = 0; i < n; ++i)
      if (d->kind[i] == BusKind::Ref) d->ref_buses.push_back(static_cast<std::int32_t>(i));

    // Monitoring.
    const auto nbr = m.branches.size();
    d->monitor.assign(nbr, -1);
    d->inv_rating2.assign(nbr, 0.0);
    d->rating_mva.assign(nbr, 0.0);
    d->bus_side_only.assign(nbr, 0);
    for (std::size_t k = 0; k < nbr; ++k) {
      const auto& o = d->isl.branch_of[k];
      if (o.kind == topology::BranchOrigin::Kind::Branch) {
        d->monitor[k] = o.index;
        branch_math_[static_cast<std::size_t>(o.index)] = {island, static_cast<std::int32_t>(k)};
      } else {
        d->monitor[k] = static_cast<std::int32_t>(net.branches.size()) + 3 * o.index + o.winding;
        d->bus_side_only[k] = 1;
        if (o.winding == 0) {
          // A 3-winding outage takes math branches k, k+1, k+2: build_math lists the windings together.
          for (int j = 1; j < 3; ++j) {
            const auto& next = d->isl.branch_of.at(k + static_cast<std::size_t>(j));
            if (next.kind != topology::BranchOrigin::Kind::Winding || next.index != o.index || next.winding != j)
              throw std::logic_error("ContingencyAnalysis: the windings of a 3-winding transformer are not consecutive");
          }
          trafo_math_[static_cast<std::size_t>(o.index)] = {island, static_cast<std::int32_t>(k)};
        }
      }
      const auto mon = static_cast<std::size_t>(d->monitor[k]);
      const double rating = rating_mva_[mon], emergency = emergency_mva_[mon];
      d->rating_mva[k] = emergency;
      const auto& br = m.branches[k];
      const cplx vf = d->v_base[static_cast<std::size_t>(br.from)], vt = d->v_base[static_cast<std::size_t>(br.to)];
      double s2 = std::norm(br.yff * vf + br.yft * vt) * std::norm(vf);
      if (!d->bus_side_only[k]) s2 = std::max(s2, std::norm(br.ytf * vf + br.ytt * vt) * std::norm(vt));
      const double s_mva = std::sqrt(s2) * m.base_mva;
      if (rating > 0.0) base_loading_pct_[mon] = 100.0 * s_mva / rating;
      if (emergency > 0.0) {
        const double r_pu = emergency / m.base_mva;
        d->inv_rating2[k] = 1.0 / (r_pu * r_pu);
        base_loading_n1_pct_[mon] = 100.0 * s_mva / emergency;
      }
    }
    d->grid_unit.assign(m.gens.size(), 0);
    for (std::size_t g = 0; g < d->isl.gen_of.size(); ++g) {
      gen_math_[static_cast<std::size_t>(d->isl.gen_of[g].value)] = {island, static_cast<std::int32_t>(g)};
      d->grid_unit[g] = net.generators[static_cast<std::size_t>(d->isl.gen_of[g].value)].kind == model::GenKind::Grid;
    }
    d->checked.assign(n, 0);
    d->vmin2.assign(n, 0.0);
    d->vmax2.assign(n, kInf);
    d->vmin.assign(n, 0.0);
    d->vmax.assign(n, kInf);
    d->load_mw.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      d->load_mw[i] = m.s_load_pu[i].real() * m.base_mva;
      d->load_total_mw += d->load_mw[i];
      const auto bus = d->isl.bus_of[i];
      if (!bus.valid()) continue;
      const auto& band = limits_.band_n1[static_cast<std::size_t>(bus.value)];
      if (!band) continue;
      d->checked[i] = 1;
      d->vmin[i] = band->vmin_pu;
      d->vmax[i] = band->vmax_pu;
      d->vmin2[i] = band->vmin_pu * band->vmin_pu;
      d->vmax2[i] = band->vmax_pu * band->vmax_pu;
    }
    for (std::size_t i = 0; i < n; ++i)
      if (d->kind[i] != BusKind::PQ) d->reg_buses.push_back(static_cast<std::int32_t>(i));
    islands_.push_back(std::move(d));
  }

  // The base case against the normal-operation limits.
  const double lim_normal = limits_.loading_normal_pct;
  for (std::size_t mon = 0; mon < n_mon; ++mon) {
    const double l = base_loading_pct_[mon];
    if (!(l > lim_normal)) continue;
    const double rating = rating_mva_[mon];
    base_overloads_.push_back({-1, static_cast<std::int32_t>(mon), l, l, l * rating / 100.0, rating});
  }
  std::sort(base_overloads_.begin(), base_overloads_.end(),
            [](const Overload& a, const Overload& b) { return a.loading_pct > b.loading_pct; });
  for (std::size_t i = 0; i < net.buses.size(); ++i) {
    const auto& r = base_.buses[i];
    const auto& band = limits_.band_normal[i];
    if (!r.energised || !band || band->contains(r.vm_pu)) continue;
    base_voltage_.push_back({-1, BusIdx{static_cast<std::int32_t>(i)}, r.vm_pu, r.vm_pu, band->vmin_pu, band->vmax_pu});
  }
  setup_ms_ = ms_since(t0);
}

struct ContingencyAnalysis::Pool {
  explicit Pool(int n) : threads(n), arena(n) {}
  int threads;
  tbb::task_arena arena;
};

ContingencyAnalysis::~ContingencyAnalysis() = default;

std::int32_t ContingencyAnalysis::monitor_count() const {
  return static_cast<std::int32_t>(net_->branches.size() + 3 * net_->transformers3w.size());
}

std::string ContingencyAnalysis::monitor_label(std::int32_t monitor) const {
  const auto nb = static_cast<std::int32_t>(net_->branches.size());
  if (monitor < nb) return element_label(*net_, {ElementRef::Kind::Branch, monitor});
  const auto k = (monitor - nb) / 3, w = (monitor - nb) % 3;
  return fmt::format("{} {}", element_label(*net_, {ElementRef::Kind::Trafo3W, k}), kWindingName[w]);
}

double ContingencyAnalysis::base_loading_pct(std::int32_t monitor) const {
  return base_loading_pct_[static_cast<std::size_t>(monitor)];
}
double ContingencyAnalysis::base_loading_n1_pct(std::int32_t monitor) const {
  return base_loading_n1_pct_[static_cast<std::size_t>(monitor)];
}
double ContingencyAnalysis::rating_mva(std::int32_t monitor) const { return rating_mva_[static_cast<std::size_t>(monitor)]; }
double ContingencyAnalysis::emergency_rating_mva(std::int32_t monitor) const {
  return emergency_mva_[static_cast<std::size_t>(monitor)];
}

std::string element_label(const model::Network& net, const ElementRef& e) {
  const auto i = static_cast<std::size_t>(e.index);
  switch (e.kind) {
    case ElementRef::Kind::Branch: {
      const auto& b = net.branches[i];
      if (!b.name.empty()) return b.name;
      return fmt::format("{} {} ({}-{})", b.kind == model::BranchKind::Line ? "line" : "transformer", e.index + 1,
                         net.bus(b.from).id, net.bus(b.to).id);
    }
    case ElementRef::Kind::Trafo3W: {
      const auto& t = net.transformers3w[i];
      return t.name.empty() ? fmt::format("3-winding transformer {}", e.index + 1) : t.name;
    }
    case ElementRef::Kind::Generator: {
      const auto& g = net.generators[i];
      return g.name.empty() ? fmt::format("generator {} (bus {})", e.index + 1, net.bus(g.bus).id) : g.name;
    }
  }
  return {};
}

std::vector<Contingency> ContingencyAnalysis::all_contingencies(bool branches, bool trafos3w, bool generators) const {
  std::vector<Contingency> out;
  if (branches)
    for (std::size_t k = 0; k < branch_math_.size(); ++k)
      if (branch_math_[k].island >= 0) out.push_back({{ElementRef::Kind::Branch, static_cast<std::int32_t>(k)}});
  if (trafos3w)
    for (std::size_t k = 0; k < trafo_math_.size(); ++k)
      if (trafo_math_[k].island >= 0) out.push_back({{ElementRef::Kind::Trafo3W, static_cast<std::int32_t>(k)}});
  if (generators)
    for (std::size_t k = 0; k < gen_math_.size(); ++k)
      if (gen_math_[k].island >= 0) out.push_back({{ElementRef::Kind::Generator, static_cast<std::int32_t>(k)}});
  return out;
}

std::vector<Contingency> ContingencyAnalysis::credible_contingencies(bool branches, bool trafos3w, bool generators) const {
  const std::vector<bool> inside = model::grid_equivalent_buses(*net_);
  std::vector<Contingency> out;
  for (const auto& c : all_contingencies(branches, trafos3w, generators)) {
    const auto i = static_cast<std::size_t>(c.element.index);
    switch (c.element.kind) {
      case ElementRef::Kind::Branch:
        if (model::branch_inside(*net_, inside, i)) continue;
        break;
      case ElementRef::Kind::Trafo3W:
        if (model::trafo3w_inside(*net_, inside, i)) continue;
        break;
      case ElementRef::Kind::Generator:
        if (net_->generators[i].kind == model::GenKind::Grid) continue;
        break;
    }
    out.push_back(c);
  }
  return out;
}

Contingency ContingencyAnalysis::find_contingency(const std::string& name, const SourceLoc& loc) const {
  auto check = [&](const std::vector<MathRef>& refs, std::size_t k, ElementRef::Kind kind) {
    if (refs[k].island < 0)
      throw InputError(loc, fmt::format("contingency \"{}\": the element is out of service or not energised in the "
                                        "base case",
                                        name));
    return Contingency{{kind, static_cast<std::int32_t>(k)}};
  };
  for (std::size_t k = 0; k < net_->branches.size(); ++k)
    if (net_->branches[k].name == name) return check(branch_math_, k, ElementRef::Kind::Branch);
  for (std::size_t k = 0; k < net_->transformers3w.size(); ++k)
    if (net_->transformers3w[k].name == name) return check(trafo_math_, k, ElementRef::Kind::Trafo3W);
  for (std::size_t k = 0; k < net_->generators.size(); ++k)
    if (net_->generators[k].name == name) return check(gen_math_, k, ElementRef::Kind::Generator);
  std::vector<std::string> names;   // only on the error path
  for (const auto& b : net_->branches) names.push_back(b.name);
  for (const auto& t : net_->transformers3w) names.push_back(t.name);
  for (const auto& g : net_->generators) names.push_back(g.name);
  std::erase(names, std::string{});
  throw InputError(loc, fmt::format("contingency \"{}\": no line, transformer or generator has that name{}", name,
                                    io::did_you_mean(name, names)));
}

std::vector<Contingency> scenario_contingencies(const Scenario& s, const ContingencyAnalysis& ca) {
  if (!s.contingencies.is_set()) return ca.credible_contingencies();
  const ContingencySelection& sel = *s.contingencies.value;
  if (!sel.by_name()) return ca.credible_contingencies(sel.kinds.branches, sel.kinds.trafos3w, sel.kinds.generators);
  std::vector<Contingency> out;
  for (const NameRef& n : contingency_names(s, ca.network())) out.push_back(ca.find_contingency(n.name, n.loc));
  return out;
}

ContingencyAnalysis::Worker& ContingencyAnalysis::worker(std::size_t slot) {
  auto& w = workers_[slot];
  if (!w) {
    w = std::make_unique<Worker>();
    w->solvers.resize(islands_.size());
    w->reset(static_cast<std::size_t>(monitor_count()), net_->buses.size());
  }
  return *w;
}

void ContingencyAnalysis::run_contingency(const Contingency& c, std::int32_t index, Worker& w, ContingencyRecord& rec,
                                          report::NetworkSolution* state) const {
  rec = ContingencyRecord{};
  rec.contingency = c;
  const auto& e = c.element;
  const MathRef ref = e.kind == ElementRef::Kind::Branch    ? branch_math_[static_cast<std::size_t>(e.index)]
                      : e.kind == ElementRef::Kind::Trafo3W ? trafo_math_[static_cast<std::size_t>(e.index)]
                                                            : gen_math_[static_cast<std::size_t>(e.index)];
  const Island& d = *islands_[static_cast<std::size_t>(ref.island)];
  const auto& m = d.math();
  const double base = m.base_mva;
  const auto n = static_cast<std::size_t>(m.n_bus());
  const auto nbr = m.branches.size();

  auto& solver = w.solvers[static_cast<std::size_t>(ref.island)];
  if (!solver) {
    solver::OutageOptions o;
    o.tol_pu = opt_.tol_pu;
    o.max_iter = opt_.max_iter;
    solver = std::make_unique<solver::OutageSolver>(m, d.kind, d.v_base, o);
  }
  auto take_solution = [&](const solver::OutageSolution& sol) {
    rec.iterations = sol.chord_iterations + sol.newton_iterations;
    rec.newton_iterations = sol.newton_iterations;
    rec.singular = sol.singular;
    rec.pattern_changed = rec.pattern_changed || sol.pattern_changed;
    rec.max_mismatch_mva = sol.max_mismatch_pu * base;
    if (sol.worst_bus >= 0 && static_cast<std::size_t>(sol.worst_bus) < n)
      rec.worst_mismatch_bus = d.isl.bus_of[static_cast<std::size_t>(sol.worst_bus)];
  };

  std::int32_t out_branches[3];
  std::size_t n_out = 0;
  if (e.kind == ElementRef::Kind::Branch) {
    out_branches[n_out++] = ref.index;
  } else if (e.kind == ElementRef::Kind::Trafo3W) {
    for (int j = 0; j < 3; ++j) out_branches[n_out++] = ref.index + j;
  }
  const std::span<const std::int32_t> out(out_branches, n_out);
  const bool split = e.kind == ElementRef::Kind::Trafo3W ||
                     (e.kind == ElementRef::Kind::Branch && d.bridge[static_cast<std::size_t>(ref.index)]);

  if (!split) {
    const std::int32_t gen_out[1] = {ref.index};
    const auto& sol = e.kind == ElementRef::Kind::Generator ? solver->solve({}, std::span<const std::int32_t>(gen_out, 1))
                                                            : solver->solve(out, {});
    take_solution(sol);
    if (sol.no_reference) {
      // The island's last unit that could hold the reference went out: nothing is supplied.
      rec.outcome = Outcome::NoSupply;
      rec.islanding = true;
      rec.pattern_changed = true;
      for (std::size_t i = 0; i < n; ++i) {
        if (!d.isl.bus_of[i].valid()) continue;
        ++rec.islanded_buses;
        w.islanded.push_back({index, d.isl.bus_of[i], d.load_mw[i], false});
      }
      rec.lost_load_mw = d.load_total_mw;
      for (double p : d.gen_p_base_mw) rec.separated_gen_mw += p;
      return;
    }
    if (!sol.converged) {
      rec.outcome = Outcome::NotConverged;
      return;
    }
    rec.outcome = Outcome::Solved;
    const std::int32_t skip = e.kind == ElementRef::Kind::Branch ? ref.index : -1;
    const auto& kind = sol.pattern_changed ? solver->kind() : d.kind;
    finish_solved(d, w, rec, index, solver->voltage(), kind, solver->gen_out().data(), skip, nullptr, nullptr, state);
    return;
  }

  // The outage splits the island (or drops a star point): find the parts, report the ones cut off from
  // the reference, solve the part that keeps it.
  rec.pattern_changed = true;
  if (w.mark.size() < n) {
    w.mark.resize(n);
    w.queue.resize(n);
    w.bus_off.resize(n);
    w.v_full.resize(n);
    w.cut.reserve(n);
  }
  if (w.branch_off.size() < nbr) w.branch_off.resize(nbr);
  if (w.gen_off.size() < m.gens.size()) w.gen_off.resize(m.gens.size());
  std::fill(w.mark.begin(), w.mark.begin() + static_cast<std::ptrdiff_t>(n), 0);
  std::fill(w.branch_off.begin(), w.branch_off.begin() + static_cast<std::ptrdiff_t>(nbr), 0);
  for (auto b : out) w.branch_off[static_cast<std::size_t>(b)] = 1;
  auto flood = [&](std::int32_t start, std::int32_t label) {
    std::size_t head = 0, tail = 0;
    w.queue[tail++] = start;
    w.mark[static_cast<std::size_t>(start)] = label;
    while (head < tail) {
      const auto i = static_cast<std::size_t>(w.queue[head++]);
      for (auto p = d.adj_ptr[i]; p < d.adj_ptr[i + 1]; ++p) {
        const auto b = static_cast<std::size_t>(d.adj_branch[static_cast<std::size_t>(p)]);
        if (w.branch_off[b]) continue;
        const auto& br = m.branches[b];
        const auto other = static_cast<std::size_t>(br.from) == i ? br.to : br.from;
        if (w.mark[static_cast<std::size_t>(other)] == 0) {
          w.mark[static_cast<std::size_t>(other)] = label;
          w.queue[tail++] = other;
        }
      }
    }
  };
  // Label every part (1, 2, …), the reference's first. The part that survives is, among those that can
  // hold a reference (a unit at a bus typed PV or reference): the one with an external-grid unit (kind
  // grid), else the one carrying the most load, the reference's on a tie. Usually the reference's part,
  // but not when the reference unit itself is what got cut off (e.g. behind its generator transformer,
  // case300's bus 7049): the new reference is then the first PV bus, as MATPOWER's bustypes and a fresh
  // solve would choose it.
  w.part_load.assign(1, 0.0);
  w.part_has_gen.assign(1, 0);
  w.part_rank.assign(1, 0);
  std::int32_t next_label = 1;
  auto new_part = [&](std::size_t i) {
    flood(static_cast<std::int32_t>(i), next_label++);
    w.part_load.push_back(0.0);
    w.part_has_gen.push_back(0);
    w.part_rank.push_back(0);
  };
  for (auto r : d.ref_buses)
    if (w.mark[static_cast<std::size_t>(r)] == 0) new_part(static_cast<std::size_t>(r));
  for (std::size_t i = 0; i < n; ++i)
    if (w.mark[i] == 0) new_part(i);
  for (std::size_t i = 0; i < n; ++i) w.part_load[static_cast<std::size_t>(w.mark[i])] += d.load_mw[i];
  for (std::size_t g = 0; g < m.gens.size(); ++g) {
    const auto bus = static_cast<std::size_t>(m.gens[g].bus);
    const auto part = static_cast<std::size_t>(w.mark[bus]);
    // Supply of its own only from units that produced power in the base case (a unit at 0 MW, e.g.
    // solar in the evening, does not keep a cut-off part supplied).
    if (d.gen_p_base_mw[g] > 0.0) w.part_has_gen[part] = 1;
    if (m.bus_kind[bus] != BusKind::PQ) w.part_rank[part] = std::max<std::uint8_t>(w.part_rank[part], 1);
    if (m.bus_kind[bus] != BusKind::PQ && d.grid_unit[g]) w.part_rank[part] = 2;
  }
  std::int32_t main = 1;
  for (std::int32_t p = 2; p < next_label; ++p) {
    const auto pu = static_cast<std::size_t>(p), mu = static_cast<std::size_t>(main);
    if (w.part_rank[pu] > w.part_rank[mu] ||
        (w.part_rank[pu] == w.part_rank[mu] && w.part_rank[pu] > 0 && w.part_load[pu] > w.part_load[mu]))
      main = p;
  }
  if (main != 1) {   // relabel so that the surviving part is 1
    for (std::size_t i = 0; i < n; ++i)
      if (w.mark[i] == 1) w.mark[i] = main;
      else if (w.mark[i] == main) w.mark[i] = 1;
    std::swap(w.part_has_gen[1], w.part_has_gen[static_cast<std::size_t>(main)]);
    std::swap(w.part_load[1], w.part_load[static_cast<std::size_t>(main)]);
    std::swap(w.part_rank[1], w.part_rank[static_cast<std::size_t>(main)]);
  }
  bool refs_kept = true;
  for (auto r : d.ref_buses) refs_kept = refs_kept && w.mark[static_cast<std::size_t>(r)] == 1;
  w.cut.clear();
  for (std::size_t g = 0; g < m.gens.size(); ++g) w.gen_off[g] = w.mark[static_cast<std::size_t>(m.gens[g].bus)] != 1;
  for (std::size_t i = 0; i < n; ++i) {
    w.bus_off[i] = w.mark[i] != 1;
    if (w.mark[i] == 1) continue;
    w.cut.push_back(static_cast<std::int32_t>(i));
    const bool with_gen = w.part_has_gen[static_cast<std::size_t>(w.mark[i])] != 0;
    for (auto q = d.unit_ptr[i]; q < d.unit_ptr[i + 1]; ++q)
      rec.separated_gen_mw += d.gen_p_base_mw[static_cast<std::size_t>(d.unit_list[static_cast<std::size_t>(q)])];
    if (!d.isl.bus_of[i].valid()) continue;   // a star point: not a bus of the user's
    ++rec.islanded_buses;
    (with_gen ? rec.separated_load_mw : rec.lost_load_mw) += d.load_mw[i];
    w.islanded.push_back({index, d.isl.bus_of[i], d.load_mw[i], with_gen});
  }
  rec.islanding = rec.islanded_buses > 0;
  for (std::size_t k = 0; k < nbr; ++k) {
    const auto& br = m.branches[k];
    if (w.bus_off[static_cast<std::size_t>(br.from)] || w.bus_off[static_cast<std::size_t>(br.to)]) w.branch_off[k] = 1;
  }

  // A small cut-off part: the base factorisation with its rows replaced (OutageSolver).
  const auto& sol = refs_kept ? solver->solve(out, {}, w.cut) : solver::OutageSolution{.needs_reduced_solve = true};
  if (!sol.needs_reduced_solve) {
    take_solution(sol);
    if (!sol.converged) {
      rec.outcome = Outcome::NotConverged;
      return;
    }
    rec.outcome = Outcome::Solved;
    finish_solved(d, w, rec, index, solver->voltage(), d.kind, w.gen_off.data(), -1, w.branch_off.data(),
                  w.bus_off.data(), state);
    return;
  }

  // Otherwise the part with the reference is solved on its own, from the base voltages.
  const Reduced red = reduce(d, w.mark, w.branch_off);
  solver::PfOptions pf_opt;
  pf_opt.tol_pu = opt_.tol_pu;
  pf_opt.max_iter = opt_.max_iter;
  pf_opt.fallbacks = false;   // the same Newton as every other contingency
  pf_opt.klu.two_threads = false;   // the contingencies already run in parallel
  solver::PfResult pf;
  try {
    pf = solver::solve_ac(red.m, pf_opt);
  } catch (const SingularMatrix&) {
    rec.singular = true;
    pf.converged = false;
  } catch (const InputError&) {   // no bus left that can hold the reference (not expected: see above)
    pf.converged = false;
  }
  rec.iterations = pf.iterations;
  rec.newton_iterations = pf.iterations;
  rec.max_mismatch_mva = rec.singular ? kInf : pf.max_mismatch_pu * base;
  if (pf.worst_bus >= 0)
    rec.worst_mismatch_bus = d.isl.bus_of[static_cast<std::size_t>(red.old_bus[static_cast<std::size_t>(pf.worst_bus)])];
  if (!pf.converged) {
    rec.outcome = Outcome::NotConverged;
    return;
  }
  rec.outcome = Outcome::Solved;
  std::vector<cplx> v(n, cplx{});
  std::vector<BusKind> kind(n, BusKind::PQ);
  for (std::size_t j = 0; j < red.old_bus.size(); ++j) {
    v[static_cast<std::size_t>(red.old_bus[j])] = pf.v[j];
    kind[static_cast<std::size_t>(red.old_bus[j])] = pf.kind[j];
  }
  finish_solved(d, w, rec, index, v, kind, w.gen_off.data(), -1, w.branch_off.data(), w.bus_off.data(), state);
}

void ContingencyAnalysis::finish_solved(const Island& d, Worker& w, ContingencyRecord& rec, std::int32_t index,
                                        const std::vector<cplx>& v, const std::vector<BusKind>& kind,
                                        const std::uint8_t* gen_off, std::int32_t skip, const std::uint8_t* branch_off,
                                        const std::uint8_t* bus_off, report::NetworkSolution* state) const {
  const auto& m = d.math();
  const auto n = static_cast<std::size_t>(m.n_bus());
  const auto nbr = m.branches.size(), ng = m.gens.size();
  const double lim = limits_.loading_n1_pct / 100.0;
  const double lim2 = lim * lim;
  // The off elements as whole vectors (not on the hot path: the Q-limit re-solve and solve_one only).
  auto off_vectors = [&](std::vector<std::uint8_t>& boff, std::vector<std::uint8_t>& uoff, std::vector<std::uint8_t>& goff) {
    boff.assign(nbr, 0);
    uoff.assign(n, 0);
    goff.assign(ng, 0);
    for (std::size_t k = 0; k < nbr; ++k)
      boff[k] = static_cast<std::int32_t>(k) == skip || (branch_off && branch_off[k]) ? 1 : 0;
    for (std::size_t i = 0; i < n; ++i) uoff[i] = bus_off && bus_off[i] ? 1 : 0;
    for (std::size_t g = 0; g < ng; ++g) goff[g] = gen_off && gen_off[g] ? 1 : 0;
  };
  if (opt_.enforce_q_limits && q_limits_broken(d, v, kind, gen_off, skip, branch_off, bus_off)) {
    // A regulating unit would be beyond its limit: the post-contingency island on its own, solved with
    // the Q-limit loop from the outage's solution (the base case's units at a limit stay there).
    std::vector<std::uint8_t> boff, uoff, goff;
    off_vectors(boff, uoff, goff);
    const Reduced red = reduce_if(d, [&](std::size_t i) { return uoff[i] == 0; }, boff, goff.data(), v);
    solver::PfOptions pf_opt;
    pf_opt.tol_pu = opt_.tol_pu;
    pf_opt.max_iter = opt_.max_iter;
    pf_opt.fallbacks = false;
    pf_opt.enforce_q_limits = true;
    pf_opt.klu.two_threads = false;
    solver::PfResult pf;
    try {
      pf = solver::solve_ac(red.m, pf_opt);
    } catch (const SingularMatrix&) {
      rec.singular = true;
      pf.converged = false;
    } catch (const InputError&) {   // e.g. limits at a reference bus of an island with several
      pf.converged = false;
    }
    rec.iterations += pf.iterations;
    rec.newton_iterations += pf.iterations;
    if (!pf.converged) {
      rec.outcome = Outcome::NotConverged;
      rec.max_mismatch_mva = rec.singular ? kInf : pf.max_mismatch_pu * m.base_mva;
      if (pf.worst_bus >= 0)
        rec.worst_mismatch_bus = d.isl.bus_of[static_cast<std::size_t>(red.old_bus[static_cast<std::size_t>(pf.worst_bus)])];
      return;
    }
    rec.max_mismatch_mva = pf.max_mismatch_pu * m.base_mva;
    std::vector<cplx> vq(n, cplx{});
    std::vector<BusKind> kq(n, BusKind::PQ);
    for (std::size_t j = 0; j < red.old_bus.size(); ++j) {
      vq[static_cast<std::size_t>(red.old_bus[j])] = pf.v[j];
      kq[static_cast<std::size_t>(red.old_bus[j])] = pf.kind[j];
    }
    for (std::size_t j = 0; j < red.old_gen.size(); ++j)
      if (pf.gen_at_limit[j] && !red.m.gens[j].q_fixed) ++rec.q_limited;
    check_limits(d, vq, -1, boff.data(), uoff.data(), index, lim2, base_loading_n1_pct_, w, rec);
    reference_units(d, vq, kq, goff.data(), -1, boff.data(), rec);
    if (state) {
      std::vector<double> p(ng), q(ng);
      std::vector<std::uint8_t> at(ng, 0);
      for (std::size_t g = 0; g < ng; ++g) {
        p[g] = m.gens[g].p_pu;
        q[g] = m.gens[g].q_pu;
        at[g] = m.gens[g].q_fixed ? 1 : 0;
      }
      for (std::size_t j = 0; j < red.old_gen.size(); ++j) {
        const auto g = static_cast<std::size_t>(red.old_gen[j]);
        p[g] = pf.gen_p_pu[j];
        q[g] = pf.gen_q_pu[j];
        at[g] = pf.gen_at_limit[j];
      }
      map_island(*net_, d, vq, p, q, goff, boff, uoff, *state, &at);
    }
    return;
  }
  check_limits(d, v, skip, branch_off, bus_off, index, lim2, base_loading_n1_pct_, w, rec);
  reference_units(d, v, kind, gen_off, skip, branch_off, rec);
  if (state) {
    std::vector<std::uint8_t> boff, uoff, goff;
    off_vectors(boff, uoff, goff);
    map_state(*net_, d, v, kind, goff, boff, uoff, *state);
  }
}

ContingencyResults ContingencyAnalysis::run(const std::vector<Contingency>& list, const RunControl& control) {
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& c : list) {
    const auto& refs = c.element.kind == ElementRef::Kind::Branch    ? branch_math_
                       : c.element.kind == ElementRef::Kind::Trafo3W ? trafo_math_
                                                                     : gen_math_;
    if (c.element.index < 0 || static_cast<std::size_t>(c.element.index) >= refs.size() ||
        refs[static_cast<std::size_t>(c.element.index)].island < 0)
      throw InputError(fmt::format("contingency {}: not an in-service element of an energised island",
                                   c.element.index >= 0 && static_cast<std::size_t>(c.element.index) < refs.size()
                                       ? element_label(*net_, c.element)
                                       : std::to_string(c.element.index)));
  }
  ContingencyResults res;
  res.contingencies = list;
  res.records.resize(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) res.records[i].contingency = list[i];
  const int threads = opt_.threads > 0 ? opt_.threads : tbb::info::default_concurrency();
  res.threads = threads;
  const auto n_mon = static_cast<std::size_t>(monitor_count());
  if (workers_.size() < static_cast<std::size_t>(threads)) workers_.resize(static_cast<std::size_t>(threads));
  for (auto& w : workers_)
    if (w) w->reset(n_mon, net_->buses.size());

  const std::size_t n = list.size();
  // Small chunks: contingencies differ in cost (islanding, Newton fallbacks), so let TBB balance.
  const std::size_t grain = std::max<std::size_t>(1, std::min<std::size_t>(16, n / (static_cast<std::size_t>(threads) * 32)));
  if (!pool_ || pool_->threads != threads) pool_ = std::make_unique<Pool>(threads);
  pool_->arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain), [&](const tbb::blocked_range<std::size_t>& r) {
      Worker& w = worker(static_cast<std::size_t>(tbb::this_task_arena::current_thread_index()));
      for (std::size_t i = r.begin(); i != r.end(); ++i) {
        if (control.stop && control.stop->load(std::memory_order_relaxed)) return;   // stays NotRun
        run_contingency(list[i], static_cast<std::int32_t>(i), w, res.records[i], nullptr);
        if (control.done) control.done->fetch_add(1, std::memory_order_relaxed);
      }
    });
  });

  // Merge the workers' lists and worst values; order by contingency so threads do not show.
  res.monitor_worst.assign(n_mon, {});
  res.bus_worst.assign(net_->buses.size(), {});
  std::vector<double> mon2(n_mon, -1.0), bmin2(net_->buses.size(), kInf), bmax2(net_->buses.size(), -1.0);
  for (auto& wp : workers_) {
    if (!wp) continue;
    auto& w = *wp;
    res.overloads.insert(res.overloads.end(), w.overloads.begin(), w.overloads.end());
    res.voltage_violations.insert(res.voltage_violations.end(), w.voltages.begin(), w.voltages.end());
    res.islanded.insert(res.islanded.end(), w.islanded.begin(), w.islanded.end());
    for (std::size_t k = 0; k < n_mon; ++k) {
      if (w.monitor_worst_c[k] < 0) continue;
      auto& best = res.monitor_worst[k];
      if (beats(w.monitor_worst2[k], w.monitor_worst_c[k], mon2[k], best.contingency) || best.contingency < 0) {
        mon2[k] = w.monitor_worst2[k];
        best.contingency = w.monitor_worst_c[k];
      }
    }
    for (std::size_t i = 0; i < net_->buses.size(); ++i) {
      auto& best = res.bus_worst[i];
      if (w.bus_min_c[i] >= 0 &&
          (best.min_contingency < 0 || w.bus_min2[i] < bmin2[i] ||
           (w.bus_min2[i] == bmin2[i] && w.bus_min_c[i] < best.min_contingency))) {
        bmin2[i] = w.bus_min2[i];
        best.min_contingency = w.bus_min_c[i];
      }
      if (w.bus_max_c[i] >= 0 && (best.max_contingency < 0 || beats(w.bus_max2[i], w.bus_max_c[i], bmax2[i], best.max_contingency))) {
        bmax2[i] = w.bus_max2[i];
        best.max_contingency = w.bus_max_c[i];
      }
    }
  }
  for (std::size_t k = 0; k < n_mon; ++k)
    if (res.monitor_worst[k].contingency >= 0) res.monitor_worst[k].loading_pct = 100.0 * std::sqrt(mon2[k]);
  for (std::size_t i = 0; i < net_->buses.size(); ++i) {
    if (res.bus_worst[i].min_contingency >= 0) res.bus_worst[i].min_vm_pu = std::sqrt(bmin2[i]);
    if (res.bus_worst[i].max_contingency >= 0) res.bus_worst[i].max_vm_pu = std::sqrt(bmax2[i]);
  }
  std::sort(res.overloads.begin(), res.overloads.end(), [](const Overload& a, const Overload& b) {
    if (a.contingency != b.contingency) return a.contingency < b.contingency;
    if (a.loading_pct != b.loading_pct) return a.loading_pct > b.loading_pct;
    return a.monitor < b.monitor;
  });
  std::sort(res.voltage_violations.begin(), res.voltage_violations.end(),
            [](const VoltageViolation& a, const VoltageViolation& b) {
              return a.contingency != b.contingency ? a.contingency < b.contingency : a.bus < b.bus;
            });
  std::sort(res.islanded.begin(), res.islanded.end(), [](const IslandedBus& a, const IslandedBus& b) {
    return a.contingency != b.contingency ? a.contingency < b.contingency : a.bus < b.bus;
  });
  for (const auto& r : res.records)
    if (r.outcome == Outcome::NotRun) res.interrupted = true;
  res.elapsed_s = ms_since(t0) / 1000.0;
  return res;
}

ContingencyRecord ContingencyAnalysis::solve_one(const Contingency& c, report::NetworkSolution& state) {
  const auto& e = c.element;
  const auto& refs = e.kind == ElementRef::Kind::Branch ? branch_math_ : e.kind == ElementRef::Kind::Trafo3W ? trafo_math_ : gen_math_;
  if (e.index < 0 || static_cast<std::size_t>(e.index) >= refs.size() || refs[static_cast<std::size_t>(e.index)].island < 0)
    throw InputError("solve_one: not an in-service element of an energised island");
  if (!probe_) {
    probe_ = std::make_unique<Worker>();
    probe_->solvers.resize(islands_.size());
  }
  probe_->reset(static_cast<std::size_t>(monitor_count()), net_->buses.size());
  state = base_;
  ContingencyRecord rec;
  run_contingency(c, 0, *probe_, rec, &state);
  if (rec.outcome != Outcome::Solved) {
    // No state to show for the island: leave it de-energised rather than showing the base case.
    const auto& d = *islands_[static_cast<std::size_t>(refs[static_cast<std::size_t>(e.index)].island)];
    for (auto b : d.isl.bus_of)
      if (b.valid()) state.buses[static_cast<std::size_t>(b.value)] = {};
    state.converged = false;
  }
  return rec;
}

}  // namespace lsflow::study
