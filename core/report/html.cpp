#include "report/html.hpp"

#include <algorithm>
#include <map>
#include <numbers>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/fruchterman_reingold.hpp>
#include <boost/graph/random_layout.hpp>
#include <boost/graph/topology.hpp>
#include <boost/random/linear_congruential.hpp>
#include <fmt/format.h>

namespace lsflow::report::html {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double x, int decimals) {
  if (std::isnan(x)) return "—";
  if (std::abs(x) < 0.5 * std::pow(10.0, -decimals)) x = 0.0;
  return fmt::format("{:.{}f}", x, decimals);
}

const char* loading_colour(double pct, double limit) {
  if (std::isnan(pct)) return kGrey;
  if (pct > limit) return kRed;
  if (pct >= 0.8 * limit) return "#f29e38";
  if (pct >= 0.6 * limit) return "#8cc63f";
  return "#1a9850";
}

std::string delta_colour(double delta, double span) {
  if (std::isnan(delta)) return kGrey;
  const double t = std::clamp(delta / (span > 0 ? span : 1.0), -1.0, 1.0);
  // white at 0, red for more, blue for less
  auto mix = [](int a, int b, double u) { return static_cast<int>(std::lround(a + (b - a) * u)); };
  const double u = std::abs(t);
  const int r = t > 0 ? mix(235, 215, u) : mix(235, 43, u);
  const int g = t > 0 ? mix(235, 48, u) : mix(235, 108, u);
  const int b = t > 0 ? mix(235, 39, u) : mix(235, 176, u);
  return fmt::format("#{:02x}{:02x}{:02x}", r, g, b);
}

std::vector<LegendItem> loading_legend() {
  return {{"#1a9850", "< 60 %"}, {"#8cc63f", "60–80 %"}, {"#f29e38", "80–100 %"}, {kRed, "> 100 % (overload)"},
          {kGrey, "not energised / unrated"}};
}

std::vector<LegendItem> voltage_legend() {
  return {{kBlue, "bus in band", false}, {kPurple, "below its band", false}, {kRed, "above its band", false},
          {kGrey, "no band / not energised", false}};
}

std::string table(const Table& t) {
  std::string s = fmt::format("<table class=\"data{}\"{}>\n<thead><tr>", t.sortable ? " sortable" : "",
                              t.id.empty() ? "" : " id=\"" + escape(t.id) + "\"");
  for (std::size_t c = 0; c < t.headers.size(); ++c)
    s += fmt::format("<th{}>{}</th>", c < t.numeric.size() && t.numeric[c] ? " class=\"num\"" : "", escape(t.headers[c]));
  s += "</tr></thead>\n<tbody>\n";
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const std::string cls = r < t.row_class.size() ? t.row_class[r] : "";
    s += cls.empty() ? "<tr>" : "<tr class=\"" + cls + "\">";
    for (std::size_t c = 0; c < t.rows[r].size(); ++c)
      s += fmt::format("<td{}>{}</td>", c < t.numeric.size() && t.numeric[c] ? " class=\"num\"" : "", t.rows[r][c]);
    s += "</tr>\n";
  }
  return s + "</tbody></table>\n";
}

std::string bar_chart(const std::vector<Bar>& bars, const std::string& unit, double limit, const std::string& id) {
  if (bars.empty()) return "<p class=\"note\">nothing to show</p>\n";
  const double row = 22.0, label_w = 230.0, plot_w = 560.0, top = 24.0;
  double vmax = 0.0;
  for (const auto& b : bars) vmax = std::max({vmax, b.value, std::isnan(b.value2) ? 0.0 : b.value2});
  if (!std::isnan(limit)) vmax = std::max(vmax, limit * 1.05);
  if (vmax <= 0.0) vmax = 1.0;
  const double h = top + row * static_cast<double>(bars.size()) + 26.0;
  const double w = label_w + plot_w + 70.0;
  std::string s = fmt::format("<svg class=\"chart\"{} viewBox=\"0 0 {:.0f} {:.0f}\" width=\"{:.0f}\" height=\"{:.0f}\" "
                              "role=\"img\">\n",
                              id.empty() ? "" : " id=\"" + escape(id) + "\"", w, h, w, h);
  auto xs = [&](double v) { return label_w + plot_w * std::max(0.0, v) / vmax; };
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const double y = top + row * static_cast<double>(i);
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"lbl\" text-anchor=\"end\">{}</text>\n", label_w - 6, y + 14,
                     escape(b.label));
    const bool two = !std::isnan(b.value2);
    s += fmt::format("<rect class=\"bar\" data-name=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                     "fill=\"{}\"><title>{}</title></rect>\n",
                     escape(b.label), label_w, y + 3, xs(b.value) - label_w, two ? 9.0 : 16.0, b.colour, escape(b.title));
    if (two)
      s += fmt::format("<rect class=\"bar2\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"7\" fill=\"{}\"><title>{}"
                       "</title></rect>\n",
                       label_w, y + 13, xs(b.value2) - label_w, b.colour2, escape(b.title));
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"val\">{}</text>\n", xs(std::max(b.value, two ? b.value2 : 0.0)) + 4,
                     y + 14, escape(num(b.value, b.value >= 100 ? 0 : 1) + (two ? " / " + num(b.value2, b.value2 >= 100 ? 0 : 1) : "")));
  }
  if (!std::isnan(limit))
    s += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" class=\"limit\"/>"
                     "<text x=\"{0:.1f}\" y=\"{3:.1f}\" class=\"lbl\" text-anchor=\"middle\">limit {4}</text>\n",
                     xs(limit), top - 4, h - 22, top - 8, escape(num(limit, 0) + " " + unit));
  s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"axis\">{}</text>\n", label_w + plot_w / 2, h - 6, escape(unit));
  return s + "</svg>\n";
}

std::string line_chart(const LineChart& c) {
  const double W = 860, H = 330, L = 64, R = 16, T = 14, B = 44;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : c.series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (std::isnan(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
    }
  if (!std::isfinite(x0)) return "<p class=\"note\">nothing to show</p>\n";
  for (double v : {c.band_lo, c.band_hi, c.hline})
    if (!std::isnan(v)) {
      y0 = std::min(y0, v);
      y1 = std::max(y1, v);
    }
  if (!std::isnan(c.y_min)) y0 = c.y_min;
  if (!std::isnan(c.y_max)) y1 = c.y_max;
  if (y1 - y0 < 1e-9) {
    y0 -= 1;
    y1 += 1;
  }
  const double pad = 0.05 * (y1 - y0);
  if (std::isnan(c.y_min)) y0 -= pad;
  if (std::isnan(c.y_max)) y1 += pad;
  if (x1 - x0 < 1e-9) x1 = x0 + 1;
  auto X = [&](double x) { return L + (W - L - R) * (x - x0) / (x1 - x0); };
  auto Y = [&](double y) { return T + (H - T - B) * (1.0 - (y - y0) / (y1 - y0)); };
  std::string s = fmt::format("<svg class=\"chart\"{} viewBox=\"0 0 {:.0f} {:.0f}\" width=\"{:.0f}\" height=\"{:.0f}\" "
                              "role=\"img\">\n",
                              c.id.empty() ? "" : " id=\"" + escape(c.id) + "\"", W, H, W, H);
  if (!std::isnan(c.band_lo) && !std::isnan(c.band_hi))
    s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" class=\"band\"/>\n", L, Y(c.band_hi),
                     W - L - R, Y(c.band_lo) - Y(c.band_hi));
  // Axes with five ticks each.
  s += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" class=\"ax\"/><line x1=\"{0}\" x2=\"{3}\" y1=\"{2}\" "
                   "y2=\"{2}\" class=\"ax\"/>\n",
                   L, T, H - B, W - R);
  for (int k = 0; k <= 4; ++k) {
    const double yv = y0 + (y1 - y0) * k / 4.0, xv = x0 + (x1 - x0) * k / 4.0;
    const int yd = (y1 - y0) < 0.5 ? 3 : (y1 - y0) < 10 ? 2 : 0;
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"end\">{}</text>\n", L - 4, Y(yv) + 4,
                     num(yv, yd));
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"middle\">{}</text>\n", X(xv), H - B + 16,
                     num(xv, (x1 - x0) < 10 ? 1 : 0));
  }
  s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"middle\">{}</text>\n", (L + W - R) / 2, H - 6,
                   escape(c.x_label));
  s += fmt::format("<text x=\"14\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"middle\" transform=\"rotate(-90 14 {:.1f})\">{}"
                   "</text>\n",
                   (T + H - B) / 2, (T + H - B) / 2, escape(c.y_label));
  if (!std::isnan(c.hline))
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" class=\"limit\"/>\n", L, W - R, Y(c.hline),
                     Y(c.hline));
  for (std::size_t k = 0; k < c.series.size(); ++k) {
    const auto& ser = c.series[k];
    if (c.points) {
      s += fmt::format("<g class=\"series\" data-name=\"{}\">", escape(ser.name));
      for (std::size_t i = 0; i < ser.x.size(); ++i) {
        if (std::isnan(ser.y[i])) continue;
        const std::string title = k == 0 && i < c.point_titles.size() ? c.point_titles[i] : ser.name;
        s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"><title>{}</title></circle>", X(ser.x[i]),
                         Y(ser.y[i]), ser.colour, escape(title));
      }
      s += "</g>\n";
      continue;
    }
    std::string pts;
    pts.reserve(ser.x.size() * 14);
    for (std::size_t i = 0; i < ser.x.size(); ++i)
      if (!std::isnan(ser.y[i])) pts += fmt::format("{:.1f},{:.1f} ", X(ser.x[i]), Y(ser.y[i]));
    s += fmt::format("<polyline class=\"series\" data-name=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\" "
                     "points=\"{}\"><title>{}</title></polyline>\n",
                     escape(ser.name), ser.colour, pts, escape(ser.name));
  }
  // Legend.
  double lx = L + 8;
  for (const auto& ser : c.series) {
    if (c.series.size() < 2) break;
    s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"4\" fill=\"{}\"/><text x=\"{:.1f}\" y=\"{:.1f}\" "
                     "class=\"lbl\">{}</text>\n",
                     lx, T + 6, ser.colour, lx + 16, T + 11, escape(ser.name));
    lx += 22 + 7.0 * static_cast<double>(ser.name.size());
  }
  return s + "</svg>\n";
}

std::string heatmap(const std::vector<std::vector<double>>& v, const std::string& row_label,
                    const std::string& col_label, double limit, const std::string& id) {
  if (v.empty()) return "<p class=\"note\">nothing to show</p>\n";
  const std::size_t rows = v.size(), cols = v.front().size();
  const double cw = std::max(1.5, 820.0 / static_cast<double>(cols)), ch = 9.0, L = 40, T = 10;
  const double W = L + cw * static_cast<double>(cols) + 10, H = T + ch * static_cast<double>(rows) + 34;
  std::string s = fmt::format("<svg class=\"chart heat\"{} viewBox=\"0 0 {:.0f} {:.0f}\" width=\"{:.0f}\" height=\"{:.0f}\" "
                              "role=\"img\" shape-rendering=\"crispEdges\">\n",
                              id.empty() ? "" : " id=\"" + escape(id) + "\"", W, H, W, H);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) {
      const double x = v[r][c];
      s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{:.0f}\" fill=\"{}\"/>", L + cw * static_cast<double>(c),
                       T + ch * static_cast<double>(r), cw + 0.05, ch, loading_colour(x, limit));
    }
  for (std::size_t r = 0; r < rows; r += 6)
    s += fmt::format("\n<text x=\"{:.0f}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"end\">{:02d}</text>", L - 4,
                     T + ch * static_cast<double>(r) + 8, r);
  s += fmt::format("\n<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"axis\" text-anchor=\"middle\">{}</text>", (L + W) / 2, H - 8,
                   escape(col_label));
  s += fmt::format("<text x=\"10\" y=\"{0:.1f}\" class=\"axis\" transform=\"rotate(-90 10 {0:.1f})\" text-anchor=\"middle\">{1}"
                   "</text>\n",
                   T + ch * static_cast<double>(rows) / 2, escape(row_label));
  return s + "</svg>\n";
}

void force_layout(std::vector<MapNode>& nodes, const std::vector<MapEdge>& edges) {
  using Topology = boost::square_topology<boost::minstd_rand>;
  using Point = Topology::point_type;
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, Point>;
  const auto n = nodes.size();
  if (n == 0) return;
  Graph g(n);
  for (const auto& e : edges)
    if (e.a != e.b) boost::add_edge(e.a, e.b, g);
  boost::minstd_rand gen(42);
  const double side = 100.0 * std::sqrt(static_cast<double>(n));
  Topology topo(gen, side);
  auto pos = boost::get(boost::vertex_bundle, g);
  for (std::size_t i = 0; i < n; ++i) {   // start on a circle: deterministic, no tangle of random starts
    const double a = 2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n);
    Point p;
    p[0] = 0.4 * side * std::cos(a);
    p[1] = 0.4 * side * std::sin(a);
    pos[i] = p;
  }
  boost::fruchterman_reingold_force_directed_layout(g, pos, topo, boost::cooling(boost::linear_cooling<double>(200)));
  for (std::size_t i = 0; i < n; ++i) {
    nodes[i].x = pos[i][0];
    nodes[i].y = pos[i][1];
  }
}

std::string network_map(std::vector<MapNode> nodes, const std::vector<MapEdge>& edges,
                        const std::vector<LegendItem>& legend, const std::string& id, bool geographic) {
  const double W = 900, H = geographic ? 720 : 760, M = 40;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& nd : nodes) {
    x0 = std::min(x0, nd.x);
    x1 = std::max(x1, nd.x);
    y0 = std::min(y0, nd.y);
    y1 = std::max(y1, nd.y);
  }
  if (nodes.empty()) return "<p class=\"note\">no bus to draw</p>\n";
  const double sx = (W - 2 * M) / std::max(1e-9, x1 - x0), sy = (H - 2 * M - 60) / std::max(1e-9, y1 - y0);
  const double k = std::min(sx, sy);
  auto X = [&](double x) { return M + (x - x0) * k; };
  auto Y = [&](double y) { return M + (y1 - y) * k; };
  std::string s = fmt::format("<svg class=\"map\" id=\"{}\" viewBox=\"0 0 {:.0f} {:.0f}\" width=\"{:.0f}\" height=\"{:.0f}\" "
                              "role=\"img\">\n",
                              escape(id), W, H, W, H);
  // Parallel edges between the same two nodes are spread apart.
  std::map<std::pair<std::size_t, std::size_t>, std::pair<int, int>> bundle;   // (count, next)
  for (const auto& e : edges) ++bundle[{std::min(e.a, e.b), std::max(e.a, e.b)}].first;
  s += "<g class=\"edges\">\n";
  for (const auto& e : edges) {
    auto& bd = bundle[{std::min(e.a, e.b), std::max(e.a, e.b)}];
    const int idx = bd.second++;
    const double off = (static_cast<double>(idx) - (bd.first - 1) / 2.0) * 5.0;
    double ax = X(nodes[e.a].x), ay = Y(nodes[e.a].y), bx = X(nodes[e.b].x), by = Y(nodes[e.b].y);
    const double len = std::hypot(bx - ax, by - ay);
    if (len > 1e-9) {
      const double nx = -(by - ay) / len * off, ny = (bx - ax) / len * off;
      ax += nx;
      bx += nx;
      ay += ny;
      by += ny;
    }
    s += fmt::format("<line class=\"edge {}\" data-element=\"{}\" data-value=\"{}\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
                     "y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"{:.1f}\"{}><title>{}</title></line>\n",
                     e.cls, escape(e.name), escape(e.data_value), ax, ay, bx, by, e.stroke, e.width,
                     e.dashed ? " stroke-dasharray=\"5 4\"" : "", escape(e.title));
  }
  s += "</g>\n<g class=\"nodes\">\n";
  const bool labels = nodes.size() <= 80;
  for (const auto& nd : nodes) {
    const double x = X(nd.x), y = Y(nd.y);
    if (!nd.ring.empty())
      s += fmt::format("<circle class=\"ring\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" fill=\"none\" stroke=\"{}\" "
                       "stroke-width=\"3\"/>",
                       x, y, nd.radius + 3.5, nd.ring);
    s += fmt::format("<circle class=\"node {}\" data-node=\"{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" fill=\"{}\"><title>{}"
                     "</title></circle>",
                     nd.cls, escape(nd.id), x, y, nd.radius, nd.fill, escape(nd.title));
    if (labels)
      s += fmt::format("<text class=\"nlabel\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", x + nd.radius + 4, y - nd.radius,
                       escape(nd.label));
    s += "\n";
  }
  s += "</g>\n<g class=\"legend\">\n";
  double lx = M, ly = H - 34;
  for (const auto& li : legend) {
    if (li.line)
      s += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"4\"/>", lx,
                       lx + 18, ly, ly, li.colour);
    else
      s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" fill=\"{}\"/>", lx + 9, ly, li.colour);
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"lbl\">{}</text>\n", lx + 24, ly + 4, escape(li.text));
    lx += 40 + 6.6 * static_cast<double>(li.text.size());
    if (lx > W - 160) {
      lx = M;
      ly += 18;
    }
  }
  return s + "</g>\n</svg>\n";
}

namespace {

constexpr const char* kCss = R"(
:root { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1d2433; }
body { margin: 0; background: #f5f6f8; }
header { background: #1f3a5f; color: #fff; padding: 14px 24px; }
header h1 { margin: 0; font-size: 21px; }
header p { margin: 4px 0 0 0; font-size: 13px; opacity: .9; }
main { padding: 8px 24px 40px 24px; max-width: 1400px; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; margin: 14px 0; padding: 10px 16px; }
section h2 { font-size: 16px; margin: 4px 0 10px 0; color: #1f3a5f; }
p.note, p.text, ul, pre { font-size: 13px; margin: 6px 0; }
.verdict { font-weight: bold; font-size: 14px; padding: 8px 10px; border-left: 5px solid #1f3a5f; background: #eef2f8; }
.verdict.bad { border-color: #d73027; background: #fbeceb; }
.verdict.ok { border-color: #1a9850; background: #eaf6ee; }
table.data { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
table.data th, table.data td { border-bottom: 1px solid #e3e6ea; padding: 3px 8px; text-align: left; }
table.data th { background: #eef1f5; cursor: default; white-space: nowrap; }
table.sortable th { cursor: pointer; }
table.sortable th:after { content: " ⇅"; color: #9aa3ad; font-size: 10px; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fdecea; }
tr.warn td { background: #fff5e5; }
tr.flipped td { background: #fdecea; }
tr.muted td { color: #777; }
svg.map, svg.chart { background: #fff; max-width: 100%; height: auto; }
svg text { font-size: 11px; fill: #333; }
svg text.nlabel { font-size: 10px; fill: #444; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg text.axis { font-size: 12px; fill: #555; }
svg .ax { stroke: #777; stroke-width: 1; }
svg .limit { stroke: #d73027; stroke-width: 1.4; stroke-dasharray: 5 3; }
svg .band { fill: #e6f0fa; }
svg circle.node { stroke: #fff; stroke-width: 1.5; }
.grid2 { display: flex; flex-wrap: wrap; gap: 14px; }
)";

// Sortable tables (click a header), and a counter of script errors the browser test reads.
constexpr const char* kScript = R"(
window.lsflowErrors = 0;
window.addEventListener('error', function () { window.lsflowErrors += 1; document.body.dataset.jsErrors = window.lsflowErrors; });
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('th').forEach(function (th, col) {
      th.addEventListener('click', function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var numeric = th.classList.contains('num');
        var asc = th.dataset.sort !== 'asc';
        rows.sort(function (a, b) {
          var x = a.cells[col].textContent, y = b.cells[col].textContent;
          if (numeric) {
            x = parseFloat(x.replace(/[^0-9eE+\-.]/g, '')); y = parseFloat(y.replace(/[^0-9eE+\-.]/g, ''));
            if (isNaN(x)) x = -Infinity; if (isNaN(y)) y = -Infinity;
            return asc ? x - y : y - x;
          }
          return asc ? x.localeCompare(y) : y.localeCompare(x);
        });
        rows.forEach(function (r) { body.appendChild(r); });
        table.querySelectorAll('th').forEach(function (h) { delete h.dataset.sort; });
        th.dataset.sort = asc ? 'asc' : 'desc';
      });
    });
  });
  // #selftest (the browser test): sort every table by its first numeric column, both ways, and check it.
  if (location.hash === '#selftest') {
    var result = 'ok';
    document.querySelectorAll('table.sortable').forEach(function (table) {
      var ths = Array.prototype.slice.call(table.querySelectorAll('th'));
      var col = ths.findIndex(function (th) { return th.classList.contains('num'); });
      if (col < 0 || table.tBodies[0].rows.length < 2) return;
      [true, false].forEach(function (asc) {
        ths[col].click();
        var v = Array.prototype.map.call(table.tBodies[0].rows, function (r) {
          var x = parseFloat(r.cells[col].textContent.replace(/[^0-9eE+\-.]/g, '')); return isNaN(x) ? -Infinity : x; });
        for (var i = 1; i < v.length; ++i)
          if (asc ? v[i] < v[i - 1] : v[i] > v[i - 1]) result = 'unsorted:' + table.id;
      });
    });
    document.body.dataset.selftest = result;
  }
  document.body.dataset.jsErrors = window.lsflowErrors;
  document.body.dataset.ready = '1';
});
)";

}  // namespace

Page::Page(std::string title, std::string subtitle) : title_(std::move(title)), subtitle_(std::move(subtitle)) {}

void Page::section(const std::string& heading, const std::string& body, const std::string& id) {
  body_ += fmt::format("<section{}>\n<h2>{}</h2>\n{}</section>\n", id.empty() ? "" : " id=\"" + escape(id) + "\"",
                       escape(heading), body);
}

void Page::paragraph(const std::string& text) { body_ += "<p class=\"text\">" + escape(text) + "</p>\n"; }

std::string Page::render() const {
  return fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
                     "content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"lsflow\">\n"
                     "<title>{}</title>\n<style>{}</style>\n<script>{}</script>\n</head>\n<body data-js-errors=\"0\">\n"
                     "<header><h1>{}</h1><p>{}</p></header>\n<main>\n{}</main>\n</body>\n</html>\n",
                     escape(title_), kCss, kScript, escape(title_), escape(subtitle_), body_);
}

}  // namespace lsflow::report::html
