"""Sampling the Cellular Potts model: one runner, one table of rules x backends.

The spin-model loop :class:`spinscope.mc.MonteCarlo` does not serve the CPM: its state is a
spin array measured by spin observables, while a CPM chain carries cell ids *and* the volume and
perimeter of every cell, is measured by cell observables (sorting, contacts, centroids) and grows
no cluster or replica-exchange moves. :class:`CPMSampler` is the CPM's runner;
:data:`UPDATE_RULES` is its registry:

* ``standard``: accept a copy with ``min(1, exp(-dH/T))`` (every peer's kinetics);
* ``exact``: accept with ``min(1, exp(-dH/T) n_i(old)/n_i(new))`` (Metropolis-Hastings);

each on ``numba`` (CPU threads) and ``torch`` (batched replicas, any device); a model with
``connectivity=True`` adds the local connectivity constraint to either rule.

Both backends run the *same* Markov chain (same tiling, same phase order, same counter-based
random words; see :mod:`spinscope.mc.kernels.numba_cpm`); the torch kernel vectorises over tiles
and replicas, so a chain differs between backends only where floating-point rounding of an
acceptance probability differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from spinscope._rng import make_keys
from spinscope._validation import check_device, check_int, check_memory
from spinscope.errors import InputError, ResumeError
from spinscope.mc.cpm_tiles import default_tile_side, make_tiling

__all__ = ["BACKENDS", "RULES", "UPDATE_RULES", "CPMSampler"]


def _numba_advance(sampler: CPMSampler, n_mcs: int) -> None:
    from spinscope.mc.kernels.numba_cpm import cpm_sweeps

    m, tl = sampler.model, sampler.tiling
    zc, zj, zs = m.shell_sizes()
    cpm_sweeps(sampler.sigma_ext, sampler.vol, sampler.surf, sampler.ctype, m.J, m.lambda_volume,
               m.target_volume, m.lambda_surface, m.target_surface, sampler.nbr, zc, zj, zs, m.T,
               sampler.flags, tl.sites, tl.area, tl.colour_tiles, tl.colour_count, tl.region, tl.region_len,
               sampler.keys, sampler.mcs, n_mcs, sampler.accepted_tiles, sampler.conflicts)


def _torch_advance(sampler: CPMSampler, n_mcs: int) -> None:
    from spinscope.mc.kernels.torch_cpm import torch_sweeps

    torch_sweeps(sampler, n_mcs)


@dataclass(frozen=True)
class UpdateRule:
    """One entry of :data:`UPDATE_RULES`: a rule on a backend."""

    rule: str
    backend: str
    exact: bool
    advance: Callable[[Any, int], None]
    summary: str


_SUMMARY = {"standard": "standard CPM kinetics: accept min(1, exp(-dH/T)) (every peer's rule; biased)",
            "exact": "Metropolis-Hastings corrected: accept min(1, exp(-dH/T) n_i(old)/n_i(new)); "
                     "samples exp(-H/T) exactly"}
UPDATE_RULES: dict[tuple[str, str], UpdateRule] = {
    (rule, backend): UpdateRule(rule, backend, rule == "exact", fn, _SUMMARY[rule])
    for rule in ("standard", "exact") for backend, fn in (("numba", _numba_advance), ("torch", _torch_advance))}
RULES = tuple(dict.fromkeys(r for r, _ in UPDATE_RULES))
BACKENDS = tuple(dict.fromkeys(b for _, b in UPDATE_RULES))


class CPMSampler:
    """``replicas`` independent CPM chains advanced by one rule on one backend.

    Parameters
    ----------
    model : CellularPottsModel
    sigma0 : array of int, lattice shape or (replicas, *shape)
        Initial cell ids (one layout for every replica, or one per replica).
    rule : {"standard", "exact"}
    backend : {"numba", "torch"}
    replicas : int
    seed : int, Generator or SeedSequence
        Chain ``r`` draws from key ``make_keys(seed, replicas)[r]``.
    tile : int, optional
        Tile side (default :func:`~spinscope.mc.cpm_tiles.default_tile_side`); part of the chain's
        definition, so the same tile gives the same chain on both backends.
    device : str
        Torch device of the torch backend.
    """

    def __init__(self, model, sigma0, *, rule: str = "standard", backend: str = "numba", replicas: int = 1,
                 seed: Any = None, tile: int | None = None, device: str = "cpu") -> None:
        if (rule, backend) not in UPDATE_RULES:
            if rule not in RULES:
                raise InputError(f"unknown CPM rule {rule!r}; choose one of {', '.join(RULES)}")
            raise InputError(f"unknown CPM backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        self.model = model
        self.entry = UPDATE_RULES[(rule, backend)]
        self.replicas = check_int(replicas, "replicas", minimum=1)
        self.device = check_device(device) if backend == "torch" else device
        n, C = model.n, model.n_cells
        check_memory(self.replicas * (4.0 * (n + 1) + 16.0 * (C + 1)) * (3 if backend == "torch" else 1)
                     + 4.0 * n * model.neighbors().shape[1], f"cpm: {self.replicas} replica(s) of {n} sites",
                     advice="use fewer replicas or a smaller lattice")
        s0 = np.asarray(sigma0)
        if s0.ndim == len(model.shape) + 1:
            if s0.shape[0] != self.replicas:
                raise InputError(f"sigma0 holds {s0.shape[0]} layouts for {self.replicas} replicas")
            rows = [model.check_state(s, "sigma0") for s in s0]
        else:
            rows = [model.check_state(s0, "sigma0")] * self.replicas
        self.sigma_ext = np.stack([np.append(r, np.int32(0)) for r in rows]).astype(np.int32)
        self.vol = np.stack([model.volumes(r) for r in rows])
        self.surf = np.stack([model.surfaces(r) for r in rows])
        self.nbr = model.neighbors()
        self.ctype = model.cell_types.astype(np.int64)
        reach = int(np.abs(_offsets(model)).max())
        side = default_tile_side(float(np.max(model.target_volume[1:])), reach) if tile is None else tile
        self.tiling = make_tiling(model.shape, self.nbr, model.shell_sizes()[0], reach, model.periodic,
                                  check_int(side, "tile", minimum=1))
        self.keys = make_keys(seed, self.replicas)
        self.mcs = 0
        self.accepted_tiles = np.zeros((self.replicas, self.tiling.n_tiles), np.int64)
        self.conflicts = np.zeros((self.replicas, 2), np.int64)

    @property
    def rule(self) -> str:
        return self.entry.rule

    @property
    def backend(self) -> str:
        return self.entry.backend

    @property
    def exact(self) -> bool:
        return self.entry.exact

    @property
    def flags(self) -> int:
        """Kernel flags: exact rule (1), connectivity of the shrinking cell (2), and, with the exact
        rule, of the growing cell too (4: keeps the constraint symmetric, so the rule stays exact)."""
        conn = bool(getattr(self.model, "connectivity", False))
        return int(self.exact) | (2 if conn else 0) | (4 if conn and self.exact else 0)

    @property
    def sigma(self) -> np.ndarray:
        """Cell ids ``(replicas, *shape)`` (a copy)."""
        return self.sigma_ext[:, :-1].reshape((self.replicas, *self.model.shape)).copy()

    @property
    def acceptance(self) -> np.ndarray:
        """Accepted copies per attempt of every replica so far."""
        return self.accepted_tiles.sum(1) / max(1, self.mcs * self.model.n)

    def run(self, n_mcs: int) -> CPMSampler:
        """Advance every replica by ``n_mcs`` Monte Carlo steps (``n_mcs * N`` copy attempts)."""
        n_mcs = check_int(n_mcs, "n_mcs", minimum=0)
        if n_mcs:
            self.entry.advance(self, n_mcs)
            self.mcs += n_mcs
        return self

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, np.ndarray]:
        """Everything that determines the continuation (numpy arrays; no pickle needed)."""
        return {"sigma_ext": self.sigma_ext.copy(), "vol": self.vol.copy(), "surf": self.surf.copy(),
                "keys": self.keys.copy(), "mcs": np.array(self.mcs, np.int64),
                "accepted_tiles": self.accepted_tiles.copy(), "conflicts": self.conflicts.copy()}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore a :meth:`state_dict` (shapes are checked)."""
        for name in ("sigma_ext", "vol", "surf", "keys", "accepted_tiles", "conflicts"):
            cur = getattr(self, name)
            arr = np.asarray(state.get(name))
            if arr.shape != cur.shape:
                raise ResumeError(f"checkpoint array {name!r} has shape {arr.shape}, expected {cur.shape}")
            setattr(self, name, np.ascontiguousarray(arr.astype(cur.dtype)))
        self.mcs = int(np.asarray(state["mcs"]))


def _offsets(model) -> np.ndarray:
    from spinscope.models.cpm import neighbor_offsets

    return neighbor_offsets(len(model.shape), max(model.neighbor_order, model.contact_order))
