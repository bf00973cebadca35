#pragma once
// The `assumptions:` section of network and scenario files, and the choice of alternatives.
//
//   assumptions:
//     - id: A-Conductor220                       # letters, digits, '_', '-', '.'; unique in the file
//       about: "Conductor of the Bắc Giang - Lạng Sơn 220 kV double circuit: not in the facts"
//       default: AC-400/51                       # the alternative the file's own values describe
//       alternatives:                            # at least two, each with its source or reasoning
//         AC-400/51: {source: "..."}             # the default: no `set` (the file's values are it)
//         2xACSR-330/43:
//           source: "..."
//           set:                                 # what this alternative changes
//             L220_BacGiang_PhuXa: {type: 2xACSR-330/43}     # network file: element or type -> keys
//
// In a network file `set` names elements (buses, lines, transformers, generators, loads, shunts,
// external grids) or library types, and gives them keys of their own section; every record an
// alternative changes must name the assumption in its `assumption:` key (one id or a list), so that the
// file says, where the value sits, that the value is uncertain. In a scenario file `set` holds scenario
// keys (load:, dispatch:, commissioning:, …) laid over the scenario like a child file.
//
// A choice (`choose: {A-Conductor220: 2xACSR-330/43}` in a scenario, `--assume ID=ALT` on the command
// line) picks an alternative; unchosen assumptions take their default.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "io/yaml_util.hpp"
#include "model/assumption.hpp"

namespace lsflow::io {

// One alternative as read, with what it sets (a mapping, unparsed: the reader that owns the keys reads it).
struct AlternativeDef {
  model::AssumptionAlternative info;
  std::optional<YamlValue> set;
};

struct AssumptionDef {
  model::Assumption info;              // chosen = default until a choice is applied
  std::vector<AlternativeDef> alternatives;
  [[nodiscard]] const AlternativeDef* find(const std::string& alternative) const;
};

// Reads the `assumptions:` list. Throws InputError at the line: a missing id/about/default/alternatives,
// an id used twice, fewer than two alternatives, a default that is not among them, a default with a
// `set`, an alternative without a source, an unknown key.
[[nodiscard]] std::vector<AssumptionDef> read_assumption_defs(const YamlValue& v, const std::string& origin);

// An alternative chosen for an assumption, and where it was chosen (a scenario line, or "--assume").
struct Choice {
  std::string alternative;
  SourceLoc loc;
};
using Choices = std::map<std::string, Choice>;   // assumption id -> choice

// Parses "ID=ALT" items (as given to --assume); InputError at `loc` for an item without '='.
[[nodiscard]] Choices parse_choices(const std::vector<std::string>& items, const SourceLoc& loc);

// Checks that `c` picks an existing alternative of `def` (InputError at c.loc, with the nearest name).
void check_choice(const AssumptionDef& def, const std::string& id, const Choice& c);

// "A-X = alt (default)" lines for reports: one per assumption.
[[nodiscard]] std::string describe_choice(const model::Assumption& a);

// One line for a report header: the alternatives that are not the default, and how many are at theirs
// ("A-Conductor220 = 2xACSR-330/43; 8 others at their defaults"); empty when there are no assumptions.
[[nodiscard]] std::string describe_choices(const std::vector<model::Assumption>& all);

}  // namespace lsflow::io
