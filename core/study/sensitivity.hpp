#pragma once
// Sensitivity of a study to its assumptions (lsflow sensitivity): the study is run once per variant —
// a choice of one alternative for every assumption of the network and scenario files — and each
// finding it makes (an overload, a voltage violation, "not N-1 secure", a bus's hosting MW, the curtailed
// energy) is compared across the variants.
//
//   one-at-a-time  the baseline (every assumption at the alternative the case uses: its default, the
//                  scenario's `choose`, or --assume) and, for each other alternative of each assumption,
//                  the baseline with that one alternative changed: 1 + Σ (alternatives − 1) runs.
//   corners        every combination of alternatives (full factorial, Π alternatives runs), at most
//                  `max_variants`; `only` restricts either method to some assumptions (the others stay
//                  at the baseline).
//
// A finding is a *status* (present or not: an overload, a violation, not secure, not converged) or a
// *metric* (always there: MW, GWh, %). Per finding: the baseline value, the range over the variants, in
// how many it is present, and
//   flipped by     the assumptions whose alternative alone changes whether a status finding is present:
//                  pairs of variants that differ in one assumption only and disagree (one-at-a-time:
//                  the baseline against each variant, so "A-X=alt"; corners: every such pair, so the
//                  alternative pair and in how many of the pairs it flips);
//   moved most by  the single-assumption change that moves its value most (same pairs).
// The engine knows nothing of the studies: the caller's runner loads the case with the variant's choices
// and returns what the study found (cli/cmd_sensitivity.cpp).
#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "io/assumptions.hpp"
#include "model/assumption.hpp"

namespace lsflow::study {

class Progress;

enum class SensitivityMethod { OneAtATime, Corners };
[[nodiscard]] std::string_view to_string(SensitivityMethod m);

struct SensitivityVariant {
  std::string label;                 // "baseline", "A-X=alt", "A-X=alt, A-Y=alt"
  std::vector<std::size_t> alt;      // per assumption: the index of its alternative (model::Assumption order)
  io::Choices choices;               // every assumption's alternative, for the case reader
  std::vector<std::string> changed;  // "A-X=alt" where it is not the baseline's
};

// The variants of `all` (each assumption's `chosen` is the baseline). `only`: assumption ids to vary
// (empty: all); an unknown id is an InputError at "--only". Corners beyond `max_variants` are an
// InputError saying how many there would be and how to narrow them.
[[nodiscard]] std::vector<SensitivityVariant> sensitivity_variants(const std::vector<model::Assumption>& all,
                                                                   SensitivityMethod method,
                                                                   const std::vector<std::string>& only,
                                                                   std::size_t max_variants = 64);

// One thing a study found in one variant.
struct Observation {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::string key;        // unique within a run: "N-0 overload L220_BacGiang_ChiLang_c1"
  std::string kind;       // "overload", "voltage", "N-1", "not converged", "hosting", "energy", …
  std::string subject;    // the element, bus or quantity
  std::string unit;       // "%", "pu", "MW", "GWh", "h", "" (a count)
  bool status = true;     // true: present or not matters; false: a metric, always reported
  double value = kNaN;
};
using Observations = std::vector<Observation>;

// Runs the study for one variant's choices. May throw InputError (bad data under that alternative:
// the engine records the message as the variant's failure and goes on).
using SensitivityRunner = std::function<Observations(const SensitivityVariant&)>;

struct VariantOutcome {
  SensitivityVariant variant;
  bool ok = true;                 // the runner returned (a non-converged case is an observation)
  std::string failure;            // why not
  std::map<std::string, Observation> obs;
  double elapsed_s = 0.0;
};

struct Flip {
  std::string id;            // the assumption
  std::string alternatives;  // one-at-a-time: the variant's alternative; corners: "a ↔ b" (all pairs seen)
  std::size_t pairs = 0;     // pairs differing in this assumption alone that disagree …
  std::size_t of_pairs = 0;  // … of the pairs differing in it alone
};

struct FindingRange {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::string key, kind, subject, unit;
  bool status = true;
  bool in_baseline = false;
  double baseline = kNaN;                 // NaN when absent from the baseline
  double min = kNaN, max = kNaN;          // over the variants where present
  std::size_t present_in = 0, variants = 0;   // variants that ran (ok)
  std::vector<Flip> flipped_by;           // status findings: most pairs first
  std::string moved_most_by;              // "A-X=alt" (one-at-a-time) or "A-X" (corners); empty: nothing moved it
  double moved_most = 0.0;                // the largest |Δ value| of such a change
  [[nodiscard]] bool robust() const { return flipped_by.empty(); }
};

struct SensitivityResult {
  SensitivityMethod method = SensitivityMethod::OneAtATime;
  std::vector<model::Assumption> assumptions;   // the baseline's (chosen = baseline alternative)
  std::vector<std::string> varied;              // the ids varied
  std::vector<VariantOutcome> variants;         // [0] is the baseline
  std::vector<FindingRange> findings;           // status findings (baseline first, then most flipped), then metrics
  double elapsed_s = 0.0;
  bool interrupted = false;
};

// Runs `runner` over `variants` (the first must be the baseline), in order, and ranges the findings.
// `stop` (may be null) interrupts between variants.
[[nodiscard]] SensitivityResult run_sensitivity(const std::vector<model::Assumption>& all,
                                                std::vector<SensitivityVariant> variants, SensitivityMethod method,
                                                const SensitivityRunner& runner, const std::atomic<bool>* stop = nullptr,
                                                Progress* progress = nullptr);

// The ranging alone, over outcomes already run (for tests and for callers that run variants themselves).
[[nodiscard]] std::vector<FindingRange> range_findings(const std::vector<model::Assumption>& all,
                                                       const std::vector<VariantOutcome>& outcomes,
                                                       SensitivityMethod method);

}  // namespace lsflow::study
