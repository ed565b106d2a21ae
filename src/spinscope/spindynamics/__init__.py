"""Spin dynamics of a metallic spin glass: the amorphous s-d model, exact electron-mediated fields,
Landau–Lifshitz–Gilbert dynamics, and a Behler–Parrinello machine-learning model of the fields.

Modules: :mod:`.geometry` (random positions, periodic neighbour lists), :mod:`.sd_model`
(Hamiltonian, grand potential, Hellmann–Feynman fields), :mod:`.llg` (norm-preserving integrator),
:mod:`.descriptor` (rotation-invariant magnetic descriptor), :mod:`.bp_model` (per-site network,
training, files), :mod:`.rkky` (weak-coupling pair interactions). See ``docs/spindynamics.md``.
"""

from spinscope.spindynamics.geometry import check_cutoff, check_positions, random_positions
from spinscope.spindynamics.llg import cayley_rotate, llg_step, thermal_field
from spinscope.spindynamics.sd_model import SDParams, SDSystem, check_spins

__all__ = ["SDParams", "SDSystem", "cayley_rotate", "check_cutoff", "check_positions", "check_spins",
           "llg_step", "random_positions", "thermal_field"]
