"""The ultrametricity test, overlaps and clustering; calibrated on SK states from parallel tempering."""

import numpy as np
import pytest

from spinscope.analysis.ultrametric import (
    cluster,
    overlap_distribution,
    overlap_matrix,
    ultrametricity_test,
)
from spinscope.errors import InputError


def _tree_states(rng, n=400, branches=(4, 4, 3)):
    """States on a 3-level tree (children of a branch copy its spins and re-draw a fraction): ultrametric."""
    states = [rng.choice([-1.0, 1.0], n)]
    for k, flip in zip(branches, (0.35, 0.2, 0.1), strict=True):
        new = []
        for s in states:
            for _ in range(k):
                c = s.copy()
                idx = rng.random(n) < flip
                c[idx] = rng.choice([-1.0, 1.0], idx.sum())
                new.append(c)
        states = new
    return np.array(states)


def test_tree_states_are_ultrametric_and_random_points_are_not():
    rng = np.random.default_rng(0)
    tree = _tree_states(rng)
    um = ultrametricity_test(overlap_matrix(tree, symmetric=True), shuffles=100, seed=1)
    assert um.z > 10 and um.p_value < 0.02
    cl = cluster(overlap_matrix(tree, symmetric=True))
    assert cl.cophenetic_correlation > 0.9
    # power check: Gaussian points (all distances alike, no hierarchy) match the null model
    flat = rng.standard_normal((48, 400))
    um0 = ultrametricity_test(overlap_matrix(flat), shuffles=100, seed=1)
    assert abs(um0.z) < 3.5 and um0.p_value > 1e-3


def test_overlaps_and_distribution():
    x = np.array([[1.0, 1, 1, 1], [1, 1, -1, -1], [-1, -1, -1, -1]])
    q = overlap_matrix(x)
    assert np.allclose(q, [[1, 0, -1], [0, 1, 0], [-1, 0, 1]])
    assert np.allclose(overlap_matrix(x, symmetric=True)[0, 2], 1.0)
    c, d = overlap_distribution(q, bins=4)
    assert np.sum(d) * (c[1] - c[0]) == pytest.approx(1.0)


def test_bad_input():
    with pytest.raises(InputError, match="at least 3 states"):
        ultrametricity_test(np.eye(2))
    with pytest.raises(InputError, match="at least 3 states"):
        cluster(np.eye(2))
    with pytest.raises(InputError, match="finite and non-zero"):
        overlap_matrix(np.zeros((3, 4)))


def _pt_states(n, temps, replicas, sweeps, seed):
    from spinscope.mc.sampler import MonteCarlo
    from spinscope.mc.tempering import ParallelTempering
    from spinscope.models import sk

    pt = ParallelTempering(MonteCarlo(algorithm="metropolis"), swap_every=1)
    st = pt.init(sk(n, seed=seed), betas=1 / np.asarray(temps), replicas=replicas, seed=seed)
    st, _ = pt.run(st, sweeps=sweeps)
    return st.spins_numpy().reshape(len(temps), replicas, n).astype(float)


@pytest.mark.slow
def test_sk_calibration_below_and_above_tc():
    """SK, N = 64, PT on 12 temperatures 0.3..2.0, 40 replicas, 3000 sweeps. Measured (two seeds):
    z = 54-88 at T = 0.3-0.4; z = -2.5..3.5 at T = 1.4-2.0. The shuffled null is narrower than the
    true spread (triangles share sides), so the calibrated decision is z > 10, not a p-value."""
    temps = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.7, 2.0]
    s = _pt_states(64, temps, 40, 3000, seed=3)
    for ti in (0, 1):
        um = ultrametricity_test(overlap_matrix(s[ti], symmetric=True), seed=0)
        assert um.z > 10 and um.p_value < 0.01, (temps[ti], um)
    for ti in (9, 11):
        um = ultrametricity_test(overlap_matrix(s[ti], symmetric=True), seed=0)
        assert um.z < 6, (temps[ti], um)
