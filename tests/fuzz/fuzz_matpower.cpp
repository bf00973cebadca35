// Fuzzes the MATPOWER reader and, for what it accepts, the topology pass and a short power flow:
// any input must give a model or an InputError, never a crash, hang or sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/errors.hpp"
#include "io/matpower_reader.hpp"
#include "report/network_solution.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto net = lsflow::io::parse_matpower(text, "fuzz.m");
    if (net.buses.size() <= 200) {
      lsflow::report::SolveOptions opt;
      opt.pf.max_iter = 5;
      opt.pf.fallbacks = false;
      (void)lsflow::report::solve_network(net, opt);
    }
  } catch (const lsflow::InputError&) {
  } catch (const lsflow::SingularMatrix&) {
  } catch (const lsflow::NotConverged&) {
  }
  return 0;
}
