"""Stability of the paramagnet: lambda_min(beta) and T_c, against dense and closed-form results."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.meanfield import layered_tc, stability_curve, stability_tc
from spinscope.models import IsingModel, layered_sk, sk


def _dense_min_eig(model, beta):
    J = model.dense_couplings()
    D = (J * J).sum(1)
    return np.linalg.eigvalsh(np.eye(model.n) - beta * J + beta**2 * np.diag(D))[0]


@pytest.mark.parametrize("layered", [True, False])
def test_curve_matches_dense_eigendecomposition(layered):
    m = layered_sk([40, 30, 20], [1 / 40, 1 / 30], seed=3) if layered else sk(60, seed=3)
    betas = np.linspace(0.05, 2.5, 40)
    _, lam = stability_curve(m, betas)
    ref = np.array([_dense_min_eig(m, x) for x in betas])
    np.testing.assert_allclose(lam, ref, atol=1e-9)


def test_crossing_root_of_curie_weiss_to_1e6():
    # J = (J0/n)(11^T - I): lambda_min = 1 - a beta + b beta^2 along the uniform vector.
    n, J0 = 50, 1.5
    J = (J0 / n) * (np.ones((n, n)) - np.eye(n))
    a, bq = J0 * (n - 1) / n, J0**2 * (n - 1) / n**2
    beta_root = (a - np.sqrt(a * a - 4 * bq)) / (2 * bq)
    r = stability_tc(IsingModel(J), tol=1e-9)
    assert r.crossing == "cross"
    assert abs(r.beta_c - beta_root) < 1e-6
    assert abs(r.lambda_min_at_tc) < 1e-6


def test_random_layered_touches_at_replica_tc():
    sizes, var = (400, 200, 200, 100), [1 / 1200, 1 / 600, 1 / 600]
    r = stability_tc(layered_sk(sizes, var, seed=5))
    assert r.crossing == "touch"
    assert abs(r.lambda_min_at_tc) <= r.touch_tol
    # finite-size tolerance: 5% at n = 900
    assert abs(r.tc / layered_tc(sizes, var) - 1) < 0.05


def test_outlier_makes_it_cross_above_replica_tc():
    sizes, var = (300, 200, 100), [1 / 900, 1 / 600]
    base = layered_sk(sizes, var, seed=2)
    rng = np.random.default_rng(1)
    ws = base.layer_weights()
    u = [rng.choice([-1.0, 1.0], s) for s in sizes]
    ws = [w + 3.0 * np.outer(u[k], u[k + 1]) / np.sqrt(sizes[k] * sizes[k + 1]) for k, w in enumerate(ws)]
    r = stability_tc(IsingModel.from_layers(ws))
    assert r.crossing == "cross"
    assert r.tc > 1.2 * layered_tc(sizes, var)
    k = np.searchsorted(r.betas, r.beta_c)
    assert r.lambda_min[k - 1] > 0 > r.lambda_min[k]


def test_grid_is_extended_when_minimum_at_end():
    m = sk(80, seed=1)
    r = stability_tc(m, betas=np.linspace(0.05, 0.5, 10))
    assert r.betas[-1] > 0.5 and abs(r.tc - 1) < 0.2


def test_bad_betas():
    m = sk(10, seed=0)
    with pytest.raises(InputError):
        stability_curve(m, [np.nan, 1.0])
    with pytest.raises(InputError):
        stability_tc(m, tol=-1)


@pytest.mark.slow
def test_sk_2000_tc_within_3_percent():
    r = stability_tc(sk(2000, seed=11))
    assert r.crossing == "touch"
    assert abs(r.tc - 1.0) < 0.03


@pytest.mark.slow
@pytest.mark.parametrize("sizes", [(1000, 500, 500, 250), (700, 700, 700, 700)])
def test_layered_tc_within_3_percent_of_replica(sizes):
    var = [1 / (3 * s) for s in sizes[:-1]]
    r = stability_tc(layered_sk(sizes, var, seed=7))
    assert abs(r.tc / layered_tc(sizes, var) - 1) < 0.03


def test_no_couplings_no_transition():
    # J = 0: M(beta) = I, the paramagnet is stable at every temperature (no grid scale, no T_c)
    m = IsingModel.from_layers([np.zeros((6, 4)), np.zeros((4, 3))])
    r = stability_tc(m)
    assert r.crossing == "none" and r.tc is None and r.beta_c is None and r.betas.size == 0
    r = stability_tc(m, betas=[0.5, 1.0, 2.0])
    np.testing.assert_array_equal(r.lambda_min, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(stability_curve(m, [0.3, 3.0])[1], [1.0, 1.0])


@pytest.mark.parametrize("w", [np.kron([[1.0, -1.0], [-1.0, 1.0]], np.ones((5, 5))), np.array([[1.0, -1.0], [-1.0, 1.0]])])
def test_start_vector_in_the_null_space(w):
    # J 1 = 0: Lanczos from the uniform vector (ARPACK error -9 before) restarts from another vector
    m = IsingModel.from_layers([w])
    r = stability_tc(m, n_betas=40)
    ref = np.array([_dense_min_eig(m, x) for x in r.betas])
    np.testing.assert_allclose(r.lambda_min, ref, atol=1e-9)
    assert r.tc is not None and np.isfinite(r.tc)
