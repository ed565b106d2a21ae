"""Breakout local search (BLS): steepest descent, then adaptive tabu or random jumps.

After Benlic & Hao, *Breakout local search for the max-cut problem*, Eng. Appl. Artif. Intell.
26, 1162 (2013), the method behind many of the best-known Gset cuts, written for spinscope's
objective ``E(s) = H(s) + offset`` (any Ising, QUBO or Max-Cut problem; single-spin flips,
``dE_i = 2 s_i f_i``). Each read (chain) repeats *cycles*:

1. **descent**: flip the spin with the lowest ``dE`` while ``dE < 0`` (a local optimum);
2. **jump size** ``L``: ``jump_min`` after reaching a new local optimum, one more (up to
   ``jump_max``) each time the descent ends in one of the last 8 local optima (same 64-bit
   Zobrist hash; the paper compares with the previous one only, and a chain alternating between
   two optima then never jumps further), ``jump_max`` after ``stagnation`` cycles without a better state;
3. **perturbation**: ``L`` moves, *directed* with probability ``max(exp(-w / stagnation),
   p_directed)`` (``w``: cycles since the best improved), else *random*. A directed move flips
   the best non-tabu spin even when that raises the energy (a tabu walk); a tabu spin is
   allowed when its flip beats the chain's best energy (aspiration). A random move flips a
   uniformly random spin. Every flipped spin is tabu for a tenure drawn uniformly from
   ``tenure``.

The best state of each chain is kept. For integer problems the best move is taken from gain
buckets (:func:`gain_bound`, :mod:`spinscope.optimize.tabu_kernels`), O(degree) per move;
otherwise the ``n`` gains are scanned. Defaults (``n`` spins): ``jump_min = max(1, n // 100)``,
``jump_max = max(n // 10, min(n // 2, 10))``, ``stagnation = 1000``, ``p_directed = 0.8``, ``tenure = (3,
max(4, n // 10))``: our reading of the paper's settings (``L0 = 0.01 n``, ``Lmax = 0.1 n``,
``T = 1000``, ``P0 = 0.8``, tenure in ``[3, n/10]``; ``jump_max`` is at least ``min(n // 2, 10)``
so that small problems can jump far enough). Measurements in ``docs/optimize.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from spinscope._rng import make_keys
from spinscope._validation import SeedLike, check_int, check_positive, resolve_seed, spawn_seeds
from spinscope.errors import InputError
from spinscope.optimize import tabu_kernels as _tk
from spinscope.optimize.kernels import random_spins
from spinscope.optimize.memory import check_run_memory, local_search_bytes
from spinscope.optimize.problems import Problem
from spinscope.optimize.result import SolveResult, make_result

__all__ = ["bls_defaults", "breakout_local_search", "gain_bound"]

_CHUNK_SECONDS = 0.1
_REFRESH = 1000  # fields and energies are recomputed exactly every _REFRESH cycles


def bls_defaults(n: int) -> dict:
    """The default jump sizes, stagnation length, directed-jump probability and tabu tenure.

    Parameters
    ----------
    n : int
        Number of spins.

    Returns
    -------
    dict
        ``jump_min``, ``jump_max``, ``stagnation``, ``p_directed``, ``tenure`` (module docstring).
    """
    return {"jump_min": max(1, n // 100), "jump_max": max(n // 10, min(n // 2, 10), 1), "stagnation": 1000,
            "p_directed": 0.8, "tenure": (3, max(4, n // 10))}


def _check_settings(n: int, user: dict) -> dict:
    """The defaults overridden by the caller's non-None settings, validated."""
    s = {**bls_defaults(n), **{k: v for k, v in user.items() if v is not None}}
    s["jump_min"] = check_int(s["jump_min"], "jump_min", minimum=1)
    s["jump_max"] = check_int(s["jump_max"], "jump_max", minimum=s["jump_min"])
    s["stagnation"] = check_int(s["stagnation"], "stagnation", minimum=1)
    p = check_positive(s["p_directed"], "p_directed")
    if p > 1:
        raise InputError(f"p_directed is a probability, 0 < p_directed <= 1, got {p}")
    s["p_directed"] = p
    try:
        pair = tuple(s["tenure"])
    except TypeError:
        pair = ()
    if len(pair) != 2:
        raise InputError(f"tenure must be a pair (min, max) of moves, got {s['tenure']!r}")
    lo, hi = (check_int(t, "tenure") for t in pair)
    if not 0 <= lo <= hi:
        raise InputError(f"tenure must be a pair 0 <= min <= max of moves, got {s['tenure']!r}")
    s["tenure"] = (lo, hi)
    return s


def _initial_spins(problem: Problem, R: int, keys: np.ndarray, initial_states: Any) -> np.ndarray:
    """Random ±1 states, or the caller's ``(R, n)`` / ``(n,)`` ±1 states."""
    if initial_states is None:
        return random_spins(keys, np.uint64(1 << 62), problem.n)
    s = np.asarray(initial_states)
    if s.ndim == 1:
        s = np.broadcast_to(s, (R, s.size))
    if s.shape != (R, problem.n) or not np.all(np.abs(s) == 1):
        raise InputError(f"initial_states must be ±1 spins of shape ({R}, {problem.n}) or ({problem.n},), "
                         f"got shape {np.shape(initial_states)}; give one state per read")
    return np.array(s, dtype=np.int8)


def gain_bound(problem: Problem) -> int:
    """``K`` with ``|s_i f_i| <= K`` for integer problems whose gain buckets are worth it, else -1.

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    int
        ``max_i (|h_i| + sum_j |J_ij|)`` when every coupling and field is an integer and that is
        at most ``max(64, 4 n)`` (so the ``2K + 1`` buckets cost no more than the spins);
        otherwise -1 (the best move is found by a scan).
    """
    data = problem.csr()[2]
    h = np.asarray(problem.model.fields, dtype=np.float64)
    if not (np.all(data == np.rint(data)) and np.all(h == np.rint(h))):
        return -1
    rows = np.asarray(abs(problem.model.sparse_couplings()).sum(axis=1)).ravel() + np.abs(h)
    K = int(np.max(rows, initial=0.0))
    return K if K <= max(64, 4 * problem.n) else -1


class _Chains:
    """The chain arrays of :mod:`spinscope.optimize.tabu_kernels`, and the exact refresh."""

    def __init__(self, problem: Problem, spins: np.ndarray, keys: np.ndarray, zob: np.ndarray) -> None:
        R, n = spins.shape
        self.problem, self.keys, self.zob = problem, keys, zob
        self.kb = gain_bound(problem)
        self.buckets = np.zeros((R, 2 * self.kb + 3 * n + 2) if self.kb >= 0 else (R, 1), dtype=np.int64)
        self.csr = problem.csr()
        self.spins = spins
        self.fields = np.empty((R, n))
        self.energy = np.empty(R)
        self.refresh()
        self.best_spins = spins.copy()
        self.best_energy = self.energy.copy()
        self.tabu_until = np.zeros((R, n), dtype=np.int64)
        self.counters = np.zeros((R, 4), dtype=np.int64)
        h = np.bitwise_xor.reduce(np.where(spins < 0, zob[None, :], np.uint64(0)), axis=1)
        self.hashes = np.zeros((R, 1 + _tk.RECENT), dtype=np.uint64)
        self.hashes[:, 0] = h
        self.hashes[:, 1:] = h[:, None] ^ np.uint64(1)  # no local optimum seen yet

    def refresh(self) -> None:
        """Recompute fields and energies exactly (removes floating-point drift)."""
        m = self.problem.model
        self.fields[:] = m.local_fields(self.spins)
        self.energy[:] = m.energy(self.spins)

    def cycles(self, c: int, ints: np.ndarray, p_directed: float, tol: float, target: float) -> int:
        indptr, indices, data = self.csr
        done = _tk.bls_cycles(indptr, indices, data, self.spins, self.fields, self.energy, self.best_spins,
                              self.best_energy, self.tabu_until, self.counters, self.hashes,
                              self.zob, self.keys, c, ints, p_directed, tol, target, self.kb, self.buckets,
                              _REFRESH)
        return int(done.max())


def _loop(ch: _Chains, S: int, ints: np.ndarray, p_directed: float, tol: float, target: float,
          time_limit: float | None, callback: Callable[[dict], None] | None,
          t_start: float) -> tuple[int, str, float]:
    """Cycles until ``S`` are done (no time limit), the time limit or the target; returns the
    cycles done, the stop reason and the time to the best energy."""
    total, per_cycle, best, t_best = 0, None, np.inf, 0.0
    while True:
        left = S - total if time_limit is None else 1 << 40
        if left <= 0:
            return total, "completed", t_best
        elapsed = time.perf_counter() - t_start
        budget = _CHUNK_SECONDS if time_limit is None else min(_CHUNK_SECONDS, max(time_limit - elapsed, 1e-3))
        c = min(left, 4 if per_cycle is None else int(max(1, budget / max(per_cycle, 1e-9))))
        c = min(c, _REFRESH - total % _REFRESH)
        t1 = time.perf_counter()
        done = ch.cycles(c, ints, p_directed, tol, target)
        per_cycle = (time.perf_counter() - t1) / max(done, 1)
        total += done
        if total % _REFRESH == 0:
            ch.refresh()  # at fixed cycle counts, so results do not depend on the chunking
        elapsed = time.perf_counter() - t_start
        b = float(ch.best_energy.min())
        if b < best:
            best, t_best = b, elapsed
        if callback is not None:
            callback({"elapsed_s": elapsed, "sweeps": total, "round": 0,
                      "best_value": float(ch.problem.energy_to_value(b + ch.problem.offset))})
        if b <= target:
            return total, "target", t_best
        if time_limit is not None and elapsed >= time_limit:
            return total, "time_limit", t_best


def _tolerance(problem: Problem) -> float:
    """Energy differences up to this count as equal: 1e-9 of the largest coupling or field."""
    data = problem.csr()[2]
    scale = max(float(np.max(np.abs(data), initial=0.0)),
                float(np.max(np.abs(problem.model.fields), initial=0.0)))
    return 1e-9 * scale if scale > 0 else 1e-12


def _target_energy(problem: Problem, target: float | None) -> float:
    """The kernels' stopping energy (without offset, with a relative 1e-9 slack); -inf for none."""
    if target is None:
        return -np.inf
    e = problem.value_to_energy(float(target)) - problem.offset
    return float(e + 1e-9 * max(1.0, abs(e)))


def breakout_local_search(problem: Problem, *, num_reads: int = 4, num_cycles: int = 10000,
                          jump_min: int | None = None, jump_max: int | None = None,
                          stagnation: int | None = None, p_directed: float | None = None,
                          tenure: tuple[int, int] | None = None, initial_states: Any = None,
                          time_limit: float | None = None, target: float | None = None,
                          seed: SeedLike = None,
                          callback: Callable[[dict], None] | None = None) -> SolveResult:
    """Breakout local search (module docstring): ``num_reads`` independent chains in parallel.

    Parameters
    ----------
    problem : Problem
    num_reads : int
        Independent chains (one thread each, as many at once as numba has threads).
    num_cycles : int
        Cycles (descent + perturbation) per chain without a time limit; with one, the chains
        continue until it expires.
    jump_min, jump_max : int, optional
        Smallest and largest perturbation (moves); defaults ``max(1, n // 100)``,
        ``max(n // 10, min(n // 2, 10))``.
    stagnation : int, optional
        Cycles without a better state before the largest jump (default 1000); also the scale of
        the decay of the directed-jump probability.
    p_directed : float, optional
        Least probability (0 < p <= 1) of a directed (tabu) perturbation (default 0.8).
    tenure : (int, int), optional
        Range of the tabu tenure in moves (default ``(3, max(4, n // 10))``).
    initial_states : array, shape (num_reads, n) or (n,), optional
        ±1 starting states (e.g. the best states of another solver); random by default.
    time_limit, target : float, optional
        Stop early (seconds; a cut for Max-Cut, else an energy).
    seed : int, Generator or None
        The one seed of every random choice; None draws a fresh one, recorded in the result.
    callback : callable, optional
        Receives a progress dict (``elapsed_s``, ``sweeps`` = cycles, ``round``,
        ``best_value``) after every kernel call (about every 0.1 s).

    Returns
    -------
    SolveResult
        The best state of each chain; ``sweeps`` counts cycles per chain and
        ``settings["moves"]`` the flips per chain.

    Notes
    -----
    Without ``time_limit`` and ``target`` a seed gives the same result on any thread count. A
    chain that reaches the target stops at once; the others stop at the end of the same kernel
    call (at most ~0.1 s later).
    """
    t0 = time.perf_counter()
    seed = resolve_seed() if seed is None else seed
    R = check_int(num_reads, "num_reads", minimum=1)
    S = check_int(num_cycles, "num_cycles", minimum=1)
    if time_limit is not None:
        check_positive(time_limit, "time_limit")
    s = _check_settings(problem.n, {"jump_min": jump_min, "jump_max": jump_max, "stagnation": stagnation,
                                    "p_directed": p_directed, "tenure": tenure})
    check_run_memory(local_search_bytes(problem, R, max(gain_bound(problem), 0)), f"breakout local search with num_reads={R} on "
                     f"n={problem.n} variables")
    ss = spawn_seeds(seed, 2)
    keys = make_keys(ss[0], R)
    ch = _Chains(problem, _initial_spins(problem, R, keys, initial_states), keys, _tk.zobrist_keys(ss[1], problem.n))
    ints = np.array([s["jump_min"], s["jump_max"], s["stagnation"], *s["tenure"]], dtype=np.int64)
    t_setup = time.perf_counter() - t0
    t_start = time.perf_counter()
    total, stopped, t_best = _loop(ch, S, ints, s["p_directed"], _tolerance(problem),
                                   _target_energy(problem, target), time_limit, callback, t_start)
    wall = time.perf_counter() - t_start
    settings = {"num_reads": R, "num_cycles": S, **s, "gain_buckets": ch.kb >= 0, "moves": ch.counters[:, 0].copy(),
                "time_limit": time_limit, "target": target}
    return make_result(problem, "bls", ch.best_spins, time_to_best=t_best, wall_time=wall, sweeps=total,
                       rounds=1, stopped_by=stopped, target=target, seed=seed, settings=settings,
                       timings={"setup": t_setup, "run": wall, "total": t_setup + wall},
                       final_states=ch.spins)
