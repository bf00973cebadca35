#pragma once
// Solver output mapped back onto the component model: per bus, generator, branch and
// three-winding transformer, in physical units, in the model's (= the input file's) order.
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "model/network.hpp"
#include "report/tap_control.hpp"
#include "solver/power_flow.hpp"
#include "topology/math_builder.hpp"

namespace lsflow::report {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct BusResult {
  bool energised = false;
  double vm_pu = 0.0;
  double va_deg = 0.0;
  double v_kv = 0.0;
};

struct GenResult {
  double p_mw = 0.0;
  double q_mvar = 0.0;
  bool at_q_limit = false;
};

struct FlowEnd {
  double p_mw = 0.0;
  double q_mvar = 0.0;
  [[nodiscard]] double s_mva() const { return std::hypot(p_mw, q_mvar); }
};

struct BranchResult {
  bool energised = false;
  FlowEnd from, to;
  double loading_pct = kNaN;   // max(|S_from|, |S_to|) / rate A; NaN where rate A is 0
  [[nodiscard]] double loss_mw() const { return from.p_mw + to.p_mw; }
};

struct Trafo3wResult {
  bool energised = false;
  std::array<FlowEnd, 3> winding;   // HV, MV, LV, at the bus side, into the transformer
  double loading_pct = kNaN;        // worst winding, % of its own rating
  [[nodiscard]] double loss_mw() const { return winding[0].p_mw + winding[1].p_mw + winding[2].p_mw; }
};

struct IslandReport {
  std::size_t n_bus = 0;
  bool converged = false;
  int iterations = 0;
  double max_mismatch_mva = 0.0;
  BusIdx worst_bus;               // model bus of the largest mismatch (invalid for a star point)
  std::int32_t worst_trafo3w = -1; // when the largest mismatch is at a star point: that transformer
  std::string failure;
  std::vector<double> mismatch_history_mva;
  std::vector<solver::Attempt> attempts;   // the Newton attempts of the first solve, in order
  double max_load_scale = kNaN;            // on failure (when asked): largest solvable load factor
  // What the island asks of its reference bus (the grid equivalent), from the input, for diagnosis:
  double load_mw = 0.0;                    // in-service load
  double gen_mw = 0.0;                     // P set-points of the generators not at a reference bus
  std::array<double, 6> gen_mw_by_kind{};  // the same by model::GenKind
  std::vector<GenIdx> reference_gens;      // generators at the island's reference bus(es)
  // gen_mw − load_mw: > 0 the island must export the surplus (plus losses' difference) through the
  // reference bus, < 0 it must import.
  [[nodiscard]] double surplus_mw() const { return gen_mw - load_mw; }
};

struct NetworkSolution {
  bool converged = false;
  bool dc = false;
  int iterations = 0;               // the largest over islands
  double max_mismatch_mva = 0.0;
  std::vector<IslandReport> islands;
  std::vector<topology::DeenergisedIsland> deenergised;
  std::vector<BusResult> buses;
  std::vector<GenResult> gens;
  std::vector<BranchResult> branches;
  std::vector<Trafo3wResult> trafos3w;
  solver::PhaseTimes times;         // summed over the tap-control rounds
  double build_ms = 0.0;            // component → math model
  TapControl taps;                  // automatic tap changers (SolveOptions::tap_control)

  [[nodiscard]] double losses_mw() const;
};

struct SolveOptions {
  solver::PfOptions pf;
  bool dc = false;
  // On failure, search the largest load scale at which the island still solves (a few more solves).
  bool diagnose_load_scale = false;
  // Automatic on-load tap changers (tap_control.hpp): solve, move the taps whose regulated bus is out of
  // band one step, solve again, … Off by default, so MATPOWER cases (which have no tap changers anyway)
  // and any caller that does not ask solve exactly one power flow per island, as validated. Ignored for
  // DC flows. Study runs (lsflow run / compare, scenario tests) turn it on.
  bool tap_control = false;
  int tap_max_rounds = 30;   // solves in all, the first included
};

// Text describing a failed or rescued solve: the attempts, per iteration mismatch, worst bus (id and
// name), whether it was shrinking, what the island asks of its reference bus (generation at the other
// buses against load: an import or an export), and the largest solvable scale of load and generation
// when known — read as "the load is too high" for an importing island and as "the generation is more
// than the network can carry out" for an exporting one. Empty when the plain Newton method converged.
std::string describe_attempts(const model::Network& net, const IslandReport& isl);

// Builds the math models, solves every energised island and maps the results back. With
// opt.tap_control, the automatic tap changers are moved between solves (tap_control.hpp) on a copy of
// `net`; the solution's `taps` says where they ended (apply_tap_positions copies that into a network).
NetworkSolution solve_network(const model::Network& net, const SolveOptions& opt);

// Recomputes, from the input data and the written voltages, the largest bus power mismatch in MVA
// over all energised buses (an independent check of a solution; generators as solved).
double recompute_max_mismatch_mva(const model::Network& net, const NetworkSolution& sol);

}  // namespace lsflow::report
