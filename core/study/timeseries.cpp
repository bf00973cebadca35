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

#include "model/transformer3w.hpp"
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
  std::vector<BusKind> kind;
  std::unique_ptr<solver::Ybus> ybus;
  std::unique_ptr<solver::NewtonRaphson> nr;
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
  bool factored = false;
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
    d->nr = std::make_unique<solver::NewtonRaphson>(*d->ybus, d->kind);

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
    d->element_of_branch.assign(nbr, -1);
    d->inv_rating_pu.assign(nbr, 0.0);
    d->bus_side_only.assign(nbr, 0);
    for (std::size_t k = 0; k < nbr; ++k) {
      const auto& o = d->isl.branch_of[k];
      double rating = 0.0;
      std::int32_t e = -1;
      if (o.kind == topology::BranchOrigin::Kind::Branch) {
        e = o.index;
        rating = net.branches[static_cast<std::size_t>(o.index)].rate_a_mva;
      } else {
        e = static_cast<std::int32_t>(n_branch) + o.index;
        const auto& t = net.transformers3w[static_cast<std::size_t>(o.index)];
        rating = o.winding == 0 ? t.sn_hv_mva : o.winding == 1 ? t.sn_mv_mva : t.sn_lv_mva;
        d->bus_side_only[k] = 1;
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
    d->nr->load_state(d->v);
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
  std::vector<cplx> bus_v(observer ? net.buses.size() : 0);
  std::vector<std::size_t> gen_kind(net.generators.size());
  for (std::size_t g = 0; g < net.generators.size(); ++g)
    gen_kind[g] = static_cast<std::size_t>(net.generators[g].kind);
  const double limit = limits_.loading_normal_pct;
  const double tol = opt_.tol_pu;

  // One island's hour: chord steps from the last factorisation, then Newton; restarts when that fails.
  auto solve_island = [&](Island& d, HourRecord& rec) -> bool {
    auto& nr = *d.nr;
    auto newton_from_here = [&](double norm) {
      norm = nr.evaluate(d.sbus);
      int it = 0;
      while (norm >= tol && it < opt_.max_iter && std::isfinite(norm)) {
        nr.factorize();
        d.factored = true;
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
      if (norm >= tol && d.factored && opt_.max_chord_iter > 0) {
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
    // Restart from the case's voltages, then a damped Newton from there.
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
    d.factored = false;
    return false;
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
    for (auto& dp : islands_) {
      Island& d = *dp;
      const double base = d.isl.math.base_mva;
      std::copy(d.sbus_fixed.begin(), d.sbus_fixed.end(), d.sbus.begin());
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

    bool ok = true;
    for (auto& dp : islands_) ok = solve_island(*dp, rec) && ok;
    // Automatic tap changers: one step per round for the taps report::step_taps picks, then solve again.
    if (ok && !taps_.empty()) {
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
        const int moved = report::step_taps(work_, tap_view_, taps_);
        if (moved == 0) break;
        rec.tap_moves = static_cast<std::int16_t>(rec.tap_moves + moved);
        for (std::size_t t = 0; t < taps_.size(); ++t)
          if (taps_[t].pos != tap_pos_before_[t]) {
            set_tap_admittances(t);
            if (counted) res.taps[t].moves += std::abs(taps_[t].pos - tap_pos_before_[t]);
          }
        ++rounds;
        for (auto& dp : islands_) ok = solve_island(*dp, rec) && ok;
        if (!ok) break;
      }
      rec.tap_rounds = static_cast<std::int16_t>(rounds - 1);
      for (std::size_t t = 0; t < taps_.size() && counted; ++t) {
        auto& ts = res.taps[t];
        ts.min_pos = std::min(ts.min_pos, taps_[t].pos);
        ts.max_pos = std::max(ts.max_pos, taps_[t].pos);
        ts.final_pos = taps_[t].pos;
        bool at_limit = false;
        if (ok) tap_wants(t, at_limit);
        ts.hours_at_limit += at_limit;
      }
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
      for (std::size_t g = 0; g < m.gens.size(); ++g) {
        const auto mg = static_cast<std::size_t>(d.isl.gen_of[g].value);
        const double p = gen_p_mw[mg];
        auto& gs = res.gens[mg];
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
    if (observer) observer(HourView{h, true, &bus_v, &gen_p_mw, &loading, &loss, &taps_});
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
  }
  for (std::size_t g = 0; g < a.gens.size(); ++g) {
    auto& x = a.gens[g];
    const auto& y = b.gens[g];
    x.energy_mwh += y.energy_mwh;
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

}  // namespace lsflow::study
