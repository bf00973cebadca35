#pragma once
// The component model: what the user describes, in physical units (MW, Mvar, kV) and, for branch
// impedances, per unit on `base_mva` as MATPOWER writes them. Solvers never see this type; the
// topology pass turns it into one math model per energised island.
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/assumption.hpp"
#include "model/branch.hpp"
#include "model/bus.hpp"
#include "model/generator.hpp"
#include "model/load.hpp"
#include "model/shunt.hpp"
#include "model/transformer3w.hpp"

namespace lsflow::model {

class Network {
 public:
  std::string name;
  std::string source_file;
  double base_mva = 100.0;

  std::vector<Bus> buses;
  std::vector<Branch> branches;
  std::vector<Transformer3W> transformers3w;
  std::vector<Generator> generators;
  std::vector<Load> loads;
  std::vector<Shunt> shunts;
  // The network file's assumptions, each with the alternative this network was read with.
  std::vector<Assumption> assumptions;

  // Adds a bus; throws InputError (at bus.loc) on a duplicate id or name.
  BusIdx add_bus(Bus bus);
  [[nodiscard]] std::optional<BusIdx> find_bus(ExtId id) const;
  [[nodiscard]] std::optional<BusIdx> find_bus_by_name(const std::string& name) const;
  [[nodiscard]] const Bus& bus(BusIdx i) const { return buses[static_cast<std::size_t>(i.value)]; }
  [[nodiscard]] Bus& bus(BusIdx i) { return buses[static_cast<std::size_t>(i.value)]; }
  // Rebuilds the id/name lookups after buses were edited in place.
  void reindex();

  // Sums over in-service elements.
  [[nodiscard]] double total_load_mw() const;
  [[nodiscard]] double total_load_mvar() const;

 private:
  std::unordered_map<ExtId, BusIdx> by_id_;
  std::unordered_map<std::string, BusIdx> by_name_;
};

}  // namespace lsflow::model
