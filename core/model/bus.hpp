#pragma once
#include <optional>
#include <string>

#include "common/errors.hpp"
#include "common/strong_index.hpp"

namespace lsflow::model {

// MATPOWER's bus types (1 PQ, 2 PV, 3 reference, 4 isolated).
enum class BusType { PQ = 1, PV = 2, Ref = 3, Isolated = 4 };

struct Bus {
  ExtId id = 0;            // the user's bus number
  std::string name;        // optional; from MATPOWER's bus_name or the network file
  double base_kv = 0.0;
  BusType type = BusType::PQ;
  int area = 1;
  std::string zone;        // zone / district name (MATPOWER's zone number as text)
  double vm_pu = 1.0;      // initial voltage magnitude (the case file's value)
  double va_deg = 0.0;     // initial voltage angle
  double vmax_pu = 1.1;
  double vmin_pu = 0.9;
  std::optional<double> lat_deg;
  std::optional<double> lon_deg;
  SourceLoc loc;
};

}  // namespace lsflow::model
