"""The Cellular Potts model (Graner & Glazier 1992) as plain data.

A configuration assigns a cell id ``sigma`` to every site of a square (2-D) or cubic (3-D)
lattice; id 0 is the medium, ids ``1..C`` are cells, cell ``c`` has the type
``cell_types[c]`` (type 0 is reserved for the medium). The energy is

    H = sum_{<ij> in contact shell} J(tau(sigma_i), tau(sigma_j)) [sigma_i != sigma_j]
        + sum_{c >= 1} lambda_V(tau_c) (V_c - V_target(tau_c))^2
        + sum_{c >= 1} lambda_S(tau_c) (S_c - S_target(tau_c))^2

with every unordered pair of sites within the contact neighbourhood counted once, ``V_c`` the
number of sites of cell ``c`` and ``S_c`` its perimeter (surface): the number of
first-order (nearest-neighbour) site pairs with one site in ``c`` and the other not.

Neighbour orders follow CompuCell3D's ``NeighborOrder``: order ``k`` takes the ``k`` nearest
shells of lattice vectors (shells of equal Euclidean length). In 2-D the shells have 4, 4, 4
and 8 vectors (lengths 1, sqrt 2, 2, sqrt 5), so orders 1-4 reach 4, 8, 12 and 20 neighbours;
in 3-D 6, 12, 8 and 6 vectors (lengths 1, sqrt 2, sqrt 3, 2): 6, 18, 26 and 32 neighbours.

Boundaries are periodic or fixed medium walls: with walls, every neighbour outside the lattice
is a medium site that never changes (it counts in contacts, surfaces and copies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope._validation import check_finite
from spinscope.errors import InputError

__all__ = ["CellularPottsModel", "neighbor_offsets", "neighbor_table"]

MAX_ORDER = 4


def neighbor_offsets(dim: int, order: int) -> np.ndarray:
    """Lattice vectors of the first ``order`` shells, sorted by length (ties lexicographically).

    Returns an int array ``(z, dim)``; the first ``2 * dim`` rows are the nearest neighbours.
    """
    if dim not in (2, 3):
        raise InputError(f"the Cellular Potts model lives on 2-D or 3-D lattices, not {dim}-D")
    if not 1 <= int(order) <= MAX_ORDER:
        raise InputError(f"neighbour order must be 1..{MAX_ORDER}, got {order}")
    r = 2
    grid = np.stack(np.meshgrid(*[np.arange(-r, r + 1)] * dim, indexing="ij"), -1).reshape(-1, dim)
    d2 = (grid**2).sum(1)
    grid, d2 = grid[d2 > 0], d2[d2 > 0]
    shells = np.unique(d2)[:order]
    keep = np.isin(d2, shells)
    grid, d2 = grid[keep], d2[keep]
    order_idx = np.lexsort((*tuple(grid.T[::-1]), d2))
    return grid[order_idx].astype(np.int64)


def neighbor_table(shape: tuple[int, ...], order: int, periodic: bool) -> np.ndarray:
    """Flat neighbour indices ``(N, z)`` (int32) of every site, shells in order.

    With walls (``periodic=False``) a neighbour outside the lattice is the ghost index ``N``: a
    medium site that is never updated.
    """
    shape = tuple(int(s) for s in shape)
    off = neighbor_offsets(len(shape), order)
    coords = np.indices(shape).reshape(len(shape), -1).T  # (N, d)
    n = coords.shape[0]
    tgt = coords[:, None, :] + off[None, :, :]  # (N, z, d)
    dims = np.array(shape)
    if periodic:
        tgt %= dims
        return np.ravel_multi_index(tuple(np.moveaxis(tgt, -1, 0)), shape).astype(np.int32)
    inside = np.all((tgt >= 0) & (tgt < dims), axis=-1)
    flat = np.ravel_multi_index(tuple(np.moveaxis(np.clip(tgt, 0, dims - 1), -1, 0)), shape)
    return np.where(inside, flat, n).astype(np.int32)


def _per_type(value: Any, n_types: int, name: str, *, positive: bool = False) -> np.ndarray:
    arr = np.array(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_types, float(arr))
        arr[0] = 0.0
    if arr.shape != (n_types,):
        raise InputError(f"{name} needs one value per cell type including the medium "
                         f"({n_types} values), got shape {arr.shape}")
    check_finite(arr, name)
    bad = arr[1:] <= 0 if positive else arr[1:] < 0
    if np.any(bad):
        t = int(np.argmax(bad)) + 1
        need = "> 0" if positive else ">= 0"
        raise InputError(f"{name} must be {need} for every cell type; type {t} has {arr[t]:g}")
    return arr


@dataclass(frozen=True)
class CellularPottsModel:
    """A Cellular Potts model: lattice, cells and their types, contact and constraint energies.

    Parameters
    ----------
    shape : tuple of int
        Lattice shape (2 or 3 sides).
    cell_types : array of int, shape (C + 1,)
        Type of each cell id; ``cell_types[0]`` must be 0 (the medium), cells have types ``>= 1``.
    J : array (n_types, n_types)
        Symmetric contact energies per unit of contact, type 0 = medium.
    target_volume, lambda_volume : float or array (n_types,)
        Volume constraint ``lambda_V (V - V_target)^2`` per type (entries of type 0 unused);
        ``target_volume > 0``, ``lambda_volume >= 0``.
    target_surface, lambda_surface : float or array (n_types,)
        Perimeter constraint (``lambda_surface = 0`` switches it off).
    T : float
        Temperature (the ``T`` of ``exp(-dH / T)``), ``>= 0``; ``T = 0`` accepts only ``dH <= 0``.
    neighbor_order, contact_order : int
        Neighbour orders (1-4) of copy attempts and of the contact energy.
    periodic : bool
        Periodic boundaries; ``False``: fixed medium walls.
    type_names : tuple of str
        Names of the types (``type_names[0]`` is the medium).
    connectivity : bool
        Refuse copies that split a cell locally (the ring of 8 neighbours of the site; 2-D only),
        as CompuCell3D's connectivity plugin does.
    """

    shape: tuple
    cell_types: Any
    J: Any
    target_volume: Any = 25.0
    lambda_volume: Any = 1.0
    target_surface: Any = 0.0
    lambda_surface: Any = 0.0
    T: float = 10.0
    neighbor_order: int = 2
    contact_order: int = 2
    periodic: bool = True
    type_names: tuple = ()
    connectivity: bool = False
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    kind = "cpm"
    state_space = None  # cell ids, not spins: sampled by spinscope.mc.cpm, not by MonteCarlo

    def __post_init__(self) -> None:
        shape = tuple(int(s) for s in np.atleast_1d(self.shape))
        if len(shape) not in (2, 3) or min(shape) < 1:
            raise InputError(f"shape must be 2 or 3 positive sides, got {self.shape}")
        J = np.array(self.J, dtype=np.float64)
        if J.ndim != 2 or J.shape[0] != J.shape[1] or J.shape[0] < 2:
            raise InputError(f"the contact table J must be a square (n_types x n_types) array with the "
                             f"medium as type 0 and at least one cell type, got shape {J.shape}")
        check_finite(J, "J")
        if not np.allclose(J, J.T, rtol=0, atol=1e-12):
            a, b = np.unravel_index(np.argmax(np.abs(J - J.T)), J.shape)
            raise InputError(f"the contact table J must be symmetric: J[{a},{b}] = {J[a, b]:g} but "
                             f"J[{b},{a}] = {J[b, a]:g}; give each pair of types one energy")
        nt = J.shape[0]
        ct = np.array(self.cell_types, dtype=np.int64).reshape(-1)
        if ct.size < 1 or ct[0] != 0:
            raise InputError("cell_types[0] must be 0: id 0 is the medium")
        if np.any(ct[1:] < 1) or np.any(ct >= nt):
            bad = int(ct[1:][(ct[1:] < 1) | (ct[1:] >= nt)][0])
            raise InputError(f"cell type {bad} is not in the contact table (cell types are 1..{nt - 1}; "
                             "0 is the medium)")
        T = float(self.T)
        if not np.isfinite(T) or T < 0:
            raise InputError(f"temperature T must be finite and >= 0, got {self.T}")
        for name in ("neighbor_order", "contact_order"):
            v = getattr(self, name)
            if int(v) != v or not 1 <= int(v) <= MAX_ORDER:
                raise InputError(f"{name} must be an integer 1..{MAX_ORDER}, got {v}")
        reach = int(np.abs(neighbor_offsets(len(shape), max(self.neighbor_order, self.contact_order))).max())
        if self.periodic and min(shape) < reach + 1:
            raise InputError(f"periodic lattice sides must be >= {reach + 1} for these neighbour "
                             f"orders (a site must not be its own neighbour), got {shape}")
        if self.connectivity and len(shape) != 2:
            raise InputError("the connectivity constraint is implemented for 2-D lattices only")
        names = tuple(self.type_names) or ("Medium", *tuple(f"type{t}" for t in range(1, nt)))
        if len(names) != nt:
            raise InputError(f"type_names needs {nt} names (medium first), got {len(names)}")
        put = object.__setattr__
        put(self, "shape", shape)
        put(self, "J", J)
        put(self, "cell_types", ct)
        put(self, "T", T)
        put(self, "neighbor_order", int(self.neighbor_order))
        put(self, "contact_order", int(self.contact_order))
        put(self, "periodic", bool(self.periodic))
        put(self, "connectivity", bool(self.connectivity))
        put(self, "type_names", names)
        put(self, "target_volume", _per_type(self.target_volume, nt, "target_volume", positive=True))
        put(self, "lambda_volume", _per_type(self.lambda_volume, nt, "lambda_volume"))
        put(self, "target_surface", _per_type(self.target_surface, nt, "target_surface"))
        put(self, "lambda_surface", _per_type(self.lambda_surface, nt, "lambda_surface"))

    # ------------------------------------------------------------------ facts
    @property
    def n(self) -> int:
        """Number of lattice sites."""
        return int(np.prod(self.shape))

    @property
    def n_cells(self) -> int:
        """Number of cells ``C`` (ids ``1..C``)."""
        return int(self.cell_types.size - 1)

    @property
    def n_types(self) -> int:
        """Number of types including the medium."""
        return int(self.J.shape[0])

    @property
    def lattice_shape(self) -> tuple[int, ...]:
        return self.shape

    def neighbors(self) -> np.ndarray:
        """Neighbour table ``(N, z)`` of the largest order used (cached; see :func:`neighbor_table`)."""
        order = max(self.neighbor_order, self.contact_order, 2 if self.connectivity else 1)
        if "nbr" not in self._cache:
            self._cache["nbr"] = neighbor_table(self.shape, order, self.periodic)
        return self._cache["nbr"]

    def shell_sizes(self) -> tuple[int, int, int]:
        """``(z_copy, z_contact, z_surface)``: neighbours used by copies, contacts, perimeters."""
        d = len(self.shape)
        return (len(neighbor_offsets(d, self.neighbor_order)), len(neighbor_offsets(d, self.contact_order)), 2 * d)

    # ------------------------------------------------------------------ state
    def check_state(self, sigma: Any, name: str = "sigma") -> np.ndarray:
        """``sigma`` as a flat int32 array of cell ids, checked against the lattice and the cells."""
        s = np.asarray(sigma)
        if s.shape != self.shape and s.shape != (self.n,):
            raise InputError(f"{name} must have the lattice shape {self.shape}, got {s.shape}")
        if s.dtype.kind not in "iu":
            if s.dtype.kind != "f" or not np.all(s == np.round(s)):
                raise InputError(f"{name} must hold integer cell ids, got dtype {s.dtype}")
        s = s.reshape(-1).astype(np.int64)
        if s.size and (s.min() < 0 or s.max() > self.n_cells):
            raise InputError(f"{name} holds cell ids outside 0..{self.n_cells} (0 is the medium)")
        return s.astype(np.int32)

    def volumes(self, sigma: Any) -> np.ndarray:
        """Volumes ``V_c`` of ids ``0..C`` (index 0: medium sites)."""
        return np.bincount(np.asarray(sigma).reshape(-1), minlength=self.n_cells + 1).astype(np.int64)

    def surfaces(self, sigma: Any) -> np.ndarray:
        """Perimeters ``S_c`` of ids ``0..C`` (first-order unlike pairs; index 0 unused)."""
        s = np.append(np.asarray(sigma).reshape(-1), 0)
        nb = s[self.neighbors()[:, : 2 * len(self.shape)]]
        unlike = (nb != s[:-1, None]).sum(1)
        return np.bincount(s[:-1], weights=unlike, minlength=self.n_cells + 1).astype(np.int64)

    def energy(self, sigma: Any) -> float:
        """The Hamiltonian of one configuration (see the module docstring)."""
        return float(self.energies(self.check_state(sigma)[None])[0])

    def energies(self, sigmas: Any) -> np.ndarray:
        """Energies of a batch of configurations ``(B, *shape)`` or ``(B, N)``."""
        s = np.asarray(sigmas)
        if s.ndim < 2 or s.size % self.n:
            raise InputError(f"energies needs a batch of configurations (B, {self.shape}), got {s.shape}")
        s = s.reshape(-1, self.n)
        if s.size and (s.min() < 0 or s.max() > self.n_cells):
            raise InputError(f"configurations hold cell ids outside 0..{self.n_cells}")
        return self._energies(s.astype(np.int64))

    def _energies(self, s: np.ndarray) -> np.ndarray:
        b, n, c1 = s.shape[0], self.n, self.n_cells + 1
        ext = np.concatenate([s, np.zeros((b, 1), np.int64)], axis=1)
        nbr = self.neighbors()[:, : self.shell_sizes()[1]]
        t = self.cell_types
        w = np.where(nbr == n, 1.0, 0.5)  # interior pairs are seen twice, wall pairs once
        nb = ext[:, nbr]
        contact = (self.J[t[s][:, :, None], t[nb]] * (nb != s[:, :, None]) * w).sum(axis=(1, 2))
        rowoff = (np.arange(b) * c1)[:, None]
        vol = np.bincount((s + rowoff).ravel(), minlength=b * c1).reshape(b, c1)[:, 1:]
        unlike = (ext[:, self.neighbors()[:, : 2 * len(self.shape)]] != s[:, :, None]).sum(2)
        surf = np.bincount((s + rowoff).ravel(), weights=unlike.ravel(), minlength=b * c1).reshape(b, c1)[:, 1:]
        tc = t[1:]
        volume = (self.lambda_volume[tc] * (vol - self.target_volume[tc]) ** 2).sum(1)
        surface = (self.lambda_surface[tc] * (surf - self.target_surface[tc]) ** 2).sum(1)
        return contact + volume + surface
