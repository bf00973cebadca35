// lsflow n1 INPUT [--out DIR] [--format text|json] [--threads N] [--top N] [--elements LIST]
//                 [--contingencies NAMES] [--tol PU] [--max-iter N] [--no-progress]
//
// N-1 contingency analysis (core/study/contingency.hpp: method and assumptions). INPUT is a scenario
// (.yaml: its network, dispatch and limits file) or a bare network (MATPOWER .m, or an lsflow network
// .yaml — one with a `buses:` list), then checked against built-in limits (0.90–1.10 pu, 100 % of
// rate A), which the output says. Results are written only at the end, atomically; Ctrl-C stops the workers at their next
// contingency and nothing is written (a second Ctrl-C ends the process at once).
//
// Which contingencies: --contingencies NAMES (element names, comma-separated) or --elements LIST (every
// in-service element of those kinds); else the scenario's `contingencies:` key (scenario.hpp), when it has
// one; else every in-service line, transformer and generator. The command line overrides the file.
//
// Exit status: 0 the analysis ran (even when contingencies violate limits or do not converge: the
// output says so), 2 bad input or options, 3 the base case does not converge, 130 interrupted.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "args.hpp"
#include "commands.hpp"
#include "common/errors.hpp"
#include "io/read_network.hpp"
#include "study/apply_scenario.hpp"
#include "study/contingency.hpp"
#include "study/limits.hpp"
#include "study/n1_report.hpp"
#include "study/progress.hpp"
#include "study/scenario.hpp"

namespace lsflow::cli {

namespace {

// A .yaml file is a network file when it lists buses; otherwise a scenario (which may name its network
// only through the file it `extends`).
bool is_scenario(const std::string& path) {
  const auto ext = std::filesystem::path(path).extension().string();
  if (ext != ".yaml" && ext != ".yml") return false;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    return !(root.IsMap() && root["buses"]);
  } catch (const YAML::Exception&) {
    return true;   // let the scenario reader report the syntax error with its line
  }
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

}  // namespace

int cmd_n1(const std::vector<std::string>& argv) {
  const Args args(argv, {"--no-progress"},
                  {"--out", "--format", "--threads", "--top", "--elements", "--contingencies", "--tol", "--max-iter"});
  if (args.positional().size() != 1)
    throw UsageError("n1 needs exactly one scenario or case file: lsflow n1 INPUT [options]");
  const std::string format = output_format(args);
  const auto top_n = static_cast<std::size_t>(args.integer("--top", 20, 0, 1000000));
  study::ContingencyOptions opt;
  opt.threads = args.integer("--threads", 0, 0, 1024);
  opt.tol_pu = args.number("--tol", 1e-8, 1e-14, 1.0);
  opt.max_iter = args.integer("--max-iter", 10, 1, 1000);
  study::ElementKinds kinds;   // from --elements
  if (auto e = args.value("--elements")) {
    for (const auto& item : split_list(*e))
      if (!study::add_element_kind(item, kinds))
        throw UsageError(fmt::format("option --elements: '{}' is not branches, transformers3w, generators or all", item));
    if (!kinds.any()) throw UsageError("option --elements: no kind given");
  }
  if (args.value("--elements") && args.value("--contingencies"))
    throw UsageError("--elements and --contingencies do not go together");

  const std::string path = args.positional()[0];
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(SourceLoc{path, 0}, "file not found");
  study::InterruptFlag stop;   // from here on, Ctrl-C stops the analysis instead of the process
  model::Network net;
  study::ContingencyLimits limits;
  std::optional<study::Scenario> scenario;
  if (is_scenario(path)) {
    const study::Scenario& sc = scenario.emplace(study::read_scenario(path));
    study::ApplySummary summary;
    net = study::build_network(sc, summary);
    for (const auto& w : summary.warnings) std::fprintf(stderr, "%s\n", fmt::format("warning: {}: {}", path, w).c_str());
    if (sc.limits.file.is_set()) {
      limits = study::contingency_limits(net, study::scenario_limits(sc));
    } else {
      limits = study::default_contingency_limits(net);
      limits.source += " — the scenario names no limits file";
    }
    if (!sc.name.empty()) net.name = sc.name;
  } else {
    net = io::read_network(path);
    limits = study::default_contingency_limits(net);
  }
  if (net.name.empty()) net.name = std::filesystem::path(path).stem().string();

  const auto out = args.value("--out");
  std::unique_ptr<study::ContingencyAnalysis> ca_ptr;
  try {
    ca_ptr = std::make_unique<study::ContingencyAnalysis>(net, limits, opt);   // solves the base case
  } catch (const NotConverged& e) {
    std::fprintf(stderr, "error: %s\nno result files written\n", e.what());
    if (out) remove_stale_results(*out, study::n1_output_files());
    return kNotConverged;
  }
  study::ContingencyAnalysis& ca = *ca_ptr;
  std::vector<study::Contingency> list;
  if (auto names = args.value("--contingencies")) {
    for (const auto& name : split_list(*names)) list.push_back(ca.find_contingency(name));
    if (list.empty()) throw UsageError("option --contingencies: no name given");
  } else if (args.value("--elements")) {
    list = ca.all_contingencies(kinds.branches, kinds.trafos3w, kinds.generators);
  } else if (scenario) {
    list = study::scenario_contingencies(*scenario, ca);
    if (scenario->contingencies.is_set())
      std::fprintf(stderr, "%s\n",
                   fmt::format("contingencies: {} from the scenario ({}; --contingencies or --elements override it)",
                               list.size(), scenario->contingencies.loc.str())
                       .c_str());
  } else {
    list = ca.all_contingencies();
  }
  if (stop.raised()) {
    std::fprintf(stderr, "interrupted: no result files written\n");
    if (out) remove_stale_results(*out, study::n1_output_files());
    return kInterrupted;
  }

  // Progress: the workers count finished contingencies; this thread draws.
  std::atomic<std::size_t> done{0};
  study::ContingencyResults res;
  {
    study::Progress progress("n1", list.size(), "contingencies", stderr, !args.flag("--no-progress"));
    std::mutex m;
    std::condition_variable cv;
    bool finished = false;
    std::thread drawer([&] {
      std::unique_lock lock(m);
      while (!cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return finished; }))
        progress.update(done.load(std::memory_order_relaxed));
    });
    try {
      res = ca.run(list, study::RunControl{&study::InterruptFlag::flag(), &done});
    } catch (...) {
      {
        std::lock_guard lock(m);
        finished = true;
      }
      cv.notify_all();
      drawer.join();
      throw;
    }
    {
      std::lock_guard lock(m);
      finished = true;
    }
    cv.notify_all();
    drawer.join();
    progress.update(done.load());
    progress.finish(res.interrupted ? "interrupted" : "");
  }
  if (res.interrupted) {
    std::fprintf(stderr, "interrupted: no result files written\n");
    if (out) remove_stale_results(*out, study::n1_output_files());
    return kInterrupted;
  }
  if (format == "json")
    std::fputs((study::n1_json(ca, res, top_n).dump(2) + "\n").c_str(), stdout);
  else
    std::fputs(study::n1_text(ca, res, top_n).c_str(), stdout);
  std::fflush(stdout);
  if (out) {
    study::write_n1_outputs(*out, ca, res, top_n);
    std::fprintf(format == "json" ? stderr : stdout, "%s\n",
                 fmt::format("results written to {} ({})", *out, fmt::join(study::n1_output_files(), ", ")).c_str());
  }
  return kOk;
}

}  // namespace lsflow::cli
