"""Exhaustive analysis of single-flip landscapes (``n <= 20``): minima, basins, walks, barriers.

A landscape is a table ``E[code]`` over all ``2^n`` configurations (bit ``i`` of ``code`` set:
spin ``i`` is ``+1``), with the neighbourhood "flip one bit". It may be an original problem
(:func:`ising_energy_table`, or the residuals ``|sum a_i s_i|`` of number partitioning) or an
encoded one (``PartitionEncoding.table`` / ``IsingEncoding.table``: the neighbourhood is then
"flip one encoded spin").

Definitions (``tol`` is the tie tolerance; a move *improves* when ``E' < E - tol``):

* a **local minimum** has no improving neighbour (ties count as stable, as in
  :mod:`spinscope.exact.metastable`); a **global minimum** has ``E <= min E + tol``;
* **steepest descent** moves to the lowest improving neighbour (lowest bit on ties) until a
  minimum; its **basin** is the set of starts that end there. ``steepest_success`` is the
  fraction of all ``2^n`` starts that end at a global minimum (exact, no sampling);
* a **first-improvement walk** scans the bits in a fresh uniformly random order and takes the
  first improving flip, i.e. it moves to a uniformly random improving neighbour.
  ``random_success`` is the exact probability, averaged over uniform starts, that it ends at a
  global minimum: ``p(s) = mean of p over the improving neighbours of s``, computed in order of
  increasing energy;
* **barriers**: states are added in order of increasing energy and joined to their added
  neighbours with a union-find; when two components meet at state ``s`` the one with the higher
  minimum dies, and that minimum's **escape barrier** is ``E(s) - E(min)`` (the lowest saddle
  leading to a deeper minimum). ``pair_saddle`` is the energy at which the two deepest minima
  first share a component (for number partitioning: ``s*`` and its mirror ``-s*``).

Everything is ``O(2^n n)`` in numba plus one sort; n = 20 takes well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from spinscope._validation import SeedLike, check_finite, check_int, spawn_seeds
from spinscope.errors import InputError
from spinscope.optimize.encodings import partition_encoding
from spinscope.optimize.partition import (
    MAX_EXHAUSTIVE_NUMBERS,
    check_exhaustive_size,
    check_partition_numbers,
    random_partition_numbers,
    signed_sums,
)
from spinscope.optimize.problems import Problem

__all__ = [
    "MAX_BARRIER_BITS",
    "Landscape",
    "analyze_landscape",
    "ising_energy_table",
    "partition_landscape_study",
    "partition_landscapes",
]

_TIE_RTOL = 1e-12
#: Barriers are computed by default up to this many bits (a union-find over 2^16 states).
MAX_BARRIER_BITS = 16


@dataclass(frozen=True)
class Landscape:
    """Exhaustive statistics of a single-flip landscape (see the module docstring).

    Attributes
    ----------
    n_bits : int
        Number of (encoded) spins; the space has ``2^n_bits`` states.
    minima : ndarray of int64
        Codes of the local minima, lowest energy first (ties by code).
    minimum_energies : ndarray
        Their energies.
    basin_sizes : ndarray of int64
        Number of starts whose steepest descent ends at each minimum (sums to ``2^n_bits``).
    global_energy : float
        ``min E``.
    n_global : int
        Number of states with ``E <= global_energy + tol``.
    steepest_success, random_success : float
        Fraction of steepest-descent / first-improvement walks from uniform starts that end at a
        global minimum (exact).
    escape_barriers : ndarray
        Escape barrier of each minimum (NaN for the deepest one, and all NaN without barriers).
    pair_saddle : float
        Lowest saddle energy connecting the two deepest minima (NaN without barriers or with one
        minimum).
    tol : float
        The tie tolerance used.
    """

    n_bits: int
    minima: np.ndarray
    minimum_energies: np.ndarray
    basin_sizes: np.ndarray
    global_energy: float
    n_global: int
    steepest_success: float
    random_success: float
    escape_barriers: np.ndarray
    pair_saddle: float
    tol: float

    @property
    def n_states(self) -> int:
        """``2^n_bits``."""
        return 2**self.n_bits

    @property
    def n_minima(self) -> int:
        """Number of local minima."""
        return int(self.minima.shape[0])

    @property
    def minima_fraction(self) -> float:
        """Local minima per state, ``n_minima / 2^n_bits``."""
        return self.n_minima / self.n_states

    def summary(self) -> dict[str, Any]:
        """The scalar statistics as a plain dict (JSON-ready)."""
        non_global = self.escape_barriers[self.minimum_energies > self.global_energy + self.tol]
        non_global = non_global[np.isfinite(non_global)]
        return {
            "n_bits": self.n_bits, "n_minima": self.n_minima, "minima_fraction": self.minima_fraction,
            "n_global": self.n_global, "global_energy": self.global_energy,
            "steepest_success": self.steepest_success, "random_success": self.random_success,
            "largest_basin_fraction": float(self.basin_sizes.max() / self.n_states),
            "mean_escape_barrier": float(non_global.mean()) if non_global.size else float("nan"),
            "max_escape_barrier": float(non_global.max()) if non_global.size else float("nan"),
            "pair_saddle": self.pair_saddle,
        }


# ---------------------------------------------------------------------------- kernels
@njit(cache=True)
def _ising_table_kernel(j, h, offset, n):
    """Energies ``H(s) + offset`` of all ``2^n`` codes, visited in Gray-code order."""
    size = 1 << n
    out = np.empty(size)
    s = -np.ones(n)
    f = j @ s + h
    e = -0.5 * (s @ f) - 0.5 * (h @ s)
    code = 0
    out[0] = e + offset
    for t in range(1, size):
        i = 0
        while not (t >> i) & 1:
            i += 1
        e += 2.0 * s[i] * f[i]
        s[i] = -s[i]
        for k in range(n):
            f[k] += 2.0 * s[i] * j[k, i]
        code ^= 1 << i
        out[code] = e + offset
    return out


@njit(cache=True)
def _descent_kernel(table, n, tol, order, gmin):
    """Steepest-descent end points and first-improvement success probabilities of every state."""
    size = table.shape[0]
    root = np.empty(size, dtype=np.int64)
    p = np.empty(size)
    for idx in range(size):
        c = order[idx]
        e = table[c]
        best, beste = c, np.inf
        acc, cnt = 0.0, 0
        for i in range(n):
            nb = c ^ (1 << i)
            en = table[nb]
            if en < e - tol:
                acc += p[nb]
                cnt += 1
                if en < beste:
                    best, beste = nb, en
        if cnt == 0:
            root[c] = c
            p[c] = 1.0 if e <= gmin + tol else 0.0
        else:
            root[c] = root[best]
            p[c] = acc / cnt
    return root, p


@njit(cache=True)
def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@njit(cache=True)
def _barrier_kernel(table, n, order, m1, m2):
    """Escape barriers (indexed by code) and the saddle joining minima ``m1`` and ``m2``."""
    size = table.shape[0]
    parent = np.full(size, -1, dtype=np.int64)
    low = np.arange(size)
    escape = np.full(size, np.nan)
    saddle = np.nan
    for idx in range(size):
        c = order[idx]
        parent[c] = c
        for i in range(n):
            nb = c ^ (1 << i)
            if parent[nb] < 0:
                continue
            ra, rb = _find(parent, c), _find(parent, nb)
            if ra == rb:
                continue
            la, lb = low[ra], low[rb]
            if table[la] < table[lb] or (table[la] == table[lb] and la < lb):
                win, lose = ra, rb
            else:
                win, lose = rb, ra
            escape[low[lose]] = table[c] - table[low[lose]]
            parent[lose] = win
        if np.isnan(saddle) and m1 != m2 and parent[m1] >= 0 and parent[m2] >= 0:
            if _find(parent, m1) == _find(parent, m2):
                saddle = table[c]
    return escape, saddle


# ---------------------------------------------------------------------------- public API
def ising_energy_table(problem: Problem) -> np.ndarray:
    """Objective ``E(s) = H(s) + offset`` of every configuration of a problem with ``n <= 20`` spins.

    Parameters
    ----------
    problem : Problem
        Dense couplings are used; configurations are visited in Gray-code order (one flip and an
        ``O(n)`` field update per state).

    Returns
    -------
    ndarray, shape (2^n,)
        Indexed by code (bit ``i`` set: ``s_i = +1``).
    """
    check_exhaustive_size(problem.n, "ising_energy_table")
    j = np.ascontiguousarray(problem.model.dense_couplings(), dtype=np.float64)
    h = np.ascontiguousarray(problem.model.fields, dtype=np.float64)
    return _ising_table_kernel(j, h, float(problem.offset), problem.n)


def _check_table(table: Any) -> tuple[np.ndarray, int]:
    t = np.ascontiguousarray(table, dtype=np.float64)
    if t.ndim != 1 or t.shape[0] < 2 or t.shape[0] & (t.shape[0] - 1):
        raise InputError(f"a landscape table must be 1-D with 2^n entries (n >= 1), got shape {t.shape}")
    n = t.shape[0].bit_length() - 1
    check_exhaustive_size(n, "analyze_landscape", MAX_EXHAUSTIVE_NUMBERS)
    check_finite(t, "table")
    return t, n


def analyze_landscape(table: Any, *, tol: float | None = None, barriers: bool | None = None) -> Landscape:
    """Local minima, steepest-descent basins, walk success and barriers of a landscape table.

    Parameters
    ----------
    table : array_like, shape (2^n,)
        ``E[code]`` for every configuration, ``1 <= n <= 20``.
    tol : float or None
        Tie tolerance; default ``1e-12 * max |E|`` (rounding of the table's sums).
    barriers : bool or None
        Whether to run the union-find barrier analysis; default: when ``n <= 16``.

    Returns
    -------
    Landscape
    """
    t, n = _check_table(table)
    tol = _TIE_RTOL * float(np.abs(t).max()) if tol is None else float(tol)
    if not np.isfinite(tol) or tol < 0:
        raise InputError(f"tol must be a finite number >= 0, got {tol}")
    order = np.argsort(t, kind="stable")
    gmin = float(t[order[0]])
    root, p = _descent_kernel(t, n, tol, order, gmin)
    minima = order[root[order] == order]
    counts = np.bincount(root, minlength=t.shape[0])
    success = float(counts[minima[t[minima] <= gmin + tol]].sum()) / t.shape[0]
    escape, saddle = np.full(minima.shape[0], np.nan), float("nan")
    do_barriers = (n <= MAX_BARRIER_BITS) if barriers is None else bool(barriers)
    if do_barriers:
        m2 = int(minima[1]) if minima.shape[0] > 1 else int(minima[0])
        esc, saddle = _barrier_kernel(t, n, order, int(minima[0]), m2)
        escape, saddle = esc[minima], float(saddle)
    return Landscape(n_bits=n, minima=minima.astype(np.int64), minimum_energies=t[minima],
                     basin_sizes=counts[minima].astype(np.int64), global_energy=gmin,
                     n_global=int(np.count_nonzero(t <= gmin + tol)), steepest_success=success,
                     random_success=float(p.mean()), escape_barriers=escape, pair_saddle=saddle, tol=tol)


def partition_landscapes(a: Any, *, n_fine: int | None = None,
                         barriers: bool | None = None) -> tuple[Landscape, Landscape]:
    """The original and the encoded landscape of one number-partitioning instance (``n <= 20``).

    The cost is the residual ``|sum_i a_i s_i|`` (a monotone function of the Ising energy
    ``r^2``: same minima, walks and basins; barriers in residual units).

    Parameters
    ----------
    a : array_like, shape (n,)
        Numbers > 0, ``2 <= n <= 20``.
    n_fine : int or None
        Decimated numbers of :func:`~spinscope.optimize.encodings.partition_encoding`.
    barriers : bool or None
        Passed to :func:`analyze_landscape`.

    Returns
    -------
    (Landscape, Landscape)
        Original (``2^n`` states, single flips) and encoded (``2^m`` states, coarse flips).
    """
    a = check_partition_numbers(a)
    check_exhaustive_size(a.shape[0], "partition_landscapes")
    enc = partition_encoding(a, n_fine=n_fine)
    original = analyze_landscape(np.abs(signed_sums(a)), barriers=barriers)
    encoded = analyze_landscape(enc.table(), tol=original.tol, barriers=barriers)
    return original, encoded


_STUDY_KEYS = ("n_minima", "minima_fraction", "steepest_success", "random_success")


def partition_landscape_study(n: int, *, instances: int, seed: SeedLike = None, n_fine: int | None = None,
                              bits: int | None = None, barriers: bool | None = False) -> dict[str, Any]:
    """Compare original and encoded landscapes over random instances (:func:`partition_landscapes`).

    Parameters
    ----------
    n : int
        Numbers per instance, ``2 <= n <= 20``.
    instances : int
        How many instances (>= 1); instance ``i`` uses the ``i``-th child seed of ``seed``.
    seed : int, Generator or None
    n_fine, bits : int or None
        Encoding size and instance distribution (:func:`~spinscope.optimize.partition.random_partition_numbers`).
    barriers : bool or None
        Passed to :func:`analyze_landscape` (off by default: it is the slow part).

    Returns
    -------
    dict
        ``"original"`` / ``"encoded"``: per-instance lists and means of ``n_minima``,
        ``minima_fraction``, ``steepest_success``, ``random_success`` (plus barrier means when
        computed); ``"encoded_fewer_minima"``, ``"encoded_higher_steepest"``,
        ``"encoded_higher_random"``: fractions of instances where the encoded landscape is strictly
        better; ``"same_optimum"``: whether every encoded optimum equals the true optimum.
    """
    n = check_int(n, "n", minimum=2)
    check_exhaustive_size(n, "partition_landscape_study")
    instances = check_int(instances, "instances", minimum=1)
    rows: dict[str, list] = {"original": [], "encoded": []}
    same = True
    for child in spawn_seeds(seed, instances):
        a = random_partition_numbers(n, bits=bits, seed=child)
        orig, enc = partition_landscapes(a, n_fine=n_fine, barriers=barriers)
        same &= abs(orig.global_energy - enc.global_energy) <= orig.tol
        rows["original"].append(orig.summary())
        rows["encoded"].append(enc.summary())
    out: dict[str, Any] = {"n": n, "instances": instances, "n_fine": n_fine if n_fine is not None else min(n // 2, 16),
                           "bits": bits, "same_optimum": bool(same)}
    for side, summaries in rows.items():
        keys = _STUDY_KEYS + (("mean_escape_barrier", "pair_saddle") if barriers else ())
        out[side] = {k: [s[k] for s in summaries] for k in keys}
        out[side]["mean"] = {k: float(np.nanmean(out[side][k])) for k in keys}
    o, e = out["original"], out["encoded"]
    for name, key in (("encoded_fewer_minima", "n_minima"), ("encoded_higher_steepest", "steepest_success"),
                      ("encoded_higher_random", "random_success")):
        better = [(ev < ov) if key == "n_minima" else (ev > ov) for ov, ev in zip(o[key], e[key], strict=True)]
        out[name] = float(np.mean(better))
    return out
