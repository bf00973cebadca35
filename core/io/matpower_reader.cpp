#include "io/matpower_reader.hpp"

// Two passes, kept apart so that each stays simple:
//  1. Parser: one left-to-right scan of the text into raw matrices and cell arrays (numbers plus the
//     line each row sits on). It knows MATLAB syntax, not power systems.
//  2. NetworkBuilder: checks the raw data (column counts, ranges, bus references) and maps it into
//     model::Network. Field order in the file does not matter, so mapping waits for the whole scan.
// Column layouts follow the MATPOWER manual, appendix B (caseformat).

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <thread>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace lsflow::io {
namespace {

// ---------------------------------------------------------------------------------------------
// Raw data, as scanned

// One matrix row: where it is and how many values it had (possibly more or fewer than stored).
struct RawRow {
  std::uint32_t count = 0;
  int line = 0;
};

// The used columns of a matrix, `width` values per row (columns past `width` are checked, then
// dropped; a short row is padded with NaN and rejected when mapped, via RawRow::count).
struct RawMatrix {
  int line = 0;   // where the assignment starts
  std::size_t width = 0;
  std::vector<double> values;
  std::vector<RawRow> rows;
  [[nodiscard]] const double* row(std::size_t r) const { return values.data() + r * width; }
};

struct RawString {
  std::string text;
  int line = 0;
};

struct RawCell {
  int line = 0;
  std::vector<RawString> items;
};

struct RawScalar {
  double value = 0.0;
  int line = 0;
};

struct RawCase {
  std::string function_name;
  std::optional<RawString> version;
  std::optional<RawScalar> base_mva;
  std::optional<RawMatrix> bus;
  std::optional<RawMatrix> gen;
  std::optional<RawMatrix> branch;
  std::optional<RawCell> bus_name;
  std::optional<RawCell> genfuel;
};

// Columns the reader uses; names as in MATPOWER's caseformat, for error messages.
constexpr std::array<std::string_view, 13> bus_columns = {
    "bus_i", "type", "Pd", "Qd", "Gs", "Bs", "area", "Vm", "Va", "baseKV", "zone", "Vmax", "Vmin"};
constexpr std::array<std::string_view, 10> gen_columns = {
    "bus", "Pg", "Qg", "Qmax", "Qmin", "Vg", "mBase", "status", "Pmax", "Pmin"};
constexpr std::array<std::string_view, 11> branch_columns = {
    "fbus", "tbus", "r", "x", "b", "rateA", "rateB", "rateC", "ratio", "angle", "status"};

std::string column_label(std::span<const std::string_view> columns, std::size_t col) {
  if (col < columns.size()) return fmt::format("column {} ({})", col + 1, columns[col]);
  return fmt::format("column {}", col + 1);
}

// ---------------------------------------------------------------------------------------------
// Scanner

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Character classes inside a matrix, one table lookup per character.
enum class CharClass : std::uint8_t { Other, Blank, Newline, RowEnd, Close, Comment, Dot, BlockEnd };
constexpr std::array<CharClass, 256> char_classes = [] {
  std::array<CharClass, 256> t{};
  t[' '] = t['\t'] = t['\r'] = t[','] = CharClass::Blank;   // ',' separates values like a blank
  t['\n'] = CharClass::Newline;
  t[';'] = CharClass::RowEnd;
  t[']'] = CharClass::Close;
  t['%'] = CharClass::Comment;
  t['.'] = CharClass::Dot;
  t['}'] = CharClass::BlockEnd;
  return t;
}();
CharClass char_class(char c) { return char_classes[static_cast<unsigned char>(c)]; }

// What may follow a number: a separator, the end of a row or block, or a comment.
bool is_number_end(char c) {
  const CharClass k = char_class(c);
  return k != CharClass::Other && k != CharClass::Dot;
}

enum class NumberStatus { Ok, NotANumber, OutOfRange };

// Decimal fast path. With at most 19 digits the mantissa m fits in 64 bits; when also m <= 2^53 and
// the fraction has k <= 22 digits, m and 10^k are exact doubles and the one division m / 10^k is
// correctly rounded: the same value from_chars gives (Clinger's fast path).
constexpr std::array<double, 23> exact_pow10 = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool finish_decimal(std::uint64_t mantissa, std::ptrdiff_t digits, std::ptrdiff_t fraction_digits,
                    bool negative, double& out) {
  if (digits == 0 || digits > 19 || fraction_digits > 22 || mantissa > (std::uint64_t{1} << 53))
    return false;
  const double value = static_cast<double>(static_cast<std::int64_t>(mantissa)) /
                       exact_pow10[static_cast<std::size_t>(fraction_digits)];
  // The sign goes in as a bit: a branch on it is mispredicted about as often as signs alternate.
  out = std::bit_cast<double>(std::bit_cast<std::uint64_t>(value) |
                              (static_cast<std::uint64_t>(negative) << 63));
  return true;
}

// Parses one number token at p (advancing p past it). Accepts what MATLAB writes in case files:
// integers, decimals (`.5`, `5.`), exponents, an optional sign, Inf and NaN (the caller rejects NaN).
NumberStatus parse_number(const char*& p, const char* end, double& out) {
  const char* q = p;
  if (*q == '+') ++q;   // from_chars rejects a leading '+', MATLAB allows it
  const char* number_start = q;
  const bool negative = q != end && *q == '-';
  q += negative;
  std::uint64_t mantissa = 0;
  const char* int_start = q;
  while (q != end && is_digit(*q)) mantissa = mantissa * 10 + static_cast<unsigned>(*q++ - '0');
  std::ptrdiff_t digits = q - int_start;
  std::ptrdiff_t fraction_digits = 0;
  if (q != end && *q == '.') {
    const char* fraction_start = ++q;
    while (q != end && is_digit(*q)) mantissa = mantissa * 10 + static_cast<unsigned>(*q++ - '0');
    fraction_digits = q - fraction_start;
    digits += fraction_digits;
  }
  if ((q == end || is_number_end(*q)) &&
      finish_decimal(mantissa, digits, fraction_digits, negative, out)) {
    p = q;
    return NumberStatus::Ok;
  }
  // Exponents, Inf, NaN, long mantissas, and anything that is not a number.
  auto [ptr, ec] = std::from_chars(number_start, end, out);
  if (ec == std::errc::result_out_of_range) return NumberStatus::OutOfRange;
  if (ec != std::errc{} || (ptr != end && !is_number_end(*ptr))) return NumberStatus::NotANumber;
  p = ptr;
  return NumberStatus::Ok;
}

// One statement (`mpc.branch = [ ... ];`) parsed by a second thread while this one parses the rest:
// where it starts in the text, and, once joined, what it gave.
struct Offloaded {
  std::size_t offset = 0;            // position of `mpc` in the text
  int line = 0;                      // its line
  std::thread worker;
  std::exception_ptr error;          // an InputError, the statement's first
  RawMatrix matrix;
  bool parsed = false;               // it was `mpc.branch = ...` and parsed without error
  std::size_t end_offset = 0;        // where the statement ended
  int end_line = 0;
  bool joined = false;
  void join() {
    if (!joined && worker.joinable()) worker.join();
    joined = true;
  }
  ~Offloaded() { join(); }
};

class Parser {
 public:
  Parser(std::string_view text, const std::string& file, Offloaded* offloaded = nullptr)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), file_(file),
        offloaded_(offloaded) {}

  RawCase parse();
  // Parses the one `mpc.<field> = ...` statement at `offset` (a line `line`) for a second thread;
  // records the matrix and where the statement ended.
  void parse_statement_at(std::size_t offset, int line, Offloaded& out);

 private:
  const char* begin_;
  const char* p_;
  const char* end_;
  int line_ = 1;
  const std::string& file_;
  Offloaded* offloaded_;
  RawCase case_;
  std::unordered_map<std::string, int> assigned_at_;   // field -> line, to catch double assignments

  [[noreturn]] void fail(int line, const std::string& message) const {
    throw InputError(SourceLoc{file_, line}, message);
  }

  // The file's last line, for "the file ends at line N" (a final newline does not start a line).
  [[nodiscard]] int last_line() const {
    return (end_ != begin_ && end_[-1] == '\n') ? line_ - 1 : line_;
  }
  [[nodiscard]] bool at(char c) const { return p_ != end_ && *p_ == c; }
  [[nodiscard]] bool at_continuation() const {   // MATLAB's `...` joins the next line
    return end_ - p_ >= 3 && p_[0] == '.' && p_[1] == '.' && p_[2] == '.';
  }
  void skip_to_eol() {
    const void* nl = std::memchr(p_, '\n', static_cast<std::size_t>(end_ - p_));
    p_ = nl ? static_cast<const char*>(nl) : end_;
  }
  void skip_continuation() {
    skip_to_eol();
    if (p_ != end_) {
      ++p_;
      ++line_;
    }
  }
  void skip_spaces() {
    while (p_ != end_) {
      if (*p_ == ' ' || *p_ == '\t' || *p_ == '\r') {
        ++p_;
      } else if (at_continuation()) {
        skip_continuation();
      } else {
        return;
      }
    }
  }
  std::string_view read_ident() {
    const char* start = p_;
    while (p_ != end_ && is_ident_char(*p_)) ++p_;
    return {start, static_cast<std::size_t>(p_ - start)};
  }
  // The offending token, for error messages.
  [[nodiscard]] std::string token_at(const char* p) const {
    const char* q = p;
    while (q != end_ && q - p < 30 && !is_number_end(*q)) ++q;
    if (q == p && p != end_) ++q;
    return std::string(p, q);
  }

  void parse_function_line();
  void parse_assignment(std::string_view field, int line);
  void expect_statement_end(std::string_view field);
  void skip_statement(int start_line);
  RawMatrix read_matrix(std::string_view field, std::span<const std::string_view> columns);
  RawCell read_cell(std::string_view field);
  std::string read_quoted();
};

RawCase Parser::parse() {
  if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;   // UTF-8 BOM
  while (true) {
    // Between statements: blanks, comments and statement separators.
    while (p_ != end_) {
      const char c = *p_;
      if (c == ' ' || c == '\t' || c == '\r' || c == ';' || c == ',') {
        ++p_;
      } else if (c == '\n') {
        ++p_;
        ++line_;
      } else if (c == '%') {
        skip_to_eol();
      } else {
        break;
      }
    }
    if (p_ == end_) break;
    const int line = line_;
    if (offloaded_ && static_cast<std::size_t>(p_ - begin_) == offloaded_->offset &&
        (offloaded_->join(), offloaded_->parsed || offloaded_->error)) {
      // The statement the second thread parsed: its result (or its error: nothing before it failed).
      if (offloaded_->error) std::rethrow_exception(offloaded_->error);
      const auto [it, first] = assigned_at_.emplace("branch", line);
      if (!first) {
        fail(line, fmt::format("mpc.branch is assigned a second time (first at line {})", it->second));
      }
      case_.branch = std::move(offloaded_->matrix);
      p_ = begin_ + offloaded_->end_offset;
      line_ = offloaded_->end_line;
      continue;
    }
    if (!is_ident_start(*p_)) {
      fail(line, fmt::format("unexpected \"{}\" where a statement should start", token_at(p_)));
    }
    const std::string_view word = read_ident();
    if (word == "function") {
      parse_function_line();
    } else if (word == "mpc" && at('.')) {
      ++p_;
      const std::string_view field = read_ident();
      if (field.empty()) fail(line, "expected a field name after \"mpc.\"");
      parse_assignment(field, line);
    } else {
      skip_statement(line);   // other MATLAB code (e.g. `return`) carries no case data
    }
  }
  return std::move(case_);
}

void Parser::parse_statement_at(std::size_t offset, int line, Offloaded& out) {
  p_ = begin_ + offset;
  line_ = line;
  try {
    read_ident();   // mpc
    ++p_;           // .
    const std::string_view field = read_ident();
    if (field != "branch") return;   // not the statement it was meant for: the main parser reads it
    parse_assignment(field, line);
    out.matrix = std::move(*case_.branch);
    out.parsed = true;
    out.end_offset = static_cast<std::size_t>(p_ - begin_);
    out.end_line = line_;
  } catch (...) {   // an InputError, or out of memory: raised in the main thread, if it gets there
    out.error = std::current_exception();
  }
}

// `function mpc = case9`: the name after '=' (or after `function` when there is no output).
void Parser::parse_function_line() {
  skip_spaces();
  if (at('[')) {   // `function [baseMVA, bus, ...] = name`: old-style outputs
    while (p_ != end_ && *p_ != ']' && *p_ != '\n') ++p_;
    if (at(']')) ++p_;
  }
  std::string_view name = read_ident();
  skip_spaces();
  if (at('=')) {
    ++p_;
    skip_spaces();
    name = read_ident();
  }
  case_.function_name = std::string(name);
  skip_to_eol();
}

void Parser::parse_assignment(std::string_view field, int line) {
  const bool known = field == "version" || field == "baseMVA" || field == "bus" || field == "gen" ||
                     field == "branch" || field == "bus_name" || field == "genfuel";
  skip_spaces();
  if (!at('=') || (end_ - p_ >= 2 && p_[1] == '=')) {
    if (known) {
      fail(line, fmt::format("only a plain assignment \"mpc.{} = ...\" is understood here, "
                             "not an indexed or computed one",
                             field));
    }
    skip_statement(line);
    return;
  }
  ++p_;
  skip_spaces();
  if (!known) {
    skip_statement(line);   // gencost, gentype, areas, ...: ignored
    return;
  }
  const auto [it, first] = assigned_at_.emplace(std::string(field), line);
  if (!first) {
    fail(line, fmt::format("mpc.{} is assigned a second time (first at line {})", field,
                           it->second));
  }

  if (field == "version") {
    if (at('\'') || at('"')) {
      case_.version = RawString{read_quoted(), line};
    } else {
      double value = 0.0;
      const char* start = p_;
      if (p_ == end_ || parse_number(p_, end_, value) != NumberStatus::Ok) {
        fail(line, fmt::format("mpc.version: expected '2', found \"{}\"", token_at(start)));
      }
      case_.version = RawString{fmt::format("{}", value), line};
    }
  } else if (field == "baseMVA") {
    double value = 0.0;
    const char* start = p_;
    const NumberStatus status = p_ == end_ ? NumberStatus::NotANumber : parse_number(p_, end_, value);
    if (status != NumberStatus::Ok) {
      fail(line, fmt::format("mpc.baseMVA: expected the system MVA base as a number, found \"{}\"",
                             token_at(start)));
    }
    case_.base_mva = RawScalar{value, line};
  } else if (field == "bus_name" || field == "genfuel") {
    if (!at('{')) {
      fail(line, fmt::format("mpc.{}: expected a cell array of quoted names {{ 'a'; 'b'; ... }}, "
                             "found \"{}\"",
                             field, token_at(p_)));
    }
    RawCell cell = read_cell(field);
    cell.line = line;
    (field == "bus_name" ? case_.bus_name : case_.genfuel) = std::move(cell);
  } else {
    if (!at('[')) {
      fail(line, fmt::format("mpc.{}: expected a matrix [ ... ], found \"{}\"", field,
                             token_at(p_)));
    }
    const std::span<const std::string_view> columns =
        field == "bus"   ? std::span<const std::string_view>(bus_columns)
        : field == "gen" ? std::span<const std::string_view>(gen_columns)
                         : std::span<const std::string_view>(branch_columns);
    RawMatrix matrix = read_matrix(field, columns);
    matrix.line = line;
    (field == "bus" ? case_.bus : field == "gen" ? case_.gen : case_.branch) = std::move(matrix);
  }
  expect_statement_end(field);
}

// After a value: `;`, `,`, a comment, a line end or the end of the file.
void Parser::expect_statement_end(std::string_view field) {
  skip_spaces();
  if (p_ == end_ || *p_ == ';' || *p_ == ',' || *p_ == '\n' || *p_ == '%') return;
  fail(line_, fmt::format("unexpected \"{}\" after the value of mpc.{}", token_at(p_), field));
}

// Skips a statement we do not read, including brackets spanning many lines, up to its end.
void Parser::skip_statement(int start_line) {
  int depth = 0;
  while (p_ != end_) {
    const char c = *p_;
    switch (c) {
      case '\n':
        if (depth == 0) return;
        ++line_;
        ++p_;
        break;
      case ';':
      case ',':
        ++p_;
        if (depth == 0) return;
        break;
      case '%':
        skip_to_eol();
        break;
      case '[': case '{': case '(':
        ++depth;
        ++p_;
        break;
      case ']': case '}': case ')':
        if (depth > 0) --depth;
        ++p_;
        break;
      case '.':
        if (at_continuation()) {
          skip_continuation();
        } else {
          ++p_;
        }
        break;
      case '\'':
      case '"': {
        // A quote right after a value is MATLAB's transpose; otherwise it opens a string.
        const char before = p_ == begin_ ? ' ' : p_[-1];
        if (c == '\'' && (is_ident_char(before) || before == ']' || before == ')' ||
                          before == '}' || before == '\'' || before == '.')) {
          ++p_;
        } else {
          ++p_;
          while (p_ != end_ && *p_ != c && *p_ != '\n') ++p_;
          if (at(c)) ++p_;
        }
        break;
      }
      default:
        ++p_;
    }
  }
  if (depth > 0) {
    fail(start_line, fmt::format("a bracket opened in this statement is never closed: the file ends "
                                 "at line {} (is the file truncated?)",
                                 last_line()));
  }
}

RawMatrix Parser::read_matrix(std::string_view field, std::span<const std::string_view> columns) {
  const int start_line = line_;
  ++p_;   // '['
  RawMatrix m;
  m.width = columns.size();
  // Values go through a raw cursor into a buffer that is sized from the first row (bytes per row vs
  // bytes up to the first ']'), so the hot loop does no capacity check per value; it grows by
  // doubling if the estimate falls short.
  const void* first_close = std::memchr(p_, ']', static_cast<std::size_t>(end_ - p_));
  const std::size_t span_bytes =
      first_close ? static_cast<std::size_t>(static_cast<const char*>(first_close) - p_) : 0;
  m.values.resize(64 * m.width);
  double* out = m.values.data();
  double* out_end = out + m.values.size();
  auto make_room = [&](std::size_t rows) {
    const auto used = static_cast<std::size_t>(out - m.values.data());
    m.values.resize(std::max(m.values.size() * 2, used + rows * m.width));
    out = m.values.data() + used;
    out_end = m.values.data() + m.values.size();
  };

  // The cursor and line live in locals in the hot loop: as members they would be reloaded after
  // every store.
  const char* p = p_;
  const char* const matrix_start = p;
  int line = line_;
  std::uint32_t count = 0;   // values in the current row so far
  int row_line = line;
  auto end_row = [&] {
    if (count == 0) return;   // a blank line, or a ';' already ended this row
    for (std::uint32_t c = count; c < m.width; ++c) *out++ = std::numeric_limits<double>::quiet_NaN();
    m.rows.push_back(RawRow{count, row_line});
    count = 0;
    if (m.rows.size() == 1 && span_bytes > 0) {
      const auto row_bytes = static_cast<std::size_t>(std::max<std::ptrdiff_t>(p - matrix_start, 1));
      const std::size_t expected_rows = span_bytes / row_bytes + 16;
      m.rows.reserve(expected_rows);
      if (static_cast<std::size_t>(out_end - out) < expected_rows * m.width) make_room(expected_rows);
    }
  };
  while (true) {
    if (p == end_) {
      line_ = line;   // for last_line()
      fail(start_line, fmt::format("mpc.{}: the matrix opened here is never closed: the file ends at "
                                   "line {} without its ']' (is the file truncated?)",
                                   field, last_line()));
    }
    switch (char_class(*p)) {
      case CharClass::Blank:
        ++p;
        continue;
      case CharClass::Newline:   // a newline ends a row, as ';' does
        end_row();
        ++p;
        ++line;
        continue;
      case CharClass::RowEnd:
        end_row();
        ++p;
        continue;
      case CharClass::Comment:
        p_ = p;
        skip_to_eol();
        p = p_;
        continue;
      case CharClass::Close:
        end_row();
        m.values.resize(static_cast<std::size_t>(out - m.values.data()));
        p_ = p + 1;
        line_ = line;
        return m;
      case CharClass::Dot:
        if (end_ - p >= 3 && p[1] == '.' && p[2] == '.') {   // `...`: the row goes on
          p_ = p;
          line_ = line;
          skip_continuation();
          p = p_;
          line = line_;
          continue;
        }
        break;
      case CharClass::Other:
      case CharClass::BlockEnd:
        break;
    }
    if (count == 0) {
      row_line = line;
      if (static_cast<std::size_t>(out_end - out) < m.width) make_room(1);
    }
    const char* start = p;
    double value = 0.0;
    switch (parse_number(p, end_, value)) {
      case NumberStatus::Ok:
        break;
      case NumberStatus::OutOfRange:
        fail(line, fmt::format("mpc.{} row {}, {}: \"{}\" is out of range for a number", field,
                               m.rows.size() + 1, column_label(columns, count), token_at(start)));
      case NumberStatus::NotANumber:
        fail(line, fmt::format("mpc.{} row {}, {}: expected a number, found \"{}\"", field,
                               m.rows.size() + 1, column_label(columns, count), token_at(start)));
    }
    if (std::isnan(value)) {
      fail(line, fmt::format("mpc.{} row {}, {}: NaN is not a usable value", field, m.rows.size() + 1,
                             column_label(columns, count)));
    }
    if (count < m.width) *out++ = value;   // later columns are not used
    ++count;
  }
}

RawCell Parser::read_cell(std::string_view field) {
  const int start_line = line_;
  ++p_;   // '{'
  RawCell cell;
  while (true) {
    if (p_ == end_) {
      fail(start_line, fmt::format("mpc.{}: the cell array opened here is never closed: the file ends "
                                   "at line {} without its '}}' (is the file truncated?)",
                                   field, last_line()));
    }
    switch (*p_) {
      case ' ': case '\t': case '\r': case ',': case ';':
        ++p_;
        break;
      case '\n':
        ++p_;
        ++line_;
        break;
      case '%':
        skip_to_eol();
        break;
      case '}':
        ++p_;
        return cell;
      case '\'':
      case '"': {
        const int line = line_;
        cell.items.push_back(RawString{read_quoted(), line});
        break;
      }
      default:
        if (at_continuation()) {
          skip_continuation();
          break;
        }
        fail(line_, fmt::format("mpc.{}: expected a quoted name such as 'Bus 1', found \"{}\"", field,
                                token_at(p_)));
    }
  }
}

// A MATLAB string in single or double quotes; a doubled quote stands for one quote character.
std::string Parser::read_quoted() {
  const char quote = *p_++;
  std::string text;
  while (true) {
    if (p_ == end_ || *p_ == '\n') fail(line_, "a quoted string is not closed on its line");
    if (*p_ == quote) {
      if (end_ - p_ >= 2 && p_[1] == quote) {
        text += quote;
        p_ += 2;
        continue;
      }
      ++p_;
      return text;
    }
    text += *p_++;
  }
}

// ---------------------------------------------------------------------------------------------
// Mapping into the component model

bool is_whole(double v) { return std::isfinite(v) && v == std::floor(v) && std::abs(v) < 9e15; }

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// MATPOWER's GENFUELS list; combustion and steam plants are all thermal here.
model::GenKind gen_kind_from_fuel(std::string_view fuel) {
  const std::string f = ascii_lower(fuel);
  if (f == "hydro" || f == "hydrops") return model::GenKind::Hydro;
  if (f == "solar") return model::GenKind::Solar;
  if (f == "wind") return model::GenKind::Wind;
  static constexpr std::array<std::string_view, 15> thermal = {
      "coal",   "ng",       "oil",    "nuclear",   "biomass", "dfo",    "rfo",    "lng",
      "jetfuel", "kerosene", "refuse", "wasteheat", "wood",    "geothermal", "lignite"};
  if (std::find(thermal.begin(), thermal.end(), f) != thermal.end()) return model::GenKind::Thermal;
  return model::GenKind::Other;   // syncgen, other, unknown, anything new
}

void append_int(std::string& out, std::int64_t value) {
  std::array<char, 24> buf{};
  const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), result.ptr);
}

// Element names such as "gen12@3401" or "12-34#2": built with to_chars rather than fmt because
// there are tens of thousands of them, and they fit std::string's inline buffer.
std::string id_name(std::string_view prefix, std::int64_t a, char separator, std::int64_t b) {
  std::string name(prefix);
  append_int(name, a);
  name += separator;
  append_int(name, b);
  return name;
}

// Open-addressing hash map from a 64-bit key to an int, sized once for `expected` keys: one
// allocation, and a lookup usually touches one cache line, where std::unordered_map chases a node
// per entry. It makes bus lookups for the 2 x 20,000 branch ends of a large case several times
// faster. Keys must not be ~0 (the free-slot mark).
class FlatIntMap {
 public:
  explicit FlatIntMap(std::size_t expected) {
    unsigned bits = 4;
    while ((std::size_t{1} << bits) < 2 * expected) ++bits;
    shift_ = 64 - bits;
    slots_.assign(std::size_t{1} << bits, Slot{});
  }
  // The value for `key`, inserted as 0 when absent.
  int& operator[](std::uint64_t key) {
    std::size_t i = home(key);
    while (slots_[i].key != free && slots_[i].key != key) i = (i + 1) & (slots_.size() - 1);
    slots_[i].key = key;
    return slots_[i].value;
  }
  [[nodiscard]] const int* find(std::uint64_t key) const {
    if (key == free) return nullptr;
    for (std::size_t i = home(key); slots_[i].key != free; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == key) return &slots_[i].value;
    }
    return nullptr;
  }

 private:
  static constexpr std::uint64_t free = ~std::uint64_t{0};
  struct Slot {
    std::uint64_t key = free;
    int value = 0;
  };
  std::vector<Slot> slots_;
  unsigned shift_ = 60;
  [[nodiscard]] std::size_t home(std::uint64_t key) const {   // Fibonacci hashing
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
};

class NetworkBuilder {
 public:
  NetworkBuilder(const RawCase& raw, const std::string& file) : raw_(raw), file_(file) {}
  model::Network build();

 private:
  const RawCase& raw_;
  const SharedPath file_;   // one string for every record's SourceLoc
  model::Network net_;

  [[noreturn]] void fail(int line, const std::string& message) const {
    throw InputError(SourceLoc{file_, line}, message);
  }
  void check_columns(std::string_view field, const RawMatrix& m, std::size_t r,
                     std::span<const std::string_view> columns) const;
  // Rejects ±Inf in the used columns, except those whose bit is set in `infinite_ok`.
  void check_finite(std::string_view field, const RawMatrix& m, std::size_t r,
                    std::span<const std::string_view> columns, std::uint32_t infinite_ok) const;
  // The bus a gen or branch row refers to; `role` is e.g. "from bus" for the message.
  BusIdx bus_ref(const FlatIntMap& buses, std::string_view field, std::size_t r, std::string_view role,
                 double id, int line) const;
  void add_buses(FlatIntMap& bus_by_id);
  void add_generators(const FlatIntMap& bus_by_id);
  void add_branches(const FlatIntMap& bus_by_id);
};

void NetworkBuilder::check_columns(std::string_view field, const RawMatrix& m, std::size_t r,
                                   std::span<const std::string_view> columns) const {
  if (m.rows[r].count >= columns.size()) return;
  std::string names;
  for (std::string_view c : columns) {
    if (!names.empty()) names += ' ';
    names += c;
  }
  fail(m.rows[r].line, fmt::format("mpc.{} row {} has {} columns, needs at least {} ({})", field, r + 1,
                                   m.rows[r].count, columns.size(), names));
}

void NetworkBuilder::check_finite(std::string_view field, const RawMatrix& m, std::size_t r,
                                  std::span<const std::string_view> columns,
                                  std::uint32_t infinite_ok) const {
  const double* v = m.row(r);
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (std::isfinite(v[c]) || (infinite_ok >> c & 1U) != 0) continue;
    fail(m.rows[r].line, fmt::format("mpc.{} row {}, {}: {} is not allowed here (only generator "
                                     "Qmax, Qmin and Pmax may be infinite)",
                                     field, r + 1, column_label(columns, c), v[c] > 0 ? "Inf" : "-Inf"));
  }
}

BusIdx NetworkBuilder::bus_ref(const FlatIntMap& buses, std::string_view field, std::size_t r,
                               std::string_view role, double id, int line) const {
  if (!is_whole(id)) {
    fail(line, fmt::format("mpc.{} row {}: {} number {} is not a whole number", field, r + 1, role, id));
  }
  const int* idx = buses.find(static_cast<std::uint64_t>(static_cast<ExtId>(id)));
  if (!idx) fail(line, fmt::format("mpc.{} row {}: {} {} does not exist in mpc.bus", field, r + 1, role, id));
  return BusIdx{*idx};
}

model::Network NetworkBuilder::build() {
  if (!raw_.version) {
    fail(1, "no mpc.version found: this reader needs a MATPOWER case format version 2 file "
            "(with the line mpc.version = '2';)");
  }
  if (raw_.version->text != "2") {
    fail(raw_.version->line,
         fmt::format("mpc.version is '{}': only MATPOWER case format version 2 is supported "
                     "(MATPOWER's savecase writes version 2)",
                     raw_.version->text));
  }
  if (!raw_.base_mva) fail(1, "no mpc.baseMVA found (the system MVA base)");
  const double base_mva = raw_.base_mva->value;
  if (!(base_mva > 0.0) || !std::isfinite(base_mva)) {
    fail(raw_.base_mva->line,
         fmt::format("mpc.baseMVA is {}: the system MVA base must be a positive number", base_mva));
  }
  for (const auto& [matrix, field] : {std::pair{&raw_.bus, "bus"}, std::pair{&raw_.gen, "gen"},
                                      std::pair{&raw_.branch, "branch"}}) {
    if (!*matrix) fail(1, fmt::format("no mpc.{} matrix found", field));
  }
  if (raw_.bus->rows.empty()) fail(raw_.bus->line, "mpc.bus has no rows: a network needs buses");

  net_.source_file = file_;
  net_.base_mva = base_mva;
  FlatIntMap bus_by_id(raw_.bus->rows.size());   // faster than net_.find_bus for the many lookups
  add_buses(bus_by_id);
  add_generators(bus_by_id);
  add_branches(bus_by_id);
  return std::move(net_);
}

void NetworkBuilder::add_buses(FlatIntMap& bus_by_id) {
  const RawMatrix& m = *raw_.bus;
  const std::size_t n = m.rows.size();
  if (raw_.bus_name && raw_.bus_name->items.size() != n) {
    fail(raw_.bus_name->line,
         fmt::format("mpc.bus_name has {} names but mpc.bus has {} rows: give one name per bus row",
                     raw_.bus_name->items.size(), n));
  }
  net_.buses.reserve(n);
  net_.loads.reserve(n);
  for (std::size_t r = 0; r < n; ++r) {
    check_columns("bus", m, r, bus_columns);
    check_finite("bus", m, r, bus_columns, 0);
    const double* v = m.row(r);
    const int line = m.rows[r].line;
    if (!is_whole(v[0]) || v[0] < 1) {
      fail(line, fmt::format("mpc.bus row {}: bus number {} must be a positive whole number", r + 1,
                             v[0]));
    }
    model::Bus bus;
    bus.id = static_cast<ExtId>(v[0]);
    if (!is_whole(v[1]) || v[1] < 1 || v[1] > 4) {
      fail(line, fmt::format("bus {}: type {} is not a MATPOWER bus type (1 PQ, 2 PV, 3 reference, "
                             "4 isolated)",
                             bus.id, v[1]));
    }
    if (!is_whole(v[6])) fail(line, fmt::format("bus {}: area {} is not a whole number", bus.id, v[6]));
    bus.type = static_cast<model::BusType>(static_cast<int>(v[1]));
    bus.area = static_cast<int>(v[6]);
    bus.vm_pu = v[7];
    bus.va_deg = v[8];
    bus.base_kv = v[9];
    if (is_whole(v[10])) {
      append_int(bus.zone, static_cast<std::int64_t>(v[10]));
    } else {
      bus.zone = fmt::format("{}", v[10]);
    }
    bus.vmax_pu = v[11];
    bus.vmin_pu = v[12];
    bus.loc = SourceLoc{file_, line};
    if (raw_.bus_name) {
      // Real cases repeat names; keep the first and make later ones unique with the bus number.
      bus.name = raw_.bus_name->items[r].text;
      if (!bus.name.empty()) {
        while (net_.find_bus_by_name(bus.name)) {
          bus.name += '#';
          append_int(bus.name, bus.id);
        }
      }
    }
    const ExtId id = bus.id;
    const BusIdx idx = net_.add_bus(std::move(bus));   // throws on a duplicate id, at bus.loc
    bus_by_id[static_cast<std::uint64_t>(id)] = idx.value;
    if (v[2] != 0.0 || v[3] != 0.0) {
      model::Load load;
      load.name = "load@";
      append_int(load.name, id);
      load.bus = idx;
      load.p_mw = v[2];
      load.q_mvar = v[3];
      load.loc = SourceLoc{file_, line};
      net_.loads.push_back(std::move(load));
    }
    if (v[4] != 0.0 || v[5] != 0.0) {
      model::Shunt shunt;
      shunt.name = "shunt@";
      append_int(shunt.name, id);
      shunt.bus = idx;
      shunt.g_mw = v[4];
      shunt.b_mvar = v[5];
      shunt.loc = SourceLoc{file_, line};
      net_.shunts.push_back(std::move(shunt));
    }
  }
}

void NetworkBuilder::add_generators(const FlatIntMap& bus_by_id) {
  const RawMatrix& m = *raw_.gen;
  const std::size_t n = m.rows.size();
  if (raw_.genfuel && raw_.genfuel->items.size() != n) {
    fail(raw_.genfuel->line,
         fmt::format("mpc.genfuel has {} entries but mpc.gen has {} rows: give one fuel per generator",
                     raw_.genfuel->items.size(), n));
  }
  constexpr std::uint32_t qmax_qmin_pmax = (1U << 3) | (1U << 4) | (1U << 8);
  net_.generators.reserve(n);
  for (std::size_t r = 0; r < n; ++r) {
    check_columns("gen", m, r, gen_columns);
    check_finite("gen", m, r, gen_columns, qmax_qmin_pmax);
    const double* v = m.row(r);
    const int line = m.rows[r].line;
    model::Generator gen;
    gen.bus = bus_ref(bus_by_id, "gen", r, "bus", v[0], line);
    gen.name = id_name("gen", static_cast<std::int64_t>(r + 1), '@', static_cast<ExtId>(v[0]));
    if (raw_.genfuel) gen.kind = gen_kind_from_fuel(raw_.genfuel->items[r].text);
    gen.p_mw = v[1];
    gen.q_mvar = v[2];
    gen.qmax_mvar = v[3];
    gen.qmin_mvar = v[4];
    gen.vg_pu = v[5];
    if (!(gen.vg_pu >= 0.5 && gen.vg_pu <= 1.5)) {
      fail(line, fmt::format("generator {}: voltage set-point Vg = {} pu is outside 0.5 to 1.5 pu",
                             gen.name, gen.vg_pu));
    }
    gen.mbase_mva = v[6];
    gen.in_service = v[7] > 0.0;   // MATPOWER: status > 0 is in service
    gen.pmax_mw = v[8];
    gen.pmin_mw = v[9];
    gen.loc = SourceLoc{file_, line};
    net_.generators.push_back(std::move(gen));
  }
}

void NetworkBuilder::add_branches(const FlatIntMap& bus_by_id) {
  const RawMatrix& m = *raw_.branch;
  const std::size_t n = m.rows.size();
  net_.branches.reserve(n);
  FlatIntMap parallel(n);   // branches seen per ordered bus pair, to number parallel ones
  for (std::size_t r = 0; r < n; ++r) {
    check_columns("branch", m, r, branch_columns);
    check_finite("branch", m, r, branch_columns, 0);
    const double* v = m.row(r);
    const int line = m.rows[r].line;
    model::Branch br;
    br.from = bus_ref(bus_by_id, "branch", r, "from bus", v[0], line);
    br.to = bus_ref(bus_by_id, "branch", r, "to bus", v[1], line);
    br.name = id_name("", static_cast<ExtId>(v[0]), '-', static_cast<ExtId>(v[1]));
    const auto pair_key = (static_cast<std::uint64_t>(br.from.value) << 32) |
                          static_cast<std::uint32_t>(br.to.value);
    if (const int copy = ++parallel[pair_key]; copy > 1) {
      br.name += '#';
      append_int(br.name, copy);
    }
    br.r_pu = v[2];
    br.x_pu = v[3];
    br.b_pu = v[4];
    if (br.r_pu == 0.0 && br.x_pu == 0.0) {
      fail(line, fmt::format("branch {} (mpc.branch row {}): r = x = 0 is a zero impedance, which a "
                             "load flow cannot use; give it a small reactance or merge the two buses",
                             br.name, r + 1));
    }
    for (std::size_t c = 5; c <= 7; ++c) {
      if (v[c] < 0.0) {
        fail(line, fmt::format("branch {} (mpc.branch row {}): {} = {} MVA is negative (0 means "
                               "unlimited)",
                               br.name, r + 1, branch_columns[c], v[c]));
      }
    }
    br.rate_a_mva = v[5];
    br.rate_b_mva = v[6];
    br.rate_c_mva = v[7];
    br.tap_ratio = v[8];
    br.shift_deg = v[9];
    br.kind = (br.tap_ratio != 0.0 || br.shift_deg != 0.0) ? model::BranchKind::Transformer
                                                           : model::BranchKind::Line;
    br.in_service = v[10] > 0.0;
    br.loc = SourceLoc{file_, line};
    net_.branches.push_back(std::move(br));
  }
}

}  // namespace

namespace {
// Large cases: `mpc.branch = [...]` (about half of the numbers) is parsed by a second thread while
// this one parses the rest. It is found by a plain search for a line starting with `mpc.branch`; the
// main parser takes the thread's result only when it arrives at exactly that position as the start
// of a statement, so a match inside a comment or an unclosed matrix changes nothing (the main parser
// then reads that text itself, as it would without the thread). Errors stay those of a serial
// parse: whatever the main parser finds before that position comes first, and the thread's error
// is raised when the main parser reaches the statement.
RawCase parse_text(std::string_view text, const std::string& file_label, const ParseOptions& opt) {
  if (text.size() < opt.parallel_min_bytes) return Parser(text, file_label).parse();
  constexpr std::string_view key = "\nmpc.branch";
  const std::size_t nl = text.find(key);
  if (nl == std::string_view::npos || nl + key.size() >= text.size() || is_ident_char(text[nl + key.size()]))
    return Parser(text, file_label).parse();
  const std::size_t pos = nl + 1;
  Offloaded off;
  off.offset = pos;
  off.line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
  off.worker = std::thread([&] { Parser(text, file_label).parse_statement_at(off.offset, off.line, off); });
  return Parser(text, file_label, &off).parse();   // ~Offloaded joins on every path
}
}  // namespace

model::Network parse_matpower(std::string_view text, const std::string& file_label, const ParseOptions& opt) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw InputError(SourceLoc{file_label, 1}, "the file is empty: no MATPOWER case data");
  }
  const RawCase raw = parse_text(text, file_label, opt);
  model::Network net = NetworkBuilder(raw, file_label).build();
  net.name = !raw.function_name.empty()
                 ? raw.function_name
                 : std::filesystem::path(file_label).stem().string();
  return net;
}

model::Network read_matpower(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(SourceLoc{path, 0}, "cannot read the case file: it is a directory");
  }
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                              &std::fclose);
  if (!file) {
    throw InputError(SourceLoc{path, 0},
                     fmt::format("cannot open the case file: {}", std::strerror(errno)));
  }
  // One read of the whole file; the size is only a hint (the file may change under us).
  std::string text;
  const auto size_hint = std::filesystem::file_size(path, ec);
  text.resize(ec ? std::size_t{1} << 16 : static_cast<std::size_t>(size_hint) + 1);
  std::size_t used = 0;
  while (true) {
    used += std::fread(text.data() + used, 1, text.size() - used, file.get());
    if (used < text.size()) break;
    text.resize(text.size() * 2);
  }
  if (std::ferror(file.get())) {
    throw InputError(SourceLoc{path, 0},
                     fmt::format("cannot read the case file: {}", std::strerror(errno)));
  }
  text.resize(used);
  model::Network net = parse_matpower(text, path);
  net.name = std::filesystem::path(path).stem().string();
  return net;
}

}  // namespace lsflow::io
