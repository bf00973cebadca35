#pragma once
// A small writer of self-contained HTML reports (`--html FILE`): one file with its CSS, a few lines of
// JavaScript (sortable tables, an error counter the browser test reads) and every figure as inline SVG —
// no network fetch, no CDN, nothing to install to open it. Charts are drawn here, not by a library: a
// network map, bar charts, line charts (duration curves, profiles), a heat map.
//
// Colours carry meaning the legend states: loading green < 60 % ≤ light green < 80 % ≤ orange ≤ 100 % <
// red; a bus in its band blue, below it purple, above it red; grey: not energised or not rated.
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace lsflow::report::html {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

[[nodiscard]] std::string escape(std::string_view text);
[[nodiscard]] std::string num(double x, int decimals);   // "—" for NaN

// Colours.
[[nodiscard]] const char* loading_colour(double loading_pct, double limit_pct = 100.0);
inline constexpr const char* kBlue = "#2b6cb0";
inline constexpr const char* kPurple = "#7b3294";
inline constexpr const char* kRed = "#d73027";
inline constexpr const char* kGrey = "#9a9a9a";
// A diverging colour for a change (blue less … red more), ±span at the ends.
[[nodiscard]] std::string delta_colour(double delta, double span);

// A table: header cells, rows of cells (already escaped HTML), which columns hold numbers (sorted
// numerically), an optional CSS class per row.
struct Table {
  std::string id;
  std::vector<std::string> headers;
  std::vector<bool> numeric;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row_class;
  bool sortable = true;
};
[[nodiscard]] std::string table(const Table& t);

// Horizontal bars, one per item (a value, a colour, a hover title), with an optional limit line.
struct Bar {
  std::string label;
  double value = 0.0;
  std::string colour;
  std::string title;
  double value2 = kNaN;          // a second, thinner bar under the first (e.g. N-1 under normal)
  std::string colour2;
};
[[nodiscard]] std::string bar_chart(const std::vector<Bar>& bars, const std::string& unit, double limit = kNaN,
                                    const std::string& id = {});

// Lines over a numeric x axis.
struct Series {
  std::string name;
  std::string colour;
  std::vector<double> x, y;
};
struct LineChart {
  std::string id;
  std::string x_label, y_label;
  std::vector<Series> series;
  double y_min = kNaN, y_max = kNaN;     // NaN: from the data
  double band_lo = kNaN, band_hi = kNaN; // a shaded band (e.g. a voltage band, a loading limit from 0)
  double hline = kNaN;                   // a dashed horizontal line (a limit)
  bool points = false;                   // dots instead of lines
  std::vector<std::string> point_titles; // per point of series[0] when `points`
};
[[nodiscard]] std::string line_chart(const LineChart& c);

// A heat map of rows × columns of values (NaN: no value), coloured by loading_colour-like steps.
[[nodiscard]] std::string heatmap(const std::vector<std::vector<double>>& v, const std::string& row_label,
                                  const std::string& col_label, double limit, const std::string& id = {});

// A network drawing. Nodes carry their own place (x, y in any unit, y up), edges join two nodes; the
// writer scales everything into the picture.
struct MapNode {
  std::string id, label, title;
  double x = 0.0, y = 0.0;
  std::string fill = kGrey;
  std::string ring;              // a ring around the node (e.g. the worst transformer loading); empty: none
  double radius = 6.0;
  std::string cls;
};
struct MapEdge {
  std::size_t a = 0, b = 0;      // node indices
  std::string name, title;
  std::string stroke = kGrey;
  double width = 2.5;
  bool dashed = false;
  std::string cls;
  std::string data_value;        // data-value attribute (e.g. the loading %)
};
struct LegendItem {
  std::string colour, text;
  bool line = true;              // a line swatch, else a dot
};
[[nodiscard]] std::string network_map(std::vector<MapNode> nodes, const std::vector<MapEdge>& edges,
                                      const std::vector<LegendItem>& legend, const std::string& id,
                                      bool geographic);

// Places for nodes without coordinates: a force-directed layout of the graph (Boost.Graph's
// Fruchterman–Reingold), deterministic (seeded, start on a circle).
void force_layout(std::vector<MapNode>& nodes, const std::vector<MapEdge>& edges);

// The standard legends.
[[nodiscard]] std::vector<LegendItem> loading_legend();
[[nodiscard]] std::vector<LegendItem> voltage_legend();

// A whole page: a title, a subtitle, sections in order.
class Page {
 public:
  Page(std::string title, std::string subtitle);
  void section(const std::string& heading, const std::string& body, const std::string& id = {});
  void paragraph(const std::string& text);   // escaped
  [[nodiscard]] std::string render() const;

 private:
  std::string title_, subtitle_, body_;
};

}  // namespace lsflow::report::html
