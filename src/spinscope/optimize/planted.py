"""Planted Ising instances: problems generated together with a known ground state and its energy.

Every generator returns a :class:`PlantedInstance`: an Ising :class:`~spinscope.optimize.Problem`
(spinscope's convention ``E(s) = H(s) = -sum_{i<j} J_ij s_i s_j``, zero fields, no offset: a
*positive* ``J_ij`` is ferromagnetic), the planted ground-state energy ``E0`` and one planted
ground state. Before any gauge the planted state is all spins up.

* :func:`wishart_planted`: the Wishart planted ensemble (Hamze, Raymond, Pattison, Biswas,
  Katzgraber, PRE 101, 052102 (2020)), dense couplings ``J = -(1/N) W W^T`` (diagonal removed)
  with ``W^T 1 = 0``, so ``E0 = -||W||_F^2 / (2N)``.
* :func:`tile_planted_2d`: 2-D tile planting on an ``L x L`` torus (Hamze et al., PRE 97, 043303
  (2018); Perera et al., "Chook", arXiv:2005.14344): a checkerboard of frustrated plaquettes,
  each ferromagnetic-ground-state, ``E0 = sum_p (k_p - 6)``.
* :func:`tile_planted_3d`: 3-D tile planting on an ``L x L x L`` torus (same references): unit
  cubes with 2, 4 or 6 frustrated faces (:mod:`spinscope.optimize.tiles3d`) partition the edges,
  ``E0 = -8 (n2 + n4) - 6 n6``.
* ``"xorsat"`` in :func:`planted_instance`: 3-regular 3-XORSAT with a planted solution
  (:mod:`spinscope.optimize.xorsat`), which has 3-spin terms and so is not a ``Problem``.

A gauge ``s_i -> g_i s_i``, ``J_ij -> g_i g_j J_ij`` (``gauge=True``) hides the planted state
(it becomes ``g``) without changing the energy spectrum. Derivations: ``docs/optimize.md``,
section "Planted instances".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from spinscope._validation import SeedLike, check_int, check_memory, make_rng
from spinscope.errors import InputError
from spinscope.models import IsingModel
from spinscope.optimize.memory import check_problem_size
from spinscope.optimize.problems import Problem
from spinscope.optimize.tiles3d import (
    CUBE_EDGES,
    TILE3D_CLASSES,
    TILE3D_ENERGIES,
    cube_tiles,
    tile_signs,
)
from spinscope.optimize.xorsat import XorsatInstance, xorsat_planted

__all__ = [
    "DEFAULT_TILE3D_PROBABILITIES",
    "DEFAULT_TILE_PROBABILITIES",
    "PLANTED_KINDS",
    "PlantedInstance",
    "gauge_problem",
    "planted_instance",
    "tile_planted_2d",
    "tile_planted_3d",
    "wishart_planted",
]

#: Generators of :func:`planted_instance` (and ``spinscope generate``), in help order.
PLANTED_KINDS = ("wishart", "tiles2d", "tiles3d", "xorsat")
#: Probabilities of the tile classes C1, C2, C3 (C4 takes the rest, here 0.2).
DEFAULT_TILE_PROBABILITIES = (0.2, 0.5, 0.1)
#: Probabilities of the 3-D tile classes 2FP, 4FP (6FP takes the rest, here 0.9); Chook's defaults.
DEFAULT_TILE3D_PROBABILITIES = (0.05, 0.05)
_MAX_WISHART_N = 10_000  # dense n x n couplings (0.8 GB) and a text file of 5e7 lines at this size


@dataclass(frozen=True, eq=False)
class PlantedInstance:
    """A problem with a planted ground state.

    Attributes
    ----------
    problem : Problem
        Kind ``"ising"``; ``problem.planted_energy`` equals ``energy``.
    energy : float
        The planted ground-state energy ``E0``: no state has a lower ``problem.energy``.
    state : int8 ndarray, shape (n,)
        A ground state (all ones, or the gauge ``g`` when gauged); ``-state`` is one too.
    generator : str
        ``"wishart"``, ``"tiles2d"`` or ``"tiles3d"``.
    params : dict
        The generator's settings (``n``, ``alpha``, ``L``, probabilities, ``gauge``, ...).
    """

    problem: Problem
    energy: float
    state: np.ndarray
    generator: str
    params: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of spins."""
        return self.problem.n

    @property
    def ground_energy(self) -> float:
        """The planted ground-state energy ``E0`` (the same as ``energy``)."""
        return self.energy


def _check_alpha(alpha: Any) -> float:
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise InputError(f"alpha must be a positive number (M = alpha N columns of W), got {alpha!r}") from None
    if not math.isfinite(a) or a <= 0:
        raise InputError(f"alpha must be a finite number > 0 (M = alpha N columns of W), got {alpha!r}")
    return a


def _gauge_vector(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(np.array([-1, 1], dtype=np.int8), size=n)


def gauge_problem(problem: Problem, g: Any) -> Problem:
    """Gauge transform ``J_ij -> g_i g_j J_ij``, ``h_i -> g_i h_i``: ``E'(g * s) = E(s)`` for all ``s``.

    Parameters
    ----------
    problem : Problem
        An Ising problem.
    g : array_like of ±1, shape (n,)
        The gauge.

    Returns
    -------
    Problem
        The transformed problem (same kind, offset and name); its spectrum equals the original's.
    """
    g = np.asarray(g)
    if g.shape != (problem.n,) or not np.all(np.abs(g) == 1):
        raise InputError(f"the gauge must be {problem.n} values of -1 or +1, got shape {g.shape}")
    gf = g.astype(np.float64)
    j = problem.model.couplings
    j = sp.csr_array(sp.diags_array(gf) @ j @ sp.diags_array(gf)) if sp.issparse(j) else gf[:, None] * j * gf[None, :]
    model = IsingModel(j, gf * problem.model.fields, name=problem.model.name)
    return Problem(model, offset=problem.offset, kind=problem.kind, name=problem.name,
                   planted_energy=problem.planted_energy)


def _finish(j: Any, energy: float, generator: str, name: str, params: dict, gauge: bool,
            rng: np.random.Generator) -> PlantedInstance:
    """Wrap couplings into a planted instance, applying a random gauge when asked."""
    n = j.shape[0]
    prob = Problem(IsingModel(j, np.zeros(n), name=name), kind="ising", name=name, planted_energy=energy)
    state = np.ones(n, dtype=np.int8)
    if gauge:
        state = _gauge_vector(rng, n)
        prob = gauge_problem(prob, state)
    return PlantedInstance(prob, float(energy), state, generator, {**params, "gauge": bool(gauge)})


def wishart_planted(n: int, *, alpha: float = 0.5, discrete: bool = False, gauge: bool = False,
                    seed: SeedLike = None) -> PlantedInstance:
    """An instance of the Wishart planted ensemble (Hamze et al., PRE 101, 052102 (2020)).

    ``W = sqrt(N/(N-1)) P R`` with ``P = I - 1 1^T / N`` (so ``W ~ N(0, Sigma)`` column-wise,
    ``Sigma = N/(N-1) I - 1 1^T/(N-1)``) and ``R`` an ``N x M`` matrix of i.i.d. standard
    Gaussians (``discrete=True``: ±1 entries), ``M = max(1, floor(alpha N + 1/2))``. The couplings
    are ``J = -(1/N) W W^T`` with the diagonal set to zero. Then
    ``H(s) = ||W^T s||^2 / (2N) - ||W||_F^2 / (2N)`` and ``W^T 1 = 0``: the all-ones state is a
    ground state with ``E0 = -||W||_F^2 / (2N)``. Small ``alpha`` (below about 1) gives hard,
    rugged instances; large ``alpha`` easy ones.

    Parameters
    ----------
    n : int
        Number of spins, ``2 <= N <= 10000`` (the couplings are dense).
    alpha : float
        ``M / N`` (> 0).
    discrete : bool
        Draw ``R`` with ±1 entries instead of Gaussians (the planted state stays a ground state).
    gauge : bool
        Apply a random gauge, so the planted state is a random ±1 vector.
    seed : int, Generator or None

    Returns
    -------
    PlantedInstance
        Dense couplings; ``generator="wishart"``.
    """
    n = check_int(n, "N (number of spins)", minimum=2)
    if n > _MAX_WISHART_N:
        raise InputError(f"N = {n} is too large for the dense Wishart couplings (at most {_MAX_WISHART_N})")
    alpha = _check_alpha(alpha)
    m = max(1, math.floor(alpha * n + 0.5))
    check_problem_size(n, n * (n - 1), f"the Wishart instance (N = {n})")
    check_memory(16.0 * n * m, f"the Wishart matrices R and W (N = {n}, M = {m} = alpha N)")
    rng = make_rng(seed)
    r = rng.choice([-1.0, 1.0], size=(n, m)) if discrete else rng.standard_normal((n, m))
    w = math.sqrt(n / (n - 1)) * (r - r.mean(axis=0, keepdims=True))
    j = -(w @ w.T) / n
    np.fill_diagonal(j, 0.0)
    j = 0.5 * (j + j.T)
    energy = -float(np.sum(w * w)) / (2.0 * n)
    params = {"n": n, "alpha": alpha, "m": m, "discrete": bool(discrete)}
    return _finish(j, energy, "wishart", f"wishart-{n}", params, gauge, rng)


def _check_probabilities(probabilities: Any, names: tuple[str, ...] = ("p1", "p2", "p3"),
                         rest: str = "C4") -> tuple[float, ...]:
    count = {2: "two", 3: "three"}[len(names)]
    listed = ", ".join(names)
    try:
        p = tuple(float(x) for x in probabilities)
    except (TypeError, ValueError):
        raise InputError(f"tile probabilities must be {count} numbers {listed}, got {probabilities!r}") from None
    if len(p) != len(names) or not all(math.isfinite(x) and x >= 0 for x in p):
        raise InputError(f"tile probabilities must be {count} finite numbers >= 0 ({listed}), got {probabilities!r}")
    if sum(p) > 1 + 1e-12:
        raise InputError(f"tile probabilities {' + '.join(names)} must be <= 1 ({rest} takes the rest), got "
                         f"{p} summing to {sum(p):.6g}")
    return p


def _tile_edges(L: int) -> np.ndarray:
    """Edges of the checkerboard plaquettes of the ``L x L`` torus, shape ``(L*L/2, 4, 2)``.

    Plaquette ``(r, c)`` with ``r + c`` even has corners ``(r, c), (r, c+1), (r+1, c+1), (r+1, c)``
    (site ``r L + c``, indices mod ``L``); for even ``L`` every lattice edge lies in exactly one.
    """
    r, c = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    keep = (r + c) % 2 == 0
    r, c = r[keep], c[keep]

    def site(a, b):
        return (a % L) * L + (b % L)

    corners = np.stack([site(r, c), site(r, c + 1), site(r + 1, c + 1), site(r + 1, c)], axis=1)
    return np.stack([corners, np.roll(corners, -1, axis=1)], axis=2)


def tile_planted_2d(L: int, *, probabilities: Sequence[float] = DEFAULT_TILE_PROBABILITIES,
                    gauge: bool = False, seed: SeedLike = None) -> PlantedInstance:
    """2-D tile planting on the ``L x L`` periodic square lattice (Hamze et al. 2018; Chook).

    The plaquettes ``(r, c)`` with ``r + c`` even (a checkerboard, ``L^2 / 2`` of them) cover
    every edge exactly once. Each is a frustrated tile of class ``C_k`` (``k = 1..4``, drawn with
    probabilities ``p1, p2, p3`` and ``p4 = 1 - p1 - p2 - p3``): its four edges are ferromagnetic
    ``J = 2`` except ``k`` weakened edges of ``|J| = 1``, one of which (placed at random) is
    antiferromagnetic ``J = -1``. A frustrated 4-cycle's minimum is ``-sum|J| + 2 min|J|`` =
    ``k - 6``, and the ferromagnetic state attains it on every tile at once, so
    ``E0 = sum_p (k_p - 6)``. More weakened edges (higher ``k``) means more tile ground states.

    Parameters
    ----------
    L : int
        Linear size, even, ``>= 4`` (``N = L^2`` spins).
    probabilities : three floats
        ``p1, p2, p3`` of classes C1, C2, C3 (>= 0, sum <= 1); C4 takes the rest.
        Default ``(0.2, 0.5, 0.1)``, so ``p4 = 0.2``.
    gauge : bool
        Apply a random gauge, so the planted state is a random ±1 vector.
    seed : int, Generator or None

    Returns
    -------
    PlantedInstance
        Sparse couplings (site ``r L + c``); ``generator="tiles2d"``.
    """
    L = check_int(L, "L (linear size)", minimum=4)
    if L % 2:
        raise InputError(f"L must be even for tile planting (the checkerboard of tiles must close on the torus), got {L}")
    p = _check_probabilities(probabilities)
    n = L * L
    check_problem_size(n, 4 * n, f"the tile-planted lattice (L = {L})")
    rng = make_rng(seed)
    edges = _tile_edges(L)
    tiles = edges.shape[0]
    probs = np.array([*p, max(0.0, 1.0 - sum(p))])
    k = rng.choice(4, size=tiles, p=probs / probs.sum()) + 1
    order = np.argsort(rng.random((tiles, 4)), axis=1)  # a random ranking of each tile's edges
    values = np.where(order < k[:, None], 1.0, 2.0)
    values[order == 0] = -1.0                            # the first weakened edge is antiferromagnetic
    i, jj = edges[..., 0].ravel(), edges[..., 1].ravel()
    j = sp.coo_array((values.ravel(), (i, jj)), shape=(n, n))
    j = sp.csr_array(j + j.T)
    energy = float(np.sum(k - 6))
    params = {"L": L, "n": n, "probabilities": list(p), "classes": np.bincount(k, minlength=5)[1:].tolist()}
    return _finish(j, energy, "tiles2d", f"tiles2d-{L}", params, gauge, rng)


def _tiles3d_couplings(shape: tuple[int, int, int], p: Sequence[float], rng: np.random.Generator):
    """Couplings, ``E0`` and class counts of 3-D tile planting on a periodic ``shape`` lattice.

    Each tile draws a class (probabilities ``p2, p4``, ``p6`` the rest) and one of the 48 cube
    orientations uniformly; the couplings are the sum of the tiles' edge signs (a plain partition
    for sizes ``>= 4``; sizes of 2 double edges, whose signs then add up). ``E0`` is the sum of the
    tiles' minima, :data:`~spinscope.optimize.tiles3d.TILE3D_ENERGIES`.
    """
    tiles = cube_tiles(shape)
    probs = np.array([*p, max(0.0, 1.0 - sum(p))])
    cls = rng.choice(3, size=len(tiles), p=probs / probs.sum())
    orient = rng.integers(48, size=len(tiles))
    table = np.stack([tile_signs(k) for k in TILE3D_CLASSES])           # (3, 48, 12)
    values = table[cls, orient]                                          # (tiles, 12)
    i, jj = tiles[:, CUBE_EDGES[:, 0]].ravel(), tiles[:, CUBE_EDGES[:, 1]].ravel()
    n = int(np.prod(shape))
    j = sp.coo_array((values.ravel(), (i, jj)), shape=(n, n))
    j = sp.csr_array(j + j.T)
    j.eliminate_zeros()
    counts = np.bincount(cls, minlength=3)
    energy = float(sum(int(c) * TILE3D_ENERGIES[k] for c, k in zip(counts, TILE3D_CLASSES)))
    return j, energy, counts.tolist()


def tile_planted_3d(L: int, *, probabilities: Sequence[float] = DEFAULT_TILE3D_PROBABILITIES,
                    gauge: bool = False, seed: SeedLike = None) -> PlantedInstance:
    """3-D tile planting on the ``L x L x L`` periodic cubic lattice (Hamze et al. 2018; Chook).

    The unit cubes whose lowest corner ``(x, y, z)`` has ``x = y = z (mod 2)`` (``L^3 / 4`` of
    them) partition the lattice's ``3 L^3`` edges. Each is a tile with ±1 couplings of class
    2FP, 4FP or 6FP (2, 4 or 6 frustrated faces; :mod:`spinscope.optimize.tiles3d`), drawn with
    probabilities ``p2, p4`` and ``p6 = 1 - p2 - p4``, in a random one of the cube's 48
    orientations. The all-up state minimises every tile (energies -8, -8, -6), so
    ``E0 = -8 (n2 + n4) - 6 n6``.

    Parameters
    ----------
    L : int
        Linear size, even, ``>= 4`` (``N = L^3`` spins).
    probabilities : two floats
        ``p2, p4`` of the classes 2FP and 4FP (>= 0, sum <= 1); 6FP takes the rest.
        Default ``(0.05, 0.05)`` (Chook's), so ``p6 = 0.9``.
    gauge : bool
        Apply a random gauge, so the planted state is a random ±1 vector.
    seed : int, Generator or None

    Returns
    -------
    PlantedInstance
        Sparse couplings (site ``x + L y + L^2 z``); ``generator="tiles3d"``.
    """
    L = check_int(L, "L (linear size)", minimum=4)
    if L % 2:
        raise InputError(f"L must be even for 3-D tile planting (the tiles must close on the torus), got {L}")
    p = _check_probabilities(probabilities, ("p2", "p4"), "6FP")
    n = L ** 3
    check_problem_size(n, 6 * n, f"the 3-D tile-planted lattice (L = {L})")
    rng = make_rng(seed)
    j, energy, counts = _tiles3d_couplings((L, L, L), p, rng)
    params = {"L": L, "n": n, "probabilities": list(p), "classes": counts}
    return _finish(j, energy, "tiles3d", f"tiles3d-{L}", params, gauge, rng)


def _check_size_args(kind: str, n: int | None, L: int | None) -> None:
    """One of ``n`` (wishart, xorsat) or ``L`` (tiles) must be given, not the other."""
    wants_n = kind in ("wishart", "xorsat")
    if wants_n and (n is None or L is not None):
        what = "variables" if kind == "xorsat" else "spins"
        raise InputError(f"{kind} needs N (the number of {what}) and takes no L")
    if not wants_n and (L is None or n is not None):
        raise InputError(f"{kind} needs L (the linear size, N = L^{2 if kind == 'tiles2d' else 3}) and takes no N")


def planted_instance(kind: str, *, n: int | None = None, L: int | None = None, alpha: float = 0.5,
                     discrete: bool = False, probabilities: Sequence[float] | None = None,
                     gauge: bool = False, seed: SeedLike = None) -> PlantedInstance | XorsatInstance:
    """Dispatch to a generator of :data:`PLANTED_KINDS` by name.

    Parameters
    ----------
    kind : {"wishart", "tiles2d", "tiles3d", "xorsat"}
    n : int
        Spins (``wishart``) or variables (``xorsat``).
    L : int
        Linear size (``tiles2d``, ``tiles3d``).
    alpha, discrete : Wishart settings.
    probabilities : sequence of float, optional
        Tile-class probabilities: ``p1, p2, p3`` (``tiles2d``) or ``p2, p4`` (``tiles3d``);
        None takes the generator's default.
    gauge : bool
        Random gauge (not for ``xorsat``, whose planted assignment is already random).
    seed : int, Generator or None

    Returns
    -------
    PlantedInstance or XorsatInstance
        An :class:`~spinscope.optimize.xorsat.XorsatInstance` (3-spin clauses) for ``xorsat``.
    """
    if kind not in PLANTED_KINDS:
        raise InputError(f"unknown planted generator {kind!r}; choose one of {', '.join(PLANTED_KINDS)}")
    _check_size_args(kind, n, L)
    if kind == "wishart":
        return wishart_planted(n, alpha=alpha, discrete=discrete, gauge=gauge, seed=seed)
    if kind == "xorsat":
        if gauge:
            raise InputError("xorsat takes no gauge (its planted assignment is already uniformly random)")
        return xorsat_planted(n, seed=seed)
    make = tile_planted_2d if kind == "tiles2d" else tile_planted_3d
    if probabilities is None:
        probabilities = DEFAULT_TILE_PROBABILITIES if kind == "tiles2d" else DEFAULT_TILE3D_PROBABILITIES
    return make(L, probabilities=probabilities, gauge=gauge, seed=seed)
