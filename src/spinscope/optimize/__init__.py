"""Ising-machine solvers: ground states of Ising, QUBO and Max-Cut problems.

Problems (:mod:`.problems`, :mod:`.gset`, :mod:`.problem_files`) are converted exactly to one
objective ``E(s) = H(s) + offset`` over ±1 spins; solvers (:mod:`.solvers`, :mod:`.bifurcation`)
minimise it and return a :class:`~spinscope.optimize.sampleset.SolveResult`.
"""

from spinscope.optimize.problems import (
    Problem,
    ising_problem,
    ising_to_qubo,
    maxcut_from_edges,
    maxcut_from_graph,
    maxcut_from_matrix,
    qubo_problem,
    qubo_to_ising,
    sk_problem,
)

__all__ = [
    "Problem",
    "ising_problem",
    "ising_to_qubo",
    "maxcut_from_edges",
    "maxcut_from_graph",
    "maxcut_from_matrix",
    "qubo_problem",
    "qubo_to_ising",
    "sk_problem",
]
