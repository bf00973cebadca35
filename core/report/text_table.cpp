#include "report/text_table.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace lsflow::report {

std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string fixed(double x, int decimals) {
  if (std::isnan(x)) return "—";
  // No "-0.0": a value that rounds to zero prints as zero.
  if (std::abs(x) < 0.5 * std::pow(10.0, -decimals)) x = 0.0;
  return fmt::format("{:.{}f}", x, decimals);
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void TextTable::add_column(std::string header, Align align) {
  headers_.push_back(std::move(header));
  aligns_.push_back(align);
}

void TextTable::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
  sections_.emplace_back();
}

void TextTable::add_section(std::string title) {
  rows_.emplace_back(headers_.size());
  sections_.push_back(std::move(title));
}

std::string TextTable::render(std::string_view indent) const {
  std::vector<std::size_t> w(headers_.size(), 0);
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    w[c] = display_width(headers_[c]);
    for (std::size_t i = 0; i < rows_.size(); ++i)
      if (sections_[i].empty()) w[c] = std::max(w[c], display_width(rows_[i][c]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s(indent);
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t pad = w[c] - display_width(cells[c]);
      const bool last = c + 1 == cells.size();
      if (aligns_[c] == Align::Right) s += std::string(pad, ' ') + cells[c];
      else s += cells[c] + (last ? std::string() : std::string(pad, ' '));
      if (!last) s += "  ";
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string out = line(headers_);
  std::size_t total = 0;
  for (std::size_t c = 0; c < w.size(); ++c) total += w[c] + (c + 1 < w.size() ? 2 : 0);
  out += std::string(indent) + std::string(total, '-') + "\n";
  for (std::size_t i = 0; i < rows_.size(); ++i)
    out += sections_[i].empty() ? line(rows_[i]) : std::string(indent) + sections_[i] + "\n";
  return out;
}


}  // namespace lsflow::report
