"""Bit-packed multispin Metropolis (numba, CPU): 64 replicas of a ±J lattice model per uint64.

Layout: ``words[w, i]`` holds site ``i`` of replicas ``64 w .. 64 w + 63``; bit ``k`` is 1 when
replica ``64 w + k`` has spin ``+1``. All 64 replicas of a word share the couplings and the
inverse temperature ``betas_per_word[w]``, but have independent random numbers.

Update (checkerboard Metropolis on a periodic 2-D/3-D lattice, ``H = -sum J_ij s_i s_j`` with
``J_ij = ±scale``): for each site the number ``u`` of unsatisfied bonds (``J_ij s_i s_j < 0``)
is counted in bit-sliced form for all 64 replicas at once. Flipping changes the energy by
``dE = 2 scale (z - 2u)``, so replicas with ``u >= z/2`` flip; replica ``k`` with ``u < z/2``
flips when its own 32-bit uniform ``U_k < p(u) = exp(-beta dE)``. The 64 comparisons are done
bit-serially from the most significant bit: step ``j`` draws one random word (bit ``k`` is bit
``j`` of ``U_k``) and settles every replica whose bit differs from bit ``j`` of its threshold
``floor(2**32 p(u))``; the loop stops when every replica is settled (about 7 words per site on
average, at most 32). The flip probability is therefore exactly ``floor(2**32 p) / 2**32``.

Random numbers: sweep ``t`` of word ``w`` uses ``stream_start(keys[w], counters[w] + t)``,
and step ``j`` at site ``i`` uses word ``draw(stream, 32 i + j)``: independent of thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, thresholds32
from spinscope.mc.kernels.plans import MultispinPlan

__all__ = ["multispin_kernel", "multispin_unsat", "pack_bits", "threshold_masks", "unpack_bits"]

_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


def pack_bits(spins: np.ndarray) -> np.ndarray:
    """``int8[64 W, n]`` ±1 spins to ``uint64[W, n]`` words (bit k = replica 64 w + k is +1)."""
    R, n = spins.shape
    bits = (spins.reshape(R // 64, 64, n) > 0).astype(np.uint64)
    shifts = np.arange(64, dtype=np.uint64)[None, :, None]
    return np.bitwise_or.reduce(bits << shifts, axis=1)


def unpack_bits(words: np.ndarray) -> np.ndarray:
    """Inverse of :func:`pack_bits`: ``uint64[W, n]`` to ``int8[64 W, n]`` ±1 spins."""
    W, n = words.shape
    shifts = np.arange(64, dtype=np.uint64)[None, :, None]
    bits = (words[:, None, :] >> shifts) & np.uint64(1)
    return (2 * bits.astype(np.int8) - 1).reshape(64 * W, n)


def threshold_masks(plan: MultispinPlan, betas: np.ndarray) -> np.ndarray:
    """``uint64[W, 32, z/2]``: all-ones where bit ``31 - j`` of ``floor(2**32 p(u))`` is set."""
    z = plan.z
    u = np.arange(z // 2, dtype=np.float64)
    de = 2.0 * plan.scale * (z - 2.0 * u)
    thr = thresholds32(np.exp(-np.asarray(betas, dtype=np.float64)[:, None] * de))  # (W, z/2)
    # p = 1 (beta = 0) gives 2**32, which has no 32-bit pattern: use 2**32 - 1 (accept unless
    # all 32 bits of U are one, probability 2**-32, the stated precision)
    thr = np.minimum(thr, np.uint64(2**32 - 1))
    bitpos = np.arange(31, -1, -1, dtype=np.uint64)
    bits = (thr[:, None, :] >> bitpos[None, :, None]) & np.uint64(1)
    return np.where(bits == 1, _ALL, _ZERO).astype(np.uint64)


@njit(inline="always", cache=True)
def _popcount(x):
    x = x - ((x >> _ONE) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return np.int64((x * _H01) >> np.uint64(56))


@njit(inline="always", cache=True)
def _add_bit(c0, c1, c2, x):
    k0 = c0 & x
    c0 ^= x
    k1 = c1 & k0
    c1 ^= k0
    c2 |= k1
    return c0, c1, c2


@njit(inline="always", cache=True)
def _level(c0, c1, c2, lev):
    """Bit mask of the replicas whose count ``(c2 c1 c0)`` equals ``lev``."""
    m = c0 if (lev & 1) else ~c0
    m &= c1 if (lev & 2) else ~c1
    m &= c2 if (lev & 4) else ~c2
    return m


@njit(cache=True)
def _multispin_row(words, w, x, color, row_len, row_nbr, row_par, anti, masks, ferro, st):
    """Update the colour-``color`` sites of row ``x`` of word ``w`` (full arrays and indices,
    no views or allocations, so threads never touch shared reference counts)."""
    d = anti.shape[1]
    nrow = row_nbr.shape[1]
    nlev = masks.shape[2]
    base = x * row_len
    y0 = (color + row_par[x]) & 1
    last = row_len - 1
    acc = 0
    for y in range(y0, row_len, 2):
        i = base + y
        bi = words[w, i]
        il = base + (y - 1 if y > 0 else last)
        ir = base + (y + 1 if y < last else 0)
        c0 = _ZERO
        c1 = _ZERO
        c2 = _ZERO
        xl = bi ^ words[w, il]
        xr = bi ^ words[w, ir]
        if not ferro:
            xl ^= _ZERO - np.uint64(anti[il, d - 1])
            xr ^= _ZERO - np.uint64(anti[i, d - 1])
        c0, c1, c2 = _add_bit(c0, c1, c2, xl)
        c0, c1, c2 = _add_bit(c0, c1, c2, xr)
        for k in range(nrow):
            j = row_nbr[x, k] * row_len + y
            xb = bi ^ words[w, j]
            if not ferro:
                a = k >> 1
                xb ^= _ZERO - np.uint64(anti[j, a] if (k & 1) == 0 else anti[i, a])
            c0, c1, c2 = _add_bit(c0, c1, c2, xb)
        # replicas with u < z/2 unsatisfied bonds need a random decision (at most 3 levels)
        s0 = _level(c0, c1, c2, 0)
        s1 = _level(c0, c1, c2, 1)
        s2 = _level(c0, c1, c2, 2) if nlev > 2 else _ZERO
        pending = s0 | s1 | s2
        flip = ~pending
        # the first 4 bit-planes branch-free (independent hashes overlap), then as needed
        for j in range(4):
            rw = draw(st, 32 * i + j)
            pb = (s0 & masks[w, j, 0]) | (s1 & masks[w, j, 1]) | (s2 & masks[w, j, nlev - 1])
            flip |= pending & pb & ~rw
            pending &= ~(pb ^ rw)
        j = 4
        while pending != _ZERO and j < 32:
            rw = draw(st, 32 * i + j)
            pb = (s0 & masks[w, j, 0]) | (s1 & masks[w, j, 1]) | (s2 & masks[w, j, nlev - 1])
            flip |= pending & pb & ~rw
            pending &= ~(pb ^ rw)
            j += 1
        words[w, i] = bi ^ flip
        acc += _popcount(flip)
    return acc


@njit(parallel=True, cache=True)
def multispin_kernel(words, masks, keys, counters, rows, row_len, row_nbr, row_par, anti, ferro,
                     sweeps, words_parallel):
    """Checkerboard sweeps of bit-packed words; returns accepted flips per word (all 64 bits).

    ``masks``: ``uint64[W, 32, z/2]`` from :func:`threshold_masks` (z = 4 or 6).
    """
    W = words.shape[0]
    acc = np.zeros(W, dtype=np.int64)
    if words_parallel:
        for w in prange(W):
            a = 0
            for t in range(sweeps):
                st = stream_start(keys[w], counters[w] + np.uint64(t))
                for c in range(2):
                    for x in range(rows):
                        a += _multispin_row(words, w, x, c, row_len, row_nbr, row_par, anti,
                                            masks, ferro, st)
            acc[w] = a
    else:
        for w in range(W):
            for t in range(sweeps):
                st = stream_start(keys[w], counters[w] + np.uint64(t))
                for c in range(2):
                    a = 0
                    for x in prange(rows):
                        a += _multispin_row(words, w, x, c, row_len, row_nbr, row_par, anti,
                                            masks, ferro, st)
                    acc[w] += a
    for w in range(W):
        counters[w] += np.uint64(sweeps)
    return acc


@njit(parallel=True, cache=True)
def multispin_unsat(words, rows, row_len, row_nbr, anti):
    """Number of unsatisfied bonds of every replica, int64 ``(64 W,)`` (exact)."""
    W = words.shape[0]
    d = anti.shape[1]
    nrow = row_nbr.shape[1]
    out = np.zeros(64 * W, dtype=np.int64)
    for w in range(W):
        wd = words[w]
        part = np.zeros((rows, 64), dtype=np.int64)
        for x in prange(rows):
            base = x * row_len
            for y in range(row_len):
                i = base + y
                ir = base + (y + 1 if y + 1 < row_len else 0)
                ub = wd[i] ^ wd[ir] ^ (_ZERO - np.uint64(anti[i, d - 1]))
                for k in range(1, nrow, 2):
                    j = row_nbr[x, k] * row_len + y
                    a = k >> 1
                    ub2 = wd[i] ^ wd[j] ^ (_ZERO - np.uint64(anti[i, a]))
                    for b in range(64):
                        part[x, b] += np.int64((ub2 >> np.uint64(b)) & _ONE)
                for b in range(64):
                    part[x, b] += np.int64((ub >> np.uint64(b)) & _ONE)
        for b in range(64):
            t = 0
            for x in range(rows):
                t += part[x, b]
            out[64 * w + b] = t
    return out
