// Several StudyReports side by side (rules at the top of case_comparison.hpp).
#include "report/case_comparison.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"

namespace lsflow::report {

using nlohmann::json;

std::string_view to_string(ViolationType t) {
  switch (t) {
    case ViolationType::Overload: return "overload";
    case ViolationType::Undervoltage: return "undervoltage";
    case ViolationType::Overvoltage: return "overvoltage";
    case ViolationType::Unsupplied: return "unsupplied";
    case ViolationType::QLimit: return "q_limit";
  }
  return "overload";
}

std::string_view to_string(Change c) {
  switch (c) {
    case Change::Appears: return "appears";
    case Change::Worsens: return "worsens";
    case Change::Clears: return "clears";
    case Change::Improves: return "improves";
    case Change::Unchanged: return "unchanged";
  }
  return "unchanged";
}

std::string_view ViolationChange::unit() const {
  switch (type) {
    case ViolationType::Overload: return "%";
    case ViolationType::Undervoltage:
    case ViolationType::Overvoltage: return "pu";
    case ViolationType::Unsupplied: return "";
    case ViolationType::QLimit: return "Mvar";
  }
  return "";
}

namespace {

// One case's violations, keyed by (type, name).
struct Found {
  ViolationType type;
  std::string element;
  ElementKind kind = ElementKind::Line;
  std::string level;
  double value = kNaN;
  double limit = kNaN;
  double excess = 0.0;
};
using Key = std::pair<ViolationType, std::string>;

std::map<Key, Found> violations_of(const StudyReport& r) {
  std::map<Key, Found> out;
  for (const auto& o : r.overloads)
    out[{ViolationType::Overload, o.element}] =
        Found{ViolationType::Overload, o.element, o.kind, "", o.loading_pct, o.limit_pct, o.loading_pct - o.limit_pct};
  for (const auto& v : r.voltage_violations) {
    const auto t = v.low() ? ViolationType::Undervoltage : ViolationType::Overvoltage;
    out[{t, v.bus}] = Found{t, v.bus, ElementKind::Line, v.level, v.vm_pu, v.limit_pu(), std::abs(v.deviation_pu)};
  }
  for (const auto& d : r.deenergised)
    for (const auto& b : d.buses)
      out[{ViolationType::Unsupplied, b}] = Found{ViolationType::Unsupplied, b, ElementKind::Line, "", kNaN, kNaN, 0.0};
  for (const auto& q : r.q_limit_breaches)
    out[{ViolationType::QLimit, q.generator}] =
        Found{ViolationType::QLimit, q.generator, ElementKind::Line, "", q.q_mvar,
              q.q_mvar > q.qmax_mvar ? q.qmax_mvar : q.qmin_mvar, q.excess_mvar()};
  return out;
}

// The quantity a violation is about, in a case where it may not be violated (NaN when absent).
double value_in(const StudyReport& r, ViolationType t, const std::string& name) {
  if (t == ViolationType::Overload) {
    for (const auto& e : r.elements)
      if (e.name == name) return e.loading_pct;
  } else if (t == ViolationType::Undervoltage || t == ViolationType::Overvoltage) {
    for (const auto& b : r.buses)
      if (b.name == name) return b.vm_pu;
  }
  return kNaN;   // a generator's Q is not in the report unless it breaches its limits
}

double tolerance(ViolationType t) {
  switch (t) {
    case ViolationType::Overload: return kWorsenTolPct;
    case ViolationType::QLimit: return kWorsenTolMvar;
    default: return kWorsenTolPu;
  }
}

int rank(Change c) { return static_cast<int>(c); }
int rank(ViolationType t) { return static_cast<int>(t); }

// How much a change matters, for sorting within its class (larger first).
double weight(const ViolationChange& v) {
  switch (v.change) {
    case Change::Appears: return v.case_excess;
    case Change::Worsens: return v.case_excess - v.base_excess;
    case Change::Clears: return v.base_excess;
    case Change::Improves: return v.base_excess - v.case_excess;
    case Change::Unchanged: return v.case_excess;
  }
  return 0.0;
}

double nan_max(double a, double b) {
  if (std::isnan(a)) return b;
  if (std::isnan(b)) return a;
  return std::max(a, b);
}

double min_vm(const StudyReport& r) {
  double x = kNaN;
  for (const auto& b : r.buses)
    if (b.energised && (std::isnan(x) || b.vm_pu < x)) x = b.vm_pu;
  return x;
}

double max_vm(const StudyReport& r) {
  double x = kNaN;
  for (const auto& b : r.buses)
    if (b.energised) x = nan_max(x, b.vm_pu);
  return x;
}

double max_loading(const StudyReport& r) {
  double x = kNaN;
  for (const auto& e : r.elements)
    if (e.energised) x = nan_max(x, e.loading_pct);
  return x;
}

double p_of_kind(const StudyReport& r, model::GenKind k) {
  for (const auto& g : r.generation)
    if (g.kind == k) return g.p_mw;
  return 0.0;
}

std::vector<MetricRow> metrics_of(const std::vector<StudyReport>& cases) {
  using model::GenKind;
  std::vector<MetricRow> rows;
  auto add = [&](std::string q, std::string unit, int decimals, auto&& f, bool delta = true) {
    MetricRow m{std::move(q), std::move(unit), {}, decimals, delta};
    for (const auto& r : cases) m.values.push_back(static_cast<double>(f(r)));
    rows.push_back(std::move(m));
  };
  for (GenKind k : {GenKind::Thermal, GenKind::Hydro, GenKind::Solar, GenKind::Wind})
    add(std::string(model::to_string(k)) + " generation", "MW", 1, [k](const StudyReport& r) { return p_of_kind(r, k); });
  const bool any_other = std::any_of(cases.begin(), cases.end(), [](const StudyReport& r) {
    return std::any_of(r.generation.begin(), r.generation.end(),
                       [](const auto& g) { return g.kind == model::GenKind::Other; });
  });
  if (any_other)
    add("other generation", "MW", 1, [](const StudyReport& r) { return p_of_kind(r, GenKind::Other); });
  add("import (+) / export (−)", "MW", 1, [](const StudyReport& r) { return r.exchange.import_mw; });
  add("load", "MW", 1, [](const StudyReport& r) { return r.balance.load_mw; });
  add("losses", "MW", 2, [](const StudyReport& r) { return r.balance.losses_mw; });
  add("losses / supply", "%", 2, [](const StudyReport& r) {
    const double supply = r.balance.generation_mw + r.balance.import_mw;
    return supply > 0.0 ? 100.0 * r.balance.losses_mw / supply : kNaN;
  });
  add("load not supplied", "MW", 1, [](const StudyReport& r) { return r.balance.unserved_mw; });
  add("overloads", "count", 0, [](const StudyReport& r) { return r.overloads.size(); });
  add("buses outside band", "count", 0, [](const StudyReport& r) { return r.voltage_violations.size(); });
  add("generators beyond Q limits", "count", 0, [](const StudyReport& r) { return r.q_limit_breaches.size(); });
  const bool any_n1 = std::any_of(cases.begin(), cases.end(), [](const StudyReport& r) { return r.n1.run; });
  if (any_n1) {
    add("N-1: contingencies with new violations", "count", 0, [](const StudyReport& r) {
      return r.n1.run ? static_cast<double>(r.n1.with_violations + r.n1.no_supply) : kNaN;
    });
    add("N-1: not converging", "count", 0,
        [](const StudyReport& r) { return r.n1.run ? static_cast<double>(r.n1.not_converged) : kNaN; });
  }
  const bool any_curtail = std::any_of(cases.begin(), cases.end(), [](const StudyReport& r) { return r.curtailment.run; });
  if (any_curtail) {
    add("wind curtailed", "MW", 1, [](const StudyReport& r) { return r.curtailment.run ? r.curtailment.curtailed_mw : kNaN; });
    add("wind curtailed / available", "%", 1, [](const StudyReport& r) {
      return r.curtailment.run && r.curtailment.wind_before_mw > 0.0
                 ? 100.0 * r.curtailment.curtailed_mw / r.curtailment.wind_before_mw
                 : kNaN;
    });
  }
  add("highest loading", "%", 1, [](const StudyReport& r) { return max_loading(r); });
  add("lowest voltage", "pu", 3, [](const StudyReport& r) { return min_vm(r); });
  add("highest voltage", "pu", 3, [](const StudyReport& r) { return max_vm(r); });
  return rows;
}

}  // namespace

CaseComparison compare_cases(const std::vector<StudyReport>& cases) {
  if (cases.size() < 2) throw std::invalid_argument("compare_cases needs at least two cases");
  for (const auto& r : cases)
    if (!r.converged())
      throw std::invalid_argument(fmt::format("compare_cases: case '{}' did not converge", r.scenario));
  CaseComparison c;
  const std::size_t n = cases.size();
  c.loading_limit_pct = cases[0].loading_limit_pct;

  // Unique labels.
  std::map<std::string, int> seen;
  for (const auto& r : cases) {
    std::string label = r.scenario.empty() ? "case" : r.scenario;
    if (int k = ++seen[label]; k > 1) label += fmt::format("#{}", k);
    c.labels.push_back(label);
    c.files.push_back(r.scenario_file);
    c.verdicts.push_back(verdict_line(r));
  }
  c.metrics = metrics_of(cases);

  // Violations: each case against the base.
  const auto base = violations_of(cases[0]);
  for (std::size_t k = 1; k < n; ++k) {
    const auto now = violations_of(cases[k]);
    std::set<Key> keys;
    for (const auto& [key, f] : base) keys.insert(key);
    for (const auto& [key, f] : now) keys.insert(key);
    for (const auto& key : keys) {
      const auto b = base.find(key);
      const auto a = now.find(key);
      const Found& any = a != now.end() ? a->second : b->second;
      ViolationChange v;
      v.case_index = k;
      v.type = key.first;
      v.element = key.second;
      v.kind = any.kind;
      v.level = any.level;
      v.limit = any.limit;
      v.base_value = b != base.end() ? b->second.value : value_in(cases[0], key.first, key.second);
      v.case_value = a != now.end() ? a->second.value : value_in(cases[k], key.first, key.second);
      v.base_excess = b != base.end() ? b->second.excess : 0.0;
      v.case_excess = a != now.end() ? a->second.excess : 0.0;
      if (b == base.end()) v.change = Change::Appears;
      else if (a == now.end()) v.change = Change::Clears;
      else if (v.case_excess > v.base_excess + tolerance(v.type)) v.change = Change::Worsens;
      else if (v.case_excess < v.base_excess - tolerance(v.type)) v.change = Change::Improves;
      else v.change = Change::Unchanged;
      c.changes.push_back(std::move(v));
    }
  }
  std::stable_sort(c.changes.begin(), c.changes.end(), [](const ViolationChange& x, const ViolationChange& y) {
    if (x.case_index != y.case_index) return x.case_index < y.case_index;
    if (x.change != y.change) return rank(x.change) < rank(y.change);
    if (x.type != y.type) return rank(x.type) < rank(y.type);
    return weight(x) > weight(y);
  });

  // Loadings matched by name: the base's order, then elements new in later cases.
  std::map<std::string, std::size_t> row_of;
  for (std::size_t k = 0; k < n; ++k) {
    for (const auto& e : cases[k].elements) {
      auto [it, added] = row_of.emplace(e.name, c.loadings.size());
      if (added) {
        LoadingRow row;
        row.element = e.name;
        row.kind = e.kind;
        row.rating_mva.assign(n, kNaN);
        row.loading_pct.assign(n, kNaN);
        row.present.assign(n, false);
        c.loadings.push_back(std::move(row));
      }
      auto& row = c.loadings[it->second];
      if (row.present[k]) continue;   // a repeated name: the first one counts
      row.present[k] = true;
      row.rating_mva[k] = e.rating_mva;
      row.loading_pct[k] = e.energised ? e.loading_pct : kNaN;
    }
  }
  for (auto& row : c.loadings) {
    for (std::size_t k = 0; k < n; ++k) {
      row.max_loading_pct = nan_max(row.max_loading_pct, row.loading_pct[k]);
      if (k > 0) row.max_abs_delta_pct = nan_max(row.max_abs_delta_pct, std::abs(row.loading_pct[k] - row.loading_pct[0]));
    }
    row.overloaded_somewhere = !std::isnan(row.max_loading_pct) && row.max_loading_pct > c.loading_limit_pct;
  }
  std::stable_sort(c.loadings.begin(), c.loadings.end(), [](const LoadingRow& x, const LoadingRow& y) {
    if (x.overloaded_somewhere != y.overloaded_somewhere) return x.overloaded_somewhere;
    if (x.overloaded_somewhere) return x.max_loading_pct > y.max_loading_pct;
    const double dx = std::isnan(x.max_abs_delta_pct) ? -1.0 : x.max_abs_delta_pct;
    const double dy = std::isnan(y.max_abs_delta_pct) ? -1.0 : y.max_abs_delta_pct;
    if (dx != dy) return dx > dy;
    const double lx = std::isnan(x.max_loading_pct) ? -1.0 : x.max_loading_pct;
    const double ly = std::isnan(y.max_loading_pct) ? -1.0 : y.max_loading_pct;
    return lx > ly;
  });

  // Voltages matched by bus name.
  std::map<std::string, std::size_t> bus_row;
  for (std::size_t k = 0; k < n; ++k) {
    for (const auto& b : cases[k].buses) {
      auto [it, added] = bus_row.emplace(b.name, c.voltages.size());
      if (added) c.voltages.push_back(VoltageRow{b.name, b.level, std::vector<double>(n, kNaN), kNaN});
      auto& row = c.voltages[it->second];
      if (std::isnan(row.vm_pu[k]) && b.energised) row.vm_pu[k] = b.vm_pu;
    }
  }
  for (auto& row : c.voltages)
    for (std::size_t k = 1; k < n; ++k)
      row.max_abs_delta_pu = nan_max(row.max_abs_delta_pu, std::abs(row.vm_pu[k] - row.vm_pu[0]));
  std::stable_sort(c.voltages.begin(), c.voltages.end(), [](const VoltageRow& x, const VoltageRow& y) {
    const double dx = std::isnan(x.max_abs_delta_pu) ? -1.0 : x.max_abs_delta_pu;
    const double dy = std::isnan(y.max_abs_delta_pu) ? -1.0 : y.max_abs_delta_pu;
    return dx > dy;
  });
  return c;
}

// ---------------------------------------------------------------------------------------------------
// Text

namespace {

std::string delta_text(double now, double base, int decimals) {
  if (std::isnan(now) || std::isnan(base)) return "—";
  const double d = now - base;
  const std::string s = fixed(d, decimals);
  return (s.find_first_not_of("-0.") == std::string::npos) ? fixed(0.0, decimals) : (d > 0 ? "+" + s : s);
}

std::string value_text(double x, std::string_view unit) {
  if (std::isnan(x)) return "—";
  return unit == "pu" ? fixed(x, 3) : fixed(x, 1);
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

std::string case_comparison_text(const CaseComparison& c, const CompareTextOptions& opt) {
  using A = TextTable::Align;
  const std::size_t n = c.labels.size();
  const std::size_t width = opt.wide ? 0 : kTextWidth;
  std::string s = fmt::format("lsflow compare — {} cases matched by element name; base {}; Δ = case − base\n", n,
                              "'" + c.labels[0] + "'");
  for (std::size_t k = 0; k < n; ++k)
    if (!c.files[k].empty()) s += fmt::format("  {:<4}  {}  ({})\n", k == 0 ? "base" : "", c.labels[k], c.files[k]);

  // Headline quantities.
  s += "\nSummary\n";
  {
    TextTable t;
    t.set_max_width(width);
    t.add_column("quantity", A::Left, TextTable::Fit::Shrink);
    t.add_column("unit", A::Left);
    for (std::size_t k = 0; k < n; ++k) {
      t.add_column(c.labels[k], A::Right);
      if (k > 0) t.add_column("Δ " + c.labels[k], A::Right, TextTable::Fit::Drop);
    }
    for (const auto& m : c.metrics) {
      std::vector<std::string> row = {m.quantity, m.unit};
      for (std::size_t k = 0; k < n; ++k) {
        row.push_back(fixed(m.values[k], m.decimals));
        if (k > 0) row.push_back(m.delta ? delta_text(m.values[k], m.values[0], m.decimals) : "");
      }
      t.add_row(std::move(row));
    }
    s += t.render();
  }

  // Violation changes, per case.
  for (std::size_t k = 1; k < n; ++k) {
    std::map<Change, std::size_t> count;
    for (const auto& v : c.changes)
      if (v.case_index == k) ++count[v.change];
    s += fmt::format("\nViolations, '{}' against '{}': {} appear, {} worsen, {} clear, {} improve, {} unchanged\n",
                     c.labels[k], c.labels[0], count[Change::Appears], count[Change::Worsens], count[Change::Clears],
                     count[Change::Improves], count[Change::Unchanged]);
    TextTable t;
    t.set_max_width(width);
    t.add_column("type", A::Left);
    t.add_column("element / bus", A::Left);
    t.add_column("unit", A::Left);
    t.add_column("limit", A::Right);
    t.add_column(c.labels[0], A::Right);
    t.add_column(c.labels[k], A::Right);
    t.add_column("Δ", A::Right);
    for (Change ch : {Change::Appears, Change::Worsens, Change::Clears, Change::Improves, Change::Unchanged}) {
      if ((ch == Change::Unchanged && !opt.show_unchanged) || count[ch] == 0) continue;
      t.add_section(fmt::format("{} ({})", to_upper(to_string(ch)), count[ch]));
      for (const auto& v : c.changes) {
        if (v.case_index != k || v.change != ch) continue;
        const int dec = v.type == ViolationType::Overload || v.type == ViolationType::QLimit ? 1 : 3;
        std::string type(to_string(v.type));
        if (v.type == ViolationType::Overload) type += " (" + std::string(to_string(v.kind)) + ")";
        t.add_row({type, v.element, std::string(v.unit()), value_text(v.limit, v.unit()),
                   value_text(v.base_value, v.unit()), value_text(v.case_value, v.unit()),
                   delta_text(v.case_value, v.base_value, dec)});
      }
    }
    if (!t.empty()) s += t.render();
  }

  // Loadings.
  {
    std::size_t shown = 0;
    TextTable t;
    t.set_max_width(width);
    t.add_column("element", A::Left);
    t.add_column("kind", A::Left, TextTable::Fit::Drop);
    t.add_column("rating (MVA)", A::Right, TextTable::Fit::Drop);
    for (std::size_t k = 0; k < n; ++k) {
      t.add_column(c.labels[k] + " (%)", A::Right);
      if (k > 0) t.add_column("Δ (%-pt)", A::Right, TextTable::Fit::Drop);
    }
    t.add_column("", A::Left);
    for (const auto& row : c.loadings) {
      if (shown >= opt.top_n) break;
      if (std::isnan(row.max_loading_pct)) continue;   // unrated or never energised
      ++shown;
      double rating = kNaN;
      bool rating_differs = false;
      for (std::size_t k = 0; k < n; ++k) {
        if (std::isnan(row.rating_mva[k])) continue;
        if (std::isnan(rating)) rating = row.rating_mva[k];
        else if (row.rating_mva[k] != rating) rating_differs = true;
      }
      std::vector<std::string> cells = {row.element, std::string(to_string(row.kind)),
                                        fixed(rating, 1) + (rating_differs ? "*" : "")};
      for (std::size_t k = 0; k < n; ++k) {
        cells.push_back(row.present[k] ? fixed(row.loading_pct[k], 1) : "absent");
        if (k > 0) cells.push_back(delta_text(row.loading_pct[k], row.loading_pct[0], 1));
      }
      cells.push_back(row.overloaded_somewhere ? "OVERLOAD" : "");
      t.add_row(std::move(cells));
    }
    s += "\n" + wrap_text(fmt::format("Loading of lines and transformers — top {}: overloaded in any case first (worst "
                                     "first), then the largest change; limit {} %",
                                     shown, fmt::format("{:.4g}", c.loading_limit_pct)),
                         width, "", "  ");
    if (!t.empty()) s += t.render();
    if (std::any_of(c.loadings.begin(), c.loadings.end(), [&](const LoadingRow& r) {
          for (std::size_t k = 1; k < n; ++k)
            if (!std::isnan(r.rating_mva[k]) && !std::isnan(r.rating_mva[0]) && r.rating_mva[k] != r.rating_mva[0])
              return true;
          return false;
        }))
      s += "  * rating differs between cases (shown: the first case's)\n";
  }

  // Voltages.
  {
    TextTable t;
    t.set_max_width(width);
    t.add_column("bus", A::Left);
    t.add_column("level", A::Left, TextTable::Fit::Shrink);
    for (std::size_t k = 0; k < n; ++k) {
      t.add_column(c.labels[k] + " (pu)", A::Right);
      if (k > 0) t.add_column("Δ (pu)", A::Right, TextTable::Fit::Drop);
    }
    std::size_t shown = 0;
    for (const auto& row : c.voltages) {
      if (shown >= opt.top_n || std::isnan(row.max_abs_delta_pu)) break;
      ++shown;
      std::vector<std::string> cells = {row.bus, row.level.empty() ? "—" : row.level};
      for (std::size_t k = 0; k < n; ++k) {
        cells.push_back(fixed(row.vm_pu[k], 3));
        if (k > 0) cells.push_back(delta_text(row.vm_pu[k], row.vm_pu[0], 3));
      }
      t.add_row(std::move(cells));
    }
    s += fmt::format("\nLargest voltage changes — top {}\n", shown);
    if (!t.empty()) s += t.render();
  }

  s += "\nVerdicts\n";
  std::size_t w = 0;
  for (const auto& l : c.labels) w = std::max(w, display_width(l));
  for (std::size_t k = 0; k < n; ++k)
    s += wrap_text(c.verdicts[k], width, fmt::format("  {}{}  ", c.labels[k], std::string(w - display_width(c.labels[k]), ' ')),
                   std::string(w + 4, ' '));
  return s;
}

// ---------------------------------------------------------------------------------------------------
// JSON and CSV

namespace {

json jnum(double x) { return std::isnan(x) ? json(nullptr) : json(x); }

json jnums(const std::vector<double>& xs) {
  json a = json::array();
  for (double x : xs) a.push_back(jnum(x));
  return a;
}

std::string num(double x) { return std::isnan(x) ? std::string() : fmt::format("{:.10g}", x); }

// Appends ",<prefix><text>" as one CSV field (quoted when needed).
void add_field(std::string& out, std::string_view prefix, const std::string& text) {
  out += ',';
  out += csv_field(fmt::format("{}{}", prefix, text));
}

std::string csv_delta(double now, double base) { return std::isnan(now) || std::isnan(base) ? "" : num(now - base); }

}  // namespace

json case_comparison_json(const CaseComparison& c) {
  json j;
  j["format"] = "lsflow-case-comparison";
  j["version"] = 1;
  j["base"] = c.labels[0];
  j["loading_limit_pct"] = c.loading_limit_pct;
  json cases = json::array();
  for (std::size_t k = 0; k < c.labels.size(); ++k)
    cases.push_back({{"label", c.labels[k]}, {"file", c.files[k]}, {"verdict", c.verdicts[k]}});
  j["cases"] = cases;
  json metrics = json::array();
  for (const auto& m : c.metrics) metrics.push_back({{"quantity", m.quantity}, {"unit", m.unit}, {"values", jnums(m.values)}});
  j["summary"] = metrics;
  json changes = json::array();
  for (const auto& v : c.changes) {
    json x = {{"case", c.labels[v.case_index]},
              {"change", to_string(v.change)},
              {"type", to_string(v.type)},
              {"element", v.element},
              {"unit", v.unit()},
              {"base_value", jnum(v.base_value)},
              {"case_value", jnum(v.case_value)},
              {"limit", jnum(v.limit)},
              {"base_excess", v.base_excess},
              {"case_excess", v.case_excess}};
    if (v.type == ViolationType::Overload) x["kind"] = to_string(v.kind);
    if (!v.level.empty()) x["level"] = v.level;
    changes.push_back(std::move(x));
  }
  j["changes"] = changes;
  json loadings = json::array();
  for (const auto& r : c.loadings)
    loadings.push_back({{"element", r.element},
                        {"kind", to_string(r.kind)},
                        {"present", r.present},
                        {"rating_mva", jnums(r.rating_mva)},
                        {"loading_pct", jnums(r.loading_pct)},
                        {"max_abs_delta_pct", jnum(r.max_abs_delta_pct)},
                        {"overloaded_somewhere", r.overloaded_somewhere}});
  j["loadings"] = loadings;
  json volts = json::array();
  for (const auto& r : c.voltages)
    volts.push_back({{"bus", r.bus}, {"level", r.level}, {"vm_pu", jnums(r.vm_pu)}, {"max_abs_delta_pu", jnum(r.max_abs_delta_pu)}});
  j["voltages"] = volts;
  return j;
}

std::string comparison_summary_csv(const CaseComparison& c) {
  std::string out = "quantity,unit";
  for (const auto& l : c.labels) add_field(out, "", l);
  for (std::size_t k = 1; k < c.labels.size(); ++k) add_field(out, "delta_", c.labels[k]);
  out += "\n";
  for (const auto& m : c.metrics) {
    out += csv_field(m.quantity) + "," + m.unit;
    for (double v : m.values) add_field(out, "", num(v));
    for (std::size_t k = 1; k < m.values.size(); ++k) add_field(out, "", csv_delta(m.values[k], m.values[0]));
    out += "\n";
  }
  return out;
}

std::string comparison_changes_csv(const CaseComparison& c) {
  std::string out = "case,change,type,element,kind,level,base_value,case_value,unit,limit,base_excess,case_excess\n";
  for (const auto& v : c.changes)
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(c.labels[v.case_index]), to_string(v.change),
                       to_string(v.type), csv_field(v.element),
                       v.type == ViolationType::Overload ? to_string(v.kind)
                       : v.type == ViolationType::QLimit ? std::string_view("generator")
                                                         : std::string_view("bus"),
                       csv_field(v.level), num(v.base_value), num(v.case_value), v.unit() == "%" ? "pct" : v.unit() == "Mvar" ? "mvar" : v.unit(),
                       num(v.limit), num(v.base_excess), num(v.case_excess));
  return out;
}

std::string comparison_loadings_csv(const CaseComparison& c) {
  std::string out = "element,kind";
  for (const auto& l : c.labels) add_field(out, "rating_mva_", l);
  for (const auto& l : c.labels) add_field(out, "loading_pct_", l);
  for (std::size_t k = 1; k < c.labels.size(); ++k) add_field(out, "delta_pct_", c.labels[k]);
  out += "\n";
  for (const auto& r : c.loadings) {
    out += csv_field(r.element) + "," + std::string(to_string(r.kind));
    for (double x : r.rating_mva) add_field(out, "", num(x));
    for (double x : r.loading_pct) add_field(out, "", num(x));
    for (std::size_t k = 1; k < r.loading_pct.size(); ++k) add_field(out, "", csv_delta(r.loading_pct[k], r.loading_pct[0]));
    out += "\n";
  }
  return out;
}

std::string comparison_voltages_csv(const CaseComparison& c) {
  std::string out = "bus,level";
  for (const auto& l : c.labels) add_field(out, "vm_pu_", l);
  for (std::size_t k = 1; k < c.labels.size(); ++k) add_field(out, "delta_pu_", c.labels[k]);
  out += "\n";
  for (const auto& r : c.voltages) {
    out += csv_field(r.bus) + "," + csv_field(r.level);
    for (double x : r.vm_pu) add_field(out, "", num(x));
    for (std::size_t k = 1; k < r.vm_pu.size(); ++k) add_field(out, "", csv_delta(r.vm_pu[k], r.vm_pu[0]));
    out += "\n";
  }
  return out;
}

void write_case_comparison(const std::string& dir, const CaseComparison& c) {
  io::ensure_directory(dir);
  std::error_code ec;
  std::filesystem::remove(std::filesystem::path(dir) / "comparison.json", ec);
  io::write_file_atomic(dir + "/summary.csv", comparison_summary_csv(c));
  io::write_file_atomic(dir + "/changes.csv", comparison_changes_csv(c));
  io::write_file_atomic(dir + "/loadings.csv", comparison_loadings_csv(c));
  io::write_file_atomic(dir + "/voltages.csv", comparison_voltages_csv(c));
  io::write_file_atomic(dir + "/comparison.json", case_comparison_json(c).dump(2) + "\n");
}

}  // namespace lsflow::report
