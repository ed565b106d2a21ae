"""Spin operators, best basis and gauge transformations (tests/test_mcm_basis.py)."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.errors import DataFileError, InputError
from spinscope.mcm import (
    as_binary_data,
    best_basis,
    exact_search,
    gf2_inverse,
    inverse_transform,
    log_evidence,
    operator_frequencies,
    read_basis_file,
    read_binary_data,
    transform,
)
from spinscope.mcm.basis import _entropy, gf2_rank
from spinscope.mcm.complexity import _gl2


def random_basis(n, rng):
    while True:
        bits = rng.random((n, n)) < 0.3
        ops = [sum(1 << i for i in np.flatnonzero(row).tolist()) for row in bits]
        if gf2_rank(ops) == n:
            return ops


def test_scotus_best_basis_mcm(shared_data):
    d = read_binary_data(shared_data / "mcm" / "SCOTUS_n9_N895.dat")
    b = best_basis(d)
    res = exact_search(transform(d, b.operators))
    assert res.log_evidence == pytest.approx(-3154.4212, abs=1e-4)
    # the complete model's evidence does not depend on the basis
    assert log_evidence(transform(d, b.operators), [list(range(9))]) == pytest.approx(-3305.5466, abs=1e-4)


def test_frequencies_by_walsh_hadamard_match_direct_parities():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(300, 6))
    X[:, 2] = X[:, 0] ^ X[:, 1]
    d = as_binary_data(X)
    ops = list(range(1, 64))
    direct = np.array([np.mean(np.bitwise_xor.reduce(X[:, [i for i in range(6) if o >> i & 1]], axis=1))
                       for o in ops])
    np.testing.assert_allclose(operator_frequencies(d, ops), direct, atol=1e-12)
    b = best_basis(d)
    np.testing.assert_allclose(b.frequencies, operator_frequencies(d, b.operators), atol=1e-12)
    assert 0b011 in b.operators or 0b111 in b.operators  # s1 s2 s3 = +1 always: zero entropy
    assert b.entropies[0] == pytest.approx(0.0, abs=1e-12)


def test_best_basis_is_the_minimum_over_all_bases_n4():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 2, size=(400, 4))
    X[:, 3] = X[:, 0] ^ X[:, 1] ^ (rng.random(400) < 0.1)
    d = as_binary_data(X)
    freqs = operator_frequencies(d, list(range(1, 16)))
    H = _entropy(freqs)
    G = _gl2(4)  # every ordered basis (20160)
    brute = min(float(H[row - 1].sum()) for row in G)
    assert best_basis(d).entropy_sum == pytest.approx(brute, abs=1e-12)


def test_order_restricted_search():
    rng = np.random.default_rng(2)
    n = 8
    X = rng.integers(0, 2, size=(2000, n))
    X[:, 1] = X[:, 0] ^ (rng.random(2000) < 0.02)   # pairwise structure
    X[:, 5] = X[:, 2] ^ X[:, 3] ^ X[:, 4] ^ (rng.random(2000) < 0.02)  # a 4th-order operator
    d = as_binary_data(X)
    full = best_basis(d)
    o1 = best_basis(d, order=1)
    o2 = best_basis(d, order=2)
    assert sorted(o1.operators) == [1 << i for i in range(n)]  # order 1: the original spins
    assert full.entropy_sum <= o2.entropy_sum + 1e-12 <= o1.entropy_sum + 2e-12
    # iterating order-2 searches builds the order-4 operator s3 s4 s5 s6 as a product of pairs
    assert 0b111100 in o2.operators and 0b11 in o2.operators
    assert o2.entropy_sum == pytest.approx(full.entropy_sum, abs=1e-3)  # rest: unbiased filler
    assert gf2_rank(o2.operators) == n


@pytest.mark.parametrize("n", [5, 70])
def test_transform_roundtrip_and_inverse(n):
    rng = np.random.default_rng(n)
    X = rng.integers(0, 2, size=(100, n))
    d = as_binary_data(X)
    B = random_basis(n, rng)
    t = transform(d, B)
    assert t.N == d.N and sorted(t.counts) == sorted(d.counts)
    back = inverse_transform(t, B)
    assert np.array_equal(back.states, d.states) and np.array_equal(back.counts, d.counts)
    # inverse matrix: parity(inv[i] & parity(B & x)) = x_i
    inv = gf2_inverse(B, n)
    x = int(rng.integers(0, 1 << min(n, 62)))
    y = sum((bin(b & x).count("1") & 1) << a for a, b in enumerate(B))
    assert sum((bin(m & y).count("1") & 1) << i for i, m in enumerate(inv)) == x


def test_bad_bases(tmp_path):
    d = as_binary_data(np.zeros((3, 3), dtype=int))
    with pytest.raises(InputError, match="independent"):
        transform(d, [1, 2, 3])
    with pytest.raises(InputError, match="needs 3"):
        transform(d, [1, 2])
    f = tmp_path / "b.txt"
    f.write_text("100\n010\n110\n")
    with pytest.raises(DataFileError, match="line 3"):
        read_basis_file(f, 3)
    f.write_text("100\n01\n")
    with pytest.raises(DataFileError, match="line 2"):
        read_basis_file(f, 3)
    f.write_text("100\n011\n001\n")
    assert read_basis_file(f, 3) == [1, 6, 4]
    with pytest.raises(InputError, match="order"):
        best_basis(np.zeros((3, 30), dtype=int))
