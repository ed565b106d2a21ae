"""Ising-machine solvers: ground states of Ising, QUBO and Max-Cut problems.

Problems (:mod:`.problems`, :mod:`.gset`, :mod:`.problem_files`) are converted exactly to one
objective ``E(s) = H(s) + offset`` over ±1 spins; solvers (:mod:`.solvers`: simulated annealing,
parallel tempering, population annealing; :mod:`.bifurcation`: simulated bifurcation;
:mod:`.cim`: coherent Ising machines, CIM-AHC and CAC) minimise
it and return a :class:`~spinscope.optimize.result.SolveResult`. :mod:`.registry` lists the
solvers (:data:`SOLVER_REGISTRY`); :func:`solve` dispatches by name through it, and
:class:`SpinscopeSampler` (:mod:`.dimod_sampler`) offers dimod's ``sample_ising`` /
``sample_qubo``. Module order, without cycles: ``problems`` → ``result`` → ``solvers`` /
``bifurcation`` → ``cim`` → ``registry`` → ``solve`` → ``dimod_sampler``. Conventions and formulas:
``docs/optimize.md``.
"""

from spinscope.optimize.bifurcation import simulated_bifurcation
from spinscope.optimize.cim import chaotic_amplitude_control, coherent_ising_machine
from spinscope.optimize.dimod_sampler import SpinscopeSampler
from spinscope.optimize.gset import read_gset
from spinscope.optimize.maxcut import maxcut_from_edges, maxcut_from_graph, maxcut_from_matrix
from spinscope.optimize.problem_files import load_problem, write_assignment
from spinscope.optimize.problems import (
    Problem,
    ising_problem,
    ising_to_qubo,
    qubo_problem,
    qubo_to_ising,
    sk_problem,
)
from spinscope.optimize.registry import SOLVER_REGISTRY, SOLVERS, SolverSpec, get_solver
from spinscope.optimize.result import SolveResult
from spinscope.optimize.solve import solve
from spinscope.optimize.solvers import (
    default_beta_range,
    default_pt_beta_range,
    parallel_tempering,
    population_annealing,
    recommended_pt_settings,
    simulated_annealing,
)

__all__ = [
    "SOLVERS",
    "SOLVER_REGISTRY",
    "Problem",
    "SolveResult",
    "SolverSpec",
    "SpinscopeSampler",
    "chaotic_amplitude_control",
    "coherent_ising_machine",
    "default_beta_range",
    "default_pt_beta_range",
    "get_solver",
    "ising_problem",
    "ising_to_qubo",
    "load_problem",
    "maxcut_from_edges",
    "maxcut_from_graph",
    "maxcut_from_matrix",
    "parallel_tempering",
    "population_annealing",
    "qubo_problem",
    "qubo_to_ising",
    "read_gset",
    "recommended_pt_settings",
    "simulated_annealing",
    "simulated_bifurcation",
    "sk_problem",
    "solve",
    "write_assignment",
]
