#pragma once
#include <string>

namespace lsflow::io {

// Writes `content` to `path` atomically: to a temporary file in the same folder, flushed, then
// renamed over `path`. An interrupted or failed run never leaves a half-written result that looks
// like a whole one. Throws WriteError (common/errors.hpp) naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& content);

// Creates `dir` (and parents) if needed; throws WriteError naming it on failure.
void ensure_directory(const std::string& dir);

}  // namespace lsflow::io
