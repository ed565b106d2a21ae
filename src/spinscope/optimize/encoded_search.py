"""Local search for number partitioning on the original or the encoded landscape, with an evaluation budget.

Repeated **first-improvement descents**: start from uniformly random spins, scan the spins in a
fresh random order, flip each spin whose flip lowers the cost, and restart from new random spins
when a whole scan improves nothing (a local minimum), until ``budget`` cost evaluations are spent.
The best configuration seen is returned.

On the original landscape the cost of a configuration is ``|R|``, ``R = sum_i a_i s_i``; on the
landscape of a :class:`~spinscope.optimize.encodings.PartitionEncoding` with ``k`` decimated
numbers the walk moves the ``n - k`` coarse spins and the cost is ``min_y |R + S_y|`` over the
sorted fine sums ``S`` (a binary search). Both are the same kernel: the original landscape is
the encoding with no fine numbers (``S = {0}``). **One evaluation** is one cost of a proposed
configuration (the flip updates ``R`` in O(1)); an encoded evaluation also does the ``O(k)``
binary search, so with equal evaluation budgets the encoded search does a little more
arithmetic (the benchmark reports times as well).

Randomness: counter-based (:mod:`spinscope._rng`); descent ``d`` uses the stream
``stream_start(key, d)``, so a result depends only on the seed and the budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from spinscope._rng import draw, make_keys, stream_start, uniform53
from spinscope._validation import SeedLike, check_int
from spinscope.optimize.encodings import partition_encoding
from spinscope.optimize.partition import check_partition_numbers, partition_residual

__all__ = ["PartitionSearchResult", "partition_local_search"]


@dataclass(frozen=True)
class PartitionSearchResult:
    """Outcome of :func:`partition_local_search`.

    Attributes
    ----------
    residual : float
        ``|sum_i a_i s_i|`` of the best configuration, recomputed from ``s``.
    s : ndarray of int8, shape (n,)
        The best configuration (decoded when encoded).
    evaluations : int
        Cost evaluations spent (``<= budget``; fewer only when a perfect partition was found).
    descents : int
        Descents that reached a local minimum of the searched landscape.
    n_fine : int
        Decimated numbers (0: the original landscape).
    """

    residual: float
    s: np.ndarray
    evaluations: int
    descents: int
    n_fine: int


@njit(inline="always", cache=True)
def _cost(sums, r):
    """``min_j |r + sums[j]|`` for ascending ``sums`` (binary search for ``-r``)."""
    lo, hi = 0, sums.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if sums[mid] < -r:
            lo = mid + 1
        else:
            hi = mid
    best = np.inf
    if lo < sums.shape[0]:
        best = abs(r + sums[lo])
    if lo > 0:
        best = min(best, abs(r + sums[lo - 1]))
    return best


@njit(cache=True)
def _shuffle(perm, stream, index):
    for t in range(perm.shape[0] - 1, 0, -1):
        j = int(uniform53(draw(stream, index + t)) * (t + 1))
        perm[t], perm[j] = perm[j], perm[t]


@njit(cache=True)
def _descents_kernel(values, sums, budget, key):
    """Repeated first-improvement descents; returns (best cost, best spins, evaluations, descents)."""
    m = values.shape[0]
    x = np.empty(m, dtype=np.int8)
    best_x = np.ones(m, dtype=np.int8)
    perm = np.arange(m)
    best, evals, descents, counter = np.inf, 0, 0, 0
    while evals < budget and best > 0.0:
        stream = stream_start(key, np.uint64(counter))
        counter += 1
        r = 0.0
        for i in range(m):
            x[i] = 1 if draw(stream, i) >> np.uint64(63) else -1
            r += values[i] * x[i]
        c = _cost(sums, r)
        evals += 1
        if c < best:
            best = c
            best_x[:] = x
        index, improved = m, True
        while improved and evals < budget and best > 0.0:
            improved = False
            _shuffle(perm, stream, index)
            index += m
            for t in range(m):
                if evals >= budget:
                    break
                i = perm[t]
                r2 = r - 2.0 * values[i] * x[i]
                c2 = _cost(sums, r2)
                evals += 1
                if c2 < c:
                    x[i] = -x[i]
                    r, c, improved = r2, c2, True
                    if c < best:
                        best = c
                        best_x[:] = x
        if not improved:
            descents += 1
    return best, best_x, evals, descents


def partition_local_search(a: Any, *, budget: int, n_fine: int = 0, seed: SeedLike = None) -> PartitionSearchResult:
    """Repeated first-improvement descents on the original (``n_fine = 0``) or encoded landscape.

    Parameters
    ----------
    a : array_like, shape (n,)
        Numbers > 0.
    budget : int
        Cost evaluations allowed (>= 1); the search stops early only at a perfect partition.
    n_fine : int
        Smallest numbers decimated by :func:`~spinscope.optimize.encodings.partition_encoding`
        (0 .. min(n - 1, 24)); 0 searches the original landscape.
    seed : int, Generator or None

    Returns
    -------
    PartitionSearchResult
    """
    a = check_partition_numbers(a)
    budget = check_int(budget, "budget", minimum=1)
    enc = partition_encoding(a, n_fine=check_int(n_fine, "n_fine", minimum=0))
    key = make_keys(seed, 1)[0]
    _, x, evals, descents = _descents_kernel(np.ascontiguousarray(enc.coarse_values), enc.fine_sums, budget, key)
    s = enc.decode(x)
    return PartitionSearchResult(residual=float(partition_residual(a, s)), s=s, evaluations=int(evals),
                                 descents=int(descents), n_fine=enc.fine.shape[0])
