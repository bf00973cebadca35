#pragma once
// The studies as self-contained HTML pages (`--html FILE`, writer in report/html.hpp): N-1, a year of
// hours, hosting capacity. Each draws the network from `base`, the study's base case as a StudyReport
// (its buses, coordinates and elements), recoloured by what the study found.
#include <string>
#include <vector>

#include "report/study_report.hpp"
#include "study/contingency.hpp"
#include "study/hosting.hpp"
#include "study/timeseries.hpp"

namespace lsflow::study {

struct YearN1Curtailment;

// ReportLimits from a study's limits (normal bands per bus), for the base case's StudyReport of a
// case without a limits file.
[[nodiscard]] report::ReportLimits report_limits_of(const model::Network& net, const ContingencyLimits& limits);

// N-1: the ranking of the contingencies (a bar per contingency: its worst new loading), what each one
// overloads, and the map coloured by each element's worst post-contingency loading.
[[nodiscard]] std::string n1_html(const ContingencyAnalysis& ca, const ContingencyResults& r, const report::StudyReport& base,
                                  std::size_t top_n);

// A year: duration curves of the most loaded elements (`loading[e][k]`: element e's loading in the k-th
// converged hour), the hour × day heat map of the worst loading, energy by source, curtailment per farm,
// reverse flow, and the map by maximum loading.
[[nodiscard]] std::string timeseries_html(const TimeSeries& ts, const TimeSeriesResult& r,
                                          const std::vector<std::vector<float>>& loading, const report::StudyReport& base,
                                          const std::string& name, const YearN1Curtailment* n1);

// Hosting capacity: MW per bus, normal and N-1, as bars and on the map (each substation by its N-1 MW),
// the wind fleet's export limit, the violations already there.
[[nodiscard]] std::string hosting_html(const HostingStudy& st, const report::StudyReport& base, const std::string& name);

}  // namespace lsflow::study
