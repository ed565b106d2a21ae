"""Coherent Ising machines: CIM with amplitude-heterogeneity correction (AHC) and chaotic
amplitude control (CAC), simulated as classical analog dynamics.

Each read carries real amplitudes ``x_i`` and error variables ``e_i`` (one pair per spin) and
integrates, with explicit Euler steps of length ``dt``,

    dx_i/dt = (p - 1) x_i - mu x_i^3 + c e_i sum_j J_ij x~_j        x~_j = x_j + noise * N(0, 1)
    de_i/dt = -b (x_i^2 - a) e_i,          e_i capped at e_max

reading the spins as ``s = sign(x)`` (``x >= 0`` -> +1). ``J`` is spinscope's coupling matrix
(``H = -1/2 s^T J s - h^T s``), so the feedback ``sum_j J_ij x_j`` is minus the gradient of the
relaxed energy and the dynamics minimise the problem's objective (Max-Cut: ``J = -W``).

* **CIM-AHC** (Leleu, Yamamoto, McMahon & Aihara, PRL 122, 040607 (2019)): ``c = eps``,
  ``b = beta`` and the target amplitude follows the energy of the current spins,
  ``a = a0 + eps s^T J s / m = a0 - 2 eps H(s) / m`` (as in the McMahon lab's cim-optimizer,
  whose per-spin weight in that mean is identically 1). Defaults as published there:
  ``p = 0.2, beta = 0.05, eps = 0.07, mu = 1, dt = 0.05, a0 = 0.2, e_max = 32``.
  ``correction=False`` is the plain CIM: ``e = 1`` throughout (then ``p`` must exceed the
  threshold ``1 - eps lambda_max(J)`` for the amplitudes to grow).
* **CAC** (Leleu, Khoyratee, Levi, Hamerly, Kohno & Aihara, Commun. Phys. 4, 266 (2021)):
  ``c = beta``, ``b = xi``, a rate that grows as ``dxi/dt = gamma`` and is reset to 0 when the
  trajectory's best energy ``H_opt`` has not improved for ``tau`` steps, and the target
  ``a = alpha + rho tanh(delta (H(s) - H_opt))``. Defaults: the paper's / cim-optimizer's tuned
  G1 values ``p = 0.2, alpha = 1, beta = 3 m / sum_ij |J_ij|, gamma = 0.075 / m, delta = 9,
  rho = 1, tau = 9 m, mu = 1, dt = 0.05`` (G2: ``delta = 7, tau = 7 m``).

Order within a step: spins and energy ``H`` of the current ``x``; ``a`` (and CAC's ``H_opt``,
stall counter and reset of ``xi``); ``x`` advanced; ``e`` advanced with the new ``x``; CAC's
``xi += gamma dt``. Initial values: ``x`` uniform in ``[-5e-4, 5e-4]`` (numpy, from ``seed``),
``e = 1``, ``xi = 0``, ``H_opt`` the first energy.

Fields ``h`` enter through an auxiliary spin ``m = n + 1`` coupled to spin ``i`` by ``h_i``:
``-1/2 s~^T J~ s~ = H(s s_aux)``, so the extended problem has the same minima up to the global
flip, and the spins are read as ``s_i s_aux``. ``m`` (above) counts it.

A trajectory whose amplitudes overflow (``|x| >= 1e6``, non-finite, or error variables below
``-1e6``: Euler steps too long for the couplings' scale) raises :class:`InputError` naming the step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from spinscope._validation import SeedLike, check_int, check_positive, make_rng, resolve_seed
from spinscope.errors import InputError
from spinscope.optimize.bifurcation import _density, resolve_backend
from spinscope.optimize.cim_backends import CimConfig, run_numba, run_torch
from spinscope.optimize.cim_kernels import MODE_AHC, MODE_CAC, MODE_PLAIN
from spinscope.optimize.memory import chain_bytes, check_run_memory
from spinscope.optimize.problems import Problem
from spinscope.optimize.result import SolveResult

__all__ = ["cac_defaults", "chaotic_amplitude_control", "coherent_ising_machine", "extended_couplings"]


def extended_couplings(problem: Problem) -> sp.csr_array:
    """The couplings the machine integrates: ``J``, plus an auxiliary spin coupled by ``h``.

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    scipy.sparse.csr_array, shape (m, m)
        ``m = n`` without fields, else ``n + 1`` with ``J~[i, n] = J~[n, i] = h_i``; float64,
        sorted indices, no explicit zeros.
    """
    m = problem.model
    j = sp.csr_array(m.sparse_couplings(), dtype=np.float64)
    if m.has_fields:
        h = sp.csr_array(np.asarray(m.fields, dtype=np.float64)[:, None])
        j = sp.csr_array(sp.bmat([[j, h], [h.T, None]], format="csr"))
    j.eliminate_zeros()
    j.sort_indices()
    return j


def _real(value: Any, name: str, *, minimum: float | None = None) -> float:
    """``value`` as a finite float (``>= minimum`` if given)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or (minimum is not None and v < minimum):
        rule = "a finite number" if minimum is None else f"a finite number >= {minimum:g}"
        raise InputError(f"{name} must be {rule}, got {value!r}")
    return v


def _config(problem: Problem, mode: int, par: dict, *, num_reads: int, num_steps: int,
            check_every: int, time_limit: float | None, target: float | None, device: Any,
            dtype: str, backend: str) -> CimConfig:
    """Validate the shared settings, order the kernel parameters and pick the backend."""
    R = check_int(num_reads, "num_reads", minimum=1)
    M = check_int(num_steps, "num_steps", minimum=1)
    every = check_int(check_every, "check_every", minimum=1)
    tlim = None if time_limit is None else check_positive(time_limit, "time_limit")
    backend = resolve_backend(problem, device, dtype, backend)
    order = ("dt", "pump", "mu", "coupling", "rate", "a0", "rho", "delta", "tau", "e_max", "noise", "gamma")
    vec = tuple(float(par.get(k, 0.0)) for k in order)
    return CimConfig(mode, R, M, every, vec, tlim, None if target is None else float(target),
                   device, dtype, backend)


def _cim_bytes(problem: Problem, cfg: CimConfig, m: int, nnz: int) -> float:
    """Peak bytes of a run: amplitudes, error variables, spins, best spins and step buffers of
    every read, the extended couplings (dense for torch on dense problems) and the result."""
    R = cfg.R
    result = R * chain_bytes(problem) + 16.0 * nnz
    if cfg.backend == "numba":
        return R * (50.0 * m + 64.0) + result
    d = 4.0 if cfg.dtype == "float32" else 8.0
    dense = float(m) * m * d if _density(problem) > 0.1 else 0.0
    return R * m * (12.0 * d + 16.0) + dense + result


def _start(problem: Problem, cfg: CimConfig, settings: dict, seed: SeedLike, callback, t0: float) -> SolveResult:
    """Check memory, then run the chosen backend."""
    J = extended_couplings(problem)
    check_run_memory(_cim_bytes(problem, cfg, J.shape[0], J.nnz),
                     f"{cfg.label} with num_reads={cfg.R} on n={problem.n} variables ({cfg.backend}, {cfg.device})")
    rng = make_rng(seed)
    key_seed = int(rng.integers(0, 2**63 - 1))  # noise streams (numba keys, torch generator)
    run = run_numba if cfg.backend == "numba" else run_torch
    return run(problem, cfg, J, rng, key_seed, seed, callback, settings, t0)


def coherent_ising_machine(problem: Problem, *, correction: bool = True, num_reads: int = 64,
                           num_steps: int = 1000, dt: float = 0.05, pump: float = 0.2, mu: float = 1.0,
                           eps: float = 0.07, beta: float = 0.05, a0: float = 0.2, e_max: float = 32.0,
                           noise: float = 0.0, time_limit: float | None = None, target: float | None = None,
                           check_every: int = 50, device: Any = "cpu", dtype: str = "float32",
                           backend: str = "auto", seed: SeedLike = None,
                           callback: Callable[[dict], None] | None = None) -> SolveResult:
    """Minimise ``E(s)`` with a coherent Ising machine, with amplitude-heterogeneity correction
    (CIM-AHC, default) or without (plain CIM); equations in the module docstring.

    Parameters
    ----------
    problem : Problem
    correction : bool
        Error variables (AHC); False: plain CIM, ``e = 1``.
    num_reads : int
        Independent trajectories integrated together.
    num_steps : int
        Euler steps per trajectory.
    dt : float
        Time step (> 0).
    pump, mu : float
        Linear gain ``p`` and saturation ``mu`` (> 0).
    eps : float
        Feedback strength, in units of ``1 / J``.
    beta : float
        Rate of the error variables (>= 0).
    a0 : float
        Baseline target amplitude.
    e_max : float
        Cap of the error variables (> 0).
    noise : float
        Standard deviation of the measurement noise on the amplitudes fed back (>= 0).
    time_limit, target : float, optional
        Stop early (seconds; a cut for Max-Cut, else an energy); with a time limit new
        trajectories start from fresh random amplitudes until it expires.
    check_every : int
        Steps between progress reports and stopping checks (every step's spins are tracked).
    device : str or torch.device
    dtype : {"float32", "float64"}
        Torch dtype (numba computes in float64).
    backend : {"auto", "torch", "numba"}
        ``"auto"``: numba on the CPU for sparse couplings (density <= 0.1), torch otherwise.
    seed : int, Generator or None
        Seed of the initial amplitudes and the noise; None draws a fresh one, recorded.
    callback : callable, optional
        Receives a progress dict at every check.

    Returns
    -------
    SolveResult
        Solver ``"cim-ahc"`` or ``"cim"``; one read per trajectory, ``sweeps`` counts steps.

    Raises
    ------
    InputError
        For invalid settings, or when the amplitudes overflow (lower ``dt``).
    """
    t0 = time.perf_counter()
    seed = resolve_seed() if seed is None else seed
    par = {"dt": check_positive(dt, "dt"), "pump": _real(pump, "pump"), "mu": check_positive(mu, "mu"),
           "coupling": check_positive(eps, "eps"), "rate": _real(beta, "beta", minimum=0.0),
           "a0": _real(a0, "a0"), "e_max": check_positive(e_max, "e_max"),
           "noise": _real(noise, "noise", minimum=0.0)}
    mode = MODE_AHC if correction else MODE_PLAIN
    cfg = _config(problem, mode, par, num_reads=num_reads, num_steps=num_steps, check_every=check_every,
                  time_limit=time_limit, target=target, device=device, dtype=dtype, backend=backend)
    settings = {"correction": bool(correction), "num_reads": cfg.R, "num_steps": cfg.M, "dt": par["dt"],
                "pump": par["pump"], "mu": par["mu"], "eps": par["coupling"], "beta": par["rate"],
                "a0": par["a0"], "e_max": par["e_max"], "noise": par["noise"], "device": str(device),
                "dtype": dtype if cfg.backend == "torch" else "float64", "backend": cfg.backend,
                "time_limit": time_limit, "target": target}
    return _start(problem, cfg, settings, seed, callback, t0)


def cac_defaults(problem: Problem) -> dict:
    """CAC's size-dependent defaults (the tuned G1 values): ``beta = 3 m / sum_ij |J~_ij|``,
    ``gamma = 0.075 / m``, ``tau = 9 m`` (``m``: amplitudes, the field spin included).

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    dict
        ``{"beta", "gamma", "tau"}`` (``beta = 1`` without couplings).
    """
    J = extended_couplings(problem)
    m, total = J.shape[0], float(np.abs(J.data).sum())
    return {"beta": 3.0 * m / total if total > 0 else 1.0, "gamma": 0.075 / m, "tau": 9.0 * m}


def chaotic_amplitude_control(problem: Problem, *, num_reads: int = 64, num_steps: int = 3000,
                              dt: float = 0.05, pump: float = 0.2, mu: float = 1.0, beta: float | None = None,
                              alpha: float = 1.0, rho: float = 1.0, delta: float = 9.0,
                              gamma: float | None = None, tau: float | None = None, e_max: float = 32.0,
                              noise: float = 0.0, time_limit: float | None = None, target: float | None = None,
                              check_every: int = 50, device: Any = "cpu", dtype: str = "float32",
                              backend: str = "auto", seed: SeedLike = None,
                              callback: Callable[[dict], None] | None = None) -> SolveResult:
    """Minimise ``E(s)`` with chaotic amplitude control (CAC); equations in the module docstring.

    Parameters
    ----------
    problem : Problem
    num_reads, num_steps, dt, pump, mu, e_max, noise : see :func:`coherent_ising_machine`
    beta : float, optional
        Feedback strength; default ``3 m / sum_ij |J_ij|`` (:func:`cac_defaults`).
    alpha, rho, delta : float
        Target amplitude ``a = alpha + rho tanh(delta (H - H_opt))``; ``delta`` multiplies
        energies in the problem's units (>= 0).
    gamma : float, optional
        Growth rate of ``xi`` per unit time; default ``0.075 / m``.
    tau : float, optional
        Steps without a new trajectory best after which ``xi`` is reset to 0; default ``9 m``.
    time_limit, target, check_every, device, dtype, backend, seed, callback :
        As for :func:`coherent_ising_machine`.

    Returns
    -------
    SolveResult
        Solver ``"cac"``; one read per trajectory, ``sweeps`` counts steps.

    Raises
    ------
    InputError
        For invalid settings, or when the amplitudes overflow (lower ``dt``).
    """
    t0 = time.perf_counter()
    seed = resolve_seed() if seed is None else seed
    auto = cac_defaults(problem)
    par = {"dt": check_positive(dt, "dt"), "pump": _real(pump, "pump"), "mu": check_positive(mu, "mu"),
           "coupling": auto["beta"] if beta is None else check_positive(beta, "beta"),
           "a0": _real(alpha, "alpha"), "rho": _real(rho, "rho", minimum=0.0),
           "delta": _real(delta, "delta", minimum=0.0),
           "gamma": auto["gamma"] if gamma is None else _real(gamma, "gamma", minimum=0.0),
           "tau": auto["tau"] if tau is None else check_positive(tau, "tau"),
           "e_max": check_positive(e_max, "e_max"), "noise": _real(noise, "noise", minimum=0.0)}
    cfg = _config(problem, MODE_CAC, par, num_reads=num_reads, num_steps=num_steps, check_every=check_every,
                  time_limit=time_limit, target=target, device=device, dtype=dtype, backend=backend)
    settings = {"num_reads": cfg.R, "num_steps": cfg.M, "dt": par["dt"], "pump": par["pump"], "mu": par["mu"],
                "beta": par["coupling"], "alpha": par["a0"], "rho": par["rho"], "delta": par["delta"],
                "gamma": par["gamma"], "tau": par["tau"], "e_max": par["e_max"], "noise": par["noise"],
                "device": str(device), "dtype": dtype if cfg.backend == "torch" else "float64",
                "backend": cfg.backend, "time_limit": time_limit, "target": target}
    return _start(problem, cfg, settings, seed, callback, t0)
