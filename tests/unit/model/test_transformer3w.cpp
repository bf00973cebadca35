// Three-winding transformer: star-equivalent impedances and the admittances the math model gets,
// against values worked out by hand.
//   Sn 100/100/50 MVA, uk HV-MV 10 %, HV-LV 20 %, MV-LV 18 % (each on the smaller rating of its pair),
//   pk 300/200/150 kW, system base 100 MVA.
//   pairs on 100 MVA:  z_hm = (0.003 + j0.0999550)·1, z_hl = (0.004 + j0.1999600)·2, z_ml = (0.003 + j0.1799750)·2
//   star:  z_h = (z_hm + z_hl − z_ml)/2 = 0.0025 + j0.0699625
//          z_m = (z_hm + z_ml − z_hl)/2 = 0.0005 + j0.0299925
//          z_l = (z_hl + z_ml − z_hm)/2 = 0.0055 + j0.3299575
//   MV winding rated 115 kV on a 110 kV bus: τ = 115/110; yff = 1/(z_m τ²) = 0.508410 − j30.496948,
//   yft = −1/(z_m τ) = −0.531519 + j31.883173.
#include <catch2/catch.hpp>

#include "model/network.hpp"
#include "topology/math_builder.hpp"

using namespace lsflow;

namespace {
model::Transformer3W sample() {
  model::Transformer3W t;
  t.name = "T";
  t.vn_hv_kv = 220, t.vn_mv_kv = 115, t.vn_lv_kv = 22;
  t.sn_hv_mva = 100, t.sn_mv_mva = 100, t.sn_lv_mva = 50;
  t.uk_hv_mv_pct = 10, t.uk_hv_lv_pct = 20, t.uk_mv_lv_pct = 18;
  t.pk_hv_mv_kw = 300, t.pk_hv_lv_kw = 200, t.pk_mv_lv_kw = 150;
  return t;
}
}  // namespace

TEST_CASE("Three-winding transformer star equivalent against hand-computed values", "[model][trafo3w]") {
  const auto w = model::star_equivalent(sample(), 100.0, 220.0, 110.0, 22.0);
  CHECK(w[0].r_pu == Approx(0.0025).margin(1e-12));
  CHECK(w[0].x_pu == Approx(0.0699624926707727).margin(1e-12));
  CHECK(w[1].r_pu == Approx(0.0005).margin(1e-12));
  CHECK(w[1].x_pu == Approx(0.02999249719966851).margin(1e-12));
  CHECK(w[2].r_pu == Approx(0.0055).margin(1e-12));
  CHECK(w[2].x_pu == Approx(0.3299574993276269).margin(1e-12));
  CHECK(w[0].tap_ratio == Approx(1.0));
  CHECK(w[1].tap_ratio == Approx(115.0 / 110.0));
  CHECK(w[2].tap_ratio == Approx(1.0));
  CHECK(w[2].rating_mva == 50.0);
}

TEST_CASE("A three-winding transformer becomes a star point and three branches in the math model",
          "[model][trafo3w][topology]") {
  model::Network net;
  auto add = [&](ExtId id, double kv, model::BusType type) {
    model::Bus b;
    b.id = id;
    b.name = "B" + std::to_string(id);
    b.base_kv = kv;
    b.type = type;
    return net.add_bus(b);
  };
  const auto hv = add(1, 220, model::BusType::Ref);
  const auto mv = add(2, 110, model::BusType::PQ);
  const auto lv = add(3, 22, model::BusType::PQ);
  model::Generator g;
  g.bus = hv;
  net.generators.push_back(g);
  auto t = sample();
  t.hv_bus = hv, t.mv_bus = mv, t.lv_bus = lv;
  net.transformers3w.push_back(t);

  const auto nm = topology::build_math(net);
  REQUIRE(nm.islands.size() == 1);
  const auto& isl = nm.islands[0];
  REQUIRE(isl.math.n_bus() == 4);            // three buses and the star point
  CHECK(isl.star_of[3] == 0);
  REQUIRE(isl.math.branches.size() == 3);
  const auto& mvb = isl.math.branches[1];    // MV winding: MV bus -> star point
  CHECK(mvb.from == 1);
  CHECK(mvb.to == 3);
  CHECK(mvb.yff.real() == Approx(0.5084096193799549).margin(1e-9));
  CHECK(mvb.yff.imag() == Approx(-30.496948171075633).margin(1e-9));
  CHECK(mvb.yft.real() == Approx(-0.5315191475335892).margin(1e-9));
  CHECK(mvb.yft.imag() == Approx(31.883173087942705).margin(1e-9));
  CHECK(isl.branch_of[1].kind == topology::BranchOrigin::Kind::Winding);
  CHECK(isl.branch_of[1].winding == 1);
}
