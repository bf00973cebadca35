#pragma once
// An on-load tap changer (OLTC) on the HV winding of a two- or three-winding transformer.
//
// Position p changes the HV winding's turns by p · step_pct % of its rated voltage (+ raises the HV
// turns, which lowers the MV/LV side voltage for a given HV voltage), the convention of the network
// reader's `tap_pos`. The effective HV ratio is (1 + p · step_pct / 100) times the neutral one.
//
// Automatic voltage control (used only when the solve asks for it, report::SolveOptions::tap_control):
// after a solve, a tap whose regulated bus lies outside [vmin_pu, vmax_pu] moves one step toward the
// band; the flow is solved again, until no tap moves (core/report/tap_control.hpp). Defaults:
//   automatic   false — a tap changer is a manual one (fixed position) unless the network file says
//                        `oltc:`; MATPOWER branches have no tap changer at all (pos_min == pos_max)
//   band        1.00–1.04 pu — the MV busbar held a little above nominal so that the feeders' voltage
//                        drop leaves the far end inside ±5 % (a common utility setting; an assumption)
//   regulated   the MV bus of a three-winding transformer, the LV bus of a two-winding one
#include "common/strong_index.hpp"

namespace lsflow::model {

struct TapChanger {
  double step_pct = 0.0;  // per step, % of the HV rated voltage
  int pos_min = 0;        // lowest and highest positions (pos_min == pos_max: no tap changer)
  int pos_max = 0;
  int pos = 0;             // present position
  bool automatic = false;  // regulates regulated_bus when the solve's tap control is on
  BusIdx regulated_bus;    // the MV or LV side bus (invalid when there is no tap changer)
  double vmin_pu = 1.00;   // target band of the regulated bus
  double vmax_pu = 1.04;

  [[nodiscard]] bool present() const { return pos_max > pos_min && step_pct > 0.0; }
  // Effective HV ratio at position p relative to the neutral position.
  [[nodiscard]] double ratio_factor(int p) const { return 1.0 + p * step_pct / 100.0; }
};

}  // namespace lsflow::model
