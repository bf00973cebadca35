#include "args.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "common/errors.hpp"

namespace lsflow::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& flags,
           const std::set<std::string>& valued) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    std::string name = a;
    std::optional<std::string> inline_value;
    if (auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      inline_value = a.substr(eq + 1);
    }
    if (flags.count(name)) {
      if (inline_value) throw UsageError(fmt::format("option {} takes no value", name));
      flags_.insert(name);
    } else if (valued.count(name)) {
      if (inline_value) {
        values_[name] = *inline_value;
      } else {
        if (i + 1 >= argv.size()) throw UsageError(fmt::format("option {} needs a value", name));
        values_[name] = argv[++i];
      }
    } else {
      std::string known;
      for (const auto& f : flags) known += " " + f;
      for (const auto& v : valued) known += " " + v;
      throw UsageError(fmt::format("unknown option {} (known:{})", name, known));
    }
  }
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

double Args::number(const std::string& name, double fallback, double min, double max) const {
  auto v = value(name);
  if (!v) return fallback;
  double x = 0.0;
  const auto* end = v->data() + v->size();
  auto [p, ec] = std::from_chars(v->data(), end, x);
  if (ec != std::errc() || p != end || !std::isfinite(x))
    throw UsageError(fmt::format("option {}: '{}' is not a number", name, *v));
  if (x < min || x > max) throw UsageError(fmt::format("option {}: {} is outside {}..{}", name, x, min, max));
  return x;
}

int Args::integer(const std::string& name, int fallback, int min, int max) const {
  auto v = value(name);
  if (!v) return fallback;
  int x = 0;
  const auto* end = v->data() + v->size();
  auto [p, ec] = std::from_chars(v->data(), end, x);
  if (ec != std::errc() || p != end) throw UsageError(fmt::format("option {}: '{}' is not a whole number", name, *v));
  if (x < min || x > max) throw UsageError(fmt::format("option {}: {} is outside {}..{}", name, x, min, max));
  return x;
}

}  // namespace lsflow::cli
