"""``spinscope mcm`` (tests/test_mcm_cli.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spinscope.cli.main import main
from spinscope.mcm.synthetic import sample_planted_mcm


@pytest.fixture(scope="module")
def scotus(shared_data):
    return shared_data / "mcm" / "SCOTUS_n9_N895.dat"


def run(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_human_output(capsys, scotus):
    rc, out, _ = run(capsys, "mcm", scotus)
    assert rc == 0
    assert "{1,3,4,5,7}" in out and "{2,6,8,9}" in out
    assert "-3300.3955 nats" in out and "bits per datapoint" in out
    assert "global optimum" in out


def test_json_best_basis_and_model_roundtrip(capsys, scotus, tmp_path):
    out_file = tmp_path / "m.json"
    rc, out, _ = run(capsys, "--json", "mcm", scotus, "--basis", "best", "--out", out_file)
    assert rc == 0
    res = json.loads(out)
    assert res["log_evidence"] == pytest.approx(-3154.4212, abs=1e-4)
    assert res["bits_per_datapoint"] == pytest.approx(3154.4212 / (895 * np.log(2)), abs=1e-6)
    assert res["log_evidence_complete_model"] == pytest.approx(-3305.5466, abs=1e-4)
    assert sorted(v for c in res["components"] for v in c) == list(range(1, 10))
    assert out_file.exists()
    rc, out, _ = run(capsys, "--json", "mcm", scotus, "--model", out_file)
    assert rc == 0
    scored = json.loads(out)
    assert scored["components"] == res["components"]
    assert np.isfinite(scored["log_likelihood"]) and scored["N"] == 895


def test_basis_file_and_searches(capsys, tmp_path):
    X = sample_planted_mcm([[0, 1, 2], [3, 4]], 600, alpha=0.3, seed=0)
    data = tmp_path / "d.dat"
    data.write_text("\n".join("".join(map(str, r)) for r in X) + "\n")
    basis = tmp_path / "b.txt"
    basis.write_text("11000\n01000\n00100\n00010\n00001\n")
    results = {}
    for search in ("exact", "greedy", "anneal"):
        rc, out, _ = run(capsys, "--seed", 1, "--json", "mcm", data, "--search", search,
                         "--basis", basis, "--steps", 500)
        assert rc == 0
        results[search] = json.loads(out)
        assert results[search]["basis_operators"][0] == [1, 2]
    assert results["anneal"]["seed"] == 1
    assert results["greedy"]["log_evidence"] <= results["exact"]["log_evidence"] + 1e-9
    assert results["anneal"]["log_evidence"] <= results["exact"]["log_evidence"] + 1e-9


@pytest.mark.parametrize("content, message", [
    ("0101\n011\n", "line 2"),
    ("0101\n0x01\n", "line 2, column 2"),
    ("", "empty"),
])
def test_bad_data_exit_2(capsys, tmp_path, content, message):
    f = tmp_path / "bad.dat"
    f.write_text(content)
    rc, _, err = run(capsys, "mcm", f)
    assert rc == 2
    assert message in err and "Traceback" not in err


def test_too_many_variables_for_exact(capsys, tmp_path):
    f = tmp_path / "wide.dat"
    f.write_text("0" * 30 + "\n" + "1" * 30 + "\n")
    rc, _, err = run(capsys, "mcm", f, "--search", "exact")
    assert rc == 2 and "--search greedy" in err
    rc, out, _ = run(capsys, "--json", "mcm", f)  # default search for n > 22: greedy
    assert rc == 0 and json.loads(out)["search"] == "greedy"


def test_bad_options_exit_2(capsys, scotus, tmp_path):
    bad_basis = tmp_path / "b.txt"
    bad_basis.write_text("1" * 9 + "\n")
    rc, _, err = run(capsys, "mcm", scotus, "--basis", bad_basis)
    assert rc == 2 and "1 operators" in err
    rc, _, err = run(capsys, "mcm", scotus, "--model", tmp_path / "missing.json")
    assert rc == 2 and "does not exist" in err
    rc, _, err = run(capsys, "mcm", scotus, "--order", 2)
    assert rc == 2 and "--basis best" in err
