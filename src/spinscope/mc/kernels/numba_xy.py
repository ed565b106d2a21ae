"""Metropolis kernel (numba, CPU) for the XY model: angles ``theta`` float64 ``(R, n)``.

One sweep visits the colour classes of a proper colouring of the coupling graph in order (sites
of one class are conditionally independent, so updating them in parallel is exact). Site ``i``
proposes ``theta' = theta_i + step * (2 u - 1)`` (mod ``2 pi``) with ``u`` uniform, a symmetric
proposal (``step = pi``: a uniform new angle), and accepts with ``min(1, exp(-beta dE))``,
``dE = -(f_x (cos theta' - cos theta_i) + f_y (sin theta' - sin theta_i))`` where
``f = sum_j J_ij (cos theta_j, sin theta_j) + h_i`` is the local field.

Random numbers: sweep ``t`` of chain ``r`` uses ``stream_start(keys[r], counters[r] + t)``; site
``i`` draws words ``2 i`` (proposal) and ``2 i + 1`` (acceptance), so results do not depend on
the visiting order or the number of threads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, uniform53
from spinscope.mc.kernels.plans import color_classes_of, csr_of

__all__ = ["XYPlan", "prepare_xy", "xy_energies", "xy_magnetizations", "xy_metropolis_sweeps"]

_TWO_PI = 2.0 * np.pi


@dataclass(frozen=True, eq=False)
class XYPlan:
    """Arrays for the XY kernels: CSR couplings, fields ``(n, 2)``, colour classes."""

    n: int
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    fields: np.ndarray
    color_ptr: np.ndarray
    color_sites: np.ndarray


def prepare_xy(model) -> XYPlan:
    """Build the kernel plan of an :class:`~spinscope.models.XYModel`."""
    indptr, indices, data = csr_of(model)
    h = (np.zeros((model.n, 2)) if model.fields is None
         else np.ascontiguousarray(model.fields, dtype=np.float64))
    ptr, sites = color_classes_of(model, indptr, indices)
    return XYPlan(model.n, indptr, indices, data, h, ptr, sites)


@njit(inline="always", cache=True)
def _xy_site(th, i, indptr, indices, data, h, beta, step, st):
    fx = h[i, 0]
    fy = h[i, 1]
    for k in range(indptr[i], indptr[i + 1]):
        tj = th[indices[k]]
        fx += data[k] * np.cos(tj)
        fy += data[k] * np.sin(tj)
    old = th[i]
    new = old + step * (2.0 * uniform53(draw(st, 2 * i)) - 1.0)
    new = new % _TWO_PI
    de = -(fx * (np.cos(new) - np.cos(old)) + fy * (np.sin(new) - np.sin(old)))
    if de <= 0.0 or uniform53(draw(st, 2 * i + 1)) < np.exp(-beta * de):
        th[i] = new
        return 1
    return 0


@njit(parallel=True, cache=True)
def xy_metropolis_sweeps(theta, betas, keys, counters, indptr, indices, data, h, cptr, csites,
                         step, sweeps):
    """``sweeps`` colour-class Metropolis sweeps of every chain (chains in parallel, in place).

    Returns the number of accepted moves per chain, int64 ``(R,)``; ``counters`` advance by
    ``sweeps``.
    """
    R = theta.shape[0]
    ncol = cptr.shape[0] - 1
    acc = np.zeros(R, dtype=np.int64)
    for r in prange(R):
        th = theta[r]
        a = 0
        for t in range(sweeps):
            st = stream_start(keys[r], counters[r] + np.uint64(t))
            for c in range(ncol):
                for k in range(cptr[c], cptr[c + 1]):
                    a += _xy_site(th, csites[k], indptr, indices, data, h, betas[r], step, st)
        acc[r] = a
    for r in range(R):
        counters[r] += np.uint64(sweeps)
    return acc


@njit(parallel=True, cache=True)
def _xy_energies(theta, indptr, indices, data, h):
    R, n = theta.shape
    out = np.empty(R)
    for r in prange(R):
        e = 0.0
        for i in range(n):
            ci, si = np.cos(theta[r, i]), np.sin(theta[r, i])
            e -= h[i, 0] * ci + h[i, 1] * si
            for k in range(indptr[i], indptr[i + 1]):
                j = indices[k]
                if j > i:
                    e -= data[k] * np.cos(theta[r, i] - theta[r, j])
        out[r] = e
    return out


def xy_energies(plan: XYPlan, theta: np.ndarray) -> np.ndarray:
    """Energy ``H(theta)`` of every chain, float64 ``(R,)``."""
    return _xy_energies(theta, plan.indptr, plan.indices, plan.data, plan.fields)


def xy_magnetizations(theta: np.ndarray) -> np.ndarray:
    """Complex order parameter ``mean_i exp(i theta_i)`` of every chain, complex128 ``(R,)``."""
    return np.exp(1j * theta).mean(axis=1)
