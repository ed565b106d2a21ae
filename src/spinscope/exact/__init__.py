"""Exact results, the ground truth every sampler is tested against.

Enumeration of small Ising/Potts/clock models, Onsager's solution of the 2D Ising model,
the exact finite torus (Kaufman, Ferdinand–Fisher), the 2D Potts transition temperature, the
1-D XY chain, and the one-spin-flip-stable configurations (T = 0 TAP solutions) of Ising models.
"""

from spinscope.exact.closed_forms import (
    FiniteLattice2D,
    ferdinand_fisher,
    onsager_energy,
    onsager_free_energy,
    onsager_magnetization,
    onsager_specific_heat,
    onsager_tc,
    potts_tc,
    xy_chain,
)
from spinscope.exact.enumeration import (
    LEVELS,
    ExactThermo,
    all_states,
    energy_levels,
    enumerate_ising,
    enumerate_model,
    enumerate_potts,
    ising_levels,
    potts_levels,
    state_index,
    thermo_from_levels,
)
from spinscope.exact.metastable import (
    BRAY_MOORE_COMPLEXITY,
    OneFlipStable,
    bray_moore_complexity,
    count_one_flip_stable,
    one_flip_stable_states,
    sk_log_mean_stable_count,
)

__all__ = [
    "BRAY_MOORE_COMPLEXITY",
    "LEVELS",
    "ExactThermo",
    "FiniteLattice2D",
    "OneFlipStable",
    "all_states",
    "bray_moore_complexity",
    "count_one_flip_stable",
    "energy_levels",
    "enumerate_ising",
    "enumerate_model",
    "enumerate_potts",
    "ferdinand_fisher",
    "ising_levels",
    "one_flip_stable_states",
    "onsager_energy",
    "onsager_free_energy",
    "onsager_magnetization",
    "onsager_specific_heat",
    "onsager_tc",
    "potts_levels",
    "potts_tc",
    "sk_log_mean_stable_count",
    "state_index",
    "thermo_from_levels",
    "xy_chain",
]
