"""Simulated bifurcation (Goto et al., Sci. Adv. 5, eaav2372 (2019); Sci. Adv. 7, eabe7953 (2021)).

Each read carries positions ``x`` and momenta ``y`` (real, one pair per spin) and integrates,
with the symplectic Euler step of the papers,

    y <- y + [ -(a0 - a(t)) x + c0 (J z + h) ] dt        z = x (ballistic, bSB) or sign(x) (discrete, dSB)
    x <- x + a0 y dt
    where |x_i| > 1:  x_i <- sign(x_i),  y_i <- 0        (inelastic walls)

with the pumping ``a(t)`` rising linearly from 0 to ``a0`` over the run and the spins read as
``s = sign(x)``. ``J z + h`` is minus the gradient of spinscope's ``H = -1/2 s^T J s - h^T s``.
Defaults follow Goto et al. 2021: ``a0 = 1``, ``dt = 1.25``, ``x, y`` uniform in ``[-0.1, 0.1]``
and the coupling scale ``c0 = 0.5 / (sqrt(n) <J>)`` with ``<J> = sqrt(sum_ij J_ij^2 / (n (n-1)))``
(the root mean square of the off-diagonal couplings, zeros included).

Step size: the symplectic Euler step is stable for a mode of ``J`` with eigenvalue ``lam`` only
if ``dt^2 a0 (a0 - c0 lam) < 4``. The papers' ``dt = 1.25`` assumes a centred spectrum (SK);
couplings with a non-zero mean (e.g. Max-Cut with positive weights, ``J = -W``, ``lam_min`` about
minus the mean degree) make it oscillate and diverge. ``dt=None`` (default) therefore uses
``min(1.25, 0.9 * 2 / sqrt(a0 (a0 - c0 lam_min)))`` with ``lam_min`` from ``scipy.sparse.linalg.eigsh``.

The dynamics are matrix products: torch runs them on any device (``device="cuda"`` unchanged)
with dense or sparse-CSR couplings; the ``(n, R)`` state keeps all reads in one product.
Initial values are drawn with numpy from ``seed``, so results do not depend on the device
beyond floating-point rounding.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from spinscope._validation import SeedLike, check_int, check_positive, make_rng, resolve_seed
from spinscope.errors import InputError
from spinscope.optimize.memory import chain_bytes, check_run_memory
from spinscope.optimize.problems import Problem
from spinscope.optimize.result import SolveResult, make_result

__all__ = ["default_c0", "default_dt", "simulated_bifurcation"]

_VARIANTS = ("ballistic", "discrete")


def default_c0(problem: Problem) -> float:
    """Goto et al.'s automatic coupling scale ``0.5 / (sqrt(n) * sqrt(sum J^2 / (n (n-1))))``.

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    float
        ``c0`` (0.5 without couplings or for a single variable).
    """
    n = problem.n
    j = problem.model.couplings
    sq = float((j.multiply(j)).sum()) if sp.issparse(j) else float(np.sum(j * j))
    if n < 2 or sq == 0:
        return 0.5
    rms = np.sqrt(sq / (n * (n - 1)))
    return float(0.5 / (np.sqrt(n) * rms))


def default_dt(problem: Problem, *, c0: float, a0: float = 1.0) -> float:
    """Largest stable step (with a 10 % margin), capped at the papers' 1.25 (see module docstring).

    Parameters
    ----------
    problem : Problem
    c0 : float
        Coupling scale.
    a0 : float
        Final pumping amplitude.

    Returns
    -------
    float
        ``min(1.25, 0.9 * 2 / sqrt(a0 (a0 - c0 lambda_min)))``.
    """
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    j = problem.model.sparse_couplings()
    if j.nnz == 0:
        return 1.25
    try:
        lam = float(eigsh(j, k=1, which="SA", return_eigenvectors=False, tol=1e-3,
                          v0=np.ones(problem.n))[0]) if problem.n > 2 else float(np.linalg.eigvalsh(j.toarray())[0])
    except (ArpackNoConvergence, ValueError):
        lam = -float(abs(j).sum(axis=1).max())  # Gershgorin bound
    lam = min(lam, 0.0)
    return float(min(1.25, 0.9 * 2.0 / np.sqrt(a0 * (a0 - c0 * lam))))


def resolve_backend(problem: Problem, device: Any, dtype: str, backend: str) -> str:
    """Check ``dtype`` and ``backend`` of a numba-or-torch solver; ``"auto"``: numba on the CPU for a
    sparse problem (density <= 0.1), torch otherwise."""
    if dtype not in ("float32", "float64"):
        raise InputError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    if backend not in ("auto", "torch", "numba"):
        raise InputError(f"backend must be 'auto', 'torch' or 'numba', got {backend!r}")
    if backend == "auto":
        backend = "numba" if str(device) == "cpu" and _density(problem) <= 0.1 else "torch"
    if backend == "numba" and str(device) != "cpu":
        raise InputError(f"the numba backend runs on the CPU; use backend='torch' for device={device!r}")
    return backend


def _density(problem: Problem) -> float:
    m = problem.model
    return (m.couplings.nnz if not m.is_dense else np.count_nonzero(m.couplings)) / max(m.n**2, 1)


def _torch_couplings(problem: Problem, device: Any, dtype: Any):
    import torch

    m = problem.model
    n = m.n
    if _density(problem) > 0.1:
        return torch.as_tensor(m.dense_couplings(), dtype=dtype, device=device)
    indptr, indices, data = problem.csr()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(torch.as_tensor(indptr), torch.as_tensor(indices, dtype=torch.int64),
                                       torch.as_tensor(data, dtype=dtype), size=(n, n),
                                       check_invariants=False).to(device)


@dataclass(frozen=True)
class _Config:
    """Validated settings of one :func:`simulated_bifurcation` call."""

    variant: str
    R: int
    M: int
    every: int
    dt: float
    a0: float
    c0: float
    tlim: float | None
    target: float | None
    device: Any
    dtype: str
    backend: str

    @property
    def discrete(self) -> bool:
        return self.variant == "discrete"

    @property
    def solver(self) -> str:
        return "bsb" if self.variant == "ballistic" else "dsb"


def _config(problem: Problem, variant: str, num_reads: int, num_steps: int, check_every: int,
            dt: float | None, a0: float, c0: float | None, time_limit: float | None,
            target: float | None, device: Any, dtype: str, backend: str) -> _Config:
    """Validate the settings and fill in the automatic ``c0``, ``dt`` and backend."""
    if variant not in _VARIANTS:
        raise InputError(f"variant must be one of {_VARIANTS}, got {variant!r}")
    R = check_int(num_reads, "num_reads", minimum=1)
    M = check_int(num_steps, "num_steps", minimum=1)
    every = check_int(check_every, "check_every", minimum=1)
    a0 = check_positive(a0, "a0")
    c0 = default_c0(problem) if c0 is None else check_positive(c0, "c0")
    dt = default_dt(problem, c0=c0, a0=a0) if dt is None else check_positive(dt, "dt")
    tlim = None if time_limit is None else check_positive(time_limit, "time_limit")
    backend = resolve_backend(problem, device, dtype, backend)
    return _Config(variant, R, M, every, dt, a0, c0, tlim, None if target is None else float(target),
                   device, dtype, backend)


def _sb_bytes(problem: Problem, cfg: _Config) -> float:
    """Peak host-or-device bytes of a run (see :mod:`spinscope.optimize.memory`): positions,
    momenta, best states and step temporaries of every read, the dense coupling matrix torch
    uses for dense problems, and the exact recomputation of the result."""
    n, R = problem.n, cfg.R
    result = R * chain_bytes(problem)
    if cfg.backend == "numba":
        return R * 80.0 * n + result
    d = 4.0 if cfg.dtype == "float32" else 8.0
    dense = 0.0
    if _density(problem) > 0.1:
        dense = float(n) * n * (d if problem.model.is_dense else 8.0 + d)
    return R * n * (16.0 + 10.0 * d) + dense + result


class _Tracker:
    """Best energy over all reads, time to best, progress callback and the stopping rules."""

    def __init__(self, problem: Problem, cfg: _Config, callback: Callable[[dict], None] | None) -> None:
        self.problem, self.tlim, self.callback = problem, cfg.tlim, callback
        e_target = -np.inf if cfg.target is None else problem.value_to_energy(cfg.target) - problem.offset
        if cfg.target is not None:
            e_target += 1e-6 * max(1.0, abs(e_target))
        self.e_target = e_target
        self.global_best, self.time_to_best = np.inf, 0.0
        self.t_start = time.perf_counter()

    def start(self) -> None:
        self.t_start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.t_start

    def update(self, b: float, total: int, round_: int) -> str | None:
        """Record the best energy ``b`` (without offset) after ``total`` steps; return a stop reason."""
        elapsed = self.elapsed()
        if b < self.global_best:
            self.global_best, self.time_to_best = b, elapsed
        if self.callback is not None:
            self.callback({"elapsed_s": elapsed, "sweeps": total, "round": round_,
                           "best_value": float(self.problem.energy_to_value(b + self.problem.offset))})
        if b <= self.e_target:
            return "target"
        if self.tlim is not None and elapsed >= self.tlim:
            return "time_limit"
        return None


def _rounds(cfg: _Config, run_round: Callable[[int, int], tuple[int, str | None]]) -> tuple[int, int, str]:
    """Restart ``run_round(round_, total) -> (steps, reason)`` until a stop (or once without a
    time limit); returns the steps done per read, the rounds and the stop reason."""
    stopped, round_, total = "completed", 0, 0
    while True:
        steps, reason = run_round(round_, total)
        total += steps
        stopped = reason or stopped
        round_ += 1
        if stopped != "completed" or cfg.tlim is None:
            break
    return total, round_, stopped


def _finish(problem: Problem, cfg: _Config, best_states: np.ndarray, final_states: np.ndarray,
            tracker: _Tracker, counts: tuple[int, int, str], seed: SeedLike, settings: dict,
            t_setup: float) -> SolveResult:
    total, rounds, stopped = counts
    wall_time = tracker.elapsed()
    return make_result(problem, cfg.solver, best_states, time_to_best=tracker.time_to_best,
                       wall_time=wall_time, sweeps=total, rounds=rounds, stopped_by=stopped,
                       target=cfg.target, seed=seed, settings=settings,
                       timings={"setup": t_setup, "run": wall_time, "total": t_setup + wall_time},
                       final_states=final_states)


def simulated_bifurcation(problem: Problem, *, variant: str = "ballistic", num_reads: int = 64,
                          num_steps: int = 1000, dt: float | None = None, a0: float = 1.0,
                          c0: float | None = None, time_limit: float | None = None,
                          target: float | None = None, check_every: int = 50,
                          device: Any = "cpu", dtype: str = "float32", backend: str = "auto",
                          seed: SeedLike = None, callback: Callable[[dict], None] | None = None) -> SolveResult:
    """Minimise ``E(s)`` with ballistic (bSB) or discrete (dSB) simulated bifurcation.

    Parameters
    ----------
    problem : Problem
    variant : {"ballistic", "discrete"}
    num_reads : int
        Independent trajectories integrated together.
    num_steps : int
        Time steps per run; ``a(t)`` rises linearly from 0 to ``a0`` over them.
    dt : float, optional
        Time step; default the stable step of :func:`default_dt` (at most 1.25).
    a0 : float
        Final pumping amplitude (dimensionless).
    c0 : float, optional
        Coupling scale; automatic (:func:`default_c0`) by default.
    time_limit, target : float, optional
        Stop early (seconds; a cut for Max-Cut, else an energy); with a time limit new runs from
        fresh random initial values start until it expires.
    check_every : int
        Steps between evaluations of ``sign(x)`` (best-state tracking, stopping, progress).
    device : str or torch.device
    dtype : {"float32", "float64"}
        Torch dtype (the numba backend computes in float64).
    backend : {"auto", "torch", "numba"}
        ``"auto"``: numba on the CPU for sparse couplings (reads in parallel threads, no barrier
        per step), torch otherwise (dense couplings use BLAS matrix products; any device).
    seed : int, Generator or None
        Seed of the initial values; None draws a fresh one, recorded in the result.
    callback : callable, optional
        Receives a progress dict at every check.

    Returns
    -------
    SolveResult
        Solver ``"bsb"`` or ``"dsb"``; one read per trajectory, ``sweeps`` counts time steps.
    """
    t0 = time.perf_counter()
    seed = resolve_seed() if seed is None else seed
    cfg = _config(problem, variant, num_reads, num_steps, check_every, dt, a0, c0, time_limit,
                  target, device, dtype, backend)
    check_run_memory(_sb_bytes(problem, cfg), f"simulated bifurcation with num_reads={cfg.R} on "
                     f"n={problem.n} variables ({cfg.backend}, {cfg.device})")
    settings = {"variant": cfg.variant, "num_reads": cfg.R, "num_steps": cfg.M, "dt": cfg.dt,
                "a0": cfg.a0, "c0": cfg.c0, "device": str(device),
                "dtype": dtype if cfg.backend == "torch" else "float64",
                "backend": cfg.backend, "time_limit": time_limit, "target": target}
    backend_fn = _sb_numba if cfg.backend == "numba" else _sb_torch
    return backend_fn(problem, cfg, make_rng(seed), seed, callback, settings, t0)


def _torch_check(x, J, h, best_s, best_e, tdt) -> float:
    """Evaluate ``s = sign(x)``, keep each read's best in place; return the best energy."""
    import torch

    s = torch.where(x >= 0, 1.0, -1.0).to(tdt)
    e = (-0.5 * (s * (J @ s)).sum(0) - (h * s).sum(0)).to(torch.float64)
    better = e < best_e
    best_e.copy_(torch.where(better, e, best_e))
    best_s.copy_(torch.where(better[None, :], s, best_s))
    return float(best_e.min())


def _torch_steps(cfg: _Config, J, h, x, y, check: Callable[[int], str | None]) -> tuple[int, str | None]:
    """Integrate one run of ``cfg.M`` steps in place, calling ``check(steps)`` every ``cfg.every``."""
    import torch

    a0, dt, c0, M = cfg.a0, cfg.dt, cfg.c0, cfg.M
    for k in range(M):
        a = a0 * k / M
        z = torch.sign(x) if cfg.discrete else x
        y.add_(dt * (c0 * (J @ z + h) - (a0 - a) * x))
        x.add_(a0 * dt * y)
        wall = x.abs() > 1.0
        x.clamp_(-1.0, 1.0)
        y.masked_fill_(wall, 0.0)
        if (k + 1) % cfg.every == 0 or k == M - 1:
            reason = check(k + 1)
            if reason:
                return k + 1, reason
    return M, None


def _sb_torch(problem: Problem, cfg: _Config, rng: np.random.Generator, seed: SeedLike,
              callback, settings: dict, t0: float) -> SolveResult:
    """The torch backend of :func:`simulated_bifurcation` (dense or sparse-CSR, any device)."""
    import torch

    tdt, device, n, R = getattr(torch, cfg.dtype), cfg.device, problem.n, cfg.R
    J = _torch_couplings(problem, device, tdt)
    h = torch.as_tensor(problem.model.fields, dtype=tdt, device=device)[:, None]
    best_s = torch.ones((n, R), dtype=tdt, device=device)
    best_e = torch.full((R,), float("inf"), dtype=torch.float64, device=device)
    tracker = _Tracker(problem, cfg, callback)
    t_setup = time.perf_counter() - t0
    tracker.start()
    state = {}

    def run_round(round_: int, total: int) -> tuple[int, str | None]:
        x = torch.as_tensor(rng.uniform(-0.1, 0.1, (n, R)), dtype=tdt, device=device)
        y = torch.as_tensor(rng.uniform(-0.1, 0.1, (n, R)), dtype=tdt, device=device)
        state["x"] = x
        return _torch_steps(cfg, J, h, x, y, lambda k: tracker.update(
            _torch_check(x, J, h, best_s, best_e, tdt), total + k, round_))

    with torch.no_grad():
        counts = _rounds(cfg, run_round)
    states = best_s.T.to("cpu").numpy().astype(np.int8)
    final = np.where(state["x"].T.to("cpu").numpy() >= 0, 1, -1).astype(np.int8)
    return _finish(problem, cfg, states, final, tracker, counts, seed, settings, t_setup)


def _sb_numba(problem: Problem, cfg: _Config, rng: np.random.Generator, seed: SeedLike,
              callback, settings: dict, t0: float) -> SolveResult:
    """The numba (CPU, sparse) backend of :func:`simulated_bifurcation`; same random draws."""
    from spinscope.optimize.kernels import sb_steps

    n, R, M, every = problem.n, cfg.R, cfg.M, cfg.every
    indptr, indices, data = problem.csr()
    h = np.ascontiguousarray(problem.model.fields, dtype=np.float64)
    best_s = np.ones((R, n), dtype=np.int8)
    best_e = np.full(R, np.inf)
    tracker = _Tracker(problem, cfg, callback)
    t_setup = time.perf_counter() - t0
    tracker.start()
    state = {}

    def run_round(round_: int, total: int) -> tuple[int, str | None]:
        x = np.ascontiguousarray(rng.uniform(-0.1, 0.1, (n, R)).T)
        y = np.ascontiguousarray(rng.uniform(-0.1, 0.1, (n, R)).T)
        state["x"] = x
        k = 0
        while k < M:
            c = min(every - k % every, M - k)
            sb_steps(indptr, indices, data, h, x, y, cfg.c0, cfg.a0, cfg.dt, k, M, c, cfg.discrete)
            k += c
            s = np.where(x >= 0, 1, -1).astype(np.int8)
            e = np.atleast_1d(problem.model.energy(s))
            better = e < best_e
            best_e[better] = e[better]
            best_s[better] = s[better]
            reason = tracker.update(float(best_e.min()), total + k, round_)
            if reason:
                return k, reason
        return M, None

    counts = _rounds(cfg, run_round)
    final = np.where(state["x"] >= 0, 1, -1).astype(np.int8)
    return _finish(problem, cfg, best_s, final, tracker, counts, seed, settings, t_setup)
