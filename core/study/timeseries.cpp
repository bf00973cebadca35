// Time series over hourly profiles; what is modelled and how the hours are solved is at the top of
// timeseries.hpp.
//
// Per hour, with S^fix the injections no profile touches (fixed loads and units, every unit's Q):
//   Sbus_i = S^fix_i + Σ_{units g at i with a column c} x_c(h)·P^cap_g − Σ_{loads at i with a column c}
//   x_c(h)·S_l
// built from precomputed (bus, column, value) terms, so the hour costs O(buses + terms), no allocation.
//
// The reference unit's P (pfsoln.m): S_r = V_r·conj(Σ_k Y_rk·V_k) is the injection at reference bus r;
// with Re(Sbus_r) = Σ_{units at r} P^set − P^load_r, the first unit at r gets
//   P_first = Re(S_r) − Re(Sbus_r) + P^set_first
// (the bus's load plus what leaves it, less the other units' set-points). Row r of Ybus is gathered once
// (column index, value position) from the column-major matrix.
#include "study/timeseries.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "model/grid_equivalent.hpp"
#include "model/transformer3w.hpp"
#include "report/study_report.hpp"
#include "solver/newton_raphson.hpp"
#include "solver/ybus.hpp"
#include "study/progress.hpp"
#include "topology/math_builder.hpp"

namespace lsflow::study {

using solver::BusKind;
using solver::cplx;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kKinds = 6;

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

bool profiled_kind(model::GenKind k, ProfileKind& out) {
  switch (k) {
    case model::GenKind::Wind:
      out = ProfileKind::Wind;
      return true;
    case model::GenKind::Solar:
      out = ProfileKind::Solar;
      return true;
    case model::GenKind::Hydro:
      out = ProfileKind::Hydro;
      return true;
    default:
      return false;
  }
}

double capacity_mw(const model::Generator& g) { return g.installed_mw > 0.0 ? g.installed_mw : g.pmax_mw; }

std::string join_some(const std::vector<std::string>& names, std::size_t shown = 8) {
  std::string s;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > shown) s += fmt::format(" and {} more", names.size() - shown);
  return s;
}
}  // namespace

struct TimeSeries::Island {
  topology::MathIsland isl;
  std::vector<BusKind> kind;   // as typed: every unit regulating (the hour's start)
  std::unique_ptr<solver::Ybus> ybus;
  // One NewtonRaphson per set of bus kinds met (reactive limits make buses PQ); [0] is `kind`'s.
  struct Pattern {
    std::vector<BusKind> kind;
    std::unique_ptr<solver::NewtonRaphson> nr;
    bool factored = false;
  };
  std::vector<Pattern> patterns;
  std::size_t pattern = 0;
  [[nodiscard]] solver::NewtonRaphson& nr() { return *patterns[pattern].nr; }
  [[nodiscard]] bool& factored() { return patterns[pattern].factored; }
  // Reactive limits, this hour.
  std::vector<std::uint8_t> q_fixed;   // per math unit: held at a limit
  std::vector<double> q_fix_pu;        // the limit it is held at
  std::vector<double> q_sched_pu;      // the Q it has in sbus_fixed
  std::vector<std::int32_t> reg_buses;                   // buses with a regulating unit (PV, Ref)
  std::vector<std::int32_t> unit_ptr, unit_list;         // units per bus (CSR)
  std::vector<std::vector<std::pair<std::int32_t, std::int32_t>>> row_of;  // Ybus row (k, pos) per reg bus
  std::vector<BusKind> kind_scratch;
  // Curtailment: wind units (math index), reverse-flow sides per math branch.
  std::vector<std::int32_t> wind_units;
  std::vector<std::int8_t> hv_side;    // per math branch: 0 from, 1 to, -1 not a tracked transformer end
  std::vector<cplx> v;        // the last converged solution: the next hour's start
  std::vector<cplx> v_start;  // the case's voltages with the set-points (restarts)
  std::vector<cplx> v_try;    // scratch for the damped attempt
  std::vector<cplx> sbus, sbus_fixed;
  double fixed_load_mw = 0.0;  // load P no column drives
  struct LoadTerm {
    std::int32_t bus, column;
    cplx s_pu;
  };
  struct GenTerm {
    std::int32_t gen, bus, column;
    double cap_pu;
  };
  std::vector<LoadTerm> load_terms;
  std::vector<GenTerm> gen_terms;
  std::vector<double> gen_p_pu;  // the hour's set-points, per math unit
  std::vector<double> gen_p_fixed_pu;  // the set-points no profile column drives (restored every hour)
  struct Ref {
    std::int32_t bus = -1;
    std::int32_t first_gen = -1;
    std::vector<std::pair<std::int32_t, std::int32_t>> row;  // (column k, value position) of Ybus row `bus`
  };
  std::vector<Ref> refs;
  std::vector<std::int32_t> element_of_branch;  // per math branch
  std::vector<double> inv_rating_pu;            // per math branch; 0: no rating
  std::vector<std::uint8_t> bus_side_only;      // windings: loading from the bus side
  std::vector<std::int32_t> elements;           // elements of this island (each once)
};

std::size_t TimeSeries::element_count() const { return net_->branches.size() + net_->transformers3w.size(); }

std::string TimeSeries::element_label(std::size_t e) const {
  const auto nb = net_->branches.size();
  if (e < nb) return study::element_label(*net_, {ElementRef::Kind::Branch, static_cast<std::int32_t>(e)});
  return study::element_label(*net_, {ElementRef::Kind::Trafo3W, static_cast<std::int32_t>(e - nb)});
}

TimeSeries::TimeSeries(const model::Network& net, const Profiles& profiles, ContingencyLimits limits,
                       TimeSeriesOptions opt)
    : net_(&net), profiles_(&profiles), limits_(std::move(limits)), opt_(opt) {
  const auto t0 = std::chrono::steady_clock::now();
  if (limits_.band_normal.size() != net.buses.size())
    throw std::invalid_argument("TimeSeries: limits were made for another network");
  if (profiles.hours == 0) throw InputError(SourceLoc{profiles.source_file, 0}, "the profile has no hours");

  // ---- columns → loads and units
  std::set<std::string> zones;
  for (const auto& b : net.buses) zones.insert(b.zone);
  std::map<std::string, std::size_t> gen_by_name;
  for (std::size_t g = 0; g < net.generators.size(); ++g) gen_by_name.emplace(net.generators[g].name, g);
  std::map<std::pair<ProfileKind, std::string>, std::int32_t> col_of;
  for (std::size_t c = 0; c < profiles.columns.size(); ++c) {
    const auto& col = profiles.columns[c];
    if (col.target != "*") {
      const auto g = gen_by_name.find(col.target);
      if (col.kind != ProfileKind::Load && g != gen_by_name.end()) {
        ProfileKind gk{};
        const auto& gen = net.generators[g->second];
        if (!profiled_kind(gen.kind, gk) || gk != col.kind)
          throw InputError(
              col.loc, fmt::format("column {} '{}': {} is a {} generator, not {}", col.file_column, col.name,
                                   col.target, model::to_string(gen.kind), to_string(col.kind)));
      } else if (!zones.count(col.target)) {
        std::vector<std::string> zl(zones.begin(), zones.end());
        throw InputError(
            col.loc,
            fmt::format(
                "column {} '{}': the network has no {}zone named '{}' (zones: {})", col.file_column, col.name,
                col.kind == ProfileKind::Load ? "" : fmt::format("{} generator or ", to_string(col.kind)),
                col.target, join_some(zl, 20)));
      }
    }
    col_of[{col.kind, col.target}] = static_cast<std::int32_t>(c);
  }
  auto column_for = [&](ProfileKind k, const std::string& name, const std::string& zone) -> std::int32_t {
    if (!name.empty())
      if (auto it = col_of.find({k, name}); it != col_of.end()) return it->second;
    if (auto it = col_of.find({k, zone}); it != col_of.end()) return it->second;
    if (auto it = col_of.find({k, std::string("*")}); it != col_of.end()) return it->second;
    return -1;
  };
  load_column_.assign(net.loads.size(), -1);
  gen_column_.assign(net.generators.size(), -1);
  for (std::size_t l = 0; l < net.loads.size(); ++l)
    load_column_[l] = column_for(ProfileKind::Load, {}, net.bus(net.loads[l].bus).zone);
  for (std::size_t g = 0; g < net.generators.size(); ++g) {
    ProfileKind k{};
    if (profiled_kind(net.generators[g].kind, k))
      gen_column_[g] = column_for(k, net.generators[g].name, net.bus(net.generators[g].bus).zone);
  }

  // ---- math model, one solver per island
  auto nm = topology::build_math(net);
  const std::vector<bool> inside = model::grid_equivalent_buses(net);
  std::vector<std::uint8_t> load_energised(net.loads.size(), 0), gen_energised(net.generators.size(), 0);
  for (std::size_t l = 0; l < net.loads.size(); ++l)
    load_energised[l] =
        net.loads[l].in_service && nm.island_of_bus[static_cast<std::size_t>(net.loads[l].bus.value)] >= 0;
  const auto n_branch = net.branches.size();
  for (auto& src : nm.islands) {
    auto d = std::make_unique<Island>();
    d->isl = std::move(src);
    const auto& m = d->isl.math;
    const auto n = static_cast<std::size_t>(m.n_bus());
    const double base = m.base_mva;
    if (!solver::assign_bus_kinds(m, m.bus_kind, {}, d->kind))
      throw InputError("an island has no reference bus and no PV bus with an in-service generator");
    d->ybus = std::make_unique<solver::Ybus>(m);
    d->patterns.push_back({d->kind, std::make_unique<solver::NewtonRaphson>(*d->ybus, d->kind), false});
    d->q_fixed.assign(m.gens.size(), 0);
    d->q_fix_pu.assign(m.gens.size(), 0.0);
    d->q_sched_pu.resize(m.gens.size());
    for (std::size_t g = 0; g < m.gens.size(); ++g) d->q_sched_pu[g] = m.gens[g].q_pu;
    d->unit_ptr.assign(n + 1, 0);
    for (const auto& g : m.gens) ++d->unit_ptr[static_cast<std::size_t>(g.bus) + 1];
    for (std::size_t i = 0; i < n; ++i) d->unit_ptr[i + 1] += d->unit_ptr[i];
    d->unit_list.resize(m.gens.size());
    {
      std::vector<std::int32_t> fill(d->unit_ptr.begin(), d->unit_ptr.end() - 1);
      for (std::size_t g = 0; g < m.gens.size(); ++g)
        d->unit_list[static_cast<std::size_t>(fill[static_cast<std::size_t>(m.gens[g].bus)]++)] = static_cast<std::int32_t>(g);
    }
    d->row_of.resize(n);
    {
      const auto& y = d->ybus->matrix();
      for (std::size_t i = 0; i < n; ++i)
        if (d->kind[i] != BusKind::PQ) d->reg_buses.push_back(static_cast<std::int32_t>(i));
      for (std::int32_t k = 0; k < y.outerSize(); ++k)
        for (auto p = y.outerIndexPtr()[k]; p < y.outerIndexPtr()[k + 1]; ++p) {
          const auto i = static_cast<std::size_t>(y.innerIndexPtr()[p]);
          if (d->kind[i] != BusKind::PQ) d->row_of[i].emplace_back(k, p);
        }
    }
    for (std::size_t g = 0; g < m.gens.size(); ++g)
      if (net.generators[static_cast<std::size_t>(d->isl.gen_of[g].value)].kind == model::GenKind::Wind)
        d->wind_units.push_back(static_cast<std::int32_t>(g));

    // Fixed injections and the hourly terms.
    d->sbus_fixed.assign(n, cplx{});
    d->sbus.assign(n, cplx{});
    d->gen_p_pu.assign(m.gens.size(), 0.0);
    std::map<std::pair<std::int32_t, std::int32_t>, cplx> load_terms;  // (bus, column) → S
    for (std::size_t l = 0; l < net.loads.size(); ++l) {
      const auto& ld = net.loads[l];
      if (!ld.in_service) continue;
      const auto bu = static_cast<std::size_t>(ld.bus.value);
      if (nm.island_of_bus[bu] != static_cast<std::int32_t>(islands_.size())) continue;
      const auto mb = nm.math_of_bus[bu];
      const cplx s = cplx(ld.p_mw, ld.q_mvar) / base;
      if (load_column_[l] < 0) {
        d->sbus_fixed[static_cast<std::size_t>(mb)] -= s;
        d->fixed_load_mw += ld.p_mw;
      } else {
        load_terms[{mb, load_column_[l]}] += s;
      }
    }
    for (const auto& [key, s] : load_terms) d->load_terms.push_back({key.first, key.second, s});
    for (std::size_t g = 0; g < m.gens.size(); ++g) {
      const auto mg = static_cast<std::size_t>(d->isl.gen_of[g].value);
      gen_energised[mg] = 1;
      const auto& gen = m.gens[g];
      d->sbus_fixed[static_cast<std::size_t>(gen.bus)] += cplx(0.0, gen.q_pu);
      if (gen_column_[mg] < 0) {
        d->sbus_fixed[static_cast<std::size_t>(gen.bus)] += gen.p_pu;
        d->gen_p_pu[g] = gen.p_pu;
      } else {
        d->gen_terms.push_back(
            {static_cast<std::int32_t>(g), gen.bus, gen_column_[mg], capacity_mw(net.generators[mg]) / base});
      }
    }

    d->gen_p_fixed_pu = d->gen_p_pu;

    // Reference units and their Ybus rows.
    const auto& y = d->ybus->matrix();
    for (std::size_t i = 0; i < n; ++i) {
      if (d->kind[i] != BusKind::Ref) continue;
      Island::Ref r;
      r.bus = static_cast<std::int32_t>(i);
      for (std::size_t g = 0; g < m.gens.size(); ++g)
        if (static_cast<std::size_t>(m.gens[g].bus) == i) {
          r.first_gen = static_cast<std::int32_t>(g);
          break;
        }
      for (std::int32_t k = 0; k < y.outerSize(); ++k)
        for (auto p = y.outerIndexPtr()[k]; p < y.outerIndexPtr()[k + 1]; ++p)
          if (y.innerIndexPtr()[p] == r.bus) r.row.emplace_back(k, p);
      d->refs.push_back(std::move(r));
    }

    // Monitoring.
    const auto nbr = m.branches.size();
    d->hv_side.assign(nbr, -1);
    d->element_of_branch.assign(nbr, -1);
    d->inv_rating_pu.assign(nbr, 0.0);
    d->bus_side_only.assign(nbr, 0);
    for (std::size_t k = 0; k < nbr; ++k) {
      const auto& o = d->isl.branch_of[k];
      double rating = 0.0;
      std::int32_t e = -1;
      if (o.kind == topology::BranchOrigin::Kind::Branch) {
        e = o.index;
        const auto& br = net.branches[static_cast<std::size_t>(o.index)];
        rating = br.rate_a_mva;
        const double kv_f = net.bus(br.from).base_kv, kv_t = net.bus(br.to).base_kv;
        if (br.kind == model::BranchKind::Transformer && kv_f != kv_t && !model::branch_inside(net, inside, static_cast<std::size_t>(o.index)))
          d->hv_side[k] = kv_f > kv_t ? 0 : 1;
      } else {
        e = static_cast<std::int32_t>(n_branch) + o.index;
        const auto& t = net.transformers3w[static_cast<std::size_t>(o.index)];
        rating = o.winding == 0 ? t.sn_hv_mva : o.winding == 1 ? t.sn_mv_mva : t.sn_lv_mva;
        d->bus_side_only[k] = 1;
        if (o.winding == 0 && !model::trafo3w_inside(net, inside, static_cast<std::size_t>(o.index))) d->hv_side[k] = 0;
      }
      d->element_of_branch[k] = e;
      d->inv_rating_pu[k] = rating > 0.0 ? base / rating : 0.0;
      if (d->elements.empty() || d->elements.back() != e) d->elements.push_back(e);
    }
    std::sort(d->elements.begin(), d->elements.end());
    d->elements.erase(std::unique(d->elements.begin(), d->elements.end()), d->elements.end());

    // Start: the case's voltages with the set-points (the last unit listed at a bus wins, as solve_ac).
    d->v_start = m.v0_pu;
    for (const auto& g : m.gens) {
      const auto b = static_cast<std::size_t>(g.bus);
      if (d->kind[b] == BusKind::PQ) continue;
      const double mag = std::abs(d->v_start[b]);
      d->v_start[b] = mag > 0 ? d->v_start[b] * (g.vg_pu / mag) : cplx(g.vg_pu, 0.0);
    }
    d->v = d->v_start;
    d->v_try = d->v_start;
    d->nr().load_state(d->v);
    islands_.push_back(std::move(d));
  }

  // ---- what each column reaches; what no column reaches
  column_use_.resize(profiles.columns.size());
  for (std::size_t c = 0; c < profiles.columns.size(); ++c) column_use_[c].column = c;
  std::size_t fixed_loads = 0;
  double fixed_load_mw = 0.0;
  for (std::size_t l = 0; l < net.loads.size(); ++l) {
    if (!load_energised[l]) continue;
    if (load_column_[l] < 0) {
      ++fixed_loads;
      fixed_load_mw += net.loads[l].p_mw;
      continue;
    }
    auto& u = column_use_[static_cast<std::size_t>(load_column_[l])];
    ++u.loads;
    u.base_mw += net.loads[l].p_mw;
  }
  std::array<std::size_t, kKinds> fixed_units{};
  std::array<double, kKinds> fixed_units_mw{};
  for (std::size_t g = 0; g < net.generators.size(); ++g) {
    if (!gen_energised[g]) continue;
    const auto& gen = net.generators[g];
    if (gen_column_[g] < 0) {
      if (gen.kind == model::GenKind::Grid) continue;
      ++fixed_units[static_cast<std::size_t>(gen.kind)];
      fixed_units_mw[static_cast<std::size_t>(gen.kind)] += gen.p_mw;
      continue;
    }
    auto& u = column_use_[static_cast<std::size_t>(gen_column_[g])];
    ++u.generators;
    u.base_mw += capacity_mw(gen);
  }
  for (const auto& u : column_use_) {
    const auto& col = profiles.columns[u.column];
    if (u.loads + u.generators == 0)
      notes_.push_back(fmt::format(
          "column '{}' reaches no in-service, energised {}: not used", col.name,
          col.kind == ProfileKind::Load ? "load" : fmt::format("{} generator", to_string(col.kind))));
  }
  if (fixed_loads > 0)
    notes_.push_back(fmt::format("{} load{} ({:.1f} MW) with no load column: held at the scenario's value",
                                 fixed_loads, fixed_loads == 1 ? "" : "s", fixed_load_mw));
  for (std::size_t k = 0; k < kKinds; ++k)
    if (fixed_units[k] > 0)
      notes_.push_back(
          fmt::format("{} {} unit{} ({:.1f} MW) with no profile column: held at the scenario's P",
                      fixed_units[k], model::to_string(static_cast<model::GenKind>(k)),
                      fixed_units[k] == 1 ? "" : "s", fixed_units_mw[k]));
  // ---- automatic tap changers
  if (opt_.tap_control) taps_ = report::automatic_taps(net);
  if (!taps_.empty()) {
    work_ = net;
    tap_site_.resize(taps_.size());
    tap_pos_before_.resize(taps_.size());
    tap_view_.buses.assign(net.buses.size(), {});
    for (std::size_t i = 0; i < net.buses.size(); ++i)
      tap_view_.buses[i].energised = nm.island_of_bus[i] >= 0;
    for (std::size_t t = 0; t < taps_.size(); ++t) {
      const auto& tap = taps_[t];
      auto& site = tap_site_[t];
      const auto bu = static_cast<std::size_t>(tap.bus.value);
      site.bus_island = nm.island_of_bus[bu];
      site.bus_math = nm.math_of_bus[bu];
      const auto kind = tap.owner == report::TapOwner::Branch ? topology::BranchOrigin::Kind::Branch
                                                              : topology::BranchOrigin::Kind::Winding;
      for (std::size_t i = 0; i < islands_.size() && site.island < 0; ++i) {
        const auto& bo = islands_[i]->isl.branch_of;
        for (std::size_t k = 0; k < bo.size(); ++k)
          if (bo[k].kind == kind && bo[k].index == tap.index && bo[k].winding == 0) {
            site.island = static_cast<std::int32_t>(i);
            site.branch = static_cast<std::int32_t>(k);
            site.count = kind == topology::BranchOrigin::Kind::Branch ? 1 : 3;
            // The builder puts a transformer's three windings next to each other, HV, MV, LV.
            if (site.count == 3 &&
                (k + 2 >= bo.size() || bo[k + 2].index != tap.index || bo[k + 2].winding != 2))
              throw std::logic_error("TimeSeries: three-winding transformer windings are not consecutive");
            break;
          }
      }
    }
  }
  setup_ms_ = ms_since(t0);
}

TimeSeries::~TimeSeries() = default;

void TimeSeries::set_tap_admittances(std::size_t tap) {
  const auto& site = tap_site_[tap];
  if (site.island < 0) return;
  Island& d = *islands_[static_cast<std::size_t>(site.island)];
  auto& m = d.isl.math;
  auto replace = [&](std::size_t k, solver::MathBranch nb) {
    nb.from = m.branches[k].from;
    nb.to = m.branches[k].to;
    d.ybus->add_branch(m.branches[k], k, -1.0);
    d.ybus->add_branch(nb, k, +1.0);
    m.branches[k] = nb;
  };
  const auto& t = taps_[tap];
  const auto k0 = static_cast<std::size_t>(site.branch);
  if (t.owner == report::TapOwner::Branch) {
    const auto& br = work_.branches[static_cast<std::size_t>(t.index)];
    replace(k0, topology::branch_admittance(br.r_pu, br.x_pu, br.b_pu, br.tap_ratio, br.shift_deg));
  } else {
    const auto& tr = work_.transformers3w[static_cast<std::size_t>(t.index)];
    const auto w = model::star_equivalent(tr, work_.base_mva, work_.bus(tr.hv_bus).base_kv,
                                          work_.bus(tr.mv_bus).base_kv, work_.bus(tr.lv_bus).base_kv);
    for (std::size_t j = 0; j < 3; ++j)
      replace(k0 + j, topology::branch_admittance(w[j].r_pu, w[j].x_pu, 0.0, w[j].tap_ratio, 0.0));
  }
  // The last factorisation stays: a tap step changes the Jacobian little, so chord steps still contract
  // (and when they do not, Newton refactors).
}

void TimeSeries::reset_taps() {
  for (std::size_t t = 0; t < taps_.size(); ++t) {
    if (taps_[t].pos == taps_[t].pos_start) continue;
    taps_[t].pos = taps_[t].pos_start;
    report::set_tap_positions(work_, {taps_[t]});
    set_tap_admittances(t);
  }
}

int TimeSeries::tap_wants(std::size_t tap, bool& at_limit) const {
  at_limit = false;
  const auto& t = taps_[tap];
  const auto& site = tap_site_[tap];
  if (site.island < 0 || site.bus_island < 0) return 0;
  const bool in_service = t.owner == report::TapOwner::Branch
                              ? work_.branches[static_cast<std::size_t>(t.index)].in_service
                              : work_.transformers3w[static_cast<std::size_t>(t.index)].in_service;
  const auto type = work_.bus(t.bus).type;
  if (!in_service || type == model::BusType::PV || type == model::BusType::Ref) return 0;
  const double vm = std::abs(
      islands_[static_cast<std::size_t>(site.bus_island)]->v[static_cast<std::size_t>(site.bus_math)]);
  const int dir = vm > t.vmax_pu ? +1 : vm < t.vmin_pu ? -1 : 0;
  if (dir == 0) return 0;
  if ((dir > 0 && t.pos >= t.pos_max) || (dir < 0 && t.pos <= t.pos_min)) {
    at_limit = true;
    return 0;
  }
  return dir;
}

model::Network TimeSeries::network_at(std::size_t hour) const {
  if (hour >= profiles_->hours) throw std::out_of_range("TimeSeries::network_at: hour beyond the profile");
  model::Network out = *net_;
  const double* row = profiles_->row(hour);
  for (std::size_t l = 0; l < out.loads.size(); ++l)
    if (load_column_[l] >= 0) {
      const double x = row[load_column_[l]];
      out.loads[l].p_mw *= x;
      out.loads[l].q_mvar *= x;
    }
  for (std::size_t g = 0; g < out.generators.size(); ++g)
    if (gen_column_[g] >= 0) out.generators[g].p_mw = row[gen_column_[g]] * capacity_mw(out.generators[g]);
  return out;
}

TimeSeriesResult TimeSeries::run_chain(std::size_t warm_from, std::size_t first, std::size_t count,
                                       const std::atomic<bool>* stop, Progress* progress,
                                       std::atomic<std::size_t>* done_counter,
                                       const std::function<void(const HourView&)>& observer) {
  const auto t_run = std::chrono::steady_clock::now();
  const model::Network& net = *net_;
  const Profiles& prof = *profiles_;

  TimeSeriesResult res;
  res.hours = prof.hours;
  res.first_hour = first;
  res.setup_ms = setup_ms_;
  const std::size_t n_elem = element_count();
  res.elements.assign(n_elem, {});
  res.buses.assign(net.buses.size(), {});
  res.gens.assign(net.generators.size(), {});
  if (opt_.keep_hourly) res.hourly.assign(count, {});
  for (std::size_t i = 0; i < net.buses.size(); ++i)
    if (const auto& band = limits_.band_normal[i]) {
      res.buses[i].checked = true;
      res.buses[i].vmin_pu = band->vmin_pu;
      res.buses[i].vmax_pu = band->vmax_pu;
    }
  for (std::size_t g = 0; g < net.generators.size(); ++g) res.gens[g].profiled = gen_column_[g] >= 0;
  reset_taps();
  res.taps.assign(taps_.size(), {});
  for (std::size_t t = 0; t < taps_.size(); ++t)
    res.taps[t].min_pos = res.taps[t].max_pos = res.taps[t].final_pos = taps_[t].pos;
  for (const auto& d : islands_)
    for (const auto& r : d->refs)
      if (r.first_gen >= 0)
        res.gens[static_cast<std::size_t>(d->isl.gen_of[static_cast<std::size_t>(r.first_gen)].value)]
            .reference = true;

  // Per-hour scratch, sized once.
  std::vector<double> loading(n_elem, kNaN), loss(n_elem, 0.0), flow(n_elem, 0.0);
  std::vector<double> gen_p_mw(net.generators.size(), 0.0);
  std::vector<std::uint8_t> gen_at_limit(observer ? net.generators.size() : 0, 0);
  std::vector<cplx> bus_v(observer ? net.buses.size() : 0);
  std::vector<std::size_t> gen_kind(net.generators.size());
  for (std::size_t g = 0; g < net.generators.size(); ++g)
    gen_kind[g] = static_cast<std::size_t>(net.generators[g].kind);
  const double limit = limits_.loading_normal_pct;
  const double tol = opt_.tol_pu;

  // One island's hour: chord steps from the last factorisation, then Newton; restarts when that fails.
  bool quick_fail = false;
  auto solve_island = [&](Island& d, HourRecord& rec) -> bool {
    auto& nr = d.nr();
    auto newton_from_here = [&](double norm) {
      norm = nr.evaluate(d.sbus);
      int it = 0;
      while (norm >= tol && it < opt_.max_iter && std::isfinite(norm)) {
        nr.factorize();
        d.factored() = true;
        nr.solve_step();
        nr.update_voltage();
        ++it;
        norm = nr.evaluate(d.sbus);
      }
      rec.newton_iterations = static_cast<std::int16_t>(rec.newton_iterations + it);
      return norm;
    };
    double norm = kNaN;
    try {
      norm = nr.evaluate_mismatch(d.sbus);
      if (norm >= tol && d.factored() && opt_.max_chord_iter > 0) {
        int ch = 0;
        while (ch < opt_.max_chord_iter && norm >= tol) {
          nr.solve_step();
          nr.update_voltage();
          ++ch;
          const double next = nr.evaluate_mismatch(d.sbus);
          const bool contracting = next <= opt_.chord_rate * norm;
          norm = next;
          if (!contracting) break;
        }
        rec.chord_iterations = static_cast<std::int16_t>(rec.chord_iterations + ch);
      }
      if (norm >= tol && std::isfinite(norm)) norm = newton_from_here(norm);
      if (!std::isfinite(norm)) norm = kNaN;
    } catch (const SingularMatrix&) {
      norm = kNaN;
    }
    if (norm < tol) {
      rec.max_mismatch_pu = std::max(rec.max_mismatch_pu, norm);
      nr.store_state(d.v);
      // Many chord steps: the kept factorisation is far from today's Jacobian; refresh it here, at the
      // solution, for the hours to come.
      if (opt_.refresh_after_chord > 0 && rec.chord_iterations > opt_.refresh_after_chord &&
          rec.newton_iterations == 0) {
        nr.evaluate(d.sbus);
        nr.factorize();
        ++res.refreshes;
      }
      return true;
    }
    // Restart from the case's voltages, then a damped Newton from there (not while curtailment is
    // searching a solvable wind level: a trial that fails is just too much wind).
    if (quick_fail) {
      nr.load_state(d.v);
      d.factored() = false;
      return false;
    }
    ++res.restarts;
    rec.attempt = 1;
    try {
      nr.load_state(d.v_start);
      norm = newton_from_here(kNaN);
    } catch (const SingularMatrix&) {
      norm = kNaN;
    }
    if (!(norm < tol)) {
      rec.attempt = 2;
      try {
        d.v_try = d.v_start;
        solver::NrOptions damped{tol, 3 * opt_.max_iter, true};
        const auto r = nr.solve(d.v_try, d.sbus, damped);
        rec.newton_iterations = static_cast<std::int16_t>(rec.newton_iterations + r.iterations);
        norm = r.converged ? r.max_mismatch_pu : kNaN;
        if (!r.converged) rec.max_mismatch_pu = std::max(rec.max_mismatch_pu, r.max_mismatch_pu);
      } catch (const SingularMatrix&) {
        norm = kNaN;
      }
    }
    if (norm < tol) {
      rec.max_mismatch_pu = std::max(rec.max_mismatch_pu, norm);
      nr.store_state(d.v);
      return true;
    }
    // Give up on this hour: the next one starts from the last converged solution, with Newton.
    nr.load_state(d.v);
    d.factored() = false;
    return false;
  };

  // Reactive limits: the hour starts with every unit regulating (pattern 0, set-points at their buses).
  auto reset_q = [&](Island& d) {
    if (d.pattern == 0) return;
    const auto& m = d.isl.math;
    for (std::size_t g = 0; g < d.q_fixed.size(); ++g)
      if (d.q_fixed[g]) {
        d.sbus[static_cast<std::size_t>(m.gens[g].bus)] -= cplx(0.0, d.q_fix_pu[g] - d.q_sched_pu[g]);
        d.q_fixed[g] = 0;
      }
    d.pattern = 0;
    for (auto b : d.reg_buses) {
      const auto bi = static_cast<std::size_t>(b);
      const double mag = std::abs(d.v[bi]);
      if (mag > 0.0) d.v[bi] *= std::abs(d.v_start[bi]) / mag;
    }
    d.nr().load_state(d.v);
  };
  // After a converged solve: the units of every bus that needs Q beyond their limits together are fixed
  // at them (sbus takes their Q, the bus turns PQ) and the matching pattern is made current. Returns
  // whether anything was fixed. The reference bus is left alone (counted in hours_ref_q_beyond).
  bool ref_beyond = false;
  auto enforce_q = [&](Island& d) -> bool {
    const auto& m = d.isl.math;
    const auto& kind = d.patterns[d.pattern].kind;
    const cplx* yv = d.ybus->matrix().valuePtr();
    constexpr double kTolMvar = 5e-6;   // MATPOWER's opf.violation
    const double qtol = kTolMvar / m.base_mva;
    bool changed = false;
    for (auto b : d.reg_buses) {
      const auto bi = static_cast<std::size_t>(b);
      if (kind[bi] == BusKind::PQ) continue;
      double qmin = 0.0, qmax = 0.0, held = 0.0, sched = 0.0;
      int regulating = 0;
      for (auto q = d.unit_ptr[bi]; q < d.unit_ptr[bi + 1]; ++q) {
        const auto g = static_cast<std::size_t>(d.unit_list[static_cast<std::size_t>(q)]);
        if (d.q_fixed[g]) {
          held += d.q_fix_pu[g];
          sched += d.q_fix_pu[g];
        } else {
          qmin += m.gens[g].qmin_pu;
          qmax += m.gens[g].qmax_pu;
          sched += d.q_sched_pu[g];
          ++regulating;
        }
      }
      if (regulating == 0 || (std::isinf(qmin) && std::isinf(qmax))) continue;
      cplx i_b{};
      for (const auto& [k, p] : d.row_of[bi]) i_b += yv[p] * d.v[static_cast<std::size_t>(k)];
      const double q_inj = (d.v[bi] * std::conj(i_b)).imag();
      const double q_load = sched - d.sbus[bi].imag();   // sbus holds Σ unit Q − load Q
      const double q_reg = q_inj + q_load - held;
      const bool over = q_reg > qmax + qtol, under = q_reg < qmin - qtol;
      if (!over && !under) continue;
      if (kind[bi] == BusKind::Ref) {
        ref_beyond = true;
        continue;
      }
      for (auto q = d.unit_ptr[bi]; q < d.unit_ptr[bi + 1]; ++q) {
        const auto g = static_cast<std::size_t>(d.unit_list[static_cast<std::size_t>(q)]);
        if (d.q_fixed[g]) continue;
        d.q_fixed[g] = 1;
        d.q_fix_pu[g] = over ? m.gens[g].qmax_pu : m.gens[g].qmin_pu;
        d.sbus[bi] += cplx(0.0, d.q_fix_pu[g] - d.q_sched_pu[g]);
      }
      changed = true;
    }
    if (!changed) return false;
    // The bus kinds now: PQ where no regulating unit is left.
    d.kind_scratch = d.kind;
    for (auto b : d.reg_buses) {
      const auto bi = static_cast<std::size_t>(b);
      bool any = false;
      for (auto q = d.unit_ptr[bi]; q < d.unit_ptr[bi + 1] && !any; ++q)
        any = !d.q_fixed[static_cast<std::size_t>(d.unit_list[static_cast<std::size_t>(q)])];
      if (!any) d.kind_scratch[bi] = BusKind::PQ;
    }
    std::size_t p = 0;
    while (p < d.patterns.size() && d.patterns[p].kind != d.kind_scratch) ++p;
    if (p == d.patterns.size())   // a new set of PQ buses: its pattern, once (allocates)
      d.patterns.push_back({d.kind_scratch, std::make_unique<solver::NewtonRaphson>(*d.ybus, d.kind_scratch), false});
    d.pattern = p;
    d.nr().load_state(d.v);
    return true;
  };
  auto solve_island_q = [&](Island& d, HourRecord& rec) -> bool {
    for (int round = 0; round < 20; ++round) {
      if (!solve_island(d, rec)) return false;
      if (!opt_.enforce_q_limits || !enforce_q(d)) return true;
    }
    return false;   // the Q-limit loop did not settle
  };

  // One solve of the hour as it stands: every island (reactive limits), then the tap changers' rounds.
  // A converged state of the hour (taps, and per island its voltages, pattern, units at a Q limit,
  // injections) to go back to when a later solve of the hour fails. Hours that need it only.
  struct Snapshot {
    std::vector<int> tap_pos;
    struct IslandState {
      std::vector<cplx> v, sbus;
      std::vector<double> gen_p_pu, q_fix_pu;
      std::vector<std::uint8_t> q_fixed;
      std::size_t pattern = 0;
    };
    std::vector<IslandState> islands;
  };
  auto save_state = [&](Snapshot& s) {
    s.tap_pos.resize(taps_.size());
    for (std::size_t t = 0; t < taps_.size(); ++t) s.tap_pos[t] = taps_[t].pos;
    s.islands.resize(islands_.size());
    for (std::size_t di = 0; di < islands_.size(); ++di) {
      const Island& d = *islands_[di];
      auto& x = s.islands[di];
      x.v = d.v;
      x.sbus = d.sbus;
      x.gen_p_pu = d.gen_p_pu;
      x.q_fix_pu = d.q_fix_pu;
      x.q_fixed = d.q_fixed;
      x.pattern = d.pattern;
    }
  };
  auto restore_state = [&](const Snapshot& s) {
    for (std::size_t t = 0; t < taps_.size(); ++t)
      if (taps_[t].pos != s.tap_pos[t]) {
        taps_[t].pos = s.tap_pos[t];
        report::set_tap_positions(work_, {taps_[t]});
        set_tap_admittances(t);
      }
    for (std::size_t di = 0; di < islands_.size(); ++di) {
      Island& d = *islands_[di];
      const auto& x = s.islands[di];
      d.v = x.v;
      d.sbus = x.sbus;
      d.gen_p_pu = x.gen_p_pu;
      d.q_fix_pu = x.q_fix_pu;
      d.q_fixed = x.q_fixed;
      d.pattern = x.pattern;
      d.nr().load_state(d.v);
    }
  };
  Snapshot before_taps;
  bool tap_snapshot = false;   // whether a failed tap round can go back (curtailment's re-solves)
  bool skip_taps = false;      // the taps stay (curtailment's search of a solvable wind level)

  auto solve_hour = [&](HourRecord& rec, bool counted) -> bool {
    bool ok = true;
    for (auto& dp : islands_) ok = solve_island_q(*dp, rec) && ok;
    // Automatic tap changers: one step per round for the taps report::step_taps picks, then solve again.
    if (ok && !taps_.empty() && !skip_taps) {
      int rounds = 1;
      while (true) {
        bool any = false, at_limit = false;
        for (std::size_t t = 0; t < taps_.size() && !any; ++t) any = tap_wants(t, at_limit) != 0;
        if (!any) break;
        if (rounds >= opt_.tap_max_rounds) {
          if (counted) ++res.hours_taps_unsettled;
          break;
        }
        for (std::size_t t = 0; t < taps_.size(); ++t) {
          tap_pos_before_[t] = taps_[t].pos;
          const auto& site = tap_site_[t];
          if (site.bus_island >= 0)
            tap_view_.buses[static_cast<std::size_t>(taps_[t].bus.value)].vm_pu =
                std::abs(islands_[static_cast<std::size_t>(site.bus_island)]
                             ->v[static_cast<std::size_t>(site.bus_math)]);
        }
        if (tap_snapshot) save_state(before_taps);
        const int moved = report::step_taps(work_, tap_view_, taps_);
        if (moved == 0) break;
        rec.tap_moves = static_cast<std::int16_t>(rec.tap_moves + moved);
        for (std::size_t t = 0; t < taps_.size(); ++t)
          if (taps_[t].pos != tap_pos_before_[t]) {
            set_tap_admittances(t);
            if (counted) res.taps[t].moves += std::abs(taps_[t].pos - tap_pos_before_[t]);
          }
        ++rounds;
        for (auto& dp : islands_) ok = solve_island_q(*dp, rec) && ok;
        if (!ok) {
          // The moves made it fail: back to the last converged state (its taps), as solve_network does.
          if (tap_snapshot) {
            restore_state(before_taps);
            ok = true;
          }
          break;
        }
      }
      rec.tap_rounds = static_cast<std::int16_t>(rec.tap_rounds + rounds - 1);
    }
    return ok;
  };
  // ---- Curtailment (the top of timeseries.hpp): the hour's N-0 violations, their sensitivities to each
  // farm bus, a greedy least-MW plan on the linearised model, AC again. Only hours with a violation pay
  // for it (the scratch below grows then).
  struct Violation {
    std::size_t island = 0;
    std::int32_t branch = -1, bus = -1;   // math indices: an overloaded branch, or a bus out of band
    bool low = false;                     // undervoltage
    double excess = 0.0;                  // beyond the target (flow: pu of MVA; voltage: pu)
    std::int64_t key = 0;
  };
  struct FarmBus {
    std::int32_t bus = -1;
    double avail_pu = 0.0, cut_pu = 0.0;
  };
  std::vector<Violation> viols;
  std::vector<FarmBus> farms;
  std::vector<double> relief, dx;   // relief[v · farms + f]
  std::vector<cplx> dv;
  std::vector<std::int64_t> not_removable;
  std::vector<std::vector<double>> p_before(islands_.size());
  constexpr double kFlowMargin = 0.005;    // land 0.5 % of the rating inside the limit
  constexpr double kVoltMargin = 0.001;    // and 0.001 pu inside the band
  constexpr double kMinRelief = 1e-3;      // per unit of flow (or pu of voltage) per pu curtailed
  auto branch_s = [](const solver::MathBranch& br, const cplx vf, const cplx vt, bool from) {
    return from ? vf * std::conj(br.yff * vf + br.yft * vt) : vt * std::conj(br.ytf * vf + br.ytt * vt);
  };
  auto find_violations = [&] {
    viols.clear();
    for (std::size_t di = 0; di < islands_.size(); ++di) {
      const Island& d = *islands_[di];
      const auto& m = d.isl.math;
      for (std::size_t k = 0; k < m.branches.size(); ++k) {
        if (d.inv_rating_pu[k] <= 0.0) continue;
        const auto& br = m.branches[k];
        const cplx vf = d.v[static_cast<std::size_t>(br.from)], vt = d.v[static_cast<std::size_t>(br.to)];
        double sabs = std::abs(branch_s(br, vf, vt, true));
        if (!d.bus_side_only[k]) sabs = std::max(sabs, std::abs(branch_s(br, vf, vt, false)));
        const double target = limit / 100.0 / d.inv_rating_pu[k];
        if (sabs <= target) continue;
        viols.push_back({di, static_cast<std::int32_t>(k), -1, false, sabs - target * (1.0 - kFlowMargin),
                         static_cast<std::int64_t>(di) << 40 | static_cast<std::int64_t>(k)});
      }
      for (std::size_t i = 0; i < d.isl.bus_of.size(); ++i) {
        const auto bus = d.isl.bus_of[i];
        if (!bus.valid()) continue;
        const auto& band = limits_.band_normal[static_cast<std::size_t>(bus.value)];
        if (!band) continue;
        const double vm = std::abs(d.v[i]);
        if (band->contains(vm)) continue;
        const bool low = vm < band->vmin_pu;
        viols.push_back({di, -1, static_cast<std::int32_t>(i), low,
                         low ? band->vmin_pu + kVoltMargin - vm : vm - (band->vmax_pu - kVoltMargin),
                         static_cast<std::int64_t>(di) << 40 | (std::int64_t{1} << 39) | static_cast<std::int64_t>(i)});
      }
    }
    std::erase_if(viols, [&](const Violation& v) {
      return std::find(not_removable.begin(), not_removable.end(), v.key) != not_removable.end();
    });
  };
  // Returns false when the hour no longer converges after curtailing.
  // The wind of every island at `share` of what the hour offers (p_before).
  auto set_wind_share = [&](double share) {
    for (std::size_t di = 0; di < islands_.size(); ++di) {
      Island& d = *islands_[di];
      for (auto g : d.wind_units) {
        const auto gi = static_cast<std::size_t>(g);
        const double p = p_before[di][gi] * share;
        d.sbus[static_cast<std::size_t>(d.isl.math.gens[gi].bus)] += p - d.gen_p_pu[gi];
        d.gen_p_pu[gi] = p;
      }
      if (opt_.enforce_q_limits) reset_q(d);
    }
  };
  // An hour with no solution at the wind on offer: the largest common share of it that solves
  // (bisection to 1/32, each trial warm from the last one that solved, the taps held), from which curtailment goes on.
  // False when even no wind does not solve.
  Snapshot rescued_state;
  auto rescue_hour = [&](HourRecord& rec, bool counted) -> bool {
    for (std::size_t di = 0; di < islands_.size(); ++di) p_before[di] = islands_[di]->gen_p_pu;
    tap_snapshot = true;
    double lo = 0.0, hi = 1.0;
    set_wind_share(0.0);
    bool ok = solve_hour(rec, counted);   // with the restarts and taps: this one must solve if anything does
    if (ok) save_state(rescued_state);
    quick_fail = true;
    skip_taps = true;   // the trials hold the taps; they settle at the level found
    for (int step = 0; ok && step < 5; ++step) {
      const double mid = 0.5 * (lo + hi);
      set_wind_share(mid);
      if (solve_hour(rec, counted)) {
        lo = mid;
        save_state(rescued_state);
      } else {
        hi = mid;
        restore_state(rescued_state);   // the next trial starts from the last one that solved
      }
    }
    if (ok && hi == 1.0) {   // every trial solved: the wind on offer itself, from just below it
      set_wind_share(1.0);
      if (solve_hour(rec, counted)) save_state(rescued_state);
    }
    quick_fail = false;
    skip_taps = false;
    if (!ok) {
      tap_snapshot = false;
      return false;
    }
    restore_state(rescued_state);
    ok = solve_hour(rec, counted);   // the taps settle (a failed tap round goes back)
    tap_snapshot = false;
    return ok;
  };
  auto curtail_hour = [&](HourRecord& rec, bool counted, bool rescued) -> bool {
    not_removable.clear();
    find_violations();
    if (!rescued) {
      for (const auto& v : viols) (v.branch >= 0 ? rec.overloads_uncurtailed : rec.voltage_violations_uncurtailed) += 1;
      for (std::size_t di = 0; di < islands_.size(); ++di) p_before[di] = islands_[di]->gen_p_pu;
    }
    if (viols.empty() && !rescued) return true;
    std::vector<std::int64_t> bound;   // the violations curtailment worked on
    for (int round = 0;; ++round) {
      if (viols.empty()) break;
      if (round >= opt_.curtail_max_rounds) {
        rec.curtail_unresolved = true;
        break;
      }
      bool cut_any = false;
      for (std::size_t di = 0; di < islands_.size(); ++di) {
        Island& d = *islands_[di];
        const auto& m = d.isl.math;
        auto& nr = d.nr();
        // The island's violations, worst first, and its farm buses with output left.
        std::vector<std::size_t> mine;
        for (std::size_t v = 0; v < viols.size(); ++v)
          if (viols[v].island == di) mine.push_back(v);
        if (mine.empty()) continue;
        farms.clear();
        for (auto g : d.wind_units) {
          const auto gi = static_cast<std::size_t>(g);
          if (d.gen_p_pu[gi] <= 1e-9) continue;
          const auto b = m.gens[gi].bus;
          if (nr.theta_index(b) < 0) continue;   // at the reference bus: the reference takes the change
          auto it = std::find_if(farms.begin(), farms.end(), [&](const FarmBus& f) { return f.bus == b; });
          if (it == farms.end()) farms.push_back({b, d.gen_p_pu[gi], 0.0});
          else it->avail_pu += d.gen_p_pu[gi];
        }
        const std::size_t nf = farms.size();
        relief.assign(mine.size() * nf, 0.0);
        if (nf > 0) {
          nr.evaluate(d.sbus);   // the Jacobian at the solution
          nr.factorize();
          d.factored() = true;
          const auto ne = static_cast<std::size_t>(nr.n_eq());
          dv.assign(d.v.size(), cplx{});
          for (std::size_t f = 0; f < nf; ++f) {
            dx.assign(ne, 0.0);
            dx[static_cast<std::size_t>(nr.theta_index(farms[f].bus))] = 1.0;
            nr.solve_linear(dx.data());   // ∂x/∂P at the farm bus (one pu more injected there)
            for (std::size_t i = 0; i < d.v.size(); ++i) {
              const auto ti = nr.theta_index(static_cast<std::int32_t>(i)), vi = nr.vm_index(static_cast<std::int32_t>(i));
              const double dth = ti >= 0 ? dx[static_cast<std::size_t>(ti)] : 0.0;
              const double dvm = vi >= 0 ? dx[static_cast<std::size_t>(vi)] : 0.0;
              const double vm = std::abs(d.v[i]);
              dv[i] = vm > 0.0 ? d.v[i] * cplx(dvm / vm, dth) : cplx{};
            }
            for (std::size_t j = 0; j < mine.size(); ++j) {
              const auto& v = viols[mine[j]];
              double dq = 0.0;   // the violated quantity's change per pu more at the farm
              if (v.branch >= 0) {
                const auto& br = m.branches[static_cast<std::size_t>(v.branch)];
                const auto f0 = static_cast<std::size_t>(br.from), t0 = static_cast<std::size_t>(br.to);
                const cplx sf = branch_s(br, d.v[f0], d.v[t0], true), st = branch_s(br, d.v[f0], d.v[t0], false);
                const bool from = d.bus_side_only[static_cast<std::size_t>(v.branch)] || std::norm(sf) >= std::norm(st);
                const cplx vs = from ? d.v[f0] : d.v[t0], dvs = from ? dv[f0] : dv[t0];
                const cplx i_end = from ? br.yff * d.v[f0] + br.yft * d.v[t0] : br.ytf * d.v[f0] + br.ytt * d.v[t0];
                const cplx di_end = from ? br.yff * dv[f0] + br.yft * dv[t0] : br.ytf * dv[f0] + br.ytt * dv[t0];
                const cplx sv = vs * std::conj(i_end), ds = dvs * std::conj(i_end) + vs * std::conj(di_end);
                const double sabs = std::abs(sv);
                dq = sabs > 0.0 ? (sv.real() * ds.real() + sv.imag() * ds.imag()) / sabs : 0.0;
              } else {
                const auto vi = nr.vm_index(v.bus);
                dq = vi >= 0 ? dx[static_cast<std::size_t>(vi)] : 0.0;
                if (v.low) dq = -dq;   // curtailing must raise the voltage
              }
              relief[j * nf + f] = dq;   // curtailing δ pu lowers the excess by dq·δ
            }
          }
        }
        // Greedy: each violation, worst first, by the farm that relieves it most per MW.
        std::vector<std::size_t> order(mine.size());
        for (std::size_t j = 0; j < order.size(); ++j) order[j] = j;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
          return viols[mine[a]].excess > viols[mine[b]].excess;
        });
        for (auto j : order) {
          auto& v = viols[mine[j]];
          double need = v.excess;
          for (std::size_t f = 0; f < nf; ++f) need -= relief[j * nf + f] * farms[f].cut_pu;
          bool any = false;
          for (std::size_t f = 0; f < nf; ++f) any = any || relief[j * nf + f] > kMinRelief;
          if (!any) {   // no farm relieves it: not caused by the wind
            not_removable.push_back(v.key);
            continue;
          }
          if (std::find(bound.begin(), bound.end(), v.key) == bound.end()) bound.push_back(v.key);
          while (need > 1e-12) {
            std::size_t best = nf;
            for (std::size_t f = 0; f < nf; ++f)
              if (relief[j * nf + f] > kMinRelief && farms[f].avail_pu - farms[f].cut_pu > 1e-12 &&
                  (best == nf || relief[j * nf + f] > relief[j * nf + best]))
                best = f;
            if (best == nf) break;   // the wind that relieves it is used up
            const double delta = std::min(farms[best].avail_pu - farms[best].cut_pu, need / relief[j * nf + best]);
            farms[best].cut_pu += delta;
            need -= delta * relief[j * nf + best];
          }
        }
        // Apply: the units of a farm bus by one share of their output.
        for (const auto& f : farms) {
          if (f.cut_pu <= 0.0) continue;
          cut_any = true;
          const double share = f.cut_pu / f.avail_pu;
          for (auto g : d.wind_units) {
            const auto gi = static_cast<std::size_t>(g);
            if (m.gens[gi].bus != f.bus) continue;
            const double cut = d.gen_p_pu[gi] * share;
            d.gen_p_pu[gi] -= cut;
            d.sbus[static_cast<std::size_t>(f.bus)] -= cut;
          }
        }
      }
      if (!cut_any) {   // nothing left to curtail that helps: what remains is not removable
        for (const auto& v : viols)
          if (std::find(not_removable.begin(), not_removable.end(), v.key) == not_removable.end()) rec.curtail_unresolved = true;
        break;
      }
      // The curtailed hour, solved as a fresh hour is (reactive limits from every unit regulating: a unit
      // fixed at its limit with more wind may regulate again with less; taps act).
      ++rec.curtail_rounds;
      if (opt_.enforce_q_limits)
        for (auto& dp : islands_) reset_q(*dp);
      tap_snapshot = true;
      const bool solved = solve_hour(rec, counted);
      tap_snapshot = false;
      if (!solved) return false;
      find_violations();
    }
    for (std::size_t di = 0; di < islands_.size(); ++di) {
      const Island& d = *islands_[di];
      for (auto g : d.wind_units) {
        const auto gi = static_cast<std::size_t>(g);
        rec.curtailed_mw += (p_before[di][gi] - d.gen_p_pu[gi]) * d.isl.math.base_mva;
      }
    }
    std::vector<std::size_t> counted_elements;
    if (counted && rec.curtailed_mw > 1e-6)
      for (const auto key : bound) {
        const auto di = static_cast<std::size_t>(key >> 40);
        const Island& d = *islands_[di];
        if (key & (std::int64_t{1} << 39)) {
          const auto bus = d.isl.bus_of[static_cast<std::size_t>(key & ((std::int64_t{1} << 39) - 1))];
          if (bus.valid()) ++res.buses[static_cast<std::size_t>(bus.value)].curtail_hours;
        } else {
          const auto e = static_cast<std::size_t>(d.element_of_branch[static_cast<std::size_t>(key & ((std::int64_t{1} << 39) - 1))]);
          if (std::find(counted_elements.begin(), counted_elements.end(), e) != counted_elements.end()) continue;
          counted_elements.push_back(e);   // a transformer's windings count once
          ++res.elements[e].curtail_hours;
        }
      }
    return true;
  };
  HourRecord scratch_rec;
  std::size_t done = 0;
  auto tick = [&] {
    if (!progress) return;
    progress->update(done_counter ? done_counter->fetch_add(1, std::memory_order_relaxed) + 1 : done);
  };
  // Lead-in hours (warm_from ≤ h < first) are solved, taps included, and not counted.
  for (std::size_t h = warm_from; h < first + count; ++h) {
    if (stop && stop->load(std::memory_order_relaxed)) {
      res.interrupted = true;
      break;
    }
    const bool counted = h >= first;
    if (!counted) ++res.lead_in_hours;
    if (h == first && warm_from < first)  // the taps as the lead-in left them
      for (std::size_t t = 0; t < taps_.size(); ++t)
        res.taps[t].min_pos = res.taps[t].max_pos = res.taps[t].final_pos = taps_[t].pos;
    const auto h32 = static_cast<std::int32_t>(h);
    const double* x = prof.row(h);
    HourRecord& rec = opt_.keep_hourly && counted ? res.hourly[done] : (scratch_rec = HourRecord{});

    // Injections and the hour's load.
    double load_mw = 0.0;
    ref_beyond = false;
    for (auto& dp : islands_) {
      Island& d = *dp;
      const double base = d.isl.math.base_mva;
      if (opt_.enforce_q_limits) reset_q(d);
      std::copy(d.sbus_fixed.begin(), d.sbus_fixed.end(), d.sbus.begin());
      std::copy(d.gen_p_fixed_pu.begin(), d.gen_p_fixed_pu.end(), d.gen_p_pu.begin());
      double load_pu = 0.0;
      for (const auto& t : d.load_terms) {
        const cplx s = x[t.column] * t.s_pu;
        d.sbus[static_cast<std::size_t>(t.bus)] -= s;
        load_pu += s.real();
      }
      for (const auto& t : d.gen_terms) {
        const double p = x[t.column] * t.cap_pu;
        d.sbus[static_cast<std::size_t>(t.bus)] += p;
        d.gen_p_pu[static_cast<std::size_t>(t.gen)] = p;
      }
      load_mw += d.fixed_load_mw + load_pu * base;
    }
    rec.load_mw = load_mw;

    // With curtailment, an hour that does not solve at once is not retried from the case's start: the
    // search of a solvable wind level below comes at it from no wind, which also finds full wind when that
    // solves (it tries it last).
    quick_fail = opt_.curtail;
    bool ok = solve_hour(rec, counted);
    quick_fail = false;
    if (opt_.curtail) {
      bool rescued = false;
      if (!ok) {   // too much wind to have a solution: down to a level that solves, then curtail from there
        rescued = rescue_hour(rec, counted);
        if (rescued) ++rec.curtail_rounds;
        rec.curtail_rescued = rescued;
        ok = rescued;
      }
      if (ok) ok = curtail_hour(rec, counted, rescued);
    }
    if (ok && opt_.enforce_q_limits)
      for (const auto& dp : islands_)
        for (auto f : dp->q_fixed) rec.q_limited = static_cast<std::int16_t>(rec.q_limited + f);
    if (ref_beyond && counted) ++res.hours_ref_q_beyond;
    for (std::size_t t = 0; t < taps_.size() && counted; ++t) {
      auto& ts = res.taps[t];
      ts.min_pos = std::min(ts.min_pos, taps_[t].pos);
      ts.max_pos = std::max(ts.max_pos, taps_[t].pos);
      ts.final_pos = taps_[t].pos;
      bool at_limit = false;
      if (ok) tap_wants(t, at_limit);
      ts.hours_at_limit += at_limit;
    }
    rec.converged = ok;
    if (!counted) continue;
    res.newton_iterations += rec.newton_iterations;
    res.chord_iterations += rec.chord_iterations;
    if (!ok) {
      res.not_converged.push_back(h32);
      if (observer) observer(HourView{h, false, nullptr, nullptr, nullptr, nullptr, &taps_});
      ++done;
      tick();
      continue;
    }
    ++res.hours_converged;

    // Flows, loadings, losses, voltages, unit outputs.
    double losses_mw = 0.0;
    double max_loading = -1.0;
    std::int32_t max_elem = -1, overloads = 0, vviol = 0;
    double hour_vmin = std::numeric_limits<double>::infinity(), hour_vmax = 0.0;
    for (auto& dp : islands_) {
      Island& d = *dp;
      const auto& m = d.isl.math;
      const double base = m.base_mva;
      for (auto e : d.elements) {
        loading[static_cast<std::size_t>(e)] = -1.0;
        loss[static_cast<std::size_t>(e)] = 0.0;
        flow[static_cast<std::size_t>(e)] = 0.0;
      }
      for (std::size_t k = 0; k < m.branches.size(); ++k) {
        const auto& br = m.branches[k];
        const cplx vf = d.v[static_cast<std::size_t>(br.from)], vt = d.v[static_cast<std::size_t>(br.to)];
        const cplx sf = vf * std::conj(br.yff * vf + br.yft * vt);
        const cplx st = vt * std::conj(br.ytf * vf + br.ytt * vt);
        // One square root per branch (std::abs of a complex is hypot: several times slower).
        const double s =
            std::sqrt(d.bus_side_only[k] ? std::norm(sf) : std::max(std::norm(sf), std::norm(st)));
        const auto e = static_cast<std::size_t>(d.element_of_branch[k]);
        if (d.hv_side[k] >= 0) {   // a transformer's higher-voltage end: what leaves there goes up
          const double up_mw = -(d.hv_side[k] == 0 ? sf.real() : st.real()) * base;
          if (up_mw >= report::kReverseFlowMw) {
            auto& es = res.elements[e];
            ++es.reverse_hours;
            if (up_mw > es.max_reverse_mw) {
              es.max_reverse_mw = up_mw;
              es.max_reverse_hour = h32;
            }
          }
        }
        loss[e] += (sf.real() + st.real()) * base;
        flow[e] = std::max(flow[e], s * base);
        if (d.inv_rating_pu[k] > 0.0) loading[e] = std::max(loading[e], 100.0 * s * d.inv_rating_pu[k]);
      }
      for (auto eu : d.elements) {
        const auto e = static_cast<std::size_t>(eu);
        auto& st = res.elements[e];
        losses_mw += loss[e];
        st.loss_mwh += loss[e];
        st.max_flow_mva = std::max(st.max_flow_mva, flow[e]);
        if (loading[e] < 0.0) {
          loading[e] = kNaN;
          continue;
        }
        const double l = loading[e];
        st.sum_loading_pct += l;
        if (!(l <= st.max_loading_pct)) {  // also the first time (NaN)
          st.max_loading_pct = l;
          st.max_hour = h32;
        }
        if (l > limit) {
          ++st.hours_over;
          ++overloads;
        }
        if (l > max_loading) {
          max_loading = l;
          max_elem = eu;
        }
      }
      for (std::size_t i = 0; i < d.isl.bus_of.size(); ++i) {
        const auto bus = d.isl.bus_of[i];
        if (!bus.valid()) continue;
        const auto bu = static_cast<std::size_t>(bus.value);
        if (observer) bus_v[bu] = d.v[i];
        auto& bs = res.buses[bu];
        const double vm = std::sqrt(std::norm(d.v[i]));
        if (!(vm >= bs.min_vm_pu)) {
          bs.min_vm_pu = vm;
          bs.min_hour = h32;
        }
        if (!(vm <= bs.max_vm_pu)) {
          bs.max_vm_pu = vm;
          bs.max_hour = h32;
        }
        if (!bs.checked) continue;
        hour_vmin = std::min(hour_vmin, vm);
        hour_vmax = std::max(hour_vmax, vm);
        if (vm < bs.vmin_pu) {
          ++bs.hours_under;
          ++vviol;
        } else if (vm > bs.vmax_pu) {
          ++bs.hours_over;
          ++vviol;
        }
      }
      // Unit outputs: set-points, and the reference units from their bus's injection.
      for (std::size_t g = 0; g < m.gens.size(); ++g)
        gen_p_mw[static_cast<std::size_t>(d.isl.gen_of[g].value)] = d.gen_p_pu[g] * base;
      for (const auto& r : d.refs) {
        if (r.first_gen < 0) continue;
        const cplx* yv = d.ybus->matrix().valuePtr();
        cplx i_r{};
        for (const auto& [k, p] : r.row) i_r += yv[p] * d.v[static_cast<std::size_t>(k)];
        const cplx s_r = d.v[static_cast<std::size_t>(r.bus)] * std::conj(i_r);
        const double p = s_r.real() - d.sbus[static_cast<std::size_t>(r.bus)].real() +
                         d.gen_p_pu[static_cast<std::size_t>(r.first_gen)];
        gen_p_mw[static_cast<std::size_t>(d.isl.gen_of[static_cast<std::size_t>(r.first_gen)].value)] =
            p * base;
      }
      const std::size_t di = static_cast<std::size_t>(&dp - islands_.data());
      for (auto g : d.wind_units) {
        const auto gi = static_cast<std::size_t>(g);
        const auto mg = static_cast<std::size_t>(d.isl.gen_of[gi].value);
        const double before = rec.curtailed_mw > 0.0 ? p_before[di][gi] : d.gen_p_pu[gi];
        res.wind_available_mwh += before * base;
        const double cut = (before - d.gen_p_pu[gi]) * base;
        if (cut > 1e-6) {
          res.gens[mg].curtailed_mwh += cut;
          ++res.gens[mg].curtailed_hours;
        }
      }
      for (std::size_t g = 0; g < m.gens.size(); ++g) {
        const auto mg = static_cast<std::size_t>(d.isl.gen_of[g].value);
        const double p = gen_p_mw[mg];
        auto& gs = res.gens[mg];
        gs.hours_at_q_limit += d.q_fixed[g];
        if (observer) gen_at_limit[mg] = d.q_fixed[g];
        gs.energy_mwh += p;
        if (!(p <= gs.max_mw)) {
          gs.max_mw = p;
          gs.max_hour = h32;
        }
        if (!(p >= gs.min_mw)) gs.min_mw = p;
        rec.gen_mw_by_kind[gen_kind[mg]] += p;
        if (gen_kind[mg] == static_cast<std::size_t>(model::GenKind::Grid))
          (p >= 0.0 ? res.grid_import_mwh : res.grid_export_mwh) += std::abs(p);
      }
    }
    for (std::size_t k = 0; k < kKinds; ++k) res.energy_by_kind_mwh[k] += rec.gen_mw_by_kind[k];
    rec.losses_mw = losses_mw;
    rec.max_loading_pct = max_loading < 0.0 ? kNaN : max_loading;
    rec.max_loading_element = max_elem;
    rec.overloads = overloads;
    rec.voltage_violations = vviol;
    rec.min_vm_pu = hour_vmin;
    rec.max_vm_pu = hour_vmax;
    res.load_mwh += load_mw;
    res.losses_mwh += losses_mw;
    if (load_mw > res.peak_load_mw || res.peak_load_hour < 0) {
      res.peak_load_mw = load_mw;
      res.peak_load_hour = h32;
    }
    if (losses_mw > res.max_losses_mw || res.max_losses_hour < 0) {
      res.max_losses_mw = losses_mw;
      res.max_losses_hour = h32;
    }
    if (overloads > 0) ++res.hours_with_overload;
    if (vviol > 0) ++res.hours_with_voltage_violation;
    if (!opt_.curtail) {
      rec.overloads_uncurtailed = overloads;
      rec.voltage_violations_uncurtailed = vviol;
    }
    if (rec.overloads_uncurtailed > 0) ++res.hours_with_overload_uncurtailed;
    if (rec.voltage_violations_uncurtailed > 0) ++res.hours_with_voltage_violation_uncurtailed;
    if (rec.curtailed_mw > 1e-6) {
      ++res.hours_curtailed;
      res.curtailed_mwh += rec.curtailed_mw;
    }
    if (rec.curtail_unresolved) ++res.hours_curtail_unresolved;
    if (rec.curtail_rescued) ++res.hours_curtail_rescued;
    if (observer) observer(HourView{h, true, &bus_v, &gen_p_mw, &loading, &loss, &taps_, &gen_at_limit});
    ++done;
    tick();
  }
  res.hours_run = done;
  if (opt_.keep_hourly) res.hourly.resize(done);
  res.elapsed_s = ms_since(t_run) / 1000.0;
  return res;
}

namespace {

// Folds `b` (the later hours) into `a` (the earlier ones). Ties of a maximum or minimum keep the
// earlier hour, as the sequential run does.
void merge(TimeSeriesResult& a, TimeSeriesResult&& b) {
  a.hours_run += b.hours_run;
  a.hours_converged += b.hours_converged;
  a.lead_in_hours += b.lead_in_hours;
  a.interrupted = a.interrupted || b.interrupted;
  a.not_converged.insert(a.not_converged.end(), b.not_converged.begin(), b.not_converged.end());
  for (std::size_t e = 0; e < a.elements.size(); ++e) {
    auto& x = a.elements[e];
    const auto& y = b.elements[e];
    if (!std::isnan(y.max_loading_pct) && !(y.max_loading_pct <= x.max_loading_pct)) {
      x.max_loading_pct = y.max_loading_pct;
      x.max_hour = y.max_hour;
    }
    x.hours_over += y.hours_over;
    x.sum_loading_pct += y.sum_loading_pct;
    x.loss_mwh += y.loss_mwh;
    x.max_flow_mva = std::max(x.max_flow_mva, y.max_flow_mva);
    x.reverse_hours += y.reverse_hours;
    if (y.max_reverse_mw > x.max_reverse_mw) {
      x.max_reverse_mw = y.max_reverse_mw;
      x.max_reverse_hour = y.max_reverse_hour;
    }
    x.curtail_hours += y.curtail_hours;
  }
  for (std::size_t i = 0; i < a.buses.size(); ++i) {
    auto& x = a.buses[i];
    const auto& y = b.buses[i];
    if (!std::isnan(y.min_vm_pu) && !(y.min_vm_pu >= x.min_vm_pu)) {
      x.min_vm_pu = y.min_vm_pu;
      x.min_hour = y.min_hour;
    }
    if (!std::isnan(y.max_vm_pu) && !(y.max_vm_pu <= x.max_vm_pu)) {
      x.max_vm_pu = y.max_vm_pu;
      x.max_hour = y.max_hour;
    }
    x.hours_under += y.hours_under;
    x.hours_over += y.hours_over;
    x.curtail_hours += y.curtail_hours;
  }
  for (std::size_t g = 0; g < a.gens.size(); ++g) {
    auto& x = a.gens[g];
    const auto& y = b.gens[g];
    x.energy_mwh += y.energy_mwh;
    x.hours_at_q_limit += y.hours_at_q_limit;
    x.curtailed_mwh += y.curtailed_mwh;
    x.curtailed_hours += y.curtailed_hours;
    if (!std::isnan(y.max_mw) && !(y.max_mw <= x.max_mw)) {
      x.max_mw = y.max_mw;
      x.max_hour = y.max_hour;
    }
    if (!std::isnan(y.min_mw) && !(y.min_mw >= x.min_mw)) x.min_mw = y.min_mw;
  }
  for (std::size_t k = 0; k < a.energy_by_kind_mwh.size(); ++k)
    a.energy_by_kind_mwh[k] += b.energy_by_kind_mwh[k];
  a.grid_import_mwh += b.grid_import_mwh;
  a.grid_export_mwh += b.grid_export_mwh;
  a.load_mwh += b.load_mwh;
  a.losses_mwh += b.losses_mwh;
  if (b.peak_load_hour >= 0 && (a.peak_load_hour < 0 || b.peak_load_mw > a.peak_load_mw)) {
    a.peak_load_mw = b.peak_load_mw;
    a.peak_load_hour = b.peak_load_hour;
  }
  if (b.max_losses_hour >= 0 && (a.max_losses_hour < 0 || b.max_losses_mw > a.max_losses_mw)) {
    a.max_losses_mw = b.max_losses_mw;
    a.max_losses_hour = b.max_losses_hour;
  }
  a.hours_with_overload += b.hours_with_overload;
  a.hours_with_voltage_violation += b.hours_with_voltage_violation;
  a.hours_ref_q_beyond += b.hours_ref_q_beyond;
  a.curtailed_mwh += b.curtailed_mwh;
  a.wind_available_mwh += b.wind_available_mwh;
  a.hours_curtailed += b.hours_curtailed;
  a.hours_curtail_unresolved += b.hours_curtail_unresolved;
  a.hours_curtail_rescued += b.hours_curtail_rescued;
  a.hours_with_overload_uncurtailed += b.hours_with_overload_uncurtailed;
  a.hours_with_voltage_violation_uncurtailed += b.hours_with_voltage_violation_uncurtailed;
  a.hourly.insert(a.hourly.end(), b.hourly.begin(), b.hourly.end());
  for (std::size_t t = 0; t < a.taps.size(); ++t) {
    auto& x = a.taps[t];
    const auto& y = b.taps[t];
    x.moves += y.moves;
    x.min_pos = std::min(x.min_pos, y.min_pos);
    x.max_pos = std::max(x.max_pos, y.max_pos);
    x.hours_at_limit += y.hours_at_limit;
    x.final_pos = y.final_pos;
  }
  a.hours_taps_unsettled += b.hours_taps_unsettled;
  a.newton_iterations += b.newton_iterations;
  a.chord_iterations += b.chord_iterations;
  a.restarts += b.restarts;
  a.refreshes += b.refreshes;
}

}  // namespace

TimeSeriesResult TimeSeries::run(std::size_t first, std::size_t count, const std::atomic<bool>* stop,
                                 Progress* progress, const std::function<void(const HourView&)>& observer) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t hours = profiles_->hours;
  if (first > hours) first = hours;
  if (count == 0 || first + count > hours) count = hours - first;
  const auto threads = static_cast<std::size_t>(std::max(1, opt_.threads));
  const auto lead = static_cast<std::size_t>(std::max(0, opt_.lead_in_hours));
  if (threads == 1 || observer || count < threads * std::max<std::size_t>(2 * lead, 48))
    return run_chain(first, first, count, stop, progress, nullptr, observer);

  // Chunks of the range, one per thread; chunk k > 0 first solves `lead` hours before its start.
  std::vector<std::size_t> start(threads + 1);
  for (std::size_t k = 0; k <= threads; ++k) start[k] = first + count * k / threads;
  std::vector<TimeSeriesResult> parts(threads);
  std::vector<std::exception_ptr> errors(threads);
  std::atomic<std::size_t> done{0};
  std::vector<std::thread> pool;
  for (std::size_t k = 1; k < threads; ++k)
    pool.emplace_back([&, k] {
      try {
        TimeSeriesOptions o = opt_;
        o.threads = 1;
        TimeSeries helper(*net_, *profiles_, limits_, o);
        const std::size_t warm = start[k] >= lead ? start[k] - lead : 0;
        parts[k] = helper.run_chain(warm, start[k], start[k + 1] - start[k], stop, progress, &done, {});
      } catch (...) {
        errors[k] = std::current_exception();
      }
    });
  try {
    parts[0] = run_chain(start[0], start[0], start[1] - start[0], stop, progress, &done, {});
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  TimeSeriesResult res = std::move(parts[0]);
  for (std::size_t k = 1; k < threads; ++k) merge(res, std::move(parts[k]));
  res.threads = static_cast<int>(threads);
  res.elapsed_s = ms_since(t0) / 1000.0;
  return res;
}

std::string hour_label(std::size_t hour, bool leap) {
  static constexpr const char* kMonth[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (leap) days[1] = 29;
  std::size_t d = hour / 24;
  const std::size_t year_days = leap ? 366 : 365;
  const std::size_t year = d / year_days;
  d %= year_days;
  int m = 0;
  while (m < 11 && d >= static_cast<std::size_t>(days[m])) d -= static_cast<std::size_t>(days[m++]);
  return year > 0 ? fmt::format("y{} {} {:2d} {:02d}:00", year + 1, kMonth[m], d + 1, hour % 24)
                  : fmt::format("{} {:2d} {:02d}:00", kMonth[m], d + 1, hour % 24);
}

std::string hour_iso(std::size_t hour, int year) {
  auto leap = [](int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  std::size_t d = hour / 24;
  int y = year;
  while (d >= static_cast<std::size_t>(leap(y) ? 366 : 365)) d -= static_cast<std::size_t>(leap(y++) ? 366 : 365);
  int days[12] = {31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int m = 0;
  while (m < 11 && d >= static_cast<std::size_t>(days[m])) d -= static_cast<std::size_t>(days[m++]);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:00", y, m + 1, d + 1, hour % 24);
}

}  // namespace lsflow::study
