"""Parallel tempering (replica exchange) on top of any :class:`~spinscope.mc.sampler.MonteCarlo`.

Layout: the state's chains are ``len(ladder) * replicas`` with chain ``r = t * replicas + k``
(replica set ``k`` at ladder position ``t``), as :meth:`MonteCarlo.init` builds them. Every
``swap_every`` sweeps (counted from the state's absolute sweep number) one exchange round
proposes, within every replica set, swaps between ladder neighbours ``(t, t+1)`` for even ``t``
on even rounds and odd ``t`` on odd rounds, accepting with probability
``min(1, exp((beta_t - beta_{t+1}) (E_t - E_{t+1})))`` (detailed balance of the product
ensemble). Accepted swaps exchange the *configurations*, so chain ``r`` always stays at
``betas[r]`` and measurements are grouped by temperature directly.

The random numbers of a round come from ``numpy.random.default_rng([0x7E3, keys[0],
sweep])``: a function of the seed and the sweep number, so interrupted and resumed runs
exchange exactly as an uninterrupted one.

:func:`tune_ladder` adjusts a ladder iteratively towards uniform swap acceptance: from the
measured acceptance ``A_t`` of each gap, ``A ~ exp(-d_t dbeta_t^2)`` gives a local difficulty
``d_t``; new inverse temperatures are placed at equal quantiles of the density
``sqrt(d(beta))`` between the fixed end points (cf. Kone & Kofke, J. Chem. Phys. 122, 206101
(2005); Katzgraber et al., J. Stat. Mech. P03018 (2006)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from spinscope._validation import SeedLike, check_int, check_positive, spawn_seeds
from spinscope.errors import InputError
from spinscope.mc.sampler import ChainState, MonteCarlo, RunStats, _Recorder

__all__ = ["ParallelTempering", "TemperingStats", "TunedLadder", "ladder_layout", "tune_ladder"]

_TAG = 0x7E3


def ladder_layout(betas: np.ndarray) -> tuple[np.ndarray, int]:
    """``(ladder, replicas)`` of per-chain ``betas`` laid out as ``repeat(ladder, replicas)``."""
    b = np.asarray(betas, dtype=np.float64)
    rep = int(np.argmax(b != b[0])) if np.any(b != b[0]) else b.size
    ladder = b[::rep]
    if b.size % rep or not np.array_equal(np.repeat(ladder, rep), b):
        raise InputError("parallel tempering needs chains laid out as repeat(ladder, replicas), "
                         "as MonteCarlo.init(model, betas=ladder, replicas=k) builds them")
    return ladder, rep


@dataclass(frozen=True)
class TemperingStats:
    """Measurements of a tempering run plus exchange statistics.

    Attributes
    ----------
    run : RunStats
        Energy/magnetisation series ``(M, R)`` and extras, as :meth:`MonteCarlo.run`.
    accepted, attempted : ndarray of int, shape (T - 1,)
        Accepted and attempted swaps of each ladder gap ``(t, t+1)``, summed over replica sets.
    """

    run: RunStats
    accepted: np.ndarray
    attempted: np.ndarray

    @property
    def acceptance(self) -> np.ndarray:
        """Swap acceptance rate of each gap (``nan`` where none was attempted)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.accepted / self.attempted

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"run": self.run.to_dict(), "accepted": self.accepted.tolist(),
                "attempted": self.attempted.tolist(), "acceptance": self.acceptance.tolist()}


@dataclass(frozen=True)
class ParallelTempering:
    """Replica exchange between neighbouring temperatures around a local sampler.

    Parameters
    ----------
    sampler : MonteCarlo
        The update between exchanges (any algorithm).
    swap_every : int
        Sweeps between exchange rounds.
    """

    sampler: MonteCarlo
    swap_every: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.sampler, MonteCarlo):
            raise InputError("ParallelTempering needs a MonteCarlo sampler")
        check_int(self.swap_every, "swap_every", minimum=1)

    def init(self, model, *, betas, replicas: int = 1, seed: SeedLike = None, **kw) -> ChainState:
        """Same as :meth:`MonteCarlo.init` (the ladder is ``betas``, in any monotone order)."""
        return self.sampler.init(model, betas=betas, replicas=replicas, seed=seed, **kw)

    def _swap(self, state: ChainState, acc: np.ndarray, att: np.ndarray) -> ChainState:
        ladder, rep = ladder_layout(state.betas)
        T = ladder.size
        if T < 2:
            return state
        e = self.sampler.measure(state)[0] * state.model.n          # total energies (R,)
        rnd = state.sweeps // self.swap_every
        t = np.arange(rnd % 2, T - 1, 2)
        if t.size == 0:
            return state
        rng = np.random.default_rng([_TAG, int(state.keys[0]), int(state.sweeps)])
        i = (t[:, None] * rep + np.arange(rep)[None, :]).ravel()
        j = i + rep
        delta = (state.betas[i] - state.betas[j]) * (e[i] - e[j])
        u = rng.random(i.size)
        ok = u < np.exp(np.minimum(delta, 0.0))
        np.add.at(acc, np.repeat(t, rep)[ok], 1)
        np.add.at(att, np.repeat(t, rep), 1)
        perm = np.arange(state.num_chains)
        perm[i[ok]], perm[j[ok]] = j[ok], i[ok]
        if self.sampler.uses_torch:
            import torch

            spins = state.spins[torch.as_tensor(perm, device=state.spins.device)]
        else:
            spins = np.ascontiguousarray(state.spins[perm])
        return replace(state, spins=spins)

    def run(self, state: ChainState, *, sweeps: int, measure_every: int = 0,
            measure: Callable[[np.ndarray], dict] | None = None, structure_factor: bool = False,
            callback: Callable[[int], None] | None = None) -> tuple[ChainState, TemperingStats]:
        """Advance by ``sweeps`` sweeps with exchange rounds; arguments as :meth:`MonteCarlo.run`."""
        sweeps = check_int(sweeps, "sweeps", minimum=0)
        measure_every = check_int(measure_every, "measure_every", minimum=0)
        ladder, _ = ladder_layout(state.betas)
        acc = np.zeros(max(ladder.size - 1, 0), dtype=np.int64)
        att = np.zeros_like(acc)
        rec = _Recorder(state.model, structure_factor, measure)
        changes = np.zeros(state.num_chains)
        done = 0
        while done < sweeps:
            to_swap = self.swap_every - state.sweeps % self.swap_every
            to_meas = measure_every - done % measure_every if measure_every else sweeps
            step = min(to_swap, to_meas, sweeps - done)
            state, st = self.sampler.run(state, sweeps=step)
            changes += st.changes
            done += step
            if state.sweeps % self.swap_every == 0:
                state = self._swap(state, acc, att)
            if measure_every and done % measure_every == 0:
                e, m = self.sampler.measure(state)
                rec.add(e * state.model.n, m, state.spins_numpy)
            if callback is not None:
                callback(done)
        return state, TemperingStats(rec.stats(changes, state.num_chains, sweeps), acc, att)


@dataclass(frozen=True)
class TunedLadder:
    """Result of :func:`tune_ladder`.

    Attributes
    ----------
    temperatures : ndarray (T,)
        The tuned ladder, increasing.
    acceptance : ndarray (T - 1,)
        Swap acceptance of each gap measured in the last iteration (with the previous ladder).
    history : list of ndarray
        Ladders of every iteration.
    """

    temperatures: np.ndarray
    acceptance: np.ndarray
    history: list

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"temperatures": self.temperatures.tolist(), "acceptance": self.acceptance.tolist(),
                "history": [h.tolist() for h in self.history]}


def _equalise(betas: np.ndarray, acc: np.ndarray) -> np.ndarray:
    a = np.clip(acc, 0.02, 0.98)
    db = np.abs(np.diff(betas))
    dens = np.sqrt(-np.log(a)) / db          # sqrt(d_t): integral over the gap = sqrt(-ln A_t)
    cum = np.concatenate([[0.0], np.cumsum(dens * db)])
    targets = np.linspace(0.0, cum[-1], betas.size)
    return np.interp(targets, cum, betas)


def tune_ladder(model, *, t_min: float, t_max: float, n_temps: int,
                sampler: MonteCarlo | None = None, replicas: int = 1, sweeps: int = 500,
                iterations: int = 5, swap_every: int = 1, seed: SeedLike = None) -> TunedLadder:
    """Iteratively tune a temperature ladder towards uniform swap acceptance.

    Parameters
    ----------
    model : the model to be simulated
    t_min, t_max : float
        End temperatures (kept fixed), ``0 < t_min < t_max``.
    n_temps : int
        Number of temperatures (>= 2).
    sampler : MonteCarlo, optional
        Local update (default Metropolis, numba).
    replicas : int
        Replica sets used to measure acceptances.
    sweeps : int
        Sweeps per iteration (the first half of each is discarded as equilibration).
    iterations : int
    seed : int, Generator or None

    Returns
    -------
    TunedLadder
        Starting from a geometric ladder in ``T``.
    """
    t_min, t_max = check_positive(t_min, "t_min"), check_positive(t_max, "t_max")
    if t_min >= t_max:
        raise InputError(f"t_min must be below t_max, got {t_min} and {t_max}")
    n_temps = check_int(n_temps, "n_temps", minimum=2)
    iterations = check_int(iterations, "iterations", minimum=1)
    sweeps = check_int(sweeps, "sweeps", minimum=2)
    pt = ParallelTempering(sampler or MonteCarlo(), swap_every=swap_every)
    betas = 1.0 / np.geomspace(t_min, t_max, n_temps)
    history = [1.0 / betas]
    acc = np.full(n_temps - 1, np.nan)
    state = None
    for ss in spawn_seeds(seed, iterations):
        if state is None:
            state = pt.init(model, betas=betas, replicas=replicas, seed=ss)
        else:
            state = replace(state, betas=np.repeat(betas, replicas))
        state, _ = pt.run(state, sweeps=sweeps // 2)
        state, st = pt.run(state, sweeps=sweeps - sweeps // 2)
        acc = st.acceptance
        betas = _equalise(betas, np.nan_to_num(acc, nan=0.5))
        history.append(1.0 / betas)
    return TunedLadder(np.sort(1.0 / betas), acc, history)
