"""Search for the MCM (partition of the variables) of largest evidence.

* :func:`exact_search` — the global optimum, guaranteed: complete-model evidence of all ``2**n``
  subsets, then the dynamic program ``best(S) = max_{T ⊆ S, min(S) ∈ T} E(T) + best(S \\ T)``,
  ``O(3**n)`` time and ``O(2**n)`` memory (the reference code enumerates the Bell(n) partitions).
* :func:`greedy_search` — hierarchical merging: start from singletons, merge the pair of
  components that most increases the evidence, stop when no merge increases it.
* :func:`anneal_search` — simulated annealing over partitions with merge, split and move moves.

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

__all__ = ["MAX_EXACT_N", "PartitionResult", "anneal_search", "exact_search", "greedy_search"]

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
    """

    components: list[tuple[int, ...]]
    component_log_evidence: list[float]
    log_evidence: float
    search: str
    optimal: bool
    n: int
    N: int

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

    Entry ``S`` is the evidence of a complete model on the variables whose bits are set in ``S``
    (entry 0 is 0). Needs ``n <= MAX_EXACT_N``; about ``3**n`` operations.
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


def greedy_search(data: object, *, init: object = None) -> PartitionResult:
    """Hierarchical merging of components, each step taking the merge of largest evidence gain.

    Starts from ``init`` (a partition, lists of 0-based variables) or from singletons and stops
    when no merge of two components increases the evidence. ``O(n**2)`` evidence evaluations of
    ``O(m)`` each (``m`` distinct states); not guaranteed optimal.

    Notes
    -----
    Each component is kept as a label per distinct state (the index of its marginal state), so
    the evidence of a union is a count over pairs of labels — a dense array when small, a hash
    table otherwise — rather than a hash of the masked bit strings.
    """
    data = as_binary_data(data)
    ev = _Evaluator(data)
    n, m = data.n, data.m
    comps = [1 << i for i in range(n)] if init is None else normalize_partition(init, n)
    bits = unpack_bits(data.states, n)
    check_memory(4.0 * len(comps) * m, f"greedy search labels ({len(comps)} components x {m} states)")
    labels = np.zeros((len(comps), m), dtype=np.int32)
    Ks = np.zeros(len(comps), dtype=np.int64)
    slot: dict[int, int] = {}
    for k, c in enumerate(comps):
        vs = list(variables_of(c))
        if len(vs) == 1:
            labels[k], Ks[k] = bits[:, vs[0]], 2
        else:
            _, inv = np.unique(bits[:, vs], axis=0, return_inverse=True)
            labels[k], Ks[k] = inv.ravel(), int(inv.max()) + 1
        slot[c] = k
    own = {c: ev(c) for c in comps}
    dense_max = max(4 * m, 1 << 12)
    gain: dict[tuple[int, int], float] = {}

    def add_gains(c: int, others: list[int]) -> None:
        todo = [o for o in others if (c | o) not in ev.cache]
        if todo:
            sums = K.label_union_sums(labels, Ks, slot[c], np.array([slot[o] for o in todo]),
                                      data.counts, ev.table, dense_max)
            for o, v in zip(todo, sums):
                u = c | o
                ev.cache[u] = float(K.complete_prefactor(bin(u).count("1"), ev.N) + v)
        for o in others:
            key = (c, o) if c < o else (o, c)
            gain[key] = ev.cache[c | o] - own[c] - own[o]

    for i, c in enumerate(comps):
        add_gains(c, comps[i + 1:])
    while gain:
        (a, b), g = max(gain.items(), key=lambda kv: kv[1])
        if g <= 0:
            break
        merged = a | b
        for key in [k for k in gain if a in k or b in k]:
            del gain[key]
        comps = [c for c in comps if c not in (a, b)]
        sa, sb = slot.pop(a), slot.pop(b)
        new, Ks[sa] = K.relabel_pairs(labels[sa], Ks[sa], labels[sb], Ks[sb], dense_max)
        labels[sa] = new
        slot[merged] = sa
        own[merged] = ev(merged)
        add_gains(merged, comps)
        comps.append(merged)
    return _result(ev, comps, "greedy", False)


def anneal_search(data: object, *, steps: int = 20000, t_start: float = 1.0, t_end: float = 1e-3,
                  init: object = "greedy", seed: SeedLike = None) -> PartitionResult:
    """Simulated annealing over partitions (merge, split and move moves); returns the best seen.

    Parameters
    ----------
    steps : int
        Number of proposed moves.
    t_start, t_end : float
        Temperatures (in nats of log-evidence) of the geometric schedule.
    init : "greedy", "singletons" or a partition
        Starting point (default: the greedy result, so annealing can only improve on it).
    seed : int, Generator or None
        Seed of every random choice.

    Notes
    -----
    Moves, each proposed with probability 1/3: *move* one variable to another component (or to
    a new one), *merge* two components, *split* one component in two at random. Acceptance is
    Metropolis, ``min(1, exp(Δ log-evidence / T))``.
    """
    data = as_binary_data(data)
    steps = check_int(steps, "steps", minimum=0)
    t_start, t_end = check_positive(t_start, "t_start"), check_positive(t_end, "t_end")
    rng = make_rng(seed)
    ev = _Evaluator(data)
    n = data.n
    if isinstance(init, str):
        if init == "greedy":
            comps = [sum(1 << v for v in c) for c in greedy_search(data).components]
        elif init == "singletons":
            comps = [1 << i for i in range(n)]
        else:
            raise InputError(f"init must be 'greedy', 'singletons' or a partition, got {init!r}")
    else:
        comps = normalize_partition(init, n)
    cur = sum(ev(c) for c in comps)
    best, best_comps = cur, list(comps)
    ratio = (t_end / t_start) ** (1.0 / max(steps - 1, 1))
    T = t_start
    for _ in range(steps):
        kind = rng.integers(3)
        new: list[int] | None = None
        old: list[int] | None = None
        if kind == 0 and n > 1:  # move one variable
            v = int(rng.integers(n))
            src = next(c for c in comps if c >> v & 1)
            targets = [c for c in comps if c != src]
            j = int(rng.integers(len(targets) + 1))
            if j == len(targets):
                if src == 1 << v:
                    continue
                old, new = [src], [src & ~(1 << v), 1 << v]
            else:
                dst = targets[j]
                rest = src & ~(1 << v)
                old = [src, dst]
                new = [dst | (1 << v)] + ([rest] if rest else [])
        elif kind == 1 and len(comps) > 1:  # merge two
            i, j = rng.choice(len(comps), size=2, replace=False)
            old = [comps[i], comps[j]]
            new = [comps[i] | comps[j]]
        elif kind == 2:  # split one in two
            c = comps[int(rng.integers(len(comps)))]
            vs = variables_of(c)
            if len(vs) < 2:
                continue
            side = rng.integers(2, size=len(vs)).astype(bool)
            if side.all() or not side.any():
                continue
            a = sum(1 << v for v, s in zip(vs, side) if s)
            old, new = [c], [a, c & ~a]
        if new is None or old is None:
            continue
        delta = sum(ev(c) for c in new) - sum(ev(c) for c in old)
        if delta >= 0 or rng.random() < math.exp(delta / T):
            comps = [c for c in comps if c not in old] + new
            cur += delta
            if cur > best + 1e-9:
                best, best_comps = cur, list(comps)
        T *= ratio
    return _result(ev, best_comps, "anneal", False)
