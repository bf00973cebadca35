#pragma once
// Reader for lsflow network files: YAML in physical units (kV, km, Ω/km, MVA, MW), turned into the
// component model (impedances in per unit on `base_mva`). The format — sections, keys, units, defaults —
// is documented at the top of network_reader.cpp and in networks/langson/README.md ("File format").
#include <string>
#include <vector>

#include "io/assumptions.hpp"
#include "model/network.hpp"

namespace lsflow::io {

// Reads an lsflow network file (YAML, physical units) into the component model. Throws InputError
// "file:line: what is wrong" for bad input: a missing or unparsable file, an unknown key (with the
// nearest valid key suggested), a missing required key, a value of the wrong type or out of range, a
// reference to an unknown bus or type, a duplicate name, a non-positive rating, a zero impedance.
// Every record's SourceLoc is the line of its list item in the file that defines it.
//
// Bus types are derived, not read: Ref for a bus holding an in-service generator of kind grid, PV for a
// bus holding an in-service generator with `control: pv`, PQ otherwise. A `control: pq` generator is
// written with qmin_mvar == qmax_mvar == q_mvar, so that re-typing after a scenario switched generators
// can use the same rule: a generator regulates voltage when qmax_mvar > qmin_mvar.
//
// Assumptions (io/assumptions.hpp): `choices` picks alternatives of the file's `assumptions:`; each
// chosen alternative's `set` replaces keys of the records it names before they are read, so the network
// is what the file would be with those values written in. Unchosen assumptions keep the file's values.
// Network::assumptions lists every assumption with the alternative used. A choice of an assumption the
// file lacks, or of an alternative it lacks, is an InputError at the choice's line.
model::Network read_network_yaml(const std::string& path, const Choices& choices = {});

// The keys each section of a network file accepts, for tools and tests: "" names the top level.
[[nodiscard]] std::vector<std::string> network_yaml_keys(const std::string& section);

}  // namespace lsflow::io
