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

__all__ = ["measure_scratch", "multispin_kernel", "multispin_measure", "multispin_measured_kernel",
           "multispin_unsat", "pack_bits", "threshold_masks", "unpack_bits"]

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
    out = np.zeros((R // 64, n), dtype=np.uint64)
    _pack(np.ascontiguousarray(spins), out)
    return out


def unpack_bits(words: np.ndarray) -> np.ndarray:
    """Inverse of :func:`pack_bits`: ``uint64[W, n]`` to ``int8[64 W, n]`` ±1 spins."""
    W, n = words.shape
    out = np.empty((64 * W, n), dtype=np.int8)
    _unpack(np.ascontiguousarray(words), out)
    return out


_BLOCK = 4096  # sites per block of pack/unpack (a block of words stays in L1)


@njit(parallel=True, cache=True)
def _pack(spins, out):
    W, n = out.shape
    nb = (n + _BLOCK - 1) // _BLOCK
    for t in prange(W * nb):
        w, i0 = t // nb, (t % nb) * _BLOCK
        i1 = min(i0 + _BLOCK, n)
        for k in range(64):
            bit = np.uint64(1) << np.uint64(k)
            for i in range(i0, i1):
                if spins[64 * w + k, i] > 0:
                    out[w, i] |= bit


@njit(parallel=True, cache=True)
def _unpack(words, out):
    W, n = words.shape
    nb = (n + _BLOCK - 1) // _BLOCK
    for t in prange(W * nb):
        w, i0 = t // nb, (t % nb) * _BLOCK
        i1 = min(i0 + _BLOCK, n)
        for k in range(64):
            sh = np.uint64(k)
            for i in range(i0, i1):
                out[64 * w + k, i] = np.int8(2 * np.int64((words[w, i] >> sh) & np.uint64(1)) - 1)


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
def _multispin_row(words, w, x, color, row_len, row_nbr, row_par, anti, masks, ferro, st, ub,
                   slot):
    """Update the colour-``color`` sites of row ``x`` of word ``w`` (full arrays and indices,
    no views or allocations, so threads never touch shared reference counts). With ``slot >=
    0``, the new numbers of unsatisfied bonds of the updated sites (bit planes of weight 1, 2,
    4) go to ``ub[slot, G - 3 .. G - 1, y // 2]`` (``G = ub.shape[1]``)."""
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
        if slot >= 0:  # flipped replicas now have z - u unsatisfied bonds
            if nlev > 2:
                t1, t2 = ~c1 ^ c0, ~c2 ^ (c0 & c1)
            else:
                t1, t2 = c0 ^ c1, ~(c0 | c1 | c2)
            g = ub.shape[1] - 3
            ub[slot, g, y >> 1] = c0
            ub[slot, g + 1, y >> 1] = c1 ^ (flip & (c1 ^ t1))
            ub[slot, g + 2, y >> 1] = c2 ^ (flip & (c2 ^ t2))
    return acc


@njit(parallel=True, cache=True)
def multispin_kernel(words, masks, keys, counters, rows, row_len, row_nbr, row_par, anti, ferro,
                     sweeps, words_parallel):
    """Checkerboard sweeps of bit-packed words; returns accepted flips per word (all 64 bits).

    ``masks``: ``uint64[W, 32, z/2]`` from :func:`threshold_masks` (z = 4 or 6).
    """
    W = words.shape[0]
    acc = np.zeros(W, dtype=np.int64)
    nob = np.zeros((1, 3, 1), dtype=np.uint64)
    if words_parallel:
        for w in prange(W):
            a = 0
            for t in range(sweeps):
                st = stream_start(keys[w], counters[w] + np.uint64(t))
                for c in range(2):
                    for x in range(rows):
                        a += _multispin_row(words, w, x, c, row_len, row_nbr, row_par, anti,
                                            masks, ferro, st, nob, -1)
            acc[w] = a
    else:
        for w in range(W):
            for t in range(sweeps):
                st = stream_start(keys[w], counters[w] + np.uint64(t))
                for c in range(2):
                    a = 0
                    for x in prange(rows):
                        a += _multispin_row(words, w, x, c, row_len, row_nbr, row_par, anti,
                                            masks, ferro, st, nob, -1)
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


# ------------------------------------------------------------------ fused bit-sliced measurement
# Per-replica counts of a bit position over many words ("vertical popcounts") are kept in
# bit-sliced counters ``acc[slot, g]``: planes 0-3 count 1, 2, 4, 8 (carry-save adders over
# batches of 16 words, Harley-Seal) and 8 byte-lane words 4-11 count the sixteens (byte ``j`` of
# lane ``k``: bit ``8 j + k``), flushed into int64 counts before a byte can overflow.
_NPLANE = 4
_NLANE = _NPLANE + 8
_MAX_CHUNKS = 64  # at most this many row chunks per word (see _chunks)


@njit(inline="always", cache=True)
def _csa(a, b, c):
    u = a ^ b
    return u ^ c, (a & b) | (u & c)


@njit(cache=True)
def _flush(acc, cnt, slot, g, dst, planes=True):
    """Add the counts of ``acc[slot, g]`` to ``cnt[slot, dst, :64]`` and clear the counter
    (only its byte lanes when not ``planes``)."""
    for k in range(8):
        lane = acc[slot, g, _NPLANE + k]
        for j in range(8):
            cnt[slot, dst, 8 * j + k] += np.int64((lane >> np.uint64(8 * j)) & np.uint64(255)) << 4
        acc[slot, g, _NPLANE + k] = _ZERO
    if not planes:
        return
    for p in range(_NPLANE):
        plane = acc[slot, g, p]
        for b in range(64):
            cnt[slot, dst, b] += np.int64((plane >> np.uint64(b)) & _ONE) << p
        acc[slot, g, p] = _ZERO


@njit(inline="always", cache=True)
def _hs_step(ones, twos, fours, eights, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12,
             a13, a14, a15):
    """Harley-Seal: add 16 words to the planes ``ones .. eights``; returns them and the
    sixteens (the carry out of ``eights``)."""
    ones, ta = _csa(ones, a0, a1)
    ones, tb = _csa(ones, a2, a3)
    twos, fa = _csa(twos, ta, tb)
    ones, ta = _csa(ones, a4, a5)
    ones, tb = _csa(ones, a6, a7)
    twos, fb = _csa(twos, ta, tb)
    fours, ea = _csa(fours, fa, fb)
    ones, ta = _csa(ones, a8, a9)
    ones, tb = _csa(ones, a10, a11)
    twos, fa = _csa(twos, ta, tb)
    ones, ta = _csa(ones, a12, a13)
    ones, tb = _csa(ones, a14, a15)
    twos, fb = _csa(twos, ta, tb)
    fours, eb = _csa(fours, fa, fb)
    eights, sixteens = _csa(eights, ea, eb)
    return ones, twos, fours, eights, sixteens


@njit(inline="always", cache=True)
def _lanes(acc, slot, g, sixteens, cnt, nbat):
    """Add the sixteens to the byte lanes of ``acc[slot, g]`` (flushed every 255 steps)."""
    for k in range(8):
        acc[slot, g, _NPLANE + k] += (sixteens >> np.uint64(k)) & _H01
    nbat[slot, g] += 1
    if nbat[slot, g] == 255:
        _flush(acc, cnt, slot, g, g, False)  # the lanes (the planes are in registers)
        nbat[slot, g] = 0


@njit(cache=True)
def _hs16(buf, slot, g, nwords, acc, cnt, nbat):
    """Count ``buf[slot, g, :nwords]`` (``nwords`` a multiple of 16) into ``acc[slot, g]``."""
    ones, twos = acc[slot, g, 0], acc[slot, g, 1]
    fours, eights = acc[slot, g, 2], acc[slot, g, 3]
    for b in range(0, nwords, 16):
        ones, ta = _csa(ones, buf[slot, g, b], buf[slot, g, b + 1])
        ones, tb = _csa(ones, buf[slot, g, b + 2], buf[slot, g, b + 3])
        twos, fa = _csa(twos, ta, tb)
        ones, ta = _csa(ones, buf[slot, g, b + 4], buf[slot, g, b + 5])
        ones, tb = _csa(ones, buf[slot, g, b + 6], buf[slot, g, b + 7])
        twos, fb = _csa(twos, ta, tb)
        fours, ea = _csa(fours, fa, fb)
        ones, ta = _csa(ones, buf[slot, g, b + 8], buf[slot, g, b + 9])
        ones, tb = _csa(ones, buf[slot, g, b + 10], buf[slot, g, b + 11])
        twos, fa = _csa(twos, ta, tb)
        ones, ta = _csa(ones, buf[slot, g, b + 12], buf[slot, g, b + 13])
        ones, tb = _csa(ones, buf[slot, g, b + 14], buf[slot, g, b + 15])
        twos, fb = _csa(twos, ta, tb)
        fours, eb = _csa(fours, fa, fb)
        eights, sixteens = _csa(eights, ea, eb)
        for k in range(8):
            acc[slot, g, _NPLANE + k] += (sixteens >> np.uint64(k)) & _H01
        nbat[slot, g] += 1
        if nbat[slot, g] == 255:
            _flush(acc, cnt, slot, g, g, False)  # the lanes (the planes are in registers)
            nbat[slot, g] = 0
    acc[slot, g, 0], acc[slot, g, 1] = ones, twos
    acc[slot, g, 2], acc[slot, g, 3] = fours, eights


@njit(inline="always", cache=True)
def _pdiff(v):
    """Even bits: where replicas ``2p`` and ``2p + 1`` of ``v`` differ."""
    return (v ^ (v >> _ONE)) & _M1


@njit(cache=True)
def _fill_row(words, w, x, row_len, row_nbr, anti, ferro, ng, buf, slot):
    """The words of row ``x`` of word ``w`` into ``buf[slot, g, :row_len]`` (the tail up to a
    multiple of 16 stays zero). Groups ``g``: 0 spins (1: up), ``1 .. d`` bonds to the ``+1``
    neighbour along axis ``g - 1`` (1: unsatisfied); with pairs (``ng = d + 3``), where the
    replicas ``2p``, ``2p + 1`` differ: ``d + 1`` bits ``2p``/``2p + 1`` the row bond / the
    axis-0 bond; ``d + 2`` in 2-D bits ``2p``/``2p + 1`` the spins of sites ``2y``/``2y + 1``
    (half a row), in 3-D the axis-1 bond / the spin."""
    d = anti.shape[1]
    base = x * row_len
    last = row_len - 1
    for y in range(row_len):
        buf[slot, 0, y] = words[w, base + y]
    for y in range(last):
        buf[slot, d, y] = buf[slot, 0, y] ^ buf[slot, 0, y + 1]
    buf[slot, d, last] = buf[slot, 0, last] ^ buf[slot, 0, 0]
    for a in range(d - 1):
        jb = row_nbr[x, 2 * a + 1] * row_len
        for y in range(row_len):
            buf[slot, 1 + a, y] = buf[slot, 0, y] ^ words[w, jb + y]
    if not ferro:
        for a in range(d):
            for y in range(row_len):
                buf[slot, 1 + a, y] ^= _ZERO - np.uint64(anti[base + y, a])
    if ng > d + 1:
        for y in range(row_len):
            buf[slot, d + 1, y] = _pdiff(buf[slot, d, y]) | (_pdiff(buf[slot, 1, y]) << _ONE)
        if d == 2:
            for y in range(row_len // 2):
                buf[slot, 4, y] = (_pdiff(buf[slot, 0, 2 * y])
                                   | (_pdiff(buf[slot, 0, 2 * y + 1]) << _ONE))
        else:
            for y in range(row_len):
                buf[slot, 5, y] = _pdiff(buf[slot, 2, y]) | (_pdiff(buf[slot, 0, y]) << _ONE)


@njit(cache=True)
def _row_counts(acc, cnt, slot, dst):
    """Flush the up-spin counter ``acc[slot, 0]`` of one row (at most ``16 * 255`` sites) into
    ``cnt[slot, dst]`` (overwritten) through byte lanes, and clear it."""
    for k in range(8):
        sh = np.uint64(k)
        v = acc[slot, 0, _NPLANE + k] << np.uint64(4)
        for p in range(_NPLANE):
            v += ((acc[slot, 0, p] >> sh) & _H01) << np.uint64(p)
        for j in range(8):
            cnt[slot, dst, 8 * j + k] = np.int64((v >> np.uint64(8 * j)) & np.uint64(255))
        acc[slot, 0, _NPLANE + k] = _ZERO
    for p in range(_NPLANE):
        acc[slot, 0, p] = _ZERO


@njit(cache=True)
def _measure_chunk(words, w, c, nch, rows, row_len, row_nbr, anti, ferro, ng, structure,
                   tabs, sc, slot, bonds):
    """Counts of the rows of chunk ``c`` (of ``nch``) into ``cnt[slot]`` (the unsatisfied bonds
    from the bond groups with ``bonds``, else kept from :func:`_count_half`); with ``structure`` the
    Fourier sums into ``four[slot]``: ``sum_x m_x e^{i theta_a(x)}`` (row axes, row order) and
    ``sum_y (2 C_y - rows_c) e^{2 pi i y / L}`` from the chunk's column counts ``C_y``."""
    acc, buf, nbat, cnt, four, tile, cacc, ccol = sc
    ct, sn, rre, rim = tabs
    ngr = cnt.shape[1] - 1
    d = anti.shape[1]
    nw = (row_len + 15) // 16 * 16
    nwh = (row_len // 2 + 15) // 16 * 16
    _clear_chunk(sc, slot, row_len, bonds)
    x0, x1 = c * rows // nch, (c + 1) * rows // nch
    for x in range(x0, x1):
        _fill_row(words, w, x, row_len, row_nbr, anti, ferro, ng, buf, slot)
        for g in range(ng):
            if bonds or g == 0 or g > d:
                _hs16(buf, slot, g, nwh if d == 2 and g == 4 else nw, acc, cnt, nbat)
        if not structure:
            continue
        _row_counts(acc, cnt, slot, ngr)
        nbat[slot, 0] = 0
        c0, s0, c1, s1 = rre[x, 0], rim[x, 0], rre[x, 1], rim[x, 1]
        for b in range(64):
            r = cnt[slot, ngr, b]
            cnt[slot, 0, b] += r
            m = 2 * r - row_len
            four[slot, 0, b] += m * c0
            four[slot, 1, b] += m * s0
            four[slot, 2, b] += m * c1
            four[slot, 3, b] += m * s1
        r = (x - x0) & 15
        for y in range(row_len):
            tile[slot, y, r] = words[w, x * row_len + y]
        if r == 15 or x == x1 - 1:
            _tile_columns(tile, slot, r + 1, row_len, cacc)
    for g in range(ng):
        _flush(acc, cnt, slot, g, g)
    for g in range(ngr - 3, ngr):
        _flush(acc, cnt, slot, g, g)
    if structure:
        for y in range(row_len):
            _col_counts(cacc, slot, y, ccol)
            for b in range(64):
                v = 2 * ccol[slot, b] - (x1 - x0)
                four[slot, 4, b] += v * ct[y & 1, y >> 1]
                four[slot, 5, b] += v * sn[y & 1, y >> 1]


@njit(cache=True)
def _clear_chunk(sc, slot, row_len, planes=True):
    """Clear the counters of ``slot`` (those of :func:`_count_half` only with ``planes``)."""
    acc, _buf, nbat, cnt, four, _tile, cacc, _ccol = sc
    G = acc.shape[1]
    for g in range(G + 1):
        if g < G - 3 or g == G or planes:
            for b in range(64):
                cnt[slot, g, b] = 0
            if g < G:
                nbat[slot, g] = 0
                for p in range(_NLANE):
                    acc[slot, g, p] = _ZERO
    for a in range(6):
        for b in range(64):
            four[slot, a, b] = 0.0
    for y in range(row_len):
        for p in range(_NLANE):
            cacc[slot, y, p] = _ZERO


@njit(cache=True)
def _tile_columns(tile, slot, nr, row_len, cacc):
    """Add rows ``0 .. nr - 1`` of ``tile[slot]`` to the column counters ``cacc[slot, y]``
    (one Harley-Seal step per column; at most 255 steps per chunk)."""
    for y in range(row_len):
        for r in range(nr, 16):
            tile[slot, y, r] = _ZERO
    for y in range(row_len):
        ones, twos, fours, eights, sx = _hs_step(
            cacc[slot, y, 0], cacc[slot, y, 1], cacc[slot, y, 2], cacc[slot, y, 3],
            tile[slot, y, 0], tile[slot, y, 1], tile[slot, y, 2], tile[slot, y, 3],
            tile[slot, y, 4], tile[slot, y, 5], tile[slot, y, 6], tile[slot, y, 7],
            tile[slot, y, 8], tile[slot, y, 9], tile[slot, y, 10], tile[slot, y, 11],
            tile[slot, y, 12], tile[slot, y, 13], tile[slot, y, 14], tile[slot, y, 15])
        cacc[slot, y, 0], cacc[slot, y, 1] = ones, twos
        cacc[slot, y, 2], cacc[slot, y, 3] = fours, eights
        for k in range(8):
            cacc[slot, y, _NPLANE + k] += (sx >> np.uint64(k)) & _H01


@njit(cache=True)
def _col_counts(cacc, slot, y, ccol):
    """The 64 counts of column counter ``cacc[slot, y]`` into ``ccol[slot]``."""
    for k in range(8):
        sh = np.uint64(k)
        lane = cacc[slot, y, _NPLANE + k]
        v = _ZERO
        for p in range(_NPLANE):
            v += ((cacc[slot, y, p] >> sh) & _H01) << np.uint64(p)
        for j in range(8):
            s8 = np.uint64(8 * j)
            ccol[slot, 8 * j + k] = (np.int64((lane >> s8) & np.uint64(255)) << 4) + np.int64(
                (v >> s8) & np.uint64(255))


@njit(cache=True)
def _reduce(cnt, four_sc, s0, nch, ng, d, structure, out, four, j, w):
    """Sum the chunk partials of word ``w`` in a fixed order into ``out[j, w]`` (up,
    unsatisfied, pair groups) and ``four[j, w]`` (as ``fourier_sums``)."""
    G = cnt.shape[1] - 1
    for b in range(64):
        for a in range(4):
            out[j, w, a, b] = 0
        for a in range(6):
            four[j, w, b, a] = 0.0
        for c in range(s0, s0 + nch):
            out[j, w, 0, b] += cnt[c, 0, b]
            for a in range(1, d + 1):
                out[j, w, 1, b] += cnt[c, a, b]
            for a in range(3):
                out[j, w, 1, b] += cnt[c, G - 3 + a, b] << a
            if ng > d + 1:
                out[j, w, 2, b] += cnt[c, d + 1, b]
                out[j, w, 3, b] += cnt[c, d + 2, b]
            if structure:
                for a in range(6):
                    four[j, w, b, a] += four_sc[c, a, b]


@njit(cache=True)
def _count_half(words, w, ch, nch, rows, row_len, row_nbr, row_par, anti, masks, ferro, st, sc,
                slot):
    """The colour-1 pass of the rows of chunk ``ch`` (of ``nch``), counting the unsatisfied
    bonds of the updated sites into the plane counters ``G - 3 .. G - 1`` of ``slot`` (after
    it every bond has exactly one colour-1 end: each is counted once); returns the flips."""
    acc, buf, nbat, cnt = sc[0], sc[1], sc[2], sc[3]
    G = acc.shape[1]
    for g in range(G - 3, G):
        nbat[slot, g] = 0
        for p in range(_NLANE):
            acc[slot, g, p] = _ZERO
        for b in range(64):
            cnt[slot, g, b] = 0
    nwh = (row_len // 2 + 15) // 16 * 16
    a = 0
    for x in range(ch * rows // nch, (ch + 1) * rows // nch):
        a += _multispin_row(words, w, x, 1, row_len, row_nbr, row_par, anti, masks, ferro, st,
                            buf, slot)
        for g in range(G - 3, G):
            _hs16(buf, slot, g, nwh, acc, cnt, nbat)
    return a


@njit(cache=True)
def _measure_word(words, w, j, nch, rows, row_len, row_nbr, anti, ferro, ng, structure,
                  tabs, sc, out, four, bonds):
    """All measurements of word ``w`` (serially; used inside the word-parallel loop)."""
    for c in range(nch):
        _measure_chunk(words, w, c, nch, rows, row_len, row_nbr, anti, ferro, ng, structure,
                       tabs, sc, w * nch + c, bonds)
    _reduce(sc[3], sc[4], w * nch, nch, ng, anti.shape[1], structure, out, four, j, w)


def _chunks(rows):
    """Row chunks measured in parallel: fixed by the lattice (results independent of the
    thread count), >= 256 rows each where possible, at most 4080 (the column counters' range)."""
    return max(1, min(_MAX_CHUNKS, rows // 256), -(-rows // 4080))


def measure_scratch(slots, rows, row_len, d):
    """Scratch of :func:`multispin_measured_kernel`: counters for ``slots`` words measured at
    once (``W`` word-parallel, else 1), each with its row chunks (the arrays indexed by
    slot: no thread writes another's); ``[-1]`` is the number of chunks per word."""
    G, S = d + 6, slots * _chunks(rows)
    nw = (row_len + 15) // 16 * 16
    return (np.zeros((S, G, _NLANE), np.uint64), np.zeros((S, G, nw + 8), np.uint64),
            np.zeros((S, G), np.int64), np.zeros((S, G + 1, 64), np.int64),
            np.zeros((S, 6, 64)), np.zeros((S, nw, 16), np.uint64),
            np.zeros((S, nw, _NLANE), np.uint64), np.zeros((S, 64), np.int64)), _chunks(rows)


@njit(parallel=True, cache=True)
def multispin_measured_kernel(words, masks, keys, counters, rows, row_len, row_nbr, row_par, anti,
                              ferro, sweeps, every, words_parallel, pairs, structure, tabs, sc,
                              nch, out, four):
    """:func:`multispin_kernel` measuring after every ``every``-th sweep (bit-sliced, exact).

    ``out[j, w]`` (int64, ``(M, W, 4, 64)``): per replica of word ``w`` after sweep
    ``(j + 1) every``: up spins, unsatisfied bonds, and with ``pairs`` the pair groups of
    :func:`_gword`; ``four[j, w]`` (``(M, W, 64, 6)``) the sums of ``fourier_sums`` when
    ``structure`` (``tabs``: ``fourier_tables``). ``sc, nch``: :func:`measure_scratch` for
    ``W`` slots (word-parallel) or 1. Spins, counters and the returned accepted flips are
    exactly those of :func:`multispin_kernel`; the counts do not depend on the thread count,
    nor do the Fourier sums (fixed chunks, summed in a fixed order).
    """
    W = words.shape[0]
    d = anti.shape[1]
    ng = d + 3 if pairs else d + 1
    acc = np.zeros(W, dtype=np.int64)
    buf = sc[1]
    if words_parallel:
        for w in prange(W):
            a = 0
            for t in range(sweeps):
                st = stream_start(keys[w], counters[w] + np.uint64(t))
                meas = (t + 1) % every == 0
                for c in range(2):
                    if c == 1 and meas:  # the last pass counts the unsatisfied bonds
                        for ch in range(nch):
                            a += _count_half(words, w, ch, nch, rows, row_len, row_nbr, row_par,
                                             anti, masks, ferro, st, sc, w * nch + ch)
                        continue
                    for x in range(rows):
                        a += _multispin_row(words, w, x, c, row_len, row_nbr, row_par, anti,
                                            masks, ferro, st, buf, -1)
                if meas:
                    _measure_word(words, w, (t + 1) // every - 1, nch, rows, row_len, row_nbr,
                                  anti, ferro, ng, structure, tabs, sc, out, four, False)
            acc[w] = a
    else:
        for w in range(W):
            for t in range(sweeps):
                st = stream_start(keys[w], counters[w] + np.uint64(t))
                meas = (t + 1) % every == 0
                for c in range(2):
                    a = 0
                    if c == 1 and meas:
                        for ch in prange(nch):
                            a += _count_half(words, w, ch, nch, rows, row_len, row_nbr, row_par,
                                             anti, masks, ferro, st, sc, ch)
                    else:
                        for x in prange(rows):
                            a += _multispin_row(words, w, x, c, row_len, row_nbr, row_par, anti,
                                                masks, ferro, st, buf, -1)
                    acc[w] += a
                if meas:
                    for c in prange(nch):
                        _measure_chunk(words, w, c, nch, rows, row_len, row_nbr, anti, ferro, ng,
                                       structure, tabs, sc, c, False)
                    _reduce(sc[3], sc[4], 0, nch, ng, d, structure, out, four,
                            (t + 1) // every - 1, w)
    for w in range(W):
        counters[w] += np.uint64(sweeps)
    return acc


@njit(parallel=True, cache=True)
def multispin_measure(words, rows, row_len, row_nbr, anti, ferro, pairs, structure, tabs, sc, nch,
                      out, four):
    """The measurements of :func:`multispin_measured_kernel` of the current words (no sweep):
    ``out[0, w]``, ``four[0, w]``; ``sc, nch`` from :func:`measure_scratch` with ``W`` slots."""
    d = anti.shape[1]
    ng = d + 3 if pairs else d + 1
    for w in prange(words.shape[0]):
        _measure_word(words, w, 0, nch, rows, row_len, row_nbr, anti, ferro, ng, structure,
                      tabs, sc, out, four, True)
