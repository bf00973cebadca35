#pragma once
// The external-grid equivalent, found from the data, not from names: the buses of the in-service
// generators of kind grid, plus
//   (a) when such a bus has a zone that holds no in-service load (the area outside the one studied,
//       e.g. the neighbouring province), every bus of that zone connected to it within the zone;
//   (b) when such a bus is a Thevenin stub (its only element is one unrated branch and it has no load:
//       the network file's <external grid>_Zth), the far end of that branch.
// Reports measure the exchange on the elements with one end inside; N-1 leaves out what lies wholly
// inside (the loss of the external grid, or of its internal impedance, is not a credible contingency of
// the studied network).
#include <vector>

#include "model/network.hpp"

namespace lsflow::model {

// Which elements are taken as there (energised, or in service): per bus, branch, 3-winding transformer.
struct ElementsOn {
  std::vector<bool> bus, branch, trafo3w;
};
// In-service elements whose buses are not isolated (MATPOWER bus type 4).
[[nodiscard]] ElementsOn in_service_elements(const Network& net);

// Per bus: inside the equivalent.
[[nodiscard]] std::vector<bool> grid_equivalent_buses(const Network& net, const ElementsOn& on);
[[nodiscard]] inline std::vector<bool> grid_equivalent_buses(const Network& net) {
  return grid_equivalent_buses(net, in_service_elements(net));
}

// Elements wholly inside the equivalent (every end inside), or a generator of kind grid.
[[nodiscard]] bool branch_inside(const Network& net, const std::vector<bool>& inside, std::size_t branch);
[[nodiscard]] bool trafo3w_inside(const Network& net, const std::vector<bool>& inside, std::size_t trafo);

}  // namespace lsflow::model
