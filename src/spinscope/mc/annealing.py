"""Simulated annealing: inverse-temperature schedules and an annealing driver.

Schedules are arrays of inverse temperatures ``beta`` (units of ``1/J``), increasing:
``"linear"`` spaces ``beta`` evenly, ``"geometric"`` spaces ``log beta`` evenly. :func:`anneal`
runs any :class:`~spinscope.mc.sampler.MonteCarlo` sampler through a schedule and keeps the
lowest-energy configuration seen; the optimisation code reuses both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from spinscope._validation import SeedLike, check_int, check_positive
from spinscope.errors import InputError
from spinscope.mc.sampler import MonteCarlo

__all__ = ["AnnealResult", "anneal", "beta_schedule"]


def beta_schedule(kind: str = "geometric", *, beta_start: float, beta_end: float,
                  steps: int) -> np.ndarray:
    """Inverse temperatures of an annealing schedule, shape ``(steps,)``.

    Parameters
    ----------
    kind : {"linear", "geometric"}
        Even spacing in ``beta`` or in ``log beta``.
    beta_start, beta_end : float
        First and last inverse temperature (> 0).
    steps : int
        Number of temperatures (>= 1; 1 gives ``[beta_end]``).
    """
    b0, b1 = check_positive(beta_start, "beta_start"), check_positive(beta_end, "beta_end")
    steps = check_int(steps, "steps", minimum=1)
    if steps == 1:
        return np.array([b1])
    if kind == "linear":
        return np.linspace(b0, b1, steps)
    if kind == "geometric":
        return np.geomspace(b0, b1, steps)
    raise InputError(f"kind must be 'linear' or 'geometric', got {kind!r}")


@dataclass(frozen=True)
class AnnealResult:
    """Outcome of :func:`anneal`.

    Attributes
    ----------
    best_energy : float
        Lowest energy ``H`` found (total, not per spin).
    best_spins : ndarray int8 (n,)
        A configuration with that energy.
    energies : ndarray (steps, R)
        Energy of every chain at the end of each schedule step.
    final_spins : ndarray int8 (R, n)
    """

    best_energy: float
    best_spins: np.ndarray
    energies: np.ndarray
    final_spins: np.ndarray

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"best_energy": self.best_energy, "best_spins": self.best_spins.tolist(),
                "energies": self.energies.tolist()}


def anneal(model, *, schedule, sweeps_per_step: int = 1, replicas: int = 1,
           sampler: MonteCarlo | None = None, seed: SeedLike = None) -> AnnealResult:
    """Simulated annealing of ``replicas`` independent chains through ``schedule``.

    Parameters
    ----------
    model : IsingModel, PottsModel or ClockModel
    schedule : array of float
        Inverse temperatures, e.g. from :func:`beta_schedule`.
    sweeps_per_step : int
        Sweeps at each schedule step.
    replicas : int
        Independent runs (the best over all is returned).
    sampler : MonteCarlo, optional
        Default: Metropolis on the numba backend.
    seed : int, Generator or None
    """
    sched = np.atleast_1d(np.asarray(schedule, dtype=np.float64))
    if sched.ndim != 1 or sched.size == 0 or not np.all(np.isfinite(sched)) or np.any(sched <= 0):
        raise InputError("schedule must be a non-empty 1-D array of positive inverse temperatures")
    sweeps_per_step = check_int(sweeps_per_step, "sweeps_per_step", minimum=1)
    sampler = sampler or MonteCarlo()
    state = sampler.init(model, betas=sched[:1], replicas=replicas, seed=seed)
    n = model.n
    energies = []
    best_e, best_s = np.inf, None
    for b in sched:
        state = replace(state, betas=np.full(state.num_chains, b))
        state, _ = sampler.run(state, sweeps=sweeps_per_step)
        e = sampler.measure(state)[0] * n
        energies.append(e)
        k = int(np.argmin(e))
        if e[k] < best_e:
            best_e, best_s = float(e[k]), state.spins_numpy()[k].copy()
    return AnnealResult(best_e, best_s, np.array(energies), state.spins_numpy())
