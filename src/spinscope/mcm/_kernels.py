"""Numba kernels of the MCM package (CPU). Inputs are trusted: validation happens in callers.

* :func:`log_rising` — ``log Gamma(a + N) - log Gamma(a)``, stable for huge ``a`` (``2**127``).
* :func:`masked_sum` — for a set of variables (a bit mask), the sum over its distinct marginal
  states of ``table[count]``, by open-addressing hashing of the masked states.
* :func:`label_union_sums` / :func:`relabel_pairs` — the same for the union of two components
  held as per-state labels (greedy search).
* :func:`all_subset_log_evidence` — complete-model log-evidence of all ``2**n`` subsets, each
  marginal histogram derived from its parent's in a depth-first walk (``O(3**n)`` work in all).
* :func:`best_partition_dp` — the ``O(3**n)`` dynamic program over subsets.
* :func:`parity_transform`, :func:`parity_counts`, :func:`walsh_hadamard` — spin operators.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

_LOG_PI = math.log(math.pi)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)


@nb.njit(cache=True, inline="always")
def _stirling_corr(x):
    x2 = x * x
    return (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0) / x2) / x2) / x


@nb.njit(cache=True)
def log_rising(a, N):
    """``log Gamma(a + N) - log Gamma(a)`` for ``a > 0``, ``N >= 0``, without cancellation."""
    if N == 0:
        return 0.0
    if a < 10.0:
        return math.lgamma(a + N) - math.lgamma(a)
    # Stirling: (a+N-1/2)log(a+N) - (a-1/2)log a - N + corr(a+N) - corr(a), rearranged.
    return ((a - 0.5) * math.log1p(N / a) + N * math.log(a + N) - N
            + _stirling_corr(a + N) - _stirling_corr(a))


@nb.njit(cache=True)
def complete_prefactor(r, N):
    """``log Gamma(2**(r-1)) - log Gamma(N + 2**(r-1))`` (0 for ``r = 0``)."""
    if r == 0:
        return 0.0
    return -log_rising(2.0 ** (r - 1), float(N))


def lgh_table(N: int) -> np.ndarray:
    """``table[k] = log Gamma(k + 1/2) - log(pi)/2`` for ``k = 0..N`` (``table[0] = 0``)."""
    from scipy.special import gammaln

    t = gammaln(np.arange(N + 1, dtype=np.float64) + 0.5) - 0.5 * _LOG_PI
    t[0] = 0.0
    return t


@nb.njit(cache=True, inline="always")
def _mix(h):
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    return h


@nb.njit(cache=True, inline="always")
def _slot(keys, key, hm):
    """Open-addressing slot of ``key`` in ``keys`` (size ``hm + 1``, a power of two; -1 = empty):
    its slot if present, else the first empty slot on its linear probe."""
    j = np.int64(_mix(np.uint64(key) ^ _GOLD) & hm)
    while keys[j] != -1 and keys[j] != key:
        j = (j + 1) & np.int64(hm)
    return j


@nb.njit(cache=True)
def _table_size(m):
    size = 16
    while size < 2 * m:
        size *= 2
    return size


@nb.njit(cache=True)
def masked_sum(states, counts, mask, table):
    """Return ``(sum_c table[k_c], number of distinct c)`` over the marginal states ``c`` of
    the variables in ``mask`` (``(W,)`` uint64), ``k_c`` their counts."""
    m, W = states.shape
    size = _table_size(m)
    hm = np.uint64(size - 1)
    rep = np.full(size, -1, dtype=np.int64)
    cnt = np.empty(size, dtype=np.int64)
    used = np.empty(m, dtype=np.int64)  # occupied slots, so the final sum skips empty ones
    distinct = 0
    for i in range(m):
        h = _GOLD
        for w in range(W):
            h = _mix(h ^ (states[i, w] & mask[w]))
        j = np.int64(h & hm)
        while True:
            r = rep[j]
            if r < 0:
                rep[j] = i
                cnt[j] = counts[i]
                used[distinct] = j
                distinct += 1
                break
            same = True
            for w in range(W):
                if (states[r, w] & mask[w]) != (states[i, w] & mask[w]):
                    same = False
                    break
            if same:
                cnt[j] += counts[i]
                break
            j = (j + 1) & (size - 1)
    total = 0.0
    for u in range(distinct):
        total += table[cnt[used[u]]]
    return total, distinct


@nb.njit(cache=True)
def all_subset_log_evidence(hist, n, N, table):
    """Complete-model log-evidence of every subset ``S`` of ``n`` variables.

    ``hist`` (int64, ``2**n``) is the full-state histogram. Each subset is reached once by removing
    variables in increasing order; the marginal of ``S \\ {j}`` is folded from that of ``S``.
    """
    size = 1 << n
    out = np.empty(size, dtype=np.float64)
    buf = np.empty(2 * size, dtype=np.int64)
    off = np.empty(n + 2, dtype=np.int64)
    for lev in range(n + 2):
        off[lev] = 2 * size - (1 << (n - lev + 1)) if lev <= n else 2 * size - 1
    buf[:size] = hist
    subset = np.empty(n + 1, dtype=np.int64)
    nxt = np.empty(n + 1, dtype=np.int64)
    pref = np.empty(n + 1, dtype=np.float64)
    for r in range(n + 1):
        pref[r] = complete_prefactor(r, N)
    lev = 0
    subset[0] = size - 1
    nxt[0] = 0
    s = 0.0
    for a in range(size):
        s += table[buf[a]]
    out[size - 1] = pref[n] + s
    while lev >= 0:
        j = nxt[lev]
        if j >= n:
            lev -= 1
            continue
        nxt[lev] = j + 1
        p = j - lev  # position of variable j among the variables of subset[lev]
        src = off[lev]
        dst = off[lev + 1]
        half = 1 << (n - lev - 1)
        low = (1 << p) - 1
        bit = 1 << p
        s = 0.0
        for a in range(half):
            idx = ((a >> p) << (p + 1)) | (a & low)
            c = buf[src + idx] + buf[src + (idx | bit)]
            buf[dst + a] = c
            s += table[c]
        lev += 1
        subset[lev] = subset[lev - 1] & ~(1 << j)
        nxt[lev] = j + 1
        out[subset[lev]] = pref[n - lev] + s
    out[0] = 0.0  # empty set: evidence 1
    return out


@nb.njit(cache=True)
def best_partition_dp(E, n):
    """Best partition of every subset: ``best[S] = max_T E[T] + best[S \\ T]`` over ``T`` ⊆ ``S``
    holding the lowest variable of ``S``. Returns ``(best, choice)``; ``choice[S]`` is the best T."""
    size = 1 << n
    best = np.empty(size, dtype=np.float64)
    choice = np.zeros(size, dtype=np.int64)
    best[0] = 0.0
    for S in range(1, size):
        low = S & -S
        rest = S ^ low
        sub = rest
        bv = -np.inf
        bc = S
        while True:
            T = low | sub
            v = E[T] + best[S ^ T]
            if v > bv:
                bv = v
                bc = T
            if sub == 0:
                break
            sub = (sub - 1) & rest
        best[S] = bv
        choice[S] = bc
    return best, choice


@nb.njit(cache=True, inline="always")
def _parity64(x):
    x ^= x >> np.uint64(32)
    x ^= x >> np.uint64(16)
    x ^= x >> np.uint64(8)
    x ^= x >> np.uint64(4)
    x ^= x >> np.uint64(2)
    x ^= x >> np.uint64(1)
    return x & np.uint64(1)


@nb.njit(cache=True, parallel=True)
def parity_transform(states, ops):
    """New bit ``a`` of each state = parity of ``state & ops[a]``; ``ops`` is ``(n2, W)``."""
    m, W = states.shape
    n2 = ops.shape[0]
    W2 = max(1, (n2 + 63) // 64)
    out = np.zeros((m, W2), dtype=np.uint64)
    for i in nb.prange(m):
        for a in range(n2):
            p = np.uint64(0)
            for w in range(W):
                p ^= _parity64(states[i, w] & ops[a, w])
            if p:
                out[i, a // 64] |= np.uint64(1) << np.uint64(a % 64)
    return out


@nb.njit(cache=True, parallel=True)
def parity_counts(states, counts, ops):
    """Number of observations in which operator ``ops[a]`` has odd parity (spin product -1)."""
    m, W = states.shape
    K = ops.shape[0]
    out = np.zeros(K, dtype=np.int64)
    for a in nb.prange(K):
        c = 0
        for i in range(m):
            p = np.uint64(0)
            for w in range(W):
                p ^= _parity64(states[i, w] & ops[a, w])
            if p:
                c += counts[i]
        out[a] = c
    return out


@nb.njit(cache=True)
def walsh_hadamard(v):
    """In-place fast Walsh–Hadamard transform: ``v[mu] <- sum_s v[s] (-1)**popcount(mu & s)``."""
    size = v.shape[0]
    h = 1
    while h < size:
        for i in range(0, size, 2 * h):
            for j in range(i, i + h):
                x = v[j]
                y = v[j + h]
                v[j] = x + y
                v[j + h] = x - y
        h *= 2
    return v


@nb.njit(cache=True)
def _label_pair_sum(la, Ka, lb, Kb, counts, table, dense_max):
    """Sum of ``table[count]`` over the distinct pairs ``(la[i], lb[i])``, weighted by counts."""
    m = la.shape[0]
    size = Ka * Kb
    s = 0.0
    if size <= dense_max:
        buf = np.zeros(size, dtype=np.int64)
        for i in range(m):
            buf[np.int64(la[i]) * Kb + lb[i]] += counts[i]
        for j in range(size):
            s += table[buf[j]]
        return s
    tsize = _table_size(m)
    keys = np.full(tsize, -1, dtype=np.int64)
    cnt = np.zeros(tsize, dtype=np.int64)
    hm = np.uint64(tsize - 1)
    for i in range(m):
        key = np.int64(la[i]) * Kb + lb[i]
        j = _slot(keys, key, hm)
        keys[j] = key
        cnt[j] += counts[i]
    for j in range(tsize):
        if keys[j] != -1:
            s += table[cnt[j]]
    return s


@nb.njit(cache=True, parallel=True)
def label_union_sums(labels, Ks, a, others, counts, table, dense_max):
    """For components given by per-state labels (``labels[slot]``, ``Ks[slot]`` distinct values),
    the ``table`` sum of the union of component ``a`` with each component in ``others``."""
    out = np.empty(others.shape[0], dtype=np.float64)
    for k in nb.prange(others.shape[0]):
        b = others[k]
        out[k] = _label_pair_sum(labels[a], Ks[a], labels[b], Ks[b], counts, table, dense_max)
    return out


@nb.njit(cache=True)
def relabel_pairs(la, Ka, lb, Kb, dense_max):
    """Labels ``0..K-1`` of the distinct pairs ``(la[i], lb[i])`` (in order of first appearance)."""
    m = la.shape[0]
    out = np.empty(m, dtype=np.int64)
    K = 0
    size = Ka * Kb
    if size <= dense_max:
        code = np.full(size, -1, dtype=np.int64)
        for i in range(m):
            key = np.int64(la[i]) * Kb + lb[i]
            if code[key] < 0:
                code[key] = K
                K += 1
            out[i] = code[key]
        return out, K
    tsize = _table_size(m)
    keys = np.full(tsize, -1, dtype=np.int64)
    code = np.empty(tsize, dtype=np.int64)
    hm = np.uint64(tsize - 1)
    for i in range(m):
        key = np.int64(la[i]) * Kb + lb[i]
        j = _slot(keys, key, hm)
        if keys[j] == -1:
            keys[j] = key
            code[j] = K
            K += 1
        out[i] = code[j]
    return out, K
