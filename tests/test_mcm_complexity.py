"""Stochastic complexity of operator sets (tests/test_mcm_complexity.py).

Closed forms: a single operator has geometric term log(pi); a complete model on r variables
2**(r-1) log(pi) - log Gamma(2**(r-1)) (Beretta et al. 2018). Monte Carlo estimates are checked
against the closed forms within 4 standard errors at fixed seeds.
"""

from __future__ import annotations

import math
from math import comb

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.mcm import (
    complexity_classes,
    gauge_transform,
    geometric_complexity,
    stochastic_complexity,
)
from spinscope.mcm.basis import gf2_rank
from spinscope.mcm.complexity import _mc_block, matroid_blocks

LOG_PI = math.log(math.pi)


def complete_geo(r):
    a = 2 ** (r - 1)
    return a * LOG_PI - math.lgamma(a)


def test_closed_forms():
    assert geometric_complexity([5]).value == pytest.approx(LOG_PI)
    assert geometric_complexity([1, 2, 4, 8]).value == pytest.approx(4 * LOG_PI)
    g = geometric_complexity([1, 2, 3])
    assert g.exact and g.value == pytest.approx(complete_geo(2))
    assert geometric_complexity(list(range(1, 16))).value == pytest.approx(complete_geo(4))
    # complete on {s1, s2} plus an independent s3: the integral factorises
    assert geometric_complexity([1, 2, 3, 4]).value == pytest.approx(complete_geo(2) + LOG_PI)
    sc = stochastic_complexity([1, 2, 3], 1000)
    assert sc["parametric"] == pytest.approx(1.5 * math.log(1000 / (2 * math.pi)))
    assert sc["total"] == pytest.approx(sc["parametric"] + complete_geo(2))


@pytest.mark.parametrize("r, samples", [(2, 40000), (3, 40000)])
def test_monte_carlo_matches_complete_model(r, samples):
    val, err = _mc_block(list(range(1, 1 << r)), r, samples, np.random.default_rng(r))
    assert 0 < err < 0.1
    assert abs(val - complete_geo(r)) < 4 * err


def test_monte_carlo_is_exact_for_independent_operators():
    val, err = _mc_block([1, 2, 4], 3, 100, np.random.default_rng(0))
    assert val == pytest.approx(3 * LOG_PI, abs=1e-10) and err < 1e-10


def test_matroid_blocks():
    assert sorted(map(sorted, matroid_blocks([1, 2, 3, 4]))) == [[1, 2, 3], [4]]
    assert len(matroid_blocks([1, 2, 4, 7])) == 1  # s1 s2 s3 (s1 s2 s3): one circuit
    assert len(matroid_blocks([1, 2, 4])) == 3


def test_gauge_invariance():
    rng = np.random.default_rng(0)
    n = 4
    models = [[1, 2, 4, 7], [3, 5, 6, 9, 12], [1, 2, 3, 4, 8]]
    for ops in models:
        while True:
            B = [int(x) for x in rng.integers(1, 16, size=n)]
            if gf2_rank(B) == n:
                break
        ops2 = gauge_transform(ops, B, n)
        assert ops2 != ops
        a = geometric_complexity(ops, samples=3000, seed=1)
        b = geometric_complexity(ops2, samples=3000, seed=1)
        # same draws of g give the same Fisher matrices: equal up to rounding
        assert a.value == pytest.approx(b.value, abs=1e-9)
        assert a.stderr == pytest.approx(b.stderr, abs=1e-9)


def test_classes_n3():
    cls = complexity_classes(3, geometric=False)
    for K in range(1, 8):
        sizes = [c.size for c in cls if c.n_operators == K]
        assert sum(sizes) == comb(7, K)
    three = sorted(c.size for c in cls if c.n_operators == 3)
    assert three == [7, 28]  # the 7 lines of the Fano plane (dependent triples) and the rest
    with_geo = complexity_classes(3, n_operators=3, samples=2000, seed=0)
    vals = sorted(c.geometric.value for c in with_geo)
    assert vals == pytest.approx(sorted([complete_geo(2), 3 * LOG_PI]))


def test_classes_n4_count_sizes():
    cls = complexity_classes(4, n_operators=4, geometric=False)
    assert sum(c.size for c in cls) == comb(15, 4)
    assert {c.rank for c in cls} == {3, 4}


def test_bad_models():
    with pytest.raises(InputError, match="distinct"):
        geometric_complexity([1, 1])
    with pytest.raises(InputError, match="non-zero"):
        geometric_complexity([0, 1])
    with pytest.raises(InputError, match="n <= 4"):
        complexity_classes(5)


def _logistic_estimate(ops, n, samples, rng):
    """Independent estimator of log ∫ sqrt(det J): i.i.d. logistic proposal, direct enumeration."""
    states = np.arange(1 << n)
    phi = np.array([[1 - 2 * (bin(o & s).count("1") & 1) for o in ops] for s in states], float)
    g = rng.logistic(size=(samples, len(ops)))
    logq = np.sum(-g - 2 * np.log1p(np.exp(-g)), axis=1)
    e = g @ phi.T
    p = np.exp(e - e.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    mean = p @ phi
    J = np.einsum("bs,sk,sl->bkl", p, phi, phi) - mean[:, :, None] * mean[:, None, :]
    w = np.exp(0.5 * np.linalg.slogdet(J)[1] - logq)
    return math.log(w.mean()), w.std(ddof=1) / w.mean() / math.sqrt(samples)


def test_monte_carlo_agrees_with_an_independent_estimator():
    # s1, s2, s3 and s1 s2 s3: one circuit, no closed form. Threshold: 5 combined standard errors.
    ops = [1, 2, 4, 7]
    ours = geometric_complexity(ops, samples=40000, seed=2)
    assert not ours.exact and ours.stderr < 0.05
    other, err = _logistic_estimate(ops, 3, 40000, np.random.default_rng(3))
    assert abs(ours.value - other) < 5 * math.hypot(ours.stderr, err)


def test_results_are_json_ready():
    import json

    json.dumps(geometric_complexity([1, 2, 4, 7], samples=100, seed=0).to_dict())
    json.dumps([c.to_dict() for c in complexity_classes(2, samples=100, seed=0)])
