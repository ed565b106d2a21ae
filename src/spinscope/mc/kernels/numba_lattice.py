"""Checkerboard Metropolis / heat-bath for uniform periodic hypercubic Ising lattices (numba, CPU).

Speed comes from a sublattice ("half") layout: for the duration of a call the spins are split
into two arrays ``H[c, r, x, k]`` holding the sites of colour ``c`` of row ``x`` (colour of a
site = parity of the sum of its coordinates; a row is the last lattice axis), so every
neighbour of a colour-``c`` site is at a contiguous position of the other colour's array: the
same ``k`` in the ``2(d-1)`` neighbouring rows and in its own row, plus ``k - 1`` or ``k + 1`` in
its own row. The inner loop is then branch-free over contiguous int8 arrays and vectorises
(LLVM, AVX2/AVX-512), including the counter-based hash.

Update: the new spin is ``+1`` iff a 32-bit uniform ``u < T[(s+1)/2, (S+z)/2]`` (see
:func:`spinscope.mc.kernels.numba_local.ising_tables`), ``S`` the neighbour sum.

Random numbers: sweep ``t`` of chain ``r`` uses ``stream = stream_start(keys[r],
counters[r] + t)``; site ``i`` (row-major index of the lattice) uses the top 32 bits of
``draw(stream, i)``. Independent of the visiting order and of the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from spinscope.mc.kernels.rng import draw, stream_start

__all__ = ["from_halves", "half_sweeps", "padded_row_nbr", "to_halves"]

_S32 = np.uint64(32)


@njit(parallel=True, cache=True)
def to_halves(spins, rows, row_len, row_par):
    """``int8[R, n]`` -> ``int8[2, R, rows + 1, row_len/2]`` sublattice layout.

    Row ``rows`` of each half is all zeros: it pads the neighbour-row table of lattices with
    fewer than 3 dimensions, so the inner loop always adds four neighbouring rows.
    """
    R = spins.shape[0]
    half = row_len // 2
    H = np.zeros((2, R, rows + 1, half), dtype=np.int8)
    for r in range(R):
        for x in prange(rows):
            p = row_par[x]
            base = x * row_len
            for k in range(half):
                H[p, r, x, k] = spins[r, base + 2 * k]
                H[1 - p, r, x, k] = spins[r, base + 2 * k + 1]
    return H


@njit(parallel=True, cache=True)
def from_halves(H, spins, rows, row_len, row_par):
    """Inverse of :func:`to_halves`, written into ``spins``."""
    R = spins.shape[0]
    half = row_len // 2
    for r in range(R):
        for x in prange(rows):
            p = row_par[x]
            base = x * row_len
            for k in range(half):
                spins[r, base + 2 * k] = H[p, r, x, k]
                spins[r, base + 2 * k + 1] = H[1 - p, r, x, k]


def padded_row_nbr(row_nbr: np.ndarray, rows: int) -> np.ndarray:
    """Neighbour-row table padded to 4 columns with the zero row ``rows``."""
    out = np.full((row_nbr.shape[0], 4), rows, dtype=np.int64)
    out[:, : row_nbr.shape[1]] = row_nbr
    return out


@njit(inline="always", cache=True)
def _pick(j, t0, t1, t2, t3, t4, t5, t6):
    """``(t0, ..., t6)[j]`` as a chain of selects (vectorises, unlike a table gather)."""
    t = t0
    t = t1 if j == 1 else t
    t = t2 if j == 2 else t
    t = t3 if j == 3 else t
    t = t4 if j == 4 else t
    t = t5 if j == 5 else t
    t = t6 if j == 6 else t
    return t


@njit(inline="always", cache=True)
def _site(H, c, r, x, k, S, base, z, st, tm, tp):
    si = np.int32(H[c, r, x, k])
    j = (S + z) >> 1
    t = (_pick(j, tp[0], tp[1], tp[2], tp[3], tp[4], tp[5], tp[6]) if si > 0
         else _pick(j, tm[0], tm[1], tm[2], tm[3], tm[4], tm[5], tm[6]))
    u = draw(st, np.uint64(base + 2 * k)) >> _S32
    new = 2 * np.int32(u < t) - 1
    H[c, r, x, k] = np.int8(new)
    return np.int32(new != si)


@njit(inline="always", cache=True)
def _nsum(H, o, r, x, n0, n1, n2, n3, k, km):
    return (np.int32(H[o, r, n0, k]) + np.int32(H[o, r, n1, k]) + np.int32(H[o, r, n2, k])
            + np.int32(H[o, r, n3, k]) + np.int32(H[o, r, x, k]) + np.int32(H[o, r, x, km]))


@njit(cache=True)
def _row(H, c, r, x, nbr, y0, base, tables, z, st):
    """Update the colour-``c`` sites of row ``x`` of chain ``r``. Their neighbours: the other
    colour ``o`` at the same ``k`` in the four rows ``nbr[x]`` (zero rows pad lower
    dimensions) and in row ``x`` at ``k`` and ``k -/+ 1``. ``base + 2k`` is the row-major index
    of site ``k`` (``base`` includes the column offset ``y0`` of the colour in this row).
    Works on the full arrays with indices (no array views: views would touch the shared
    reference count from every thread)."""
    half = H.shape[3]
    o = 1 - c
    n0, n1, n2, n3 = nbr[x, 0], nbr[x, 1], nbr[x, 2], nbr[x, 3]
    tm = (tables[r, 0, 0], tables[r, 0, 1], tables[r, 0, 2], tables[r, 0, 3], tables[r, 0, 4],
          tables[r, 0, 5], tables[r, 0, 6])
    tp = (tables[r, 1, 0], tables[r, 1, 1], tables[r, 1, 2], tables[r, 1, 3], tables[r, 1, 4],
          tables[r, 1, 5], tables[r, 1, 6])
    acc = 0
    if y0 == 1:  # in-row neighbours at k and k + 1
        for k in range(half - 1):
            S = _nsum(H, o, r, x, n0, n1, n2, n3, k, k + 1)
            acc += _site(H, c, r, x, k, S, base, z, st, tm, tp)
        k = half - 1
        S = _nsum(H, o, r, x, n0, n1, n2, n3, k, 0)
        acc += _site(H, c, r, x, k, S, base, z, st, tm, tp)
    else:  # in-row neighbours at k - 1 and k
        S = _nsum(H, o, r, x, n0, n1, n2, n3, 0, half - 1)
        acc += _site(H, c, r, x, 0, S, base, z, st, tm, tp)
        for k in range(1, half):
            S = _nsum(H, o, r, x, n0, n1, n2, n3, k, k - 1)
            acc += _site(H, c, r, x, k, S, base, z, st, tm, tp)
    return acc


@njit(parallel=True, cache=True)
def half_sweeps(H, tables, keys, counters, row_len, nbr, row_par, z, sweeps, chains_parallel):
    """Checkerboard sweeps on the sublattice layout; returns spin changes per chain.

    ``nbr`` is the neighbour-row table padded by :func:`padded_row_nbr`.
    """
    R = H.shape[1]
    rows = H.shape[2] - 1
    acc = np.zeros(R, dtype=np.int64)
    if chains_parallel:
        for r in prange(R):
            a = 0
            for t in range(sweeps):
                st = stream_start(keys[r], counters[r] + np.uint64(t))
                for c in range(2):
                    for x in range(rows):
                        y0 = (c + row_par[x]) & 1
                        a += _row(H, c, r, x, nbr, y0, x * row_len + y0, tables, z, st)
            acc[r] = a
    else:
        for r in range(R):
            for t in range(sweeps):
                st = stream_start(keys[r], counters[r] + np.uint64(t))
                for c in range(2):
                    a = 0
                    for x in prange(rows):
                        y0 = (c + row_par[x]) & 1
                        a += _row(H, c, r, x, nbr, y0, x * row_len + y0, tables, z, st)
                    acc[r] += a
    for r in range(R):
        counters[r] += np.uint64(sweeps)
    return acc
