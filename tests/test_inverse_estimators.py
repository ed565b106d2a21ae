"""Inverse Ising/Potts estimators against exact results (tests/test_inverse_estimators.py).

"Exactly weighted data" are all 2^n (q^n) configurations weighted by their Boltzmann
probabilities from :func:`spinscope.exact.enumerate_model` (the infinite-data limit): exact
likelihood must return the true model, and so must pseudo-likelihood, which is consistent.
"""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.exact import enumerate_model
from spinscope.inverse import (
    BoltzmannLearning,
    ExactLikelihood,
    MeanFieldInverse,
    PseudoLikelihood,
    TAPInverse,
    equilibrium_samples,
    model_moments_exact,
    pseudo_log_likelihood,
)
from spinscope.inverse.exact import all_configurations
from spinscope.models import IsingModel, PottsModel


def random_ising(n, scale, seed, field=0.3):
    rng = np.random.default_rng(seed)
    J = rng.normal(0, scale, (n, n))
    J = np.triu(J, 1) + np.triu(J, 1).T
    return IsingModel(J, rng.normal(0, field, n))


def random_potts(n, q, scale, seed):
    rng = np.random.default_rng(seed)
    J = rng.normal(0, scale, (n, n))
    J = np.triu(J, 1) + np.triu(J, 1).T
    h = rng.normal(0, 0.3, (n, q))
    return PottsModel(q, J, h - h.mean(1, keepdims=True))


def exact_data(model, beta):
    q = getattr(model, "q", None)
    return all_configurations(model.n, q), enumerate_model(model, beta).probabilities


@pytest.fixture(scope="module")
def ising8():
    model = random_ising(8, 0.5, seed=0)
    return model, *exact_data(model, 0.7)


def test_exact_likelihood_recovers_model_from_exact_moments(ising8):
    model, S, p = ising8
    est = ExactLikelihood(beta=0.7).fit(S, sample_weight=p)
    assert est.converged_ or est.moment_residual_ < 1e-8
    np.testing.assert_allclose(est.couplings_, model.couplings, atol=1e-6)
    np.testing.assert_allclose(est.fields_, model.fields, atol=1e-6)
    assert np.allclose(est.couplings_, est.couplings_.T) and not np.any(np.diag(est.couplings_))


@pytest.mark.parametrize("symmetric", [True, False])
def test_plm_is_consistent_on_exactly_weighted_data(ising8, symmetric):
    model, S, p = ising8
    est = PseudoLikelihood(beta=0.7, symmetric=symmetric, tol=1e-10).fit(S, sample_weight=p)
    np.testing.assert_allclose(est.couplings_, model.couplings, atol=1e-6)
    np.testing.assert_allclose(est.fields_, model.fields, atol=1e-6)
    # the pseudo-log-likelihood it reports is that of the true model, computed independently
    assert est.pseudo_log_likelihood_ == pytest.approx(
        pseudo_log_likelihood(model, S, beta=0.7, sample_weight=p), abs=1e-9)


def test_pseudo_log_likelihood_by_hand():
    model = random_ising(4, 0.6, seed=3)
    S = np.array([[1, -1, 1, 1], [-1, -1, 1, -1], [1, 1, 1, -1]])
    beta, J, h = 0.8, model.couplings, model.fields
    expect = np.mean([np.log(1 / (1 + np.exp(-2 * beta * s[i] * (J[i] @ s + h[i]))))
                      for s in S for i in range(4)])
    assert pseudo_log_likelihood(model, S, beta=beta) == pytest.approx(expect, rel=1e-12)


def test_potts_plm_and_exact_recover_potts_model_in_zero_sum_gauge():
    model = random_potts(5, 3, 0.6, seed=1)
    S, p = exact_data(model, 1.0)
    plm = PseudoLikelihood(q=3, tol=1e-10).fit(S, sample_weight=p)
    K = plm.couplings_
    # zero-sum gauge: every row and column of every block, and every field vector, sums to 0
    assert np.abs(K.sum(axis=2)).max() < 1e-10 and np.abs(K.sum(axis=3)).max() < 1e-10
    assert np.abs(plm.fields_.sum(axis=1)).max() < 1e-10
    np.testing.assert_allclose(K, np.swapaxes(np.swapaxes(K, 0, 1), 2, 3), atol=1e-12)
    np.testing.assert_allclose(plm.model_couplings(), model.couplings, atol=1e-6)
    np.testing.assert_allclose(plm.fields_, model.fields, atol=1e-6)
    assert plm.potts_residual_ < 1e-6
    ex = ExactLikelihood(q=3).fit(S, sample_weight=p)
    np.testing.assert_allclose(ex.couplings_, model.couplings, atol=1e-6)
    np.testing.assert_allclose(ex.fields_, model.fields, atol=1e-6)
    m = plm.to_model()
    assert m.kind == "potts" and m.q == 3


def test_meanfield_and_tap_orders_at_weak_coupling():
    """Halving the couplings divides the nMF error by ~4 (second order) and TAP's by ~8 (third)."""
    base = random_ising(7, 0.5, seed=2, field=0.4)
    S = all_configurations(7)
    errors = {"mf": [], "tap": []}
    for eps in (0.04, 0.02, 0.01):
        model = IsingModel(eps * base.couplings, base.fields)
        p = enumerate_model(model, 1.0).probabilities
        for name, cls in (("mf", MeanFieldInverse), ("tap", TAPInverse)):
            errors[name].append(np.abs(cls().fit(S, sample_weight=p).couplings_ - model.couplings).max())
    mf, tap = np.array(errors["mf"]), np.array(errors["tap"])
    assert np.all((mf[:-1] / mf[1:] > 3.5) & (mf[:-1] / mf[1:] < 4.5))
    assert np.all((tap[:-1] / tap[1:] > 6.5) & (tap[:-1] / tap[1:] < 9.0))
    assert np.all(tap < mf / 5)


def test_constant_column_is_refused_or_regularised():
    rng = np.random.default_rng(0)
    X = rng.choice([-1, 1], size=(200, 4))
    X[:, 2] = 1
    for cls in (MeanFieldInverse, TAPInverse, PseudoLikelihood, ExactLikelihood):
        with pytest.raises(InputError, match=r"column\(s\) 2 \(always \+1\) \(0-based\) never change"):
            cls().fit(X)
    est = PseudoLikelihood(l2=1e-2).fit(X)
    assert np.all(np.isfinite(est.couplings_)) and est.fields_[2] > 1.0
    with pytest.raises(InputError, match="never takes state"):
        PseudoLikelihood(q=3).fit(np.array([[0, 1], [1, 0], [0, 0]]))
    with pytest.raises(InputError, match="at most one of l1 and l2"):
        PseudoLikelihood(l1=0.1, l2=0.1)
    with pytest.raises(InputError, match="learns Ising models only"):
        MeanFieldInverse(q=3).fit(np.array([[0, 1], [1, 2], [2, 0]]))
    with pytest.raises(InputError, match="not fitted yet"):
        PseudoLikelihood().to_model()


def exact_samples(model, beta, B, seed):
    """B independent samples drawn from the exact Boltzmann distribution (enumeration)."""
    S, p = exact_data(model, beta)
    return S[np.random.default_rng(seed).choice(len(S), size=B, p=p)]


def test_boltzmann_learning_matches_moments_within_sampling_error():
    """BM's model moments (exact, by enumeration) agree with the data's within their errors."""
    model = random_ising(6, 0.4, seed=4, field=0.2)
    B = 4000
    X = exact_samples(model, 1.0, B, seed=5)
    est = BoltzmannLearning(chains=512, seed=6, max_steps=160, check_every=40, final_sweeps=40).fit(X)
    m1, m2 = model_moments_exact(est.to_model(), 1.0)
    s = X.astype(float)
    d1, d2 = s.mean(0), s.T @ s / B
    iu = np.triu_indices(6, 1)
    z1 = (m1 - d1) / np.sqrt((1 - d1**2) / B)
    z2 = (m2 - d2)[iu] / np.sqrt((1 - d2[iu] ** 2) / B)
    # the data's own sampling error is the scale; BM's chain noise adds a little
    assert np.sqrt(np.mean(z1**2)) < 1.5 and np.sqrt(np.mean(z2**2)) < 1.5
    assert max(np.abs(z1).max(), np.abs(z2).max()) < 4.5
    assert est.residuals_["pair"]["rms_z"] < 2.0


def test_l1_plm_recovers_support_of_sparse_model():
    """Exactly weighted data of a ring with one chord: L1 keeps the 9 edges, zeros the rest."""
    n = 8
    J = np.zeros((n, n))
    for i in range(n):
        J[i, (i + 1) % n] = J[(i + 1) % n, i] = 0.6
    J[0, 4] = J[4, 0] = -0.5
    model = IsingModel(J, np.full(n, 0.1))
    S, p = exact_data(model, 1.0)
    K = PseudoLikelihood(l1=0.01).fit(S, sample_weight=p).couplings_
    iu = np.triu_indices(n, 1)
    edge = J[iu] != 0
    assert np.abs(K[iu][~edge]).max() < 0.01  # smooth L1, eps = 1e-3: zeros up to ~eps
    assert np.all(np.abs(K[iu][edge] - J[iu][edge]) < 0.05)  # shrunk by about l1 / curvature
    assert np.all(np.sign(K[iu][edge]) == np.sign(J[iu][edge]))


def test_equilibrium_samples_have_the_exact_moments():
    """Moments of the sampler's samples agree with enumeration within 4.5 standard errors."""
    model = random_ising(6, 0.5, seed=8)
    ss = equilibrium_samples(model, 1.0, 6000, chains=300, seed=9)
    assert ss.equilibrated and ss.thin >= 1 and ss.spins.shape == (6000, 6)
    m1, m2 = model_moments_exact(model, 1.0)
    s = ss.spins.astype(float)
    iu = np.triu_indices(6, 1)
    z1 = (s.mean(0) - m1) / np.sqrt((1 - m1**2) / 6000)
    z2 = ((s.T @ s / 6000) - m2)[iu] / np.sqrt((1 - m2[iu] ** 2) / 6000)
    assert max(np.abs(z1).max(), np.abs(z2).max()) < 4.5
