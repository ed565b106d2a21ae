"""One entry point, :func:`solve`, that dispatches a :class:`Problem` to a named solver."""

from __future__ import annotations

import inspect
from typing import Any

from spinscope.errors import InputError
from spinscope.optimize.bifurcation import simulated_bifurcation
from spinscope.optimize.problems import Problem
from spinscope.optimize.sampleset import SolveResult
from spinscope.optimize.solvers import parallel_tempering, population_annealing, simulated_annealing

__all__ = ["SOLVERS", "solve"]

SOLVERS = {
    "sa": simulated_annealing,
    "pt": parallel_tempering,
    "pa": population_annealing,
    "sb": simulated_bifurcation,
}


def solve(problem: Problem, *, solver: str = "sa", **settings: Any) -> SolveResult:
    """Minimise ``problem`` with ``solver`` (``"sa"``, ``"pt"``, ``"pa"`` or ``"sb"``).

    ``settings`` are the keyword settings of the chosen function
    (:func:`~spinscope.optimize.solvers.simulated_annealing`,
    :func:`~spinscope.optimize.solvers.parallel_tempering`,
    :func:`~spinscope.optimize.solvers.population_annealing`,
    :func:`~spinscope.optimize.bifurcation.simulated_bifurcation`); an unknown one is an error.
    """
    if not isinstance(problem, Problem):
        raise InputError(f"solve() takes a Problem (see spinscope.optimize.problems), got {type(problem).__name__}")
    if solver not in SOLVERS:
        raise InputError(f"solver must be one of {tuple(SOLVERS)}, got {solver!r}")
    fn = SOLVERS[solver]
    allowed = [p for p in inspect.signature(fn).parameters if p != "problem"]
    unknown = sorted(set(settings) - set(allowed))
    if unknown:
        raise InputError(f"unknown setting(s) {unknown} for solver {solver!r}; valid: {allowed}")
    return fn(problem, **settings)
