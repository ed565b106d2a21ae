"""Numba kernels for p-spin (clause) energies: Metropolis sweeps and replica exchange.

The energy is a sum over clauses (hyperedges) ``c`` of any size,

    E(s) = -sum_c w_c prod_{i in c} s_i,

(3-XORSAT: every clause has three variables and ``w_c = J_c = ±1``). The kernels keep, per chain,
the clause terms ``u_c = w_c prod_{i in c} s_i`` and the local fields
``f_i = sum_{c ni i} u_c``; flipping spin ``i`` negates the terms of its clauses, so it changes
the energy by ``dE = 2 f_i``. After an accepted flip ``u_c -> -u_c`` for every clause ``c`` of
``i``, and every other variable ``j`` of such a clause gets ``f_j += 2 u_c'`` (the new term);
``f_i -> -f_i``. A proposal costs O(1), an accepted flip O(sum of the sizes of the clauses of
``i``). Nothing assumes regularity or a fixed clause size.

Structure (CSR, built by :func:`spinscope.optimize.xorsat_solvers.clause_arrays`)::

    vptr int64[n+1], vcl int64[.]   clauses of variable i: vcl[vptr[i]:vptr[i+1]]
    cptr int64[M+1], cvar int64[.]  variables of clause c: cvar[cptr[c]:cptr[c+1]]
    w float64[M]                    clause weights

Chain state (R chains; mutated in place)::

    spins int8[R, n]   fields float64[R, n]   terms float64[R, M]   energy float64[R]
    best_spins int8[R, n]   best_energy float64[R]   best_sweep int64[R]

Randomness is that of the pairwise kernels (:mod:`spinscope.optimize.kernels`): the uniform of
site ``i`` in sweep ``c`` of chain ``r`` is ``uniform53(draw(stream_start(keys[r], c), i))``;
sites are visited in order ``0..n-1``, so results do not depend on threads or chunking.
``accept`` tables (``table[k] = exp(-2 k beta)``) replace ``exp`` when every weight is an
integer (``dE = 2 f_i`` is then an even integer).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, uniform53
from spinscope.optimize.kernels import _keep_best, _metropolis_accept, _swap_round

__all__ = ["pspin_anneal_sweeps", "pspin_pt_sweeps", "pspin_state"]


@njit(cache=True)
def pspin_state(vptr, vcl, cptr, cvar, w, spins, fields, terms, energy):
    """Recompute ``terms``, ``fields`` and ``energy`` of every chain exactly from ``spins``."""
    R, n = spins.shape
    M = w.shape[0]
    for r in range(R):
        e = 0.0
        for c in range(M):
            u = w[c]
            for p in range(cptr[c], cptr[c + 1]):
                u *= spins[r, cvar[p]]
            terms[r, c] = u
            e -= u
        energy[r] = e
        for i in range(n):
            f = 0.0
            for p in range(vptr[i], vptr[i + 1]):
                f += terms[r, vcl[p]]
            fields[r, i] = f


@njit(inline="always", cache=True)
def _flip(vptr, vcl, cptr, cvar, s, f, u, i):
    """Flip spin ``i``: negate its clause terms and update the fields of their other variables."""
    s[i] = -s[i]
    for p in range(vptr[i], vptr[i + 1]):
        c = vcl[p]
        u[c] = -u[c]
        two = 2.0 * u[c]
        for q in range(cptr[c], cptr[c + 1]):
            j = cvar[q]
            if j != i:
                f[j] += two
    f[i] = -f[i]


@njit(inline="always", cache=True)
def _sweep(vptr, vcl, cptr, cvar, s, f, u, e, beta, table, stream):
    """One Metropolis sweep at ``beta`` (``table`` non-empty: tabulated ``exp(-2 k beta)``)."""
    n = s.shape[0]
    tab = table.shape[0] > 0
    for i in range(n):
        de = 2.0 * f[i]
        if tab:
            if de > 0.0 and not uniform53(draw(stream, i)) < table[np.int64(de) >> 1]:
                continue
        elif not _metropolis_accept(de, beta, stream, i):
            continue
        _flip(vptr, vcl, cptr, cvar, s, f, u, i)
        e += de
    return e


@njit(parallel=True, cache=True)
def pspin_anneal_sweeps(vptr, vcl, cptr, cvar, betas, spins, fields, terms, energy, best_spins,
                        best_energy, best_sweep, keys, counter0, target, kmax):
    """Run ``betas.shape[1]`` Metropolis sweeps on every chain, chain ``r`` at ``betas[r, k]``.

    Chains run in parallel threads; a chain stops once its best energy is ``<= target``
    (``-inf``: never). ``counter0`` (uint64) is the RNG round of the first sweep. ``kmax >= 0``
    (integer weights, ``max_i sum_{c ni i} |w_c| <= kmax``) tabulates ``exp(-2 k beta)`` for each
    sweep; ``-1`` evaluates ``exp``.

    Parameters
    ----------
    vptr, vcl, cptr, cvar : int64 arrays
        Clause structure (module docstring).
    betas : float64[R, S]
    spins, fields, terms, energy, best_spins, best_energy, best_sweep : arrays
        Chain state (module docstring), mutated.
    keys : uint64[R]
    counter0 : uint64
    target : float
    kmax : int

    Returns
    -------
    int64[R]
        Sweeps done by each chain.
    """
    R = spins.shape[0]
    S = betas.shape[1]
    done = np.zeros(R, dtype=np.int64)
    for r in prange(R):
        s, f, u = spins[r], fields[r], terms[r]
        e = energy[r]
        table = np.empty(kmax + 1)
        for k in range(S):
            if best_energy[r] <= target:
                break
            for q in range(kmax + 1):
                table[q] = np.exp(-betas[r, k] * (2.0 * q))
            stream = stream_start(keys[r], counter0 + np.uint64(k))
            e = _sweep(vptr, vcl, cptr, cvar, s, f, u, e, betas[r, k], table, stream)
            _keep_best(s, e, counter0 + np.uint64(k), best_spins, best_energy, best_sweep, r)
            done[r] += 1
        energy[r] = e
    return done


@njit(parallel=True, cache=True)
def pspin_pt_sweeps(vptr, vcl, cptr, cvar, betas_t, temp_of, chain_at, spins, fields, terms,
                    energy, best_spins, best_energy, best_sweep, keys, swap_keys, counter0,
                    nsweeps, target, accepted, accept):
    """Parallel tempering: ``nsweeps`` rounds of (one sweep of every chain, one swap round).

    ``G`` ladders of ``T`` chains, chain ``t`` of ladder ``g`` in row ``g*T + t``, exactly as
    :func:`spinscope.optimize.kernels.pt_sweeps` (the same exchange step,
    ``min(1, exp((beta_t - beta_{t+1}) (E_t - E_{t+1})))`` between neighbours, even and odd pairs
    alternately by the parity of the global round). Ladders run in parallel threads and stop
    once one of their chains reaches ``target``.

    Parameters
    ----------
    vptr, vcl, cptr, cvar : int64 arrays
        Clause structure.
    betas_t : float64[T]
    temp_of : int64[G*T]
        Temperature index of each chain.
    chain_at : int64[G, T]
        Chain (within its ladder) at each temperature.
    spins, fields, terms, energy, best_spins, best_energy, best_sweep : arrays
        Chain state, mutated.
    keys : uint64[G*T]
    swap_keys : uint64[G]
    counter0 : uint64
    nsweeps : int
    target : float
    accepted : int64[G, T-1]
        Swap counters, incremented.
    accept : float64[T, K]
        ``exp(-2 k beta_t)`` for integer weights, or shape ``(T, 0)`` to evaluate ``exp``.

    Returns
    -------
    int64[G]
        Rounds done by each ladder.
    """
    G = chain_at.shape[0]
    T = chain_at.shape[1]
    done = np.zeros(G, dtype=np.int64)
    for g in prange(G):
        for k in range(nsweeps):
            c = counter0 + np.uint64(k)
            hit = False
            for t in range(T):
                r = g * T + t
                b = temp_of[r]
                stream = stream_start(keys[r], c)
                e = _sweep(vptr, vcl, cptr, cvar, spins[r], fields[r], terms[r], energy[r],
                           betas_t[b], accept[b], stream)
                energy[r] = e
                _keep_best(spins[r], e, c, best_spins, best_energy, best_sweep, r)
                if best_energy[r] <= target:
                    hit = True
            done[g] += 1
            if hit:
                break
            _swap_round(energy[g * T:(g + 1) * T], temp_of[g * T:(g + 1) * T], chain_at[g],
                        betas_t, swap_keys[g], c, int(c % np.uint64(2)), accepted[g])
    return done
