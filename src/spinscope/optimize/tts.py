"""Time to solution: the field's metric for comparing solvers on instances with a known optimum.

A solver run with a fixed budget (sweeps, steps or seconds) reaches the target in a fraction
``p_s`` of independent runs; repeating it until one run succeeds with probability 0.99 takes

    TTS_99 = t_run * ln(1 - 0.99) / ln(1 - p_s)

(``t_run`` if ``p_s >= 0.99``, infinite if ``p_s = 0``), with ``t_run`` the median wall time of a run
(Rønnow et al., Science 345, 420 (2014); the definition used across the Ising-machine literature,
e.g. Hamerly et al., Sci. Adv. 5, eaau0823 (2019)). :func:`time_to_solution` measures it for one
instance, with a bootstrap interval over the runs; :func:`median_tts` summarises an instance
class by the median over instances, with a bootstrap interval over instances. Runs are not
stopped at the target (that would measure the time to target, not the success probability of the
budget); a run succeeds when its best value reaches the target within ``1e-9`` relative.
A 3-XORSAT instance (:class:`~spinscope.optimize.xorsat.XorsatInstance`) is measured the same way
with :func:`~spinscope.optimize.xorsat_solvers.solve_xorsat` (``"auto"``, ``"sa"``, ``"pt"``;
the target is an energy, usually its ground-state energy ``-M``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope._validation import SeedLike, check_int, spawn_seeds
from spinscope.errors import InputError
from spinscope.optimize.problems import Problem
from spinscope.optimize.solve import solve
from spinscope.optimize.xorsat import XorsatInstance
from spinscope.optimize.xorsat_solvers import solve_xorsat

__all__ = ["TimeToSolution", "median_tts", "time_to_solution", "tts_from_success"]


def finite_or_none(x: float) -> float | None:
    """``float(x)``, or None for an infinite time (JSON has no infinity)."""
    return float(x) if math.isfinite(x) else None


def tts_from_success(p_success: float, t_run: float, confidence: float = 0.99) -> float:
    """``t_run ln(1 - confidence) / ln(1 - p_success)``; ``t_run`` once ``p >= confidence``, ``inf`` at ``p = 0``.

    Parameters
    ----------
    p_success : float
        Success probability of one run, in ``[0, 1]``.
    t_run : float
        Time of one run.
    confidence : float
        Wanted probability of at least one success (default 0.99).

    Returns
    -------
    float
    """
    if not 0.0 <= p_success <= 1.0 or not 0.0 < confidence < 1.0:
        raise InputError(f"p_success must be in [0, 1] and confidence in (0, 1), got {p_success}, {confidence}")
    if p_success >= confidence:
        return float(t_run)
    if p_success == 0.0:
        return math.inf
    return float(t_run * math.log(1.0 - confidence) / math.log(1.0 - p_success))


@dataclass
class TimeToSolution:
    """Success probability and time to solution of one solver on one instance.

    Attributes
    ----------
    solver : str
        The solver (the one ``"auto"`` chose, if auto).
    target : float
        The value counted as solved (a cut for Max-Cut, else an energy).
    successes, runs : int
        Runs that reached the target, of ``runs``.
    p_success : float
        ``successes / runs``.
    t_run : float
        Median wall seconds of one run.
    tts : float
        ``TTS_99`` in seconds (``inf`` when no run succeeded).
    tts_ci : tuple of float
        95 % bootstrap interval of ``tts`` over the runs (``inf`` bounds where resamples had no success).
    values, wall_times : ndarray, shape ``(runs,)``
        Best value and wall time of every run.
    settings : dict
        The solver settings used.
    seed : int, SeedSequence or None
        The seed the runs were spawned from.
    """

    solver: str
    target: float
    successes: int
    runs: int
    p_success: float
    t_run: float
    tts: float
    tts_ci: tuple[float, float]
    values: np.ndarray = field(repr=False)
    wall_times: np.ndarray = field(repr=False)
    settings: dict = field(repr=False)
    seed: Any = None

    def to_dict(self) -> dict:
        """JSON-ready summary (infinite times as None)."""
        return {"solver": self.solver, "target": self.target, "successes": self.successes, "runs": self.runs,
                "p_success": self.p_success, "t_run": self.t_run, "tts99": finite_or_none(self.tts),
                "tts99_ci": [finite_or_none(self.tts_ci[0]), finite_or_none(self.tts_ci[1])], "values": self.values.tolist(),
                "wall_times": self.wall_times.tolist(), "settings": dict(self.settings)}


def _reached(problem: Problem | XorsatInstance, value: float, target: float) -> bool:
    tol = 1e-9 * max(1.0, abs(target))
    return value >= target - tol if problem.kind == "maxcut" else value <= target + tol


def _bootstrap_tts(ok: np.ndarray, times: np.ndarray, rng: np.random.Generator, n_boot: int) -> tuple[float, float]:
    idx = rng.integers(0, ok.size, size=(n_boot, ok.size))
    p = ok[idx].mean(axis=1)
    t = np.median(times[idx], axis=1)
    tts = np.array([tts_from_success(pi, ti) for pi, ti in zip(p, t)])
    return float(np.percentile(tts, 2.5, method="lower")), float(np.percentile(tts, 97.5, method="higher"))


def time_to_solution(problem: Problem | XorsatInstance, *, target: float, solver: str = "auto", runs: int = 20,
                     seed: SeedLike = None, n_boot: int = 1000, **settings: Any) -> TimeToSolution:
    """Run ``solver`` ``runs`` times with independent seeds and a fixed budget; measure ``TTS_99``.

    Parameters
    ----------
    problem : Problem or XorsatInstance
    target : float
        The optimum (or the value counted as solved): a cut for Max-Cut, else an energy.
    solver : str
        A solver name of :data:`~spinscope.optimize.SOLVER_REGISTRY` or ``"auto"``; for a
        :class:`~spinscope.optimize.xorsat.XorsatInstance`, ``"auto"``, ``"sa"`` or ``"pt"``
        (:func:`~spinscope.optimize.xorsat_solvers.solve_xorsat`).
    runs : int
        Independent runs (at least 2).
    seed : int, SeedSequence or None
        Every run's seed and the bootstrap's are spawned from it.
    n_boot : int
        Bootstrap resamples of the interval.
    **settings
        The solver's budget and settings (e.g. ``num_sweeps``, ``num_reads``, ``time_limit``);
        ``target`` is not passed on: runs use their whole budget.

    Returns
    -------
    TimeToSolution
    """
    runs = check_int(runs, "runs", minimum=2)
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    target = float(target)
    if not math.isfinite(target):
        raise InputError(f"target must be a finite value, got {target}")
    run_one = solve_xorsat if isinstance(problem, XorsatInstance) else solve
    *run_seeds, boot_seed = spawn_seeds(seed, runs + 1)
    values, times, used = np.empty(runs), np.empty(runs), solver
    for k, s in enumerate(run_seeds):
        res = run_one(problem, solver=solver, seed=s, **settings)
        values[k], times[k], used = res.best_value, res.wall_time, res.solver
    ok = np.array([_reached(problem, v, target) for v in values], dtype=float)
    t_run = float(np.median(times))
    return TimeToSolution(solver=used, target=target, successes=int(ok.sum()), runs=runs,
                          p_success=float(ok.mean()), t_run=t_run, tts=tts_from_success(float(ok.mean()), t_run),
                          tts_ci=_bootstrap_tts(ok, times, np.random.default_rng(boot_seed), n_boot),
                          values=values, wall_times=times, settings=dict(settings), seed=seed)


def median_tts(results: Sequence[TimeToSolution], *, seed: SeedLike = None, n_boot: int = 1000) -> dict:
    """Median ``TTS_99`` over the instances of a class, with a 95 % bootstrap interval over instances.

    Parameters
    ----------
    results : sequence of TimeToSolution
        One per instance (same solver and budget).
    seed : int or None
        Seed of the bootstrap.
    n_boot : int
        Resamples.

    Returns
    -------
    dict
        ``median``, ``ci`` (None for infinite bounds), ``instances``, ``solved_instances``.
    """
    if not results:
        raise InputError("median_tts needs at least one instance")
    tts = np.array([r.tts for r in results])
    rng = np.random.default_rng(seed)
    meds = np.median(tts[rng.integers(0, tts.size, size=(check_int(n_boot, "n_boot", minimum=10), tts.size))], axis=1)
    return {"median": finite_or_none(float(np.median(tts))), "ci": [finite_or_none(float(np.percentile(meds, 2.5, method="lower"))),
                                                          finite_or_none(float(np.percentile(meds, 97.5, method="higher")))],
            "instances": int(tts.size), "solved_instances": int(np.sum(np.isfinite(tts)))}
