"""Observables of spin configurations and the thermodynamic estimates built from them.

Conventions: Ising spins ``±1`` of shape ``(..., n)`` (batch axes first); energies per spin
``e = H / n`` and magnetisation per spin ``m = sum_i s_i / n`` (for Potts/clock models the
modulus of the complex order parameter ``mean_i exp(2 pi i s_i / q)``, which for q = 3 is the
usual simplex order parameter). Temperatures in units of ``J / k_B``; ``beta = 1 / T``.

Derived quantities (per spin)::

    C     = beta^2 n (<e^2> - <e>^2)              specific heat
    chi   = beta n (<m^2> - <|m|>^2)              susceptibility (finite-size, |m| form)
    U_4   = 1 - <m^4> / (3 <m^2>^2)               Binder cumulant (Ising; -> 2/3 ordered, 0 disordered)
    q_ab  = (1/n) sum_i s^a_i s^b_i               replica overlap
    q_l   = (1/E) sum_(ij) s^a_i s^a_j s^b_i s^b_j   link overlap over the E bonds
    chi_SG = n <q^2>                              spin-glass susceptibility
    xi_2nd = sqrt(chi(0)/chi(k_min) - 1) / (2 sin(k_min/2))   second-moment correlation length
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spinscope.analysis.statistics import Estimate, estimate_mean, jackknife
from spinscope.errors import InputError

__all__ = [
    "binder_cumulant",
    "correlation_function",
    "link_overlap",
    "overlap",
    "overlap_distribution",
    "second_moment_correlation_length",
    "spin_glass_susceptibility",
    "thermo_estimates",
]


def overlap(a, b) -> np.ndarray:
    """Replica overlap ``q = (1/n) sum_i a_i b_i`` of ±1 configurations, shape ``(...)``."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape[-1] != b.shape[-1]:
        raise InputError(f"overlap needs configurations of equal size, got {a.shape} and {b.shape}")
    return (a * b).mean(axis=-1)


def link_overlap(a, b, edges) -> np.ndarray:
    """Link overlap ``(1/E) sum_(ij) a_i a_j b_i b_j`` over ``edges`` (``(E, 2)`` int)."""
    e = np.asarray(edges, dtype=np.int64)
    if e.ndim != 2 or e.shape[1] != 2 or e.shape[0] == 0:
        raise InputError(f"edges must have shape (E, 2) with E >= 1, got {e.shape}")
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return (a[..., e[:, 0]] * a[..., e[:, 1]] * b[..., e[:, 0]] * b[..., e[:, 1]]).mean(axis=-1)


def overlap_distribution(q, *, bins: int = 41) -> tuple[np.ndarray, np.ndarray]:
    """Histogram estimate of ``P(q)`` on ``[-1, 1]``: ``(bin centres, density)``.

    The density integrates to one over ``[-1, 1]``.
    """
    qa = np.asarray(q, dtype=np.float64).ravel()
    if qa.size == 0:
        raise InputError("overlap_distribution needs at least one overlap value")
    hist, edges = np.histogram(qa, bins=int(bins), range=(-1.0, 1.0), density=True)
    return 0.5 * (edges[1:] + edges[:-1]), hist


def spin_glass_susceptibility(q, n: int) -> Estimate:
    """``chi_SG = n <q^2>`` with an autocorrelation-aware error; ``q`` of shape ``(..., N)``."""
    est = estimate_mean(np.asarray(q, dtype=np.float64) ** 2)
    return Estimate(n * est.value, n * est.error, est.tau_int, est.n_samples)


def binder_cumulant(m2: float, m4: float) -> float:
    """Binder cumulant ``U_4 = 1 - <m^4> / (3 <m^2>^2)`` from the two moments."""
    return 1.0 - m4 / (3.0 * m2 * m2) if m2 > 0 else float("nan")


def _lattice(spins, shape) -> np.ndarray:
    s = np.asarray(spins, dtype=np.float64)
    shape = tuple(int(x) for x in shape)
    n = int(np.prod(shape))
    if s.shape[-1] != n:
        raise InputError(f"configurations of shape {s.shape} do not fit a lattice of shape {shape}")
    return s.reshape(-1, *shape)


def correlation_function(spins, shape) -> np.ndarray:
    """Spin–spin correlation ``G(r) = <s_x s_{x + r e_a}>`` on a periodic lattice.

    Averaged over sites ``x``, the axes ``a`` and the configurations in ``spins`` (shape
    ``(..., n)`` with ``n = prod(shape)``). Returns ``G(r)`` for ``r = 0 .. min(shape) // 2``
    (``G(0) = 1``); the disconnected correlator (subtract ``<m^2>``-like terms yourself when
    the symmetry is broken).
    """
    s = _lattice(spins, shape)
    d = s.ndim - 1
    f = np.fft.rfftn(s, axes=tuple(range(1, d + 1)))
    corr = np.fft.irfftn(f * np.conj(f), s=s.shape[1:], axes=tuple(range(1, d + 1)))
    corr = corr.mean(axis=0) / np.prod(s.shape[1:])
    rmax = min(s.shape[1:]) // 2
    g = np.zeros(rmax + 1)
    for axis in range(d):
        idx = [0] * d
        for r in range(rmax + 1):
            idx[axis] = r
            g[r] += corr[tuple(idx)]
    return g / d


def second_moment_correlation_length(spins, shape) -> float:
    """Second-moment correlation length on a periodic hypercubic lattice (lattice units).

    ``xi = sqrt(chi(0) / chi(k_min) - 1) / (2 sin(k_min / 2))`` with ``k_min = 2 pi / L``
    along each axis (averaged over axes) and ``chi(k) = <|sum_x s_x e^{i k x}|^2> / n``
    averaged over the configurations in ``spins`` (shape ``(..., n)``). Returns ``nan`` when
    ``chi(k_min) = 0`` (to rounding: ``< 1e-12 chi(0)``, an ordered configuration) or
    ``chi(0) <= chi(k_min)`` (very high temperature noise).
    """
    s = _lattice(spins, shape)
    d = s.ndim - 1
    n = np.prod(s.shape[1:])
    f = np.fft.fftn(s, axes=tuple(range(1, d + 1)))
    power = (np.abs(f) ** 2).mean(axis=0) / n
    chi0 = power[(0,) * d]
    chik, ks = 0.0, []
    for axis in range(d):
        idx = [0] * d
        idx[axis] = 1
        chik += power[tuple(idx)]
        ks.append(2 * np.pi / s.shape[1 + axis])
    chik /= d
    kmin = float(np.mean(ks))
    # chi(k_min) below rounding (an ordered configuration) counts as 0: xi is undefined, not 1e16
    if chik <= 1e-12 * chi0 or chi0 <= chik:
        return float("nan")
    return float(np.sqrt(chi0 / chik - 1.0) / (2.0 * np.sin(kmin / 2.0)))


def thermo_estimates(energy, magnetization, *, beta: float, n: int, n_blocks: int = 20,
                     ) -> dict[str, Estimate]:
    """Thermodynamic estimates with autocorrelation-aware errors from per-spin time series.

    Parameters
    ----------
    energy : array, shape (chains, N) or (N,)
        Energy per spin ``H / n`` of each measurement (chains at the same temperature pooled).
    magnetization : array, same shape
        Magnetisation per spin ``m`` (real; pass ``abs`` of a complex order parameter).
    beta : float
        Inverse temperature ``1 / T``.
    n : int
        Number of spins.
    n_blocks : int
        Jackknife blocks for the derived quantities (``C``, ``chi``, ``binder``).

    Returns
    -------
    dict
        ``energy``, ``abs_m``, ``m2``, ``m4`` (means, errors from ``tau_int``),
        ``specific_heat``, ``susceptibility``, ``binder`` (jackknife over blocks). A series that
        does not fluctuate (a chain frozen at very low ``T``) gives ``C = chi = 0`` exactly, at
        any ``beta`` (no ``inf * 0``).
    """
    e = np.atleast_2d(np.asarray(energy, dtype=np.float64))
    m = np.atleast_2d(np.asarray(magnetization, dtype=np.float64))
    if e.shape != m.shape:
        raise InputError(f"energy and magnetization series differ in shape: {e.shape} vs {m.shape}")
    am = np.abs(m)
    m2 = m * m
    out: dict[str, Any] = {
        "energy": estimate_mean(e),
        "abs_m": estimate_mean(am),
        "m2": estimate_mean(m2),
        "m4": estimate_mean(m2 * m2),
    }
    nb = max(2, min(n_blocks, e.shape[-1]))
    with np.errstate(over="ignore"):
        beta2 = np.float64(beta) ** 2                   # inf (not OverflowError) for beta > 1e154
    out["specific_heat"] = _fluctuation(beta2 * n, e, nb)
    out["susceptibility"] = _fluctuation(np.float64(beta) * n, am, nb)
    out["binder"] = jackknife(binder_cumulant, m2, m2 * m2, n_blocks=nb)
    return out


def _fluctuation(scale, x: np.ndarray, nb: int) -> Estimate:
    """Jackknife estimate of ``scale (<x^2> - <x>^2)`` over blocks of the series ``x``.

    A series that never changes has no fluctuations: the result is exactly 0 (with error 0),
    whatever ``scale`` (``beta^2 n`` overflows float64 below ``T ~ 1e-154``, where any sampler
    is frozen: every ``exp(-beta dE)`` with ``dE > 0`` has underflowed to 0). A varying series
    at such a ``beta`` gives ``inf``: the chains did not sample ``T -> 0`` equilibrium.
    """
    if np.ptp(x) == 0:
        return Estimate(0.0, 0.0, float("nan"), int(x.size))
    if not np.isfinite(scale):
        return Estimate(float("inf"), float("inf"), float("nan"), int(x.size))
    return jackknife(lambda a, b: scale * (b - a * a), x, x * x, n_blocks=nb)
