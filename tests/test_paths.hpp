#pragma once
// Where tests find shared data (../shared, set by the CMake cache variable LSFLOW_SHARED_DIR)
// and the project's own files. Tests that need shared data SKIP with a message when it is absent.
#include <filesystem>
#include <string>

namespace lsflow::test {

inline std::filesystem::path shared_dir() { return LSFLOW_SHARED_DIR; }
inline std::filesystem::path source_dir() { return LSFLOW_SOURCE_DIR; }
inline std::string cli_path() { return LSFLOW_CLI_PATH; }
inline bool have_shared() { return std::filesystem::exists(shared_dir() / "cases" / "case9.m"); }

}  // namespace lsflow::test

// Use at the top of a TEST_CASE that needs ../shared.
#define LSFLOW_REQUIRE_SHARED()                                                          \
  do {                                                                                   \
    if (!lsflow::test::have_shared()) {                                                  \
      WARN("skipped: shared data not found at " << lsflow::test::shared_dir().string()   \
                                                << " (set -DLSFLOW_SHARED_DIR=...)");    \
      return;                                                                            \
    }                                                                                    \
  } while (0)
