"""GAMP against state evolution (batched instances, fixed seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.glm.amp import amp_instances, gamp, teacher_student
from spinscope.glm.channels import make_channel
from spinscope.glm.priors import make_prior
from spinscope.glm.state_evolution import StateEvolution


@pytest.fixture(scope="module")
def perceptron():
    return make_prior("rademacher"), make_channel("sign")


def test_gamp_tracks_state_evolution_iteration_by_iteration(perceptron):
    """alpha = 1 (below alpha_IT), N = 1000, 10 instances: the median overlap follows q_t."""
    p, c = perceptron
    se = StateEvolution(p, c)
    res = amp_instances(p, c, 1.0, 1000, 10, seed=11, iterations=12, tol=0)
    q_t = se.trajectory(1.0, 12)
    med = np.median(res.overlaps, axis=0)
    assert np.max(np.abs(med - q_t[: len(med)])) < 0.02
    # power: a wrong load (alpha = 0.8) is told apart from the right one
    assert np.max(np.abs(med - se.trajectory(0.8, 12)[: len(med)])) > 0.04


def test_gamp_reaches_perfect_recovery_above_alpha_alg(perceptron):
    p, c = perceptron
    res = amp_instances(p, c, 2.0, 400, 10, seed=5, iterations=60)
    # at this small N an instance or two can stall below 1 (finite-size); most recover x* exactly
    assert np.mean(res.overlaps[:, -1] > 1 - 1e-6) >= 0.8


@pytest.mark.parametrize("prior,channel,alpha", [("gaussian", "linear", 0.7), ("sparse", "relu", 1.5),
                                                 ("gaussian", "abs", 2.5)])
def test_gamp_mse_matches_state_evolution(prior, channel, alpha):
    p, c = make_prior(prior, density=0.3), make_channel(channel, noise=0.01)
    se = StateEvolution(p, c, grid=201)
    mse_se = p.rho - se.reached(se.fixed_points(alpha)).q
    res = amp_instances(p, c, alpha, 400, 10, seed=2, iterations=100)
    # 3 standard errors of the median (1.25 sd / sqrt(B)) of the instance-to-instance scatter,
    # plus 5% for the finite-N bias
    sem = 1.25 * np.std(res.mse, ddof=1) / np.sqrt(len(res.mse))
    assert abs(np.median(res.mse) - mse_se) < 3 * sem + 0.05 * mse_se


def test_instances_do_not_depend_on_the_batch_size(perceptron):
    p, c = perceptron
    x1, A1, y1 = teacher_student(p, c, 50, 60, 1, seed=4)
    x3, A3, y3 = teacher_student(p, c, 50, 60, 3, seed=4)
    np.testing.assert_array_equal(A1[0], A3[0])
    np.testing.assert_array_equal(y1[0], y3[0])
    r1 = gamp(y1, A1, p, c, x_true=x1, iterations=20)
    r3 = gamp(y3, A3, p, c, x_true=x3, iterations=20)
    np.testing.assert_allclose(r1.x_hat[0], r3.x_hat[0], atol=1e-12)


@pytest.mark.slow
def test_gamp_final_overlap_within_002_of_se_at_n2000(perceptron):
    """The issue's check: N = 2000, 10 instances, median final overlap within 0.02 of SE."""
    p, c = perceptron
    se = StateEvolution(p, c)
    for alpha in (0.5, 1.0, 1.3, 2.0):
        res = amp_instances(p, c, alpha, 2000, 10, seed=21, iterations=300)
        assert abs(np.median(res.overlaps[:, -1]) - se.reached(se.fixed_points(alpha)).q) < 0.02, alpha
