#include "solver/math_model.hpp"

namespace lsflow::solver {

void make_sbus(const MathModel& m, const std::vector<std::uint8_t>& skip_gen, std::vector<cplx>& sbus) {
  const auto n = static_cast<std::size_t>(m.n_bus());
  sbus.assign(n, cplx{});
  for (std::size_t i = 0; i < n; ++i) sbus[i] = -m.s_load_pu[i];
  for (std::size_t g = 0; g < m.gens.size(); ++g) {
    if (!skip_gen.empty() && skip_gen[g]) continue;
    const auto& gen = m.gens[g];
    sbus[static_cast<std::size_t>(gen.bus)] += cplx(gen.p_pu, gen.q_pu);
  }
}

bool assign_bus_kinds(const MathModel& m, const std::vector<BusKind>& typed,
                      const std::vector<std::uint8_t>& skip_gen, std::vector<BusKind>& out) {
  const auto n = typed.size();
  std::vector<std::uint8_t> has_gen(n, 0);
  for (std::size_t g = 0; g < m.gens.size(); ++g)
    if (regulates(m, skip_gen, g)) has_gen[static_cast<std::size_t>(m.gens[g].bus)] = 1;
  out.assign(n, BusKind::PQ);
  bool have_ref = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!has_gen[i]) continue;
    if (typed[i] == BusKind::Ref) {
      out[i] = BusKind::Ref;
      have_ref = true;
    } else if (typed[i] == BusKind::PV) {
      out[i] = BusKind::PV;
    }
  }
  if (have_ref) return true;
  for (std::size_t i = 0; i < n; ++i) {
    if (out[i] == BusKind::PV) {
      out[i] = BusKind::Ref;
      return true;
    }
  }
  return false;
}

}  // namespace lsflow::solver
