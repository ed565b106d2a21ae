"""Metropolis and heat-bath kernels sample the exact Boltzmann distribution.

Two checks per update rule and plan kind, each a chi-square test against exact enumeration,
repeated with 3 seeds and combined with Fisher's method; pass when the combined p > P_MIN = 1e-4:

- stationarity: chains drawn i.i.d. from the exact distribution stay exactly distributed after
  one sweep (independent chains, so the chi-square test is exact);
- convergence: chains started all-up reach the exact distribution (one sample per chain).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import scipy.sparse as sp

import spinscope.mc.kernels as K
from spinscope.models import ClockModel, IsingModel, PottsModel, from_edges, hypercubic
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

RULES = ["metropolis", "heatbath"]


def _ising_cases():
    lat = IsingModel.from_graph(hypercubic((4, 4)), 1.0)
    lat_h = IsingModel.from_graph(hypercubic((4, 4)), 1.0, 0.3)
    rng = np.random.default_rng(11)
    n = 12
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.3]
    g = from_edges(n, edges)
    pmj = IsingModel.from_graph(g, rng.choice([-1.0, 1.0], size=g.num_edges),
                                0.5 * rng.standard_normal(n))
    a = np.triu(rng.standard_normal((10, 10)) / np.sqrt(10), 1)
    skh = IsingModel(a + a.T, 0.3 * rng.standard_normal(10))
    ring = IsingModel.from_graph(hypercubic(8), 0.8, -0.25)
    return {
        # name: (model, plan kind, beta, statistic: "em" (energy, M) or "state")
        "lattice4x4": (lat, "lattice", 0.4, "em"),
        "lattice_ring8_field": (ring, "lattice", 0.9, "state"),
        "lattice4x4_antiferro": (IsingModel.from_graph(hypercubic((4, 4)), -1.0), "lattice", 0.4,
                                 "em"),
        "lattice4x4_field": (lat_h, "lattice", 0.4, "em"),
        "lattice4x4_colored": (lat_h, "colored", 0.4, "em"),
        "pmJ_graph_fields": (pmj, "colored", 0.7, "state"),
        "sk10_fields_dense": (skh, "dense", 1.0, "state"),
    }


ISING = _ising_cases()


@functools.cache
def _ising_exact_case(case):
    model, _, beta, stat = ISING[case]
    states, probs, f = _ising_exact(model, beta, stat)
    return states, probs, f, f(states)


def _ising_exact(model, beta, stat):
    states = all_states(model.n, (-1, 1))
    probs = boltzmann(model.energy(states), beta)
    f = (lambda s: ising_em(model, s)) if stat == "em" else (lambda s: (s > 0) @ (1 << np.arange(s.shape[1])))
    return states, probs, f


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("case", list(ISING))
def test_ising_one_sweep_is_stationary(case, rule):
    """Exact samples -> one sweep -> still exact (combined p > 1e-4 over 3 seeds of 40000 chains)."""
    model, kind, beta, _stat = ISING[case]
    plan = K.prepare_ising(model, kind=kind)
    assert plan.kind == kind
    states, probs, f, fs = _ising_exact_case(case)
    pv = []
    for seed in range(3):
        s = sample_exact(states, probs, 40000, seed)
        R = s.shape[0]
        K.ising_sweeps(plan, s, np.full(R, beta), K.make_keys(100 + seed, R),
                       np.zeros(R, np.uint64), rule=rule)
        pv.append(chi2_pvalue(f(s), fs, probs))
    assert fisher(pv) > P_MIN, pv


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("case", list(ISING))
def test_ising_converges_from_all_up(case, rule):
    """All-up start, 4 calls of 25 sweeps: combined p > 1e-4 over 3 seeds of 10000 chains."""
    model, kind, beta, _stat = ISING[case]
    plan = K.prepare_ising(model, kind=kind)
    _states, probs, f, fs = _ising_exact_case(case)
    pv = []
    for seed in range(3):
        R = 10000
        s = np.ones((R, model.n), np.int8)
        keys, ctr = K.make_keys(seed, R), np.zeros(R, np.uint64)
        for _ in range(4):
            K.ising_sweeps(plan, s, np.full(R, beta), keys, ctr, rule=rule, sweeps=25)
        assert np.all(ctr == 100)
        pv.append(chi2_pvalue(f(s), fs, probs))
    assert fisher(pv) > P_MIN, pv


def _potts_cases():
    g = hypercubic((3, 3))  # odd periodic sides: not bipartite, greedy colouring (3 colours)
    rng = np.random.default_rng(5)
    potts = PottsModel(3, g.adjacency(1.0), fields=0.3 * rng.standard_normal((9, 3)), graph=g)
    clock = ClockModel(4, g.adjacency(1.0), graph=g)
    return {"potts3_3x3_fields": (potts, 0.8), "clock4_3x3": (clock, 0.8)}


POTTS = _potts_cases()


@functools.cache
def _potts_exact_case(case):
    states, probs, f = _potts_exact(*POTTS[case])
    return states, probs, f, f(states)


def _potts_exact(model, beta):
    states = all_states(model.n, range(model.q))
    probs = boltzmann(model.energy(states), beta)

    def f(s):
        counts = np.stack([(s == a).sum(1) for a in range(model.q)], 1)
        return np.concatenate([model.energy(s)[:, None], counts], 1)

    return states, probs, f


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("case", list(POTTS))
def test_potts_clock_one_sweep_is_stationary(case, rule):
    """Statistic (E, state counts); combined p > 1e-4 over 3 seeds of 40000 chains."""
    model, beta = POTTS[case]
    plan = K.prepare_potts(model)
    assert plan.color_ptr.size - 1 >= 3
    states, probs, f, fs = _potts_exact_case(case)
    pv = []
    for seed in range(3):
        s = sample_exact(states, probs, 40000, seed)
        R = s.shape[0]
        K.potts_sweeps(plan, s, np.full(R, beta), K.make_keys(200 + seed, R),
                       np.zeros(R, np.uint64), rule=rule)
        pv.append(chi2_pvalue(f(s), fs, probs))
    assert fisher(pv) > P_MIN, pv


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("case", list(POTTS))
def test_potts_clock_converges(case, rule):
    """All-zero start, 100 sweeps; combined p > 1e-4 over 3 seeds of 10000 chains."""
    model, beta = POTTS[case]
    plan = K.prepare_potts(model)
    _states, probs, f, fs = _potts_exact_case(case)
    pv = []
    for seed in range(3):
        R = 10000
        s = np.zeros((R, model.n), np.int8)
        K.potts_sweeps(plan, s, np.full(R, beta), K.make_keys(seed, R), np.zeros(R, np.uint64),
                       rule=rule, sweeps=100)
        pv.append(chi2_pvalue(f(s), fs, probs))
    assert fisher(pv) > P_MIN, pv


def test_wrong_rule_is_detected():
    """Power check: sweeping at beta = 0.5 while testing against beta = 0.4 fails (p < 1e-4)."""
    model, kind, beta, stat = ISING["lattice4x4"]
    plan = K.prepare_ising(model, kind=kind)
    states, probs, f = _ising_exact(model, beta, stat)
    s = sample_exact(states, probs, 40000, 0)
    R = s.shape[0]
    K.ising_sweeps(plan, s, np.full(R, 0.5), K.make_keys(0, R), np.zeros(R, np.uint64), sweeps=20)
    assert chi2_pvalue(f(s), f(states), probs) < P_MIN


def test_plan_selection():
    assert K.prepare_ising(IsingModel.from_graph(hypercubic((8, 8)), 1.0)).kind == "lattice"
    assert K.prepare_ising(IsingModel.from_graph(hypercubic((4, 4, 4)), -0.5, 0.1)).kind == "lattice"
    odd = K.prepare_ising(IsingModel.from_graph(hypercubic((5, 5)), 1.0))
    assert odd.kind == "colored" and 3 <= odd.num_colors <= 5
    ea = IsingModel.from_graph(hypercubic((6, 6)), np.linspace(-1, 1, 72))
    p = K.prepare_ising(ea)
    assert p.kind == "colored" and p.num_colors == 2
    assert K.prepare_ising(IsingModel(np.ones((5, 5)) - np.eye(5))).kind == "dense"
    with pytest.raises(ValueError, match="kind='lattice'"):
        K.prepare_ising(ea, kind="lattice")


def test_greedy_coloring_is_proper():
    rng = np.random.default_rng(3)
    a = sp.random(300, 300, density=0.05, random_state=4, format="csr")
    a = sp.csr_array(((a + a.T) > 0).astype(float))
    a.setdiag(0)
    a.eliminate_zeros()
    col = K.greedy_coloring(a.indptr, a.indices)
    rows = np.repeat(np.arange(300), np.diff(a.indptr))
    assert np.all(col[rows] != col[a.indices])
    assert col.max() <= np.diff(a.indptr).max()
    assert rng is not None


@pytest.mark.parametrize("kind", ["lattice", "colored", "dense"])
def test_energies_and_magnetizations_match_model(kind):
    model = IsingModel.from_graph(hypercubic((6, 4)), 0.7, -0.2)
    plan = K.prepare_ising(model, kind=kind)
    s = np.random.default_rng(1).choice(np.array([-1, 1], np.int8), size=(7, 24))
    np.testing.assert_allclose(K.energies(plan, s), model.energy(s), atol=1e-12)
    np.testing.assert_allclose(K.magnetizations(plan, s), s.mean(1))


def test_potts_energies_and_order_parameter():
    model, _ = POTTS["potts3_3x3_fields"]
    plan = K.prepare_potts(model)
    s = np.random.default_rng(2).integers(0, 3, size=(5, 9)).astype(np.int8)
    np.testing.assert_allclose(K.energies(plan, s), model.energy(s), atol=1e-12)
    m = K.magnetizations(plan, np.zeros((1, 9), np.int8))
    assert abs(abs(m[0]) - 1.0) < 1e-12


@pytest.mark.parametrize("rule", RULES)
def test_3d_lattice_kernel_agrees_with_colored_kernel(rule):
    """4x4x4 with a field (no enumeration): energy histograms of the lattice and the (exactly
    tested) colored kernel agree, two-sample chi-square p > 1e-4, 8000 chains, 100 sweeps."""
    from scipy import stats

    model = IsingModel.from_graph(hypercubic((4, 4, 4)), 1.0, 0.2)
    beta, R = 0.2, 8000
    energies = []
    for seed, kind in enumerate(("lattice", "colored")):
        plan = K.prepare_ising(model, kind=kind)
        s = np.ones((R, 64), np.int8)
        K.ising_sweeps(plan, s, np.full(R, beta), K.make_keys(seed, R), np.zeros(R, np.uint64),
                       rule=rule, sweeps=100)
        energies.append(np.round(K.energies(plan, s), 6))
    vals = np.union1d(*energies)
    table = np.array([[np.sum(e == v) for v in vals] for e in energies])
    keep = table.sum(0) >= 10
    table = np.concatenate([table[:, keep], table[:, ~keep].sum(1, keepdims=True)], 1)
    assert stats.chi2_contingency(table).pvalue > P_MIN


@pytest.mark.parametrize("shape", [(8,), (4, 6), (4, 6, 8)])
def test_sublattice_layout_roundtrip(shape):
    from spinscope.mc.kernels import numba_lattice as la

    plan = K.prepare_ising(IsingModel.from_graph(hypercubic(shape), 1.0))
    s = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), (3, plan.n))
    H = la.to_halves(s, plan.rows, plan.row_len, plan.row_par)
    color = hypercubic(shape).sublattice()
    for c in (0, 1):
        np.testing.assert_array_equal(np.sort(H[c, :, :-1].reshape(3, -1), 1),
                                      np.sort(s[:, color == c], 1))
    assert not H[:, :, -1].any()
    back = np.zeros_like(s)
    la.from_halves(H, back, plan.rows, plan.row_len, plan.row_par)
    np.testing.assert_array_equal(back, s)
