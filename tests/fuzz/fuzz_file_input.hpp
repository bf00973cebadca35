#pragma once
// Readers that take a path are fuzzed through a per-process temporary file.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include <unistd.h>

namespace lsflow::fuzz {

inline std::string write_input(const std::uint8_t* data, std::size_t size, const char* suffix) {
  static const std::string path = "/tmp/lsflow_fuzz_" + std::to_string(::getpid()) + suffix;
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

}  // namespace lsflow::fuzz
