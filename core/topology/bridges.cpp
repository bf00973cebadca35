// Bridges of a multigraph through Boost.Graph's biconnected components on the simple graph; the
// reasoning (and the Boost 1.74 parent-edge caveat) is in bridges.hpp.
#include "topology/bridges.hpp"

#include <algorithm>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/biconnected_components.hpp>
#include <boost/property_map/property_map.hpp>

namespace lsflow::topology {

std::vector<std::uint8_t> find_bridges(std::int32_t n_vertices, std::span<const GraphEdge> edges) {
  std::vector<std::uint8_t> bridge(edges.size(), 0);
  // Collapse parallel edges: one simple edge per unordered vertex pair, self-loops dropped.
  struct Pair {
    std::int32_t lo, hi;
    std::size_t edge;
  };
  std::vector<Pair> pairs;
  pairs.reserve(edges.size());
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const auto [a, b] = edges[e];
    if (a == b) continue;
    pairs.push_back({std::min(a, b), std::max(a, b), e});
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& x, const Pair& y) {
    return x.lo != y.lo ? x.lo < y.lo : x.hi != y.hi ? x.hi < y.hi : x.edge < y.edge;
  });

  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                                      boost::property<boost::edge_index_t, std::size_t>>;
  Graph g(static_cast<std::size_t>(n_vertices));
  std::vector<std::size_t> first_of_simple;   // simple edge → position in `pairs` of its first circuit
  std::vector<std::uint32_t> circuits;        // simple edge → number of parallel circuits
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0 && pairs[i].lo == pairs[i - 1].lo && pairs[i].hi == pairs[i - 1].hi) {
      ++circuits.back();
      continue;
    }
    boost::add_edge(static_cast<std::size_t>(pairs[i].lo), static_cast<std::size_t>(pairs[i].hi),
                    first_of_simple.size(), g);
    first_of_simple.push_back(i);
    circuits.push_back(1);
  }
  const std::size_t n_simple = first_of_simple.size();
  if (n_simple == 0) return bridge;

  std::vector<std::size_t> component(n_simple, 0);
  auto comp_map = boost::make_iterator_property_map(component.begin(), boost::get(boost::edge_index, g));
  const std::size_t n_comp = boost::biconnected_components(g, comp_map);
  std::vector<std::uint32_t> edges_in(n_comp, 0);
  for (std::size_t s = 0; s < n_simple; ++s) ++edges_in[component[s]];
  for (std::size_t s = 0; s < n_simple; ++s)
    if (edges_in[component[s]] == 1 && circuits[s] == 1) bridge[pairs[first_of_simple[s]].edge] = 1;
  return bridge;
}

std::vector<std::uint8_t> math_bridges(const solver::MathModel& m) {
  std::vector<GraphEdge> edges(m.branches.size());
  for (std::size_t b = 0; b < m.branches.size(); ++b) edges[b] = {m.branches[b].from, m.branches[b].to};
  return find_bridges(m.n_bus(), edges);
}

}  // namespace lsflow::topology
