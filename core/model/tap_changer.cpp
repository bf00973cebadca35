// Moving a tap changer: the HV winding's turns change by (1 + p·step/100) relative to neutral, so a
// two-winding branch's ratio τ (which already holds the present position) is rescaled by the quotient
// of the new and old factors, and a three-winding transformer's tap_hv_pct is recomputed.
#include <algorithm>

#include "model/branch.hpp"
#include "model/transformer3w.hpp"

namespace lsflow::model {

bool set_tap_position(Branch& br, int pos) {
  TapChanger& t = br.oltc;
  if (!t.present()) return false;
  pos = std::clamp(pos, t.pos_min, t.pos_max);
  br.tap_ratio = br.effective_tap() * t.ratio_factor(pos) / t.ratio_factor(t.pos);
  t.pos = pos;
  return true;
}

bool set_tap_position(Transformer3W& tr, int pos) {
  TapChanger& t = tr.oltc;
  if (!t.present()) return false;
  pos = std::clamp(pos, t.pos_min, t.pos_max);
  t.pos = pos;
  tr.tap_hv_pct = pos * t.step_pct;
  return true;
}

}  // namespace lsflow::model
