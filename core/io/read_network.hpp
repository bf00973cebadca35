#pragma once
// One entry point for network files, whatever their format.
#include <string>

#include "io/assumptions.hpp"
#include "model/network.hpp"

namespace lsflow::io {

// Reads a network file, choosing the reader by extension (case-insensitive): ".m" → read_matpower
// (MATPOWER case, version 2), ".yaml"/".yml" → read_network_yaml (lsflow network file, physical units).
// Throws InputError for any other extension, and whatever the chosen reader throws for bad input.
// `choices` (assumption alternatives) apply to lsflow network files; a MATPOWER case has no assumptions,
// so a non-empty `choices` with one is an InputError at the first choice's line.
model::Network read_network(const std::string& path, const Choices& choices = {});

}  // namespace lsflow::io
