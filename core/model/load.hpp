#pragma once
#include <string>

#include "common/errors.hpp"
#include "common/strong_index.hpp"

namespace lsflow::model {

// A constant-power load.
struct Load {
  std::string name;
  BusIdx bus;
  double p_mw = 0.0;
  double q_mvar = 0.0;
  bool in_service = true;
  std::string category;   // e.g. "residential", "industrial"; used by growth rates
  SourceLoc loc;
};

}  // namespace lsflow::model
