"""Single-spin Metropolis and heat-bath kernels (numba, CPU) for Ising, Potts and clock models.

All kernels mutate ``spins`` in place and advance ``counters`` by the number of sweeps. One
sweep visits every site once: colour class after colour class (checkerboard on lattices, a
proper graph colouring on sparse graphs; sites of one class are conditionally independent, so
updating them in any order or in parallel is exact), or site 0..n-1 in order (dense kind).

Random numbers: sweep ``t`` of chain ``r`` uses the stream ``stream_start(keys[r],
counters[r] + t)``; site ``i`` uses word ``draw(stream, i)`` (lattice kind: its top 32 bits;
Potts Metropolis: top half picks the proposal, bottom half accepts). Nothing depends on the
visiting order, so results are identical for any number of threads. The lattice kind's kernel
lives in :mod:`.numba_lattice`.

Update rules (``beta`` = 1/T, ``h_i`` = local field ``sum_j J_ij s_j + h_i``)
- Ising Metropolis: flip with probability ``min(1, exp(-2 beta s_i h_i))``.
- Ising heat-bath: ``s_i = +1`` with probability ``1 / (1 + exp(-2 beta h_i))``.
- Potts/clock Metropolis: propose one of the other ``q-1`` states uniformly, accept with
  ``min(1, exp(-beta dE))``.
- Potts/clock heat-bath: draw the new state from the full conditional over all ``q`` states.
Lattice tables use 32-bit thresholds, so probabilities are exact to within ``2**-32``.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, u32_hi, u32_lo, uniform53
from spinscope.mc.kernels.plans import IsingPlan, PottsPlan

__all__ = [
    "colored_ising_sweeps",
    "dense_ising_sweeps",
    "ising_energies",
    "ising_magnetizations",
    "potts_colored_sweeps",
    "potts_energies",
    "potts_magnetizations",
]

_INV32 = 1.0 / 4294967296.0


def by_chain(R: int, n: int) -> bool:
    """Parallelise over chains (True) or over the sites of one colour (False)."""
    return R >= numba.get_num_threads() or n < 4096


# ---------------------------------------------------------------------------- colored kind
@njit(inline="always", cache=True)
def _ising_site(s, i, indptr, indices, data, h, beta, heat, st):
    hl = h[i]
    for k in range(indptr[i], indptr[i + 1]):
        hl += data[k] * s[indices[k]]
    si = s[i]
    if heat:
        u = uniform53(draw(st, i))
        new = np.int8(1) if u * (1.0 + np.exp(-2.0 * beta * hl)) < 1.0 else np.int8(-1)
        s[i] = new
        return 1 if new != si else 0
    de = 2.0 * si * hl
    if de <= 0.0 or uniform53(draw(st, i)) < np.exp(-beta * de):
        s[i] = -si
        return 1
    return 0


@njit(parallel=True, cache=True)
def colored_ising_sweeps(spins, betas, keys, counters, indptr, indices, data, h, cptr, csites,
                         heat, sweeps, chains_parallel):
    """Colour-class sweeps on a sparse model; returns changed spins per chain."""
    R = spins.shape[0]
    ncol = cptr.shape[0] - 1
    acc = np.zeros(R, dtype=np.int64)
    if chains_parallel:
        for r in prange(R):
            s = spins[r]
            a = 0
            for t in range(sweeps):
                st = stream_start(keys[r], counters[r] + np.uint64(t))
                for c in range(ncol):
                    for k in range(cptr[c], cptr[c + 1]):
                        a += _ising_site(s, csites[k], indptr, indices, data, h, betas[r], heat, st)
            acc[r] = a
    else:
        for r in range(R):
            s = spins[r]
            for t in range(sweeps):
                st = stream_start(keys[r], counters[r] + np.uint64(t))
                for c in range(ncol):
                    a = 0
                    for k in prange(cptr[c], cptr[c + 1]):
                        a += _ising_site(s, csites[k], indptr, indices, data, h, betas[r], heat, st)
                    acc[r] += a
    for r in range(R):
        counters[r] += np.uint64(sweeps)
    return acc


# ---------------------------------------------------------------------------- dense kind
@njit(parallel=True, cache=True)
def dense_ising_sweeps(spins, betas, keys, counters, J, h, heat, sweeps):
    """Sequential sweeps with an incrementally updated local field; chains in parallel."""
    R, n = spins.shape
    acc = np.zeros(R, dtype=np.int64)
    for r in prange(R):
        s = spins[r]
        beta = betas[r]
        loc = h.copy()
        for i in range(n):
            si = np.float64(s[i])
            for j in range(n):
                loc[j] += J[i, j] * si
        a = 0
        for t in range(sweeps):
            st = stream_start(keys[r], counters[r] + np.uint64(t))
            for i in range(n):
                si = s[i]
                hl = loc[i]
                if heat:
                    u = uniform53(draw(st, i))
                    new = np.int8(1) if u * (1.0 + np.exp(-2.0 * beta * hl)) < 1.0 else np.int8(-1)
                else:
                    de = 2.0 * si * hl
                    flip = de <= 0.0 or uniform53(draw(st, i)) < np.exp(-beta * de)
                    new = -si if flip else si
                if new != si:
                    s[i] = new
                    a += 1
                    d = 2.0 * new
                    for j in range(n):  # J symmetric: column i = row i
                        loc[j] += J[i, j] * d
        acc[r] = a
    for r in range(R):
        counters[r] += np.uint64(sweeps)
    return acc


# ---------------------------------------------------------------------------- Potts / clock
@njit(inline="always", cache=True)
def _potts_state_energy(s, i, a, indptr, indices, data, h, pair):
    e = -h[i, a]
    for k in range(indptr[i], indptr[i + 1]):
        e -= data[k] * pair[a, s[indices[k]]]
    return e


@njit(inline="always", cache=True)
def _potts_site(s, i, q, indptr, indices, data, h, pair, beta, heat, st, e):
    """Update site ``i``; ``e`` is a float64 scratch buffer of length ``q``."""
    si = np.int64(s[i])
    w = draw(st, i)
    if heat:
        for a in range(q):
            e[a] = -h[i, a]
        for k in range(indptr[i], indptr[i + 1]):
            jk = data[k]
            sk = s[indices[k]]
            for a in range(q):
                e[a] -= jk * pair[a, sk]
        emin = e[0]
        for a in range(1, q):
            emin = min(emin, e[a])
        z = 0.0
        for a in range(q):
            e[a] = np.exp(-beta * (e[a] - emin))
            z += e[a]
        target = uniform53(w) * z
        cum = 0.0
        new = q - 1
        for a in range(q - 1):
            cum += e[a]
            if target < cum:
                new = a
                break
    else:
        step = np.int64((u32_hi(w) * np.uint64(q - 1)) >> np.uint64(32))
        prop = (si + 1 + step) % q
        de = (_potts_state_energy(s, i, prop, indptr, indices, data, h, pair)
              - _potts_state_energy(s, i, si, indptr, indices, data, h, pair))
        new = si
        if de <= 0.0 or np.float64(u32_lo(w)) * _INV32 < np.exp(-beta * de):
            new = prop
    s[i] = np.int8(new)
    return 1 if new != si else 0


_BLOCK = 256


@njit(parallel=True, cache=True)
def potts_colored_sweeps(spins, betas, keys, counters, q, indptr, indices, data, h, pair, cptr,
                         csites, heat, sweeps, chains_parallel):
    """Colour-class sweeps for Potts/clock states ``0..q-1``; returns changed spins per chain."""
    R = spins.shape[0]
    ncol = cptr.shape[0] - 1
    acc = np.zeros(R, dtype=np.int64)
    if chains_parallel:
        for r in prange(R):
            s = spins[r]
            e = np.empty(q)
            a = 0
            for t in range(sweeps):
                st = stream_start(keys[r], counters[r] + np.uint64(t))
                for c in range(ncol):
                    for k in range(cptr[c], cptr[c + 1]):
                        a += _potts_site(s, csites[k], q, indptr, indices, data, h, pair,
                                         betas[r], heat, st, e)
            acc[r] = a
    else:
        for r in range(R):
            s = spins[r]
            for t in range(sweeps):
                st = stream_start(keys[r], counters[r] + np.uint64(t))
                for c in range(ncol):
                    lo = cptr[c]
                    nblk = (cptr[c + 1] - lo + _BLOCK - 1) // _BLOCK
                    a = 0
                    for b in prange(nblk):
                        e = np.empty(q)
                        for k in range(lo + b * _BLOCK, min(lo + (b + 1) * _BLOCK, cptr[c + 1])):
                            a += _potts_site(s, csites[k], q, indptr, indices, data, h, pair,
                                             betas[r], heat, st, e)
                    acc[r] += a
    for r in range(R):
        counters[r] += np.uint64(sweeps)
    return acc


# ---------------------------------------------------------------------------- observables
@njit(parallel=True, cache=True)
def _lattice_bond_sums(spins, rows, row_len, row_nbr):
    """Per chain: (sum over bonds of s_i s_j, sum of s_i), exact integers."""
    R = spins.shape[0]
    nrow = row_nbr.shape[1]
    bonds = np.zeros(R, dtype=np.int64)
    mags = np.zeros(R, dtype=np.int64)
    for r in range(R):
        s = spins[r]
        b = 0
        m = 0
        for x in prange(rows):
            base = x * row_len
            for y in range(row_len):
                si = np.int64(s[base + y])
                S = np.int64(s[base + (y + 1 if y + 1 < row_len else 0)])
                for k in range(1, nrow, 2):                  # the "+1" neighbouring rows
                    S += s[row_nbr[x, k] * row_len + y]
                b += si * S
                m += si
        bonds[r] = b
        mags[r] = m
    return bonds, mags


@njit(parallel=True, cache=True)
def _csr_energies(spins, indptr, indices, data, h):
    R, n = spins.shape
    out = np.empty(R)
    for r in prange(R):
        s = spins[r]
        e = 0.0
        for i in range(n):
            hl = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                hl += data[k] * s[indices[k]]
            e -= s[i] * (0.5 * hl + h[i])
        out[r] = e
    return out


def ising_energies(plan: IsingPlan, spins: np.ndarray) -> np.ndarray:
    """Energy ``H(s)`` of every chain, float64 ``(R,)``."""
    if plan.kind == "lattice":
        b, m = _lattice_bond_sums(spins, plan.rows, plan.row_len, plan.row_nbr)
        return -plan.J0 * b.astype(np.float64) - plan.h0 * m.astype(np.float64)
    return _csr_energies(spins, plan.indptr, plan.indices, plan.data, plan.fields)


@njit(parallel=True, cache=True)
def _int_sums(spins):
    R, n = spins.shape
    out = np.zeros(R, dtype=np.int64)
    for r in prange(R):
        m = 0
        for i in range(n):
            m += spins[r, i]
        out[r] = m
    return out


def ising_magnetizations(spins: np.ndarray) -> np.ndarray:
    """Magnetisation per spin ``sum_i s_i / n`` of every chain, float64 ``(R,)``."""
    return _int_sums(spins).astype(np.float64) / spins.shape[1]


@njit(parallel=True, cache=True)
def _potts_energies(spins, indptr, indices, data, h, pair):
    R, n = spins.shape
    out = np.empty(R)
    for r in prange(R):
        s = spins[r]
        e = 0.0
        for i in range(n):
            si = s[i]
            b = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                b += data[k] * pair[si, s[indices[k]]]
            e -= 0.5 * b + h[i, si]
        out[r] = e
    return out


def potts_energies(plan: PottsPlan, spins: np.ndarray) -> np.ndarray:
    """Energy of every chain (Potts or clock convention of the plan), float64 ``(R,)``."""
    return _potts_energies(spins, plan.indptr, plan.indices, plan.data, plan.fields, plan.pair)


@njit(parallel=True, cache=True)
def _state_counts(spins, q):
    R, n = spins.shape
    out = np.zeros((R, q), dtype=np.int64)
    for r in prange(R):
        for i in range(n):
            out[r, spins[r, i]] += 1
    return out


def potts_magnetizations(plan: PottsPlan, spins: np.ndarray) -> np.ndarray:
    """Complex order parameter ``m = (1/n) sum_i exp(2 pi i s_i / q)`` per chain, ``(R,)``.

    ``|m|`` is 1 in an ordered state and ``O(n^{-1/2})`` in a disordered one, for both the
    Potts and the clock model.
    """
    counts = _state_counts(spins, plan.q).astype(np.float64)
    roots = np.exp(2j * np.pi * np.arange(plan.q) / plan.q)
    return counts @ roots / spins.shape[1]
