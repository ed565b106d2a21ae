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


def _measured(plan, words, betas, keys, counters, sweeps, sampler, every, structure,
              overlaps=None):
    """Sweeps measured after every ``every``-th, counted inside the compiled sweep loop
    (:func:`~spinscope.mc.kernels.multispin_sweeps_measured`: bit-sliced, exact): energies,
    magnetisations, structure factors and the pair overlaps, the values of the unpacked spins."""
    R = words.shape[0] * 64
    pairs = overlaps is not None
    if pairs and not overlaps.countable(R):
        return None
    acc, c = k.multispin_sweeps_measured(plan, words, betas[::64].copy(), keys, counters,
                                         sweeps=sweeps, every=every, pairs=pairs,
                                         structure=structure)
    total = 2 * c["up"] - plan.n
    extra = {}
    if structure:
        extra["sf0"], extra["sfk"] = k.structure_factors_from_sums(c["fourier"], total, plan.n,
                                                                   len(plan.shape))
    if pairs:
        extra.update(overlaps.from_counts(c["site_diff"], c["link_diff"]))
    return np.repeat(acc / 64.0, 64), k.multispin_energies(plan, c["unsat"]), total / plan.n, extra


IMPLEMENTATIONS = (
    Implementation("multispin", "numba", ("ising",), lambda m, s: k.prepare_multispin(m), _sweep,
                   _measure, summary="64 replicas bit-packed per word, checkerboard Metropolis "
                   "(2-D/3-D ±J lattices)", chains_per_key=64, enter=k.pack_spins,
                   leave=k.unpack_spins, view=k.unpack_spins, measured=_measured),
)
