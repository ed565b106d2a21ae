"""Exact posteriors by enumeration, the Gaussian-random-field model and its all-or-nothing law."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.glm.channels import make_channel
from spinscope.glm.exact import exact_glm, exact_grf, posterior_summary
from spinscope.glm.grf import GRFOutput, hypercube_fields, hypercube_spectrum, make_covariance
from spinscope.glm.priors import make_prior
from spinscope.glm.state_evolution import StateEvolution


def test_posterior_summary_against_brute_force():
    """The bit convention, the posterior mean and the entropy against a direct loop over states."""
    rng = np.random.default_rng(0)
    n, ch = 6, make_channel("sign", noise=0.3)
    A = rng.standard_normal((9, n))
    xs = np.array(list(itertools.product([1.0, -1.0], repeat=n)))[:, ::-1]   # bit i -> x_i = -1
    teacher = 37
    y = ch.sample(xs[teacher] @ A.T / np.sqrt(n), rng)
    ll = ch.log_likelihood(y, xs @ A.T / np.sqrt(n)).sum(axis=1)
    p = np.exp(ll - ll.max())
    p /= p.sum()
    x_hat = p @ xs
    overlap, mse, entropy = posterior_summary(ll, teacher, n)
    assert np.isclose(overlap, p @ np.abs(xs @ xs[teacher] / n))
    assert np.isclose(mse, np.mean((x_hat - xs[teacher]) ** 2))
    assert np.isclose(entropy, -(p @ np.log(p)) / n)


def test_hypercube_fields_have_the_covariance():
    """Empirical covariance of 40000 fields on {±1}^4 equals f(x.x'/N) (4-sigma bound per entry)."""
    cov = make_covariance("0.3*q + q**2 + 0.5*q**3")
    n = 4
    F = hypercube_fields(hypercube_spectrum(cov, n), 40000, np.random.default_rng(1))
    xs = 1.0 - 2.0 * ((np.arange(2**n)[:, None] >> np.arange(n)) & 1)
    target = cov(xs @ xs.T / n)
    emp = F.T @ F / len(F)
    se = np.sqrt((target**2 + np.diag(target)[:, None] * np.diag(target)[None, :]) / len(F))
    assert np.max(np.abs(emp - target) / se) < 5.0


@pytest.mark.parametrize("text,message", [("q - q**3", "not positive definite"), ("2", "constant"),
                                          ("q**", "cannot read"), ("__import__('os')", "uses something"),
                                          ("1/q", "not finite")])
def test_bad_covariances_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        make_covariance(text)


def test_linear_covariance_is_the_linear_channel():
    a = [0.3, 1.0, 2.0]
    grf = StateEvolution(make_prior("gaussian"), GRFOutput(make_covariance("q"), 0.1)).curve(a)
    lin = StateEvolution(make_prior("gaussian"), make_channel("linear", noise=0.1)).curve(a)
    np.testing.assert_allclose(grf.mse, lin.mse, rtol=1e-10)
    np.testing.assert_allclose(grf.phi, lin.phi, rtol=1e-10)


@pytest.mark.parametrize("noise,tol", [(0.01, 1e-3), (0.1, 2e-3)])
def test_all_or_nothing_threshold_is_the_capacity_load(noise, tol):
    """Strictly nonlinear f = q^3: overlap 0 below alpha_c, ~1 above; alpha_c = 2 log 2 / log(1 + 1/noise)."""
    out = GRFOutput(make_covariance("q**3"), noise)
    se = StateEvolution(make_prior("rademacher"), out)
    th = se.thresholds(alpha_max=2.0, points=40)
    ac = out.all_or_nothing_load(np.log(2))
    assert abs(th["alpha_it"] - ac) < tol
    assert th["alpha_alg"] is None                        # q = 0 never loses stability
    c = se.curve([0.9 * ac, 1.1 * ac])
    assert c.q[0] < 1e-9 and c.q[1] > 0.98
    assert np.all(c.q_amp < 1e-9)
    # a covariance with a linear part is not all-or-nothing: it learns a little at any load
    se_lin = StateEvolution(make_prior("rademacher"), GRFOutput(make_covariance("0.2*q + 0.8*q**3"), noise))
    assert se_lin.curve([0.5 * ac]).q[0] > 1e-3


def test_exact_perceptron_entropy_follows_the_replica_formula():
    """N = 14, 8 instances, alpha = 0.6: mean posterior entropy vs H(X|Y)/N (finite-N tolerance 0.04)."""
    se = StateEvolution(make_prior("rademacher"), make_channel("sign"))
    h = se.curve([0.6, 1.2]).conditional_entropy
    ex = exact_glm(make_channel("sign"), 0.6, 14, 8, seed=3)
    assert abs(ex.entropy.mean() - h[0]) < 0.04
    assert abs(ex.entropy.mean() - h[1]) > 0.1           # power: the other load is told apart


def test_exact_grf_transition_sharpens_with_n():
    out = GRFOutput(make_covariance("q**3"), 0.1)
    ac = out.all_or_nothing_load(np.log(2))
    below = [exact_grf(out, 0.5 * ac, n, 12, seed=2).overlap.mean() for n in (6, 12)]
    above = [exact_grf(out, 2.5 * ac, n, 12, seed=2).overlap.mean() for n in (6, 12)]
    assert below[1] < below[0] and above[1] > 0.95


def test_exact_refuses_large_n():
    with pytest.raises(InputError, match="N <= 20"):
        exact_glm(make_channel("sign"), 1.0, 21, 1, seed=0)


@pytest.mark.slow
def test_exact_n20_perceptron_near_perfect_above_alpha_alg():
    ex = exact_glm(make_channel("sign"), 2.0, 20, 2, seed=1)
    assert np.all(ex.overlap > 0.9) and np.all(ex.entropy < 0.02)


@pytest.mark.slow
def test_exact_grf_entropy_at_n20_follows_the_replica_formula():
    """f = q^3, noise 0.1 (alpha_c = 0.578): at N = 20 the mean posterior entropy per spin is within
    3 standard errors + 0.02 (finite N) of H(X|Y)/N on both sides of the transition (12 instances)."""
    out = GRFOutput(make_covariance("q**3"), 0.1)
    se = StateEvolution(make_prior("rademacher"), out)
    h = se.curve([0.3, 0.8]).conditional_entropy
    for alpha, target in zip((0.3, 0.8), h):
        ex = exact_grf(out, alpha, 20, 12, seed=11)
        sem = ex.entropy.std(ddof=1) / np.sqrt(len(ex.entropy))
        assert abs(ex.entropy.mean() - target) < 3 * sem + 0.02, alpha
        if alpha > 0.5:
            assert np.median(ex.overlap) > 0.99
