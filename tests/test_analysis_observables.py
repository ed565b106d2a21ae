"""Observables of configurations checked against direct computations and known limits."""

import numpy as np
import pytest

from spinscope.analysis import (
    binder_cumulant,
    correlation_function,
    link_overlap,
    overlap,
    overlap_distribution,
    second_moment_correlation_length,
    spin_glass_susceptibility,
    thermo_estimates,
)
from spinscope.errors import InputError


def test_overlaps_by_hand():
    a = np.array([1, 1, -1, -1])
    b = np.array([1, -1, -1, 1])
    assert overlap(a, b) == 0.0
    assert overlap(a, a) == 1.0
    edges = np.array([[0, 1], [1, 2], [2, 3], [3, 0]])
    # a_i a_j b_i b_j per bond: (1*-1)=-1, (-1*1)... computed directly
    direct = np.mean([a[i] * a[j] * b[i] * b[j] for i, j in edges])
    assert link_overlap(a, b, edges) == pytest.approx(direct)
    assert link_overlap(a, -a, edges) == 1.0  # global flip leaves links unchanged


def test_overlap_distribution_normalised_and_chi_sg():
    rng = np.random.default_rng(0)
    q = rng.uniform(-1, 1, 10_000)
    _centres, dens = overlap_distribution(q, bins=20)
    assert np.sum(dens) * (2 / 20) == pytest.approx(1.0)
    assert dens == pytest.approx(np.full(20, 0.5), abs=0.06)
    est = spin_glass_susceptibility(np.full(100, 0.5), 40)
    assert est.value == pytest.approx(10.0) and est.error == 0.0


def test_correlation_function_matches_direct_sum():
    rng = np.random.default_rng(1)
    L = 8
    s = rng.choice([-1, 1], size=(3, L * L))
    g = correlation_function(s, (L, L))
    lat = s.reshape(3, L, L).astype(float)
    for r in range(L // 2 + 1):
        direct = 0.5 * (np.mean(lat * np.roll(lat, -r, axis=1)) + np.mean(lat * np.roll(lat, -r, axis=2)))
        assert g[r] == pytest.approx(direct)
    assert g[0] == pytest.approx(1.0)


def test_correlation_length_limits():
    L = 16
    ordered = np.ones((2, L * L))
    assert correlation_function(ordered, (L, L)) == pytest.approx(np.ones(L // 2 + 1))
    # Gaussian field on a ring of n sites with spectrum S(k) = sum_r phi^|r| e^{ikr}
    # = (1 - phi^2) / (1 - 2 phi cos k + phi^2), for which
    # chi(0)/chi(k) - 1 = 4 phi sin^2(k/2) / (1 - phi)^2, i.e. xi_2nd = sqrt(phi) / (1 - phi).
    rng = np.random.default_rng(2)
    n, phi = 16, np.exp(-1 / 3.0)
    k = 2 * np.pi * np.arange(n) / n
    spec = (1 - phi**2) / (1 - 2 * phi * np.cos(k) + phi**2)
    z = rng.standard_normal((20_000, n))
    samples = np.fft.ifft(np.sqrt(spec) * np.fft.fft(z, axis=1), axis=1).real
    xi = second_moment_correlation_length(samples, (n,))
    exact = np.sqrt(phi) / (1 - phi)
    # 20000 samples: chi(k_min) has 1 % noise, xi ~ 2 %; allow 8 %
    assert xi == pytest.approx(exact, rel=0.08)


def test_binder_and_thermo_estimates():
    assert binder_cumulant(1.0, 1.0) == pytest.approx(2 / 3)
    # Gaussian m: <m^4> = 3 <m^2>^2 -> U = 0
    assert binder_cumulant(2.0, 12.0) == pytest.approx(0.0)
    rng = np.random.default_rng(3)
    e = rng.normal(-1.0, 0.1, size=(4, 4000))
    m = rng.choice([-1.0, 1.0], size=(4, 4000))
    est = thermo_estimates(e, m, beta=0.5, n=100)
    assert est["abs_m"].value == 1.0 and est["binder"].value == pytest.approx(2 / 3)
    # C = beta^2 n var(e) = 0.25 * 100 * 0.01 = 0.25, error ~ 0.25 sqrt(2/16000) ~ 0.003
    assert abs(est["specific_heat"].value - 0.25) < 4 * est["specific_heat"].error
    assert est["susceptibility"].value == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(InputError, match="differ in shape"):
        thermo_estimates(e, m[:2], beta=1.0, n=10)


def test_thermo_estimates_of_frozen_chains_at_any_beta():
    """T = 1e-300 (beta^2 overflows float64): a chain frozen in its ground state has C = chi = 0."""
    import warnings

    e = np.full((2, 64), -48 / 25)             # not a dyadic number: its means do not round exactly
    m = np.ones((2, 64))
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        for beta in (2.0, 1e200, 1e300, np.float64(1e300)):   # Python float 1e200**2 would raise
            est = thermo_estimates(e, m, beta=beta, n=25)
            for k in ("specific_heat", "susceptibility"):
                assert est[k].value == 0.0 and est[k].error == 0.0
            assert est["energy"].value == pytest.approx(-1.92) and est["binder"].value == pytest.approx(2 / 3)
        moving = e.copy()
        moving[0, :5] = -1.84                  # still relaxing: beta^2 var overflows
        est = thermo_estimates(moving, m, beta=1e300, n=25)
        assert est["specific_heat"].value == np.inf
    # a fully ordered lattice: chi(k_min) is rounding noise, xi is undefined (not ~1e16)
    assert np.isnan(second_moment_correlation_length(np.ones((3, 49)), (7, 7)))   # FFT leaves 6e-32
