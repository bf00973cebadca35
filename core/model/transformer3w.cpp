// Star (T) equivalent of a three-winding transformer.
//
// Pair short-circuit tests give, for each pair (a, b) with pair rating S_ab = min(Sn_a, Sn_b):
//   |z_ab| = uk_ab / 100            (pu on S_ab)
//    r_ab  = pk_ab / (1000 · S_ab)  (pu on S_ab: rated current squared times r equals pk)
//    x_ab  = sqrt(|z_ab|² − r_ab²)
// and on the system base S_base: z_ab · S_base / S_ab. The star impedances follow from
//   z_ab = z_a + z_b   for each pair, i.e.
//   z_hv = (z_hm + z_hl − z_ml)/2,  z_mv = (z_hm + z_ml − z_hl)/2,  z_lv = (z_hl + z_ml − z_hm)/2
// (e.g. Grainger & Stevenson, Power System Analysis, §2.9). The impedances are per unit of the
// windings' rated voltages; the star point's voltage base is the HV rated voltage, so a winding whose
// rated voltage differs from its bus's base kV shows as an off-nominal ratio vn_w / v_bus on the
// bus side (times 1 + tap_hv_pct/100 for the HV winding).
#include "model/transformer3w.hpp"

#include <cmath>
#include <complex>

#include <fmt/format.h>

namespace lsflow::model {

namespace {
std::complex<double> pair_impedance(double uk_pct, double pk_kw, double sa_mva, double sb_mva,
                                    double base_mva) {
  const double s_pair = std::min(sa_mva, sb_mva);
  const double z = uk_pct / 100.0;
  const double r = pk_kw / (1000.0 * s_pair);
  const double x = std::sqrt(std::max(z * z - r * r, 0.0));
  return std::complex<double>(r, x) * (base_mva / s_pair);
}
}  // namespace

std::array<StarWinding, 3> star_equivalent(const Transformer3W& t, double base_mva,
                                           double hv_bus_kv, double mv_bus_kv, double lv_bus_kv) {
  if (t.sn_hv_mva <= 0 || t.sn_mv_mva <= 0 || t.sn_lv_mva <= 0)
    throw InputError(t.loc, fmt::format("transformer \"{}\": rated powers must be positive", t.name));
  if (t.vn_hv_kv <= 0 || t.vn_mv_kv <= 0 || t.vn_lv_kv <= 0)
    throw InputError(t.loc, fmt::format("transformer \"{}\": rated voltages must be positive", t.name));
  if (t.uk_hv_mv_pct <= 0 || t.uk_hv_lv_pct <= 0 || t.uk_mv_lv_pct <= 0)
    throw InputError(t.loc, fmt::format("transformer \"{}\": short-circuit voltages must be positive",
                                        t.name));
  const auto z_hm = pair_impedance(t.uk_hv_mv_pct, t.pk_hv_mv_kw, t.sn_hv_mva, t.sn_mv_mva, base_mva);
  const auto z_hl = pair_impedance(t.uk_hv_lv_pct, t.pk_hv_lv_kw, t.sn_hv_mva, t.sn_lv_mva, base_mva);
  const auto z_ml = pair_impedance(t.uk_mv_lv_pct, t.pk_mv_lv_kw, t.sn_mv_mva, t.sn_lv_mva, base_mva);
  const std::complex<double> z_h = 0.5 * (z_hm + z_hl - z_ml);
  const std::complex<double> z_m = 0.5 * (z_hm + z_ml - z_hl);
  const std::complex<double> z_l = 0.5 * (z_hl + z_ml - z_hm);
  std::array<StarWinding, 3> w;
  w[0] = {z_h.real(), z_h.imag(), t.vn_hv_kv * (1.0 + t.tap_hv_pct / 100.0) / hv_bus_kv, t.sn_hv_mva};
  w[1] = {z_m.real(), z_m.imag(), t.vn_mv_kv / mv_bus_kv, t.sn_mv_mva};
  w[2] = {z_l.real(), z_l.imag(), t.vn_lv_kv / lv_bus_kv, t.sn_lv_mva};
  // The star side is per unit of the HV rated voltage; the MV and LV windings' impedances are
  // per unit of their own rated voltages, which is the same per-unit value on the star side.
  return w;
}

}  // namespace lsflow::model
