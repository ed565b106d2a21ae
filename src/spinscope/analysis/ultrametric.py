"""Overlaps, hierarchical clustering and an ultrametricity test, for spin states and networks alike.

Given ``M`` states (rows of ``(M, N)``: ±1 spin configurations or aligned network weight vectors):

* :func:`overlap_matrix` ``q_ab = x_a . x_b / (|x_a| |x_b|)`` (``= x_a . x_b / N`` for ±1 spins);
  with ``symmetric=True`` it is ``|q_ab|`` (for models invariant under ``x -> -x``, such as SK);
* :func:`overlap_distribution` the histogram ``P(q)`` of the off-diagonal entries;
* :func:`cluster` average-linkage clustering of the distances ``d_ab = 1 - q_ab``
  (:func:`scipy.cluster.hierarchy.linkage`), the leaf order and the cophenetic correlation
  (:func:`scipy.cluster.hierarchy.cophenet`: how well the tree's distances reproduce ``d``);
* :func:`ultrametricity_test` the fraction of triangles ``(a, b, c)`` whose two largest sides are
  equal within ``tol`` times the standard deviation of all distances, against a null model in
  which the same distances are shuffled among the pairs.

In an ultrametric space every triangle is isosceles with the two largest sides equal; Parisi's
replica-symmetry-breaking phase of the SK model is ultrametric in the thermodynamic limit
(Mézard, Parisi, Sourlas, Toulouse & Virasoro, Phys. Rev. Lett. 52, 1156 (1984)). Measuring the
gap in units of the spread of the distances makes the test insensitive to a trivially equilateral
cloud (all distances nearly equal, as for independent states above ``T_c``): there the observed
fraction equals the null model's. The tests (``tests/test_ultrametric.py``) calibrate it on SK
states from parallel tempering below and above ``T = 1``: z = 54-88 below, -2.5..3.5 above. As
triangles share sides, the shuffled null is narrower than the real spread; read ``z > 10`` as
ultrametric rather than trusting the p-value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import cophenet, leaves_list, linkage
from scipy.spatial.distance import squareform

from spinscope._validation import SeedLike, check_int, check_positive, make_rng
from spinscope.errors import InputError

__all__ = ["Clustering", "UltrametricTest", "cluster", "overlap_distribution", "overlap_matrix",
           "ultrametricity_test"]


def _states(states, minimum: int = 3) -> np.ndarray:
    x = np.asarray(states, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < minimum:
        raise InputError(f"need at least {minimum} states as rows of an (M, N) array, got shape {x.shape}; "
                         f"use M >= {minimum} states (networks)")
    if not np.all(np.isfinite(x)) or np.any(np.linalg.norm(x, axis=1) == 0):
        raise InputError("states must be finite and non-zero")
    return x


def overlap_matrix(states, *, symmetric: bool = False) -> np.ndarray:
    """Normalised overlaps ``q_ab`` (M, M) of the rows of ``states`` (|q| with ``symmetric``)."""
    x = _states(states, 2)
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    q = np.clip(u @ u.T, -1.0, 1.0)
    return np.abs(q) if symmetric else q


def overlap_distribution(q: np.ndarray, *, bins: int = 40, range_: tuple[float, float] = (-1.0, 1.0)
                         ) -> tuple[np.ndarray, np.ndarray]:
    """``(bin centres, density)`` of the off-diagonal overlaps ``q_ab``, ``a < b``."""
    vals = q[np.triu_indices(q.shape[0], 1)]
    dens, edges = np.histogram(vals, bins=check_int(bins, "bins", minimum=1), range=range_, density=True)
    return 0.5 * (edges[1:] + edges[:-1]), dens


@dataclass(frozen=True)
class Clustering:
    """Average-linkage tree of the distances ``1 - q``: ``linkage`` (scipy format), ``order`` (leaf
    order, for a sorted overlap matrix) and the cophenetic correlation."""

    linkage: np.ndarray
    order: np.ndarray
    cophenetic_correlation: float


def cluster(q: np.ndarray) -> Clustering:
    """Hierarchical clustering of the overlap matrix ``q`` (M, M), M >= 3."""
    q = np.asarray(q, dtype=float)
    if q.ndim != 2 or q.shape[0] != q.shape[1] or q.shape[0] < 3:
        raise InputError(f"clustering needs a square overlap matrix of at least 3 states, got shape {q.shape}")
    d = squareform(np.clip(1.0 - q, 0.0, None), checks=False)
    z = linkage(d, method="average")
    c, _ = cophenet(z, d)
    return Clustering(z, leaves_list(z), float(c))


@dataclass(frozen=True)
class UltrametricTest:
    """Result of :func:`ultrametricity_test`.

    ``fraction`` of ultrametric triangles, the null model's ``null_mean`` and ``null_std`` over
    ``shuffles`` shuffles, ``z = (fraction - null_mean) / null_std``, ``p_value`` (share of
    shuffles with a fraction at least the observed, with the +1 correction), ``triangles``,
    ``tol`` and the distance spread ``scale``.
    """

    fraction: float
    null_mean: float
    null_std: float
    z: float
    p_value: float
    triangles: int
    tol: float
    scale: float
    shuffles: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _triangle_fraction(d: np.ndarray, ia, ib, ic, cut: float) -> float:
    sides = np.sort(np.stack([d[ia, ib], d[ia, ic], d[ib, ic]]), axis=0)
    return float(np.mean(sides[2] - sides[1] <= cut))


def ultrametricity_test(q: np.ndarray, *, tol: float = 0.25, shuffles: int = 200,
                        seed: SeedLike = 0) -> UltrametricTest:
    """Fraction of ultrametric triangles of the distances ``d = 1 - q`` and its shuffled-null comparison.

    A triangle is counted as ultrametric when its two largest sides differ by at most
    ``tol * std(d)`` (the spread of all ``M(M-1)/2`` distances). Every triangle is used.
    """
    q = np.asarray(q, dtype=float)
    m = q.shape[0]
    if q.ndim != 2 or m != q.shape[1] or m < 3:
        raise InputError(f"the ultrametricity test needs at least 3 states (an M x M overlap matrix, M >= 3), "
                         f"got shape {q.shape}")
    tol, shuffles = check_positive(tol, "tol"), check_int(shuffles, "shuffles", minimum=1)
    iu = np.triu_indices(m, 1)
    dist = 1.0 - q[iu]
    scale = float(dist.std())
    cut = tol * scale if scale > 0 else 0.0
    ia, ib, ic = (np.asarray(v) for v in zip(*[(a, b, c) for a in range(m) for b in range(a + 1, m)
                                                for c in range(b + 1, m)], strict=True))
    d = np.zeros((m, m))
    d[iu] = dist
    d = d + d.T
    obs = _triangle_fraction(d, ia, ib, ic, cut)
    rng = make_rng(seed)
    null = np.empty(shuffles)
    for r in range(shuffles):
        dd = np.zeros((m, m))
        dd[iu] = rng.permutation(dist)
        null[r] = _triangle_fraction(dd + dd.T, ia, ib, ic, cut)
    sd = float(null.std(ddof=1)) if shuffles > 1 else 0.0
    z = (obs - float(null.mean())) / sd if sd > 0 else 0.0
    p = float((1 + np.sum(null >= obs)) / (shuffles + 1))
    return UltrametricTest(obs, float(null.mean()), sd, float(z), p, int(ia.size), tol, scale, shuffles)
