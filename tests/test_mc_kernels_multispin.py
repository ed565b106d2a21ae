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


def _reference_counts(model, plan, spins):
    """Counts of :func:`K.multispin_sweeps_measured` recomputed from unpacked spins (R, n)."""
    shape = plan.shape
    a, b = spins[0::2].astype(np.int64), spins[1::2].astype(np.int64)
    e0, e1 = model.graph.edges[:, 0], model.graph.edges[:, 1]
    link = (a[:, e0] * a[:, e1]) != (b[:, e0] * b[:, e1])
    unsat = np.round((model.energy(spins) / plan.scale + plan.n * plan.z // 2) / 2).astype(np.int64)
    coords = np.indices(shape).reshape(len(shape), -1)
    phases = np.exp(2j * np.pi * coords / np.asarray(shape)[:, None])   # (d, n)
    f = spins.astype(float) @ phases.T                                   # (R, d)
    four = np.zeros((spins.shape[0], 6))
    for ax in range(len(shape) - 1):
        four[:, 2 * ax], four[:, 2 * ax + 1] = f[:, ax].real, f[:, ax].imag
    four[:, 4], four[:, 5] = f[:, -1].real, f[:, -1].imag
    return {"up": (spins > 0).sum(1), "unsat": unsat, "site_diff": (a != b).sum(1),
            "link_diff": link.sum(1), "fourier": four}


MEASURED = {
    "ea_6x10": edwards_anderson((6, 10), seed=3),
    "ea_12x20": edwards_anderson((12, 20), seed=4),
    "ferro_8x6": IsingModel.from_graph(hypercubic((8, 6)), 1.0),
    "ea_4x6x10": edwards_anderson((4, 6, 10), seed=5),
    "ferro_6x6x6_scaled": IsingModel.from_graph(hypercubic((6, 6, 6)), 0.5),
    "ea_64x64": edwards_anderson((64, 64), seed=6),   # n >= 4096: rows in parallel with W = 1
    # rows of whole 128-word steps, counted in place; in 3-D two rows per unsatisfied-bond step
    "ea_4x256": edwards_anderson((4, 256), seed=7),
    "ferro_4x4x128": IsingModel.from_graph(hypercubic((4, 4, 128)), 1.0),
}


@pytest.mark.parametrize("case", list(MEASURED))
@pytest.mark.parametrize("every", [1, 3])
@pytest.mark.parametrize("extras", [False, True])
def test_multispin_measured_counts_equal_recomputation(case, every, extras):
    """The counts inside the kernel equal a recomputation from the unpacked spins after every
    measured sweep; spins, counters and accepted flips equal those of the unmeasured kernel."""
    model = MEASURED[case]
    plan = K.prepare_multispin(model)
    W = 1 if case == "ea_64x64" else 2
    betas = np.array([0.4, 0.9])[:W]
    s0 = np.random.default_rng(1).choice(np.array([-1, 1], np.int8), (64 * W, model.n))
    keys = K.make_keys(7, W)
    w_ref, c_ref = K.pack_spins(s0), np.zeros(W, np.uint64)
    ref, acc_ref = [], np.zeros(W, np.int64)
    for t in range(7):
        acc_ref += K.multispin_sweeps(plan, w_ref, betas, keys, c_ref, sweeps=1)
        if (t + 1) % every == 0:
            ref.append(_reference_counts(model, plan, K.unpack_spins(w_ref)))
    words, c = K.pack_spins(s0), np.zeros(W, np.uint64)
    acc, got = K.multispin_sweeps_measured(plan, words, betas, keys, c, sweeps=7, every=every,
                                           pairs=extras, structure=extras)
    np.testing.assert_array_equal(words, w_ref)
    np.testing.assert_array_equal(c, c_ref)
    np.testing.assert_array_equal(acc, acc_ref)
    keys_expected = {"up", "unsat"} | ({"site_diff", "link_diff", "fourier"} if extras else set())
    assert set(got) == keys_expected
    for key in keys_expected:
        want = np.array([r[key] for r in ref])
        assert got[key].shape == want.shape
        if key == "fourier":
            np.testing.assert_allclose(got[key], want, atol=1e-9)
        else:
            np.testing.assert_array_equal(got[key], want)
    if 7 % every:
        return
    # energies and structure factors from the counts equal the unpacked-spin definitions
    spins = K.unpack_spins(words)
    np.testing.assert_array_equal(K.multispin_energies(plan, got["unsat"][-1]),
                                  K.energies(plan, words))
    np.testing.assert_allclose(K.multispin_energies(plan, got["unsat"][-1]), model.energy(spins),
                               rtol=1e-13, atol=1e-12)
    if extras:
        sf0, sfk = K.structure_factors(spins, plan.shape)
        f0, fk = K.structure_factors_from_sums(got["fourier"][-1], 2 * got["up"][-1] - model.n,
                                               model.n, len(plan.shape))
        np.testing.assert_array_equal(f0, sf0)
        np.testing.assert_allclose(fk, sfk, rtol=1e-10, atol=1e-9)


def test_multispin_counts_of_current_words_and_magnetizations():
    model = edwards_anderson((6, 10), seed=3)
    plan = K.prepare_multispin(model)
    s = np.random.default_rng(2).choice(np.array([-1, 1], np.int8), (128, model.n))
    words = K.pack_spins(s)
    got = K.multispin_counts(plan, words, pairs=True, structure=True)
    want = _reference_counts(model, plan, s)
    for key in ("up", "unsat", "site_diff", "link_diff"):
        np.testing.assert_array_equal(got[key], want[key])
    np.testing.assert_allclose(got["fourier"], want["fourier"], atol=1e-9)
    np.testing.assert_array_equal(K.magnetizations(plan, words), s.sum(1, dtype=np.int64) / model.n)
    from spinscope.mc.kernels import numba_multispin as ms

    np.testing.assert_array_equal(
        got["unsat"], ms.multispin_unsat(words, plan.rows, plan.row_len, plan.row_nbr, plan.anti))


@pytest.mark.parametrize("shape", [(40, 512), (4, 8, 256)])
@pytest.mark.parametrize("betas", [[0.05], [0.0, 3.0]])
def test_multispin_unsat_counted_in_the_last_pass_equals_bond_counts(shape, betas):
    """The unsatisfied bonds counted inside the last colour-1 pass of a measured sweep (long rows
    and chunks: the byte lanes are flushed mid-pass; every level of u at beta 0 and large beta,
    both parallel modes) equal the bond counts of the same words and the energies."""
    model = edwards_anderson(shape, seed=8)
    plan = K.prepare_multispin(model)
    W = len(betas)
    words = K.pack_spins(np.random.default_rng(2).choice(np.array([-1, 1], np.int8),
                                                         (64 * W, model.n)))
    c = np.zeros(W, np.uint64)
    for every in (1, 2):
        _, got = K.multispin_sweeps_measured(plan, words, np.array(betas), K.make_keys(3, W), c,
                                             sweeps=2, every=every, pairs=True, structure=True)
        want = K.multispin_counts(plan, words, pairs=True, structure=True)
        for key in want:
            np.testing.assert_array_equal(got[key][-1], want[key])
        np.testing.assert_array_equal(K.multispin_energies(plan, got["unsat"][-1]),
                                      K.energies(plan, words))


@pytest.mark.parametrize("shape", [(2056, 4), (512, 256), (256, 4, 4)])
def test_multispin_counts_exact_and_equal_for_one_and_two_threads(shape):
    """Long chunks, where every counter state is flushed mid-chunk (2056 rows: > 255 column
    steps of 8 rows with one thread; 512 rows of 256: > 255 steps of the unsatisfied-bond and
    pair states; 256 planes: > 255 steps of each axis-1 state), and the chunks of two threads:
    the counts equal the recomputation from the unpacked spins, and the Fourier sums (from exact
    integer marginals) are bit-identical for 1 and 2 threads, as are the spins."""
    import numba

    model = edwards_anderson(shape, seed=9)
    plan = K.prepare_multispin(model)
    s0 = np.random.default_rng(3).choice(np.array([-1, 1], np.int8), (64, model.n))
    threads = [1, 2] if numba.config.NUMBA_NUM_THREADS >= 2 else [1]
    runs = []
    try:
        for t in threads:
            numba.set_num_threads(t)
            words, c = K.pack_spins(s0), np.zeros(1, np.uint64)
            acc, got = K.multispin_sweeps_measured(plan, words, np.array([0.6]), K.make_keys(4, 1),
                                                   c, sweeps=2, every=1, pairs=True, structure=True)
            runs.append((words, acc, got))
    finally:
        numba.set_num_threads(1)
    words, acc, got = runs[0]
    want = _reference_counts(model, plan, K.unpack_spins(words))
    for key in ("up", "unsat", "site_diff", "link_diff"):
        np.testing.assert_array_equal(got[key][-1], want[key])
    np.testing.assert_allclose(got["fourier"][-1], want["fourier"], atol=1e-8)
    for w2, acc2, got2 in runs[1:]:
        np.testing.assert_array_equal(w2, words)
        np.testing.assert_array_equal(acc2, acc)
        for key in got:
            np.testing.assert_array_equal(got2[key], got[key])
