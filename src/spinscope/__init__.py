"""spinscope: statistical mechanics of spin models and of neural networks seen as spin models.

Sub-packages (imports point down this list)::

    models     Hamiltonians as plain data (Ising, Potts, clock; lattices; SK, EA, layered SK, Hopfield)
    exact      enumeration and closed forms (Onsager, Ferdinand–Fisher, Potts T_c): the ground truth
    mc         Monte Carlo samplers (local, cluster, tempering, annealing; numba and torch kernels)
    meanfield  replica theory of layered spin glasses, TAP equations and their stability
    analysis   observables, error bars, spectra, fits
    nn         neural networks <-> spin Hamiltonians, datasets, training, tracking
    mcm        Minimally Complex Models
    optimize   Ising-machine solvers (Ising, QUBO, Max-Cut)
    report     figures and the HTML report
    cli        the ``spinscope`` command
"""

from spinscope._version import __version__
from spinscope.models import (
    ClockModel,
    Graph,
    IsingModel,
    PottsModel,
    edwards_anderson,
    from_edges,
    hopfield,
    hypercubic,
    layered_sk,
    load_model,
    save_model,
    sk,
    triangular,
)

__all__ = [
    "ClockModel",
    "Graph",
    "IsingModel",
    "PottsModel",
    "__version__",
    "edwards_anderson",
    "from_edges",
    "hopfield",
    "hypercubic",
    "layered_sk",
    "load_model",
    "save_model",
    "sk",
    "triangular",
]
