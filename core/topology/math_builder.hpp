#pragma once
// Component model → math models: one per energised island (Boost.Graph connected components over
// in-service branches and three-winding transformers, each expanded to a star point).
#include <cstdint>
#include <string>
#include <vector>

#include "model/network.hpp"
#include "solver/math_model.hpp"

namespace lsflow::topology {

// What a math branch stands for in the component model.
struct BranchOrigin {
  enum class Kind : std::uint8_t { Branch, Winding } kind = Kind::Branch;
  std::int32_t index = -1;    // into Network::branches or Network::transformers3w
  std::int32_t winding = 0;   // 0 HV, 1 MV, 2 LV (windings only)
};

struct MathIsland {
  solver::MathModel math;
  // math bus → model bus; star points of three-winding transformers have bus.value = -1 and
  // star_of[math bus] = the transformer's index.
  std::vector<BusIdx> bus_of;
  std::vector<std::int32_t> star_of;
  std::vector<BranchOrigin> branch_of;
  std::vector<GenIdx> gen_of;
};

struct DeenergisedIsland {
  std::vector<BusIdx> buses;
  double load_mw = 0.0;
};

struct NetworkMath {
  std::vector<MathIsland> islands;                // energised, each with a reference bus
  std::vector<DeenergisedIsland> deenergised;     // no generator in service: no supply
  // Per model bus: island index (or -1) and math bus within it.
  std::vector<std::int32_t> island_of_bus;
  std::vector<std::int32_t> math_of_bus;
};

// Throws InputError (naming buses) for an island that has generators but no reference bus.
NetworkMath build_math(const model::Network& net);

// Per-unit π-model admittances of a branch (MATPOWER makeYbus.m).
solver::MathBranch branch_admittance(double r_pu, double x_pu, double b_pu, double tap_ratio,
                                     double shift_deg);

}  // namespace lsflow::topology
