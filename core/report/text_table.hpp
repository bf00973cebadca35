#pragma once
// Plain-text and CSV formatting shared by every report renderer (study reports, comparisons, N-1,
// time series, hosting capacity): a table with aligned columns, numbers, CSV fields.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lsflow::report {

// Text output fits this many columns unless the user asks for every column (--wide).
inline constexpr std::size_t kTextWidth = 120;

class TextTable {
 public:
  enum class Align { Left, Right };
  // What a column does when the table is wider than its width limit: stays, has its text cells cut
  // (with '~', never below the header's width nor 8 characters), or goes (rightmost first).
  enum class Fit { Keep, Shrink, Drop };
  void add_column(std::string header, Align align, Fit fit = Fit::Keep);
  // The widest a rendered line may be (indent included); 0: no limit. Columns are dropped, then cut.
  void set_max_width(std::size_t width) { max_width_ = width; }
  void add_row(std::vector<std::string> cells);
  // A line of its own between rows (a group title); it does not widen the columns.
  void add_section(std::string title);
  [[nodiscard]] bool empty() const { return rows_.empty(); }
  // Header, a rule, the rows; every line starts with `indent`.
  [[nodiscard]] std::string render(std::string_view indent = "  ") const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<Fit> fits_;
  std::size_t max_width_ = 0;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::string> sections_;   // per row: a section title shown instead of cells, or empty
};

// `text` cut to `width` display columns, its last kept character replaced by '~' when cut.
[[nodiscard]] std::string cut_text(std::string_view text, std::size_t width);
// `text` broken at spaces into lines of at most `width` display columns (0: one line), the first line
// after `first`, the others after `next`; each line ends with a newline. A word longer than a line
// stays whole.
[[nodiscard]] std::string wrap_text(std::string_view text, std::size_t width, std::string_view first,
                                    std::string_view next);
// Every line of `text` wider than `width` broken at spaces (its continuation indented two more than the
// line), others unchanged: the last step of a text report that must fit `width` columns (0: unchanged).
[[nodiscard]] std::string fit_lines(std::string_view text, std::size_t width);
// Display width of UTF-8 text (code points; the names in our files are ASCII, labels may not be).
[[nodiscard]] std::size_t display_width(std::string_view s);
// Numbers for tables: fixed decimals, "—" for NaN.
[[nodiscard]] std::string fixed(double x, int decimals);
// A CSV field, quoted when it holds a comma, quote or newline (RFC 4180).
[[nodiscard]] std::string csv_field(std::string_view s);

}  // namespace lsflow::report
