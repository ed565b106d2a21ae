"""Disorder ensembles: Sherrington–Kirkpatrick, Edwards–Anderson, layered SK, Hopfield.

Each constructor draws from the numpy ``Generator`` derived from ``seed`` and returns an
:class:`~spinscope.models.ising.IsingModel`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from spinscope._validation import (
    SeedLike,
    as_int_tuple,
    check_int,
    check_memory,
    check_positive,
    make_rng,
)
from spinscope.errors import InputError
from spinscope.models.graph import hypercubic
from spinscope.models.ising import IsingModel

__all__ = ["edwards_anderson", "hopfield", "layered_sk", "sk"]

_DISTRIBUTIONS = ("gaussian", "pm")


def _draw(rng: np.random.Generator, distribution: str, size) -> np.ndarray:
    if distribution == "gaussian":
        return rng.standard_normal(size)
    if distribution == "pm":
        return rng.choice(np.array([-1.0, 1.0]), size=size)
    raise InputError(f"distribution must be one of {_DISTRIBUTIONS}, got {distribution!r}")


def sk(n: int, *, J: float = 1.0, J0: float = 0.0, distribution: str = "gaussian",
       seed: SeedLike = None) -> IsingModel:
    """Sherrington–Kirkpatrick model: all-to-all couplings of mean ``J0/n`` and variance ``J^2/n``.

    Parameters
    ----------
    n : int
        Number of spins (>= 2).
    J : float
        Coupling scale; the spin-glass transition of the infinite model is at ``T_c = J``.
    J0 : float
        Ferromagnetic mean coupling times n (default 0).
    distribution : {"gaussian", "pm"}
        Gaussian or ±1 (times ``J / sqrt(n)``) couplings.
    seed : int, Generator or None
        Random seed.
    """
    n = check_int(n, "n", minimum=2)
    J = check_positive(J, "J")
    check_memory(2 * 8.0 * n * n, f"an SK model with n={n} (dense couplings)")
    rng = make_rng(seed)
    upper = np.triu(_draw(rng, distribution, (n, n)) * (J / np.sqrt(n)) + J0 / n, k=1)
    return IsingModel(upper + upper.T, name=f"sk-{n}")


def edwards_anderson(shape, *, distribution: str = "pm", periodic: bool = True,
                     seed: SeedLike = None) -> IsingModel:
    """Edwards–Anderson spin glass: nearest-neighbour ±1 or Gaussian couplings on a hypercubic lattice."""
    g = hypercubic(shape, periodic=periodic)
    rng = make_rng(seed)
    w = _draw(rng, distribution, g.num_edges)
    return IsingModel.from_graph(g, w, name=f"ea-{'x'.join(map(str, g.shape))}")


def layered_sk(sizes: Sequence[int], variances: float | Sequence[float] | None = None, *,
               distribution: str = "gaussian", seed: SeedLike = None) -> IsingModel:
    """Layered (multi-layer) SK model: i.i.d. couplings between consecutive layers only.

    Parameters
    ----------
    sizes : sequence of int
        Layer sizes ``N_0, ..., N_L`` (at least two layers).
    variances : float or sequence of float, optional
        Variance ``sigma_k^2`` of the couplings between layers ``k`` and ``k+1`` (one per pair
        of layers). Default ``1 / sqrt(N_k N_{k+1})``, for which ``T_c`` is of order one.
    distribution : {"gaussian", "pm"}
    seed : int, Generator or None
    """
    sizes = as_int_tuple(sizes, "sizes", minimum=1)
    if len(sizes) < 2:
        raise InputError(f"a layered model needs at least two layers, got sizes={sizes}")
    npairs = len(sizes) - 1
    if variances is None:
        var = [1.0 / np.sqrt(sizes[k] * sizes[k + 1]) for k in range(npairs)]
    else:
        var = list(np.broadcast_to(np.asarray(variances, dtype=float), (npairs,)))
        for k, v in enumerate(var):
            check_positive(v, f"variances[{k}]")
    rng = make_rng(seed)
    weights = [_draw(rng, distribution, (sizes[k], sizes[k + 1])) * np.sqrt(var[k]) for k in range(npairs)]
    return IsingModel.from_layers(weights, name=f"layered-{'-'.join(map(str, sizes))}")


def hopfield(patterns) -> IsingModel:
    """Hopfield network ``J_ij = (1/n) sum_mu xi^mu_i xi^mu_j`` (zero diagonal) from ±1 patterns.

    Parameters
    ----------
    patterns : (p, n) array of ±1
        The stored patterns.
    """
    xi = np.asarray(patterns, dtype=float)
    if xi.ndim == 1:
        xi = xi[None, :]
    if xi.ndim != 2 or xi.shape[1] < 2:
        raise InputError(f"patterns must have shape (p, n) with n >= 2, got {xi.shape}")
    if not np.all(np.abs(xi) == 1):
        raise InputError("patterns must hold ±1 entries")
    n = xi.shape[1]
    j = xi.T @ xi / n
    np.fill_diagonal(j, 0.0)
    return IsingModel(j, name=f"hopfield-p{xi.shape[0]}-n{n}")
