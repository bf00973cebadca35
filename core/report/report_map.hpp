#pragma once
// The network map of a study report (study_report_html.cpp), shared by the pages that draw a case:
// run's, and compare's (with the edges coloured by the change in loading).
#include <functional>
#include <string>
#include <vector>

#include "report/html.hpp"
#include "report/study_report.hpp"

namespace lsflow::report {

// Buses without coordinates get a force-directed layout up to this many; above it, no map.
inline constexpr std::size_t kMaxMapBuses = 3000;

// Restyles an element's edge (colour, title) before it is drawn; empty: by loading.
using EdgeStyle = std::function<void(const ElementLoading&, html::MapEdge&)>;
// Restyles a substation's node from its buses; empty: by voltage.
using NodeStyle = std::function<void(const std::vector<const BusState*>&, html::MapNode&)>;

// Substations (buses at the same coordinates) as nodes coloured by their worst voltage, lines and
// transformers between them as edges coloured by loading, transformers inside a substation as a ring.
[[nodiscard]] std::string study_map(const StudyReport& r, const std::string& id, const EdgeStyle& style,
                                    const std::vector<html::LegendItem>& legend, const NodeStyle& node_style = {});

}  // namespace lsflow::report
