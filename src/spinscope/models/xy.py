"""The XY model (planar rotors): spins are angles ``theta_i`` in ``[0, 2 pi)``.

Energy::

    H(theta) = -sum_{i<j} J_ij cos(theta_i - theta_j) - sum_i (hx_i cos theta_i + hy_i sin theta_i)

with ``J`` symmetric, zero diagonal (``J_ij > 0`` ferromagnetic) and optional in-plane fields of
shape ``(n, 2)``. It is the ``q -> infinity`` limit of the clock model
(:class:`~spinscope.models.ClockModel` with ``theta = 2 pi s / q``). On the square lattice it has
the Berezinskii–Kosterlitz–Thouless transition at ``T_BKT ~= 0.893 J``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope._validation import check_finite
from spinscope.errors import InputError
from spinscope.models.base import ModelFacts, StateSpace
from spinscope.models.graph import Graph
from spinscope.models.ising import _coerce_couplings, _is_torch

__all__ = ["XYModel"]


@dataclass(frozen=True, eq=False)
class XYModel(ModelFacts):
    """Planar rotors ``H = -sum_{i<j} J_ij cos(theta_i - theta_j) - sum_i h_i . (cos, sin) theta_i``.

    Parameters
    ----------
    couplings : (n, n) array or scipy sparse matrix
        Symmetric, zero diagonal.
    fields : (n, 2) array, optional
        In-plane field ``(hx_i, hy_i)`` on each rotor; default zero.
    graph : Graph, optional
        The lattice or graph the couplings live on.
    name : str
        A short label.
    """

    couplings: Any
    fields: np.ndarray | None = None
    graph: Graph | None = None
    name: str = "xy"
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    kind = "xy"
    state_space = StateSpace.angle()

    def __post_init__(self) -> None:
        j = _coerce_couplings(self.couplings, None)
        n = j.shape[0]
        h = self.fields
        if h is not None:
            h = np.array(h, dtype=np.float64)
            if h.shape != (n, 2):
                raise InputError(f"fields must have shape (n, 2) = ({n}, 2), got {h.shape}")
            check_finite(h, "fields")
        if self.graph is not None and self.graph.n != n:
            raise InputError(f"graph has {self.graph.n} sites but couplings describe {n} spins")
        object.__setattr__(self, "couplings", j)
        object.__setattr__(self, "fields", h)

    @classmethod
    def from_graph(cls, graph: Graph, J: float | np.ndarray = 1.0, *, name: str | None = None) -> XYModel:
        """Model on ``graph`` with coupling ``J`` (scalar or one value per edge)."""
        w = np.asarray(J, dtype=float)
        if w.ndim and w.shape != (graph.num_edges,):
            raise InputError(f"J must be a scalar or have one value per edge ({graph.num_edges}), "
                             f"got shape {w.shape}")
        return cls(graph.adjacency(w), graph=graph, name=name or f"xy-{graph.kind}")

    def check_states(self, theta: Any, name: str = "theta") -> np.ndarray:
        """Validate finite angles of shape ``(..., n)``; return them as float64."""
        a = np.asarray(theta, dtype=np.float64)
        if a.ndim == 0 or a.shape[-1] != self.n:
            raise InputError(f"{name} must have shape (..., {self.n}), got {a.shape}")
        check_finite(a, name)
        return a

    def pair_energy(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Pair term ``cos(a - b)`` (bond energy ``-J cos(theta_i - theta_j)``)."""
        return np.cos(a - b)

    def energy(self, theta: Any) -> Any:
        """Energy of each configuration, ``theta`` of shape ``(..., n)``; numpy or torch."""
        if _is_torch(theta):
            import torch

            return torch.as_tensor(self.energy(theta.detach().cpu().numpy()), device=theta.device)
        a = self.check_states(theta)
        c, s = np.cos(a), np.sin(a)
        J = self.couplings
        flat_c, flat_s = c.reshape(-1, self.n), s.reshape(-1, self.n)
        bond = np.sum(flat_c * np.asarray(J @ flat_c.T).T + flat_s * np.asarray(J @ flat_s.T).T, -1)
        e = -0.5 * bond.reshape(a.shape[:-1])
        if self.fields is not None:
            e = e - (c @ self.fields[:, 0] + s @ self.fields[:, 1])
        return e

    def magnetization(self, theta: Any) -> np.ndarray:
        """Complex order parameter ``mean_i exp(i theta_i)`` of each configuration (``abs``: ``|m|``)."""
        a = self.check_states(theta)
        return np.exp(1j * a).mean(-1)

    def header_extras(self) -> dict:
        """Kind-specific entries of the model file header (none for XY)."""
        return {}

    @classmethod
    def from_parts(cls, couplings, fields, *, graph, name: str, header: dict) -> XYModel:
        """Rebuild a model from the arrays and header of a model file."""
        return cls(couplings, fields, graph=graph, name=name)

    def __repr__(self) -> str:
        return f"XYModel(name={self.name!r}, n={self.n})"
