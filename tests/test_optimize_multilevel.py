"""Multi-level (recursive) encodings: levels compose, every level keeps the optimum, the level study."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.optimize import maxcut_from_edges
from spinscope.optimize.encoded_instances import random_maxcut_problem, sk_pm_problem
from spinscope.optimize.level_study import level_study
from spinscope.optimize.multilevel import coarse_grain_table, ising_levels, partition_levels
from spinscope.optimize.partition import (
    codes_to_spins,
    partition_residual,
    random_partition_numbers,
)


def _check_levels_compose(ml, value, unique=True):
    """Decoding through r table maps equals the one-step encoding's decoder (the same configuration
    when minimisers are unique, else the same energy); every level keeps min E."""
    tables = ml.tables()
    e0 = tables[0][0]
    assert np.allclose(e0, value(codes_to_spins(np.arange(2**ml.n), ml.n)), atol=1e-9)
    for r in range(1, ml.levels + 1):
        m = ml.coarse(r).size
        codes = np.arange(2**m)
        through = codes_to_spins(ml.decode_through(codes, tables[: r + 1]), ml.n)
        direct = ml.single_step(r).decode(codes_to_spins(codes, m))
        assert np.array_equal(through, direct) or not unique
        assert np.allclose(value(through), value(direct), atol=1e-9)
        assert np.array_equal(through[:, ml.coarse(r)], codes_to_spins(codes, m))  # in the cover set
        assert np.allclose(tables[r][0], value(direct), atol=1e-9)
        assert tables[r][0].min() == pytest.approx(e0.min(), abs=1e-12)


@pytest.mark.parametrize("n, levels", [(12, 4), (11, 3)])
def test_partition_levels_compose_and_keep_the_optimum(n, levels):
    a = random_partition_numbers(n, seed=n)
    ml = partition_levels(a, levels=levels)
    assert ml.sizes()[0] == n and all(ml.sizes()[j] == -(-ml.sizes()[j - 1] // 2) for j in range(1, levels + 1))
    # the fine numbers of each level are smaller than every number that stays coarse
    for r in range(1, levels + 1):
        assert a[ml.fine_sets[r - 1]].max() <= a[ml.coarse(r)].min()
    _check_levels_compose(ml, lambda s: partition_residual(a, s))


def _weighted(p, seed):
    return maxcut_from_edges(p.edges, np.random.default_rng(seed).uniform(0.5, 1.5, p.edges.shape[0]), n=p.n)


@pytest.mark.parametrize("make, rule, levels, unique", [
    (lambda: sk_pm_problem(10, seed=3), "half", 3, False),  # ±1 couplings: ties between fine states
    (lambda: _weighted(random_maxcut_problem(12, seed=4), 1), "independent", 3, True),
    (lambda: random_maxcut_problem(12, seed=4), "independent", 2, False),
    (lambda: _weighted(random_maxcut_problem(12, seed=5), 2), "half", 3, True),
])
def test_ising_levels_compose_and_keep_the_optimum(make, rule, levels, unique):
    p = make()
    ml = ising_levels(p, levels=levels, rule=rule)
    _check_levels_compose(ml, p.energy, unique)
    if rule == "independent":  # each level's fine set is independent in the effective graph
        tables = ml.tables()
        for r in range(1, levels + 1):
            assert ml.single_step(r).fine.size == ml.fine(r).size
        assert tables[-1][0].size == 2 ** ml.sizes()[-1]


def test_coarse_grain_table_against_brute_force():
    rng = np.random.default_rng(0)
    t = rng.normal(size=2**6)
    coarse_t, decode = coarse_grain_table(t, [1, 4])
    for x in range(2**4):
        bits = [(x >> j) & 1 for j in range(4)]  # coarse bits 0, 2, 3, 5
        base = bits[0] | bits[1] << 2 | bits[2] << 3 | bits[3] << 5
        cands = [base | y0 << 1 | y1 << 4 for y0, y1 in itertools.product((0, 1), repeat=2)]
        best = min(cands, key=lambda c: t[c])
        assert decode[x] == best and coarse_t[x] == t[best]


def test_level_study_fast():
    # measured (seed 5, 10 instances, n = 12; levels 0/1/2): mean minima partition 291.8/11.8/2.0,
    # maxcut 80.8/8.4/3.4, ±1 SK 8.4/4.0/2.2; mean first-improvement success 0.007/0.245/1.0,
    # 0.474/0.782/1.0, 0.685/0.815/1.0; level 1 has fewer minima than level 0 in 10/10, 10/10
    # and 9/10 instances. Asserted: the optimum kept, the means strictly monotone, the fractions.
    fewer = {"partition": 1.0, "maxcut": 1.0, "ising": 0.9}
    for kind in ("partition", "maxcut", "ising"):
        s = level_study(kind, 12, instances=10, levels=2, seed=5)
        rows = s["per_level"]
        assert [row["same_optimum"] for row in rows] == [True] * 3
        assert rows[0]["n_minima"] > rows[1]["n_minima"] > rows[2]["n_minima"], kind
        assert rows[0]["random_success"] < rows[1]["random_success"] < rows[2]["random_success"], kind
        assert rows[1]["fewer_minima_than_previous"] >= fewer[kind], kind
        assert s["sizes"] == [12, 6, 3]


@pytest.mark.slow
def test_level_study_partition_n20_slow():
    # 12 instances at n = 20, levels 0 .. 3 (~30 s on a loaded core): on every instance the minima
    # fall and the mean first-improvement success rises level by level
    s = level_study("partition", 20, instances=12, levels=3, seed=2024)
    rows = s["per_level"]
    assert all(r["same_optimum"] for r in rows)
    for r in (1, 2):
        assert rows[r]["fewer_minima_than_previous"] == 1.0
        assert rows[r]["random_success"] > rows[r - 1]["random_success"]


@pytest.mark.parametrize("call, match", [
    (lambda: partition_levels(np.ones(8), levels=4), "at most 3"),
    (lambda: partition_levels(np.ones(8), levels=0), "levels"),
    (lambda: ising_levels(sk_pm_problem(8, seed=0), levels=2, rule="blocks"), "rule"),
    (lambda: ising_levels(maxcut_from_edges([(0, 1)], n=4), levels=2, rule="independent"), "nothing to decimate"),
    (lambda: coarse_grain_table(np.zeros(8), [0, 1, 2]), "fine_bits"),
    (lambda: level_study("tsp", 8, instances=1, levels=1), "unknown kind"),
    (lambda: level_study("partition", 21, instances=1, levels=1), "too large"),
    (lambda: partition_levels(np.ones(8), levels=2).tables(5), "level must be"),
])
def test_bad_input(call, match):
    with pytest.raises(InputError, match=match):
        call()
