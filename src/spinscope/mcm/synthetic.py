"""Synthetic data with a planted MCM, for tests, benchmarks and examples."""

from __future__ import annotations

from typing import Any

import numpy as np

from spinscope._validation import SeedLike, check_int, check_positive, make_rng
from spinscope.errors import InputError
from spinscope.mcm._partition import normalize_partition, variables_of

__all__ = ["sample_planted_mcm"]


def sample_planted_mcm(partition: Any, N: int, *, n: int | None = None, alpha: float = 0.2,
                       seed: SeedLike = None) -> np.ndarray:
    """Draw ``N`` observations from a random MCM with the given components.

    Each component of ``r`` variables gets a distribution over its ``2**r`` states drawn from a
    symmetric Dirichlet(``alpha``) (small ``alpha``: strongly structured components); components
    are independent.

    Parameters
    ----------
    partition : list of lists of int
        Components (0-based variables), covering ``0..n-1``; each of at most 20 variables.
    N : int
        Number of observations.
    n : int, optional
        Number of variables (default: the largest index + 1).
    alpha : float
        Dirichlet concentration.
    seed : int, Generator or None

    Returns
    -------
    ndarray of uint8, shape (N, n)
        0/1 observations.
    """
    comps = [list(c) for c in partition]
    if n is None:
        n = 1 + max(max(c) for c in comps)
    masks = normalize_partition(comps, n)
    N = check_int(N, "N", minimum=1)
    alpha = check_positive(alpha, "alpha")
    rng = make_rng(seed)
    out = np.zeros((N, n), dtype=np.uint8)
    for m in masks:
        vs = variables_of(m)
        r = len(vs)
        if r > 20:
            raise InputError(f"planted components have at most 20 variables, got {r}")
        p = rng.dirichlet(np.full(1 << r, alpha))
        x = rng.choice(1 << r, size=N, p=p)
        for j, v in enumerate(vs):
            out[:, v] = (x >> j) & 1
    return out
