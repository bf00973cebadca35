#pragma once
// One entry point for network files, whatever their format.
#include <string>

#include "model/network.hpp"

namespace lsflow::io {

// Reads a network file, choosing the reader by extension (case-insensitive): ".m" → read_matpower
// (MATPOWER case, version 2), ".yaml"/".yml" → read_network_yaml (lsflow network file, physical units).
// Throws InputError for any other extension, and whatever the chosen reader throws for bad input.
model::Network read_network(const std::string& path);

}  // namespace lsflow::io
