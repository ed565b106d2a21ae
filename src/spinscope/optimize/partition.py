"""The number partitioning problem: instances, exact optimum, Ising and Max-Cut forms.

Given ``n`` numbers ``a_i > 0``, split them into two sets with sums as equal as possible: with
``s_i = ±1`` naming the set of ``a_i``, minimise the **residual** ``|r(s)|``, ``r(s) = sum_i a_i
s_i``. Its Ising form is ``E(s) = r(s)^2 = sum_i a_i^2 + sum_{i != j} a_i a_j s_i s_j`` (an
antiferromagnetic Mattis-like model, all pairs coupled); in spinscope's convention ``H = -1/2
s^T J s - h^T s`` that is ``J_ij = -2 a_i a_j`` (``i != j``), ``h = 0``, offset ``sum_i a_i^2``.
As Max-Cut with weights ``w_ij = a_i a_j``: ``E = sum_i a_i^2 + 2 W - 4 cut`` (``W = sum_{i<j}
w_ij``), so the maximum cut is the optimal partition.

Configurations are coded as integers: bit ``i`` of ``code`` set means ``s_i = +1`` (the same
coding in :mod:`.landscape` and :mod:`.encodings`). ``s`` and ``-s`` have the same residual.

Random instances (:func:`random_partition_numbers`): with ``bits=None`` the numbers are
independent uniform reals on ``(0, 1]`` (no perfect partitions; the hard case of the problem),
with ``bits=b`` independent uniform integers on ``[1, 2^b]`` (perfect partitions appear once
``n`` exceeds about ``b``; Mertens, "The easiest hard problem", 2003).
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np

from spinscope._validation import SeedLike, check_finite, check_int, make_rng
from spinscope.errors import InputError
from spinscope.optimize.maxcut import maxcut_from_matrix
from spinscope.optimize.problems import Problem, ising_problem

__all__ = [
    "MAX_EXHAUSTIVE_NUMBERS",
    "check_partition_numbers",
    "karmarkar_karp",
    "partition_ising_problem",
    "partition_maxcut_problem",
    "partition_optimum",
    "partition_residual",
    "random_partition_numbers",
    "signed_sums",
]

#: Largest instance handled by exhaustive enumeration (2^20 residuals, 8 MiB).
MAX_EXHAUSTIVE_NUMBERS = 20


def check_partition_numbers(a: Any, name: str = "numbers") -> np.ndarray:
    """Validate a number-partitioning instance: a 1-D array of at least 2 finite numbers > 0.

    Parameters
    ----------
    a : array_like, shape (n,)
    name : str
        Name used in error messages.

    Returns
    -------
    ndarray of float64, shape (n,)
    """
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a 1-D sequence of positive numbers") from None
    if arr.ndim != 1 or arr.shape[0] < 2:
        raise InputError(f"{name} must be a 1-D sequence of at least 2 positive numbers, got shape {arr.shape}")
    check_finite(arr, name)
    if np.any(arr <= 0):
        k = int(np.flatnonzero(arr <= 0)[0])
        raise InputError(f"{name}[{k}] = {arr[k]}: number partitioning needs numbers > 0")
    return arr


def check_exhaustive_size(n: int, what: str, limit: int = MAX_EXHAUSTIVE_NUMBERS) -> None:
    """Refuse an exhaustive enumeration of ``2^n`` states when ``n > limit``."""
    if n > limit:
        raise InputError(f"{what} enumerates all 2^n configurations; n = {n} is too large "
                         f"(limit n <= {limit})")


def random_partition_numbers(n: int, *, bits: int | None = None, seed: SeedLike = None) -> np.ndarray:
    """A random number-partitioning instance.

    Parameters
    ----------
    n : int
        How many numbers (>= 2).
    bits : int or None
        ``None``: uniform reals on ``(0, 1]``; ``b``: uniform integers on ``[1, 2^b]`` (1 <= b <= 50),
        returned as exact float64.
    seed : int, Generator or None

    Returns
    -------
    ndarray of float64, shape (n,)
    """
    n = check_int(n, "n", minimum=2)
    rng = make_rng(seed)
    if bits is None:
        return 1.0 - rng.random(n)  # (0, 1]
    bits = check_int(bits, "bits", minimum=1)
    if bits > 50:
        raise InputError(f"bits must be <= 50 (exact float64 sums), got {bits}")
    return rng.integers(1, 2**bits, size=n, endpoint=True).astype(np.float64)


def signed_sums(a: Any) -> np.ndarray:
    """All ``2^n`` signed sums ``r(s) = sum_i a_i s_i`` indexed by code (bit i set: ``s_i = +1``).

    Parameters
    ----------
    a : array_like, shape (n,)
        Any real numbers (not validated; ``n <= 26`` is sensible).

    Returns
    -------
    ndarray of float64, shape (2^n,)
    """
    out = np.zeros(1)
    for value in np.asarray(a, dtype=np.float64):
        out = np.concatenate((out - value, out + value))
    return out


def partition_residual(a: Any, s: Any) -> np.ndarray | float:
    """Residual ``|sum_i a_i s_i|`` of ±1 configurations ``s`` of shape ``(..., n)``."""
    return np.abs(np.asarray(s, dtype=np.float64) @ np.asarray(a, dtype=np.float64))


def codes_to_spins(codes: Any, n: int) -> np.ndarray:
    """±1 spins (int8, shape ``(..., n)``) of integer codes (bit ``i`` set: ``s_i = +1``)."""
    c = np.asarray(codes, dtype=np.int64)[..., None]
    return (2 * ((c >> np.arange(n, dtype=np.int64)) & 1) - 1).astype(np.int8)


def partition_optimum(a: Any) -> tuple[float, np.ndarray]:
    """Exact optimal partition by enumerating all ``2^n`` signed sums (``n <= 20``).

    Parameters
    ----------
    a : array_like, shape (n,)
        Numbers > 0, ``2 <= n <= 20``.

    Returns
    -------
    residual : float
        ``min_s |sum_i a_i s_i|``.
    s : ndarray of int8, shape (n,)
        An optimal configuration (the one with the lowest code; ``-s`` is optimal too).
    """
    a = check_partition_numbers(a)
    check_exhaustive_size(a.shape[0], "partition_optimum")
    res = np.abs(signed_sums(a))
    code = int(np.argmin(res))
    return float(res[code]), codes_to_spins(code, a.shape[0])


def karmarkar_karp(a: Any) -> float:
    """Residual of the Karmarkar–Karp differencing heuristic (any ``n``; an upper bound).

    Repeatedly replace the two largest numbers by their difference (they go to opposite sides);
    the last number left is an achievable residual.

    Parameters
    ----------
    a : array_like, shape (n,)
        Numbers > 0.

    Returns
    -------
    float
    """
    heap = [-x for x in check_partition_numbers(a).tolist()]
    heapq.heapify(heap)
    while len(heap) > 1:
        first, second = -heapq.heappop(heap), -heapq.heappop(heap)
        heapq.heappush(heap, -(first - second))
    return -heap[0]


def partition_ising_problem(a: Any, *, name: str = "partition") -> Problem:
    """The Ising form ``E(s) = (sum_i a_i s_i)^2`` as a :class:`Problem` (kind ``"ising"``).

    Parameters
    ----------
    a : array_like, shape (n,)
        Numbers > 0.
    name : str

    Returns
    -------
    Problem
        ``problem.energy(s)`` equals the squared residual exactly (up to rounding).
    """
    a = check_partition_numbers(a)
    c = np.triu(2.0 * np.outer(a, a), k=1)  # dimod convention: E = sum_{i<j} C_ij s_i s_j + offset
    return ising_problem(np.zeros(a.shape[0]), c, offset=float(a @ a), name=name)


def partition_maxcut_problem(a: Any, *, name: str = "partition") -> Problem:
    """The Max-Cut form (weights ``w_ij = a_i a_j``): the maximum cut is the optimal partition.

    Parameters
    ----------
    a : array_like, shape (n,)
        Numbers > 0.
    name : str

    Returns
    -------
    Problem
        Kind ``"maxcut"``; ``residual^2 = sum_i a_i^2 + 2 W - 4 cut``.
    """
    a = check_partition_numbers(a)
    w = np.outer(a, a)
    np.fill_diagonal(w, 0.0)
    return maxcut_from_matrix(w, name=name)
