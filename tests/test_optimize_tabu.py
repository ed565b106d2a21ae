"""Breakout local search (``solver="bls"``): exact ground states of small problems, recomputed
results, determinism, stopping rules, registry and CLI reachability, bad settings."""

from __future__ import annotations

import itertools
import json

import numba
import numpy as np
import pytest

import spinscope._validation as validation
from spinscope.cli.main import main
from spinscope.errors import InputError, MemoryLimitError
from spinscope.models import IsingModel
from spinscope.optimize import ising_problem, maxcut_from_edges, qubo_problem
from spinscope.optimize.registry import SOLVER_REGISTRY
from spinscope.optimize.solve import solve
from spinscope.optimize.tabu import bls_defaults, breakout_local_search

ALL = {n: np.array(list(itertools.product([-1, 1], repeat=n)), dtype=np.int8) for n in (8, 12, 16)}


def _instance(kind, n, seed):
    rng = np.random.default_rng(seed)
    if kind == "glass":  # Gaussian couplings and fields, offset
        a = np.triu(rng.normal(size=(n, n)), 1)
        return ising_problem(IsingModel(a + a.T, 0.3 * rng.normal(size=n)), offset=1.5)
    if kind == "maxcut":  # ±1 weights on a random graph: many degenerate states
        edges = np.array([(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.35])
        return maxcut_from_edges(edges, rng.choice([-1.0, 1.0], size=len(edges)), n=n)
    q = np.triu(rng.integers(-3, 4, size=(n, n)).astype(float))
    return qubo_problem(q, offset=-1.0)


CASES = [(kind, n, seed) for kind in ("glass", "maxcut", "qubo") for n in (8, 12, 16) for seed in range(6)]


@pytest.mark.parametrize(("kind", "n", "seed"), CASES)
def test_reaches_the_enumerated_ground_state_every_time(kind, n, seed):
    """54 instances (n = 8-16), each solved with two seeds: the best energy equals the
    brute-force minimum to 1e-9 in every run; every reported number is recomputed."""
    p = _instance(kind, n, seed)
    exact = float(np.min(p.energy(ALL[n])))
    for run_seed in (seed, seed + 100):
        r = breakout_local_search(p, num_reads=2, num_cycles=200, seed=run_seed)
        assert r.best_energy == pytest.approx(exact, abs=1e-9)
        np.testing.assert_allclose(r.energies, p.energy(r.states), rtol=0, atol=1e-12)
        np.testing.assert_allclose(r.values, p.value(r.states), rtol=0, atol=1e-12)
        if p.kind == "maxcut":
            assert r.best_value == pytest.approx(float(p.cut(r.best_state)))
            assert r.best_value == pytest.approx((p.total_weight - r.best_energy) / 2)
        assert r.solver == "bls" and r.stopped_by == "completed" and r.sweeps == 200


def test_n20_ground_state():
    """One n = 20 ±J glass with fields (2**20 states enumerated in blocks)."""
    p = _instance("glass", 20, 42)
    hi = np.array(list(itertools.product([-1, 1], repeat=10)), dtype=np.int8)
    exact = min(float(np.min(p.energy(np.hstack([hi, np.broadcast_to(lo, hi.shape)])))) for lo in hi)
    r = solve(p, solver="bls", seed=1, num_reads=2, num_cycles=300)
    assert r.best_energy == pytest.approx(exact, abs=1e-9)


def test_determinism_for_a_seed_and_any_thread_count():
    p = _instance("glass", 40, 3)
    a = breakout_local_search(p, seed=7, num_reads=3, num_cycles=60)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        b = breakout_local_search(p, seed=7, num_reads=3, num_cycles=60)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.final_states, b.final_states)
    np.testing.assert_array_equal(a.settings["moves"], b.settings["moves"])
    c = breakout_local_search(p, seed=8, num_reads=3, num_cycles=60)
    assert not np.array_equal(a.final_states, c.final_states)


def _random_graph(n, p_edge, seed):
    rng = np.random.default_rng(seed)
    return maxcut_from_edges(np.array([(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < p_edge]))


def test_time_limit_stops_and_returns_the_best():
    p = _random_graph(400, 0.03, 0)
    r = solve(p, solver="bls", seed=1, time_limit=0.3, num_cycles=10**9)
    assert r.stopped_by == "time_limit" and r.sweeps < 10**9
    assert r.best_value == pytest.approx(float(p.cut(r.best_state)))
    assert r.best_value > p.total_weight / 2 and 0.0 <= r.time_to_best <= r.wall_time


def test_target_stops_early():
    p = _instance("maxcut", 16, 5)
    best = float(np.max(p.cut(ALL[16])))
    r = solve(p, solver="bls", seed=2, target=best, time_limit=30.0, num_cycles=10**6)
    assert r.stopped_by == "target" and r.target_reached and r.best_value == best
    assert r.sweeps < 10**6
    g = _instance("glass", 12, 1)
    e0 = float(np.min(g.energy(ALL[12])))
    r = solve(g, solver="bls", seed=2, target=e0, num_cycles=10**6)  # an energy target, no time limit
    assert r.stopped_by == "target" and r.best_energy == pytest.approx(e0)


def test_initial_states_are_used():
    p = _instance("glass", 12, 2)
    ground = ALL[12][np.argmin(p.energy(ALL[12]))]
    r = breakout_local_search(p, seed=0, num_reads=2, num_cycles=1, initial_states=ground, jump_min=1, jump_max=2)
    np.testing.assert_array_equal(r.states, np.stack([ground, ground]))  # a ground state is never left as best
    with pytest.raises(InputError, match=r"initial_states must be ±1 spins of shape \(2, 12\)"):
        breakout_local_search(p, num_reads=2, initial_states=np.zeros(12))
    with pytest.raises(InputError, match="initial_states"):
        breakout_local_search(p, num_reads=2, initial_states=np.ones((3, 12)))


@pytest.mark.parametrize(("settings", "match"), [
    ({"num_reads": 0}, "num_reads must be >= 1"),
    ({"num_cycles": 0}, "num_cycles must be >= 1"),
    ({"jump_min": 0}, "jump_min must be >= 1"),
    ({"jump_min": 5, "jump_max": 3}, "jump_max must be >= 5"),
    ({"stagnation": 0}, "stagnation must be >= 1"),
    ({"p_directed": 1.5}, "p_directed is a probability"),
    ({"p_directed": 0}, "p_directed"),
    ({"tenure": (5, 2)}, r"tenure must be a pair 0 <= min <= max"),
    ({"tenure": 3}, r"tenure must be a pair \(min, max\)"),
    ({"tenure": (1, 2, 3)}, r"tenure must be a pair \(min, max\)"),
    ({"tenure": (1.5, 3)}, "tenure must be an integer"),
    ({"time_limit": -1}, "time_limit"),
    ({"num_cycle": 3}, "unknown setting"),
])
def test_bad_settings_are_input_errors(settings, match):
    with pytest.raises(InputError, match=match):
        solve(_instance("glass", 8, 0), solver="bls", seed=0, **settings)


def test_defaults_scale_with_n():
    assert bls_defaults(800) == {"jump_min": 8, "jump_max": 80, "stagnation": 1000, "p_directed": 0.8,
                                 "tenure": (3, 80)}
    assert bls_defaults(10) == {"jump_min": 1, "jump_max": 5, "stagnation": 1000, "p_directed": 0.8,
                                "tenure": (3, 4)}


def test_memory_is_checked_before_allocating(monkeypatch):
    monkeypatch.setattr(validation, "available_memory_bytes", lambda: 8 * 2**30)
    p = maxcut_from_edges(np.array([(i, (i + 1) % 1000) for i in range(1000)]))
    with pytest.raises(MemoryLimitError, match=r"breakout local search with num_reads=1000000000 on n=1000"):
        solve(p, solver="bls", seed=0, num_reads=1_000_000_000)


def test_registry_and_cli(tmp_path, capsys):
    spec = SOLVER_REGISTRY["bls"]
    assert spec.sweeps_setting == "num_cycles" and spec.reads_setting == "num_reads"
    p = _instance("maxcut", 12, 3)
    f = tmp_path / "small.txt"
    f.write_text(f"{p.n} {len(p.edges)}\n" + "".join(f"{i + 1} {j + 1} {int(w)}\n" for (i, j), w in zip(p.edges, p.weights)))
    best = float(np.max(p.cut(ALL[12])))
    assert main(["--json", "--seed", "3", "solve", str(f), "--solver", "bls", "--sweeps", "50", "--reads", "2"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["solver"] == "bls" and d["best_value"] == best and d["seed"] == 3
    assert d["settings"]["num_cycles"] == 50 and d["reads"] == 2
    assert main(["solve", str(f), "--solver", "bls", "--replicas", "4"]) == 2
    err = capsys.readouterr().err
    assert "--replicas" in err and len(err.strip().splitlines()) == 1


def test_gain_buckets_and_scan_agree_with_exact_recomputation(monkeypatch):
    """Integer problems use gain buckets, others a scan; after many cycles the tracked energies,
    fields and buckets equal a recomputation from the spins, and both paths find the ground state."""
    from spinscope.optimize import tabu
    from spinscope.optimize import tabu_kernels as tk

    cut, glass = _instance("maxcut", 16, 2), _instance("glass", 16, 2)
    assert tabu.gain_bound(cut) == int(np.max(np.abs(cut.model.couplings).sum(1))) and tabu.gain_bound(glass) == -1
    exact = float(np.min(cut.energy(ALL[16])))
    assert breakout_local_search(cut, seed=4, num_cycles=300).settings["gain_buckets"] is True
    ch = tabu._Chains(cut, tabu._initial_spins(cut, 3, np.arange(3, dtype=np.uint64) + 7, None),
                      np.arange(3, dtype=np.uint64) + 7, np.arange(16, dtype=np.uint64) * 977 + 5)
    ints = np.array([1, 4, 50, 2, 5], dtype=np.int64)
    ch.cycles(777, ints, 0.8, 1e-9, -np.inf)  # 777: not a rebuild point, the buckets are as updated
    np.testing.assert_allclose(ch.energy, cut.model.energy(ch.spins), atol=1e-9)
    np.testing.assert_allclose(ch.fields, cut.model.local_fields(ch.spins), atol=1e-9)
    n, kb = cut.n, ch.kb
    B = 2 * kb + 1
    for r in range(3):
        buf, s, f = ch.buckets[r], ch.spins[r], ch.fields[r]
        where = buf[B + 2 * n:B + 3 * n]
        np.testing.assert_array_equal(where, kb + np.rint(s * f).astype(np.int64))
        members = []
        for b in range(B):  # walk every list: each spin once, in the bucket it says
            i = buf[b]
            while i >= 0:
                assert where[i] == b
                members.append(i)
                i = buf[B + i]
        assert sorted(members) == list(range(n))
        assert buf[B + 3 * n] <= where.min()  # the lowest-bucket pointer is a lower bound
    monkeypatch.setattr(tabu, "gain_bound", lambda problem: -1)
    r = breakout_local_search(cut, seed=4, num_cycles=300)
    assert r.settings["gain_buckets"] is False and r.best_energy == pytest.approx(exact, abs=1e-9)
    assert tk.RECENT == 8
