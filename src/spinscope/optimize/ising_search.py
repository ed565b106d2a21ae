"""Local search for Ising / QUBO / Max-Cut problems on the original or the encoded landscape.

Repeated **first-improvement descents** as in :mod:`.encoded_search` (a uniformly random start,
the spins scanned in a fresh random order, every improving flip taken, a restart when a whole
scan improves nothing) or **steepest descents** (every flip evaluated, the lowest improving one
taken, a restart at a local minimum); the best configuration seen is kept. One **evaluation** is the energy
change of one proposed flip. The budget is a number of evaluations, a wall-time limit, or both.

The search moves the coarse spins ``x`` of an :class:`~spinscope.optimize.encodings.IsingEncoding`
and scores them by the encoded energy ``E~(x) = H_cc(x) + min_y [E_cf(x, y) + E_ff(y)]``,
updated incrementally (numba):

* coarse fields ``g_c = h_c + sum_{c'} J_cc' x_c'`` (sparse rows), so the coarse part of a flip
  costs ``O(1)`` to evaluate and ``O(deg)`` to accept;
* **independent** fine set (no couplings among the fine spins): the fine fields ``u_f = h_f +
  sum_c J_fc x_c`` are kept and the fine part is ``-sum_f |u_f|``; a flip of ``c`` changes only the
  ``u_f`` of its fine neighbours (``O(deg)`` per evaluation);
* **block** fine set (``k <= 16`` coupled spins, for dense problems such as SK): the fine part is
  ``min_y (A_y + B_y)`` over the ``2^k`` fine states, ``A_y = -1/2 y J_ff y - h_f y`` fixed and
  ``B_y = -sum_c x_c P_cy`` with ``P_cy = sum_f J_fc y_f`` kept up to date (``O(2^k)`` per
  evaluation and per accepted flip).

With no fine spins the same kernel searches the original landscape. The result is decoded
(:meth:`IsingEncoding.decode`) and its energy recomputed from the problem.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numba import njit

from spinscope._rng import draw, make_keys, stream_start, uniform53
from spinscope._validation import SeedLike, check_int, check_positive
from spinscope.errors import InputError
from spinscope.optimize.encodings import (
    MAX_COUPLED_FINE,
    IsingEncoding,
    _greedy_independent_set,
    ising_encoding,
)
from spinscope.optimize.partition import codes_to_spins
from spinscope.optimize.problems import Problem

__all__ = ["ENCODING_MODES", "SEARCH_METHODS", "IsingSearchResult", "ising_local_search", "search_encoding"]

#: ``encoding=`` values of :func:`ising_local_search`.
ENCODING_MODES = ("none", "independent", "block", "auto")
#: ``method=`` values of :func:`ising_local_search`.
SEARCH_METHODS = ("first", "steepest")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class IsingSearchResult:
    """Outcome of :func:`ising_local_search`.

    Attributes
    ----------
    energy : float
        ``E = H + offset`` of the best configuration, recomputed from ``s``.
    value : float
        The cut (Max-Cut) or the energy.
    s : ndarray of int8, shape (n,)
        The best configuration (decoded).
    evaluations, descents : int
        Flip evaluations spent and descents completed.
    seconds : float
        Wall time of the search (the kernels; building the encoding excluded).
    encoding : str
        ``"none"``, ``"independent"`` or ``"block"``.
    n_fine : int
        Decimated spins.
    reached_target : bool or None
        Whether ``energy <= target`` (None without a target).
    search_energy : float
        The best energy as tracked incrementally by the kernel (equals ``energy`` up to rounding;
        kept as a check of the incremental updates).
    """

    energy: float
    value: float
    s: np.ndarray
    evaluations: int
    descents: int
    seconds: float
    encoding: str
    n_fine: int
    reached_target: bool | None
    search_energy: float = float("nan")
    method: str = "first"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the spins as a list)."""
        return {"energy": self.energy, "value": self.value, "evaluations": self.evaluations,
                "descents": self.descents, "seconds": self.seconds, "encoding": self.encoding,
                "n_fine": self.n_fine, "reached_target": self.reached_target, "search_energy": self.search_energy,
                "method": self.method, "s": self.s.tolist()}


# ---------------------------------------------------------------------------- kernels
@njit(cache=True)
def _fine_delta(c, xc, mode, cf_ptr, cf_idx, cf_w, u, a_tab, b_tab, p_tab, fmin):
    """Change of the fine part when coarse spin ``c`` (now ``xc``) flips."""
    d = 0.0
    if mode == 1:
        for t in range(cf_ptr[c], cf_ptr[c + 1]):
            f = cf_idx[t]
            d += abs(u[f]) - abs(u[f] - 2.0 * cf_w[t] * xc)
    elif mode == 2:
        best = np.inf
        for y in range(a_tab.shape[0]):
            best = min(best, a_tab[y] + b_tab[y] + 2.0 * xc * p_tab[c, y])
        d = best - fmin
    return d


@njit(cache=True)
def _accept(c, x, g, cc_ptr, cc_idx, cc_w, mode, cf_ptr, cf_idx, cf_w, u, b_tab, p_tab):
    xc = x[c]
    for t in range(cc_ptr[c], cc_ptr[c + 1]):
        g[cc_idx[t]] -= 2.0 * cc_w[t] * xc
    if mode == 1:
        for t in range(cf_ptr[c], cf_ptr[c + 1]):
            u[cf_idx[t]] -= 2.0 * cf_w[t] * xc
    elif mode == 2:
        for y in range(b_tab.shape[0]):
            b_tab[y] += 2.0 * xc * p_tab[c, y]
    x[c] = -xc


@njit(cache=True)
def _start(x, g, h_c, cc_ptr, cc_idx, cc_w, mode, cf_ptr, cf_idx, cf_w, u, h_f, a_tab, b_tab, p_tab, stream):
    """Random coarse spins, their fields and encoded energy; returns (energy, fine minimum)."""
    m = x.shape[0]
    for i in range(m):
        x[i] = 1 if draw(stream, i) >> np.uint64(63) else -1
    g[:] = h_c
    u[:] = h_f
    b_tab[:] = 0.0
    for c in range(m):
        for t in range(cc_ptr[c], cc_ptr[c + 1]):
            g[cc_idx[t]] += cc_w[t] * x[c]
        for t in range(cf_ptr[c], cf_ptr[c + 1]):
            u[cf_idx[t]] += cf_w[t] * x[c]
        if mode == 2:
            for y in range(b_tab.shape[0]):
                b_tab[y] -= x[c] * p_tab[c, y]
    e = 0.0
    for c in range(m):
        e -= 0.5 * x[c] * (g[c] + h_c[c])
    fmin = 0.0
    if mode == 1:
        fmin = -np.abs(u).sum()
    elif mode == 2:
        fmin = (a_tab + b_tab).min()
    return e + fmin, fmin


@njit(cache=True)
def _steepest_step(x, g, u, cc, mode, cf, tabs, e, fmin, evals, hard, tol):
    """Evaluate every coarse flip, take the lowest if it improves; returns (e, fmin, evals, moved)."""
    cc_ptr, cc_idx, cc_w = cc
    cf_ptr, cf_idx, cf_w = cf
    a_tab, b_tab, p_tab = tabs
    bc, bd, bf = -1, -tol, 0.0
    for c in range(x.shape[0]):
        if evals >= hard:
            break
        df = _fine_delta(c, x[c], mode, cf_ptr, cf_idx, cf_w, u, a_tab, b_tab, p_tab, fmin)
        d = 2.0 * x[c] * g[c] + df
        evals += 1
        if d < bd:
            bc, bd, bf = c, d, df
    if bc < 0:
        return e, fmin, evals, False
    _accept(bc, x, g, cc_ptr, cc_idx, cc_w, mode, cf_ptr, cf_idx, cf_w, u, b_tab, p_tab)
    return e + bd, fmin + bf, evals, True


@njit(cache=True)
def _search_kernel(h_c, cc, mode, cf, h_f, tabs, key, state, soft, hard, target, tol, best_x, steepest):
    """Descents until ``hard`` evaluations, starting no descent after ``soft``; updates ``state`` =
    [best, evaluations, descents, counter] and ``best_x`` in place."""
    cc_ptr, cc_idx, cc_w = cc
    cf_ptr, cf_idx, cf_w = cf
    a_tab, b_tab, p_tab = tabs
    m = h_c.shape[0]
    x = np.empty(m, dtype=np.int8)
    g, u = np.empty(m), np.empty(h_f.shape[0])
    perm = np.arange(m)
    best, evals, descents, counter = state[0], int(state[1]), int(state[2]), int(state[3])
    while evals < soft and evals < hard and best > target:
        stream = stream_start(key, np.uint64(counter))
        counter += 1
        e, fmin = _start(x, g, h_c, cc_ptr, cc_idx, cc_w, mode, cf_ptr, cf_idx, cf_w, u, h_f, a_tab, b_tab, p_tab, stream)
        evals += 1
        if e < best:
            best = e
            best_x[:] = x
        index, improved = m, True
        while improved and evals < hard and best > target:
            if steepest:
                e, fmin, evals, improved = _steepest_step(x, g, u, cc, mode, cf, tabs, e, fmin, evals, hard, tol)
                if e < best:
                    best = e
                    best_x[:] = x
                continue
            improved = False
            for t in range(m - 1, 0, -1):
                j = int(uniform53(draw(stream, index + t)) * (t + 1))
                perm[t], perm[j] = perm[j], perm[t]
            index += m
            for t in range(m):
                if evals >= hard:
                    break
                c = perm[t]
                dfine = _fine_delta(c, x[c], mode, cf_ptr, cf_idx, cf_w, u, a_tab, b_tab, p_tab, fmin)
                d = 2.0 * x[c] * g[c] + dfine
                evals += 1
                if d < -tol:
                    _accept(c, x, g, cc_ptr, cc_idx, cc_w, mode, cf_ptr, cf_idx, cf_w, u, b_tab, p_tab)
                    e += d
                    fmin += dfine
                    improved = True
                    if e < best:
                        best = e
                        best_x[:] = x
        if not improved:
            descents += 1
    state[0], state[1], state[2], state[3] = best, evals, descents, counter


# ---------------------------------------------------------------------------- setup
def _csr(mat) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mat = sp.csr_array(mat)
    return (mat.indptr.astype(np.int64), mat.indices.astype(np.int64), mat.data.astype(np.float64))


def _block_fine(problem: Problem, n_fine: int) -> np.ndarray:
    """The ``n_fine`` spins with the smallest coupling strength ``sum_k |J_ik|`` (ties: lowest index)."""
    strength = np.asarray(abs(sp.csr_array(problem.model.sparse_couplings())).sum(axis=1)).ravel()
    return np.sort(np.argsort(strength, kind="stable")[:n_fine])


def search_encoding(problem: Problem, encoding: str = "auto", n_fine: int | None = None) -> IsingEncoding | None:
    """The encoding :func:`ising_local_search` uses (None for ``"none"``).

    ``"independent"``: a greedy maximal independent set of the coupling graph; ``"block"``: the
    ``n_fine`` (default 8) spins of smallest coupling strength, decoded by enumeration; ``"auto"``:
    independent when that set has at least ``n / 8`` spins (sparse graphs), else block.
    """
    if encoding not in ENCODING_MODES:
        raise InputError(f"encoding must be one of {ENCODING_MODES}, got {encoding!r}")
    if encoding == "none":
        return None
    if encoding == "auto":
        mis = _greedy_independent_set(problem.model.sparse_couplings())
        encoding = "independent" if mis.size >= max(2, problem.n // 8) else "block"
    if encoding == "independent":
        return ising_encoding(problem)
    k = 8 if n_fine is None else check_int(n_fine, "n_fine", minimum=1)
    if k > min(MAX_COUPLED_FINE, problem.n - 1):
        raise InputError(f"n_fine must be at most min({MAX_COUPLED_FINE}, n - 1) = "
                         f"{min(MAX_COUPLED_FINE, problem.n - 1)} for a block encoding, got {k}")
    return ising_encoding(problem, fine=_block_fine(problem, k).tolist())


def _kernel_inputs(problem: Problem, enc: IsingEncoding | None):
    j = sp.csr_array(problem.model.sparse_couplings())
    h = np.asarray(problem.model.fields, dtype=np.float64)
    n = problem.n
    coarse = np.arange(n) if enc is None else enc.coarse
    fine = np.zeros(0, dtype=np.int64) if enc is None else enc.fine
    mode = 0 if fine.size == 0 else (1 if enc.independent else 2)
    jc = j[coarse]
    cc, cf = _csr(jc[:, coarse]), _csr(jc[:, fine] if mode == 1 else sp.csr_array((coarse.size, 0)))
    if mode == 2:
        y = codes_to_spins(np.arange(2**fine.size), fine.size).astype(np.float64)
        jff = j[fine][:, fine].toarray()
        a_tab = -0.5 * np.einsum("yi,ij,yj->y", y, jff, y) - y @ h[fine]
        p_tab = np.ascontiguousarray(jc[:, fine].toarray() @ y.T)
    else:
        a_tab, p_tab = np.zeros(1), np.zeros((coarse.size, 1))
    h_f = h[fine] if mode == 1 else np.zeros(0)
    return np.ascontiguousarray(h[coarse]), cc, mode, cf, h_f, (a_tab, np.zeros_like(a_tab), p_tab)


def ising_local_search(problem: Problem, *, budget: int | None = None, time_limit: float | None = None,
                       encoding: str = "auto", n_fine: int | None = None, method: str = "first",
                       target: float | None = None, seed: SeedLike = None) -> IsingSearchResult:
    """Repeated first-improvement or steepest descents on the original or encoded landscape of a problem.

    Parameters
    ----------
    problem : Problem
        Ising, QUBO or Max-Cut (the objective ``E = H + offset`` is minimised).
    budget : int or None
        Flip evaluations allowed (>= 1).
    time_limit : float or None
        Seconds allowed (> 0); checked between descents (after at least 65536 evaluations), so a
        run may exceed it by one descent. At least one of ``budget`` and ``time_limit`` is needed.
    encoding : {"auto", "none", "independent", "block"}
        The landscape searched (:func:`search_encoding`); ``"none"`` is the original.
    n_fine : int or None
        Block size of ``encoding="block"`` (default 8, at most 16).
    method : {"first", "steepest"}
        ``"first"``: scan the spins in a random order and take every improving flip;
        ``"steepest"``: evaluate all coarse flips and take the lowest improving one (lowest index
        on ties); both restart from random spins at a local minimum.
    target : float or None
        Stop as soon as an energy ``<= target`` (objective units, ``H + offset``) is found.
    seed : int, Generator or None

    Returns
    -------
    IsingSearchResult
    """
    if not isinstance(problem, Problem):
        raise InputError(f"ising_local_search needs a Problem, got {type(problem).__name__}")
    if budget is None and time_limit is None:
        raise InputError("give a budget (evaluations) or a time_limit (seconds), or both")
    hard = np.iinfo(np.int64).max if budget is None else check_int(budget, "budget", minimum=1)
    limit = None if time_limit is None else check_positive(time_limit, "time_limit")
    if method not in SEARCH_METHODS:
        raise InputError(f"method must be one of {SEARCH_METHODS}, got {method!r}")
    enc = search_encoding(problem, encoding, n_fine)
    h_c, cc, mode, cf, h_f, tabs = _kernel_inputs(problem, enc)
    key = make_keys(seed, 1)[0]
    state = np.array([np.inf, 0.0, 0.0, 0.0])
    best_x = np.ones(h_c.shape[0], dtype=np.int8)
    scale = float(np.max(np.abs(cc[2]), initial=0.0)) + float(np.max(np.abs(h_c), initial=0.0))
    tol, tgt = 1e-9 * max(scale, 1e-300), -np.inf if target is None else float(target) - problem.offset
    t0 = time.perf_counter()
    while True:
        soft = hard if limit is None else min(hard, int(state[1]) + _CHUNK)
        _search_kernel(h_c, cc, mode, cf, h_f, tabs, key, state, soft, hard, tgt + tol, tol, best_x,
                       method == "steepest")
        seconds = time.perf_counter() - t0
        if state[1] >= hard or state[0] <= tgt + tol or limit is None or seconds >= limit:
            break
    s = best_x if enc is None else enc.decode(best_x)
    energy = float(problem.energy(s))
    return IsingSearchResult(energy=energy, value=float(problem.energy_to_value(energy)), s=np.asarray(s, dtype=np.int8),
                             evaluations=int(state[1]), descents=int(state[2]), seconds=seconds,
                             encoding="none" if enc is None else ("independent" if enc.independent else "block"),
                             n_fine=0 if enc is None else int(enc.fine.size),
                             reached_target=None if target is None else bool(energy <= float(target) + tol),
                             search_energy=float(state[0]) + problem.offset, method=method)

