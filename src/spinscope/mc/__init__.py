"""Monte Carlo samplers: local (Metropolis, heat-bath), cluster (Wolff, Swendsen–Wang),
bit-packed multispin, layered block updates; parallel tempering, annealing, ``simulate``.

Kernels live in :mod:`spinscope.mc.kernels` (numba) and
:mod:`spinscope.mc.kernels.torch_backend` (torch, any device). This package re-exports the
public API only.
"""

from spinscope.mc.annealing import AnnealResult, anneal, beta_schedule
from spinscope.mc.sampler import ALGORITHMS, BACKENDS, ChainState, MonteCarlo, RunStats
from spinscope.mc.simulate import SimulationResult, simulate
from spinscope.mc.tempering import (
    ParallelTempering,
    TemperingStats,
    TunedLadder,
    tune_ladder,
)

__all__ = [
    "ALGORITHMS",
    "BACKENDS",
    "AnnealResult",
    "ChainState",
    "MonteCarlo",
    "ParallelTempering",
    "RunStats",
    "SimulationResult",
    "TemperingStats",
    "TunedLadder",
    "anneal",
    "beta_schedule",
    "simulate",
    "tune_ladder",
]
