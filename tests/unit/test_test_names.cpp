#include <catch2/catch.hpp>

// catch_discover_tests hands each test's name to ctest as a list element: a ';' in a name splits it,
// and ctest then runs a filter that matches nothing and reports the test as passed. Four scenario
// and contingency tests went unrun that way; this keeps it from happening again.
TEST_CASE("No test name contains a semicolon (ctest would split it and run nothing)", "[meta]") {
  const auto& config = *Catch::getCurrentContext().getConfig();
  const auto& tests = Catch::getAllTestCasesSorted(config);
  CHECK(tests.size() > 100);
  for (const auto& tc : tests) {
    INFO(tc.name);
    CHECK(tc.name.find(';') == std::string::npos);
  }
}
