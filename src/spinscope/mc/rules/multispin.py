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


def _measured(plan, words, betas, keys, counters, sweeps, sampler, every, structure):
    """Sweeps measured after every ``every``-th: the words are unpacked once per measurement
    (magnetisation and structure factors from the same unpacked spins)."""
    R = words.shape[0] * 64
    changes = np.zeros(R)
    es, ms, extra = [], [], {}
    shape = plan.shape
    for _ in range(sweeps // every):
        changes += _sweep(plan, words, betas, keys, counters, every, sampler)
        spins = k.unpack_spins(words)
        es.append(k.energies(plan, words))
        ms.append(spins.sum(1, dtype=np.int64) / plan.n)
        if structure:
            sf0, sfk = k.structure_factors(spins, shape)
            extra.setdefault("sf0", []).append(sf0)
            extra.setdefault("sfk", []).append(sfk)
    if sweeps % every:
        changes += _sweep(plan, words, betas, keys, counters, sweeps % every, sampler)
    return changes, np.array(es).reshape(-1, R), np.array(ms).reshape(-1, R), \
        {key: np.array(v) for key, v in extra.items()}


IMPLEMENTATIONS = (
    Implementation("multispin", "numba", ("ising",), lambda m, s: k.prepare_multispin(m), _sweep,
                   _measure, summary="64 replicas bit-packed per word, checkerboard Metropolis "
                   "(2-D/3-D ±J lattices)", chains_per_key=64, enter=k.pack_spins,
                   leave=k.unpack_spins, view=k.unpack_spins, measured=_measured),
)
