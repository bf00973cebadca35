#pragma once
// Reader for MATPOWER case files (format version 2, the `mpc = struct` .m files shipped with MATPOWER).
// Only the plain-data subset of MATLAB that case files use is understood: `mpc.<field> = value;`
// statements whose value is a number, a quoted string, a numeric matrix `[...]` or a cell array of
// strings `{...}`. Unknown fields (gencost, gentype, areas, ...) are skipped whole.
#include <cstddef>
#include <string>
#include <string_view>

#include "model/network.hpp"

namespace lsflow::io {

// Reads a MATPOWER case format version 2 file into the component model. Throws lsflow::InputError
// ("file:line: what is wrong") on bad input, including a missing or unreadable file.
// The network is named after the file's stem.
model::Network read_matpower(const std::string& path);

// Same, from text in memory; `file_label` is what error messages and SourceLoc use as file name.
// The network is named after the `function mpc = NAME` line, or the stem of `file_label` without one.
struct ParseOptions {
  // From this size on, `mpc.branch` is parsed by a second thread (a plain speed-up: the result and
  // every error message are those of the one-thread parse; tests lower it to check that).
  std::size_t parallel_min_bytes = 512 * 1024;
};

model::Network parse_matpower(std::string_view text, const std::string& file_label, const ParseOptions& opt = {});

}  // namespace lsflow::io
