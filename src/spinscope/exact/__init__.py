"""Exact results, the ground truth every sampler is tested against.

Enumeration of small Ising/Potts/clock models, Onsager's solution of the 2D Ising model,
the exact finite torus (Kaufman, Ferdinand–Fisher), the 2D Potts transition temperature and the
1-D XY chain.
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

__all__ = [
    "LEVELS",
    "ExactThermo",
    "FiniteLattice2D",
    "all_states",
    "energy_levels",
    "enumerate_ising",
    "enumerate_model",
    "enumerate_potts",
    "ferdinand_fisher",
    "ising_levels",
    "onsager_energy",
    "onsager_free_energy",
    "onsager_magnetization",
    "onsager_specific_heat",
    "onsager_tc",
    "potts_levels",
    "potts_tc",
    "state_index",
    "thermo_from_levels",
    "xy_chain",
]
