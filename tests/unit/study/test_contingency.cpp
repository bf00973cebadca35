#include <catch2/catch.hpp>
#include <cstdio>
#include <chrono>
#include <ctime>
#include "io/matpower_reader.hpp"
#include "report/network_solution.hpp"
#include "study/contingency.hpp"
#include "test_paths.hpp"
using namespace lsflow;

TEST_CASE("scratch n1", "[.scratch]") {
  for (std::string name : {"case30", "case118", "case300", "case9241pegase"}) {
    auto net = io::read_matpower((test::shared_dir() / "cases" / (name + ".m")).string());
    study::ContingencyOptions o; o.threads = 1;
    study::ContingencyAnalysis a(net, study::default_contingency_limits(net), o);
    auto list = a.all_contingencies();
    auto t0 = std::chrono::steady_clock::now();
    auto res = a.run(list);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    int split = 0, nc = 0, newton = 0, pc = 0; long iters = 0;
    for (auto& r : res.records) { split += r.islanding; nc += r.outcome != study::Outcome::Solved; newton += r.newton_iterations > 0; pc += r.pattern_changed; iters += r.iterations; }
    std::printf("%s: %zu contingencies in %.3f s (%.0f/s), setup %.1f ms, islanding %d, not solved %d, newton %d, pattern %d, avg iters %.2f\n",
                name.c_str(), list.size(), s, list.size() / s, a.setup_ms(), split, nc, newton, pc, double(iters) / list.size());
    if (name == "case9241pegase") continue;
    // accuracy vs fresh
    double worst_v = 0, worst_f = 0; int compared = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (res.records[i].outcome != study::Outcome::Solved || res.records[i].islanding) continue;
      auto net2 = net;
      auto& e = list[i].element;
      if (e.kind == study::ElementRef::Kind::Branch) net2.branches[e.index].in_service = false;
      else if (e.kind == study::ElementRef::Kind::Generator) net2.generators[e.index].in_service = false;
      else continue;
      report::NetworkSolution st;
      a.solve_one(list[i], st);
      report::SolveOptions so;
      report::NetworkSolution fresh;
      try { fresh = report::solve_network(net2, so); } catch (std::exception& ex) { std::printf("fresh failed %zu: %s\n", i, ex.what()); continue; }
      if (!fresh.converged) { std::printf("fresh not converged %zu\n", i); continue; }
      ++compared;
      for (std::size_t b = 0; b < net.buses.size(); ++b) worst_v = std::max(worst_v, std::abs(st.buses[b].vm_pu - fresh.buses[b].vm_pu));
      for (std::size_t k = 0; k < net.branches.size(); ++k) worst_f = std::max(worst_f, std::abs(st.branches[k].from.p_mw - fresh.branches[k].from.p_mw) / net.base_mva);
    }
    std::printf("   compared %d: max |dVm| %.3g pu, max |dPf| %.3g pu\n", compared, worst_v, worst_f);
  }
}

TEST_CASE("scratch diag", "[.scratch]") {
  std::string name = "case9241pegase";
  auto net = io::read_matpower((test::shared_dir() / "cases" / (name + ".m")).string());
  study::ContingencyOptions o; o.threads = 1;
  study::ContingencyAnalysis a(net, study::default_contingency_limits(net), o);
  auto all = a.all_contingencies(true, false, false);
  std::vector<study::Contingency> list;
  for (std::size_t i = 0; i < all.size(); i += 16) list.push_back(all[i]);
  auto t0 = std::chrono::steady_clock::now();
  std::clock_t c0 = std::clock();
  auto res = a.run(list);
  double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("cpu %.2f s -> %.0f/cpu-s\n", cpu, list.size() / cpu);
  int hist[40] = {}; int newton = 0, split = 0, nc = 0;
  for (auto& r : res.records) {
    if (r.pattern_changed) { ++split; continue; }
    if (r.outcome != study::Outcome::Solved) ++nc;
    if (r.newton_iterations > 0) { ++newton; continue; }
    hist[std::min(r.iterations, 39)]++;
  }
  std::printf("%zu in %.2f s (%.0f/s): split %d newton %d notconv %d\nchord iters:", list.size(), s, list.size()/s, split, newton, nc);
  for (int i = 0; i < 40; ++i) if (hist[i]) std::printf(" %d:%d", i, hist[i]);
  std::printf("\n");
  int shown = 0;
  for (auto& r : res.records) if (r.newton_iterations > 0 && !r.pattern_changed && shown++ < 15)
    std::printf("  newton: %s chord+newton %d newton %d conv %d mis %.3g\n", study::element_label(net, r.contingency.element).c_str(), r.iterations, r.newton_iterations, int(r.outcome == study::Outcome::Solved), r.max_mismatch_mva);
}

TEST_CASE("scratch nc", "[.scratch]") {
  auto net = io::read_matpower((test::shared_dir() / "cases" / "case300.m").string());
  study::ContingencyAnalysis a(net, study::default_contingency_limits(net), {});
  auto list = a.all_contingencies();
  auto res = a.run(list);
  int agree = 0, fresh_ok = 0, fresh_fb_ok = 0, n = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (res.records[i].outcome != study::Outcome::NotConverged) continue;
    ++n;
    auto net2 = net;
    auto& e = list[i].element;
    if (e.kind == study::ElementRef::Kind::Branch) net2.branches[e.index].in_service = false;
    else net2.generators[e.index].in_service = false;
    report::SolveOptions so; so.pf.fallbacks = false;
    bool ok1 = false, ok2 = false;
    try { ok1 = report::solve_network(net2, so).converged; } catch (...) {}
    so.pf.fallbacks = true;
    try { ok2 = report::solve_network(net2, so).converged; } catch (...) {}
    fresh_ok += ok1; fresh_fb_ok += ok2; agree += !ok1;
    std::printf("%s: newton-only fresh %d, with fallbacks %d, steps %d newton %d\n", study::element_label(net, e).c_str(), ok1, ok2, res.records[i].iterations, res.records[i].newton_iterations);
  }
  std::printf("%d not converged; fresh Newton converges on %d, with fallbacks on %d\n", n, fresh_ok, fresh_fb_ok);
}

TEST_CASE("scratch acc", "[.scratch]") {
  for (std::string name : {"case30", "case118"}) {
  auto net = io::read_matpower((test::shared_dir() / "cases" / (name + ".m")).string());
  study::ContingencyAnalysis a(net, study::default_contingency_limits(net), {});
  auto list = a.all_contingencies();
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto net2 = net;
    auto& e = list[i].element;
    if (e.kind == study::ElementRef::Kind::Branch) net2.branches[e.index].in_service = false;
    else net2.generators[e.index].in_service = false;
    report::NetworkSolution st;
    auto rec = a.solve_one(list[i], st);
    if (rec.outcome != study::Outcome::Solved || rec.islanding) continue;
    report::SolveOptions so; so.pf.tol_pu = 1e-12;
    report::NetworkSolution fresh;
    try { fresh = report::solve_network(net2, so); } catch (...) { continue; }
    double dv = 0;
    for (std::size_t b = 0; b < net.buses.size(); ++b) dv = std::max(dv, std::abs(st.buses[b].vm_pu - fresh.buses[b].vm_pu));
    double df = 0;
    for (std::size_t k = 0; k < net.branches.size(); ++k) df = std::max(df, std::abs(st.branches[k].from.p_mw - fresh.branches[k].from.p_mw) / 100);
    if (dv > 1e-9 || df > 2e-9) std::printf("%s %s: dv %.2g df %.2g steps %d newton %d mis %.2g pattern %d\n", name.c_str(), study::element_label(net, e).c_str(), dv, df, rec.iterations, rec.newton_iterations, rec.max_mismatch_mva / 100, rec.pattern_changed);
  }
  }
}
