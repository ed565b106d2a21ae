"""One entry point, :func:`solve`, that dispatches a :class:`Problem` to a registered solver."""

from __future__ import annotations

from typing import Any

from spinscope.errors import InputError
from spinscope.optimize.problems import Problem
from spinscope.optimize.registry import AUTO, SOLVERS, choose_solver, get_solver
from spinscope.optimize.result import SolveResult

__all__ = ["SOLVERS", "solve"]


def solve(problem: Problem, *, solver: str = AUTO, **settings: Any) -> SolveResult:
    """Minimise ``problem`` with a solver of :data:`~spinscope.optimize.registry.SOLVER_REGISTRY`.

    Parameters
    ----------
    problem : Problem
        The objective ``E(s) = H(s) + offset`` (see :mod:`spinscope.optimize.problems`).
    solver : str
        ``"auto"`` (default): the recommended solver and settings for the problem
        (:func:`~spinscope.optimize.registry.choose_solver`; the given settings override the
        recommended ones, and the result's ``auto`` records what was chosen and why). Or a
        registry name: ``"sa"``, ``"pt"``, ``"pa"``, ``"sb"`` (simulated annealing, parallel
        tempering, population annealing, simulated bifurcation) with the function's own
        defaults.
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
    MemoryLimitError
        When the run's estimated memory does not fit (checked before allocating).
    """
    if not isinstance(problem, Problem):
        raise InputError(f"solve() takes a Problem (see spinscope.optimize.problems), got {type(problem).__name__}")
    choice = None
    if solver == AUTO:
        choice = choose_solver(problem, device=settings.get("device", "cpu"), fixed=settings).merged(settings)
        solver, settings = choice.solver, choice.call_settings(settings)
    spec = get_solver(solver)
    spec.check_settings(settings)
    result = spec.function(problem, **settings)
    if choice is not None:
        result.auto = choice.to_dict()
    return result
