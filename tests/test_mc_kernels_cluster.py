"""Wolff and Swendsen–Wang kernels sample the exact Boltzmann distribution.

Chi-square tests against exact enumeration, 3 seeds combined with Fisher's method, pass when
the combined p > P_MIN = 1e-4. Stationarity: exact i.i.d. samples stay exact after one cluster
update (Wolff: one cluster; SW: one sweep). Convergence: ordered start, one sample per chain.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import spinscope.mc.kernels as K
from spinscope.errors import InputError
from spinscope.models import ClockModel, IsingModel, PottsModel, hypercubic
from test_mc_kernels_exactutil import (  # noqa: F401  (one_thread is a fixture)
    P_MIN,
    all_states,
    boltzmann,
    chi2_pvalue,
    fisher,
    ising_em,
    one_thread,
    sample_exact,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def _cases():
    lat = IsingModel.from_graph(hypercubic((4, 4)), 1.0)
    rng = np.random.default_rng(8)
    g = hypercubic((4, 4))
    ferro_random = IsingModel.from_graph(g, rng.uniform(0.5, 1.5, g.num_edges))
    g3 = hypercubic((3, 3))
    potts = PottsModel(3, g3.adjacency(1.0), graph=g3)
    return {
        # name: (model, beta, is_ising)
        "ising4x4": (lat, 0.44, True),
        "ising4x4_random_ferro": (ferro_random, 0.4, True),
        "potts3_3x3": (potts, 1.0, False),
    }


CASES = _cases()


@functools.cache
def _exact(case):
    model, beta, ising = CASES[case]
    states = all_states(model.n, (-1, 1) if ising else range(model.q))
    probs = boltzmann(model.energy(states), beta)
    if ising:
        def f(s):
            return ising_em(model, s)
    else:
        def f(s):
            counts = np.stack([(s == a).sum(1) for a in range(model.q)], 1)
            return np.concatenate([model.energy(s)[:, None], counts], 1)
    return states, probs, f, f(states)


def _plan(case):
    model, _, ising = CASES[case]
    return K.prepare_ising(model) if ising else K.prepare_potts(model)


def _update(algo, plan, s, beta, keys, ctr, count):
    b = np.full(s.shape[0], beta)
    if algo == "wolff":
        return K.wolff_updates(plan, s, b, keys, ctr, clusters=count)
    return K.swendsen_wang_sweeps(plan, s, b, keys, ctr, sweeps=count)


@pytest.mark.parametrize("algo", ["wolff", "sw"])
@pytest.mark.parametrize("case", list(CASES))
def test_cluster_update_is_stationary(case, algo):
    """One cluster update of 40000 exact samples; combined p > 1e-4 over 3 seeds."""
    _, beta, _ = CASES[case]
    plan = _plan(case)
    states, probs, f, fs = _exact(case)
    pv = []
    for seed in range(3):
        s = sample_exact(states, probs, 40000, 10 + seed)
        R = s.shape[0]
        _update(algo, plan, s, beta, K.make_keys(300 + seed, R), np.zeros(R, np.uint64), 1)
        pv.append(chi2_pvalue(f(s), fs, probs))
    assert fisher(pv) > P_MIN, pv


@pytest.mark.parametrize("algo", ["wolff", "sw"])
@pytest.mark.parametrize("case", list(CASES))
def test_cluster_update_converges(case, algo):
    """Ordered start, 30 clusters / SW sweeps, 10000 chains; combined p > 1e-4 over 3 seeds."""
    model, beta, ising = CASES[case]
    plan = _plan(case)
    _, probs, f, fs = _exact(case)
    pv = []
    for seed in range(3):
        R = 10000
        s = np.ones((R, model.n), np.int8) if ising else np.zeros((R, model.n), np.int8)
        ctr = np.zeros(R, np.uint64)
        _update(algo, plan, s, beta, K.make_keys(seed, R), ctr, 30)
        assert np.all(ctr == 30)
        pv.append(chi2_pvalue(f(s), fs, probs))
    assert fisher(pv) > P_MIN, pv


def test_cluster_sizes_in_the_limits():
    """beta = 0: Wolff clusters are single sites, SW makes n clusters; beta = 20: one cluster."""
    plan = _plan("ising4x4")
    R = 8
    s = np.ones((R, 16), np.int8)
    keys, ctr = K.make_keys(0, R), np.zeros(R, np.uint64)
    np.testing.assert_array_equal(K.wolff_updates(plan, s, np.zeros(R), keys, ctr, clusters=5), 1.0)
    np.testing.assert_array_equal(K.swendsen_wang_sweeps(plan, s, np.zeros(R), keys, ctr), 16.0)
    s[:] = 1
    np.testing.assert_array_equal(K.wolff_updates(plan, s, np.full(R, 20.0), keys, ctr), 16.0)
    assert np.all(s == -1)
    np.testing.assert_array_equal(K.swendsen_wang_sweeps(plan, s, np.full(R, 20.0), keys, ctr), 1.0)


def test_cluster_refusals():
    g = hypercubic((4, 4))
    beta, keys, ctr = np.ones(1), K.make_keys(0, 1), np.zeros(1, np.uint64)
    s = np.ones((1, 16), np.int8)
    af = K.prepare_ising(IsingModel.from_graph(g, -1.0))
    with pytest.raises(InputError, match="ferromagnetic"):
        K.wolff_updates(af, s, beta, keys, ctr)
    fld = K.prepare_ising(IsingModel.from_graph(g, 1.0, 0.1))
    with pytest.raises(InputError, match="zero fields"):
        K.swendsen_wang_sweeps(fld, s, beta, keys, ctr)
    clock = K.prepare_potts(ClockModel(4, g.adjacency(1.0), graph=g))
    with pytest.raises(InputError, match="clock"):
        K.wolff_updates(clock, np.zeros((1, 16), np.int8), beta, keys, ctr)
    with pytest.raises(InputError, match="clusters"):
        K.wolff_updates(_plan("ising4x4"), s, beta, keys, ctr, clusters=0)
