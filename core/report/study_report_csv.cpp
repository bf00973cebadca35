// StudyReport as the CSV files of `lsflow run --out`, and the folder they make.
#include "report/study_report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"

namespace lsflow::report {

using nlohmann::json;
// ---------------------------------------------------------------------------------------------------
// CSV

namespace {
std::string num(double x) { return std::isnan(x) ? std::string() : fmt::format("{:.10g}", x); }
}  // namespace

std::string buses_report_csv(const StudyReport& r) {
  std::string out =
      "bus,id,zone,base_kv,level,energised,vm_pu,v_kv,va_deg,band_min_pu,band_max_pu,deviation_pu,status\n";
  for (const auto& b : r.buses) {
    const char* status = !b.energised ? "deenergised" : !b.has_band() ? "no_band" : b.deviation_pu < 0 ? "low"
                                                                                 : b.deviation_pu > 0 ? "high"
                                                                                                      : "ok";
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(b.name), b.id, csv_field(b.zone),
                       num(b.base_kv), csv_field(b.level), b.energised ? 1 : 0, num(b.vm_pu), num(b.v_kv),
                       num(b.va_deg), num(b.vmin_pu), num(b.vmax_pu), num(b.deviation_pu), status);
  }
  return out;
}

std::string branches_report_csv(const StudyReport& r) {
  std::string out =
      "element,kind,from_bus,to_bus,lv_bus,in_service,energised,p_from_mw,q_from_mvar,p_to_mw,q_to_mvar,p_lv_mw,"
      "q_lv_mvar,loss_mw,s_mva,rating_mva,loading_pct,limit_pct,reverse_mw,status\n";
  for (const auto& e : r.elements) {
    auto end = [&](std::size_t i, bool q) -> std::string {
      if (i >= e.ends.size()) return "";
      return num(q ? e.ends[i].q_mvar : e.ends[i].p_mw);
    };
    const char* status = !e.in_service           ? "out_of_service"
                         : !e.energised          ? "deenergised"
                         : !e.rated()            ? "unrated"
                         : e.loading_pct > r.loading_limit_pct ? "overload"
                                                               : "ok";
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(e.name),
                       to_string(e.kind), csv_field(e.buses[0]), csv_field(e.buses.size() > 1 ? e.buses[1] : ""),
                       csv_field(e.buses.size() > 2 ? e.buses[2] : ""), e.in_service ? 1 : 0, e.energised ? 1 : 0,
                       end(0, false), end(0, true), end(1, false), end(1, true), end(2, false), end(2, true),
                       e.energised ? num(e.loss_mw) : "", e.energised ? num(e.s_mva) : "", num(e.rating_mva),
                       num(e.loading_pct), num(r.loading_limit_pct), e.energised ? num(e.reverse_mw) : "", status);
  }
  return out;
}

std::string generators_report_csv(const StudyReport& r) {
  std::string out = "generator,kind,bus,in_service,energised,installed_mw,p_mw,q_mvar,qmin_mvar,qmax_mvar,at_q_limit,vg_pu\n";
  for (const auto& g : r.generators)
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(g.name), model::to_string(g.kind),
                       csv_field(g.bus), g.in_service ? 1 : 0, g.energised ? 1 : 0, num(g.installed_mw), num(g.p_mw),
                       num(g.q_mvar), num(g.qmin_mvar), num(g.qmax_mvar), g.at_q_limit ? 1 : 0, num(g.vg_pu));
  return out;
}

std::string loads_report_csv(const StudyReport& r) {
  std::string out = "load,bus,zone,category,in_service,energised,p_mw,q_mvar\n";
  for (const auto& l : r.loads)
    out += fmt::format("{},{},{},{},{},{},{},{}\n", csv_field(l.name), csv_field(l.bus), csv_field(l.zone),
                       csv_field(l.category), l.in_service ? 1 : 0, l.energised ? 1 : 0, num(l.p_mw), num(l.q_mvar));
  return out;
}

std::string violations_csv(const StudyReport& r) {
  std::string out = "type,element,kind,level,value,unit,limit,excess,excess_unit,detail\n";
  for (const auto& o : r.overloads)
    out += fmt::format("overload,{},{},,{},pct,{},{},pct,{}\n", csv_field(o.element), to_string(o.kind),
                       num(o.loading_pct), num(o.limit_pct), num(o.loading_pct - o.limit_pct),
                       csv_field(fmt::format("{:.1f} MVA of {:.1f} MVA at {}", o.s_mva, o.rating_mva, o.worst_end)));
  for (const auto& v : r.voltage_violations)
    out += fmt::format("{},{},bus,{},{},pu,{},{},pu,{}\n", v.low() ? "undervoltage" : "overvoltage", csv_field(v.bus),
                       csv_field(v.level), num(v.vm_pu), num(v.limit_pu()), num(std::abs(v.deviation_pu)),
                       csv_field(fmt::format("{:.2f} kV, band {:.1f}-{:.1f} kV", v.v_kv, v.vmin_pu * v.base_kv,
                                             v.vmax_pu * v.base_kv)));
  for (const auto& q : r.q_limit_breaches)
    out += fmt::format("q_limit,{},generator,,{},mvar,{},{},mvar,{}\n", csv_field(q.generator), num(q.q_mvar),
                       num(q.q_mvar > q.qmax_mvar ? q.qmax_mvar : q.qmin_mvar), num(q.excess_mvar()),
                       csv_field(fmt::format("{} at {}; Q limits not enforced", model::to_string(q.kind), q.bus)));
  for (const auto& d : r.deenergised)
    for (const auto& b : d.buses)
      out += fmt::format("deenergised,{},bus,,,,,,,{}\n", csv_field(b),
                         csv_field(fmt::format("island of {} buses, {:.1f} MW of load not supplied", d.buses.size(),
                                               d.load_mw)));
  return out;
}

const std::vector<std::string>& study_report_files() {
  static const std::vector<std::string> files = {"buses.csv", "branches.csv", "generators.csv", "loads.csv",
                                                 "violations.csv", "report.json"};
  return files;
}

void write_study_report(const std::string& dir, const StudyReport& r) {
  if (!r.converged()) throw std::logic_error("write_study_report: the case did not converge");
  io::ensure_directory(dir);
  // An older report.json goes first, so a run interrupted midway never leaves a set that looks whole.
  std::error_code ec;
  std::filesystem::remove(std::filesystem::path(dir) / "report.json", ec);
  io::write_file_atomic(dir + "/buses.csv", buses_report_csv(r));
  io::write_file_atomic(dir + "/branches.csv", branches_report_csv(r));
  io::write_file_atomic(dir + "/generators.csv", generators_report_csv(r));
  io::write_file_atomic(dir + "/loads.csv", loads_report_csv(r));
  io::write_file_atomic(dir + "/violations.csv", violations_csv(r));
  io::write_file_atomic(dir + "/report.json", study_report_json(r).dump(2) + "\n");
}

StudyReport read_study_report(const std::string& dir) {
  const auto path = (std::filesystem::path(dir) / "report.json").string();
  std::ifstream in(path);
  if (!in)
    throw InputError(SourceLoc{dir, 0}, "no report.json here: not a folder written by `lsflow run --out`, or "
                                        "that run did not converge");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    throw InputError(SourceLoc{path, 0}, fmt::format("not valid JSON: {}", e.what()));
  }
  try {
    return study_report_from_json(j);
  } catch (const InputError& e) {
    throw InputError(SourceLoc{path, 0}, e.message());
  }
}

}  // namespace lsflow::report

