"""What every model declares: its ``kind``, its state space, and the structural facts samplers use.

A model class (``IsingModel``, ``PottsModel``, ``ClockModel``, ``XYModel``, ...) is a frozen
dataclass holding couplings, fields and an optional graph; it mixes in :class:`ModelFacts` and
sets three class attributes:

``kind``
    Its registry name (``"ising"``, ``"potts"``, ``"clock"``, ``"xy"``); the model file format,
    the Monte Carlo rule registry and the exact enumerators dispatch on it
    (:mod:`spinscope.models.registry`).
``state_space``
    A :class:`StateSpace`: what one spin is (``±1``, ``0..q-1``, an angle), its dtype, how to draw
    and order configurations.
``pair_term`` (method, models with couplings)
    The bond function ``f(a, b)`` with bond energy ``-J_ij f(s_i, s_j)``.

Structural facts (properties of :class:`ModelFacts`): ``n``, ``is_dense``, ``is_ferromagnetic``,
``has_fields``, ``lattice_shape`` (periodic hypercubic lattices), ``layers``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["ModelFacts", "StateSpace"]


@dataclass(frozen=True)
class StateSpace:
    """The values one spin takes.

    Attributes
    ----------
    name : {"ising", "discrete", "angle"}
        ``±1`` spins, integer states ``0 .. num_states-1``, or angles in ``[0, 2 pi)``.
    dtype : numpy dtype
        How configurations are stored (int8 for discrete spaces, float64 for angles).
    num_states : int or None
        Number of values (``None`` for a continuous space).
    """

    name: str
    dtype: np.dtype
    num_states: int | None

    @property
    def values(self) -> np.ndarray | None:
        """The allowed values (``None`` for a continuous space)."""
        if self.name == "ising":
            return np.array([-1, 1], dtype=self.dtype)
        if self.name == "discrete":
            return np.arange(self.num_states, dtype=self.dtype)
        return None

    def random(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Independent uniform spins of ``shape`` (a hot start)."""
        if self.name == "angle":
            return rng.uniform(0.0, 2.0 * np.pi, size=shape).astype(self.dtype)
        vals = self.values
        return vals[rng.integers(0, vals.size, size=shape)]

    def ordered(self, shape: tuple[int, ...]) -> np.ndarray:
        """The fully ordered configuration of ``shape`` (``+1``, state 0 or angle 0: a cold start)."""
        return np.full(shape, 1 if self.name == "ising" else 0, dtype=self.dtype)

    @classmethod
    def ising(cls) -> StateSpace:
        """``±1`` spins stored as int8."""
        return cls("ising", np.dtype(np.int8), 2)

    @classmethod
    def discrete(cls, q: int) -> StateSpace:
        """States ``0 .. q-1`` stored as int8 (``q <= 127``) or int16."""
        return cls("discrete", np.dtype(np.int8 if q <= 127 else np.int16), int(q))

    @classmethod
    def angle(cls) -> StateSpace:
        """Angles in ``[0, 2 pi)`` stored as float64 (planar rotors)."""
        return cls("angle", np.dtype(np.float64), None)


class ModelFacts:
    """Structural facts shared by every coupled model (a mixin; needs ``couplings``, ``fields``,
    ``graph``)."""

    kind: str = ""
    layers: tuple[int, ...] | None = None

    @property
    def n(self) -> int:
        """Number of spins."""
        return int(self.couplings.shape[0])

    @property
    def is_dense(self) -> bool:
        """Whether the couplings are stored as a dense numpy array."""
        return not sp.issparse(self.couplings)

    @property
    def is_ferromagnetic(self) -> bool:
        """True if every coupling is >= 0 (cluster algorithms apply)."""
        data = self.couplings.data if sp.issparse(self.couplings) else self.couplings
        return bool(np.all(data >= 0))

    @property
    def has_fields(self) -> bool:
        """True if any external field is non-zero."""
        return self.fields is not None and bool(np.any(np.asarray(self.fields) != 0))

    @property
    def lattice_shape(self) -> tuple[int, ...] | None:
        """Shape of the periodic hypercubic lattice the model lives on, else ``None``."""
        g = self.graph
        if g is not None and g.kind == "hypercubic" and g.periodic and g.shape is not None:
            return tuple(g.shape)
        return None

    def sparse_couplings(self) -> sp.csr_array:
        """The couplings as ``scipy.sparse.csr_array`` (cached for dense models)."""
        if not self.is_dense:
            return self.couplings
        if "csr" not in self._cache:
            self._cache["csr"] = sp.csr_array(self.couplings)
        return self._cache["csr"]
