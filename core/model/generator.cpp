#include "model/generator.hpp"

namespace lsflow::model {

std::string_view to_string(GenKind kind) {
  switch (kind) {
    case GenKind::Thermal: return "thermal";
    case GenKind::Hydro: return "hydro";
    case GenKind::Solar: return "solar";
    case GenKind::Wind: return "wind";
    case GenKind::Grid: return "grid";
    case GenKind::Other: return "other";
  }
  return "other";
}

bool parse_gen_kind(std::string_view text, GenKind& out) {
  for (GenKind k : {GenKind::Thermal, GenKind::Hydro, GenKind::Solar, GenKind::Wind, GenKind::Grid,
                    GenKind::Other}) {
    if (text == to_string(k)) {
      out = k;
      return true;
    }
  }
  return false;
}

}  // namespace lsflow::model
