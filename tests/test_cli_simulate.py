"""``spinscope simulate``: outputs, JSON, bad input (exit 2, nothing overwritten), interrupt and
resume (real SIGINT; the slow suite compares SIGINT/SIGTERM resumes with an uninterrupted run)."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from spinscope.cli.main import main

ARGS = ["simulate", "ising", "--L", "8", "--T", "2.0,2.6", "--sweeps", "300", "--replicas", "2"]


def run(argv, capsys):
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_writes_run_directory_and_json(tmp_path, capsys):
    rc, out, _ = run(["--seed", "1", "--json", *ARGS, "--out", str(tmp_path / "r")], capsys)
    assert rc == 0
    d = json.loads(out)
    assert [row["T"] for row in d["summary"]] == [2.0, 2.6]
    assert d["config"]["seed"] == 1 and d["config"]["model"]["n"] == 64
    files = set(os.listdir(tmp_path / "r"))
    assert {"config.json", "results.csv", "summary.csv", "final.safetensors", "observables.png",
            "overlap_distribution.png", "result.json"} <= files
    table = pd.read_csv(tmp_path / "r" / "results.csv")
    assert len(table) == 4 and {"T", "replica", "energy", "energy_err", "binder"} <= set(table.columns)
    rc, out, _ = run(["--seed", "1", *ARGS, "--out", str(tmp_path / "h")], capsys)
    assert rc == 0 and "|m|" in out and "run directory" in out


@pytest.mark.parametrize("argv,msg", [
    (["simulate", "ising", "--T", "-1"], "> 0"),
    (["simulate", "ising", "--T", "0"], "> 0"),
    (["simulate", "potts", "--q", "1"], "q must be >= 2"),
    (["simulate", "ising", "--L", "3.5"], "--L"),
    (["simulate", "ising", "--algorithm", "wolff", "--backend", "torch"], "backend='numba'"),
    (["simulate", "nosuchmodel"], "neither"),
    (["simulate"], "MODEL is missing"),
])
def test_bad_input_exit_2(tmp_path, capsys, argv, msg):
    rc, _, err = run([*argv, "--out", str(tmp_path / "x")], capsys)
    assert rc == 2 and msg in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_wrong_model_file_and_existing_dirs(tmp_path, capsys):
    bad = tmp_path / "m.npz"
    bad.write_bytes(b"not a model")
    rc, _, err = run(["simulate", str(bad), "--out", str(tmp_path / "x")], capsys)
    assert rc == 2 and "Traceback" not in err and not (tmp_path / "x").exists()
    assert run(["--seed", "2", *ARGS, "--sweeps", "40", "--out", str(tmp_path / "r")], capsys)[0] == 0
    before = {f: (tmp_path / "r" / f).read_bytes() for f in os.listdir(tmp_path / "r")}
    rc, _, err = run(["--seed", "2", *ARGS, "--out", str(tmp_path / "r")], capsys)
    assert rc == 2 and "not empty" in err
    rc, _, err = run([*ARGS, "--sweeps", "80", "--resume", str(tmp_path / "r")], capsys)
    assert rc == 2 and "another configuration" in err and "sweeps" in err
    after = {f: (tmp_path / "r" / f).read_bytes() for f in os.listdir(tmp_path / "r")}
    assert before == after


def test_sigint_saves_checkpoint_and_resume_completes(tmp_path):
    """A real Ctrl-C (SIGINT to a real process): exit 130, advice on stderr, and the stored
    model, options and seed come back from the run directory. (The slow suite also checks that
    the resumed results equal an uninterrupted run, for SIGINT and SIGTERM.)"""
    args = ["simulate", "ising", "--L", "32", "--T", "2.3", "--sweeps", "300000", "--measure-every", "50"]
    exe = [sys.executable, "-m", "spinscope", "--quiet", "--seed", "4"]
    p = subprocess.Popen([*exe, *args, "--out", str(tmp_path / "b")], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (tmp_path / "b" / "checkpoint.safetensors").exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    if p.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert p.returncode == 130, err
    assert "--resume" in err and err.count("\n") == 2, err      # the advice, then "interrupted"
    res = subprocess.run([*exe[:-2], "simulate", "--resume", str(tmp_path / "b")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "b" / "results.csv").exists()


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_real_signal_saves_checkpoint_and_resume_matches(tmp_path, sig):
    args = ["simulate", "ising", "--L", "16", "--T", "2.3", "--sweeps", "4000", "--replicas", "2",
            "--measure-every", "4"]
    exe = [sys.executable, "-m", "spinscope", "--quiet", "--seed", "9"]
    full = subprocess.run([*exe, *args, "--out", str(tmp_path / "a")], capture_output=True, text=True)
    assert full.returncode == 0, full.stderr
    p = subprocess.Popen([*exe, *args, "--out", str(tmp_path / "b")], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (tmp_path / "b" / "config.json").exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    if p.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert p.returncode == 130, err
    assert (tmp_path / "b" / "checkpoint.safetensors").exists()
    res = subprocess.run([*exe[:-2], "simulate", "ising", "--resume", str(tmp_path / "b")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "a" / "results.csv").read_text() == (tmp_path / "b" / "results.csv").read_text()


@pytest.mark.parametrize("argv", [
    ["simulate", "ea", "--L", "4", "--T", "1.0,2.0", "--sweeps", "40", "--replicas", "2", "--tempering"],
    ["simulate", "sk", "--n", "16", "--T", "0.5:1.5:3", "--sweeps", "40", "--replicas", "2"],
    ["simulate", "clock", "--L", "4", "--T", "1.0", "--sweeps", "40", "--backend", "torch"],
])
def test_spin_glass_and_clock_models(tmp_path, capsys, argv):
    rc, out, err = run(["--json", "--seed", "3", *argv, "--out", str(tmp_path / "r")], capsys)
    assert rc == 0, err
    d = json.loads(out)
    assert len(d["summary"]) == len(d["config"]["temperatures"])


def test_model_file(tmp_path, capsys):
    from spinscope.models import PottsModel, hypercubic, save_model

    save_model(tmp_path / "p.npz", PottsModel.from_graph(hypercubic((4, 4)), 3))
    rc, out, err = run(["--json", "--seed", "1", "simulate", str(tmp_path / "p.npz"), "--T", "1.0",
                        "--sweeps", "40", "--out", str(tmp_path / "r")], capsys)
    assert rc == 0, err
    assert json.loads(out)["config"]["model"]["kind"] == "potts"
