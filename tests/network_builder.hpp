#pragma once
// Small hand-built networks for unit tests: one call per element, with the fields a test sets; every
// other field keeps the model's default. References returned point into the network's vectors: use
// them before the next element is added.
#include <string>
#include <utility>

#include "model/network.hpp"

namespace lsflow::test {

class NetworkBuilder {
 public:
  explicit NetworkBuilder(model::Network& net) : net_(net) {}

  BusIdx bus(ExtId id, std::string name, model::BusType type, double base_kv = 110, std::string zone = "Z") {
    model::Bus b;
    b.id = id;
    b.name = std::move(name);
    b.type = type;
    b.base_kv = base_kv;
    b.zone = std::move(zone);
    return net_.add_bus(std::move(b));
  }
  model::Branch& line(std::string name, BusIdx from, BusIdx to, double r_pu, double x_pu, double rating_mva,
                      double b_pu = 0.0) {
    model::Branch l;
    l.name = std::move(name);
    l.from = from;
    l.to = to;
    l.r_pu = r_pu;
    l.x_pu = x_pu;
    l.b_pu = b_pu;
    l.rate_a_mva = rating_mva;
    net_.branches.push_back(std::move(l));
    return net_.branches.back();
  }
  model::Generator& generator(std::string name, model::GenKind kind, BusIdx at, double vg_pu = 1.0) {
    model::Generator g;
    g.name = std::move(name);
    g.kind = kind;
    g.bus = at;
    g.vg_pu = vg_pu;
    net_.generators.push_back(std::move(g));
    return net_.generators.back();
  }
  model::Load& load(std::string name, BusIdx at, double p_mw, double q_mvar = 0.0) {
    model::Load l;
    l.name = std::move(name);
    l.bus = at;
    l.p_mw = p_mw;
    l.q_mvar = q_mvar;
    net_.loads.push_back(std::move(l));
    return net_.loads.back();
  }

 private:
  model::Network& net_;
};

}  // namespace lsflow::test
