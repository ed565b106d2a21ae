"""Coherent Ising machines (CIM-AHC, plain CIM, CAC) against brute-force ground states.

Reference point of the issue: CAC with the tuned G1 settings and 3000 steps reaches the ground
state of small ±1 SK instances in every one of 64 runs (measured: 64/64 on each instance below,
both backends).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import spinscope._validation as validation
from spinscope.cli.main import main
from spinscope.errors import InputError, MemoryLimitError
from spinscope.models import IsingModel
from spinscope.optimize import ising_problem, maxcut_from_edges, qubo_problem, read_gset
from spinscope.optimize.cim import cac_defaults, chaotic_amplitude_control, coherent_ising_machine
from spinscope.optimize.solve import solve

N = 14
ALL = np.array(list(itertools.product([-1, 1], repeat=N)), dtype=np.int8)
ALL12 = np.array(list(itertools.product([-1, 1], repeat=12)), dtype=np.int8)
G1 = Path("/work/shared/data/gset/G1.txt")


def sk_pm1(seed: int, fields: bool = False):
    """A ±1 SK instance (optionally with ±1 fields) of N spins."""
    rng = np.random.default_rng(seed)
    a = np.triu(rng.choice([-1.0, 1.0], size=(N, N)), 1)
    h = rng.choice([-1.0, 1.0], size=N) if fields else np.zeros(N)
    return ising_problem(IsingModel(a + a.T, h), name=f"sk{seed}")


INSTANCES = {f"sk{s}": sk_pm1(s) for s in (1, 2, 3)} | {"sk-fields": sk_pm1(4, fields=True)}
GROUND = {k: float(np.min(p.energy(ALL))) for k, p in INSTANCES.items()}


def successes(r, ground):
    return int(np.sum(np.isclose(r.energies, ground, atol=1e-9)))


def check_recomputed(p, r):
    np.testing.assert_allclose(r.energies, p.energy(r.states))
    assert r.best_energy == pytest.approx(float(p.energy(r.best_state)))
    assert r.best_value == pytest.approx(float(p.value(r.best_state[None])[0]))


@pytest.mark.parametrize("backend", ["numba", "torch"])
@pytest.mark.parametrize("name", list(INSTANCES))
def test_cac_g1_settings_reach_the_ground_state_in_every_run(name, backend):
    """Threshold: 64 of 64 reads (the issue's reference point; measured 64/64 on every instance)."""
    p = INSTANCES[name]
    r = chaotic_amplitude_control(p, num_reads=64, num_steps=3000, seed=5, backend=backend, dtype="float64")
    assert successes(r, GROUND[name]) == 64
    check_recomputed(p, r)
    assert r.solver == "cac" and r.sweeps == 3000 and r.stopped_by == "completed"
    assert r.settings["delta"] == 9.0 and r.settings["tau"] == 9.0 * p.n + 9.0 * p.model.has_fields


@pytest.mark.parametrize("name", list(INSTANCES))
def test_cim_ahc_finds_the_ground_state_and_backends_agree(name):
    """Same initial amplitudes, same success count on both backends (up to 8 of 64 reads of
    rounding-driven drift; measured equal), and at least one read in the ground state."""
    p = INSTANCES[name]
    kw = {"num_reads": 64, "num_steps": 1000, "seed": 2}
    a = coherent_ising_machine(p, backend="numba", **kw)
    b = coherent_ising_machine(p, backend="torch", dtype="float64", **kw)
    assert a.best_energy == GROUND[name] and b.best_energy == GROUND[name]
    assert abs(successes(a, GROUND[name]) - successes(b, GROUND[name])) <= 8
    assert a.solver == b.solver == "cim-ahc"
    check_recomputed(p, a)
    check_recomputed(p, b)


def test_plain_cim_above_threshold_finds_the_ground_state():
    """Without correction (e = 1) the pump must exceed 1 - eps lambda_max(J) (0.44 here)."""
    p = INSTANCES["sk1"]
    lam = float(np.linalg.eigvalsh(p.model.dense_couplings())[-1])
    pump = 1.0 - 0.07 * lam + 0.1
    for backend in ("numba", "torch"):
        r = coherent_ising_machine(p, correction=False, pump=pump, num_reads=64, num_steps=500, seed=1,
                                   backend=backend, dtype="float64")
        assert r.solver == "cim" and r.best_energy == GROUND["sk1"]
        assert successes(r, GROUND["sk1"]) < 64  # plain CIM gets stuck in some reads: AHC's point


def small_problems():
    rng = np.random.default_rng(7)
    n = 12
    a = np.triu(rng.normal(size=(n, n)), 1)
    glass = ising_problem(IsingModel(a + a.T, 0.3 * rng.normal(size=n)), offset=2.0)
    edges = np.array([(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.4])
    cut = maxcut_from_edges(edges, rng.choice([-1.0, 1.0], size=len(edges)))
    q = np.triu(rng.integers(-3, 4, size=(n, n)).astype(float))
    return {"glass": glass, "maxcut": cut, "qubo": qubo_problem(q, offset=-1.0)}


@pytest.mark.parametrize("solver", ["cim", "cac"])
@pytest.mark.parametrize(("name", "p"), list(small_problems().items()))
def test_registry_solvers_on_ising_maxcut_and_qubo(solver, name, p):
    """Gaussian couplings with fields, signed Max-Cut, QUBO (fields through the auxiliary spin)."""
    ground = float(np.min(p.energy(ALL12)))
    r = solve(p, solver=solver, seed=3, num_reads=64, num_steps=2000)
    assert r.best_energy == pytest.approx(ground, abs=1e-9)
    check_recomputed(p, r)


@pytest.mark.parametrize("fn", [coherent_ising_machine, chaotic_amplitude_control])
@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_deterministic_for_a_seed_with_and_without_noise(fn, backend):
    p = INSTANCES["sk2"]
    for noise in (0.0, 0.05):
        kw = {"num_reads": 8, "num_steps": 300, "backend": backend, "noise": noise}
        a, b, c = fn(p, seed=4, **kw), fn(p, seed=4, **kw), fn(p, seed=5, **kw)
        np.testing.assert_array_equal(a.states, b.states)
        np.testing.assert_array_equal(a.final_states, b.final_states)
        assert not np.array_equal(a.final_states, c.final_states)
    noisy = fn(p, seed=4, num_reads=64, num_steps=1500, backend=backend, noise=0.05)
    assert noisy.best_energy == GROUND["sk2"] and noisy.settings["noise"] == 0.05


@pytest.mark.parametrize("solver", ["cim", "cac"])
def test_target_stops_early_and_time_limit_returns_a_valid_result(solver):
    p = INSTANCES["sk3"]
    r = solve(p, solver=solver, seed=1, num_reads=64, num_steps=5000, target=GROUND["sk3"])
    assert r.stopped_by == "target" and r.target_reached and r.sweeps < 5000
    assert r.best_energy == GROUND["sk3"]
    seen = []
    r = solve(p, solver=solver, seed=1, num_reads=4, num_steps=10**9, time_limit=0.05, callback=seen.append,
              check_every=10)
    assert r.stopped_by == "time_limit" and r.states.shape == (4, N) and seen
    assert set(np.unique(r.states)) <= {-1, 1}
    check_recomputed(p, r)


@pytest.mark.parametrize("fn", [coherent_ising_machine, chaotic_amplitude_control])
@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_divergence_is_an_input_error(fn, backend):
    p = INSTANCES["sk1"]
    with pytest.raises(InputError, match=r"amplitudes overflowed at step \d+ \(dt=3\): lower dt"):
        fn(p, dt=3.0, num_reads=4, num_steps=200, seed=0, backend=backend)


@pytest.mark.parametrize(("settings", "match"), [
    ({"dt": 0}, "dt must be a finite positive number, got 0"),
    ({"dt": -0.1}, "dt must be a finite positive number"),
    ({"num_reads": 0}, "num_reads must be >= 1, got 0"),
    ({"num_steps": 0}, "num_steps must be >= 1"),
    ({"noise": -1}, "noise must be a finite number >= 0"),
    ({"mu": float("nan")}, "mu must be a finite positive number"),
    ({"backend": "cuda"}, "backend must be"),
    ({"backend": "numba", "device": "cuda"}, "the numba backend runs on the CPU"),
    ({"dtype": "float16"}, "dtype must be"),
])
@pytest.mark.parametrize("fn", [coherent_ising_machine, chaotic_amplitude_control])
def test_bad_settings_are_input_errors(fn, settings, match):
    with pytest.raises(InputError, match=match):
        fn(INSTANCES["sk1"], seed=0, **settings)


def test_cac_defaults_scale_with_the_problem():
    d = cac_defaults(INSTANCES["sk1"])
    assert d == {"beta": pytest.approx(3 * N / (N * (N - 1))), "gamma": 0.075 / N, "tau": 9.0 * N}
    assert cac_defaults(INSTANCES["sk-fields"])["tau"] == 9.0 * (N + 1)  # the auxiliary field spin


@pytest.mark.parametrize("solver", ["cim", "cac"])
def test_memory_is_checked_before_allocating(monkeypatch, solver):
    monkeypatch.setattr(validation, "available_memory_bytes", lambda: 8 * 2**30)
    p = maxcut_from_edges(np.array([(i, (i + 1) % 1000) for i in range(1000)]))
    with pytest.raises(MemoryLimitError, match=r"with num_reads=1000000000 on n=1000 variables"):
        solve(p, solver=solver, seed=0, num_reads=1_000_000_000)


def test_cli_solve_with_cac_and_cim(tmp_path, capsys):
    p = small_problems()["maxcut"]
    f = tmp_path / "small.txt"
    edges, w = p.edges, p.weights
    f.write_text(f"{p.n} {len(edges)}\n" + "".join(f"{i + 1} {j + 1} {int(v)}\n" for (i, j), v in zip(edges, w)))
    best = float(np.max(p.value(ALL12)))
    for solver in ("cac", "cim"):
        assert main(["--json", "--seed", "1", "solve", str(f), "--solver", solver, "--sweeps", "1000"]) == 0
        d = json.loads(capsys.readouterr().out)
        assert d["solver"] == {"cac": "cac", "cim": "cim-ahc"}[solver] and d["best_value"] == best
        assert d["settings"]["num_steps"] == 1000 and d["reads"] == 64 and d["seed"] == 1


@pytest.mark.skipif(not G1.exists(), reason="Gset G1 not available (/work/shared/data/gset)")
def test_g1_short_run():
    """A short CAC run on G1 (800 nodes, best known cut 11624) returns a consistent cut well
    above a random one (~9600); measured 11320 with these settings (seed 1)."""
    p = read_gset(G1)
    r = solve(p, solver="cac", seed=1, num_reads=4, num_steps=1000)
    assert r.best_value == float(p.cut(r.best_state)) and r.best_value >= 11200
