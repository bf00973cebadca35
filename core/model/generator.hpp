#pragma once
#include <limits>
#include <string>
#include <string_view>

#include "common/errors.hpp"
#include "common/strong_index.hpp"

namespace lsflow::model {

enum class GenKind { Thermal, Hydro, Solar, Wind, Grid, Other };

std::string_view to_string(GenKind kind);
// Parses "thermal", "hydro", "solar", "wind", "grid", "other"; false when unknown.
bool parse_gen_kind(std::string_view text, GenKind& out);

struct Generator {
  std::string name;
  GenKind kind = GenKind::Other;
  BusIdx bus;
  double p_mw = 0.0;
  double q_mvar = 0.0;
  double qmax_mvar = std::numeric_limits<double>::infinity();
  double qmin_mvar = -std::numeric_limits<double>::infinity();
  double vg_pu = 1.0;          // voltage set-point
  double mbase_mva = 100.0;
  bool in_service = true;
  double pmax_mw = 0.0;
  double pmin_mw = 0.0;
  double installed_mw = 0.0;   // nameplate (network files); dispatch = share × installed_mw
  SourceLoc loc;
};

}  // namespace lsflow::model
