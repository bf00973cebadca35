#pragma once
// A small, strict command-line parser: every option must be known, values are checked, and a
// mistake is a UsageError (exit 2) that says what was wrong.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lsflow::cli {

class Args {
 public:
  // flags: options without a value; valued: options that take one value.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& flags,
       const std::set<std::string>& valued);

  [[nodiscard]] bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  [[nodiscard]] std::optional<std::string> value(const std::string& name) const;
  [[nodiscard]] double number(const std::string& name, double fallback, double min, double max) const;
  [[nodiscard]] int integer(const std::string& name, int fallback, int min, int max) const;
  [[nodiscard]] const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::set<std::string> flags_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace lsflow::cli
