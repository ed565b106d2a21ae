"""Replica-symmetric free entropy and state evolution of Bayes-optimal GAMP.

With ``r = alpha G(q)`` (``G`` the channel's ``E[g_out^2]``, or the GRF's closed form) the state
evolution map is ``T_alpha(q) = overlap_P0(alpha G(q))`` and the replica-symmetric potential is

    Phi(q, r) = psi_P0(r) - r q / 2 + alpha Psi_out(q).

Every fixed point ``q = T_alpha(q)`` is found on a fine grid of ``q`` (clustered at both ends of
``[0, rho]``), classified stable (``T' < 1``) or unstable, and the global one is the fixed point
with the largest ``Phi`` (Barbier et al., PNAS 2019: the limit of the free entropy is
``sup_q inf_r Phi``). ``alpha_IT`` is where the global maximiser jumps; ``alpha_alg`` is where
the fixed point reached from the uninformed start ``q = 0`` jumps (the low branch disappears).
Mutual information per variable: ``I = -Phi + alpha E[log P_out(Y | Z)]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq

__all__ = ["FixedPoint", "SECurve", "StateEvolution"]


@dataclass(frozen=True)
class FixedPoint:
    """One fixed point of state evolution: overlap ``q``, conjugate ``r``, potential ``phi``."""

    q: float
    r: float
    phi: float
    stable: bool

    def to_dict(self) -> dict:
        return {"q": self.q, "r": self.r, "phi": self.phi, "stable": self.stable}


@dataclass
class SECurve:
    """State evolution along ``alpha``: the global (Bayes-optimal) and the AMP-reached branches.

    Attributes
    ----------
    alpha : (K,) array
    q, q_amp : (K,) arrays
        Overlap of the global fixed point (Bayes-optimal) and of the one reached from ``q = 0``.
    mse, mse_amp : (K,) arrays
        ``rho - q`` and ``rho - q_amp``.
    phi : (K,) array
        Free entropy of the global fixed point.
    mutual_information, conditional_entropy : (K,) arrays
        ``I(X; Y) / N`` and ``H(X | Y) / N`` in nats (the latter ``nan`` for continuous priors).
    fixed_points : list of list of FixedPoint
    """

    alpha: np.ndarray
    q: np.ndarray
    q_amp: np.ndarray
    mse: np.ndarray
    mse_amp: np.ndarray
    phi: np.ndarray
    mutual_information: np.ndarray
    conditional_entropy: np.ndarray
    fixed_points: list = field(default_factory=list)

    def to_dict(self) -> dict:
        keys = ("alpha", "q", "q_amp", "mse", "mse_amp", "phi", "mutual_information", "conditional_entropy")
        out = {k: [None if not np.isfinite(v) else float(v) for v in getattr(self, k)] for k in keys}
        out["fixed_points"] = [[fp.to_dict() for fp in fps] for fps in self.fixed_points]
        return out


def _grid(rho: float, n: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)
    q = rho * np.sin(0.5 * np.pi * t) ** 2
    return np.concatenate([q[:-1], rho * (1.0 - np.logspace(-7, -10, 4))])


class StateEvolution:
    """State evolution of a prior and an output (a :class:`~spinscope.glm.channels.Channel` or
    a :class:`~spinscope.glm.grf.GRFOutput`).

    Parameters
    ----------
    prior : Prior
    output : object with ``output_terms(q, rho) -> (G, Psi_out)`` and ``log_likelihood_mean(rho)``
    grid : int
        Points of the ``q`` grid on which fixed points are bracketed.
    """

    def __init__(self, prior, output, *, grid: int = 801) -> None:
        self.prior, self.output = prior, output
        self.rho = float(prior.rho)
        self.q = _grid(self.rho, int(grid))
        self.G, self.psi_out = output.output_terms(self.q, self.rho)
        self.loglik = float(output.log_likelihood_mean(self.rho))

    # -- the scalar maps --------------------------------------------------------------------------
    def step(self, alpha: float, q):
        """One iteration of state evolution, ``q -> overlap(alpha G(q))``."""
        G, _ = self.output.output_terms(np.atleast_1d(np.asarray(q, dtype=float)), self.rho)
        out = self.prior.overlap(alpha * G)
        return out if np.ndim(q) else float(out[0])

    def trajectory(self, alpha: float, iterations: int, q0: float = 0.0) -> np.ndarray:
        """``q_t`` for ``t = 0..iterations`` from ``q_0 = q0`` (GAMP's predicted overlaps)."""
        qs = [float(q0)]
        for _ in range(int(iterations)):
            qs.append(self.step(alpha, qs[-1]))
        return np.array(qs)

    def potential(self, alpha: float, q) -> np.ndarray:
        """``Phi(q, r(q))`` with ``r = alpha G(q)`` (equal to the free entropy at fixed points)."""
        q = np.atleast_1d(np.asarray(q, dtype=float))
        G, P = self.output.output_terms(q, self.rho)
        r = alpha * G
        return self.prior.psi(r) - 0.5 * r * q + alpha * P

    # -- fixed points -----------------------------------------------------------------------------
    def fixed_points(self, alpha: float, *, refine: bool = False) -> list[FixedPoint]:
        """Every fixed point at load ``alpha``, by increasing ``q``."""
        q, G = self.q, self.G
        d = self.prior.overlap(alpha * G) - q
        pts: list[tuple[float, bool]] = []
        if abs(d[0]) < 1e-13:
            pts.append((0.0, d[1] < 0))
        for i in np.nonzero((d[:-1] > 0) & (d[1:] <= 0) | (d[:-1] < 0) & (d[1:] >= 0))[0]:
            if i == 0 and pts:
                continue
            lo, hi = q[i], q[i + 1]
            root = lo + (hi - lo) * d[i] / (d[i] - d[i + 1])
            if refine:
                root = brentq(lambda x: self.step(alpha, x) - x, lo, hi, xtol=1e-13)
            pts.append((float(root), bool(d[i] > 0)))
        if d[-1] >= 0:                                   # perfect recovery (discrete priors)
            pts.append((float(q[-1]), True))
        return [self._point(alpha, qq, st) for qq, st in pts]

    def _point(self, alpha, q, stable) -> FixedPoint:
        G, P = (float(v[0]) for v in self.output.output_terms(np.array([q]), self.rho))
        r = alpha * G
        phi = float(self.prior.psi(np.array([r]))[0] - 0.5 * r * q + alpha * P)
        return FixedPoint(q=float(q), r=float(r), phi=phi, stable=bool(stable))

    @staticmethod
    def reached(fps: list[FixedPoint]) -> FixedPoint:
        """The fixed point GAMP reaches from the uninformed start: the lowest stable one."""
        return next(fp for fp in fps if fp.stable)

    @staticmethod
    def best(fps: list[FixedPoint]) -> FixedPoint:
        """The global (Bayes-optimal) fixed point: the stable one of largest free entropy."""
        return max((fp for fp in fps if fp.stable), key=lambda fp: fp.phi)

    def curve(self, alphas) -> SECurve:
        """Global and AMP branches at every ``alpha`` (one pass over the precomputed grid)."""
        alphas = np.asarray(alphas, dtype=float)
        rows, allfp = [], []
        for a in alphas:
            fps = self.fixed_points(a)
            g, amp = self.best(fps), self.reached(fps)
            rows.append((g.q, amp.q, g.phi))
            allfp.append(fps)
        q, q_amp, phi = (np.array(c) for c in zip(*rows)) if rows else (np.zeros(0),) * 3
        mi = -phi + alphas * self.loglik
        h = self.prior.entropy() - mi
        h = np.where(np.abs(h) < 1e-9, 0.0, h)          # perfect recovery: rounding of log 2 - I
        return SECurve(alpha=alphas, q=q, q_amp=q_amp, mse=self.rho - q, mse_amp=self.rho - q_amp,
                       phi=phi, mutual_information=mi, conditional_entropy=h, fixed_points=allfp)

    # -- thresholds -------------------------------------------------------------------------------
    def thresholds(self, *, alpha_max: float = 10.0, points: int = 200, jump: float = 0.1,
                   tol: float = 1e-5) -> dict:
        """``alpha_IT`` and ``alpha_alg``: first jumps (by more than ``jump * rho``) of the global
        and of the AMP-reached overlap on ``(0, alpha_max]``, refined by bisection to ``tol``.

        A threshold is ``None`` when its overlap does not jump on the scanned range (a continuous
        transition, or none at all: for a strictly nonlinear GRF ``q = 0`` stays stable, so GAMP
        from an uninformed start never learns).
        """
        alphas = np.linspace(alpha_max / points, alpha_max, points)
        out = {"alpha_max": alpha_max}
        for key, pick in (("alpha_it", self.best), ("alpha_alg", self.reached)):
            qs = np.array([pick(self.fixed_points(a)).q for a in alphas])
            jumps = np.nonzero(np.diff(qs) > jump * self.rho)[0]
            if len(jumps) == 0:
                out[key] = None
                continue
            i = int(jumps[0])
            lo, hi = alphas[i], alphas[i + 1]
            mid_q = 0.5 * (qs[i] + qs[i + 1])
            while hi - lo > tol:
                mid = 0.5 * (lo + hi)
                if pick(self.fixed_points(mid)).q > mid_q:
                    hi = mid
                else:
                    lo = mid
            out[key] = 0.5 * (lo + hi)
        return out
