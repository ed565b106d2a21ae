"""Block Gibbs sampling of restricted Boltzmann machines (``RBM``, kind ``"rbm"``) as rule ``block``.

The chain state is the visible layer (±1); every sweep draws all hidden units from ``p(tau | s)``
and then all visible units from ``p(s | tau)`` (:func:`spinscope.mc.hopfield.rbm_sweeps`). The
measured energy is the effective visible energy at ``beta = 1``, ``-ln p~(s) = -b^T s -
sum_mu ln E_prior exp(a_mu tau)``, and the magnetisation the mean visible spin.
"""

from __future__ import annotations

import numpy as np

from spinscope.mc.hopfield import rbm_sweeps
from spinscope.mc.rules.registry import Implementation

__all__ = ["IMPLEMENTATIONS"]


def _prepare(model, sampler):
    return model


def _sweep(plan, spins, betas, keys, counters, sweeps, sampler):
    return rbm_sweeps(plan.weights, plan.visible_bias, plan.hidden_bias, float(plan.hidden_prior),
                      spins, np.asarray(betas, dtype=np.float64), keys, counters, int(sweeps))


def _measure(plan, spins):
    return -plan.log_marginal(spins), spins.mean(axis=1, dtype=np.float64)


IMPLEMENTATIONS = (Implementation("block", "numba", ("rbm",), _prepare, _sweep, _measure,
                                  summary="block Gibbs of RBMs (hidden layer, then visible layer)"),)
