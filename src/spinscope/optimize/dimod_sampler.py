"""A dimod sampler over spinscope's solvers: ``sample_ising`` / ``sample_qubo``.

:class:`SpinscopeSampler` follows dimod's sampler contract and always returns a
``dimod.SampleSet``; it needs the optional ``dimod`` package (``pip install 'spinscope[qubo]'``)
and says so when it is missing. For spinscope's own result type call
:func:`spinscope.optimize.solve` instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spinscope.optimize.problems import Problem, ising_problem, qubo_problem
from spinscope.optimize.registry import AUTO, SOLVER_REGISTRY, eligible_solvers, get_solver
from spinscope.optimize.solve import solve

__all__ = ["SpinscopeSampler", "require_dimod"]

_EXTRA_HINT = "pip install 'spinscope[qubo]'"


def require_dimod():
    """Import and return ``dimod``, or raise an ``ImportError`` naming the extra that provides it.

    Returns
    -------
    module
        The ``dimod`` module.

    Raises
    ------
    ImportError
        When dimod is not installed: ``pip install 'spinscope[qubo]'``.
    """
    try:
        import dimod
    except ImportError as exc:
        raise ImportError(f"SpinscopeSampler returns dimod SampleSets and needs the optional dimod "
                          f"package: {_EXTRA_HINT} (or call spinscope.optimize.solve() for a "
                          f"SolveResult)", name="dimod") from exc
    return dimod


class SpinscopeSampler:
    """dimod sampler: ``sample_ising(h, J, num_reads=...)`` and ``sample_qubo(Q, ...)``.

    Parameters
    ----------
    solver : str
        ``"auto"`` (default): for each problem the recommended solver and settings, as
        :func:`spinscope.optimize.solve` chooses them (``info["auto"]`` says what and why); or
        a name of :data:`spinscope.optimize.registry.SOLVER_REGISTRY` (``"sa"``, ``"pt"``,
        ``"pa"``, ``"sb"``; ``"sb"`` takes ``variant``).
    **defaults
        Default keyword settings (e.g. ``num_sweeps=2000``); per-call keywords override them.
        With ``"auto"`` they override the recommended settings, and only solvers taking all of
        them are chosen.

    Notes
    -----
    ``sample_*`` return a ``dimod.SampleSet``: one row per read (its best state), energies in the
    caller's convention including the offset, and ``info`` with the solver, ``auto`` (what
    ``"auto"`` chose and why, else None), ``time_to_best_s``,
    ``wall_time_s``, ``stopped_by`` and ``seed``. They raise ``ImportError`` when dimod is not
    installed (``pip install 'spinscope[qubo]'``).
    """

    def __init__(self, solver: str = AUTO, **defaults: Any) -> None:
        if solver == AUTO:
            takers = eligible_solvers(device=defaults.get("device", "cpu"), fixed=defaults, strict=True)
            names = [p for s in takers for p in SOLVER_REGISTRY[s].settings]
        else:
            spec = get_solver(solver)
            spec.check_settings(defaults)
            solver, names = spec.name, list(spec.settings)
        self.solver = solver
        self.defaults = defaults
        #: dimod's sampler attributes: accepted keyword settings and (no) properties
        self.parameters = {p: [] for p in dict.fromkeys(names)}
        self.properties: dict = {}

    def sample_ising(self, h: Any, J: Any, *, offset: float = 0.0, **settings: Any):
        """Minimise ``sum_i h_i s_i + sum_(i,j) J_ij s_i s_j + offset`` over ``s in {-1,+1}^n``.

        Parameters
        ----------
        h : dict, sequence or array
            Linear biases.
        J : dict ``{(i, j): J_ij}`` or matrix
            Quadratic biases (dimod convention).
        offset : float
            Constant added to every energy.
        **settings
            Keyword settings of the solver (override the sampler's defaults).

        Returns
        -------
        dimod.SampleSet
            Variables in ``SPIN`` vartype.
        """
        dimod = require_dimod()
        return self._sample(dimod, ising_problem(h, J, offset=offset), dimod.SPIN, settings)

    def sample_qubo(self, Q: Any, *, offset: float = 0.0, **settings: Any):
        """Minimise ``sum_ij Q_ij x_i x_j + offset`` over ``x in {0,1}^n``.

        Parameters
        ----------
        Q : dict ``{(i, j): Q_ij}`` or matrix
            QUBO coefficients (dimod convention).
        offset : float
            Constant added to every energy.
        **settings
            Keyword settings of the solver (override the sampler's defaults).

        Returns
        -------
        dimod.SampleSet
            Variables in ``BINARY`` vartype.
        """
        dimod = require_dimod()
        return self._sample(dimod, qubo_problem(Q, offset=offset), dimod.BINARY, settings)

    def _sample(self, dimod, problem: Problem, vartype, settings: dict):
        result = solve(problem, solver=self.solver, **{**self.defaults, **settings})
        samples = np.array([problem.assignment(s) for s in result.states], dtype=np.int8)
        seed = result.seed if isinstance(result.seed, (int, type(None))) else str(result.seed)
        return dimod.SampleSet.from_samples(
            samples, vartype=vartype, energy=result.energies,
            info={"solver": result.solver, "auto": result.auto,
                  "time_to_best_s": result.time_to_best, "wall_time_s": result.wall_time,
                  "stopped_by": result.stopped_by, "seed": seed},
        )
