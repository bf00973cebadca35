#pragma once
// Operating limits: voltage bands per voltage level, for normal operation and after a single
// contingency (N-1), and loading limits in % of rating. Read from a YAML data file the user can change
// (networks/langson/limits/vn_grid_code.yaml holds the Vietnamese grid-code values):
//
//   name: "..."
//   voltage_levels:
//     - name: 110 kV
//       base_kv_min: 66            # buses with base_kv_min <= base kV < base_kv_max use this level
//       base_kv_max: 150
//       normal_min_kv: 104         # a band in kV ...
//       normal_max_kv: 121
//       n1_min_kv: 99
//       n1_max_kv: 121
//     - name: distribution
//       base_kv_min: 0.1
//       base_kv_max: 66
//       normal_min_pct: -5         # ... or in % of the bus's base kV
//       normal_max_pct: 5
//       n1_min_pct: -10
//       n1_max_pct: 5
//   loading:
//     max_pct: 100                 # % of rating (rate_a) in normal operation
//     max_n1_pct: 100              # % of rating after a single contingency
//
// A band in kV is turned into per unit of the bus's own base kV, so a 110 kV level band applies
// correctly to a bus modelled with a 115 kV base. The N-1 band must contain the normal band.
#include <optional>
#include <string>
#include <vector>

#include "common/errors.hpp"

namespace lsflow::study {

struct Scenario;

enum class Operation { Normal, N1 };

struct VoltageBand {
  double vmin_pu = 0.0;
  double vmax_pu = 0.0;
  [[nodiscard]] bool contains(double vm_pu) const { return vm_pu >= vmin_pu && vm_pu <= vmax_pu; }
};

// One voltage level's band, either in kV or in % of the bus's base kV.
struct VoltageLevel {
  std::string name;
  double base_kv_min = 0.0;   // inclusive
  double base_kv_max = 0.0;   // exclusive
  bool in_kv = false;         // limits below are kV when true, % deviation from base kV otherwise
  double normal_min = 0.0, normal_max = 0.0;
  double n1_min = 0.0, n1_max = 0.0;
  SourceLoc loc;

  [[nodiscard]] bool covers(double base_kv) const { return base_kv >= base_kv_min && base_kv < base_kv_max; }
  // The band in per unit of `base_kv`.
  [[nodiscard]] VoltageBand band(double base_kv, Operation op) const;
};

struct Limits {
  std::string name;
  std::string source_file;
  std::vector<VoltageLevel> levels;
  double loading_max_pct = 100.0;
  double loading_max_n1_pct = 100.0;

  // The level whose kV range holds `base_kv`; nullptr when none does.
  [[nodiscard]] const VoltageLevel* find_level(double base_kv) const;
  // The band for a bus of `base_kv`; nullopt when no level covers it.
  [[nodiscard]] std::optional<VoltageBand> find_band(double base_kv, Operation op) const;
  // As find_band, but throws InputError naming the limits file when no level covers `base_kv`.
  [[nodiscard]] VoltageBand band(double base_kv, Operation op) const;
  [[nodiscard]] double loading_limit_pct(Operation op) const {
    return op == Operation::Normal ? loading_max_pct : loading_max_n1_pct;
  }
};

// Reads a limits file. Throws InputError (`file:line: what`) on unknown keys, a band given both in kV
// and in %, min >= max, an N-1 band narrower than the normal one, or overlapping kV ranges.
[[nodiscard]] Limits read_limits(const std::string& path);

// The scenario's limits: its `limits.file` read, then its loading overrides applied. Throws InputError
// when the scenario names no limits file.
[[nodiscard]] Limits scenario_limits(const Scenario& s);

}  // namespace lsflow::study
