"""Replica-symmetric theory of Hopfield networks / RBMs against reference values and limits."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import erf

from spinscope.errors import InputError
from spinscope.meanfield import hopfield as H


def test_zero_temperature_capacity_matches_ags():
    # AGS 1987: alpha_c = 0.138 with m = 0.967 at T = 0
    a, m = H.ags_zero_temperature()
    assert abs(a - 0.138) < 5e-4 and abs(m - 0.967) < 1e-3
    # the T = 0 solution is a fixed point of m = erf(m / sqrt(2 alpha r)) with r = 1/(1-C)^2
    y = np.linspace(0.9, 2.5, 2001)
    c = 2 * y * np.exp(-y**2) / (np.sqrt(np.pi) * erf(y))
    assert a >= (erf(y) ** 2 * (1 - c) ** 2 / (2 * y**2)).max() - 1e-9


def test_low_temperature_retrieval_approaches_zero_temperature_capacity():
    # finite-T solver at T = 0.05: retrieval exists just below alpha_c, not just above
    assert H.ags_solve(0.13, 0.05).m > 0.9
    assert H.ags_solve(0.145, 0.05).m < 0.05


REFERENCE_TM = {0.01: 0.800, 0.02: 0.715, 0.05: 0.540, 0.08: 0.400, 0.10: 0.315, 0.12: 0.215}


def test_retrieval_boundary_matches_reference_values():
    alphas = np.array(list(REFERENCE_TM))
    tm = H.retrieval_temperature(alphas)
    np.testing.assert_allclose(tm, list(REFERENCE_TM.values()), atol=0.01)
    # and the bisection is right: retrieval just below T_M, none just above
    for a, t in zip(alphas[[0, 3, 5]], tm[[0, 3, 5]]):
        assert H.ags_solve(a, t - 2e-3).m > 0.3
        assert H.ags_solve(a, t + 2e-3).m < 0.05


def test_spin_glass_line_closed_form_and_boolean_hidden_limit():
    a = np.array([0.01, 0.05, 0.14, 0.5])
    np.testing.assert_allclose(H.spin_glass_temperature(a), 1 + np.sqrt(a), rtol=1e-12)
    np.testing.assert_allclose(H.spin_glass_temperature(a, hidden_prior="boolean"), np.sqrt(a), rtol=1e-12)
    # just below T_g a small q > 0 spin-glass solution appears, above it only q = 0
    tg = 1 + np.sqrt(0.05)
    assert H.ags_solve(0.05, tg * 0.98, m0=0).q > 1e-3
    assert H.ags_solve(0.05, tg * 1.02, m0=0).q == 0.0


def test_ags_equations_hold_at_the_solution():
    # independent check of the fixed point with adaptive quadrature (scipy.quad)
    p = H.ags_solve(0.08, 0.3)
    beta, s = 1 / p.T, np.sqrt(p.alpha * p.r)
    phi = lambda z: np.exp(-z * z / 2) / np.sqrt(2 * np.pi)  # noqa: E731
    m = quad(lambda z: phi(z) * np.tanh(beta * (p.m + s * z)), -12, 12, points=[-p.m / s])[0]
    q = quad(lambda z: phi(z) * np.tanh(beta * (p.m + s * z)) ** 2, -12, 12, points=[-p.m / s])[0]
    assert abs(m - p.m) < 1e-9 and abs(q - p.q) < 1e-9
    assert abs(p.r - p.q / (1 - beta * (1 - p.q)) ** 2) < 1e-12


def test_free_energy_limits():
    # paramagnet above T_g: f = alpha/2 + (alpha T / 2) ln(1 - beta) - T ln 2 (annealed, exact)
    a, t = 0.1, 2.0
    p = H.ags_solve(a, t, m0=0)
    assert p.q == 0.0
    assert abs(p.f - (a / 2 + a * t / 2 * np.log(1 - 1 / t) - t * np.log(2))) < 1e-12
    # alpha -> 0: Curie-Weiss f = m^2/2 - T ln 2 cosh(m / T)
    p = H.ags_solve(1e-9, 0.6)
    assert abs(p.m - np.tanh(p.m / 0.6)) < 1e-6
    assert abs(p.f - (p.m**2 / 2 - 0.6 * np.log(2 * np.cosh(p.m / 0.6)))) < 1e-6


@pytest.mark.parametrize(("alpha", "T", "m0"), [(0.05, 0.3, 1.0), (0.1, 0.2, 1.0), (0.02, 0.7, 1.0),
                                                 (0.05, 0.3, 0.0), (0.2, 0.5, 0.0), (0.3, 1.8, 0.0)])
def test_generalised_equations_reduce_to_ags(alpha, T, m0):
    # Boolean patterns + Gaussian hidden units: the bipartite equations are AGS (to 1e-8),
    # with p = beta r and f_RBM = f_Hopfield - alpha/2 (the Hopfield model drops the diagonal)
    a = H.ags_solve(alpha, T, m0=m0)
    g = H.rs_solve(alpha, T, pattern_prior="boolean", hidden_prior="gaussian", m0=m0)
    assert abs(a.m - g.m) < 1e-8 and abs(a.q - g.q) < 1e-8
    assert abs(a.r - g.r) < 1e-8 * max(1, a.r)
    assert abs(a.f - (g.f + alpha / 2)) < 1e-8
    assert a.phase == g.phase


def test_generalised_equations_low_load_limit():
    # alpha -> 0, Boolean patterns: m = tanh(beta dh m): retrieval below T = dh exactly
    for dh in (1.0, 0.6):
        assert H.rs_solve(1e-8, 0.9 * dh, hidden_prior=dh).m > 0.05
        assert H.rs_solve(1e-8, 1.1 * dh, hidden_prior=dh).m < 0.05
    # finitely many patterns: retrieval below T = 1 for every pattern prior (Barra et al.)
    for dxi in (0.0, 0.5, 1.0):
        assert H.rs_solve(0.0, 0.95, pattern_prior=dxi).m > 0.05
        assert H.rs_solve(0.0, 1.05, pattern_prior=dxi).m < 0.05
    # Gaussian patterns, finitely many (alpha = 0): m = E xi tanh(beta m xi), by quadrature over xi
    p = H.rs_solve(0.0, 0.5, pattern_prior="gaussian")
    x = np.linspace(-10, 10, 4001)
    w = np.exp(-x * x / 2)
    w /= w.sum()
    assert p.m > 0.5 and abs(p.m - np.sum(w * x * np.tanh(2 * p.m * x))) < 1e-7
    # ... and by Stein's lemma 1 = beta E sech^2, i.e. beta (1 - q) = 1 exactly (a zero mode): at
    # alpha > 0 the hidden units' response diverges, so no retrieval at any load (as Leuzzi et
    # al. 2022 find for Gaussian patterns)
    assert abs((1 - p.q) - 0.5) < 1e-9
    assert H.rs_solve(1e-6, 0.5, pattern_prior="gaussian").phase == "none"
    assert np.isnan(H.retrieval_temperature([1e-3], pattern_prior="gaussian")[0])


def test_retrieval_region_grows_with_broader_hidden_units():
    a = np.array([0.005, 0.02, 0.05])
    tm = [H.retrieval_temperature(a, hidden_prior=dh) for dh in (0.5, 0.8, 1.0)]
    assert np.all(tm[0] < tm[1]) and np.all(tm[1] < tm[2])
    # and shrinks when the patterns get a Gaussian part (at alpha = 0.005)
    assert H.retrieval_temperature([0.005], pattern_prior=0.25)[0] < tm[2][0]


def test_coexistence_line_lies_below_retrieval_line():
    a = np.array([0.01, 0.03, 0.055])
    tm = H.retrieval_temperature(a)
    tc = H.coexistence_temperature(a, t_m=tm)
    assert np.all(tc[:2] < tm[:2]) and tc[0] > 0.6 and np.isnan(tc[2])
    # at T_c the two free energies agree; below, retrieval is lower
    r, s = H.ags_solve(0.03, tc[1]), H.ags_solve(0.03, tc[1], m0=0)
    assert abs(r.f - s.f) < 1e-6
    assert H.ags_solve(0.03, tc[1] - 0.05).f < H.ags_solve(0.03, tc[1] - 0.05, m0=0).f


@pytest.mark.parametrize("bad", ["ternary", "mixed:x", 1.5, -0.1, "nan"])
def test_bad_priors_are_refused(bad):
    with pytest.raises(InputError, match="prior"):
        H.prior_fraction(bad)


@pytest.mark.parametrize(("alpha", "T"), [(0.0, 0.5), (-1, 0.5), (0.1, -0.2), (0.1, 0.0), (np.nan, 1)])
def test_bad_alpha_or_temperature(alpha, T):
    with pytest.raises(InputError):
        H.ags_solve(alpha, T)


def test_phase_diagram_grid_is_consistent_with_the_lines():
    from spinscope.meanfield.hopfield_diagram import PHASES, phase_diagram

    a, t = np.array([0.01, 0.03, 0.08, 0.15]), np.linspace(0.1, 1.4, 14)
    d = phase_diagram(a, t)
    np.testing.assert_allclose(d.t_g, 1 + np.sqrt(a), rtol=1e-12)
    np.testing.assert_allclose(d.t_m[:3], H.retrieval_temperature(a[:3]), atol=2e-3)
    assert np.isnan(d.t_m[3]) and np.isnan(d.t_c[2])  # alpha = 0.15 > alpha_c; 0.08 > 0.051
    for i in range(a.size):
        for j, tj in enumerate(t):
            name = PHASES[d.phase[i, j]]
            if tj > d.t_g[i] - 1e-9:  # q vanishes continuously at T_g
                assert name == "paramagnet"
            elif not tj < d.t_m[i]:
                assert name == "spin glass"
            elif tj < d.t_c[i] - 0.1:  # T_c is interpolated on the grid (step 0.1)
                assert name == "retrieval"
            elif tj > d.t_c[i] + 0.1 or np.isnan(d.t_c[i]):
                assert name == "mixed"
    assert sum(d.counts().values()) == a.size * t.size
