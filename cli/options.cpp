#include "options.hpp"

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "common/errors.hpp"
#include "io/atomic_file.hpp"
#include "io/read_network.hpp"
#include "study/apply_scenario.hpp"

namespace lsflow::cli {

void add_solver_flags(CLI::App* cmd, SolverFlags& f, bool flat_start, bool q_limits) {
  cmd->add_option("--tol", f.tol_pu, "power mismatch tolerance, per unit on the case's MVA base")
      ->capture_default_str()
      ->check(CLI::Range(1e-14, 1.0))
      ->type_name("PU");
  cmd->add_option("--max-iter", f.max_iter, "Newton iterations per solve")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000))
      ->type_name("N");
  if (flat_start) cmd->add_flag("--flat-start", f.flat_start, "start from 1∠0 pu instead of the case's voltages");
  if (q_limits)
    cmd->add_flag("--no-q-limits", f.no_q_limits,
                  "let generators give any Q (default: reactive limits enforced, MATPOWER's Q-limit loop)");
}

void add_output_flags(CLI::App* cmd, OutputFlags& f, std::size_t top_default, const std::string& out_help) {
  f.top = top_default;
  cmd->add_option("--format", f.format, "what goes to standard output")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--out", f.out, out_help)->type_name("DIR");
  cmd->add_option("--top", f.top, "rows of the ranked tables in the text output")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000))
      ->type_name("N");
  cmd->add_flag("--wide", f.wide, "text tables with every column (default: fit 120 columns)");
  cmd->add_option("--html", f.html, "write a self-contained HTML report here (maps and plots as inline SVG; opens offline)")
      ->type_name("FILE");
}

void write_html(const std::string& path, const std::string& page, const OutputFlags& f) {
  if (path.empty()) return;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) io::ensure_directory(parent.string());
  io::write_file_atomic(path, page);
  std::fprintf(f.format == "json" ? stderr : stdout, "%s\n", fmt::format("HTML report written to {}", path).c_str());
}

void add_threads(CLI::App* cmd, int& threads, int default_threads, const std::string& what) {
  threads = default_threads;
  cmd->add_option("--threads", threads, what + " (0: every core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024))
      ->type_name("N");
}

void add_assume(CLI::App* cmd, std::vector<std::string>& items) {
  cmd->add_option("--assume", items,
                  "ID=ALTERNATIVE[,ID=ALTERNATIVE...]: use these alternatives of the network's or the scenario's "
                  "`assumptions:` instead of their defaults (or of the scenario's `choose`)")
      ->delimiter(',')
      ->type_name("ID=ALT");
}

io::Choices assume_choices(const std::vector<std::string>& items) {
  return io::parse_choices(items, SourceLoc{"--assume", 0});
}

std::vector<model::Assumption> StudyCase::assumptions() const {
  std::vector<model::Assumption> out = net.assumptions;
  if (scenario) out.insert(out.end(), scenario->assumptions.begin(), scenario->assumptions.end());
  return out;
}

void add_no_progress(CLI::App* cmd, bool& no_progress) {
  cmd->add_flag("--no-progress", no_progress, "no progress line on standard error");
}

namespace {

void require_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(SourceLoc{path, 0}, "file not found");
}

// A .yaml file is a network file when it lists buses; otherwise a scenario (which may name its network
// only through the file it `extends`).
bool is_scenario_file(const std::string& path) {
  const auto ext = std::filesystem::path(path).extension().string();
  if (ext != ".yaml" && ext != ".yml") return false;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    return !(root.IsMap() && root["buses"]);
  } catch (const YAML::Exception&) {
    return true;   // let the scenario reader report the syntax error with its line
  }
}

}  // namespace

StudyCase load_study_case(const std::string& path, const io::Choices& choices) {
  require_file(path);
  StudyCase c;
  c.path = path;
  if (!is_scenario_file(path)) {
    c.net = io::read_network(path, choices);
    c.name = c.net.name.empty() ? std::filesystem::path(path).stem().string() : c.net.name;
    c.contingency_limits = study::default_contingency_limits(c.net);
    c.limits_text = c.contingency_limits.source;
    return c;
  }
  const study::Scenario& s = c.scenario.emplace(study::read_scenario(path, choices));
  study::ApplySummary summary;
  c.net = study::build_network(s, summary);
  for (const auto& w : summary.warnings) std::fprintf(stderr, "%s\n", fmt::format("warning: {}: {}", path, w).c_str());
  c.name = s.name;
  c.description = s.description;
  c.study_year = s.study_year.value_or(0);
  if (s.limits.file.is_set()) {
    c.limits = study::scenario_limits(s);
    c.contingency_limits = study::contingency_limits(c.net, *c.limits);
    c.limits_text = fmt::format("{}; loading limit {:g} % of rating A normal, {:g} % of the emergency rating (rating B, "
                                "else A) after a contingency",
                                c.contingency_limits.source, c.contingency_limits.loading_normal_pct,
                                c.contingency_limits.loading_n1_pct);
  } else {
    c.contingency_limits = study::default_contingency_limits(c.net);
    c.contingency_limits.source += " — the scenario names no limits file";
    c.limits_text = c.contingency_limits.source;
  }
  if (!s.name.empty()) c.net.name = s.name;
  return c;
}

StudyCase load_scenario_case(const std::string& path, const io::Choices& choices) {
  require_file(path);
  if (!is_scenario_file(path))
    throw InputError(SourceLoc{path, 0}, "not a scenario file (a network or MATPOWER case): this command studies a "
                                         "scenario, which names its network and limits");
  StudyCase c = load_study_case(path, choices);
  if (!c.limits) (void)study::scenario_limits(*c.scenario);   // throws: the scenario names no limits file
  return c;
}

report::SolveOptions study_solve_options(const SolverFlags& f) {
  report::SolveOptions opt;
  opt.pf.tol_pu = f.tol_pu;
  opt.pf.max_iter = f.max_iter;
  opt.pf.flat_start = f.flat_start;
  opt.pf.enforce_q_limits = !f.no_q_limits;
  opt.diagnose_load_scale = true;   // on failure only: how far the load is from solvable
  opt.tap_control = true;           // automatic OLTCs of the network file act (report/tap_control.hpp)
  return opt;
}

std::string base_case_text(const report::SolveOptions& opt, const report::NetworkSolution* sol) {
  std::string q = opt.pf.enforce_q_limits ? "reactive limits enforced" : "reactive limits NOT enforced (--no-q-limits)";
  if (opt.pf.enforce_q_limits && sol) {
    std::size_t at = 0;
    for (const auto& g : sol->gens) at += g.at_q_limit ? 1 : 0;
    q += fmt::format(" ({} unit{} at a limit)", at, at == 1 ? "" : "s");
  }
  std::string taps = "automatic tap changers settled";
  if (sol && sol->taps.active)
    taps += fmt::format(" ({} solve{}, {} step{} moved)", sol->taps.rounds, sol->taps.rounds == 1 ? "" : "s",
                        sol->taps.taps_moved(), sol->taps.taps_moved() == 1 ? "" : "s");
  else if (sol)
    taps = "no automatic tap changer";
  return q + "; " + taps;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

void remove_stale_results(const std::string& dir, const std::vector<std::string>& files) {
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) return;
  std::string removed;
  for (const auto& f : files)
    if (std::filesystem::remove(std::filesystem::path(dir) / f, ec)) removed += " " + f;
  if (!removed.empty())
    std::fprintf(stderr, "%s\n", fmt::format("removed the results of an earlier run from {}:{}", dir, removed).c_str());
}

std::pair<std::size_t, std::size_t> hour_range(const std::string& text, std::size_t hours) {
  if (text.empty()) return {0, 0};
  const auto dash = text.find('-');
  auto num = [&](const std::string& t) {
    std::size_t pos = 0;
    unsigned long v = 0;
    try {
      v = std::stoul(t, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != t.size())
      throw UsageError(fmt::format("option --hours: '{}' is not FIRST-LAST (e.g. 0-167)", text));
    return static_cast<std::size_t>(v);
  };
  if (dash == std::string::npos)
    throw UsageError(fmt::format("option --hours: '{}' is not FIRST-LAST (e.g. 0-167)", text));
  const auto a = num(text.substr(0, dash)), b = num(text.substr(dash + 1));
  if (b < a) throw UsageError(fmt::format("option --hours: {} comes after {}", a, b));
  if (b >= hours) throw UsageError(fmt::format("option --hours: the profile has hours 0-{}, not {}", hours - 1, b));
  return {a, b - a + 1};
}

}  // namespace lsflow::cli
