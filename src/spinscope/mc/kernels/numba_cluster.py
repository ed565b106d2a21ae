"""Wolff and Swendsen–Wang cluster kernels (numba, CPU) for ferromagnetic Ising and Potts models.

Bonds between equal neighbouring spins are activated with probability
``p_add = 1 - exp(-c beta J_ij)``, ``c = 2`` for Ising (±1 spins, ``H = -sum J s_i s_j``)
and ``c = 1`` for Potts (``H = -sum J delta(s_i, s_j)``); zero fields only.

- Wolff: grow one cluster from a uniformly chosen seed site, then move the whole cluster to a
  new state (Ising: flip; Potts: one of the other ``q-1`` states, uniformly).
- Swendsen–Wang: activate every bond, find all clusters (union–find), give every cluster a
  uniformly random state (each of the ``q`` states, Ising: ±1 with probability 1/2).

Random numbers: cluster (Wolff) or sweep (SW) ``t`` of chain ``r`` uses the stream
``stream_start(keys[r], counters[r] + t)``. Wolff: word 0 picks the seed, word 1 the new state,
words 2, 3, ... the successive bond tests in the (deterministic) growth order. SW: word ``k``
tests CSR entry ``k`` (bond ``i < j``), word ``nnz + i`` draws the state of the cluster whose
root is ``i``. Chains run in parallel; results do not depend on the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, u32_hi, uniform53

__all__ = ["swendsen_wang_kernel", "wolff_kernel"]

_S32 = np.uint64(32)


@njit(inline="always", cache=True)
def _uniform_int(word, m):
    """Uniform integer in ``0 .. m-1`` from the top 32 bits of a word (bias < m 2**-32)."""
    return np.int64((u32_hi(word) * np.uint64(m)) >> _S32)


@njit(parallel=True, cache=True)
def wolff_kernel(spins, betas, keys, counters, indptr, indices, data, ising, q, clusters):
    """Wolff updates; returns the mean cluster size per chain (float64)."""
    R, n = spins.shape
    c = 2.0 if ising else 1.0
    out = np.zeros(R)
    for r in prange(R):
        s = spins[r]
        padd = 1.0 - np.exp(-c * betas[r] * data)
        stack = np.empty(n, dtype=np.int64)
        total = 0
        for t in range(clusters):
            st = stream_start(keys[r], counters[r] + np.uint64(t))
            seed = _uniform_int(draw(st, 0), n)
            old = s[seed]
            if ising:
                new = -old
            else:
                new = (old + 1 + _uniform_int(draw(st, 1), q - 1)) % q
            s[seed] = new
            stack[0] = seed
            top = 1
            size = 1
            k = 2
            while top > 0:
                top -= 1
                i = stack[top]
                for e in range(indptr[i], indptr[i + 1]):
                    j = indices[e]
                    if s[j] == old:
                        u = uniform53(draw(st, k))
                        k += 1
                        if u < padd[e]:
                            s[j] = new
                            stack[top] = j
                            top += 1
                            size += 1
            total += size
        out[r] = total / clusters
    for r in range(R):
        counters[r] += np.uint64(clusters)
    return out


@njit(inline="always", cache=True)
def _find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root


@njit(parallel=True, cache=True)
def swendsen_wang_kernel(spins, betas, keys, counters, indptr, indices, data, ising, q, sweeps):
    """Swendsen–Wang sweeps; returns the mean number of clusters per sweep, per chain."""
    R, n = spins.shape
    c = 2.0 if ising else 1.0
    nnz = indices.shape[0]
    out = np.zeros(R)
    for r in prange(R):
        s = spins[r]
        padd = 1.0 - np.exp(-c * betas[r] * data)
        parent = np.empty(n, dtype=np.int64)
        label = np.empty(n, dtype=np.int64)
        total = 0
        for t in range(sweeps):
            st = stream_start(keys[r], counters[r] + np.uint64(t))
            for i in range(n):
                parent[i] = i
            for i in range(n):
                for e in range(indptr[i], indptr[i + 1]):
                    j = indices[e]
                    if j > i and s[i] == s[j] and uniform53(draw(st, e)) < padd[e]:
                        a = _find(parent, i)
                        b = _find(parent, j)
                        if a != b:
                            if a < b:
                                parent[b] = a
                            else:
                                parent[a] = b
            count = 0
            for i in range(n):
                if _find(parent, i) == i:
                    count += 1
                    v = _uniform_int(draw(st, nnz + i), q)
                    label[i] = (2 * v - 1) if ising else v
            for i in range(n):
                s[i] = label[_find(parent, i)]
            total += count
        out[r] = total / sweeps
    for r in range(R):
        counters[r] += np.uint64(sweeps)
    return out
