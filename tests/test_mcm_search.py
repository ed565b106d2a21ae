"""Exact, greedy and annealing partition search (tests/test_mcm_search.py).

The exact dynamic program is checked against brute-force enumeration of all set partitions,
with every component's evidence recomputed independently (numpy unique + scipy gammaln).
"""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.mcm import (
    anneal_search,
    as_binary_data,
    exact_search,
    greedy_search,
    log_evidence,
    log_evidence_complete,
    read_binary_data,
)
from spinscope.mcm.search import subset_log_evidence
from spinscope.mcm.synthetic import sample_planted_mcm


def set_partitions(items):
    """All set partitions of a list (Bell(len) of them)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in set_partitions(rest):
        yield [[first], *part]
        for i in range(len(part)):
            yield [*part[:i], [first, *part[i]], *part[i + 1:]]


def direct_subset_evidence(X):
    n = X.shape[1]
    E = np.zeros(1 << n)
    for S in range(1, 1 << n):
        cols = [i for i in range(n) if S >> i & 1]
        _, counts = np.unique(X[:, cols], axis=0, return_counts=True)
        E[S] = log_evidence_complete(counts, len(cols))
    return E


def brute_force(X):
    n = X.shape[1]
    E = direct_subset_evidence(X)
    best, arg = -np.inf, None
    for part in set_partitions(list(range(n))):
        v = sum(E[sum(1 << i for i in c)] for c in part)
        if v > best:
            best, arg = v, part
    return best, sorted(tuple(sorted(c)) for c in arg)


def datasets(n, seed):
    rng = np.random.default_rng(seed)
    yield rng.integers(0, 2, size=(300, n))  # unstructured
    yield sample_planted_mcm([[0, 2, n - 1], list(range(3, n - 1)), [1]], 400, alpha=0.3, seed=seed)
    X = rng.integers(0, 2, size=(150, n))  # structured: copies with noise
    X[:, 1] = X[:, 0] ^ (rng.random(150) < 0.05)
    X[:, 4] = X[:, 3] ^ X[:, 2]
    yield X


@pytest.mark.parametrize("n", [1, 2, 5, 7, 8])
def test_exact_matches_brute_force(n):
    for k, X in enumerate(datasets(max(n, 6), seed=n) if n >= 6 else
                          [np.random.default_rng(n).integers(0, 2, size=(40, n))]):
        best, arg = brute_force(X)
        res = exact_search(X)
        assert res.optimal
        assert res.log_evidence == pytest.approx(best, abs=1e-8), f"dataset {k}"
        assert sorted(res.components) == arg


@pytest.mark.slow
def test_exact_matches_brute_force_n10():
    # Bell(10) = 115975 partitions
    for X in datasets(10, seed=10):
        best, arg = brute_force(X)
        res = exact_search(X)
        assert res.log_evidence == pytest.approx(best, abs=1e-8)
        assert sorted(res.components) == arg


def test_subset_evidence_table_matches_direct():
    X = np.random.default_rng(5).integers(0, 2, size=(200, 7))
    X[:, 6] = X[:, 5] & X[:, 4]
    E = subset_log_evidence(as_binary_data(X))
    np.testing.assert_allclose(E, direct_subset_evidence(X), rtol=0, atol=1e-8)


def test_scotus_best_partition(shared_data):
    d = read_binary_data(shared_data / "mcm" / "SCOTUS_n9_N895.dat")
    res = exact_search(d)
    assert res.components == [(0, 2, 3, 4, 6), (1, 5, 7, 8)]  # {1,3,4,5,7}, {2,6,8,9}
    assert res.log_evidence == pytest.approx(-3300.3955, abs=1e-4)
    assert sum(res.component_log_evidence) == pytest.approx(res.log_evidence)


def test_heuristics_never_beat_exact_and_find_planted():
    planted = [[0, 3, 7], [1, 2], [4, 5, 6, 8, 9], [10]]
    X = sample_planted_mcm(planted, 4000, alpha=0.2, seed=7)
    ex = exact_search(X)
    gr = greedy_search(X)
    an = anneal_search(X, steps=3000, seed=1)
    assert ex.components == [tuple(c) for c in sorted(planted)]
    assert gr.log_evidence <= ex.log_evidence + 1e-9
    assert gr.log_evidence <= an.log_evidence + 1e-9 <= ex.log_evidence + 2e-9
    assert an.log_evidence == pytest.approx(log_evidence(X, an.components))


def test_anneal_improves_a_bad_start_and_is_reproducible():
    X = sample_planted_mcm([[0, 1, 2, 3], [4, 5, 6, 7]], 3000, alpha=0.3, seed=2)
    a = anneal_search(X, steps=4000, init="singletons", seed=5)
    b = anneal_search(X, steps=4000, init="singletons", seed=5)
    assert a == b
    assert a.log_evidence > log_evidence(X, [[i] for i in range(8)])
    assert a.log_evidence == pytest.approx(exact_search(X).log_evidence, abs=1e-9)


def test_greedy_on_128_variables_recovers_planted_blocks():
    rng = np.random.default_rng(0)
    perm = rng.permutation(128)
    planted = [sorted(perm[i:i + 4].tolist()) for i in range(0, 128, 4)]
    X = sample_planted_mcm(planted, 3000, alpha=0.1, seed=3)
    res = greedy_search(X)
    assert res.n == 128
    assert sorted(res.components) == sorted(tuple(c) for c in planted)
    assert res.log_evidence == pytest.approx(log_evidence(X, res.components), abs=1e-6)


def test_exact_refuses_large_n_and_names_alternatives():
    X = np.zeros((3, 23), dtype=int)
    with pytest.raises(InputError, match="greedy"):
        exact_search(X)
    with pytest.raises(InputError, match="n <= 4"):
        exact_search(np.zeros((3, 5), dtype=int), max_n=4)


def test_label_kernels_dense_and_hash_paths_agree():
    from spinscope.mcm import _kernels as K
    from spinscope.mcm.evidence import tables

    rng = np.random.default_rng(0)
    m = 500
    la, lb = rng.integers(0, 40, m), rng.integers(0, 30, m)
    counts = rng.integers(1, 5, m)
    t = tables(int(counts.sum())).lgh
    dense = K._label_pair_sum(la, 40, lb, 30, counts, t, 10**6)
    hashed = K._label_pair_sum(la, 40, lb, 30, counts, t, 0)
    _, inv = np.unique(la * 30 + lb, return_inverse=True)
    direct = t[np.bincount(inv, weights=counts).astype(int)].sum()
    assert dense == pytest.approx(direct) and hashed == pytest.approx(direct)
    for dmax in (10**6, 0):
        lab, k = K.relabel_pairs(la, 40, lb, 30, dmax)
        assert k == len(np.unique(la * 30 + lb))
        # same partition of the states as the pair keys
        assert len(set(zip(lab.tolist(), (la * 30 + lb).tolist()))) == k


@pytest.mark.slow
def test_shapes_dataset_exact_matches_brute_force(shared_data):
    d = read_binary_data(shared_data / "mcm" / "Shapes_n9_N100000.dat")
    X, w = d.to_array(), d.counts
    E = np.zeros(1 << 9)
    for S in range(1, 1 << 9):
        cols = [i for i in range(9) if S >> i & 1]
        _, inv = np.unique(X[:, cols], axis=0, return_inverse=True)
        E[S] = log_evidence_complete(np.bincount(inv.ravel(), weights=w).astype(int), len(cols))
    best = max(sum(E[sum(1 << i for i in c)] for c in p) for p in set_partitions(list(range(9))))
    res = exact_search(d)
    assert res.log_evidence == pytest.approx(best, abs=1e-6)
    assert greedy_search(d).log_evidence <= res.log_evidence + 1e-6


def test_anneal_schedule_is_geometric_from_t_start_to_t_end():
    from spinscope.mcm import anneal_schedule

    T = anneal_schedule(5, 1.0, 1e-4)
    np.testing.assert_allclose(T, [1.0, 1e-1, 1e-2, 1e-3, 1e-4], rtol=1e-12)
    assert T[0] == 1.0 and T[-1] == 1e-4
    assert anneal_schedule(1, 2.0, 1e-3).tolist() == [2.0]
    assert anneal_schedule(0, 2.0, 1e-3).size == 0
    with pytest.raises(InputError):
        anneal_schedule(10, 0.0, 1e-3)


@pytest.mark.parametrize("n", [1, 2, 6])
def test_anneal_reaches_t_end_even_when_moves_are_skipped(n):
    # n = 1: every draw is no move (nothing to move, merge or split); n = 2 and 6 from singletons:
    # many draws are skipped (splits of singletons, moves of a singleton to a new component).
    # The schedule must still advance on every step and end at t_end.
    X = np.random.default_rng(n).integers(0, 2, size=(200, n))
    res = anneal_search(X, steps=300, t_start=2.0, t_end=1e-3, init="singletons", seed=0)
    assert res.final_temperature == pytest.approx(1e-3, rel=1e-12)
    assert anneal_search(X, steps=0, seed=0).final_temperature is None
    assert greedy_search(X).final_temperature is None
