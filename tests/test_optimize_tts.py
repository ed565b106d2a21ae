"""Time to solution: the formula's limits, the measurement on instances with a brute-forced optimum."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.optimize import maxcut_from_edges, sk_problem
from spinscope.optimize.tts import median_tts, time_to_solution, tts_from_success


def _ground(problem) -> float:
    S = np.array(list(itertools.product([-1, 1], repeat=problem.n)), dtype=np.int8)
    return float(np.min(problem.energy(S)))


def test_tts_formula_limits():
    assert tts_from_success(0.5, 1.0) == pytest.approx(math.log(0.01) / math.log(0.5))   # 6.64 runs
    assert tts_from_success(1.0, 2.0) == 2.0 and tts_from_success(0.995, 2.0) == 2.0     # one run is enough
    assert tts_from_success(0.0, 1.0) == math.inf
    assert tts_from_success(0.1, 3.0, confidence=0.5) == pytest.approx(3 * math.log(0.5) / math.log(0.9))
    with pytest.raises(InputError):
        tts_from_success(1.2, 1.0)


def test_generous_budget_always_succeeds_and_tts_is_one_run():
    p = sk_problem(10, seed=3)
    r = time_to_solution(p, target=_ground(p), solver="sa", runs=4, seed=1, num_sweeps=200, num_reads=4)
    assert r.successes == 4 and r.p_success == 1.0 and r.tts == r.t_run
    assert r.tts_ci[0] <= r.tts <= r.tts_ci[1]


def test_unreachable_target_gives_infinite_tts():
    p = sk_problem(10, seed=3)
    r = time_to_solution(p, target=_ground(p) - 1.0, solver="sa", runs=3, seed=1, num_sweeps=20, num_reads=1)
    assert r.successes == 0 and r.tts == math.inf
    d = r.to_dict()
    assert d["tts99"] is None and d["tts99_ci"] == [None, None]


def test_partial_success_matches_the_recount_and_is_reproducible():
    p = sk_problem(16, seed=5)
    e0 = _ground(p)
    kw = {"solver": "sa", "runs": 12, "seed": 7, "num_sweeps": 4, "num_reads": 1}
    a, b = time_to_solution(p, target=e0, **kw), time_to_solution(p, target=e0, **kw)
    assert np.array_equal(a.values, b.values) and a.successes == b.successes
    assert a.successes == int(np.sum(a.values <= e0 + 1e-9))
    assert 0 < a.p_success < 1                                   # 4 sweeps: some runs fail (measured 3/12)
    assert a.tts == pytest.approx(a.t_run * math.log(0.01) / math.log(1 - a.p_success))
    assert a.tts_ci[0] <= a.tts <= a.tts_ci[1]


def test_maxcut_target_is_a_cut():
    p = maxcut_from_edges([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)], weights=1.0)     # max cut 4
    r = time_to_solution(p, target=4.0, solver="sa", runs=3, seed=0, num_sweeps=50, num_reads=2)
    assert r.successes == 3 and np.all(r.values == 4.0)
    assert time_to_solution(p, target=5.0, solver="sa", runs=2, seed=0, num_sweeps=5).successes == 0


def test_median_over_instances():
    p = sk_problem(8, seed=1)
    e0 = _ground(p)
    ok = time_to_solution(p, target=e0, solver="sa", runs=2, seed=0, num_sweeps=100, num_reads=2)
    bad = time_to_solution(p, target=e0 - 5, solver="sa", runs=2, seed=0, num_sweeps=5)
    m = median_tts([ok, ok, bad], seed=0)
    assert m["median"] == ok.tts and m["instances"] == 3 and m["solved_instances"] == 2
    assert median_tts([bad, bad, ok], seed=0)["median"] is None


def test_bad_input():
    p = sk_problem(6, seed=0)
    with pytest.raises(InputError, match="runs"):
        time_to_solution(p, target=-1.0, runs=1)
    with pytest.raises(InputError, match="target"):
        time_to_solution(p, target=float("nan"), solver="sa")
    with pytest.raises(InputError):
        median_tts([])
