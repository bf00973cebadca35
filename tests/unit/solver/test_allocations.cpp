// The Newton–Raphson loop allocates nothing (STYLE: "no allocation in the NR loop"), with KLU and with
// the two-thread LU, the first factorisation included. Counted through a replacement of the global
// operator new in this test binary (every container of ours); KLU's C code is outside the count (its
// first klu_factor mallocs the numeric object once). Not under AddressSanitizer, which brings its own.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "io/matpower_reader.hpp"
#include "solver/newton_raphson.hpp"
#include "solver/power_flow.hpp"
#include "test_paths.hpp"
#include "topology/math_builder.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define LSFLOW_COUNT_NEW 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LSFLOW_COUNT_NEW 0
#endif
#endif
#ifndef LSFLOW_COUNT_NEW
#define LSFLOW_COUNT_NEW 1
#endif

#if LSFLOW_COUNT_NEW
namespace {
std::atomic<long> g_allocations{0};
}
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

using namespace lsflow;
using solver::cplx;

TEST_CASE("Newton iterations allocate nothing, with KLU and with the two-thread LU", "[solver][alloc]") {
#if !LSFLOW_COUNT_NEW
  WARN("skipped: operator new is AddressSanitizer's in this build");
  return;
#else
  LSFLOW_REQUIRE_SHARED();
  const auto net = io::read_matpower((test::shared_dir() / "cases" / "case2869pegase.m").string());
  const auto nm = topology::build_math(net);
  const auto& m = nm.islands.at(0).math;
  std::vector<solver::BusKind> kind;
  solver::assign_bus_kinds(m, m.bus_kind, {}, kind);
  std::vector<cplx> sbus;
  solver::make_sbus(m, {}, sbus);
  for (const bool two : {false, true}) {
    INFO("two threads: " << two);
    solver::KluSolver::Settings st;
    st.two_threads = two;
    st.split_min_unknowns = 1000;
    solver::Ybus y(m);
    solver::NewtonRaphson nr(y, kind, st);
    REQUIRE(nr.two_threads() == two);
    std::vector<cplx> v(m.v0_pu.size(), cplx(1.0, 0.0));
    for (const auto& g : m.gens)
      if (kind[static_cast<std::size_t>(g.bus)] != solver::BusKind::PQ) v[static_cast<std::size_t>(g.bus)] = g.vg_pu;
    nr.load_state(v);
    double norm = nr.evaluate(sbus);
    const long before = g_allocations.load();
    int iterations = 0;
    while (norm > 1e-8 && iterations < 10) {   // the first factorisation included
      nr.factorize();
      nr.solve_step();
      nr.update_voltage();
      norm = nr.evaluate(sbus);
      ++iterations;
    }
    CHECK(g_allocations.load() - before == 0);
    CHECK(norm < 1e-8);
    // And the counter counts: a vector does allocate.
    std::vector<double> probe(100);
    CHECK(g_allocations.load() - before >= 1);
  }
#endif
}
