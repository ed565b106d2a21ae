"""Cluster updates (numba): Wolff single clusters and Swendsen–Wang sweeps.

Both need ferromagnetic couplings and zero fields (Fortuin–Kasteleyn bonds join equal
neighbours with ``p = 1 - exp(-2 beta J)`` for Ising, ``1 - exp(-beta J)`` for Potts).
"""

from __future__ import annotations

import numpy as np

from spinscope.mc import kernels as k
from spinscope.mc.rules.local import numba_measure
from spinscope.mc.rules.registry import Implementation

__all__ = ["IMPLEMENTATIONS", "ferromagnetic_no_field"]


def ferromagnetic_no_field(model) -> str | None:
    """Why a cluster rule cannot sample ``model`` (antiferromagnetic couplings, fields), or None."""
    if not model.is_ferromagnetic or model.has_fields:
        return "needs ferromagnetic couplings and zero fields"
    return None


def _prepare(model, sampler):
    return k.prepare_ising(model) if model.kind == "ising" else k.prepare_potts(model)


def _wolff_sweep(plan, spins, betas, keys, counters, sweeps, sampler):
    c = sampler.clusters_per_sweep
    tot = np.zeros(spins.shape[0])
    for _ in range(sweeps):  # mean cluster size x clusters = spins flipped in this sweep
        tot += c * k.wolff_updates(plan, spins, betas, keys, counters, clusters=c)
    return tot


def _sw_sweep(plan, spins, betas, keys, counters, sweeps, sampler):
    return k.swendsen_wang_sweeps(plan, spins, betas, keys, counters, sweeps=sweeps) * sweeps


IMPLEMENTATIONS = (
    Implementation("wolff", "numba", ("ising", "potts"), _prepare, _wolff_sweep, numba_measure,
                   summary="Wolff single-cluster flips (clusters_per_sweep per sweep)",
                   requires=ferromagnetic_no_field),
    Implementation("swendsen-wang", "numba", ("ising", "potts"), _prepare, _sw_sweep, numba_measure,
                   summary="Swendsen–Wang multi-cluster sweeps", requires=ferromagnetic_no_field),
)
