"""Spherical p-spin: theory (threshold, ground state, complexity, index law) and the critical-point numerics."""

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.meanfield.pspin import (
    complexity,
    ground_state_energy,
    hessian_edges,
    index_fraction,
    threshold_energy,
)
from spinscope.optimize.spherical_pspin import (
    critical_points,
    descend,
    hessian_index,
    newton,
    spherical_pspin,
)


def test_threshold_and_ground_state_numbers():
    assert threshold_energy(2) == pytest.approx(-np.sqrt(2))
    assert threshold_energy(3) == pytest.approx(-1.63299, abs=1e-5)
    assert ground_state_energy(3) == pytest.approx(-1.6570, abs=1e-4)      # 1RSB value (Crisanti-Sommers)
    assert ground_state_energy(2) == threshold_energy(2)                    # p = 2: no glassy band
    for p in (3, 4, 5):
        assert ground_state_energy(p) < threshold_energy(p)
    assert threshold_energy(10_000) == pytest.approx(-2.0, abs=2e-4)   # E_inf -> -2 as p -> inf


def test_complexity_limits():
    p = 3
    einf = threshold_energy(p)
    assert complexity(p, 0.5, index=None) == pytest.approx(0.5 * np.log(2))   # all critical points
    # continuity at E_inf and the cap above it for finite index
    cap = 0.5 * np.log(p - 1) - (p - 2) / p
    assert complexity(p, einf, index=0) == pytest.approx(cap, abs=1e-9)
    assert complexity(p, -1.0, index=3) == pytest.approx(cap)
    assert complexity(p, ground_state_energy(p), index=0) == pytest.approx(0.0, abs=1e-9)
    # more negative => fewer minima; higher index => fewer points below E_inf
    e = np.linspace(-1.7, einf - 1e-3, 20)
    assert np.all(np.diff(complexity(p, e, index=0)) > 0)
    assert np.all(complexity(p, e, index=1) < complexity(p, e, index=0))
    with pytest.raises(InputError, match="p must be an integer >= 2"):
        threshold_energy(1)


def test_index_fraction_limits():
    for p in (2, 3, 4):
        einf = threshold_energy(p)
        assert index_fraction(p, einf) == pytest.approx(0.0)
        assert index_fraction(p, einf - 0.3) == 0.0
        assert index_fraction(p, 0.0) == pytest.approx(0.5)
        lo, hi = hessian_edges(p, einf)
        assert lo == pytest.approx(0.0, abs=1e-12) and hi > 0
    # the semicircle law's distribution function: its derivative is the density (2/pi) sqrt(1 - t^2)
    t = 0.3
    einf = abs(threshold_energy(3))
    h = 1e-6
    dens = (index_fraction(3, (t + h) * einf) - index_fraction(3, (t - h) * einf)) / (2 * h)
    assert dens == pytest.approx(2 / np.pi * np.sqrt(1 - t * t), rel=1e-6)
    # vanishing at the threshold with a 3/2 power: F ~ (4 sqrt 2 / 3 pi) (1 + t)^{3/2}
    u = 1e-4
    assert index_fraction(3, (u - 1) * einf) == pytest.approx(4 * np.sqrt(2) / (3 * np.pi) * u**1.5, rel=1e-3)


@pytest.mark.parametrize("p", [2, 3, 4])
def test_gradient_and_hessian_match_finite_differences(p):
    n = 9 if p == 4 else 12
    m = spherical_pspin(n, p, seed=p)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, n))
    eps = 1e-6
    num_g = np.stack([(m.energy(x + eps * e) - m.energy(x - eps * e)) * n / (2 * eps) for e in np.eye(n)], axis=1)
    assert np.allclose(m.gradient(x), num_g, atol=1e-6)
    num_h = np.stack([(m.gradient(x + eps * e) - m.gradient(x - eps * e)) / (2 * eps) for e in np.eye(n)], axis=2)
    assert np.allclose(m.hessian(x), num_h, atol=1e-5)
    # Euler: x . grad H = p H ; Riemannian gradient is tangent
    assert np.allclose(np.einsum("bi,bi->b", x, m.gradient(x)), p * m.energy(x) * n)
    xs = x * np.sqrt(n) / np.linalg.norm(x, axis=1, keepdims=True)
    assert np.allclose(np.einsum("bi,bi->b", xs, m.riemannian_gradient(xs)), 0.0, atol=1e-10)


def test_energy_normalisation_variance():
    # E[H(x)^2] = N for |x|^2 = N: the variance of the energy per spin at a fixed point is 1/N
    n = 30
    x = np.ones((1, n))
    e = np.array([spherical_pspin(n, 3, seed=s).energy(x)[0] for s in range(300)])
    assert np.var(e) * n == pytest.approx(1.0, rel=0.25)       # 300 samples: sd of the estimate ~ 0.08


def test_p2_every_minimum_is_the_ground_state():
    m = spherical_pspin(40, 2, seed=5)
    gs = np.linalg.eigvalsh(m.tensor)[0] * m.scale
    x, ok = descend(m, np.random.default_rng(1).standard_normal((12, 40)), steps=20000, lr=0.1, tol=1e-9)
    k, _ = hessian_index(m, x)
    assert ok.all() and np.all(k == 0)
    assert np.allclose(m.energy(x), gs, rtol=1e-8)
    big = spherical_pspin(300, 2, seed=5)                                 # semicircle edge -sqrt(2), N^{-2/3} off
    assert np.linalg.eigvalsh(big.tensor)[0] * big.scale == pytest.approx(threshold_energy(2), abs=0.1)


def test_newton_finds_saddles_following_the_index_law():
    m = spherical_pspin(60, 3, seed=2)
    cp = critical_points(m, starts=4, saddles=16, steps=600, seed=3)
    conv = cp.converged
    assert conv.sum() >= 10
    pred = index_fraction(3, cp.energy[conv]) * (m.n - 1)
    # finite N = 60: edge fluctuations ~ N^{-2/3}; allow 4 eigenvalues of the 59
    assert np.max(np.abs(cp.index[conv] - pred)) <= 4.0
    # power checks: an unshifted semicircle (index N/2 at every energy) fails, and the law of the
    # wrong p fits worse on average
    assert np.max(np.abs(cp.index[conv] - (m.n - 1) / 2)) > 4.0
    wrong = index_fraction(2, cp.energy[conv]) * (m.n - 1)
    assert np.mean(np.abs(cp.index[conv] - wrong)) > np.mean(np.abs(cp.index[conv] - pred))
    # the Newton points are critical: the gradient vanishes
    x, ok = newton(m, np.random.default_rng(0).standard_normal((3, 60)))
    assert np.all(np.linalg.norm(m.riemannian_gradient(x[ok]), axis=1) < 1e-6)


def test_bad_p_and_memory():
    with pytest.raises(InputError, match="p must be an integer >= 2"):
        spherical_pspin(10, 1)
    with pytest.raises(InputError, match="needs about"):
        spherical_pspin(100_000, 3)


@pytest.mark.slow
def test_p3_n200_minima_sit_just_above_threshold():
    m = spherical_pspin(200, 3, seed=1)
    cp = critical_points(m, starts=24, saddles=0, steps=1500, seed=0)
    mins = cp.energy[cp.converged & (cp.index == 0)]
    assert mins.size >= 20
    einf = threshold_energy(3)
    # far below the random starts (E ~ 0), close to E_inf: within 5 % at N = 200 (measured ~3 % above)
    assert np.median(cp.start_energy) > -0.2
    assert abs(np.median(mins) / einf - 1) < 0.05
    assert np.all(mins > ground_state_energy(3) - 0.02)
