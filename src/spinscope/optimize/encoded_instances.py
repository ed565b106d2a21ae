"""Random instances for the landscape-encoding studies: number partitioning, ±1 SK, sparse Max-Cut.

* ``"partition"``: ``n`` uniform reals on ``(0, 1]`` (:func:`~spinscope.optimize.partition.random_partition_numbers`);
* ``"ising"``: the Sherrington–Kirkpatrick model with couplings ``±1`` (equal probability, no
  ``1/sqrt(n)`` scale, so energies are integers), no fields;
* ``"maxcut"``: an Erdős–Rényi graph with ``round(degree * n / 2)`` distinct edges drawn
  uniformly (mean degree ``degree``), unit weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spinscope._validation import SeedLike, check_int, check_positive, make_rng
from spinscope.errors import InputError
from spinscope.models import sk
from spinscope.optimize.maxcut import maxcut_from_edges
from spinscope.optimize.partition import random_partition_numbers
from spinscope.optimize.problems import Problem

__all__ = ["LANDSCAPE_KINDS", "random_instance", "random_maxcut_problem", "sk_pm_problem"]

#: Instance families of the landscape studies and the encoded search.
LANDSCAPE_KINDS = ("partition", "ising", "maxcut")


def sk_pm_problem(n: int, *, seed: SeedLike = None) -> Problem:
    """±1 SK problem: ``J_ij = ±1`` for every pair, ``H = -sum_{i<j} J_ij s_i s_j`` (kind ``"ising"``)."""
    n = check_int(n, "n", minimum=2)
    model = sk(n, J=float(np.sqrt(n)), distribution="pm", seed=seed)
    return Problem(model, kind="ising", name=f"sk-pm-{n}")


def random_maxcut_problem(n: int, *, degree: float = 3.0, seed: SeedLike = None) -> Problem:
    """Max-Cut on an Erdős–Rényi graph with ``round(degree * n / 2)`` edges (unit weights)."""
    n = check_int(n, "n", minimum=2)
    degree = check_positive(degree, "degree")
    pairs = n * (n - 1) // 2
    m = round(degree * n / 2)
    if not 1 <= m <= pairs:
        raise InputError(f"degree {degree} gives {m} edges; n = {n} allows 1 .. {pairs}")
    rng = make_rng(seed)
    chosen = np.sort(rng.choice(pairs, size=m, replace=False))
    i = (n - 2 - np.floor(np.sqrt(-8.0 * chosen + 4 * n * (n - 1) - 7) / 2 - 0.5)).astype(np.int64)
    j = (chosen + i + 1 - n * (n - 1) // 2 + (n - i) * (n - i - 1) // 2).astype(np.int64)
    return maxcut_from_edges(np.stack([i, j], axis=1), np.ones(m), n=n)


def random_instance(kind: str, n: int, *, seed: SeedLike = None, degree: float = 3.0) -> Any:
    """One random instance of ``kind`` (:data:`LANDSCAPE_KINDS`): numbers or a :class:`Problem`."""
    if kind == "partition":
        return random_partition_numbers(n, seed=seed)
    if kind == "ising":
        return sk_pm_problem(n, seed=seed)
    if kind == "maxcut":
        return random_maxcut_problem(n, degree=degree, seed=seed)
    raise InputError(f"unknown instance kind {kind!r}; choose one of {', '.join(LANDSCAPE_KINDS)}")
