"""Recursive (multi-level) cover encodings: encode the encoded landscape again, ``r`` times.

One level of :mod:`.encodings` splits the spins into coarse spins ``x`` and fine spins ``y`` and
scores ``x`` by ``E_1(x) = min_y E(x, y)``. A **multi-level encoding** repeats the step on the
encoded landscape: level ``j`` splits the coarse spins of level ``j - 1`` again into coarse and
fine ones and sets ``E_j(x_j) = min_{y_j} E_{j-1}(x_j, y_j)``. A level-``r`` point decodes through
``r`` maps, ``x_r -> x_{r-1} -> ... -> s``, each the argmin of one step (:meth:`MultilevelEncoding.tables`
and :meth:`MultilevelEncoding.decode_through`, exhaustive, any landscape table with ``n <= 20``).

Because every step is an exact minimum over a product set, the steps compose: level ``r`` is
the one-step encoding whose fine set is the union ``F_1 ∪ ... ∪ F_r`` (the semigroup property of
an exact decimation: integrating out ``F_1`` and then ``F_2`` is integrating out both).
:meth:`MultilevelEncoding.single_step` builds that one-step encoding with the fast decoders of
:mod:`.encodings`; the tests check that it decodes every level-``r`` point to the same
configuration as the ``r`` table maps, and that every level keeps the global minimum.

Rules for the fine sets (the "blocking" of each level; ``m_j`` coarse spins are left at level ``j``):

* number partitioning (:func:`partition_levels`): level ``j`` decimates the ``floor(m_{j-1}/2)``
  smallest numbers still coarse, so ``m_j = ceil(m_{j-1}/2)`` (a factor-2 step per level; level 1
  is :func:`~spinscope.optimize.encodings.partition_encoding`'s default for ``n <= 32``);
* Ising / Max-Cut (:func:`ising_levels`), ``rule="half"``: the ``floor(m_{j-1}/2)`` coarse spins
  with the smallest coupling strength ``sum_k |J_ik|`` (for the Ising form of number partitioning,
  ``|J_ik| = 2 a_i a_k``, these are the smallest numbers again); ``rule="independent"``: a
  greedy maximal independent set of the *effective* coupling graph of level ``j - 1`` (two coarse
  spins are effectively coupled when they are coupled or share a decimated neighbour: the fill-in
  of decimation), so each level is a real-space decimation of non-interacting spins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from spinscope._validation import check_int
from spinscope.errors import InputError
from spinscope.optimize.encodings import (
    IsingEncoding,
    PartitionEncoding,
    _greedy_independent_set,
    partition_encoding_from_sets,
)
from spinscope.optimize.landscape import _check_table, ising_energy_table
from spinscope.optimize.partition import check_exhaustive_size, check_partition_numbers, signed_sums
from spinscope.optimize.problems import Problem

__all__ = ["ISING_LEVEL_RULES", "MultilevelEncoding", "coarse_grain_table", "ising_levels", "partition_levels"]

#: Rules for choosing each level's fine spins of an Ising problem.
ISING_LEVEL_RULES = ("half", "independent")


def _deposit(codes: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Scatter bit ``j`` of each code to bit position ``bits[j]``."""
    out = np.zeros(codes.shape, dtype=np.int64)
    for j, b in enumerate(bits):
        out |= ((codes >> j) & 1) << int(b)
    return out


def coarse_grain_table(table: Any, fine_bits: Any) -> tuple[np.ndarray, np.ndarray]:
    """One exact coarse-graining step of a landscape table: minimise over the ``fine_bits``.

    Parameters
    ----------
    table : array_like, shape (2^n,)
        ``E[code]`` of every configuration, ``1 <= n <= 20``.
    fine_bits : sequence of int
        Bit positions (spins) to minimise over; at least one bit must stay coarse.

    Returns
    -------
    coarse_table : ndarray, shape (2^m,)
        ``E'[x] = min_y E[x, y]`` indexed by the code of the ``m = n - k`` remaining bits, in
        increasing bit order.
    decode : ndarray of int64, shape (2^m,)
        The minimising code of ``table`` for each ``x`` (lowest fine code on ties).
    """
    t, n = _check_table(table)
    fine = np.unique(np.asarray(list(fine_bits), dtype=np.int64))
    if fine.size and (fine[0] < 0 or fine[-1] >= n or fine.size >= n):
        raise InputError(f"fine_bits must name at most {n - 1} distinct bits in 0 .. {n - 1}, got {list(fine_bits)!r}")
    coarse = np.setdiff1d(np.arange(n, dtype=np.int64), fine)
    idx = (_deposit(np.arange(2**coarse.size, dtype=np.int64), coarse)[:, None]
           | _deposit(np.arange(2**fine.size, dtype=np.int64), fine)[None, :])
    arg = np.argmin(t[idx], axis=1)
    rows = np.arange(idx.shape[0])
    return t[idx[rows, arg]], idx[rows, arg]


@dataclass(frozen=True, eq=False)
class MultilevelEncoding:
    """A chain of exact decimations of one instance (see the module docstring).

    Attributes
    ----------
    source : ndarray or Problem
        The numbers of a partition instance, or an Ising / Max-Cut problem.
    fine_sets : tuple of ndarray of int64
        ``fine_sets[j - 1]``: original spin indices decimated at level ``j`` (ascending).
    """

    source: Any
    fine_sets: tuple

    @property
    def n(self) -> int:
        """Number of original spins."""
        return int(self.source.n if isinstance(self.source, Problem) else self.source.shape[0])

    @property
    def levels(self) -> int:
        """Number of levels ``R``."""
        return len(self.fine_sets)

    def _level(self, r: int) -> int:
        r = check_int(r, "level", minimum=0)
        if r > self.levels:
            raise InputError(f"level must be in 0 .. {self.levels}, got {r}")
        return r

    def fine(self, r: int) -> np.ndarray:
        """Original indices of every spin decimated up to level ``r`` (ascending)."""
        r = self._level(r)
        return np.sort(np.concatenate([np.zeros(0, dtype=np.int64), *self.fine_sets[:r]]))

    def coarse(self, r: int) -> np.ndarray:
        """Original indices of the level-``r`` encoded spins, ascending (bit ``j`` of a level-``r`` code)."""
        return np.setdiff1d(np.arange(self.n, dtype=np.int64), self.fine(r))

    def sizes(self) -> list[int]:
        """Encoded spins ``m_0 = n, m_1, ..., m_R`` per level."""
        return [int(self.coarse(r).size) for r in range(self.levels + 1)]

    def table0(self) -> np.ndarray:
        """The original landscape (``n <= 20``): residuals ``|sum a_i s_i|`` or energies ``H + offset``."""
        check_exhaustive_size(self.n, "MultilevelEncoding.table0")
        if isinstance(self.source, Problem):
            return ising_energy_table(self.source)
        return np.abs(signed_sums(self.source))

    def tables(self, levels: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(E_0, id), (E_1, D_1), ..., (E_r, D_r)]``: the landscape of every level and the map
        ``D_j`` from a level-``j`` code to the minimising level-``(j-1)`` code (``n <= 20``)."""
        r = self.levels if levels is None else self._level(levels)
        t0 = self.table0()
        out = [(t0, np.arange(t0.shape[0], dtype=np.int64))]
        for j in range(1, r + 1):
            bits = np.searchsorted(self.coarse(j - 1), self.fine_sets[j - 1])
            out.append(coarse_grain_table(out[-1][0], bits))
        return out

    def decode_through(self, codes: Any, tables: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Original codes of level-``r`` codes, ``r = len(tables) - 1``, through the ``r`` maps ``D_r ... D_1``."""
        c = np.asarray(codes, dtype=np.int64)
        for _, decode in tables[:0:-1]:
            c = decode[c]
        return c

    def single_step(self, r: int) -> PartitionEncoding | IsingEncoding:
        """The one-step encoding equal to level ``r``: fine set ``F_1 ∪ ... ∪ F_r``, coarse spins
        in the order of :meth:`coarse` (so level-``r`` codes mean the same spins)."""
        fine, coarse = self.fine(r), self.coarse(r)
        if not isinstance(self.source, Problem):
            return partition_encoding_from_sets(self.source, coarse, fine)
        from spinscope.optimize.encodings import ising_encoding

        return ising_encoding(self.source, fine=fine.tolist())


def _halving_sets(strength: np.ndarray, levels: int) -> tuple:
    """Fine sets that decimate the weakest half (floor) of the remaining spins per level."""
    remaining = np.argsort(-strength, kind="stable")  # strongest first
    sets = []
    for _ in range(levels):
        k = remaining.size // 2
        sets.append(np.sort(remaining[remaining.size - k:]).astype(np.int64))
        remaining = remaining[: remaining.size - k]
    return tuple(sets)


def _check_levels(levels: Any, n: int) -> int:
    levels = check_int(levels, "levels", minimum=1)
    most = int(np.ceil(np.log2(n)))
    if levels > most:
        raise InputError(f"levels = {levels}: n = {n} spins halve to 1 after {most} levels; use at most {most}")
    return levels


def partition_levels(a: Any, *, levels: int) -> MultilevelEncoding:
    """Multi-level encoding of number partitioning: each level decimates the smaller half of the
    numbers still coarse.

    Parameters
    ----------
    a : array_like, shape (n,)
        Numbers > 0.
    levels : int
        ``1 <= R <= ceil(log2 n)`` (after that one spin is left).

    Returns
    -------
    MultilevelEncoding
    """
    a = check_partition_numbers(a)
    return MultilevelEncoding(a, _halving_sets(a, _check_levels(levels, a.shape[0])))


def _effective_graph(adj: sp.csr_array, coarse: np.ndarray, fine: np.ndarray) -> sp.csr_array:
    """Coupling pattern among ``coarse`` after decimating ``fine``: direct links or a common fine neighbour."""
    cc = adj[coarse][:, coarse]
    cf = adj[coarse][:, fine]
    out = ((cc + cf @ cf.T) != 0).astype(np.int8)
    out.setdiag(0)
    out.eliminate_zeros()
    return sp.csr_array(out)


def ising_levels(problem: Problem, *, levels: int, rule: str = "half") -> MultilevelEncoding:
    """Multi-level encoding of an Ising / QUBO / Max-Cut problem.

    Parameters
    ----------
    problem : Problem
    levels : int
        ``1 <= R <= ceil(log2 n)``; with ``rule="independent"`` fewer levels may be possible
        (an error says so).
    rule : {"half", "independent"}
        How each level's fine spins are chosen (module docstring).

    Returns
    -------
    MultilevelEncoding
    """
    if not isinstance(problem, Problem):
        raise InputError(f"ising_levels needs a Problem, got {type(problem).__name__}")
    if rule not in ISING_LEVEL_RULES:
        raise InputError(f"rule must be one of {ISING_LEVEL_RULES}, got {rule!r}")
    levels = _check_levels(levels, problem.n)
    j = sp.csr_array(problem.model.sparse_couplings())
    if rule == "half":
        return MultilevelEncoding(problem, _halving_sets(np.asarray(abs(j).sum(axis=1)).ravel(), levels))
    adj = sp.csr_array((j != 0).astype(np.int8))
    coarse, sets = np.arange(problem.n, dtype=np.int64), []
    for level in range(1, levels + 1):
        local = _greedy_independent_set(adj)
        if local.size == 0:
            raise InputError(f"level {level}: one spin is left, nothing to decimate; use levels <= {level - 1}")
        keep = np.setdiff1d(np.arange(coarse.size), local)
        adj = _effective_graph(adj, keep, local)
        sets.append(coarse[local])
        coarse = coarse[keep]
    return MultilevelEncoding(problem, tuple(sets))

