#include "study/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

namespace lsflow::study {

namespace {
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the SIGINT handler needs a lock-free flag");

extern "C" void on_sigint(int) { g_interrupted.store(true, std::memory_order_relaxed); }

using Clock = std::chrono::steady_clock;
double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string format_duration(double s) {
  if (s < 60.0) return fmt::format("{:.1f} s", s);
  const int total = static_cast<int>(s + 0.5);
  if (total < 3600) return fmt::format("{}:{:02d} min", total / 60, total % 60);
  return fmt::format("{}:{:02d} h", total / 3600, (total / 60) % 60);
}
}  // namespace

struct InterruptFlag::Saved {
  struct sigaction previous {};
};

InterruptFlag::InterruptFlag() : saved_(new Saved) {
  g_interrupted.store(false, std::memory_order_relaxed);
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // the second Ctrl-C gets the default action: the process ends
  sigaction(SIGINT, &sa, &saved_->previous);
}

InterruptFlag::~InterruptFlag() {
  sigaction(SIGINT, &saved_->previous, nullptr);
  delete saved_;
}

const std::atomic<bool>& InterruptFlag::flag() { return g_interrupted; }
void InterruptFlag::raise_for_test() { g_interrupted.store(true, std::memory_order_relaxed); }
void InterruptFlag::clear() { g_interrupted.store(false, std::memory_order_relaxed); }

Progress::Progress(std::string label, std::size_t total, std::string unit, std::FILE* out, bool enabled)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      out_(out),
      enabled_(enabled && out != nullptr) {
  terminal_ = enabled_ && ::isatty(::fileno(out_)) == 1;
  start_ = last_draw_ = Clock::now();
}

Progress::~Progress() {
  if (!finished_) finish();
}

double Progress::elapsed_s() const { return seconds(Clock::now() - start_); }

void Progress::update(std::size_t done) {
  std::size_t prev = done_.load(std::memory_order_relaxed);
  while (done > prev && !done_.compare_exchange_weak(prev, done, std::memory_order_relaxed)) {
  }
  if (!enabled_ || finished_) return;
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another thread is drawing
  const auto now = Clock::now();
  const double since = seconds(now - last_draw_);
  const std::size_t d = done_.load(std::memory_order_relaxed);
  if (terminal_) {
    if (since < 0.1) return;
  } else {
    const int decile = total_ > 0 ? static_cast<int>(10 * std::min(d, total_) / total_) : 0;
    if (decile <= last_decile_ || since < 1.0) return;
    last_decile_ = decile;
  }
  last_draw_ = now;
  draw(d, false, {});
}

void Progress::finish(std::string_view note) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(done_.load(std::memory_order_relaxed), true, note);
}

void Progress::draw(std::size_t done, bool final, std::string_view note) {
  const double el = elapsed_s();
  const std::string unit = unit_.empty() ? std::string() : " " + unit_;
  std::string text;
  if (final) {
    text = fmt::format("{}: {}/{}{} in {}{}{}", label_, done, total_, unit, format_duration(el),
                       note.empty() ? "" : ", ", note);
  } else {
    const double frac =
        total_ > 0 ? static_cast<double>(std::min(done, total_)) / static_cast<double>(total_) : 0.0;
    std::string eta;
    if (done > 0 && done < total_) eta = fmt::format(", ~{} left", format_duration(el / frac - el));
    if (terminal_) {
      constexpr int kWidth = 30;
      const int fill = static_cast<int>(frac * kWidth + 0.5);
      text = fmt::format("{} [{}{}] {:3.0f} % {}/{}{} {}{}", label_,
                         std::string(static_cast<std::size_t>(fill), '#'),
                         std::string(static_cast<std::size_t>(kWidth - fill), '.'), 100.0 * frac, done,
                         total_, unit, format_duration(el), eta);
    } else {
      text = fmt::format("{}: {:.0f} % ({}/{}{}) after {}{}", label_, 100.0 * frac, done, total_, unit,
                         format_duration(el), eta);
    }
  }
  if (terminal_) {
    // Overwrite the bar in place; pad with blanks when the new text is shorter.
    const std::size_t pad = last_width_ > text.size() ? last_width_ - text.size() : 0;
    std::fprintf(out_, "\r%s%s%s", text.c_str(), std::string(pad, ' ').c_str(), final ? "\n" : "");
    last_width_ = final ? 0 : text.size();
  } else {
    std::fprintf(out_, "%s\n", text.c_str());
  }
  std::fflush(out_);
}

}  // namespace lsflow::study
