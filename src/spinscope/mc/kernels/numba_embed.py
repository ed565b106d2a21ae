"""Wolff's embedding cluster kernels (numba, CPU) for ferromagnetic planar models (XY, clock).

U. Wolff, PRL 62, 361 (1989). A cluster update draws a unit vector ``r = (cos psi, sin psi)``
and uses the reflection ``R_r s = s - 2 (r.s) r`` (angle ``theta -> 2 psi + pi - theta``). With
``s_i = eps_i |r.s_i| r + (perpendicular part)`` the energy, as a function of the signs
``eps_i = sign(r.s_i)``, is an Ising model with couplings ``J_ij |r.s_i| |r.s_j|`` (plus terms
that do not change). One Wolff cluster of that Ising model is grown from a uniform seed site: a
neighbour ``j`` of a cluster site ``i`` joins with probability

    p_ij = 1 - exp(min(0, -2 beta J_ij (r.s_i) (r.s_j)))        (spins before the reflection)

and the whole cluster is reflected.

- XY: angles ``theta`` float64 ``(R, n)``; ``psi`` uniform in ``[0, 2 pi)``.
- ``q``-state clock: states ``0..q-1`` int8 (angle ``2 pi s / q``); ``psi = pi k / q - pi / 2``
  with ``k`` uniform in ``0..q-1``, so the reflection maps state ``s`` to ``(k - s) mod q`` (the
  ``q`` reflections of the dihedral group of the clock). Every state is reachable by reflecting a
  one-site cluster, so the chain is ergodic.

Random numbers: cluster ``t`` of chain ``r`` uses the stream ``stream_start(keys[r],
counters[r] + t)``; word 0 picks the seed site, word 1 the reflection, words 2, 3, ... the
successive bond tests (neighbours not yet in the cluster with ``(r.s_i)(r.s_j) > 0``) in the
deterministic growth order. Chains run in parallel; results do not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, u32_hi, uniform53

__all__ = ["clock_projections", "clock_wolff_kernel", "xy_wolff_kernel"]

_S32 = np.uint64(32)
_TWO_PI = 2.0 * np.pi


@njit(inline="always", cache=True)
def _uniform_int(word, m):
    """Uniform integer in ``0 .. m-1`` from the top 32 bits of a word (bias < m 2**-32)."""
    return np.int64((u32_hi(word) * np.uint64(m)) >> _S32)


def clock_projections(q: int) -> np.ndarray:
    """``proj[k, s] = r_k . s``: projection of clock state ``s`` on the axis of reflection ``k``.

    The axis is ``psi_k = pi k / q - pi / 2``, so ``proj[k, s] = cos(2 pi s / q - psi_k)``;
    float64 ``(q, q)``.
    """
    k = np.arange(q)[:, None]
    s = np.arange(q)[None, :]
    return np.ascontiguousarray(np.cos(2.0 * np.pi * s / q - (np.pi * k / q - np.pi / 2.0)))


@njit(parallel=True, cache=True)
def xy_wolff_kernel(theta, betas, keys, counters, indptr, indices, data, clusters):
    """Grow and reflect ``clusters`` Wolff clusters in every XY chain (in place).

    Returns the total number of reflected sites per chain, float64 ``(R,)``; ``counters``
    advance by ``clusters``.
    """
    R, n = theta.shape
    out = np.zeros(R)
    for r in prange(R):
        th = theta[r]
        b2 = 2.0 * betas[r]
        mark = np.zeros(n, dtype=np.int64)
        proj = np.empty(n)  # r.s_i of the cluster sites, before the reflection
        stack = np.empty(n, dtype=np.int64)
        total = 0
        for t in range(clusters):
            st = stream_start(keys[r], counters[r] + np.uint64(t))
            seed = _uniform_int(draw(st, 0), n)
            psi = _TWO_PI * uniform53(draw(st, 1))
            twice = 2.0 * psi + np.pi
            stamp = t + 1
            mark[seed] = stamp
            proj[seed] = np.cos(th[seed] - psi)
            th[seed] = (twice - th[seed]) % _TWO_PI
            stack[0] = seed
            top = 1
            size = 1
            w = 2
            while top > 0:
                top -= 1
                i = stack[top]
                for e in range(indptr[i], indptr[i + 1]):
                    j = indices[e]
                    if mark[j] == stamp:
                        continue
                    pj = np.cos(th[j] - psi)
                    x = b2 * data[e] * proj[i] * pj
                    if x > 0.0:
                        u = uniform53(draw(st, w))
                        w += 1
                        if u < 1.0 - np.exp(-x):
                            mark[j] = stamp
                            proj[j] = pj
                            th[j] = (twice - th[j]) % _TWO_PI
                            stack[top] = j
                            top += 1
                            size += 1
            total += size
        out[r] = total
    for r in range(R):
        counters[r] += np.uint64(clusters)
    return out


@njit(parallel=True, cache=True)
def clock_wolff_kernel(spins, betas, keys, counters, indptr, indices, data, q, proj, clusters):
    """Grow and reflect ``clusters`` Wolff clusters in every clock chain (in place).

    ``proj`` is :func:`clock_projections` ``(q)``. Returns the total number of reflected sites
    per chain (sites on the reflection axis count although their state is unchanged), float64
    ``(R,)``; ``counters`` advance by ``clusters``.
    """
    R, n = spins.shape
    out = np.zeros(R)
    for r in prange(R):
        s = spins[r]
        b2 = 2.0 * betas[r]
        mark = np.zeros(n, dtype=np.int64)
        stack = np.empty(n, dtype=np.int64)
        total = 0
        for t in range(clusters):
            st = stream_start(keys[r], counters[r] + np.uint64(t))
            seed = _uniform_int(draw(st, 0), n)
            k = _uniform_int(draw(st, 1), q)
            pk = proj[k]
            stamp = t + 1
            mark[seed] = stamp
            stack[0] = seed
            top = 1
            size = 1
            w = 2
            while top > 0:
                top -= 1
                i = stack[top]
                pi_ = pk[s[i]]  # s[i] is still the state before the reflection
                for e in range(indptr[i], indptr[i + 1]):
                    j = indices[e]
                    if mark[j] == stamp:
                        continue
                    x = b2 * data[e] * pi_ * pk[s[j]]
                    if x > 0.0:
                        u = uniform53(draw(st, w))
                        w += 1
                        if u < 1.0 - np.exp(-x):
                            mark[j] = stamp
                            stack[top] = j
                            top += 1
                            size += 1
                s[i] = (k - s[i]) % q  # reflect i once its neighbours have been tested
            total += size
        out[r] = total
    for r in range(R):
        counters[r] += np.uint64(clusters)
    return out
