"""Amorphous geometry of the s-d model: random positions in a periodic box, minimum-image vectors.

Positions live in the periodic box ``[0, L)^d`` (``d`` = 2 or 3). Random systems are drawn by random
sequential addition with a hard core ``min_distance`` (no two moments closer than that), so the
number density ``n / L^d`` is exact. Neighbour lists use :class:`scipy.spatial.cKDTree` with
``boxsize=L`` (periodic); displacement vectors are minimum-image vectors, which is unambiguous only
for cutoffs ``<= L/2`` (checked by :func:`check_cutoff`).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from spinscope._validation import check_int, check_positive, make_rng
from spinscope.errors import InputError

__all__ = ["box_length", "check_cutoff", "check_positions", "minimum_image", "neighbour_pairs",
           "random_positions"]


def box_length(n: int, density: float, dim: int = 3) -> float:
    """Edge ``L = (n / density)^(1/dim)`` of the periodic box holding ``n`` sites at ``density``."""
    return float((n / density) ** (1.0 / dim))


def minimum_image(d: np.ndarray, box: float) -> np.ndarray:
    """Displacements ``d`` folded into ``[-L/2, L/2)`` per component."""
    return d - box * np.round(d / box)


def random_positions(n: int, *, density: float = 1.0, dim: int = 3, min_distance: float = 0.5,
                     seed=None, max_tries: int = 200) -> tuple[np.ndarray, float]:
    """``n`` random positions with hard core ``min_distance`` in a periodic box of the given density.

    Returns
    -------
    positions : ndarray (n, dim)
    box : float
        The box edge ``L``.
    """
    n = check_int(n, "n", minimum=2)
    density = check_positive(density, "density")
    if dim not in (2, 3):
        raise InputError(f"dim must be 2 or 3, got {dim!r}")
    rng = make_rng(seed)
    box = box_length(n, density, dim)
    pos = np.empty((n, dim))
    k, tries = 0, 0
    while k < n:
        cand = rng.random(dim) * box
        if k == 0 or np.min(np.sum(minimum_image(pos[:k] - cand, box) ** 2, axis=1)) >= min_distance**2:
            pos[k] = cand
            k, tries = k + 1, 0
            continue
        tries += 1
        if tries > max_tries * n:
            raise InputError(f"cannot place {n} sites at density {density:g} with min_distance "
                             f"{min_distance:g} (the hard cores do not fit); lower the density or min_distance")
    return pos, box


def check_positions(positions, box: float, *, min_distance: float = 0.5, name: str = "positions") -> np.ndarray:
    """Validate positions ``(n, dim)``: finite, folded into the box, no two closer than ``min_distance``.

    Raises :class:`InputError` naming the first overlapping pair (minimum-image distance).
    """
    p = np.asarray(positions, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] not in (2, 3) or p.shape[0] < 2:
        raise InputError(f"{name} must have shape (n, 3) or (n, 2) with n >= 2, got {p.shape}")
    if not np.all(np.isfinite(p)):
        raise InputError(f"{name} contain NaN or infinite values")
    box = check_positive(box, "box")
    p = np.mod(p, box)
    p[p >= box] = 0.0  # np.mod can round up to box itself
    pairs = cKDTree(p, boxsize=box).query_pairs(max(min_distance, 1e-12), output_type="ndarray")
    if len(pairs):
        i, j = pairs[0]
        r = float(np.linalg.norm(minimum_image(p[j] - p[i], box)))
        raise InputError(f"{name}: sites {i} and {j} overlap (distance {r:.3g} < min_distance "
                         f"{min_distance:g}; {len(pairs)} such pairs); move them apart or lower min_distance")
    return p


def check_cutoff(cutoff: float, box: float, what: str) -> float:
    """A cutoff radius must satisfy ``0 < cutoff <= L/2`` (minimum image is then unambiguous)."""
    cutoff = check_positive(cutoff, what)
    if cutoff > box / 2:
        raise InputError(f"{what} {cutoff:g} is larger than half the box ({box / 2:.4g}, box edge {box:.4g}): "
                         "a site would see another one twice; use more sites (a larger box) or a smaller cutoff")
    return cutoff


def neighbour_pairs(positions: np.ndarray, box: float, cutoff: float):
    """All ordered pairs ``(i, j)``, ``i != j``, closer than ``cutoff`` (periodic).

    Returns
    -------
    i, j : ndarray of int
    vec : ndarray (P, dim)
        Minimum-image vectors ``x_j - x_i``.
    dist : ndarray (P,)
    """
    tree = cKDTree(positions, boxsize=box)
    pairs = tree.query_pairs(cutoff, output_type="ndarray")
    i = np.concatenate([pairs[:, 0], pairs[:, 1]]).astype(np.int64)
    j = np.concatenate([pairs[:, 1], pairs[:, 0]]).astype(np.int64)
    order = np.lexsort((j, i))
    i, j = i[order], j[order]
    vec = minimum_image(positions[j] - positions[i], box)
    return i, j, vec, np.linalg.norm(vec, axis=1)
