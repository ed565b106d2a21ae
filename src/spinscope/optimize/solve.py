"""One entry point, :func:`solve`, that dispatches a :class:`Problem` to a registered solver."""

from __future__ import annotations

from typing import Any

from spinscope.errors import InputError
from spinscope.optimize.problems import Problem
from spinscope.optimize.registry import SOLVERS, get_solver
from spinscope.optimize.result import SolveResult

__all__ = ["SOLVERS", "solve"]


def solve(problem: Problem, *, solver: str = "sa", **settings: Any) -> SolveResult:
    """Minimise ``problem`` with a solver of :data:`~spinscope.optimize.registry.SOLVER_REGISTRY`.

    Parameters
    ----------
    problem : Problem
        The objective ``E(s) = H(s) + offset`` (see :mod:`spinscope.optimize.problems`).
    solver : str
        ``"sa"`` (default), ``"pt"``, ``"pa"`` or ``"sb"``: simulated annealing, parallel
        tempering, population annealing, simulated bifurcation.
    **settings
        Keyword settings of the chosen function
        (:func:`~spinscope.optimize.solvers.simulated_annealing`,
        :func:`~spinscope.optimize.solvers.parallel_tempering`,
        :func:`~spinscope.optimize.solvers.population_annealing`,
        :func:`~spinscope.optimize.bifurcation.simulated_bifurcation`); an unknown one is an
        error.

    Returns
    -------
    SolveResult

    Raises
    ------
    InputError
        For an unknown solver or setting, or an invalid value.
    """
    if not isinstance(problem, Problem):
        raise InputError(f"solve() takes a Problem (see spinscope.optimize.problems), got {type(problem).__name__}")
    spec = get_solver(solver)
    spec.check_settings(settings)
    return spec.function(problem, **settings)
