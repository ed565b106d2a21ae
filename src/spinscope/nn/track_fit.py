"""Power-law fit of the growth of T_c with training time, with an honest verdict.

Model: ``T_c(t) − T_c(0) = A t^alpha`` for training steps ``t > 0``, fitted by least squares on
log–log axes, ``log ΔT_c = log A + alpha log t``. Points with ``ΔT_c <= 0`` (or no T_c) cannot
be placed on log axes; they are dropped and counted. The 95% interval of ``alpha`` is the
percentile interval of a pairs bootstrap (resampling the (t, ΔT_c) points, seeded).

The verdict is "consistent with a power law" only if all of these hold:

* at least ``min_points`` usable points spanning at least one decade in t,
* R² of the log–log regression >= 0.9,
* no significant curvature: the 99% bootstrap interval of the quadratic coefficient ``c`` of
  ``log ΔT_c = a + b log t + c (log t)^2`` contains 0.

Otherwise ``fits`` is False and ``verdict`` says which test failed; the residuals are returned
either way (the report plots them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from spinscope._validation import SeedLike, make_rng

__all__ = ["PowerLawFit", "fit_power_law"]


@dataclass
class PowerLawFit:
    """Result of :func:`fit_power_law` (all logs natural).

    Attributes
    ----------
    exponent : float or None
        ``alpha``; None if too few usable points.
    exponent_ci : (float, float) or None
        95% bootstrap percentile interval of ``alpha``.
    amplitude : float or None
        ``A`` (T_c units per step^alpha).
    r2 : float or None
        Coefficient of determination on log–log axes.
    curvature, curvature_ci : quadratic coefficient in log t and its 99% bootstrap interval.
    steps, delta_tc : the usable points.
    residuals : log ΔT_c minus the fitted line, one per usable point.
    n_dropped : points with t = 0, no T_c or ΔT_c <= 0.
    fits : bool
    verdict : str
    """

    exponent: float | None
    exponent_ci: tuple[float, float] | None
    amplitude: float | None
    r2: float | None
    curvature: float | None
    curvature_ci: tuple[float, float] | None
    tc0: float | None
    steps: list[float] = field(default_factory=list)
    delta_tc: list[float] = field(default_factory=list)
    residuals: list[float] = field(default_factory=list)
    n_dropped: int = 0
    fits: bool = False
    verdict: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


def fit_power_law(steps, tc, *, n_boot: int = 2000, min_points: int = 4, seed: SeedLike = 0) -> PowerLawFit:
    """Fit ``T_c(t) − T_c(0) = A t^alpha`` (see the module docstring).

    Parameters
    ----------
    steps : (n,) array
        Training steps, the first being 0 (T_c(0) is the reference).
    tc : (n,) array
        T_c at each step (NaN where none was found).
    n_boot : int
        Bootstrap resamples.
    """
    t = np.asarray(steps, dtype=float)
    y = np.asarray(tc, dtype=float)
    tc0 = float(y[0]) if t.size and t[0] == 0 and np.isfinite(y[0]) else None
    if tc0 is None:
        return PowerLawFit(None, None, None, None, None, None, None, n_dropped=int(t.size),
                           verdict="no T_c at step 0: nothing to measure growth against")
    d = y - tc0
    ok = (t > 0) & np.isfinite(d) & (d > 0)
    n_dropped = int(t.size - ok.sum())
    lt, ld = np.log(t[ok]), np.log(d[ok])
    if ok.sum() < min_points:
        return PowerLawFit(None, None, None, None, None, None, tc0, t[ok].tolist(), d[ok].tolist(),
                           n_dropped=n_dropped,
                           verdict=f"only {int(ok.sum())} checkpoints with T_c above T_c(0); need {min_points}")
    b, a = np.polyfit(lt, ld, 1)
    resid = ld - (a + b * lt)
    ss_tot = float(np.sum((ld - ld.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 0.0
    c2 = float(np.polyfit(lt, ld, 2)[0]) if ok.sum() >= 4 else 0.0
    rng = make_rng(seed)
    slopes, curv = [], []
    n = lt.size
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        if np.ptp(lt[idx]) == 0 or np.unique(lt[idx]).size < 3:
            continue
        slopes.append(np.polyfit(lt[idx], ld[idx], 1)[0])
        curv.append(np.polyfit(lt[idx], ld[idx], 2)[0])
    ci = (float(np.percentile(slopes, 2.5)), float(np.percentile(slopes, 97.5)))
    cci = (float(np.percentile(curv, 0.5)), float(np.percentile(curv, 99.5)))
    decades = float(np.log10(t[ok].max() / t[ok].min()))
    problems = []
    if decades < 1:
        problems.append(f"the usable points span only {decades:.2f} decades in t")
    if r2 < 0.9:
        problems.append(f"R² = {r2:.3f} < 0.9 on log-log axes")
    if cci[0] > 0 or cci[1] < 0:
        problems.append(f"significant curvature on log-log axes (quadratic coefficient {c2:.3g}, "
                        f"99% CI [{cci[0]:.3g}, {cci[1]:.3g}] excludes 0)")
    fits = not problems
    verdict = ("consistent with a power law" if fits else "a power law does not fit: " + "; ".join(problems))
    if n_dropped > 1:
        verdict += f" ({n_dropped - 1} checkpoints after step 0 dropped: T_c not above T_c(0) or missing)"
    return PowerLawFit(float(b), ci, float(np.exp(a)), r2, c2, cci, tc0, t[ok].tolist(), d[ok].tolist(),
                       resid.tolist(), n_dropped, fits, verdict)
