"""The torch backend samples the Boltzmann distribution: chi-square against exact enumeration.

Method: ``R`` independent chains start from random configurations and run ``S`` sweeps (many
times the relaxation time of these tiny systems); the final configurations are ``R``
independent samples. Their histogram (full state, or (energy, magnetisation) for the 4x4 torus)
is compared with the exact distribution by a chi-square test (expected counts < 5 pooled);
three repeats with independent seeds are combined with Fisher's method. Threshold: combined
p-value > P_MIN = 1e-4 (a correct sampler fails with probability 1e-4). The power check at the
end shows the same test rejects samples taken at a 20 % wrong temperature.
"""

import itertools

import numpy as np
import pytest
import torch
from scipy import stats

from spinscope.mc.kernels.torch_backend import (
    prepare_torch,
    torch_energies,
    torch_magnetizations,
    torch_sweeps,
)
from spinscope.models import ClockModel, IsingModel, PottsModel, from_edges, hypercubic

P_MIN = 1e-4


def exact_probs(model, values, beta):
    states = np.array(list(itertools.product(values, repeat=model.n)), dtype=np.int8)
    e = np.asarray(model.energy(states), dtype=float)
    w = np.exp(-beta * (e - e.min()))
    return states, w / w.sum()


def chi2_p(sample_keys, exact_keys, probs):
    uniq, inv = np.unique(np.concatenate([exact_keys, sample_keys]), axis=0, return_inverse=True)
    inv = inv.ravel()
    k = len(exact_keys)
    p = np.bincount(inv[:k], weights=probs, minlength=len(uniq))
    c = np.bincount(inv[k:], minlength=len(uniq)).astype(float)
    assert not np.any(c[p == 0] > 0), "sampled a state of zero probability"
    keep = p > 0
    p, c = p[keep], c[keep]
    exp = p * c.sum()
    small = exp < 5
    exp = np.append(exp[~small], exp[small].sum())
    c = np.append(c[~small], c[small].sum())
    if exp[-1] == 0:
        exp, c = exp[:-1], c[:-1]
    return stats.chisquare(c, exp * c.sum() / exp.sum()).pvalue


def run_chains(model, values, beta, rule, seed, *, R=3000, sweeps=30, block=False):
    plan = prepare_torch(model, block=block)
    rng = np.random.default_rng(seed)
    s = torch.as_tensor(rng.choice(np.asarray(values, dtype=np.int8), size=(R, model.n)))
    betas = torch.full((R,), beta, dtype=torch.float64)
    torch_sweeps(plan, s, betas, key=seed, counter=0, rule=rule, sweeps=sweeps)
    return plan, s.numpy()


def fisher_state_test(model, values, beta, rule, *, block=False, **kw):
    states, probs = exact_probs(model, values, beta)
    pvals = []
    for seed in (11, 12, 13):
        _, s = run_chains(model, values, beta, rule, seed, block=block, **kw)
        pvals.append(chi2_p(s.astype(float), states.astype(float), probs))
    return stats.combine_pvalues(pvals, method="fisher").pvalue


def random_pm_graph(n=8, seed=0):
    rng = np.random.default_rng(seed)
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.45]
    g = from_edges(n, edges)
    return IsingModel.from_graph(g, rng.choice([-1.0, 1.0], size=g.num_edges),
                                 rng.normal(0, 0.5, size=n))


@pytest.mark.parametrize("rule", ["metropolis", "heatbath"])
def test_ising_torus_4x4_energy_magnetisation(rule):
    model = IsingModel.from_graph(hypercubic((4, 4)), 1.0)
    beta = 0.35
    states, probs = exact_probs(model, (-1, 1), beta)
    ex = np.stack([model.energy(states), states.sum(1)], axis=1)
    pvals = []
    for seed in (1, 2, 3):
        plan, s = run_chains(model, (-1, 1), beta, rule, seed, R=4000, sweeps=40)
        assert len(plan.classes) == 2  # checkerboard
        pvals.append(chi2_p(np.stack([model.energy(s), s.sum(1)], axis=1), ex, probs))
    assert stats.combine_pvalues(pvals, method="fisher").pvalue > P_MIN


@pytest.mark.parametrize("rule", ["metropolis", "heatbath"])
def test_random_pm_graph_with_fields(rule):
    model = random_pm_graph()
    assert fisher_state_test(model, (-1, 1), 0.7, rule) > P_MIN


@pytest.mark.parametrize("rule", ["metropolis", "heatbath"])
def test_dense_sk_like_model(rule):
    rng = np.random.default_rng(4)
    a = np.triu(rng.normal(0, 0.5, size=(6, 6)), 1)
    model = IsingModel(a + a.T, rng.normal(0, 0.3, 6))
    assert fisher_state_test(model, (-1, 1), 0.6, rule, sweeps=60) > P_MIN


@pytest.mark.parametrize("rule", ["metropolis", "heatbath"])
@pytest.mark.parametrize("cls", [PottsModel, ClockModel])
def test_potts_and_clock(cls, rule):
    g = hypercubic((2, 3), periodic=False)
    rng = np.random.default_rng(5)
    model = cls(3 if cls is PottsModel else 4, g.adjacency(rng.uniform(0.5, 1.5, g.num_edges)),
                fields=rng.normal(0, 0.3, (6, 3 if cls is PottsModel else 4)), graph=g)
    assert fisher_state_test(model, range(model.q), 0.9, rule, R=5000) > P_MIN


@pytest.mark.parametrize("rule", ["metropolis", "heatbath"])
def test_layered_block_update(rule):
    rng = np.random.default_rng(6)
    ws = [rng.normal(0, 0.6, (3, 4)), rng.normal(0, 0.6, (4, 3))]
    model = IsingModel.from_layers(ws, [rng.normal(0, 0.3, 4), rng.normal(0, 0.3, 3)])
    assert prepare_torch(model, block=True).kind == "layered"
    assert fisher_state_test(model, (-1, 1), 1.0, rule, block=True) > P_MIN


def test_stationarity_of_one_sweep_from_exact_samples():
    # exact samples in, one sweep, still exact: the stationarity check of one full sweep
    model = random_pm_graph(seed=3)
    states, probs = exact_probs(model, (-1, 1), 0.8)
    plan = prepare_torch(model)
    pvals = []
    for seed in (21, 22, 23):
        idx = np.random.default_rng(seed).choice(len(states), size=3000, p=probs)
        s = torch.as_tensor(states[idx])
        torch_sweeps(plan, s, torch.full((3000,), 0.8, dtype=torch.float64), key=seed,
                     counter=0, rule="metropolis", sweeps=1)
        pvals.append(chi2_p(s.numpy().astype(float), states.astype(float), probs))
    assert stats.combine_pvalues(pvals, method="fisher").pvalue > P_MIN


def test_power_wrong_temperature_is_rejected():
    model = random_pm_graph()
    states, probs = exact_probs(model, (-1, 1), 0.7)
    _, s = run_chains(model, (-1, 1), 0.7 * 1.2, "heatbath", 31)
    assert chi2_p(s.astype(float), states.astype(float), probs) < P_MIN


def test_energies_magnetizations_and_determinism():
    model = random_pm_graph(seed=7)
    plan, s1 = run_chains(model, (-1, 1), 0.5, "metropolis", 41, R=50, sweeps=5)
    _, s2 = run_chains(model, (-1, 1), 0.5, "metropolis", 41, R=50, sweeps=5)
    np.testing.assert_array_equal(s1, s2)
    t = torch.as_tensor(s1)
    np.testing.assert_allclose(torch_energies(plan, t).numpy(), model.energy(s1))
    np.testing.assert_allclose(torch_magnetizations(plan, t).numpy(), s1.mean(1))
    pm = PottsModel.from_graph(hypercubic((4, 4)), 3)
    pp = prepare_torch(pm)
    st = torch.randint(0, 3, (5, 16), dtype=torch.int8)
    np.testing.assert_allclose(torch_energies(pp, st).numpy(), pm.energy(st.numpy()))
