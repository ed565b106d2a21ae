"""Interaction graphs: hypercubic and triangular lattices, arbitrary edge lists.

A :class:`Graph` is plain data: the number of sites and an ``(E, 2)`` array of undirected
edges ``(i, j)`` with ``i < j``, each once. Lattices also record their ``shape`` and
boundary conditions so that samplers can pick lattice kernels (checkerboard, bit-packed).

Site numbering on lattices is row-major (C order): site ``(x0, x1, ..., x_{d-1})`` has
index ``numpy.ravel_multi_index((x0, ..., x_{d-1}), shape)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spinscope._validation import as_int_tuple, check_int
from spinscope.errors import InputError

__all__ = ["Graph", "from_edges", "hypercubic", "triangular"]


@dataclass(frozen=True, eq=False)
class Graph:
    """An undirected simple graph, optionally a lattice.

    Attributes
    ----------
    n : int
        Number of sites.
    edges : ndarray of int64, shape (E, 2)
        Undirected edges ``(i, j)`` with ``i < j``, sorted, no duplicates, no self-loops.
    kind : str
        ``"hypercubic"``, ``"triangular"`` or ``"graph"`` (arbitrary).
    shape : tuple of int or None
        Lattice shape (row-major site numbering); ``None`` for arbitrary graphs.
    periodic : bool
        Periodic boundary conditions (lattices only).
    """

    n: int
    edges: np.ndarray
    kind: str = "graph"
    shape: tuple[int, ...] | None = None
    periodic: bool = False
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def num_edges(self) -> int:
        """Number of undirected edges."""
        return int(self.edges.shape[0])

    @property
    def dim(self) -> int | None:
        """Lattice dimension, or ``None`` for arbitrary graphs."""
        return None if self.shape is None else len(self.shape)

    def degrees(self) -> np.ndarray:
        """Degree of every site, shape ``(n,)``."""
        return np.bincount(self.edges.ravel(), minlength=self.n)

    def neighbor_table(self) -> np.ndarray | None:
        """``(n, z)`` table of neighbours if every site has the same degree ``z``, else ``None``.

        Neighbours of site ``i`` are listed in increasing edge order. Cached.
        """
        if "nbr" not in self._cache:
            deg = self.degrees()
            if self.n == 0 or not np.all(deg == deg[0]):
                self._cache["nbr"] = None
            else:
                src = np.concatenate([self.edges[:, 0], self.edges[:, 1]])
                dst = np.concatenate([self.edges[:, 1], self.edges[:, 0]])
                order = np.argsort(src, kind="stable")
                self._cache["nbr"] = dst[order].reshape(self.n, int(deg[0]))
        return self._cache["nbr"]

    def sublattice(self) -> np.ndarray | None:
        """Two-colouring (0/1 per site) if the graph is a bipartite hypercubic lattice, else ``None``.

        A periodic hypercubic lattice is bipartite when every side longer than 2 is even (a side
        of 2 has a single bond per pair, a side of 1 none); open lattices always are.
        """
        if self.kind != "hypercubic" or self.shape is None:
            return None
        if self.periodic and any(side % 2 for side in self.shape if side > 2):
            return None
        coords = np.indices(self.shape).reshape(len(self.shape), -1)
        return (coords.sum(axis=0) % 2).astype(np.int8)

    def adjacency(self, weights: np.ndarray | float = 1.0):
        """Symmetric ``scipy.sparse.csr_array`` with ``weights`` on the edges."""
        import scipy.sparse as sp

        w = np.broadcast_to(np.asarray(weights, dtype=float), (self.num_edges,))
        i, j = self.edges[:, 0], self.edges[:, 1]
        a = sp.coo_array(
            (np.concatenate([w, w]), (np.concatenate([i, j]), np.concatenate([j, i]))),
            shape=(self.n, self.n),
        )
        return a.tocsr()


def _canonical_edges(edges: np.ndarray) -> np.ndarray:
    e = np.sort(edges, axis=1)
    e = e[e[:, 0] != e[:, 1]]
    return np.unique(e, axis=0).astype(np.int64)


def from_edges(n: int, edges) -> Graph:
    """Build an arbitrary graph from ``n`` sites and a list of edges.

    Parameters
    ----------
    n : int
        Number of sites, sites numbered ``0 .. n-1``.
    edges : array-like of int, shape (E, 2)
        Undirected edges; each must appear once, no self-loops.

    Raises
    ------
    ValueError
        On out-of-range indices, self-loops or duplicate edges (naming the first one).
    """
    n = check_int(n, "n", minimum=1)
    e = np.asarray(edges)
    if e.size == 0:
        e = np.zeros((0, 2), dtype=np.int64)
    if e.ndim != 2 or e.shape[1] != 2:
        raise InputError(f"edges must have shape (E, 2), got {e.shape}")
    if e.dtype.kind not in "iu":
        if e.dtype.kind == "f" and np.all(np.isfinite(e)) and np.all(e == np.round(e)):
            e = e.astype(np.int64)
        else:
            raise InputError("edges must hold integer site indices")
    bad = (e < 0) | (e >= n)
    if bad.any():
        k = int(np.argwhere(bad)[0, 0])
        raise InputError(f"edge {k} = {tuple(e[k])} has a site outside 0..{n - 1}")
    loops = e[:, 0] == e[:, 1]
    if loops.any():
        k = int(np.flatnonzero(loops)[0])
        raise InputError(f"edge {k} = {tuple(e[k])} is a self-loop; remove it")
    canon = _canonical_edges(e)
    if canon.shape[0] != e.shape[0]:
        s = np.sort(e, axis=1)
        _, first = np.unique(s, axis=0, return_index=True)
        dup = sorted(set(range(len(s))) - set(first.tolist()))[0]
        raise InputError(f"edge {dup} = {tuple(e[dup])} duplicates an earlier edge")
    return Graph(n=n, edges=canon, kind="graph")


def hypercubic(shape, *, periodic: bool = True) -> Graph:
    """Hypercubic lattice in 1, 2 or 3 (or more) dimensions with nearest-neighbour bonds.

    Parameters
    ----------
    shape : int or tuple of int
        Side lengths, e.g. ``(64, 64)``; an int gives a 1-D chain.
    periodic : bool, default True
        Periodic (torus) or open boundaries. A periodic side of length 2 yields one bond
        between the two sites (no double bond); length 1 yields none.
    """
    shape = as_int_tuple(shape, "shape", minimum=1)
    n = int(np.prod(shape))
    idx = np.arange(n).reshape(shape)
    edges = []
    for axis, side in enumerate(shape):
        if periodic and side > 1:
            nb = np.roll(idx, -1, axis=axis)
            edges.append(np.stack([idx.ravel(), nb.ravel()], axis=1))
        elif side > 1:
            sl_a = [slice(None)] * len(shape)
            sl_b = [slice(None)] * len(shape)
            sl_a[axis] = slice(0, side - 1)
            sl_b[axis] = slice(1, side)
            edges.append(np.stack([idx[tuple(sl_a)].ravel(), idx[tuple(sl_b)].ravel()], axis=1))
    e = np.concatenate(edges) if edges else np.zeros((0, 2), dtype=np.int64)
    return Graph(n=n, edges=_canonical_edges(e), kind="hypercubic", shape=shape, periodic=periodic)


def triangular(shape, *, periodic: bool = True) -> Graph:
    """Triangular lattice on an ``L0 x L1`` rhombus (each site has 6 neighbours when periodic).

    Site ``(x, y)`` bonds to ``(x+1, y)``, ``(x, y+1)`` and ``(x+1, y+1)``.
    """
    shape = as_int_tuple(shape, "shape", minimum=1)
    if len(shape) == 1:
        shape = (shape[0], shape[0])
    if len(shape) != 2:
        raise InputError(f"a triangular lattice is 2-D; got shape {shape}")
    l0, l1 = shape
    x, y = np.meshgrid(np.arange(l0), np.arange(l1), indexing="ij")
    x, y = x.ravel(), y.ravel()
    edges = []
    for dx, dy in ((1, 0), (0, 1), (1, 1)):
        nx, ny = x + dx, y + dy
        if periodic:
            nx, ny = nx % l0, ny % l1
            keep = np.ones_like(nx, dtype=bool)
        else:
            keep = (nx < l0) & (ny < l1)
        edges.append(np.stack([x[keep] * l1 + y[keep], nx[keep] * l1 + ny[keep]], axis=1))
    return Graph(
        n=l0 * l1,
        edges=_canonical_edges(np.concatenate(edges)),
        kind="triangular",
        shape=shape,
        periodic=periodic,
    )
