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

Randomness is counter-based (:mod:`spinscope._rng`, reused from the Monte Carlo
engine): the uniform of site ``i`` in sweep ``c`` of chain ``r`` is
``uniform53(draw(stream_start(keys[r], c), i))``, so results do not depend on the thread count
or on how the sweeps are split into calls. Spins are visited in order ``0..n-1``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, uniform53

__all__ = ["anneal_sweeps", "anneal_sweeps_dense", "houdayer_move", "pt_icm_sweeps", "pt_sweeps",
           "random_spins", "sb_steps"]

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
def _flip(indptr, indices, data, s, f, i):
    """Flip spin ``i`` and update the fields of its neighbours (``f_j += 2 s_i' J_ji``)."""
    s[i] = -s[i]
    two = 2.0 * s[i]
    for p in range(indptr[i], indptr[i + 1]):
        f[indices[p]] += two * data[p]


@njit(inline="always", cache=True)
def _sweep(indptr, indices, data, s, f, e, beta, stream):
    n = s.shape[0]
    for i in range(n):
        de = 2.0 * s[i] * f[i]
        if not _metropolis_accept(de, beta, stream, i):
            continue
        _flip(indptr, indices, data, s, f, i)
        e += de
    return e


@njit(inline="always", cache=True)
def _sweep_table(indptr, indices, data, s, f, e, accept, stream):
    """:func:`_sweep` for integer couplings and fields: ``dE = 2 s_i f_i`` is an even integer
    and ``accept[k]`` is the Metropolis probability ``exp(-beta 2k)`` of a rise ``2k`` (k >= 1),
    so no exponential is evaluated in the loop. The decisions are those of :func:`_sweep` except
    that a rise with ``beta dE > 40`` is accepted when the uniform is exactly 0 (probability
    ``2**-53``) instead of never."""
    n = s.shape[0]
    for i in range(n):
        de = 2.0 * s[i] * f[i]
        if de > 0.0 and not uniform53(draw(stream, i)) < accept[np.int64(de) >> 1]:
            continue
        _flip(indptr, indices, data, s, f, i)
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
                  best_energy, best_sweep, keys, counter0, target, kmax):
    """Run ``betas.shape[1]`` Metropolis sweeps on every chain, chain ``r`` at ``betas[r, k]``.

    ``counter0`` (uint64) is the RNG round of the first sweep (then ``counter0 + k``). A chain
    stops early once its best energy is ``<= target`` (pass ``-inf`` for no target). For
    integer problems pass ``kmax = K`` of :func:`~spinscope.optimize.solvers.acceptance_table`
    (each sweep then tabulates ``exp(-2 k beta)``, ``k <= K``, once; the same decisions as
    evaluating ``exp``), else ``-1``. Chains run in parallel.

    Parameters
    ----------
    indptr, indices, data : arrays
        CSR couplings.
    betas : float64[R, S]
        Inverse temperature of each chain at each sweep.
    spins, fields, energy, best_spins, best_energy, best_sweep : arrays
        Chain state (module docstring), mutated.
    keys : uint64[R]
        RNG key of each chain.
    counter0 : uint64
        RNG round of the first sweep.
    target : float
        Energy (without offset) at which a chain stops; ``-inf`` for none.
    kmax : int
        ``K`` of the acceptance table for integer problems, else ``-1``.

    Returns
    -------
    int64[R]
        Sweeps done by each chain.
    """
    R = spins.shape[0]
    S = betas.shape[1]
    done = np.zeros(R, dtype=np.int64)
    for r in prange(R):
        s = spins[r]
        f = fields[r]
        e = energy[r]
        table = np.empty(max(kmax + 1, 1))
        for k in range(S):
            if best_energy[r] <= target:
                break
            stream = stream_start(keys[r], counter0 + np.uint64(k))
            if kmax >= 0:
                for q in range(kmax + 1):
                    table[q] = np.exp(-betas[r, k] * (2.0 * q))
                e = _sweep_table(indptr, indices, data, s, f, e, table, stream)
            else:
                e = _sweep(indptr, indices, data, s, f, e, betas[r, k], stream)
            _keep_best(s, e, counter0 + np.uint64(k), best_spins, best_energy, best_sweep, r)
            done[r] += 1
        energy[r] = e
    return done


@njit(parallel=True, cache=True)
def anneal_sweeps_dense(J, betas, spins, fields, energy, best_spins, best_energy, best_sweep,
                        keys, counter0, target):
    """:func:`anneal_sweeps` for a dense (n, n) coupling matrix (contiguous row updates, SIMD).

    Parameters
    ----------
    J : float64[n, n]
        C-contiguous couplings.
    betas, spins, fields, energy, best_spins, best_energy, best_sweep, keys, counter0, target
        As in :func:`anneal_sweeps`.

    Returns
    -------
    int64[R]
        Sweeps done by each chain.
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


@njit(inline="always", cache=True)
def _ladder_sweep(indptr, indices, data, betas_t, temp_of, spins, fields, energy, best_spins,
                  best_energy, best_sweep, keys, c, target, accept, g, T):
    """One sweep (round ``c``) of the ``T`` chains of ladder ``g``; True once one reaches ``target``."""
    hit = False
    for t in range(T):
        r = g * T + t
        stream = stream_start(keys[r], c)
        if accept.shape[1] > 0:
            e = _sweep_table(indptr, indices, data, spins[r], fields[r], energy[r],
                             accept[temp_of[r]], stream)
        else:
            e = _sweep(indptr, indices, data, spins[r], fields[r], energy[r],
                       betas_t[temp_of[r]], stream)
        energy[r] = e
        _keep_best(spins[r], e, c, best_spins, best_energy, best_sweep, r)
        if best_energy[r] <= target:
            hit = True
    return hit


@njit(parallel=True, cache=True)
def pt_sweeps(indptr, indices, data, betas_t, temp_of, chain_at, spins, fields, energy,
              best_spins, best_energy, best_sweep, keys, swap_keys, counter0, nsweeps, target,
              accepted, accept):
    """Parallel tempering: ``nsweeps`` rounds of (one sweep of every chain, one swap round).

    ``G`` independent groups (ladders) of ``T`` chains; chain ``c`` of group ``g`` is row
    ``g*T + c``. ``temp_of`` int64[G*T] is the temperature index of each chain, ``chain_at``
    int64[G, T] the chain (within its group) at each temperature; ``betas_t`` float64[T]. Swaps
    alternate even/odd pairs by the parity of the global round. ``accepted`` int64[G, T-1]
    counts swaps. ``accept`` float64[T, K] is the table of
    :func:`spinscope.optimize.solvers.acceptance_table` for integer problems (shape ``(T, 0)``
    otherwise: then ``exp`` is evaluated). Groups run in parallel threads (no barrier per sweep,
    which matters on busy machines); a group stops early once one of its chains reaches
    ``target``.

    Parameters
    ----------
    indptr, indices, data : arrays
        CSR couplings.
    betas_t : float64[T]
    temp_of : int64[G*T]
    chain_at : int64[G, T]
    spins, fields, energy, best_spins, best_energy, best_sweep : arrays
        Chain state (module docstring), mutated.
    keys : uint64[G*T]
        Sweep RNG keys, one per chain.
    swap_keys : uint64[G]
        Swap RNG keys, one per ladder.
    counter0 : uint64
        Global round of the first round.
    nsweeps : int
        Rounds to do.
    target : float
        Energy (without offset) at which a ladder stops; ``-inf`` for none.
    accepted : int64[G, T-1]
        Swap counters, incremented.
    accept : float64[T, K]
        Acceptance table (``(T, 0)``: evaluate ``exp``).

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
            hit = _ladder_sweep(indptr, indices, data, betas_t, temp_of, spins, fields, energy,
                                best_spins, best_energy, best_sweep, keys, c, target, accept, g, T)
            done[g] += 1
            if hit:
                break
            _swap_round(energy[g * T:(g + 1) * T], temp_of[g * T:(g + 1) * T], chain_at[g],
                        betas_t, swap_keys[g], c, int(c % np.uint64(2)), accepted[g])
    return done


@njit(cache=True)
def _flip_set(indptr, indices, data, s, f, e, sites, m):
    """Flip ``sites[:m]`` one after the other (exact energy change); returns the new energy."""
    for q in range(m):
        i = sites[q]
        e += 2.0 * s[i] * f[i]
        _flip(indptr, indices, data, s, f, i)
    return e


@njit(cache=True)
def houdayer_move(indptr, indices, data, sa, sb, fa, fb, ea, eb, stream, index, queue, mark):
    """Houdayer's cluster move between two replicas at the same temperature.

    Sites where the replicas differ (``q_i = sa_i sb_i = -1``) form clusters (connected through
    non-zero couplings); one site is drawn uniformly among them (draw ``index`` of ``stream``)
    and its cluster is flipped in *both* replicas, which exchanges the cluster between them and
    leaves ``E_a + E_b`` unchanged, so the move is always accepted (Houdayer 2001; with parallel
    tempering the isoenergetic cluster moves of Zhu, Ochoa & Katzgraber 2015).

    Parameters
    ----------
    indptr, indices, data : arrays
        CSR couplings.
    sa, sb : int8[n]
        The two replicas' spins (mutated).
    fa, fb : float64[n]
        Their local fields (mutated).
    ea, eb : float
        Their energies.
    stream, index : uint64, int
        Counter-based stream and the draw used to pick the seed site.
    queue : int64[n]
        Work buffer.
    mark : uint8[n]
        Work buffer, all zero on entry and on return.

    Returns
    -------
    (float, float, int)
        The new energies ``ea, eb`` and the cluster size (0 when the replicas are equal).
    """
    n = sa.shape[0]
    m = 0
    for i in range(n):
        if sa[i] != sb[i]:
            m += 1
    if m == 0:
        return ea, eb, 0
    pick = np.int64(draw(stream, index) % np.uint64(m))
    i0 = 0
    for i in range(n):
        if sa[i] != sb[i]:
            if pick == 0:
                i0 = i
                break
            pick -= 1
    queue[0] = i0
    mark[i0] = 1
    head, tail = 0, 1
    while head < tail:
        i = queue[head]
        head += 1
        for p in range(indptr[i], indptr[i + 1]):
            u = indices[p]
            if mark[u] == 0 and sa[u] != sb[u] and data[p] != 0.0:
                mark[u] = 1
                queue[tail] = u
                tail += 1
    for q in range(tail):
        mark[queue[q]] = 0
    ea = _flip_set(indptr, indices, data, sa, fa, ea, queue, tail)
    eb = _flip_set(indptr, indices, data, sb, fb, eb, queue, tail)
    return ea, eb, tail


@njit(parallel=True, cache=True)
def pt_icm_sweeps(indptr, indices, data, betas_t, temp_of, chain_at, spins, fields, energy,
                  best_spins, best_energy, best_sweep, keys, swap_keys, icm_keys, counter0,
                  nsweeps, target, accepted, icm_from, cluster_sizes, accept):
    """:func:`pt_sweeps` with Houdayer cluster moves between paired ladders.

    Ladders ``2p`` and ``2p + 1`` (``G`` even) form pair ``p`` and run in one thread. A round is
    one sweep of every chain of both ladders, then one :func:`houdayer_move` between the two
    chains at each temperature index ``t >= icm_from`` (draw ``t`` of the stream
    ``(icm_keys[p], round)``), then a swap round in each ladder. ``cluster_sizes``
    float64[G // 2, T] accumulates the flipped cluster sizes.

    Parameters
    ----------
    indptr, indices, data, betas_t, temp_of, chain_at, spins, fields, energy, best_spins, \
best_energy, best_sweep, keys, swap_keys, counter0, nsweeps, target, accepted, accept
        As in :func:`pt_sweeps`.
    icm_keys : uint64[G // 2]
        Cluster-move RNG keys, one per pair of ladders.
    icm_from : int
        First temperature index with cluster moves.
    cluster_sizes : float64[G // 2, T]
        Accumulated cluster sizes.

    Returns
    -------
    int64[G // 2]
        Rounds done by each pair.
    """
    G = chain_at.shape[0]
    T = chain_at.shape[1]
    n = spins.shape[1]
    done = np.zeros(G // 2, dtype=np.int64)
    for pr in prange(G // 2):
        queue = np.empty(n, dtype=np.int64)
        mark = np.zeros(n, dtype=np.uint8)
        g0 = 2 * pr
        g1 = g0 + 1
        for k in range(nsweeps):
            c = counter0 + np.uint64(k)
            hit = False
            for g in range(g0, g1 + 1):
                if _ladder_sweep(indptr, indices, data, betas_t, temp_of, spins, fields, energy,
                                 best_spins, best_energy, best_sweep, keys, c, target, accept, g, T):
                    hit = True
            done[pr] += 1
            if hit:
                break
            stream = stream_start(icm_keys[pr], c)
            for t in range(icm_from, T):
                a = g0 * T + chain_at[g0, t]
                b = g1 * T + chain_at[g1, t]
                ea, eb, size = houdayer_move(indptr, indices, data, spins[a], spins[b],
                                             fields[a], fields[b], energy[a], energy[b],
                                             stream, t, queue, mark)
                energy[a] = ea
                energy[b] = eb
                cluster_sizes[pr, t] += size
                _keep_best(spins[a], ea, c, best_spins, best_energy, best_sweep, a)
                _keep_best(spins[b], eb, c, best_spins, best_energy, best_sweep, b)
                if best_energy[a] <= target or best_energy[b] <= target:
                    hit = True
            if hit:
                break
            for g in range(g0, g1 + 1):
                _swap_round(energy[g * T:(g + 1) * T], temp_of[g * T:(g + 1) * T], chain_at[g],
                            betas_t, swap_keys[g], c, int(c % np.uint64(2)), accepted[g])
    return done


@njit(parallel=True, cache=True)
def random_spins(keys, counter, n):
    """Uniformly random ±1 spins from the counter-based stream ``(keys[r], counter)``.

    Parameters
    ----------
    keys : uint64[R]
    counter : uint64
    n : int

    Returns
    -------
    int8[R, n]
    """
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

    Parameters
    ----------
    indptr, indices, data : arrays
        CSR couplings.
    h : float64[n]
        Fields.
    x, y : float64[R, n]
        Positions and momenta (mutated).
    c0, a0, dt : float
        Coupling scale, final pumping, time step.
    k0, M, nsteps : int
        First step, steps per run, steps to do.
    discrete : bool
        dSB (``z = sign(x)``) instead of bSB.

    Returns
    -------
    None
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
