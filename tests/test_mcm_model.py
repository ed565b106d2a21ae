"""MinimallyComplexModel: fit, probabilities, sampling, files (tests/test_mcm_model.py)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from scipy.stats import chisquare

from spinscope.errors import InputError, ModelFileError
from spinscope.mcm import MinimallyComplexModel, as_binary_data, log_evidence
from spinscope.mcm.synthetic import sample_planted_mcm


def all_states(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.uint8)


def test_scotus_fit(shared_data):
    path = shared_data / "mcm" / "SCOTUS_n9_N895.dat"
    m = MinimallyComplexModel().fit(path)
    assert m.components_ == [(0, 2, 3, 4, 6), (1, 5, 7, 8)]
    assert m.log_evidence_ == pytest.approx(-3300.3955, abs=1e-4)
    mb = MinimallyComplexModel(basis="best").fit(str(path))
    assert mb.log_evidence_ == pytest.approx(-3154.4212, abs=1e-4)
    assert m.n_features_in_ == 9 and m.n_samples_ == 895


@pytest.mark.parametrize("basis", ["original", "best"])
def test_probabilities_are_normalised_and_posterior_means(basis):
    X = sample_planted_mcm([[0, 1, 2], [3, 4], [5]], 500, alpha=0.3, seed=1)
    m = MinimallyComplexModel(basis=basis).fit(X)
    p = m.predict_proba(all_states(6))
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(p > 0)
    if basis == "original":
        # component (5,): p(x) = (k_x + 1/2) / (N + 1)
        k1 = int(X[:, 5].sum())
        comp = m.components_.index((5,))
        assert comp >= 0
        Y = np.zeros((1, 6), dtype=np.uint8)
        Y[0, 5] = 1
        lp_one = m.log_proba(Y)[0]
        Y[0, 5] = 0
        lp_zero = m.log_proba(Y)[0]
        assert lp_one - lp_zero == pytest.approx(np.log((k1 + 0.5) / (500 - k1 + 0.5)))


def test_samples_follow_the_model_chi_square():
    # threshold: chi-square p-value > 1e-3 at a fixed seed
    X = sample_planted_mcm([[0, 1], [2, 3]], 300, alpha=0.5, seed=4)
    m = MinimallyComplexModel(basis="best", seed=0).fit(X)
    S = m.sample(20000, seed=11)
    codes = S @ (1 << np.arange(4))
    obs = np.bincount(codes, minlength=16)
    exp = m.predict_proba(all_states(4)[:, ::-1].copy()) * 20000  # all_states: first column = MSB
    keep = exp > 0
    assert chisquare(obs[keep], exp[keep]).pvalue > 1e-3


def test_sample_and_refit_recovers_the_partition():
    planted = [[0, 4, 5], [1, 2], [3, 6, 7, 8]]
    X = sample_planted_mcm(planted, 3000, alpha=0.2, seed=9)
    m = MinimallyComplexModel().fit(X)
    assert m.components_ == sorted(tuple(c) for c in planted)
    S = m.sample(30000, seed=1)
    m2 = MinimallyComplexModel().fit(S)
    assert m2.components_ == m.components_
    assert m2.score(X) == pytest.approx(m.score(X), abs=0.05)


def test_score_is_mean_log_proba_and_beats_independent_on_structured_data():
    X = sample_planted_mcm([[0, 1, 2, 3]], 2000, alpha=0.2, seed=2)
    m = MinimallyComplexModel().fit(X)
    assert m.score(X) == pytest.approx(np.mean(m.log_proba(X)))
    ind = MinimallyComplexModel(basis="original").fit(X[:, [0]])
    assert ind.components_ == [(0,)]
    assert m.log_evidence_ >= log_evidence(X, [[0], [1], [2], [3]])


def test_save_load_roundtrip(tmp_path):
    X = sample_planted_mcm([[0, 1, 2], [3, 4]], 400, alpha=0.3, seed=5)
    m = MinimallyComplexModel(basis="best").fit(X)
    f = m.save(tmp_path / "m.json")
    d = json.loads(f.read_text())
    assert d["format"] == "spinscope-mcm" and d["n"] == 5
    m2 = MinimallyComplexModel.load(f)
    np.testing.assert_allclose(m2.log_proba(all_states(5)), m.log_proba(all_states(5)), atol=1e-12)
    assert m2.components_ == m.components_ and m2.basis_ == m.basis_
    np.testing.assert_array_equal(m2.sample(50, seed=3), m.sample(50, seed=3))
    with pytest.raises(InputError, match="exists"):
        m.save(f)
    (tmp_path / "bad.json").write_text('{"format": "other"}')
    with pytest.raises(ModelFileError, match="not a spinscope-mcm"):
        MinimallyComplexModel.load(tmp_path / "bad.json")
    (tmp_path / "bad2.json").write_text("not json")
    with pytest.raises(ModelFileError):
        MinimallyComplexModel.load(tmp_path / "bad2.json")


def test_wide_data_greedy():
    X = sample_planted_mcm([list(range(i, i + 5)) for i in range(0, 70, 5)], 500, alpha=0.5, seed=1)
    X[:, 10:60] = X[:, [0]]  # copies: strongly coupled to variable 0
    m = MinimallyComplexModel(search="greedy").fit(X)
    assert m.n_features_in_ == 70
    assert np.all(np.isfinite(m.log_proba(X)))
    S = m.sample(10, seed=0)
    assert S.shape == (10, 70) and set(np.unique(S)) <= {0, 1}


def test_component_of_more_than_64_variables_from_a_file():
    # 70 copies of one bit as a single component (states keyed as bytes beyond 64 variables)
    d = {"format": "spinscope-mcm", "version": 1, "n": 70, "N": 10,
         "basis": ["".join("1" if j == i else "0" for j in range(70)) for i in range(70)],
         "components": [list(range(70))], "component_log_evidence": [0.0], "log_evidence": 0.0,
         "component_states": [[["0" * 70, 6], ["1" * 70, 4]]]}
    m = MinimallyComplexModel.from_dict(d)
    lp = m.log_proba(np.array([[0] * 70, [1] * 70, [1] + [0] * 69]))
    norm = np.log(10 + 2.0**69)
    np.testing.assert_allclose(lp, [np.log(6.5) - norm, np.log(4.5) - norm, np.log(0.5) - norm])
    S = m.sample(1000, seed=0)
    # the 1/2 pseudo-counts of 2**70 states outweigh N = 10: draws are (almost surely) uniform
    assert abs(np.mean(S) - 0.5) < 0.01  # 70000 fair bits: sd 0.0019, > 5 sd


def test_given_basis_and_errors():
    X = sample_planted_mcm([[0, 1], [2]], 200, seed=0)
    m = MinimallyComplexModel(basis=[3, 2, 4]).fit(X)  # s1 s2, s2, s3
    assert m.basis_ == [3, 2, 4]
    assert m.predict_proba(all_states(3)).sum() == pytest.approx(1.0)
    with pytest.raises(InputError, match="not fitted"):
        MinimallyComplexModel().score(X)
    with pytest.raises(InputError, match="n = 2"):
        m.score(X[:, :2])
    with pytest.raises(InputError, match="search"):
        MinimallyComplexModel(search="magic").fit(X)
    with pytest.raises(InputError, match="independent"):
        MinimallyComplexModel(basis=[1, 2, 3]).fit(X)
    with pytest.raises(InputError, match="greedy"):
        MinimallyComplexModel().fit(np.zeros((2, 23), dtype=int))
    assert as_binary_data(m.sample(5, seed=1)).n == 3


def test_interactions_reproduce_log_probabilities():
    X = sample_planted_mcm([[0, 1, 2], [3]], 800, alpha=0.5, seed=3)
    for basis in ("original", "best"):
        m = MinimallyComplexModel(basis=basis).fit(X)
        inter = m.interactions()
        assert len(inter) == sum(2 ** len(c) - 1 for c in m.components_)
        S = all_states(4)
        spins = 1 - 2 * S.astype(float)  # s = (-1)**sigma
        energy = np.zeros(len(S))
        for t in inter:
            energy += t["coupling"] * np.prod(spins[:, t["operator"]], axis=1)
        lp = m.log_proba(S)
        # log p(s) = const + sum_mu g_mu phi_mu(s), with operators on the original variables
        np.testing.assert_allclose(lp - lp.mean(), energy - energy.mean(), atol=1e-10)
    single = MinimallyComplexModel().fit(X[:, [3]])
    k1 = int(X[:, 3].sum())
    g = single.interactions()[0]["coupling"]
    assert g == pytest.approx(0.5 * np.log((800 - k1 + 0.5) / (k1 + 0.5)))  # field on s = +1 <-> '0'


def test_sklearn_params():
    m = MinimallyComplexModel(search="greedy", seed=3)
    assert m.get_params()["search"] == "greedy"
    assert m.set_params(search="anneal").search == "anneal"
    with pytest.raises(InputError, match="unknown parameter"):
        m.set_params(colour="red")
    with pytest.raises(InputError, match="basis='best'"):
        MinimallyComplexModel(order=2).fit(np.zeros((3, 3), dtype=int))


def test_damaged_model_files_say_what_is_wrong(tmp_path):
    X = sample_planted_mcm([[0, 1], [2]], 200, alpha=0.3, seed=1)
    d = MinimallyComplexModel().fit(X).to_dict()
    cases = {
        "missing_n.json": ({k: v for k, v in d.items() if k != "n"}, r"the key 'n' is missing"),
        "params.json": ({**d, "params": [1, 2]}, "'params' must be an object"),
        "states.json": ({**d, "component_states": d["component_states"][:1]}, "lists of component states"),
    }
    for name, (content, match) in cases.items():
        (tmp_path / name).write_text(json.dumps(content))
        with pytest.raises(ModelFileError, match=match):
            MinimallyComplexModel.load(tmp_path / name)
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ModelFileError, match="it is not text") as info:
        MinimallyComplexModel.load(tmp_path / "binary.json")
    assert "codec" not in str(info.value)
    (tmp_path / "bad.json").write_text("{oops")
    with pytest.raises(ModelFileError, match=r"not valid JSON .* line 1, column 2"):
        MinimallyComplexModel.load(tmp_path / "bad.json")
