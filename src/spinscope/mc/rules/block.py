"""Whole-layer heat-bath of layered Ising models (torch; on the CPU the products use BLAS).

Layers of one parity are conditionally independent given the others, so each half-sweep draws
every spin of the even (then odd) layers at once from its exact conditional.
"""

from __future__ import annotations

from functools import partial

from spinscope.mc.rules.local import _torch_prepare, torch_measure, torch_sweep, torch_view
from spinscope.mc.rules.registry import Implementation

__all__ = ["IMPLEMENTATIONS"]


def _layered(model) -> str | None:
    if model.layers is None or len(model.layers) < 2:
        return "needs a layered model (IsingModel.from_layers or layered_sk)"
    return None


def _impl(backend: str) -> Implementation:
    return Implementation("block", backend, ("ising",), partial(_torch_prepare, block=True),
                          partial(torch_sweep, rule="heatbath"), torch_measure,
                          summary="whole-layer heat-bath of layered models (torch)",
                          requires=_layered, torch=True, view=torch_view)


IMPLEMENTATIONS = (_impl("numba"), _impl("torch"))
