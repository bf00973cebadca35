#pragma once
// `lsflow compare`: several solved cases side by side, the first one the base. Elements and buses are
// matched by name, so cases built on different networks (a line added, a generator commissioned)
// compare where they overlap; what exists in one case only shows as absent in the others.
//
// A violation is keyed by (type, element or bus name). For every case k ≥ 1 against the base:
//   appears    violated in case k, not in the base
//   clears     violated in the base, not in case k
//   worsens    violated in both, its excess beyond the limit larger by more than the tolerance
//   improves   violated in both, its excess smaller by more than the tolerance
//   unchanged  violated in both, within the tolerance
// Excess = loading − limit (% points) for an overload, |deviation| (pu) for a bus outside its band,
// Mvar beyond the nearer limit for a generator beyond its Q limits (a solve without --enforce-q-limits);
// a de-energised bus (unsupplied) only appears or clears.
// An undervoltage and an overvoltage at one bus are different violations (one clears, the other appears).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "report/study_report.hpp"

namespace lsflow::report {

// Below these, a change of an existing violation counts as unchanged.
inline constexpr double kWorsenTolPct = 0.5;     // loading, % points
inline constexpr double kWorsenTolPu = 0.001;    // voltage, pu
inline constexpr double kWorsenTolMvar = 1.0;    // generator beyond its Q limits, Mvar

enum class ViolationType { Overload, Undervoltage, Overvoltage, Unsupplied, QLimit };
enum class Change { Appears, Worsens, Clears, Improves, Unchanged };
// overload, undervoltage, overvoltage, unsupplied, q_limit
[[nodiscard]] std::string_view to_string(ViolationType t);
[[nodiscard]] std::string_view to_string(Change c);          // appears, worsens, clears, improves, unchanged

struct ViolationChange {
  std::size_t case_index = 1;   // compared with case 0
  Change change = Change::Unchanged;
  ViolationType type = ViolationType::Overload;
  std::string element;          // element, bus or generator name
  ElementKind kind = ElementKind::Line;   // overloads only
  std::string level;            // voltage violations only
  double base_value = kNaN;     // loading %, V pu or Q Mvar in the base (NaN: absent or not energised)
  double case_value = kNaN;     // … in case k
  double limit = kNaN;          // the limit it is measured against (% or pu; case k's, else the base's)
  double base_excess = 0.0;     // beyond the limit, ≥ 0 (0: not violated)
  double case_excess = 0.0;
  [[nodiscard]] std::string_view unit() const;   // "%", "pu", "Mvar" ("" for unsupplied)
};

// One line or transformer across the cases.
struct LoadingRow {
  std::string element;
  ElementKind kind = ElementKind::Line;
  std::vector<double> rating_mva;    // per case (NaN: absent)
  std::vector<double> loading_pct;   // per case (NaN: absent, out of service, de-energised or unrated)
  std::vector<bool> present;         // the element exists in the case's network
  double max_loading_pct = kNaN;     // over cases
  double max_abs_delta_pct = kNaN;   // over cases ≥ 1, against the base
  bool overloaded_somewhere = false;
};

// One bus across the cases.
struct VoltageRow {
  std::string bus;
  std::string level;
  std::vector<double> vm_pu;         // per case (NaN: absent or not energised)
  double max_abs_delta_pu = kNaN;
};

// A headline quantity per case ("losses", "MW", values…).
struct MetricRow {
  std::string quantity;
  std::string unit;                  // "MW", "%", "pu", "count", ""
  std::vector<double> values;
  int decimals = 1;
  bool delta = true;                 // show case − base
};

struct CaseComparison {
  std::vector<std::string> labels;           // unique case labels (scenario names), base first
  std::vector<std::string> files;            // scenario file or report folder per case
  std::vector<std::string> verdicts;
  std::vector<MetricRow> metrics;
  std::vector<ViolationChange> changes;      // by case, then appears, worsens, clears, improves, unchanged
  std::vector<LoadingRow> loadings;          // overloaded somewhere first (worst first), then largest change
  std::vector<VoltageRow> voltages;          // largest change first
  double loading_limit_pct = 100.0;          // the base's
};

// Compares converged reports (throws std::invalid_argument for fewer than two or one not converged).
[[nodiscard]] CaseComparison compare_cases(const std::vector<StudyReport>& cases);

struct CompareTextOptions {
  std::size_t top_n = 15;                    // rows of the loading and voltage tables
  bool show_unchanged = false;               // list violations that did not change
  bool wide = false;                         // every column (default: tables fit 120 columns, Δ columns go first)
};
[[nodiscard]] std::string case_comparison_text(const CaseComparison& c, const CompareTextOptions& opt = {});
// The comparison as a self-contained HTML page (case_comparison_html.cpp); `cases` as compared.
[[nodiscard]] std::string case_comparison_html(const CaseComparison& c, const std::vector<StudyReport>& cases);
[[nodiscard]] nlohmann::json case_comparison_json(const CaseComparison& c);

// `lsflow compare --out DIR`:
//   summary.csv     quantity,unit,<label>…,delta_<label>… (cases ≥ 1)
//   changes.csv     case,change,type,element,kind,level,base_value,case_value,unit,limit,base_excess,case_excess
//   loadings.csv    element,kind,rating_mva_<label>…,loading_pct_<label>…,delta_pct_<label>… (cases ≥ 1)
//   voltages.csv    bus,level,vm_pu_<label>…,delta_pu_<label>… (cases ≥ 1)
//   comparison.json case_comparison_json, written last
[[nodiscard]] std::string comparison_summary_csv(const CaseComparison& c);
[[nodiscard]] std::string comparison_changes_csv(const CaseComparison& c);
[[nodiscard]] std::string comparison_loadings_csv(const CaseComparison& c);
[[nodiscard]] std::string comparison_voltages_csv(const CaseComparison& c);
void write_case_comparison(const std::string& dir, const CaseComparison& c);

}  // namespace lsflow::report
