"""State evolution and the replica free entropy of GLMs against known anchors and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import log_ndtr, ndtr

from spinscope.glm.channels import make_channel
from spinscope.glm.priors import make_prior
from spinscope.glm.state_evolution import StateEvolution


@pytest.fixture(scope="module")
def perceptron():
    return StateEvolution(make_prior("rademacher"), make_channel("sign"))


def test_binary_perceptron_thresholds(perceptron):
    """Gyorgyi 1990 / Barbier et al. PNAS 2019: alpha_IT ~ 1.249 (1.245), alpha_alg ~ 1.493."""
    th = perceptron.thresholds(alpha_max=3.0, points=60)
    assert abs(th["alpha_it"] - 1.249) <= 0.005
    assert abs(th["alpha_it"] - 1.245) <= 0.001      # Gyorgyi's value, which our quadrature gives
    assert abs(th["alpha_alg"] - 1.493) <= 0.005


def test_perceptron_free_entropy_matches_adaptive_quadrature(perceptron):
    """An independent computation (scipy.integrate.quad, direct variables) of q and Phi."""
    def npdf(t):
        return np.exp(-t * t / 2) / np.sqrt(2 * np.pi)

    def G(q):
        k = np.sqrt(q / (1 - q))
        return quad(lambda x: npdf(x) * 2 * np.exp(-(k * x) ** 2 - np.log(2 * np.pi) - log_ndtr(k * x)) / (1 - q),
                    -40, 40, limit=400)[0]

    def pout(q):
        k = np.sqrt(q / (1 - q))
        return quad(lambda x: npdf(x) * 2 * ndtr(k * x) * log_ndtr(k * x), -40, 40, limit=400)[0]

    def overlap(r):
        return quad(lambda z: npdf(z) * np.tanh(r + np.sqrt(r) * z), -40, 40)[0]

    def psi(r):
        return quad(lambda z: npdf(z) * (np.logaddexp(r + np.sqrt(r) * z, -r - np.sqrt(r) * z)
                                         - np.log(2)), -40, 40)[0] - r / 2

    a = 1.1
    q = brentq(lambda q: overlap(a * G(q)) - q, 0.3, 0.9, xtol=1e-12)
    r = a * G(q)
    low = perceptron.fixed_points(a)[0]
    assert low.stable and abs(low.q - q) < 1e-5
    assert abs(low.phi - (psi(r) - r * q / 2 + a * pout(q))) < 1e-7
    top = perceptron.fixed_points(a)[-1]
    assert top.q > 1 - 1e-6 and abs(top.phi + np.log(2)) < 1e-4   # perfect recovery: Phi = -log 2


@pytest.mark.parametrize("noise", [0.01, 0.5])
def test_gaussian_linear_mmse_closed_form(noise):
    """Gaussian prior, linear channel: E^2 + (noise + alpha - 1) E - noise = 0."""
    se = StateEvolution(make_prior("gaussian"), make_channel("linear", noise=noise))
    alphas = np.array([0.2, 0.7, 1.0, 1.5, 3.0])
    c = se.curve(alphas)
    b = noise + alphas - 1
    exact = (-b + np.sqrt(b * b + 4 * noise)) / 2
    np.testing.assert_allclose(c.mse, exact, rtol=2e-3, atol=1e-5)
    np.testing.assert_allclose(c.mse_amp, exact, rtol=2e-3, atol=1e-5)
    # the mutual information of the Gaussian channel at alpha -> 0 vanishes
    assert abs(se.curve([1e-4]).mutual_information[0]) < 1e-3


def test_no_first_order_transition_without_a_hard_prior():
    """Power check: the Gaussian-prior perceptron learns continuously, so no threshold exists."""
    se = StateEvolution(make_prior("gaussian"), make_channel("sign"), grid=301)
    th = se.thresholds(alpha_max=3.0, points=30)
    assert th["alpha_it"] is None and th["alpha_alg"] is None


def test_sparse_prior_with_density_one_is_the_gaussian_prior():
    g, s = make_prior("gaussian"), make_prior("sparse", density=1.0)
    B = np.linspace(-3, 3, 7)
    for A in (0.0, 0.5, 4.0):
        for u, v in zip(g.denoise(B, A), s.denoise(B, A)):
            np.testing.assert_allclose(u, v, rtol=1e-12)
        np.testing.assert_allclose(g.log_z(B, A), s.log_z(B, A), rtol=1e-12)
    r = np.array([0.0, 0.3, 2.0, 10.0])
    np.testing.assert_allclose(s._average(lambda b, rr: s.denoise(b, rr)[0] ** 2, r), g.overlap(r), atol=1e-10)
    np.testing.assert_allclose(s.psi(r), g.psi(r), atol=1e-10)


@pytest.mark.parametrize("name", ["rademacher", "gaussian", "sparse"])
def test_prior_limits_and_monte_carlo(name):
    """overlap(0) = 0, overlap(inf) = rho, and overlap(r) equals a Monte Carlo average of f_in^2."""
    p = make_prior(name, density=0.3)
    assert abs(p.overlap(np.array([0.0]))[0]) < 1e-12
    assert abs(p.overlap(np.array([1e4]))[0] - p.rho) < 5e-3 * p.rho
    rng = np.random.default_rng(3)
    x0 = p.sample(200_000, rng)
    r = 1.7
    mean, _ = p.denoise(r * x0 + np.sqrt(r) * rng.standard_normal(x0.shape), r)
    mc = mean**2
    assert abs(mc.mean() - p.overlap(np.array([r]))[0]) < 4 * mc.std() / np.sqrt(len(mc))


@pytest.mark.parametrize("name", ["sign", "linear", "relu", "abs"])
def test_output_denoiser_is_the_derivative_of_log_z(name):
    ch = make_channel(name, noise=0.05 if name != "sign" else 0.1)
    rng = np.random.default_rng(1)
    omega, V = rng.normal(size=20), 0.4
    y = ch.sample(omega + np.sqrt(V) * rng.normal(size=20), rng)
    h = 1e-5
    g, dg = ch.g_out(y, omega, V)
    num_g = (ch.log_z(y, omega + h, V) - ch.log_z(y, omega - h, V)) / (2 * h)
    num_dg = (ch.g_out(y, omega + h, V)[0] - ch.g_out(y, omega - h, V)[0]) / (2 * h)
    np.testing.assert_allclose(g, num_g, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dg, num_dg, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["sign", "relu", "abs"])
def test_output_terms_against_monte_carlo(name):
    """G(q) = E[g_out^2] and Psi_out(q) = E[log Z_out] against sampled teacher/student pairs."""
    ch = make_channel(name, noise=0.05 if name != "sign" else 0.0)
    rng = np.random.default_rng(7)
    q, rho, n = 0.6, 1.0, 400_000
    omega = np.sqrt(q) * rng.standard_normal(n)
    y = ch.sample(omega + np.sqrt(rho - q) * rng.standard_normal(n), rng)
    g, _ = ch.g_out(y, omega, rho - q)
    lz = ch.log_z(y, omega, rho - q)
    G, P = ch.output_terms(np.array([q]), rho)
    assert abs(G[0] - np.mean(g**2)) < 4 * np.std(g**2) / np.sqrt(n)
    assert abs(P[0] - np.mean(lz)) < 4 * np.std(lz) / np.sqrt(n)
