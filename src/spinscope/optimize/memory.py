"""Memory estimates of problems and solver runs, checked before anything is allocated.

A problem file can announce two billion variables in two lines, and ``--reads`` or
``--replicas`` multiply the chain state; :func:`spinscope._validation.check_memory` then
refuses the request with one clear :class:`~spinscope.errors.MemoryLimitError` (how much is
needed, how much is available) instead of a ``MemoryError`` or the kernel's out-of-memory killer.
The estimates are deliberately generous upper bounds of the *peak* use: the arrays kept during
the run plus the largest temporaries (recomputing fields and energies exactly, building the
result), in bytes:

* a problem of ``n`` variables and ``p`` couplings (unordered pairs): ``64 n + 200 p``
  (the sparse matrix, its CSR copy for the kernels, fields, Max-Cut edge lists and the
  temporaries of building and checking them);
* each Monte Carlo chain (SA read, PT replica, PA population member): ``62 n + 32 m + 64`` with
  ``m`` the Max-Cut edges (spins, fields, best spins; float64 temporaries of the exact energy
  refresh; the per-edge temporaries of recomputing cuts);
* each breakout-local-search chain: a Monte Carlo chain plus ``32 n + 16 K + 136`` (tabu
  tenures, gain buckets of integer problems with ``|s_i f_i| <= K``, counters, hashes);
* each simulated-bifurcation trajectory: ``(16 + 10 d) n`` for torch (``d`` = 4 or 8 bytes per
  value) or ``80 n`` for numba, plus the dense coupling matrix when torch uses one.

Sweep counts never enter: schedules are computed in slices, so ``num_sweeps`` is time, not memory.
"""

from __future__ import annotations

import os

from spinscope._validation import check_memory

__all__ = ["chain_bytes", "check_problem_size", "check_run_memory", "check_text_file", "local_search_bytes",
           "problem_bytes"]

_PER_VARIABLE = 64
_PER_PAIR = 200
_PER_CHAIN_VARIABLE = 62
_PER_CHAIN_EDGE = 32
_PER_CHAIN = 64
_PER_TEXT_BYTE = 12  # a text file read whole and split into lines: the string plus the line list


def problem_bytes(n: int, pairs: int) -> float:
    """Peak bytes to build and hold a problem of ``n`` variables and ``pairs`` couplings.

    Parameters
    ----------
    n : int
        Variables (vertices).
    pairs : int
        Non-zero couplings (edges), each unordered pair once.

    Returns
    -------
    float
        ``64 n + 200 pairs``.
    """
    return float(_PER_VARIABLE) * n + float(_PER_PAIR) * pairs


def check_problem_size(n: int, pairs: int, what: str) -> None:
    """Refuse a problem that would not fit in memory, before building it.

    Parameters
    ----------
    n : int
        Variables the problem would have.
    pairs : int
        Couplings (edges) it would have.
    what : str
        Where the size comes from, for the message (e.g. ``"G.txt: the header's n=2000000000"``).

    Raises
    ------
    MemoryLimitError
        Saying how much memory is needed and how much is available.
    """
    check_memory(problem_bytes(n, pairs), f"{what} (a problem with n={n} variables and {pairs} couplings)")


def chain_bytes(problem) -> float:
    """Peak bytes of one Monte Carlo chain (state, best state, refresh and result temporaries).

    Parameters
    ----------
    problem : Problem
        Its ``n`` and Max-Cut ``edges`` are read.

    Returns
    -------
    float
        ``62 n + 32 m + 64`` (``m``: Max-Cut edges, 0 for other problems).
    """
    m = 0 if problem.edges is None else int(problem.edges.shape[0])
    return float(_PER_CHAIN_VARIABLE) * problem.n + float(_PER_CHAIN_EDGE) * m + _PER_CHAIN


def check_text_file(path: str | os.PathLike, what: str) -> None:
    """Refuse a text file too large to read whole and split into lines.

    Parameters
    ----------
    path : path-like
        An existing file.
    what : str
        What it is, for the message.

    Raises
    ------
    MemoryLimitError
    """
    size = os.stat(path).st_size
    check_memory(float(_PER_TEXT_BYTE) * size, f"reading {what} {os.fspath(path)} ({size} bytes of text)")


def check_run_memory(nbytes: float, what: str) -> None:
    """Refuse a solver run whose estimated peak memory does not fit.

    Parameters
    ----------
    nbytes : float
        The estimate.
    what : str
        The run and the settings that size it (``"simulated annealing with num_reads=..."``).

    Raises
    ------
    MemoryLimitError
    """
    check_memory(nbytes, what)


def local_search_bytes(problem, reads: int, gain_bound: int = 0) -> float:
    """Peak bytes of a breakout-local-search run (:mod:`spinscope.optimize.tabu`).

    Parameters
    ----------
    problem : Problem
    reads : int
        Chains.
    gain_bound : int
        ``K`` of the gain buckets (0 without them).

    Returns
    -------
    float
        ``reads * (chain_bytes + 32 n + 16 K + 136) + 8 n`` (per chain: an int64 tabu tenure per
        spin, the gain buckets' ``2K + 3n + 2`` int64 words, counters and hashes; shared: the
        Zobrist keys).
    """
    return reads * (chain_bytes(problem) + 32.0 * problem.n + 16.0 * gain_bound + 136.0) + 8.0 * problem.n
