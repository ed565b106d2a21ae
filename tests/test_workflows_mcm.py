"""``spinscope.workflows.mcm``: fit_mcm and score_mcm called from Python (tests/test_workflows_mcm.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spinscope._files import check_output_path
from spinscope.errors import DataFileError, InputError, ModelFileError
from spinscope.mcm import MinimallyComplexModel
from spinscope.mcm.synthetic import sample_planted_mcm
from spinscope.workflows import fit_mcm, score_mcm
from spinscope.workflows.mcm import default_search

FIT_KEYS = {"datafile", "n", "N", "basis", "basis_operators", "search", "optimal", "seed", "components",
            "component_log_evidence", "log_evidence", "bits_per_datapoint",
            "log_evidence_complete_model", "log_evidence_independent_model", "numbering", "units",
            "model_file"}
SCORE_KEYS = {"datafile", "model", "n", "N", "log_likelihood", "log_likelihood_per_datapoint",
              "bits_per_datapoint", "components", "numbering"}


@pytest.fixture(scope="module")
def scotus(shared_data):
    return shared_data / "mcm" / "SCOTUS_n9_N895.dat"


@pytest.fixture
def planted(tmp_path):
    X = sample_planted_mcm([[0, 1, 2], [3, 4]], 600, alpha=0.3, seed=0)
    f = tmp_path / "d.dat"
    f.write_text("\n".join("".join(map(str, r)) for r in X) + "\n")
    return f, X


def test_fit_scotus_matches_the_reference(scotus, tmp_path):
    res = fit_mcm(scotus, out=tmp_path / "m.json")
    d = res.to_dict()
    assert set(d) == FIT_KEYS
    assert d["search"] == "exact" and d["optimal"] and d["seed"] is None
    assert d["components"] == [[1, 3, 4, 5, 7], [2, 6, 8, 9]]
    assert d["log_evidence"] == pytest.approx(-3300.3955, abs=1e-4)
    assert d["log_evidence_complete_model"] == pytest.approx(-3305.5466, abs=1e-4)
    assert d["bits_per_datapoint"] == pytest.approx(3300.3955 / (895 * np.log(2)), abs=1e-6)
    assert d["model_file"] == str(tmp_path / "m.json") and (tmp_path / "m.json").is_file()
    assert d["datafile"] == str(scotus) and d["basis"] == "original"
    json.dumps(d)  # JSON-ready as it is


def test_fit_then_score_roundtrip(planted, tmp_path):
    f, _ = planted
    out = tmp_path / "m.json"
    fitted = fit_mcm(f, basis="best", out=out)
    scored = score_mcm(f, out)
    d = scored.to_dict()
    assert set(d) == SCORE_KEYS
    assert d["components"] == fitted.to_dict()["components"]
    assert d["n"] == 5 and d["N"] == 600 and d["model"] == str(out)
    direct = MinimallyComplexModel(basis="best").fit(f).log_proba(f).sum()
    assert d["log_likelihood"] == pytest.approx(direct, rel=1e-12)
    assert d["log_likelihood_per_datapoint"] == pytest.approx(direct / 600, rel=1e-12)
    assert d["bits_per_datapoint"] == pytest.approx(-direct / (600 * np.log(2)), rel=1e-12)


def test_score_refuses_a_model_of_other_size(planted, tmp_path):
    f, X = planted
    out = tmp_path / "m.json"
    fit_mcm(X[:, :4], out=out)
    with pytest.raises(DataFileError, match="n = 4"):
        score_mcm(f, out)
    with pytest.raises(ModelFileError, match="does not exist"):
        score_mcm(f, tmp_path / "missing.json")


def test_in_memory_data_and_basis_file(planted, tmp_path):
    f, X = planted
    basis = tmp_path / "b.txt"
    basis.write_text("11000\n01000\n00100\n00010\n00001\n")
    from_file = fit_mcm(f, basis=basis).to_dict()
    from_array = fit_mcm(X, basis=basis).to_dict()
    assert from_array["datafile"] is None and from_file["basis"] == str(basis)
    assert from_file["basis_operators"][0] == [1, 2]
    for key in ("components", "log_evidence", "basis_operators"):
        assert from_file[key] == from_array[key]
    given = fit_mcm(X, basis=[0b11, 0b10, 0b100, 0b1000, 0b10000]).to_dict()
    assert given["basis"] == "given" and given["log_evidence"] == pytest.approx(from_file["log_evidence"])


def test_anneal_records_the_seed_it_used(planted):
    _, X = planted
    a = fit_mcm(X, search="anneal", steps=300)
    assert isinstance(a.seed, int) and 0 <= a.seed < 2**63
    again = fit_mcm(X, search="anneal", steps=300, seed=a.seed)
    assert again.seed == a.seed and again.to_dict()["components"] == a.to_dict()["components"]
    assert fit_mcm(X, search="greedy").seed is None
    assert fit_mcm(X, search="greedy", seed=4).seed == 4
    with pytest.raises(InputError):
        fit_mcm(X, search="anneal", seed=-1)


def test_default_search_and_option_checks(planted):
    from spinscope.mcm.search import MAX_EXACT_N

    assert default_search(MAX_EXACT_N) == "exact" and default_search(MAX_EXACT_N + 1) == "greedy"
    wide = np.zeros((2, 30), dtype=int)
    wide[1] = 1
    assert fit_mcm(wide).search == "greedy"
    with pytest.raises(DataFileError, match="--search greedy"):
        fit_mcm(wide, search="exact")
    _, X = planted
    with pytest.raises(InputError, match="--basis best"):
        fit_mcm(X, order=2)
    with pytest.raises(InputError, match="search must be"):
        fit_mcm(X, search="fast")
    assert fit_mcm(X, basis="best", order=2).to_dict()["basis"] == "best"


@pytest.mark.parametrize("case", ["exists", "no_dir", "is_dir"])
def test_out_is_checked_before_fitting(planted, tmp_path, monkeypatch, case):
    f, _ = planted
    out = {"exists": tmp_path / "m.json", "no_dir": tmp_path / "nope" / "m.json", "is_dir": tmp_path}[case]
    if case == "exists":
        out.write_text("keep me")

    def no_fit(*args, **kwargs):
        raise AssertionError("fit must not run when the output cannot be written")

    monkeypatch.setattr(MinimallyComplexModel, "fit", no_fit)
    monkeypatch.setattr("spinscope.mcm.read_binary_data", no_fit)
    with pytest.raises(InputError, match=r"already exists|does not exist|is a directory"):
        fit_mcm(f, out=out)
    if case == "exists":
        assert out.read_text() == "keep me"


def test_overwrite_replaces_the_model_file(planted, tmp_path):
    f, _ = planted
    out = tmp_path / "m.json"
    out.write_text("old")
    res = fit_mcm(f, out=out, overwrite=True)
    assert res.model_file == out
    assert MinimallyComplexModel.load(out).components_ == res.model.components_


def test_check_output_path(tmp_path):
    assert check_output_path(tmp_path / "new.json") == tmp_path / "new.json"
    (tmp_path / "x").write_text("")
    assert check_output_path(tmp_path / "x", overwrite=True) == tmp_path / "x"
    with pytest.raises(InputError, match="already exists"):
        check_output_path(tmp_path / "x")
