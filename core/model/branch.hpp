#pragma once
#include <string>

#include "common/errors.hpp"
#include "common/strong_index.hpp"
#include "model/tap_changer.hpp"

namespace lsflow::model {

enum class BranchKind { Line, Transformer };

// A line or two-winding transformer as a π model with an ideal transformer (tap ratio and phase shift)
// on the from side, impedances in per unit on the network's MVA base (MATPOWER's convention).
struct Branch {
  std::string name;
  BranchKind kind = BranchKind::Line;
  BusIdx from;
  BusIdx to;
  double r_pu = 0.0;
  double x_pu = 0.0;
  double b_pu = 0.0;          // total line charging susceptance
  double rate_a_mva = 0.0;    // 0 = unlimited
  double rate_b_mva = 0.0;
  double rate_c_mva = 0.0;
  double tap_ratio = 0.0;     // 0 means 1 (a line); otherwise off-nominal turns ratio on the from side
  double shift_deg = 0.0;     // phase shift of the from side, degrees
  bool in_service = true;
  double length_km = 0.0;     // informational (network files); 0 when unknown
  std::string conductor;      // informational (network files)
  TapChanger oltc;            // two-winding transformers from network files; none for lines
  SourceLoc loc;

  [[nodiscard]] double effective_tap() const { return tap_ratio == 0.0 ? 1.0 : tap_ratio; }
};

// Moves the branch's tap changer to `pos` (clamped to its range) and rescales tap_ratio by the change
// of the HV winding's turns. Returns false (and changes nothing) when the branch has no tap changer.
bool set_tap_position(Branch& br, int pos);

}  // namespace lsflow::model
