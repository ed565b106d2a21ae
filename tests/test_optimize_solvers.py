"""Solvers against exact ground states (brute-force enumeration), stopping rules, determinism."""

from __future__ import annotations

import itertools

import numba
import numpy as np
import pytest

from spinscope.models import IsingModel
from spinscope.optimize import ising_problem, maxcut_from_edges, qubo_problem
from spinscope.optimize.solve import solve
from spinscope.optimize.solvers import default_beta_range

N = 12
ALL = np.array(list(itertools.product([-1, 1], repeat=N)), dtype=np.int8)


def ground_energy(problem):
    return float(np.min(problem.energy(ALL)))


def small_problems():
    rng = np.random.default_rng(7)
    a = np.triu(rng.normal(size=(N, N)), 1)
    glass = ising_problem(IsingModel(a + a.T, 0.3 * rng.normal(size=N)), offset=2.0)
    edges = np.array([(i, j) for i in range(N) for j in range(i + 1, N) if rng.random() < 0.4])
    cut = maxcut_from_edges(edges, rng.choice([-1.0, 1.0], size=len(edges)))
    q = np.triu(rng.integers(-3, 4, size=(N, N)).astype(float))
    return {"glass": glass, "maxcut": cut, "qubo": qubo_problem(q, offset=-1.0)}


PROBLEMS = small_problems()
SETTINGS = {
    "sa": {"num_reads": 8, "num_sweeps": 300},
    "pt": {"num_replicas": 8, "num_sweeps": 300},
    "pt-icm": {"num_replicas": 8, "num_sweeps": 300, "num_reads": 2, "cluster_moves": True},
    "pa": {"num_reads": 64, "num_steps": 30, "sweeps_per_step": 5},
    "sb": {"num_reads": 64, "num_steps": 300, "dtype": "float64"},
    "dsb": {"num_reads": 64, "num_steps": 300, "variant": "discrete", "dtype": "float64"},
    "sb-numba": {"num_reads": 64, "num_steps": 300, "backend": "numba"},
    "dsb-numba": {"num_reads": 64, "num_steps": 300, "variant": "discrete", "backend": "numba"},
}


@pytest.mark.parametrize("solver", list(SETTINGS))
@pytest.mark.parametrize("name", list(PROBLEMS))
def test_finds_exact_ground_state(solver, name):
    """Threshold: the best energy equals the enumerated minimum to 1e-9 (fixed seed)."""
    p = PROBLEMS[name]
    r = solve(p, solver=solver.split("-")[0].replace("dsb", "sb"), seed=11, **SETTINGS[solver])
    assert r.best_energy == pytest.approx(ground_energy(p), abs=1e-9)
    # every reported number is recomputed from the returned states
    np.testing.assert_allclose(r.energies, p.energy(r.states))
    assert r.best_energy == pytest.approx(float(p.energy(r.best_state)))
    if p.kind == "maxcut":
        assert r.best_value == pytest.approx(float(p.cut(r.best_state)))
        assert r.best_value == pytest.approx((p.total_weight - r.best_energy) / 2)
    if p.kind == "qubo":
        x = r.best_assignment.astype(float)
        assert set(np.unique(x)) <= {0.0, 1.0}
        np.testing.assert_array_equal(r.best_assignment, (r.best_state + 1) // 2)
    d = r.to_dict()
    assert len(d["best_assignment"]) == N and d["stopped_by"] == "completed"


def test_determinism_for_a_seed_and_any_thread_count():
    p = PROBLEMS["glass"]
    a = solve(p, solver="sa", seed=3, num_reads=4, num_sweeps=50)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        b = solve(p, solver="sa", seed=3, num_reads=4, num_sweeps=50)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(a.states, b.states)
    c = solve(p, solver="sa", seed=4, num_reads=4, num_sweeps=50)
    assert not np.array_equal(a.states, c.states) or not np.array_equal(a.energies, c.energies)
    for solver, kw in [("pt", {"num_replicas": 4, "num_sweeps": 30}), ("pa", {"num_reads": 16, "num_steps": 5}),
                       ("sb", {"num_reads": 4, "num_steps": 50})]:
        x, y = solve(p, solver=solver, seed=5, **kw), solve(p, solver=solver, seed=5, **kw)
        np.testing.assert_array_equal(x.states, y.states)


@pytest.mark.parametrize("solver", ["sa", "pt", "pa", "sb"])
def test_time_limit_stops_early_and_returns_best(solver):
    rng = np.random.default_rng(0)
    edges = np.array([(i, j) for i in range(300) for j in range(i + 1, 300) if rng.random() < 0.05])
    p = maxcut_from_edges(edges)
    key = {"sa": "num_sweeps", "pt": "num_sweeps", "pa": "num_steps", "sb": "num_steps"}[solver]
    r = solve(p, solver=solver, seed=1, time_limit=0.3, **{key: 10**7})
    assert r.stopped_by == "time_limit"
    assert r.sweeps < 10**7
    assert r.best_value == pytest.approx(float(p.cut(r.best_state)))
    assert r.best_value > p.total_weight / 2  # better than a random cut (mean W/2)
    assert 0.0 <= r.time_to_best <= r.wall_time


@pytest.mark.parametrize("solver", ["sa", "pt", "pa", "sb"])
def test_target_stops_early(solver):
    p = PROBLEMS["maxcut"]
    best_cut = float(np.max(p.cut(ALL)))
    key = {"sa": "num_sweeps", "pt": "num_sweeps", "pa": "num_steps", "sb": "num_steps"}[solver]
    r = solve(p, solver=solver, seed=2, target=best_cut, time_limit=30.0, **{key: 100000})
    assert r.stopped_by == "target" and r.target_reached
    assert r.best_value == best_cut
    assert r.sweeps < 100000


def test_default_beta_range_from_couplings():
    p = maxcut_from_edges([[0, 1], [1, 2], [2, 0], [2, 3]], [1.0, 1.0, 2.0, 1.0])
    hot, cold = default_beta_range(p)
    # largest possible change 2 * (sum |J| of vertex 2) = 8 flips with prob 1/2 at beta_hot
    assert np.exp(-hot * 8.0) == pytest.approx(0.5)
    assert np.exp(-cold * 2.0) == pytest.approx(0.01)  # smallest |J| = 1, prob 1/100


def test_unknown_setting_and_bad_values_are_errors():
    from spinscope.errors import InputError

    p = PROBLEMS["glass"]
    with pytest.raises(InputError, match="unknown setting"):
        solve(p, solver="sa", num_sweep=10)
    with pytest.raises(InputError, match="solver must be one of"):
        solve(p, solver="qa")
    with pytest.raises(InputError, match="num_reads"):
        solve(p, solver="sa", num_reads=0)
    with pytest.raises(InputError, match="time_limit"):
        solve(p, solver="sa", time_limit=-1)


@pytest.mark.parametrize("variant", ["ballistic", "discrete"])
def test_sb_numba_and_torch_backends_integrate_the_same_dynamics(variant):
    """Same seed, float64: the two backends give the same best states (threshold: equal energies)."""
    p = PROBLEMS["maxcut"]
    kw = {"variant": variant, "num_reads": 6, "num_steps": 40, "check_every": 7, "seed": 9}
    a = solve(p, solver="sb", backend="numba", **kw)
    b = solve(p, solver="sb", backend="torch", dtype="float64", **kw)
    np.testing.assert_allclose(a.energies, b.energies)
    assert a.settings["c0"] == b.settings["c0"] and a.settings["dt"] == b.settings["dt"]


@pytest.mark.parametrize("solver", ["sa", "pt", "pa", "sb"])
def test_fields_only_and_single_variable_problems(solver):
    for p, want in ((ising_problem([1.0, -1.0, 0.5]), -2.5), (qubo_problem([[-1.0]]), -1.0)):
        assert solve(p, solver=solver, seed=0).best_energy == want


@pytest.mark.slow
def test_sa_quality_on_gset_g11(shared_data):
    """Regression of solution quality on the 800-vertex toroidal grid G11 (best known cut 564).

    Fixed seed and sweeps (no time limit); threshold: best of 8 reads >= 562 (within 0.36 %).
    Measured per-read distribution over 32 reads: P(cut < 562) = 11/32, so a correct solver fails
    with probability about (11/32)^8 = 2e-4 over seeds; with seed 0 it gives 564.
    """
    from spinscope.optimize.problem_files import load_problem

    p = load_problem(shared_data / "gset" / "G11.txt")
    r = solve(p, solver="sa", seed=0, num_reads=8, num_sweeps=5000, beta_range=(0.1, 3.0))
    assert r.best_value >= 562
    assert r.best_value == float(p.cut(r.best_state))


def _ladder_state(problem, R, seed):
    from spinscope._rng import make_keys
    from spinscope.optimize import kernels as k

    keys = make_keys(seed, R)
    s = k.random_spins(keys, np.uint64(0), problem.n)
    f = np.ascontiguousarray(problem.model.local_fields(s), dtype=np.float64)
    e = np.asarray(problem.model.energy(s), dtype=np.float64)
    return s, f, e, keys


def test_houdayer_move_conserves_total_energy_and_keeps_fields_exact():
    """The cluster is exchanged between the replicas: E_a + E_b is unchanged (to 1e-9), the
    returned energies and the incrementally updated fields equal a recomputation, the overlap
    outside the cluster is untouched and inside it both replicas flipped."""
    from spinscope._rng import stream_start
    from spinscope.models import edwards_anderson
    from spinscope.optimize import kernels as k

    p = ising_problem(edwards_anderson((12, 12), seed=4))
    indptr, indices, data = p.csr()
    s, f, e, keys = _ladder_state(p, 2, 1)
    queue, mark = np.empty(p.n, dtype=np.int64), np.zeros(p.n, dtype=np.uint8)
    sizes = []
    for it in range(50):
        before = s.copy()
        ea, eb, size = k.houdayer_move(indptr, indices, data, s[0], s[1], f[0], f[1], e[0], e[1],
                                       np.uint64(stream_start(keys[0], np.uint64(it))), 0, queue, mark)
        assert ea + eb == pytest.approx(e[0] + e[1], abs=1e-9)
        e[:] = ea, eb
        np.testing.assert_allclose(e, p.model.energy(s), atol=1e-9)
        np.testing.assert_allclose(f, p.model.local_fields(s), atol=1e-9)
        changed = np.flatnonzero(before[0] != s[0])
        assert changed.size == size and np.array_equal(changed, np.flatnonzero(before[1] != s[1]))
        assert np.all(before[0, changed] != before[1, changed])  # only sites where they differed
        assert not mark.any()
        sizes.append(size)
        # decorrelate a little so later moves see new clusters
        s[0, it % p.n] *= -1
        f[:] = p.model.local_fields(s)
        e[:] = p.model.energy(s)
    assert 0 < np.mean(sizes) < p.n


def test_pt_with_cluster_moves_samples_the_boltzmann_distribution():
    """Two ladders of two chains, all at the same beta, Metropolis sweeps + Houdayer moves: the
    states visited by one chain, folded by the global spin flip (h = 0), follow exp(-beta E) of a
    3x3 ±J torus (enumerated). Threshold: total-variation distance < 0.04 over 30 000 rounds
    (measured 0.014 with this seed; 0.0005 over 120 000 rounds at beta = 1.5, so what remains is
    sampling noise). The move itself is checked exactly by the test above."""
    from spinscope._rng import make_keys
    from spinscope.models import edwards_anderson
    from spinscope.optimize import kernels as k

    m = edwards_anderson((3, 3), seed=2)
    p = ising_problem(m)
    states = np.array(list(itertools.product([-1, 1], repeat=9)), dtype=np.int8)
    beta = 0.6
    w = np.exp(-beta * (m.energy(states) - m.energy(states).min()))
    w[states[:, 0] < 0] = 0.0  # fold s and -s onto the state with s_0 = +1
    w /= w.sum()
    indptr, indices, data = p.csr()
    T, G = 2, 2
    s, f, e, keys = _ladder_state(p, G * T, 8)
    betas_t = np.full(T, beta)
    temp_of = np.tile(np.arange(T, dtype=np.int64), G)
    chain_at = np.tile(np.arange(T, dtype=np.int64), (G, 1))
    best_s, best_e, best_k = s.copy(), np.full(G * T, np.inf), np.zeros(G * T, dtype=np.int64)
    swap_keys, icm_keys = make_keys(9, G), make_keys(10, 1)
    acc, sizes = np.zeros((G, T - 1), dtype=np.int64), np.zeros((1, T))
    table = np.zeros((T, 0))
    counts = np.zeros(512)
    code = 1 << np.arange(8, -1, -1)
    rounds = 30000
    for c in range(rounds):
        k.pt_icm_sweeps(indptr, indices, data, betas_t, temp_of, chain_at, s, f, e, best_s, best_e,
                        best_k, keys, swap_keys, icm_keys, np.uint64(c), 1, -np.inf, acc, 0, sizes,
                        table)
        x = s[0] * s[0, 0]
        counts[int(((x + 1) // 2) @ code)] += 1
    assert sizes.sum() > 0  # the cluster moves did act
    tv = 0.5 * np.abs(counts / rounds - w).sum()
    assert tv < 0.04


def test_tabulated_acceptance_gives_the_same_chains_as_exp():
    """Integer problems look exp(-2k beta) up; the chains are bitwise the same as with exp."""
    from spinscope._rng import make_keys
    from spinscope.optimize import kernels as k
    from spinscope.optimize.solvers import acceptance_table

    p = PROBLEMS["maxcut"]
    indptr, indices, data = p.csr()
    T = 4
    betas_t = np.geomspace(0.2, 2.0, T)
    table = acceptance_table(p, betas_t)
    assert table.shape[1] > 1
    np.testing.assert_allclose(table, np.exp(-2.0 * betas_t[:, None] * np.arange(table.shape[1])))
    assert acceptance_table(PROBLEMS["glass"], betas_t).shape == (T, 0)  # real couplings
    out = []
    for tab in (table, np.zeros((T, 0))):
        s, f, e, keys = _ladder_state(p, T, 3)
        temp_of, chain_at = np.arange(T, dtype=np.int64), np.arange(T, dtype=np.int64)[None, :]
        best = (s.copy(), np.full(T, np.inf), np.zeros(T, dtype=np.int64))
        k.pt_sweeps(indptr, indices, data, betas_t, temp_of, chain_at, s, f, e, *best, keys,
                    make_keys(5, 1), np.uint64(0), 200, -np.inf, np.zeros((1, T - 1), dtype=np.int64),
                    tab)
        out.append(s.copy())
    np.testing.assert_array_equal(out[0], out[1])


def test_cluster_moves_need_paired_ladders():
    from spinscope.errors import InputError

    with pytest.raises(InputError, match="num_reads must be even"):
        solve(PROBLEMS["glass"], solver="pt", num_reads=3, cluster_moves=True)


def test_default_pt_beta_range_from_the_mean_field_temperature():
    from spinscope.optimize.solvers import default_pt_beta_range

    # complete graph K5 with unit weights: sum_j J_ij^2 = 4, T_mf = 2; cold end as in SA
    p = maxcut_from_edges([[i, j] for i in range(5) for j in range(i + 1, 5)])
    hot, cold = default_pt_beta_range(p)
    assert hot == pytest.approx(1.7 / 2.0)
    assert cold == pytest.approx(default_beta_range(p)[1])
    # one edge: T_mf = w, 1.7 / w is colder than half the cold end ln(100) / (2 w): capped
    hot, cold = default_pt_beta_range(maxcut_from_edges([[0, 1]], [3.0]))
    assert cold == pytest.approx(np.log(100.0) / 6.0) and hot == pytest.approx(cold / 2)


def test_pt_cluster_moves_quality_on_gset_g11(shared_data):
    """Regression of parallel tempering with Houdayer moves on the toroidal grid G11 (best 564).

    Fixed seed and rounds (no time limit, so the run is deterministic); threshold: best cut 564.
    Measured: seeds 0-5 all reach 564 within 1000 rounds (seed 0 within 200; 0.2 s).
    """
    from spinscope.optimize.problem_files import load_problem

    p = load_problem(shared_data / "gset" / "G11.txt")
    r = solve(p, solver="pt", seed=0, num_reads=2, num_replicas=16, num_sweeps=1000,
              cluster_moves=True)
    assert r.best_value == 564
    assert r.best_value == float(p.cut(r.best_state))
    assert r.settings["cluster_size"][-1] > 0
