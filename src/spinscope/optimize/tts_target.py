"""Time to target: TTS_99 from measured hitting times, with the restart time chosen optimally.

:func:`~spinscope.optimize.tts.time_to_solution` fixes one budget per run and counts successes;
at sizes where the right budget is unknown (a planted class scanned in ``N``) that needs a budget
sweep. Here every run instead gets a wall-clock limit ``t_max`` and **stops at the target**; its
hitting time ``t_k`` (``inf`` if it did not reach the target by ``t_max``) is recorded. With the
empirical distribution ``F(t) = #{k : t_k <= t} / runs``, restarting a run every ``t`` seconds
until one succeeds with probability 0.99 takes

    TTS_99(t) = t ln(0.01) / ln(1 - F(t))        (``t`` once ``F(t) >= 0.99``),

and the reported figure is its minimum over ``t <= t_max`` — the *optimal* TTS of Rønnow et al.,
Science 345, 420 (2014), which every restart-based solver can achieve by choosing its run length
(the minimum sits at one of the measured hitting times, where ``F`` jumps). Being a minimum of a
noisy estimate it is biased low for few runs; the bootstrap interval over runs shows by how much.
Hitting times are the solvers' ``wall_time`` (setup such as compilation excluded), so the figure
is a time on this machine; ``t_max`` must be long enough that ``F`` is not zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope._validation import SeedLike, check_int, check_positive, spawn_seeds
from spinscope.errors import InputError
from spinscope.optimize.problems import Problem
from spinscope.optimize.solve import solve
from spinscope.optimize.tts import finite_or_none, tts_from_success
from spinscope.optimize.xorsat import XorsatInstance
from spinscope.optimize.xorsat_solvers import solve_xorsat

__all__ = ["TimeToTarget", "optimal_tts", "time_to_target"]


def optimal_tts(hit_times: Any, *, confidence: float = 0.99) -> tuple[float, float]:
    """The minimum over restart times ``t`` of ``TTS(t) = t ln(1 - c) / ln(1 - F(t))``.

    Parameters
    ----------
    hit_times : array_like of float
        Hitting time of every run; ``inf`` for runs that did not reach the target.
    confidence : float
        Wanted probability ``c`` of at least one success (default 0.99).

    Returns
    -------
    tts : float
        The optimal time to solution (``inf`` if no run hit).
    t_opt : float
        The restart time that attains it (``inf`` if no run hit).
    """
    t = np.asarray(hit_times, dtype=float).ravel()
    if t.size == 0 or np.any(np.isnan(t)) or np.any(t < 0):
        raise InputError("hit_times must be a non-empty array of non-negative times (inf for misses)")
    hits = np.sort(t[np.isfinite(t)])
    if hits.size == 0:
        return math.inf, math.inf
    best, t_best = math.inf, math.inf
    for k, tk in enumerate(hits):
        if k + 1 < hits.size and hits[k + 1] == tk:
            continue                                          # F jumps after the last tie
        v = tts_from_success((k + 1) / t.size, max(float(tk), 1e-12), confidence)
        if v < best:
            best, t_best = v, float(tk)
    return float(best), t_best


@dataclass
class TimeToTarget:
    """Hitting times of one solver on one instance and the optimal ``TTS_99`` they imply.

    Attributes
    ----------
    solver : str
        The solver (the one ``"auto"`` chose, if auto).
    target : float
        The value counted as reached (a cut for Max-Cut, else an energy).
    time_limit : float
        Seconds each run was allowed (``t_max``).
    runs, successes : int
        Runs, and runs that reached the target within ``time_limit``.
    hit_times : ndarray, shape ``(runs,)``
        Seconds until each run reached the target (``inf`` if it did not).
    tts : float
        The optimal ``TTS_99`` (:func:`optimal_tts`; ``inf`` when no run hit).
    t_opt : float
        The restart time that attains it.
    tts_ci : tuple of float
        95 % bootstrap interval of ``tts`` over runs (``inf`` bounds where resamples had no hit).
    median_hit : float
        Median hitting time (``inf`` when fewer than half of the runs hit).
    settings : dict
        The solver settings passed on.
    seed : int, SeedSequence or None
        The seed the runs were spawned from.
    """

    solver: str
    target: float
    time_limit: float
    runs: int
    successes: int
    hit_times: np.ndarray = field(repr=False)
    tts: float
    t_opt: float
    tts_ci: tuple[float, float]
    median_hit: float
    settings: dict = field(repr=False)
    seed: Any = None

    def to_dict(self) -> dict:
        """JSON-ready summary (infinite times as None)."""
        return {"solver": self.solver, "target": self.target, "time_limit": self.time_limit,
                "runs": self.runs, "successes": self.successes, "tts99": finite_or_none(self.tts),
                "t_opt": finite_or_none(self.t_opt), "tts99_ci": [finite_or_none(self.tts_ci[0]), finite_or_none(self.tts_ci[1])],
                "median_hit": finite_or_none(self.median_hit), "hit_times": [finite_or_none(x) for x in self.hit_times],
                "settings": dict(self.settings)}


def _bootstrap(hits: np.ndarray, rng: np.random.Generator, n_boot: int) -> tuple[float, float]:
    idx = rng.integers(0, hits.size, size=(n_boot, hits.size))
    tts = np.array([optimal_tts(hits[i])[0] for i in idx])
    return float(np.percentile(tts, 2.5, method="lower")), float(np.percentile(tts, 97.5, method="higher"))


def time_to_target(problem: Problem | XorsatInstance, *, target: float, time_limit: float, solver: str = "auto",
                   runs: int = 20, seed: SeedLike = None, n_boot: int = 1000, warmup: bool = True,
                   **settings: Any) -> TimeToTarget:
    """Run ``solver`` ``runs`` times, each stopped at ``target`` or after ``time_limit`` seconds.

    Parameters
    ----------
    problem : Problem or XorsatInstance
    target : float
        The optimum (or the value counted as reached): a cut for Max-Cut, else an energy.
    time_limit : float
        Seconds per run (``t_max``); runs that have not reached the target by then count as misses.
    solver : str
        A solver name of :data:`~spinscope.optimize.SOLVER_REGISTRY` or ``"auto"``; for a
        3-XORSAT instance ``"auto"``, ``"sa"`` or ``"pt"``
        (:func:`~spinscope.optimize.xorsat_solvers.solve_xorsat`).
    runs : int
        Independent runs (at least 2).
    seed : int, SeedSequence or None
        Every run's seed and the bootstrap's are spawned from it.
    n_boot : int
        Bootstrap resamples of the interval.
    warmup : bool
        First make one untimed call of about a millisecond, so that compiling the kernels is not
        counted in the first run's hitting time.
    **settings
        Further solver settings.

    Returns
    -------
    TimeToTarget
    """
    runs = check_int(runs, "runs", minimum=2)
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    time_limit = check_positive(time_limit, "time_limit")
    target = float(target)
    if not math.isfinite(target):
        raise InputError(f"target must be a finite value, got {target}")
    *run_seeds, boot_seed, warm_seed = spawn_seeds(seed, runs + 2)
    run_one = solve_xorsat if isinstance(problem, XorsatInstance) else solve
    if warmup:
        run_one(problem, solver=solver, seed=warm_seed, time_limit=1e-3, **settings)
    hits, used = np.full(runs, np.inf), solver
    for k, s in enumerate(run_seeds):
        res = run_one(problem, solver=solver, seed=s, time_limit=time_limit, target=target, **settings)
        used = res.solver
        if res.target_reached:
            hits[k] = res.wall_time
    tts, t_opt = optimal_tts(hits)
    ci = _bootstrap(hits, np.random.default_rng(boot_seed), n_boot) if math.isfinite(tts) else (math.inf, math.inf)
    return TimeToTarget(solver=used, target=target, time_limit=time_limit, runs=runs,
                        successes=int(np.isfinite(hits).sum()), hit_times=hits, tts=tts, t_opt=t_opt,
                        tts_ci=ci, median_hit=float(np.median(hits)), settings=dict(settings), seed=seed)
