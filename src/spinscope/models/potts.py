"""q-state Potts and clock models on any graph.

Spins take the integer values ``0 .. q-1``. Energies::

    Potts:  H(s) = -sum_{i<j} J_ij delta(s_i, s_j)                 - sum_i h_i[s_i]
    clock:  H(s) = -sum_{i<j} J_ij cos(2 pi (s_i - s_j) / q)       - sum_i h_i[s_i]

with ``J`` symmetric, zero diagonal (``J_ij > 0`` ferromagnetic) and optional fields of shape
``(n, q)``. The 2-state Potts model equals the Ising model with ``J_Ising = J_Potts / 2`` up to a
constant; the 2-state clock model equals the Ising model with the same ``J``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from spinscope._validation import check_finite, check_int
from spinscope.errors import InputError
from spinscope.models.base import ModelFacts, StateSpace
from spinscope.models.graph import Graph
from spinscope.models.ising import _coerce_couplings, _is_torch

__all__ = ["ClockModel", "PottsModel"]


@dataclass(frozen=True, eq=False)
class PottsModel(ModelFacts):
    """q-state Potts model ``H = -sum_{i<j} J_ij delta(s_i, s_j) - sum_i h_i[s_i]``.

    Parameters
    ----------
    q : int
        Number of states per spin, ``q >= 2``.
    couplings : (n, n) array or scipy sparse matrix
        Symmetric, zero diagonal.
    fields : (n, q) array, optional
        Field on each state of each spin; default zero.
    graph : Graph, optional
        The lattice or graph the couplings live on.
    name : str
        A short label.
    """

    q: int
    couplings: np.ndarray | sp.csr_array
    fields: np.ndarray | None = None
    graph: Graph | None = None
    name: str = "potts"
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    kind = "potts"

    def __post_init__(self) -> None:
        q = check_int(self.q, "q", minimum=2)
        j = _coerce_couplings(self.couplings, None)
        n = j.shape[0]
        h = self.fields
        if h is not None:
            h = np.asarray(h, dtype=np.float64)
            if h.shape != (n, q):
                raise InputError(f"fields must have shape (n, q) = ({n}, {q}), got {h.shape}")
            check_finite(h, "fields")
        if self.graph is not None and self.graph.n != n:
            raise InputError(f"graph has {self.graph.n} sites but couplings describe {n} spins")
        object.__setattr__(self, "q", q)
        object.__setattr__(self, "couplings", j)
        object.__setattr__(self, "fields", h)

    @classmethod
    def from_graph(cls, graph: Graph, q: int, J: float | np.ndarray = 1.0, *, name: str | None = None):
        """Model on ``graph`` with coupling ``J`` (scalar or one value per edge)."""
        w = np.asarray(J, dtype=float)
        if w.ndim and w.shape != (graph.num_edges,):
            raise InputError(f"J must be a scalar or have one value per edge ({graph.num_edges}), got shape {w.shape}")
        return cls(q, graph.adjacency(w), graph=graph, name=name or f"{cls.kind}-{graph.kind}")

    @property
    def state_space(self) -> StateSpace:
        """States ``0 .. q-1``."""
        return StateSpace.discrete(self.q)

    def header_extras(self) -> dict:
        """Kind-specific entries of the model file header (see :mod:`spinscope.models.io`)."""
        return {"q": self.q}

    @classmethod
    def from_parts(cls, couplings, fields, *, graph, name: str, header: dict):
        """Rebuild a model from the arrays and header of a model file."""
        return cls(int(header["q"]), couplings, fields, graph=graph, name=name)

    def check_states(self, s: Any, name: str = "s") -> np.ndarray:
        """Validate integer states ``0..q-1`` of shape ``(..., n)``; return them as int64."""
        a = np.asarray(s)
        if a.ndim == 0 or a.shape[-1] != self.n:
            raise InputError(f"{name} must have shape (..., {self.n}), got {a.shape}")
        if a.dtype.kind not in "iu":
            if a.dtype.kind == "f" and np.all(a == np.round(a)):
                a = a.astype(np.int64)
            else:
                raise InputError(f"{name} must hold integer states 0..{self.q - 1}")
        if a.size and (a.min() < 0 or a.max() >= self.q):
            raise InputError(f"{name} must hold states in 0..{self.q - 1}, found {int(a.min())}..{int(a.max())}")
        return a.astype(np.int64, copy=False)

    def pair_energy(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Pair term ``f(a, b)`` (so the bond energy is ``-J f``): ``delta(a, b)`` for Potts."""
        return (a == b).astype(np.float64)

    def energy(self, s: Any) -> Any:
        """Energy of each configuration, ``s`` of shape ``(..., n)``; numpy or torch."""
        torch_in = _is_torch(s)
        if torch_in:
            import torch

            dev = s.device
            a = s.detach().cpu().numpy()
        else:
            a = np.asarray(s)
        a = self.check_states(a)
        c = self.sparse_couplings().tocoo()
        upper = c.row < c.col
        i, j, w = c.row[upper], c.col[upper], c.data[upper]
        e = -(self.pair_energy(a[..., i], a[..., j]) * w).sum(-1)
        if self.fields is not None:
            e = e - np.take_along_axis(
                np.broadcast_to(self.fields, (*a.shape, self.q)), a[..., None], axis=-1
            )[..., 0].sum(-1)
        if torch_in:
            return torch.as_tensor(e, device=dev)
        return e

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, q={self.q}, n={self.n})"


@dataclass(frozen=True, eq=False, repr=False)
class ClockModel(PottsModel):
    """q-state clock (planar Potts) model ``H = -sum_{i<j} J_ij cos(2 pi (s_i - s_j) / q)``."""

    name: str = "clock"
    kind = "clock"

    def pair_energy(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Pair term ``cos(2 pi (a - b) / q)``."""
        return np.cos(2.0 * np.pi * (a - b) / self.q)
