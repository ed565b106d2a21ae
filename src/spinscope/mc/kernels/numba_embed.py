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

Swendsen–Wang by embedding (same paper): one reflection per sweep, every bond ``i < j`` tested
with the same ``p_ij``, every cluster (union–find) reflected with probability 1/2; a sweep
touches all ``n`` sites at any temperature.

Random numbers: cluster (Wolff) or sweep (SW) ``t`` of chain ``r`` uses the stream
``stream_start(keys[r], counters[r] + t)``. Wolff: word 0 picks the seed site, word 1 the
reflection, words 2, 3, ... the successive bond tests (neighbours not yet in the cluster with
``(r.s_i)(r.s_j) > 0``) in the deterministic growth order. SW: word 0 the reflection, word
``1 + e`` tests CSR entry ``e`` (bond ``i < j``), word ``1 + nnz + i`` decides whether the
cluster whose root is ``i`` is reflected. Chains run in parallel; results do not depend on the
thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, uniform53
from spinscope.mc.kernels.numba_cluster import _find, _uniform_int

__all__ = ["clock_projections", "clock_sw_kernel", "clock_wolff_kernel", "xy_sw_kernel",
           "xy_wolff_kernel"]

_TWO_PI = 2.0 * np.pi


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


@njit(inline="always", cache=True)
def _sw_flips(proj, b2, st, indptr, indices, data, parent, flip):
    """Bonds of the embedded Ising model (union–find) and the clusters' coin flips:
    ``flip[i]`` is 1 if site ``i`` is reflected. Returns the number of reflected sites."""
    n = proj.shape[0]
    nnz = indices.shape[0]
    for i in range(n):
        parent[i] = i
    for i in range(n):
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            if j > i:
                x = b2 * data[e] * proj[i] * proj[j]
                if x > 0.0 and uniform53(draw(st, 1 + e)) < 1.0 - np.exp(-x):
                    a = _find(parent, i)
                    b = _find(parent, j)
                    if a < b:
                        parent[b] = a
                    elif b < a:
                        parent[a] = b
    moved = 0
    for i in range(n):
        root = _find(parent, i)
        if root == i:
            flip[i] = np.int64(draw(st, 1 + nnz + i) >> np.uint64(63))
        else:
            flip[i] = flip[root]  # root < i: decided already
        moved += flip[i]
    return moved


@njit(parallel=True, cache=True)
def xy_sw_kernel(theta, betas, keys, counters, indptr, indices, data, sweeps):
    """``sweeps`` Swendsen–Wang embedding sweeps of every XY chain (in place).

    Returns the total number of reflected sites per chain, float64 ``(R,)``; ``counters``
    advance by ``sweeps``.
    """
    R, n = theta.shape
    out = np.zeros(R)
    for r in prange(R):
        th = theta[r]
        parent = np.empty(n, dtype=np.int64)
        flip = np.empty(n, dtype=np.int64)
        proj = np.empty(n)
        total = 0
        for t in range(sweeps):
            st = stream_start(keys[r], counters[r] + np.uint64(t))
            psi = _TWO_PI * uniform53(draw(st, 0))
            for i in range(n):
                proj[i] = np.cos(th[i] - psi)
            total += _sw_flips(proj, 2.0 * betas[r], st, indptr, indices, data, parent, flip)
            twice = 2.0 * psi + np.pi
            for i in range(n):
                if flip[i]:
                    th[i] = (twice - th[i]) % _TWO_PI
        out[r] = total
    for r in range(R):
        counters[r] += np.uint64(sweeps)
    return out


@njit(parallel=True, cache=True)
def clock_sw_kernel(spins, betas, keys, counters, indptr, indices, data, q, proj, sweeps):
    """``sweeps`` Swendsen–Wang embedding sweeps of every clock chain (in place); ``proj`` as in
    :func:`clock_wolff_kernel`. Returns the total number of reflected sites per chain."""
    R, n = spins.shape
    out = np.zeros(R)
    for r in prange(R):
        s = spins[r]
        parent = np.empty(n, dtype=np.int64)
        flip = np.empty(n, dtype=np.int64)
        p = np.empty(n)
        total = 0
        for t in range(sweeps):
            st = stream_start(keys[r], counters[r] + np.uint64(t))
            k = _uniform_int(draw(st, 0), q)
            for i in range(n):
                p[i] = proj[k, s[i]]
            total += _sw_flips(p, 2.0 * betas[r], st, indptr, indices, data, parent, flip)
            for i in range(n):
                if flip[i]:
                    s[i] = (k - s[i]) % q
        out[r] = total
    for r in range(R):
        counters[r] += np.uint64(sweeps)
    return out
