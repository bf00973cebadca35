#pragma once
#include <string>

#include "model/network.hpp"
#include "report/network_solution.hpp"

namespace lsflow::report {

// The `lsflow solve --out DIR` files, rows in the case file's order, the case file's bus numbers:
//   buses.csv    bus,vm_pu,va_deg,name,base_kv,v_kv
//   gens.csv     row,bus,p_mw,q_mvar,name,bus_name,at_q_limit     (out-of-service units: 0)
//   branches.csv row,from_bus,to_bus,p_from_mw,q_from_mvar,p_to_mw,q_to_mvar,loading_pct,name,from_name,to_name
//   summary.json converged, iterations, max_mismatch_mva, solve_ms, …
// Numbers are written with 17 significant digits so a reader can recompute the mismatch exactly.
std::string buses_csv(const model::Network& net, const NetworkSolution& sol);
std::string gens_csv(const model::Network& net, const NetworkSolution& sol);
std::string branches_csv(const model::Network& net, const NetworkSolution& sol);
std::string summary_json(const model::Network& net, const NetworkSolution& sol, double read_ms, double solve_ms);

// Writes the four files atomically into `dir`.
void write_solve_outputs(const std::string& dir, const model::Network& net, const NetworkSolution& sol,
                         double read_ms, double solve_ms);

// A short human summary: converged or not, iterations, mismatch, generation, load, losses, phases.
std::string solve_summary_text(const model::Network& net, const NetworkSolution& sol, double read_ms,
                               double solve_ms);

}  // namespace lsflow::report
