"""Max-Cut problems from edge lists, weight matrices and graphs.

``cut(s) = sum_{i<j} w_ij (1 - s_i s_j) / 2 = (W_total - E(s)) / 2`` with the Ising energy
``E(s) = sum_{i<j} w_ij s_i s_j`` (spinscope couplings ``J = -W``, no fields); see
:mod:`spinscope.optimize.problems` for the shared :class:`Problem` object.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from spinscope._validation import check_finite, check_int
from spinscope.errors import InputError
from spinscope.models import Graph, IsingModel
from spinscope.optimize.memory import check_problem_size
from spinscope.optimize.problems import _TOL, Problem

__all__ = ["maxcut_from_edges", "maxcut_from_graph", "maxcut_from_matrix"]


def _check_edges(n: int, edges: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if edges.ndim != 2 or edges.shape[1] != 2:
        raise InputError(f"edges must have shape (E, 2), got {edges.shape}")
    if weights.shape != (edges.shape[0],):
        raise InputError(f"weights must have one value per edge ({edges.shape[0]}), got shape {weights.shape}")
    check_finite(weights, "weights")
    bad = np.flatnonzero((edges < 0).any(1) | (edges >= n).any(1))
    if bad.size:
        k = int(bad[0])
        raise InputError(f"edge {k} = {tuple(edges[k].tolist())} has a vertex outside 0..{n - 1}")
    loops = np.flatnonzero(edges[:, 0] == edges[:, 1])
    if loops.size:
        k = int(loops[0])
        raise InputError(f"edge {k} = {tuple(edges[k].tolist())} is a self-loop; Max-Cut edges join two vertices")
    canon = np.sort(edges, axis=1)
    key = canon[:, 0] * n + canon[:, 1]
    order = np.argsort(key, kind="stable")
    dup = np.flatnonzero(np.diff(key[order]) == 0)
    if dup.size:
        a, b = int(order[dup[0]]), int(order[dup[0] + 1])
        raise InputError(f"edges {a} and {b} both join vertices {tuple(canon[a].tolist())}; list each edge once")
    return canon[order], weights[order]


def maxcut_from_edges(edges: Any, weights: Any = None, *, n: int | None = None,
                      name: str = "maxcut") -> Problem:
    """Max-Cut of an undirected graph given as an edge list.

    Parameters
    ----------
    edges : (E, 2) int array
        0-based vertex pairs, each undirected edge once (no self-loops, no duplicates).
    weights : (E,) array or float, optional
        Edge weights ``w_ij`` (default 1).
    n : int, optional
        Number of vertices (default ``max(edges) + 1``).
    name : str

    Returns
    -------
    Problem
        Kind ``"maxcut"`` with ``J = -W`` (``E = sum w_ij s_i s_j``).
    """
    e = np.asarray(edges)
    if e.size == 0:
        e = e.reshape(0, 2)
    if e.dtype.kind not in "iu":
        if e.dtype.kind == "f" and np.all(np.isfinite(e)) and np.all(e == np.round(e)):
            e = e.astype(np.int64)
        else:
            raise InputError("edges must hold integer vertex indices")
    e = e.astype(np.int64)
    if n is None:
        if e.size == 0:
            raise InputError("an empty edge list needs n")
        n = int(e.max()) + 1
    n = check_int(n, "n", minimum=1)
    check_problem_size(n, e.shape[0], "maxcut_from_edges")
    w = np.ones(e.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(e.shape[0], float(w))
    e, w = _check_edges(n, e, w)
    j = sp.csr_array((np.concatenate([-w, -w]), (np.concatenate([e[:, 0], e[:, 1]]),
                                                 np.concatenate([e[:, 1], e[:, 0]]))), shape=(n, n))
    model = IsingModel(j, name=name)
    return Problem(model, kind="maxcut", edges=e, weights=w, name=name)


def maxcut_from_matrix(W: Any, *, name: str = "maxcut") -> Problem:
    """Max-Cut of a symmetric weight matrix ``W`` (dense or scipy sparse, zero diagonal).

    Parameters
    ----------
    W : array_like or scipy sparse, shape (n, n)
        Symmetric edge weights.
    name : str

    Returns
    -------
    Problem
        Kind ``"maxcut"``.
    """
    m = sp.csr_array(W, dtype=np.float64) if sp.issparse(W) else sp.csr_array(np.asarray(W, dtype=np.float64))
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise InputError(f"W must be a square matrix, got shape {m.shape}")
    check_finite(m.data, "W")
    if np.any(m.diagonal() != 0):
        k = int(np.flatnonzero(m.diagonal())[0])
        raise InputError(f"W[{k},{k}] = {m.diagonal()[k]}: Max-Cut weights need a zero diagonal (no self-loops)")
    diff = (m - m.T).tocoo()
    if diff.nnz and float(np.max(np.abs(diff.data))) > _TOL * max(1.0, float(abs(m).max())):
        k = int(np.argmax(np.abs(diff.data)))
        i, j = int(diff.row[k]), int(diff.col[k])
        raise InputError(f"W must be symmetric; W[{i},{j}] = {m[i, j]} but W[{j},{i}] = {m[j, i]}")
    up = sp.triu(m, k=1).tocoo()
    return maxcut_from_edges(np.stack([up.row, up.col], 1), up.data, n=m.shape[0], name=name)


def maxcut_from_graph(graph: Graph, weights: Any = 1.0, *, name: str | None = None) -> Problem:
    """Max-Cut of a :class:`~spinscope.models.Graph` with one weight per edge (or a scalar).

    Parameters
    ----------
    graph : Graph
    weights : float or array, shape (E,)
        Edge weights.
    name : str, optional
        Default ``maxcut-<graph kind>``.

    Returns
    -------
    Problem
        Kind ``"maxcut"``.
    """
    return maxcut_from_edges(graph.edges, weights, n=graph.n, name=name or f"maxcut-{graph.kind}")
