"""Spin Hamiltonians as plain data: Ising, Potts, clock and XY models, lattices, disorder ensembles.

This package imports nothing else of spinscope; every algorithm consumes these objects.
"""

from spinscope.models.base import StateSpace
from spinscope.models.cpm import CellularPottsModel
from spinscope.models.ensembles import edwards_anderson, hopfield, layered_sk, sk
from spinscope.models.graph import Graph, from_edges, hypercubic, triangular
from spinscope.models.hopfield_rbm import RBM, HopfieldModel
from spinscope.models.io import load_model, save_model
from spinscope.models.ising import IsingModel, as_spins
from spinscope.models.potts import ClockModel, PottsModel
from spinscope.models.registry import (
    MODEL_KINDS,
    is_model,
    model_class,
    model_kind,
    register_model,
)
from spinscope.models.xy import XYModel

__all__ = [
    "MODEL_KINDS",
    "RBM",
    "CellularPottsModel",
    "ClockModel",
    "Graph",
    "HopfieldModel",
    "IsingModel",
    "PottsModel",
    "StateSpace",
    "XYModel",
    "as_spins",
    "edwards_anderson",
    "from_edges",
    "hopfield",
    "hypercubic",
    "is_model",
    "layered_sk",
    "load_model",
    "model_class",
    "model_kind",
    "register_model",
    "save_model",
    "sk",
    "triangular",
]
