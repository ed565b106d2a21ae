"""Bit-packed multispin Metropolis (numba): 64 replicas per 64-bit word, one RNG key per word.

For 2-D/3-D periodic hypercubic ±J lattices with zero field; replicas must be a multiple of 64,
and the 64 replicas of a word share one temperature.
"""

from __future__ import annotations

import numpy as np

from spinscope.mc import kernels as k
from spinscope.mc.rules.registry import Implementation

__all__ = ["IMPLEMENTATIONS"]


def _sweep(plan, words, betas, keys, counters, sweeps, sampler):
    acc = k.multispin_sweeps(plan, words, betas[::64].copy(), keys, counters, sweeps=sweeps)
    return np.repeat(acc / 64.0, 64)


def _measure(plan, words):
    return k.energies(plan, words), k.magnetizations(plan, words)


IMPLEMENTATIONS = (
    Implementation("multispin", "numba", ("ising",), lambda m, s: k.prepare_multispin(m), _sweep,
                   _measure, summary="64 replicas bit-packed per word, checkerboard Metropolis "
                   "(2-D/3-D ±J lattices)", chains_per_key=64, enter=k.pack_spins,
                   leave=k.unpack_spins, view=k.unpack_spins),
)
