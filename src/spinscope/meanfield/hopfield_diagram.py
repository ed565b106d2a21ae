"""The replica-symmetric phase diagram of Hopfield networks / RBMs on an ``(alpha, T)`` grid.

Every grid point gets the retrieval branch (warm-started continuation up each temperature
column from the pattern), the spin-glass branch (bracketed root in ``q``) and their free
energies; a point is

* ``"retrieval"`` (stable): a retrieval state exists and has the lower free energy (``T < T_c``),
* ``"mixed"`` (metastable retrieval): it exists, but the spin glass is lower (``T_c < T < T_M``),
* ``"spin glass"``: no retrieval state, ``q > 0`` (``T < T_g``),
* ``"paramagnet"``: neither.

The lines are computed on the grid's ``alpha`` values: ``T_M`` by bisection between the grid
temperatures where the retrieval branch is lost (about 1e-3 accurate: iterations are capped at
600; :func:`~spinscope.meanfield.hopfield.retrieval_temperature` is the precise one), ``T_g`` in closed form / by a 1-D root, ``T_c`` by linear
interpolation of ``f_R - f_SG`` between the grid temperatures where it changes sign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinscope.errors import InputError
from spinscope.meanfield import _hopfield_kernels as hk
from spinscope.meanfield.hopfield import (
    _COARSE,
    _GRID,
    M_MIN,
    prior_fraction,
    spin_glass_temperature,
)

__all__ = ["PHASES", "PhaseDiagram", "phase_diagram"]

PHASES = ("paramagnet", "spin glass", "mixed", "retrieval")


@dataclass(frozen=True)
class PhaseDiagram:
    """RS phase diagram on a grid (arrays of shape ``(len(alpha), len(T))`` unless noted).

    Attributes
    ----------
    alpha, T : 1-D arrays
        The grid.
    pattern_prior, hidden_prior : float
        Gaussian fractions of the priors.
    m, f_retrieval : arrays
        Retrieval overlap and free energy (NaN where no retrieval state exists).
    q_sg, f_sg : arrays
        Spin-glass overlap (0: paramagnet) and the free energy of that solution.
    phase : int array
        Index into :data:`PHASES`.
    t_m, t_c, t_g : 1-D arrays over ``alpha``
        Retrieval line, coexistence line (NaN: retrieval never the global minimum on the grid),
        spin-glass line.
    """

    alpha: np.ndarray
    T: np.ndarray
    pattern_prior: float
    hidden_prior: float
    m: np.ndarray
    f_retrieval: np.ndarray
    q_sg: np.ndarray
    f_sg: np.ndarray
    phase: np.ndarray
    t_m: np.ndarray
    t_c: np.ndarray
    t_g: np.ndarray

    def lines(self) -> list[dict]:
        """One row per ``alpha``: ``T_M``, ``T_c``, ``T_g``."""
        return [{"alpha": float(a), "T_M": _num(tm), "T_c": _num(tc), "T_g": _num(tg)}
                for a, tm, tc, tg in zip(self.alpha, self.t_m, self.t_c, self.t_g)]

    def rows(self) -> list[dict]:
        """One row per grid point (the long table)."""
        out = []
        for i, a in enumerate(self.alpha):
            for j, t in enumerate(self.T):
                out.append({"alpha": float(a), "T": float(t), "phase": PHASES[self.phase[i, j]],
                            "m": _num(self.m[i, j]), "f_retrieval": _num(self.f_retrieval[i, j]),
                            "q_sg": _num(self.q_sg[i, j]), "f_sg": _num(self.f_sg[i, j])})
        return out

    def counts(self) -> dict:
        """Grid points per phase."""
        return {name: int(np.sum(self.phase == k)) for k, name in enumerate(PHASES)}


def _num(x) -> float | None:
    return float(x) if np.isfinite(x) else None


def _tc_from_grid(T: np.ndarray, df: np.ndarray) -> float:
    """First temperature where ``df = f_R - f_SG`` turns from < 0 to >= 0 (linear interpolation)."""
    below = df < 0
    if not below[0]:
        return np.nan
    k = int(np.argmin(below)) if not below.all() else T.size - 1
    if below.all():
        return float(T[-1])
    t0, t1, d0, d1 = T[k - 1], T[k], df[k - 1], df[k]
    if not np.isfinite(d1):  # retrieval state gone before the crossing: T_c = the last point
        return float(t0)
    return float(t0 + (t1 - t0) * d0 / (d0 - d1))


def _tm_from_grid(a, t, out, exists, dxi, dh, steps: int = 10, maxit: int = 600) -> np.ndarray:
    """``T_M`` per alpha: bisection between the last grid temperature with a retrieval state and
    the next one (``steps`` halvings: ``dT 2^-10``); NaN if none at the lowest temperature; the
    highest grid temperature if retrieval survives the whole column."""
    n = a.size
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    m0, q0 = np.zeros(n), np.zeros(n)
    for i in range(n):
        if not exists[i, 0]:
            continue
        j = int(np.argmin(exists[i])) - 1 if not exists[i].all() else t.size - 1
        lo[i], m0[i], q0[i] = t[j], out[i, j, 0], out[i, j, 1]
        hi[i] = t[j + 1] if j + 1 < t.size else np.nan
    res = np.empty(n)
    hk.tm_refine(a, lo, hi, m0, q0, dxi, dh, steps, *_COARSE, maxit, M_MIN, res)
    return res


def phase_diagram(alphas, temperatures, *, pattern_prior="boolean", hidden_prior="gaussian",
                  tol: float = 1e-10, maxit: int = 1_000) -> PhaseDiagram:
    """Solve the RS equations on the grid ``alphas x temperatures`` and classify every point.

    Parameters
    ----------
    alphas : 1-D array
        Loads ``P/N`` (> 0).
    temperatures : 1-D array
        Temperatures (> 0); sorted ascending internally for the continuation.
    pattern_prior, hidden_prior : str or float
        See :func:`spinscope.meanfield.hopfield.prior_fraction`. Boolean patterns with Gaussian
        hidden units (the defaults) are the Hopfield model, solved in the AGS form.
    tol, maxit : float, int
        Fixed-point tolerance and iteration cap per point (a retrieval iteration that has not
        converged by then counts as no retrieval state: a point within ~1e-3 of ``T_M``).
    """
    dxi = prior_fraction(pattern_prior, "pattern prior")
    dh = prior_fraction(hidden_prior, "hidden prior")
    a = np.asarray(alphas, dtype=float).ravel()
    t = np.sort(np.asarray(temperatures, dtype=float).ravel())
    if a.size == 0 or np.any(~np.isfinite(a) | (a <= 0)):
        raise InputError("alpha values must be finite and > 0 (alpha = P/N, the load)")
    if t.size == 0 or np.any(~np.isfinite(t) | (t <= 0)):
        raise InputError("temperatures must be finite and > 0")
    out = np.empty((a.size, t.size, 5))
    ags = dxi == 0.0 and dh == 1.0
    hk.diagram_columns(a, 1.0 / t, dxi, dh, ags, *_GRID, float(tol), int(maxit), out)
    m, fr, qs, fs = out[..., 0], out[..., 2], out[..., 3], out[..., 4]
    exists = np.isfinite(m) & (m > M_MIN)
    phase = np.where(qs > 1e-8, 1, 0)
    lower = exists & ~(np.isfinite(fs) & (fs < fr))
    phase = np.where(exists, np.where(lower, 3, 2), phase)
    tm = _tm_from_grid(a, t, out, exists, dxi, dh)
    tc = np.array([_tc_from_grid(t, np.where(exists[i], fr[i] - fs[i], np.nan)) for i in range(a.size)])
    tg = spin_glass_temperature(a, hidden_prior=dh)
    return PhaseDiagram(a, t, dxi, dh, np.where(exists, m, np.nan), np.where(exists, fr, np.nan),
                        qs, fs, phase, tm, tc, np.atleast_1d(tg))
