"""Numba kernel of breakout local search (:mod:`spinscope.optimize.tabu`).

Energy convention as in :mod:`spinscope.optimize.kernels`: ``H(s) = -1/2 s^T J s - h^T s``,
local fields ``f_i = sum_j J_ij s_j + h_i``, and flipping spin ``i`` changes the energy by
``dE_i = 2 s_i f_i``; a flip updates the fields of the neighbours only (O(degree)). Choosing
the best move scans the ``n`` values ``dE_i`` (O(n), from a random start so that ties are
broken at random); for integer problems (``s_i f_i`` an integer in ``[-K, K]``) the spins sit in
``2K + 1`` doubly linked *gain buckets* instead, a flip moves the flipped spin and its
neighbours between buckets (O(degree)), and the best move is the front of the lowest non-empty
bucket (the spin that entered it last).

Chain state (R chains, n spins; mutated in place)::

    spins int8[R, n]       fields float64[R, n]     energy float64[R]
    best_spins int8[R, n]  best_energy float64[R]   tabu_until int64[R, n]
    counters int64[R, 4]   moves, cycles, jump L, cycles since the best improved
    hashes uint64[R, 1 + RECENT]  Zobrist hash of the current state, then of the last RECENT
                                  local optima (a ring)

A *cycle* is a steepest descent to a local optimum followed by a perturbation of ``L`` moves.
Randomness is counter-based (:mod:`spinscope._rng`): draw ``k`` of cycle ``c`` of chain ``r``
is ``draw(stream_start(keys[r], c), k)``, so a chain's trajectory depends only on its key and
cycle count, never on the thread count or on how the cycles are split into calls.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, uniform53
from spinscope._validation import make_rng
from spinscope.optimize.kernels import _flip

__all__ = ["bls_cycles", "zobrist_keys"]

# indices into counters[r]
MOVES, CYCLES, JUMP, STALL = 0, 1, 2, 3
RECENT = 8  # local optima remembered to detect that a descent came back
# indices into the integer settings
I_JMIN, I_JMAX, I_STALL, I_TMIN, I_TMAX = range(5)


@njit(inline="always", cache=True)
def _best_move(s, f, start, tabu_until, now, e, best_e, tol, use_tabu):
    """Index and ``dE`` of the lowest-``dE`` flip, scanning from ``start``; with ``use_tabu``
    a tabu spin (``tabu_until[i] > now``) is skipped unless its flip beats ``best_e``
    (aspiration)."""
    n = s.shape[0]
    best_i, best_de = -1, np.inf
    for k in range(n):
        i = start + k
        if i >= n:
            i -= n
        de = 2.0 * s[i] * f[i]
        if de < best_de:
            if use_tabu and tabu_until[i] > now and not e + de < best_e - tol:
                continue
            best_i, best_de = i, de
    return best_i, best_de


@njit(inline="always", cache=True)
def _draw_int(stream, k, m):
    """Draw ``k`` of a stream as an integer in ``[0, m)``."""
    return np.int64(draw(stream, k) % np.uint64(m))


@njit(inline="always", cache=True)
def _unlink(head, nxt, prv, where, i):
    """Take spin ``i`` out of its gain bucket."""
    if prv[i] >= 0:
        nxt[prv[i]] = nxt[i]
    else:
        head[where[i]] = nxt[i]
    if nxt[i] >= 0:
        prv[nxt[i]] = prv[i]


@njit(inline="always", cache=True)
def _link(head, nxt, prv, where, lo, i, b):
    """Put spin ``i`` at the front of bucket ``b`` (``lo[0]``: no non-empty bucket below it)."""
    where[i] = b
    prv[i] = -1
    nxt[i] = head[b]
    if head[b] >= 0:
        prv[head[b]] = i
    head[b] = i
    if b < lo[0]:
        lo[0] = b


@njit(inline="always", cache=True)
def _rebucket(s, f, kb, head, nxt, prv, where, lo, i):
    """Move spin ``i`` to the bucket ``kb + s_i f_i`` of its current gain."""
    _unlink(head, nxt, prv, where, i)
    _link(head, nxt, prv, where, lo, i, kb + np.int64(np.rint(s[i] * f[i])))


@njit(cache=True)
def _build_buckets(s, f, kb, buf, start):
    """Fill the buckets (``buf``: head, next, prev, bucket of each spin, lowest bucket) in the
    order ``start, start + 1, ...`` (mod n)."""
    n = s.shape[0]
    B = buf.shape[0] - 3 * n - 1
    head, nxt, prv, where, lo = buf[:B], buf[B:B + n], buf[B + n:B + 2 * n], buf[B + 2 * n:B + 3 * n], buf[B + 3 * n:]
    head[:] = -1
    lo[0] = B
    for k in range(n):
        i = (start + k) % n
        where[i] = 0
        _link(head, nxt, prv, where, lo, i, kb + np.int64(np.rint(s[i] * f[i])))


@njit(inline="always", cache=True)
def _best_bucketed(tabu_until, now, e, best_e, tol, use_tabu, kb, buf, n):
    """:func:`_best_move` from the buckets: the front spin of the lowest non-empty bucket, or
    with ``use_tabu`` the first non-tabu one upwards (a whole bucket is allowed when its ``dE``
    beats ``best_e``)."""
    B = buf.shape[0] - 3 * n - 1
    b = buf[B + 3 * n]
    while b < B and buf[b] < 0:
        b += 1
    buf[B + 3 * n] = b
    while b < B:
        de = 2.0 * (b - kb)
        i = buf[b]
        if use_tabu and not e + de < best_e - tol:
            while i >= 0 and tabu_until[i] > now:
                i = buf[B + i]
        if i >= 0:
            return i, de
        b += 1
    return -1, np.inf


@njit(inline="always", cache=True)
def _choose(s, f, start, tabu_until, now, e, best_e, tol, use_tabu, kb, buf):
    """The best allowed flip: from the buckets for integer problems (``kb >= 0``), else a scan."""
    if kb >= 0:
        return _best_bucketed(tabu_until, now, e, best_e, tol, use_tabu, kb, buf, s.shape[0])
    return _best_move(s, f, start, tabu_until, now, e, best_e, tol, use_tabu)


@njit(inline="always", cache=True)
def _move(indptr, indices, data, s, f, i, hs, zob, tabu_until, ctr, ints, stream, k, kb, buf):
    """Flip ``i``: fields (and gain buckets when ``kb >= 0``), hash, tabu tenure (uniform in
    ``[tenure_min, tenure_max]``), moves."""
    _flip(indptr, indices, data, s, f, i)
    if kb >= 0:
        n = s.shape[0]
        B = buf.shape[0] - 3 * n - 1
        head, nxt, prv, where, lo = buf[:B], buf[B:B + n], buf[B + n:B + 2 * n], buf[B + 2 * n:B + 3 * n], \
            buf[B + 3 * n:]
        _rebucket(s, f, kb, head, nxt, prv, where, lo, i)
        for p in range(indptr[i], indptr[i + 1]):
            _rebucket(s, f, kb, head, nxt, prv, where, lo, indices[p])
    hs[0] ^= zob[i]
    span = ints[I_TMAX] - ints[I_TMIN] + 1
    tabu_until[i] = ctr[MOVES] + ints[I_TMIN] + _draw_int(stream, k, span)
    ctr[MOVES] += 1


@njit(inline="always", cache=True)
def _jump_size(hs, ctr, ints):
    """Adapt the jump ``L`` after a descent: ``jump_max`` after ``stagnation`` cycles without
    improvement; one more (up to ``jump_max``) when the descent ended in one of the last ``RECENT``
    local optima (the same Zobrist hash); else ``jump_min``. The local optimum then enters the
    ring of recent ones."""
    seen = False
    for j in range(1, RECENT + 1):
        seen = seen or hs[j] == hs[0]
    if ctr[STALL] > ints[I_STALL]:
        ctr[JUMP] = ints[I_JMAX]
        ctr[STALL] = 0
    elif seen:
        ctr[JUMP] = min(ctr[JUMP] + 1, ints[I_JMAX])
    else:
        ctr[JUMP] = ints[I_JMIN]
    hs[1 + ctr[CYCLES] % RECENT] = hs[0]


@njit(cache=True)
def _cycle(indptr, indices, data, s, f, e, hs, tabu_until, ctr, best_s, best, zob,
           stream, ints, p_directed, tol, target, kb, buf):
    """One cycle (descent, then perturbation) of one chain; ``e`` is returned, ``best[0]`` and
    the other arrays are updated in place. Returns ``(e, reached_target)``."""
    n = s.shape[0]
    k = 0  # draws used in this cycle
    while True:  # steepest descent: the best flip while it lowers the energy
        i, de = _choose(s, f, _draw_int(stream, k, n), tabu_until, 0, e, best[0], tol, False, kb, buf)
        if i < 0 or de >= -tol:
            break
        _move(indptr, indices, data, s, f, i, hs, zob, tabu_until, ctr, ints, stream, k + 1, kb, buf)
        e += de
        k += 2
    k += 1
    if e < best[0] - tol:
        best[0] = e
        best_s[:] = s
        ctr[STALL] = 0
    else:
        ctr[STALL] += 1
    if best[0] <= target:
        return e, True
    _jump_size(hs, ctr, ints)
    p = max(np.exp(-ctr[STALL] / ints[I_STALL]), p_directed)
    directed = uniform53(draw(stream, k)) < p
    k += 1
    for _ in range(ctr[JUMP]):  # perturbation: L tabu (directed) or random moves
        if directed:
            i, de = _choose(s, f, _draw_int(stream, k, n), tabu_until, ctr[MOVES], e, best[0], tol, True, kb, buf)
        else:
            i = _draw_int(stream, k, n)
            de = 2.0 * s[i] * f[i]
        if i < 0:
            break
        _move(indptr, indices, data, s, f, i, hs, zob, tabu_until, ctr, ints, stream, k + 1, kb, buf)
        e += de
        k += 2
        if e < best[0] - tol:
            best[0] = e
            best_s[:] = s
            ctr[STALL] = 0
            if best[0] <= target:
                return e, True
    return e, False


@njit(parallel=True, cache=True)
def bls_cycles(indptr, indices, data, spins, fields, energy, best_spins, best_energy, tabu_until,
               counters, hashes, zob, keys, ncycles, ints, p_directed, tol, target, kb, buckets, rebuild):
    """Run up to ``ncycles`` breakout-local-search cycles on every chain (in parallel).

    Parameters
    ----------
    indptr, indices, data : arrays
        CSR couplings (full symmetric matrix).
    spins, fields, energy, best_spins, best_energy, tabu_until, counters, hashes : arrays
        Chain state (module docstring), mutated.
    zob : uint64[n]
        Zobrist key of each spin (the hash of a state XORs the keys of its flipped spins).
    keys : uint64[R]
        RNG key of each chain.
    ncycles : int
        Cycles to run.
    ints : int64[5]
        ``jump_min, jump_max, stagnation, tenure_min, tenure_max``.
    p_directed : float
        Least probability of a directed (tabu) perturbation.
    tol : float
        Energy differences up to ``tol`` count as equal.
    target : float
        Energy (without offset) at which a chain stops; ``-inf`` for none.
    kb : int
        ``K`` for integer problems (``|s_i f_i| <= K``; the best move is then found in gain
        buckets), else ``-1`` (a scan of all ``n`` gains).
    buckets : int64[R, 2K + 3n + 2] (or any shape with ``kb = -1``)
        Each chain's buckets: heads, next, previous, bucket of each spin, lowest bucket.
    rebuild : int
        The buckets are rebuilt (from the exact fields) at cycles that are multiples of it.

    Returns
    -------
    int64[R]
        Cycles done by each chain (fewer than ``ncycles`` once its target was reached).
    """
    R = spins.shape[0]
    done = np.zeros(R, dtype=np.int64)
    for r in prange(R):
        e = energy[r]
        best = best_energy[r:r + 1]
        for _ in range(ncycles):
            if best[0] <= target:
                break
            stream = stream_start(keys[r], np.uint64(counters[r, CYCLES]))
            if kb >= 0 and counters[r, CYCLES] % rebuild == 0:
                _build_buckets(spins[r], fields[r], kb, buckets[r], _draw_int(stream, 1 << 40, spins.shape[1]))
            e, reached = _cycle(indptr, indices, data, spins[r], fields[r], e, hashes[r], tabu_until[r],
                                counters[r], best_spins[r], best, zob, stream, ints,
                                p_directed, tol, target, kb, buckets[r])
            counters[r, CYCLES] += 1
            done[r] += 1
            if reached:
                break
        energy[r] = e
    return done


def zobrist_keys(seed: np.random.SeedSequence, n: int) -> np.ndarray:
    """Random 64-bit keys for the state hash.

    Parameters
    ----------
    seed : SeedSequence
        A child of the run's seed.
    n : int
        Spins.

    Returns
    -------
    uint64[n]
    """
    return make_rng(seed).integers(0, 2**63, size=n, dtype=np.uint64)
