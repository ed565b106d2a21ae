"""Kernel plans: the arrays a numba kernel needs, chosen once from a model's structure.

A plan is plain, immutable data built by :func:`prepare_ising`, :func:`prepare_potts` or
:func:`prepare_multispin`; the sweep functions take a plan plus the chain state.

Ising plan kinds
----------------
``"lattice"``
    Periodic hypercubic lattice (1-3 D, every side even and >= 4) with one uniform coupling
    ``J0`` and one uniform field ``h0``: checkerboard updates with precomputed acceptance
    tables, sites addressed by (row, column) arithmetic (no neighbour table in memory).
``"colored"``
    Any sparse model: CSR couplings and a proper colouring of the coupling graph (the lattice
    two-colouring when there is one, else a greedy largest-degree-first colouring); all sites
    of one colour are conditionally independent and update in parallel, exactly.
``"dense"``
    Dense couplings (SK, Hopfield): sequential site updates with an incrementally maintained
    local field (O(n) per accepted flip).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit

from spinscope.errors import InputError
from spinscope.models.registry import model_kind

__all__ = [
    "IsingPlan",
    "MultispinPlan",
    "PottsPlan",
    "color_classes_of",
    "csr_of",
    "fourier_tables",
    "greedy_coloring",
    "prepare_ising",
    "prepare_multispin",
    "prepare_potts",
]

_KINDS = ("lattice", "colored", "dense")


@dataclass(frozen=True, eq=False)
class IsingPlan:
    """Arrays for the Ising kernels (see the module docstring for ``kind``).

    Attributes
    ----------
    kind : str
        ``"lattice"``, ``"colored"`` or ``"dense"``.
    n : int
        Number of spins.
    indptr, indices, data : ndarray
        CSR couplings (int64, int64, float64), always present (energies, cluster updates).
    fields : ndarray of float64, shape (n,)
    color_ptr, color_sites : ndarray of int64
        Sites of colour ``c`` are ``color_sites[color_ptr[c]:color_ptr[c+1]]`` (colored kind;
        for the other kinds one colour holding every site).
    dense : ndarray of float64, shape (n, n) or (0, 0)
        Dense couplings (dense kind only).
    rows, row_len : int
        Lattice kind: the lattice seen as ``rows`` rows of ``row_len`` sites (last axis).
    row_nbr : ndarray of int64, shape (rows, 2*(d-1))
        Lattice kind: the neighbouring rows of every row.
    row_par : ndarray of int64, shape (rows,)
        Lattice kind: parity of the row's coordinates (site colour = (row_par + column) % 2).
    J0, h0 : float
        Lattice kind: the uniform coupling and field.
    shape : tuple of int
        Lattice kind: the lattice shape.
    fourier : tuple of ndarray
        Lattice kind: phase tables ``(ct, sn, rre, rim)`` of :func:`fourier_tables` for the
        measured sweeps.
    z : int
        Lattice kind: coordination number ``2 d``.
    ferromagnetic, zero_field : bool
        Whether cluster updates apply.
    """

    kind: str
    n: int
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    fields: np.ndarray
    color_ptr: np.ndarray
    color_sites: np.ndarray
    dense: np.ndarray
    rows: int = 0
    row_len: int = 0
    row_nbr: np.ndarray | None = None
    row_par: np.ndarray | None = None
    J0: float = 0.0
    h0: float = 0.0
    z: int = 0
    ferromagnetic: bool = False
    zero_field: bool = False
    shape: tuple[int, ...] = ()
    fourier: tuple = ()

    @property
    def num_colors(self) -> int:
        """Number of colour classes."""
        return int(self.color_ptr.shape[0] - 1)


@dataclass(frozen=True, eq=False)
class PottsPlan:
    """Arrays for the Potts / clock kernels.

    Attributes
    ----------
    kind : str
        ``"potts"`` or ``"clock"``.
    n, q : int
    indptr, indices, data : ndarray
        CSR couplings.
    fields : ndarray of float64, shape (n, q)
        Zero when the model has none.
    pair : ndarray of float64, shape (q, q)
        ``pair[a, b] = f(a, b)`` with bond energy ``-J_ij f(s_i, s_j)``.
    color_ptr, color_sites : ndarray of int64
        Proper colouring of the coupling graph.
    ferromagnetic, zero_field : bool
    """

    kind: str
    n: int
    q: int
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    fields: np.ndarray
    pair: np.ndarray
    color_ptr: np.ndarray
    color_sites: np.ndarray
    ferromagnetic: bool = False
    zero_field: bool = False


@dataclass(frozen=True, eq=False)
class MultispinPlan:
    """Arrays for the bit-packed (64 replicas per word) kernels.

    Attributes
    ----------
    n, rows, row_len, z : int
        Lattice as ``rows`` rows of ``row_len`` sites; coordination ``z = 2 d``.
    row_nbr, row_par : ndarray of int64
        As in :class:`IsingPlan`.
    scale : float
        Common coupling magnitude ``|J|`` (> 0).
    anti : ndarray of uint8, shape (n, d)
        ``anti[i, a] = 1`` when the bond from site ``i`` to its ``+1`` neighbour along axis
        ``a`` is antiferromagnetic (``J = -scale``). Axis ``d-1`` is the row axis.
    shape : tuple of int
        The lattice shape.
    """

    n: int
    rows: int
    row_len: int
    z: int
    row_nbr: np.ndarray
    row_par: np.ndarray
    scale: float
    anti: np.ndarray
    shape: tuple[int, ...] = ()


# ---------------------------------------------------------------------------- colouring
@njit(cache=True)
def _greedy(indptr, indices, order):
    n = order.shape[0]
    color = np.full(n, -1, dtype=np.int64)
    used = np.full(n + 1, -1, dtype=np.int64)
    for t in range(n):
        i = order[t]
        for k in range(indptr[i], indptr[i + 1]):
            c = color[indices[k]]
            if c >= 0:
                used[c] = i
        c = 0
        while used[c] == i:
            c += 1
        color[i] = c
    return color


def greedy_coloring(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Proper vertex colouring (largest degree first, ties by index) of a CSR graph.

    Returns an int64 array of colours ``0 .. C-1``, shape ``(n,)``; at most ``max degree + 1``
    colours. Deterministic.
    """
    deg = np.diff(indptr)
    order = np.lexsort((np.arange(deg.size), -deg)).astype(np.int64)
    return _greedy(indptr.astype(np.int64), indices.astype(np.int64), order)


def _color_classes(color: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(color, kind="stable").astype(np.int64)
    counts = np.bincount(color)
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return ptr, order


def _is_proper(color: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> bool:
    rows = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    return bool(np.all(color[rows] != color[indices]))


def csr_of(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted CSR arrays ``(indptr, indices, data)`` (int64, int64, float64) of a model's couplings."""
    c = sp.csr_array(model.sparse_couplings())
    c.sort_indices()
    return (c.indptr.astype(np.int64), c.indices.astype(np.int64),
            np.ascontiguousarray(c.data, dtype=np.float64))


def color_classes_of(model, indptr, indices) -> tuple[np.ndarray, np.ndarray]:
    """Colour classes ``(color_ptr, color_sites)`` of a proper colouring of the coupling graph."""
    return _color_classes(_coloring_for(model, indptr, indices))


def _coloring_for(model, indptr, indices) -> np.ndarray:
    g = model.graph
    if g is not None:
        sub = g.sublattice()
        if sub is not None and _is_proper(sub.astype(np.int64), indptr, indices):
            return sub.astype(np.int64)
    return greedy_coloring(indptr, indices)


def _row_structure(shape: tuple[int, ...]) -> tuple[int, int, np.ndarray, np.ndarray]:
    """Rows of a periodic lattice: count, length, neighbouring rows, parity."""
    row_shape = shape[:-1]
    rows = int(np.prod(row_shape)) if row_shape else 1
    if not row_shape:
        return rows, shape[-1], np.zeros((1, 0), dtype=np.int64), np.zeros(1, dtype=np.int64)
    idx = np.arange(rows).reshape(row_shape)
    nbr = []
    for axis in range(len(row_shape)):
        nbr.append(np.roll(idx, 1, axis=axis).ravel())
        nbr.append(np.roll(idx, -1, axis=axis).ravel())
    par = np.indices(row_shape).reshape(len(row_shape), -1).sum(axis=0) % 2
    return rows, shape[-1], np.stack(nbr, axis=1).astype(np.int64), par.astype(np.int64)


def _periodic_even_lattice(model) -> bool:
    shape = model.lattice_shape
    return shape is not None and 1 <= len(shape) <= 3 and all(s % 2 == 0 and s >= 4 for s in shape)


def _uniform_lattice_coupling(model, indptr, data) -> float | None:
    """The common coupling if the couplings are exactly ``J0`` on every lattice bond, else None."""
    g = model.graph
    if data.size != 2 * g.num_edges or data.size == 0 or not np.all(data == data[0]):
        return None
    a = g.adjacency(1.0)
    c = model.sparse_couplings()
    if abs(c - data[0] * a).sum() != 0:
        return None
    return float(data[0])


def fourier_tables(shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Phase tables of :func:`half_sweeps_measured` for a lattice of ``shape`` (1-3 D).

    ``ct, sn`` (2, L_last/2): cos/sin of ``2 pi (2k + y0) / L_last`` for the sites ``k`` of the
    colour with column offset ``y0``; ``rre, rim`` (rows, 2): cos/sin of ``2 pi x_a / L_a`` for the
    row axes ``a = 0, 1`` of every row (zero for missing axes).
    """
    L = shape[-1]
    k = np.arange(L // 2)
    cols = np.stack([2 * k, 2 * k + 1])
    ct, sn = np.cos(2 * np.pi * cols / L), np.sin(2 * np.pi * cols / L)
    row_shape = shape[:-1]
    rows = int(np.prod(row_shape)) if row_shape else 1
    rre, rim = np.zeros((rows, 2)), np.zeros((rows, 2))
    if row_shape:
        coords = np.indices(row_shape).reshape(len(row_shape), -1)
        for a in range(len(row_shape)):
            rre[:, a] = np.cos(2 * np.pi * coords[a] / row_shape[a])
            rim[:, a] = np.sin(2 * np.pi * coords[a] / row_shape[a])
    return ct, sn, rre, rim


# ---------------------------------------------------------------------------- builders
def prepare_ising(model, *, kind: str | None = None) -> IsingPlan:
    """Choose and build the kernel plan for an :class:`~spinscope.models.IsingModel`.

    Parameters
    ----------
    model : IsingModel
    kind : {"lattice", "colored", "dense"}, optional
        Force a plan kind (``"lattice"`` only where it applies); default: ``"lattice"`` for a
        uniform periodic hypercubic lattice with even sides >= 4, ``"dense"`` for dense
        couplings, else ``"colored"``.
    """
    model_kind(model, allowed=("ising",), what="prepare_ising")
    if kind is not None and kind not in _KINDS:
        raise InputError(f"kind must be one of {_KINDS} or None, got {kind!r}")
    indptr, indices, data = csr_of(model)
    h = np.ascontiguousarray(model.fields, dtype=np.float64)
    n = model.n
    flags = dict(ferromagnetic=bool(np.all(data >= 0)), zero_field=bool(np.all(h == 0)))
    one_ptr = np.array([0, n], dtype=np.int64)
    all_sites = np.arange(n, dtype=np.int64)
    empty = np.zeros((0, 0))

    J0 = None
    if kind in (None, "lattice") and _periodic_even_lattice(model) and np.all(h == h[0]):
        J0 = _uniform_lattice_coupling(model, indptr, data)
    if kind == "lattice" and J0 is None:
        raise InputError(
            "kind='lattice' needs a periodic hypercubic lattice (1-3 D, even sides >= 4) with "
            "one uniform coupling and one uniform field; use kind=None to choose automatically")
    if J0 is not None:
        shape = model.graph.shape
        rows, row_len, row_nbr, row_par = _row_structure(shape)
        return IsingPlan("lattice", n, indptr, indices, data, h, one_ptr, all_sites, empty,
                         rows=rows, row_len=row_len, row_nbr=row_nbr, row_par=row_par,
                         J0=J0, h0=float(h[0]), z=2 * len(shape), shape=tuple(shape),
                         fourier=fourier_tables(tuple(shape)), **flags)
    if kind == "dense" or (kind is None and model.is_dense):
        dense = np.ascontiguousarray(model.dense_couplings(), dtype=np.float64)
        return IsingPlan("dense", n, indptr, indices, data, h, one_ptr, all_sites, dense, **flags)
    color = _coloring_for(model, indptr, indices)
    ptr, sites = _color_classes(color)
    return IsingPlan("colored", n, indptr, indices, data, h, ptr, sites, empty, **flags)


def prepare_potts(model) -> PottsPlan:
    """Build the kernel plan for a :class:`~spinscope.models.PottsModel` or ``ClockModel``.

    The pair energy table comes from ``model.pair_energy`` (``delta`` for Potts,
    ``cos(2 pi (a - b) / q)`` for clock). Spins must fit int8, so ``q <= 127``.
    """
    kind = model_kind(model, allowed=("potts", "clock"), what="prepare_potts")
    q = int(model.q)
    if q > 127:
        raise InputError(f"the numba kernels store states as int8, so q <= 127; got q={q}")
    indptr, indices, data = csr_of(model)
    a = np.arange(q)
    pair = np.ascontiguousarray(model.pair_energy(a[:, None], a[None, :]), dtype=np.float64)
    h = (np.zeros((model.n, q)) if model.fields is None
         else np.ascontiguousarray(model.fields, dtype=np.float64))
    color = _coloring_for(model, indptr, indices)
    ptr, sites = _color_classes(color)
    return PottsPlan(kind, model.n, q, indptr, indices, data, h, pair,
                     ptr, sites, ferromagnetic=bool(np.all(data >= 0)),
                     zero_field=bool(np.all(h == 0)))


def prepare_multispin(model) -> MultispinPlan:
    """Plan for the bit-packed kernel: 2-D/3-D periodic hypercubic Ising or ±J Edwards–Anderson.

    Requirements (else :class:`~spinscope.errors.InputError`): a periodic hypercubic lattice
    of dimension 2 or 3 with even sides >= 4, every coupling ``+scale`` or ``-scale`` on the
    lattice bonds (one common ``scale > 0``), and zero fields.
    """
    model_kind(model, allowed=("ising",), what="prepare_multispin")
    g = model.graph
    if not _periodic_even_lattice(model) or len(g.shape) not in (2, 3):
        raise InputError(
            "the bit-packed kernel needs a periodic 2-D or 3-D hypercubic lattice with even sides "
            ">= 4 (build it with hypercubic(...) or edwards_anderson(...))")
    if np.any(model.fields != 0):
        raise InputError("the bit-packed kernel needs zero fields; use ising_sweeps for fields")
    c = model.sparse_couplings()
    absval = np.abs(c.data)
    if absval.size == 0 or not np.all(absval == absval[0]):
        raise InputError(
            "the bit-packed kernel needs couplings of one magnitude (±J); use ising_sweeps for "
            "general couplings")
    scale = float(absval[0])
    shape = g.shape
    d = len(shape)
    idx = np.arange(g.n).reshape(shape)
    anti = np.zeros((g.n, d), dtype=np.uint8)
    a_all = sp.csr_array(c)
    nbond = 0
    for axis in range(d):
        nb = np.roll(idx, -1, axis=axis).ravel()
        vals = np.asarray(a_all[idx.ravel(), nb]).ravel()
        if np.any(vals == 0):
            raise InputError("the bit-packed kernel needs every lattice bond to be coupled (±J)")
        anti[:, axis] = (vals < 0).astype(np.uint8)
        nbond += g.n
    if c.nnz != 2 * nbond:
        raise InputError("the bit-packed kernel needs nearest-neighbour couplings only")
    rows, row_len, row_nbr, row_par = _row_structure(shape)
    return MultispinPlan(g.n, rows, row_len, 2 * d, row_nbr, row_par, scale, anti, tuple(shape))
