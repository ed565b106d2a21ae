"""Hopfield networks and restricted Boltzmann machines (RBMs) as spin models.

* :class:`HopfieldModel`: ``P`` patterns ``xi`` (shape ``(P, N)``), couplings
  ``J = xi^T xi / N`` with zero diagonal, optional field ``h`` towards one pattern::

      H(s) = -(1/2N) sum_{i != j} sum_mu xi_i^mu xi_j^mu s_i s_j - h sum_i xi_i^target s_i
           = -(N/2) sum_mu m_mu^2 + P/2 - h N m_target,     m_mu = (1/N) sum_i xi_i^mu s_i

  (for ±1 patterns). It converts to an :class:`~spinscope.models.IsingModel` (``to_ising``) for
  every sampler of spinscope; :func:`spinscope.mc.hopfield.hopfield_sample` samples it without
  the ``N x N`` matrix, keeping the ``P`` overlaps.
* :class:`RBM`: ±1 visible units ``s`` (``N``), hidden units ``tau`` (``P``) with a prior of
  Gaussian fraction ``d`` (``tau = sqrt(1-d) eps + sqrt(d) g``: 0 Boolean, 1 standard Gaussian),
  weights ``W`` (``N x P``), biases ``b``, ``c``; Gibbs measure
  ``p(s, tau) ∝ prior(tau) exp(s^T W tau + b^T s + c^T tau)`` (temperature absorbed in ``W``).
  Summing out ``tau`` gives the visible marginal (:meth:`RBM.log_marginal`); with Gaussian hidden
  units and ``W = sqrt(beta/N) xi^T`` it is the Hopfield model at ``T = 1/beta``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from spinscope._validation import check_finite, check_int, make_rng
from spinscope.errors import InputError
from spinscope.models.base import StateSpace
from spinscope.models.ising import IsingModel
from spinscope.models.registry import register_model

__all__ = ["RBM", "HopfieldModel", "hidden_log_partition", "random_patterns"]


def _check_patterns(patterns, prior_fraction: float) -> np.ndarray:
    xi = np.asarray(patterns, dtype=float)
    if xi.ndim == 1:
        xi = xi[None, :]
    if xi.ndim != 2 or xi.shape[1] < 2 or xi.shape[0] < 1:
        raise InputError(f"patterns must have shape (P, N) with P >= 1 and N >= 2, got {xi.shape}")
    check_finite(xi, "patterns")
    if prior_fraction == 0.0 and not np.all(np.abs(xi) == 1):
        bad = tuple(int(i) for i in np.argwhere(np.abs(xi) != 1)[0])
        raise InputError(f"patterns declared boolean must hold ±1 entries; found {float(xi[bad])!r} at "
                         f"index {bad}: for real-valued patterns declare a Gaussian prior "
                         f"(--prior-patterns gaussian or mixed:D; pattern_prior= in Python)")
    return xi


def random_patterns(P: int, N: int, *, prior: float = 0.0, seed=None) -> np.ndarray:
    """``P`` patterns of ``N`` entries ``sqrt(1-d) eps + sqrt(d) g`` (``d = prior``; 0: ±1)."""
    P, N = check_int(P, "P", minimum=1), check_int(N, "N", minimum=2)
    rng = make_rng(seed)
    eps = rng.choice(np.array([-1.0, 1.0]), size=(P, N))
    if prior == 0.0:
        return eps
    return np.sqrt(1.0 - prior) * eps + np.sqrt(prior) * rng.standard_normal((P, N))


@dataclass(frozen=True, eq=False)
class HopfieldModel:
    """Hopfield network with stored patterns (see the module docstring for ``H``).

    Parameters
    ----------
    patterns : (P, N) array
        Stored patterns (±1 when ``pattern_prior == 0``, real otherwise).
    field : float
        Strength ``h`` of the external field along pattern ``target``.
    target : int
        Pattern the field points to (and the default pattern of overlaps/starts).
    pattern_prior : float
        Gaussian fraction of the patterns' prior (0: Boolean, checked to be ±1).
    """

    patterns: np.ndarray
    field: float = 0.0
    target: int = 0
    pattern_prior: float = 0.0
    _cache: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        xi = _check_patterns(self.patterns, float(self.pattern_prior))
        object.__setattr__(self, "patterns", xi)
        if not np.isfinite(self.field):
            raise InputError(f"field must be finite, got {self.field!r}")
        t = check_int(self.target, "target", minimum=0)
        if t >= xi.shape[0]:
            raise InputError(f"target pattern {t} does not exist (P = {xi.shape[0]})")
        object.__setattr__(self, "target", t)

    @property
    def n(self) -> int:
        """Number of neurons ``N``."""
        return int(self.patterns.shape[1])

    @property
    def p(self) -> int:
        """Number of patterns ``P``."""
        return int(self.patterns.shape[0])

    @property
    def alpha(self) -> float:
        """Load ``P / N``."""
        return self.p / self.n

    def overlaps(self, s) -> np.ndarray:
        """Pattern overlaps ``m_mu = (1/N) sum_i xi_i^mu s_i``, shape ``(..., P)``."""
        return np.asarray(s, dtype=float) @ self.patterns.T / self.n

    def energy(self, s) -> np.ndarray:
        """``H(s)`` from the overlaps (O(N P) per configuration, no ``N x N`` matrix)."""
        m = self.overlaps(s)
        diag = (self.patterns**2).sum(axis=1) / self.n**2  # the removed i = j terms
        return (-0.5 * self.n * (m * m).sum(-1) + 0.5 * self.n * diag.sum()
                - self.field * self.n * m[..., self.target])

    def to_ising(self) -> IsingModel:
        """The same Hamiltonian as a dense :class:`IsingModel` (``N x N`` couplings)."""
        if "ising" not in self._cache:
            xi = self.patterns
            j = xi.T @ xi / self.n
            np.fill_diagonal(j, 0.0)
            h = self.field * xi[self.target] if self.field else None
            self._cache["ising"] = IsingModel(j, h, name=f"hopfield-p{self.p}-n{self.n}")
        return self._cache["ising"]


def hidden_log_partition(a, d: float) -> np.ndarray:
    """``ln E_prior exp(a tau)`` for the hidden prior of Gaussian fraction ``d`` (elementwise):
    ``d a^2 / 2 + ln cosh(sqrt(1-d) a)``."""
    a = np.asarray(a, dtype=float)
    x = np.sqrt(1.0 - d) * a
    return 0.5 * d * a * a + np.logaddexp(x, -x) - np.log(2.0)


@dataclass(frozen=True, eq=False)
class RBM:
    """Restricted Boltzmann machine with ±1 visible units (see the module docstring).

    Parameters
    ----------
    weights : (N, P) array
    visible_bias : (N,) array, optional
    hidden_bias : (P,) array, optional
    hidden_prior : float
        Gaussian fraction of the hidden prior (0 Boolean, 1 Gaussian).
    """

    weights: np.ndarray
    visible_bias: np.ndarray | None = None
    hidden_bias: np.ndarray | None = None
    hidden_prior: float = 1.0

    #: registered model kind: ``MonteCarlo("block")`` samples it (the chain state is the visible
    #: layer; hidden units are redrawn every sweep), at inverse temperature ``beta`` multiplying
    #: the whole exponent
    kind = "rbm"
    state_space = StateSpace.ising()
    lattice_shape = None

    def __post_init__(self) -> None:
        w = np.asarray(self.weights, dtype=float)
        if w.ndim != 2 or min(w.shape) < 1:
            raise InputError(f"weights must have shape (N, P), got {w.shape}")
        check_finite(w, "weights")
        b = np.zeros(w.shape[0]) if self.visible_bias is None else np.asarray(self.visible_bias, float)
        c = np.zeros(w.shape[1]) if self.hidden_bias is None else np.asarray(self.hidden_bias, float)
        if b.shape != (w.shape[0],) or c.shape != (w.shape[1],):
            raise InputError(f"biases must have shapes ({w.shape[0]},) and ({w.shape[1]},), "
                             f"got {b.shape} and {c.shape}")
        check_finite(b, "visible_bias")
        check_finite(c, "hidden_bias")
        if not 0.0 <= float(self.hidden_prior) <= 1.0:
            raise InputError(f"hidden_prior must be a Gaussian fraction in [0, 1], got {self.hidden_prior!r}")
        for name, v in (("weights", w), ("visible_bias", b), ("hidden_bias", c),
                        ("hidden_prior", float(self.hidden_prior))):
            object.__setattr__(self, name, v)

    @classmethod
    def from_hopfield(cls, model: HopfieldModel, T: float) -> RBM:
        """The RBM whose visible marginal is ``model`` at temperature ``T``: Gaussian hidden
        units, ``W = sqrt(beta / N) xi^T``, visible bias ``beta h xi^target``."""
        beta = 1.0 / float(T)
        w = np.sqrt(beta / model.n) * model.patterns.T
        b = beta * model.field * model.patterns[model.target]
        return cls(w, b, None, 1.0)

    @property
    def n(self) -> int:
        """Number of visible units (the sampled spins)."""
        return int(self.weights.shape[0])

    @property
    def n_visible(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_hidden(self) -> int:
        return int(self.weights.shape[1])

    def hidden_fields(self, s) -> np.ndarray:
        """``W^T s + c``, shape ``(..., P)``."""
        return np.asarray(s, dtype=float) @ self.weights + self.hidden_bias

    def log_marginal(self, s) -> np.ndarray:
        """Unnormalised ``ln p(s)`` of the visible units, hidden units summed out."""
        s = np.asarray(s, dtype=float)
        return s @ self.visible_bias + hidden_log_partition(self.hidden_fields(s), self.hidden_prior).sum(-1)


register_model(RBM)
