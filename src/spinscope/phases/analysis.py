"""Reading critical temperatures off classifier outputs, finite-size extrapolation, PCA, confusion.

* **Crossing** ``T*(L)``: the temperature where the mean outputs ``P_ordered(T)`` and
  ``P_disordered(T) = 1 - P_ordered(T)`` cross, i.e. ``P_ordered = 1/2``. The mean output curve is
  first made non-increasing by isotonic regression (scikit-learn), then interpolated linearly;
  errors by bootstrap over the configurations at each temperature.
* **Extrapolation** ``T*(L) = T_c + a L^(-1/nu)``: weighted least squares with ``nu`` fixed (linear in
  ``L^(-1/nu)``) and with ``nu`` fitted (scipy ``curve_fit``); errors by a parametric bootstrap of
  the crossings within their errors.
* **PCA** (Wang, PRB 94, 195105): principal components of the configurations (scikit-learn); the
  first one is the order parameter: ``|PC1|`` is compared with ``|m|`` by Pearson correlation.
* **Learning by confusion** (van Nieuwenburg, Liu & Huber, Nat. Phys. 13, 435): for each trial
  ``T'`` between grid points the data are labelled ``T < T'`` / ``T > T'``, a classifier is
  trained and its held-out accuracy recorded; the curve is W-shaped, accuracy 1 at both ends
  (trivial labellings) and a middle peak at the true ``T_c``. The peak is the highest *interior*
  local maximum (the two end points are excluded).
* **Plateau temperatures** of a transferred output (6-state clock): see :func:`plateau_temperatures`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from spinscope._validation import make_rng
from spinscope.errors import InputError

__all__ = ["ConfusionCurve", "ExtrapolationFit", "confusion_curve", "crossing", "crossing_with_error",
           "extrapolate", "pca_order_parameter", "plateau_temperatures"]


def _monotone(T: np.ndarray, p: np.ndarray) -> np.ndarray:
    from sklearn.isotonic import IsotonicRegression

    return IsotonicRegression(increasing=False, out_of_bounds="clip").fit_transform(T, p)


def crossing(T, p_ordered, level: float = 0.5) -> float:
    """Temperature where the (isotonic) mean output ``P_ordered(T)`` falls through ``level``.

    NaN if the curve does not cross ``level`` inside the grid.
    """
    T = np.asarray(T, dtype=float)
    p = _monotone(T, np.asarray(p_ordered, dtype=float))
    above = p >= level
    if above.all() or not above.any() or not above[0]:
        return float("nan")
    k = int(np.flatnonzero(~above)[0])  # first point below the level
    t0, t1, p0, p1 = T[k - 1], T[k], p[k - 1], p[k]
    return float(t0 + (p0 - level) * (t1 - t0) / (p0 - p1)) if p0 != p1 else float(0.5 * (t0 + t1))


def crossing_with_error(T, outputs: np.ndarray, *, level: float = 0.5, n_boot: int = 200,
                        seed=0) -> tuple[float, float]:
    """Crossing of the mean of ``outputs (T, S)`` (``P_ordered`` per configuration) and its
    bootstrap standard error (configurations resampled at each temperature)."""
    out = np.asarray(outputs, dtype=float)
    est = crossing(T, out.mean(1), level)
    rng = make_rng(seed)
    S = out.shape[1]
    boots = [crossing(T, np.take_along_axis(out, rng.integers(0, S, out.shape), 1).mean(1), level)
             for _ in range(n_boot)]
    boots = np.asarray(boots)
    boots = boots[np.isfinite(boots)]
    return est, float(boots.std(ddof=1)) if boots.size > 2 else float("nan")


@dataclass(frozen=True)
class ExtrapolationFit:
    """``T*(L) = T_c + a L^(-1/nu)``: estimates and bootstrap errors."""

    tc: float
    tc_err: float
    a: float
    nu: float
    nu_err: float
    nu_fixed: bool

    def to_dict(self) -> dict:
        return {"T_c": self.tc, "T_c_err": self.tc_err, "a": self.a, "nu": self.nu,
                "nu_err": self.nu_err, "nu_fixed": self.nu_fixed}


def _fit_fixed(L, t, w, nu):
    x = L ** (-1.0 / nu)
    A = np.stack([np.ones_like(x), x], 1) * w[:, None]
    (tc, a), *_ = np.linalg.lstsq(A, t * w, rcond=None)
    return tc, a


def _fit_free(L, t, sig, nu0):
    from scipy.optimize import OptimizeWarning, curve_fit

    tc0, a0 = _fit_fixed(L, t, 1 / sig, nu0)
    f = lambda L, tc, a, nu: tc + a * L ** (-1.0 / nu)  # noqa: E731
    try:
        with warnings.catch_warnings():  # a 3-parameter fit of 3 sizes has no covariance: expected
            warnings.simplefilter("ignore", OptimizeWarning)
            p, _ = curve_fit(f, L, t, p0=(tc0, a0, nu0), sigma=sig, bounds=([0, -np.inf, 0.2], [np.inf, np.inf, 5.0]),
                             maxfev=2000)
    except (RuntimeError, ValueError):
        return np.nan, np.nan, np.nan
    return p


def extrapolate(L, t_star, t_err, *, nu: float | None = 1.0, n_boot: int = 400, seed=0) -> ExtrapolationFit:
    """Fit ``T*(L) = T_c + a L^(-1/nu)`` with ``nu`` fixed (a number) or fitted (``nu=None``,
    starting from 1; needs at least 3 sizes, and 4 for a fit with a residual)."""
    L = np.asarray(L, dtype=float)
    t = np.asarray(t_star, dtype=float)
    sig = np.maximum(np.asarray(t_err, dtype=float), 1e-6)
    need = 2 if nu is not None else 3
    if L.size < need or not np.all(np.isfinite(t)):
        raise InputError(f"the extrapolation needs finite crossings at {need} or more sizes "
                         f"(got {np.round(t, 4).tolist()} at L = {L.astype(int).tolist()})")
    rng = make_rng(seed)
    if nu is not None:
        tc, a = _fit_fixed(L, t, 1 / sig, nu)
        boots = [_fit_fixed(L, t + sig * rng.standard_normal(L.size), 1 / sig, nu)[0] for _ in range(n_boot)]
        return ExtrapolationFit(float(tc), float(np.std(boots, ddof=1)), float(a), float(nu), 0.0, True)
    tc, a, nu_fit = _fit_free(L, t, sig, 1.0)
    boots = np.array([_fit_free(L, t + sig * rng.standard_normal(L.size), sig, 1.0) for _ in range(n_boot)])
    boots = boots[np.isfinite(boots).all(1)]
    err = boots.std(0, ddof=1) if len(boots) > 2 else np.full(3, np.nan)
    return ExtrapolationFit(float(tc), float(err[0]), float(a), float(nu_fit), float(err[2]), False)


def pca_order_parameter(x: np.ndarray, order: np.ndarray, *, components: int = 2, seed=0) -> dict:
    """PCA of flattened inputs ``x (N, ...)``; Pearson correlation of ``|PC1|`` with ``order (N,)``.

    Returns ``scores (N, components)``, ``explained`` variance ratios and ``correlation``.
    """
    from sklearn.decomposition import PCA

    flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    pca = PCA(n_components=components, random_state=int(make_rng(seed).integers(2**31)))
    scores = pca.fit_transform(flat)
    corr = float(np.corrcoef(np.abs(scores[:, 0]), np.asarray(order, dtype=float))[0, 1])
    return {"scores": scores, "explained": pca.explained_variance_ratio_, "correlation": corr}


@dataclass(frozen=True)
class ConfusionCurve:
    """Held-out accuracy for each trial critical temperature, and the middle peak."""

    trial: np.ndarray
    accuracy: np.ndarray
    peak: float

    def to_dict(self) -> dict:
        return {"trial_T": self.trial.tolist(), "accuracy": self.accuracy.tolist(), "peak_T": self.peak}


def confusion_peak(trial: np.ndarray, accuracy: np.ndarray) -> float:
    """The highest interior local maximum of the accuracy curve (end points excluded)."""
    a = np.asarray(accuracy, dtype=float)
    if a.size < 3:
        return float("nan")
    inner = [k for k in range(1, a.size - 1) if a[k] >= a[k - 1] and a[k] >= a[k + 1]]
    if not inner:
        return float("nan")
    return float(trial[max(inner, key=lambda k: a[k])])


def confusion_curve(x: np.ndarray, T: np.ndarray, *, arch: str = "fc", seed: int = 0,
                    settings=None, test_share: float = 0.3, sign_symmetric: bool = False,
                    progress=None) -> ConfusionCurve:
    """Learning by confusion on inputs ``x (T, S, L, L)`` at temperatures ``T`` (ascending).

    Trial temperatures are the midpoints between neighbouring grid points plus one point below
    and one above the grid (the trivial labellings). Each trial trains a fresh classifier (seed
    ``seed``) on ``1 - test_share`` of the configurations of every temperature and measures its
    accuracy on the rest. ``sign_symmetric``: ``x -> -x`` is a symmetry of the inputs (raw Ising
    spins; used by the training's augmentation).
    """
    from spinscope.phases.classifiers import TrainSettings, predict, train_classifier

    T = np.asarray(T, dtype=float)
    _nT, S = x.shape[:2]
    mids = 0.5 * (T[1:] + T[:-1])
    trial = np.concatenate([[T[0] - (mids[0] - T[0])], mids, [T[-1] + (T[-1] - mids[-1])]])
    ntest = max(1, round(test_share * S))
    idx = make_rng(seed).permutation(S)
    test, train = idx[:ntest], idx[ntest:]
    xtr, xte = x[:, train].reshape(-1, *x.shape[2:]), x[:, test].reshape(-1, *x.shape[2:])
    ttr, tte = np.repeat(T, train.size), np.repeat(T, test.size)
    acc = []
    for k, tp in enumerate(trial):
        ytr, yte = (ttr > tp).astype(int), (tte > tp).astype(int)
        if ytr.min() == ytr.max():   # one class only: a trivial labelling, accuracy 1
            acc.append(1.0)
        else:
            net, _ = train_classifier(xtr, ytr, arch=arch, seed=seed + k, settings=settings or TrainSettings(),
                                      sign_symmetric=sign_symmetric)
            acc.append(float((predict(net, xte).argmax(-1) == yte).mean()))
        if progress is not None:
            progress(k + 1, trial.size)
    acc = np.asarray(acc)
    return ConfusionCurve(trial, acc, confusion_peak(trial, acc))


def plateau_temperatures(T, p_ordered, *, high: float = 0.5, low: float = 0.9) -> tuple[float, float]:
    """The two temperatures of a curve with an intermediate plateau (clock model, transferred):
    ``T_1`` where ``P_ordered`` leaves the ordered value (falls through ``low``) and ``T_2`` where it
    falls through ``high`` (the correlation at ``L/2`` reaches the Ising critical one)."""
    return crossing(T, p_ordered, low), crossing(T, p_ordered, high)
