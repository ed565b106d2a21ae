"""Power-law fit of T_c against training time, with an honest verdict.

Model: ``T_c(t) = A t^alpha`` over the checkpoints chosen by the caller (``use``; ``track`` uses
the checkpoints in the hidden-order regime, where λ_min(I − M) *crosses* zero: before that the
instability temperature is the spin-glass one of the random initial couplings, a different
transition). Least squares on log–log axes, ``log T_c = log A + alpha log t``; points with
``t <= 0`` or a missing / non-positive value are excluded and counted. The 95% interval of
``alpha`` is the percentile interval of a pairs bootstrap (resampling the points, seeded).

The verdict is "consistent with a power law" only if all of these hold:

* at least ``min_points`` usable points spanning at least one decade in t,
* R² of the log–log regression >= 0.9,
* no significant curvature: the 99% bootstrap interval of the quadratic coefficient ``c`` of
  ``log T_c = a + b log t + c (log t)^2`` contains 0.

Otherwise ``fits`` is False and ``verdict`` says which test failed; the residuals are returned
either way (the report plots them). On pure power-law data with 5% log-normal noise the curvature
test wrongly rejects about 5% of data sets (measured: 5 of 100).
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
        ``A`` (units of the values per step^alpha).
    r2 : float or None
        Coefficient of determination on log–log axes.
    curvature, curvature_ci : quadratic coefficient in log t and its 99% bootstrap interval.
    steps, values : the points used.
    residuals : log value minus the fitted line, one per point used.
    n_dropped : points not used (not selected, t <= 0, missing or non-positive value).
    fits : bool
    verdict : str
    """

    exponent: float | None
    exponent_ci: tuple[float, float] | None
    amplitude: float | None
    r2: float | None
    curvature: float | None
    curvature_ci: tuple[float, float] | None
    steps: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    residuals: list[float] = field(default_factory=list)
    n_dropped: int = 0
    fits: bool = False
    verdict: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


def fit_power_law(steps, values, *, use=None, n_boot: int = 2000, min_points: int = 4,
                  seed: SeedLike = 0) -> PowerLawFit:
    """Fit ``value(t) = A t^alpha`` on log–log axes (see the module docstring).

    Parameters
    ----------
    steps : (n,) array
        Training steps.
    values : (n,) array
        The quantity (T_c), NaN where missing.
    use : (n,) bool array, optional
        Points to consider (default all); ``t <= 0`` and non-positive values are always excluded.
    n_boot : int
        Bootstrap resamples.
    min_points : int
        Fewer usable points give no fit (``exponent=None``).
    seed : int or Generator
        Seed of the bootstrap.
    """
    t = np.asarray(steps, dtype=float)
    y = np.asarray(values, dtype=float)
    sel = np.ones(t.size, bool) if use is None else np.asarray(use, dtype=bool)
    ok = sel & (t > 0) & np.isfinite(y) & (y > 0)
    n_dropped = int(t.size - ok.sum())
    lt, ly = np.log(t[ok]), np.log(y[ok])
    if ok.sum() < min_points:
        return PowerLawFit(None, None, None, None, None, None, t[ok].tolist(), y[ok].tolist(),
                           n_dropped=n_dropped,
                           verdict=f"only {int(ok.sum())} usable checkpoints; a fit needs {min_points}")
    b, a = np.polyfit(lt, ly, 1)
    resid = ly - (a + b * lt)
    ss_tot = float(np.sum((ly - ly.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 0.0
    c2 = float(np.polyfit(lt, ly, 2)[0])
    rng = make_rng(seed)
    slopes, curv = [], []
    n = lt.size
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        if np.unique(lt[idx]).size < 3:
            continue
        slopes.append(np.polyfit(lt[idx], ly[idx], 1)[0])
        curv.append(np.polyfit(lt[idx], ly[idx], 2)[0])
    ci = (float(np.percentile(slopes, 2.5)), float(np.percentile(slopes, 97.5)))
    cci = (float(np.percentile(curv, 0.5)), float(np.percentile(curv, 99.5)))
    decades = float(np.log10(t[ok].max() / t[ok].min()))
    problems = []
    if decades < 1:
        problems.append(f"the points span only {decades:.2f} decades in t")
    if r2 < 0.9:
        problems.append(f"R² = {r2:.3f} < 0.9 on log-log axes")
    if cci[0] > 0 or cci[1] < 0:
        problems.append(f"significant curvature on log-log axes (quadratic coefficient {c2:.3g}, "
                        f"99% CI [{cci[0]:.3g}, {cci[1]:.3g}] excludes 0)")
    fits = not problems
    verdict = "consistent with a power law" if fits else "a power law does not fit: " + "; ".join(problems)
    return PowerLawFit(float(b), ci, float(np.exp(a)), r2, c2, cci, t[ok].tolist(), y[ok].tolist(),
                       resid.tolist(), n_dropped, fits, verdict)
