"""Search for the MCM (partition of the variables) of largest evidence.

* :func:`exact_search` — the global optimum, guaranteed: complete-model evidence of all ``2**n``
  subsets, then the dynamic program ``best(S) = max_{T ⊆ S, min(S) ∈ T} E(T) + best(S \\ T)``,
  ``O(3**n)`` time and ``O(2**n)`` memory (the reference code enumerates the Bell(n) partitions).
* :func:`greedy_search` — hierarchical merging: start from singletons, merge the pair of
  components that most increases the evidence, stop when no merge increases it.
* :func:`anneal_search` — simulated annealing over partitions with merge, split and move moves,
  on the geometric temperature schedule :func:`anneal_schedule` (one temperature per step, drawn
  moves that are no move included, so the last step always runs at ``t_end``).

All take :class:`~spinscope.mcm.data.BinaryData` in the basis where the MCM is sought.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spinscope._validation import SeedLike, check_int, check_memory, check_positive, make_rng
from spinscope.errors import InputError
from spinscope.mcm import _kernels as K
from spinscope.mcm._partition import (
    mask_to_words,
    normalize_partition,
    variables_of,
)
from spinscope.mcm.data import BinaryData, as_binary_data, unpack_bits
from spinscope.mcm.evidence import tables

__all__ = ["MAX_EXACT_N", "PartitionResult", "anneal_schedule", "anneal_search", "exact_search",
           "greedy_search", "subset_log_evidence"]

#: Largest ``n`` accepted by :func:`exact_search` (3**22 ≈ 3e10 steps: minutes; memory 2**n).
MAX_EXACT_N = 22


@dataclass
class PartitionResult:
    """Best partition found by a search.

    Attributes
    ----------
    components : list of tuple of int
        Variables (0-based) of each component, components sorted by their lowest variable.
    component_log_evidence : list of float
        Log-evidence (nats) of each component.
    log_evidence : float
        Total log-evidence (nats).
    search : str
        ``"exact"``, ``"greedy"`` or ``"anneal"``; ``optimal`` is True only for ``"exact"``.
    n, N : int
        Number of variables and of observations.
    final_temperature : float or None
        ``"anneal"`` only: the temperature of the last step of the schedule (``t_end``); None
        for the other searches (and for zero steps). Not part of :meth:`to_dict`.
    """

    components: list[tuple[int, ...]]
    component_log_evidence: list[float]
    log_evidence: float
    search: str
    optimal: bool
    n: int
    N: int
    final_temperature: float | None = None

    def to_dict(self) -> dict:
        """JSON-ready dict (variables 0-based)."""
        return {"components": [list(c) for c in self.components],
                "component_log_evidence": list(self.component_log_evidence),
                "log_evidence": self.log_evidence, "search": self.search,
                "optimal": self.optimal, "n": self.n, "N": self.N}


class _Evaluator:
    """Cached complete-model log-evidence of variable sets (Python-int masks)."""

    def __init__(self, data: BinaryData):
        self.data = data
        self.W = data.n_words
        self.N = data.N
        self.table = tables(data.N).lgh
        self.cache: dict[int, float] = {}

    def __call__(self, mask: int) -> float:
        v = self.cache.get(mask)
        if v is None:
            s, _ = K.masked_sum(self.data.states, self.data.counts, mask_to_words(mask, self.W), self.table)
            v = float(K.complete_prefactor(bin(mask).count("1"), self.N) + s)
            self.cache[mask] = v
        return v


def _result(ev: _Evaluator, masks: list[int], search: str, optimal: bool) -> PartitionResult:
    masks = sorted(masks, key=lambda m: m & -m)
    logs = [ev(m) for m in masks]
    return PartitionResult(components=[variables_of(m) for m in masks], component_log_evidence=logs,
                           log_evidence=float(sum(logs)), search=search, optimal=optimal,
                           n=ev.data.n, N=ev.N)


def subset_log_evidence(data: BinaryData) -> np.ndarray:
    """Complete-model log-evidence (nats) of all ``2**n`` subsets, indexed by bit mask.

    Parameters
    ----------
    data : BinaryData
        Needs ``n <= MAX_EXACT_N``; about ``3**n`` operations.

    Returns
    -------
    ndarray, shape (2**n,)
        Entry ``S`` is the evidence of a complete model on the variables whose bits are set in
        ``S`` (entry 0 is 0).
    """
    n = data.n
    hist = np.bincount(data.states[:, 0].astype(np.int64), weights=data.counts,
                       minlength=1 << n).astype(np.int64)
    return K.all_subset_log_evidence(hist, n, data.N, tables(data.N).lgh)


def exact_search(data: object, *, max_n: int = MAX_EXACT_N) -> PartitionResult:
    """The partition of largest evidence, guaranteed optimal (dynamic program over subsets).

    Parameters
    ----------
    data : BinaryData or anything accepted by :func:`~spinscope.mcm.data.as_binary_data`
    max_n : int
        Refuse ``n > max_n`` (time grows as ``3**n``: n = 20 takes tens of seconds).

    Raises
    ------
    InputError
        If ``n > max_n``: use :func:`greedy_search` or :func:`anneal_search` instead.
    """
    data = as_binary_data(data)
    n = data.n
    max_n = check_int(max_n, "max_n", minimum=1)
    if n > min(max_n, MAX_EXACT_N):
        raise InputError(
            f"exact search supports n <= {min(max_n, MAX_EXACT_N)} variables (time 3**n, memory 2**n), "
            f"got n = {n}; use the greedy or anneal search instead (search='greedy' or 'anneal')")
    E = subset_log_evidence(data)
    _, choice = K.best_partition_dp(E, n)
    masks = []
    S = (1 << n) - 1
    while S:
        T = int(choice[S])
        masks.append(T)
        S ^= T
    ev = _Evaluator(data)
    for m in masks:
        ev.cache[m] = float(E[m])
    return _result(ev, masks, "exact", True)


class _ComponentLabels:
    """Components as labels per distinct state (the index of each state's marginal state).

    The evidence of a union of two components is then a count over pairs of labels — a dense
    array when small, a hash table otherwise — rather than a hash of the masked bit strings.
    """

    def __init__(self, data: BinaryData, comps: list[int]):
        m = data.m
        bits = unpack_bits(data.states, data.n)
        check_memory(4.0 * len(comps) * m, f"greedy search labels ({len(comps)} components x {m} states)")
        self.labels = np.zeros((len(comps), m), dtype=np.int32)
        self.sizes = np.zeros(len(comps), dtype=np.int64)  # number of labels of each component
        self.slot: dict[int, int] = {}  # component mask -> row of ``labels``
        self.counts = data.counts
        self.dense_max = max(4 * m, 1 << 12)
        for k, c in enumerate(comps):
            vs = list(variables_of(c))
            if len(vs) == 1:
                self.labels[k], self.sizes[k] = bits[:, vs[0]], 2
            else:
                _, inv = np.unique(bits[:, vs], axis=0, return_inverse=True)
                self.labels[k], self.sizes[k] = inv.ravel(), int(inv.max()) + 1
            self.slot[c] = k

    def cache_unions(self, ev: _Evaluator, c: int, others: list[int]) -> None:
        """Store in ``ev.cache`` the evidence of ``c | o`` for every ``o`` in ``others``."""
        todo = [o for o in others if (c | o) not in ev.cache]
        if not todo:
            return
        sums = K.label_union_sums(self.labels, self.sizes, self.slot[c],
                                  np.array([self.slot[o] for o in todo]), self.counts, ev.table,
                                  self.dense_max)
        for o, v in zip(todo, sums):
            u = c | o
            ev.cache[u] = float(K.complete_prefactor(bin(u).count("1"), ev.N) + v)

    def merge(self, a: int, b: int) -> None:
        """Replace components ``a`` and ``b`` by their union (in the row of ``a``)."""
        sa, sb = self.slot.pop(a), self.slot.pop(b)
        new, self.sizes[sa] = K.relabel_pairs(self.labels[sa], self.sizes[sa], self.labels[sb],
                                              self.sizes[sb], self.dense_max)
        self.labels[sa] = new
        self.slot[a | b] = sa


def greedy_search(data: object, *, init: object = None) -> PartitionResult:
    """Hierarchical merging of components, each step taking the merge of largest evidence gain.

    Parameters
    ----------
    data : BinaryData or anything accepted by :func:`~spinscope.mcm.data.as_binary_data`
    init : partition, optional
        Starting partition (lists of 0-based variables); default: singletons.

    Returns
    -------
    PartitionResult
        The partition where no merge of two components increases the evidence; not guaranteed
        optimal. ``O(n**2)`` evidence evaluations of ``O(m)`` each (``m`` distinct states).

    Notes
    -----
    Each component is kept as a label per distinct state (the index of its marginal state), so
    the evidence of a union is a count over pairs of labels — a dense array when small, a hash
    table otherwise — rather than a hash of the masked bit strings.
    """
    data = as_binary_data(data)
    ev = _Evaluator(data)
    comps = [1 << i for i in range(data.n)] if init is None else normalize_partition(init, data.n)
    labels = _ComponentLabels(data, comps)
    own = {c: ev(c) for c in comps}
    gain: dict[tuple[int, int], float] = {}

    def add_gains(c: int, others: list[int]) -> None:
        labels.cache_unions(ev, c, others)
        for o in others:
            gain[(c, o) if c < o else (o, c)] = ev.cache[c | o] - own[c] - own[o]

    for i, c in enumerate(comps):
        add_gains(c, comps[i + 1:])
    while gain:
        (a, b), g = max(gain.items(), key=lambda kv: kv[1])
        if g <= 0:
            break
        for key in [k for k in gain if a in k or b in k]:
            del gain[key]
        comps = [c for c in comps if c not in (a, b)]
        labels.merge(a, b)
        own[a | b] = ev(a | b)
        add_gains(a | b, comps)
        comps.append(a | b)
    return _result(ev, comps, "greedy", False)


def anneal_schedule(steps: int, t_start: float, t_end: float) -> np.ndarray:
    """Temperature of each step of :func:`anneal_search`: geometric from ``t_start`` to ``t_end``.

    Parameters
    ----------
    steps : int
        Number of steps (proposed moves).
    t_start, t_end : float
        First and last temperature (nats of log-evidence), both > 0.

    Returns
    -------
    ndarray, shape (steps,)
        ``t_start * (t_end / t_start) ** (k / (steps - 1))`` for step ``k``: the first entry is
        ``t_start`` and the last ``t_end`` (a single step runs at ``t_start``).
    """
    steps = check_int(steps, "steps", minimum=0)
    t_start, t_end = check_positive(t_start, "t_start"), check_positive(t_end, "t_end")
    return np.geomspace(t_start, t_end, steps) if steps > 1 else np.full(steps, t_start)


def _initial_partition(data: BinaryData, init: object) -> list[int]:
    if not isinstance(init, str):
        return normalize_partition(init, data.n)
    if init == "greedy":
        return [sum(1 << v for v in c) for c in greedy_search(data).components]
    if init == "singletons":
        return [1 << i for i in range(data.n)]
    raise InputError(f"init must be 'greedy', 'singletons' or a partition, got {init!r}")


def _propose(rng: np.random.Generator, comps: list[int], n: int) -> tuple[list[int], list[int]] | None:
    """A random move ``(old components, new components)``, or None when the draw is no move.

    Kinds, each drawn with probability 1/3: *move* one variable to another component (or to a new
    one), *merge* two components, *split* one component in two at random.
    """
    kind = rng.integers(3)
    if kind == 0 and n > 1:  # move one variable
        v = int(rng.integers(n))
        src = next(c for c in comps if c >> v & 1)
        targets = [c for c in comps if c != src]
        j = int(rng.integers(len(targets) + 1))
        if j == len(targets):
            return None if src == 1 << v else ([src], [src & ~(1 << v), 1 << v])
        rest = src & ~(1 << v)
        return [src, targets[j]], [targets[j] | (1 << v)] + ([rest] if rest else [])
    if kind == 1 and len(comps) > 1:  # merge two
        i, j = rng.choice(len(comps), size=2, replace=False)
        return [comps[i], comps[j]], [comps[i] | comps[j]]
    if kind == 2:  # split one in two
        c = comps[int(rng.integers(len(comps)))]
        vs = variables_of(c)
        if len(vs) < 2:
            return None
        side = rng.integers(2, size=len(vs)).astype(bool)
        if side.all() or not side.any():
            return None
        a = sum(1 << v for v, s in zip(vs, side) if s)
        return [c], [a, c & ~a]
    return None


def anneal_search(data: object, *, steps: int = 20000, t_start: float = 1.0, t_end: float = 1e-3,
                  init: object = "greedy", seed: SeedLike = None) -> PartitionResult:
    """Simulated annealing over partitions (merge, split and move moves); returns the best seen.

    Parameters
    ----------
    data : BinaryData or anything accepted by :func:`~spinscope.mcm.data.as_binary_data`
    steps : int
        Number of proposed moves.
    t_start, t_end : float
        Temperatures (in nats of log-evidence) of the geometric schedule
        (:func:`anneal_schedule`): step ``k`` runs at its ``k``-th temperature, whether or not
        its draw is a valid move, so the last step runs at ``t_end``.
    init : "greedy", "singletons" or a partition
        Starting point (default: the greedy result, so annealing can only improve on it).
    seed : int, Generator or None
        Seed of every random choice.

    Returns
    -------
    PartitionResult
        The best partition seen; ``final_temperature`` is the temperature of the last step.

    Notes
    -----
    Moves, each proposed with probability 1/3: *move* one variable to another component (or to
    a new one), *merge* two components, *split* one component in two at random. Acceptance is
    Metropolis, ``min(1, exp(Δ log-evidence / T))``.
    """
    data = as_binary_data(data)
    temperatures = anneal_schedule(steps, t_start, t_end)
    rng = make_rng(seed)
    ev = _Evaluator(data)
    comps = _initial_partition(data, init)
    cur = sum(ev(c) for c in comps)
    best, best_comps = cur, list(comps)
    T = None  # the temperature of the step last run
    for T in temperatures:
        move = _propose(rng, comps, data.n)
        if move is None:
            continue
        old, new = move
        delta = sum(ev(c) for c in new) - sum(ev(c) for c in old)
        if delta >= 0 or rng.random() < math.exp(delta / T):
            comps = [c for c in comps if c not in old] + new
            cur += delta
            if cur > best + 1e-9:
                best, best_comps = cur, list(comps)
    res = _result(ev, best_comps, "anneal", False)
    res.final_temperature = None if T is None else float(T)
    return res
