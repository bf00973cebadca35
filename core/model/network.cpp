#include "model/network.hpp"

#include <fmt/format.h>

namespace lsflow::model {

BusIdx Network::add_bus(Bus bus) {
  BusIdx idx{static_cast<std::int32_t>(buses.size())};
  if (by_id_.count(bus.id)) {
    const Bus& other = this->bus(by_id_.at(bus.id));
    throw InputError(bus.loc, fmt::format("duplicate bus id {} (first defined at {})", bus.id,
                                          other.loc.str()));
  }
  if (!bus.name.empty()) {
    if (by_name_.count(bus.name)) {
      const Bus& other = this->bus(by_name_.at(bus.name));
      throw InputError(bus.loc, fmt::format("duplicate bus name \"{}\" (first defined at {})",
                                            bus.name, other.loc.str()));
    }
    by_name_.emplace(bus.name, idx);
  }
  by_id_.emplace(bus.id, idx);
  buses.push_back(std::move(bus));
  return idx;
}

std::optional<BusIdx> Network::find_bus(ExtId id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<BusIdx> Network::find_bus_by_name(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

void Network::reindex() {
  by_id_.clear();
  by_name_.clear();
  for (std::size_t i = 0; i < buses.size(); ++i) {
    BusIdx idx{static_cast<std::int32_t>(i)};
    by_id_.emplace(buses[i].id, idx);
    if (!buses[i].name.empty()) by_name_.emplace(buses[i].name, idx);
  }
}

double Network::total_load_mw() const {
  double s = 0.0;
  for (const auto& l : loads)
    if (l.in_service) s += l.p_mw;
  return s;
}

double Network::total_load_mvar() const {
  double s = 0.0;
  for (const auto& l : loads)
    if (l.in_service) s += l.q_mvar;
  return s;
}

}  // namespace lsflow::model
