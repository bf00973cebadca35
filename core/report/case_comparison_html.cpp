// A comparison as a self-contained HTML page (lsflow compare --html FILE): the summary side by side, per
// case a map of the change in loading against the base, and the violations that appear, worsen or clear.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "report/case_comparison.hpp"
#include "report/html.hpp"
#include "report/report_map.hpp"

namespace lsflow::report {

namespace h = html;

std::string case_comparison_html(const CaseComparison& c, const std::vector<StudyReport>& cases) {
  std::string files;
  for (std::size_t k = 0; k < c.labels.size(); ++k) files += (k ? ", " : "") + c.labels[k];
  h::Page page("lsflow compare — " + files, "base: " + c.labels.front() + "; Δ = case − base");
  {
    std::string verdicts;
    for (std::size_t k = 0; k < c.labels.size(); ++k)
      verdicts += fmt::format("<p class=\"verdict {}\">{}: {}</p>\n", cases[k].ok() ? "ok" : "bad", h::escape(c.labels[k]),
                              h::escape(c.verdicts[k]));
    h::Table t;
    t.id = "summary";
    t.sortable = false;
    t.headers = {"quantity", "unit"};
    t.numeric = {false, false};
    for (std::size_t k = 0; k < c.labels.size(); ++k) {
      t.headers.push_back(c.labels[k]);
      t.numeric.push_back(true);
      if (k > 0) {
        t.headers.push_back("Δ " + c.labels[k]);
        t.numeric.push_back(true);
      }
    }
    for (const auto& m : c.metrics) {
      std::vector<std::string> row = {h::escape(m.quantity), h::escape(m.unit)};
      for (std::size_t k = 0; k < m.values.size(); ++k) {
        row.push_back(h::num(m.values[k], m.decimals));
        if (k > 0) {
          const double d = m.values[k] - m.values[0];
          row.push_back(m.delta ? (d > 0 ? "+" : "") + h::num(d, m.decimals) : "");
        }
      }
      t.rows.push_back(std::move(row));
    }
    page.section("Summary", verdicts + h::table(t), "summary-section");
  }
  // Per case: the change in loading on the map, and its violation changes.
  std::map<std::string, double> base_loading;
  for (const auto& e : cases.front().elements) base_loading[e.name] = e.energised ? e.loading_pct : h::kNaN;
  for (std::size_t k = 1; k < cases.size(); ++k) {
    const auto& r = cases[k];
    const EdgeStyle delta = [&](const ElementLoading& e, h::MapEdge& me) {
      const auto it = base_loading.find(e.name);
      const double before = it == base_loading.end() ? h::kNaN : it->second;
      const double d = e.energised ? e.loading_pct - before : h::kNaN;
      me.stroke = h::delta_colour(d, 50.0);
      me.data_value = h::num(d, 1);
      me.title += fmt::format("\nΔ loading against {}: {} %-points ({} → {} %)", c.labels.front(),
                              std::isnan(d) ? "—" : (d > 0 ? "+" : "") + h::num(d, 1), h::num(before, 1), h::num(e.loading_pct, 1));
      if (e.energised && e.loading_pct > r.loading_limit_pct) me.width = 4.5;
    };
    const std::vector<h::LegendItem> legend = {{h::delta_colour(-50, 50), "−50 %-pt or less"},
                                               {h::delta_colour(-20, 50), "−20"},
                                               {h::delta_colour(0, 50), "no change"},
                                               {h::delta_colour(20, 50), "+20"},
                                               {h::delta_colour(50, 50), "+50 %-pt or more"},
                                               {h::kGrey, "absent / not energised"}};
    std::string body = study_map(r, "map-delta-" + std::to_string(k), delta, legend) +
                       "<p class=\"note\">Thick: overloaded in this case. Hover for the loadings in both cases.</p>\n";
    h::Table t;
    t.id = "changes-" + std::to_string(k);
    t.headers = {"change", "type", "element or bus", c.labels.front(), c.labels[k], "limit", "unit"};
    t.numeric = {false, false, false, true, true, true, false};
    for (const auto& ch : c.changes) {
      if (ch.case_index != k || ch.change == Change::Unchanged) continue;
      t.rows.push_back({std::string(to_string(ch.change)), std::string(to_string(ch.type)), h::escape(ch.element),
                        h::num(ch.base_value, ch.type == ViolationType::Overload ? 1 : 4),
                        h::num(ch.case_value, ch.type == ViolationType::Overload ? 1 : 4),
                        h::num(ch.limit, ch.type == ViolationType::Overload ? 0 : 3), std::string(ch.unit())});
      t.row_class.push_back(ch.change == Change::Appears || ch.change == Change::Worsens ? "bad" : "");
    }
    body += t.rows.empty() ? "<p class=\"text\">no violation appears, worsens, clears or improves</p>\n" : h::table(t);
    page.section(fmt::format("{} against {}", c.labels[k], c.labels.front()), body, "case-" + std::to_string(k));
  }
  // Loadings across the cases.
  {
    h::Table t;
    t.id = "loadings";
    t.headers = {"element", "kind"};
    t.numeric = {false, false};
    for (const auto& l : c.labels) {
      t.headers.push_back(l + " (%)");
      t.numeric.push_back(true);
    }
    for (const auto& row : c.loadings) {
      std::vector<std::string> cells = {h::escape(row.element), std::string(to_string(row.kind))};
      for (double x : row.loading_pct) cells.push_back(h::num(x, 1));
      t.rows.push_back(std::move(cells));
      t.row_class.push_back(row.overloaded_somewhere ? "bad" : "");
    }
    page.section("Loading of lines and transformers in every case", h::table(t), "loadings-section");
  }
  return page.render();
}

}  // namespace lsflow::report
