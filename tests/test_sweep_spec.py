"""Sweep files, task seeds and the registry's options (no Dask needed); the serial engine; bad
input through the CLI (exit 2, one message, nothing written); resume after an interruption."""

from __future__ import annotations

import json

import click
import numpy as np
import pandas as pd
import pytest

from spinscope.cli._common import Count
from spinscope.cli.main import main
from spinscope.errors import InputError, ResumeError
from spinscope.workflows.simulation import simulate_spec
from spinscope.workflows.sweeps import SWEEPABLE, load_spec, sweep, task_seed

TINY = {"workflow": "simulate", "seed": 7, "seeds": 2,
        "options": {"model": "ising", "L": 4, "sweeps": 40},
        "axes": {"T": [2.0, 3.0], "start": ["random", "ordered"]}}


def write(tmp_path, text: str, name: str = "s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_tasks_grid_order_and_spawned_seeds():
    sp = load_spec(TINY)
    tasks = sp.tasks()
    assert sp.n_tasks == len(tasks) == 8
    # last axis fastest, repetitions innermost: task = point * seeds + repeat
    assert [(t.params["T"], t.params["start"], t.repeat) for t in tasks[:4]] == [
        (2.0, "random", 0), (2.0, "random", 1), (2.0, "ordered", 0), (2.0, "ordered", 1)]
    children = np.random.SeedSequence(7).spawn(8)
    expected = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
    assert [t.seed for t in tasks] == expected
    assert len(set(expected)) == 8
    # a task's seed depends on its index only, not on the number of tasks
    assert task_seed(7, 3, 8) == task_seed(7, 3, 1000)
    t = tasks[5]
    assert t.options["T"] == [t.params["T"]] and t.options["sweeps"] == 40
    assert t.options["algorithm"] == "metropolis" and t.options["replicas"] == 1  # CLI defaults


def test_ranges_and_number_lists():
    sp = load_spec({"workflow": "simulate", "seed": 1, "options": {"model": "ising", "T": "2.0,2.5"},
                    "axes": {"L": "4:8:3"}})
    assert sp.axes["L"] == [4, 6, 8] and sp.options["T"] == [2.0, 2.5]
    with pytest.raises(InputError, match="whole number"):
        load_spec({"workflow": "simulate", "options": {"model": "ising"}, "axes": {"L": "4:8:4"}})


def _kind(param: click.Parameter) -> dict:
    t = param.type
    if getattr(param, "is_flag", False):
        return {"kind": "bool"}
    if isinstance(t, click.Choice):
        return {"kind": "str", "choices": tuple(t.choices)}
    if isinstance(t, (Count, click.IntRange)) or t is click.INT:
        return {"kind": "int", "minimum": getattr(t, "min", None), "maximum": getattr(t, "max", None)}
    if t is click.FLOAT:
        return {"kind": "float"}
    return {"kind": "str"}


@pytest.mark.parametrize("name", sorted(SWEEPABLE))
def test_registry_options_match_the_cli_command(name):
    """Every sweepable workflow's options are its CLI command's (names, kinds, defaults, ranges)."""
    import importlib

    from spinscope.cli.main import COMMANDS

    command = importlib.import_module(COMMANDS[name][0]).command
    cli = {}
    for p in command.params:
        if p.name in ("out", "resume"):
            continue
        flag = p.name if isinstance(p, click.Argument) else max(p.opts, key=len).lstrip("-")
        cli[flag.replace("-", "_")] = p
    ours = SWEEPABLE[name].options
    assert set(ours) == set(cli)
    for key, opt in ours.items():
        p, want = cli[key], _kind(cli[key])
        kind = "str" if opt.kind == "numbers" else opt.kind
        assert kind == want["kind"], key
        default = None if type(p.default).__name__ == "Sentinel" else p.default  # click's UNSET
        if getattr(p, "is_flag", False):
            default = bool(default)
        assert opt.default == default, key
        if kind == "int":
            assert (opt.minimum, opt.maximum) == (want["minimum"], want["maximum"]), key
        if "choices" in want:
            assert opt.choices == want["choices"], key
    args = [p for p in command.params if isinstance(p, click.Argument)]
    # required: the CLI's required arguments, and MODEL (optional on the CLI only for --resume)
    assert {p.name for p in args if p.required} <= set(SWEEPABLE[name].required) <= {p.name for p in args}


def test_serial_task_equals_the_workflow_run_directly(tmp_path):
    """A task's rows are the workflow's own result for the task's options and seed."""
    res = sweep(TINY, workers=0, out=tmp_path / "s")
    df = res.to_pandas()
    assert res.done == 8 and res.failed == 0 and res.submitted == 8 and len(df) == 8
    assert (df["status"] == "done").all() and df["error"].isna().all()
    t = load_spec(TINY).tasks()[5]
    direct = simulate_spec("ising", options={**{k: t.options[k] for k in t.options if k != "model"}},
                           seed=t.seed, out=tmp_path / "direct", figures=False)
    row = df[df["task"] == 5].iloc[0]
    for k in ("energy", "energy_err", "abs_m", "specific_heat", "binder"):
        assert row[k] == direct.summary_rows[0][k], k
    assert row["seed"] == t.seed and row["run_dir"] == "tasks/task-000005"
    rec = json.loads((tmp_path / "s" / "tasks" / "task-000005" / "sweep-task.json").read_text())
    assert rec["seed"] == t.seed and rec["params"] == {"T": 3.0, "start": "random"}
    assert (tmp_path / "s" / "tasks" / "task-000005" / "result.json").is_file()
    pd.testing.assert_frame_equal(pd.read_parquet(res.results_path), df)


def test_resume_after_interrupt_runs_only_missing_tasks(tmp_path):
    full = sweep(TINY, workers=0, out=tmp_path / "full").to_pandas()

    def stop(done, failed, running, total):
        if done == 3:
            raise KeyboardInterrupt

    out = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        sweep(TINY, workers=0, out=out, progress=stop)
    assert len(pd.read_parquet(out / "results.parquet")) == 3  # what was complete is kept
    (out / "tasks" / ".task-000004.deadbeef.tmp").mkdir()      # a half task: never trusted
    (out / "tasks" / ".task-000004.deadbeef.tmp" / "config.json").write_text("{}")
    res = sweep(None, workers=0, resume=out)
    assert res.submitted == 5 and res.done == 8
    pd.testing.assert_frame_equal(res.to_pandas(), full)
    assert not list((out / "tasks").glob(".task-*"))
    again = sweep(TINY, workers=0, resume=out)       # nothing left to do
    assert again.submitted == 0
    with pytest.raises(ResumeError, match="differs"):
        sweep({**TINY, "seeds": 3}, workers=0, resume=out)


def test_failed_tasks_are_recorded_and_the_sweep_goes_on(tmp_path, capsys):
    spec = write(tmp_path, 'workflow = "simulate"\nseed = 1\n[options]\nmodel = "ising"\nL = 4\n'
                           '[axes]\nsweeps = [3, 40]\n')
    code = main(["sweep", str(spec), "--workers", "0", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1 and "1 of 2 tasks failed" in err and "--resume" in err
    df = pd.read_parquet(tmp_path / "o" / "results.parquet")
    assert list(df["status"]) == ["failed", "done"]
    assert "fewer than 4" in df["error"][0] and pd.isna(df["row"][0])
    assert not (tmp_path / "o" / "tasks" / "task-000000").exists()


BAD = [
    ('workflow = "nonsense"\n', "workflow 'nonsense' cannot be swept"),
    ('workflow = "simulate"\n[options]\nmodel = "ising"\nsweps = 10\n', "simulate has no option 'sweps'"),
    ('workflow = "simulate"\n[options]\nmodel = "ising"\n[axes]\nT = []\n', "axis T is empty"),
    ('workflow = "simulate"\n[options]\nmodel = "ising"\nL = "sixteen"\n', "option L must be a whole number >= 2"),
    ('workflow = "simulate"\n[options]\nmodel = "ising"\n[axes]\nL = [8, 1.5]\n', "option L must be a whole number"),
    ('workflow = "simulate"\n[options]\nmodel = "ising"\nalgorithm = "magic"\n', "algorithm must be one of"),
    ('workflow = "simulate"\n[options]\nL = 8\n', "needs option(s) ['model']"),
    ('workflow = "simulate"\n[options]\nmodel = "ising"\n[axes]\nT = [2.0, -1.0]\n', "option T must be"),
    ('workflow = "simulate"\nseeds = 0\n[options]\nmodel = "ising"\n', "seeds must be a whole number >= 1"),
    ('workflow = "simulate"\n[options\n', "is not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_sweep_files_exit_2_and_write_nothing(tmp_path, capsys, text, message):
    spec = write(tmp_path, text)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--workers", "0", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_bad_paths_exit_2(tmp_path, capsys):
    spec = write(tmp_path, 'workflow = "exact"\n[options]\nmodel = "ising"\nL = 2\n')
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    assert main(["sweep", str(spec), "--workers", "0", "--out", str(tmp_path / "full")]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    assert main(["sweep", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err and not (tmp_path / "o").exists()
    assert main(["sweep", "--resume", str(tmp_path / "nothing")]) == 2
    assert "cannot resume" in capsys.readouterr().err
    assert main(["sweep", str(spec), "--scheduler", "tcp://127.0.0.1:9", "--workers", "2"]) == 2
    assert "not both" in capsys.readouterr().err


def test_exact_sweep_matches_the_closed_form(tmp_path):
    """The exact workflow through a sweep (J swept): the energy per spin of the periodic 3-spin
    Ising ring against its partition function by hand, Z = 2 e^{3bJ} + 6 e^{-bJ}."""
    res = sweep({"workflow": "exact", "options": {"model": "ising", "lattice": "chain", "L": 3,
                                                  "T": [1.0, 2.0]},
                 "axes": {"J": [0.5, 1.0]}}, workers=0, out=tmp_path / "e", seed=3)
    df = res.to_pandas()
    assert len(df) == 4 and list(df["J"]) == [0.5, 0.5, 1.0, 1.0]
    for _, r in df.iterrows():
        b, J = 1.0 / r["T"], r["J"]
        Z = 2 * np.exp(3 * b * J) + 6 * np.exp(-b * J)
        E = (-3 * J * 2 * np.exp(3 * b * J) + J * 6 * np.exp(-b * J)) / Z
        assert r["energy"] == pytest.approx(E / 3, rel=1e-12)


def test_analyze_sweep_equals_direct_analysis(tmp_path):
    """Random networks swept over widths: each row is the workflow's own analysis with the task's seed."""
    from spinscope.workflows.network_analysis import analyze

    res = sweep({"workflow": "analyze", "seed": 4, "seeds": 2,
                 "options": {"n_betas": 12, "no_tap": True, "init": "normal"},
                 "axes": {"random": ["12,8,4", "16,8"]}}, workers=0, out=tmp_path / "a")
    df = res.to_pandas()
    assert res.done == 4 and list(df["layers"]) == ["12-8-4", "12-8-4", "16-8", "16-8"]
    t = load_spec(res.spec).tasks()[3]
    direct = analyze(random=[16, 8], init="normal", n_betas=12, tap=False, seed=t.seed).to_dict()
    assert df["tc"][3] == direct["tc"] and df["replica_tc"][3] == direct["replica_tc"]
    assert df["seed"][3] == t.seed != df["seed"][2]
    assert (tmp_path / "a" / "tasks" / "task-000003" / "analysis.json").is_file()


def test_example_sweep_file_is_valid():
    from pathlib import Path

    sp = load_spec(Path(__file__).resolve().parents[1] / "examples" / "sweep_ising.toml")
    assert sp.n_tasks == 12 and sp.axes == {"L": [8, 16, 32]} and len(sp.options["T"]) == 9


def test_cpm_sweep_task_equals_the_cpm_run(tmp_path):
    """A Cellular Potts sweep over T: each task's row is cpm()'s final observables for its seed."""
    from spinscope.workflows.cell_sorting import cpm

    spec = {"workflow": "cpm", "seed": 3, "seeds": 1,
            "options": {"preset": "cellsort", "mcs": 3, "points": 2}, "axes": {"T": [5.0, 20.0]}}
    res = sweep(spec, workers=0, out=tmp_path / "s")
    df = res.to_pandas()
    assert res.done == 2 and res.failed == 0 and list(df["T"]) == [5.0, 20.0]
    t = load_spec(spec).tasks()[1]
    direct = cpm("cellsort", mcs=3, T=20.0, points=2, seed=t.seed, progress=False)
    row = df[df["task"] == 1].iloc[0]
    for k in ("energy", "heterotypic_fraction", "volume_mean"):
        assert row[k] == direct.final[k], k
    assert (tmp_path / "s" / "tasks" / "task-000001" / "report.html").is_file()


def test_hopfield_sweep_rows_are_the_diagram_lines(tmp_path):
    """A sweep over the pattern prior: each task's rows are hopfield()'s T_M/T_c/T_g lines."""
    from spinscope.workflows.hopfield_study import hopfield

    spec = {"workflow": "hopfield", "seed": 2, "seeds": 1,
            "options": {"alpha": "0.02:0.1:3", "T": "0.1:1.2:4"},
            "axes": {"prior_patterns": ["boolean", "mixed:0.5"]}}
    res = sweep(spec, workers=0, out=tmp_path / "s")
    df = res.to_pandas()
    assert res.done == 2 and res.failed == 0 and len(df) == 6
    direct = hopfield(alphas=[0.02, 0.06, 0.1], temperatures=[0.1, 0.4666666666666667, 0.8333333333333334, 1.2],
                      pattern_prior="mixed:0.5", progress=False)
    rows = df[df["prior_patterns"] == "mixed:0.5"]
    for line, (_, row) in zip(direct.diagram.lines(), rows.iterrows()):
        for k in ("alpha", "T_M", "T_c", "T_g"):
            assert (row[k] == line[k]) or (line[k] is None and pd.isna(row[k])), k
    assert (rows["alpha_c_T0"] == direct.reference["alpha_c_T0"]).all()


def test_glm_sweep_rows_are_the_theory_curve(tmp_path):
    """A sweep over the noise of the linear channel: rows are glm()'s state-evolution curve."""
    from spinscope.workflows.glm_study import glm

    spec = {"workflow": "glm", "seed": 4, "seeds": 1,
            "options": {"prior": "gaussian", "channel": "linear", "alpha": "0.5,1.5"},
            "axes": {"noise": [0.01, 0.1]}}
    res = sweep(spec, workers=0, out=tmp_path / "s")
    df = res.to_pandas()
    assert res.done == 2 and res.failed == 0 and len(df) == 4
    direct = glm(prior="gaussian", channel="linear", noise=0.1, alphas="0.5,1.5", progress=False)
    rows = df[df["noise"] == 0.1]
    assert list(rows["alpha"]) == [0.5, 1.5]
    assert list(rows["mse"]) == [float(m) for m in direct.theory.mse]
    assert list(rows["q"]) == [float(q) for q in direct.theory.q]
    # more noise, larger error at the same load
    assert (df[df["noise"] == 0.1]["mse"].to_numpy() > df[df["noise"] == 0.01]["mse"].to_numpy()).all()


def test_solve_sweep_row_equals_the_solver_run(tmp_path):
    """A sweep over sweeps per read on one Max-Cut file: each row is solve_file()'s result."""
    from spinscope.workflows.solve import solve_file

    rng = np.random.default_rng(0)
    edges = {(i, j) for i, j in rng.integers(0, 30, size=(80, 2)) if i < j}
    problem = tmp_path / "g.txt"
    problem.write_text(f"30 {len(edges)}\n" + "".join(f"{i + 1} {j + 1} 1\n" for i, j in sorted(edges)))
    spec = {"workflow": "solve", "seed": 5, "seeds": 1,
            "options": {"file": str(problem), "solver": "sa", "reads": 4}, "axes": {"sweeps": [10, 200]}}
    res = sweep(spec, workers=0, out=tmp_path / "s")
    df = res.to_pandas()
    assert res.done == 2 and res.failed == 0 and list(df["sweeps"]) == [10, 200]
    t = load_spec(spec).tasks()[1]
    direct = solve_file(problem, solver="sa", reads=4, sweeps=200, seed=t.seed)
    row = df[df["task"] == 1].iloc[0]
    assert row["best_value"] == direct.result.best_value and row["solver"] == "sa"
    assert (tmp_path / "s" / "tasks" / "task-000001" / "best.txt").is_file()
