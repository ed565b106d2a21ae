"""Cover encodings (Klemm, Mehta & Stadler): search a smaller space, decode each point to the best of a set.

A *cover encoding* replaces the configuration space ``{±1}^n`` by a smaller encoded space ``X``
and maps each encoded point ``x`` to a *cover set* ``C(x)`` of original configurations; the
encoded landscape is ``E~(x) = min_{s in C(x)} E(s)`` and *decoding* returns the minimiser. When
the cover sets cover every configuration, ``min_x E~(x) = min_s E(s)``: the global optimum is
kept while local minima of ``E`` inside a cover set disappear.

Construction implemented here (a zero-temperature *decimation*)
------------------------------------------------------------------
The spins are split into **coarse** spins ``x`` (the encoded variables, ``m`` of them) and
**fine** spins ``y`` (``k = n - m``); ``C(x) = {(x, y): y in {±1}^k}`` and the fine spins are
optimised exactly given the coarse ones. This is the ``T -> 0`` limit of integrating out the fine
spins in a real-space renormalisation step, ``E~(x) = -T ln sum_y exp(-E(x, y) / T) -> min_y
E(x, y)``, with the encoded neighbourhood "flip one coarse spin" (the fine spins re-optimise
after each move). The encoded space has ``2^m`` points; the cover sets partition ``{±1}^n``.

* **Number partitioning** (:class:`PartitionEncoding`): the coarse spins carry the ``m``
  largest numbers, the ``k`` smallest are decimated (the short scales of the problem, as the
  high-momentum modes of an RG step). Decoding: the ``2^k`` signed sums of the fine numbers are
  sorted once; for the coarse sum ``R(x)`` the best fine configuration is the sum nearest to
  ``-R`` (a binary search, ``O(k)``), so ``E~(x) = min_y |R(x) + S_y|``.
* **Ising / Max-Cut** (:class:`IsingEncoding`): the fine spins are, by default, a maximal
  independent set of the coupling graph (as the decimated sublattice of Kadanoff's decimation);
  each fine spin then aligns with its local field ``h_f + sum_c J_fc x_c`` (ties: ``+1``). An
  arbitrary fine set of up to :data:`MAX_COUPLED_FINE` mutually coupled spins is decoded by
  enumerating its ``2^k`` configurations.

How this relates to the papers (docs/optimize.md, "Landscape encodings"): the cover-encoding
maps of Klemm, Mehta & Stadler (PLoS ONE 7, e34780 (2012); Bull. Math. Biol. 80, 2154 (2018);
arXiv:2303.16258) decode an encoded point with a heuristic or exact "oracle" to the best
configuration of a subset; the decimation above is one such map, with an exact oracle on the
fine variables. It is not a transcription of the papers' specific maps.

Configurations are coded as integers (bit ``i`` set: spin ``i`` is ``+1``) as in
:mod:`.partition` and :mod:`.landscape`; encoded codes count the coarse spins in the order of
:attr:`coarse`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from spinscope._validation import check_int
from spinscope.errors import InputError
from spinscope.optimize.partition import (
    check_exhaustive_size,
    check_partition_numbers,
    codes_to_spins,
    signed_sums,
)
from spinscope.optimize.problems import Problem

__all__ = [
    "MAX_COUPLED_FINE",
    "MAX_FINE_NUMBERS",
    "IsingEncoding",
    "PartitionEncoding",
    "ising_encoding",
    "partition_encoding",
    "partition_encoding_from_sets",
]

#: Most decimated numbers of a :class:`PartitionEncoding` (2^k sorted sums are stored).
MAX_FINE_NUMBERS = 24
#: Most mutually coupled fine spins of an :class:`IsingEncoding` (decoded by enumeration).
MAX_COUPLED_FINE = 16
_CHUNK = 2**14


def _as_spins(x: Any, m: int) -> np.ndarray:
    arr = np.asarray(x)
    if arr.shape[-1:] != (m,):
        raise InputError(f"encoded configurations must have shape (..., {m}), got {arr.shape}")
    if not np.all(np.abs(arr) == 1):
        raise InputError("encoded configurations must hold ±1 values")
    return arr.astype(np.int8)


def _assemble(n: int, coarse: np.ndarray, fine: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    s = np.empty((*x.shape[:-1], n), dtype=np.int8)
    s[..., coarse] = x
    s[..., fine] = y
    return s


@dataclass(frozen=True, eq=False)
class PartitionEncoding:
    """Decimation encoding of number partitioning: the ``k`` smallest numbers are decoded exactly.

    Attributes
    ----------
    numbers : ndarray, shape (n,)
        The instance.
    coarse : ndarray of int64, shape (m,)
        Indices of the encoded numbers (the largest ones, in decreasing order).
    fine : ndarray of int64, shape (k,)
        Indices of the decimated numbers (the smallest ones).
    fine_sums : ndarray, shape (2^k,)
        Signed sums of the fine numbers, sorted ascending.
    fine_codes : ndarray of int64, shape (2^k,)
        Fine configuration (code over :attr:`fine`) of each entry of :attr:`fine_sums`.
    """

    numbers: np.ndarray
    coarse: np.ndarray
    fine: np.ndarray
    fine_sums: np.ndarray
    fine_codes: np.ndarray

    @property
    def n(self) -> int:
        """Number of original spins."""
        return int(self.numbers.shape[0])

    @property
    def m(self) -> int:
        """Number of encoded (coarse) spins."""
        return int(self.coarse.shape[0])

    @property
    def coarse_values(self) -> np.ndarray:
        """The coarse numbers ``a[coarse]``."""
        return self.numbers[self.coarse]

    def _best(self, r: np.ndarray) -> np.ndarray:
        """Index into :attr:`fine_sums` of the sum nearest to ``-r`` (lower index on ties)."""
        sums = self.fine_sums
        if sums.shape[0] == 1:
            return np.zeros(np.shape(r), dtype=np.int64)
        hi = np.clip(np.searchsorted(sums, -r), 1, sums.shape[0] - 1)
        lo = hi - 1
        return np.where(np.abs(r + sums[lo]) <= np.abs(r + sums[hi]), lo, hi)

    def decode(self, x: Any) -> np.ndarray:
        """The best configuration of the cover set of ``x``.

        Parameters
        ----------
        x : array_like, shape (..., m)
            ±1 coarse spins.

        Returns
        -------
        ndarray of int8, shape (..., n)
            ``s[coarse] = x`` and ``s[fine]`` minimising ``|sum_i a_i s_i|``.
        """
        x = _as_spins(x, self.m)
        r = x @ self.coarse_values
        y = codes_to_spins(self.fine_codes[self._best(np.asarray(r))], self.fine.shape[0])
        return _assemble(self.n, self.coarse, self.fine, x, y)

    def residual(self, x: Any) -> np.ndarray | float:
        """Encoded landscape ``min_y |R(x) + S_y|`` of ±1 coarse spins ``x`` (shape ``(..., m)``)."""
        r = np.asarray(_as_spins(x, self.m) @ self.coarse_values)
        return np.abs(r + self.fine_sums[self._best(r)])

    def encode(self, s: Any) -> np.ndarray:
        """The encoded point whose cover set contains ``s``: its coarse spins ``s[..., coarse]``."""
        return _as_spins(s, self.n)[..., self.coarse]

    def cover_set(self, x: Any) -> np.ndarray:
        """All ``2^k`` configurations of the cover set of one encoded point, shape ``(2^k, n)``."""
        x = _as_spins(x, self.m)
        k = self.fine.shape[0]
        y = codes_to_spins(np.arange(2**k), k)
        return _assemble(self.n, self.coarse, self.fine, np.broadcast_to(x, (2**k, self.m)), y)

    def table(self) -> np.ndarray:
        """The encoded landscape at every code of the coarse spins (``m <= 20``), shape ``(2^m,)``."""
        check_exhaustive_size(self.m, "PartitionEncoding.table")
        r = signed_sums(self.coarse_values)
        return np.abs(r + self.fine_sums[self._best(r)])


def partition_encoding(a: Any, *, n_fine: int | None = None) -> PartitionEncoding:
    """Build the decimation encoding of a number-partitioning instance.

    Parameters
    ----------
    a : array_like, shape (n,)
        Numbers > 0.
    n_fine : int or None
        How many of the smallest numbers to decimate (0 .. min(n - 1, 24)); default
        ``min(n // 2, 16)`` (one halving step of the RG analogy, capped for memory).

    Returns
    -------
    PartitionEncoding
    """
    a = check_partition_numbers(a)
    n = a.shape[0]
    k = min(n // 2, 16) if n_fine is None else check_int(n_fine, "n_fine", minimum=0)
    if k > min(n - 1, MAX_FINE_NUMBERS):
        raise InputError(f"n_fine must be at most min(n - 1, {MAX_FINE_NUMBERS}) = "
                         f"{min(n - 1, MAX_FINE_NUMBERS)} for n = {n}, got {k}")
    order = np.argsort(-a, kind="stable")
    return partition_encoding_from_sets(a, order[: n - k], order[n - k:])


def partition_encoding_from_sets(a: np.ndarray, coarse: Any, fine: Any) -> PartitionEncoding:
    """A :class:`PartitionEncoding` with given coarse (in the order of the encoded spins) and fine
    indices; ``a`` must be validated and the two sets must partition ``range(n)``."""
    coarse, fine = np.asarray(coarse, dtype=np.int64), np.asarray(fine, dtype=np.int64)
    if fine.shape[0] > MAX_FINE_NUMBERS:
        raise InputError(f"{fine.shape[0]} decimated numbers would store 2^{fine.shape[0]} sums; "
                         f"use at most {MAX_FINE_NUMBERS}")
    sums = signed_sums(a[fine])
    codes = np.argsort(sums, kind="stable").astype(np.int64)
    return PartitionEncoding(a, coarse, fine, sums[codes], codes)


@dataclass(frozen=True, eq=False)
class IsingEncoding:
    """Decimation encoding of an Ising, QUBO or Max-Cut :class:`Problem`.

    Attributes
    ----------
    problem : Problem
        The original problem; energies are ``problem.energy`` (``H + offset``).
    coarse, fine : ndarray of int64
        Encoded and decimated spins.
    independent : bool
        Whether no two fine spins are coupled (decoding by local fields, else by enumeration).
    """

    problem: Problem
    coarse: np.ndarray
    fine: np.ndarray
    independent: bool

    @property
    def n(self) -> int:
        """Number of original spins."""
        return self.problem.n

    @property
    def m(self) -> int:
        """Number of encoded (coarse) spins."""
        return int(self.coarse.shape[0])

    def _fine_fields(self, x: np.ndarray) -> np.ndarray:
        j = self.problem.model.sparse_couplings()
        jfc = j[self.fine][:, self.coarse]
        h = np.asarray(self.problem.model.fields, dtype=np.float64)[self.fine]
        return (jfc @ x.reshape(-1, self.m).T.astype(np.float64)).T.reshape((*x.shape[:-1], -1)) + h

    def _best_fine(self, fields: np.ndarray) -> np.ndarray:
        if self.independent:
            return np.where(fields >= 0, 1, -1).astype(np.int8)
        k = self.fine.shape[0]
        y = codes_to_spins(np.arange(2**k), k).astype(np.float64)
        jff = self.problem.model.dense_couplings()[np.ix_(self.fine, self.fine)]
        score = -fields @ y.T - 0.5 * np.einsum("ci,ij,cj->c", y, jff, y)
        return y[np.argmin(score, axis=-1)].astype(np.int8)

    def decode(self, x: Any) -> np.ndarray:
        """The lowest-energy configuration of the cover set of ``x`` (shape ``(..., m)`` -> ``(..., n)``)."""
        x = _as_spins(x, self.m)
        return _assemble(self.n, self.coarse, self.fine, x, self._best_fine(self._fine_fields(x)))

    def energy(self, x: Any) -> np.ndarray | float:
        """Encoded landscape ``min_y E(x, y)`` of coarse spins ``x`` (shape ``(..., m)``)."""
        return self.problem.energy(self.decode(x))

    def encode(self, s: Any) -> np.ndarray:
        """The encoded point whose cover set contains ``s``: ``s[..., coarse]``."""
        return _as_spins(s, self.n)[..., self.coarse]

    def cover_set(self, x: Any) -> np.ndarray:
        """All ``2^k`` configurations of the cover set of one encoded point (``k <= 20``)."""
        k = self.fine.shape[0]
        check_exhaustive_size(k, "IsingEncoding.cover_set")
        x = _as_spins(x, self.m)
        return _assemble(self.n, self.coarse, self.fine, np.broadcast_to(x, (2**k, self.m)),
                         codes_to_spins(np.arange(2**k), k))

    def table(self) -> np.ndarray:
        """The encoded landscape at every code of the coarse spins (``m <= 20``), shape ``(2^m,)``."""
        check_exhaustive_size(self.m, "IsingEncoding.table")
        out = np.empty(2**self.m)
        for start in range(0, 2**self.m, _CHUNK):
            codes = np.arange(start, min(start + _CHUNK, 2**self.m))
            out[codes] = self.energy(codes_to_spins(codes, self.m))
        return out


def _greedy_independent_set(j) -> np.ndarray:
    """A maximal independent set of the coupling graph, low-degree spins first."""
    adj = j.tocsr()
    degree = np.diff(adj.indptr)
    blocked = np.zeros(adj.shape[0], dtype=bool)
    chosen = []
    for i in np.argsort(degree, kind="stable"):
        if not blocked[i] and len(chosen) < adj.shape[0] - 1:
            chosen.append(int(i))
            blocked[adj.indices[adj.indptr[i]:adj.indptr[i + 1]]] = True
            blocked[i] = True
    return np.array(sorted(chosen), dtype=np.int64)


def ising_encoding(problem: Problem, *, fine: Any = None) -> IsingEncoding:
    """Build the decimation encoding of an Ising / QUBO / Max-Cut problem.

    Parameters
    ----------
    problem : Problem
        Any :class:`Problem` (the objective ``E = H + offset`` is what the encoding minimises).
    fine : sequence of int or None
        Spins to decimate. Default: a greedy maximal independent set of the coupling graph
        (lowest degree first), at most ``n - 1`` spins. A set with couplings inside it may hold
        at most :data:`MAX_COUPLED_FINE` spins.

    Returns
    -------
    IsingEncoding
    """
    if not isinstance(problem, Problem):
        raise InputError(f"ising_encoding needs a Problem, got {type(problem).__name__}")
    n = problem.n
    if n < 2:
        raise InputError(f"an encoding needs at least 2 spins, the problem has n = {n}")
    j = problem.model.sparse_couplings()
    if fine is None:
        f = _greedy_independent_set(j)
    else:
        f = np.unique(np.asarray([check_int(i, "fine index", minimum=0) for i in fine], dtype=np.int64))
        if f.size and (f[-1] >= n or f.size >= n):
            raise InputError(f"fine must name at most n - 1 = {n - 1} distinct spins in 0 .. {n - 1}, got {fine!r}")
    independent = not _coupled_pairs(j, f)
    if not independent and f.size > MAX_COUPLED_FINE:
        raise InputError(f"{f.size} coupled fine spins would be decoded by enumerating 2^{f.size} "
                         f"states; use at most {MAX_COUPLED_FINE} or an independent set")
    coarse = np.setdiff1d(np.arange(n, dtype=np.int64), f)
    return IsingEncoding(problem, coarse, f, independent)


def _coupled_pairs(j, idx: np.ndarray) -> int:
    """Number of nonzero couplings among the spins ``idx``."""
    if idx.size < 2:
        return 0
    sub = j.tocsr()[idx][:, idx]
    return int(np.count_nonzero(sub.data)) if hasattr(sub, "data") else int(np.count_nonzero(sub))
