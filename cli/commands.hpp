#pragma once
#include <string>
#include <vector>

namespace lsflow::cli {

// Exit statuses shared by every command.
enum ExitCode : int { kOk = 0, kFailure = 1, kBadInput = 2, kNotConverged = 3, kInterrupted = 130 };

int cmd_solve(const std::vector<std::string>& args);

}  // namespace lsflow::cli
