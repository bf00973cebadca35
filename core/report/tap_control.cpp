// Automatic OLTC control, one round at a time; the rules are at the top of tap_control.hpp and the loop
// that calls step_taps is report::solve_network (network_solution.cpp).
#include "report/tap_control.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "report/network_solution.hpp"

namespace lsflow::report {

namespace {

bool in_service(const model::Network& net, const TapState& t) {
  return t.owner == TapOwner::Branch ? net.branches[static_cast<std::size_t>(t.index)].in_service
                                     : net.transformers3w[static_cast<std::size_t>(t.index)].in_service;
}

void move_to(model::Network& net, const TapState& t, int pos) {
  if (t.owner == TapOwner::Branch)
    model::set_tap_position(net.branches[static_cast<std::size_t>(t.index)], pos);
  else
    model::set_tap_position(net.transformers3w[static_cast<std::size_t>(t.index)], pos);
}

TapState make_state(TapOwner owner, std::size_t index, const std::string& name, const model::TapChanger& c) {
  TapState t;
  t.owner = owner;
  t.index = static_cast<std::int32_t>(index);
  t.name = name;
  t.bus = c.regulated_bus;
  t.pos_start = t.pos = c.pos;
  t.pos_min = c.pos_min;
  t.pos_max = c.pos_max;
  t.step_pct = c.step_pct;
  t.vmin_pu = c.vmin_pu;
  t.vmax_pu = c.vmax_pu;
  return t;
}

}  // namespace

int TapControl::taps_moved() const {
  return static_cast<int>(
      std::count_if(taps.begin(), taps.end(), [](const TapState& t) { return t.moved() != 0; }));
}

std::size_t TapControl::taps_at_limit() const {
  return static_cast<std::size_t>(
      std::count_if(taps.begin(), taps.end(), [](const TapState& t) { return t.at_limit; }));
}

std::vector<TapState> automatic_taps(const model::Network& net) {
  std::vector<TapState> out;
  for (std::size_t k = 0; k < net.branches.size(); ++k) {
    const auto& c = net.branches[k].oltc;
    if (c.automatic && c.present() && c.regulated_bus.valid())
      out.push_back(make_state(TapOwner::Branch, k, net.branches[k].name, c));
  }
  for (std::size_t k = 0; k < net.transformers3w.size(); ++k) {
    const auto& c = net.transformers3w[k].oltc;
    if (c.automatic && c.present() && c.regulated_bus.valid())
      out.push_back(make_state(TapOwner::Transformer3W, k, net.transformers3w[k].name, c));
  }
  return out;
}

int step_taps(model::Network& net, const NetworkSolution& sol, std::vector<TapState>& taps) {
  // Wanted direction per tap (0: stays).
  std::vector<int> want(taps.size(), 0);
  double top_kv = -1.0;
  for (std::size_t i = 0; i < taps.size(); ++i) {
    TapState& t = taps[i];
    const auto b = static_cast<std::size_t>(t.bus.value);
    t.energised = in_service(net, t) && sol.buses[b].energised;
    t.vm_pu = t.energised ? sol.buses[b].vm_pu : 0.0;
    const auto type = net.buses[b].type;
    t.held_by_generator = type == model::BusType::PV || type == model::BusType::Ref;
    t.at_limit = false;
    if (!t.energised || t.held_by_generator) continue;
    const int dir = t.vm_pu > t.vmax_pu ? +1 : t.vm_pu < t.vmin_pu ? -1 : 0;
    if (dir == 0) continue;
    if ((dir > 0 && t.pos >= t.pos_max) || (dir < 0 && t.pos <= t.pos_min)) {
      t.at_limit = true;
      continue;
    }
    want[i] = dir;
    top_kv = std::max(top_kv, net.buses[b].base_kv);
  }
  int moved = 0;
  for (std::size_t i = 0; i < taps.size(); ++i) {
    TapState& t = taps[i];
    if (want[i] == 0 || net.buses[static_cast<std::size_t>(t.bus.value)].base_kv != top_kv) continue;
    t.pos += want[i];
    move_to(net, t, t.pos);
    ++moved;
  }
  return moved;
}

void set_tap_positions(model::Network& net, const std::vector<TapState>& taps, bool start) {
  for (const TapState& t : taps) move_to(net, t, start ? t.pos_start : t.pos);
}

void apply_tap_positions(model::Network& net, const NetworkSolution& sol) {
  set_tap_positions(net, sol.taps.taps);
}

std::string tap_control_text(const TapControl& tc) {
  if (!tc.active) return {};
  std::string s =
      fmt::format("On-load tap changers: {} automatic, {} after {} solve{}; {} moved, {} at a limit\n",
                  tc.taps.size(), tc.settled ? "settled" : "NOT settled", tc.rounds,
                  tc.rounds == 1 ? "" : "s", tc.taps_moved(), tc.taps_at_limit());
  if (!tc.stopped.empty()) s += fmt::format("  stopped: {}\n", tc.stopped);
  for (const TapState& t : tc.taps) {
    if (t.moved() == 0 && !t.at_limit) continue;
    s += fmt::format(
        "  {:<16} {:+d} → {:+d} (range {:+d}…{:+d} × {} %), regulated bus at {:.4f} pu, band "
        "{:.3f}–{:.3f}{}\n",
        t.name, t.pos_start, t.pos, t.pos_min, t.pos_max, t.step_pct, t.vm_pu, t.vmin_pu, t.vmax_pu,
        t.at_limit ? (t.vm_pu > t.vmax_pu ? "  AT LIMIT, still high" : "  AT LIMIT, still low") : "");
  }
  return s;
}

}  // namespace lsflow::report
