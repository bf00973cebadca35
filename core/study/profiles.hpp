#pragma once
// Hourly profiles for time series (lsflow timeseries --profiles FILE). The file is CSV:
//
//   # comment lines (starting with #) and empty lines are skipped anywhere
//   hour,load:CaoLoc,load:*,wind:LocBinh,wind:Wind_GE_AiQuoc,solar:*,hydro:*
//   0,0.412,0.40,0.31,0.28,0,0.26
//   1,...
//
// - The first column is `hour`: 0, 1, 2, … in order, one row per hour (8,760 for a year; any count ≥ 1
//   is read, the caller decides what it accepts).
// - Every other column is `<kind>:<target>` with kind one of
//     load   per unit of the scenario's load (P and Q, constant power factor) — target a zone, or *
//     wind   per unit of installed MW (pmax_mw when installed_mw is 0) — a generator name, a zone, or *
//     solar  likewise for solar generators
//     hydro  likewise for hydro generators
//   (which loads and generators a column reaches is decided against the network: timeseries.hpp).
// - Values: load 0–10, wind/solar/hydro 0–1; finite decimal numbers.
// - A UTF-8 byte-order mark at the start is skipped. With ProfileFormat::separator ';' (what Excel writes
//   in a locale with a decimal comma, Vietnamese among them), fields are separated by ';' and numbers may
//   use a decimal comma ("0,412").
// Every error is an InputError `file:line: what is wrong` (line 1 is the file's first line, comments
// included), naming the column where one is at fault.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.hpp"

namespace lsflow::study {

enum class ProfileKind { Load, Wind, Solar, Hydro };

[[nodiscard]] std::string_view to_string(ProfileKind k);

struct ProfileColumn {
  std::string name;  // as in the header, e.g. "wind:LocBinh"
  ProfileKind kind = ProfileKind::Load;
  std::string target;   // zone, generator name, or "*"
  SourceLoc loc;        // the header line
  int file_column = 0;  // 1-based position in the file (hour is column 1)
};

struct Profiles {
  std::string source_file;
  std::vector<ProfileColumn> columns;  // without `hour`
  std::size_t hours = 0;
  std::vector<double> values;     // hour-major: values[h · columns.size() + c]
  std::vector<int> line_of_hour;  // the file line of each hour's row

  [[nodiscard]] const double* row(std::size_t hour) const { return values.data() + hour * columns.size(); }
  [[nodiscard]] double at(std::size_t hour, std::size_t column) const { return row(hour)[column]; }
  [[nodiscard]] std::optional<std::size_t> find(std::string_view name) const;
  // Column-wise statistics, for summaries and tests.
  [[nodiscard]] double mean(std::size_t column) const;
  [[nodiscard]] double max(std::size_t column) const;
};

struct ProfileFormat {
  char separator = ',';   // ',' or ';' (then a decimal comma is accepted in numbers)
};

// Reads a profile file; throws InputError as described above (also for a missing or empty file).
[[nodiscard]] Profiles read_profiles(const std::string& path, const ProfileFormat& format = {});
// The same from text; `file` is the name errors carry.
[[nodiscard]] Profiles parse_profiles(std::string_view text, const std::string& file, const ProfileFormat& format = {});

// Value range allowed for a kind.
[[nodiscard]] double profile_max_value(ProfileKind k);

}  // namespace lsflow::study
