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

import numba
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
                   slot, off):
    """Update the colour-``color`` sites of row ``x`` of word ``w`` (full arrays and indices,
    no views or allocations, so threads never touch shared reference counts). With ``slot >=
    0``, the new numbers of unsatisfied bonds of the updated sites (bit planes of weight 1, 2,
    4) go to ``ub[3 slot + p, off + y // 2]`` (``p = 0, 1, 2``)."""
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
            k = off + (y >> 1)
            ub[3 * slot, k] = c0
            ub[3 * slot + 1, k] = c1 ^ (flip & (c1 ^ t1))
            ub[3 * slot + 2, k] = c2 ^ (flip & (c2 ^ t2))
    return acc


@njit(parallel=True, cache=True)
def multispin_kernel(words, masks, keys, counters, rows, row_len, row_nbr, row_par, anti, ferro,
                     sweeps, words_parallel):
    """Checkerboard sweeps of bit-packed words; returns accepted flips per word (all 64 bits).

    ``masks``: ``uint64[W, 32, z/2]`` from :func:`threshold_masks` (z = 4 or 6).
    """
    W = words.shape[0]
    acc = np.zeros(W, dtype=np.int64)
    nob = np.zeros((3, 1), dtype=np.uint64)
    if words_parallel:
        for w in prange(W):
            a = 0
            for t in range(sweeps):
                st = stream_start(keys[w], counters[w] + np.uint64(t))
                for c in range(2):
                    for x in range(rows):
                        a += _multispin_row(words, w, x, c, row_len, row_nbr, row_par, anti,
                                            masks, ferro, st, nob, -1, 0)
            acc[w] = a
    else:
        for w in range(W):
            for t in range(sweeps):
                st = stream_start(keys[w], counters[w] + np.uint64(t))
                for c in range(2):
                    a = 0
                    for x in prange(rows):
                        a += _multispin_row(words, w, x, c, row_len, row_nbr, row_par, anti,
                                            masks, ferro, st, nob, -1, 0)
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
# bit-sliced carry-save states of 16 lanes: ``st[base + 16 p + j]`` holds plane ``p`` (weights
# 1, 2, 4) of lane ``j`` and ``st[base + 48 + 16 k + j]`` its byte lanes, which count the eights
# (byte ``c`` of lane word ``k``: bit ``8 c + k``). One step adds 8 rows of 16 consecutive words
# (128 words), so the compiler turns the 16 lanes into vector instructions; every index is
# unsigned, which keeps numba's negative-index wrap-around out of the address arithmetic. A
# state is flushed into int64 counts before a byte can overflow (255 steps) and at the end of
# its chunk of rows.
_M8 = np.uint64(0x00FF00FF00FF00FF)
_SW = 176           # words per state: 16 lanes x (3 planes + 8 byte lanes)
_BATCH = 128        # words per step: 8 rows x 16 lanes
# states of one slot: unsatisfied-bond planes (weights 1, 2, 4), the two pair groups, up spins
# of the current plane (or chunk), then the column states (16 columns each) and, in 3-D, one
# state per coordinate x1 of the rows (axis 1)
_ST_PAIR1, _ST_PAIR2, _ST_UP, _ST_COL = 3, 4, 5, 6


@njit(inline="always", cache=True)
def _csa(a, b, c):
    u = a ^ b
    return u ^ c, (a & b) | (u & c)


@njit(cache=True)
def _vhs(src, soff, st, base):
    """One carry-save step: add the words ``src[soff + 16 r + j]`` (``r < 8`` rows, ``j < 16``
    lanes; indices uint64) to the state ``st[base : base + 176]`` (1-D arrays: the compiler
    vectorises the lanes)."""
    for jj in range(16):
        j = np.uint64(jj)
        o = soff + j
        b = base + j
        ones, ta = _csa(st[b], src[o], src[o + np.uint64(16)])
        ones, tb = _csa(ones, src[o + np.uint64(32)], src[o + np.uint64(48)])
        twos, fa = _csa(st[b + np.uint64(16)], ta, tb)
        ones, ta = _csa(ones, src[o + np.uint64(64)], src[o + np.uint64(80)])
        ones, tb = _csa(ones, src[o + np.uint64(96)], src[o + np.uint64(112)])
        twos, fb = _csa(twos, ta, tb)
        fours, e = _csa(st[b + np.uint64(32)], fa, fb)
        st[b] = ones
        st[b + np.uint64(16)] = twos
        st[b + np.uint64(32)] = fours
        for k in range(8):
            st[b + np.uint64(48 + 16 * k)] += (e >> np.uint64(k)) & _H01


@njit(inline="always", cache=True)
def _lane_bytes(st, b, sh):
    """Bytes ``0 .. 7``: the plane counts of bits ``8 c + sh`` of the lane at ``st[b]``."""
    return (((st[b] >> sh) & _H01) | (((st[b + np.uint64(16)] >> sh) & _H01) << _ONE)
            | (((st[b + np.uint64(32)] >> sh) & _H01) << np.uint64(2)))


@njit(cache=True)
def _clear_state(st, base):
    for i in range(_SW):
        st[base + np.uint64(i)] = _ZERO


@njit(cache=True)
def _flush_h(st, base, dst, da, db):
    """Add the counts of the state at ``st[base]`` (a slot's states), summed over its lanes, to
    ``dst[da, db, :64]``, and clear the state."""
    for k in range(8):
        sh = np.uint64(k)
        pl, lo, hi = _ZERO, _ZERO, _ZERO
        for jj in range(16):
            b = base + np.uint64(jj)
            pl += _lane_bytes(st, b, sh)                    # bytes <= 16 x 7
            lane = st[b + np.uint64(48 + 16 * k)]
            lo += lane & _M8                                # 16-bit fields <= 16 x 255
            hi += (lane >> np.uint64(8)) & _M8
        for c in range(8):
            f = lo if c % 2 == 0 else hi
            v = np.int64((pl >> np.uint64(8 * c)) & np.uint64(255))
            v += np.int64((f >> np.uint64(16 * (c >> 1))) & np.uint64(0xFFFF)) << 3
            dst[da, db, 8 * c + k] += v
    _clear_state(st, base)


@njit(cache=True)
def _flush_v(st, base, dst, da, y0, ny):
    """Add the counts of lane ``j < ny`` of the state at ``st[base]`` to ``dst[da, y0 + j,
    :64]`` (one column per lane), and clear the state."""
    for jj in range(ny):
        b = base + np.uint64(jj)
        for k in range(8):
            sh = np.uint64(k)
            v = _lane_bytes(st, b, sh)
            lane = st[b + np.uint64(48 + 16 * k)]
            for c in range(8):
                sc = np.uint64(8 * c)
                dst[da, y0 + jj, 8 * c + k] += (np.int64((v >> sc) & np.uint64(255))
                                                + (np.int64((lane >> sc) & np.uint64(255)) << 3))
    _clear_state(st, base)


@njit(cache=True)
def _feed(src, soff, steps, st, nb, s, idx, dst, da, db):
    """``steps`` steps over the consecutive words ``src[soff:]`` into state ``idx`` of the
    slot states ``st`` (1-D, made once per chunk: no views per row), flushed into ``dst[da,
    db]`` every 255 steps (``nb[s, idx]`` counts them)."""
    base = np.uint64(idx * _SW)
    for q in range(steps):
        _vhs(src, np.uint64(soff + q * _BATCH), st, base)
        nb[s, idx] += 1
        if nb[s, idx] == 255:
            _flush_h(st, base, dst, da, db)
            nb[s, idx] = 0


@njit(cache=True)
def _pair_rows(wv, x, row_len, row_nbr, p1, p2):
    """The pair groups of row ``x`` of the word ``wv`` (replicas ``2p``, ``2p + 1``; ``D(v)``:
    where they differ in ``v``): into ``p1`` bits ``2p``/``2p + 1`` ``D`` of the row bond / of
    the axis-0 bond of each site, into ``p2`` in 2-D ``D`` of the spins of sites ``2k``/``2k +
    1`` (half a row), in 3-D ``D`` of the axis-1 bond / of the spin. ``D`` of a bond is the
    XOR of the ends' ``D`` (a coupling sign cancels)."""
    d = row_nbr.shape[1] // 2 + 1
    base = np.uint64(x * row_len)
    n0 = np.uint64(row_nbr[x, 1] * row_len)
    for yy in range(row_len - 1):
        y = np.uint64(yy)
        s, s1, nb = wv[base + y], wv[base + y + _ONE], wv[n0 + y]
        t = s ^ (s >> _ONE)
        p1[y] = ((t ^ s1 ^ (s1 >> _ONE)) & _M1) | (((t ^ nb ^ (nb >> _ONE)) & _M1) << _ONE)
    y = np.uint64(row_len - 1)                                      # the periodic row bond
    s, s1, nb = wv[base + y], wv[base], wv[n0 + y]
    t = s ^ (s >> _ONE)
    p1[y] = ((t ^ s1 ^ (s1 >> _ONE)) & _M1) | (((t ^ nb ^ (nb >> _ONE)) & _M1) << _ONE)
    if d == 2:
        for kk in range(row_len // 2):
            k = np.uint64(kk)
            s, s1 = wv[base + k + k], wv[base + k + k + _ONE]
            p2[k] = _pdiff(s) | (_pdiff(s1) << _ONE)
    else:
        n1 = np.uint64(row_nbr[x, 3] * row_len)
        for yy in range(row_len):
            y = np.uint64(yy)
            s, nb = wv[base + y], wv[n1 + y]
            t = s ^ (s >> _ONE)
            p2[y] = ((t ^ nb ^ (nb >> _ONE)) & _M1) | ((t & _M1) << _ONE)


@njit(inline="always", cache=True)
def _pdiff(v):
    """Even bits: where replicas ``2p`` and ``2p + 1`` of ``v`` differ."""
    return (v ^ (v >> _ONE)) & _M1


@njit(cache=True)
def _bond_row(wv, x, a, row_len, row_nbr, anti, out):
    """The unsatisfied bonds of row ``x`` to the ``+1`` neighbours along axis ``a`` into
    ``out``."""
    d = anti.shape[1]
    base = x * row_len
    jb = row_nbr[x, 2 * a + 1] * row_len if a < d - 1 else base
    for y in range(row_len):
        j = base + (y + 1 if y + 1 < row_len else 0) if a == d - 1 else jb + y
        out[np.uint64(y)] = (wv[np.uint64(base + y)] ^ wv[np.uint64(j)]
                             ^ (_ZERO - np.uint64(anti[base + y, a])))


@njit(cache=True)
def _geometry(sc, rows):
    """``L0`` (planes along axis 0), rows per plane, ``L1`` (3-D), padded row length, column
    states, words per unsatisfied-bond buffer."""
    L0 = sc[6].shape[1]
    rp = sc[3].shape[1]
    return L0, rows // L0, sc[7].shape[1], rp, rp // 16, sc[2].shape[1]


@njit(cache=True)
def _count_half(words, w, ch, nch, rows, row_len, row_nbr, row_par, anti, masks, ferro, rng, sc,
                slot):
    """The colour-1 pass of the rows of chunk ``ch`` (of ``nch``), counting the new numbers of
    unsatisfied bonds of the updated sites into ``cnt[slot, 0 .. 2]`` (weights 1, 2, 4; after
    it every bond has exactly one colour-1 end: each is counted once); returns the flips."""
    st, nb, ub, cnt = sc[0], sc[1], sc[2], sc[5]
    L0, rpp, _L1, _rp, _ncb, cap = _geometry(sc, rows)
    stv = st[slot]
    for p in range(3):
        nb[slot, p] = 0
        for b in range(64):
            cnt[slot, p, b] = 0
    nwh = row_len // 2
    mrows = cap // nwh if cap % nwh == 0 else 1     # rows per buffer
    x0, x1 = ch * L0 // nch * rpp, (ch + 1) * L0 // nch * rpp
    a = 0
    for x in range(x0, x1):
        q = (x - x0) % mrows
        a += _multispin_row(words, w, x, 1, row_len, row_nbr, row_par, anti, masks, ferro, rng,
                            ub, slot, q * nwh)
        if q == mrows - 1 or x == x1 - 1:
            for p in range(3):
                u = ub[3 * slot + p]
                for i in range((q + 1) * nwh, cap if q < mrows - 1 else 0):
                    u[np.uint64(i)] = _ZERO
                _feed(u, 0, cap // _BATCH, stv, nb, slot, p, cnt, slot, p)
    for p in range(3):
        _flush_h(stv, np.uint64(p * _SW), cnt, slot, p)
    return a


@njit(cache=True)
def _clear_chunk(sc, slot, ws, p0, p1, bonds):
    """Clear the counters that :func:`_measure_chunk` fills (those of :func:`_count_half` only
    with ``bonds``)."""
    st, nb, _ub, _pb, _tile, cnt, m0, m1, m2 = sc
    stv = st[slot]
    for i in range(nb.shape[1]):
        nb[slot, i] = 0
        if i >= 3 or bonds:
            _clear_state(stv, np.uint64(i * _SW))
    for g in range(6):
        if g >= 3 or bonds:
            for b in range(64):
                cnt[slot, g, b] = 0
    for p in range(p0, p1):
        for b in range(64):
            m0[ws, p, b] = 0
    for i in range(m1.shape[1]):
        for b in range(64):
            m1[slot, i, b] = 0
    for i in range(m2.shape[1]):
        for b in range(64):
            m2[slot, i, b] = 0


@njit(cache=True)
def _columns(tv, stv, ncb):
    """One step of every column state over the 8 rows of the tile (blocks of 16 columns)."""
    for cb in range(ncb):
        _vhs(tv, np.uint64(cb * _BATCH), stv, np.uint64((_ST_COL + cb) * _SW))


@njit(cache=True)
def _flush_columns(stv, m2, slot, ncb, row_len):
    for cb in range(ncb):
        if 16 * cb < row_len:
            _flush_v(stv, np.uint64((_ST_COL + cb) * _SW), m2, slot, 16 * cb,
                     min(16, row_len - 16 * cb))


@njit(cache=True)
def _to_tile(wv, x, r, row_len, tv):
    """Row ``x`` into row ``r < 8`` of the tile: word ``y`` at ``128 (y // 16) + 16 r + y % 16``."""
    base = np.uint64(x * row_len)
    for cb in range(row_len // 16):
        o = np.uint64(cb * _BATCH + 16 * r)
        i = base + np.uint64(16 * cb)
        for jj in range(16):
            j = np.uint64(jj)
            tv[o + j] = wv[i + j]
    for y in range(row_len // 16 * 16, row_len):
        tv[np.uint64((y >> 4) * _BATCH + 16 * r + (y & 15))] = wv[base + np.uint64(y)]


@njit(cache=True)
def _structure_row(wv, x, x0, x1, rpp, row_len, ncb, src, soff, steps, sc, slot, ws, tiles):
    """The structure-factor counts of row ``x`` (source words ``src[soff:]``): the axis-1 state
    in 3-D, the plane flush at a plane's end, the tile and its column steps; returns the
    column steps since the last column flush."""
    st, nb, tile, m0, m1, m2 = sc[0], sc[1], sc[4], sc[6], sc[7], sc[8]
    stv, tv = st[slot], tile[slot]
    r = (x - x0) & 7
    if m1.shape[1] > 1:
        x1c = x % rpp
        _feed(src, soff, steps, stv, nb, slot, _ST_COL + ncb + x1c, m1, slot, x1c)
    if (x + 1) % rpp == 0:
        _flush_h(stv, np.uint64(_ST_UP * _SW), m0, ws, x // rpp)
        nb[slot, _ST_UP] = 0
    _to_tile(wv, x, r, row_len, tv)
    if r == 7 or x == x1 - 1:
        for cb in range(ncb):
            for i in range(cb * _BATCH + 16 * (r + 1), (cb + 1) * _BATCH if r < 7 else 0):
                tv[np.uint64(i)] = _ZERO
        _columns(tv, stv, ncb)
        tiles += 1
        if tiles == 255:
            _flush_columns(stv, m2, slot, ncb, row_len)
            tiles = 0
    return tiles


@njit(cache=True)
def _measure_chunk(words, w, c, nch, rows, row_len, row_nbr, anti, pairs, structure, sc, slot,
                   ws, bonds):
    """Counts of the rows of chunk ``c`` (of ``nch``; whole planes ``x0``): up spins into
    ``m0[ws, x0]`` (per plane with ``structure``), the pair groups into ``cnt[slot, 3 .. 4]``,
    with ``bonds`` the unsatisfied bonds into ``cnt[slot, 0]`` (else kept from
    :func:`_count_half`); with ``structure`` the column counts ``m2[slot, y]`` and in 3-D the
    counts ``m1[slot, x1]`` of the rows with axis-1 coordinate ``x1``."""
    st, nb, _ub, pb, _tile, cnt, m0, m1, m2 = sc
    d = anti.shape[1]
    L0, rpp, L1, rp, ncb, _cap = _geometry(sc, rows)
    p0, p1 = c * L0 // nch, (c + 1) * L0 // nch
    _clear_chunk(sc, slot, ws, p0, p1, bonds)
    x0, x1 = p0 * rpp, p1 * rpp
    stv, wv = st[slot], words[w]
    q1, q2, qb, qr = pb[4 * slot], pb[4 * slot + 1], pb[4 * slot + 2], pb[4 * slot + 3]
    steps, half = rp // _BATCH, (row_len // 2 + _BATCH - 1) // _BATCH
    direct = row_len % _BATCH == 0      # rows fill whole steps: count them in place
    src = wv if direct else qr
    tiles = 0
    for x in range(x0, x1):
        soff = x * row_len if direct else 0
        if not direct:
            for y in range(row_len):
                qr[np.uint64(y)] = wv[np.uint64(x * row_len + y)]
        _feed(src, soff, steps, stv, nb, slot, _ST_UP, m0, ws, x // rpp)
        if structure:
            tiles = _structure_row(wv, x, x0, x1, rpp, row_len, ncb, src, soff, steps, sc, slot,
                                   ws, tiles)
        if pairs:
            _pair_rows(wv, x, row_len, row_nbr, q1, q2)
            _feed(q1, 0, steps, stv, nb, slot, _ST_PAIR1, cnt, slot, 3)
            _feed(q2, 0, half if d == 2 else steps, stv, nb, slot, _ST_PAIR2, cnt, slot, 4)
        if bonds:
            for a in range(d):
                _bond_row(wv, x, a, row_len, row_nbr, anti, qb)
                _feed(qb, 0, steps, stv, nb, slot, 0, cnt, slot, 0)
    _flush_h(stv, np.uint64(_ST_UP * _SW), m0, ws, p1 - 1)
    for g in (_ST_PAIR1, _ST_PAIR2):
        _flush_h(stv, np.uint64(g * _SW), cnt, slot, g)
    if bonds:
        _flush_h(stv, _ZERO, cnt, slot, 0)
    if structure:
        _flush_columns(stv, m2, slot, ncb, row_len)
        if d == 3:
            for i in range(L1):
                _flush_h(stv, np.uint64((_ST_COL + ncb + i) * _SW), m1, slot, i)


@njit(cache=True)
def _reduce(sc, s0, nch, ws, d, rows, row_len, pairs, structure, tabs, out, four, j, w):
    """Sum the chunk counts of word ``w`` into ``out[j, w]`` (up, unsatisfied, pair groups) and
    the Fourier sums ``four[j, w]`` (as ``fourier_sums``) from the exact integer marginals: the
    result does not depend on the chunks or the thread count."""
    cnt, m0, m1, m2 = sc[5], sc[6], sc[7], sc[8]
    ct, sn, rre, rim = tabs
    L0, L1 = m0.shape[1], m1.shape[1]
    n = rows * row_len
    rpp = rows // L0
    for b in range(64):
        up, us, q1, q2 = 0, 0, 0, 0
        for p in range(L0):
            up += m0[ws, p, b]
        for c in range(s0, s0 + nch):
            us += cnt[c, 0, b] + 2 * cnt[c, 1, b] + 4 * cnt[c, 2, b]
            q1 += cnt[c, 3, b]
            q2 += cnt[c, 4, b]
        out[j, w, 0, b], out[j, w, 1, b] = up, us
        out[j, w, 2, b] = q1 if pairs else 0
        out[j, w, 3, b] = q2 if pairs else 0
        for a in range(6):
            four[j, w, b, a] = 0.0
        if not structure:
            continue
        for p in range(L0):
            v = 2 * m0[ws, p, b] - n // L0
            four[j, w, b, 0] += v * rre[p * rpp, 0]
            four[j, w, b, 1] += v * rim[p * rpp, 0]
        if d == 3:
            for i in range(L1):
                t = 0
                for c in range(s0, s0 + nch):
                    t += m1[c, i, b]
                v = 2 * t - n // L1
                four[j, w, b, 2] += v * rre[i, 1]
                four[j, w, b, 3] += v * rim[i, 1]
        for y in range(row_len):
            t = 0
            for c in range(s0, s0 + nch):
                t += m2[c, y, b]
            v = 2 * t - rows
            four[j, w, b, 4] += v * ct[y & 1, y >> 1]
            four[j, w, b, 5] += v * sn[y & 1, y >> 1]


@njit(cache=True)
def _measure_word(words, w, j, nch, rows, row_len, row_nbr, anti, pairs, structure, tabs, sc,
                  out, four, bonds):
    """All measurements of word ``w`` (serially; used inside the word-parallel loop)."""
    for c in range(nch):
        _measure_chunk(words, w, c, nch, rows, row_len, row_nbr, anti, pairs, structure, sc,
                       w * nch + c, w, bonds)
    _reduce(sc, w * nch, nch, w, anti.shape[1], rows, row_len, pairs, structure, tabs, out,
            four, j, w)


def _chunks(planes, slots):
    """Chunks of whole planes (along axis 0) measured in parallel: one per thread when the
    rows of one word are shared out (``slots == 1``), else one per word. The counts do not
    depend on it (exact integers; the Fourier sums come from their totals)."""
    return 1 if slots > 1 else max(1, min(planes, numba.get_num_threads()))


def measure_scratch(slots, shape):
    """Scratch of :func:`multispin_measured_kernel` for a lattice of ``shape`` (2-D or 3-D):
    counters for ``slots`` words measured at once (``W`` word-parallel, else 1), each with its
    chunks (arrays indexed by slot: no thread writes another's); ``[-1]`` is the number of
    chunks per word."""
    d, row_len, L0 = len(shape), int(shape[-1]), int(shape[0])
    L1 = int(shape[1]) if d == 3 else 1
    nch = _chunks(L0, slots)
    S = slots * nch
    rp = -(-row_len // _BATCH) * _BATCH
    nwh = row_len // 2
    cap = _BATCH if _BATCH % nwh == 0 else -(-nwh // _BATCH) * _BATCH
    nst = _ST_COL + rp // 16 + (L1 if d == 3 else 0)
    return (np.zeros((S, nst * _SW), np.uint64), np.zeros((S, nst), np.int64),
            np.zeros((3 * S, cap), np.uint64), np.zeros((4 * S, rp), np.uint64),
            np.zeros((S, 8 * rp), np.uint64), np.zeros((S, 6, 64), np.int64),
            np.zeros((slots, L0, 64), np.int64), np.zeros((S, L1, 64), np.int64),
            np.zeros((S, row_len, 64), np.int64)), nch


@njit(parallel=True, cache=True)
def multispin_measured_kernel(words, masks, keys, counters, rows, row_len, row_nbr, row_par, anti,
                              ferro, sweeps, every, words_parallel, pairs, structure, tabs, sc,
                              nch, out, four):
    """:func:`multispin_kernel` measuring after every ``every``-th sweep (bit-sliced, exact).

    ``out[j, w]`` (int64, ``(M, W, 4, 64)``): per replica of word ``w`` after sweep
    ``(j + 1) every``: up spins, unsatisfied bonds, and with ``pairs`` the pair groups of
    :func:`_pair_rows`; ``four[j, w]`` (``(M, W, 64, 6)``) the sums of ``fourier_sums`` when
    ``structure`` (``tabs``: ``fourier_tables``). ``sc, nch``: :func:`measure_scratch` for
    ``W`` slots (word-parallel) or 1. Spins, counters and the returned accepted flips are
    exactly those of :func:`multispin_kernel`; the counts and the Fourier sums do not depend
    on the thread count.
    """
    W = words.shape[0]
    d = anti.shape[1]
    acc = np.zeros(W, dtype=np.int64)
    ub = sc[2]
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
                                            masks, ferro, st, ub, -1, 0)
                if meas:
                    _measure_word(words, w, (t + 1) // every - 1, nch, rows, row_len, row_nbr,
                                  anti, pairs, structure, tabs, sc, out, four, False)
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
                                                masks, ferro, st, ub, -1, 0)
                    acc[w] += a
                if meas:
                    for c in prange(nch):
                        _measure_chunk(words, w, c, nch, rows, row_len, row_nbr, anti, pairs,
                                       structure, sc, c, 0, False)
                    _reduce(sc, 0, nch, 0, d, rows, row_len, pairs, structure, tabs, out, four,
                            (t + 1) // every - 1, w)
    for w in range(W):
        counters[w] += np.uint64(sweeps)
    return acc


@njit(parallel=True, cache=True)
def multispin_measure(words, rows, row_len, row_nbr, anti, ferro, pairs, structure, tabs, sc, nch,
                      out, four):
    """The measurements of :func:`multispin_measured_kernel` of the current words (no sweep):
    ``out[0, w]``, ``four[0, w]``; ``sc, nch`` from :func:`measure_scratch` with ``W`` slots."""
    for w in prange(words.shape[0]):
        _measure_word(words, w, 0, nch, rows, row_len, row_nbr, anti, pairs, structure, tabs,
                      sc, out, four, True)
