"""Counter-based random numbers for the numba kernels (shared by ``mc`` and ``optimize``).

Every random 64-bit word is a pure function of ``(key, counter, index)``::

    stream = mix64(key ^ mix64(counter * GOLDEN + 1))      # one per chain and round
    word   = mix64(stream + (index + 1) * GOLDEN)          # one per draw

where ``mix64`` is the splitmix64 output function (Stafford's "mix13" finaliser) and
``GOLDEN = 0x9E3779B97F4A7C15``. ``key`` is a per-chain 64-bit key (see :func:`make_keys`),
``counter`` counts the rounds (sweeps, clusters) the chain has done and ``index`` names the
draw inside the round (usually derived from the site index). Because no draw depends on the
order in which sites are visited, results are bitwise identical for any thread count.

For a fixed stream the words are exactly the splitmix64 sequence started at ``stream``, a
generator that passes BigCrush; distinct ``(key, counter)`` pairs give unrelated starting points.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from spinscope._validation import SeedLike, check_int, spawn_seeds

__all__ = ["draw", "make_keys", "mix64", "stream_start", "u32_hi", "u32_lo", "uniform53"]

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_LO32 = np.uint64(0xFFFFFFFF)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always", cache=True)
def mix64(z):
    """splitmix64 finaliser: a bijective, strongly mixing map of a uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always", cache=True)
def stream_start(key, counter):
    """Start of the stream of one chain in one round (``key``, ``counter``: uint64)."""
    return mix64(key ^ mix64(counter * GOLDEN + _ONE))


@njit(inline="always", cache=True)
def draw(stream, index):
    """Random uint64 number ``index`` (an int, cast to uint64) of a stream."""
    return mix64(stream + (np.uint64(index) + _ONE) * GOLDEN)


@njit(inline="always", cache=True)
def uniform53(word):
    """Uniform float64 in ``[0, 1)`` from the top 53 bits of a word."""
    return np.float64(word >> _S11) * _INV53


@njit(inline="always", cache=True)
def u32_hi(word):
    """Top 32 bits of a word as a uint64 in ``[0, 2**32)``."""
    return word >> _S32


@njit(inline="always", cache=True)
def u32_lo(word):
    """Bottom 32 bits of a word as a uint64 in ``[0, 2**32)``."""
    return word & _LO32


def _mix64_np(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def make_keys(seed: SeedLike, R: int) -> np.ndarray:
    """Distinct 64-bit chain keys, one per chain, derived from one seed.

    The seed is turned into one child ``SeedSequence`` with
    :func:`spinscope._validation.spawn_seeds` (so ints, Generators and SeedSequences are
    accepted as everywhere else) and two 64-bit words ``(w0, w1)`` from it; chain ``r`` gets
    ``mix64(w0 ^ mix64(w1 + r * GOLDEN))``. This costs O(R) numpy work (no Python object per
    chain), keys are pairwise distinct (``mix64`` is a bijection), and key ``r`` depends only on
    the seed and ``r``, not on ``R``: adding chains leaves the existing ones unchanged.

    Parameters
    ----------
    seed : int, numpy Generator, SeedSequence or None
    R : int
        Number of chains (>= 1).

    Returns
    -------
    keys : ndarray of uint64, shape (R,)
    """
    R = check_int(R, "R", minimum=1)
    w0, w1 = spawn_seeds(seed, 1)[0].generate_state(2, np.uint64)
    r = np.arange(R, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return _mix64_np(w0 ^ _mix64_np(w1 + r * GOLDEN))


def thresholds32(p: np.ndarray) -> np.ndarray:
    """Integer acceptance thresholds ``floor(p * 2**32)`` (uint64) for 32-bit uniforms.

    ``u < threshold`` with ``u`` uniform on ``0 .. 2**32-1`` has probability
    ``threshold / 2**32``, which is ``p`` to within ``2**-32``; ``p >= 1`` gives ``2**32``
    (always accept), ``p <= 0`` gives 0.
    """
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    return np.floor(p * 4294967296.0).astype(np.uint64)
