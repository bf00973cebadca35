#include "report/solve_output.hpp"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"
#include "report/text_table.hpp"

namespace lsflow::report {

namespace {
std::string num(double x) { return std::isnan(x) ? std::string() : fmt::format("{:.17g}", x); }
}  // namespace

std::string buses_csv(const model::Network& net, const NetworkSolution& sol) {
  std::string out = "bus,vm_pu,va_deg,name,base_kv,v_kv\n";
  out.reserve(net.buses.size() * 80);
  for (std::size_t i = 0; i < net.buses.size(); ++i) {
    const auto& b = sol.buses[i];
    const auto& bus = net.buses[i];
    out += fmt::format("{},{},{},{},{},{}\n", bus.id, num(b.energised ? b.vm_pu : 0.0), num(b.energised ? b.va_deg : 0.0),
                       csv_field(bus.name), num(bus.base_kv), num(b.energised ? b.vm_pu * bus.base_kv : 0.0));
  }
  return out;
}

std::string gens_csv(const model::Network& net, const NetworkSolution& sol) {
  std::string out = "row,bus,p_mw,q_mvar,name,bus_name,at_q_limit\n";
  for (std::size_t g = 0; g < net.generators.size(); ++g) {
    const auto& gen = net.generators[g];
    const bool on = gen.in_service && sol.buses[static_cast<std::size_t>(gen.bus.value)].energised;
    out += fmt::format("{},{},{},{},{},{},{}\n", g + 1, net.bus(gen.bus).id, num(on ? sol.gens[g].p_mw : 0.0),
                       num(on ? sol.gens[g].q_mvar : 0.0), csv_field(gen.name), csv_field(net.bus(gen.bus).name),
                       on && sol.gens[g].at_q_limit ? 1 : 0);
  }
  return out;
}

std::string branches_csv(const model::Network& net, const NetworkSolution& sol) {
  std::string out = "row,from_bus,to_bus,p_from_mw,q_from_mvar,p_to_mw,q_to_mvar,loading_pct,name,from_name,to_name\n";
  for (std::size_t k = 0; k < net.branches.size(); ++k) {
    const auto& br = net.branches[k];
    const auto& r = sol.branches[k];
    const std::string names = fmt::format("{},{},{}", csv_field(br.name), csv_field(net.bus(br.from).name),
                                          csv_field(net.bus(br.to).name));
    if (r.energised)
      out += fmt::format("{},{},{},{},{},{},{},{},{}\n", k + 1, net.bus(br.from).id, net.bus(br.to).id,
                         num(r.from.p_mw), num(r.from.q_mvar), num(r.to.p_mw), num(r.to.q_mvar),
                         num(r.loading_pct), names);
    else
      out += fmt::format("{},{},{},0,0,0,0,,{}\n", k + 1, net.bus(br.from).id, net.bus(br.to).id, names);
  }
  return out;
}

std::string summary_json(const model::Network& net, const NetworkSolution& sol, double read_ms, double solve_ms) {
  nlohmann::json j;
  j["case"] = net.name;
  j["converged"] = sol.converged;
  j["mode"] = sol.dc ? "dc" : "ac";
  j["iterations"] = sol.iterations;
  j["max_mismatch_mva"] = sol.max_mismatch_mva;
  j["read_ms"] = read_ms;
  j["solve_ms"] = solve_ms;
  j["phases_ms"] = {{"build", sol.build_ms},
                    {"ybus", sol.times.ybus_ms},
                    {"analyze", sol.times.analyze_ms},
                    {"iterate", sol.times.iterate_ms},
                    {"post", sol.times.post_ms}};
  j["lu_threads"] = sol.times.lu_threads;   // 2: the two-thread LU factored the Jacobian (large cases)
  double gen_mw = 0.0, gen_mvar = 0.0;
  for (std::size_t g = 0; g < net.generators.size(); ++g)
    if (net.generators[g].in_service && sol.buses[static_cast<std::size_t>(net.generators[g].bus.value)].energised) {
      gen_mw += sol.gens[g].p_mw;
      gen_mvar += sol.gens[g].q_mvar;
    }
  j["generation_mw"] = gen_mw;
  j["generation_mvar"] = gen_mvar;
  j["load_mw"] = net.total_load_mw();
  j["load_mvar"] = net.total_load_mvar();
  j["losses_mw"] = sol.losses_mw();
  j["islands"] = sol.islands.size();
  j["deenergised_islands"] = sol.deenergised.size();
  return j.dump(2) + "\n";
}

void write_solve_outputs(const std::string& dir, const model::Network& net, const NetworkSolution& sol,
                         double read_ms, double solve_ms) {
  io::ensure_directory(dir);
  io::write_file_atomic(dir + "/buses.csv", buses_csv(net, sol));
  io::write_file_atomic(dir + "/gens.csv", gens_csv(net, sol));
  io::write_file_atomic(dir + "/branches.csv", branches_csv(net, sol));
  // The summary goes last: its presence says the other three are whole.
  io::write_file_atomic(dir + "/summary.json", summary_json(net, sol, read_ms, solve_ms));
}

std::string solve_summary_text(const model::Network& net, const NetworkSolution& sol, double read_ms,
                               double solve_ms) {
  double gen_mw = 0.0, gen_mvar = 0.0;
  for (std::size_t g = 0; g < net.generators.size(); ++g)
    if (net.generators[g].in_service && sol.buses[static_cast<std::size_t>(net.generators[g].bus.value)].energised) {
      gen_mw += sol.gens[g].p_mw;
      gen_mvar += sol.gens[g].q_mvar;
    }
  std::string s;
  s += fmt::format("case {}: {} buses, {} branches, {} generators\n", net.name, net.buses.size(),
                   net.branches.size() + net.transformers3w.size(), net.generators.size());
  s += fmt::format("{} power flow {} in {} iteration{}, max mismatch {:.3g} MVA\n", sol.dc ? "DC" : "AC",
                   sol.converged ? "converged" : "did NOT converge", sol.iterations,
                   sol.iterations == 1 ? "" : "s", sol.max_mismatch_mva);
  if (sol.islands.size() > 1) s += fmt::format("energised islands: {}\n", sol.islands.size());
  for (const auto& d : sol.deenergised)
    s += fmt::format("de-energised island: {} buses, {:.1f} MW of load without supply\n", d.buses.size(), d.load_mw);
  s += fmt::format("generation {:.2f} MW {:.2f} Mvar | load {:.2f} MW {:.2f} Mvar | losses {:.3f} MW\n", gen_mw,
                   gen_mvar, net.total_load_mw(), net.total_load_mvar(), sol.losses_mw());
  s += fmt::format("time: read {:.2f} ms, solve {:.2f} ms (build {:.2f}, Ybus {:.2f}, analyze {:.2f}, iterate {:.2f}, post {:.2f}){}\n",
                   read_ms, solve_ms, sol.build_ms, sol.times.ybus_ms, sol.times.analyze_ms,
                   sol.times.iterate_ms, sol.times.post_ms,
                   sol.times.lu_threads == 2 ? "; Jacobian factored on two threads" : "");
  return s;
}

}  // namespace lsflow::report
