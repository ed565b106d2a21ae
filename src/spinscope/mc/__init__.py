"""Monte Carlo samplers: local (Metropolis, heat-bath), cluster (Wolff, Swendsen–Wang),
bit-packed multispin, layered block updates; parallel tempering and annealing.

Update rules are entries of the registry :data:`spinscope.mc.rules.RULES` (name, supported model
kinds and backends, prepare / sweep / measure); kernels live in :mod:`spinscope.mc.kernels`
(numba) and :mod:`spinscope.mc.kernels.torch_backend` (torch, any device). The complete study
with error bars and run directories is the workflow :func:`spinscope.workflows.simulate`.
This package re-exports the public API only.
"""

from spinscope.mc.annealing import AnnealResult, anneal, beta_schedule
from spinscope.mc.rules import RULES
from spinscope.mc.sampler import ALGORITHMS, BACKENDS, ChainState, MonteCarlo, RunStats
from spinscope.mc.tempering import (
    ParallelTempering,
    TemperingStats,
    TunedLadder,
    tune_ladder,
)

__all__ = [
    "ALGORITHMS",
    "BACKENDS",
    "RULES",
    "AnnealResult",
    "ChainState",
    "MonteCarlo",
    "ParallelTempering",
    "RunStats",
    "TemperingStats",
    "TunedLadder",
    "anneal",
    "beta_schedule",
    "tune_ladder",
]
