"""Number partitioning, cover (decimation) encodings, exhaustive landscapes and encoded local search."""

from __future__ import annotations

import heapq
import itertools

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.exact.metastable import count_one_flip_stable
from spinscope.optimize import (
    analyze_landscape,
    ising_encoding,
    ising_energy_table,
    karmarkar_karp,
    maxcut_from_edges,
    partition_encoding,
    partition_ising_problem,
    partition_landscape_study,
    partition_landscapes,
    partition_local_search,
    partition_maxcut_problem,
    partition_optimum,
    partition_residual,
    random_partition_numbers,
    sk_problem,
)
from spinscope.optimize.partition import codes_to_spins, signed_sums


def all_spins(n):
    return codes_to_spins(np.arange(2**n), n)


# ---------------------------------------------------------------------------- the problem
def test_exact_optimum_equals_brute_force():
    for seed in range(5):
        a = random_partition_numbers(10, bits=12, seed=seed)
        brute = min(abs(sum(x * s for x, s in zip(a, signs, strict=True)))
                    for signs in itertools.product((-1, 1), repeat=10))
        res, s = partition_optimum(a)
        assert res == brute and partition_residual(a, s) == res
        assert karmarkar_karp(a) >= res


def test_karmarkar_karp_known_example_and_signed_sums_coding():
    assert karmarkar_karp([8, 7, 6, 5, 4]) == 2 and partition_optimum([8, 7, 6, 5, 4])[0] == 0
    a = np.array([1.0, 10.0, 100.0])
    sums = signed_sums(a)
    assert np.allclose(sums, all_spins(3) @ a)  # bit i set <-> s_i = +1


def test_ising_and_maxcut_forms_reproduce_the_residual():
    a = random_partition_numbers(7, seed=1)
    s = all_spins(7)
    r2 = partition_residual(a, s) ** 2
    assert np.allclose(partition_ising_problem(a).energy(s), r2)
    mc = partition_maxcut_problem(a)
    w_total = (a.sum() ** 2 - a @ a) / 2
    assert np.allclose(a @ a + 2 * w_total - 4 * mc.cut(s), r2)


def test_random_instances_are_seeded_and_in_range():
    x = random_partition_numbers(50, seed=3)
    assert np.array_equal(x, random_partition_numbers(50, seed=3)) and np.all((x > 0) & (x <= 1))
    b = random_partition_numbers(200, bits=4, seed=3)
    assert set(np.unique(b)) <= set(range(1, 17)) and b.min() == 1 and b.max() == 16


# ---------------------------------------------------------------------------- decoding
@pytest.mark.parametrize("n, k", [(9, 4), (8, 0), (6, 5)])
def test_partition_decoding_is_the_best_of_the_cover_set(n, k):
    a = random_partition_numbers(n, seed=n + k)
    enc = partition_encoding(a, n_fine=k)
    xs = all_spins(enc.m)
    decoded = enc.decode(xs)
    assert np.array_equal(enc.encode(decoded), xs)  # in the cover set
    best = [partition_residual(a, enc.cover_set(x)).min() for x in xs]
    assert np.allclose(partition_residual(a, decoded), best, rtol=0, atol=1e-12)
    assert np.allclose(enc.residual(xs), best, rtol=0, atol=1e-12)
    assert np.allclose(enc.table(), best, rtol=0, atol=1e-12)  # table is in code order
    # the cover sets partition the space, so the encoded optimum is the true optimum
    assert min(best) == pytest.approx(partition_optimum(a)[0], abs=1e-12)
    assert np.all(a[enc.coarse].min(initial=np.inf) >= a[enc.fine].max(initial=0))


def test_ising_decoding_independent_and_coupled_fine_sets():
    ring = maxcut_from_edges([(i, (i + 1) % 9) for i in range(9)] + [(0, 4)],
                             np.linspace(0.5, 2.0, 10))
    sk = sk_problem(8, seed=5)
    for problem, fine in ((ring, None), (sk, [0, 3, 6]), (sk, None)):
        enc = ising_encoding(problem, fine=fine)
        assert enc.independent == (fine is None)
        xs = all_spins(enc.m)
        decoded = enc.decode(xs)
        assert np.array_equal(enc.encode(decoded), xs)
        best = [problem.energy(enc.cover_set(x)).min() for x in xs]
        assert np.allclose(enc.energy(xs), best, atol=1e-12) and np.allclose(enc.table(), best, atol=1e-12)
    assert ising_encoding(ring).fine.size >= 3  # a maximal independent set of the 9-cycle


def test_ising_encoding_of_the_partition_problem_matches_the_partition_encoding():
    a = random_partition_numbers(9, seed=2)
    enc = partition_encoding(a, n_fine=4)
    ienc = ising_encoding(partition_ising_problem(a), fine=enc.fine)
    xs = all_spins(enc.m)
    s = enc.decode(xs)  # same cover sets (same fine spins), coarse spins in another order
    assert np.allclose(ienc.energy(ienc.encode(s)), enc.residual(xs) ** 2, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------------------- landscapes
def brute_landscape(table, n):
    """Minima, steepest-descent success and first-improvement success by plain recursion."""
    size = 2**n
    nbrs = [[c ^ (1 << i) for i in range(n)] for c in range(size)]
    minima = [c for c in range(size) if all(table[b] >= table[c] for b in nbrs[c])]
    gmin = table.min()

    def steepest_end(c):
        while True:
            b = min(nbrs[c], key=lambda x: (table[x], x))
            if table[b] >= table[c]:
                return c
            c = b

    memo = {}

    def p(c):
        if c not in memo:
            better = [b for b in nbrs[c] if table[b] < table[c]]
            memo[c] = float(table[c] == gmin) if not better else np.mean([p(b) for b in better])
        return memo[c]

    order = np.argsort(table)
    for c in order:
        p(int(c))
    steep = np.mean([table[steepest_end(c)] == gmin for c in range(size)])
    return minima, steep, np.mean([p(c) for c in range(size)])


def brute_escape(table, n, m):
    """Minimax path height from minimum ``m`` to any strictly lower state, minus ``E(m)``."""
    best = {m: table[m]}
    heap = [(table[m], m)]
    while heap:
        h, c = heapq.heappop(heap)
        if table[c] < table[m]:
            return h - table[m]
        for i in range(n):
            b = c ^ (1 << i)
            hb = max(h, table[b])
            if hb < best.get(b, np.inf):
                best[b] = hb
                heapq.heappush(heap, (hb, b))
    return np.nan


@pytest.mark.parametrize("n", [6, 9, 12])
def test_landscape_statistics_against_brute_force(n):
    a = random_partition_numbers(n, seed=40 + n)
    table = np.abs(signed_sums(a))
    land = analyze_landscape(table, tol=0.0, barriers=True)
    minima, steep, rand = brute_landscape(table, n)
    assert sorted(land.minima.tolist()) == sorted(minima)
    assert land.basin_sizes.sum() == 2**n and land.n_global == 2  # s* and -s*
    assert land.steepest_success == pytest.approx(steep, abs=1e-12)
    assert land.random_success == pytest.approx(rand, abs=1e-12)
    for m, esc in zip(land.minima[2:], land.escape_barriers[2:], strict=True):  # skip s*, -s*
        assert esc == pytest.approx(brute_escape(table, n, int(m)), abs=1e-12)
    assert land.pair_saddle - land.global_energy == pytest.approx(land.escape_barriers[1], abs=1e-12)
    assert np.isnan(land.escape_barriers[0])


def test_ising_table_and_minima_match_the_exact_enumeration():
    p = sk_problem(11, seed=8)
    table = ising_energy_table(p)
    assert np.allclose(table, p.energy(all_spins(11)), atol=1e-12)
    land = analyze_landscape(table)
    assert land.n_minima == count_one_flip_stable(p.model) and land.n_global == 2


def _assert_encoded_better(study):
    assert study["same_optimum"]
    assert study["encoded_fewer_minima"] == 1.0
    assert study["encoded_higher_steepest"] == 1.0 and study["encoded_higher_random"] == 1.0


def test_encoded_landscape_has_fewer_minima_and_more_successful_walks_fast():
    # measured (seed 7, 12 instances at n = 12 and 14): every instance better on all three counts
    for n in (12, 14):
        study = partition_landscape_study(n, instances=12, seed=7)
        _assert_encoded_better(study)
        assert study["encoded"]["mean"]["random_success"] >= 5 * study["original"]["mean"]["random_success"]


def test_encoded_local_search_beats_the_original_at_n64_fast():
    for k in range(4):
        a = random_partition_numbers(64, seed=500 + k)
        orig = partition_local_search(a, budget=10_000, seed=k)
        enc = partition_local_search(a, budget=10_000, n_fine=16, seed=k)
        assert orig.evaluations == enc.evaluations == 10_000
        assert enc.residual < orig.residual


def test_local_search_is_deterministic_and_stops_at_a_perfect_partition():
    a = random_partition_numbers(30, seed=1)
    r1, r2 = (partition_local_search(a, budget=3000, n_fine=5, seed=9) for _ in range(2))
    assert r1.residual == r2.residual and np.array_equal(r1.s, r2.s) and r1.descents > 0
    perfect = partition_local_search([3.0, 1.0, 2.0, 4.0], budget=10_000, seed=0)
    assert perfect.residual == 0.0 and perfect.evaluations < 10_000


@pytest.mark.slow
def test_encoded_landscape_over_100_instances_slow():
    # 40 + 35 + 25 = 100 instances at n = 16, 18, 20 (barriers off; ~40 s on a loaded core)
    for n, count in ((16, 40), (18, 35), (20, 25)):
        study = partition_landscape_study(n, instances=count, seed=2024 + n)
        _assert_encoded_better(study)
        assert study["encoded"]["mean"]["random_success"] >= 10 * study["original"]["mean"]["random_success"]


@pytest.mark.slow
def test_encoded_local_search_over_instances_slow():
    for n in (64, 128):
        wins = 0
        for k in range(20):
            a = random_partition_numbers(n, seed=10_000 * n + k)
            orig = partition_local_search(a, budget=100_000, seed=k)
            enc = partition_local_search(a, budget=100_000, n_fine=16, seed=k)
            wins += enc.residual < orig.residual
        assert wins == 20


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, match", [
    (lambda: partition_optimum([1.0]), "at least 2"),
    (lambda: partition_encoding([3.0, -1.0, 2.0]), r"numbers\[1\] = -1.0.*> 0"),
    (lambda: partition_optimum(np.ones(21)), "n = 21 is too large"),
    (lambda: partition_landscapes(np.ones(22)), "n = 22 is too large"),
    (lambda: analyze_landscape(np.zeros(2**21)), "n = 21 is too large"),
    (lambda: analyze_landscape(np.zeros(6)), "2\\^n entries"),
    (lambda: partition_encoding(np.ones(8), n_fine=8), "n_fine must be at most"),
    (lambda: partition_local_search([1.0, 2.0], budget=0), "budget"),
    (lambda: ising_encoding(sk_problem(20, seed=0), fine=range(17)), "17 coupled fine spins"),
    (lambda: random_partition_numbers(1), "n"),
    (lambda: partition_encoding([1.0, np.nan]), "finite|NaN"),
])
def test_bad_input_is_refused_with_one_clear_message(call, match):
    with pytest.raises(InputError, match=match):
        call()
    with pytest.raises(ValueError):  # InputError is a ValueError too
        call()
