"""Exact checks of the problem conversions (Ising <-> QUBO, Max-Cut) by enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from spinscope.errors import InputError
from spinscope.models import IsingModel, hypercubic
from spinscope.optimize import (
    ising_problem,
    ising_to_qubo,
    maxcut_from_edges,
    maxcut_from_graph,
    maxcut_from_matrix,
    qubo_problem,
    qubo_to_ising,
)

N = 7
S = np.array(list(itertools.product([-1, 1], repeat=N)), dtype=float)  # all 2^N states
X = (S + 1) / 2


def qform(a, v):
    return np.einsum("ki,ij,kj->k", v, np.asarray(a), v)


def ising_dimod(h, J, off=0.0):
    return S @ h + qform(np.triu(J, 1) + np.tril(J, -1), S) + off


@pytest.mark.parametrize("shape", ["upper", "symmetric", "lower"])
def test_qubo_to_ising_exact_on_all_states(shape):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(N, N))
    Q = {"upper": np.triu(a), "symmetric": a + a.T, "lower": np.tril(a)}[shape]
    h, C, off = qubo_to_ising(Q, offset=0.75)
    want = qform(Q, X) + 0.75
    np.testing.assert_allclose(S @ h + qform(C.toarray(), S) + off, want, atol=1e-12)
    np.testing.assert_allclose(qubo_problem(Q, offset=0.75).energy(S), want, atol=1e-12)
    Q2, off2 = ising_to_qubo(h, C, off)  # round trip
    np.testing.assert_allclose(qform(Q2.toarray(), X) + off2, want, atol=1e-12)


def test_ising_to_qubo_exact_and_problem_energy():
    rng = np.random.default_rng(2)
    h, J = rng.normal(size=N), np.triu(rng.normal(size=(N, N)), 1)
    want = ising_dimod(h, J, -1.5)
    Q, off = ising_to_qubo(h, J, offset=-1.5)
    np.testing.assert_allclose(qform(Q.toarray(), X) + off, want, atol=1e-12)
    np.testing.assert_allclose(ising_problem(h, J, offset=-1.5).energy(S), want, atol=1e-12)
    # dimod dict semantics: (i, j) and (j, i) entries add up
    d = {(0, 1): 0.5, (1, 0): 0.25, (2, 2): 1.0}
    p = qubo_problem(d)
    x = X[:, :3]
    np.testing.assert_allclose(qubo_problem(d).energy(S[:, :3]), 0.75 * x[:, 0] * x[:, 1] + x[:, 2])
    assert p.n == 3


def test_ising_problem_accepts_spinscope_model_unchanged():
    rng = np.random.default_rng(3)
    a = np.triu(rng.normal(size=(N, N)), 1)
    m = IsingModel(a + a.T, rng.normal(size=N))
    np.testing.assert_allclose(ising_problem(m).energy(S), m.energy(S))


def test_maxcut_cut_equals_energy_formula_and_constructors_agree():
    rng = np.random.default_rng(4)
    edges = np.array([(i, j) for i in range(N) for j in range(i + 1, N) if rng.random() < 0.6])
    w = rng.choice([-1.0, 1.0, 2.5], size=len(edges))
    p = maxcut_from_edges(edges, w)
    brute = np.array([sum(wk for (i, j), wk in zip(edges, w) if s[i] != s[j]) for s in S])
    np.testing.assert_allclose(p.cut(S), brute)
    np.testing.assert_allclose(p.cut(S), (p.total_weight - p.energy(S)) / 2)
    W = np.zeros((N, N))
    W[edges[:, 0], edges[:, 1]] = w
    for q in (maxcut_from_matrix(W + W.T), maxcut_from_matrix(sp.csr_array(W + W.T))):
        np.testing.assert_allclose(q.cut(S), brute)
    g = hypercubic((4, 4))
    assert maxcut_from_graph(g).cut(np.tile([1, -1, 1, -1, -1, 1, -1, 1], 2)) == 32  # bipartite: all cut


@pytest.mark.parametrize(("call", "match"), [
    (lambda: qubo_problem(np.array([[1.0, 2.0], [3.0, 1.0]])), r"symmetric or triangular; Q\[0,1\]"),
    (lambda: qubo_problem(np.array([[np.nan, 0.0], [0.0, 1.0]])), "NaN"),
    (lambda: ising_problem(np.zeros(2), np.eye(2)), r"J\[0,0\]"),
    (lambda: ising_problem(np.zeros(3), np.zeros((2, 2))), "h has length 3"),
    (lambda: maxcut_from_edges([[0, 1], [1, 0]]), "both join vertices"),
    (lambda: maxcut_from_edges([[0, 0]], n=2), "self-loop"),
    (lambda: maxcut_from_edges([[0, 5]], n=3), "outside 0..2"),
    (lambda: maxcut_from_edges([[0, 1]], [np.nan]), "NaN"),
    (lambda: maxcut_from_matrix(np.array([[0.0, 1.0], [2.0, 0.0]])), "symmetric"),
])
def test_bad_input_is_one_clear_error(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_target_conversion_roundtrip():
    p = maxcut_from_edges([[0, 1], [1, 2]], [1.0, 3.0])
    assert p.value_to_energy(4.0) == -4.0
    assert p.energy_to_value(p.value_to_energy(2.5)) == 2.5
