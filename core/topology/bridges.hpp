#pragma once
// Which single branch outages split the grid: the bridges of the in-service multigraph.
//
// An edge is a bridge when removing it alone disconnects its connected component, i.e. when it forms
// a biconnected component of its own (Tarjan; Boost.Graph biconnected_components). Two or more
// parallel circuits between the same pair of buses are never bridges (losing one leaves the other),
// and neither is a self-loop.
//
// Boost 1.74's biconnected_components ignores an edge back to a vertex's DFS parent, so on a
// multigraph it would call one of two parallel circuits a bridge and leave the other without a
// component. We therefore run it on the simple graph (one edge per bus pair, with the number of
// circuits it stands for) and call an edge a bridge only when its pair is a one-edge biconnected
// component *and* has a single circuit.
#include <cstdint>
#include <span>
#include <vector>

#include "solver/math_model.hpp"

namespace lsflow::topology {

struct GraphEdge {
  std::int32_t a = 0;
  std::int32_t b = 0;
};

// Per edge (in the order given): 1 when it is a bridge. Vertices are 0..n_vertices-1.
[[nodiscard]] std::vector<std::uint8_t> find_bridges(std::int32_t n_vertices, std::span<const GraphEdge> edges);

// Per math branch of one island: 1 when taking that branch out alone splits the island.
[[nodiscard]] std::vector<std::uint8_t> math_bridges(const solver::MathModel& m);

}  // namespace lsflow::topology
