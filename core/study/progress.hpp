#pragma once
// Progress display and Ctrl-C handling for long runs (time series, hosting capacity, N-1).
//
//   study::InterruptFlag stop;                 // SIGINT sets stop.raised(); restored on scope exit
//   study::Progress progress("timeseries", 8760, "hours");
//   for (...) { if (stop.raised()) break; ...; progress.update(done); }
//   progress.finish();                         // or progress.finish("interrupted")
//
// Progress draws a bar on stderr when stderr is a terminal (redrawn at most 10 times a second), and
// otherwise writes plain lines (one per 10 % crossed, at most one a second, so a short run writes only
// its final line) — log files get no carriage returns. update() may be called from several threads.
//
// InterruptFlag: the first Ctrl-C only sets the flag (the run stops at its next check and writes no
// partial results); the handler then resets itself, so a second Ctrl-C ends the process at once. One
// flag may be alive at a time; its destructor puts the previous SIGINT handler back.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace lsflow::study {

class InterruptFlag {
 public:
  InterruptFlag();
  ~InterruptFlag();
  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;

  [[nodiscard]] bool raised() const { return flag().load(std::memory_order_relaxed); }
  // The flag itself, for code that polls an atomic (e.g. study::RunControl::stop).
  [[nodiscard]] static const std::atomic<bool>& flag();
  // Sets the flag as SIGINT would (tests, or a caller that stops a run for its own reasons).
  static void raise_for_test();
  static void clear();

 private:
  struct Saved;
  Saved* saved_ = nullptr;
};

class Progress {
 public:
  // `label` starts every line, `unit` names what is counted ("hours", "buses"); out: where to draw
  // (stderr by default; terminal detection is on that stream). enabled = false draws nothing at all.
  Progress(std::string label, std::size_t total, std::string unit = {}, std::FILE* out = stderr,
           bool enabled = true);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` units finished (monotonic; a smaller value than the last is ignored).
  void update(std::size_t done);
  // Final line: "label: done/total unit in 1.2 s" and `note` when given. Called by the destructor
  // if not before.
  void finish(std::string_view note = {});

  [[nodiscard]] bool terminal() const { return terminal_; }
  [[nodiscard]] double elapsed_s() const;

 private:
  void draw(std::size_t done, bool final, std::string_view note);

  std::string label_, unit_;
  std::size_t total_;
  std::FILE* out_;
  bool enabled_;
  bool terminal_ = false;
  bool finished_ = false;
  std::atomic<std::size_t> done_{0};
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int last_decile_ = 0;
  std::size_t last_width_ = 0;
};

}  // namespace lsflow::study
