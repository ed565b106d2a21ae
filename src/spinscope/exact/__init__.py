"""Exact results, the ground truth every sampler is tested against.

Enumeration of small Ising/Potts/clock models, Onsager's solution of the 2D Ising model,
the exact finite torus (Kaufman, Ferdinand–Fisher) and the 2D Potts transition temperature.
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
)
from spinscope.exact.enumeration import (
    ExactThermo,
    all_states,
    enumerate_ising,
    enumerate_potts,
    ising_levels,
    potts_levels,
    state_index,
    thermo_from_levels,
)

__all__ = [
    "ExactThermo",
    "FiniteLattice2D",
    "all_states",
    "enumerate_ising",
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
]
