#pragma once
// An assumption of a network or scenario file: a parameter that no source fixes (a conductor type, a
// transformer size, a short-circuit level, a growth rate, an element that may or may not exist), with
// the alternatives a reviewer would consider and the source or reasoning of each. The file's own values
// are the default alternative; the others patch named elements. Reports list which alternative a result
// rests on; `lsflow sensitivity` runs a study over them.
#include <string>
#include <vector>

#include "common/errors.hpp"

namespace lsflow::model {

struct AssumptionAlternative {
  std::string name;
  std::string source;     // the source, or the reasoning, of this alternative
  SourceLoc loc;
};

struct Assumption {
  std::string id;                                   // e.g. "A-Conductor220"
  std::string about;                                // what is uncertain, in one sentence
  std::string default_alternative;                  // what the file's values are
  std::string chosen;                               // what this case uses (the default unless chosen)
  std::vector<AssumptionAlternative> alternatives;  // the default first, in file order otherwise
  SourceLoc loc;
  std::string origin;   // "network" or "scenario": which file defines it
  [[nodiscard]] bool is_default() const { return chosen == default_alternative; }
  [[nodiscard]] const AssumptionAlternative* find(const std::string& alternative) const {
    for (const auto& a : alternatives)
      if (a.name == alternative) return &a;
    return nullptr;
  }
};

}  // namespace lsflow::model
