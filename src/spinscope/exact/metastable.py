"""Exact enumeration of the one-spin-flip-stable configurations of an Ising model.

A configuration ``s`` of ``H(s) = -1/2 s^T J s - h^T s`` is *one-flip stable* when no single spin
flip lowers the energy: ``s_i (sum_j J_ij s_j + h_i) >= 0`` for every ``i`` (the flip costs
``2 s_i (J s + h)_i``). These are the T -> 0 limit of the TAP solutions of the SK model; their mean
number grows as ``<N_s> ~ 1.0505 exp(0.1992 N)`` (Tanaka & Edwards 1980; Bray & Moore 1980).

*Ties.* A spin with ``s_i (J s + h)_i = 0`` can flip without changing the energy; it counts as
**stable** (a flip that does not lower the energy is not an escape). With continuous (Gaussian)
couplings ties have probability 0; with ±J couplings they are common and this choice matters.
The kernel accumulates local fields in floating point, so "zero" means ``|s_i (J s + h)_i| <=
1e-10 * max_i (sum_j |J_ij| + |h_i|)`` (the rounding of a chunk of the walk is ~1e-12 of that scale).

*Algorithm.* All ``2^n`` configurations (``2^(n-1)`` when ``h = 0``: one per ``±s`` pair, with the
last spin fixed to +1) are visited in Gray-code order, one flip per step, updating the local fields
in O(n) and counting unstable spins in the same pass (:mod:`._metastable_kernels`). Cost
``O(2^n n)``; n = 24 at ``h = 0`` takes ~0.1 s on one core.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import quad
from scipy.optimize import minimize_scalar
from scipy.special import log_ndtr

from spinscope._validation import check_int
from spinscope.errors import InputError
from spinscope.exact import _metastable_kernels as _k
from spinscope.models.registry import model_kind

__all__ = [
    "BRAY_MOORE_COMPLEXITY",
    "MAX_METASTABLE_SPINS",
    "OneFlipStable",
    "bray_moore_complexity",
    "count_one_flip_stable",
    "one_flip_stable_states",
    "sk_log_mean_stable_count",
]

#: Largest model enumerated: the walk visits ``2^n`` configurations (``2^30 * 30`` field updates,
#: about a minute per core); beyond that exhaustive enumeration is hopeless.
MAX_METASTABLE_SPINS = 30
#: Annealed complexity of the one-flip-stable states (T = 0 TAP solutions) of SK, to 4 digits:
#: ``lim (1/N) ln <N_s> = max_x [ln 2 - x^2/2 + ln Phi(x)] = 0.19923`` (Tanaka & Edwards, J. Phys.
#: F 10, 2769 (1980); Bray & Moore, J. Phys. C 13, L469 (1980)).
BRAY_MOORE_COMPLEXITY = 0.1992
_TIE_RTOL = 1e-10


@dataclass(frozen=True)
class OneFlipStable:
    """The one-flip-stable configurations of a model.

    Attributes
    ----------
    n : int
        Number of spins.
    states : ndarray of int8, shape (k, n)
        The stable configurations, lowest energy first (ties in configuration-index order). With
        zero fields only one of each pair ``s, -s`` is listed (the one with ``s[n-1] = +1``).
    energies : ndarray of float, shape (k,)
        ``H(s)`` of each row (not per spin).
    count : int
        Number of stable configurations among all ``2^n``: ``2k`` when ``paired``, else ``k``.
    paired : bool
        Whether the fields are zero, so each row stands for itself and its mirror image.
    """

    n: int
    states: np.ndarray
    energies: np.ndarray
    count: int
    paired: bool


def _prepare(model, what: str) -> tuple[np.ndarray, np.ndarray, float, int, bool]:
    """Validated ``(J, h, tie tolerance, number of walk steps, paired)`` of an Ising model."""
    model_kind(model, allowed=("ising",), what=what)
    n = model.n
    if n > MAX_METASTABLE_SPINS:
        raise InputError(f"{what} enumerates all 2^n configurations; n = {n} would take 2^{n} "
                         f"steps, the limit is n <= {MAX_METASTABLE_SPINS}")
    j = np.ascontiguousarray(model.dense_couplings(), dtype=np.float64)
    h = np.ascontiguousarray(model.fields, dtype=np.float64)
    scale = float((np.abs(j).sum(axis=1) + np.abs(h)).max())
    paired = not np.any(h)
    steps = 2 ** (n - 1) if paired else 2**n
    return j, h, _TIE_RTOL * scale, steps, paired


def count_one_flip_stable(model) -> int:
    """Number of one-flip-stable configurations among all ``2^n`` (both ``s`` and ``-s`` at h = 0).

    Parameters
    ----------
    model : IsingModel
        At most 30 spins.

    Returns
    -------
    int
        Configurations with ``s_i (J s + h)_i >= 0`` for every ``i`` (ties count as stable).
    """
    j, h, tol, steps, paired = _prepare(model, "count_one_flip_stable")
    chunk = min(steps, 2**_k.CHUNK_BITS)
    total = int(_k.count_per_chunk(j, h, tol, steps, chunk).sum())
    return 2 * total if paired else total


def one_flip_stable_states(model, *, max_states: int = 2**20) -> OneFlipStable:
    """All configurations stable against every single spin flip (see the module docstring).

    Parameters
    ----------
    model : IsingModel
        At most 30 spins; dense couplings are used.
    max_states : int
        Refuse (before allocating) when more than this many rows would be returned; an SK model of
        n = 30 has ~4e2 of them, a model with many ties (e.g. all couplings zero) up to ``2^n``.

    Returns
    -------
    OneFlipStable
        States, energies, total count and whether rows stand for ``±s`` pairs.
    """
    max_states = check_int(max_states, "max_states", minimum=1)
    j, h, tol, steps, paired = _prepare(model, "one_flip_stable_states")
    chunk = min(steps, 2**_k.CHUNK_BITS)
    counts = _k.count_per_chunk(j, h, tol, steps, chunk)
    k = int(counts.sum())
    if k > max_states:
        raise InputError(f"one_flip_stable_states: the model has {k} stable configurations"
                         f"{' pairs' if paired else ''}, more than max_states={max_states}; raise "
                         "max_states or use count_one_flip_stable")
    chunks = np.flatnonzero(counts).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(counts[chunks])[:-1])).astype(np.int64)
    codes = np.empty(k, dtype=np.int64)
    if k:
        _k.collect(j, h, tol, steps, chunk, chunks, offsets, codes)
    states = _k.decode(np.sort(codes), model.n)
    energies = np.asarray(model.energy(states), dtype=np.float64).reshape(k)
    order = np.argsort(energies, kind="stable")
    return OneFlipStable(n=model.n, states=states[order], energies=energies[order],
                         count=2 * k if paired else k, paired=paired)


def bray_moore_complexity() -> float:
    """Annealed T = 0 TAP complexity of SK, ``lim (1/N) ln <N_s>``, computed to full precision.

    ``<N_s> = 2^N P(all row sums of J > 0)``; for large N this is
    ``exp(N max_x [ln 2 - x^2/2 + ln Phi(x)])``, maximal at ``x = 0.50605``: 0.199228...
    (:data:`BRAY_MOORE_COMPLEXITY` = 0.1992 to 4 digits).
    """
    res = minimize_scalar(lambda x: -(np.log(2.0) - 0.5 * x * x + float(log_ndtr(x))),
                          bounds=(-2.0, 3.0), method="bounded", options={"xatol": 1e-12})
    return float(-res.fun)


def sk_log_mean_stable_count(n: int) -> float:
    """Exact ``ln <N_s>`` of the Gaussian SK model (``J_ij ~ N(0, 1/n)``, h = 0) at finite ``n``.

    Gauge invariance makes every configuration as likely to be stable as ``s = +1``, which is
    stable when every row sum ``r_i = sum_j J_ij`` is >= 0. The ``r_i`` are Gaussian with variance
    ``(n-1)/n`` and covariance ``1/n``, i.e. ``r_i = sqrt((n-2)/n) z_i + w / sqrt(n)`` with
    independent standard normals, so ``<N_s> = 2^n int Dw Phi(w / sqrt(n-2))^n``. For large n this
    is ``1.0505 exp(0.19923 n) (1 + O(1/n))`` (Tanaka & Edwards 1980).

    Parameters
    ----------
    n : int
        Number of spins, >= 3.
    """
    n = check_int(n, "n", minimum=3)
    a = 1.0 / np.sqrt(n - 2.0)

    def log_integrand(w: float) -> float:
        return -0.5 * w * w - 0.5 * np.log(2.0 * np.pi) + n * float(log_ndtr(w * a))

    peak = minimize_scalar(lambda w: -log_integrand(w), bounds=(-50.0, 50.0), method="bounded",
                           options={"xatol": 1e-10})
    w0, f0 = float(peak.x), float(-peak.fun)
    val, _ = quad(lambda w: np.exp(log_integrand(w) - f0), w0 - 40.0, w0 + 40.0,
                  points=[w0], limit=200, epsabs=0.0, epsrel=1e-11)
    return n * np.log(2.0) + f0 + float(np.log(val))
