"""Equilibrium samples from the project's own sampler, with the equilibration checked.

:func:`equilibrium_samples` runs many independent chains of :class:`spinscope.mc.MonteCarlo`
(any registered update rule for the model's kind): a burn-in, then one configuration per chain
every ``thin`` sweeps. Equilibration is checked, not assumed:

* ``thin`` is at least twice the integrated autocorrelation time ``tau`` of the energy measured
  in the second half of the burn-in (Sokal windowing, :func:`spinscope.analysis.integrated_time`),
  so successive samples of a chain are nearly independent;
* the burn-in is at least ``20 tau``;
* the mean energy of the first and second halves of the production run must agree
  (:func:`spinscope.analysis.thermalization_check`, ``z <= 4``); ``equilibrated`` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinscope._validation import SeedLike, check_int, check_positive
from spinscope.analysis import integrated_time, thermalization_check

__all__ = ["SampleSet", "equilibrium_samples"]


@dataclass(frozen=True)
class SampleSet:
    """Samples and how they were drawn.

    Attributes
    ----------
    spins : ndarray (B, n)
        int8 configurations (Ising ±1 or Potts states).
    beta : float
    algorithm : str
    chains, burn_in, thin : int
        Independent chains; sweeps before the first sample; sweeps between samples of a chain.
    tau : float
        Integrated autocorrelation time of the energy, in sweeps (burn-in estimate).
    drift_z : float
        First-half vs second-half z-score of the production energy.
    equilibrated : bool
        ``drift_z <= 4`` and ``burn_in >= 20 tau``.
    """

    spins: np.ndarray
    beta: float
    algorithm: str
    chains: int
    burn_in: int
    thin: int
    tau: float
    drift_z: float
    equilibrated: bool

    def to_dict(self) -> dict:
        """JSON-ready description (without the spins)."""
        return {"n_samples": int(self.spins.shape[0]), "beta": self.beta, "algorithm": self.algorithm,
                "chains": self.chains, "burn_in": self.burn_in, "thin": self.thin, "tau": self.tau,
                "drift_z": self.drift_z, "equilibrated": self.equilibrated}


def equilibrium_samples(model, beta: float, n_samples: int, *, algorithm: str = "metropolis",
                        chains: int | None = None, burn_in: int = 200, min_thin: int = 1,
                        backend: str = "numba", seed: SeedLike = None) -> SampleSet:
    """Draw ``n_samples`` equilibrium configurations of ``model`` at inverse temperature ``beta``.

    Parameters
    ----------
    model : a model the rule supports (IsingModel, PottsModel, ...)
    beta : float
    n_samples : int
        Number of configurations returned (``chains`` times samples per chain, rounded up, cut).
    algorithm : str
        An update rule of :data:`spinscope.mc.RULES` for the model's kind.
    chains : int, optional
        Independent chains (default ``min(n_samples, 1000)``).
    burn_in : int
        Minimum sweeps before sampling; raised to ``20 tau`` when the energy decorrelates slowly.
    min_thin : int
        Minimum sweeps between two samples of one chain.
    backend : {"numba", "torch"}
    seed : int, Generator or None

    Returns
    -------
    SampleSet
    """
    from spinscope.mc import MonteCarlo

    beta = check_positive(beta, "beta")
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    R = check_int(chains if chains is not None else min(n_samples, 1000), "chains", minimum=1)
    burn_in = check_int(burn_in, "burn_in", minimum=8)
    sampler = MonteCarlo(algorithm=algorithm, backend=backend)
    state = sampler.init(model, betas=[beta], replicas=R, seed=seed)
    state, stats = sampler.run(state, sweeps=burn_in, measure_every=1)
    done = burn_in
    tau = integrated_time(stats.energy[burn_in // 2:].T).tau
    if done < 20 * tau:
        extra = int(np.ceil(20 * tau)) - done
        state, stats = sampler.run(state, sweeps=extra, measure_every=1)
        done += extra
        tau = integrated_time(stats.energy[stats.energy.shape[0] // 2:].T).tau
    thin = max(check_int(min_thin, "min_thin", minimum=1), int(np.ceil(2 * tau)))
    per_chain = -(-n_samples // R)
    kept: list[np.ndarray] = []
    state, stats = sampler.run(state, sweeps=thin * per_chain, measure_every=thin,
                               measure=lambda s: kept.append(np.array(s, dtype=np.int8)) or {})
    spins = np.stack(kept, axis=0).reshape(-1, model.n)[:n_samples] if kept else np.empty((0, model.n))
    z = thermalization_check(stats.energy.T).z if per_chain >= 8 else 0.0
    return SampleSet(np.ascontiguousarray(spins, dtype=np.int8), beta, algorithm, R, done, thin,
                     float(tau), float(z), bool(z <= 4.0 and done >= 20 * tau))
