"""``spinscope landscape study|search``: output, JSON fields, files, exit codes, the Python API."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spinscope.cli.main import main
from spinscope.workflows import landscape_search, landscape_study


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_study_json_fields_files_and_api(capsys, tmp_path):
    out_dir = tmp_path / "study"
    code, out, err = run(["--seed", "3", "--json", "landscape", "study", "partition", "--n", "10,12",
                          "--instances", "4", "--levels", "2", "--out", str(out_dir)], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["seed"] == 3 and d["kind"] == "partition" and [s["n"] for s in d["studies"]] == [10, 12]
    for s in d["studies"]:
        assert s["sizes"] == [s["n"], s["n"] // 2, s["n"] // 4 + (s["n"] // 2) % 2]
        assert [row["level"] for row in s["per_level"]] == [0, 1, 2]
        assert all(row["same_optimum"] for row in s["per_level"])
        assert set(s["per_level"][0]) >= {"n_minima", "steepest_success", "random_success", "largest_basin_fraction"}
    assert sorted(p.name for p in out_dir.iterdir()) == ["landscape.json", "landscape.png"]
    assert json.loads((out_dir / "landscape.json").read_text())["studies"] == d["studies"]
    api = landscape_study("partition", [10, 12], instances=4, levels=2, seed=3)
    assert api.to_dict()["studies"] == d["studies"]  # the CLI is the Python API
    # a non-empty --out is refused before computing, unless --overwrite
    code, _, err = run(["landscape", "study", "partition", "--n", "10", "--out", str(out_dir)], capsys)
    assert code == 2 and "not empty" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run(["landscape", "study", "ising", "--n", "8", "--instances", "2", "--out", str(out_dir),
                        "--overwrite"], capsys)
    assert code == 0 and "level" in out


def test_search_json_fields_and_api(capsys, tmp_path):
    code, out, err = run(["--seed", "5", "--json", "landscape", "search", "maxcut", "--n", "80",
                          "--budget", "3000", "--runs", "3"], capsys)
    assert code == 0, err
    d = json.loads(out)
    s = d["summary"]
    assert d["seed"] == 5 and s["runs"] == 3 and s["n"] == 80 and s["budget"] == 3000 and s["value"] == "cut"
    assert s["encoded_better"] + s["ties"] + s["original_better"] == 3
    assert all(r["evaluations"] == [3000, 3000] for r in d["runs"])
    api = landscape_search("maxcut", n=80, budget=3000, runs=3, seed=5)
    assert [r["encoded"] for r in api.runs] == [r["encoded"] for r in d["runs"]]
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("\n".join(str(x) for x in np.linspace(1.0, 3.0, 30)) + "\n")
    code, out, err = run(["--seed", "1", "--json", "landscape", "search", "partition", str(numbers),
                          "--budget", "2000", "--runs", "2", "--n-fine", "6"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["summary"]["n"] == 30 and d["summary"]["value"] == "residual" and d["runs"][0]["n_fine"] == 6


def test_search_on_a_gset_file(capsys, shared_data):
    g14 = shared_data / "gset" / "G14.txt"
    if not g14.is_file():
        pytest.skip("G14 not in the shared data")
    code, out, err = run(["--seed", "1", "--json", "landscape", "search", "maxcut", str(g14), "--budget", "20000",
                          "--runs", "1"], capsys)
    assert code == 0, err
    s = json.loads(out)["summary"]
    assert s["n"] == 800 and 0 < s["best_original"] <= 3064 and 0 < s["best_encoded"] <= 3064  # best known 3064


@pytest.mark.parametrize("args, match", [
    (["landscape", "study", "partition", "--n", "24"], "2^24 states, about"),
    (["landscape", "study", "partition", "--n", "1"], "n must be >= 2"),
    (["landscape", "study", "partition", "--n", "8", "--levels", "4"], "at most 3"),
    (["landscape", "search", "ising", "--budget", "0"], "budget must be >= 1"),
    (["landscape", "search", "ising", "--budget", "-5"], "budget must be >= 1"),
    (["landscape", "search", "ising", "--n", "1"], "n must be >= 2"),
    (["landscape", "search", "maxcut", "/no/such/file"], "does not exist"),
    (["landscape", "search", "partition", "--time-limit", "1"], "no --time-limit"),
    (["landscape", "search", "partition", "--method", "steepest"], "no --method steepest"),
    (["landscape", "search", "ising", "--time-limit", "0"], "time_limit"),
    (["landscape", "search", "tsp"], "tsp"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, match):
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and match in err


def test_unreadable_numbers_file(capsys, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("1.0\nabc\n")
    code, _, err = run(["landscape", "search", "partition", str(bad)], capsys)
    assert code == 2 and "not a list of numbers" in err and len(err.strip().splitlines()) == 1
    neg = tmp_path / "neg.txt"
    neg.write_text("1.0\n-2.0\n")
    code, _, err = run(["landscape", "search", "partition", str(neg)], capsys)
    assert code == 2 and "> 0" in err
