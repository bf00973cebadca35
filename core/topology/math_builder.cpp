// Per branch, with series admittance ys = 1/(r + jx), charging b and complex tap τ = t·e^{jθ}
// on the from side (MATPOWER manual §3.2, eq. 3.2):
//   ytt = ys + j·b/2,   yff = ytt/|τ|²,   yft = −ys/conj(τ),   ytf = −ys/τ.
// Three-winding transformers become a star point plus three branches (winding bus → star point)
// whose impedances come from model::star_equivalent().
#include "topology/math_builder.hpp"

#include <array>
#include <cmath>
#include <numbers>

#include <boost/pending/disjoint_sets.hpp>
#include <fmt/format.h>

namespace lsflow::topology {

using solver::BusKind;
using solver::cplx;

solver::MathBranch branch_admittance(double r_pu, double x_pu, double b_pu, double tap_ratio,
                                     double shift_deg) {
  solver::MathBranch br;
  // Written without complex division (libgcc's __divdc3 is slow and this runs per branch per build).
  const double z2 = r_pu * r_pu + x_pu * x_pu;
  const cplx ys(r_pu / z2, -x_pu / z2);
  const double t = tap_ratio == 0.0 ? 1.0 : tap_ratio;
  const double shift_rad = shift_deg * std::numbers::pi / 180.0;
  const cplx tau = std::polar(t, shift_rad);
  br.ytt = ys + cplx(0.0, b_pu / 2.0);
  br.yff = br.ytt * (1.0 / (t * t));
  br.yft = -ys * tau * (1.0 / (t * t));              // −ys / conj(τ)
  br.ytf = -ys * std::conj(tau) * (1.0 / (t * t));   // −ys / τ
  br.x_pu = x_pu;
  br.tap = t;
  br.shift_rad = shift_rad;
  return br;
}

namespace {
BusKind to_kind(model::BusType t) {
  switch (t) {
    case model::BusType::Ref: return BusKind::Ref;
    case model::BusType::PV: return BusKind::PV;
    default: return BusKind::PQ;
  }
}

bool trafo3w_usable(const model::Network& net, const model::Transformer3W& t) {
  if (!t.in_service) return false;
  for (BusIdx b : {t.hv_bus, t.mv_bus, t.lv_bus})
    if (net.bus(b).type == model::BusType::Isolated) return false;
  return true;
}

std::string bus_list(const model::Network& net, const std::vector<BusIdx>& buses) {
  std::string s;
  const std::size_t shown = std::min<std::size_t>(buses.size(), 12);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& b = net.bus(buses[i]);
    if (i) s += ", ";
    s += b.name.empty() ? fmt::format("{}", b.id) : fmt::format("{} ({})", b.id, b.name);
  }
  if (buses.size() > shown) s += fmt::format(" and {} more", buses.size() - shown);
  return s;
}
}  // namespace

NetworkMath build_math(const model::Network& net) {
  const auto nb = net.buses.size();
  const auto n3 = net.transformers3w.size();
  // Graph nodes: model buses, then one star point per transformer3w. Connected components by
  // union–find over the in-service edges (Boost's disjoint sets, the structure behind Boost.Graph's
  // incremental_components): one pass, no adjacency lists to allocate.
  const std::size_t n_nodes = nb + n3;
  std::vector<std::size_t> ds_rank(n_nodes), ds_parent(n_nodes);
  boost::disjoint_sets<std::size_t*, std::size_t*> ds(ds_rank.data(), ds_parent.data());
  for (std::size_t v = 0; v < n_nodes; ++v) ds.make_set(v);
  auto active = [&](BusIdx b) { return net.bus(b).type != model::BusType::Isolated; };
  for (const auto& br : net.branches)
    if (br.in_service && active(br.from) && active(br.to))
      ds.union_set(static_cast<std::size_t>(br.from.value), static_cast<std::size_t>(br.to.value));
  for (std::size_t k = 0; k < n3; ++k) {
    const auto& t = net.transformers3w[k];
    if (!trafo3w_usable(net, t)) continue;
    for (BusIdx b : {t.hv_bus, t.mv_bus, t.lv_bus}) ds.union_set(static_cast<std::size_t>(b.value), nb + k);
  }
  // Number the components 0..ncomp-1 in node order.
  std::vector<int> comp(n_nodes, -1), comp_of_root(n_nodes, -1);
  int ncomp = 0;
  for (std::size_t v = 0; v < n_nodes; ++v) {
    const std::size_t root = ds.find_set(v);
    if (comp_of_root[root] < 0) comp_of_root[root] = ncomp++;
    comp[v] = comp_of_root[root];
  }

  // Classify components.
  std::vector<std::uint8_t> has_gen(static_cast<std::size_t>(ncomp), 0), has_ref(static_cast<std::size_t>(ncomp), 0),
      has_bus(static_cast<std::size_t>(ncomp), 0);
  for (std::size_t i = 0; i < nb; ++i) {
    if (!active(BusIdx{static_cast<std::int32_t>(i)})) continue;
    has_bus[static_cast<std::size_t>(comp[i])] = 1;
    if (net.buses[i].type == model::BusType::Ref) has_ref[static_cast<std::size_t>(comp[i])] = 1;
  }
  for (const auto& gen : net.generators)
    if (gen.in_service && active(gen.bus)) has_gen[static_cast<std::size_t>(comp[static_cast<std::size_t>(gen.bus.value)])] = 1;

  NetworkMath out;
  out.island_of_bus.assign(nb, -1);
  out.math_of_bus.assign(nb, -1);
  std::vector<int> island_of_comp(static_cast<std::size_t>(ncomp), -1);
  std::vector<int> dead_of_comp(static_cast<std::size_t>(ncomp), -1);
  for (int c = 0; c < ncomp; ++c) {
    const auto cu = static_cast<std::size_t>(c);
    if (!has_bus[cu]) continue;
    if (has_gen[cu] && has_ref[cu]) {
      island_of_comp[cu] = static_cast<int>(out.islands.size());
      out.islands.emplace_back();
    } else if (!has_gen[cu]) {
      dead_of_comp[cu] = static_cast<int>(out.deenergised.size());
      out.deenergised.emplace_back();
    } else {
      std::vector<BusIdx> members;
      for (std::size_t i = 0; i < nb; ++i)
        if (comp[i] == c) members.push_back(BusIdx{static_cast<std::int32_t>(i)});
      const auto& first = net.bus(members.front());
      throw InputError(first.loc, fmt::format("an island of {} bus{} has generators but no reference bus "
                                              "(type 3): {}",
                                              members.size(), members.size() == 1 ? "" : "es", bus_list(net, members)));
    }
  }

  // Buses, in model order.
  for (std::size_t i = 0; i < nb; ++i) {
    const BusIdx bi{static_cast<std::int32_t>(i)};
    if (!active(bi)) continue;
    const auto cu = static_cast<std::size_t>(comp[i]);
    if (dead_of_comp[cu] >= 0) {
      out.deenergised[static_cast<std::size_t>(dead_of_comp[cu])].buses.push_back(bi);
      continue;
    }
    auto& isl = out.islands[static_cast<std::size_t>(island_of_comp[cu])];
    const auto& b = net.buses[i];
    out.island_of_bus[i] = island_of_comp[cu];
    out.math_of_bus[i] = isl.math.n_bus();
    isl.bus_of.push_back(bi);
    isl.star_of.push_back(-1);
    isl.math.bus_kind.push_back(to_kind(b.type));
    isl.math.ysh_pu.emplace_back();
    isl.math.s_load_pu.emplace_back();
    isl.math.v0_pu.push_back(std::polar(b.vm_pu, b.va_deg * std::numbers::pi / 180.0));
  }
  // Star points.
  std::vector<std::int32_t> star_math(n3, -1);
  for (std::size_t k = 0; k < n3; ++k) {
    const auto& t = net.transformers3w[k];
    if (!trafo3w_usable(net, t)) continue;
    const auto cu = static_cast<std::size_t>(comp[nb + k]);
    if (island_of_comp[cu] < 0) continue;
    auto& isl = out.islands[static_cast<std::size_t>(island_of_comp[cu])];
    star_math[k] = isl.math.n_bus();
    isl.bus_of.push_back(BusIdx{});
    isl.star_of.push_back(static_cast<std::int32_t>(k));
    isl.math.bus_kind.push_back(BusKind::PQ);
    isl.math.ysh_pu.emplace_back();
    isl.math.s_load_pu.emplace_back();
    // The star point starts where its stiffest winding ties it: V_w / τ_w of that winding's bus. (An
    // autotransformer's MV winding has almost no impedance — z_m = (z_hm + z_ml − z_hl)/2 ≈ 0 — so a star
    // point started at 1.0 pu would show a mismatch of tens of per unit, enough to throw a warm start off.)
    const auto w = model::star_equivalent(t, net.base_mva, net.bus(t.hv_bus).base_kv, net.bus(t.mv_bus).base_kv,
                                          net.bus(t.lv_bus).base_kv);
    const std::array<BusIdx, 3> wb = {t.hv_bus, t.mv_bus, t.lv_bus};
    std::size_t stiff = 0;
    for (std::size_t j = 1; j < 3; ++j)
      if (std::hypot(w[j].r_pu, w[j].x_pu) < std::hypot(w[stiff].r_pu, w[stiff].x_pu)) stiff = j;
    const auto& sb = net.bus(wb[stiff]);
    isl.math.v0_pu.push_back(std::polar(sb.vm_pu / w[stiff].tap_ratio, sb.va_deg * std::numbers::pi / 180.0));
  }
  auto island_at = [&](BusIdx b) -> MathIsland* {
    const auto isl = out.island_of_bus[static_cast<std::size_t>(b.value)];
    return isl < 0 ? nullptr : &out.islands[static_cast<std::size_t>(isl)];
  };
  auto math_at = [&](BusIdx b) { return out.math_of_bus[static_cast<std::size_t>(b.value)]; };

  for (const auto& l : net.loads) {
    if (!l.in_service) continue;
    if (auto* isl = island_at(l.bus))
      isl->math.s_load_pu[static_cast<std::size_t>(math_at(l.bus))] += cplx(l.p_mw, l.q_mvar) / net.base_mva;
    else if (active(l.bus)) {
      const auto cu = static_cast<std::size_t>(comp[static_cast<std::size_t>(l.bus.value)]);
      if (dead_of_comp[cu] >= 0) out.deenergised[static_cast<std::size_t>(dead_of_comp[cu])].load_mw += l.p_mw;
    }
  }
  for (const auto& s : net.shunts) {
    if (!s.in_service) continue;
    if (auto* isl = island_at(s.bus))
      isl->math.ysh_pu[static_cast<std::size_t>(math_at(s.bus))] += cplx(s.g_mw, s.b_mvar) / net.base_mva;
  }
  for (std::size_t k = 0; k < net.generators.size(); ++k) {
    const auto& gen = net.generators[k];
    if (!gen.in_service) continue;
    auto* isl = island_at(gen.bus);
    if (!isl) continue;
    solver::MathGen mg;
    mg.bus = math_at(gen.bus);
    mg.p_pu = gen.p_mw / net.base_mva;
    mg.q_pu = gen.q_mvar / net.base_mva;
    mg.qmax_pu = gen.qmax_mvar / net.base_mva;
    mg.qmin_pu = gen.qmin_mvar / net.base_mva;
    mg.vg_pu = gen.vg_pu;
    isl->math.gens.push_back(mg);
    isl->gen_of.push_back(GenIdx{static_cast<std::int32_t>(k)});
  }
  for (std::size_t k = 0; k < net.branches.size(); ++k) {
    const auto& br = net.branches[k];
    if (!br.in_service || !active(br.from) || !active(br.to)) continue;
    auto* isl = island_at(br.from);
    if (!isl) continue;
    auto mb = branch_admittance(br.r_pu, br.x_pu, br.b_pu, br.tap_ratio, br.shift_deg);
    mb.from = math_at(br.from);
    mb.to = math_at(br.to);
    isl->math.branches.push_back(mb);
    isl->branch_of.push_back({BranchOrigin::Kind::Branch, static_cast<std::int32_t>(k), 0});
  }
  for (std::size_t k = 0; k < n3; ++k) {
    if (star_math[k] < 0) continue;
    const auto& t = net.transformers3w[k];
    const std::array<BusIdx, 3> wb = {t.hv_bus, t.mv_bus, t.lv_bus};
    const auto w = model::star_equivalent(t, net.base_mva, net.bus(t.hv_bus).base_kv,
                                          net.bus(t.mv_bus).base_kv, net.bus(t.lv_bus).base_kv);
    auto* isl = island_at(t.hv_bus);
    for (int j = 0; j < 3; ++j) {
      auto mb = branch_admittance(w[static_cast<std::size_t>(j)].r_pu, w[static_cast<std::size_t>(j)].x_pu, 0.0,
                                  w[static_cast<std::size_t>(j)].tap_ratio, 0.0);
      mb.from = math_at(wb[static_cast<std::size_t>(j)]);
      mb.to = star_math[k];
      isl->math.branches.push_back(mb);
      isl->branch_of.push_back({BranchOrigin::Kind::Winding, static_cast<std::int32_t>(k), j});
    }
  }
  for (auto& isl : out.islands) isl.math.base_mva = net.base_mva;
  return out;
}

}  // namespace lsflow::topology
