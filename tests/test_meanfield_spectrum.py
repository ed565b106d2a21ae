"""Bond-matrix spectrum (spinscope.analysis.spectrum): exact eigenvalues, Dyson edge, tail fit."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.analysis.spectrum import (
    bond_spectrum,
    ensemble_edge,
    layer_variances,
    power_law_tail,
    spectrum_summary,
)
from spinscope.errors import InputError
from spinscope.models import IsingModel, layered_sk, sk


def test_block_svd_spectrum_equals_dense_eigh():
    m = layered_sk([30, 20, 25, 5], [0.03, 0.05, 0.04], seed=1)
    ev, top = bond_spectrum(m, vectors=4)
    J = m.dense_couplings()
    np.testing.assert_allclose(ev, np.linalg.eigvalsh(J), atol=1e-10)
    for k in range(4):
        np.testing.assert_allclose(J @ top[k], ev[-1 - k] * top[k], atol=1e-10)
        assert abs(np.linalg.norm(top[k]) - 1) < 1e-12


def test_non_layered_spectrum():
    m = sk(40, seed=2)
    ev, top = bond_spectrum(m, vectors=1)
    np.testing.assert_allclose(ev, np.linalg.eigvalsh(m.couplings), atol=1e-12)
    np.testing.assert_allclose(np.abs(top[0] @ np.linalg.eigh(m.couplings)[1][:, -1]), 1, atol=1e-10)


@pytest.mark.parametrize("n0,n1,var", [(500, 500, 1 / 500), (400, 100, 1 / 400), (64, 900, 0.01)])
def test_edge_two_layers_is_marchenko_pastur(n0, n1, var):
    # singular values of an n0 x n1 Gaussian block: edge sigma (sqrt n0 + sqrt n1)
    assert abs(ensemble_edge([n0, n1], var) / (np.sqrt(var) * (np.sqrt(n0) + np.sqrt(n1))) - 1) < 1e-5


@pytest.mark.parametrize("sizes,var", [((784, 256, 256, 10), [1 / 784, 1 / 256, 1 / 256]),
                                       ((1000, 500, 500, 250), [2 / 1000, 2 / 500, 2 / 500]),
                                       ((5, 3000, 7), [1.0, 0.001]), ((10,) * 12, 0.1)])
def test_edge_min_max_equals_bisection_of_the_dyson_iteration(sizes, var):
    """The convex min-max edge equals the bisection on the iteration's convergence (rtol 1e-6)."""
    from spinscope.analysis.spectrum import _edge_bisection, _variance_profile

    slow = _edge_bisection(_variance_profile(sizes, var), 1e-7)
    assert abs(ensemble_edge(sizes, var) / slow - 1) < 1e-6


def test_edge_two_layers_closed_form_to_high_precision():
    # 784 x 256 with sigma^2 = 1/784: (sqrt 784 + sqrt 256) / 28 = 44 / 28
    assert ensemble_edge([784, 256], 1 / 784) == pytest.approx(44 / 28, rel=1e-9)
    assert ensemble_edge([100, 100], 0.01) == pytest.approx(2.0, rel=1e-9)


def test_edge_matches_large_random_instance():
    sizes = (1000, 500, 500, 250)
    var = [1 / (3 * s) for s in sizes[:-1]]
    ev, _ = bond_spectrum(layered_sk(sizes, var, seed=4))
    # finite-size threshold: largest eigenvalue within 3% of the limiting edge at n = 2250
    assert abs(ev[-1] / ensemble_edge(sizes, var) - 1) < 0.03


def test_outliers_random_vs_planted():
    sizes = (300, 200, 100)
    rnd = layered_sk(sizes, [1 / 900, 1 / 600], seed=3)
    assert spectrum_summary(rnd).n_outliers == 0
    rng = np.random.default_rng(0)
    u = [rng.choice([-1.0, 1.0], s) for s in sizes]
    ws = [w + 3 * np.outer(u[k], u[k + 1]) / np.sqrt(sizes[k] * sizes[k + 1])
          for k, w in enumerate(rnd.layer_weights())]
    s = spectrum_summary(IsingModel.from_layers(ws))
    assert s.n_outliers >= 1 and s.outliers[0] > s.edge_threshold
    d = s.to_dict()
    assert d["n_outliers"] == s.n_outliers and len(d["eigenvalues"]) == rnd.n
    assert np.allclose(layer_variances(rnd), [np.mean(w * w) for w in rnd.layer_weights()])


def test_hill_estimator_on_pareto_samples():
    rng = np.random.default_rng(1)
    x = rng.pareto(3.0, 40000) + 1.0  # P(X > t) = t^-3
    fit = power_law_tail(x, k=4000)
    # threshold: 4 standard errors (alpha / sqrt(k) = 0.047)
    assert abs(fit["alpha"] - 3.0) < 0.19
    assert fit["alpha_ci"][0] < 3.0 < fit["alpha_ci"][1]


def test_bad_input():
    with pytest.raises(InputError):
        ensemble_edge([10], 0.1)
    with pytest.raises(InputError):
        power_law_tail([1.0, 2.0])
    with pytest.raises(InputError):
        spectrum_summary(sk(20, seed=0))


def test_small_and_degenerate_networks_skip_only_the_tail_fit():
    rng = np.random.default_rng(0)
    s = spectrum_summary(IsingModel.from_layers([rng.uniform(-0.5, 0.5, (4, 8))]))
    assert s.tail is None and "at least 12" in s.tail_skipped and s.to_dict()["tail_exponent"] is None
    assert s.bulk_edge > 0 and s.eigenvalues.size == 12
    # rank one: 18 eigenvalues are zero up to rounding, so no tail fit
    s = spectrum_summary(IsingModel.from_layers([np.outer(np.arange(1.0, 11.0), np.ones(10)) * 0.1]))
    assert s.tail is None and "has 2" in s.tail_skipped
    s = spectrum_summary(IsingModel.from_layers([np.zeros((5, 4))]))
    assert s.bulk_edge == 0 and s.n_outliers == 0 and s.largest_eigenvalue == 0 and s.tail is None
    # a large random network still gets its fit, unchanged
    full = spectrum_summary(layered_sk([200, 100], [1 / 200], seed=1))
    assert full.tail == power_law_tail(full.eigenvalues) and full.tail_skipped is None


def test_bulk_edge_with_a_layer_of_zero_weights_is_that_of_the_live_part():
    rng = np.random.default_rng(3)
    w = rng.normal(0, 0.05, (300, 200))
    m = IsingModel.from_layers([w, np.zeros((200, 10))])
    s = spectrum_summary(m)
    assert s.bulk_edge == pytest.approx(ensemble_edge([300, 200], float(np.mean(w * w))))
