"""One annealer contract: ``mc.anneal`` and ``optimize.simulated_annealing`` share their names."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.mc import AnnealResult, anneal, beta_schedule
from spinscope.models import sk
from spinscope.optimize import SolveResult, ising_problem, simulated_annealing
from spinscope.optimize.solvers import _schedule

SHARED = ("best_energy", "best_state", "energies", "states", "final_states", "reads", "sweeps",
          "seed", "settings")


@pytest.fixture(scope="module")
def both():
    m = sk(16, seed=5)
    mc = anneal(m, schedule="geometric", beta_range=(0.2, 4.0), num_steps=40, sweeps_per_step=2,
                num_reads=4, seed=3)
    op = simulated_annealing(ising_problem(m), num_reads=4, num_sweeps=80, beta_range=(0.2, 4.0),
                             schedule="geometric", seed=3)
    return m, mc, op


def test_shared_names_mean_the_same(both):
    m, mc, op = both
    assert isinstance(mc, AnnealResult) and isinstance(op, SolveResult)
    for r, energy in ((mc, m.energy), (op, m.energy)):
        for name in SHARED:
            assert hasattr(r, name), name
        R, n = r.reads, m.n
        assert r.energies.shape == (R,) and r.states.shape == (R, n) and r.final_states.shape == (R, n)
        assert r.best_energy == pytest.approx(r.energies.min())
        assert float(energy(r.best_state)) == pytest.approx(r.best_energy)
        np.testing.assert_allclose(energy(r.states), r.energies)
        assert np.all(energy(r.final_states) >= r.energies - 1e-9)  # the best is kept, not the last
        assert r.seed == 3 and r.settings["num_reads"] == R == 4
        assert r.settings["schedule"] == "geometric" and tuple(r.settings["beta_range"]) == (0.2, 4.0)
    assert mc.sweeps == 80 and op.sweeps == 80


def test_named_schedules_are_the_same_betas():
    for kind in ("geometric", "linear"):
        np.testing.assert_allclose(beta_schedule(kind, beta_start=0.3, beta_end=3.0, steps=25),
                                   _schedule(0.3, 3.0, 25, kind))


def test_anneal_keeps_its_older_names():
    m = sk(10, seed=1)
    sched = beta_schedule("linear", beta_start=0.5, beta_end=3.0, steps=10)
    a = anneal(m, schedule=sched, replicas=3, seed=2)
    b = anneal(m, schedule=sched, num_reads=3, seed=2)
    assert a.best_spins is a.best_state and a.final_spins is a.final_states
    np.testing.assert_array_equal(a.final_states, b.final_states)
    assert a.reads == 3 and a.settings["schedule"] == "custom" and a.energy_trace.shape == (10, 3)
    c = anneal(m, schedule="linear", beta_range=(0.5, 3.0), num_steps=10, num_reads=3, seed=2)
    np.testing.assert_array_equal(c.final_states, b.final_states)
    assert isinstance(anneal(m, schedule=sched).seed, int)  # a fresh seed is recorded
    d = a.to_dict()
    assert {"best_energy", "best_state", "energies", "reads", "sweeps", "seed", "settings"} <= set(d)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"schedule": "geometric"}, "needs beta_range"),
    ({"schedule": [1.0, 2.0], "num_steps": 3}, "array schedule"),
    ({"schedule": [1.0], "num_reads": 2, "replicas": 2}, "not both"),
    ({"schedule": [1.0], "num_reads": 0}, "num_reads"),
])
def test_anneal_schedule_errors(kwargs, match):
    from spinscope.errors import InputError

    with pytest.raises(InputError, match=match):
        anneal(sk(4, seed=0), **kwargs)
