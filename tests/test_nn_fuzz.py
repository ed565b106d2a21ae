"""Bad and degenerate input to ``spinscope analyze`` and ``spinscope track``.

Every bad input is one message: exit status 2, exactly one line on stderr, no traceback, nothing
written (and nothing computed first); a small or degenerate network is valid input (exit 0, what
cannot be analysed is listed under "skipped"). Memory refusals are tested without allocating: the
available memory is patched, the estimate is what is checked.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import subprocess
import sys
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch

from spinscope.cli.main import main
from spinscope.errors import InputError, MemoryLimitError

ROOT = Path(__file__).resolve().parents[1]
TINY = ["track", "--architecture", "64,12,10", "--epochs", "1", "--checkpoints", "3", "--lr", "1e-3",
        "--workers", "0"]


def _run(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def _one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert "Traceback" not in err
    return err


def _strict_json(text: str):
    """Parse JSON refusing NaN and infinity (not JSON)."""
    def bad(token):
        raise AssertionError(f"{token} in the JSON output")
    return json.loads(text, parse_constant=bad)


def _state(*shapes, fill=None):
    g = torch.Generator().manual_seed(0)
    return {f"{k}.weight": (torch.full(s, fill) if fill is not None else torch.rand(s, generator=g) - 0.5)
            for k, s in enumerate(shapes)}


# ----------------------------------------------------------------------------- weight files
def _truncated(p: Path, keep: float) -> None:
    torch.save(_state((12, 20), (4, 12)), p)
    data = p.read_bytes()
    p.write_bytes(data[: int(len(data) * keep)])


def _safetensors(p: Path, keep: int | None = None) -> None:
    from safetensors.torch import save

    data = save({k: v.contiguous() for k, v in _state((12, 20), (4, 12)).items()})
    p.write_bytes(data if keep is None else data[:keep])


class _Thing:  # a pickled object of a class: never unpickled
    pass


BAD_FILES = {
    "empty.pt": (lambda p: p.write_bytes(b""), "empty file"),
    "empty.safetensors": (lambda p: p.write_bytes(b""), "empty file"),
    "random.pt": (lambda p: p.write_bytes(np.random.default_rng(0).bytes(4000)), "binary data"),
    "notes.pt": (lambda p: p.write_text("these are not weights\n"), "text file"),
    "cut.pt": (lambda p: _truncated(p, 0.5), "truncated or damaged"),
    "cut_header.safetensors": (lambda p: _safetensors(p, keep=20), "not a safetensors file"),
    "cut_data.safetensors": (lambda p: _safetensors(p, keep=-40), "damaged safetensors"),
    "array.pt": (lambda p: p.write_bytes(b"\x93NUMPY" + b"\x00" * 100), "numpy .npy"),
    "arrays.pt": (lambda p: np.savez(open(p, "wb"), w=np.ones((3, 3))), "numpy .npz"),
    "gz.pt": (lambda p: p.write_bytes(gzip.compress(b"x" * 100)), "gzip"),
    "dict.pkl": (lambda p: p.write_bytes(pickle.dumps({"w": [1.0, 2.0]}, protocol=4)), "Python pickle"),
    "module.pt": (lambda p: torch.save(torch.nn.Sequential(torch.nn.Linear(3, 2)), p),
                  "not a weights-only checkpoint"),
    "object.pt": (lambda p: torch.save({"thing": _Thing()}, p), "_Thing"),
    "list.pt": (lambda p: torch.save([1, 2, 3], p), "holds a list"),
    "ints.pt": (lambda p: torch.save({"0.weight": torch.ones(3, 3, dtype=torch.int64)}, p), "no floating-point"),
    "nan.pt": (lambda p: torch.save(_state((3, 4), fill=float("nan")), p), "NaN"),
    "vector.pt": (lambda p: torch.save({"0.weight": torch.ones(3)}, p), "2-D"),
    "mismatch.pt": (lambda p: torch.save(_state((3, 4), (2, 5)), p), "inputs but layer"),
    "a_directory.pt": (lambda p: p.mkdir(), "is a directory"),
    "missing.pt": (lambda p: None, "does not exist"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_weight_files_one_line_exit_2_nothing_written(capsys, tmp_path, name):
    make, match = BAD_FILES[name]
    make(tmp_path / name)
    rc, out, err = _run(capsys, "analyze", tmp_path / name, "--out", tmp_path / "plots")
    assert rc == 2, (name, err)
    assert match in _one_line(err), (name, err)
    assert str(tmp_path / name) in err or name in err  # says where
    assert out == "" and not (tmp_path / "plots").exists()


def test_weights_file_format_is_recognised_from_its_content(capsys, tmp_path):
    # a safetensors file under another name is read as what it is
    _safetensors(tmp_path / "weights.pt")
    rc, out, err = _run(capsys, "--json", "analyze", tmp_path / "weights.pt", "--no-tap", "--n-betas", "20")
    assert rc == 0, err
    assert _strict_json(out)["layers"] == [20, 12, 4]


# ----------------------------------------------------------------------------- degenerate networks
def test_zero_network_is_valid_input(capsys, tmp_path):
    torch.save(_state((8, 4), (3, 8), fill=0.0), tmp_path / "zero.pt")
    rc, out, err = _run(capsys, "-q", "--json", "analyze", tmp_path / "zero.pt", "--out", tmp_path / "plots",
                        "--mc-check")
    assert rc == 0 and err == "", err
    d = _strict_json(out)
    assert d["tc"] is None and d["crossing"] == "none" and d["replica_tc"] is None
    assert set(d["skipped"]) == {"tc", "replica_tc", "spectrum.tail_exponent", "tap", "mc_check"}
    assert "no couplings" in d["skipped"]["tc"] and "--tap-beta" in d["skipped"]["tap"]
    assert d["spectrum"]["n_outliers"] == 0 and d["spectrum"]["tail_exponent"] is None
    assert {Path(p).name for p in d["plots"]} == {"stability.png", "spectrum.png"}
    # the case: the spectrum and TAP switched off
    rc, out, err = _run(capsys, "-q", "--json", "analyze", tmp_path / "zero.pt", "--no-spectrum", "--no-tap")
    assert rc == 0, err
    assert _strict_json(out)["skipped"]["spectrum"].startswith("not requested")
    # with a TAP temperature and a beta grid, what is defined is computed
    rc, out, err = _run(capsys, "-q", "--json", "analyze", tmp_path / "zero.pt", "--tap-beta", "1", "--betas",
                        "0.5:2:4")
    d = _strict_json(out)
    assert rc == 0 and d["lambda_min"] == [1.0] * 4 and d["tap"]["n_solutions"] == 1


@pytest.mark.parametrize("sizes", ["4,8", "1,1", "1,1,1", "3,1,2", "2,5,3,1"])
def test_tiny_random_networks_are_valid_input(capsys, sizes):
    rc, out, err = _run(capsys, "--seed", "1", "--json", "analyze", "--random", sizes, "--n-betas", "20",
                        "--tap-starts", "4")
    assert rc == 0, err
    d = _strict_json(out)
    assert d["tc"] > 0 and d["crossing"] in ("touch", "cross")
    assert "spectrum.tail_exponent" in d["skipped"] and d["spectrum"]["tail_exponent"] is None
    assert d["tap"] is not None
    rc, out, _ = _run(capsys, "--seed", "1", "analyze", "--random", sizes, "--n-betas", "20", "--tap-starts", "4")
    assert rc == 0 and "skipped spectrum.tail_exponent: the tail fit needs at least 12" in out


@pytest.mark.parametrize("weights", [
    [np.kron([[1.0, -1.0], [-1.0, 1.0]], np.ones((5, 5)))],  # J 1 = 0 (ARPACK's start vector)
    [np.array([[1.0, -1.0], [-1.0, 1.0]])],
    [np.pad(np.ones((1, 1)), ((0, 9), (0, 9)))],  # a single bond among 20 spins
    [np.random.default_rng(0).uniform(-0.3, 0.3, (20, 20)), np.zeros((20, 10))],  # a dead layer
])
def test_degenerate_weights_are_analysed(weights):
    from spinscope.nn import analyze_network

    r = analyze_network(weights, n_betas=30, tap_starts=4, seed=0)
    assert r.tc is not None and np.isfinite(r.tc) and r.tap is not None
    json.dumps(r.to_dict(), allow_nan=False, default=lambda a: np.asarray(a).tolist())
    if not np.any(weights[-1]):
        assert "replica_tc" in r.skipped and r.spectrum["bulk_edge"] > 0  # the live part's edge


# ----------------------------------------------------------------------------- memory
@pytest.fixture
def little_memory(monkeypatch):
    """Pretend 2 GiB are available; fail if random weights are drawn (refusals come first)."""
    import spinscope._validation
    import spinscope.nn.analysis

    monkeypatch.setattr(spinscope._validation, "available_memory_bytes", lambda: 2 * 2**30)

    def no_weights(*a, **k):
        raise AssertionError("weights drawn before the memory check")

    monkeypatch.setattr(spinscope.nn.analysis, "random_weights", no_weights)


def test_absurd_sizes_are_refused_before_allocating(capsys, little_memory):
    rc, out, err = _run(capsys, "analyze", "--random", "100000,100000")
    assert rc == 2 and out == ""
    line = _one_line(err)
    for part in ("100000-100000", "needs about", "2.0 GiB is available", "weights 74.5 GiB"):
        assert part in line, line
    from spinscope.workflows.network_analysis import analyze

    with pytest.raises(MemoryLimitError, match="needs about"):
        analyze(random=(100000, 100000))


def test_memory_message_suggests_no_spectrum_when_that_fits(capsys, monkeypatch, little_memory):
    import spinscope._validation
    from spinscope.nn.analysis import analysis_memory

    sizes = [400] * 12  # deep and narrow: the dense even/odd block of the spectrum dominates
    total, without = analysis_memory(sizes)["total"], analysis_memory(sizes, spectrum=False)["total"]
    assert total > 1.5 * without
    monkeypatch.setattr(spinscope._validation, "available_memory_bytes", lambda: (total + without) / 2 / 0.8)
    rc, _, err = _run(capsys, "analyze", "--random", ",".join(map(str, sizes)))
    assert rc == 2 and "skip it with --no-spectrum" in _one_line(err)


def test_weights_file_too_large_is_refused(capsys, tmp_path, monkeypatch):
    import spinscope._validation

    torch.save(_state((30, 60), (10, 30)), tmp_path / "w.pt")
    monkeypatch.setattr(spinscope._validation, "available_memory_bytes", lambda: 4096)
    rc, _, err = _run(capsys, "analyze", tmp_path / "w.pt")
    assert rc == 2 and "is available" in _one_line(err) and "w.pt" in err


def test_memory_estimate_grows_with_the_parts():
    from spinscope.nn.analysis import analysis_memory

    full = analysis_memory([784, 256, 256, 10])
    assert full["total"] >= analysis_memory([784, 256, 256, 10], spectrum=False, tap=False)["total"]
    assert analysis_memory([784, 256, 256, 10], stage="model")["total"] < full["total"]
    assert full["weights"] == 8 * (784 * 256 + 256 * 256 + 256 * 10)
    with pytest.raises(InputError, match="stage"):
        analysis_memory([3, 2], stage="later")


# ----------------------------------------------------------------------------- analyze --out
def test_existing_plots_refused_before_computing_unless_overwrite(capsys, tmp_path, monkeypatch):
    import spinscope.nn.analysis

    plots = tmp_path / "plots"
    plots.mkdir()
    (plots / "stability.png").write_bytes(b"mine")
    real = spinscope.nn.analysis.analyze_network

    def no_analysis(*a, **k):
        raise AssertionError("analysed before the output was checked")

    monkeypatch.setattr(spinscope.nn.analysis, "analyze_network", no_analysis)
    rc, out, err = _run(capsys, "analyze", "--random", "20,10", "--out", plots)
    line = _one_line(err)
    assert rc == 2 and "already exists" in line and "--overwrite" in line and out == ""
    assert (plots / "stability.png").read_bytes() == b"mine"
    (tmp_path / "file").write_text("x")
    rc, _, err = _run(capsys, "analyze", "--random", "20,10", "--out", tmp_path / "file")
    assert rc == 2 and "is a file" in _one_line(err)
    monkeypatch.setattr(spinscope.nn.analysis, "analyze_network", real)
    rc, _, err = _run(capsys, "analyze", "--random", "20,10", "--n-betas", "10", "--tap-starts", "2",
                      "--out", plots, "--overwrite")
    assert rc == 0, err
    assert (plots / "stability.png").read_bytes()[:4] == b"\x89PNG"


# ----------------------------------------------------------------------------- track
def test_divergent_learning_rate_stops_reports_and_exits_2(capsys, tmp_path):
    run = tmp_path / "run"
    rc, out, err = _run(capsys, "-q", "--seed", "0", "--json", *TINY, "--activation", "both", "--lr", "1e10",
                        "--out", run)
    assert rc == 2
    line = _one_line(err)
    assert line.startswith("spinscope: error: training diverged") and "lower --lr" in line
    d = _strict_json(out)
    assert set(d["networks"]) == {"relu", "binary"}  # --activation both
    for net in ("relu", "binary"):
        div = d["networks"][net]["diverged"]
        assert div["step"] >= 1 and "lower the learning rate" in div["message"]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["relu"]["diverged"]["step"] == d["networks"]["relu"]["diverged"]["step"]
    assert "training diverged" in (run / "report.html").read_text()
    rows = (run / "metrics.csv").read_text().splitlines()[1:]
    steps = {net: [int(r.split(",")[1]) for r in rows if r.startswith(net + ",")] for net in ("relu", "binary")}
    for net, s in steps.items():
        assert s and max(s) < d["networks"][net]["diverged"]["step"]  # only checkpoints before it
    # resuming repeats the same steps and stops at the same place
    rc, out2, err = _run(capsys, "-q", "--json", "track", "--resume", run, "--workers", "0")
    assert rc == 2 and _strict_json(out2)["networks"] == d["networks"]


def test_divergence_in_python_warns_and_is_recorded(tmp_path):
    from spinscope.workflows.tracking import TrainingDivergedWarning, track

    with pytest.warns(TrainingDivergedWarning, match="relu network: training diverged"):
        res = track(architecture=(64, 12, 10), activations=("relu",), epochs=1, checkpoints=3, lr=1e10, seed=0,
                    out=tmp_path / "r", workers=0)
    assert set(res.diverged) == {"relu"} and res.summary["relu"]["diverged"]["kind"] in ("mini-batch", "training set")
    assert "training diverged" in res.summary["relu"]["fit_verdict"]


def test_train_raises_on_divergence_without_a_handler(tmp_path):
    from spinscope.io import RunDirectory
    from spinscope.nn.data import load_dataset
    from spinscope.nn.networks import build_network
    from spinscope.nn.training import TrainSettings, train

    data = load_dataset("digits", seed=0)
    rd = RunDirectory.create(tmp_path / "r", command="t", config={})
    with pytest.raises(InputError, match=r"training diverged at step .*lower the learning rate"):
        train(build_network((64, 12, 10), seed=0), data, TrainSettings(optimizer="sgd", lr=1e30, epochs=1,
                                                                       checkpoints=3),
              rundir=rd, prefix="ck", seed=0)


def test_overflowing_initial_weights_refused_before_the_run_exists(capsys, tmp_path):
    rc, _, err = _run(capsys, "-q", *TINY, "--init-scale", "1e30", "--out", tmp_path / "run")
    assert rc == 2 and "--init-scale" in _one_line(err) and not (tmp_path / "run").exists()


def test_failed_download_leaves_nothing_behind(capsys, tmp_path, monkeypatch):
    def no_network(url, timeout=None):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    rc, _, err = _run(capsys, "-q", *TINY, "--dataset", "mnist", "--download", "--data-dir", tmp_path / "data" / "mnist",
                      "--architecture", "784,12,10", "--out", tmp_path / "run")
    line = _one_line(err)
    assert rc == 2 and "could not download mnist" in line and "--data-dir" in line and "download=True" not in line
    assert not (tmp_path / "data").exists() and not (tmp_path / "run").exists()


@pytest.mark.parametrize("content", [[], [".write-test"]])
def test_resuming_a_run_that_never_started_says_what_to_do(capsys, tmp_path, content):
    run = tmp_path / "run"
    run.mkdir()
    for name in content:
        (run / name).write_bytes(b"")
    rc, _, err = _run(capsys, "track", "--resume", run)
    line = _one_line(err)
    assert rc == 2 and "nothing was computed" in line and f"rm -r {run}" in line and f"--out {run}" in line


# ----------------------------------------------------------------------------- real stderr
def _spinscope(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run([sys.executable, "-m", "spinscope", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def test_real_stderr_is_one_line(tmp_path):
    # in a fresh process: library warnings (torch's note on pickle protocols, the divergence warning)
    # do not add lines, and valid degenerate input writes nothing to stderr
    (tmp_path / "dict.pt").write_bytes(pickle.dumps({"w": 1.0}, protocol=4))
    torch.save(_state((6, 4), fill=0.0), tmp_path / "zero.pt")
    cases = [(["analyze", "dict.pt"], 2), (["analyze", "--random", "1000000,1000000"], 2),
             (["-q", "--seed", "0", *TINY, "--activation", "relu", "--lr", "1e10", "--out", "run"], 2),
             (["analyze", "zero.pt", "--n-betas", "10"], 0)]
    for args, code in cases:
        p = _spinscope(*args, cwd=tmp_path)
        assert p.returncode == code, (args, p.stderr)
        if code == 2:
            assert p.stderr.startswith("spinscope: error: ") and p.stderr.count("\n") == 1, (args, p.stderr)
        else:
            assert p.stderr == "", (args, p.stderr)


def test_track_paths_that_are_files(capsys, tmp_path):
    (tmp_path / "f").write_text("x")
    cases = [([*TINY, "--out", tmp_path / "f"], "is a file"),
             (["track", "--resume", tmp_path / "f"], "is a file"),
             ([*TINY, "--dataset", "mnist", "--data-dir", tmp_path / "f", "--architecture", "784,12,10",
               "--out", tmp_path / "run"], "is a file")]
    for argv, match in cases:
        rc, out, err = _run(capsys, "-q", *argv)
        assert rc == 2 and match in _one_line(err) and out == "", (argv, err)
    assert not (tmp_path / "run").exists() and (tmp_path / "f").read_text() == "x"


def test_track_networks_too_large_for_memory_are_refused_before_the_run_exists(capsys, tmp_path, monkeypatch):
    import spinscope._validation

    monkeypatch.setattr(spinscope._validation, "available_memory_bytes", lambda: 2 * 2**30)
    rc, _, err = _run(capsys, "-q", *TINY, "--architecture", "64,100000,100000,10", "--out", tmp_path / "run")
    line = _one_line(err)
    assert rc == 2 and "64-100000-100000-10" in line and "2.0 GiB is available" in line
    assert not (tmp_path / "run").exists()
    # a network that fits on its own but not as 8 analyses at once: fewer workers would help
    from spinscope.nn.analysis import analysis_memory

    each = analysis_memory([64, 2000, 2000, 10])["total"]
    monkeypatch.setattr(spinscope._validation, "available_memory_bytes", lambda: 3 * each / 0.8)
    rc, _, err = _run(capsys, "-q", "track", "--architecture", "64,2000,2000,10", "--workers", "8",
                      "--out", tmp_path / "run")
    assert rc == 2 and "fewer --workers" in _one_line(err) and not (tmp_path / "run").exists()


@pytest.mark.parametrize("args", [
    ["analyze", "--random", "8,6", "--tap-count", "--tap-count-at", "abc"],
    ["analyze", "--random", "8,6", "--tap-count", "--tap-count-at", "-0.5"],
    ["analyze", "--random", "8,6", "--tap-count", "--tap-count-at", "nan"],
    ["analyze", "--random", "8,6", "--tap-count", "--tap-count-at", ",".join(["0.5"] * 17)],
    ["track", "--tap-count-at", "inf"],
    ["track", "--tap-count-at", "0.5,x"],
])
def test_bad_tap_count_temperatures_are_one_line_errors(capsys, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    rc, out, err = _run(capsys, *args)
    assert rc == 2 and out == "" and "--tap-count-at" in _one_line(err)
    assert list(tmp_path.iterdir()) == []


def test_zero_weight_network_counts_only_the_paramagnet(capsys, tmp_path):
    torch.save(_state((12, 20), (4, 12), fill=0.0), tmp_path / "zero.pt")
    rc, out, _err = _run(capsys, "--json", "analyze", tmp_path / "zero.pt", "--no-tap", "--tap-count")
    d = _strict_json(out)
    assert rc == 0 and d["tap_count"] is None and "T_c" in d["skipped"]["tap_count"]
