#pragma once
// Reading hand-edited YAML files so that every mistake reports `file:line: what is wrong`.
//
//   YamlValue root = load_yaml_file(path);          // missing, unreadable, empty, unparsable -> InputError
//   YamlMap top = root.as_map();                     // duplicate keys -> InputError
//   top.allow_only({"name", "growth_pct_per_yr"});   // "unknown key 'grwoth_pct' — did you mean ...?"
//   double g = top.require("growth_pct_per_yr").as_double(-50, 100);
//
// Lines are 1-based (yaml-cpp's Mark().line is 0-based). A value's location is the line of the key that
// introduces it, or its own line for list items, so the message points at what the user typed.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/errors.hpp"

namespace lsflow::io {

class YamlMap;

// A YAML node together with where it sits and how to name it in messages (its key path, e.g.
// "load.growth_pct_per_yr" or "outages[2]").
class YamlValue {
 public:
  YamlValue(std::string file, YAML::Node node, SourceLoc loc, std::string path);
  YamlValue(const YamlValue&) = default;
  YamlValue(YamlValue&&) = default;
  // Assignment rebinds the handle. (YAML::Node's own operator= writes through to the node it refers to,
  // so assigning one value over another - as std::sort, std::stable_partition or optional::operator= do -
  // would overwrite the other's YAML in the document.)
  YamlValue& operator=(const YamlValue& o) {
    if (this != &o) {
      file_ = o.file_;
      node_.reset(o.node_);
      loc_ = o.loc_;
      path_ = o.path_;
    }
    return *this;
  }
  YamlValue& operator=(YamlValue&& o) noexcept { return *this = static_cast<const YamlValue&>(o); }

  [[nodiscard]] const YAML::Node& node() const { return node_; }
  [[nodiscard]] const SourceLoc& loc() const { return loc_; }
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] bool is_null() const { return !node_.IsDefined() || node_.IsNull(); }

  // Conversions; each throws InputError at loc() naming path() and the offending text.
  [[nodiscard]] double as_double() const;                        // finite numbers only
  [[nodiscard]] double as_double(double lo, double hi) const;    // and lo <= x <= hi
  [[nodiscard]] int as_int() const;
  [[nodiscard]] int as_int(int lo, int hi) const;
  [[nodiscard]] bool as_bool() const;
  [[nodiscard]] std::string as_string() const;                   // a non-empty scalar
  [[nodiscard]] YamlMap as_map() const;
  [[nodiscard]] std::vector<YamlValue> as_list() const;          // items carry their own lines

  // Throws InputError at loc(): "<path>: <message>".
  [[noreturn]] void fail(std::string_view message) const;

 private:
  std::string file_;
  YAML::Node node_;
  SourceLoc loc_;
  std::string path_;
};

// A YAML mapping with its keys' lines. Construction rejects non-scalar and duplicate keys (yaml-cpp
// silently keeps both copies of a duplicated key; a hand-edited file should not).
class YamlMap {
 public:
  struct Entry {
    std::string key;
    YamlValue value;   // value.loc() is the key's line
  };

  explicit YamlMap(const YamlValue& value);

  // Throws at the first key not in `allowed`, suggesting the nearest allowed key when one is close.
  void allow_only(std::initializer_list<std::string_view> allowed) const;
  void allow_only(const std::vector<std::string>& allowed) const;

  [[nodiscard]] bool has(std::string_view key) const { return find(key) != nullptr; }
  [[nodiscard]] std::optional<YamlValue> get(std::string_view key) const;
  // Throws "missing key '<key>'" at the map's line when absent.
  [[nodiscard]] YamlValue require(std::string_view key) const;
  [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }
  [[nodiscard]] const SourceLoc& loc() const { return loc_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& file() const { return file_; }

 private:
  [[nodiscard]] const Entry* find(std::string_view key) const;

  std::string file_;
  SourceLoc loc_;
  std::string path_;
  std::vector<Entry> entries_;
};

// Reads and parses a YAML file. Throws InputError when the file is missing, is a directory, cannot be
// read, is empty (or only comments), or does not parse (at the parser's line).
[[nodiscard]] YamlValue load_yaml_file(const std::string& path);

// The 1-based location of a node in `file`; line 0 when the node has no mark (e.g. undefined).
[[nodiscard]] SourceLoc node_loc(const std::string& file, const YAML::Node& node);

// Optimal-string-alignment (Damerau–Levenshtein) distance: insertions, deletions, substitutions and
// transpositions of adjacent characters each cost 1.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when close enough to be a likely typo. A candidate also counts as
// close when `word` is a typo of its beginning, so 'grwoth_pct' finds 'growth_pct_per_yr' (the unit
// suffix forgotten). nullopt when nothing is close.
[[nodiscard]] std::optional<std::string> nearest_match(std::string_view word,
                                                       const std::vector<std::string>& candidates);

// " — did you mean 'x'?" or "" when nothing is close; for appending to an error message.
[[nodiscard]] std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// A name scenarios and the command line can quote: non-empty ASCII letters, digits, '_', '-', '.'
// (element names, zones, categories, assumption ids).
[[nodiscard]] bool is_element_name(std::string_view s);

}  // namespace lsflow::io
