// Reactive limits and wind curtailment in the time series (core/study/timeseries.hpp): hand-made feeders
// where the least curtailment can be worked out, and Lạng Sơn hours checked by an independent AC solve
// of the curtailed hour (report::solve_network of the hour's network with the curtailed farm outputs,
// the hour's taps and reactive limits).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "report/network_solution.hpp"
#include "report/study_report.hpp"
#include "report/tap_control.hpp"
#include "study/apply_scenario.hpp"
#include "study/contingency.hpp"
#include "study/curtailment.hpp"
#include "study/n1_report.hpp"
#include "study/limits.hpp"
#include "study/profiles.hpp"
#include "study/scenario.hpp"
#include "study/timeseries.hpp"
#include "network_builder.hpp"
#include "test_paths.hpp"

using namespace lsflow;

namespace {

// One hour, no column: every load and unit as the network has it.
study::Profiles one_hour() {
  study::Profiles p;
  p.source_file = "(one hour)";
  p.hours = 1;
  p.line_of_hour = {0};
  return p;
}

// Src (reference) —L1 (rating MVA)— Far (load, wind farm A) and Src —L2 (1000 MVA)— Side (wind farm B).
model::Network two_farms(double rating_mva, double load_mw, double wind_a_mw, double wind_b_mw) {
  model::Network net;
  net.name = "two-farms";
  test::NetworkBuilder add(net);
  const BusIdx src = add.bus(1, "Src", model::BusType::Ref, 110, "Out");
  const BusIdx far = add.bus(2, "Far", model::BusType::PQ, 110, "Z");
  const BusIdx side = add.bus(3, "Side", model::BusType::PQ, 110, "Z");
  add.line("L1", src, far, 0.002, 0.02, rating_mva);
  add.line("L2", src, side, 0.002, 0.02, 1000);
  add.generator("Grid", model::GenKind::Grid, src, 1.0);
  auto& a = add.generator("Wind_A", model::GenKind::Wind, far);
  a.installed_mw = a.p_mw = wind_a_mw;
  a.qmin_mvar = a.qmax_mvar = 0;
  auto& b = add.generator("Wind_B", model::GenKind::Wind, side);
  b.installed_mw = b.p_mw = wind_b_mw;
  b.qmin_mvar = b.qmax_mvar = 0;
  add.load("Load_Far", far, load_mw);
  return net;
}

// How far a case is beyond its limits: % of rating above the loading limit plus 100 × pu outside the bands.
double severity(const report::StudyReport& r) {
  double s = 0.0;
  for (const auto& o : r.overloads) s += o.loading_pct - o.limit_pct;
  for (const auto& v : r.voltage_violations) s += 100.0 * std::abs(v.deviation_pu);
  return s;
}

model::Network langson(const std::string& scenario) {
  const auto s = study::read_scenario((test::source_dir() / "networks" / "langson" / "scenarios" / scenario).string());
  return study::build_network(s);
}

}  // namespace

TEST_CASE("curtailment: a farm behind a full line gives up what the line cannot carry, the other farm nothing",
          "[timeseries][curtailment]") {
  // L1 (100 MVA) carries Wind_A − 20 MW of load: 200 MW of wind must come down to ≈ 120 MW less a 0.5 %
  // margin (and the line's losses); Wind_B, on its own 1000 MVA line, changes nothing on L1.
  const auto net = two_farms(100.0, 20.0, 200.0, 150.0);
  const auto prof = one_hour();
  study::TimeSeriesOptions opt;
  opt.curtail = true;
  opt.enforce_q_limits = true;
  study::TimeSeries ts(net, prof, study::default_contingency_limits(net), opt);
  std::vector<double> p_after;
  const auto r = ts.run(0, 0, nullptr, nullptr, [&](const study::HourView& v) { p_after = *v.gen_p_mw; });
  REQUIRE(r.hours_converged == 1);
  CHECK(r.hours_with_overload_uncurtailed == 1);
  CHECK(r.hours_with_overload == 0);
  CHECK(r.hours_curtailed == 1);
  const double a = p_after[1], b = p_after[2];
  CHECK(b == Approx(150.0));                       // not curtailed
  CHECK(a == Approx(120.0 * 0.995).margin(1.0));   // the line full, less the margin
  CHECK(r.curtailed_mwh == Approx(200.0 - a).margin(1e-6));
  CHECK(r.gens[1].curtailed_mwh == Approx(200.0 - a).margin(1e-6));
  CHECK(r.gens[2].curtailed_mwh == 0.0);
  CHECK(r.elements[0].curtail_hours == 1);          // L1 bound it
  CHECK(r.elements[1].curtail_hours == 0);
  CHECK(r.wind_available_mwh == Approx(350.0));

  // Independently: the network with Wind_A at the curtailed output has no overload, and a little more
  // wind (the margin back) would overload L1 again — the curtailment is (near) the least.
  auto check = net;
  check.generators[1].p_mw = a;
  report::SolveOptions so;
  so.pf.enforce_q_limits = true;
  const auto sol = report::solve_network(check, so);
  REQUIRE(sol.converged);
  CHECK(sol.branches[0].loading_pct <= 100.0);
  CHECK(sol.branches[0].loading_pct > 99.0);
  check.generators[1].p_mw = a + 2.0;
  CHECK(report::solve_network(check, so).branches[0].loading_pct > 100.0);
}

TEST_CASE("curtailment: a violation no wind farm relieves is left and reported as not removable",
          "[timeseries][curtailment]") {
  // The overload of L1 comes from the load (180 MW on a 100 MVA line), not from the wind: curtailing the
  // farms would only make it worse, so nothing is curtailed.
  const auto net = two_farms(100.0, 180.0, 10.0, 50.0);
  const auto prof = one_hour();
  study::TimeSeriesOptions opt;
  opt.curtail = true;
  study::TimeSeries ts(net, prof, study::default_contingency_limits(net), opt);
  const auto r = ts.run();
  REQUIRE(r.hours_converged == 1);
  CHECK(r.hours_with_overload == 1);
  CHECK(r.curtailed_mwh == 0.0);
  CHECK(r.hours_curtailed == 0);
  CHECK(r.hours_curtail_unresolved == 0);
}

TEST_CASE("curtailment: an hour with no solution at the wind on offer is brought back to one that solves",
          "[timeseries][curtailment]") {
  // 1500 MW of wind behind a 0.02 pu line: past its transfer limit (≈ 1/x = 50 pu at best, far less with
  // the voltage held at 1 pu by nothing) — the plain hour does not converge; with curtailment it does.
  const auto net = two_farms(100.0, 20.0, 6000.0, 0.0);
  const auto prof = one_hour();
  study::TimeSeriesOptions opt;
  study::TimeSeries plain(net, prof, study::default_contingency_limits(net), opt);
  CHECK(plain.run().hours_converged == 0);
  opt.curtail = true;
  study::TimeSeries ts(net, prof, study::default_contingency_limits(net), opt);
  const auto r = ts.run();
  REQUIRE(r.hours_converged == 1);
  CHECK(r.hours_curtail_rescued == 1);
  CHECK(r.hours_with_overload == 0);
  CHECK(r.curtailed_mwh > 5800.0);
}

TEST_CASE("timeseries with reactive limits: no unit beyond its limits, hours equal fresh Q-limited solves",
          "[timeseries][qlim][langson]") {
  // The national plan at the 2030 peak: the Cao Lộc farms reach their Q limit in the windy hours.
  const auto net = langson("wind-1444-peak.yaml");
  const auto scenario = study::read_scenario(
      (test::source_dir() / "networks" / "langson" / "scenarios" / "wind-1444-peak.yaml").string());
  const auto lim = study::contingency_limits(net, study::scenario_limits(scenario));
  const auto prof = study::read_profiles((test::source_dir() / "networks" / "langson" / "profiles" / "langson-2021.csv").string());
  study::TimeSeriesOptions opt;
  opt.enforce_q_limits = true;
  opt.tol_pu = 1e-10;
  study::TimeSeries ts(net, prof, lim, opt);
  int hours = 0, limited = 0, compared = 0;
  ts.run(2400, 48, nullptr, nullptr, [&](const study::HourView& v) {
    if (!v.converged) return;
    ++hours;
    model::Network h = ts.network_at(v.hour);
    report::set_tap_positions(h, *v.taps);
    report::SolveOptions so;
    so.pf.tol_pu = 1e-10;
    so.pf.enforce_q_limits = true;
    const auto fresh = report::solve_network(h, so);
    REQUIRE(fresh.converged);
    bool same = true, any = false;
    for (std::size_t g = 0; g < h.generators.size(); ++g) {
      same = same && (fresh.gens[g].at_q_limit == ((*v.gen_at_q_limit)[g] != 0));
      any = any || (*v.gen_at_q_limit)[g];
    }
    limited += any;
    if (!same) return;   // MATPOWER's loop may end with another set from another start: both valid
    ++compared;
    double dv = 0.0;
    for (std::size_t i = 0; i < h.buses.size(); ++i)
      if (fresh.buses[i].energised) dv = std::max(dv, std::abs(std::abs((*v.bus_v)[i]) - fresh.buses[i].vm_pu));
    INFO("hour " << v.hour);
    CHECK(dv < 1e-8);
  });
  CHECK(hours == 48);
  CHECK(limited > 0);            // the loop had work to do
  CHECK(compared >= hours - 2);  // and ended where a fresh solve ends, but perhaps for an hour or two
}

TEST_CASE("curtailment on Lạng Sơn: every curtailed hour, solved afresh, has only the violations it reports",
          "[timeseries][curtailment][langson]") {
  const auto path = (test::source_dir() / "networks" / "langson" / "scenarios" / "wind-1444-peak.yaml").string();
  const auto scenario = study::read_scenario(path);
  const auto net = study::build_network(scenario);
  const auto limits = study::scenario_limits(scenario);
  const auto lim = study::contingency_limits(net, limits);
  const auto prof = study::read_profiles((test::source_dir() / "networks" / "langson" / "profiles" / "langson-2021.csv").string());
  study::TimeSeriesOptions opt;
  opt.enforce_q_limits = true;
  opt.curtail = true;
  opt.keep_hourly = true;
  study::TimeSeries ts(net, prof, lim, opt);
  int curtailed = 0, clean = 0;
  const std::size_t first = 1000;
  std::vector<std::pair<std::size_t, model::Network>> hours;   // the curtailed hours' networks
  const auto r = ts.run(first, 72, nullptr, nullptr, [&](const study::HourView& v) {
    if (!v.converged) return;
    model::Network h = ts.network_at(v.hour);
    report::set_tap_positions(h, *v.taps);
    for (std::size_t g = 0; g < h.generators.size(); ++g)
      if (h.generators[g].kind == model::GenKind::Wind && h.generators[g].in_service) h.generators[g].p_mw = (*v.gen_p_mw)[g];
    hours.emplace_back(v.hour, std::move(h));
  });
  REQUIRE(r.hours_converged == 72);
  for (const auto& [hour, h] : hours) {
    const auto& rec = r.hourly[hour - first];
    if (rec.curtailed_mw <= 0.0) continue;
    ++curtailed;
    report::SolveOptions so;
    so.pf.enforce_q_limits = true;
    const auto sol = report::solve_network(h, so);
    INFO("hour " << hour << ": " << rec.curtailed_mw << " MW curtailed, " << rec.overloads << " overloads left");
    REQUIRE(sol.converged);
    const auto rep = report::build_study_report(h, sol, limits, "hour");
    // What the time series says is left after curtailing is what a fresh solve finds.
    CHECK(static_cast<int>(rep.overloads.size()) == rec.overloads);
    CHECK(static_cast<int>(rep.voltage_violations.size()) == rec.voltage_violations);
    clean += rep.overloads.empty();
    // And less curtailment would not do: 10 % of it back on the farms makes the violations worse (new
    // ones, or those no curtailment can remove further beyond their limit), or leaves no solution.
    auto more = h;
    for (std::size_t g = 0; g < more.generators.size(); ++g)
      if (more.generators[g].kind == model::GenKind::Wind && more.generators[g].in_service) {
        const double offered = ts.network_at(hour).generators[g].p_mw;
        more.generators[g].p_mw += 0.1 * (offered - more.generators[g].p_mw);
      }
    const auto back = report::solve_network(more, so);
    if (back.converged) {
      const auto rep2 = report::build_study_report(more, back, limits, "hour+");
      // A new overload or violation, or the ones left further beyond their limits.
      const bool new_ones = rep2.overloads.size() > rep.overloads.size() ||
                            rep2.voltage_violations.size() > rep.voltage_violations.size();
      INFO("with 10 % back: " << rep2.overloads.size() << " overloads, " << rep2.voltage_violations.size()
                              << " voltage violations, severity " << severity(rep2) << " vs " << severity(rep));
      // Or, when 10 % of a small curtailment is within the method's margin, the element that bound sits
      // within 1 % of its limit: the curtailment stopped at the limit, not short of it.
      double top_pct = 0.0;
      top_pct = -100.0;
      for (const auto& e : rep.elements)
        if (std::isfinite(e.loading_pct)) top_pct = std::max(top_pct, e.loading_pct - rep.loading_limit_pct);
      INFO("most loaded element after curtailment: " << top_pct << " % from its limit");
      CHECK((new_ones || severity(rep2) > severity(rep) + 1e-3 || top_pct > -1.0));
    }
  }
  CHECK(curtailed > 20);   // the windy days of the test
  CHECK(clean > 0);
}

TEST_CASE("run --curtail: the curtailed case, solved afresh, is free of what curtailment removes, N-1 secure with n1",
          "[curtailment][langson]") {
  const auto path = (test::source_dir() / "networks" / "langson" / "scenarios" / "wind-1444-light-cf30.yaml").string();
  const auto scenario = study::read_scenario(path);
  const auto net = study::build_network(scenario);
  const auto limits = study::scenario_limits(scenario);
  const auto lim = study::contingency_limits(net, limits);
  study::CurtailmentOptions opt;
  opt.solve.pf.enforce_q_limits = true;
  opt.solve.tap_control = true;
  opt.threads = 1;
  report::SolveOptions so = opt.solve;

  // The uncurtailed case has the Phú Xá – Na Dương overloads (the main study).
  const auto before = report::build_study_report(net, report::solve_network(net, so), limits, "before");
  REQUIRE(before.overloads.size() == 3);

  SECTION("normal operation") {
    auto curtailed = net;
    const auto c = study::curtail_case(curtailed, lim, &scenario, opt);
    CHECK(c.run);
    CHECK(c.resolved);
    CHECK(c.curtailed_mw > 50.0);
    CHECK(c.curtailed_mw < c.wind_before_mw);
    double sum = 0.0;
    for (const auto& u : c.units) sum += u.curtailed_mw();
    CHECK(sum == Approx(c.curtailed_mw));
    // Only the farms behind the corridor: Lộc Bình and Đình Lập, not Chi Lăng or Cao Lộc.
    for (const auto& u : c.units) CHECK((u.bus == "LocBinh110" || u.bus == "DinhLap110"));
    const auto sol = report::solve_network(curtailed, so);
    REQUIRE(sol.converged);
    const auto after = report::build_study_report(curtailed, sol, limits, "after");
    CHECK(after.overloads.empty());
    CHECK(after.voltage_violations.empty());
  }
  SECTION("N-1 secure") {
    auto curtailed = net;
    opt.n1 = true;
    const auto c = study::curtail_case(curtailed, lim, &scenario, opt);
    auto n0 = net;
    opt.n1 = false;
    const auto c0 = study::curtail_case(n0, lim, &scenario, opt);
    CHECK(c.curtailed_mw > c0.curtailed_mw);   // security costs more wind
    // An independent N-1 of the curtailed case: the only new violations left are those listed as not
    // removable (no wind farm relieves them).
    const auto base = report::solve_network(curtailed, so);
    REQUIRE(base.converged);
    auto tapped = curtailed;
    report::apply_tap_positions(tapped, base);
    study::ContingencyOptions co;
    co.enforce_q_limits = true;
    co.threads = 1;
    study::ContingencyAnalysis ca(tapped, lim, co);
    const auto list = study::scenario_contingencies(scenario, ca);
    const auto res = ca.run(list);
    for (const auto& o : res.overloads) {
      if (!study::outage_related(o)) continue;
      const std::string what = ca.monitor_label(o.monitor) + " with " +
                               study::element_label(tapped, list[static_cast<std::size_t>(o.contingency)].element) + " out";
      INFO(what);
      const bool listed = std::any_of(c.remaining.begin(), c.remaining.end(),
                                      [&](const std::string& r) { return r.rfind(what, 0) == 0; });
      CHECK(listed);
    }
  }
}

TEST_CASE("curtailment N-1 over the hours of a time series: one circuit of a pair must carry the farm alone",
          "[timeseries][curtailment]") {
  // Src =[2 × 60 MVA]= Far (20 MW load, a 150 MW farm): N-0 lets ≈ 140 MW through, N-1 (one circuit) ≈ 80.
  model::Network net;
  net.name = "pair";
  test::NetworkBuilder add(net);
  const BusIdx src = add.bus(1, "Src", model::BusType::Ref, 110, "Out");
  const BusIdx far = add.bus(2, "Far", model::BusType::PQ, 110, "Z");
  add.line("L_c1", src, far, 0.002, 0.02, 60.0);
  add.line("L_c2", src, far, 0.002, 0.02, 60.0);
  add.generator("Grid", model::GenKind::Grid, src, 1.0);
  auto& w = add.generator("Wind", model::GenKind::Wind, far);
  w.installed_mw = w.p_mw = 150.0;
  w.qmin_mvar = w.qmax_mvar = 0.0;
  add.load("Load", far, 20.0);
  const auto prof = one_hour();
  study::TimeSeriesOptions opt;
  opt.curtail = true;
  opt.enforce_q_limits = true;
  study::TimeSeries ts(net, prof, study::default_contingency_limits(net), opt);
  std::vector<study::HourCase> hours;
  const auto r = ts.run(0, 0, nullptr, nullptr, [&](const study::HourView& v) {
    study::HourCase hc;
    hc.hour = v.hour;
    hc.gen_p_mw = *v.gen_p_mw;
    hours.push_back(hc);
  });
  REQUIRE(hours.size() == 1);
  CHECK(hours[0].gen_p_mw[1] == Approx(140.0).margin(3.0));   // N-0: both circuits full
  study::CurtailmentOptions co;
  co.solve.pf.enforce_q_limits = true;
  co.threads = 1;
  const auto n1 = study::curtail_hours_n1(ts, hours, nullptr, co);
  CHECK(n1.hours_curtailed == 1);
  CHECK(n1.hours_not_secure == 0);
  const double left = hours[0].gen_p_mw[1] - n1.gen_curtailed_mwh[1];
  CHECK(left == Approx(80.0).margin(3.0));                      // one circuit's 60 MVA plus the load
  CHECK(r.curtailed_mwh + n1.curtailed_mwh == Approx(150.0 - left).margin(1e-6));
  CHECK(n1.binding_hours.size() >= 1);
}
