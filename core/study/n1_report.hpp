#pragma once
// N-1 results as a person reads them (text), and as files (`lsflow n1 --out DIR`):
//
//   contingencies.csv        one row per contingency, in list order: outcome, iterations, checks,
//                            islanding, reference-unit pickup
//   overloads.csv            contingency, element, loading_pct (limit: summary), base_loading_pct, …
//   voltage_violations.csv   contingency, bus (name), id, vm_pu, base_vm_pu, band
//   islanding.csv            contingency, bus cut off from the reference (name, id), its load, whether its
//                            part has generation
//   element_worst.csv        per monitored element: base loading and the worst post-contingency
//                            loading with the contingency that causes it
//   bus_worst.csv            per bus (name, id): base voltage and the lowest / highest post-contingency voltage
//   summary.json             counts, limits, method notes, rankings (written last: its presence says
//                            the others are whole)
//
// A violation already present in the base case (beyond the N-1 limit before the outage) and no worse
// after it is "pre-existing": kept in the CSV files (column pre_existing), left out of the text's and
// the JSON's lists and of the ranking, which are about what the outage does.
//
// Ranking of contingencies (worst first): not converged or no supply; then load lost; then the largest
// loading among new or worsened overloads; then the furthest new or worsened voltage outside its band;
// list order breaks ties. Contingencies with only pre-existing violations come after those, then the
// secure ones.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/study_report.hpp"
#include "study/contingency.hpp"

namespace lsflow::study {

// Contingency indices, worst first (see above); secure contingencies last.
[[nodiscard]] std::vector<std::int32_t> rank_contingencies(const ContingencyAnalysis& ca, const ContingencyResults& r);

// Disjoint: secure + islanding_only + with_violations + only_pre_existing + not_converged + no_supply +
// not_run = total. with_violations: new or worsened violations, or load lost; only_pre_existing:
// violations, all of them pre-existing and not worse. `split` counts every solved outage that split the
// grid (in any of the solved classes).
struct N1Counts {
  std::size_t total = 0, secure = 0, islanding_only = 0, with_violations = 0, only_pre_existing = 0,
              not_converged = 0, no_supply = 0, not_run = 0, split = 0;
  double lost_load_mw_max = 0.0;
};
// A violation the outage caused or made worse.
[[nodiscard]] bool outage_related(const Overload& o);
[[nodiscard]] bool outage_related(const VoltageViolation& v);
[[nodiscard]] N1Counts count_outcomes(const ContingencyResults& r);

// Tables fit report::kTextWidth columns unless `wide`.
[[nodiscard]] std::string n1_text(const ContingencyAnalysis& ca, const ContingencyResults& r, std::size_t top_n,
                                  bool wide = false);
[[nodiscard]] nlohmann::json n1_json(const ContingencyAnalysis& ca, const ContingencyResults& r, std::size_t top_n);

[[nodiscard]] std::string n1_contingencies_csv(const ContingencyAnalysis& ca, const ContingencyResults& r);
[[nodiscard]] std::string n1_overloads_csv(const ContingencyAnalysis& ca, const ContingencyResults& r);
[[nodiscard]] std::string n1_voltage_csv(const ContingencyAnalysis& ca, const ContingencyResults& r);
[[nodiscard]] std::string n1_islanding_csv(const ContingencyAnalysis& ca, const ContingencyResults& r);
[[nodiscard]] std::string n1_element_worst_csv(const ContingencyAnalysis& ca, const ContingencyResults& r);
[[nodiscard]] std::string n1_bus_worst_csv(const ContingencyAnalysis& ca, const ContingencyResults& r);

// The files above, written atomically into `dir` (created if needed), summary.json last.
void write_n1_outputs(const std::string& dir, const ContingencyAnalysis& ca, const ContingencyResults& r,
                      std::size_t top_n);
// Their names, for removing an earlier run's results.
[[nodiscard]] const std::vector<std::string>& n1_output_files();

[[nodiscard]] std::string_view to_string(Outcome o);

// The N-1 part of a study report (lsflow run): the counts, and the new or worsened violations of the
// contingencies in rank order (at most `top` of them; `findings` says how many there are in all).
[[nodiscard]] report::SecuritySummary security_summary(const ContingencyAnalysis& ca, const ContingencyResults& r,
                                                       const std::string& selection, std::size_t top = 50);

}  // namespace lsflow::study
