#include "io/read_network.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "io/matpower_reader.hpp"
#include "io/network_reader.hpp"

namespace lsflow::io {

model::Network read_network(const std::string& path, const Choices& choices) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".m") {
    if (!choices.empty()) {
      const auto& [id, c] = *choices.begin();
      throw InputError(c.loc, fmt::format("assumption \"{}\": {} is a MATPOWER case, which has no `assumptions:` "
                                          "(only lsflow network files do)",
                                          id, path));
    }
    return read_matpower(path);
  }
  if (ext == ".yaml" || ext == ".yml") return read_network_yaml(path, choices);
  throw InputError(SourceLoc{path, 0},
                   fmt::format("cannot tell the network format from the extension \"{}\" (expected .m for "
                               "MATPOWER, .yaml or .yml for an lsflow network file)",
                               ext));
}

}  // namespace lsflow::io
