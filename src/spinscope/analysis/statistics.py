"""Error bars for Monte Carlo time series: autocorrelation, binning, jackknife, thermalisation.

Conventions
-----------
A time series is a 1-D array ``x`` of ``N`` successive measurements of one chain (the last axis
when several chains are given). ``tau_int`` is the integrated autocorrelation time in units of
the measurement interval, defined as ``tau_int = 1/2 + sum_{t>=1} rho(t)`` so that the variance
of the mean is ``2 tau_int sigma^2 / N`` (uncorrelated data: ``tau_int = 1/2``).

References: A. D. Sokal, *Monte Carlo Methods in Statistical Mechanics* (1996), sec. 3 (automatic
windowing); N. Madras and A. D. Sokal, J. Stat. Phys. 50, 109 (1988) (error of ``tau_int``);
B. Efron, *The Jackknife, the Bootstrap and Other Resampling Plans* (1982).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from spinscope.errors import InputError

__all__ = [
    "AutocorrTime",
    "Estimate",
    "ThermalizationCheck",
    "autocorrelation",
    "binning_analysis",
    "compare_starts",
    "estimate_mean",
    "integrated_time",
    "jackknife",
    "thermalization_check",
]


def _series(x, name: str = "x", *, min_len: int = 2) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0 or a.shape[-1] < min_len:
        raise InputError(f"{name} must be a time series with at least {min_len} points along its "
                         f"last axis, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} contains NaN or infinity")
    return a


@dataclass(frozen=True)
class Estimate:
    """A mean with its statistical error.

    Attributes
    ----------
    value : float
        The estimate.
    error : float
        One standard error (autocorrelation accounted for).
    tau_int : float
        Integrated autocorrelation time used (``nan`` where not applicable, e.g. jackknife).
    n_samples : int
        Number of measurements.
    """

    value: float
    error: float
    tau_int: float = float("nan")
    n_samples: int = 0

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class AutocorrTime:
    """Integrated autocorrelation time from automatic windowing.

    Attributes
    ----------
    tau : float
        ``tau_int`` in measurement intervals (``>= 1/2`` up to noise).
    error : float
        Madras–Sokal error ``tau * sqrt(2 (2 W + 1) / N)``.
    window : int
        The window ``W`` chosen, the smallest with ``W >= c * tau_int(W)``.
    reliable : bool
        False when the series is shorter than ``50 tau``: then ``tau`` is a lower bound.
    """

    tau: float
    error: float
    window: int
    reliable: bool

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


def autocorrelation(x) -> np.ndarray:
    """Normalised autocorrelation function ``rho(t)``, ``t = 0 .. N-1``, of a series (FFT).

    Parameters
    ----------
    x : array, shape (..., N)
        Time series along the last axis (leading axes: independent chains, averaged).

    Returns
    -------
    rho : ndarray, shape (N,)
        ``rho(0) = 1``; a constant series gives ``rho = [1, 0, 0, ...]``.
    """
    a = _series(x).reshape(-1, np.asarray(x).shape[-1])
    n = a.shape[-1]
    d = a - a.mean(axis=-1, keepdims=True)
    f = np.fft.rfft(d, n=2 * n, axis=-1)
    acf = np.fft.irfft(f * np.conj(f), axis=-1)[:, :n].mean(axis=0) / n
    out = np.zeros(n)
    if acf[0] <= 0:
        out[0] = 1.0
        return out
    return acf / acf[0]


def integrated_time(x, *, c: float = 6.0) -> AutocorrTime:
    """Integrated autocorrelation time with Sokal's automatic window.

    Parameters
    ----------
    x : array, shape (..., N)
        Time series (several chains along leading axes share one estimate).
    c : float
        Window factor; the window is the smallest ``W`` with ``W >= c tau_int(W)``
        (``c = 6`` is good for roughly exponential decay).
    """
    a = _series(x, min_len=4)
    rho = autocorrelation(a)
    n = a.shape[-1]
    taus = 0.5 + np.cumsum(rho[1:])
    w = np.arange(1, n)
    ok = np.flatnonzero(w >= c * taus)
    win = int(w[ok[0]]) if ok.size else n - 1
    tau = float(max(taus[win - 1], 0.5))
    err = tau * np.sqrt(2.0 * (2 * win + 1) / n)
    return AutocorrTime(tau=tau, error=float(err), window=win, reliable=bool(n >= 50 * tau))


def estimate_mean(x, *, c: float = 6.0) -> Estimate:
    """Mean of a correlated series with error ``sqrt(2 tau_int var / N)``.

    ``x`` of shape ``(N,)`` or ``(chains, N)``: independent chains are pooled (the error uses
    ``chains * N`` samples and the common ``tau_int``).
    """
    a = _series(x, min_len=4)
    flat = a.reshape(-1, a.shape[-1])
    total = flat.size
    tau = integrated_time(flat, c=c).tau
    var = float(flat.var(ddof=1)) if total > 1 else 0.0
    return Estimate(float(flat.mean()), float(np.sqrt(2.0 * tau * var / total)), tau, int(total))


def binning_analysis(x, *, min_bins: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Error of the mean at bin sizes 1, 2, 4, ... (keeping at least ``min_bins`` bins).

    ``x`` of shape ``(N,)``; a multi-dimensional input is flattened in C order, so pass one
    chain (or chains concatenated in time) at a time.

    Returns
    -------
    bin_sizes : ndarray of int
    errors : ndarray of float
        Naive standard error of the bin means at each bin size; for a correlated series it
        rises and plateaus at the true error once bins are longer than a few ``tau_int``
        (``2 tau_int ~ (err_plateau / err_1)^2``).
    """
    a = _series(x).reshape(-1)
    sizes, errs = [], []
    b = 1
    while a.size // b >= max(min_bins, 2):
        m = a.size // b
        means = a[: m * b].reshape(m, b).mean(axis=1)
        sizes.append(b)
        errs.append(float(means.std(ddof=1) / np.sqrt(m)))
        b *= 2
    return np.asarray(sizes), np.asarray(errs)


def jackknife(func: Callable[..., float | np.ndarray], *series, n_blocks: int = 32,
              block_size: int | None = None) -> Estimate:
    """Jackknife estimate and error of ``func(mean(series_1), mean(series_2), ...)``.

    The series (same length ``N``, last axis time; leading axes are pooled chains) are cut
    into blocks longer than the autocorrelation time, so the error accounts for it.

    Parameters
    ----------
    func : callable
        Maps the means of the series (floats) to the derived quantity, e.g.
        ``lambda e, e2: beta**2 * n * (e2 - e**2)`` for the specific heat.
    *series : arrays of shape (..., N)
    n_blocks : int
        Number of jackknife blocks (default 32); ignored when ``block_size`` is given.
    block_size : int, optional
        Measurements per block; default ``N // n_blocks``. Choose it ``>> tau_int``.

    Returns
    -------
    Estimate
        ``value`` is the bias-corrected jackknife estimate ``B f - (B-1) mean(f_(i))``.
    """
    if not series:
        raise InputError("jackknife needs at least one series")
    arrs = [_series(s, f"series[{k}]").reshape(-1, np.shape(s)[-1]) for k, s in enumerate(series)]
    n = arrs[0].shape[-1]
    if any(a.shape != arrs[0].shape for a in arrs):
        raise InputError(f"all series must have the same shape, got {[a.shape for a in arrs]}")
    bs = block_size if block_size is not None else max(n // n_blocks, 1)
    nb = n // bs
    if nb < 2:
        raise InputError(f"jackknife needs at least 2 blocks; got {n} samples with block_size={bs}")
    # block sums over time and chains: shape (nb,)
    sums = [a[:, : nb * bs].reshape(a.shape[0], nb, bs).sum(axis=(0, 2)) for a in arrs]
    count = arrs[0].shape[0] * bs
    full = [s.sum() / (count * nb) for s in sums]
    f_full = np.asarray(func(*full), dtype=np.float64)
    loo = np.array([np.asarray(func(*[(s.sum() - s[i]) / (count * (nb - 1)) for s in sums]))
                    for i in range(nb)], dtype=np.float64)
    mean_loo = loo.mean(axis=0)
    err = np.sqrt((nb - 1) / nb * ((loo - mean_loo) ** 2).sum(axis=0))
    val = nb * f_full - (nb - 1) * mean_loo
    return Estimate(float(val), float(err), float("nan"), int(n * arrs[0].shape[0]))


@dataclass(frozen=True)
class ThermalizationCheck:
    """Comparison of two estimates of one mean (first vs second half, or hot vs cold start).

    Attributes
    ----------
    first, second : Estimate
        The two estimates compared.
    z : float
        ``|first - second| / sqrt(err_1^2 + err_2^2)``.
    threshold : float
        ``passed`` means ``z <= threshold``.
    passed : bool
    """

    first: Estimate
    second: Estimate
    z: float
    threshold: float
    passed: bool

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        d = asdict(self)
        d["first"], d["second"] = self.first.to_dict(), self.second.to_dict()
        return d


def _compare(a: Estimate, b: Estimate, threshold: float) -> ThermalizationCheck:
    den = np.hypot(a.error, b.error)
    diff = abs(a.value - b.value)
    z = float(diff / den) if den > 0 else (0.0 if diff == 0 else float("inf"))
    return ThermalizationCheck(a, b, z, float(threshold), bool(z <= threshold))


def thermalization_check(x, *, threshold: float = 3.0) -> ThermalizationCheck:
    """Compare the means of the first and second halves of a series (after thermalisation).

    A drift larger than ``threshold`` combined standard errors flags a run that was not yet in
    equilibrium when measurements started. ``x`` of shape ``(N,)`` or ``(chains, N)``.
    """
    a = _series(x, min_len=8)
    h = a.shape[-1] // 2
    return _compare(estimate_mean(a[..., :h]), estimate_mean(a[..., h: 2 * h]), threshold)


def compare_starts(hot, cold, *, threshold: float = 3.0) -> ThermalizationCheck:
    """Compare a series started from a random (hot) and an ordered (cold) configuration."""
    return _compare(estimate_mean(_series(hot, "hot", min_len=4)),
                    estimate_mean(_series(cold, "cold", min_len=4)), threshold)
