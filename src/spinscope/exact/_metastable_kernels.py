"""Numba kernels of the one-spin-flip-stable enumeration (internal; see :mod:`.metastable`).

The walk visits the configurations in binary-reflected Gray-code order: step ``k`` flips spin
``ctz(k)`` (the lowest set bit of ``k``), and the configuration reached is the Gray word
``g = k ^ (k >> 1)`` with ``s_i = 1 - 2 bit_i(g)`` (the numbering of
:mod:`spinscope.exact.enumeration`). After a flip of spin ``i`` every local field changes by
``2 s_i J_ai`` (O(n)); the same pass counts the unstable spins, so the stability test costs
nothing extra. The sequence is cut into chunks of ``2^CHUNK_BITS`` steps; each chunk starts from
its own Gray word with freshly computed fields, so chunks are independent (run in parallel with
``prange``, results identical for any thread count) and rounding cannot build up over more than
one chunk.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

CHUNK_BITS = 12  # 4096 steps per chunk: the O(n^2) restart costs < 1 % of the walk


@njit(cache=True)
def _start(j, h, g0, s, loc, tol) -> int:
    """Set ``s`` to the Gray word ``g0``, ``loc = J s`` (from scratch); return the unstable count."""
    n = s.shape[0]
    for a in range(n):
        s[a] = -1.0 if (g0 >> a) & 1 else 1.0
    unstable = 0
    for a in range(n):
        acc = 0.0
        for b in range(n):
            acc += j[a, b] * s[b]
        loc[a] = acc
        if s[a] * (acc + h[a]) < -tol:
            unstable += 1
    return unstable


@njit(cache=True)
def _walk(j, h, tol, k0, length, codes, offset) -> int:
    """Walk steps ``k0 .. k0 + length - 1``; return how many configurations are stable.

    When ``codes`` is non-empty the Gray words of the stable ones are written to
    ``codes[offset:]`` in walk order.
    """
    n = h.shape[0]
    s = np.empty(n)
    loc = np.empty(n)
    unstable = _start(j, h, k0 ^ (k0 >> 1), s, loc, tol)
    store = codes.shape[0] > 0
    found = 0
    for k in range(k0, k0 + length):
        if k > k0:
            i = 0
            while ((k >> i) & 1) == 0:
                i += 1
            s[i] = -s[i]
            two_s = 2.0 * s[i]
            row = j[i]  # J is symmetric: row i is column i, contiguous
            unstable = 0
            for a in range(n):
                loc[a] += two_s * row[a]
                unstable += s[a] * (loc[a] + h[a]) < -tol
        if unstable == 0:
            if store:
                codes[offset + found] = k ^ (k >> 1)
            found += 1
    return found


@njit(parallel=True, cache=True)
def count_per_chunk(j, h, tol, steps, chunk) -> np.ndarray:
    """Number of stable configurations in each chunk of ``chunk`` steps out of ``steps``."""
    nchunks = (steps + chunk - 1) // chunk
    counts = np.zeros(nchunks, dtype=np.int64)
    none = np.empty(0, dtype=np.int64)
    for c in prange(nchunks):
        k0 = c * chunk
        counts[c] = _walk(j, h, tol, k0, min(chunk, steps - k0), none, 0)
    return counts


@njit(parallel=True, cache=True)
def collect(j, h, tol, steps, chunk, chunks, offsets, codes) -> None:
    """Write the Gray words of the stable configurations of ``chunks`` at ``codes[offsets[c]:]``."""
    for t in prange(chunks.shape[0]):
        k0 = chunks[t] * chunk
        _walk(j, h, tol, k0, min(chunk, steps - k0), codes, offsets[t])


@njit(cache=True)
def decode(codes, n) -> np.ndarray:
    """Spins ``int8 (len(codes), n)`` of Gray words (``s_i = 1 - 2 bit_i``)."""
    out = np.empty((codes.shape[0], n), dtype=np.int8)
    for r in range(codes.shape[0]):
        for a in range(n):
            out[r, a] = -1 if (codes[r] >> a) & 1 else 1
    return out
