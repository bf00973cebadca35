#pragma once
// Automatic on-load tap changer (OLTC) control: the outer loop around the power flow that
// report::solve_network runs when SolveOptions::tap_control is on.
//
// The rule, once per solve (a "round"):
//   - every automatic tap changer (model::TapChanger::automatic, in service, energised) whose regulated
//     bus lies outside [vmin_pu, vmax_pu] wants one step toward the band: voltage above vmax_pu → +1
//     (more HV turns, lower MV/LV voltage), below vmin_pu → −1;
//   - time grading, as a substation's relay delays do it: in one round only the taps whose regulated bus
//     has the highest base kV among those that want to move are moved (a 220/110 kV autotransformer
//     before the 110/35 kV units fed from it, whose voltages follow), so taps in series do not chase
//     one another; parallel units with the same band move together and stay on the same position;
//   - a tap at the end of its range stays there and is reported as at its limit;
//   - a regulated bus that a generator holds (PV or reference bus) is left to the generator;
//   - the flow is solved again (warm start from the last solution) until no tap moves ("settled") or
//     SolveOptions::tap_max_rounds solves were made. The positions reported always belong to the
//     solution reported: when the loop stops early, the last, unsolved moves are undone.
#include <cstdint>
#include <string>
#include <vector>

#include "model/network.hpp"

namespace lsflow::report {

struct NetworkSolution;

enum class TapOwner : std::uint8_t { Branch, Transformer3W };

// One automatic tap changer and what the loop did with it.
struct TapState {
  TapOwner owner = TapOwner::Transformer3W;
  std::int32_t index = -1;  // into Network::branches or Network::transformers3w
  std::string name;
  BusIdx bus;         // the regulated bus
  int pos_start = 0;  // position before the loop (the network's)
  int pos = 0;        // final position
  int pos_min = 0, pos_max = 0;
  double step_pct = 0.0;
  double vmin_pu = 0.0, vmax_pu = 0.0;
  double vm_pu = 0.0;  // regulated bus voltage in the reported solution (0: not energised)
  bool energised = false;
  bool held_by_generator = false;  // regulated bus is PV/Ref: the tap does not act
  bool at_limit = false;           // outside the band and at the end of its range in the needed direction
  [[nodiscard]] bool in_band() const { return vm_pu >= vmin_pu - 1e-9 && vm_pu <= vmax_pu + 1e-9; }
  [[nodiscard]] int moved() const { return pos - pos_start; }
};

struct TapControl {
  bool active = false;         // tap control was asked for and the network has automatic taps
  int rounds = 0;              // solves made (1: no tap needed to move)
  bool settled = false;        // the last solve left every acting tap in band or at its limit
  std::string stopped;         // why the loop ended without settling (empty when settled)
  std::vector<TapState> taps;  // every automatic tap changer, model order (branches, then 3W)
  [[nodiscard]] int taps_moved() const;
  [[nodiscard]] std::size_t taps_at_limit() const;
};

// The automatic tap changers of `net` (in-service or not), positions as in the network.
[[nodiscard]] std::vector<TapState> automatic_taps(const model::Network& net);

// One round: decides from the solved state `sol` (of `net`) which taps move, moves them in `net` and
// in `taps` (pos), and records each tap's voltage, held and at-limit state. Returns how many moved.
int step_taps(model::Network& net, const NetworkSolution& sol, std::vector<TapState>& taps);

// Sets the taps' positions (`pos`, or `pos_start` when `start` is true) in `net`.
void set_tap_positions(model::Network& net, const std::vector<TapState>& taps, bool start = false);

// Copies the final tap positions of a solution (sol.taps) into `net`, so that the network describes the
// state the solution is for (e.g. before recompute_max_mismatch_mva or an N-1 study from that state).
void apply_tap_positions(model::Network& net, const NetworkSolution& sol);

// A few lines for reports: rounds, whether it settled, the taps that moved or are at a limit.
// Empty when tap control was not active.
[[nodiscard]] std::string tap_control_text(const TapControl& tc);

}  // namespace lsflow::report
