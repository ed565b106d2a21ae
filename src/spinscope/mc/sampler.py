"""The configured sampler: ``MonteCarlo`` (configuration) and ``ChainState`` (explicit chain state).

::

    sampler = MonteCarlo(algorithm="metropolis", backend="numba")
    state = sampler.init(model, betas=[0.4, 0.44], replicas=8, seed=1)
    state, stats = sampler.run(state, sweeps=1000, measure_every=10)

The sampler holds no mutable state: ``run`` copies the state it is given, advances the copy
and returns it, so an interrupted ``run`` leaves the previous state intact and a saved state
(:meth:`ChainState.arrays`, :meth:`MonteCarlo.restore`) resumes bit for bit.

Chains: ``R = len(betas) * replicas``, chain ``r = t * replicas + k`` is replica ``k`` at
``betas[t]``. Spins are int8 ``(R, n)`` (Ising ``±1``, Potts/clock ``0..q-1``), a numpy array
(numba backend) or a torch tensor on ``device`` (torch backend).

Algorithms
----------
``"metropolis"``, ``"heatbath"``
    Single-spin updates by colour classes (numba or torch; Ising, Potts, clock).
``"wolff"``
    ``clusters_per_sweep`` Wolff clusters per sweep (numba; ferromagnetic, zero field).
``"swendsen-wang"``
    Swendsen–Wang sweeps (numba; ferromagnetic, zero field).
``"multispin"``
    64 replicas bit-packed per word, checkerboard Metropolis (numba; 2-D/3-D ±J lattices;
    ``replicas`` must be a multiple of 64).
``"block"``
    Whole-layer heat-bath of layered models (torch on ``device``; with ``backend="numba"`` it
    runs through torch on the CPU, where the matrix products use BLAS).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from spinscope._validation import SeedLike, check_int, make_rng, spawn_seeds
from spinscope.errors import InputError, SpinscopeTypeError

__all__ = ["ALGORITHMS", "BACKENDS", "ChainState", "MonteCarlo", "RunStats"]

ALGORITHMS = ("metropolis", "heatbath", "wolff", "swendsen-wang", "multispin", "block")
BACKENDS = ("numba", "torch")


@dataclass(frozen=True, eq=False)
class ChainState:
    """Everything that determines the future of a set of chains.

    Attributes
    ----------
    spins : int8 array or tensor, shape (R, n)
    betas : float64 ndarray, shape (R,)
        Inverse temperature of each chain.
    keys, counters : uint64 ndarray, shape (K,)
        RNG keys and round counters (``K = R``; ``R / 64`` words for ``multispin``).
    sweeps : int
        Sweeps done so far.
    model : the model sampled (not saved by :meth:`arrays`)
    plan : the kernel plan built from the model (immutable; not saved)
    """

    spins: Any
    betas: np.ndarray
    keys: np.ndarray
    counters: np.ndarray
    sweeps: int
    model: Any = field(repr=False)
    plan: Any = field(repr=False)

    @property
    def num_chains(self) -> int:
        """Number of chains ``R``."""
        return int(self.spins.shape[0])

    def spins_numpy(self) -> np.ndarray:
        """The spins as an int8 numpy array ``(R, n)`` (copied from the device if needed)."""
        s = self.spins
        return s.detach().cpu().numpy() if hasattr(s, "detach") else np.asarray(s)

    def arrays(self) -> dict[str, np.ndarray]:
        """The state as named numpy arrays (for safetensors): spins, betas, keys, counters, sweeps."""
        return {"spins": np.ascontiguousarray(self.spins_numpy()), "betas": self.betas.copy(),
                "keys": self.keys.copy(), "counters": self.counters.copy(),
                "sweeps": np.array([self.sweeps], dtype=np.int64)}


@dataclass(frozen=True)
class RunStats:
    """Measurements taken during :meth:`MonteCarlo.run`.

    Attributes
    ----------
    energy : ndarray (M, R)
        Energy per spin ``H / n`` at each of the ``M`` measurements.
    magnetization : ndarray (M, R)
        Magnetisation per spin (Ising: ``mean s``; Potts/clock: ``|mean exp(2 pi i s / q)|``).
    extra : dict of ndarray (M, ...)
        Values returned by the ``measure`` callback, stacked.
    changes : ndarray (R,)
        Spin changes summed over the run (local rules, multispin, Wolff: the sizes of the
        flipped clusters); for Swendsen–Wang the number of clusters built.
    sweeps : int
        Sweeps done in this run.
    """

    energy: np.ndarray
    magnetization: np.ndarray
    extra: dict
    changes: np.ndarray
    sweeps: int

    def to_dict(self) -> dict:
        """JSON-ready dict (arrays as lists)."""
        return {"energy": self.energy.tolist(), "magnetization": self.magnetization.tolist(),
                "extra": {k: np.asarray(v).tolist() for k, v in self.extra.items()},
                "changes": self.changes.tolist(), "sweeps": self.sweeps}


def _kind(model) -> str:
    from spinscope.models import IsingModel, PottsModel

    if isinstance(model, PottsModel):
        return "potts"
    if isinstance(model, IsingModel):
        return "ising"
    raise SpinscopeTypeError(
        f"Monte Carlo needs an IsingModel, PottsModel or ClockModel, got {type(model).__name__}")


@dataclass(frozen=True)
class MonteCarlo:
    """A configured Monte Carlo sampler (settings only; the chain state is explicit).

    Parameters
    ----------
    algorithm : {"metropolis", "heatbath", "wolff", "swendsen-wang", "multispin", "block"}
    backend : {"numba", "torch"}
    device : str
        Torch device (``"cpu"``, ``"cuda"``); used by the torch backend and by ``"block"``.
    clusters_per_sweep : int
        Wolff clusters per sweep (a Wolff "sweep" is this many clusters).
    dtype : {"float64", "float32"}
        Torch precision of couplings and fields (float32 uses tensor cores on GPU).
    """

    algorithm: str = "metropolis"
    backend: str = "numba"
    device: str = "cpu"
    clusters_per_sweep: int = 1
    dtype: str = "float64"

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise InputError(f"algorithm must be one of {', '.join(ALGORITHMS)}; got {self.algorithm!r}")
        if self.backend not in BACKENDS:
            raise InputError(f"backend must be one of {', '.join(BACKENDS)}; got {self.backend!r}")
        if self.backend == "torch" and self.algorithm in ("wolff", "swendsen-wang", "multispin"):
            raise InputError(f"algorithm {self.algorithm!r} is only available with backend='numba'")
        if self.dtype not in ("float64", "float32"):
            raise InputError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")
        check_int(self.clusters_per_sweep, "clusters_per_sweep", minimum=1)

    @property
    def uses_torch(self) -> bool:
        """Whether chains live in torch tensors."""
        return self.backend == "torch" or self.algorithm == "block"

    # ------------------------------------------------------------------ set-up
    def _plan(self, model):
        kind = _kind(model)
        if self.uses_torch:
            import torch

            from spinscope.mc.kernels.torch_backend import prepare_torch

            return prepare_torch(model, device=self.device, dtype=getattr(torch, self.dtype),
                                 block=self.algorithm == "block")
        from spinscope.mc import kernels as k

        if self.algorithm == "multispin":
            if kind != "ising":
                raise InputError("algorithm 'multispin' needs an Ising model on a 2-D/3-D lattice")
            return k.prepare_multispin(model)
        plan = k.prepare_ising(model) if kind == "ising" else k.prepare_potts(model)
        if self.algorithm in ("wolff", "swendsen-wang"):
            if getattr(plan, "kind", "") == "clock":
                raise InputError(f"algorithm {self.algorithm!r} supports Ising and Potts models, "
                                 "not clock models; use metropolis or heatbath")
            if not plan.ferromagnetic or not plan.zero_field:
                raise InputError(f"algorithm {self.algorithm!r} needs ferromagnetic couplings and "
                                 "zero fields; use metropolis or heatbath")
        return plan

    def init(self, model, *, betas, replicas: int = 1, seed: SeedLike = None,
             start: str = "random", spins=None) -> ChainState:
        """Initial state of ``len(betas) * replicas`` chains.

        Parameters
        ----------
        model : IsingModel, PottsModel or ClockModel
        betas : float or sequence of float
            Inverse temperatures ``1/T`` (> 0), one per temperature.
        replicas : int
            Independent chains per temperature (a multiple of 64 for ``"multispin"``).
        seed : int, Generator or None
            The one seed every random choice (initial spins, RNG keys) flows from.
        start : {"random", "ordered"}
            Hot start (independent uniform spins) or cold start (all ``+1`` / state 0).
        spins : array (R, n), optional
            Explicit initial configurations (overrides ``start``).
        """
        b = np.atleast_1d(np.asarray(betas, dtype=np.float64))
        if b.ndim != 1 or b.size == 0 or not np.all(np.isfinite(b)) or np.any(b <= 0):
            raise InputError(f"betas must be a non-empty list of finite positive numbers, got {betas!r}")
        replicas = check_int(replicas, "replicas", minimum=1)
        if self.algorithm == "multispin" and replicas % 64:
            raise InputError(f"algorithm 'multispin' packs 64 replicas per word: replicas must be a "
                             f"multiple of 64, got {replicas}")
        if start not in ("random", "ordered"):
            raise InputError(f"start must be 'random' or 'ordered', got {start!r}")
        kind = _kind(model)
        plan = self._plan(model)
        R, n = b.size * replicas, model.n
        ss_keys, ss_spins = spawn_seeds(seed, 2)
        if spins is not None:
            s = np.array(spins, dtype=np.int8, copy=True)
            if s.shape != (R, n):
                raise InputError(f"spins must have shape ({R}, {n}), got {s.shape}")
        elif start == "ordered":
            s = np.full((R, n), 1 if kind == "ising" else 0, dtype=np.int8)
        else:
            rng = make_rng(ss_spins)
            vals = np.array([-1, 1] if kind == "ising" else np.arange(model.q), dtype=np.int8)
            s = vals[rng.integers(0, vals.size, size=(R, n))]
        from spinscope._rng import make_keys

        K = R // 64 if self.algorithm == "multispin" else R
        return ChainState(self._to_backend(np.ascontiguousarray(s)), np.repeat(b, replicas),
                          make_keys(ss_keys, K), np.zeros(K, dtype=np.uint64), 0, model, plan)

    def restore(self, model, arrays: dict[str, np.ndarray]) -> ChainState:
        """Rebuild a state saved with :meth:`ChainState.arrays` (same model, same settings)."""
        need = ("spins", "betas", "keys", "counters", "sweeps")
        missing = [k for k in need if k not in arrays]
        if missing:
            raise InputError(f"saved chain state lacks {missing}; it was not written by ChainState.arrays()")
        s = np.ascontiguousarray(arrays["spins"], dtype=np.int8)
        if s.ndim != 2 or s.shape[1] != model.n:
            raise InputError(f"saved spins have shape {s.shape}, the model has n={model.n}")
        return ChainState(self._to_backend(s), np.asarray(arrays["betas"], dtype=np.float64).copy(),
                          np.asarray(arrays["keys"], dtype=np.uint64).copy(),
                          np.asarray(arrays["counters"], dtype=np.uint64).copy(),
                          int(np.asarray(arrays["sweeps"]).ravel()[0]), model, self._plan(model))

    def _to_backend(self, s: np.ndarray):
        if self.uses_torch:
            import torch

            return torch.as_tensor(s).to(self.device)
        return s

    def with_spins(self, state: ChainState, spins) -> ChainState:
        """A copy of ``state`` with other spins (same shape), e.g. after replica exchange."""
        return replace(state, spins=spins)

    # ------------------------------------------------------------------ running
    def _advance(self, state: ChainState, spins, counters: np.ndarray, sweeps: int):
        """Advance ``spins``/``counters`` (copies owned by this run) by ``sweeps``; return changes."""
        plan, b = state.plan, state.betas
        if self.uses_torch:
            import torch

            from spinscope.mc.kernels.torch_backend import torch_sweeps

            rule = "heatbath" if self.algorithm in ("heatbath", "block") else "metropolis"
            bt = torch.as_tensor(b, device=spins.device)
            ch = torch_sweeps(plan, spins, bt, key=int(state.keys[0]), counter=int(counters[0]),
                              rule=rule, sweeps=sweeps)
            counters += np.uint64(sweeps)
            return ch.cpu().numpy().astype(np.float64)
        from spinscope.mc import kernels as k

        if self.algorithm in ("metropolis", "heatbath"):
            fn = k.ising_sweeps if _kind(state.model) == "ising" else k.potts_sweeps
            return fn(plan, spins, b, state.keys, counters, rule=self.algorithm, sweeps=sweeps).astype(float)
        if self.algorithm == "wolff":
            tot = np.zeros(spins.shape[0])
            for _ in range(sweeps):
                # mean cluster size x clusters = spins flipped in this sweep
                tot += self.clusters_per_sweep * k.wolff_updates(
                    plan, spins, b, state.keys, counters, clusters=self.clusters_per_sweep)
            return tot
        if self.algorithm == "swendsen-wang":
            return k.swendsen_wang_sweeps(plan, spins, b, state.keys, counters, sweeps=sweeps) * sweeps
        raise AssertionError(self.algorithm)  # multispin handled in run

    def measure(self, state: ChainState) -> tuple[np.ndarray, np.ndarray]:
        """Energy per spin and magnetisation per spin (``|m|`` for Potts/clock) of every chain."""
        return self._measure(state.plan, state.spins, state.model.n)

    def _measure(self, plan, spins, n: int) -> tuple[np.ndarray, np.ndarray]:
        if self.uses_torch:
            from spinscope.mc.kernels.torch_backend import torch_energies, torch_magnetizations

            e = torch_energies(plan, spins).cpu().numpy()
            m = torch_magnetizations(plan, spins).cpu().numpy()
        else:
            from spinscope.mc import kernels as k

            if isinstance(plan, k.MultispinPlan) and spins.dtype == np.int8:
                spins = k.pack_spins(spins)       # the state keeps unpacked int8 spins
            e, m = k.energies(plan, spins), k.magnetizations(plan, spins)
        m = np.abs(m) if np.iscomplexobj(m) else m
        return np.asarray(e, dtype=np.float64) / n, np.asarray(m, dtype=np.float64)

    def run(self, state: ChainState, *, sweeps: int, measure_every: int = 0,
            measure: Callable[[np.ndarray], dict[str, np.ndarray]] | None = None,
            callback: Callable[[int], None] | None = None) -> tuple[ChainState, RunStats]:
        """Advance every chain by ``sweeps`` sweeps; return the new state and the measurements.

        Parameters
        ----------
        state : ChainState
            Not modified (the run works on a copy).
        sweeps : int
        measure_every : int
            Measure energy and magnetisation after every ``measure_every`` sweeps (0: never).
        measure : callable, optional
            ``measure(spins int8 (R, n) numpy) -> dict of arrays``, called at each measurement.
        callback : callable, optional
            ``callback(sweeps_done_in_this_run)`` after each block of sweeps (progress bars).
        """
        sweeps = check_int(sweeps, "sweeps", minimum=0)
        measure_every = check_int(measure_every, "measure_every", minimum=0)
        spins = state.spins.clone() if self.uses_torch else state.spins.copy()
        counters = state.counters.copy()
        R = spins.shape[0]
        block = measure_every if measure_every else max(1, min(sweeps, 100))
        es, ms, extra = [], [], {}
        changes = np.zeros(R)
        if self.algorithm == "multispin":
            return self._run_multispin(state, spins, counters, sweeps, measure_every, measure, callback)
        done = 0
        while done < sweeps:
            step = min(block, sweeps - done)
            changes += self._advance(state, spins, counters, step)
            done += step
            if measure_every and step == block:
                e, m = self._measure(state.plan, spins, state.model.n)
                es.append(e)
                ms.append(m)
                if measure is not None:
                    snp = spins.detach().cpu().numpy() if self.uses_torch else spins
                    for key, v in measure(snp).items():
                        extra.setdefault(key, []).append(np.asarray(v))
            if callback is not None:
                callback(done)
        new = replace(state, spins=spins, counters=counters, sweeps=state.sweeps + sweeps)
        return new, self._stats(es, ms, extra, changes, R, sweeps)

    @staticmethod
    def _stats(es, ms, extra, changes, R, sweeps) -> RunStats:
        return RunStats(np.array(es).reshape(-1, R), np.array(ms).reshape(-1, R),
                        {k: np.stack(v) for k, v in extra.items()}, changes, sweeps)

    def _run_multispin(self, state, spins, counters, sweeps, measure_every, measure, callback):
        from spinscope.mc import kernels as k

        plan, n = state.plan, state.model.n
        words = k.pack_spins(spins)
        bw = state.betas[::64].copy()
        R = spins.shape[0]
        es, ms, extra = [], [], {}
        changes = np.zeros(R)
        block = measure_every if measure_every else max(1, min(sweeps, 100))
        done = 0
        while done < sweeps:
            step = min(block, sweeps - done)
            acc = k.multispin_sweeps(plan, words, bw, state.keys, counters, sweeps=step)
            changes += np.repeat(acc / 64.0, 64)
            done += step
            if measure_every and step == block:
                es.append(k.energies(plan, words) / n)
                ms.append(k.magnetizations(plan, words))
                if measure is not None:
                    for key, v in measure(k.unpack_spins(words)).items():
                        extra.setdefault(key, []).append(np.asarray(v))
            if callback is not None:
                callback(done)
        new = replace(state, spins=k.unpack_spins(words), counters=counters,
                      sweeps=state.sweeps + sweeps)
        return new, self._stats(es, ms, extra, changes, R, sweeps)
