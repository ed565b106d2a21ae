"""Results of the optimisers and a dimod-style sampler.

:class:`SolveResult` holds the best states of every read with their energies and (Max-Cut) cut
values, **recomputed from the returned assignments**, the time to reach the best value and the
timings. :class:`SpinscopeSampler` offers the ``sample_ising`` / ``sample_qubo`` contract of
dimod and returns a ``dimod.SampleSet`` when the optional ``dimod`` package is installed
(``pip install spinscope[qubo]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope.errors import InputError
from spinscope.optimize.problems import Problem, ising_problem, qubo_problem

__all__ = ["SolveResult", "SpinscopeSampler", "make_result"]


@dataclass
class SolveResult:
    """Outcome of one solver call.

    Attributes
    ----------
    kind : {"ising", "qubo", "maxcut"}
        Problem kind; ``value`` is a cut (maximised) for Max-Cut, an energy (minimised) otherwise.
    solver : str
        ``"sa"``, ``"pt"``, ``"pa"``, ``"bsb"`` or ``"dsb"``.
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
    time_to_best : float
        Seconds from the start of the run until ``best_value`` was first seen (measured at the
        end of the kernel call that found it, so it is an upper bound within ~0.1 s).
    wall_time : float
        Seconds spent in the run (setup excluded; see ``timings``).
    sweeps : int
        Sweeps (SB: time steps) done by each read, summed over rounds.
    rounds : int
        Number of restarts (SA, PA, SB restart until the time limit; PT continues).
    stopped_by : {"completed", "time_limit", "target"}
    target_reached : bool or None
        Whether ``best_value`` reached the target (None without a target).
    settings : dict
        Settings used, including automatic ones (``beta_range``, ``c0``, ...).
    timings : dict
        ``setup``, ``run`` and ``total`` seconds.
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

    def to_dict(self, *, include_states: bool = False) -> dict:
        """JSON-ready dict; the best assignment is included, all reads' states on request."""
        d = {
            "problem": self.name, "kind": self.kind, "solver": self.solver, "n": int(self.best_state.size),
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
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    if isinstance(v, (tuple, list)):
        return [_plain(x) for x in v]
    return v


def make_result(problem: Problem, solver: str, states: np.ndarray, *, time_to_best: float,
                wall_time: float, sweeps: int, rounds: int, stopped_by: str,
                target: float | None, seed: Any, settings: dict, timings: dict) -> SolveResult:
    """Build a :class:`SolveResult`, recomputing every energy and cut from ``states`` (R, n)."""
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
    )


class SpinscopeSampler:
    """dimod-style sampler: ``sample_ising(h, J, num_reads=...)`` and ``sample_qubo(Q, ...)``.

    Parameters
    ----------
    solver : {"sa", "pt", "pa", "sb"}
        Which spinscope solver runs (default simulated annealing; ``"sb"`` takes ``variant``).
    **defaults
        Default keyword settings of that solver (e.g. ``num_sweeps=2000``); per-call keywords
        override them.

    Returns of ``sample_*``: a ``dimod.SampleSet`` (one row per read, its best state, energies
    in the caller's convention including the offset) when dimod is installed, else the
    :class:`SolveResult`. ``return_result=True`` always returns the :class:`SolveResult`.
    """

    def __init__(self, solver: str = "sa", **defaults: Any) -> None:
        import inspect

        from spinscope.optimize.solve import SOLVERS

        if solver not in SOLVERS:
            raise InputError(f"solver must be one of {tuple(SOLVERS)}, got {solver!r}")
        self.solver = solver
        self.defaults = defaults
        #: dimod's sampler attributes: accepted keyword settings and (no) properties
        self.parameters = {p: [] for p in inspect.signature(SOLVERS[solver]).parameters if p != "problem"}
        self.properties: dict = {}

    def sample_ising(self, h: Any, J: Any, *, offset: float = 0.0, return_result: bool = False,
                     **settings: Any):
        """Minimise ``sum_i h_i s_i + sum_(i,j) J_ij s_i s_j + offset`` over ``s in {-1,+1}^n``."""
        problem = ising_problem(h, J, offset=offset)
        return self._sample(problem, "SPIN", return_result, settings)

    def sample_qubo(self, Q: Any, *, offset: float = 0.0, return_result: bool = False,
                    **settings: Any):
        """Minimise ``sum_ij Q_ij x_i x_j + offset`` over ``x in {0,1}^n``."""
        problem = qubo_problem(Q, offset=offset)
        return self._sample(problem, "BINARY", return_result, settings)

    def _sample(self, problem: Problem, vartype: str, return_result: bool, settings: dict):
        from spinscope.optimize.solve import solve

        result = solve(problem, solver=self.solver, **{**self.defaults, **settings})
        if return_result:
            return result
        try:
            import dimod
        except ImportError:
            return result
        samples = np.array([problem.assignment(s) for s in result.states], dtype=np.int8)
        return dimod.SampleSet.from_samples(
            samples, vartype=getattr(dimod, vartype), energy=result.energies,
            info={"solver": result.solver, "time_to_best_s": result.time_to_best,
                  "wall_time_s": result.wall_time, "stopped_by": result.stopped_by},
        )
