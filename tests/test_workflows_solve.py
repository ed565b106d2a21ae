"""The ``solve_file`` workflow behind ``spinscope solve``: same payload, output checked first."""

from __future__ import annotations

import json

import numpy as np
import pytest

import spinscope.workflows.solve as wf
from spinscope.cli.main import main
from spinscope.errors import InputError
from spinscope.optimize.problem_files import load_problem
from spinscope.workflows import solve_file

SQUARE = "4 4 trailing text\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n"  # a 4-cycle: max cut 4
_TIMES = ("time_to_best_s", "wall_time_s", "timings_s")


@pytest.fixture
def square(tmp_path):
    f = tmp_path / "sq.txt"
    f.write_text(SQUARE)
    return f


@pytest.fixture
def no_solving(monkeypatch):
    """Fail the test if anything is loaded or solved."""
    def boom(*args, **kwargs):
        raise AssertionError("computed although the output path is invalid")

    monkeypatch.setattr(wf, "solve", boom)
    monkeypatch.setattr(wf, "load_problem", boom)


def _untimed(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in _TIMES}


def test_solve_file_matches_the_cli_json(tmp_path, square, capsys):
    run = solve_file(square, sweeps=100, seed=3, out=tmp_path / "a.txt")
    assert run.result.best_value == 4 and run.seed == 3
    assert run.out == tmp_path / "a.txt" and run.out.exists()
    vals = [int(v) for v in run.out.read_text().split("\n")[1:] if v]
    assert run.problem.cut(np.array(vals)) == 4
    assert main(["--seed", "3", "--json", "solve", str(square), "--sweeps", "100",
                 "--out", str(tmp_path / "b.txt")]) == 0
    cli = json.loads(capsys.readouterr().out)
    mine = json.loads(json.dumps(run.to_dict()))
    assert list(mine) == list(cli)  # same keys, same order
    assert cli["out"] == str(tmp_path / "b.txt") and mine["out"] == str(tmp_path / "a.txt")
    assert _untimed({**mine, "out": None}) == _untimed({**cli, "out": None})
    assert cli["seed"] == 3


def test_seed_is_drawn_recorded_and_reproduces(square):
    a = solve_file(square, sweeps=50)
    assert isinstance(a.seed, int) and a.to_dict()["seed"] == a.seed == a.result.seed
    b = solve_file(square, sweeps=50, seed=a.seed)
    np.testing.assert_array_equal(a.result.states, b.result.states)


@pytest.mark.parametrize(("solver", "key", "value"), [
    ("sa", "num_sweeps", 120), ("pt", "num_sweeps", 120), ("pa", "num_steps", 12), ("sb", "num_steps", 120)])
def test_sweeps_and_reads_follow_the_registry(square, solver, key, value):
    run = solve_file(square, solver=solver, sweeps=120, reads=2 if solver != "pa" else 4, seed=1)
    assert run.result.settings[key] == value
    assert run.result.settings["num_reads"] == (2 if solver != "pa" else 4)


def test_progress_names_problem_and_solver(square):
    seen = []
    solve_file(square, solver="sa", sweeps=50, seed=1, progress=seen.append)
    assert seen and all(d["problem"] == "sq" and d["solver"] == "sa" for d in seen)
    assert {"elapsed_s", "sweeps", "round", "best_value"} <= set(seen[-1])


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"time_limit": -1}, "--time-limit must be a positive number of seconds, got -1"),
    ({"time_limit": float("nan")}, "--time-limit must be a positive number"),
    # an explicit solver (the default "auto" takes a solver that accepts the option)
    ({"device": "cuda", "solver": "sa"}, "--device cuda applies to --solver sb, cim or cac only; sa, pt, pa and bls run on the CPU"),
    ({"replicas": 4, "solver": "sa"}, "--replicas and --cluster-moves apply to --solver pt only"),
    ({"replicas": 4, "variant": "discrete"}, r"no solver takes --replicas and --variant \(--replicas: pt; --variant: sb\)"),
    ({"replicas": 4, "device": "cuda"}, r"no solver takes --replicas on --device cuda \(--replicas: pt; cuda: sb, cim or cac\)"),
    ({"cluster_moves": True, "solver": "pa"}, "--replicas and --cluster-moves apply to --solver pt only"),
    ({"solver": "qa"}, "solver must be one of"),
    ({"sweeps": 0}, "--sweeps must be >= 1"),
])
def test_validation_messages_and_nothing_computed(square, no_solving, kwargs, match):
    with pytest.raises(InputError, match=match):
        solve_file(square, **kwargs)


def test_existing_out_fails_before_computing(tmp_path, square, no_solving, capsys):
    out = tmp_path / "best.txt"
    out.write_text("keep me\n")
    with pytest.raises(InputError, match="already exists; choose another name or pass --overwrite"):
        solve_file(square, out=out, time_limit=1e9)
    # the CLI too, with a time limit that would otherwise run for ages
    assert main(["solve", str(square), "--time-limit", "1e9", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_text() == "keep me\n"


def test_missing_directory_fails_before_computing(tmp_path, square, no_solving, capsys):
    out = tmp_path / "no" / "such" / "dir" / "best.txt"
    with pytest.raises(InputError, match="does not exist"):
        solve_file(square, out=out, time_limit=1e9)
    assert main(["solve", str(square), "--time-limit", "1e9", "--out", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(InputError, match="is a directory"):
        solve_file(square, out=tmp_path, overwrite=True, time_limit=1e9)


def test_overwrite_flag_and_hidden_force_alias(tmp_path, square, capsys):
    out = tmp_path / "best.txt"
    out.write_text("old\n")
    assert main(["--seed", "1", "solve", str(square), "--sweeps", "50", "--out", str(out), "--overwrite"]) == 0
    assert f"assignment written to {out}" in capsys.readouterr().out
    assert out.read_text().startswith("# spinscope solve")
    out.write_text("old\n")
    assert main(["--seed", "1", "solve", str(square), "--sweeps", "50", "--out", str(out), "--force"]) == 0
    assert out.read_text().startswith("# spinscope solve")
    capsys.readouterr()
    assert main(["solve", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--overwrite" in text and "--force" not in text


def test_solve_file_reads_problem_kinds(tmp_path):
    q = tmp_path / "q.txt"
    q.write_text("0 0 -1\n1 1 -1\n0 1 3\n")
    run = solve_file(q, problem="qubo", target=-1, reads=2, seed=0)
    assert run.result.best_value == -1 and run.result.target_reached
    assert run.problem.kind == "qubo" and load_problem(q, problem="qubo").n == run.problem.n
