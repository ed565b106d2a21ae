"""Cluster rules by embedding ("wolff", "swendsen-wang" for clock and XY) sample the Boltzmann law.

Thresholds: clock chi-square tests of the full state against exact enumeration, 3 seeds
combined with Fisher's method, pass when the combined p > P_MIN = 1e-4 (see
test_mc_kernels_exactutil); the power checks require the same tests to reject a wrong bond
probability with p < 1e-6. The embedding kernel depends on beta only through the bond
probability ``1 - exp(-2 beta J (r.s_i)(r.s_j))``, so the kernel run at beta / 2 *is* the
kernel with the factor 2 left out: those samples must be rejected. XY: von Mises bond angles of
an open chain (chi-square, as in test_mc_xy), ring energies against the transfer matrix and the
2-D energy against Metropolis within 4 combined standard errors of independent chain means.
"""

from __future__ import annotations

import functools
import itertools
import json

import numba
import numpy as np
import pytest
from scipy import stats

from spinscope.cli.main import main
from spinscope.errors import InputError
from spinscope.exact import xy_chain
from spinscope.mc import RULES, MonteCarlo
from spinscope.mc.kernels import make_keys
from spinscope.mc.kernels import numba_embed as ek
from spinscope.models import ClockModel, XYModel, from_edges, hypercubic, save_model
from test_mc_kernels_exactutil import (  # noqa: F401  (one_thread is a fixture)
    P_MIN,
    all_states,
    boltzmann,
    chi2_pvalue,
    fisher,
    one_thread,
    sample_exact,
)
from test_mc_xy import _von_mises_p

Q = 6
BETA = 1.2
# a triangle with a pendant site and unequal couplings: loops, several coordination numbers
EDGES = [(0, 1), (1, 2), (0, 2), (2, 3)]
J = [1.0, 0.6, 1.4, 0.8]


@functools.cache
def _clock():
    model = ClockModel(Q, from_edges(4, EDGES).adjacency(np.array(J)))
    states = all_states(model.n, range(Q))                  # 6^4 = 1296 states
    return model, states, boltzmann(model.energy(states), BETA)


def _clock_kernel(algo, model, s, beta, seed, count):
    R = s.shape[0]
    plan = MonteCarlo(algorithm=algo).implementation(model).prepare(model, None)
    b = plan.base
    kernel = ek.clock_wolff_kernel if algo == "wolff" else ek.clock_sw_kernel
    kernel(s, np.full(R, beta), make_keys(seed, R), np.zeros(R, np.uint64), b.indptr, b.indices,
           b.data, b.q, plan.proj, count)


def test_clock_reflections_are_the_dihedral_reflections():
    """proj[k, s] = r_k . s and the state map s -> (k - s) mod q is theta -> 2 psi_k + pi - theta."""
    for q in (2, 3, 6, 7):
        proj = ek.clock_projections(q)
        for k in range(q):
            psi = np.pi * k / q - np.pi / 2
            s = np.arange(q)
            th = 2 * np.pi * s / q
            np.testing.assert_allclose(proj[k], np.cos(th - psi), atol=1e-12)
            refl = 2 * psi + np.pi - th
            np.testing.assert_allclose(np.exp(1j * refl), np.exp(2j * np.pi * ((k - s) % q) / q),
                                       atol=1e-12)


ALGOS = ["wolff", "swendsen-wang"]


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("algo", ALGOS)
def test_clock_one_update_keeps_the_boltzmann_law(algo):
    """Stationarity: 40000 exact samples stay exact after one cluster / one SW sweep
    (full-state chi-square)."""
    model, states, probs = _clock()
    pv = []
    for seed in range(3):
        s = sample_exact(states, probs, 40000, 20 + seed)
        _clock_kernel(algo, model, s, BETA, 100 + seed, 1)
        pv.append(chi2_pvalue(s, states, probs))
    assert fisher(pv) > P_MIN, pv


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("algo", ALGOS)
def test_clock_converges_and_a_wrong_bond_probability_is_rejected(algo):
    """Ordered start, 40 clusters / 100 SW sweeps, 20000 chains: exact law (p > 1e-4); without the
    factor 2 in the bond probability (= the kernel at beta / 2) the same test gives p < 1e-6."""
    model, states, probs = _clock()
    good, wrong = [], []
    for seed in range(3):
        for beta, out in ((BETA, good), (BETA / 2, wrong)):
            s = np.zeros((20000, model.n), np.int8)
            _clock_kernel(algo, model, s, beta, seed, 40 if algo == "wolff" else 100)
            out.append(chi2_pvalue(s, states, probs))
    assert fisher(good) > P_MIN, good
    assert fisher(wrong) < 1e-6, wrong


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("algo", ALGOS)
def test_clock_through_the_sampler(algo):
    """MonteCarlo(algorithm=...) on the clock model: the same exact law (p > 1e-4); ordered start,
    10 sweeps of 4 clusters (Wolff) or 100 SW sweeps (the energy relaxes in ~10 SW sweeps here)."""
    model, states, probs = _clock()
    mc = MonteCarlo(algorithm=algo, clusters_per_sweep=4)
    pv = []
    for seed in range(3):
        st = mc.init(model, betas=[BETA], replicas=20000, seed=seed, start="ordered")
        st, _ = mc.run(st, sweeps=10 if algo == "wolff" else 100)
        pv.append(chi2_pvalue(st.spins_numpy(), states, probs))
    assert fisher(pv) > P_MIN, pv


def _xy_final(algo, model, beta, *, chains, sweeps, seed, clusters=1):
    mc = MonteCarlo(algorithm=algo, clusters_per_sweep=clusters)
    st = mc.init(model, betas=[beta], replicas=chains, seed=seed)
    st, _ = mc.run(st, sweeps=sweeps)
    return st.spins_numpy()


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("algo", ALGOS)
def test_xy_open_chain_bond_angles_are_von_mises(algo):
    """Open chain of 6 rotors: the 5 bond angles are independent von Mises(beta J); 3000 chains,
    60 clusters / SW sweeps from a hot start; Fisher p > 1e-4, and p < 1e-6 against a 15 % wrong
    beta."""
    chain = XYModel.from_graph(from_edges(6, [(i, i + 1) for i in range(5)]), 1.0)
    beta = 1.3
    pvals, wrong = [], []
    for seed in range(3):
        th = _xy_final(algo, chain, beta, chains=3000, sweeps=60, seed=seed)
        d = (th[:, 1:] - th[:, :-1]).ravel()
        pvals.append(_von_mises_p(d, beta))
        wrong.append(_von_mises_p(d, 1.15 * beta))
    assert stats.combine_pvalues(pvals, method="fisher").pvalue > P_MIN
    assert stats.combine_pvalues(wrong, method="fisher").pvalue < 1e-6


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("T", [0.5, 1.5])
def test_xy_ring_energy_matches_the_transfer_matrix(T, algo):
    """Ring of 8 rotors: the mean energy of 400 independent chains is within 4 standard errors of
    the exact value (and a run at the wrong temperature 0.8 T would be far outside)."""
    ring = XYModel.from_graph(hypercubic((8,)), 1.0)
    mc = MonteCarlo(algorithm=algo, clusters_per_sweep=4)
    st = mc.init(ring, betas=[1 / T], replicas=400, seed=3)
    st, _ = mc.run(st, sweeps=50)
    st, rs = mc.run(st, sweeps=200, measure_every=10)
    e = rs.energy.mean(0)
    err = e.std(ddof=1) / np.sqrt(e.size)
    exact = xy_chain(8, T).energy
    assert abs(e.mean() - exact) < 4 * err
    assert abs(xy_chain(8, 0.8 * T).energy - exact) > 20 * err   # the test resolves a 20 % error


@pytest.mark.usefixtures("one_thread")
def test_xy_2d_energy_agrees_with_metropolis():
    """8x8 XY at T = 0.9 (near T_BKT): Wolff, Swendsen–Wang and Metropolis mean energies per spin
    agree within 4 combined standard errors (one mean per independent chain, 32 chains each)."""
    model = XYModel.from_graph(hypercubic((8, 8)), 1.0)
    means = {}
    for algo, clusters, sweeps in (("wolff", 8, 300), ("swendsen-wang", 1, 300), ("metropolis", 1, 600)):
        mc = MonteCarlo(algorithm=algo, clusters_per_sweep=clusters)
        st = mc.init(model, betas=[1 / 0.9], replicas=32, seed=11)
        st, _ = mc.run(st, sweeps=sweeps // 4)
        st, rs = mc.run(st, sweeps=sweeps, measure_every=2)
        means[algo] = rs.energy.mean(0)
    m = means["metropolis"]
    for algo in ALGOS:
        w = means[algo]
        se = np.hypot(w.std(ddof=1) / np.sqrt(w.size), m.std(ddof=1) / np.sqrt(m.size))
        assert abs(w.mean() - m.mean()) < 4 * se, (algo, w.mean(), m.mean(), se)


def test_cluster_sizes_in_the_limits():
    """beta = 0: single-site clusters; XY at beta = 1e8 from an aligned start: one cluster of all
    sites (a bond fails only if |r.s| < 5e-4, i.e. for 1 axis in ~3000), reflected (the state
    stays aligned)."""
    g = hypercubic((4, 4))
    R = 4
    th = np.zeros((R, 16))
    plan = MonteCarlo(algorithm="wolff").implementation(XYModel.from_graph(g, 1.0)).prepare(
        XYModel.from_graph(g, 1.0), None)
    keys, ctr = make_keys(0, R), np.zeros(R, np.uint64)
    args = (plan.indptr, plan.indices, plan.data)
    np.testing.assert_array_equal(ek.xy_wolff_kernel(th, np.zeros(R), keys, ctr, *args, 5), 5.0)
    th[:] = 0.3
    size = ek.xy_wolff_kernel(th, np.full(R, 1e8), keys, ctr, *args, 1)
    np.testing.assert_array_equal(size, 16.0)
    np.testing.assert_allclose(np.abs(np.exp(1j * th).mean(1)), 1.0, atol=1e-12)
    assert np.all(np.abs(th - 0.3) > 1e-6)
    np.testing.assert_array_equal(ctr, 6)
    # Swendsen–Wang: beta = 0 reflects each site with probability 1/2; beta = 1e8 all or none
    moved = ek.xy_sw_kernel(th, np.zeros(R), keys, ctr, *args, 50).sum() / (R * 50 * 16)
    assert abs(moved - 0.5) < 4 * 0.5 / np.sqrt(R * 50 * 16)
    th[:] = 0.3
    moved = ek.xy_sw_kernel(th, np.full(R, 1e8), keys, ctr, *args, 1)
    assert set(moved) <= {0.0, 16.0}
    np.testing.assert_allclose(np.abs(np.exp(1j * th).mean(1)), 1.0, atol=1e-12)


def test_deterministic_and_independent_of_the_thread_count():
    model = ClockModel.from_graph(hypercubic((8, 8)), Q, 1.0)
    xy = XYModel.from_graph(hypercubic((8, 8)), 1.0)
    old = numba.get_num_threads()
    try:
        for m, algo in itertools.product((model, xy), ALGOS):
            out = []
            for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS), 1):
                numba.set_num_threads(threads)
                mc = MonteCarlo(algorithm=algo, clusters_per_sweep=3)
                st = mc.init(m, betas=[1.0, 1.4], replicas=3, seed=5)
                st, _ = mc.run(st, sweeps=20)
                out.append(st.spins_numpy())
            np.testing.assert_array_equal(out[0], out[1])
            np.testing.assert_array_equal(out[0], out[2])
    finally:
        numba.set_num_threads(old)


def test_registry_support_and_refusals():
    for algo in ALGOS:
        assert RULES[algo].support_text() == "ising, potts, clock, xy (numba)"
    g = hypercubic((4, 4))
    af = XYModel.from_graph(g, -1.0)
    with pytest.raises(InputError, match="'wolff' needs ferromagnetic couplings and zero fields; "
                                         "use metropolis"):
        MonteCarlo(algorithm="wolff").init(af, betas=[1.0])
    field = XYModel(g.adjacency(1.0), fields=np.full((16, 2), 0.1))
    with pytest.raises(InputError, match="needs ferromagnetic couplings and zero fields"):
        MonteCarlo(algorithm="wolff").init(field, betas=[1.0])
    clock_af = ClockModel.from_graph(g, Q, -1.0)
    with pytest.raises(InputError, match="needs ferromagnetic couplings and zero fields"):
        MonteCarlo(algorithm="swendsen-wang").init(clock_af, betas=[1.0])
    with pytest.raises(InputError, match="only available with backend='numba'"):
        MonteCarlo(algorithm="wolff", backend="torch")


def test_cli_runs_and_refuses_with_exit_2(tmp_path, capsys):
    """``spinscope simulate xy --algorithm wolff`` runs; an antiferromagnetic model file is refused
    before anything is written (exit 2, the registry's message)."""
    rc = main(["--json", "--seed", "2", "simulate", "xy", "--L", "4", "--T", "0.9", "--algorithm",
               "wolff", "--clusters", "4", "--sweeps", "40", "--out", str(tmp_path / "xy")])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0 and d["config"]["algorithm"] == "wolff" and d["config"]["clusters_per_sweep"] == 4
    path = tmp_path / "af.npz"
    save_model(path, XYModel.from_graph(hypercubic((4, 4)), -1.0))
    rc = main(["simulate", str(path), "--T", "1", "--algorithm", "wolff", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "algorithm 'wolff' needs ferromagnetic couplings and zero fields; use metropolis" in err
    assert "Traceback" not in err and not (tmp_path / "r").exists()


@pytest.mark.slow
@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("kind,T", [("xy", 0.9), ("clock", 0.8)])
def test_16x16_energy_and_magnetisation_agree_with_metropolis(kind, T):
    """16x16 XY at T = 0.9 / 6-state clock at T = 0.8 (near their transitions): mean e and |m| of
    Wolff (24 clusters per sweep) and SW agree with long Metropolis runs within 4 combined
    standard errors of independent chain means (16 chains each)."""
    g = hypercubic((16, 16))
    model = XYModel.from_graph(g, 1.0) if kind == "xy" else ClockModel.from_graph(g, Q, 1.0)
    res = {}
    for algo, sweeps in (("wolff", 2000), ("swendsen-wang", 2000), ("metropolis", 20000)):
        mc = MonteCarlo(algorithm=algo, clusters_per_sweep=24)
        st = mc.init(model, betas=[1 / T], replicas=16, seed=21)
        st, _ = mc.run(st, sweeps=sweeps // 5)
        st, rs = mc.run(st, sweeps=sweeps, measure_every=5)
        res[algo] = (rs.energy.mean(0), rs.magnetization.mean(0))
    for algo in ALGOS:
        for a, b in zip(res[algo], res["metropolis"]):
            se = np.hypot(a.std(ddof=1) / np.sqrt(a.size), b.std(ddof=1) / np.sqrt(b.size))
            assert abs(a.mean() - b.mean()) < 4 * se, (algo, a.mean(), b.mean(), se)
