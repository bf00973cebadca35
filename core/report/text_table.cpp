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

std::string cut_text(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width == 0) return {};
  std::string out;
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (n + 1 == width) break;
      ++n;
    }
    out += text[i];
  }
  return out + "~";
}

std::string wrap_text(std::string_view text, std::size_t width, std::string_view first, std::string_view next) {
  std::string out(first), word;
  std::size_t col = display_width(first);
  bool line_empty = true;
  auto flush_word = [&] {
    if (word.empty()) return;
    const std::size_t w = display_width(word);
    if (!line_empty && width > 0 && col + 1 + w > width) {
      out += "\n";
      out += next;
      col = display_width(next);
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++col;
    }
    out += word;
    col += w;
    line_empty = false;
    word.clear();
  };
  for (char c : text) {
    if (c == ' ') flush_word();
    else word += c;
  }
  flush_word();
  return out + "\n";
}

std::string fit_lines(std::string_view text, std::size_t width) {
  if (width == 0) return std::string(text);
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (display_width(line) <= width) {
      out += line;
    } else {
      const std::size_t lead = line.find_first_not_of(' ');
      const std::string indent(lead == std::string_view::npos ? 0 : lead, ' ');
      std::string w = wrap_text(line.substr(indent.size()), width, indent, indent + "  ");
      w.pop_back();   // wrap_text ends with a newline
      out += w;
    }
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  return out;
}

void TextTable::add_column(std::string header, Align align, Fit fit) {
  headers_.push_back(std::move(header));
  aligns_.push_back(align);
  fits_.push_back(fit);
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
  const std::size_t nc = headers_.size();
  std::vector<std::size_t> w(nc, 0);
  for (std::size_t c = 0; c < nc; ++c) {
    w[c] = display_width(headers_[c]);
    for (std::size_t i = 0; i < rows_.size(); ++i)
      if (sections_[i].empty()) w[c] = std::max(w[c], display_width(rows_[i][c]));
  }
  std::vector<bool> shown(nc, true);
  auto total_width = [&] {
    std::size_t total = display_width(indent), cols = 0;
    for (std::size_t c = 0; c < nc; ++c)
      if (shown[c]) total += w[c] + (cols++ ? 2 : 0);
    return total;
  };
  if (max_width_ > 0) {
    for (std::size_t c = nc; c-- > 0 && total_width() > max_width_;)
      if (fits_[c] == Fit::Drop) shown[c] = false;
    // Cut the shrinkable columns, the widest first, one character at a time.
    while (total_width() > max_width_) {
      std::size_t best = nc;
      for (std::size_t c = 0; c < nc; ++c) {
        const std::size_t floor = std::max<std::size_t>(8, display_width(headers_[c]));
        if (shown[c] && fits_[c] == Fit::Shrink && w[c] > floor && (best == nc || w[c] > w[best])) best = c;
      }
      if (best == nc) break;
      --w[best];
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s(indent);
    std::size_t last = 0;
    for (std::size_t c = 0; c < nc; ++c)
      if (shown[c]) last = c;
    bool first = true;
    for (std::size_t c = 0; c < nc; ++c) {
      if (!shown[c]) continue;
      const std::string cell = cut_text(cells[c], w[c]);
      const std::size_t pad = w[c] - display_width(cell);
      if (!first) s += "  ";
      first = false;
      if (aligns_[c] == Align::Right) s += std::string(pad, ' ') + cell;
      else s += cell + (c == last ? std::string() : std::string(pad, ' '));
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string out = line(headers_);
  out += std::string(indent) + std::string(total_width() - display_width(indent), '-') + "\n";
  for (std::size_t i = 0; i < rows_.size(); ++i)
    out += sections_[i].empty() ? line(rows_[i]) : std::string(indent) + sections_[i] + "\n";
  return out;
}

}  // namespace lsflow::report
