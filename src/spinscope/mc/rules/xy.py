"""Metropolis for the XY model (numba): colour-class sweeps with a symmetric angle proposal.

The proposal ``theta' = theta + step (2u - 1)`` uses ``step = pi`` (a uniform new angle): exact
for every temperature, with an acceptance rate that falls like ``sqrt(T)`` at low ``T``.
"""

from __future__ import annotations

import numpy as np

from spinscope.mc.kernels import numba_xy as xk
from spinscope.mc.rules.registry import Implementation

__all__ = ["IMPLEMENTATIONS", "PROPOSAL_STEP"]

PROPOSAL_STEP = np.pi


def _sweep(plan, theta, betas, keys, counters, sweeps, sampler):
    return xk.xy_metropolis_sweeps(theta, np.ascontiguousarray(betas, dtype=np.float64), keys,
                                   counters, plan.indptr, plan.indices, plan.data, plan.fields,
                                   plan.color_ptr, plan.color_sites, PROPOSAL_STEP,
                                   int(sweeps)).astype(float)


def _measure(plan, theta):
    return xk.xy_energies(plan, theta), xk.xy_magnetizations(theta)


IMPLEMENTATIONS = (
    Implementation("metropolis", "numba", ("xy",), lambda m, s: xk.prepare_xy(m), _sweep, _measure),
)
