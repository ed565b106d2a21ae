"""Exact thermodynamics of small systems by enumerating every configuration.

State numbering (used by ``probabilities`` and by the samplers' chi-square tests):

* Ising: configuration index ``k = sum_i b_i 2^i`` with ``s_i = 1 - 2 b_i`` (index 0 = all +1).
* Potts/clock: ``k = sum_i s_i q^i`` with states ``s_i in 0..q-1``.

Energies are enumerated once per model (in chunks, vectorised); thermodynamic averages at any
``beta`` then cost O(number of states). Free energy and specific heat are per spin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.special import logsumexp

from spinscope._validation import check_positive
from spinscope.errors import InputError
from spinscope.models.ising import IsingModel
from spinscope.models.potts import PottsModel
from spinscope.models.registry import model_kind

__all__ = [
    "ExactThermo",
    "all_states",
    "enumerate_ising",
    "enumerate_potts",
    "ising_levels",
    "potts_levels",
    "state_index",
    "thermo_from_levels",
]

MAX_ISING_SPINS = 26
MAX_STATES = 2**26
_CHUNK = 2**18


@dataclass(frozen=True)
class ExactThermo:
    """Exact equilibrium averages at inverse temperature ``beta``.

    Attributes
    ----------
    beta : float
    n : int
        Number of spins.
    log_z : float
        Natural log of the partition function.
    free_energy : float
        ``-log Z / (beta n)`` (per spin).
    energy : float
        ``<H> / n``.
    specific_heat : float
        ``beta^2 (<H^2> - <H>^2) / n``.
    abs_magnetization, magnetization2, magnetization4 : float
        ``<|m|>``, ``<m^2>``, ``<m^4>`` of the magnetisation per spin (for Potts the order
        parameter ``m = (q max_a rho_a - 1)/(q - 1)``).
    probabilities : ndarray or None
        Boltzmann probability of every configuration (see the module docstring for the index).
    """

    beta: float
    n: int
    log_z: float
    free_energy: float
    energy: float
    specific_heat: float
    abs_magnetization: float
    magnetization2: float
    magnetization4: float
    probabilities: np.ndarray | None = None

    def to_dict(self) -> dict:
        """JSON-ready summary (without the probability table)."""
        return {k: float(getattr(self, k)) if k not in ("n",) else self.n
                for k in ("beta", "n", "log_z", "free_energy", "energy", "specific_heat",
                          "abs_magnetization", "magnetization2", "magnetization4")}


def all_states(n: int) -> np.ndarray:
    """All ``2^n`` Ising configurations, ``int8 (2^n, n)``; row ``k`` has ``s_i = 1 - 2 bit_i(k)``."""
    if n > 24:
        raise InputError(f"all_states: 2^{n} configurations do not fit in memory; n <= 24")
    k = np.arange(2**n, dtype=np.int64)[:, None]
    bits = (k >> np.arange(n, dtype=np.int64)) & 1
    return (1 - 2 * bits).astype(np.int8)


def state_index(s, q: int | None = None) -> np.ndarray:
    """Index of each configuration of shape ``(..., n)``: Ising ±1 if ``q`` is None, else Potts."""
    a = np.asarray(s).astype(np.int64)
    n = a.shape[-1]
    if q is None:
        return (((1 - a) // 2) << np.arange(n, dtype=np.int64)).sum(-1)
    return (a * (q ** np.arange(n, dtype=np.int64))).sum(-1)


@njit(cache=True)
def _gray_code_levels(j: np.ndarray, h: np.ndarray, energies: np.ndarray, mags: np.ndarray) -> None:
    """Visit all 2^n states in Gray-code order: one flip per step, local fields updated in O(n).

    The energy is recomputed from scratch every 2^16 steps so rounding cannot accumulate.
    """
    n = h.shape[0]
    s = np.ones(n)
    loc = np.zeros(n)
    energy = 0.0
    mag = 0.0
    g = 0
    for k in range(2**n):
        if k > 0:
            i = 0
            while ((k >> i) & 1) == 0:
                i += 1
            energy += 2.0 * s[i] * (loc[i] + h[i])
            mag -= 2.0 * s[i]
            s[i] = -s[i]
            for a in range(n):
                loc[a] += 2.0 * s[i] * j[a, i]
            g ^= 1 << i
        if (k & 0xFFFF) == 0:  # exact recomputation
            energy = 0.0
            mag = 0.0
            for a in range(n):
                acc = 0.0
                for b in range(n):
                    acc += j[a, b] * s[b]
                loc[a] = acc
                energy -= 0.5 * s[a] * acc + h[a] * s[a]
                mag += s[a]
        energies[g] = energy
        mags[g] = mag / n


def ising_levels(model: IsingModel) -> tuple[np.ndarray, np.ndarray]:
    """Energy and magnetisation per spin of every configuration, in index order.

    A numba kernel walks the states in Gray-code order (one spin flip per step), so the cost is
    O(2^n n) rather than O(2^n n^2).
    """
    n = model.n
    if n > MAX_ISING_SPINS:
        raise InputError(f"exact enumeration handles up to {MAX_ISING_SPINS} Ising spins; the model has {n}")
    energies = np.empty(2**n)
    mags = np.empty(2**n)
    _gray_code_levels(np.ascontiguousarray(model.dense_couplings(), dtype=np.float64),
                      np.ascontiguousarray(model.fields, dtype=np.float64), energies, mags)
    return energies, mags


def potts_levels(model: PottsModel) -> tuple[np.ndarray, np.ndarray]:
    """Energy and order parameter of every Potts/clock configuration, in index order."""
    n, q = model.n, model.q
    total = float(q) ** n
    if total > MAX_STATES:
        raise InputError(f"exact enumeration handles up to {MAX_STATES} states; q^n = {q}^{n} is too many")
    total = int(total)
    energies = np.empty(total)
    order = np.empty(total)
    powers = q ** np.arange(n, dtype=np.int64)
    for start in range(0, total, _CHUNK):
        k = np.arange(start, min(total, start + _CHUNK), dtype=np.int64)[:, None]
        s = (k // powers) % q
        energies[start:start + len(k)] = model.energy(s)
        counts = np.stack([(s == a).sum(axis=1) for a in range(q)], axis=1)
        order[start:start + len(k)] = (q * counts.max(axis=1) / n - 1.0) / (q - 1.0)
    return energies, order


# Levels closer than this (relative to the largest |E|) to the lowest one are ground states: the
# Gray-code walk accumulates rounding of ~1e-14 relative (it recomputes every 2^16 states), so
# e.g. the two SK ground states s and -s come out ~4e-13 apart and would otherwise look like a
# spurious gap at T ~ 1e-13.
_DEGENERACY_RTOL = 1e-11
# Below this beta * max|E - mean E| the energy and log Z are taken relative to the
# infinite-temperature mean (:func:`_high_temperature_moments`), where E0 + <E - E0> would cancel.
_HIGH_T_SPREAD = 10.0


def thermo_from_levels(energies: np.ndarray, mags: np.ndarray, beta: float, n: int, *,
                       probabilities: bool = True) -> ExactThermo:
    """Boltzmann averages from enumerated levels (see :func:`ising_levels`).

    Stable at any ``beta`` a float can hold: the weights are ``exp(-beta (E - E_0))`` relative to
    the lowest level ``E_0`` (log-sum-exp), and the energy moments are taken about ``E_0``, so
    ``T = 1e-300`` gives the ground-state values (specific heat 0, no overflow) and
    ``T = 1e300`` the infinite-temperature ones. Levels within ``1e-11 * max|E|`` of ``E_0``
    (rounding of the enumeration) count as degenerate ground states.
    """
    beta = check_positive(beta, "beta")
    energies = np.asarray(energies, dtype=np.float64)
    e0 = float(energies.min())
    d = energies - e0                                   # excitation energies >= 0
    d[d <= _DEGENERACY_RTOL * max(1.0, float(np.abs(energies).max()))] = 0.0
    with np.errstate(over="ignore"):
        logw = -beta * d                                # in [-inf, 0]: exp never overflows
    lse = float(logsumexp(logw))                        # >= 0: the ground states weigh 1 each
    p = np.exp(logw - lse)
    d_mean = float(p @ d)
    d_var = float(p @ (d - d_mean) ** 2)
    am = np.abs(mags)
    log_z, energy = lse - beta * e0, e0 + d_mean
    if beta * float(np.abs(energies - energies.mean()).max()) < _HIGH_T_SPREAD:
        log_z, energy = _high_temperature_moments(energies, beta)
    return ExactThermo(
        beta=beta, n=n, log_z=log_z, free_energy=-log_z / (beta * n) if np.isfinite(log_z)
        else (e0 - lse / beta) / n,
        energy=energy / n, specific_heat=_scaled_variance(beta, d_var) / n,
        abs_magnetization=float(p @ am), magnetization2=float(p @ am**2),
        magnetization4=float(p @ am**4), probabilities=p if probabilities else None,
    )


def _high_temperature_moments(energies: np.ndarray, beta: float) -> tuple[float, float]:
    """``(log Z, <E>)`` when ``beta |E - mean E| < 10``, relative to the infinite-temperature mean.

    There ``<E> = E0 + <E - E0>`` would be a difference of nearly equal numbers (``<E> -> 0`` as
    ``T -> inf``); instead ``p_i N_s = 1 + eps_i``, ``eps_i = expm1(u_i - delta)`` with
    ``u_i = -beta (E_i - mean E)`` and ``delta = log1p(mean expm1(u))``, and
    ``<E> = mean E + mean(eps (E - mean E))``: every term keeps its relative precision.
    """
    e_bar = float(energies.mean())
    c = energies - e_bar
    u = -beta * c
    delta = float(np.log1p(np.mean(np.expm1(u))))
    eps = np.expm1(u - delta)
    return float(np.log(energies.size)) + delta - beta * e_bar, e_bar + float(np.mean(eps * c))


def _scaled_variance(beta: float, var: float) -> float:
    """``beta^2 var`` without the overflow (or ``inf * 0``) of ``beta**2`` at huge ``beta``."""
    return 0.0 if var == 0.0 else beta * (beta * var)


def enumerate_ising(model: IsingModel, beta: float, *, probabilities: bool = True) -> ExactThermo:
    """Exact thermodynamics of an Ising model by summing over all ``2^n`` configurations.

    Parameters
    ----------
    model : IsingModel
        At most 26 spins (memory: 16 bytes per configuration).
    beta : float
        Inverse temperature ``1/T`` (> 0).
    probabilities : bool
        Include the Boltzmann probability of every configuration.
    """
    model_kind(model, allowed=("ising",), what="enumerate_ising")
    e, m = ising_levels(model)
    return thermo_from_levels(e, m, beta, model.n, probabilities=probabilities)


def enumerate_potts(model: PottsModel, beta: float, *, probabilities: bool = True) -> ExactThermo:
    """Exact thermodynamics of a Potts or clock model by summing over all ``q^n`` configurations."""
    model_kind(model, allowed=("potts", "clock"), what="enumerate_potts")
    e, m = potts_levels(model)
    return thermo_from_levels(e, m, beta, model.n, probabilities=probabilities)


# model kind -> function returning (energies, magnetisations) of every configuration
LEVELS = {"ising": ising_levels, "potts": potts_levels, "clock": potts_levels}


def energy_levels(model) -> tuple[np.ndarray, np.ndarray]:
    """Energy and magnetisation of every configuration of any enumerable model (see :data:`LEVELS`).

    Raises
    ------
    ValueError
        For a model kind with a continuous state space (XY) or no enumerator.
    """
    kind = model_kind(model, what="exact enumeration")
    if kind not in LEVELS:
        raise InputError(f"exact enumeration covers {', '.join(LEVELS)} models; {kind} spins are "
                         "continuous or have no enumerator")
    return LEVELS[kind](model)


def enumerate_model(model, beta: float, *, probabilities: bool = True) -> ExactThermo:
    """Exact thermodynamics of any enumerable model (Ising, Potts, clock) at ``beta``."""
    e, m = energy_levels(model)
    return thermo_from_levels(e, m, beta, model.n, probabilities=probabilities)
