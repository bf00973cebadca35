// Hosting capacity by bisection on an added wind unit; the method and what it assumes are at the top of
// hosting.hpp. Every trial is one study::ContingencyAnalysis of the network with the unit at P MW: its
// base case gives the normal-operation check (base_overloads, base_voltage_violations against the normal
// limits), and run() over the contingency list gives the N-1 check.
#include "study/hosting.hpp"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "report/network_solution.hpp"
#include "report/tap_control.hpp"
#include "study/progress.hpp"
#include "topology/math_builder.hpp"

namespace lsflow::study {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double excess_pu(double vm, double vmin, double vmax) { return vm < vmin ? vmin - vm : vm - vmax; }

std::string bus_label(const model::Network& net, BusIdx b) {
  const auto& bus = net.bus(b);
  return bus.name.empty() ? fmt::format("bus {}", bus.id) : bus.name;
}

// Violations found with 0 MW added: they never bind (a violation binds only where there was none).
struct Baseline {
  std::set<std::int32_t> loading;                           // monitors overloaded (normal)
  std::set<std::int32_t> voltage;                           // buses out of band (normal)
  std::set<std::pair<std::int32_t, std::int32_t>> n1_loading;  // (contingency, monitor)
  std::set<std::pair<std::int32_t, std::int32_t>> n1_voltage;  // (contingency, bus)
  std::set<std::int32_t> n1_failed;                         // contingencies that do not converge
};

struct Trial {
  bool ok = true;
  bool interrupted = false;
  HostingLimit worst;
  double worst_score = -std::numeric_limits<double>::infinity();
  double export_mw = kNaN;   // −P of the grid units in the trial's base case

  void consider(HostingLimit l, double score) {
    ok = false;
    ++worst.violations;
    if (score > worst_score) {
      const int n = worst.violations;
      worst_score = score;
      worst = std::move(l);
      worst.violations = n;
    }
  }
};

// One study: a network and a knob (MW) that the trials set — a wind unit added at a bus, or the whole
// wind fleet at a share of its installed MW.
class KnobStudy {
 public:
  // A unit added at `bus`.
  KnobStudy(const model::Network& base, const ContingencyLimits& limits, BusIdx bus, const HostingOptions& opt,
            const std::atomic<bool>* stop)
      : net_(base), limits_(limits), opt_(opt), stop_(stop) {
    model::Generator g;
    g.name = fmt::format("Hosting_{}", bus_label(base, bus));
    g.kind = model::GenKind::Wind;
    g.bus = bus;
    g.pmax_mw = opt.max_mw;
    g.in_service = true;
    // At a bus that already holds a voltage, the added unit carries that set-point: the last unit listed
    // at a bus sets its voltage (MATPOWER), and the case must not change with 0 MW added.
    auto& b = net_.bus(bus);
    std::optional<double> held;
    for (const auto& other : net_.generators)
      if (other.in_service && other.bus == bus) held = other.vg_pu;
    if (b.type == model::BusType::PQ) held.reset();
    if (opt.vg_pu) {
      g.vg_pu = held.value_or(*opt.vg_pu);  // Q unlimited (qmin/qmax default to ∓∞)
      if (b.type == model::BusType::PQ) b.type = model::BusType::PV;
    } else {
      g.vg_pu = held.value_or(1.0);
      g.qmin_mvar = g.qmax_mvar = 0.0;  // unity power factor
    }
    gen_ = net_.generators.size();
    net_.generators.push_back(std::move(g));
    taps_ = report::automatic_taps(net_);
  }
  // The wind fleet: every in-service wind unit of `base`.
  KnobStudy(const model::Network& base, const ContingencyLimits& limits, const HostingOptions& opt,
            const std::atomic<bool>* stop)
      : net_(base), limits_(limits), opt_(opt), stop_(stop) {
    for (std::size_t g = 0; g < net_.generators.size(); ++g) {
      const auto& u = net_.generators[g];
      if (u.in_service && u.kind == model::GenKind::Wind) {
        fleet_.push_back(g);
        fleet_installed_mw_ += u.installed_mw > 0.0 ? u.installed_mw : u.pmax_mw;
      }
    }
    taps_ = report::automatic_taps(net_);
  }

  [[nodiscard]] double fleet_installed_mw() const { return fleet_installed_mw_; }

  // The 0 MW case: contingency list and the violations that are already there (r.existing). False when
  // it does not solve (then `failure` says why).
  bool baseline(HostingResult& r) {
    set_mw(0.0);
    std::unique_ptr<ContingencyAnalysis> ca;
    try {
      ++r.solves;
      ca = std::make_unique<ContingencyAnalysis>(net_, limits_, options());
    } catch (const NotConverged&) {
      r.failure = "the case does not converge with 0 MW added";
      return false;
    } catch (const SingularMatrix&) {
      r.failure = "the case has a singular Jacobian with 0 MW added";
      return false;
    }
    for (const auto& ov : ca->base_overloads()) {
      base_.loading.insert(ov.monitor);
      r.existing.push_back(fmt::format("{} at {:.1f} % (limit {:g} %)", ca->monitor_label(ov.monitor), ov.loading_pct,
                                       limits_.loading_normal_pct));
    }
    for (const auto& vv : ca->base_voltage_violations()) {
      base_.voltage.insert(vv.bus.value);
      r.existing.push_back(fmt::format("{} at {:.4f} pu (band {:.3f}–{:.3f})", bus_label(net_, vv.bus), vv.vm_pu,
                                       vv.vmin_pu, vv.vmax_pu));
    }
    // Every credible line, transformer and generator, but not the added unit.
    for (const auto& c : ca->credible_contingencies()) {
      if (c.element.kind == ElementRef::Kind::Generator && !fleet_.size() &&
          static_cast<std::size_t>(c.element.index) == gen_)
        continue;
      list_.push_back(c);
    }
    if (!opt_.n1) return true;
    const auto res = run_n1(*ca, r);
    if (res.interrupted) {
      interrupted_ = true;
      return false;
    }
    for (std::size_t i = 0; i < res.records.size(); ++i)
      if (res.records[i].outcome == Outcome::NotConverged) {
        base_.n1_failed.insert(static_cast<std::int32_t>(i));
        r.existing.push_back(fmt::format("N-1: the power flow does not converge after outage of {}",
                                         element_label(net_, list_[i].element)));
      }
    // After an outage: listed when the element (bus) is not already violated in normal operation, where
    // it stays violated under nearly every outage (they do not bind either way).
    std::size_t repeats = 0;
    for (const auto& ov : res.overloads) {
      base_.n1_loading.insert({ov.contingency, ov.monitor});
      if (base_.loading.count(ov.monitor)) {
        ++repeats;
        continue;
      }
      r.existing.push_back(fmt::format("N-1: {} at {:.1f} % (limit {:g} %) after outage of {}", ca->monitor_label(ov.monitor),
                                       ov.loading_pct, limits_.loading_n1_pct,
                                       element_label(net_, list_[static_cast<std::size_t>(ov.contingency)].element)));
    }
    for (const auto& vv : res.voltage_violations) {
      base_.n1_voltage.insert({vv.contingency, vv.bus.value});
      if (base_.voltage.count(vv.bus.value)) {
        ++repeats;
        continue;
      }
      r.existing.push_back(fmt::format("N-1: {} at {:.4f} pu (band {:.3f}–{:.3f}) after outage of {}",
                                       bus_label(net_, vv.bus), vv.vm_pu, vv.vmin_pu, vv.vmax_pu,
                                       element_label(net_, list_[static_cast<std::size_t>(vv.contingency)].element)));
    }
    if (repeats > 0)
      r.existing.push_back(fmt::format("N-1: {} more, after various outages, of the elements and buses above", repeats));
    return true;
  }

  // One trial at `mw`: normal operation, and every contingency when `n1`.
  Trial check(double mw, bool n1, HostingResult& r) {
    Trial t;
    if (stop_ && stop_->load(std::memory_order_relaxed)) {
      t.interrupted = true;
      return t;
    }
    set_mw(mw);
    std::unique_ptr<ContingencyAnalysis> ca;
    try {
      ++r.solves;
      ca = std::make_unique<ContingencyAnalysis>(net_, limits_, options());
    } catch (const NotConverged&) {
      not_converged(t, mw, {});
      return t;
    } catch (const SingularMatrix&) {
      not_converged(t, mw, {});
      return t;
    }
    t.export_mw = 0.0;
    for (std::size_t g = 0; g < net_.generators.size(); ++g)
      if (net_.generators[g].kind == model::GenKind::Grid) t.export_mw -= ca->base().gens[g].p_mw;
    const double lim_n = limits_.loading_normal_pct, lim_1 = limits_.loading_n1_pct;
    for (const auto& ov : ca->base_overloads()) {
      if (base_.loading.count(ov.monitor)) continue;
      t.consider({HostingViolation::Overload, ca->monitor_label(ov.monitor), {}, ov.loading_pct, lim_n, mw, 0},
                 ov.loading_pct - lim_n);
    }
    for (const auto& vv : ca->base_voltage_violations()) {
      if (base_.voltage.count(vv.bus.value)) continue;
      voltage(t, vv, {}, mw);
    }
    if (n1 && t.ok) {
      const auto res = run_n1(*ca, r);
      if (res.interrupted) {
        t.interrupted = true;
        return t;
      }
      for (std::size_t i = 0; i < res.records.size(); ++i)
        if (res.records[i].outcome == Outcome::NotConverged && !base_.n1_failed.count(static_cast<std::int32_t>(i)))
          not_converged(t, mw, element_label(net_, list_[i].element));
      for (const auto& ov : res.overloads) {
        if (base_.n1_loading.count({ov.contingency, ov.monitor})) continue;
        t.consider({HostingViolation::Overload, ca->monitor_label(ov.monitor),
                    element_label(net_, list_[static_cast<std::size_t>(ov.contingency)].element), ov.loading_pct,
                    lim_1, mw, 0},
                   ov.loading_pct - lim_1);
      }
      for (const auto& vv : res.voltage_violations) {
        if (base_.n1_voltage.count({vv.contingency, vv.bus.value})) continue;
        voltage(t, vv, element_label(net_, list_[static_cast<std::size_t>(vv.contingency)].element), mw);
      }
    }
    return t;
  }

  [[nodiscard]] std::size_t contingencies() const { return list_.size(); }
  [[nodiscard]] bool interrupted() const { return interrupted_; }

 private:
  // The N-1 run. Should the engine throw for the list (one contingency it cannot handle aborts the
  // whole run), the contingencies are run one at a time and those that still throw are left out —
  // listed in `skipped` with the reason, never counted as passing silently.
  ContingencyResults run_n1(ContingencyAnalysis& ca, HostingResult& r) {
    RunControl control{stop_, nullptr};
    ++r.n1_runs;
    try {
      return ca.run(list_, control);
    } catch (const std::exception&) {
    }
    ContingencyResults all;
    all.contingencies = list_;
    all.records.resize(list_.size());
    for (std::size_t i = 0; i < list_.size(); ++i) {
      const auto ci = static_cast<std::int32_t>(i);
      try {
        auto one = ca.run({list_[i]}, control);
        if (one.interrupted) {
          all.interrupted = true;
          return all;
        }
        all.records[i] = one.records[0];
        for (auto ov : one.overloads) {
          ov.contingency = ci;
          all.overloads.push_back(ov);
        }
        for (auto vv : one.voltage_violations) {
          vv.contingency = ci;
          all.voltage_violations.push_back(vv);
        }
      } catch (const std::exception& e) {
        all.records[i].contingency = list_[i];
        all.records[i].outcome = Outcome::Solved;  // no result to check: see `skipped`
        const std::string note = fmt::format("{} ({})", element_label(net_, list_[i].element), e.what());
        if (std::find(r.skipped.begin(), r.skipped.end(), note) == r.skipped.end()) r.skipped.push_back(note);
      }
    }
    return all;
  }

  ContingencyOptions options() const {
    ContingencyOptions o;
    o.tol_pu = opt_.tol_pu;
    o.max_iter = opt_.max_iter;
    o.threads = 1;  // buses run in parallel instead
    o.enforce_q_limits = opt_.enforce_q_limits;
    return o;
  }
  // The case with `mw` on the knob. With automatic tap changers in the network, they start from the
  // case's positions and settle (report::solve_network's tap control) for this operating point; the N-1
  // check then holds them there (the state right after an outage, before any tap moves).
  void set_mw(double mw) {
    if (fleet_.empty()) {
      auto& g = net_.generators[gen_];
      g.p_mw = mw;
      g.pmax_mw = std::max(g.pmax_mw, mw);
    } else {
      const double share = fleet_installed_mw_ > 0.0 ? mw / fleet_installed_mw_ : 0.0;
      for (auto g : fleet_) {
        auto& u = net_.generators[g];
        u.p_mw = share * (u.installed_mw > 0.0 ? u.installed_mw : u.pmax_mw);
      }
    }
    if (taps_.empty()) return;
    report::set_tap_positions(net_, taps_, true);
    report::SolveOptions so;
    so.pf.tol_pu = opt_.tol_pu;
    so.pf.max_iter = opt_.max_iter;
    so.pf.enforce_q_limits = opt_.enforce_q_limits;
    so.tap_control = true;
    const auto sol = report::solve_network(net_, so);
    if (sol.converged) report::apply_tap_positions(net_, sol);
  }
  void voltage(Trial& t, const VoltageViolation& vv, std::string contingency, double mw) const {
    const bool low = vv.vm_pu < vv.vmin_pu;
    t.consider({low ? HostingViolation::Undervoltage : HostingViolation::Overvoltage, bus_label(net_, vv.bus),
                std::move(contingency), vv.vm_pu, low ? vv.vmin_pu : vv.vmax_pu, mw, 0},
               100.0 * excess_pu(vv.vm_pu, vv.vmin_pu, vv.vmax_pu));
  }
  static void not_converged(Trial& t, double mw, std::string contingency) {
    t.consider({HostingViolation::NotConverged, "the power flow", std::move(contingency), kNaN, kNaN, mw, 0}, 1e9);
  }

  model::Network net_;
  const ContingencyLimits& limits_;
  const HostingOptions& opt_;
  const std::atomic<bool>* stop_;
  std::size_t gen_ = 0;                 // the added unit (bus studies)
  std::vector<std::size_t> fleet_;      // the wind units (fleet study)
  double fleet_installed_mw_ = 0.0;
  Baseline base_;
  std::vector<Contingency> list_;
  std::vector<report::TapState> taps_;  // automatic tap changers (start positions = the case's)
  bool interrupted_ = false;
};

// Largest P in [lo, hi] passing `check`, with lo known to pass; `at_hi` is the trial at hi when known.
// Returns false when interrupted.
template <typename Check>
bool bisect(double lo, double hi, double step, Trial at_hi, Check check, double& best, HostingLimit& limit,
            double* export_mw = nullptr) {
  double lo_export = kNaN;
  while (hi - lo > step) {
    const double mid = 0.5 * (lo + hi);
    Trial t = check(mid);
    if (t.interrupted) return false;
    if (t.ok) {
      lo = mid;
      lo_export = t.export_mw;
    } else {
      hi = mid;
      at_hi = std::move(t);
    }
  }
  best = lo;
  limit = at_hi.worst;
  if (export_mw && !std::isnan(lo_export)) *export_mw = lo_export;
  return true;
}

}  // namespace

const char* to_string(HostingViolation v) {
  switch (v) {
    case HostingViolation::None:
      return "none";
    case HostingViolation::Overload:
      return "overload";
    case HostingViolation::Undervoltage:
      return "undervoltage";
    case HostingViolation::Overvoltage:
      return "overvoltage";
    case HostingViolation::NotConverged:
      return "not converged";
  }
  return "none";
}

std::string HostingLimit::text() const {
  const std::string after =
      contingency.empty() ? std::string() : fmt::format(" after outage of {}", contingency);
  switch (kind) {
    case HostingViolation::None:
      return "none";
    case HostingViolation::Overload:
      return fmt::format("{} at {:.1f} % (limit {} %){}", element, value, limit, after);
    case HostingViolation::Undervoltage:
      return fmt::format("{} at {:.4f} pu < {:.3f}{}", element, value, limit, after);
    case HostingViolation::Overvoltage:
      return fmt::format("{} at {:.4f} pu > {:.3f}{}", element, value, limit, after);
    case HostingViolation::NotConverged:
      return fmt::format("power flow does not converge{}", after);
  }
  return {};
}

std::vector<BusIdx> hosting_candidates(const model::Network& net) {
  const auto nm = topology::build_math(net);
  std::vector<std::uint8_t> ref(net.buses.size(), 0);
  for (const auto& g : net.generators)
    if (g.in_service && net.bus(g.bus).type == model::BusType::Ref)
      ref[static_cast<std::size_t>(g.bus.value)] = 1;
  std::vector<BusIdx> out;
  for (std::size_t i = 0; i < net.buses.size(); ++i) {
    const auto& b = net.buses[i];
    if (b.base_kv < 66.0 || b.base_kv >= 300.0 || ref[i] || nm.island_of_bus[i] < 0) continue;
    out.push_back(BusIdx{static_cast<std::int32_t>(i)});
  }
  return out;
}

HostingStudy hosting_capacity(const model::Network& net, const ContingencyLimits& limits,
                              const std::vector<BusIdx>& buses, const HostingOptions& opt,
                              const std::atomic<bool>* stop, Progress* progress) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!(opt.step_mw > 0.0) || !(opt.max_mw > opt.step_mw))
    throw std::invalid_argument("hosting_capacity: need 0 < step_mw < max_mw");
  HostingStudy study;
  study.options = opt;
  study.limits_source = limits.source;
  ContingencyLimits checked = limits;
  for (std::size_t i = 0; i < net.buses.size(); ++i)
    if (net.buses[i].base_kv < opt.voltage_min_kv) {
      checked.band_normal[i].reset();
      checked.band_n1[i].reset();
    }
  study.buses.resize(buses.size());
  std::atomic<std::size_t> done{0}, n_contingencies{0};
  std::atomic<bool> interrupted{false};

  std::vector<std::uint8_t> energised(net.buses.size(), 0);
  {
    const auto nm = topology::build_math(net);
    for (std::size_t i = 0; i < net.buses.size(); ++i) energised[i] = nm.island_of_bus[i] >= 0;
  }
  // The bisections of one knob (normal, then N-1 below the normal figure). False: interrupted.
  auto search = [&](KnobStudy& s, HostingResult& r, double max_mw, double* normal_export, double* n1_export) {
    auto normal = [&](double mw) { return s.check(mw, false, r); };
    Trial top = normal(max_mw);
    if (top.interrupted) return false;
    if (top.ok) {
      r.normal_mw = max_mw;
      r.normal_at_max = true;
      if (normal_export) *normal_export = top.export_mw;
    } else if (!bisect(0.0, max_mw, opt.step_mw, top, normal, r.normal_mw, r.normal, normal_export)) {
      return false;
    }
    if (opt.n1) {
      auto secure = [&](double mw) { return s.check(mw, true, r); };
      Trial at = secure(r.normal_mw);
      if (at.interrupted) return false;
      if (at.ok) {
        r.n1_mw = r.normal_mw;  // the normal-operation limit binds first
        r.n1_at_max = r.normal_at_max;
        r.n1 = r.normal;
        if (n1_export) *n1_export = at.export_mw;
      } else if (!bisect(0.0, r.normal_mw, opt.step_mw, at, secure, r.n1_mw, r.n1, n1_export)) {
        return false;
      }
    }
    r.evaluated = true;
    return true;
  };
  auto one = [&](std::size_t k) {
    auto& r = study.buses[k];
    const auto tb = std::chrono::steady_clock::now();
    const BusIdx b = buses[k];
    r.bus = b;
    r.name = bus_label(net, b);
    r.zone = net.bus(b).zone;
    r.base_kv = net.bus(b).base_kv;
    auto finish = [&] {
      r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - tb).count();
      if (progress) progress->update(++done);
    };
    if (energised[static_cast<std::size_t>(b.value)] == 0) {
      r.failure = "not energised in this case (no path to a reference bus)";
      return finish();
    }
    KnobStudy s(net, checked, b, opt, stop);
    if (!s.baseline(r)) {
      if (s.interrupted()) interrupted = true;
      return finish();
    }
    n_contingencies = s.contingencies();
    if (!search(s, r, opt.max_mw, nullptr, nullptr)) interrupted = true;
    finish();
  };
  // A bus whose study throws (bad data met only with the unit added) reports why; the others go on.
  auto guarded = [&](std::size_t k) {
    try {
      one(k);
    } catch (const std::exception& e) {
      study.buses[k].evaluated = false;
      study.buses[k].failure = e.what();
      if (progress) progress->update(++done);
    }
  };
  const int threads = opt.threads > 0 ? opt.threads : tbb::info::default_concurrency();
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, buses.size(), 1),
                      [&](const tbb::blocked_range<std::size_t>& rg) {
                        for (std::size_t k = rg.begin(); k != rg.end(); ++k) guarded(k);
                      });
  });
  // The fleet: every in-service wind farm at one share of its installed MW.
  if (opt.fleet && !(stop && stop->load())) {
    auto& f = study.fleet;
    f.mw.name = "wind fleet";
    try {
      KnobStudy s(net, checked, opt, stop);
      f.installed_mw = s.fleet_installed_mw();
      if (f.installed_mw <= 0.0) {
        f.failure = "no wind farm in service";
      } else if (!s.baseline(f.mw)) {
        f.failure = f.mw.failure;
        if (s.interrupted()) interrupted = true;
      } else if (!search(s, f.mw, f.installed_mw, &f.normal_export_mw, &f.n1_export_mw)) {
        interrupted = true;
      } else {
        f.evaluated = true;
      }
    } catch (const std::exception& e) {
      f.failure = e.what();
    }
  }
  // What is violated with 0 MW added in every bus's case is listed once, for the study.
  {
    bool first = true;
    for (const auto& r : study.buses) {
      if (!r.evaluated) continue;
      if (first) {
        study.existing = r.existing;
        first = false;
        continue;
      }
      std::vector<std::string> common;
      for (const auto& e : study.existing)
        if (std::find(r.existing.begin(), r.existing.end(), e) != r.existing.end()) common.push_back(e);
      study.existing = std::move(common);
    }
    for (auto& r : study.buses)
      std::erase_if(r.existing, [&](const std::string& e) {
        return std::find(study.existing.begin(), study.existing.end(), e) != study.existing.end();
      });
  }
  study.contingencies = n_contingencies;
  study.interrupted = interrupted || (stop && stop->load());
  study.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return study;
}

}  // namespace lsflow::study
