// Bridges of a hand-drawn multigraph (topology/bridges.hpp):
//
//     0 ─ 1          e0 0-1, e1 1-2, e2 2-0     triangle: no bridge
//      \ /
//       2 ── 3       e3 2-3                     bridge
//            ‖       e4 3-4, e5 4-3             parallel pair (listed in both directions): no bridge
//            4 ── 5  e6 4-5                     bridge
//                 ⟲  e7 5-5                     self-loop: no bridge
//            5 ─ 6   e8 5-6, e9 6-7, e10 7-5    triangle: no bridge
//             \ /
//              7
//     8 ── 9         e11 8-9                    a separate component: bridge
//     10             isolated vertex
//
// Boost 1.74's biconnected_components on the raw multigraph would call one of e4/e5 a bridge (it
// skips the edge back to a DFS parent); this is the case the parallel-pair handling exists for.
#include <catch2/catch.hpp>

#include <vector>

#include "topology/bridges.hpp"
#include "topology/math_builder.hpp"

using namespace lsflow;
using topology::GraphEdge;

TEST_CASE("bridges of a hand-drawn multigraph with a parallel pair", "[topology][bridges]") {
  const std::vector<GraphEdge> edges = {{0, 1}, {1, 2}, {2, 0}, {2, 3}, {3, 4}, {4, 3},
                                        {4, 5}, {5, 5}, {5, 6}, {6, 7}, {7, 5}, {8, 9}};
  const auto bridge = topology::find_bridges(11, edges);
  REQUIRE(bridge.size() == edges.size());
  const std::vector<std::uint8_t> expected = {0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1};
  for (std::size_t e = 0; e < edges.size(); ++e) {
    INFO("edge " << e << ": " << edges[e].a << "-" << edges[e].b);
    CHECK(bridge[e] == expected[e]);
  }
}

TEST_CASE("a lone parallel pair is not a bridge, a triple neither, a single edge is", "[topology][bridges]") {
  CHECK(topology::find_bridges(2, std::vector<GraphEdge>{{0, 1}, {0, 1}}) == std::vector<std::uint8_t>{0, 0});
  CHECK(topology::find_bridges(2, std::vector<GraphEdge>{{1, 0}, {0, 1}, {0, 1}}) == std::vector<std::uint8_t>{0, 0, 0});
  CHECK(topology::find_bridges(2, std::vector<GraphEdge>{{0, 1}}) == std::vector<std::uint8_t>{1});
  CHECK(topology::find_bridges(3, std::vector<GraphEdge>{}).empty());
  // A path: every edge is a bridge, whatever the numbering.
  CHECK(topology::find_bridges(4, std::vector<GraphEdge>{{3, 1}, {1, 0}, {0, 2}}) == std::vector<std::uint8_t>{1, 1, 1});
}

TEST_CASE("math_bridges follows the math model's branches", "[topology][bridges]") {
  // Ring 0-1-2-0 with a double circuit 2=3 and a radial line 3-4.
  solver::MathModel m;
  m.bus_kind.assign(5, solver::BusKind::PQ);
  m.ysh_pu.assign(5, {});
  m.s_load_pu.assign(5, {});
  m.v0_pu.assign(5, 1.0);
  auto add = [&](int f, int t) {
    auto br = topology::branch_admittance(0.01, 0.1, 0.0, 0.0, 0.0);
    br.from = f;
    br.to = t;
    m.branches.push_back(br);
  };
  add(0, 1);
  add(1, 2);
  add(2, 0);
  add(2, 3);
  add(3, 2);
  add(3, 4);
  CHECK(topology::math_bridges(m) == std::vector<std::uint8_t>{0, 0, 0, 0, 0, 1});
}
