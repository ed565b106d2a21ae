"""Spin Hamiltonians as plain data: Ising, Potts and clock models, lattices, disorder ensembles.

This package imports nothing else of spinscope; every algorithm consumes these objects.
"""

from spinscope.models.ensembles import edwards_anderson, hopfield, layered_sk, sk
from spinscope.models.graph import Graph, from_edges, hypercubic, triangular
from spinscope.models.io import load_model, save_model
from spinscope.models.ising import IsingModel, as_spins
from spinscope.models.potts import ClockModel, PottsModel

__all__ = [
    "ClockModel",
    "Graph",
    "IsingModel",
    "PottsModel",
    "as_spins",
    "edwards_anderson",
    "from_edges",
    "hopfield",
    "hypercubic",
    "layered_sk",
    "load_model",
    "save_model",
    "sk",
    "triangular",
]
