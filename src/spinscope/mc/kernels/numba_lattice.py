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

__all__ = ["from_halves", "half_sweeps", "to_halves"]

_S32 = np.uint64(32)
_ROW_BLOCK = 8


@njit(cache=True)
def _split_row(src, ev, od):
    for k in range(ev.shape[0]):
        ev[k] = src[2 * k]
        od[k] = src[2 * k + 1]


@njit(cache=True)
def _merge_row(dst, ev, od):
    for k in range(ev.shape[0]):
        dst[2 * k] = ev[k]
        dst[2 * k + 1] = od[k]


@njit(parallel=True, cache=True)
def to_halves(spins, rows, row_len, row_par):
    """``int8[R, n]`` -> ``int8[2, R, rows, row_len/2]`` sublattice layout."""
    R = spins.shape[0]
    H = np.empty((2, R, rows, row_len // 2), dtype=np.int8)
    for r in range(R):
        for x in prange(rows):
            p = row_par[x]
            _split_row(spins[r, x * row_len:(x + 1) * row_len], H[p, r, x], H[1 - p, r, x])
    return H


@njit(parallel=True, cache=True)
def from_halves(H, spins, rows, row_len, row_par):
    """Inverse of :func:`to_halves`, written into ``spins``."""
    R = spins.shape[0]
    for r in range(R):
        for x in prange(rows):
            p = row_par[x]
            _merge_row(spins[r, x * row_len:(x + 1) * row_len], H[p, r, x], H[1 - p, r, x])


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
def _site(own, k, S, base, z, st, tm, tp):
    si = np.int32(own[k])
    j = (S + z) >> 1
    t = (_pick(j, tp[0], tp[1], tp[2], tp[3], tp[4], tp[5], tp[6]) if si > 0
         else _pick(j, tm[0], tm[1], tm[2], tm[3], tm[4], tm[5], tm[6]))
    u = draw(st, np.uint64(base + 2 * k)) >> _S32
    new = 2 * np.int32(u < t) - 1
    own[k] = np.int8(new)
    return np.int32(new != si)


@njit(inline="always", cache=True)
def _nsum(a0, a1, a2, a3, m0, m1, k):
    return (np.int32(a0[k]) + np.int32(a1[k]) + np.int32(a2[k]) + np.int32(a3[k])
            + np.int32(m0) + np.int32(m1))


@njit(cache=True)
def _row(own, mid, a0, a1, a2, a3, y0, base, tab, z, st):
    """Update the colour-``c`` sites of one row. ``own``: their spins; ``mid``: the other
    colour in the same row; ``a0..a3``: the other colour in neighbouring rows (zero rows pad
    lower dimensions). ``base + 2k`` is the row-major index of site ``k`` (``base`` includes
    ``y0``, the column offset of the colour in this row). ``tab``: (2, 7) thresholds."""
    half = own.shape[0]
    tm = (tab[0, 0], tab[0, 1], tab[0, 2], tab[0, 3], tab[0, 4], tab[0, 5], tab[0, 6])
    tp = (tab[1, 0], tab[1, 1], tab[1, 2], tab[1, 3], tab[1, 4], tab[1, 5], tab[1, 6])
    acc = 0
    if y0 == 1:  # in-row neighbours at k and k + 1
        for k in range(half - 1):
            S = _nsum(a0, a1, a2, a3, mid[k], mid[k + 1], k)
            acc += _site(own, k, S, base, z, st, tm, tp)
        k = half - 1
        S = _nsum(a0, a1, a2, a3, mid[k], mid[0], k)
        acc += _site(own, k, S, base, z, st, tm, tp)
    else:  # in-row neighbours at k - 1 and k
        S = _nsum(a0, a1, a2, a3, mid[0], mid[half - 1], 0)
        acc += _site(own, 0, S, base, z, st, tm, tp)
        for k in range(1, half):
            S = _nsum(a0, a1, a2, a3, mid[k], mid[k - 1], k)
            acc += _site(own, k, S, base, z, st, tm, tp)
    return acc


@njit(cache=True)
def _color_rows(H, r, c, x_lo, x_hi, row_len, row_nbr, row_par, tab, z, st, zero):
    own_all = H[c, r]
    oth = H[1 - c, r]
    nrow = row_nbr.shape[1]
    acc = 0
    for x in range(x_lo, x_hi):
        a0 = oth[row_nbr[x, 0]] if nrow > 0 else zero
        a1 = oth[row_nbr[x, 1]] if nrow > 1 else zero
        a2 = oth[row_nbr[x, 2]] if nrow > 2 else zero
        a3 = oth[row_nbr[x, 3]] if nrow > 3 else zero
        y0 = (c + row_par[x]) & 1
        acc += _row(own_all[x], oth[x], a0, a1, a2, a3, y0, x * row_len + y0, tab, z, st)
    return acc


@njit(parallel=True, cache=True)
def half_sweeps(H, tables, keys, counters, row_len, row_nbr, row_par, z, sweeps,
                chains_parallel):
    """Checkerboard sweeps on the sublattice layout; returns spin changes per chain."""
    R = H.shape[1]
    rows = H.shape[2]
    zero = np.zeros(H.shape[3], dtype=np.int8)
    acc = np.zeros(R, dtype=np.int64)
    nblk = (rows + _ROW_BLOCK - 1) // _ROW_BLOCK
    if chains_parallel:
        for r in prange(R):
            a = 0
            for t in range(sweeps):
                st = stream_start(keys[r], counters[r] + np.uint64(t))
                for c in range(2):
                    a += _color_rows(H, r, c, 0, rows, row_len, row_nbr, row_par, tables[r], z,
                                     st, zero)
            acc[r] = a
    else:
        for r in range(R):
            for t in range(sweeps):
                st = stream_start(keys[r], counters[r] + np.uint64(t))
                for c in range(2):
                    a = 0
                    for b in prange(nblk):
                        a += _color_rows(H, r, c, b * _ROW_BLOCK,
                                         min(rows, (b + 1) * _ROW_BLOCK), row_len, row_nbr,
                                         row_par, tables[r], z, st, zero)
                    acc[r] += a
    for r in range(R):
        counters[r] += np.uint64(sweeps)
    return acc
