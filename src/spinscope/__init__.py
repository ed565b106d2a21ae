"""spinscope: statistical mechanics of spin models and of neural networks seen as spin models.

Sub-packages (imports point down this list)::

    models     Hamiltonians as plain data (Ising, Potts, clock, XY; lattices; SK, EA, layered SK,
               Hopfield); the registry of model kinds
    exact      enumeration and closed forms (Onsager, Ferdinand–Fisher, Potts T_c, XY chain)
    mc         Monte Carlo samplers: the registry of update rules, tempering, annealing
    meanfield  replica theory of layered spin glasses, TAP equations and their stability
    mcm        Minimally Complex Models
    optimize   Ising-machine solvers (Ising, QUBO, Max-Cut): the registry of solvers
    analysis   observables, error bars, spectra, fits
    nn         neural networks <-> spin Hamiltonians, datasets, training
    io, report run directories and formats; figures and the HTML report
    workflows  the complete runs behind the commands (simulate, track, exact, mcm, analyze, solve)
    cli        the ``spinscope`` command
"""

from spinscope._version import __version__
from spinscope.models import (
    ClockModel,
    Graph,
    IsingModel,
    PottsModel,
    XYModel,
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
    "XYModel",
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
