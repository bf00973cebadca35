// lsflow sensitivity SCENARIO: a study run over the alternatives of the case's assumptions
// (study/sensitivity.hpp), and per finding its range and the assumption that flips it.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "common/errors.hpp"
#include "io/atomic_file.hpp"
#include "io/assumptions.hpp"
#include "report/text_table.hpp"
#include "study/hosting.hpp"
#include "study/profiles.hpp"
#include "study/progress.hpp"
#include "study/sensitivity.hpp"
#include "study/sensitivity_html.hpp"
#include "study/timeseries.hpp"

namespace lsflow::cli {
namespace {

using study::Observation;
using study::Observations;

struct SensitivityArgs {
  std::string path;
  std::string study = "run";
  std::string method = "one-at-a-time";
  std::vector<std::string> only;
  std::size_t max_variants = 64;
  std::vector<std::string> assume;
  SolverFlags solver;
  OutputFlags output;
  int threads = 0;
  bool no_progress = false;
  std::string profiles;
  std::string hours;
  double max_mw = 1000.0, step_mw = 5.0;
};

Observation status(std::string kind, std::string subject, std::string unit, double value, std::string key = {}) {
  Observation o;
  o.key = key.empty() ? fmt::format("{} {}", kind, subject) : std::move(key);
  o.kind = std::move(kind);
  o.subject = std::move(subject);
  o.unit = std::move(unit);
  o.value = value;
  return o;
}
Observation metric(std::string subject, std::string unit, double value) {
  Observation o = status("metric", std::move(subject), std::move(unit), value);
  o.key = o.subject;
  o.status = false;
  return o;
}

// run / n1: the study report of `lsflow run` (N-0 and the N-1 from its base case).
Observations observe_run(const StudyCase& c, const SensitivityArgs& a, bool n0) {
  StudyRunOptions o;
  o.solve = study_solve_options(a.solver);
  o.threads = a.threads;
  o.n1_top = 100000;   // every N-1 finding, not a screenful
  const report::StudyReport r = study_scenario(c, o);
  Observations out;
  if (!r.converged()) {
    out.push_back(status("not converged", "base case", "", r.convergence.max_mismatch_mva));
    return out;
  }
  if (n0) {
    for (const auto& ov : r.overloads) out.push_back(status("N-0 overload", ov.element, "%", ov.loading_pct));
    for (const auto& v : r.voltage_violations)
      out.push_back(status(v.deviation_pu < 0 ? "N-0 undervoltage" : "N-0 overvoltage", v.bus, "pu", v.vm_pu));
    if (r.balance.unserved_mw > 0.0) out.push_back(status("N-0 unserved load", "energised network", "MW", r.balance.unserved_mw));
  }
  if (r.n1.run) {
    if (!r.n1.secure_n1())
      out.push_back(status("N-1", "not secure", "contingencies",
                           static_cast<double>(r.n1.with_violations + r.n1.not_converged + r.n1.no_supply), "N-1 not secure"));
    // Per element (bus): the worst post-contingency value over the contingencies that cause it.
    std::map<std::string, Observation> worst;
    for (const auto& f : r.n1.worst) {
      const bool overload = f.what == "overload";
      const bool voltage = f.what == "undervoltage" || f.what == "overvoltage";
      if (!overload && !voltage) {
        Observation ob = status("N-1 " + f.what, f.contingency + " out", f.what == "load lost" ? "MW" : "", f.value);
        worst.emplace(ob.key, ob);
        continue;
      }
      Observation ob = status("N-1 " + f.what, f.element, overload ? "%" : "pu", f.value);
      auto [it, fresh] = worst.emplace(ob.key, ob);
      const bool worse = f.what == "undervoltage" ? f.value < it->second.value : f.value > it->second.value;
      if (!fresh && worse) it->second.value = f.value;
    }
    for (auto& [k, ob] : worst) out.push_back(std::move(ob));
    out.push_back(metric("N-1 contingencies with new violations", "", static_cast<double>(r.n1.with_violations)));
  }
  double top = 0.0;
  for (const auto& e : r.elements)
    if (std::isfinite(e.loading_pct)) top = std::max(top, e.loading_pct);
  out.push_back(metric("most loaded element (N-0)", "%", top));
  out.push_back(metric("losses", "MW", r.balance.losses_mw));
  if (r.exchange.has_grid()) out.push_back(metric("net import over the tie (export < 0)", "MW", r.exchange.import_mw));
  return out;
}

Observations observe_hosting(const StudyCase& c, const SensitivityArgs& a) {
  study::HostingOptions opt;
  opt.max_mw = a.max_mw;
  opt.step_mw = a.step_mw;
  opt.threads = a.threads;
  opt.tol_pu = a.solver.tol_pu;
  opt.max_iter = a.solver.max_iter;
  opt.enforce_q_limits = !a.solver.no_q_limits;
  opt.fleet = true;
  const auto buses = study::hosting_candidates(c.net);
  const study::HostingStudy st = study::hosting_capacity(c.net, c.contingency_limits, buses, opt);
  Observations out;
  for (const auto& b : st.buses) {
    if (!b.evaluated) {
      out.push_back(status("not evaluated", b.name, "", study::HostingResult::kNaN));
      continue;
    }
    out.push_back(metric(fmt::format("hosting N-0 {}", b.name), "MW", b.normal_mw));
    out.push_back(metric(fmt::format("hosting N-1 {}", b.name), "MW", b.n1_mw));
    // No room at all (below the search's resolution) is a status: it flips when an alternative makes room.
    if (b.normal_mw < a.step_mw) out.push_back(status("no N-0 hosting", b.name, "MW", b.normal_mw));
    if (std::isfinite(b.n1_mw) && b.n1_mw < a.step_mw) out.push_back(status("no N-1 hosting", b.name, "MW", b.n1_mw));
  }
  if (st.fleet.evaluated) {
    out.push_back(metric("wind fleet N-0", "MW", st.fleet.mw.normal_mw));
    out.push_back(metric("wind fleet N-1", "MW", st.fleet.mw.n1_mw));
    out.push_back(metric("export at the fleet's N-0 limit", "MW", st.fleet.normal_export_mw));
    out.push_back(metric("export at the fleet's N-1 limit", "MW", st.fleet.n1_export_mw));
  }
  return out;
}

Observations observe_timeseries(const StudyCase& c, const SensitivityArgs& a, const study::Profiles& prof) {
  study::TimeSeriesOptions opt;
  opt.tol_pu = a.solver.tol_pu;
  opt.max_iter = a.solver.max_iter;
  opt.enforce_q_limits = !a.solver.no_q_limits;
  opt.curtail = true;
  opt.threads = std::max(1, a.threads);
  const auto [first, count] = hour_range(a.hours, prof.hours);
  study::TimeSeries ts(c.net, prof, c.contingency_limits, opt);
  const study::TimeSeriesResult r = ts.run(first, count);
  Observations out;
  if (!r.not_converged.empty())
    out.push_back(status("hours not converged", "time series", "h", static_cast<double>(r.not_converged.size())));
  out.push_back(metric("wind curtailed", "GWh", r.curtailed_mwh / 1000.0));
  out.push_back(metric("wind curtailed share", "%", r.wind_available_mwh > 0 ? 100.0 * r.curtailed_mwh / r.wind_available_mwh : 0.0));
  out.push_back(metric("hours curtailed", "h", r.hours_curtailed));
  out.push_back(metric("losses", "GWh", r.losses_mwh / 1000.0));
  out.push_back(metric("hours with an overload before curtailment", "h", r.hours_with_overload_uncurtailed));
  out.push_back(metric("hours with a bus out of band", "h", r.hours_with_voltage_violation));
  for (std::size_t e = 0; e < r.elements.size(); ++e) {
    if (r.elements[e].curtail_hours > 0)
      out.push_back(status("binds curtailment", ts.element_label(e), "h", r.elements[e].curtail_hours));
    if (r.elements[e].hours_over > 0)
      out.push_back(status("overloaded after curtailment", ts.element_label(e), "h", r.elements[e].hours_over));
  }
  return out;
}

// ---- output -------------------------------------------------------------------------------------

std::string csv_num(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : ""; }

// A table: (header, right-aligned, may be cut) per column, fitting `width` (0: no limit).
report::TextTable table(std::initializer_list<std::tuple<const char*, bool, bool>> cols, std::size_t width) {
  report::TextTable t;
  for (const auto& [h, right, cut] : cols)
    t.add_column(h, right ? report::TextTable::Align::Right : report::TextTable::Align::Left,
                 cut ? report::TextTable::Fit::Shrink : report::TextTable::Fit::Keep);
  t.set_max_width(width);
  return t;
}

std::string num(double v, const std::string& unit) {
  if (std::isnan(v)) return "—";
  if (unit == "pu") return fmt::format("{:.4f}", v);
  if (unit == "GWh") return fmt::format("{:.2f}", v);
  if (unit == "" || unit == "h" || unit == "contingencies") return fmt::format("{:.0f}", v);
  return fmt::format("{:.1f}", v);
}

std::string range_text(const study::FindingRange& f) {
  if (std::isnan(f.min)) return "—";
  if (f.min == f.max) return num(f.min, f.unit);
  return num(f.min, f.unit) + "…" + num(f.max, f.unit);
}

std::string flips_text(const study::FindingRange& f, study::SensitivityMethod m) {
  if (f.flipped_by.empty()) return "";
  std::vector<std::string> s;
  for (const auto& fl : f.flipped_by)
    s.push_back(m == study::SensitivityMethod::OneAtATime
                    ? fmt::format("{}={}", fl.id, fl.alternatives)
                    : fmt::format("{} ({} of {} pairs)", fl.id, fl.pairs, fl.of_pairs));
  return fmt::format("{}", fmt::join(s, "; "));
}

std::string finding_name(const study::FindingRange& f) {
  return f.status ? fmt::format("{} {}", f.kind, f.subject) : f.subject;
}

std::string verdict(const study::SensitivityResult& r) {
  std::size_t status = 0, base = 0, robust_base = 0, flipping = 0;
  for (const auto& f : r.findings) {
    if (!f.status) continue;
    ++status;
    base += f.in_baseline;
    robust_base += f.in_baseline && f.robust() && f.present_in == f.variants;
    flipping += !f.robust();
  }
  std::map<std::string, std::size_t> by;
  for (const auto& f : r.findings)
    for (const auto& fl : f.flipped_by) ++by[fl.id];
  std::vector<std::pair<std::size_t, std::string>> ranked;
  for (const auto& [id, n] : by) ranked.push_back({n, id});
  std::sort(ranked.rbegin(), ranked.rend());
  std::vector<std::string> top;
  for (const auto& [n, id] : ranked) top.push_back(fmt::format("{} ({})", id, n));
  return fmt::format("VERDICT: {} of the baseline's {} findings hold under every alternative; {} of {} findings flip{}",
                     robust_base, base, flipping, status,
                     top.empty() ? "" : fmt::format(" — flipped by {}", fmt::join(top, ", ")));
}

std::string sensitivity_text(const StudyCase& c, const SensitivityArgs& a, const study::SensitivityResult& r) {
  std::string s;
  const std::size_t width = a.output.wide ? 0 : report::kTextWidth;
  auto field = [&](const char* label, const std::string& text) {
    s += report::wrap_text(text, width, fmt::format("  {:<10}", label), "            ");
  };
  s += fmt::format("lsflow sensitivity — scenario '{}'{}, study {}\n", c.name,
                   c.study_year > 0 ? fmt::format(", study year {}", c.study_year) : "", a.study);
  field("file", c.path);
  field("method", fmt::format("{}: {} variants ({}), {:.1f} s", to_string(r.method), r.variants.size(),
                              r.method == study::SensitivityMethod::OneAtATime
                                  ? "the baseline, then one alternative changed at a time"
                                  : "every combination of the varied assumptions' alternatives",
                              r.elapsed_s));
  field("solve", "every variant as the study command solves its base case: reactive limits " +
                     std::string(a.solver.no_q_limits ? "NOT enforced" : "enforced") +
                     ", automatic tap changers settled" + (a.study == "run" || a.study == "n1" ? ", N-1 from it" : ""));
  s += "\nAssumptions (baseline alternative first)\n";
  report::TextTable at = table({{"assumption", false, false}, {"baseline", false, false}, {"other alternatives", false, true}, {"about", false, true}}, width);
  for (const auto& as : r.assumptions) {
    std::vector<std::string> other;
    for (const auto& alt : as.alternatives)
      if (alt.name != as.chosen) other.push_back(alt.name);
    const bool varied = std::count(r.varied.begin(), r.varied.end(), as.id) > 0;
    at.add_row({as.id, as.chosen + (as.is_default() ? "" : " (chosen)"),
                varied ? fmt::format("{}", fmt::join(other, ", ")) : "(not varied)", as.about});
  }
  s += at.render();

  s += "\nVariants\n";
  report::TextTable vt = table({{"variant", false, true}, {"status findings", true, false}, {"N-0", true, false}, {"N-1", true, false}, {"s", true, false}}, width);
  for (const auto& v : r.variants) {
    std::size_t n = 0, n0 = 0, n1 = 0;
    for (const auto& [k, ob] : v.obs) {
      if (!ob.status) continue;
      ++n;
      n0 += ob.kind.rfind("N-0", 0) == 0;
      n1 += ob.kind.rfind("N-1 ", 0) == 0;
    }
    vt.add_row({v.variant.label, v.ok ? std::to_string(n) : "failed: " + v.failure, v.ok ? std::to_string(n0) : "",
                v.ok ? std::to_string(n1) : "", fmt::format("{:.2f}", v.elapsed_s)});
  }
  s += vt.render();

  const std::size_t top = a.output.top;
  s += "\nFindings — present in the baseline or in any variant; 'flipped by': the alternative that alone makes it "
       "appear or vanish\n";
  report::TextTable ft = table({{"finding", false, true}, {"unit", false, false}, {"baseline", true, false}, {"range", true, false}, {"in", true, false}, {"flipped by", false, true}}, width);
  std::size_t shown = 0, status_n = 0;
  for (const auto& f : r.findings) {
    if (!f.status) continue;
    ++status_n;
    if (shown++ >= top && top > 0) continue;
    ft.add_row({finding_name(f), f.unit, f.in_baseline ? num(f.baseline, f.unit) : "absent", range_text(f),
                fmt::format("{}/{}", f.present_in, f.variants), f.robust() ? "robust" : flips_text(f, r.method)});
  }
  s += status_n == 0 ? "  none: no overload, violation or insecurity in any variant\n" : ft.render();
  if (status_n > shown && top > 0) s += fmt::format("  … {} more (--top N)\n", status_n - top);

  s += "\nMetrics — range over the variants and the change that moves each most\n";
  report::TextTable mt = table({{"metric", false, true}, {"unit", false, false}, {"baseline", true, false}, {"range", true, false}, {"moved most by", false, true}, {"by", true, false}}, width);
  shown = 0;
  std::size_t metric_n = 0;
  for (const auto& f : r.findings) {
    if (f.status) continue;
    ++metric_n;
    if (shown++ >= top && top > 0) continue;
    mt.add_row({f.subject, f.unit, num(f.baseline, f.unit), range_text(f), f.moved_most_by.empty() ? "—" : f.moved_most_by,
                f.moved_most_by.empty() ? "" : num(f.moved_most, f.unit)});
  }
  s += mt.render();
  if (metric_n > shown && top > 0) s += fmt::format("  … {} more (--top N)\n", metric_n - top);
  s += "\n" + report::wrap_text(verdict(r), width, "", "  ");
  return s;
}

nlohmann::json sensitivity_json(const StudyCase& c, const SensitivityArgs& a, const study::SensitivityResult& r) {
  using nlohmann::json;
  auto num_or_null = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json j;
  j["format"] = "lsflow-sensitivity";
  j["version"] = 1;
  j["scenario"] = {{"name", c.name}, {"file", c.path}, {"study_year", c.study_year}};
  j["study"] = a.study;
  j["method"] = std::string(to_string(r.method));
  j["elapsed_s"] = r.elapsed_s;
  j["assumptions"] = json::array();
  for (const auto& as : r.assumptions) {
    json alts = json::array();
    for (const auto& alt : as.alternatives) alts.push_back({{"name", alt.name}, {"source", alt.source}});
    j["assumptions"].push_back({{"id", as.id}, {"about", as.about}, {"default", as.default_alternative},
                                {"baseline", as.chosen}, {"origin", as.origin}, {"alternatives", alts},
                                {"varied", std::count(r.varied.begin(), r.varied.end(), as.id) > 0}});
  }
  j["variants"] = json::array();
  for (const auto& v : r.variants) {
    json obs = json::object();
    for (const auto& [k, ob] : v.obs) obs[k] = num_or_null(ob.value);
    j["variants"].push_back({{"label", v.variant.label}, {"changed", v.variant.changed}, {"ok", v.ok},
                             {"failure", v.failure}, {"elapsed_s", v.elapsed_s}, {"findings", obs}});
  }
  j["findings"] = json::array();
  for (const auto& f : r.findings) {
    json flips = json::array();
    for (const auto& fl : f.flipped_by)
      flips.push_back({{"assumption", fl.id}, {"alternatives", fl.alternatives}, {"pairs", fl.pairs}, {"of_pairs", fl.of_pairs}});
    j["findings"].push_back({{"key", f.key}, {"kind", f.kind}, {"subject", f.subject}, {"unit", f.unit},
                             {"status", f.status}, {"in_baseline", f.in_baseline}, {"baseline", num_or_null(f.baseline)},
                             {"min", num_or_null(f.min)}, {"max", num_or_null(f.max)}, {"present_in", f.present_in},
                             {"variants", f.variants}, {"flipped_by", flips}, {"moved_most_by", f.moved_most_by},
                             {"moved_most", f.moved_most}});
  }
  j["verdict"] = verdict(r);
  return j;
}

std::string findings_csv(const study::SensitivityResult& r) {
  std::string s = "finding,kind,subject,unit,status,in_baseline,baseline,min,max,present_in,variants,flipped_by,moved_most_by,moved_most\n";
  for (const auto& f : r.findings)
    s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", report::csv_field(f.key), report::csv_field(f.kind),
                     report::csv_field(f.subject), report::csv_field(f.unit), f.status ? 1 : 0, f.in_baseline ? 1 : 0,
                     csv_num(f.baseline), csv_num(f.min), csv_num(f.max), f.present_in,
                     f.variants, report::csv_field(flips_text(f, r.method)), report::csv_field(f.moved_most_by),
                     csv_num(f.moved_most));
  return s;
}

// One row per (variant, finding): the long form for a spreadsheet's pivot table.
std::string values_csv(const study::SensitivityResult& r) {
  std::string s = "variant,changed,ok,finding,unit,value\n";
  for (const auto& v : r.variants) {
    const std::string changed = fmt::format("{}", fmt::join(v.variant.changed, "; "));
    if (!v.ok) s += fmt::format("{},{},0,,,\n", report::csv_field(v.variant.label), report::csv_field(changed));
    for (const auto& [k, ob] : v.obs)
      s += fmt::format("{},{},1,{},{},{}\n", report::csv_field(v.variant.label), report::csv_field(changed),
                       report::csv_field(k), report::csv_field(ob.unit), csv_num(ob.value));
  }
  return s;
}

const std::vector<std::string>& sensitivity_files() {
  static const std::vector<std::string> f = {"sensitivity_findings.csv", "sensitivity_values.csv", "sensitivity.json"};
  return f;
}

int run_sensitivity_cmd(const SensitivityArgs& a) {
  const io::Choices base_choices = assume_choices(a.assume);
  const StudyCase base = load_study_case(a.path, base_choices);
  if (!base.is_scenario() && a.study != "hosting")
    throw InputError(SourceLoc{a.path, 0}, "not a scenario file: sensitivity runs a study of a scenario");
  const auto all = base.assumptions();
  if (all.empty())
    throw InputError(SourceLoc{a.path, 0}, "the case has no assumptions (no `assumptions:` in its network or scenario "
                                           "files): nothing to vary");
  const auto method = a.method == "corners" ? study::SensitivityMethod::Corners : study::SensitivityMethod::OneAtATime;
  auto variants = study::sensitivity_variants(all, method, a.only, a.max_variants);
  std::optional<study::Profiles> prof;
  if (a.study == "timeseries") {
    if (a.profiles.empty()) throw UsageError("--study timeseries needs --profiles FILE");
    prof = study::read_profiles(a.profiles);
    (void)hour_range(a.hours, prof->hours);
  }
  const study::SensitivityRunner runner = [&](const study::SensitivityVariant& v) -> Observations {
    io::Choices ch = v.choices;
    const StudyCase c = v.changed.empty() ? base : load_study_case(a.path, ch);
    if (a.study == "run") return observe_run(c, a, true);
    if (a.study == "n1") return observe_run(c, a, false);
    if (a.study == "hosting") return observe_hosting(c, a);
    return observe_timeseries(c, a, *prof);
  };
  study::InterruptFlag stop;
  study::SensitivityResult r;
  {
    study::Progress progress("sensitivity", variants.size(), "variants", stderr, !a.no_progress);
    r = study::run_sensitivity(all, std::move(variants), method, runner, &study::InterruptFlag::flag(), &progress);
    progress.finish(r.interrupted ? "interrupted" : "");
  }
  if (r.interrupted) {
    std::fprintf(stderr, "interrupted: no result files written\n");
    remove_stale_results(a.output.out, sensitivity_files());
    return kInterrupted;
  }
  if (r.variants.empty() || !r.variants.front().ok)
    throw InputError(SourceLoc{a.path, 0},
                     "the baseline could not be run: " + (r.variants.empty() ? std::string("no variant") : r.variants.front().failure));
  const auto j = sensitivity_json(base, a, r);
  if (a.output.format == "json") std::fputs((j.dump(2) + "\n").c_str(), stdout);
  else if (a.output.format == "csv") std::fputs(findings_csv(r).c_str(), stdout);
  else std::fputs(report::fit_lines(sensitivity_text(base, a, r), a.output.wide ? 0 : report::kTextWidth).c_str(), stdout);
  std::fflush(stdout);
  write_html(a.output.html, study::sensitivity_html(r, base.name, a.study, verdict(r)), a.output);
  if (!a.output.out.empty()) {
    io::ensure_directory(a.output.out);
    const std::filesystem::path dir(a.output.out);
    io::write_file_atomic((dir / "sensitivity_findings.csv").string(), findings_csv(r));
    io::write_file_atomic((dir / "sensitivity_values.csv").string(), values_csv(r));
    io::write_file_atomic((dir / "sensitivity.json").string(), j.dump(2) + "\n");
    std::fprintf(a.output.format == "text" ? stdout : stderr, "%s\n",
                 fmt::format("results written to {} ({})", a.output.out, fmt::join(sensitivity_files(), ", ")).c_str());
  }
  return kOk;
}

}  // namespace

void add_sensitivity(CLI::App& app, int& rc) {
  auto a = std::make_shared<SensitivityArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sensitivity",
      "Run a study over the alternatives of the case's assumptions (the `assumptions:` of its network and scenario "
      "files) and report, per finding (each overload, violation, N-1 insecurity, hosting MW, curtailed energy), its "
      "range and the assumption whose alternative alone flips it.");
  cmd->add_option("SCENARIO", a->path, "scenario file (.yaml)")->required();
  cmd->add_option("--study", a->study, "the study run for every variant")
      ->capture_default_str()
      ->check(CLI::IsMember({"run", "n1", "hosting", "timeseries"}));
  cmd->add_option("--method", a->method,
                  "one-at-a-time: the baseline, then each other alternative alone; corners: every combination")
      ->capture_default_str()
      ->check(CLI::IsMember({"one-at-a-time", "corners"}));
  cmd->add_option("--only", a->only, "vary only these assumptions (the others stay at the baseline)")
      ->delimiter(',')
      ->type_name("ID[,ID...]");
  cmd->add_option("--max-variants", a->max_variants, "refuse corners beyond this many combinations")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096))
      ->type_name("N");
  cmd->add_option("--format", a->output.format, "what goes to standard output (csv: the findings table)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json", "csv"}));
  cmd->add_option("--out", a->output.out, "write sensitivity_findings.csv, sensitivity_values.csv, sensitivity.json here")
      ->type_name("DIR");
  a->output.top = 30;
  cmd->add_option("--top", a->output.top, "rows of the findings and metrics tables in the text output (0: all)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000))
      ->type_name("N");
  cmd->add_flag("--wide", a->output.wide, "text tables with every column (default: fit 120 columns)");
  cmd->add_option("--html", a->output.html, "write a self-contained HTML report here (tables and a tornado chart)")
      ->type_name("FILE");
  cmd->add_option("--profiles", a->profiles, "--study timeseries: the hourly profile CSV")->type_name("FILE");
  cmd->add_option("--hours", a->hours, "--study timeseries: only hours FIRST-LAST of the profile (0-based)")
      ->type_name("A-B");
  cmd->add_option("--max-mw", a->max_mw, "--study hosting: upper end of the search, MW")->capture_default_str()->type_name("MW");
  cmd->add_option("--step-mw", a->step_mw, "--study hosting: bisection tolerance, MW")->capture_default_str()->type_name("MW");
  add_assume(cmd, a->assume);
  add_threads(cmd, a->threads, 0, "contingencies / buses / hours solved in parallel within each variant");
  add_no_progress(cmd, a->no_progress);
  add_solver_flags(cmd, a->solver);
  cmd->callback([a, &rc] { rc = run_sensitivity_cmd(*a); });
}

}  // namespace lsflow::cli
