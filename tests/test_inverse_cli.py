"""``spinscope infer`` and the inference workflow (tests/test_inverse_cli.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spinscope.cli.main import main
from spinscope.exact import enumerate_model
from spinscope.inverse.exact import all_configurations
from spinscope.models import IsingModel, load_model
from spinscope.workflows import infer


def run(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def truth():
    rng = np.random.default_rng(11)
    J = rng.normal(0, 0.4, (7, 7))
    J = np.triu(J, 1) + np.triu(J, 1).T
    return IsingModel(J, rng.normal(0, 0.2, 7))


@pytest.fixture(scope="module")
def samples(truth):
    S, p = all_configurations(7), enumerate_model(truth, 1.0).probabilities
    return S[np.random.default_rng(12).choice(len(S), size=20000, p=p)]


@pytest.fixture
def datafile(tmp_path, samples):
    path = tmp_path / "data.txt"
    np.savetxt(path, (samples > 0).astype(int), fmt="%d", delimiter="")  # 0/1 strings, 1 = +1
    return path


def test_json_fit_diagnostics_and_roundtrip(capsys, tmp_path, datafile, truth, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "model.npz"
    rc, stdout, _ = run(capsys, "--json", "--seed", 5, "infer", datafile, "--out", out)
    assert rc == 0
    res = json.loads(stdout)
    assert res["seed"] == 5 and res["method"] == "plm" and res["model_file"] == str(out)
    assert res["data"]["n"] == 7 and res["data"]["n_samples"] == 20000
    mom = res["diagnostics"]["moments"]
    assert mom["how"] == "exact enumeration"
    # PLM is not moment matching, but on 2*10^4 samples its moments are within sampling error
    assert mom["pair"]["rms_z"] < 2.0 and mom["single"]["rms_z"] < 2.0
    assert -1.0 < res["diagnostics"]["pseudo_log_likelihood"] < 0
    model = load_model(out)
    gamma = np.linalg.norm(model.couplings - truth.couplings) / np.linalg.norm(truth.couplings)
    assert gamma < 0.1  # B = 2*10^4 exact samples, n = 7: measured 0.03
    np.testing.assert_allclose(model.fields, truth.fields, atol=0.05)
    # the written file is read as it is by simulate and solve
    rc, stdout, _ = run(capsys, "--json", "--seed", 1, "simulate", out, "--T", 1, "--sweeps", 50)
    assert rc == 0 and json.loads(stdout)["config"]["model"]["n"] == 7
    rc, stdout, _ = run(capsys, "--json", "--seed", 1, "solve", out, "--reads", 2, "--sweeps", 10)
    assert rc == 0 and json.loads(stdout)["kind"] == "ising"
    # nothing is overwritten without --overwrite
    before = out.read_bytes()
    rc, _, err = run(capsys, "infer", datafile, "--out", out)
    assert rc == 2 and "already exists" in err and out.read_bytes() == before
    rc, _, _ = run(capsys, "--quiet", "infer", datafile, "--method", "mf", "--out", out, "--overwrite")
    assert rc == 0 and out.read_bytes() != before


@pytest.mark.parametrize("method", ["mf", "tap", "exact"])
def test_methods_agree_with_truth(samples, truth, method):
    res = infer(samples, method=method, seed=1)
    gamma = np.linalg.norm(res.model.couplings - truth.couplings) / np.linalg.norm(truth.couplings)
    assert gamma < (0.15 if method in ("mf", "tap") else 0.1)
    assert res.to_dict()["fit"]["method"] == method


@pytest.mark.parametrize("content, args, match", [
    ("0110\n101\n", [], "line 2: has 3 characters but line 1 has 4"),
    ("0110\n0120\n", [], "line 2, column 3: 2 is not 0 or 1"),
    ("0110\n", [], "single configuration"),
    ("0110\n1100\n0101\n", [], r"column\(s\) 1 \(always \+1\) \(0-based\)"),
    ("0110\n1100\n0101\n", ["--method", "mf", "--l2", "0.1"], "closed form without regularisation"),
    ("0110\n1101\n0101\n", ["--l1", "0.1", "--l2", "0.1"], "at most one of l1 and l2"),
    ("0110\n1101\n0101\n", ["--out", "m.txt"], "model files end in .npz"),
    ("0110\n1101\n0101\n", ["--method", "mf", "--asymmetric"], "applies to --method plm only"),
    ("0110\n1101\n0101\n", ["--beta", "-1"], "beta"),
])
def test_bad_input_exit_2_nothing_written(capsys, tmp_path, monkeypatch, content, args, match):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.txt").write_text(content)
    rc, stdout, err = run(capsys, "infer", "d.txt", "--out", "m.npz", *args)
    assert rc == 2 and stdout == ""
    assert err.count("\n") == 1 and err.startswith("spinscope: error:")
    assert __import__("re").search(match, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.txt"]


def test_nan_npy_and_constant_column_with_regularisation(capsys, tmp_path, monkeypatch, samples):
    monkeypatch.chdir(tmp_path)
    a = samples[:100].astype(float)
    a[3, 4] = np.nan
    np.save(tmp_path / "nan.npy", a)
    rc, _, err = run(capsys, "infer", "nan.npy", "--out", "m.npz")
    assert rc == 2 and "holds nan at row 3, column 4" in err and not (tmp_path / "m.npz").exists()
    X = samples[:2000].copy()
    X[:, 2] = -1
    np.save(tmp_path / "const.npy", X)
    rc, stdout, _ = run(capsys, "--json", "infer", "const.npy", "--l2", "0.001", "--out", "m.npz")
    res = json.loads(stdout)
    assert rc == 0 and res["data"]["constant_columns"] == [2]
    assert load_model(tmp_path / "m.npz").fields[2] < -1.0
