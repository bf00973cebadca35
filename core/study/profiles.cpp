// Profile CSV reader (format in profiles.hpp). One pass over the text, numbers by std::from_chars
// (locale-independent, no allocation per field); every error names its line and column.
#include "study/profiles.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace lsflow::study {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits `line` at `sep` into `out` (views into line).
void split(std::string_view line, char sep, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(sep, start);
    if (comma == std::string_view::npos) {
      out.push_back(trim(line.substr(start)));
      return;
    }
    out.push_back(trim(line.substr(start, comma - start)));
    start = comma + 1;
  }
}

bool parse_double(std::string_view s, double& out, bool decimal_comma = false) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  char buf[64];
  if (decimal_comma && s.find(',') != std::string_view::npos) {   // "0,412" → "0.412"
    if (s.size() >= sizeof buf) return false;
    for (std::size_t i = 0; i < s.size(); ++i) buf[i] = s[i] == ',' ? '.' : s[i];
    s = std::string_view(buf, s.size());
  }
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(out);
}

bool parse_kind(std::string_view s, ProfileKind& out) {
  for (auto k : {ProfileKind::Load, ProfileKind::Wind, ProfileKind::Solar, ProfileKind::Hydro})
    if (s == to_string(k)) {
      out = k;
      return true;
    }
  return false;
}

std::string_view unit_text(ProfileKind k) {
  return k == ProfileKind::Load ? "per unit of the scenario's load" : "per unit of installed MW";
}

}  // namespace

std::string_view to_string(ProfileKind k) {
  switch (k) {
    case ProfileKind::Load:
      return "load";
    case ProfileKind::Wind:
      return "wind";
    case ProfileKind::Solar:
      return "solar";
    case ProfileKind::Hydro:
      return "hydro";
  }
  return "load";
}

double profile_max_value(ProfileKind k) { return k == ProfileKind::Load ? 10.0 : 1.0; }

std::optional<std::size_t> Profiles::find(std::string_view name) const {
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (columns[c].name == name) return c;
  return std::nullopt;
}

double Profiles::mean(std::size_t column) const {
  if (hours == 0) return 0.0;
  double s = 0.0;
  for (std::size_t h = 0; h < hours; ++h) s += at(h, column);
  return s / static_cast<double>(hours);
}

double Profiles::max(std::size_t column) const {
  double m = 0.0;
  for (std::size_t h = 0; h < hours; ++h) m = std::max(m, at(h, column));
  return m;
}

Profiles parse_profiles(std::string_view text, const std::string& file, const ProfileFormat& format) {
  if (format.separator != ',' && format.separator != ';')
    throw InputError(SourceLoc{file, 0}, fmt::format("a profile's fields are separated by ',' or ';', not '{}'", format.separator));
  const bool decimal_comma = format.separator == ';';
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);   // a UTF-8 byte-order mark (Excel's "CSV UTF-8")
  Profiles p;
  p.source_file = file;
  std::vector<std::string_view> fields;
  bool have_header = false;
  int line_no = 0;
  int header_line = 0;
  std::size_t pos = 0;
  auto fail = [&](int line, const std::string& what) -> InputError {
    return InputError(SourceLoc{file, line}, what);
  };

  while (pos <= text.size()) {
    const auto nl = text.find('\n', pos);
    const std::string_view raw =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    split(line, format.separator, fields);

    if (!have_header) {
      have_header = true;
      header_line = line_no;
      if (format.separator == ',' && fields.size() == 1 && line.find(';') != std::string_view::npos)
        throw fail(line_no, "the header has ';' between its fields and no ',': a file written with a decimal comma "
                            "(e.g. by Excel in a Vietnamese locale) is read with --csv-sep ';'");
      if (fields[0] != "hour")
        throw fail(line_no,
                   fmt::format("the first column must be 'hour', found '{}' (header: hour,<kind>:<target>,…)",
                               fields[0]));
      if (fields.size() < 2) throw fail(line_no, "no profile columns after 'hour'");
      for (std::size_t i = 1; i < fields.size(); ++i) {
        const std::string_view f = fields[i];
        const int col = static_cast<int>(i) + 1;
        const auto colon = f.find(':');
        ProfileKind kind{};
        if (colon == std::string_view::npos || !parse_kind(f.substr(0, colon), kind))
          throw fail(
              line_no,
              fmt::format("column {} '{}': expected <kind>:<target> with kind load, wind, solar or hydro",
                          col, f));
        const std::string_view target = trim(f.substr(colon + 1));
        if (target.empty())
          throw fail(
              line_no,
              fmt::format("column {} '{}': no target after ':' (a zone, a generator name, or *)", col, f));
        if (kind == ProfileKind::Load && target != "*" && target.find(':') != std::string_view::npos)
          throw fail(line_no, fmt::format("column {} '{}': a load column names a zone (or *)", col, f));
        ProfileColumn c;
        c.name = fmt::format("{}:{}", to_string(kind), target);
        c.kind = kind;
        c.target = std::string(target);
        c.loc = SourceLoc{file, line_no};
        c.file_column = col;
        for (const auto& other : p.columns)
          if (other.name == c.name)
            throw fail(line_no,
                       fmt::format("column {} '{}' repeats column {}", col, c.name, other.file_column));
        p.columns.push_back(std::move(c));
      }
      continue;
    }

    const std::size_t nc = p.columns.size();
    if (fields.size() != nc + 1)
      throw fail(line_no, fmt::format("{} values, expected {} (hour and {} profile column{})", fields.size(),
                                      nc + 1, nc, nc == 1 ? "" : "s"));
    double hour_value = 0.0;
    if (!parse_double(fields[0], hour_value) || hour_value != std::floor(hour_value))
      throw fail(line_no, fmt::format("hour '{}' is not a whole number", fields[0]));
    if (hour_value != static_cast<double>(p.hours))
      throw fail(line_no,
                 fmt::format("hour {} where hour {} was expected (rows are hours 0, 1, 2, … in order)",
                             fields[0], p.hours));
    for (std::size_t c = 0; c < nc; ++c) {
      const auto& col = p.columns[c];
      double v = 0.0;
      if (!parse_double(fields[c + 1], v, decimal_comma))
        throw fail(line_no, fmt::format("column {} '{}': '{}' is not a number", col.file_column, col.name,
                                        fields[c + 1]));
      const double hi = profile_max_value(col.kind);
      if (v < 0.0 || v > hi)
        throw fail(line_no, fmt::format("column {} '{}': {} is outside 0–{} ({})", col.file_column, col.name,
                                        fields[c + 1], hi, unit_text(col.kind)));
      p.values.push_back(v);
    }
    p.line_of_hour.push_back(line_no);
    ++p.hours;
  }
  if (!have_header) throw fail(0, "no header line (expected hour,<kind>:<target>,…): the file is empty");
  if (p.hours == 0) throw fail(header_line, "no hours after the header");
  return p;
}

Profiles read_profiles(const std::string& path, const ProfileFormat& format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(SourceLoc{path, 0}, "cannot open the profile file");
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  return parse_profiles(text, path, format);
}

}  // namespace lsflow::study
