#pragma once
#include <string>

#include "common/errors.hpp"
#include "common/strong_index.hpp"

namespace lsflow::model {

// A fixed shunt: g_mw consumed and b_mvar injected at 1.0 pu voltage (MATPOWER's Gs, Bs).
struct Shunt {
  std::string name;
  BusIdx bus;
  double g_mw = 0.0;
  double b_mvar = 0.0;
  bool in_service = true;
  SourceLoc loc;
};

}  // namespace lsflow::model
