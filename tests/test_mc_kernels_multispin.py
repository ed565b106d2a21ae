"""Bit-packed multispin kernel: exact sampling, replica independence, agreement with the
scalar kernels in 3-D.

Thresholds: chi-square p-values (Fisher-combined over 3 seeds where stated) > P_MIN = 1e-4.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from scipy import stats

import spinscope.mc.kernels as K
from spinscope.errors import InputError
from spinscope.models import IsingModel, edwards_anderson, hypercubic
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

CASES = {
    "ferro4x4": IsingModel.from_graph(hypercubic((4, 4)), 1.0),
    "ea4x4_pm": edwards_anderson((4, 4), seed=2),
    "ea4x4_pm_scaled": IsingModel.from_graph(
        hypercubic((4, 4)), 0.7 * np.random.default_rng(4).choice([-1.0, 1.0], 32)),
}
BETAS = (0.3, 0.6)  # alternating words


@functools.cache
def _exact(case, beta):
    model = CASES[case]
    states = all_states(16, (-1, 1))
    return states, boltzmann(model.energy(states), beta), ising_em(model, states)


def _exact_replicas(case, W, seed):
    """64 W replicas; word w holds exact samples at BETAS[w % 2]."""
    spins = np.empty((64 * W, 16), np.int8)
    for k, beta in enumerate(BETAS):
        states, probs, _ = _exact(case, beta)
        rows = (np.arange(64 * W) // 64) % 2 == k
        spins[rows] = sample_exact(states, probs, int(rows.sum()), 1000 * seed + k)
    return spins


def _pvalues(case, spins, W):
    model = CASES[case]
    out = []
    for k, beta in enumerate(BETAS):
        _, probs, fs = _exact(case, beta)
        rows = (np.arange(64 * W) // 64) % 2 == k
        out.append(chi2_pvalue(ising_em(model, spins[rows]), fs, probs))
    return out


def test_pack_unpack_roundtrip_and_bit_order():
    s = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), size=(128, 10))
    w = K.pack_spins(s)
    assert w.dtype == np.uint64 and w.shape == (2, 10)
    np.testing.assert_array_equal(K.unpack_spins(w), s)
    one = -np.ones((64, 1), np.int8)
    one[5, 0] = 1
    assert int(K.pack_spins(one)[0, 0]) == 1 << 5
    with pytest.raises(InputError, match="64"):
        K.pack_spins(s[:100])


@pytest.mark.parametrize("case", list(CASES))
def test_multispin_sweep_is_stationary(case):
    """Exact replicas -> one sweep -> exact, per beta; combined p > 1e-4 over 3 seeds, W = 500."""
    plan = K.prepare_multispin(CASES[case])
    W = 500
    pv = []
    for seed in range(3):
        words = K.pack_spins(_exact_replicas(case, W, seed))
        betas = np.array([BETAS[w % 2] for w in range(W)])
        acc = K.multispin_sweeps(plan, words, betas, K.make_keys(seed, W), np.zeros(W, np.uint64))
        assert acc.sum() > 0
        pv += _pvalues(case, K.unpack_spins(words), W)
    assert fisher(pv) > P_MIN, pv


@pytest.mark.parametrize("case", list(CASES))
def test_multispin_converges(case):
    """Random start, 100 sweeps, W = 200; combined p > 1e-4 over 3 seeds and both betas.

    (A random start, because from all-up the 4x4 ferromagnet at beta = 0.6 does not tunnel to
    negative magnetisation within 100 local sweeps.)"""
    plan = K.prepare_multispin(CASES[case])
    W = 200
    pv = []
    for seed in range(3):
        start = np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (64 * W, 16))
        words = K.pack_spins(start)
        betas = np.array([BETAS[w % 2] for w in range(W)])
        K.multispin_sweeps(plan, words, betas, K.make_keys(seed, W), np.zeros(W, np.uint64),
                           sweeps=100)
        pv += _pvalues(case, K.unpack_spins(words), W)
    assert fisher(pv) > P_MIN, pv


def test_replicas_in_one_word_are_independent():
    """Replicas sharing a word, started equal, decorrelate: the overlap q_ab between bits k, k+1
    of one word has the same distribution as between independent exact samples (two-sample
    chi-square p > 1e-4)."""
    model = CASES["ferro4x4"]
    plan = K.prepare_multispin(model)
    W, beta = 400, 0.3
    words = K.pack_spins(np.ones((64 * W, 16), np.int8))
    K.multispin_sweeps(plan, words, np.full(W, beta), K.make_keys(5, W), np.zeros(W, np.uint64),
                       sweeps=60)
    s = K.unpack_spins(words).reshape(W, 64, 16).astype(np.int64)
    q_same = (s[:, 0:64:2] * s[:, 1:64:2]).sum(-1).ravel()
    states, probs, _ = _exact("ferro4x4", beta)
    a = sample_exact(states, probs, q_same.size, 1).astype(np.int64)
    b = sample_exact(states, probs, q_same.size, 2).astype(np.int64)
    q_ref = (a * b).sum(-1)
    vals = np.arange(-16, 17, 2)
    table = np.array([[np.sum(q_same == v) for v in vals], [np.sum(q_ref == v) for v in vals]])
    table = table[:, table.sum(0) >= 10]
    assert stats.chi2_contingency(table).pvalue > P_MIN


@pytest.mark.parametrize("model", [edwards_anderson((4, 4, 4), seed=3),
                                   IsingModel.from_graph(hypercubic((4, 4, 4)), 1.0)],
                         ids=["ea3d", "ferro3d"])
def test_multispin_3d_agrees_with_scalar_kernel(model):
    """4x4x4 (2^64 states, no enumeration): the energy histogram of the bit-packed kernel equals
    that of the exactly tested scalar Metropolis kernel (two-sample chi-square p > 1e-4), at
    beta = 0.3 after 150 sweeps, 6400 replicas each."""
    beta, W = 0.3, 100
    plan = K.prepare_multispin(model)
    words = K.pack_spins(np.ones((64 * W, 64), np.int8))
    K.multispin_sweeps(plan, words, np.full(W, beta), K.make_keys(1, W), np.zeros(W, np.uint64),
                       sweeps=150)
    e_ms = K.energies(plan, words)
    np.testing.assert_allclose(e_ms, model.energy(K.unpack_spins(words)))
    R = 64 * W
    s = np.ones((R, 64), np.int8)
    sc = K.prepare_ising(model, kind="colored")
    K.ising_sweeps(sc, s, np.full(R, beta), K.make_keys(2, R), np.zeros(R, np.uint64), sweeps=150)
    e_sc = K.energies(sc, s)
    vals = np.union1d(e_ms, e_sc)
    table = np.array([[np.sum(e_ms == v) for v in vals], [np.sum(e_sc == v) for v in vals]])
    keep = table.sum(0) >= 10
    table = np.concatenate([table[:, keep], table[:, ~keep].sum(1, keepdims=True)], 1)
    assert stats.chi2_contingency(table).pvalue > P_MIN


def test_multispin_energies_and_magnetizations():
    model = CASES["ea4x4_pm_scaled"]
    plan = K.prepare_multispin(model)
    s = np.random.default_rng(3).choice(np.array([-1, 1], np.int8), size=(128, 16))
    w = K.pack_spins(s)
    np.testing.assert_allclose(K.energies(plan, w), model.energy(s), atol=1e-12)
    np.testing.assert_allclose(K.magnetizations(plan, w), s.mean(1))


def test_multispin_refusals():
    with pytest.raises(InputError, match="zero fields"):
        K.prepare_multispin(IsingModel.from_graph(hypercubic((4, 4)), 1.0, 0.2))
    with pytest.raises(InputError, match="one magnitude"):
        K.prepare_multispin(edwards_anderson((4, 4), distribution="gaussian", seed=0))
    with pytest.raises(InputError, match="periodic 2-D or 3-D"):
        K.prepare_multispin(IsingModel.from_graph(hypercubic((5, 5)), 1.0))
    with pytest.raises(InputError, match="periodic 2-D or 3-D"):
        K.prepare_multispin(IsingModel.from_graph(hypercubic((8,)), 1.0))


def test_infinite_temperature_flips_every_spin():
    """beta = 0: Metropolis accepts every flip (up to the 2**-32 precision)."""
    plan = K.prepare_multispin(edwards_anderson((8, 8), seed=1))
    words = K.pack_spins(np.ones((128, 64), np.int8))
    acc = K.multispin_sweeps(plan, words, np.zeros(2), K.make_keys(0, 2), np.zeros(2, np.uint64))
    np.testing.assert_array_equal(acc, 64 * 64)
    assert np.all(K.unpack_spins(words) == -1)
    lat = K.prepare_ising(IsingModel.from_graph(hypercubic((8, 8)), 1.0))
    s = np.ones((2, 64), np.int8)
    K.ising_sweeps(lat, s, np.zeros(2), K.make_keys(0, 2), np.zeros(2, np.uint64))
    assert np.all(s == -1)
