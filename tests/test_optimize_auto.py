"""``solver="auto"``: the recommended solver and settings, chosen in the registry, stated and explained."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spinscope.cli.main import main
from spinscope.errors import InputError
from spinscope.models import edwards_anderson
from spinscope.optimize import ising_problem, maxcut_from_edges, sk_problem
from spinscope.optimize.dimod_sampler import SpinscopeSampler
from spinscope.optimize.registry import (
    AUTO,
    DENSE,
    SOLVER_CHOICES,
    SOLVER_REGISTRY,
    AutoChoice,
    choose_solver,
    eligible_solvers,
    problem_features,
)
from spinscope.optimize.solve import solve
from spinscope.optimize.solvers import (
    LATTICE_LOOPS,
    loop_ratio,
    recommended_pt_settings,
    simulated_annealing,
)
from spinscope.workflows import solve_file

SQUARE = "4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n"
_TIMES = ("time_to_best_s", "wall_time_s", "timings_s")


def _random_graph(n, degree, seed=0):
    rng = np.random.default_rng(seed)
    pairs = {tuple(sorted(rng.choice(n, 2, replace=False))) for _ in range(int(n * degree / 2))}
    return maxcut_from_edges(np.array(sorted(pairs)), name=f"random-{degree}")


LATTICE = ising_problem(edwards_anderson((8, 8), seed=1), name="ea8x8")  # degree 4, square loops
RANDOM_SPARSE = _random_graph(300, 4)  # degree ~4, no short loops
MEDIUM = _random_graph(120, 12)  # degree ~12
DENSE_SK = sk_problem(40, seed=3)


def test_auto_is_the_default_everywhere():
    import inspect

    from spinscope.cli.solve import command

    assert SOLVER_CHOICES == ("auto", *SOLVER_REGISTRY) and AUTO not in SOLVER_REGISTRY
    assert inspect.signature(solve).parameters["solver"].default == AUTO
    assert inspect.signature(solve_file).parameters["solver"].default == AUTO
    assert SpinscopeSampler().solver == AUTO
    assert next(p for p in command.params if p.name == "solver").default == AUTO


def test_features_and_loop_ratio():
    assert loop_ratio(LATTICE) == pytest.approx(1.5)
    assert loop_ratio(RANDOM_SPARSE) < 1.1
    assert loop_ratio(ising_problem(edwards_anderson((6, 6, 6), seed=1))) == pytest.approx(5 / 3)
    f = problem_features(LATTICE)
    assert f["n"] == 64 and f["mean_degree"] == 4 and f["loop_ratio"] == pytest.approx(1.5)
    assert problem_features(MEDIUM)["loop_ratio"] is None  # only computed for sparse graphs
    assert problem_features(DENSE_SK)["density"] == 1.0
    # a small sparse graph is not "dense" however large the fraction of coupled pairs
    ring = maxcut_from_edges([[0, 1], [1, 2], [2, 3], [3, 0]])
    assert problem_features(ring)["density"] > DENSE and choose_solver(ring).solver == "pt"


@pytest.mark.parametrize(("problem", "solver", "settings", "words"), [
    (LATTICE, "pt", {"cluster_moves": True, "num_reads": 4, "num_replicas": 32},
     ["sparse lattice-like graph", "mean degree 4 <= 6", "loop ratio 1.5 >= 1.25", "Houdayer"]),
    (RANDOM_SPARSE, "pt", {"num_reads": 2, "num_replicas": 20},
     ["sparse graph without short loops", "no cluster moves"]),
    (MEDIUM, "pt", {"num_reads": 4, "num_replicas": 16}, ["> 6: parallel tempering (4 ladders x 16 replicas)"]),
    (DENSE_SK, "sb", {"variant": "discrete", "device": "cpu"}, ["dense problem, 100% of all pairs coupled"]),
])
def test_choice_by_problem_class(problem, solver, settings, words):
    c = choose_solver(problem)
    assert isinstance(c, AutoChoice) and c.solver == solver
    assert settings.items() <= c.settings.items()
    for w in words:
        assert w in c.reason, c.reason
    if solver == "pt":  # PT is the recommended settings, nothing else
        assert c.settings == recommended_pt_settings(problem)
    assert json.loads(json.dumps(c.to_dict())) == c.to_dict()


def test_recommended_pt_settings_by_structure():
    assert recommended_pt_settings(LATTICE)["cluster_moves"] is True
    assert "cluster_moves" not in recommended_pt_settings(RANDOM_SPARSE)
    lo, hi = recommended_pt_settings(RANDOM_SPARSE)["beta_range"]
    from spinscope.optimize.solvers import default_pt_beta_range

    d_lo, d_hi = default_pt_beta_range(RANDOM_SPARSE)
    assert lo == d_lo and hi == pytest.approx(1.5 * d_hi)  # sparse: the colder end
    # mean degree > 6: a hot end at 1.5 / T_mf instead of the default 1.7 / T_mf, same cold end
    (lo, hi), (d_lo, d_hi) = recommended_pt_settings(MEDIUM)["beta_range"], default_pt_beta_range(MEDIUM)
    assert lo == pytest.approx(d_lo * 1.5 / 1.7) and hi == d_hi
    assert LATTICE_LOOPS == 1.25 and DENSE == 0.25


def test_options_steer_the_choice():
    assert choose_solver(MEDIUM, device="cuda").solver == "sb"
    c = choose_solver(MEDIUM, device="cuda")
    assert c.settings["device"] == "cuda" and "does not run on cuda" in c.reason
    c = choose_solver(DENSE_SK, fixed=["num_replicas", "seed", "time_limit"])
    assert c.solver == "pt" and "sb (preferred: dense problem" in c.reason and "does not take num_replicas" in c.reason
    assert choose_solver(MEDIUM, fixed=["variant"]).solver == "sb"
    assert eligible_solvers(fixed=["num_sweeps"]) == ("sa", "pt")
    with pytest.raises(InputError, match=r"no solver runs on cuda and takes \['num_replicas'\]"):
        choose_solver(MEDIUM, device="cuda", fixed=["num_replicas"])
    with pytest.raises(InputError, match=r"unknown setting\(s\) \['num_sweep'\] for any solver"):
        choose_solver(MEDIUM, fixed=["num_sweep"])


def test_auto_runs_exactly_the_stated_choice():
    """solve(p) == solve(p, solver=<chosen>, **<stated settings>), bit for bit."""
    for p in (LATTICE, RANDOM_SPARSE, DENSE_SK):
        kw = {"num_sweeps": 60} if choose_solver(p).solver == "pt" else {"num_steps": 60, "num_reads": 8}
        a = solve(p, seed=4, **kw)
        assert a.auto["solver"] == a.solver.replace("dsb", "sb")
        b = solve(p, solver=a.auto["solver"], seed=4, **a.auto["settings"])
        np.testing.assert_array_equal(a.states, b.states)
        assert b.auto is None and a.to_dict()["auto"] == a.auto
        for key, value in kw.items():
            assert a.auto["settings"][key] == value  # the caller's settings are part of the statement


def test_user_settings_override_and_odd_reads_drop_cluster_moves():
    a = solve(LATTICE, seed=1, num_replicas=6, num_sweeps=40)
    assert a.settings["num_replicas"] == 6 and a.settings["cluster_moves"] is True
    b = solve(LATTICE, seed=1, num_reads=3, num_sweeps=40)
    assert b.settings["cluster_moves"] is False and b.settings["num_reads"] == 3
    assert "num_reads=3 is odd" in b.auto["reason"]
    with pytest.raises(InputError, match="num_reads must be even"):
        solve(LATTICE, seed=1, num_reads=3, cluster_moves=True, num_sweeps=40)  # asked for: kept


def test_workflow_and_cli_state_the_choice(tmp_path, capsys):
    f = tmp_path / "sq.txt"
    f.write_text(SQUARE)
    run = solve_file(f, sweeps=50, seed=2)
    d = run.to_dict()
    assert d["solver"] == "pt" and d["auto"]["solver"] == "pt"
    assert d["auto"]["settings"]["num_sweeps"] == 50 and "reason" in d["auto"]
    assert main(["--seed", "2", "--json", "solve", str(f), "--sweeps", "50"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in cli.items() if k not in _TIMES} == \
        {k: v for k, v in json.loads(json.dumps(d)).items() if k not in _TIMES}
    assert main(["--seed", "2", "solve", str(f), "--sweeps", "50"]) == 0
    assert "solver chosen by auto: sparse" in capsys.readouterr().out
    # --variant without --solver asks for simulated bifurcation
    assert solve_file(f, sweeps=50, seed=2, variant="discrete").result.solver == "dsb"


def test_explicit_sa_is_unchanged(tmp_path, capsys):
    """--solver sa: the same numbers as the function itself with its defaults, and no auto."""
    f = tmp_path / "sq.txt"
    f.write_text(SQUARE)
    assert main(["--seed", "5", "--json", "solve", str(f), "--solver", "sa", "--sweeps", "30"]) == 0
    cli = json.loads(capsys.readouterr().out)
    direct = simulated_annealing(solve_file(f, solver="sa", sweeps=1, seed=0).problem, seed=5, num_sweeps=30)
    assert cli["auto"] is None and cli["solver"] == "sa"
    assert cli["values"] == direct.values.tolist() and cli["settings"]["num_reads"] == 8


def test_sampler_default_is_auto():
    dimod = pytest.importorskip("dimod")
    ss = SpinscopeSampler().sample_ising({}, {(0, 1): 1.0, (1, 2): 1.0, (2, 3): 1.0, (3, 0): 1.0},
                                         num_sweeps=50, seed=1)
    assert isinstance(ss, dimod.SampleSet) and ss.first.energy == -4.0
    assert ss.info["solver"] == "pt" and ss.info["auto"]["solver"] == "pt" and ss.info["auto"]["reason"]
    assert "num_replicas" in SpinscopeSampler().parameters and "variant" in SpinscopeSampler().parameters
    assert SpinscopeSampler(num_replicas=4).parameters.keys() == SpinscopeSampler("pt").parameters.keys()
    with pytest.raises(InputError, match="unknown setting"):
        SpinscopeSampler(num_sweep=10)
    assert SpinscopeSampler("sa").sample_ising({0: 1.0}, {}, num_sweeps=10, seed=0).info["auto"] is None


# --------------------------------------------------------------- restarts of stuck PT ladders
def test_pt_restarts_stuck_ladders_and_keeps_the_best():
    """restart_sweeps: a ladder whose best has not improved for that many rounds starts again
    from random states (checked every 1000 rounds); the best states are kept, the run stays
    reproducible for a seed on any thread count, and the ground state (enumerated) is found."""
    import itertools

    import numba

    from spinscope.optimize.solvers import parallel_tempering

    p = sk_problem(12, seed=5)
    exact = float(np.min(p.energy(np.array(list(itertools.product([-1, 1], repeat=12)), dtype=np.int8))))
    kw = {"num_replicas": 4, "num_reads": 2, "num_sweeps": 6000, "restart_sweeps": 1000}
    a = parallel_tempering(p, seed=3, **kw)
    # a ladder restarts at a check (rounds 2000..5000; none after the last round) when its record
    # is at least 1000 rounds old: at least once each (12 spins: found within 1000 rounds), at
    # most 4 times each
    assert 2 <= a.settings["restarts"] <= 8 and a.settings["restart_sweeps"] == 1000
    assert a.best_energy == pytest.approx(exact, abs=1e-9)
    np.testing.assert_allclose(a.energies, p.energy(a.states))
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        b = parallel_tempering(p, seed=3, **kw)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.final_states, b.final_states)
    c = parallel_tempering(p, seed=3, **{**kw, "restart_sweeps": None})
    assert c.settings["restarts"] == 0 and not np.array_equal(a.final_states, c.final_states)
    with pytest.raises(InputError, match="restart_sweeps must be >= 1"):
        parallel_tempering(p, seed=3, **{**kw, "restart_sweeps": 0})
