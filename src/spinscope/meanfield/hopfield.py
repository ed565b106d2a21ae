"""Replica-symmetric theory of Hopfield networks and restricted Boltzmann machines.

Two systems, one family of equations (derivations in ``docs/hopfield.md``):

* the **Hopfield model** with ``P = alpha N`` Boolean patterns, ``H = -(1/2N) sum_{i!=j} sum_mu
  xi_i^mu xi_j^mu s_i s_j`` at temperature ``T``: the equations of Amit, Gutfreund and Sompolinsky
  (AGS 1987) for the retrieval overlap ``m``, the Edwards-Anderson ``q`` and the noise ``r``;
* the **RBM** (bipartite spin glass) with ±1 visible units, weights ``xi / sqrt(N)`` drawn from a
  prior of Gaussian fraction ``dxi`` and hidden units with a prior of Gaussian fraction ``dh``
  (``x = sqrt(1-d) eps + sqrt(d) g``: ``d = 0`` Boolean, ``d = 1`` standard Gaussian), at inverse
  temperature ``beta`` entering as ``exp(sqrt(beta/N) sum xi_i^mu s_i tau_mu)``: the generalised
  equations of the type of Barra, Genovese, Sollich and Tantari (arXiv 1702.05882). With Boolean
  patterns and Gaussian hidden units the RBM is the Hopfield model at the same ``T`` and the
  equations are the AGS ones (``p = beta r``; the free energies differ by the constant ``alpha/2``
  of the Hopfield model's removed diagonal).

Temperatures are in the Hopfield model's units (``beta = 1/T``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf

from spinscope._validation import check_int
from spinscope.errors import InputError
from spinscope.meanfield import _hopfield_kernels as hk

__all__ = ["PRIORS", "RSPoint", "ags_solve", "ags_zero_temperature", "coexistence_temperature",
           "gaussian_grid", "prior_fraction", "retrieval_temperature", "rs_solve",
           "spin_glass_temperature"]

#: named priors -> Gaussian fraction ``d`` of ``x = sqrt(1-d) eps + sqrt(d) g``
PRIORS = {"boolean": 0.0, "gaussian": 1.0}

TOL = 1e-13
MAXIT = 100_000
M_MIN = 0.05  # a fixed point with m above this is a retrieval state
T_LOW = 0.02  # the lowest temperature the bisections start from


def prior_fraction(prior, name: str = "prior") -> float:
    """The Gaussian fraction ``d`` in ``[0, 1]`` of a prior given by name or number.

    ``"boolean"`` is 0, ``"gaussian"`` 1; a number (or ``"mixed:0.3"``) is the fraction itself:
    the variable is ``sqrt(1-d) eps + sqrt(d) g`` with ``eps = ±1`` and ``g`` standard normal.
    """
    if isinstance(prior, str):
        text = prior.strip().lower()
        if text in PRIORS:
            return PRIORS[text]
        text = text.removeprefix("mixed:")
        try:
            d = float(text)
        except ValueError:
            raise InputError(f"{name} {prior!r} is unknown: use boolean, gaussian, or a Gaussian "
                             f"fraction like mixed:0.3 (a number in [0, 1])") from None
    else:
        try:
            d = float(prior)
        except (TypeError, ValueError):
            raise InputError(f"{name} must be a prior name or a number in [0, 1], got {prior!r}") from None
    if not np.isfinite(d) or not 0.0 <= d <= 1.0:
        raise InputError(f"{name}: the Gaussian fraction must lie in [0, 1] (0 boolean, 1 gaussian), got {d}")
    return d


def gaussian_grid(n: int = 721, half_width: float = 9.0) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of ``E f(w)`` for standard normal ``w``: trapezoid on ``[-L, L]``.

    The weights include the density and sum to one.
    """
    n = check_int(n, "quadrature points", minimum=21)
    w = np.linspace(-half_width, half_width, n)
    wt = np.exp(-0.5 * w * w)
    return w, wt / wt.sum()


_GRID = gaussian_grid()
_COARSE = gaussian_grid(401, 8.5)  # for the boundaries: T_M moves by < 1e-6 against _GRID


def _check_alpha_t(alpha, temperature, *, zero_ok: bool = False) -> tuple[float, float]:
    a, t = float(alpha), float(temperature)
    if not np.isfinite(a) or a < 0 or (a == 0 and not zero_ok):
        raise InputError(f"alpha (the load P/N) must be a finite number > 0, got {alpha!r}")
    if not np.isfinite(t) or t <= 0:
        raise InputError(f"T must be a finite temperature > 0 (use ags_zero_temperature for T = 0), "
                         f"got {temperature!r}")
    return a, t


@dataclass(frozen=True)
class RSPoint:
    """One replica-symmetric solution.

    Attributes
    ----------
    alpha, T : float
        Load and temperature.
    m, q : float
        Overlap with the condensed pattern; Edwards-Anderson overlap of the visible units.
    r : float
        AGS noise parameter ``q / (1 - beta (1 - q))^2`` (``p / beta`` for the bipartite form).
    p : float
        Overlap of the non-condensed hidden units (``beta r`` for Gaussian hidden units).
    f : float
        Free energy per (visible) spin: of the zero-diagonal Hopfield model for :func:`ags_solve`,
        of the RBM measure for :func:`rs_solve`.
    iterations : int
        Fixed-point iterations used (``MAXIT``: not converged to ``TOL``, e.g. held at the bound
        ``beta (1 - q) dh < 1`` where the hidden units' response diverges: no solution).
    """

    alpha: float
    T: float
    m: float
    q: float
    r: float
    p: float
    f: float
    iterations: int

    @property
    def phase(self) -> str:
        """``"retrieval"`` (m > 0.05), ``"spin glass"`` (q > 1e-6), ``"paramagnet"``, or
        ``"none"`` (the iteration did not converge)."""
        if self.iterations >= MAXIT or not np.isfinite(self.m):
            return "none"
        return "retrieval" if self.m > M_MIN else "spin glass" if self.q > 1e-6 else "paramagnet"

    def to_dict(self) -> dict:
        return {"alpha": self.alpha, "T": self.T, "m": self.m, "q": self.q, "r": self.r, "p": self.p,
                "f": self.f, "iterations": self.iterations, "phase": self.phase}


def ags_solve(alpha: float, T: float, *, m0: float = 1.0, q0: float = 1.0,
              tol: float = TOL) -> RSPoint:
    """Solve the AGS equations at ``(alpha, T)`` by iteration from ``(m0, q0)``.

    ``m = E tanh beta(m + sqrt(alpha r) z)``, ``q = E tanh^2 beta(...)``,
    ``r = q / (1 - beta (1 - q))^2``. ``m0 > 0`` iterates from ``(m0, q0)`` (``m0 = q0 = 1``:
    the retrieval branch; if ``m`` collapses to 0 there is none and the ``m = 0`` solution is
    returned); ``m0 = 0`` gives the spin-glass solution (``q > 0``, a bracketed root,
    since plain iteration oscillates there) or the paramagnet (``q = 0``).
    """
    a, t = _check_alpha_t(alpha, T)
    beta = 1.0 / t
    if m0 == 0:
        q, r, f = hk.spin_glass_point(a, beta, 0.0, 1.0, True, *_GRID)
        return RSPoint(a, t, 0.0, float(q), float(r), float(beta * r), float(f), 0)
    m, q, r, it = hk.ags_point(a, beta, float(m0), float(q0), *_GRID, tol, MAXIT)
    if m == 0.0:  # the iteration lost the retrieval state: the m = 0 solution instead
        return ags_solve(a, t, m0=0.0)
    f = hk.ags_free_energy(a, beta, m, q, r, *_GRID) if np.isfinite(m) else np.nan
    return RSPoint(a, t, float(m), float(q), float(r), float(beta * r), float(f), int(it))


def rs_solve(alpha: float, T: float, *, pattern_prior="boolean", hidden_prior="gaussian",
             m0: float = 1.0, q0: float = 1.0, tol: float = TOL) -> RSPoint:
    """Solve the bipartite (RBM) replica-symmetric equations at ``(alpha, T)``.

    Parameters
    ----------
    alpha, T : float
        Load ``P/N`` (``0``: finitely many patterns) and temperature ``1/beta``.
    pattern_prior, hidden_prior : str or float
        Priors of the weights and of the hidden units (see :func:`prior_fraction`).
    m0, q0 : float
        Starting point of the iteration (``m0 = 1``: retrieval branch); ``m0 = 0``: the
        spin-glass or paramagnetic solution, as in :func:`ags_solve`.
    """
    a, t = _check_alpha_t(alpha, T, zero_ok=True)
    dxi = prior_fraction(pattern_prior, "pattern prior")
    dh = prior_fraction(hidden_prior, "hidden prior")
    beta = 1.0 / t
    if m0 == 0:
        q, p, f = hk.spin_glass_point(a, beta, dxi, dh, False, *_GRID)
        return RSPoint(a, t, 0.0, float(q), float(p / beta), float(p), float(f), 0)
    m, q, p, it = hk.gen_point(a, beta, dxi, dh, float(m0), float(q0), *_GRID, tol, MAXIT)
    if m == 0.0:  # the iteration lost the retrieval state: the m = 0 solution instead
        return rs_solve(a, t, pattern_prior=dxi, hidden_prior=dh, m0=0.0)
    f = hk.gen_free_energy(a, beta, dxi, dh, m, q, p, *_GRID) if np.isfinite(m) else np.nan
    return RSPoint(a, t, float(m), float(q), float(p / beta), float(p), float(f), int(it))


def ags_zero_temperature() -> tuple[float, float]:
    """The T = 0 storage capacity of the AGS equations: ``(alpha_c, m_c)``.

    At ``T = 0`` with ``C = beta (1 - q)`` finite, ``m = erf(y)``, ``C = 2 y exp(-y^2) /
    (sqrt(pi) erf(y))`` and ``alpha = erf(y)^2 (1 - C)^2 / (2 y^2)`` with ``y = m / sqrt(2 alpha r)``;
    the capacity is the maximum of ``alpha(y)``.
    """
    def alpha_of(y):
        e = erf(y)
        c = 2.0 * y * np.exp(-y * y) / (np.sqrt(np.pi) * e)
        return e * e * (1.0 - c) ** 2 / (2.0 * y * y)

    res = minimize_scalar(lambda y: -alpha_of(y), bounds=(0.8, 3.0), method="bounded",
                          options={"xatol": 1e-12})
    return float(alpha_of(res.x)), float(erf(res.x))


def _chi(beta: float, dh: float) -> float:
    d = 1.0 - beta * dh
    return dh / d + (1.0 - dh) / (d * d)


def spin_glass_temperature(alpha, *, hidden_prior="gaussian") -> np.ndarray:
    """The paramagnet -> spin-glass line ``T_g(alpha)``: root of ``beta sqrt(alpha) chi(beta) = 1``.

    ``chi = dh / (1 - beta dh) + (1 - dh) / (1 - beta dh)^2`` is the linear response of a hidden
    unit; for Gaussian hidden units (the Hopfield model) ``T_g = 1 + sqrt(alpha)``, for Boolean ones
    ``T_g = sqrt(alpha)``.
    """
    dh = prior_fraction(hidden_prior, "hidden prior")
    alphas = np.atleast_1d(np.asarray(alpha, dtype=float))
    if np.any(~np.isfinite(alphas) | (alphas <= 0)):
        raise InputError("alpha (the load P/N) must be finite and > 0")
    top = 1.0 / dh if dh > 0 else np.inf
    out = np.empty_like(alphas)
    for k, a in enumerate(alphas):
        g = lambda b, a=a: b * np.sqrt(a) * _chi(b, dh) - 1.0  # noqa: E731
        hi = top * (1 - 1e-15) if np.isfinite(top) else 2.0 / np.sqrt(a)
        out[k] = 1.0 / brentq(g, 0.0, hi, xtol=1e-15, rtol=1e-14)
    return out if np.ndim(alpha) else out[0]


def retrieval_temperature(alphas, *, pattern_prior="boolean", hidden_prior="gaussian",
                          t_max: float | None = None, dt: float = 0.02, steps: int = 14,
                          maxit: int = 1_500) -> np.ndarray:
    """``T_M(alpha)``: the highest temperature at which a retrieval state exists.

    The retrieval branch is followed up from ``T = 0.02`` (starting on the pattern) in steps of
    ``dt`` with warm starts until it is lost (``m <= 0.05``, or the hidden units' response
    diverges), then located by ``steps`` bisections (``dt 2^-14``, about 1e-6). NaN: no retrieval
    at ``T = 0.02``. ``t_max`` defaults to the ``alpha -> 0`` limit ``dh`` plus a margin.
    """
    dxi = prior_fraction(pattern_prior, "pattern prior")
    dh = prior_fraction(hidden_prior, "hidden prior")
    a = np.atleast_1d(np.asarray(alphas, dtype=float))
    if np.any(~np.isfinite(a) | (a <= 0)):
        raise InputError("alpha (the load P/N) must be finite and > 0")
    out = np.empty_like(a)
    hi = t_max if t_max is not None else max(dh, T_LOW) * 1.02 + 1e-3
    hk.tm_scan(a, dxi, dh, T_LOW, hi, float(dt), int(steps), *_COARSE, int(maxit), M_MIN, out)
    return out


def _delta_f(alpha, t, dxi, dh) -> float:
    beta = 1.0 / t
    fr = _branch_f(alpha, beta, dxi, dh, 1.0)
    fs = _branch_f(alpha, beta, dxi, dh, 0.0)
    return fr - fs


def _branch_f(alpha, beta, dxi, dh, m0) -> float:
    if m0 == 0:
        return hk.spin_glass_point(alpha, beta, dxi, dh, False, *_GRID)[2]
    m, q, p, _ = hk.gen_point(alpha, beta, dxi, dh, m0, 1.0, *_GRID, 1e-12, 20_000)
    if not m > M_MIN:
        return np.inf
    return hk.gen_free_energy(alpha, beta, dxi, dh, m, q, p, *_GRID)


def coexistence_temperature(alphas, *, pattern_prior="boolean", hidden_prior="gaussian",
                            t_m=None, xtol: float = 1e-6) -> np.ndarray:
    """``T_c(alpha)``: below it the retrieval state has a lower free energy than the spin glass.

    Root of ``f_retrieval(T) - f_spin_glass(T)`` in ``[0.02, T_M]`` (NaN where retrieval is only
    metastable down to ``T = 0.02``). ``t_m`` (the :func:`retrieval_temperature` values) may be
    passed to avoid recomputing them.
    """
    dxi = prior_fraction(pattern_prior, "pattern prior")
    dh = prior_fraction(hidden_prior, "hidden prior")
    a = np.atleast_1d(np.asarray(alphas, dtype=float))
    tm = retrieval_temperature(a, pattern_prior=dxi, hidden_prior=dh) if t_m is None else np.asarray(t_m)
    out = np.full_like(a, np.nan)
    for k, (al, top) in enumerate(zip(a, tm)):
        if not np.isfinite(top) or _delta_f(al, T_LOW, dxi, dh) >= 0:
            continue
        hi = top * (1 - 1e-9)
        if _delta_f(al, hi, dxi, dh) < 0:
            out[k] = hi
            continue
        out[k] = brentq(lambda t, al=al: _delta_f(al, t, dxi, dh), T_LOW, hi, xtol=xtol)
    return out
