#include "io/yaml_util.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace lsflow::io {

namespace {

// How a scalar looked in the file, for messages.
std::string shown(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsScalar()) return fmt::format("\"{}\"", node.Scalar());
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "an unknown node";
}

std::string join_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// YamlValue

YamlValue::YamlValue(std::string file, YAML::Node node, SourceLoc loc, std::string path)
    : file_(std::move(file)), node_(std::move(node)), loc_(std::move(loc)), path_(std::move(path)) {}

void YamlValue::fail(std::string_view message) const {
  throw InputError(loc_, path_.empty() ? std::string(message) : fmt::format("{}: {}", path_, message));
}

double YamlValue::as_double() const {
  if (!node_.IsDefined() || !node_.IsScalar()) fail(fmt::format("expected a number, got {}", shown(node_)));
  double x = 0.0;
  try {
    x = node_.as<double>();
  } catch (const YAML::Exception&) {
    const std::string& text = node_.Scalar();
    if (!text.empty() && text.back() == '%')
      fail(fmt::format("expected a number, got {} (write the number alone: the unit is in the key's name)",
                       shown(node_)));
    fail(fmt::format("expected a number, got {}", shown(node_)));
  }
  if (!std::isfinite(x)) fail(fmt::format("expected a finite number, got {}", shown(node_)));
  return x;
}

double YamlValue::as_double(double lo, double hi) const {
  const double x = as_double();
  if (x < lo || x > hi) fail(fmt::format("{} is out of range [{}, {}]", x, lo, hi));
  return x;
}

int YamlValue::as_int() const {
  if (!node_.IsDefined() || !node_.IsScalar())
    fail(fmt::format("expected a whole number, got {}", shown(node_)));
  try {
    return node_.as<int>();
  } catch (const YAML::Exception&) {
    fail(fmt::format("expected a whole number, got {}", shown(node_)));
  }
}

int YamlValue::as_int(int lo, int hi) const {
  const int x = as_int();
  if (x < lo || x > hi) fail(fmt::format("{} is out of range [{}, {}]", x, lo, hi));
  return x;
}

bool YamlValue::as_bool() const {
  if (!node_.IsDefined() || !node_.IsScalar())
    fail(fmt::format("expected true or false, got {}", shown(node_)));
  try {
    return node_.as<bool>();
  } catch (const YAML::Exception&) {
    fail(fmt::format("expected true or false, got {}", shown(node_)));
  }
}

std::string YamlValue::as_string() const {
  if (!node_.IsDefined() || !node_.IsScalar() || node_.Scalar().empty())
    fail(fmt::format("expected a text value, got {}", shown(node_)));
  return node_.Scalar();
}

YamlMap YamlValue::as_map() const { return YamlMap(*this); }

std::vector<YamlValue> YamlValue::as_list() const {
  if (!node_.IsDefined() || !node_.IsSequence())
    fail(fmt::format("expected a list ([a, b] or '- item' lines; [] for none), got {}", shown(node_)));
  std::vector<YamlValue> items;
  items.reserve(node_.size());
  for (std::size_t i = 0; i < node_.size(); ++i) {
    const YAML::Node item = node_[i];
    SourceLoc loc = node_loc(file_, item);
    if (loc.line == 0) loc = loc_;
    items.emplace_back(file_, item, std::move(loc), fmt::format("{}[{}]", path_, i));
  }
  return items;
}

// ---------------------------------------------------------------------------------------------------
// YamlMap

YamlMap::YamlMap(const YamlValue& value) : file_(value.file()), loc_(value.loc()), path_(value.path()) {
  const YAML::Node& node = value.node();
  if (!node.IsDefined() || !node.IsMap())
    value.fail(fmt::format("expected a mapping ('key: value' lines indented below; {{}} for none), got {}",
                           shown(node)));
  for (auto it = node.begin(); it != node.end(); ++it) {
    SourceLoc key_loc = node_loc(file_, it->first);
    if (key_loc.line == 0) key_loc = loc_;
    if (!it->first.IsScalar())
      throw InputError(key_loc, fmt::format("{}keys must be plain text", path_.empty() ? "" : path_ + ": "));
    std::string key = it->first.Scalar();
    if (const Entry* first = find(key))
      throw InputError(key_loc, fmt::format("duplicate key '{}'{} (first at line {})", key,
                                            path_.empty() ? "" : " in " + path_, first->value.loc().line));
    entries_.push_back(Entry{key, YamlValue(file_, it->second, key_loc, join_path(path_, key))});
  }
}

const YamlMap::Entry* YamlMap::find(std::string_view key) const {
  for (const Entry& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

std::optional<YamlValue> YamlMap::get(std::string_view key) const {
  if (const Entry* e = find(key)) return e->value;
  return std::nullopt;
}

YamlValue YamlMap::require(std::string_view key) const {
  if (const Entry* e = find(key)) return e->value;
  throw InputError(loc_, fmt::format("missing key '{}'{}", key, path_.empty() ? "" : " in " + path_));
}

void YamlMap::allow_only(std::initializer_list<std::string_view> allowed) const {
  allow_only(std::vector<std::string>(allowed.begin(), allowed.end()));
}

void YamlMap::allow_only(const std::vector<std::string>& allowed) const {
  for (const Entry& e : entries_) {
    if (std::find(allowed.begin(), allowed.end(), e.key) != allowed.end()) continue;
    const std::string where = path_.empty() ? "" : " in " + path_;
    std::string hint = did_you_mean(e.key, allowed);
    if (hint.empty()) {
      std::vector<std::string> sorted = allowed;
      std::sort(sorted.begin(), sorted.end());
      hint = fmt::format("; valid keys: {}", fmt::join(sorted, ", "));
    }
    throw InputError(e.value.loc(), fmt::format("unknown key '{}'{}{}", e.key, where, hint));
  }
}

// ---------------------------------------------------------------------------------------------------
// Files

SourceLoc node_loc(const std::string& file, const YAML::Node& node) {
  if (!node.IsDefined()) return SourceLoc{file, 0};
  const YAML::Mark mark = node.Mark();
  return SourceLoc{file, mark.line >= 0 ? mark.line + 1 : 0};
}

YamlValue load_yaml_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(SourceLoc{path, 0}, "file not found");
  if (fs::is_directory(path, ec)) throw InputError(SourceLoc{path, 0}, "is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in || in.bad()) throw InputError(SourceLoc{path, 0}, "cannot read the file");
  YAML::Node root;
  try {
    root = YAML::Load(buffer.str());
  } catch (const YAML::Exception& e) {
    throw InputError(SourceLoc{path, e.mark.line >= 0 ? e.mark.line + 1 : 0},
                     fmt::format("YAML syntax error: {}", e.msg));
  }
  if (!root.IsDefined() || root.IsNull()) throw InputError(SourceLoc{path, 0}, "file is empty");
  SourceLoc loc = node_loc(path, root);
  return YamlValue(path, root, loc, "");
}

// ---------------------------------------------------------------------------------------------------
// Suggestions

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // d[i][j] = distance between a[0..i) and b[0..j); three rows suffice for the transposition term.
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::optional<std::string> nearest_match(std::string_view word, const std::vector<std::string>& candidates) {
  const std::size_t n = word.size();
  if (n == 0) return std::nullopt;
  // Up to a third of the word may be wrong (at least 2 edits), but never all of it.
  const std::size_t threshold = std::min<std::size_t>(std::max<std::size_t>(2, n / 3), n - 1);
  std::optional<std::string> best;
  std::size_t best_score = threshold + 1, best_full = 0;
  for (const std::string& c : candidates) {
    const std::size_t full = edit_distance(word, c);
    std::size_t score = full;
    // 'grwoth_pct' against the first 10 characters of 'growth_pct_per_yr'.
    if (n >= 4 && n < c.size()) score = std::min(score, edit_distance(word, std::string_view(c).substr(0, n)));
    if (score < best_score || (score == best_score && best && full < best_full)) {
      best = c;
      best_score = score;
      best_full = full;
    }
  }
  return best;
}

bool is_element_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  if (auto m = nearest_match(word, candidates)) return fmt::format(" — did you mean '{}'?", *m);
  return {};
}

}  // namespace lsflow::io
