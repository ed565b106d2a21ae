"""Simulated annealing of any Monte Carlo model: inverse-temperature schedules and a driver.

Schedules are arrays of inverse temperatures ``beta`` (units of ``1/J``), increasing:
``"linear"`` spaces ``beta`` evenly, ``"geometric"`` spaces ``log beta`` evenly. :func:`anneal`
runs any :class:`~spinscope.mc.sampler.MonteCarlo` sampler (any algorithm and backend it offers)
of any model the Monte Carlo engine handles (Ising, Potts, clock) through a schedule and keeps
the lowest-energy configuration seen.

When to use which. :func:`spinscope.optimize.simulated_annealing` (``solve(problem,
solver="sa")``) is the fast optimiser of Ising, QUBO and Max-Cut problems: its own numba kernels
with incremental local fields, restarts until a time limit, targets, automatic schedules; it
does not use this module. Use it to find ground states of ±1 spin problems. Use :func:`anneal`
for the models and updates the optimiser does not have (Potts and clock models, cluster or
heat-bath updates, the torch backend on a GPU) or to follow the energy along the schedule.

Both follow one contract (``docs/optimize.md``, "One annealer contract"): ``num_reads``
independent anneals, ``seed``, a schedule given by its kind (``schedule``) and ``beta_range``;
results with ``best_energy``, ``best_state``, ``energies`` and ``states`` (the best of each
read), ``final_states``, ``reads``, ``sweeps``, ``seed`` and ``settings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from spinscope._validation import SeedLike, check_int, check_positive, resolve_seed
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

    Returns
    -------
    ndarray, shape (steps,)
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
    """Outcome of :func:`anneal` (the annealer contract of ``docs/optimize.md``).

    Attributes
    ----------
    best_energy : float
        Lowest energy ``H`` found (total, not per spin), over all reads and schedule steps.
    best_state : ndarray (n,)
        A configuration with that energy (spins, or Potts/clock states).
    energies : ndarray (R,)
        Lowest energy of each read.
    states : ndarray (R, n)
        The configuration of each read with that energy.
    final_states : ndarray (R, n)
        Configurations at the end of the schedule.
    energy_trace : ndarray (steps, R)
        Energy of every read at the end of each schedule step.
    sweeps : int
        Sweeps done by each read (``steps * sweeps_per_step``).
    seed : int, Generator or SeedSequence
        The seed used (a fresh one is drawn and recorded when ``anneal`` gets None).
    settings : dict
        ``num_reads``, ``schedule`` (its kind, ``"custom"`` for an explicit array),
        ``beta_range``, ``num_steps``, ``sweeps_per_step``.
    """

    best_energy: float
    best_state: np.ndarray
    energies: np.ndarray
    states: np.ndarray
    final_states: np.ndarray
    energy_trace: np.ndarray
    sweeps: int
    seed: Any = None
    settings: dict = field(default_factory=dict)

    @property
    def reads(self) -> int:
        """Number of independent reads ``R``."""
        return int(self.final_states.shape[0])

    @property
    def best_spins(self) -> np.ndarray:
        """Older name of :attr:`best_state`."""
        return self.best_state

    @property
    def final_spins(self) -> np.ndarray:
        """Older name of :attr:`final_states`."""
        return self.final_states

    def to_dict(self) -> dict:
        """JSON-ready dict with the contract's names.

        Returns
        -------
        dict
        """
        seed = self.seed if isinstance(self.seed, (int, type(None))) else str(self.seed)
        return {"best_energy": self.best_energy, "best_state": self.best_state.tolist(),
                "energies": self.energies.tolist(), "reads": self.reads, "sweeps": self.sweeps,
                "seed": seed, "settings": {k: (list(v) if isinstance(v, tuple) else v)
                                           for k, v in self.settings.items()},
                "energy_trace": self.energy_trace.tolist()}


def _resolve_schedule(schedule, beta_range, num_steps) -> tuple[np.ndarray, str]:
    """The array of betas and the kind of schedule (``"custom"`` for an explicit array)."""
    if isinstance(schedule, str):
        if beta_range is None or num_steps is None:
            raise InputError(f"schedule={schedule!r} needs beta_range=(beta_start, beta_end) and "
                             "num_steps (or pass the array of inverse temperatures as schedule)")
        b0, b1 = beta_range
        return beta_schedule(schedule, beta_start=b0, beta_end=b1, steps=num_steps), schedule
    if beta_range is not None or num_steps is not None:
        raise InputError("beta_range and num_steps describe a named schedule; an array schedule "
                         "already lists the inverse temperatures")
    sched = np.atleast_1d(np.asarray(schedule, dtype=np.float64))
    if sched.ndim != 1 or sched.size == 0 or not np.all(np.isfinite(sched)) or np.any(sched <= 0):
        raise InputError("schedule must be a non-empty 1-D array of positive inverse temperatures")
    return sched, "custom"


def _num_reads(num_reads: int | None, replicas: int | None) -> int:
    if num_reads is not None and replicas is not None:
        raise InputError("give num_reads or its older name replicas, not both")
    value = replicas if num_reads is None else num_reads
    return check_int(1 if value is None else value, "num_reads", minimum=1)


def anneal(model, *, schedule, beta_range: tuple[float, float] | None = None,
           num_steps: int | None = None, sweeps_per_step: int = 1, num_reads: int | None = None,
           sampler: MonteCarlo | None = None, seed: SeedLike = None,
           replicas: int | None = None) -> AnnealResult:
    """Simulated annealing of ``num_reads`` independent chains through a schedule.

    Parameters
    ----------
    model : IsingModel, PottsModel or ClockModel
    schedule : {"geometric", "linear"} or array of float
        The kind of schedule (with ``beta_range`` and ``num_steps``, see :func:`beta_schedule`),
        or the inverse temperatures themselves.
    beta_range : (beta_start, beta_end), optional
        First and last inverse temperature of a named schedule.
    num_steps : int, optional
        Temperatures of a named schedule.
    sweeps_per_step : int
        Sweeps at each schedule step.
    num_reads : int, optional
        Independent anneals (default 1); the best over all is ``best_state``.
    sampler : MonteCarlo, optional
        Default: Metropolis on the numba backend.
    seed : int, Generator or None
        None draws a fresh seed, recorded in the result.
    replicas : int, optional
        Older name of ``num_reads``.

    Returns
    -------
    AnnealResult
    """
    sched, kind = _resolve_schedule(schedule, beta_range, num_steps)
    sweeps_per_step = check_int(sweeps_per_step, "sweeps_per_step", minimum=1)
    R = _num_reads(num_reads, replicas)
    seed = resolve_seed() if seed is None else seed
    sampler = sampler or MonteCarlo()
    state = sampler.init(model, betas=sched[:1], replicas=R, seed=seed)
    n = model.n
    energies = []
    best_e, best_s = np.inf, None
    read_e, read_s = np.full(state.num_chains, np.inf), state.spins_numpy().copy()
    for b in sched:
        state = replace(state, betas=np.full(state.num_chains, b))
        state, _ = sampler.run(state, sweeps=sweeps_per_step)
        e = sampler.measure(state)[0] * n
        energies.append(e)
        k = int(np.argmin(e))
        better = e < read_e
        if better.any():
            spins = state.spins_numpy()
            read_e[better], read_s[better] = e[better], spins[better]
        if e[k] < best_e:
            best_e, best_s = float(e[k]), state.spins_numpy()[k].copy()
    settings = {"num_reads": R, "schedule": kind, "beta_range": (float(sched[0]), float(sched[-1])),
                "num_steps": int(sched.size), "sweeps_per_step": sweeps_per_step}
    return AnnealResult(best_e, best_s, read_e, read_s, state.spins_numpy(), np.array(energies),
                        sweeps=int(sched.size) * sweeps_per_step, seed=seed, settings=settings)
