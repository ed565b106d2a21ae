"""Differentiable spin programs and inverse problems (re-exports only)."""

from spinscope.inverse.exact_expectation import exact_expectation
from spinscope.inverse.expectation import expectation
from spinscope.inverse.result import ExpectationResult
from spinscope.inverse.torch_models import TorchIsing, TorchPotts

__all__ = ["ExpectationResult", "TorchIsing", "TorchPotts", "exact_expectation", "expectation"]
