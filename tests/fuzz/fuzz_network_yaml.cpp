// Fuzzes the lsflow network (YAML) reader: a model or an InputError, never a crash.
#include "common/errors.hpp"
#include "fuzz_file_input.hpp"
#include "io/network_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = lsflow::fuzz::write_input(data, size, ".yaml");
  try {
    (void)lsflow::io::read_network_yaml(path);
  } catch (const lsflow::InputError&) {
  }
  return 0;
}
