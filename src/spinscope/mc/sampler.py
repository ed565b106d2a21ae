"""The configured sampler: ``MonteCarlo`` (configuration) and ``ChainState`` (explicit chain state).

::

    sampler = MonteCarlo(algorithm="metropolis", backend="numba")
    state = sampler.init(model, betas=[0.4, 0.44], replicas=8, seed=1)
    state, stats = sampler.run(state, sweeps=1000, measure_every=10)

The sampler holds no mutable state: ``run`` copies the state it is given, advances the copy
and returns it, so an interrupted ``run`` leaves the previous state intact and a saved state
(:meth:`ChainState.arrays`, :meth:`MonteCarlo.restore`) resumes bit for bit.

Chains: ``R = len(betas) * replicas``, chain ``r = t * replicas + k`` is replica ``k`` at
``betas[t]``. Spins have shape ``(R, n)`` and the model's ``state_space.dtype`` (int8 Ising ``±1``
or Potts/clock ``0..q-1``; float64 XY angles), a numpy array (numba backend) or a torch tensor on
``device`` (torch backend).

Which kernel runs is looked up in the rule registry (:mod:`spinscope.mc.rules`) from the
algorithm name, the model's ``kind`` and the backend; the built-in rules are:

Algorithms
----------
``"metropolis"``, ``"heatbath"``
    Single-spin updates by colour classes (numba or torch; Ising, Potts, clock; Metropolis also
    XY on numba).
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

from spinscope._rng import make_keys
from spinscope._validation import SeedLike, check_int, make_rng, spawn_seeds
from spinscope.errors import InputError
from spinscope.mc.kernels import structure_factors
from spinscope.mc.overlaps import PairOverlaps
from spinscope.mc.rules import ALGORITHMS, BACKENDS, RULES, Implementation
from spinscope.mc.rules.registry import copy_spins

__all__ = ["ALGORITHMS", "BACKENDS", "ChainState", "MonteCarlo", "RunStats", "structure_factors"]


@dataclass(frozen=True, eq=False)
class ChainState:
    """Everything that determines the future of a set of chains.

    Attributes
    ----------
    spins : array or tensor, shape (R, n)
        In the model's ``state_space.dtype``.
    betas : float64 ndarray, shape (R,)
        Inverse temperature of each chain.
    keys, counters : uint64 ndarray, shape (K,)
        RNG keys and round counters (``K = R``; ``R / 64`` words for ``multispin``).
    sweeps : int
        Sweeps done so far.
    model : the model sampled (not saved by :meth:`arrays`)
    plan : the kernel plan built from the model (immutable; not saved)
    impl : the rule implementation that advances the chains (not saved)
    """

    spins: Any
    betas: np.ndarray
    keys: np.ndarray
    counters: np.ndarray
    sweeps: int
    model: Any = field(repr=False)
    plan: Any = field(repr=False)
    impl: Implementation | None = field(repr=False, default=None)

    @property
    def num_chains(self) -> int:
        """Number of chains ``R``."""
        return int(self.spins.shape[0])

    def spins_numpy(self) -> np.ndarray:
        """The spins as a numpy array ``(R, n)`` (copied from the device if needed)."""
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

    @classmethod
    def collect(cls, es: list, ms: list, extra: dict, changes: np.ndarray, R: int,
                sweeps: int) -> RunStats:
        """Stack per-measurement lists into a :class:`RunStats` (``M`` measurements of ``R`` chains)."""
        return cls(np.array(es).reshape(-1, R), np.array(ms).reshape(-1, R),
                   {k: np.stack(v) for k, v in extra.items()}, changes, sweeps)

    def to_dict(self) -> dict:
        """JSON-ready dict (arrays as lists)."""
        return {"energy": self.energy.tolist(), "magnetization": self.magnetization.tolist(),
                "extra": {k: np.asarray(v).tolist() for k, v in self.extra.items()},
                "changes": self.changes.tolist(), "sweeps": self.sweeps}


@dataclass(frozen=True)
class MonteCarlo:
    """A configured Monte Carlo sampler (settings only; the chain state is explicit).

    Parameters
    ----------
    algorithm : str
        An update rule of :data:`spinscope.mc.rules.RULES` (:data:`ALGORITHMS`): ``"metropolis"``,
        ``"heatbath"``, ``"wolff"``, ``"swendsen-wang"``, ``"multispin"``, ``"block"``.
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
        RULES.check(self.algorithm, self.backend)
        if self.dtype not in ("float64", "float32"):
            raise InputError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")
        check_int(self.clusters_per_sweep, "clusters_per_sweep", minimum=1)

    @property
    def uses_torch(self) -> bool:
        """Whether chains live in torch tensors."""
        return any(i.torch for i in RULES[self.algorithm].implementations if i.backend == self.backend)

    # ------------------------------------------------------------------ set-up
    def implementation(self, model) -> Implementation:
        """The registered implementation of this algorithm for ``model`` on this backend."""
        return RULES.resolve(self.algorithm, model, self.backend)

    def init(self, model, *, betas, replicas: int = 1, seed: SeedLike = None,
             start: str = "random", spins=None) -> ChainState:
        """Initial state of ``len(betas) * replicas`` chains.

        Parameters
        ----------
        model : a registered spin model (IsingModel, PottsModel, ClockModel, XYModel)
        betas : float or sequence of float
            Inverse temperatures ``1/T`` (> 0), one per temperature.
        replicas : int
            Independent chains per temperature (a multiple of 64 for ``"multispin"``).
        seed : int, Generator or None
            The one seed every random choice (initial spins, RNG keys) flows from.
        start : {"random", "ordered"}
            Hot start (independent uniform spins) or cold start (all ``+1`` / state 0 / angle 0).
        spins : array (R, n), optional
            Explicit initial configurations (overrides ``start``).
        """
        b = np.atleast_1d(np.asarray(betas, dtype=np.float64))
        if b.ndim != 1 or b.size == 0 or not np.all(np.isfinite(b)) or np.any(b <= 0):
            raise InputError(f"betas must be a non-empty list of finite positive numbers, got {betas!r}")
        replicas = check_int(replicas, "replicas", minimum=1)
        if start not in ("random", "ordered"):
            raise InputError(f"start must be 'random' or 'ordered', got {start!r}")
        impl = self.implementation(model)
        per = impl.chains_per_key
        if replicas % per:
            raise InputError(f"algorithm {self.algorithm!r} packs {per} replicas per word: replicas "
                             f"must be a multiple of {per}, got {replicas}")
        plan = impl.prepare(model, self)
        R, n = b.size * replicas, model.n
        ss_keys, ss_spins = spawn_seeds(seed, 2)
        space = model.state_space
        if spins is not None:
            s = np.array(spins, dtype=space.dtype, copy=True)
            if s.shape != (R, n):
                raise InputError(f"spins must have shape ({R}, {n}), got {s.shape}")
        elif start == "ordered":
            s = space.ordered((R, n))
        else:
            s = space.random(make_rng(ss_spins), (R, n))
        return ChainState(self._to_backend(np.ascontiguousarray(s), impl), np.repeat(b, replicas),
                          make_keys(ss_keys, R // per), np.zeros(R // per, dtype=np.uint64), 0,
                          model, plan, impl)

    def restore(self, model, arrays: dict[str, np.ndarray]) -> ChainState:
        """Rebuild a state saved with :meth:`ChainState.arrays` (same model, same settings)."""
        need = ("spins", "betas", "keys", "counters", "sweeps")
        missing = [k for k in need if k not in arrays]
        if missing:
            raise InputError(f"saved chain state lacks {missing}; it was not written by ChainState.arrays()")
        impl = self.implementation(model)
        s = np.ascontiguousarray(arrays["spins"], dtype=model.state_space.dtype)
        if s.ndim != 2 or s.shape[1] != model.n:
            raise InputError(f"saved spins have shape {s.shape}, the model has n={model.n}")
        return ChainState(self._to_backend(s, impl), np.asarray(arrays["betas"], dtype=np.float64).copy(),
                          np.asarray(arrays["keys"], dtype=np.uint64).copy(),
                          np.asarray(arrays["counters"], dtype=np.uint64).copy(),
                          int(np.asarray(arrays["sweeps"]).ravel()[0]), model,
                          impl.prepare(model, self), impl)

    def _to_backend(self, s: np.ndarray, impl: Implementation):
        if impl.torch:
            import torch

            return torch.as_tensor(s).to(self.device)
        return s

    def with_spins(self, state: ChainState, spins) -> ChainState:
        """A copy of ``state`` with other spins (same shape), e.g. after replica exchange."""
        return replace(state, spins=spins)

    # ------------------------------------------------------------------ running
    def measure(self, state: ChainState) -> tuple[np.ndarray, np.ndarray]:
        """Energy per spin and magnetisation per spin (``|m|`` for Potts/clock/XY) of every chain."""
        impl, plan = self._implementation_for(state)
        return self._measure(impl, plan, impl.enter(state.spins), state.model.n)

    def _implementation_for(self, state: ChainState) -> tuple[Implementation, Any]:
        """The implementation and plan this sampler uses for ``state`` (the state's own when it was
        made by a sampler of the same rule and backend; else resolved and prepared again)."""
        impl = state.impl
        if impl is not None and impl.rule == self.algorithm and impl.backend == self.backend:
            return impl, state.plan
        new = self.implementation(state.model)
        if impl is not None and (new.chains_per_key != impl.chains_per_key or new.torch != impl.torch):
            raise InputError(f"this state was made for algorithm {impl.rule!r} ({impl.backend}); its "
                             f"chain layout does not fit {self.algorithm!r} ({self.backend}): "
                             "start it with this sampler's init, or pass its spins via init(spins=...)")
        return new, new.prepare(state.model, self)

    @staticmethod
    def _measure(impl: Implementation, plan, work, n: int) -> tuple[np.ndarray, np.ndarray]:
        e, m = impl.measure(plan, work)
        m = np.abs(m) if np.iscomplexobj(m) else m
        return np.asarray(e, dtype=np.float64) / n, np.asarray(m, dtype=np.float64)

    def run(self, state: ChainState, *, sweeps: int, measure_every: int = 0,
            measure: Callable[[np.ndarray], dict[str, np.ndarray]] | None = None,
            structure_factor: bool = False,
            callback: Callable[[int], None] | None = None) -> tuple[ChainState, RunStats]:
        """Advance every chain by ``sweeps`` sweeps; return the new state and the measurements.

        Parameters
        ----------
        state : ChainState
            Not modified (the run works on a copy).
        sweeps : int
        measure_every : int
            Measure energy and magnetisation after every ``measure_every`` sweeps (0: never).
            Rules with a fused kernel (Metropolis and heat-bath on uniform periodic lattices)
            accumulate them from the accepted moves inside the kernel: the same values, no extra
            pass over the spins.
        measure : callable, optional
            ``measure(spins numpy (R, n)) -> dict of arrays``, called at each measurement. A
            :class:`~spinscope.mc.overlaps.PairOverlaps` is counted inside the kernel by rules
            that can (multispin), with the same values.
        structure_factor : bool
            Also measure ``sf0 = (sum_i s_i)^2 / n`` and ``sfk`` (:func:`structure_factors`) into
            ``stats.extra`` (Ising models on periodic hypercubic lattices).
        callback : callable, optional
            ``callback(sweeps_done_in_this_run)`` after each block of sweeps (progress bars).
        """
        sweeps = check_int(sweeps, "sweeps", minimum=0)
        every = check_int(measure_every, "measure_every", minimum=0)
        if structure_factor and (state.model.kind != "ising" or state.model.lattice_shape is None):
            raise InputError("structure_factor needs an Ising model on a periodic hypercubic lattice")
        impl, plan = self._implementation_for(state)
        if plan is not state.plan:
            state = replace(state, plan=plan, impl=impl)
        work = impl.enter(copy_spins(state.spins))      # owned by this run
        counters = state.counters.copy()
        R = state.num_chains
        block = every * max(1, 256 // every) if every else max(1, min(sweeps, 100))
        rec = _Recorder(state.model, structure_factor, measure)
        changes = np.zeros(R)
        done = 0
        while done < sweeps:
            step = min(block, sweeps - done)
            out = None
            if every and impl.measured is not None and (
                    measure is None or isinstance(measure, PairOverlaps)):
                # pair overlaps: counted inside the kernel where the rule can (else None)
                out = impl.measured(state.plan, work, state.betas, state.keys, counters, step, self,
                                    every, structure_factor, overlaps=measure)
            if out is not None:
                changes += out[0]
                rec.extend(out[1], out[2], out[3])
            else:
                changes += self._plain_block(impl, state, work, counters, step, every, rec)
            done += step
            if callback is not None:
                callback(done)
        new = replace(state, spins=impl.leave(work), counters=counters, sweeps=state.sweeps + sweeps,
                      impl=impl)
        return new, rec.stats(changes, R, sweeps)

    def _plain_block(self, impl, state, work, counters, step: int, every: int, rec) -> np.ndarray:
        """``step`` sweeps, measuring after each ``every`` of them (unfused path)."""
        if not every:
            return impl.sweep(state.plan, work, state.betas, state.keys, counters, step, self)
        changes = np.zeros(state.num_chains)
        for _ in range(step // every):
            changes += impl.sweep(state.plan, work, state.betas, state.keys, counters, every, self)
            e, m = impl.measure(state.plan, work)
            rec.add(e, m, lambda: impl.view(work))
        rest = step % every
        if rest:
            changes += impl.sweep(state.plan, work, state.betas, state.keys, counters, rest, self)
        return changes


class _Recorder:
    """Collects the measurements of one :meth:`MonteCarlo.run` (energies per spin, |m|, extras)."""

    def __init__(self, model, structure: bool, measure) -> None:
        self.n = model.n
        self.shape = model.lattice_shape if structure else None
        self.measure = measure
        self.es: list = []
        self.ms: list = []
        self.extra: dict = {}

    def _push(self, e, m) -> None:
        m = np.abs(m) if np.iscomplexobj(m) else m
        self.es.append(np.asarray(e, dtype=np.float64) / self.n)
        self.ms.append(np.asarray(m, dtype=np.float64))

    def add(self, energy, magnetization, view: Callable[[], np.ndarray]) -> None:
        """One measurement: total energies, magnetisations, and ``view()`` giving the spins
        (numpy (R, n); called only when an extra measurement needs them)."""
        self._push(energy, magnetization)
        if self.shape is None and self.measure is None:
            return
        spins = view()
        if self.shape is not None:
            sf0, sfk = structure_factors(spins, self.shape)
            self.extra.setdefault("sf0", []).append(sf0)
            self.extra.setdefault("sfk", []).append(sfk)
        if self.measure is not None:
            for key, v in self.measure(spins).items():
                self.extra.setdefault(key, []).append(np.asarray(v))

    def extend(self, energy, magnetization, extra: dict) -> None:
        """``M`` measurements from a fused kernel: arrays (M, R)."""
        for j in range(np.shape(energy)[0]):
            self._push(energy[j], magnetization[j])
        for key, v in extra.items():
            self.extra.setdefault(key, []).extend(np.asarray(v))

    def stats(self, changes, R: int, sweeps: int) -> RunStats:
        return RunStats.collect(self.es, self.ms, self.extra, changes, R, sweeps)
