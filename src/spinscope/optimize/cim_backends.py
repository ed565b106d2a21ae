"""The two backends of the coherent-Ising-machine solvers (:mod:`spinscope.optimize.cim`).

``run_numba``: CSR couplings, reads in parallel threads (:func:`~spinscope.optimize.cim_kernels.cim_steps`).
``run_torch``: the same steps as tensor operations on an ``(m, R)`` state (dense or sparse-CSR
couplings, any device). Both draw the initial amplitudes with numpy from the run's generator, so
without noise they integrate the same trajectories up to floating-point rounding (the dynamics
are chaotic, so long trajectories drift apart: the backends agree statistically). Measurement
noise comes from the counter-based generator (numba) or a seeded ``torch.Generator`` (torch):
each backend is deterministic for a seed, the two noise streams differ.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from spinscope._rng import make_keys
from spinscope._validation import SeedLike
from spinscope.errors import InputError
from spinscope.optimize.bifurcation import _finish, _rounds, _Tracker
from spinscope.optimize.cim_kernels import (
    MODE_AHC,
    MODE_CAC,
    MODE_PLAIN,
    P_A0,
    P_COUPLING,
    P_DELTA,
    P_DT,
    P_EMAX,
    P_GAMMA,
    P_MU,
    P_NOISE,
    P_PUMP,
    P_RATE,
    P_RHO,
    P_TAU,
    X_MAX,
    cim_steps,
)
from spinscope.optimize.problems import Problem
from spinscope.optimize.result import SolveResult

__all__ = ["INIT", "CimConfig", "run_numba", "run_torch"]

INIT = 5e-4  # initial amplitudes uniform in [-INIT, INIT]


@dataclass(frozen=True)
class CimConfig:
    """Validated settings of one CIM / CAC run (read by the bifurcation module's tracker)."""

    mode: int
    R: int
    M: int
    every: int
    par: tuple  # the kernel's parameter vector (cim_kernels.P_*)
    tlim: float | None
    target: float | None
    device: Any
    dtype: str
    backend: str

    @property
    def solver(self) -> str:
        return {MODE_PLAIN: "cim", MODE_AHC: "cim-ahc", MODE_CAC: "cac"}[self.mode]

    @property
    def label(self) -> str:
        return "CAC" if self.mode == MODE_CAC else "CIM"


def _readout(s: np.ndarray, n: int) -> np.ndarray:
    """Problem spins from extended ones: ``s_i s_aux`` when an auxiliary spin was added."""
    s = np.asarray(s, dtype=np.int8)
    return s if s.shape[1] == n else (s[:, :n] * s[:, n:]).astype(np.int8)


def _overflow(cfg: CimConfig, step: int) -> InputError:
    return InputError(f"{cfg.label} amplitudes overflowed at step {step} (dt={cfg.par[P_DT]:g}): lower dt")


def run_numba(problem: Problem, cfg: CimConfig, J: sp.csr_array, rng: np.random.Generator, key_seed: int,
              seed: SeedLike, callback, settings: dict, t0: float) -> SolveResult:
    """The numba (CPU, CSR) backend: reads in parallel threads."""
    indptr, indices = J.indptr.astype(np.int64), J.indices.astype(np.int64)
    data, m, R, M = np.ascontiguousarray(J.data, dtype=np.float64), J.shape[0], cfg.R, cfg.M
    par, keys = np.array(cfg.par, dtype=np.float64), make_keys(key_seed, R)
    best_s, best_h = np.ones((R, m), dtype=np.int8), np.full(R, np.inf)
    tracker = _Tracker(problem, cfg, callback)
    t_setup = time.perf_counter() - t0
    tracker.start()
    state: dict = {}

    def run_round(round_: int, total: int) -> tuple[int, str | None]:
        x = np.ascontiguousarray(rng.uniform(-INIT, INIT, (m, R)).T)
        e, xi = np.ones((R, m)), np.zeros(R)
        h_run, t_last, bad = np.full(R, np.inf), np.zeros(R, dtype=np.int64), np.full(R, -1, dtype=np.int64)
        state["x"] = x
        k = 0
        while k < M:
            c = min(cfg.every - k % cfg.every, M - k)
            cim_steps(indptr, indices, data, x, e, xi, h_run, t_last, best_s, best_h, bad, keys, par,
                      cfg.mode, k, c, total)
            k += c
            if (bad >= 0).any():
                raise _overflow(cfg, total + int(bad[bad >= 0].min()) + 1)
            reason = tracker.update(float(best_h.min()), total + k, round_)
            if reason:
                return k, reason
        return M, None

    counts = _rounds(cfg, run_round)
    final = np.where(state["x"] >= 0, 1, -1).astype(np.int8)
    n = problem.n
    return _finish(problem, cfg, _readout(best_s, n), _readout(final, n), tracker, counts, seed, settings, t_setup)


def _torch_matrix(J: sp.csr_array, dense: bool, device: Any, dtype: Any):
    import torch

    if dense:
        return torch.as_tensor(J.toarray(), dtype=dtype, device=device)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(torch.as_tensor(J.indptr, dtype=torch.int64),
                                       torch.as_tensor(J.indices, dtype=torch.int64),
                                       torch.as_tensor(J.data, dtype=dtype), size=J.shape,
                                       check_invariants=False).to(device)


class _TorchState:
    """One trajectory batch on the device: amplitudes ``x`` and error variables ``e`` of shape
    ``(m, R)``, CAC's ``xi``, ``h_run`` and ``t_last`` (R,), and ``bad``, the first overflowed step."""

    def __init__(self, x, cfg: CimConfig) -> None:
        import torch

        R, dev = x.shape[1], x.device
        self.x, self.e = x, torch.ones_like(x)
        self.xi = torch.zeros(R, dtype=x.dtype, device=dev)
        self.h_run = torch.full((R,), float("inf"), dtype=torch.float64, device=dev)
        self.t_last = torch.zeros(R, dtype=torch.int64, device=dev)
        self.bad = torch.tensor(-1, dtype=torch.int64, device=dev)


def _cac_target(par: tuple, st: _TorchState, h, k: int):
    """CAC: target amplitude of each read; updates ``h_run``, ``t_last`` and resets ``xi``."""
    import torch

    dh = torch.where(torch.isinf(st.h_run), torch.zeros_like(h), h - st.h_run)
    a = par[P_A0] + par[P_RHO] * torch.tanh(par[P_DELTA] * dh)
    improved = h < st.h_run
    st.h_run = torch.minimum(st.h_run, h)
    stall = ~improved & (k - st.t_last > par[P_TAU])
    st.xi = torch.where(stall, torch.zeros_like(st.xi), st.xi)
    st.t_last = torch.where(improved | stall, torch.full_like(st.t_last, k), st.t_last)
    return a


def _torch_step(cfg: CimConfig, J, st: _TorchState, best_s, best_h, k: int, gen) -> None:
    """One Euler step of every read (module docstring of :mod:`spinscope.optimize.cim`)."""
    import torch

    par, x, e = cfg.par, st.x, st.e
    s = torch.where(x >= 0, 1.0, -1.0).to(x.dtype)
    h = (-0.5 * (s * (J @ s)).sum(0)).to(torch.float64)
    better = h < best_h
    best_h.copy_(torch.where(better, h, best_h))
    best_s.copy_(torch.where(better[None, :], s, best_s))
    xm = x if par[P_NOISE] == 0 else x + par[P_NOISE] * torch.randn(x.shape, generator=gen, dtype=x.dtype,
                                                                    device=x.device)
    jx = J @ xm
    if cfg.mode == MODE_AHC:
        a, rate = (par[P_A0] - 2.0 * par[P_COUPLING] * h / x.shape[0]).to(x.dtype), par[P_RATE]
    elif cfg.mode == MODE_CAC:
        a, rate = _cac_target(par, st, h, k).to(x.dtype), st.xi
    x.add_(par[P_DT] * ((par[P_PUMP] - 1.0) * x - par[P_MU] * x * x * x + par[P_COUPLING] * e * jx))
    if cfg.mode != MODE_PLAIN:
        e.mul_(1.0 - par[P_DT] * rate * (x * x - a))
        e.clamp_(max=par[P_EMAX])
    if cfg.mode == MODE_CAC:
        st.xi = st.xi + par[P_GAMMA] * par[P_DT]
    now = ~((x.abs() < X_MAX).all() & (e > -X_MAX).all())
    st.bad = torch.where(now & (st.bad < 0), torch.full_like(st.bad, k), st.bad)


def run_torch(problem: Problem, cfg: CimConfig, J: sp.csr_array, rng: np.random.Generator, key_seed: int,
              seed: SeedLike, callback, settings: dict, t0: float) -> SolveResult:
    """The torch backend (dense or sparse-CSR couplings, any device)."""
    import torch

    tdt, dev, m, R, M = getattr(torch, cfg.dtype), cfg.device, J.shape[0], cfg.R, cfg.M
    Jt = _torch_matrix(J, J.nnz > 0.1 * m * m, dev, tdt)
    gen = torch.Generator(device=dev)
    gen.manual_seed(key_seed)
    best_s = torch.ones((m, R), dtype=tdt, device=dev)
    best_h = torch.full((R,), float("inf"), dtype=torch.float64, device=dev)
    tracker = _Tracker(problem, cfg, callback)
    t_setup = time.perf_counter() - t0
    tracker.start()
    state: dict = {}

    def run_round(round_: int, total: int) -> tuple[int, str | None]:
        st = _TorchState(torch.as_tensor(rng.uniform(-INIT, INIT, (m, R)), dtype=tdt, device=dev), cfg)
        state["x"] = st.x
        for k in range(M):
            _torch_step(cfg, Jt, st, best_s, best_h, k, gen)
            if (k + 1) % cfg.every == 0 or k == M - 1:
                if int(st.bad) >= 0:
                    raise _overflow(cfg, total + int(st.bad) + 1)
                reason = tracker.update(float(best_h.min()), total + k + 1, round_)
                if reason:
                    return k + 1, reason
        return M, None

    with torch.no_grad():
        counts = _rounds(cfg, run_round)
    n = problem.n
    states = _readout(best_s.T.to("cpu").numpy(), n)
    final = _readout(np.where(state["x"].T.to("cpu").numpy() >= 0, 1, -1), n)
    return _finish(problem, cfg, states, final, tracker, counts, seed, settings, t_setup)
