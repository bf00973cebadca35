#pragma once
#include <array>
#include <string>

#include "common/errors.hpp"
#include "common/strong_index.hpp"
#include "model/tap_changer.hpp"

namespace lsflow::model {

// A three-winding transformer described by its nameplate. Internally it becomes a star point (an
// internal bus) and three two-winding branches: see star_equivalent() in transformer3w.cpp.
//
// Short-circuit voltages uk_*_pct and copper losses pk_*_kw are pair values measured between two
// windings, each referred to the smaller rated power of that pair (IEC 60076-1 practice).
struct Transformer3W {
  std::string name;
  BusIdx hv_bus, mv_bus, lv_bus;
  double vn_hv_kv = 0.0, vn_mv_kv = 0.0, vn_lv_kv = 0.0;   // rated winding voltages
  double sn_hv_mva = 0.0, sn_mv_mva = 0.0, sn_lv_mva = 0.0; // rated powers
  double uk_hv_mv_pct = 0.0, uk_hv_lv_pct = 0.0, uk_mv_lv_pct = 0.0;
  double pk_hv_mv_kw = 0.0, pk_hv_lv_kw = 0.0, pk_mv_lv_kw = 0.0;
  double tap_hv_pct = 0.0;   // off-nominal HV tap, % of rated voltage (+ raises the HV turns)
  TapChanger oltc;           // when present, tap_hv_pct = oltc.pos · oltc.step_pct
  bool in_service = true;
  SourceLoc loc;
};

// Moves the transformer's tap changer to `pos` (clamped to its range) and sets tap_hv_pct to match.
// Returns false (and changes nothing) when the transformer has no tap changer.
bool set_tap_position(Transformer3W& t, int pos);

// One winding of the star equivalent, in per unit on the system base, star point on the `to` side.
struct StarWinding {
  double r_pu = 0.0;
  double x_pu = 0.0;
  double tap_ratio = 1.0;     // off-nominal ratio on the winding (bus) side
  double rating_mva = 0.0;
};

// Per-winding series impedances of the star (T) equivalent, on base_mva, for windings HV, MV, LV.
// The bus-side voltage base is the bus's base kV; an off-nominal winding voltage shows as a tap.
std::array<StarWinding, 3> star_equivalent(const Transformer3W& t, double base_mva,
                                           double hv_bus_kv, double mv_bus_kv, double lv_bus_kv);

}  // namespace lsflow::model
