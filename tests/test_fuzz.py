"""Fuzzing the command line: every command fed malformed files and absurd sizes.

Whatever the bad input, the CLI must answer with exit status 2 and exactly one line on stderr
(``spinscope: error: ...``), no traceback, nothing on stdout, and no new file anywhere in the
working directory (no half-written output, no default ``runs/...`` directory, nothing
overwritten). Requests too large for the machine are refused from an estimate, before anything
is allocated.

Cases of commands whose fixes live in other branches are marked ``xfail(strict=False)``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import spinscope as ss
from spinscope._validation import MAX_LIST_VALUES, check_memory, format_bytes, parse_number_list
from spinscope.cli.main import main
from spinscope.errors import InputError, MemoryLimitError


def _xfail(command: str, *, run: bool = True):
    """A case another branch fixes; ``run=False`` where, until then, it would exhaust the memory
    of the test machine or never finish (switch it on when that branch merges)."""
    why = f"fixed in the {command} branch" + ("" if run else "; not run before: it allocates or hangs")
    return pytest.mark.xfail(strict=False, run=run, reason=why)


# ------------------------------------------------------------------------------ bad inputs
def _model_files(d: Path) -> None:
    """Malformed model/problem files, all named ``*.npz``."""
    good = ss.save_model(d / "good.npz", ss.IsingModel.from_graph(ss.hypercubic((4, 4)), h=0.1))
    raw = good.read_bytes()
    (d / "empty.npz").write_bytes(b"")
    (d / "garbage.npz").write_bytes(np.random.default_rng(0).bytes(4096))
    (d / "truncated.npz").write_bytes(raw[: len(raw) // 2])
    (d / "text.npz").write_text("this is not an archive\n")
    np.save(d / "single.npy", np.ones(3))
    (d / "single.npy").rename(d / "single.npz")
    with np.load(good) as z:
        data = {k: z[k] for k in z.files}
    header = json.loads(str(data["header"]))
    np.savez(d / "header_n.npz", **{**data, "header": np.array(json.dumps({**header, "n": 1000}))})
    np.savez(d / "header_json.npz", **{**data, "header": np.array("{not json")})
    np.savez(d / "header_version.npz", **{**data, "header": np.array(json.dumps({**header, "version": 99}))})
    np.savez(d / "no_header.npz", x=np.ones(3))
    good.unlink()


def _data_files(d: Path) -> None:
    """Malformed MCM data / basis / model files."""
    (d / "empty.dat").write_bytes(b"")
    (d / "binary.dat").write_bytes(np.random.default_rng(1).bytes(512))
    (d / "space.dat").write_text("0101\n01 1\n")
    (d / "ragged.dat").write_text("0101\n011\n")
    (d / "letters.dat").write_text("abcd\nefgh\n")
    (d / "ok.dat").write_text("0101\n0110\n1100\n0011\n")
    ss.save_model(d / "problem.npz", ss.sk(16, seed=1))
    (d / "model.json").write_bytes(b"\xff\xfe garbage")
    (d / "model_keys.json").write_text('{"format": "spinscope-mcm", "version": 1}')
    (d / "basis.txt").write_bytes(np.random.default_rng(2).bytes(64))


def _run_dirs(d: Path) -> None:
    """Run directories whose config.json is damaged, for ``--resume``."""
    for name, content in {"run_binary": b"\x89PNG\r\n\x1a\n\x00\x00", "run_json": b"{oops",
                          "run_list": b"[1, 2]", "run_empty": b""}.items():
        (d / name).mkdir()
        (d / name / "config.json").write_bytes(content)
    (d / "run_none").mkdir()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory holding every malformed input; the tests run the CLI in it."""
    _model_files(tmp_path)
    _data_files(tmp_path)
    _run_dirs(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


def check_refused(args: list[str], root: Path, capsys) -> str:
    """Run ``spinscope ARGS`` in-process; assert one line on stderr, exit 2, nothing written."""
    before = _snapshot(root)
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 2, f"exit {code} for {args}: {err}"
    assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}"
    assert err.startswith("spinscope: error: ") and "Traceback" not in err
    assert "internal error" not in err and out == ""
    assert _snapshot(root) == before, f"{args} wrote or changed files"
    return err


MODEL_FILES = ["empty.npz", "garbage.npz", "truncated.npz", "text.npz", "single.npz", "header_n.npz",
               "header_json.npz", "header_version.npz", "no_header.npz", "missing.npz"]

CASES = [
    # ---- simulate: model files, absurd sizes, damaged runs
    *[pytest.param(["simulate", f, "--sweeps", "20"], id=f"simulate-{f}") for f in MODEL_FILES],
    pytest.param(["simulate", "ising", "--L", "100000"], id="simulate-L1e5"),
    pytest.param(["simulate", "ising", "--dim", "3", "--L", "5000"], id="simulate-3d-L5000"),
    pytest.param(["simulate", "ising", "--replicas", "1000000000"], id="simulate-replicas1e9"),
    pytest.param(["simulate", "ising", "--T", "1:2:1000000000"], id="simulate-T-count"),
    pytest.param(["simulate", "ising", "--sweeps", "100000000000"], id="simulate-sweeps1e11"),
    pytest.param(["simulate", "ising", "--sweeps", "1e11"], id="simulate-sweeps-1e11-notation"),
    pytest.param(["simulate", "ising", "--L", "1e5"], id="simulate-L-1e5-notation"),
    pytest.param(["simulate", "ising", "--L", "1e400"], id="simulate-L-overflow"),
    pytest.param(["simulate", "ising", "--sweeps", "2.5"], id="simulate-sweeps-fraction"),
    pytest.param(["simulate", "ising", "--T", "1e-310"], id="simulate-T-subnormal"),
    pytest.param(["simulate", "ising", "--T", "nan"], id="simulate-T-nan"),
    pytest.param(["simulate", "sk", "--n", "10000000"], id="simulate-sk-n1e7"),
    *[pytest.param(["simulate", "--resume", r], id=f"simulate-resume-{r}")
      for r in ("run_binary", "run_json", "run_list", "run_empty", "run_none", "nosuchdir", "ok.dat")],
    # ---- exact
    *[pytest.param(["exact", f], id=f"exact-{f}") for f in MODEL_FILES],
    pytest.param(["exact", "ising", "--L", "100000"], id="exact-L1e5"),
    pytest.param(["exact", "potts", "--L", "100000"], id="exact-potts-L1e5"),
    pytest.param(["exact", "ising", "--dim", "3", "--L", "5000"], id="exact-3d-L5000"),
    pytest.param(["exact", "ising", "--T", "1:2:1000000000"], id="exact-T-count"),
    pytest.param(["exact", "ising", "--T", "1e-310"], id="exact-T-subnormal"),
    pytest.param(["exact", "ising", "--T", "inf"], id="exact-T-inf"),
    pytest.param(["exact", "xy", "--L", "100000"], id="exact-xy-square"),
    pytest.param(["exact", "ising", "--J", "nan"], id="exact-J-nan"),
    pytest.param(["exact", "potts", "--q", "100000", "--L", "2"], id="exact-q-huge"),
    pytest.param(["exact", "ising", "--bogus"], id="exact-usage"),
    # ---- mcm
    *[pytest.param(["mcm", f], id=f"mcm-{f}")
      for f in ("empty.dat", "binary.dat", "space.dat", "ragged.dat", "letters.dat", "missing.dat",
                "garbage.npz")],
    pytest.param(["mcm", "ok.dat", "--model", "model.json"], id="mcm-model-binary"),
    pytest.param(["mcm", "ok.dat", "--model", "model_keys.json"], id="mcm-model-keys"),
    pytest.param(["mcm", "ok.dat", "--basis", "basis.txt"], id="mcm-basis-binary"),
    pytest.param(["mcm", "ok.dat", "--out", "ok.dat"], id="mcm-out-exists"),
    pytest.param(["mcm", "ok.dat", "--out", "nodir/m.json"], id="mcm-out-nodir"),
    pytest.param(["mcm", "--bogus", "ok.dat"], id="mcm-usage"),
    # ---- solve (owned by the solve branch)
    *[pytest.param(["solve", f], id=f"solve-{f}") for f in MODEL_FILES],
    pytest.param(["solve", "binary.dat"], id="solve-binary-text"),
    pytest.param(["solve", "ok.dat", "--problem", "maxcut"], id="solve-01-as-gset"),
    pytest.param(["solve", "garbage.npz", "--out", "ok.dat"], id="solve-out-exists"),
    pytest.param(["solve", "problem.npz", "--sweeps", "100000000000", "--reads", "1"], id="solve-sweeps1e11"),
    pytest.param(["solve", "problem.npz", "--reads", "1000000000"], id="solve-reads1e9"),
    # ---- analyze (owned by the analyze branch)
    *[pytest.param(["analyze", f], id=f"analyze-{f}")
      for f in ("empty.npz", "garbage.npz", "truncated.npz", "single.npz", "binary.dat", "missing.npz")],
    pytest.param(["analyze", "--random", "100000000,100000000"], id="analyze-random-huge"),
    pytest.param(["analyze", "--random", "10,10", "--betas", "1:2:1000000000"], id="analyze-betas-count"),
    pytest.param(["analyze", "--random", "10,10", "--tap-starts", "1000000000"], id="analyze-tap-starts1e9"),
    pytest.param(["analyze", "--random", "10,10", "--n-betas", "1000000000"], id="analyze-n-betas1e9"),
    # ---- track (owned by the track branch)
    *[pytest.param(["track", "--resume", r], id=f"track-resume-{r}")
      for r in ("run_binary", "run_json", "run_list", "run_empty", "run_none")],
    pytest.param(["track", "--dataset", "garbage.npz", "--epochs", "1"], id="track-dataset-garbage"),
    pytest.param(["track", "--dataset", "empty.npz", "--epochs", "1"], id="track-dataset-empty"),
    pytest.param(["track", "--architecture", "100000000,100000000", "--epochs", "1"], id="track-arch-huge"),
]

# cases that fail in this branch until the owning branch merges: id -> (owner, run it?)
_OTHERS: dict[str, tuple[str, bool]] = {
}


def _mark(params):
    out = []
    for p in params:
        owner = _OTHERS.get(p.id)
        out.append(pytest.param(*p.values, id=p.id, marks=_xfail(owner[0], run=owner[1])) if owner else p)
    return out


@pytest.mark.parametrize("args", _mark(CASES))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(args, workdir, capsys):
    check_refused(args, workdir, capsys)


def test_messages_say_what_and_where(workdir, capsys):
    err = check_refused(["simulate", "header_n.npz"], workdir, capsys)
    assert "header_n.npz" in err and "n = 1000" in err and "h has shape (16,)" in err
    err = check_refused(["mcm", "space.dat"], workdir, capsys)
    assert "line 2, column 3: a space" in err
    err = check_refused(["simulate", "--resume", "run_binary"], workdir, capsys)
    assert "config.json" in err and "codec" not in err and "--out" in err
    err = check_refused(["mcm", "ok.dat", "--out", "ok.dat"], workdir, capsys)
    assert "--overwrite" in err
    err = check_refused(["simulate", "ising", "--replicas", "1000000000"], workdir, capsys)
    assert "needs about" in err and "available" in err and "measurement series" in err


# ------------------------------------------------------------------ memory: refused, not tried
@pytest.mark.parametrize("args", [
    ["simulate", "ising", "--L", "100000"],
    ["simulate", "ising", "--dim", "3", "--L", "5000"],
    ["simulate", "ising", "--replicas", "1000000000"],
    ["simulate", "ising", "--sweeps", "100000000000"],
    ["exact", "ising", "--L", "100000"],
    ["exact", "ising", "--T", "1:2:1000000000"],
])
def test_absurd_sizes_are_refused_without_allocating(args, workdir, capsys):
    main(["exact", "ising", "--L", "2", "--T", "1"])       # imports and warms up what a run needs
    capsys.readouterr()
    tracemalloc.start()
    try:
        check_refused(args, workdir, capsys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"{args} allocated {format_bytes(peak)} before refusing"


def test_estimates_refuse_what_does_not_fit_this_machine(workdir, capsys, monkeypatch):
    """With 50 MiB 'available', requests that would run on a laptop are refused from the estimate."""
    monkeypatch.setattr("spinscope._validation.available_memory_bytes", lambda: 50 * 2**20)
    check_refused(["simulate", "ising", "--L", "1000"], workdir, capsys)                 # lattice
    check_refused(["simulate", "ising", "--L", "64", "--replicas", "2000"], workdir, capsys)   # chains
    check_refused(["simulate", "ising", "--L", "4", "--sweeps", "10000000"], workdir, capsys)  # series
    err = check_refused(["simulate", "sk", "--n", "3000"], workdir, capsys)
    assert "50.0 MiB" in err
    from spinscope.workflows.simulation import simulate

    with pytest.raises(MemoryLimitError, match="chains"):
        simulate(ss.IsingModel.from_graph(ss.hypercubic((64, 64))), temperatures=np.linspace(1, 3, 400),
                 replicas=8, sweeps=10)


def test_check_memory_and_number_lists():
    with pytest.raises(MemoryLimitError, match=r"x needs about 3072\.0 PiB \(a 1024\.0 PiB \+ b 2048\.0 PiB\)"):
        check_memory(None, "x", estimate={"a": 2**60, "b": 2**61})
    check_memory(None, "nothing", estimate={})
    assert format_bytes(10**400) == "more than 1e308 B" and format_bytes(2048) == "2.0 KiB"
    assert parse_number_list("1:2:3", "--T").tolist() == [1.0, 1.5, 2.0]
    assert parse_number_list(f"1:2:{MAX_LIST_VALUES}", "--T").size == MAX_LIST_VALUES
    for text in (f"1:2:{MAX_LIST_VALUES + 1}", ",".join(["1"] * (MAX_LIST_VALUES + 1))):
        with pytest.raises(InputError, match="at most 100000"):
            parse_number_list(text, "--T")
    with pytest.raises(InputError, match="finite number"):
        parse_number_list("1e-320", "--T")
    with pytest.raises(InputError, match="not a list of numbers"):
        parse_number_list("1:2:3.5", "--T")


# ------------------------------------------------------------------------------- subprocess
@pytest.mark.parametrize("args", [
    ["exact", "ising", "--L", "100000"],
    ["mcm", "binary.dat"],
    ["simulate", "--resume", "run_binary"],
    ["exact", "ising", "--no-such-option"],
])
def test_console_reports_one_line(args, workdir):
    before = _snapshot(workdir)
    # the spinscope under test, whichever way it was found (PYTHONPATH may be relative)
    src = str(Path(ss.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run([sys.executable, "-m", "spinscope", *args], capture_output=True, text=True,
                       timeout=300, cwd=workdir, env=env)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("spinscope: error: ")
    assert "Traceback" not in r.stderr
    assert _snapshot(workdir) == before
