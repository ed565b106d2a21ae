"""The result type of every optimiser: :class:`SolveResult` and its builder :func:`make_result`.

:class:`SolveResult` holds the best states of every read with their energies and (Max-Cut) cut
values, **recomputed from the returned assignments**, the time to reach the best value and the
timings. Its names follow the annealer contract shared with :func:`spinscope.mc.anneal`
(``best_energy``, ``best_state``, ``energies``, ``states``, ``final_states``, ``reads``,
``sweeps``, ``seed``, ``settings``; ``docs/optimize.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope.optimize.problems import Problem

__all__ = ["SolveResult", "make_result"]


@dataclass
class SolveResult:
    """Outcome of one solver call.

    Attributes
    ----------
    kind : {"ising", "qubo", "maxcut", "xorsat"}
        Problem kind; ``value`` is a cut (maximised) for Max-Cut, an energy (minimised) otherwise
        (``"xorsat"``: a 3-XORSAT instance solved by :mod:`spinscope.optimize.xorsat_solvers`).
    solver : str
        ``"sa"``, ``"pt"``, ``"pa"``, ``"bsb"``, ``"dsb"``, ``"cim-ahc"``, ``"cim"``, ``"cac"`` or
        ``"bls"``.
    best_state : int8 array, shape (n,)
        Best ±1 spin configuration found.
    best_assignment : int8 array, shape (n,)
        The same in the problem's variables (bits ``(1+s)/2`` for QUBO, spins otherwise).
    best_energy : float
        Objective ``E = H + offset`` of ``best_state``, recomputed from it.
    best_value : float
        Cut of ``best_state`` recomputed from the edge list (Max-Cut), else ``best_energy``.
    states : int8 array, shape (R, n)
        Best state of each read (R = number of independent reads/chains/replicas).
    energies, values : float arrays, shape (R,)
        Their recomputed objectives and values.
    final_states : int8 array, shape (R, n), or None
        The state of each read when the run stopped (last round), as ±1 spins; None only for
        results built without them.
    time_to_best : float
        Seconds from the start of the run until ``best_value`` was first seen (measured at the
        end of the kernel call that found it, so it is an upper bound within ~0.1 s).
    wall_time : float
        Seconds spent in the run (setup excluded; see ``timings``).
    sweeps : int
        Sweeps (SB, CIM, CAC: time steps) done by each read, summed over rounds.
    rounds : int
        Number of restarts (SA, PA, SB restart until the time limit; PT continues).
    stopped_by : {"completed", "time_limit", "target"}
    target_reached : bool or None
        Whether ``best_value`` reached the target (None without a target).
    seed : int, Generator, SeedSequence or None
        The seed the run used (solvers record the fresh seed they drew when given None).
    settings : dict
        Settings used, including automatic ones (``beta_range``, ``c0``, ...).
    timings : dict
        ``setup``, ``run`` and ``total`` seconds.
    name : str
        The problem's name.
    auto : dict or None
        With ``solver="auto"``: ``{"solver", "settings", "reason"}``, what was chosen and why
        (:class:`~spinscope.optimize.registry.AutoChoice`); None when a solver was named.
    """

    kind: str
    solver: str
    best_state: np.ndarray
    best_assignment: np.ndarray
    best_energy: float
    best_value: float
    states: np.ndarray
    energies: np.ndarray
    values: np.ndarray
    time_to_best: float
    wall_time: float
    sweeps: int
    rounds: int
    stopped_by: str
    target_reached: bool | None
    seed: Any = None
    settings: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    name: str = ""
    final_states: np.ndarray | None = None
    auto: dict | None = None

    @property
    def reads(self) -> int:
        """Number of reads ``R`` (independent anneals, chains or replicas): ``states.shape[0]``."""
        return int(self.states.shape[0])

    def to_dict(self, *, include_states: bool = False) -> dict:
        """JSON-ready dict (the ``--json`` output of ``spinscope solve``).

        Parameters
        ----------
        include_states : bool
            Add ``states``, the best state of every read; the best assignment is always included.

        Returns
        -------
        dict
        """
        d = {
            "problem": self.name, "kind": self.kind, "solver": self.solver,
            "auto": None if self.auto is None else {k: _plain(v) for k, v in self.auto.items()},
            "n": int(self.best_state.size),
            "best_value": float(self.best_value), "best_energy": float(self.best_energy),
            "time_to_best_s": float(self.time_to_best), "wall_time_s": float(self.wall_time),
            "sweeps": int(self.sweeps), "rounds": int(self.rounds), "reads": int(self.states.shape[0]),
            "stopped_by": self.stopped_by, "target_reached": self.target_reached,
            "seed": self.seed if isinstance(self.seed, (int, type(None))) else str(self.seed),
            "settings": {k: _plain(v) for k, v in self.settings.items()},
            "timings_s": {k: float(v) for k, v in self.timings.items()},
            "values": [float(v) for v in self.values],
            "best_assignment": [int(v) for v in self.best_assignment],
        }
        if include_states:
            d["states"] = self.states.astype(int).tolist()
        return d


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, (tuple, list)):
        return [_plain(x) for x in v]
    return v


def make_result(problem: Problem, solver: str, states: np.ndarray, *, time_to_best: float,
                wall_time: float, sweeps: int, rounds: int, stopped_by: str,
                target: float | None, seed: Any, settings: dict, timings: dict,
                final_states: np.ndarray | None = None) -> SolveResult:
    """Build a :class:`SolveResult`, recomputing every energy and cut from ``states``.

    Parameters
    ----------
    problem : Problem
        The problem solved; energies, values and the assignment are recomputed with it.
    solver : str
        Name recorded in the result (``"sa"``, ``"pt"``, ``"pa"``, ``"bsb"``, ``"dsb"``).
    states : array, shape (R, n)
        Best ±1 state of each read.
    time_to_best, wall_time : float
        Seconds (see :class:`SolveResult`).
    sweeps, rounds : int
    stopped_by : {"completed", "time_limit", "target"}
    target : float or None
        The target value, to record whether it was reached.
    seed : int, Generator, SeedSequence or None
    settings, timings : dict
    final_states : array, shape (R, n), optional
        States of the reads when the run stopped.

    Returns
    -------
    SolveResult
    """
    states = np.asarray(states, dtype=np.int8)
    energies = np.atleast_1d(np.asarray(problem.energy(states), dtype=np.float64))
    values = np.atleast_1d(np.asarray(problem.value(states), dtype=np.float64))
    k = int(np.argmax(values) if problem.kind == "maxcut" else np.argmin(energies))
    best = states[k].copy()
    reached = None
    if target is not None:
        reached = bool(values[k] >= target - 1e-9 * max(1.0, abs(target))) if problem.kind == "maxcut" \
            else bool(values[k] <= target + 1e-9 * max(1.0, abs(target)))
    return SolveResult(
        kind=problem.kind, solver=solver, best_state=best, best_assignment=problem.assignment(best),
        best_energy=float(energies[k]), best_value=float(values[k]), states=states,
        energies=energies, values=values, time_to_best=float(time_to_best), wall_time=float(wall_time),
        sweeps=int(sweeps), rounds=int(rounds), stopped_by=stopped_by, target_reached=reached,
        seed=seed, settings=dict(settings), timings=dict(timings), name=problem.name,
        final_states=None if final_states is None else np.array(final_states, dtype=np.int8),
    )
