// lsflow hosting SCENARIO [--buses A,B,...] [--max-mw MW] [--step-mw MW] [--no-n1] [--vg PU]
//                [--voltage-min-kv KV] [--out DIR] [--format text|json] [--threads N] [--tol PU] [--max-iter
//                N]
//                [--no-progress]
//
// For each candidate bus (default: every energised 110/220 kV bus that is not the reference), the largest
// wind MW it takes before the first overload, voltage violation or non-convergence, in normal operation
// and under N-1, with the binding element (core/study/hosting.hpp: method and assumptions). SCENARIO is a
// scenario (.yaml: its limits) or a MATPOWER case (.m: 0.90–1.10 pu, 100 % of rate A).
//
// Exit status: 0 done, 2 bad input or options, 3 no bus could be evaluated (the case does not solve),
// 130 interrupted (Ctrl-C): then no result file is written and those of an earlier run in DIR are removed.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include <memory>
#include <optional>
#include "commands.hpp"
#include "io/assumptions.hpp"
#include "report/text_table.hpp"
#include "common/errors.hpp"
#include "io/atomic_file.hpp"
#include "io/read_network.hpp"
#include "report/network_solution.hpp"
#include "report/study_report.hpp"
#include "study/apply_scenario.hpp"
#include "study/hosting.hpp"
#include "study/limits.hpp"
#include "study/progress.hpp"
#include "study/scenario.hpp"
#include "study/study_html.hpp"

namespace lsflow::cli {

namespace {

using report::fixed;
using report::TextTable;

const std::vector<std::string>& hosting_files() {
  static const std::vector<std::string> files = {"hosting.csv", "hosting.json"};
  return files;
}

std::vector<BusIdx> parse_buses(const model::Network& net, const std::string& text) {
  std::vector<BusIdx> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    std::optional<BusIdx> b = net.find_bus_by_name(item);
    if (!b && item.find_first_not_of("0123456789") == std::string::npos) b = net.find_bus(std::stoll(item));
    if (!b) throw UsageError(fmt::format("option --buses: no bus named or numbered '{}'", item));
    if (std::find(out.begin(), out.end(), *b) == out.end()) out.push_back(*b);
  }
  if (out.empty()) throw UsageError("option --buses: no bus given");
  return out;
}

std::string mw_text(double mw, bool at_max) {
  if (std::isnan(mw)) return "—";
  return at_max ? fmt::format("≥ {:.0f}", mw) : fmt::format("{:.0f}", mw);
}

// The binding violation in a few words: "L110_X 101.8 %", "HuuLung35 0.892 pu < 0.900", "… | Y out"; "+N":
// other violations at the same MW.
std::string binding_text(const study::HostingLimit& l, bool at_max, bool same_as_normal) {
  using study::HostingViolation;
  if (at_max) return "none up to the search limit";
  if (l.kind == HostingViolation::None) return "—";
  std::string s;
  switch (l.kind) {
    case HostingViolation::Overload: s = fmt::format("{} {:.1f} %", l.element, l.value); break;
    case HostingViolation::Undervoltage: s = fmt::format("{} {:.3f} pu < {:.3f}", l.element, l.value, l.limit); break;
    case HostingViolation::Overvoltage: s = fmt::format("{} {:.3f} pu > {:.3f}", l.element, l.value, l.limit); break;
    case HostingViolation::NotConverged: s = "no power-flow solution"; break;
    case HostingViolation::None: break;
  }
  if (!l.contingency.empty()) s += " | " + l.contingency + " out";
  if (same_as_normal) s = "N-0: " + s;
  if (l.violations > 1) s += fmt::format(" +{}", l.violations - 1);
  return s;
}

nlohmann::json limit_json(const study::HostingLimit& l) {
  nlohmann::json j = {{"kind", study::to_string(l.kind)},
                      {"element", l.element},
                      {"contingency", l.contingency},
                      {"violations", l.violations}};
  if (!std::isnan(l.value)) j["value"] = l.value;
  if (!std::isnan(l.limit)) j["limit"] = l.limit;
  if (!std::isnan(l.at_mw)) j["first_failing_mw"] = l.at_mw;
  return j;
}

nlohmann::json result_json(const study::HostingResult& r, bool n1) {
  nlohmann::json b;
  if (r.evaluated) {
    b["normal"] = {{"mw", r.normal_mw}, {"at_search_limit", r.normal_at_max}, {"binding", limit_json(r.normal)}};
    if (n1) b["n1"] = {{"mw", r.n1_mw}, {"at_search_limit", r.n1_at_max}, {"binding", limit_json(r.n1)}};
  }
  b["contingencies_not_evaluated"] = r.skipped;
  b["solves"] = r.solves;
  b["n1_runs"] = r.n1_runs;
  return b;
}

nlohmann::json study_json(const std::string& name, const std::string& file, const study::HostingStudy& st) {
  using nlohmann::json;
  json buses = json::array();
  for (const auto& r : st.buses) {
    json b = {{"bus", r.name}, {"zone", r.zone}, {"base_kv", r.base_kv}, {"evaluated", r.evaluated}};
    if (!r.failure.empty()) b["failure"] = r.failure;
    b.update(result_json(r, st.options.n1));
    b["existing_violations"] = r.existing;   // beyond the study's list
    b["elapsed_s"] = r.elapsed_s;
    buses.push_back(b);
  }
  const auto& o = st.options;
  json j = {{"case", {{"name", name}, {"file", file}}},
            {"method",
             {{"added_unit", o.vg_pu ? fmt::format("wind, holds {:.3f} pu (PV, no Q limits)", *o.vg_pu)
                                     : std::string("wind, unity power factor (PQ)")},
              {"max_mw", o.max_mw},
              {"step_mw", o.step_mw},
              {"n1", o.n1},
              {"contingencies", st.contingencies},
              {"binding", "new violations only (none with 0 MW added)"},
              {"reactive_limits", o.enforce_q_limits},
              {"voltage_min_kv", o.voltage_min_kv},
              {"limits", st.limits_source}}},
            {"elapsed_s", st.elapsed_s},
            {"existing_violations", st.existing},
            {"buses", buses}};
  if (o.fleet) {
    const auto& f = st.fleet;
    json fj = {{"evaluated", f.evaluated}, {"installed_mw", f.installed_mw}};
    if (!f.failure.empty()) fj["failure"] = f.failure;
    fj.update(result_json(f.mw, o.n1));
    fj["normal_export_mw"] = std::isnan(f.normal_export_mw) ? json(nullptr) : json(f.normal_export_mw);
    fj["n1_export_mw"] = std::isnan(f.n1_export_mw) ? json(nullptr) : json(f.n1_export_mw);
    fj["existing_violations"] = f.mw.existing;
    j["fleet"] = fj;
  }
  return j;
}

std::string study_csv(const study::HostingStudy& st) {
  using report::csv_field;
  std::string s =
      "bus,zone,base_kv,evaluated,normal_mw,normal_at_search_limit,normal_binding,normal_element,normal_"
      "value,"
      "normal_limit,normal_first_failing_mw,n1_mw,n1_at_search_limit,n1_binding,n1_element,n1_contingency,n1_"
      "value,"
      "n1_limit,n1_first_failing_mw,existing_violations\n";
  auto num = [](double x) { return std::isnan(x) ? std::string() : fmt::format("{:.4f}", x); };
  auto row = [&](const study::HostingResult& r, const std::string& zone, double kv, const std::vector<std::string>& ex) {
    std::string existing;
    for (std::size_t i = 0; i < ex.size(); ++i) existing += (i ? "; " : "") + ex[i];
    s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(r.name),
                     csv_field(zone), kv > 0 ? fmt::format("{}", kv) : "", r.evaluated ? 1 : 0, num(r.normal_mw),
                     r.normal_at_max ? 1 : 0, study::to_string(r.normal.kind), csv_field(r.normal.element),
                     num(r.normal.value), num(r.normal.limit), num(r.normal.at_mw), num(r.n1_mw),
                     r.n1_at_max ? 1 : 0, st.options.n1 ? study::to_string(r.n1.kind) : "",
                     csv_field(r.n1.element), csv_field(r.n1.contingency), num(r.n1.value), num(r.n1.limit),
                     num(r.n1.at_mw), csv_field(existing));
  };
  for (const auto& r : st.buses) {
    std::vector<std::string> ex = st.existing;
    ex.insert(ex.end(), r.existing.begin(), r.existing.end());
    row(r, r.zone, r.base_kv, ex);
  }
  if (st.options.fleet) row(st.fleet.mw, "(all wind farms)", 0.0, st.fleet.mw.existing);
  return s;
}

std::string study_text(const std::string& name, const std::string& file, int year,
                       const std::string& limits_text, const std::string& assume_text, const study::HostingStudy& st,
                       const OutputFlags& out) {
  const auto& o = st.options;
  const std::size_t width = out.wide ? 0 : report::kTextWidth;
  auto field = [&](const char* label, const std::string& text) {
    return report::wrap_text(text, width, fmt::format("  {:<10}", label), "            ");
  };
  std::string s = fmt::format("lsflow hosting — {} '{}'{}\n", year ? "scenario" : "case", name,
                              year ? fmt::format(", study year {}", year) : "");
  s += field("file", file) + field("limits", limits_text);
  if (!assume_text.empty()) s += field("assume", assume_text);
  s += field("method",
             fmt::format("a wind unit {} added at each bus alone, the rest as the case has it (the reference unit takes "
                         "the MW); bisection on its MW to {} MW, searched up to {} MW; only NEW violations bind (those "
                         "already there with 0 MW added are listed below, once); base case of every trial with the "
                         "automatic taps settled, reactive limits {}",
                         o.vg_pu ? fmt::format("holding {:.3f} pu (PV, no Q limits)", *o.vg_pu)
                                 : std::string("at unity power factor"),
                         o.step_mw, o.max_mw, o.enforce_q_limits ? "enforced" : "NOT enforced (--no-q-limits)"));
  s += o.voltage_min_kv > 0.0
           ? field("voltages", fmt::format("checked at buses of {} kV and above only (--voltage-min-kv)", o.voltage_min_kv))
           : field("voltages", "checked at every bus with a band");
  if (o.n1)
    s += field("N-1", fmt::format("normal operation and every one of {} credible contingencies (lines, transformers, "
                                  "generators; not the grid equivalent) against the N-1 limits; taps held",
                                  st.contingencies));
  std::size_t evaluated = 0;
  for (const auto& r : st.buses) evaluated += r.evaluated;
  s += field("done", fmt::format("{} of {} buses in {:.2f} s", evaluated, st.buses.size(), st.elapsed_s)) + "\n";

  using report::TextTable;
  TextTable t;
  t.set_max_width(width);
  t.add_column("bus", TextTable::Align::Left);
  t.add_column("kV", TextTable::Align::Right);
  t.add_column("zone", TextTable::Align::Left, TextTable::Fit::Drop);
  t.add_column("normal (MW)", TextTable::Align::Right);
  t.add_column("binding in normal operation", TextTable::Align::Left, TextTable::Fit::Shrink);
  if (o.n1) {
    t.add_column("N-1 (MW)", TextTable::Align::Right);
    t.add_column("binding under N-1", TextTable::Align::Left, TextTable::Fit::Shrink);
  }
  auto add = [&](const study::HostingResult& r, const std::string& kv, const std::string& zone) {
    if (!r.evaluated) {
      std::vector<std::string> row = {r.name, kv, zone, "—", r.failure.empty() ? "not run" : r.failure};
      if (o.n1) row.insert(row.end(), {"—", ""});
      t.add_row(row);
      return;
    }
    std::vector<std::string> row = {r.name, kv, zone, mw_text(r.normal_mw, r.normal_at_max),
                                    binding_text(r.normal, r.normal_at_max, false)};
    if (o.n1) {
      const bool same = r.n1.contingency.empty() && r.n1.kind != study::HostingViolation::None;
      row.push_back(mw_text(r.n1_mw, r.n1_at_max));
      row.push_back(binding_text(r.n1, r.n1_at_max, same));
    }
    t.add_row(row);
  };
  for (const auto& r : st.buses) add(r, fixed(r.base_kv, 0), r.zone);
  s += t.render();
  s += report::wrap_text(fmt::format("The MW are the largest added MW verified to pass; the first failure found lies at "
                                     "most {} MW above; binding: the worst new violation there (loading % of the "
                                     "rating; 'X out': after that outage; 'N-0': the normal-operation limit binds "
                                     "first; +N: other new violations at that MW).",
                                     o.step_mw),
                         width, "  ", "  ");
  if (o.fleet) {
    const auto& f = st.fleet;
    s += "\nThe wind fleet as a whole (every in-service farm at one share of its installed MW): the export limit\n";
    if (!f.evaluated) {
      s += "  not evaluated: " + (f.failure.empty() ? std::string("interrupted") : f.failure) + "\n";
    } else {
      auto line = [&](const char* what, double mw, bool at_max, double export_mw, const study::HostingLimit& l) {
        s += report::wrap_text(
            fmt::format("{}: {} MW of {:.0f} MW installed ({:.0f} %), export {} MW; binding: {}", what,
                        mw_text(mw, at_max), f.installed_mw, 100.0 * mw / f.installed_mw,
                        std::isnan(export_mw) ? std::string("—") : fmt::format("{:.0f}", export_mw),
                        binding_text(l, at_max, false)),
            width, "  ", "    ");
      };
      line("N-0", f.mw.normal_mw, f.mw.normal_at_max, f.normal_export_mw, f.mw.normal);
      if (o.n1) line("N-1", f.mw.n1_mw, f.mw.n1_at_max, f.n1_export_mw, f.mw.n1);
    }
  }
  for (const auto& r : st.buses) {
    if (r.skipped.empty()) continue;
    std::string list;
    for (std::size_t i = 0; i < r.skipped.size(); ++i) list += (i ? "; " : "") + r.skipped[i];
    s += report::wrap_text(fmt::format("WARNING {}: contingencies the N-1 engine could not evaluate, left out: {}",
                                       r.name, list),
                           width, "  ", "    ");
  }
  if (!st.existing.empty()) {
    s += fmt::format("\nViolations already present with 0 MW added ({}; they do not bind):\n", st.existing.size());
    const std::size_t shown = out.wide ? st.existing.size() : std::min(st.existing.size(), out.top);
    for (std::size_t i = 0; i < shown; ++i) s += report::wrap_text(st.existing[i], width, "  ", "    ");
    if (shown < st.existing.size())
      s += fmt::format("  … and {} more (--top {} or --format json lists them all)\n", st.existing.size() - shown,
                       st.existing.size());
  }
  for (const auto& r : st.buses) {
    if (r.existing.empty()) continue;
    s += report::wrap_text(fmt::format("{} (its own case with 0 MW, e.g. the unit holding its voltage): {}", r.name,
                                       fmt::join(r.existing, "; ")),
                           width, "  ", "    ");
  }
  return s;
}


struct HostingArgs {
  std::vector<std::string> assume;
  std::string path, buses;
  SolverFlags solver;
  OutputFlags output;
  double max_mw = 1000.0, step_mw = 5.0, voltage_min_kv = 0.0;
  std::optional<double> vg_pu;
  bool no_n1 = false, no_progress = false, no_fleet = false;
  int threads = 0;
};

int run_hosting(const HostingArgs& a) {
  study::HostingOptions opt;
  opt.max_mw = a.max_mw;
  opt.step_mw = a.step_mw;
  if (opt.step_mw >= opt.max_mw) throw UsageError("option --step-mw must be below --max-mw");
  opt.n1 = !a.no_n1;
  opt.vg_pu = a.vg_pu;
  opt.threads = a.threads;
  opt.voltage_min_kv = a.voltage_min_kv;
  opt.tol_pu = a.solver.tol_pu;
  opt.max_iter = a.solver.max_iter;
  opt.enforce_q_limits = !a.solver.no_q_limits;
  opt.fleet = !a.no_fleet && a.buses.empty();

  const StudyCase c = load_study_case(a.path, assume_choices(a.assume));
  const model::Network& net = c.net;
  const std::vector<BusIdx> buses = !a.buses.empty() ? parse_buses(net, a.buses) : study::hosting_candidates(net);
  if (buses.empty())
    throw InputError(SourceLoc{a.path, 0}, "no candidate bus: no energised 110/220 kV bus other than the reference");

  study::InterruptFlag stop;
  study::HostingStudy st;
  {
    study::Progress progress("hosting", buses.size(), "buses", stderr, !a.no_progress);
    st = study::hosting_capacity(net, c.contingency_limits, buses, opt, &study::InterruptFlag::flag(), &progress);
    progress.finish(st.interrupted ? "interrupted" : "");
  }
  const std::string& out = a.output.out;
  if (st.interrupted) {
    std::fprintf(stderr, "interrupted: no result files written\n");
    remove_stale_results(out, hosting_files());
    return kInterrupted;
  }
  if (a.output.format == "json")
    std::fputs((study_json(c.name, a.path, st).dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(report::fit_lines(study_text(c.name, a.path, c.study_year, c.limits_text, io::describe_choices(c.assumptions()), st, a.output), a.output.wide ? 0 : report::kTextWidth).c_str(), stdout);
  std::fflush(stdout);
  std::size_t evaluated = 0;
  for (const auto& r : st.buses) evaluated += r.evaluated;
  if (evaluated == 0) {
    std::fprintf(stderr, "no bus could be evaluated: no result files written\n");
    remove_stale_results(out, hosting_files());
    return kNotConverged;
  }
  if (!a.output.html.empty()) {
    const report::ReportLimits rl = c.limits ? report::report_limits(c.net, *c.limits) : study::report_limits_of(c.net, c.contingency_limits);
    // The map's lines by the case's own loading when it solves (the 0 MW case), else the bare network.
    const auto sol = report::solve_network(c.net, study_solve_options(a.solver));
    const auto base = sol.converged ? report::build_study_report(c.net, sol, rl, c.name) : report::network_skeleton(c.net, rl);
    write_html(a.output.html, study::hosting_html(st, base, c.name), a.output);
  }
  if (!out.empty()) {
    io::ensure_directory(out);
    const std::filesystem::path dir(out);
    io::write_file_atomic((dir / "hosting.csv").string(), study_csv(st));
    io::write_file_atomic((dir / "hosting.json").string(), study_json(c.name, a.path, st).dump(2) + "\n");
    std::fprintf(a.output.format == "json" ? stderr : stdout, "%s\n",
                 fmt::format("results written to {} ({})", out, fmt::join(hosting_files(), ", ")).c_str());
  }
  return kOk;
}

}  // namespace

void add_hosting(CLI::App& app, int& rc) {
  auto a = std::make_shared<HostingArgs>();
  CLI::App* cmd = app.add_subcommand(
      "hosting",
      "The largest wind MW each 110/220 kV bus takes before the first new overload or voltage violation (one "
      "not there with 0 MW added), in normal operation and under N-1, with the binding element; bisection to "
      "--step-mw. The base case of every trial is solved as `run` solves it (taps settled, reactive limits).");
  cmd->add_option("SCENARIO", a->path, "scenario (.yaml), network file (.yaml) or MATPOWER case (.m)")->required();
  cmd->add_option("--buses", a->buses, "candidate buses by name or number, comma-separated (default: every "
                                       "energised 110/220 kV bus but the reference)")
      ->type_name("LIST");
  cmd->add_option("--max-mw", a->max_mw, "upper end of the search, MW")->capture_default_str()->check(CLI::Range(1.0, 1e6))->type_name("MW");
  cmd->add_option("--step-mw", a->step_mw, "bisection tolerance, MW")->capture_default_str()->check(CLI::Range(0.01, 1e5))->type_name("MW");
  cmd->add_flag("--no-n1", a->no_n1, "normal operation only");
  cmd->add_flag("--no-fleet", a->no_fleet, "skip the wind fleet as a whole (the export limit; also skipped with --buses)");
  cmd->add_option("--vg", a->vg_pu, "the added unit holds this voltage, pu (PV, no Q limits); default unity power factor")
      ->check(CLI::Range(0.8, 1.2))
      ->type_name("PU");
  cmd->add_option("--voltage-min-kv", a->voltage_min_kv, "check voltages at buses of this base kV and above only, kV")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1000.0))
      ->type_name("KV");
  add_output_flags(cmd, a->output, 15, "write hosting.csv, hosting.json here");
  add_threads(cmd, a->threads, 0, "candidate buses studied in parallel");
  add_no_progress(cmd, a->no_progress);
  add_assume(cmd, a->assume);
  add_solver_flags(cmd, a->solver, false, true);
  cmd->callback([a, &rc] { rc = run_hosting(*a); });
}

}  // namespace lsflow::cli
