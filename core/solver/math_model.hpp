#pragma once
// The math model: what the solver sees of one energised island. Buses are 0..n_bus-1 (MathBusIdx
// values), everything is per unit on base_mva, and branches carry their four π-model admittances
// (yff, yft, ytf, ytt) so the solver never needs to know what a line or a transformer is.
#include <complex>
#include <cstdint>
#include <vector>

namespace lsflow::solver {

using cplx = std::complex<double>;

enum class BusKind : std::uint8_t { PQ, PV, Ref };

struct MathBranch {
  std::int32_t from = 0;
  std::int32_t to = 0;
  cplx yff, yft, ytf, ytt;   // I_from = yff·V_from + yft·V_to, I_to = ytf·V_from + ytt·V_to
  // DC power flow data (MATPOWER makeBdc): series reactance, tap magnitude, phase shift.
  double x_pu = 0.0;
  double tap = 1.0;
  double shift_rad = 0.0;
};

struct MathGen {
  std::int32_t bus = 0;
  double p_pu = 0.0;
  double q_pu = 0.0;
  double qmax_pu = 0.0;
  double qmin_pu = 0.0;
  double vg_pu = 1.0;
  // Held at q_pu: a unit that reached a reactive limit in a base case (freeze_q_limits) injects
  // p_pu + j·q_pu and controls no voltage, as MATPOWER's Q-limit loop leaves such a unit.
  bool q_fixed = false;
};

struct MathModel {
  double base_mva = 100.0;
  std::vector<BusKind> bus_kind;      // as typed from the input (Ref/PV/PQ)
  std::vector<cplx> ysh_pu;           // bus shunt admittance (G + jB at 1 pu)
  std::vector<cplx> s_load_pu;        // constant-power load per bus
  std::vector<cplx> v0_pu;            // starting voltage (the case file's)
  std::vector<MathBranch> branches;   // in service only
  std::vector<MathGen> gens;          // in service only

  [[nodiscard]] std::int32_t n_bus() const { return static_cast<std::int32_t>(bus_kind.size()); }
};

// Specified injections S = Σ gen − load per bus (MATPOWER makeSbus), ignoring gens with skip[g] set.
void make_sbus(const MathModel& m, const std::vector<std::uint8_t>& skip_gen, std::vector<cplx>& sbus);

// MATPOWER's bustypes(): a PV or Ref bus without an in-service generator (not skipped, not q_fixed) is
// PQ; if no Ref bus is left, the first PV bus becomes the reference. Returns false when no bus can be
// the reference (no PV or Ref bus with a generator).
bool assign_bus_kinds(const MathModel& m, const std::vector<BusKind>& typed,
                      const std::vector<std::uint8_t>& skip_gen, std::vector<BusKind>& out);

// Whether unit g controls voltage: not skipped and not q_fixed.
[[nodiscard]] inline bool regulates(const MathModel& m, const std::vector<std::uint8_t>& skip_gen, std::size_t g) {
  return !m.gens[g].q_fixed && (skip_gen.empty() || !skip_gen[g]);
}

}  // namespace lsflow::solver
