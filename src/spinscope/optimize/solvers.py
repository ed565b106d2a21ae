"""Monte Carlo optimisers: simulated annealing, parallel tempering, population annealing.

All three minimise ``E(s) = H(s) + offset`` of a :class:`~spinscope.optimize.problems.Problem`
with Metropolis single-spin-flip sweeps (:mod:`spinscope.optimize.kernels`: incremental local
fields, chains in parallel threads, counter-based randomness from one ``seed``).

Stopping: ``time_limit`` (seconds) and ``target`` (a cut for Max-Cut, else an energy) stop any
solver early; the best state seen so far is always returned. With a time limit the solvers keep
working until it expires or the target is reached: SA and PA start new rounds from fresh random
states, PT continues its chains.

Automatic inverse temperatures (:func:`default_beta_range`), as dwave-samplers does: the hottest
``beta`` flips the spin with the largest possible energy change ``max_i 2(|h_i| + sum_j |J_ij|)``
with probability 1/2, the coldest flips a move costing ``2 * min|J|`` with probability 1/100,
where ``min|J|`` is the 5th percentile of the non-zero ``|J_ij|, |h_i|`` (the minimum for
discrete weights; robust against tiny Gaussian couplings).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from spinscope._rng import make_keys
from spinscope._validation import (
    SeedLike,
    check_int,
    check_positive,
    make_rng,
    resolve_seed,
    spawn_seeds,
)
from spinscope.errors import InputError
from spinscope.optimize import kernels as _k
from spinscope.optimize.memory import chain_bytes, check_run_memory
from spinscope.optimize.problems import Problem
from spinscope.optimize.result import SolveResult, make_result

__all__ = [
    "LATTICE_LOOPS",
    "SPARSE_DEGREE",
    "acceptance_table",
    "default_beta_range",
    "default_pt_beta_range",
    "loop_ratio",
    "parallel_tempering",
    "population_annealing",
    "recommended_pt_settings",
    "simulated_annealing",
]

_INIT_COUNTER = np.uint64(1 << 62)  # RNG rounds used for random initial states
_CHUNK_SECONDS = 0.1
_TARGET_CHUNK_SECONDS = 2e-3  # shortest kernel call while a target may be hit
_REFRESH = 1000  # PT recomputes fields and energies exactly every _REFRESH rounds
_MAX_TABLE = 1 << 16  # integer problems with larger energy changes evaluate exp instead
_PA_CHUNK = 4096  # PA passes at most this many sweeps per step to one kernel call


def default_beta_range(problem: Problem) -> tuple[float, float]:
    """``(beta_hot, beta_cold)`` derived from the couplings (see module docstring).

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    (float, float)
        Inverse temperatures at the start and the end of an anneal.
    """
    j = abs(problem.model.sparse_couplings())
    h = np.abs(problem.model.fields)
    rows = np.asarray(j.sum(axis=1)).ravel() + h
    max_de = 2.0 * float(rows.max())
    mags = np.concatenate([j.data, h[h > 0]])
    mags = mags[mags > 0]
    if max_de <= 0 or mags.size == 0:
        return (0.1, 1.0)  # no interactions: any schedule finds the (trivial) ground state
    min_de = 2.0 * float(np.percentile(mags, 5))
    hot, cold = np.log(2.0) / max_de, np.log(100.0) / min_de
    return (float(hot), float(max(cold, hot * 1.0001)))


def default_pt_beta_range(problem: Problem) -> tuple[float, float]:
    """``(beta_hot, beta_cold)`` of the parallel-tempering ladder, derived from the couplings.

    The cold end is that of :func:`default_beta_range`. The hot end is the temperature
    ``T_mf / 1.7``, below the mean-field spin-glass temperature
    ``T_mf = sqrt(<sum_j J_ij^2 + h_i^2>)`` (1 for SK), i.e. ``beta_hot = 1.7 / T_mf``, capped
    at ``beta_cold / 2``. On Gset G14 a hot end near ``T_mf`` reached the optimum less often,
    and a ladder reaching almost infinite temperature (SA's hot end) wastes most of its
    replicas (measurements in docs/optimize.md).

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    (float, float)
        Hottest and coldest inverse temperature of the ladder.
    """
    return _pt_beta_range(problem, 1.7)


def _pt_beta_range(problem: Problem, hot_factor: float) -> tuple[float, float]:
    """SA's cold end and a hot end ``hot_factor / T_mf`` (capped at ``beta_cold / 2``)."""
    hot_sa, cold = default_beta_range(problem)
    j = problem.model.sparse_couplings()
    h = np.asarray(problem.model.fields, dtype=np.float64)
    row2 = np.asarray(j.multiply(j).sum(axis=1)).ravel() + h * h
    tc = float(np.sqrt(row2.mean())) if row2.size else 0.0
    if tc <= 0:
        return hot_sa, cold
    return (float(min(hot_factor / tc, cold / 2.0)), cold)


SPARSE_DEGREE = 6.0  # mean degree up to which a graph counts as sparse (recommended_pt_settings)
LATTICE_LOOPS = 1.25  # loop_ratio from which a sparse graph counts as lattice-like


def loop_ratio(problem: Problem, *, max_rows: int = 2000) -> float:
    """Mean number of two-step paths from a variable to each of its second neighbours.

    ``1`` on graphs without short loops (trees, sparse random graphs such as Gset G55, G60,
    G70), ``1.5`` on the square lattice (four-cycles: two paths to each diagonal neighbour),
    ``5/3`` on the cubic one. It tells the lattice-like sparse graphs, where Houdayer clusters
    stay finite and cluster moves pay off, from random ones, where the clusters percolate.
    Computed on ``max_rows`` evenly spaced variables (the whole graph when smaller).

    Parameters
    ----------
    problem : Problem
    max_rows : int
        Variables sampled.

    Returns
    -------
    float
        The ratio (1.0 without couplings).
    """
    indptr, indices, _ = problem.csr()
    n = problem.n
    a = sp.csr_array((np.ones(indices.size), indices, indptr), shape=(n, n))
    rows = np.unique(np.linspace(0, n - 1, min(n, max_rows)).astype(np.int64))
    two = (a[rows] @ a).tocoo()
    other = two.col != rows[two.row]
    pairs = int(np.count_nonzero(other))
    return float(two.data[other].sum()) / pairs if pairs else 1.0


def recommended_pt_settings(problem: Problem) -> dict:
    """Settings of :func:`parallel_tempering` that did best in our measurements, by graph structure.

    Mean degree > :data:`SPARSE_DEGREE` (G1–G6, G14, G18, G22, G35, G39, G43): 4 ladders of 16
    replicas from ``beta = 1.5 / T_mf`` (a little hotter than :func:`default_pt_beta_range`'s
    ``1.7 / T_mf``) to its cold end (more independent ladders escape G14's 3063 trap: 17/20 ten-second
    runs reach 3064 against 10/20 with 2 ladders of 24, at 20-30 % longer times to target on G1, G18,
    G22, G43, which all still reach their best-known cut). Sparse and lattice-like
    (:func:`loop_ratio` >= :data:`LATTICE_LOOPS`: the toroidal grids G11, G32, G81, 2-D and
    3-D spin glasses): Houdayer cluster moves (2 pairs of ladders of 32 replicas), whose
    clusters do not percolate there, and a cold end 1.5 times colder, because cheap excitations
    (cost ``2 J_min``) are then many. Sparse without short loops (the random graphs G55, G60,
    G70): the 2 ladders of 20 replicas with that colder end, no cluster moves (they percolate
    and cost more than they bring). Measurements in docs/optimize.md.

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    dict
        Settings to pass as ``parallel_tempering(problem, **settings)``.
    """
    hot, cold = default_pt_beta_range(problem)
    n = max(problem.n, 1)
    degree = problem.csr()[2].size / n
    if degree > SPARSE_DEGREE:
        return {"num_replicas": 16, "num_reads": 4, "beta_range": _pt_beta_range(problem, 1.5)}
    if loop_ratio(problem) >= LATTICE_LOOPS:
        return {"num_replicas": 32, "num_reads": 4, "cluster_moves": True, "beta_range": (hot, 1.5 * cold)}
    return {"num_replicas": 20, "num_reads": 2, "beta_range": (hot, 1.5 * cold)}


def acceptance_table(problem: Problem, betas: np.ndarray) -> np.ndarray:
    """Metropolis probabilities ``exp(-2 k beta_t)``, shape ``(T, K + 1)``, for integer problems.

    When every coupling and field is an integer, an energy change ``2 s_i f_i`` is an even
    integer ``2k`` with ``0 <= k <= K = max_i (|h_i| + sum_j |J_ij|)``, and the kernels look the
    probability up instead of evaluating ``exp`` (the same numbers, so the same decisions).

    Parameters
    ----------
    problem : Problem
    betas : array, shape (T,)
        Inverse temperatures.

    Returns
    -------
    ndarray, shape (T, K + 1)
        The table; empty ``(T, 0)`` for other problems or when ``K > 2**16``.
    """
    betas = np.asarray(betas, dtype=np.float64)
    K = _table_kmax(problem)
    if K < 0:
        return np.zeros((betas.size, 0))
    k = np.arange(K + 1, dtype=np.float64)
    return np.exp(-betas[:, None] * (2.0 * k[None, :]))


def _table_kmax(problem: Problem) -> int:
    """``K`` of :func:`acceptance_table`, or -1 when the problem is not tabulated."""
    data = problem.csr()[2]
    h = np.asarray(problem.model.fields, dtype=np.float64)
    if not (np.all(data == np.rint(data)) and np.all(h == np.rint(h))):
        return -1
    j = abs(problem.model.sparse_couplings())
    K = int(np.max(np.asarray(j.sum(axis=1)).ravel() + np.abs(h), initial=0.0))
    return -1 if K > _MAX_TABLE else K


def _beta_range(problem: Problem, beta_range: Any) -> tuple[float, float]:
    if beta_range is None:
        return default_beta_range(problem)
    try:
        b0, b1 = (float(b) for b in beta_range)
    except (TypeError, ValueError):
        raise InputError(f"beta_range must be a pair (beta_hot, beta_cold), got {beta_range!r}") from None
    check_positive(b0, "beta_range[0]")
    check_positive(b1, "beta_range[1]")
    return b0, b1


def _schedule(b0: float, b1: float, num: int, kind: str) -> np.ndarray:
    if kind == "geometric":
        return np.geomspace(b0, b1, num)
    if kind == "linear":
        return np.linspace(b0, b1, num)
    raise InputError(f"schedule must be 'geometric' or 'linear', got {kind!r}")


class _Betas:
    """The ``num`` betas of a schedule, handed out in slices: ``num`` is time, never memory.

    Up to ``materialize`` betas the array is made at once with ``np.geomspace`` /
    ``np.linspace``; longer schedules compute each slice on demand with the same arithmetic
    (numpy's: ``10 ** (start + k * step)`` on ``log10`` ends, the ends set exactly), which gives
    bitwise the same numbers (tested), so a huge ``num_sweeps`` allocates nothing proportional
    to it.
    """

    def __init__(self, b0: float, b1: float, num: int, kind: str, materialize: int = 1 << 22) -> None:
        if kind not in ("geometric", "linear"):
            raise InputError(f"schedule must be 'geometric' or 'linear', got {kind!r}")
        self.b0, self.b1, self.size, self.kind = float(b0), float(b1), int(num), kind
        self._all = _schedule(b0, b1, num, kind) if num <= materialize else None

    def __getitem__(self, k: int | slice) -> np.ndarray | float:
        if self._all is not None:
            return self._all[k]
        if not isinstance(k, slice):
            return float(self[k:k + 1][0])
        lo, hi, _ = k.indices(self.size)
        return self._slice(lo, max(lo, hi))

    def _slice(self, lo: int, hi: int) -> np.ndarray:
        geometric = self.kind == "geometric"
        start, stop = (np.log10(self.b0), np.log10(self.b1)) if geometric else (self.b0, self.b1)
        div = self.size - 1
        delta = np.subtract(stop, start, dtype=np.float64)
        y = np.arange(lo, hi, dtype=np.float64)
        step = delta / div
        y = y / div * delta if step == 0 else y * step
        y += start
        if geometric:
            y = np.power(10.0, y)
        if lo == 0 and hi > 0:
            y[0] = self.b0
        if hi == self.size:
            y[-1] = self.b1
        return y


def chunk_sweeps(per_sweep: float | None, left: int, remaining: float, elapsed: float, has_target: bool,
                 done: int = 0) -> int:
    """Sweeps for the next kernel call: about 0.1 s, shorter while a target may be hit.

    With a target, a run stops at the end of the call in which it is reached. Without a time
    limit the calls then follow a fixed schedule, ``max(4, done // 20)`` sweeps (5 % of the
    sweeps done so far), so that where a run stops, and its final states, depend only on the
    seed, not on the machine's speed; the time to target is then exact to 5 %. With a time limit
    (results depend on the speed anyway) calls last about 5 % of the elapsed time (at least 2 ms).
    The chains do not depend on the chunking (counter-based random numbers). The first call does
    4 sweeps (``per_sweep`` is not known yet).
    """
    if has_target and not np.isfinite(remaining):
        return int(max(1, min(left, max(4, done // 20))))
    if per_sweep is None:
        return min(left, 4)
    budget = min(_CHUNK_SECONDS, max(remaining, 1e-3))
    if has_target:
        budget = min(budget, max(0.05 * elapsed, _TARGET_CHUNK_SECONDS))
    return int(max(1, min(left, budget / max(per_sweep, 1e-9))))


class _Run:
    """Shared bookkeeping: chain arrays, clock, stopping rules, time to best."""

    def __init__(self, problem: Problem, R: int, *, seed: SeedLike, time_limit: float | None,
                 target: float | None, callback: Callable[[dict], None] | None) -> None:
        self.problem = problem
        self.t_start = time.perf_counter()
        self.time_limit = None if time_limit is None else check_positive(time_limit, "time_limit")
        self.target_value = None if target is None else float(target)
        e_target = -np.inf if target is None else problem.value_to_energy(target) - problem.offset
        self.target = float(e_target + 1e-9 * max(1.0, abs(e_target))) if target is not None else -np.inf
        self.callback = callback
        self.csr = problem.csr()
        m = problem.model
        dense = m.is_dense and self.csr[2].size > 0.25 * m.n * m.n
        self.dense = np.ascontiguousarray(m.couplings, dtype=np.float64) if dense else None
        n = problem.n
        # integer problems with few distinct energy changes: tabulated acceptance probabilities
        K = acceptance_table(problem, np.zeros(1)).shape[1] - 1
        self.kmax = K if 0 <= K < n else -1
        self.spins = np.empty((R, n), dtype=np.int8)
        self.fields = np.empty((R, n))
        self.energy = np.empty(R)
        self.best_spins = np.ones((R, n), dtype=np.int8)
        self.best_energy = np.full(R, np.inf)
        self.best_sweep = np.zeros(R, dtype=np.int64)
        self.global_best = np.inf
        self.time_to_best = 0.0
        self.seed = seed

    def anneal(self, betas: np.ndarray, keys: np.ndarray, counter0: int) -> None:
        """Metropolis sweeps at ``betas`` (R, S) with the dense or the CSR kernel."""
        if self.dense is not None:
            _k.anneal_sweeps_dense(self.dense, betas, self.spins, self.fields, self.energy,
                                   self.best_spins, self.best_energy, self.best_sweep, keys,
                                   np.uint64(counter0), self.target)
        else:
            indptr, indices, data = self.csr
            _k.anneal_sweeps(indptr, indices, data, betas, self.spins, self.fields, self.energy,
                             self.best_spins, self.best_energy, self.best_sweep, keys,
                             np.uint64(counter0), self.target, self.kmax)

    def init_states(self, keys: np.ndarray, round_: int) -> None:
        self.spins[:] = _k.random_spins(keys, _INIT_COUNTER + np.uint64(round_), self.problem.n)
        self.refresh()

    def refresh(self) -> None:
        """Recompute fields and energies exactly (removes floating-point drift)."""
        m = self.problem.model
        self.fields[:] = m.local_fields(self.spins)
        self.energy[:] = m.energy(self.spins)

    def elapsed(self) -> float:
        return time.perf_counter() - self.t_start

    def remaining(self) -> float:
        return np.inf if self.time_limit is None else self.time_limit - self.elapsed()

    def update(self, sweeps: int, round_: int) -> str | None:
        """After a kernel call: record improvements, report progress; return a stop reason."""
        b = float(self.best_energy.min())
        if b < self.global_best:
            self.global_best = b
            self.time_to_best = self.elapsed()
        if self.callback is not None:
            self.callback({"elapsed_s": self.elapsed(), "sweeps": sweeps, "round": round_,
                           "best_value": float(self.problem.energy_to_value(b + self.problem.offset))})
        if b <= self.target:
            return "target"
        if self.remaining() <= 0:
            return "time_limit"
        return None

    def chunk(self, per_sweep: float | None, left: int, done: int = 0) -> int:
        return chunk_sweeps(per_sweep, left, self.remaining(), self.elapsed(), self.target_value is not None, done)

    def result(self, solver: str, *, sweeps: int, rounds: int, stopped_by: str,
               settings: dict, t_setup: float) -> SolveResult:
        wall = self.elapsed()
        return make_result(self.problem, solver, self.best_spins, time_to_best=self.time_to_best,
                           wall_time=wall, sweeps=sweeps, rounds=rounds, stopped_by=stopped_by,
                           target=self.target_value, seed=self.seed, settings=settings,
                           timings={"setup": t_setup, "run": wall, "total": t_setup + wall},
                           final_states=self.spins)


def _anneal_rounds(run: _Run, betas: _Betas, keys: np.ndarray) -> tuple[int, int, str]:
    """SA rounds: anneal every read from a random state through ``betas``, in timed chunks.

    Returns the sweeps done per read, the rounds and the stop reason.
    """
    R, S = run.spins.shape[0], betas.size
    stopped, round_, total, per_sweep = "completed", 0, 0, None
    while True:
        run.init_states(keys, round_)
        k = 0
        while k < S:
            c = run.chunk(per_sweep, S - k, total)
            bet = np.ascontiguousarray(np.broadcast_to(betas[k:k + c], (R, c)))
            t1 = time.perf_counter()
            run.anneal(bet, keys, round_ * S + k)
            per_sweep = (time.perf_counter() - t1) / c
            k += c
            total += c
            reason = run.update(total, round_)
            if reason:
                stopped = reason
                break
        round_ += 1
        if stopped != "completed" or run.time_limit is None:
            break
    return total, round_, stopped


def simulated_annealing(problem: Problem, *, num_reads: int = 8, num_sweeps: int = 1000,
                        beta_range: tuple[float, float] | None = None, schedule: str = "geometric",
                        time_limit: float | None = None, target: float | None = None,
                        seed: SeedLike = None,
                        callback: Callable[[dict], None] | None = None) -> SolveResult:
    """Simulated annealing with Metropolis sweeps, ``num_reads`` independent anneals at once.

    Parameters
    ----------
    problem : Problem
    num_reads : int
        Independent anneals per round (run in parallel threads).
    num_sweeps : int
        Sweeps per anneal; sweep ``k`` is done at ``beta_k`` of the schedule.
    beta_range : (beta_hot, beta_cold), optional
        Inverse temperatures (units of 1/energy) at the start and end; automatic by default.
    schedule : {"geometric", "linear"}
    time_limit : float, optional
        Seconds; new rounds of ``num_reads`` anneals start until it expires.
    target : float, optional
        Stop once the best value reaches it (a cut for Max-Cut, else an energy).
    seed : int, Generator or None
        The one seed of every random choice (initial states, acceptances); None draws a fresh
        one, recorded in the result.
    callback : callable, optional
        Called with a progress dict (``elapsed_s``, ``sweeps``, ``round``, ``best_value``) after
        every kernel call (about every 0.1 s).

    Returns
    -------
    SolveResult
        One read per anneal of the last round; ``settings`` records the schedule
        (``beta_range``, ``schedule``, ``num_sweeps``).
    """
    t0 = time.perf_counter()
    seed = resolve_seed() if seed is None else seed
    R = check_int(num_reads, "num_reads", minimum=1)
    S = check_int(num_sweeps, "num_sweeps", minimum=1)
    b0, b1 = _beta_range(problem, beta_range)
    betas = _Betas(b0, b1, S, schedule)
    check_run_memory(R * chain_bytes(problem),
                     f"simulated annealing with num_reads={R} on n={problem.n} variables")
    keys = make_keys(seed, R)
    run = _Run(problem, R, seed=seed, time_limit=time_limit, target=target, callback=callback)
    t_setup = time.perf_counter() - t0
    run.t_start = time.perf_counter()
    total, round_, stopped = _anneal_rounds(run, betas, keys)
    settings = {"num_reads": R, "num_sweeps": S, "beta_range": (b0, b1), "schedule": schedule,
                "time_limit": time_limit, "target": target}
    return run.result("sa", sweeps=total, rounds=round_, stopped_by=stopped, settings=settings,
                      t_setup=t_setup)


class _Ladders:
    """Parallel-tempering state besides the chains: ladder, keys, permutations, statistics."""

    def __init__(self, problem: Problem, betas_t: np.ndarray, G: int, seed: SeedLike,
                 cluster_moves: bool, restart: int | None = None) -> None:
        T = betas_t.size
        self.restart, self.restarts = restart, 0
        self.record, self.since = np.full(G, np.inf), np.zeros(G, dtype=np.int64)
        self.betas_t, self.G, self.cluster_moves = betas_t, G, bool(cluster_moves)
        ss = spawn_seeds(seed, 3)
        self.keys, self.swap_keys = make_keys(ss[0], G * T), make_keys(ss[1], G)
        self.icm_keys = make_keys(ss[2], max(G // 2, 1))
        self.icm_from = T // 2
        self.sizes = np.zeros((max(G // 2, 1), T))
        self.accept = acceptance_table(problem, betas_t)
        self.temp_of = np.tile(np.arange(T, dtype=np.int64), G)  # replica -> temperature
        self.chain_at = np.tile(np.arange(T, dtype=np.int64), (G, 1))  # (ladder, temperature) -> replica
        self.accepted = np.zeros((G, T - 1), dtype=np.int64)

    def sweeps(self, run: _Run, counter: int, c: int) -> int:
        """Up to ``c`` rounds (sweep + exchanges [+ cluster moves]); returns the rounds done."""
        indptr, indices, data = run.csr
        chains = (run.spins, run.fields, run.energy, run.best_spins, run.best_energy, run.best_sweep)
        if self.cluster_moves:
            done = _k.pt_icm_sweeps(indptr, indices, data, self.betas_t, self.temp_of, self.chain_at,
                                    *chains, self.keys, self.swap_keys, self.icm_keys,
                                    np.uint64(counter), c, run.target, self.accepted, self.icm_from,
                                    self.sizes, self.accept)
        else:
            done = _k.pt_sweeps(indptr, indices, data, self.betas_t, self.temp_of, self.chain_at,
                                *chains, self.keys, self.swap_keys, np.uint64(counter), c,
                                run.target, self.accepted, self.accept)
        return int(done.max())

    def restart_stuck(self, run: _Run, total: int) -> None:
        """Restart from fresh random states every ladder whose best energy has not improved for
        ``restart`` rounds (called at the exact-refresh rounds, so runs stay reproducible)."""
        if self.restart is None:
            return
        T = self.betas_t.size
        best = run.best_energy.reshape(self.G, T).min(1)
        better = best < self.record
        self.record[better], self.since[better] = best[better], total
        for g in np.flatnonzero(total - self.since >= self.restart):
            rows = slice(g * T, (g + 1) * T)
            run.spins[rows] = _k.random_spins(self.keys[rows], _INIT_COUNTER + np.uint64(total), run.problem.n)
            self.since[g] = total
            self.restarts += 1

    def statistics(self, total: int) -> dict:
        """Swap acceptance per neighbouring pair and (cluster moves) mean cluster size per beta."""
        stats = {"swap_acceptance": self.accepted.sum(0) / max(self.G * (total / 2.0), 1.0),
                 "restarts": self.restarts}
        if self.cluster_moves:
            stats["cluster_size"] = self.sizes.sum(0) / max(total * (self.G // 2), 1)
        return stats


def _pt_loop(run: _Run, ladders: _Ladders, S: int) -> tuple[int, str]:
    """Run rounds until ``S`` are done (no time limit), the time limit or the target."""
    stopped, total, per_sweep = "completed", 0, None
    while True:
        left = S - total if run.time_limit is None else 1 << 40
        if left <= 0:
            break
        c = min(run.chunk(per_sweep, left, total), _REFRESH - total % _REFRESH)
        t1 = time.perf_counter()
        done = ladders.sweeps(run, total, c)
        per_sweep = (time.perf_counter() - t1) / max(done, 1)
        total += done
        if total % _REFRESH == 0:  # at fixed rounds, so results do not depend on the chunking
            if run.time_limit is not None or total < S:  # not after the last round
                ladders.restart_stuck(run, total)
            run.refresh()
        reason = run.update(total, 0)
        if reason:
            stopped = reason
            break
    return total, stopped


def _pt_bytes(problem: Problem, T: int, G: int) -> float:
    """Peak bytes of a PT run: the chains, the ladder bookkeeping, the acceptance table, and the
    cluster-move work arrays of each pair of ladders."""
    per_chain = chain_bytes(problem) + 40.0  # + keys, temperature maps, swap counters
    table = T * (_table_kmax(problem) + 1) * 8.0
    return G * T * per_chain + table + 16.0 * T + (G // 2 + 1) * (8.0 * T + 9.0 * problem.n)


def parallel_tempering(problem: Problem, *, num_replicas: int = 16, num_reads: int = 2,
                       num_sweeps: int = 1000, beta_range: tuple[float, float] | None = None,
                       cluster_moves: bool = False, restart_sweeps: int | None = None,
                       time_limit: float | None = None, target: float | None = None,
                       seed: SeedLike = None,
                       callback: Callable[[dict], None] | None = None) -> SolveResult:
    """Parallel tempering (replica exchange) over a geometric ladder of ``num_replicas`` betas.

    ``num_reads`` independent ladders run together (one thread each); each round is one
    Metropolis sweep of every replica followed by exchange attempts between neighbouring
    temperatures (even and odd pairs alternately), accepted with
    ``min(1, exp((beta_t - beta_{t+1}) (E_t - E_{t+1})))``. The best state of every replica (at
    any temperature) is kept. Swap acceptance rates are in ``settings["swap_acceptance"]``.

    ``cluster_moves=True`` pairs the ladders (a pair runs in one thread) and adds, after every
    sweep, a Houdayer cluster move between the two chains at each temperature of the colder half
    of the ladder (:func:`~spinscope.optimize.kernels.houdayer_move`): the connected cluster of
    sites where they differ is exchanged between them, at no cost in total energy. These moves
    cross the wide barriers of sparse, low-dimensional problems (2-D and toroidal spin glasses,
    sparse Max-Cut graphs) that single flips cross slowly; on denser graphs the clusters
    percolate and the moves do not help (measured on Gset G14). The mean flipped cluster size per
    temperature is in ``settings["cluster_size"]``.

    Parameters
    ----------
    problem : Problem
    num_replicas : int
        Temperatures per ladder (>= 2).
    num_reads : int
        Independent ladders (even with ``cluster_moves``).
    num_sweeps : int
        Rounds without a time limit; with one, the chains continue until it expires.
    beta_range : (beta_hot, beta_cold), optional
        Ends of the ladder; default :func:`default_pt_beta_range`.
    cluster_moves : bool
        Houdayer cluster moves between paired ladders.
    restart_sweeps : int, optional
        Restart a ladder from fresh random states when its best energy has not improved for
        this many rounds (checked every 1000 rounds; the best states found are kept).
    time_limit, target : float, optional
        Stop early (seconds; a cut for Max-Cut, else an energy).
    seed : int, Generator or None
        The one seed of every random choice; None draws a fresh one, recorded in the result.
    callback : callable, optional
        Receives a progress dict after every kernel call.

    Returns
    -------
    SolveResult
        One read per replica (``num_reads * num_replicas`` states).
    """
    t0 = time.perf_counter()
    seed = resolve_seed() if seed is None else seed
    T = check_int(num_replicas, "num_replicas", minimum=2)
    G = check_int(num_reads, "num_reads", minimum=1)
    S = check_int(num_sweeps, "num_sweeps", minimum=1)
    b0, b1 = default_pt_beta_range(problem) if beta_range is None else _beta_range(problem, beta_range)
    if cluster_moves and G % 2:
        raise InputError(f"cluster_moves pairs the ladders: num_reads must be even, got {G}")
    check_run_memory(_pt_bytes(problem, T, G), f"parallel tempering with num_reads={G} ladders of "
                     f"num_replicas={T} on n={problem.n} variables")
    R0 = None if restart_sweeps is None else check_int(restart_sweeps, "restart_sweeps", minimum=1)
    ladders = _Ladders(problem, np.geomspace(b0, b1, T), G, seed, cluster_moves, R0)
    run = _Run(problem, G * T, seed=seed, time_limit=time_limit, target=target, callback=callback)
    t_setup = time.perf_counter() - t0
    run.t_start = time.perf_counter()
    run.init_states(ladders.keys, 0)
    total, stopped = _pt_loop(run, ladders, S)
    stats = ladders.statistics(total)
    settings = {"num_replicas": T, "num_reads": G, "num_sweeps": S, "beta_range": (b0, b1),
                "betas": ladders.betas_t, "swap_acceptance": stats.pop("swap_acceptance"),
                "cluster_moves": bool(cluster_moves), "restart_sweeps": R0, "time_limit": time_limit,
                "target": target,
                **stats}
    return run.result("pt", sweeps=total, rounds=1, stopped_by=stopped, settings=settings,
                      t_setup=t_setup)


def _resample(run: _Run, dbeta: float, rng: np.random.Generator) -> None:
    """Systematic resampling of the population with weights ``exp(-dbeta E_r)``."""
    R = run.energy.size
    w = -dbeta * (run.energy - run.energy.min())
    p = np.exp(w)
    p /= p.sum()
    pos = (rng.random() + np.arange(R)) / R
    idx = np.minimum(np.searchsorted(np.cumsum(p), pos), R - 1)
    run.spins[:] = run.spins[idx]
    run.fields[:] = run.fields[idx]
    run.energy[:] = run.energy[idx]


def _pa_sweeps(run: _Run, beta: float, keys: np.ndarray, counter0: int, M: int) -> int:
    """``M`` sweeps of the population at ``beta``, in kernel calls of at most ``_PA_CHUNK``
    sweeps (the time limit is checked between them); returns the sweeps done."""
    R, done = run.energy.size, 0
    while done < M:
        c = min(_PA_CHUNK, M - done)
        run.anneal(np.full((R, c), beta), keys, counter0 + done)
        done += c
        if run.remaining() <= 0:
            break
    return done


def _population_rounds(run: _Run, betas: _Betas, M: int, keys: np.ndarray,
                       rng: np.random.Generator) -> tuple[int, int, str]:
    """PA rounds: cool a fresh population through ``betas``; returns sweeps, rounds, stop reason."""
    K = betas.size
    stopped, round_, total = "completed", 0, 0
    while True:
        run.init_states(keys, round_)
        prev = 0.0
        for k in range(K):
            _resample(run, betas[k] - prev, rng)
            prev = betas[k]
            total += _pa_sweeps(run, betas[k], keys, (round_ * K + k) * M, M)
            reason = run.update(total, round_)
            if reason:
                stopped = reason
                break
        round_ += 1
        if stopped != "completed" or run.time_limit is None:
            break
    return total, round_, stopped


def population_annealing(problem: Problem, *, num_reads: int = 256, num_steps: int = 100,
                         sweeps_per_step: int = 10, beta_range: tuple[float, float] | None = None,
                         time_limit: float | None = None, target: float | None = None,
                         seed: SeedLike = None,
                         callback: Callable[[dict], None] | None = None) -> SolveResult:
    """Population annealing (Hukushima & Iba 2003; Machta 2010) with a geometric beta schedule.

    A population of ``num_reads`` replicas is cooled through ``num_steps`` betas. At each step
    ``beta -> beta'`` replica ``r`` gets weight ``exp(-(beta' - beta) E_r)`` and the population
    is resampled (systematic resampling keeps its size fixed), then every replica does
    ``sweeps_per_step`` Metropolis sweeps at ``beta'``. With a ``time_limit``, new populations
    are annealed until it expires.

    Parameters
    ----------
    problem : Problem
    num_reads : int
        Population size (>= 2).
    num_steps : int
        Temperature steps of the geometric schedule.
    sweeps_per_step : int
        Metropolis sweeps after each resampling.
    beta_range : (beta_hot, beta_cold), optional
        Ends of the schedule; automatic (:func:`default_beta_range`) by default.
    time_limit, target : float, optional
        Stop early (seconds; a cut for Max-Cut, else an energy).
    seed : int, Generator or None
        The one seed of every random choice; None draws a fresh one, recorded in the result.
    callback : callable, optional
        Receives a progress dict after every step.

    Returns
    -------
    SolveResult
        One read per member of the last population.
    """
    t0 = time.perf_counter()
    seed = resolve_seed() if seed is None else seed
    R = check_int(num_reads, "num_reads", minimum=2)
    K = check_int(num_steps, "num_steps", minimum=1)
    M = check_int(sweeps_per_step, "sweeps_per_step", minimum=1)
    b0, b1 = _beta_range(problem, beta_range)
    betas = _Betas(b0, b1, K, "geometric")
    check_run_memory(R * (chain_bytes(problem) + 10.0 * problem.n + 8.0 * min(M, _PA_CHUNK)),
                     f"population annealing with num_reads={R} on n={problem.n} variables")
    ss = spawn_seeds(seed, 2)
    keys, rng = make_keys(ss[0], R), make_rng(ss[1])
    run = _Run(problem, R, seed=seed, time_limit=time_limit, target=target, callback=callback)
    t_setup = time.perf_counter() - t0
    run.t_start = time.perf_counter()
    total, round_, stopped = _population_rounds(run, betas, M, keys, rng)
    settings = {"num_reads": R, "num_steps": K, "sweeps_per_step": M, "beta_range": (b0, b1),
                "time_limit": time_limit, "target": target}
    return run.result("pa", sweeps=total, rounds=round_, stopped_by=stopped, settings=settings,
                      t_setup=t_setup)
