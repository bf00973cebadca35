#pragma once
// lsflow sensitivity --html: the assumptions, the findings table (sortable, flipped ones highlighted),
// and a tornado chart — per finding with a value, the band its value spans over the variants, relative
// to the baseline, widest first.
#include <string>

#include "study/sensitivity.hpp"

namespace lsflow::study {

[[nodiscard]] std::string sensitivity_html(const SensitivityResult& r, const std::string& name, const std::string& study,
                                           const std::string& verdict);

}  // namespace lsflow::study
