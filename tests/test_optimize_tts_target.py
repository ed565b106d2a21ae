"""Time to target: the optimal-restart TTS from hitting times, and its measurement on small instances."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.optimize import sk_problem
from spinscope.optimize.tts import tts_from_success
from spinscope.optimize.tts_target import optimal_tts, time_to_target


def _ground(problem) -> float:
    S = np.array(list(itertools.product([-1, 1], repeat=problem.n)), dtype=np.int8)
    return float(np.min(problem.energy(S)))


def test_optimal_tts_by_hand():
    # F(1) = 1/4: 1 * ln .01 / ln .75 = 16.0;  F(2) = 1/2: 2 * ln .01 / ln .5 = 13.3 (the minimum)
    tts, t = optimal_tts([1.0, 2.0, math.inf, math.inf])
    assert t == 2.0 and tts == pytest.approx(2 * math.log(0.01) / math.log(0.5))
    assert optimal_tts([0.3, 0.3, 0.3]) == (0.3, 0.3)                  # every run hits at once: one run
    assert optimal_tts([math.inf] * 3) == (math.inf, math.inf)
    # ties: F jumps to 3/4 at t = 1 (not 1/4, 2/4)
    assert optimal_tts([1.0, 1.0, 1.0, math.inf])[0] == pytest.approx(math.log(0.01) / math.log(0.25))
    with pytest.raises(InputError):
        optimal_tts([1.0, float("nan")])
    with pytest.raises(InputError):
        optimal_tts([])


def test_optimal_tts_never_exceeds_the_fixed_budget_tts():
    rng = np.random.default_rng(0)
    for _ in range(100):
        t = rng.exponential(1.0, size=rng.integers(2, 30))
        t[rng.random(t.size) < 0.4] = np.inf
        t_max = 3.0
        t[t > t_max] = np.inf
        p = np.isfinite(t).mean()
        tts, t_opt = optimal_tts(t)
        assert tts <= tts_from_success(p, t_max) + 1e-12
        if math.isfinite(tts):
            assert t_opt in t[np.isfinite(t)]
            # brute force over a fine grid of restart times: the minimum is at a hitting time
            grid = np.linspace(1e-6, t_max, 601)
            F = (t[None, :] <= grid[:, None]).mean(axis=1)
            ref = min(tts_from_success(f, g) for f, g in zip(F, grid))
            assert tts <= ref + 1e-9


def test_time_to_target_hits_the_ground_state_and_is_reproducible():
    p = sk_problem(12, seed=4)
    e0 = _ground(p)
    r = time_to_target(p, target=e0, time_limit=5.0, solver="sa", runs=4, seed=2, num_sweeps=200, num_reads=4)
    assert r.successes == 4 and np.all(np.isfinite(r.hit_times)) and np.all(r.hit_times <= 5.0)
    assert r.tts <= float(np.max(r.hit_times)) and r.tts_ci[0] <= r.tts_ci[1] <= float(np.max(r.hit_times))
    d = r.to_dict()
    assert d["successes"] == 4 and d["tts99"] == pytest.approx(r.tts) and len(d["hit_times"]) == 4


def test_unreachable_target_gives_infinite_tts():
    p = sk_problem(10, seed=3)
    r = time_to_target(p, target=_ground(p) - 1.0, time_limit=0.05, solver="sa", runs=2, seed=1,
                       num_sweeps=20, num_reads=1)
    assert r.successes == 0 and r.tts == math.inf and r.to_dict()["tts99"] is None


def test_bad_arguments():
    p = sk_problem(6, seed=1)
    with pytest.raises(InputError):
        time_to_target(p, target=0.0, time_limit=0.0)
    with pytest.raises(InputError):
        time_to_target(p, target=math.nan, time_limit=1.0)
    with pytest.raises(InputError, match="runs"):
        time_to_target(p, target=0.0, time_limit=1.0, runs=1)


def test_xorsat_instances_are_timed_with_their_own_solvers():
    from spinscope.optimize import xorsat_planted

    inst = xorsat_planted(12, seed=3)
    r = time_to_target(inst, target=-12.0, time_limit=5.0, solver="pt", runs=3, seed=1)
    assert r.solver == "pt" and r.successes == 3 and r.tts <= float(np.max(r.hit_times))
