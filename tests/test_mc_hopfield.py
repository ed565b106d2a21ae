"""Hopfield models and RBMs: energies, the RBM <-> Hopfield marginal identity, samplers vs enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import chisquare

from spinscope.errors import InputError
from spinscope.mc.hopfield import hopfield_sample, rbm_gibbs
from spinscope.meanfield.hopfield import retrieval_temperature
from spinscope.models import ensembles
from spinscope.models.hopfield_rbm import RBM, HopfieldModel, random_patterns


def all_states(n):
    return np.array(list(itertools.product([-1, 1], repeat=n)), dtype=float)


def test_hopfield_energy_matches_ising_couplings_and_ensemble():
    xi = random_patterns(3, 12, seed=4)
    model = HopfieldModel(xi, field=0.3, target=1)
    s = all_states(12)[::37]
    np.testing.assert_allclose(model.energy(s), model.to_ising().energy(s), atol=1e-12)
    np.testing.assert_allclose(HopfieldModel(xi).energy(s), ensembles.hopfield(xi).energy(s), atol=1e-12)
    np.testing.assert_allclose(model.overlaps(xi[1]), xi @ xi[1] / 12)


@pytest.mark.parametrize("d", [1.0, 0.5, 0.0])
def test_rbm_marginal_by_enumeration(d):
    # sum over the hidden prior done by quadrature == the closed form of log_marginal
    rng = np.random.default_rng(1)
    rbm = RBM(rng.normal(size=(6, 2)) * 0.6, rng.normal(size=6) * 0.2, rng.normal(size=2) * 0.2, d)
    s = all_states(6)
    a = rbm.hidden_fields(s)
    g = np.linspace(-12, 12, 4001)
    wg = np.exp(-g * g / 2)
    wg /= wg.sum()
    eps = np.array([-1.0, 1.0])
    tau = (np.sqrt(1 - d) * eps[:, None] + np.sqrt(d) * g[None, :]).ravel()
    wt = np.tile(wg, 2) / 2
    num = np.log(np.exp(a[..., None] * tau).dot(wt)).sum(-1) + s @ rbm.visible_bias
    lm = rbm.log_marginal(s)
    np.testing.assert_allclose(lm - lm[0], num - num[0], atol=1e-9)


def test_rbm_with_gaussian_hidden_units_is_the_hopfield_model():
    model = HopfieldModel(random_patterns(3, 10, seed=2), field=0.2)
    T = 0.7
    rbm = RBM.from_hopfield(model, T)
    s = all_states(10)
    lm = rbm.log_marginal(s)
    lh = -model.energy(s) / T
    np.testing.assert_allclose(lm - lm[0], lh - lh[0], atol=1e-10)


def _exact_probs(logw):
    p = np.exp(logw - logw.max())
    return p / p.sum()


def _chi2_pvalue(counts, probs) -> float:
    """Chi-square p-value of ``counts`` against ``probs``, the bins expecting < 5 pooled into one
    (the chi-square law of the statistic needs expected counts of about 5 or more)."""
    counts, expected = np.asarray(counts, float), np.asarray(probs, float) * np.sum(counts)
    small = expected < 5
    obs, exp = counts[~small], expected[~small]
    if small.any():
        obs, exp = np.append(obs, counts[small].sum()), np.append(exp, expected[small].sum())
    return chisquare(obs, exp * obs.sum() / exp.sum()).pvalue


def _codes(states):
    n = states.shape[-1]
    return ((states > 0).astype(np.int64) * (1 << np.arange(n - 1, -1, -1))).sum(-1)


@pytest.mark.parametrize("d", [1.0, 0.4])
def test_rbm_block_gibbs_matches_the_exact_marginal(d):
    # chi-square of the visible-state histogram against exact enumeration (p > 1e-3 at a
    # fixed seed); power check: the same samples against the marginal at another temperature
    n, p = 8, 2
    xi = random_patterns(p, n, seed=7)
    rbm = RBM(np.sqrt(1.5 / n) * xi.T, None, None, d)
    samples = rbm_gibbs(rbm, sweeps=3000, burn_in=50, replicas=32, seed=11)
    counts = np.bincount(_codes(samples.visible).ravel(), minlength=2**n)
    s = all_states(n)
    probs = _exact_probs(rbm.log_marginal(s))
    # thin to roughly independent draws (block Gibbs decorrelates in a few sweeps here)
    thin = counts / 5
    assert _chi2_pvalue(thin, probs) > 1e-3
    wrong = RBM(np.sqrt(1.0 / n) * xi.T, None, None, d)
    assert _chi2_pvalue(thin, _exact_probs(wrong.log_marginal(s))) < 1e-6


def test_hopfield_metropolis_matches_enumeration():
    # energy histogram of the overlap-based Metropolis kernel vs exact Boltzmann weights
    n = 10
    model = HopfieldModel(random_patterns(2, n, seed=3), field=0.1)
    T = 0.8
    s = all_states(n)
    e = model.energy(s)
    probs = _exact_probs(-e / T)
    res = hopfield_sample(model, T, sweeps=4000, burn_in=20, replicas=16, start="random", seed=5)
    levels, inverse = np.unique(np.round(e, 9), return_inverse=True)
    exact = np.bincount(inverse, weights=probs)
    meas = np.round(res.energy.ravel() * n, 9)
    obs = np.array([np.sum(np.isclose(meas, lv)) for lv in levels]) / 3.0  # thin
    assert obs.sum() * 3 == meas.size
    assert _chi2_pvalue(obs, exact) > 1e-3
    wrong = _exact_probs(-e / 1.2)
    assert _chi2_pvalue(obs, np.bincount(inverse, weights=wrong)) < 1e-6


def test_hopfield_sampler_is_reproducible_and_tracks_overlaps():
    model = HopfieldModel(random_patterns(20, 400, seed=1))
    a = hopfield_sample(model, 0.3, sweeps=5, burn_in=2, seed=9)
    b = hopfield_sample(model, 0.3, sweeps=5, burn_in=2, seed=9)
    np.testing.assert_array_equal(a.spins, b.spins)
    np.testing.assert_allclose(a.overlaps[-1], model.overlaps(a.spins))
    assert a.target_overlap()[0] > 0.9  # alpha = 0.05, T = 0.3: retrieval


def test_bad_patterns_are_refused():
    with pytest.raises(InputError, match="boolean must hold ±1"):
        HopfieldModel(np.array([[1, -1, 0.5]]))
    with pytest.raises(InputError, match="NaN"):
        HopfieldModel(np.array([[1, -1, np.nan]]), pattern_prior=1.0)
    HopfieldModel(np.array([[1, -1, 0.5]]), pattern_prior=1.0)  # real patterns are fine
    with pytest.raises(InputError, match="target"):
        HopfieldModel(np.ones((2, 4)), target=2)


def _median_overlap(xi, T, seed):
    """Median over 3 target patterns (one chain each) of the measured overlap with the target."""
    out = []
    for target in range(3):
        model = HopfieldModel(xi, target=target)
        res = hopfield_sample(model, T, sweeps=300, burn_in=300, every=10, seed=seed + target)
        out.append(res.target_overlap(target)[0])
    return float(np.median(out))


@pytest.mark.slow
def test_monte_carlo_retrieval_on_the_right_side_of_tm():
    # N = 4000 started on a pattern: median over 3 stored patterns of m > 0.5 at T = T_M - 0.06,
    # < 0.5 at T = T_M + 0.06, at five loads (finite-size tolerance 0.06 in T: near T_M the
    # retrieval state of a finite network is metastable and some patterns are less stable than
    # others; 300 burn-in + 300 measured sweeps)
    N = 4000
    alphas = np.array([0.02, 0.05, 0.08, 0.10, 0.12])
    tm = retrieval_temperature(alphas)
    for k, (alpha, t) in enumerate(zip(alphas, tm)):
        xi = random_patterns(int(alpha * N), N, seed=100 + k)
        below, above = _median_overlap(xi, t - 0.06, 10 * k), _median_overlap(xi, t + 0.06, 10 * k)
        assert below > 0.5 and above < 0.5, (alpha, t, below, above)


def test_hopfield_model_runs_on_the_generic_sampler():
    # HopfieldModel.to_ising() with MonteCarlo (heat-bath): retrieval from the pattern at
    # alpha = 0.05, T = 0.3 and the same mean overlap as the overlap kernel (within 0.02)
    from spinscope.mc import MonteCarlo

    model = HopfieldModel(random_patterns(15, 300, seed=8))
    mc = MonteCarlo("heatbath")
    state = mc.init(model.to_ising(), betas=[1 / 0.3], replicas=4, seed=2,
                    spins=np.tile(model.patterns[0].astype(np.int8), (4, 1)))
    state, _ = mc.run(state, sweeps=200)
    m_generic = model.overlaps(np.asarray(state.spins))[:, 0].mean()
    m_kernel = hopfield_sample(model, 0.3, sweeps=200, burn_in=0, replicas=4, seed=2).overlaps[-1, :, 0].mean()
    assert m_generic > 0.9 and abs(m_generic - m_kernel) < 0.02


@pytest.mark.parametrize(("d", "beta"), [(1.0, 1.0), (0.4, 1.0), (0.0, 1.5)])
def test_rbm_through_the_monte_carlo_registry(d, beta):
    # MonteCarlo("block") on an RBM: 3000 independent chains after 400 sweeps (the Boolean-hidden
    # case is bimodal and needs ~300 sweeps from random starts: p = 1e-9 after 100), chi-square of the
    # visible-state histogram against the exact marginal (p > 1e-3); beta scales the exponent,
    # so the target is the marginal of the RBM with beta W, beta b, beta c
    from spinscope.mc import MonteCarlo

    n = 7
    rng = np.random.default_rng(3)
    rbm = RBM(rng.normal(size=(n, 2)) * 0.5, rng.normal(size=n) * 0.2, rng.normal(size=2) * 0.2, d)
    mc = MonteCarlo("block")
    state = mc.init(rbm, betas=[beta], replicas=3000, seed=4)
    state, _ = mc.run(state, sweeps=400)
    counts = np.bincount(_codes(np.asarray(state.spins)), minlength=2**n)
    scaled = RBM(beta * rbm.weights, beta * rbm.visible_bias, beta * rbm.hidden_bias, d)
    probs = _exact_probs(scaled.log_marginal(all_states(n)))
    assert _chi2_pvalue(counts, probs) > 1e-3
    e, _ = mc.measure(state)
    np.testing.assert_allclose(e * n, -rbm.log_marginal(np.asarray(state.spins)), rtol=1e-12)


def test_rbm_block_gibbs_reproduces_the_hopfield_model():
    # RBM.from_hopfield (Gaussian hidden, ±1 visible), N = 10, P = 3, T = 0.8, sampled by
    # MonteCarlo("block"): visible states and Hopfield energies against the exact Boltzmann law
    # of the Hopfield model (chi-square p > 1e-3, small bins pooled), and the mean |overlaps|
    from spinscope.mc import MonteCarlo

    n, T = 10, 0.8
    model = HopfieldModel(random_patterns(3, n, seed=12), field=0.05)
    mc = MonteCarlo("block")
    state = mc.init(RBM.from_hopfield(model, T), betas=[1.0], replicas=4000, seed=6)
    state, _ = mc.run(state, sweeps=200)
    s = np.asarray(state.spins)
    states = all_states(n)
    probs = _exact_probs(-model.energy(states) / T)
    assert _chi2_pvalue(np.bincount(_codes(s), minlength=2**n), probs) > 1e-3
    levels, inverse = np.unique(np.round(model.energy(states), 9), return_inverse=True)
    found = np.searchsorted(levels, np.round(model.energy(s), 9))
    assert _chi2_pvalue(np.bincount(found, minlength=levels.size), np.bincount(inverse, weights=probs)) > 1e-3
    exact_m = probs @ np.abs(model.overlaps(states))
    np.testing.assert_allclose(np.abs(model.overlaps(s)).mean(0), exact_m, atol=0.02)
