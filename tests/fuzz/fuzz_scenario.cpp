// Fuzzes the scenario reader and its application to a network: a network or an InputError, never
// a crash. A scenario names its network by path; inputs that name a real one get it applied.
#include "common/errors.hpp"
#include "fuzz_file_input.hpp"
#include "study/apply_scenario.hpp"
#include "study/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = lsflow::fuzz::write_input(data, size, ".yaml");
  try {
    const auto s = lsflow::study::read_scenario(path);
    (void)lsflow::study::build_network(s);
  } catch (const lsflow::InputError&) {
  }
  return 0;
}
