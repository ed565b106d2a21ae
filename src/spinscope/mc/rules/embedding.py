"""Cluster updates by embedding (numba) for the ferromagnetic clock and XY models.

The ``"wolff"`` and ``"swendsen-wang"`` rules for ``clock`` and ``xy``: the spins' components
along a random axis define an embedded Ising model whose clusters are reflected (U. Wolff, PRL
62, 361 (1989); see :mod:`spinscope.mc.kernels.numba_embed`). A Wolff sweep is
``clusters_per_sweep`` single clusters, as for Ising and Potts; a Swendsen–Wang sweep reflects
every cluster of one embedding with probability 1/2. The number of changed spins returned
counts the reflected sites.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinscope.mc import kernels as k
from spinscope.mc.kernels import numba_embed as ek
from spinscope.mc.kernels import numba_xy as xk
from spinscope.mc.rules.cluster import ferromagnetic_no_field
from spinscope.mc.rules.local import numba_measure
from spinscope.mc.rules.registry import Implementation

__all__ = ["IMPLEMENTATIONS"]


@dataclass(frozen=True, eq=False)
class _ClockPlan:
    """A clock :class:`~spinscope.mc.kernels.PottsPlan` and the reflection projections."""

    base: k.PottsPlan
    proj: np.ndarray


def _betas(betas) -> np.ndarray:
    return np.ascontiguousarray(betas, dtype=np.float64)


def _xy_sweep(plan, theta, betas, keys, counters, sweeps, sampler):
    c = int(sweeps) * sampler.clusters_per_sweep
    if c == 0:
        return np.zeros(theta.shape[0])
    return ek.xy_wolff_kernel(theta, _betas(betas), keys, counters, plan.indptr, plan.indices,
                              plan.data, c)


def _clock_prepare(model, sampler) -> _ClockPlan:
    base = k.prepare_potts(model)
    return _ClockPlan(base, ek.clock_projections(base.q))


def _clock_sweep(plan, spins, betas, keys, counters, sweeps, sampler):
    c = int(sweeps) * sampler.clusters_per_sweep
    if c == 0:
        return np.zeros(spins.shape[0])
    b = plan.base
    return ek.clock_wolff_kernel(spins, _betas(betas), keys, counters, b.indptr, b.indices, b.data,
                                 b.q, plan.proj, c)


def _xy_sw(plan, theta, betas, keys, counters, sweeps, sampler):
    return ek.xy_sw_kernel(theta, _betas(betas), keys, counters, plan.indptr, plan.indices,
                           plan.data, int(sweeps))


def _clock_sw(plan, spins, betas, keys, counters, sweeps, sampler):
    b = plan.base
    return ek.clock_sw_kernel(spins, _betas(betas), keys, counters, b.indptr, b.indices, b.data,
                              b.q, plan.proj, int(sweeps))


def _xy_measure(plan, theta):
    return xk.xy_energies(plan, theta), xk.xy_magnetizations(theta)


def _clock_measure(plan, spins):
    return numba_measure(plan.base, spins)


_SUMMARY = "Wolff single-cluster flips (clusters_per_sweep per sweep)"
_SW = "Swendsen–Wang multi-cluster sweeps"

IMPLEMENTATIONS = (
    Implementation("wolff", "numba", ("clock",), _clock_prepare, _clock_sweep, _clock_measure,
                   summary=_SUMMARY, requires=ferromagnetic_no_field),
    Implementation("wolff", "numba", ("xy",), lambda m, s: xk.prepare_xy(m), _xy_sweep, _xy_measure,
                   summary=_SUMMARY, requires=ferromagnetic_no_field),
    Implementation("swendsen-wang", "numba", ("clock",), _clock_prepare, _clock_sw, _clock_measure,
                   summary=_SW, requires=ferromagnetic_no_field),
    Implementation("swendsen-wang", "numba", ("xy",), lambda m, s: xk.prepare_xy(m), _xy_sw,
                   _xy_measure, summary=_SW, requires=ferromagnetic_no_field),
)
