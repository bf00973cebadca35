#pragma once
// Distinct index types across boundaries (STYLE.md): a BusIdx (position in model::Network::buses)
// is not a MathBusIdx (position in one island's math model) nor the user's ExtId.
#include <compare>
#include <cstdint>
#include <functional>

namespace lsflow {

template <typename Tag, typename Rep = std::int32_t>
struct StrongIndex {
  Rep value = -1;
  constexpr StrongIndex() = default;
  constexpr explicit StrongIndex(Rep v) : value(v) {}
  [[nodiscard]] constexpr bool valid() const { return value >= 0; }
  constexpr auto operator<=>(const StrongIndex&) const = default;
};

using BusIdx = StrongIndex<struct BusIdxTag>;
using BranchIdx = StrongIndex<struct BranchIdxTag>;
using GenIdx = StrongIndex<struct GenIdxTag>;
using MathBusIdx = StrongIndex<struct MathBusIdxTag>;
// The user's bus number as written in the input file.
using ExtId = std::int64_t;

}  // namespace lsflow

template <typename Tag, typename Rep>
struct std::hash<lsflow::StrongIndex<Tag, Rep>> {
  std::size_t operator()(const lsflow::StrongIndex<Tag, Rep>& i) const noexcept {
    return std::hash<Rep>{}(i.value);
  }
};
