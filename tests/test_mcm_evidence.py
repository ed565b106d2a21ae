"""Evidence, likelihood and complexity of complete models and MCMs (tests/test_mcm_evidence.py)."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy.special import betaln

from spinscope.errors import InputError
from spinscope.mcm import (
    complexity_complete,
    component_log_evidence,
    evaluate_partition,
    log_evidence,
    log_evidence_complete,
    read_binary_data,
)
from spinscope.mcm._kernels import log_rising


@pytest.fixture(scope="module")
def scotus(shared_data):
    return read_binary_data(shared_data / "mcm" / "SCOTUS_n9_N895.dat")


def test_scotus_reference_numbers(scotus):
    # issue 6 reference values (natural logs), to 1e-4
    assert log_evidence(scotus, [list(range(9))]) == pytest.approx(-3305.5466, abs=1e-4)
    part = [[0, 2, 3, 4, 6], [1, 5, 7, 8]]  # {1,3,4,5,7}, {2,6,8,9} numbered from 1
    assert log_evidence(scotus, part) == pytest.approx(-3300.3955, abs=1e-4)


def test_one_variable_is_beta_binomial():
    # r = 1: P = B(k1 + 1/2, k0 + 1/2) / B(1/2, 1/2)
    for k1, k0 in [(0, 5), (3, 4), (1000, 17)]:
        exact = betaln(k1 + 0.5, k0 + 0.5) - betaln(0.5, 0.5)
        assert log_evidence_complete([k1, k0], 1) == pytest.approx(exact, abs=1e-10)


def test_unobserved_states_contribute_nothing():
    assert log_evidence_complete([3, 0, 0, 5], 2) == log_evidence_complete([3, 5], 2)


@pytest.mark.parametrize("a, N", [(0.5, 10), (8.0, 3), (12.0, 1000), (2.0**40, 10**5),
                                  (2.0**127, 6 * 10**4), (1e6, 10**7)])
def test_log_rising_matches_mpmath(a, N):
    with mpmath.workdps(60):
        exact = float(mpmath.loggamma(mpmath.mpf(a) + N) - mpmath.loggamma(mpmath.mpf(a)))
    assert log_rising(a, N) == pytest.approx(exact, rel=1e-12, abs=1e-9)


def test_large_r_complete_model_is_stable():
    # r = 128 with every state distinct: each observation costs log(2**128) nats - small terms
    N = 1000
    val = log_evidence_complete(np.ones(N, dtype=int), 128)
    with mpmath.workdps(60):
        a = mpmath.mpf(2) ** 127
        exact = float(mpmath.loggamma(a) - mpmath.loggamma(a + N)
                      + N * (mpmath.loggamma(1.5) - mpmath.log(mpmath.pi) / 2))
    assert val == pytest.approx(exact, rel=1e-12)


def test_mcm_is_sum_of_components_and_matches_direct_counts():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 2, size=(500, 6))
    X[:, 1] = X[:, 0] ^ (rng.random(500) < 0.1)
    part = [[0, 1, 4], [2], [3, 5]]
    ev = evaluate_partition(X, part)
    for comp, c in zip(part, ev.components):
        _, counts = np.unique(X[:, comp], axis=0, return_counts=True)
        assert c.log_evidence == pytest.approx(log_evidence_complete(counts, len(comp)), abs=1e-9)
        assert c.log_evidence == pytest.approx(component_log_evidence(X, comp), abs=1e-9)
        assert c.max_log_likelihood == pytest.approx(float(np.sum(counts * np.log(counts / 500))), abs=1e-9)
    assert ev.log_evidence == pytest.approx(sum(c.log_evidence for c in ev.components))


def test_evidence_is_gauge_invariant_under_bit_flips():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 2, size=(300, 5))
    Y = X.copy()
    Y[:, [1, 3]] ^= 1  # flipping the meaning of 0/1 in some columns (the spin-sign convention)
    part = [[0, 1], [2, 3, 4]]
    assert log_evidence(X, part) == pytest.approx(log_evidence(Y, part), abs=1e-9)


def test_mdl_approaches_evidence_for_large_N():
    # complete model on r = 2 with all counts large: log P - MDL = O(1/N)
    rng = np.random.default_rng(0)
    errs = []
    for N in (10**3, 10**5):
        X = (rng.random((N, 2)) < [0.3, 0.6]).astype(int)
        c = evaluate_partition(X, [[0, 1]]).components[0]
        errs.append(abs(c.log_evidence - c.mdl_log_evidence))
    assert errs[1] < 0.01 and errs[1] < errs[0]


def test_complexity_closed_forms():
    par, geo = complexity_complete(1, 100)
    assert par == pytest.approx(0.5 * math.log(100 / (2 * math.pi)))
    assert geo == pytest.approx(math.log(math.pi))  # ∫ sech = pi
    assert complexity_complete(3, 50)[1] == pytest.approx(4 * math.log(math.pi) - math.log(6))


def test_bad_partitions():
    X = np.zeros((4, 3), dtype=int)
    with pytest.raises(InputError, match="variable 2 is in no component"):
        log_evidence(X, [[0, 1]])
    with pytest.raises(InputError, match="two components"):
        log_evidence(X, [[0, 1], [1, 2]])
    with pytest.raises(InputError, match="outside"):
        log_evidence(X, [[0, 1, 2, 3]])


def test_results_are_json_ready():
    import json

    from spinscope.mcm import best_basis, exact_search

    X = np.random.default_rng(0).integers(0, 2, size=(50, 4))
    json.dumps(evaluate_partition(X, [[0, 1], [2, 3]]).to_dict())
    json.dumps(exact_search(X).to_dict())
    json.dumps(best_basis(X).to_dict())
