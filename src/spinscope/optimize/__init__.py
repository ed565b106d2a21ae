"""Ising-machine solvers: ground states of Ising, QUBO and Max-Cut problems.

Problems (:mod:`.problems`, :mod:`.gset`, :mod:`.problem_files`) are converted exactly to one
objective ``E(s) = H(s) + offset`` over ±1 spins; solvers (:mod:`.solvers`: simulated annealing,
parallel tempering, population annealing; :mod:`.bifurcation`: simulated bifurcation;
:mod:`.cim`: coherent Ising machines, CIM-AHC and CAC) minimise
it and return a :class:`~spinscope.optimize.result.SolveResult`. :mod:`.registry` lists the
solvers (:data:`SOLVER_REGISTRY`); :func:`solve` dispatches by name through it, and
:class:`SpinscopeSampler` (:mod:`.dimod_sampler`) offers dimod's ``sample_ising`` /
``sample_qubo``. Module order, without cycles: ``problems`` → ``result`` → ``solvers`` /
``bifurcation`` → ``cim`` → ``registry`` → ``solve`` → ``dimod_sampler``. :mod:`.planted` generates
instances with a known ground-state energy (Wishart planted ensemble, 2-D tile planting),
:mod:`.planted_files` writes and reads their header; :mod:`.tts` measures the time to solution.
3-XORSAT (3-spin clauses, :mod:`.xorsat`) has its own solvers, :mod:`.xorsat_solvers` on the
clause kernels of :mod:`.pspin_kernels` (:func:`solve_xorsat`).
Number partitioning (:mod:`.partition`), cover encodings (:mod:`.encodings`), exhaustive
landscape analysis (:mod:`.landscape`) and encoded local search (:mod:`.encoded_search`) sit
beside them: ``problems`` → ``partition`` → ``encodings`` → ``landscape`` / ``encoded_search``.
Multi-level encodings (:mod:`.multilevel`, :mod:`.level_study`) and the Ising / Max-Cut encoded
search (:mod:`.ising_search`, instances in :mod:`.encoded_instances`) follow ``landscape``.
Conventions and formulas: ``docs/optimize.md``.
"""

from spinscope.optimize.bifurcation import simulated_bifurcation
from spinscope.optimize.cim import chaotic_amplitude_control, coherent_ising_machine
from spinscope.optimize.dimod_sampler import SpinscopeSampler
from spinscope.optimize.encoded_instances import random_maxcut_problem, sk_pm_problem
from spinscope.optimize.encoded_search import PartitionSearchResult, partition_local_search
from spinscope.optimize.encodings import (
    IsingEncoding,
    PartitionEncoding,
    ising_encoding,
    partition_encoding,
)
from spinscope.optimize.gset import read_gset
from spinscope.optimize.ising_search import IsingSearchResult, ising_local_search
from spinscope.optimize.landscape import (
    Landscape,
    analyze_landscape,
    ising_energy_table,
    partition_landscape_study,
    partition_landscapes,
)
from spinscope.optimize.level_study import level_study
from spinscope.optimize.maxcut import maxcut_from_edges, maxcut_from_graph, maxcut_from_matrix
from spinscope.optimize.multilevel import (
    MultilevelEncoding,
    coarse_grain_table,
    ising_levels,
    partition_levels,
)
from spinscope.optimize.partition import (
    karmarkar_karp,
    partition_ising_problem,
    partition_maxcut_problem,
    partition_optimum,
    partition_residual,
    random_partition_numbers,
)
from spinscope.optimize.planted import (
    PLANTED_KINDS,
    PlantedInstance,
    gauge_problem,
    planted_instance,
    tile_planted_2d,
    tile_planted_3d,
    wishart_planted,
)
from spinscope.optimize.planted_files import write_planted
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
from spinscope.optimize.tabu import breakout_local_search
from spinscope.optimize.tts import TimeToSolution, median_tts, time_to_solution, tts_from_success
from spinscope.optimize.tts_target import TimeToTarget, optimal_tts, time_to_target
from spinscope.optimize.xorsat import XorsatInstance, xorsat_planted
from spinscope.optimize.xorsat_files import read_xorsat, write_xorsat
from spinscope.optimize.xorsat_solvers import solve_xorsat, xorsat_annealing, xorsat_tempering

__all__ = [
    "PLANTED_KINDS",
    "SOLVERS",
    "SOLVER_REGISTRY",
    "IsingEncoding",
    "IsingSearchResult",
    "Landscape",
    "MultilevelEncoding",
    "PartitionEncoding",
    "PartitionSearchResult",
    "PlantedInstance",
    "Problem",
    "SolveResult",
    "SolverSpec",
    "SpinscopeSampler",
    "TimeToSolution",
    "TimeToTarget",
    "XorsatInstance",
    "analyze_landscape",
    "breakout_local_search",
    "chaotic_amplitude_control",
    "coarse_grain_table",
    "coherent_ising_machine",
    "default_beta_range",
    "default_pt_beta_range",
    "gauge_problem",
    "get_solver",
    "ising_encoding",
    "ising_energy_table",
    "ising_levels",
    "ising_local_search",
    "ising_problem",
    "ising_to_qubo",
    "karmarkar_karp",
    "level_study",
    "load_problem",
    "maxcut_from_edges",
    "maxcut_from_graph",
    "maxcut_from_matrix",
    "median_tts",
    "optimal_tts",
    "parallel_tempering",
    "partition_encoding",
    "partition_ising_problem",
    "partition_landscape_study",
    "partition_landscapes",
    "partition_levels",
    "partition_local_search",
    "partition_maxcut_problem",
    "partition_optimum",
    "partition_residual",
    "planted_instance",
    "population_annealing",
    "qubo_problem",
    "qubo_to_ising",
    "random_maxcut_problem",
    "random_partition_numbers",
    "read_gset",
    "read_xorsat",
    "recommended_pt_settings",
    "simulated_annealing",
    "simulated_bifurcation",
    "sk_pm_problem",
    "sk_problem",
    "solve",
    "solve_xorsat",
    "tile_planted_2d",
    "tile_planted_3d",
    "time_to_solution",
    "time_to_target",
    "tts_from_success",
    "wishart_planted",
    "write_assignment",
    "write_planted",
    "write_xorsat",
    "xorsat_annealing",
    "xorsat_planted",
    "xorsat_tempering",
]
