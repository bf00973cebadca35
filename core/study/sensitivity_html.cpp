#include "study/sensitivity_html.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/html.hpp"

namespace lsflow::study {

namespace h = report::html;

namespace {

std::string finding_label(const FindingRange& f) { return f.status ? f.kind + " " + f.subject : f.subject; }

std::string flips(const FindingRange& f, SensitivityMethod m) {
  std::vector<std::string> s;
  for (const auto& fl : f.flipped_by)
    s.push_back(m == SensitivityMethod::OneAtATime ? fmt::format("{}={}", fl.id, fl.alternatives)
                                                   : fmt::format("{} ({} of {} pairs)", fl.id, fl.pairs, fl.of_pairs));
  return fmt::format("{}", fmt::join(s, "; "));
}

// Rows: label, the band [lo, hi] and the baseline, as % of the baseline's magnitude (or of the band's
// largest magnitude when the baseline is 0 or absent). Widest band first.
std::string tornado(const std::vector<FindingRange>& findings, std::size_t rows) {
  struct Row {
    std::string label, title;
    double lo, hi;
  };
  std::vector<Row> v;
  for (const auto& f : findings) {
    if (std::isnan(f.min) || f.min == f.max) continue;
    const double ref = std::isfinite(f.baseline) && f.baseline != 0.0 ? std::abs(f.baseline)
                                                                       : std::max(std::abs(f.min), std::abs(f.max));
    if (ref == 0.0) continue;
    const double b = std::isfinite(f.baseline) ? f.baseline : f.min;
    v.push_back({finding_label(f),
                 fmt::format("{}: baseline {} {}, range {}…{} {}{}", finding_label(f), h::num(f.baseline, 2), f.unit,
                             h::num(f.min, 2), h::num(f.max, 2), f.unit,
                             f.moved_most_by.empty() ? "" : "; moved most by " + f.moved_most_by),
                 100.0 * (f.min - b) / ref, 100.0 * (f.max - b) / ref});
  }
  std::stable_sort(v.begin(), v.end(), [](const Row& a, const Row& b) { return a.hi - a.lo > b.hi - b.lo; });
  if (v.size() > rows) v.resize(rows);
  if (v.empty()) return "<p>No finding's value changes between the variants.</p>";
  double span = 1.0;
  for (const auto& r : v) span = std::max({span, std::abs(r.lo), std::abs(r.hi)});
  const double label_w = 330, plot_w = 520, row_h = 20, top = 24;
  const double W = label_w + plot_w + 20, H = top + row_h * static_cast<double>(v.size()) + 10;
  const double x0 = label_w + plot_w / 2;
  auto X = [&](double pct) { return x0 + pct / span * (plot_w / 2); };
  std::string s = fmt::format(R"(<svg class="tornado" id="tornado" viewBox="0 0 {:.0f} {:.0f}" width="{:.0f}" height="{:.0f}" role="img">)", W, H, W, H);
  s += fmt::format(R"(<text x="{:.1f}" y="14" text-anchor="middle" font-size="11">change from the baseline, % (±{:.0f} % at the edges)</text>)", x0, span);
  s += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="#333"/>)", x0, top - 4, H - 6);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto& r = v[i];
    const double y = top + row_h * static_cast<double>(i);
    s += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="end" font-size="11">{}</text>)", label_w - 6, y + 13,
                     h::escape(r.label));
    const double a = X(std::min(r.lo, 0.0)), b = X(std::max(r.hi, 0.0));
    if (r.lo < 0)
      s += fmt::format(R"(<rect class="tornado-bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>{}</title></rect>)",
                       a, y + 3, x0 - a, row_h - 6, h::kBlue, h::escape(r.title));
    if (r.hi > 0)
      s += fmt::format(R"(<rect class="tornado-bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>{}</title></rect>)",
                       x0, y + 3, b - x0, row_h - 6, h::kRed, h::escape(r.title));
  }
  s += "</svg>";
  return s;
}

}  // namespace

std::string sensitivity_html(const SensitivityResult& r, const std::string& name, const std::string& study,
                             const std::string& verdict) {
  h::Page page(fmt::format("lsflow sensitivity — {}", name),
               fmt::format("study {}, {}: {} variants, {} assumptions varied", study, to_string(r.method),
                           r.variants.size(), r.varied.size()));
  page.paragraph(verdict);

  h::Table at;
  at.id = "assumptions";
  at.headers = {"assumption", "about", "baseline", "alternatives (source)"};
  at.numeric = {false, false, false, false};
  for (const auto& a : r.assumptions) {
    std::string alts;
    for (const auto& alt : a.alternatives)
      alts += fmt::format("<b>{}</b>: {}<br>", h::escape(alt.name), h::escape(alt.source));
    at.rows.push_back({h::escape(a.id), h::escape(a.about), h::escape(a.chosen), alts});
    at.row_class.push_back(std::count(r.varied.begin(), r.varied.end(), a.id) ? "" : "muted");
  }
  page.section("Assumptions", h::table(at), "assumptions");

  h::Table ft;
  ft.id = "findings";
  ft.headers = {"finding", "unit", "baseline", "min", "max", "present in", "flipped by", "moved most by"};
  ft.numeric = {false, false, true, true, true, true, false, false};
  for (const auto& f : r.findings) {
    ft.rows.push_back({h::escape(finding_label(f)), h::escape(f.unit),
                       f.status && !f.in_baseline ? "absent" : h::num(f.baseline, 3), h::num(f.min, 3), h::num(f.max, 3),
                       f.status ? fmt::format("{}/{}", f.present_in, f.variants) : "",
                       f.status ? (f.robust() ? "robust" : h::escape(flips(f, r.method))) : "",
                       h::escape(f.moved_most_by)});
    ft.row_class.push_back(!f.robust() ? "flipped" : "");
  }
  page.section("Findings", h::table(ft), "findings");
  page.section("What moves most (tornado)", tornado(r.findings, 25), "tornado");

  h::Table vt;
  vt.id = "variants";
  vt.headers = {"variant", "ran", "status findings", "time (s)"};
  vt.numeric = {false, false, true, true};
  for (const auto& v : r.variants) {
    std::size_t n = 0;
    for (const auto& [k, ob] : v.obs) n += ob.status;
    vt.rows.push_back({h::escape(v.variant.label), v.ok ? "yes" : h::escape(v.failure), std::to_string(n),
                       fmt::format("{:.2f}", v.elapsed_s)});
    vt.row_class.push_back("");
  }
  page.section("Variants", h::table(vt), "variants");
  return page.render();
}

}  // namespace lsflow::study
