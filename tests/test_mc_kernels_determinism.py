"""Counter-based RNG: results depend on the seed only (not on threads or on how sweeps are
split into calls), different keys give different chains; bad chain state is refused."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import spinscope.mc.kernels as K
from spinscope.errors import InputError, SpinscopeTypeError
from spinscope.mc.kernels import numba_lattice as la
from spinscope.mc.kernels import numba_local as lo
from spinscope.mc.kernels import numba_multispin as ms
from spinscope.models import IsingModel, PottsModel, edwards_anderson, hypercubic, sk


def _run(fn):
    """Run ``fn`` with 1 and with 2 numba threads; return both results."""
    old = numba.get_num_threads()
    try:
        out = []
        for t in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(t)
            out.append(fn())
        return out
    finally:
        numba.set_num_threads(old)


def _ising(plan, R, sweeps=3, rule="metropolis", beta=0.44):
    def fn():
        s = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), (R, plan.n))
        ctr = np.zeros(R, np.uint64)
        acc = K.ising_sweeps(plan, s, np.full(R, beta), K.make_keys(7, R), ctr, rule=rule,
                             sweeps=sweeps)
        return s, acc
    return fn


LATTICE = K.prepare_ising(IsingModel.from_graph(hypercubic((64, 64)), 1.0))
COLORED = K.prepare_ising(edwards_anderson((64, 64), distribution="gaussian", seed=1))


@pytest.mark.parametrize("plan,R", [(LATTICE, 1), (LATTICE, 3), (COLORED, 1),
                                    (K.prepare_ising(sk(200, seed=0)), 3)],
                         ids=["lattice-R1", "lattice-R3", "colored-R1", "dense-R3"])
@pytest.mark.parametrize("rule", ["metropolis", "heatbath"])
def test_ising_same_result_for_any_thread_count(plan, R, rule):
    (s1, a1), (s2, a2) = _run(_ising(plan, R, rule=rule))
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_array_equal(a1, a2)
    assert a1.min() > 0


def test_chain_parallel_and_site_parallel_paths_agree():
    """The two parallelisation strategies are bitwise identical (same draws per site)."""
    plan = LATTICE
    R = 2
    out = []
    for par in (True, False):
        s = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), (R, plan.n))
        ctr = np.zeros(R, np.uint64)
        tab, mode = la.lattice_tables(plan, np.array([0.3, 0.5]), False)
        H = la.to_halves(s, plan.rows, plan.row_len, plan.row_par)
        la.half_sweeps(H, tab, mode, K.make_keys(1, R), ctr, plan.row_len,
                       la.padded_row_nbr(plan.row_nbr, plan.rows), plan.row_par, plan.z, 4, par)
        out.append(H)
    np.testing.assert_array_equal(*out)
    out = []
    for par in (True, False):
        s = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), (R, COLORED.n))
        lo.colored_ising_sweeps(s, np.array([0.3, 0.5]), K.make_keys(1, R), np.zeros(R, np.uint64),
                                COLORED.indptr, COLORED.indices, COLORED.data, COLORED.fields,
                                COLORED.color_ptr, COLORED.color_sites, True, 4, par)
        out.append(s)
    np.testing.assert_array_equal(*out)


def test_potts_cluster_multispin_same_result_for_any_thread_count():
    g = hypercubic((64, 64))
    pp = K.prepare_potts(PottsModel(3, g.adjacency(1.0), graph=g))
    ms_plan = K.prepare_multispin(edwards_anderson((64, 64), seed=2))

    def fn():
        rng = np.random.default_rng(0)
        s = rng.integers(0, 3, (1, g.n)).astype(np.int8)
        K.potts_sweeps(pp, s, np.ones(1), K.make_keys(1, 1), np.zeros(1, np.uint64),
                       rule="heatbath", sweeps=2)
        K.wolff_updates(pp, s, np.ones(1), K.make_keys(2, 1), np.zeros(1, np.uint64), clusters=5)
        K.swendsen_wang_sweeps(pp, s, np.ones(1), K.make_keys(3, 1), np.zeros(1, np.uint64))
        w = K.pack_spins(rng.choice(np.array([-1, 1], np.int8), (64, g.n)))
        K.multispin_sweeps(ms_plan, w, np.ones(1), K.make_keys(4, 1), np.zeros(1, np.uint64),
                           sweeps=3)
        return s, w
    (s1, w1), (s2, w2) = _run(fn)
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_array_equal(w1, w2)


def test_multispin_word_parallel_and_row_parallel_agree():
    plan = K.prepare_multispin(edwards_anderson((16, 16), seed=2))
    masks = ms.threshold_masks(plan, np.array([0.5, 1.0]))
    out = []
    for par in (True, False):
        w = K.pack_spins(np.random.default_rng(1).choice(np.array([-1, 1], np.int8), (128, 256)))
        ms.multispin_kernel(w, masks, K.make_keys(0, 2), np.zeros(2, np.uint64), plan.rows,
                            plan.row_len, plan.row_nbr, plan.row_par, plan.anti, False, 3, par)
        out.append(w)
    np.testing.assert_array_equal(*out)


def test_splitting_sweeps_into_calls_changes_nothing():
    """Saving (spins, keys, counters) and continuing reproduces an uninterrupted run."""
    R = 4
    s_a = np.ones((R, 256), np.int8)
    s_b = s_a.copy()
    keys = K.make_keys(9, R)
    plan = K.prepare_ising(IsingModel.from_graph(hypercubic((16, 16)), 1.0))
    c_a = np.zeros(R, np.uint64)
    K.ising_sweeps(plan, s_a, np.full(R, 0.4), keys, c_a, sweeps=10)
    c_b = np.zeros(R, np.uint64)
    for _ in range(2):
        K.ising_sweeps(plan, s_b, np.full(R, 0.4), keys, c_b, sweeps=5)
    np.testing.assert_array_equal(s_a, s_b)
    np.testing.assert_array_equal(c_a, c_b)


def test_different_keys_give_different_chains_and_keys_are_stable():
    R = 6
    keys = K.make_keys(123, R)
    assert len(set(keys.tolist())) == R
    np.testing.assert_array_equal(K.make_keys(123, 3), keys[:3])
    assert not np.array_equal(K.make_keys(124, R), keys)
    np.testing.assert_array_equal(K.make_keys(np.random.SeedSequence(5), 4),
                                  K.make_keys(np.random.SeedSequence(5), 4))
    s = np.ones((R, 256), np.int8)
    K.ising_sweeps(LATTICE_16, s, np.full(R, 0.3), keys, np.zeros(R, np.uint64), sweeps=5)
    assert len({row.tobytes() for row in s}) == R
    s2 = np.ones((2, 256), np.int8)
    K.ising_sweeps(LATTICE_16, s2, np.full(2, 0.3), keys[[0, 0]], np.zeros(2, np.uint64), sweeps=5)
    np.testing.assert_array_equal(s2[0], s2[1])
    np.testing.assert_array_equal(s2[0], s[0])


LATTICE_16 = K.prepare_ising(IsingModel.from_graph(hypercubic((16, 16)), 1.0))


def test_bad_chain_state_is_refused():
    R = 2
    keys, ctr, b = K.make_keys(0, R), np.zeros(R, np.uint64), np.ones(R)
    with pytest.raises(InputError, match="int8"):
        K.ising_sweeps(LATTICE_16, np.ones((R, 256)), b, keys, ctr)
    with pytest.raises(InputError, match="n=256"):
        K.ising_sweeps(LATTICE_16, np.ones((R, 255), np.int8), b, keys, ctr)
    with pytest.raises(InputError, match="counters"):
        K.ising_sweeps(LATTICE_16, np.ones((R, 256), np.int8), b, keys, np.zeros(R, np.int64))
    with pytest.raises(InputError, match="betas"):
        K.ising_sweeps(LATTICE_16, np.ones((R, 256), np.int8), np.ones(3), keys, ctr)
    with pytest.raises(InputError, match="rule"):
        K.ising_sweeps(LATTICE_16, np.ones((R, 256), np.int8), b, keys, ctr, rule="glauber")
    with pytest.raises(SpinscopeTypeError):
        K.potts_sweeps(LATTICE_16, np.ones((R, 256), np.int8), b, keys, ctr)
    with pytest.raises(InputError, match="R must be"):
        K.make_keys(0, 0)


def test_potts_block_parallel_path_agrees_with_chain_path():
    """Potts heat-bath/Metropolis: the site-block-parallel and chain-parallel paths agree."""
    g = hypercubic((64, 64))
    pp = K.prepare_potts(PottsModel(3, g.adjacency(1.0), graph=g))
    for heat in (True, False):
        out = []
        for par in (True, False):
            s = np.random.default_rng(0).integers(0, 3, (2, g.n)).astype(np.int8)
            lo.potts_colored_sweeps(s, np.array([0.8, 1.2]), K.make_keys(1, 2),
                                    np.zeros(2, np.uint64), pp.q, pp.indptr, pp.indices, pp.data,
                                    pp.fields, pp.pair, pp.color_ptr, pp.color_sites, heat, 3, par)
            out.append(s)
        np.testing.assert_array_equal(*out)


def test_multispin_measured_same_for_any_thread_count_and_either_parallel_mode():
    """The fused measurement (counts and Fourier sums) and the spins do not depend on the
    thread count nor on whether words or rows run in parallel."""
    for model in (edwards_anderson((64, 72), seed=2), edwards_anderson((6, 8, 70), seed=3)):
        plan = K.prepare_multispin(model)
        d = len(plan.shape)
        masks = ms.threshold_masks(plan, np.array([0.5, 1.0]))
        tabs = K.fourier_tables(tuple(plan.shape))

        def fn(par, plan=plan, d=d, masks=masks, tabs=tabs):
            w = K.pack_spins(np.random.default_rng(1).choice(np.array([-1, 1], np.int8),
                                                             (128, plan.n)))
            sc, nch = ms.measure_scratch(2 if par else 1, plan.shape)
            out, four = np.zeros((2, 2, 4, 64), np.int64), np.zeros((2, 2, 64, 6))
            acc = ms.multispin_measured_kernel(
                w, masks, K.make_keys(0, 2), np.zeros(2, np.uint64), plan.rows, plan.row_len,
                plan.row_nbr, plan.row_par, plan.anti, False, 4, 2, par, True, True, tabs, sc,
                nch, out, four)
            return w, acc, out, four
        runs = [r for par in (True, False) for r in _run(lambda par=par: fn(par))]
        for r in runs[1:]:
            for a, b in zip(runs[0], r, strict=True):
                np.testing.assert_array_equal(a, b)
