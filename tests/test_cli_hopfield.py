"""``spinscope hopfield``: a small run end to end (--json, run directory, report) and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spinscope.cli.main import main
from spinscope.workflows import hopfield


def run(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_small_run_json_and_run_directory(capsys, tmp_path):
    out = tmp_path / "run"
    rc, stdout, _ = run(capsys, "--json", "--seed", 3, "hopfield", "--alpha", "0.02,0.05,0.1",
                        "--T", "0.2:1.4:7", "--mc", "--N", 400, "--mc-alpha", "0.05", "--sweeps", 40,
                        "--burn-in", 40, "--out", out)
    assert rc == 0
    res = json.loads(stdout)
    assert res["seed"] == 3 and res["config"]["N"] == 400
    assert (res["format"], res["version"]) == ("spinscope-hopfield", 1)
    assert res["reference"]["max_abs_difference"] < 0.01
    assert abs(res["reference"]["alpha_c_T0"] - 0.138) < 5e-4
    lines = res["diagram"]["lines"]
    assert [r["alpha"] for r in lines] == [0.02, 0.05, 0.1]
    np.testing.assert_allclose([r["T_g"] for r in lines], 1 + np.sqrt([0.02, 0.05, 0.1]))
    assert abs(lines[1]["T_M"] - 0.540) < 0.01 and lines[2]["T_c"] is None
    assert sum(res["diagram"]["counts"].values()) == 21
    pts = res["mc_points"]
    assert [p["side"] for p in pts] == ["below T_M", "above T_M"]
    assert all(p["P"] == 20 and len(p["m_per_pattern"]) == 3 for p in pts)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["config.json", "diagram.csv", "lines.csv", "mc.csv", "phase_diagram.png",
                     "report.html", "result.json"]
    html = (out / "report.html").read_text()
    assert "data:image/png;base64" in html and "spinscope --seed 3 hopfield" in html
    # the same run again into the same directory is refused, nothing changed
    before = (out / "result.json").read_bytes()
    rc, _, err = run(capsys, "hopfield", "--alpha", "0.05", "--T", "0.5", "--out", out)
    assert rc == 2 and "not empty" in err and (out / "result.json").read_bytes() == before


def test_python_api_mirrors_the_cli():
    res = hopfield(alphas=[0.05], temperatures=[0.2, 0.6, 1.3], hidden_prior="mixed:0.8")
    assert res.config["hidden_prior"] == 0.8
    # T_M(0.05, dh = 0.8) = 0.34 and 0.6 < T_g = 1.13 < 1.3
    assert [r["phase"] for r in res.diagram.rows()] == ["mixed", "spin glass", "paramagnet"]
    assert 0.6 < res.diagram.t_g[0] < 1.3 and abs(res.diagram.t_m[0] - 0.34) < 0.01


@pytest.mark.parametrize(("args", "match"), [
    (["--alpha", "0:0.1:5"], r"alpha value 0\.0 is not allowed: alpha = P/N must be > 0"),
    (["--alpha", "-0.1"], r"alpha value -0\.1 is not allowed"),
    (["--T", "-0.5,1"], r"T value -0\.5 is not allowed: temperatures must be > 0"),
    (["--T", "0.1:x:3"], r"--T '0\.1:x:3' is not a range"),
    (["--prior-patterns", "ternary"], r"pattern prior 'ternary' is unknown: use boolean, gaussian"),
    (["--prior-hidden", "mixed:1.5"], r"hidden prior: the Gaussian fraction must lie in \[0, 1\]"),
    (["--mc", "--mc-alpha", "1e7"], r"Monte Carlo patterns \(P = 40000000000, N = 4000\) needs about .* use a smaller --mc-alpha"),
    (["--mc", "--N", "100", "--mc-alpha", "0.001"], r"fewer than 1 pattern"),
])
def test_bad_input_exit_2_nothing_written(capsys, tmp_path, args, match):
    out = tmp_path / "run"
    rc, stdout, err = run(capsys, "hopfield", *args, "--out", out)
    assert rc == 2 and stdout == ""
    assert err.count("\n") == 1 and err.startswith("spinscope: error:")
    assert __import__("re").search(match, err), err
    assert not out.exists()


def test_patterns_file(capsys, tmp_path):
    rng = np.random.default_rng(0)
    good = tmp_path / "xi.npy"
    np.save(good, rng.choice([-1.0, 1.0], size=(10, 400)))
    rc, stdout, _ = run(capsys, "--json", "hopfield", "--no-diagram", "--mc", "--patterns", good,
                        "--sweeps", 20, "--burn-in", 20)
    res = json.loads(stdout)
    assert rc == 0 and res["config"]["N"] == 400 and res["config"]["mc_alphas"] == [0.025]
    assert [p["P"] for p in res["mc_points"]] == [10, 10] and "diagram" not in res


@pytest.mark.parametrize(("rows", "prior", "match"), [
    ("1 -1 1 -1\n1 1 -1 0.5\n", "boolean", r"patterns declared boolean must hold ±1 entries; found 0\.5 at index \(1, 3\)"),
    ("1 -1 1 -1\n1 nan -1 0.5\n", "gaussian", r"patterns contains NaN or infinity at index \(1, 1\)"),
    ("1 -1 x -1\n", "boolean", r"cannot read patterns from .*p\.txt"),
])
def test_bad_patterns_file_exit_2(capsys, tmp_path, rows, prior, match):
    f = tmp_path / "p.txt"
    f.write_text(rows)
    out = tmp_path / "run"
    rc, stdout, err = run(capsys, "hopfield", "--mc", "--patterns", f, "--prior-patterns", prior,
                          "--per-point", 1, "--out", out)
    assert rc == 2 and stdout == "" and __import__("re").search(match, err), err
    assert not out.exists()
