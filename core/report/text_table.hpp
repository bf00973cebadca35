#pragma once
// Plain-text and CSV formatting shared by every report renderer (study reports, comparisons, N-1,
// time series, hosting capacity): a table with aligned columns, numbers, CSV fields.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lsflow::report {

class TextTable {
 public:
  enum class Align { Left, Right };
  void add_column(std::string header, Align align);
  void add_row(std::vector<std::string> cells);
  // A line of its own between rows (a group title); it does not widen the columns.
  void add_section(std::string title);
  [[nodiscard]] bool empty() const { return rows_.empty(); }
  // Header, a rule, the rows; every line starts with `indent`.
  [[nodiscard]] std::string render(std::string_view indent = "  ") const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::string> sections_;   // per row: a section title shown instead of cells, or empty
};

// Display width of UTF-8 text (code points; the names in our files are ASCII, labels may not be).
[[nodiscard]] std::size_t display_width(std::string_view s);
// Numbers for tables: fixed decimals, "—" for NaN.
[[nodiscard]] std::string fixed(double x, int decimals);
// A CSV field, quoted when it holds a comma, quote or newline (RFC 4180).
[[nodiscard]] std::string csv_field(std::string_view s);

}  // namespace lsflow::report
