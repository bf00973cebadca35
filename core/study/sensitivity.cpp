#include "study/sensitivity.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include <fmt/format.h>

#include "common/errors.hpp"
#include "io/yaml_util.hpp"
#include "study/progress.hpp"

namespace lsflow::study {

std::string_view to_string(SensitivityMethod m) {
  return m == SensitivityMethod::OneAtATime ? "one-at-a-time" : "corners";
}

namespace {

std::size_t baseline_index(const model::Assumption& a) {
  for (std::size_t k = 0; k < a.alternatives.size(); ++k)
    if (a.alternatives[k].name == a.chosen) return k;
  return 0;
}

SensitivityVariant make_variant(const std::vector<model::Assumption>& all, const std::vector<std::size_t>& alt) {
  SensitivityVariant v;
  v.alt = alt;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::string& name = all[i].alternatives[alt[i]].name;
    v.choices[all[i].id] = io::Choice{name, SourceLoc{"lsflow sensitivity", 0}};
    if (alt[i] != baseline_index(all[i])) v.changed.push_back(fmt::format("{}={}", all[i].id, name));
  }
  v.label = v.changed.empty() ? "baseline" : fmt::format("{}", fmt::join(v.changed, ", "));
  return v;
}

}  // namespace

std::vector<SensitivityVariant> sensitivity_variants(const std::vector<model::Assumption>& all, SensitivityMethod method,
                                                     const std::vector<std::string>& only, std::size_t max_variants) {
  std::vector<std::string> ids;
  for (const auto& a : all) ids.push_back(a.id);
  for (const std::string& id : only)
    if (std::find(ids.begin(), ids.end(), id) == ids.end())
      throw InputError(SourceLoc{"--only", 0},
                       ids.empty() ? fmt::format("assumption \"{}\": the case has no assumptions", id)
                                   : fmt::format("assumption \"{}\" is not one of the case's ({}){}", id,
                                                 fmt::join(ids, ", "), io::did_you_mean(id, ids)));
  auto varied = [&](std::size_t i) { return only.empty() || std::count(only.begin(), only.end(), all[i].id) > 0; };
  std::vector<std::size_t> base;
  for (const auto& a : all) base.push_back(baseline_index(a));
  std::vector<SensitivityVariant> out{make_variant(all, base)};
  if (method == SensitivityMethod::OneAtATime) {
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (!varied(i)) continue;
      for (std::size_t k = 0; k < all[i].alternatives.size(); ++k) {
        if (k == base[i]) continue;
        auto alt = base;
        alt[i] = k;
        out.push_back(make_variant(all, alt));
      }
    }
    return out;
  }
  // Corners: every combination of the varied assumptions' alternatives, the baseline first.
  std::size_t n = 1;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (varied(i)) {
      n *= all[i].alternatives.size();
      if (n > max_variants) break;
    }
  if (n > max_variants) {
    std::size_t total = 1;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (varied(i)) total *= all[i].alternatives.size();
    throw InputError(SourceLoc{"--method corners", 0},
                     fmt::format("{} combinations of alternatives, more than {}: name fewer assumptions with --only, "
                                 "or use --method one-at-a-time",
                                 total, max_variants));
  }
  std::vector<std::size_t> alt = base;
  for (std::size_t c = 1; c < n; ++c) {
    // Odometer over the varied assumptions, starting from the baseline's alternative.
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (!varied(i)) continue;
      alt[i] = (alt[i] + 1) % all[i].alternatives.size();
      if (alt[i] != base[i]) break;
    }
    out.push_back(make_variant(all, alt));
  }
  return out;
}

std::vector<FindingRange> range_findings(const std::vector<model::Assumption>& all,
                                         const std::vector<VariantOutcome>& outcomes, SensitivityMethod method) {
  std::map<std::string, FindingRange> by_key;
  std::vector<std::string> order;   // first seen: the baseline's findings in the study's order, then new ones
  for (const VariantOutcome& o : outcomes) {
    if (!o.ok) continue;
    for (const auto& [key, ob] : o.obs) {
      auto [it, fresh] = by_key.try_emplace(key);
      FindingRange& f = it->second;
      if (fresh) {
        f.key = key, f.kind = ob.kind, f.subject = ob.subject, f.unit = ob.unit, f.status = ob.status;
        order.push_back(key);
      }
      ++f.present_in;
      if (std::isfinite(ob.value)) {
        f.min = std::isnan(f.min) ? ob.value : std::min(f.min, ob.value);
        f.max = std::isnan(f.max) ? ob.value : std::max(f.max, ob.value);
      }
    }
  }
  std::size_t ran = 0;
  for (const auto& o : outcomes) ran += o.ok;
  const VariantOutcome* base = !outcomes.empty() && outcomes[0].ok ? &outcomes[0] : nullptr;

  // Pairs of variants that differ in exactly one assumption.
  struct Pair {
    std::size_t a, b, assumption;
  };
  std::vector<Pair> pairs;
  for (std::size_t a = 0; a < outcomes.size(); ++a)
    for (std::size_t b = a + 1; b < outcomes.size(); ++b) {
      if (!outcomes[a].ok || !outcomes[b].ok) continue;
      if (method == SensitivityMethod::OneAtATime && a != 0) break;   // the baseline against each variant
      std::size_t diff = 0, which = 0;
      for (std::size_t i = 0; i < all.size(); ++i)
        if (outcomes[a].variant.alt[i] != outcomes[b].variant.alt[i]) ++diff, which = i;
      if (diff == 1) pairs.push_back({a, b, which});
    }

  std::vector<FindingRange> out;
  for (const std::string& key : order) {
    FindingRange f = by_key.at(key);
    f.variants = ran;
    if (base) {
      auto it = base->obs.find(key);
      f.in_baseline = it != base->obs.end();
      if (f.in_baseline) f.baseline = it->second.value;
    }
    std::map<std::size_t, Flip> flips;   // by assumption
    std::map<std::size_t, std::set<std::string>> flip_alts;
    for (const Pair& p : pairs) {
      const auto& A = outcomes[p.a].obs;
      const auto& B = outcomes[p.b].obs;
      auto ia = A.find(key), ib = B.find(key);
      const bool pa = ia != A.end(), pb = ib != B.end();
      const model::Assumption& as = all[p.assumption];
      const std::string alt_a = as.alternatives[outcomes[p.a].variant.alt[p.assumption]].name;
      const std::string alt_b = as.alternatives[outcomes[p.b].variant.alt[p.assumption]].name;
      Flip& fl = flips[p.assumption];
      fl.id = as.id;
      ++fl.of_pairs;
      if (f.status && pa != pb) {
        ++fl.pairs;
        flip_alts[p.assumption].insert(method == SensitivityMethod::OneAtATime ? alt_b
                                                                               : fmt::format("{} ↔ {}", alt_a, alt_b));
      }
      if (pa && pb && std::isfinite(ia->second.value) && std::isfinite(ib->second.value)) {
        const double d = std::abs(ib->second.value - ia->second.value);
        if (d > f.moved_most) {
          f.moved_most = d;
          f.moved_most_by = method == SensitivityMethod::OneAtATime ? fmt::format("{}={}", as.id, alt_b) : as.id;
        }
      }
    }
    for (auto& [i, fl] : flips) {
      if (fl.pairs == 0) continue;
      std::vector<std::string> alts(flip_alts[i].begin(), flip_alts[i].end());
      fl.alternatives = fmt::format("{}", fmt::join(alts, ", "));
      f.flipped_by.push_back(fl);
    }
    std::stable_sort(f.flipped_by.begin(), f.flipped_by.end(),
                     [](const Flip& x, const Flip& y) { return x.pairs > y.pairs; });
    out.push_back(std::move(f));
  }
  // Status findings first: those of the baseline, then those the alternatives bring; metrics last.
  std::stable_sort(out.begin(), out.end(), [](const FindingRange& x, const FindingRange& y) {
    auto rank = [](const FindingRange& f) { return !f.status ? 2 : f.in_baseline ? 0 : 1; };
    return rank(x) < rank(y);
  });
  return out;
}

SensitivityResult run_sensitivity(const std::vector<model::Assumption>& all, std::vector<SensitivityVariant> variants,
                                  SensitivityMethod method, const SensitivityRunner& runner,
                                  const std::atomic<bool>* stop, Progress* progress) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  SensitivityResult r;
  r.method = method;
  r.assumptions = all;
  std::set<std::string> varied;
  for (const auto& v : variants)
    for (std::size_t i = 0; i < all.size(); ++i)
      if (v.alt[i] != variants.front().alt[i]) varied.insert(all[i].id);
  for (const auto& a : all)
    if (varied.count(a.id)) r.varied.push_back(a.id);
  std::size_t done = 0;
  for (auto& v : variants) {
    if (stop && stop->load()) {
      r.interrupted = true;
      break;
    }
    VariantOutcome o;
    const auto t = clock::now();
    try {
      for (Observation& ob : runner(v)) {
        const std::string key = ob.key;
        o.obs.emplace(key, std::move(ob));
      }
    } catch (const InputError& e) {
      o.ok = false;
      o.failure = e.what();
    }
    o.variant = std::move(v);
    o.elapsed_s = std::chrono::duration<double>(clock::now() - t).count();
    r.variants.push_back(std::move(o));
    if (progress) progress->update(++done);
  }
  r.findings = range_findings(all, r.variants, method);
  r.elapsed_s = std::chrono::duration<double>(clock::now() - t0).count();
  return r;
}

}  // namespace lsflow::study
