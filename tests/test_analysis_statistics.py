"""Error-bar helpers on synthetic AR(1) data whose autocorrelation time and variance are known.

AR(1): x_t = phi x_{t-1} + sqrt(1 - phi^2) eps_t has variance 1, rho(t) = phi^t and
tau_int = (1 + phi) / (2 (1 - phi)); the variance of the mean of N points is 2 tau_int / N.
"""

import numpy as np
import pytest
from scipy.signal import lfilter

from spinscope.analysis import (
    autocorrelation,
    binning_analysis,
    compare_starts,
    estimate_mean,
    integrated_time,
    jackknife,
    thermalization_check,
)
from spinscope.errors import InputError


def ar1(phi, size, seed):
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal(size) * np.sqrt(1 - phi**2)
    x = lfilter([1.0], [1.0, -phi], eps, axis=-1)
    # start each chain in equilibrium: add the stationary start decayed
    x0 = rng.standard_normal((*size[:-1], 1)) if len(size) > 1 else rng.standard_normal(1)
    return x + x0 * phi ** np.arange(1, size[-1] + 1)


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9])
def test_integrated_time_matches_ar1(phi):
    tau_exact = (1 + phi) / (2 * (1 - phi))
    x = ar1(phi, (200_000,), seed=1)
    t = integrated_time(x)
    # Madras-Sokal error is ~2-4 % here; allow 4 of them plus the windowing bias (< 1 %).
    assert abs(t.tau - tau_exact) < 4 * t.error + 0.01 * tau_exact
    assert t.reliable


def test_autocorrelation_function_is_phi_to_the_t():
    x = ar1(0.7, (20, 20_000), seed=2)
    rho = autocorrelation(x)
    assert rho[0] == pytest.approx(1.0)
    np.testing.assert_allclose(rho[1:6], 0.7 ** np.arange(1, 6), atol=0.02)


def test_error_of_mean_is_calibrated():
    # 400 independent chains: the scatter of their means must match the estimated errors.
    phi, N = 0.8, 4000
    x = ar1(phi, (400, N), seed=3)
    means = x.mean(axis=1)
    errs = np.array([estimate_mean(c).error for c in x])
    exact = np.sqrt(2 * (1 + phi) / (2 * (1 - phi)) / N)
    # scatter of 400 means: relative standard error 1/sqrt(800) = 3.5 %; allow 12 %
    assert means.std(ddof=1) == pytest.approx(exact, rel=0.12)
    # the per-chain estimate is biased low by windowing only slightly: within 10 %
    assert errs.mean() == pytest.approx(exact, rel=0.10)


def test_binning_plateau_gives_two_tau():
    phi = 0.8
    x = ar1(phi, (2**18,), seed=4)
    sizes, errs = binning_analysis(x)
    assert sizes[0] == 1 and np.all(np.diff(sizes) > 0)
    ratio = (errs[-3] / errs[0]) ** 2  # bins of 2**13 >> tau = 4.5
    assert ratio == pytest.approx(2 * (1 + phi) / (2 * (1 - phi)), rel=0.25)


def test_jackknife_of_mean_equals_block_error_and_variance_is_right():
    rng = np.random.default_rng(5)
    x = rng.standard_normal(64_000) * 2.0 + 1.0
    est = jackknife(lambda a: a, x, n_blocks=32)
    blocks = x.reshape(32, -1).mean(axis=1)
    assert est.value == pytest.approx(x.mean())
    assert est.error == pytest.approx(blocks.std(ddof=1) / np.sqrt(32), rel=1e-10)
    var = jackknife(lambda a, b: b - a * a, x, x * x, n_blocks=32)
    # variance 4 with standard error ~ 4 sqrt(2/N) = 0.022; allow 4 errors
    assert abs(var.value - 4.0) < 4 * var.error
    assert var.error == pytest.approx(4 * np.sqrt(2 / x.size), rel=0.5)


def test_jackknife_errors_are_calibrated_for_correlated_data():
    # derived quantity: variance of an AR(1) series (exact 1) over 200 chains
    vals, errs = [], []
    for c in ar1(0.8, (200, 8000), seed=6):
        e = jackknife(lambda a, b: b - a * a, c, c * c, n_blocks=20)
        vals.append(e.value)
        errs.append(e.error)
    # mean error vs scatter within 20 % (jackknife with 20 blocks: errors scatter ~16 %)
    assert np.mean(errs) == pytest.approx(np.std(vals, ddof=1), rel=0.2)
    assert abs(np.mean(vals) - 1.0) < 4 * np.std(vals, ddof=1) / np.sqrt(200)


def test_thermalization_check_flags_drift_and_passes_stationary_data():
    x = ar1(0.5, (10_000,), seed=7)
    assert thermalization_check(x).passed
    drift = x + np.linspace(2.0, 0.0, x.size)
    chk = thermalization_check(drift)
    assert not chk.passed and chk.z > 10
    assert compare_starts(x[:5000], x[5000:]).passed
    assert set(chk.to_dict()) == {"first", "second", "z", "threshold", "passed"}


def test_bad_input():
    with pytest.raises(InputError, match="at least"):
        integrated_time([1.0, 2.0])
    with pytest.raises(InputError, match="NaN"):
        estimate_mean([1.0, np.nan, 2.0, 3.0, 4.0])
    with pytest.raises(InputError, match="same shape"):
        jackknife(lambda a, b: a, np.ones(10), np.ones(12))
    with pytest.raises(InputError, match="2 blocks"):
        jackknife(lambda a: a, np.ones(10), block_size=10)
