"""Priors of the teacher's signal and their Bayes-optimal (input) denoisers.

A prior ``P0`` enters the generalised linear model through the scalar Gaussian channel
``B = r X0 + sqrt(r) Z`` (``A = r``): the tilted measure ``P0(x) exp(B x - A x^2 / 2)`` has
normaliser ``Z0(B, A)``, posterior mean ``f_in(B, A)`` and variance ``f_v(B, A)``. State
evolution needs, as functions of the signal-to-noise ratio ``r``,

* ``overlap(r) = E[f_in(B, r)^2]`` (the overlap ``q``; ``rho - overlap(r)`` is the scalar MMSE),
* ``psi(r) = E[log Z0(B, r)]`` (the prior's part of the replica free entropy).

Conventions follow Barbier, Krzakala, Macris, Miolane and Zdeborova, PNAS 116, 5451 (2019);
``rho = E[X0^2]``. Derivations in ``docs/glm.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["PRIORS", "Prior", "gauss_hermite", "make_prior"]

_GH_NODES = 161


@lru_cache(maxsize=16)
def gauss_hermite(n: int = _GH_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of ``E[h(Z)]``, ``Z ~ N(0, 1)`` (probabilists' Gauss-Hermite; read-only)."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / np.sqrt(2.0 * np.pi)
    x.flags.writeable = False
    w.flags.writeable = False
    return x, w


def _log_cosh(t: np.ndarray) -> np.ndarray:
    a = np.abs(t)
    return a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)


@dataclass(frozen=True)
class Prior:
    """A prior of the signal entries (use :func:`make_prior`).

    Attributes
    ----------
    name : {"rademacher", "gaussian", "sparse"}
    density : float
        Fraction of non-zero entries (``sparse`` only; 1 otherwise).
    rho : float
        Second moment ``E[X0^2]``.
    """

    name: str
    density: float = 1.0

    @property
    def rho(self) -> float:
        return self.density if self.name == "sparse" else 1.0

    @property
    def binary(self) -> bool:
        """Entries are ±1 (the exact posterior enumerates {±1}^N)."""
        return self.name == "rademacher"

    def sample(self, shape, rng: np.random.Generator) -> np.ndarray:
        """Teacher signals of the given shape."""
        if self.name == "rademacher":
            return rng.choice(np.array([-1.0, 1.0]), size=shape)
        x = rng.standard_normal(shape)
        if self.name == "sparse":
            x = x * (rng.random(shape) < self.density)
        return x

    # -- the denoiser ---------------------------------------------------------------------------
    def denoise(self, B: np.ndarray, A: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance of ``x`` under ``P0(x) exp(B x - A x^2 / 2)``."""
        B = np.asarray(B, dtype=float)
        if self.name == "rademacher":
            m = np.tanh(B)
            return m, 1.0 - m * m
        if self.name == "gaussian":
            v = 1.0 / (np.asarray(A, dtype=float) + 1.0 / self.rho)
            return B * v, np.broadcast_to(v, B.shape).copy()
        s = 1.0 / (1.0 + np.asarray(A, dtype=float))          # sparse: slab variance 1
        w = self._slab_weight(B, s)
        mean = w * B * s
        second = w * (s + (B * s) ** 2)
        return mean, np.maximum(second - mean * mean, 0.0)

    def _slab_weight(self, B, s):
        """Posterior probability that the entry is non-zero (computed in log space)."""
        log_slab = np.log(self.density) + 0.5 * np.log(s) + 0.5 * B * B * s
        log_spike = np.log1p(-self.density) if self.density < 1 else -np.inf
        return np.exp(log_slab - np.logaddexp(log_slab, log_spike))

    def log_z(self, B: np.ndarray, A: np.ndarray | float) -> np.ndarray:
        """``log Z0(B, A) = log E_P0[exp(B x - A x^2 / 2)]``."""
        B = np.asarray(B, dtype=float)
        A = np.asarray(A, dtype=float)
        if self.name == "rademacher":
            return _log_cosh(B) - A / 2.0
        if self.name == "gaussian":
            return -0.5 * np.log1p(self.rho * A) + 0.5 * B * B * self.rho / (1.0 + self.rho * A)
        s = 1.0 / (1.0 + A)
        log_slab = np.log(self.density) + 0.5 * np.log(s) + 0.5 * B * B * s
        log_spike = np.log1p(-self.density) if self.density < 1 else -np.inf
        return np.logaddexp(log_slab, log_spike)

    # -- scalar-channel averages (vectorised over r) ----------------------------------------------
    def _average(self, fun, r: np.ndarray) -> np.ndarray:
        """``E[fun(B, r)]`` with ``B = r X0 + sqrt(r) Z`` over ``X0 ~ P0`` and ``Z ~ N(0, 1)``."""
        r = np.asarray(r, dtype=float)[..., None]
        z, w = gauss_hermite()
        if self.name == "rademacher":          # X0 = +1 by the symmetry x -> -x
            return fun(r + np.sqrt(r) * z, r) @ w
        if self.name == "gaussian":            # B ~ N(0, r + r^2 rho)
            return fun(np.sqrt(r + r * r * self.rho) * z, r) @ w
        slab = fun(np.sqrt(r + r * r) * z, r) @ w
        spike = fun(np.sqrt(r) * z, r) @ w
        return self.density * slab + (1.0 - self.density) * spike

    def overlap(self, r: np.ndarray) -> np.ndarray:
        """``q(r) = E[f_in(B, r)^2]``; the scalar MMSE is ``rho - q(r)``."""
        r = np.maximum(np.asarray(r, dtype=float), 0.0)
        if self.name == "gaussian":
            return self.rho * self.rho * r / (1.0 + self.rho * r)
        if self.name == "rademacher":          # Nishimori: E[tanh^2] = E[tanh]
            return self._average(lambda b, rr: np.tanh(b), r)
        return self._average(lambda b, rr: self.denoise(b, rr)[0] ** 2, r)

    def psi(self, r: np.ndarray) -> np.ndarray:
        """``psi_P0(r) = E[log Z0(r X0 + sqrt(r) Z, r)]``."""
        r = np.maximum(np.asarray(r, dtype=float), 0.0)
        if self.name == "gaussian":
            return -0.5 * np.log1p(self.rho * r) + 0.5 * self.rho * r
        return self._average(lambda b, rr: self.log_z(b, rr), r)

    def entropy(self) -> float:
        """Entropy of one entry in nats (discrete priors), ``nan`` for continuous ones."""
        return float(np.log(2.0)) if self.name == "rademacher" else float("nan")

    def to_dict(self) -> dict:
        out = {"name": self.name, "rho": self.rho}
        if self.name == "sparse":
            out["density"] = self.density
        return out


PRIORS = ("rademacher", "gaussian", "sparse")


def make_prior(name: str, *, density: float = 0.5) -> Prior:
    """A prior by name: ``rademacher`` (±1), ``gaussian`` (N(0, 1)) or ``sparse``
    (Gauss-Bernoulli: 0 with probability ``1 - density``, else N(0, 1))."""
    from spinscope.errors import InputError

    if not isinstance(name, str) or name not in PRIORS:
        raise InputError(f"unknown prior {name!r}; choose one of {', '.join(PRIORS)}")
    if name == "sparse":
        if not (isinstance(density, (int, float)) and 0.0 < float(density) <= 1.0):
            raise InputError(f"the sparse prior's density must be in (0, 1], got {density!r}")
        return Prior(name, float(density))
    return Prior(name)
