"""Numba kernels of the optimisers: Metropolis sweeps with incrementally updated local fields.

Energy convention ``H(s) = -1/2 s^T J s - h^T s``; the local field is ``f_i = sum_j J_ij s_j + h_i``
and flipping spin ``i`` changes the energy by ``dE = 2 s_i f_i``. After an accepted flip only the
fields of the neighbours of ``i`` change (``f_j += 2 s_i' J_ji``), so a flip costs O(degree) and
a rejected proposal O(1). Couplings are CSR arrays ``(indptr, indices, data)`` of the full
symmetric matrix, or a dense C-contiguous ``(n, n)`` array (:func:`anneal_sweeps_dense`, used
for dense problems such as SK, where the contiguous row update vectorises).

Chain state (mutated in place; R chains, n spins)::

    spins  int8[R, n]      fields  float64[R, n]     energy  float64[R]
    best_spins int8[R, n]  best_energy float64[R]    best_sweep int64[R]

Randomness is counter-based (:mod:`spinscope.mc.kernels.rng`, reused from the Monte Carlo
engine): the uniform of site ``i`` in sweep ``c`` of chain ``r`` is
``uniform53(draw(stream_start(keys[r], c), i))``, so results do not depend on the thread count
or on how the sweeps are split into calls. Spins are visited in order ``0..n-1``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from spinscope.mc.kernels.rng import draw, stream_start, uniform53

__all__ = ["anneal_sweeps", "anneal_sweeps_dense", "pt_sweeps", "random_spins", "sb_steps"]

_MAX_EXPONENT = 40.0  # exp(-40) < 2**-53: such moves are never accepted


@njit(inline="always", cache=True)
def _metropolis_accept(de, beta, stream, i):
    """Metropolis test of a move raising the energy by ``de`` (one draw, index ``i``)."""
    if de <= 0.0:
        return True
    x = beta * de
    if x > _MAX_EXPONENT:
        return False
    return uniform53(draw(stream, i)) < np.exp(-x)


@njit(inline="always", cache=True)
def _sweep(indptr, indices, data, s, f, e, beta, stream):
    n = s.shape[0]
    for i in range(n):
        de = 2.0 * s[i] * f[i]
        if not _metropolis_accept(de, beta, stream, i):
            continue
        s[i] = -s[i]
        two = 2.0 * s[i]
        for p in range(indptr[i], indptr[i + 1]):
            f[indices[p]] += two * data[p]
        e += de
    return e


@njit(inline="always", cache=True)
def _sweep_dense(J, s, f, e, beta, stream):
    n = s.shape[0]
    for i in range(n):
        de = 2.0 * s[i] * f[i]
        if not _metropolis_accept(de, beta, stream, i):
            continue
        s[i] = -s[i]
        two = 2.0 * s[i]
        row = J[i]
        for j in range(n):
            f[j] += two * row[j]
        e += de
    return e


@njit(inline="always", cache=True)
def _keep_best(s, e, k, best_s, best_e, best_k, r):
    if e < best_e[r]:
        best_e[r] = e
        best_k[r] = k
        best_s[r, :] = s


@njit(parallel=True, cache=True)
def anneal_sweeps(indptr, indices, data, betas, spins, fields, energy, best_spins,
                  best_energy, best_sweep, keys, counter0, target):
    """Run ``betas.shape[1]`` Metropolis sweeps on every chain, chain ``r`` at ``betas[r, k]``.

    ``counter0`` (uint64) is the RNG round of the first sweep (then ``counter0 + k``). A chain
    stops early once its best energy is ``<= target`` (pass ``-inf`` for no target). Returns the
    number of sweeps each chain did (int64[R]). Chains run in parallel.
    """
    R = spins.shape[0]
    S = betas.shape[1]
    done = np.zeros(R, dtype=np.int64)
    for r in prange(R):
        s = spins[r]
        f = fields[r]
        e = energy[r]
        for k in range(S):
            if best_energy[r] <= target:
                break
            stream = stream_start(keys[r], counter0 + np.uint64(k))
            e = _sweep(indptr, indices, data, s, f, e, betas[r, k], stream)
            _keep_best(s, e, counter0 + np.uint64(k), best_spins, best_energy, best_sweep, r)
            done[r] += 1
        energy[r] = e
    return done


@njit(parallel=True, cache=True)
def anneal_sweeps_dense(J, betas, spins, fields, energy, best_spins, best_energy, best_sweep,
                        keys, counter0, target):
    """:func:`anneal_sweeps` for a dense (n, n) coupling matrix (contiguous row updates, SIMD)."""
    R = spins.shape[0]
    S = betas.shape[1]
    done = np.zeros(R, dtype=np.int64)
    for r in prange(R):
        s = spins[r]
        f = fields[r]
        e = energy[r]
        for k in range(S):
            if best_energy[r] <= target:
                break
            stream = stream_start(keys[r], counter0 + np.uint64(k))
            e = _sweep_dense(J, s, f, e, betas[r, k], stream)
            _keep_best(s, e, counter0 + np.uint64(k), best_spins, best_energy, best_sweep, r)
            done[r] += 1
        energy[r] = e
    return done


@njit(cache=True)
def _swap_round(energy, temp_of, chain_at, betas_t, key, counter, parity, accepted):
    # Replica exchange between neighbouring temperatures (t, t+1), t = parity, parity+2, ...
    T = betas_t.shape[0]
    stream = stream_start(key, counter)
    for t in range(parity, T - 1, 2):
        a = chain_at[t]
        b = chain_at[t + 1]
        x = (betas_t[t] - betas_t[t + 1]) * (energy[a] - energy[b])
        if x >= 0.0 or uniform53(draw(stream, t)) < np.exp(x):
            chain_at[t] = b
            chain_at[t + 1] = a
            temp_of[a] = t + 1
            temp_of[b] = t
            accepted[t] += 1


@njit(parallel=True, cache=True)
def pt_sweeps(indptr, indices, data, betas_t, temp_of, chain_at, spins, fields, energy,
              best_spins, best_energy, best_sweep, keys, swap_keys, counter0, nsweeps, target,
              accepted):
    """Parallel tempering: ``nsweeps`` rounds of (one sweep of every chain, one swap round).

    ``G`` independent groups (ladders) of ``T`` chains; chain ``c`` of group ``g`` is row
    ``g*T + c``. ``temp_of`` int64[G*T] is the temperature index of each chain, ``chain_at``
    int64[G, T] the chain (within its group) at each temperature; ``betas_t`` float64[T]. Swaps
    alternate even/odd pairs by the parity of the global round. ``accepted`` int64[G, T-1]
    counts swaps. Groups run in parallel threads (no barrier per sweep, which matters on busy
    machines); a group stops early once one of its chains reaches ``target``. Returns the
    rounds done by each group (int64[G]).
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
                stream = stream_start(keys[r], c)
                e = _sweep(indptr, indices, data, spins[r], fields[r], energy[r],
                           betas_t[temp_of[r]], stream)
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


@njit(parallel=True, cache=True)
def random_spins(keys, counter, n):
    """Uniformly random ±1 spins, int8[R, n], from the counter-based stream ``(keys[r], counter)``."""
    R = keys.shape[0]
    out = np.empty((R, n), dtype=np.int8)
    for r in prange(R):
        stream = stream_start(keys[r], counter)
        for i in range(n):
            out[r, i] = 1 if (draw(stream, i) >> np.uint64(63)) else -1
    return out


@njit(parallel=True, cache=True)
def sb_steps(indptr, indices, data, h, x, y, c0, a0, dt, k0, M, nsteps, discrete):
    """``nsteps`` simulated-bifurcation steps ``k0 .. k0+nsteps-1`` of a run of ``M`` steps.

    ``x, y`` float64[R, n] (mutated); reads run in parallel threads, each with its own force
    buffer, so there is no barrier per step. Same update as
    :func:`spinscope.optimize.bifurcation.simulated_bifurcation` (``sign(0) = 0`` as in torch).
    """
    R, n = x.shape
    for r in prange(R):
        xr = x[r]
        yr = y[r]
        force = np.empty(n)
        for k in range(k0, k0 + nsteps):
            pump = a0 - a0 * k / M
            for i in range(n):
                acc = h[i]
                for p in range(indptr[i], indptr[i + 1]):
                    z = xr[indices[p]]
                    if discrete:
                        z = 1.0 if z > 0.0 else (-1.0 if z < 0.0 else 0.0)
                    acc += data[p] * z
                force[i] = acc
            for i in range(n):
                yr[i] += dt * (c0 * force[i] - pump * xr[i])
                xr[i] += a0 * dt * yr[i]
                if xr[i] > 1.0:
                    xr[i] = 1.0
                    yr[i] = 0.0
                elif xr[i] < -1.0:
                    xr[i] = -1.0
                    yr[i] = 0.0
