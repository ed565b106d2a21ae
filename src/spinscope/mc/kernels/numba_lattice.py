"""Checkerboard Metropolis / heat-bath for uniform periodic hypercubic Ising lattices (numba, CPU).

Speed comes from a sublattice ("half") layout: for the duration of a call the spins are split
into two arrays ``H[c, r, x, k]`` holding the sites of colour ``c`` of row ``x`` (colour of a
site = parity of the sum of its coordinates; a row is the last lattice axis), so every
neighbour of a colour-``c`` site is at a contiguous position of the other colour's array: the
same ``k`` in the ``2(d-1)`` neighbouring rows and in its own row, plus ``k - 1`` or ``k + 1`` in
its own row. The inner loop is then branch-free over contiguous int8 arrays and vectorises
(LLVM, AVX2/AVX-512), including the counter-based hash.

Update (:func:`lattice_tables`): with ``S`` the sum of the ``z`` neighbouring spins and ``u``
a 32-bit uniform, one of three equivalent threshold forms, chosen per call:

- mode 1 (Metropolis, zero field): flip iff ``u < F[(s S + z)/2]``;
- mode 2 (heat-bath): new spin ``+1`` iff ``u < P[(S + z)/2]``;
- mode 0 (Metropolis with a field): new spin ``+1`` iff ``u < T[(s+1)/2, (S+z)/2]``.

Thresholds are ``floor(2**32 p)``, so probabilities are exact to within ``2**-32``. The few
thresholds are loop-invariant scalars picked by a chain of selects, which vectorises (a table
gather does not).

Random numbers: sweep ``t`` of chain ``r`` uses ``stream = stream_start(keys[r],
counters[r] + t)``; site ``i`` (row-major index of the lattice) uses the top 32 bits of
``draw(stream, i)``. Independent of the visiting order and of the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, thresholds32
from spinscope.mc.kernels.plans import IsingPlan

__all__ = ["fourier_sums", "from_halves", "half_sweeps", "half_sweeps_measured",
           "lattice_tables", "padded_row_nbr", "to_halves"]

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


def lattice_tables(plan: IsingPlan, betas: np.ndarray, heatbath: bool) -> tuple[np.ndarray, int]:
    """Thresholds (uint64, shape (R, 2, 7), zero-padded) and the update mode (see module doc).

    Mode 1 ``F[m]`` (row 0) is ``floor(2**32 min(1, exp(-2 beta J0 (2m - z))))``, the flip
    probability when ``s S = 2m - z``; mode 2 ``P[j]`` (row 0) is
    ``floor(2**32 / (1 + exp(-2 beta (J0 (2j - z) + h0))))``; mode 0 row ``(s+1)/2`` holds the
    probability that the new spin is ``+1``: ``p_flip`` for ``s = -1`` and ``2**32 - p_flip``
    for ``s = +1`` (so the flip probability is exactly the 32-bit threshold).
    """
    z = plan.z
    S = np.arange(-z, z + 1, 2, dtype=np.float64)
    b = np.asarray(betas, dtype=np.float64)[:, None]
    out = np.zeros((b.shape[0], 2, 7), dtype=np.uint64)
    with np.errstate(over="ignore"):
        if heatbath:
            out[:, 0, : z + 1] = thresholds32(0.5 * (1.0 + np.tanh(b * (plan.J0 * S + plan.h0))))
            return out, 2
        if plan.h0 == 0.0:
            out[:, 0, : z + 1] = thresholds32(np.exp(np.minimum(-2.0 * b * plan.J0 * S, 0.0)))
            return out, 1
        for si, k in ((-1.0, 0), (1.0, 1)):
            de = 2.0 * si * (plan.J0 * S + plan.h0)
            pflip = thresholds32(np.exp(np.minimum(-b * de, 0.0)))
            out[:, k, : z + 1] = pflip if si < 0 else np.uint64(2**32) - pflip
    return out, 0


@njit(inline="always", cache=True)
def _site(H, c, o, r, x, k, km, n0, n1, n2, n3, base, z, st, tm, tp, mode):
    S = (np.int32(H[o, r, n0, k]) + np.int32(H[o, r, n1, k]) + np.int32(H[o, r, n2, k])
         + np.int32(H[o, r, n3, k]) + np.int32(H[o, r, x, k]) + np.int32(H[o, r, x, km]))
    si = np.int32(H[c, r, x, k])
    u = draw(st, np.uint64(base + 2 * k)) >> _S32
    if mode == 1:
        t = _pick((si * S + z) >> 1, tm[0], tm[1], tm[2], tm[3], tm[4], tm[5], tm[6])
        new = si * (1 - 2 * np.int32(u < t))
    elif mode == 2:
        t = _pick((S + z) >> 1, tm[0], tm[1], tm[2], tm[3], tm[4], tm[5], tm[6])
        new = 2 * np.int32(u < t) - 1
    else:
        j = (S + z) >> 1
        t = (_pick(j, tp[0], tp[1], tp[2], tp[3], tp[4], tp[5], tp[6]) if si > 0
             else _pick(j, tm[0], tm[1], tm[2], tm[3], tm[4], tm[5], tm[6]))
        new = 2 * np.int32(u < t) - 1
    H[c, r, x, k] = np.int8(new)
    return np.int32(new - si), S


@njit(inline="always", cache=True)
def _one(H, c, o, r, x, k, km, n0, n1, n2, n3, base, z, st, tm, tp, mode, fused, ct, sn, y0, tot):
    """Update one site and add its changes to ``tot`` = (changes, d bonds, d magnetisation,
    d Re F, d Im F along the row axis); the sums other than the first only when ``fused``."""
    d, S = _site(H, c, o, r, x, k, km, n0, n1, n2, n3, base, z, st, tm, tp, mode)
    a, db, dm, fc, fs = tot
    a += np.int64(d != 0)
    if fused:
        db += np.int64(d * S)
        dm += np.int64(d)
        fc += d * ct[y0, k]
        fs += d * sn[y0, k]
    return a, db, dm, fc, fs


@njit(inline="always", cache=True)
def _loops(H, c, r, x, n0, n1, n2, n3, y0, base, z, st, tm, tp, mode, fused, ct, sn):
    half = H.shape[3]
    o = 1 - c
    tot = (np.int64(0), np.int64(0), np.int64(0), 0.0, 0.0)
    if y0 == 1:  # in-row neighbours at k and k + 1
        for k in range(half - 1):
            tot = _one(H, c, o, r, x, k, k + 1, n0, n1, n2, n3, base, z, st, tm, tp, mode, fused,
                       ct, sn, y0, tot)
        tot = _one(H, c, o, r, x, half - 1, 0, n0, n1, n2, n3, base, z, st, tm, tp, mode, fused,
                   ct, sn, y0, tot)
    else:  # in-row neighbours at k - 1 and k
        tot = _one(H, c, o, r, x, 0, half - 1, n0, n1, n2, n3, base, z, st, tm, tp, mode, fused,
                   ct, sn, y0, tot)
        for k in range(1, half):
            tot = _one(H, c, o, r, x, k, k - 1, n0, n1, n2, n3, base, z, st, tm, tp, mode, fused,
                       ct, sn, y0, tot)
    return tot


# _row / _row_fused update the colour-c sites of row x of chain r. Their neighbours: the other
# colour at the same k in the four rows nbr[x] (zero rows pad lower dimensions) and in row x at
# k and k -/+ 1; base + 2k is the row-major index of site k (base includes the column offset y0
# of the colour in this row). They work on the full arrays with indices: array views would touch
# the shared reference count from every thread. The mode is passed as a literal to the inlined
# loops so that each variant is compiled branch-free; the plain and the fused variants are
# separate functions so that a caller compiles only what it uses.
@njit(cache=True)
def _row(H, c, r, x, nbr, y0, base, tables, z, st, mode):
    """Update one row (see the comment above); returns the number of spin changes."""
    n0, n1, n2, n3 = nbr[x, 0], nbr[x, 1], nbr[x, 2], nbr[x, 3]
    tm = (tables[r, 0, 0], tables[r, 0, 1], tables[r, 0, 2], tables[r, 0, 3], tables[r, 0, 4],
          tables[r, 0, 5], tables[r, 0, 6])
    tp = (tables[r, 1, 0], tables[r, 1, 1], tables[r, 1, 2], tables[r, 1, 3], tables[r, 1, 4],
          tables[r, 1, 5], tables[r, 1, 6])
    none = np.zeros((2, 1))
    if mode == 1:
        return _loops(H, c, r, x, n0, n1, n2, n3, y0, base, z, st, tm, tp, 1, False, none, none)[0]
    if mode == 2:
        return _loops(H, c, r, x, n0, n1, n2, n3, y0, base, z, st, tm, tp, 2, False, none, none)[0]
    return _loops(H, c, r, x, n0, n1, n2, n3, y0, base, z, st, tm, tp, 0, False, none, none)[0]


@njit(cache=True, fastmath={"reassoc", "nsz", "contract"})
def _row_fused(H, c, r, x, nbr, y0, base, tables, z, st, mode, ct, sn):
    """Update one row (see the comment above :func:`_row`) and return (changes, d bonds, d magnetisation,
    d Re F, d Im F) with F the Fourier sum along the row axis. The float sums may be
    reassociated (``fastmath``) so that the loop vectorises; the integer updates, spins and
    random numbers are those of :func:`_row`."""
    n0, n1, n2, n3 = nbr[x, 0], nbr[x, 1], nbr[x, 2], nbr[x, 3]
    tm = (tables[r, 0, 0], tables[r, 0, 1], tables[r, 0, 2], tables[r, 0, 3], tables[r, 0, 4],
          tables[r, 0, 5], tables[r, 0, 6])
    tp = (tables[r, 1, 0], tables[r, 1, 1], tables[r, 1, 2], tables[r, 1, 3], tables[r, 1, 4],
          tables[r, 1, 5], tables[r, 1, 6])
    if mode == 1:
        return _loops(H, c, r, x, n0, n1, n2, n3, y0, base, z, st, tm, tp, 1, True, ct, sn)
    if mode == 2:
        return _loops(H, c, r, x, n0, n1, n2, n3, y0, base, z, st, tm, tp, 2, True, ct, sn)
    return _loops(H, c, r, x, n0, n1, n2, n3, y0, base, z, st, tm, tp, 0, True, ct, sn)


@njit(parallel=True, cache=True)
def half_sweeps(H, tables, mode, keys, counters, row_len, nbr, row_par, z, sweeps,
                chains_parallel):
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
                        a += _row(H, c, r, x, nbr, y0, x * row_len + y0, tables, z, st, mode)
            acc[r] = a
    else:
        for r in range(R):
            for t in range(sweeps):
                st = stream_start(keys[r], counters[r] + np.uint64(t))
                for c in range(2):
                    a = 0
                    for x in prange(rows):
                        y0 = (c + row_par[x]) & 1
                        a += _row(H, c, r, x, nbr, y0, x * row_len + y0, tables, z, st, mode)
                    acc[r] += a
    for r in range(R):
        counters[r] += np.uint64(sweeps)
    return acc


@njit(cache=True)
def _sweep_measured(H, tables, mode, st, r, row_len, nbr, row_par, z, ct, sn, rre, rim):
    """One fused sweep of chain ``r``, rows one after the other (chains run in parallel).
    Returns (changes, d bonds, d magnetisation, d Re F[a], d Im F[a] for the axes a < 3)."""
    rows = H.shape[2] - 1
    a = db = dm = np.int64(0)
    f = np.zeros(6)
    for c in range(2):
        for x in range(rows):
            y0 = (c + row_par[x]) & 1
            ra, rb, rm, rc, rs = _row_fused(H, c, r, x, nbr, y0, x * row_len + y0, tables, z, st,
                                            mode, ct, sn)
            a += ra
            db += rb
            dm += rm
            f[0] += rm * rre[x, 0]
            f[1] += rm * rim[x, 0]
            f[2] += rm * rre[x, 1]
            f[3] += rm * rim[x, 1]
            f[4] += rc
            f[5] += rs
    return a, db, dm, f


@njit(parallel=True, cache=True)
def _sweep_measured_rows(H, tables, mode, st, r, row_len, nbr, row_par, z, ct, sn, rre, rim):
    """As :func:`_sweep_measured`, the rows of one colour in parallel (one chain, large lattice)."""
    rows = H.shape[2] - 1
    a = db = dm = np.int64(0)
    f0 = f1 = f2 = f3 = f4 = f5 = 0.0
    for c in range(2):
        for x in prange(rows):
            y0 = (c + row_par[x]) & 1
            ra, rb, rm, rc, rs = _row_fused(H, c, r, x, nbr, y0, x * row_len + y0, tables, z, st,
                                            mode, ct, sn)
            a += ra
            db += rb
            dm += rm
            f0 += rm * rre[x, 0]
            f1 += rm * rim[x, 0]
            f2 += rm * rre[x, 1]
            f3 += rm * rim[x, 1]
            f4 += rc
            f5 += rs
    return a, db, dm, np.array([f0, f1, f2, f3, f4, f5])


@njit(cache=True)
def _record(j, b, m, f, out_b, out_m, out_f, r):
    out_b[r, j] = b
    out_m[r, j] = m
    for q in range(6):
        out_f[r, j, q] = f[q]


@njit(parallel=True, cache=True)
def half_sweeps_measured(H, tables, mode, keys, counters, row_len, nbr, row_par, z, sweeps, every,
                         chains_parallel, bonds, mags, four, ct, sn, rre, rim, out_b, out_m, out_f):
    """Checkerboard sweeps that also track, exactly and per chain, the bond sum
    ``sum_<ij> s_i s_j``, the magnetisation ``sum_i s_i`` (int64) and the Fourier sums
    ``F_a = sum_i s_i exp(2 pi i x_a / L_a)`` at the smallest wave vector along each axis, from
    the accepted moves; after every ``every``-th sweep they are written to ``out_b[r, j]``,
    ``out_m[r, j]`` and ``out_f[r, j, :]`` (Re/Im of the two row axes, then of the row axis).

    ``bonds``, ``mags`` (R,) and ``four`` (R, 6) hold the values at the start and are updated in
    place. The spins, RNG draws and counters are those of :func:`half_sweeps` (same results).
    Returns the spin changes per chain.
    """
    R = H.shape[1]
    acc = np.zeros(R, dtype=np.int64)
    if chains_parallel:
        for r in prange(R):
            for t in range(sweeps):
                st = stream_start(keys[r], counters[r] + np.uint64(t))
                a, db, dm, f = _sweep_measured(H, tables, mode, st, r, row_len, nbr, row_par, z,
                                               ct, sn, rre, rim)
                acc[r] += a
                bonds[r] += db
                mags[r] += dm
                for q in range(6):
                    four[r, q] += f[q]
                if (t + 1) % every == 0:
                    _record((t + 1) // every - 1, bonds[r], mags[r], four[r], out_b, out_m, out_f, r)
    else:
        for r in range(R):
            for t in range(sweeps):
                st = stream_start(keys[r], counters[r] + np.uint64(t))
                a, db, dm, f = _sweep_measured_rows(H, tables, mode, st, r, row_len, nbr, row_par,
                                                    z, ct, sn, rre, rim)
                acc[r] += a
                bonds[r] += db
                mags[r] += dm
                for q in range(6):
                    four[r, q] += f[q]
                if (t + 1) % every == 0:
                    _record((t + 1) // every - 1, bonds[r], mags[r], four[r], out_b, out_m, out_f, r)
    for r in range(R):
        counters[r] += np.uint64(sweeps)
    return acc


@njit(parallel=True, cache=True)
def fourier_sums(spins, shape_last, rre, rim, ct, sn, row_par):
    """The Fourier sums of :func:`half_sweeps_measured` (R, 6) computed from spins (R, n)."""
    R = spins.shape[0]
    rows = rre.shape[0]
    out = np.zeros((R, 6))
    for r in prange(R):
        for x in range(rows):
            m = 0
            fc = fs = 0.0
            for y in range(shape_last):
                v = spins[r, x * shape_last + y]
                m += v
                fc += v * ct[y & 1, y >> 1]
                fs += v * sn[y & 1, y >> 1]
            out[r, 0] += m * rre[x, 0]
            out[r, 1] += m * rim[x, 0]
            out[r, 2] += m * rre[x, 1]
            out[r, 3] += m * rim[x, 1]
            out[r, 4] += fc
            out[r, 5] += fs
    return out
