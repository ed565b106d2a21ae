"""Round trips of the inverse estimators on data from the project's own sampler (slow).

tests/test_inverse_slow.py -- run with ``python -m pytest -m slow tests/test_inverse_slow.py``.
Reduced sizes of the issue's round trips; the full sizes are in ``benchmarks/bench_inverse.py``.
Every data set is drawn with :func:`spinscope.inverse.equilibrium_samples`, whose equilibration
check (burn-in >= 20 tau, first/second-half energy drift z <= 4) must pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.inverse import MeanFieldInverse, PseudoLikelihood, equilibrium_samples
from spinscope.models import IsingModel, PottsModel, from_edges, hypercubic, sk

pytestmark = pytest.mark.slow


def gamma(J, J0):
    return np.linalg.norm(J - J0) / np.linalg.norm(J0)


def test_sk_roundtrip_plm_scaling_and_mean_field():
    """SK N = 32, beta = 1: gamma(PLM) falls ~ 1/sqrt(B) from 10^4 to 10^5 and beats nMF."""
    model = sk(32, seed=3)
    J0 = model.dense_couplings()
    ss = equilibrium_samples(model, 1.0, 10**5, seed=4)
    assert ss.equilibrated
    g4 = gamma(PseudoLikelihood().fit(ss.spins[:10**4]).couplings_, J0)
    g5 = gamma(PseudoLikelihood().fit(ss.spins).couplings_, J0)
    mf5 = gamma(MeanFieldInverse().fit(ss.spins).couplings_, J0)
    # measured (seed 4): 0.098, 0.031; sqrt(10) = 3.16; nMF at 10^5: 0.07
    assert g5 < 0.05
    assert 2.3 < g4 / g5 < 4.2
    assert g5 < 0.7 * mf5


def test_sparse_ferromagnet_l1_recovers_edges():
    """10 x 10 periodic ferromagnet, beta = 0.3, B = 3*10^4, L1-PLM: edges above J/2, others below."""
    L = 10
    model = IsingModel.from_graph(hypercubic((L, L)), 1.0)
    ss = equilibrium_samples(model, 0.3, 3 * 10**4, seed=5)
    assert ss.equilibrated
    J = PseudoLikelihood(beta=0.3, l1=1e-3).fit(ss.spins).couplings_
    iu = np.triu_indices(L * L, 1)
    truth = model.dense_couplings()[iu] != 0
    found = J[iu] > 0.5
    precision = (found & truth).sum() / found.sum()
    recall = (found & truth).sum() / truth.sum()
    assert precision >= 0.99 and recall >= 0.99


def test_potts_plm_recovers_random_graph():
    """q = 3 Potts on a random graph (n = 12, 18 edges, J = 0.8 +- 0.3), beta = 1, B = 3*10^4."""
    rng = np.random.default_rng(6)
    n = 12
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)])
    edges = pairs[rng.choice(len(pairs), size=18, replace=False)]
    graph = from_edges(n, edges)
    model = PottsModel.from_graph(graph, 3, 0.8 + 0.3 * rng.standard_normal(len(edges)))
    ss = equilibrium_samples(model, 1.0, 3 * 10**4, seed=7)
    assert ss.equilibrated
    est = PseudoLikelihood(q=3, l2=1e-4).fit(ss.spins)
    J0 = model.dense_couplings() if hasattr(model, "dense_couplings") else model.couplings.toarray()
    # measured (seed 7): gamma 0.05; the non-Potts part of the fitted blocks is noise
    assert gamma(est.model_couplings(), J0) < 0.1
    assert est.potts_residual_ < 0.3


def test_potts_boltzmann_learning_matches_moments():
    """q = 3 Potts BM (one coupling per pair): exact model moments within the data's errors."""
    from spinscope.exact import enumerate_model
    from spinscope.inverse import BoltzmannLearning, model_moments_exact
    from spinscope.inverse.exact import all_configurations

    rng = np.random.default_rng(8)
    n, q, B = 5, 3, 6000
    J = rng.normal(0.3, 0.3, (n, n))
    model = PottsModel(q, np.triu(J, 1) + np.triu(J, 1).T)
    S, p = all_configurations(n, q), enumerate_model(model, 1.0).probabilities
    X = S[rng.choice(len(S), size=B, p=p)]
    est = BoltzmannLearning(q=q, chains=512, seed=9, max_steps=300, check_every=50, final_sweeps=40).fit(X)
    f, agree = model_moments_exact(est.to_model(), 1.0)
    x = (X[:, :, None] == np.arange(q)).astype(float)
    df, dagree = x.mean(0), np.einsum("bia,bja->ij", x, x) / B
    iu = np.triu_indices(n, 1)
    z1 = (f - df) / np.sqrt(df * (1 - df) / B)
    z2 = (agree - dagree)[iu] / np.sqrt(dagree[iu] * (1 - dagree[iu]) / B)
    assert np.sqrt(np.mean(z1**2)) < 1.5 and np.sqrt(np.mean(z2**2)) < 1.5
    assert max(np.abs(z1).max(), np.abs(z2).max()) < 4.5
