#include "model/grid_equivalent.hpp"

#include <array>
#include <set>
#include <string>

namespace lsflow::model {

namespace {
std::size_t idx(BusIdx b) { return static_cast<std::size_t>(b.value); }
}  // namespace

ElementsOn in_service_elements(const Network& net) {
  ElementsOn on;
  on.bus.resize(net.buses.size());
  for (std::size_t i = 0; i < net.buses.size(); ++i) on.bus[i] = net.buses[i].type != BusType::Isolated;
  on.branch.resize(net.branches.size());
  for (std::size_t k = 0; k < net.branches.size(); ++k) {
    const auto& b = net.branches[k];
    on.branch[k] = b.in_service && on.bus[idx(b.from)] && on.bus[idx(b.to)];
  }
  on.trafo3w.resize(net.transformers3w.size());
  for (std::size_t k = 0; k < net.transformers3w.size(); ++k) {
    const auto& t = net.transformers3w[k];
    on.trafo3w[k] = t.in_service && on.bus[idx(t.hv_bus)] && on.bus[idx(t.mv_bus)] && on.bus[idx(t.lv_bus)];
  }
  return on;
}

std::vector<bool> grid_equivalent_buses(const Network& net, const ElementsOn& on) {
  const auto nb = net.buses.size();
  std::vector<bool> in_equiv(nb, false);
  for (const auto& g : net.generators)
    if (g.in_service && g.kind == GenKind::Grid && on.bus[idx(g.bus)]) in_equiv[idx(g.bus)] = true;
  const std::vector<bool> gen_buses = in_equiv;

  // Adjacency of what is on (a three-winding transformer links its three buses).
  std::vector<std::vector<std::size_t>> adj(nb);
  std::vector<int> only_branch(nb, -1);
  std::vector<int> degree(nb, 0);
  for (std::size_t k = 0; k < net.branches.size(); ++k) {
    if (!on.branch[k]) continue;
    const auto f = idx(net.branches[k].from), t = idx(net.branches[k].to);
    adj[f].push_back(t);
    adj[t].push_back(f);
    for (auto b : {f, t}) {
      ++degree[b];
      only_branch[b] = static_cast<int>(k);
    }
  }
  for (std::size_t k = 0; k < net.transformers3w.size(); ++k) {
    if (!on.trafo3w[k]) continue;
    const auto& t = net.transformers3w[k];
    const std::array<std::size_t, 3> wb = {idx(t.hv_bus), idx(t.mv_bus), idx(t.lv_bus)};
    for (std::size_t a = 0; a < 3; ++a) {
      degree[wb[a]] += 2;   // never "only one branch"
      for (std::size_t b = 0; b < 3; ++b)
        if (a != b) adj[wb[a]].push_back(wb[b]);
    }
  }
  std::vector<bool> has_load(nb, false);
  std::set<std::string> zones_with_load;
  for (const auto& l : net.loads)
    if (l.in_service) {
      has_load[idx(l.bus)] = true;
      zones_with_load.insert(net.bus(l.bus).zone);
    }
  // (a) The grid bus's zone, when no load sits in it: its buses reachable from the grid bus within it.
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < nb; ++i)
    if (gen_buses[i] && !net.buses[i].zone.empty() && !zones_with_load.count(net.buses[i].zone)) todo.push_back(i);
  while (!todo.empty()) {
    const auto i = todo.back();
    todo.pop_back();
    for (auto n : adj[i])
      if (!in_equiv[n] && net.buses[n].zone == net.buses[i].zone) {
        in_equiv[n] = true;
        todo.push_back(n);
      }
  }
  // (b) A Thevenin stub: the grid bus's only element is one unrated branch and it has no load.
  for (std::size_t i = 0; i < nb; ++i) {
    if (!gen_buses[i] || degree[i] != 1 || has_load[i] || only_branch[i] < 0) continue;
    const auto& br = net.branches[static_cast<std::size_t>(only_branch[i])];
    if (br.rate_a_mva > 0.0) continue;
    in_equiv[idx(br.from) == i ? idx(br.to) : idx(br.from)] = true;
  }
  return in_equiv;
}

bool branch_inside(const Network& net, const std::vector<bool>& inside, std::size_t branch) {
  const auto& b = net.branches[branch];
  return inside[idx(b.from)] && inside[idx(b.to)];
}

bool trafo3w_inside(const Network& net, const std::vector<bool>& inside, std::size_t trafo) {
  const auto& t = net.transformers3w[trafo];
  return inside[idx(t.hv_bus)] && inside[idx(t.mv_bus)] && inside[idx(t.lv_bus)];
}

}  // namespace lsflow::model
