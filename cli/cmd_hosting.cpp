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

#include "args.hpp"
#include "commands.hpp"
#include "common/errors.hpp"
#include "io/atomic_file.hpp"
#include "io/read_network.hpp"
#include "report/study_report.hpp"
#include "study/apply_scenario.hpp"
#include "study/hosting.hpp"
#include "study/limits.hpp"
#include "study/progress.hpp"
#include "study/scenario.hpp"

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

std::string binding_text(const study::HostingLimit& l, bool at_max, bool same_as_normal) {
  if (at_max) return "none up to the search limit";
  if (l.kind == study::HostingViolation::None) return "—";
  std::string s = l.text();
  if (same_as_normal) s = "normal-operation limit: " + s;
  if (l.violations > 1) s += fmt::format(" (+{} more)", l.violations - 1);
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

nlohmann::json study_json(const std::string& name, const std::string& file, const study::HostingStudy& st) {
  using nlohmann::json;
  json buses = json::array();
  for (const auto& r : st.buses) {
    json b = {{"bus", r.name}, {"zone", r.zone}, {"base_kv", r.base_kv}, {"evaluated", r.evaluated}};
    if (!r.failure.empty()) b["failure"] = r.failure;
    if (r.evaluated) {
      b["normal"] = {
          {"mw", r.normal_mw}, {"at_search_limit", r.normal_at_max}, {"binding", limit_json(r.normal)}};
      if (st.options.n1)
        b["n1"] = {{"mw", r.n1_mw}, {"at_search_limit", r.n1_at_max}, {"binding", limit_json(r.n1)}};
    }
    b["existing_violations"] = r.existing;
    b["contingencies_not_evaluated"] = r.skipped;
    b["solves"] = r.solves;
    b["n1_runs"] = r.n1_runs;
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
              {"existing_loading_margin_pct", o.existing_loading_margin_pct},
              {"existing_voltage_margin_pu", o.existing_voltage_margin_pu},
              {"voltage_min_kv", o.voltage_min_kv},
              {"limits", st.limits_source}}},
            {"elapsed_s", st.elapsed_s},
            {"buses", buses}};
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
  for (const auto& r : st.buses) {
    std::string existing;
    for (std::size_t i = 0; i < r.existing.size(); ++i) existing += (i ? "; " : "") + r.existing[i];
    s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(r.name),
                     csv_field(r.zone), r.base_kv, r.evaluated ? 1 : 0, num(r.normal_mw),
                     r.normal_at_max ? 1 : 0, study::to_string(r.normal.kind), csv_field(r.normal.element),
                     num(r.normal.value), num(r.normal.limit), num(r.normal.at_mw), num(r.n1_mw),
                     r.n1_at_max ? 1 : 0, st.options.n1 ? study::to_string(r.n1.kind) : "",
                     csv_field(r.n1.element), csv_field(r.n1.contingency), num(r.n1.value), num(r.n1.limit),
                     num(r.n1.at_mw), csv_field(existing));
  }
  return s;
}

std::string study_text(const std::string& name, const std::string& file, int year,
                       const std::string& limits_text, const study::HostingStudy& st) {
  const auto& o = st.options;
  std::string s =
      fmt::format("lsflow hosting — {} '{}'{}\n  file      {}\n  limits    {}\n", year ? "scenario" : "case",
                  name, year ? fmt::format(", study year {}", year) : "", file, limits_text);
  s += fmt::format(
      "  method    a wind unit {} added at each bus alone, the rest as the case has it (the reference unit "
      "takes the MW); bisection on its MW to {} MW, searched up to {} MW; violations present with 0 MW "
      "added bind only when worsened by > {} % of rating or > {} pu\n",
      o.vg_pu ? fmt::format("holding {:.3f} pu (PV, no Q limits)", *o.vg_pu)
              : std::string("at unity power factor"),
      o.step_mw, o.max_mw, o.existing_loading_margin_pct, o.existing_voltage_margin_pu);
  s += o.voltage_min_kv > 0.0
           ? fmt::format("  voltages  checked at buses of {} kV and above only (--voltage-min-kv)\n",
                         o.voltage_min_kv)
           : std::string("  voltages  checked at every bus with a band\n");
  if (o.n1)
    s += fmt::format(
        "  N-1       normal operation and every one of {} contingencies (lines, transformers, generators but "
        "the grid equivalent) against the N-1 limits; taps held\n",
        st.contingencies);
  std::size_t evaluated = 0;
  for (const auto& r : st.buses) evaluated += r.evaluated;
  s += fmt::format("  done      {} of {} buses in {:.2f} s\n\n", evaluated, st.buses.size(), st.elapsed_s);

  TextTable t;
  t.add_column("bus", TextTable::Align::Left);
  t.add_column("kV", TextTable::Align::Right);
  t.add_column("zone", TextTable::Align::Left);
  t.add_column("normal (MW)", TextTable::Align::Right);
  t.add_column("binding in normal operation", TextTable::Align::Left);
  if (o.n1) {
    t.add_column("N-1 (MW)", TextTable::Align::Right);
    t.add_column("binding under N-1", TextTable::Align::Left);
  }
  for (const auto& r : st.buses) {
    if (!r.evaluated) {
      std::vector<std::string> row = {r.name, fixed(r.base_kv, 0), r.zone, "—",
                                      r.failure.empty() ? "not run" : r.failure};
      if (o.n1) row.insert(row.end(), {"—", ""});
      t.add_row(row);
      continue;
    }
    std::vector<std::string> row = {r.name, fixed(r.base_kv, 0), r.zone,
                                    mw_text(r.normal_mw, r.normal_at_max),
                                    binding_text(r.normal, r.normal_at_max, false)};
    if (o.n1) {
      const bool same = r.n1.contingency.empty() && r.n1.kind != study::HostingViolation::None;
      row.push_back(mw_text(r.n1_mw, r.n1_at_max));
      row.push_back(binding_text(r.n1, r.n1_at_max, same));
    }
    t.add_row(row);
  }
  s += t.render();
  s += fmt::format(
      "  The MW are the largest added MW verified to pass; the first failure found lies at most {} MW "
      "above (the binding element is the worst violation there).\n",
      o.step_mw);
  for (const auto& r : st.buses) {
    if (r.skipped.empty()) continue;
    std::string list;
    for (std::size_t i = 0; i < r.skipped.size(); ++i) list += (i ? "; " : "") + r.skipped[i];
    s += fmt::format("  WARNING {}: contingencies the N-1 engine could not evaluate, left out: {}\n", r.name,
                     list);
  }
  bool any = false;
  for (const auto& r : st.buses) {
    if (r.existing.empty()) continue;
    if (!any) s += "\nViolations already present with 0 MW added (not binding unless worsened):\n";
    any = true;
    std::string list;
    for (std::size_t i = 0; i < r.existing.size() && i < 6; ++i) list += (i ? "; " : "") + r.existing[i];
    if (r.existing.size() > 6) list += fmt::format("; and {} more", r.existing.size() - 6);
    s += fmt::format("  {}: {}\n", r.name, list);
  }
  return s;
}

}  // namespace

int cmd_hosting(const std::vector<std::string>& argv) {
  const Args args(argv, {"--no-n1", "--no-progress"},
                  {"--buses", "--max-mw", "--step-mw", "--vg", "--voltage-min-kv", "--out", "--format",
                   "--threads", "--tol", "--max-iter"});
  if (args.positional().size() != 1)
    throw UsageError(
        "hosting needs exactly one scenario (or MATPOWER case): lsflow hosting SCENARIO [options]");
  const std::string format = output_format(args);
  study::HostingOptions opt;
  opt.max_mw = args.number("--max-mw", 1000.0, 1.0, 1e6);
  opt.step_mw = args.number("--step-mw", 5.0, 0.01, 1e5);
  if (opt.step_mw >= opt.max_mw) throw UsageError("option --step-mw must be below --max-mw");
  opt.n1 = !args.flag("--no-n1");
  if (args.value("--vg")) opt.vg_pu = args.number("--vg", 1.0, 0.8, 1.2);
  opt.threads = args.integer("--threads", 0, 0, 1024);
  opt.voltage_min_kv = args.number("--voltage-min-kv", 0.0, 0.0, 1000.0);
  opt.tol_pu = args.number("--tol", 1e-8, 1e-14, 1.0);
  opt.max_iter = args.integer("--max-iter", 10, 1, 1000);

  const std::string path = args.positional()[0];
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(SourceLoc{path, 0}, "file not found");
  model::Network net;
  study::ContingencyLimits limits;
  std::string name, limits_text;
  int year = 0;
  if (std::filesystem::path(path).extension() == ".m") {
    net = io::read_network(path);
    name = std::filesystem::path(path).stem().string();
    limits = study::default_contingency_limits(net);
    limits_text = limits.source;
  } else {
    const study::Scenario sc = study::read_scenario(path);
    study::ApplySummary summary;
    net = study::build_network(sc, summary);
    for (const auto& w : summary.warnings)
      std::fprintf(stderr, "%s\n", fmt::format("warning: {}: {}", path, w).c_str());
    limits = study::contingency_limits(net, study::scenario_limits(sc));
    limits_text = fmt::format("{}; loading limit {} % normal, {} % N-1", limits.source,
                              limits.loading_normal_pct, limits.loading_n1_pct);
    name = sc.name;
    year = sc.study_year.value_or(0);
  }
  const std::vector<BusIdx> buses =
      args.value("--buses") ? parse_buses(net, *args.value("--buses")) : study::hosting_candidates(net);
  if (buses.empty())
    throw InputError(SourceLoc{path, 0},
                     "no candidate bus: no energised 110/220 kV bus other than the reference");

  study::InterruptFlag stop;
  study::HostingStudy st;
  {
    study::Progress progress("hosting", buses.size(), "buses", stderr, !args.flag("--no-progress"));
    st = study::hosting_capacity(net, limits, buses, opt, &study::InterruptFlag::flag(), &progress);
    progress.finish(st.interrupted ? "interrupted" : "");
  }
  const auto out = args.value("--out");
  if (st.interrupted) {
    std::fprintf(stderr, "interrupted: no result files written\n");
    if (out) remove_stale_results(*out, hosting_files());
    return kInterrupted;
  }
  if (format == "json")
    std::fputs((study_json(name, path, st).dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(study_text(name, path, year, limits_text, st).c_str(), stdout);
  std::fflush(stdout);
  std::size_t evaluated = 0;
  for (const auto& r : st.buses) evaluated += r.evaluated;
  if (evaluated == 0) {
    std::fprintf(stderr, "no bus could be evaluated: no result files written\n");
    if (out) remove_stale_results(*out, hosting_files());
    return kNotConverged;
  }
  if (out) {
    io::ensure_directory(*out);
    const std::filesystem::path dir(*out);
    io::write_file_atomic((dir / "hosting.csv").string(), study_csv(st));
    io::write_file_atomic((dir / "hosting.json").string(), study_json(name, path, st).dump(2) + "\n");
    std::fprintf(format == "json" ? stderr : stdout, "%s\n",
                 fmt::format("results written to {} ({})", *out, fmt::join(hosting_files(), ", ")).c_str());
  }
  return kOk;
}

}  // namespace lsflow::cli
