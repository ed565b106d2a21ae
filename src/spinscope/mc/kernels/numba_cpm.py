"""Numba kernel of the Cellular Potts model: tiled, thread-count independent copy attempts.

One Monte Carlo step (MCS) is ``2**d`` phases; phase ``c`` visits the tiles of colour ``c``
(tiles alternate colours along every axis, see :mod:`spinscope.mc.cpm_tiles`) in tile order, and
a tile gets as many copy attempts as it has sites, each at a uniformly random site of the tile.
Before each phase the tiles are marked whose reach (their sites and the sites' copy
neighbours) holds a cell that another tile of the phase also reaches. The chain is *defined* as:
the unmarked tiles one by one in tile order, then the marked ones in tile order. Two tiles of one
colour are at least one tile side apart, so their attempts neither read nor write a common site,
and unmarked tiles share no cell either (no volume or perimeter is touched by two of them): the
unmarked tiles are independent and a thread-parallel run executes them concurrently (``prange``)
with exactly the sequential result, then the marked ones sequentially. No atomics, nothing
approximated. Random words come from :mod:`spinscope._rng`,
keyed by ``(chain key, MCS * 2**d + phase, 2 * (tile * max_area + attempt) + {0, 1})``, so no
draw depends on the thread that makes it: results are identical for any number of threads.

Rules (``exact``, bit flags): without ``EXACT`` the standard CPM kinetics (accept
``min(1, exp(-dH / T))``); with ``EXACT`` the Hastings factor ``n_i(old) / n_i(new)`` (copy
neighbours of the site holding the old / new id) makes ``exp(-H / T)`` the stationary law.
``CONNECT_OLD`` refuses copies that locally split the shrinking cell (CompuCell3D's
connectivity constraint, 2-D); ``CONNECT_NEW`` also refuses copies whose reverse would split the
growing cell, which keeps the constraint symmetric and the exact rule exact.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, u32_hi, u32_lo, uniform53

__all__ = ["cpm_sweeps", "delta_energy"]

_S32 = np.uint64(32)


@njit(cache=True)
def delta_energy(site, old, new, sigma, vol, surf, ctype, J, lam_v, v_t, lam_s, s_t, nbr, zj, zs):
    """``(dH, dS_old, dS_new)`` of copying id ``new`` into ``site`` (holding ``old``)."""
    to = ctype[old]
    tn = ctype[new]
    dh = 0.0
    n_old = 0
    n_new = 0
    for k in range(zj):  # the first zs neighbours (order 1) also give the perimeter changes
        m = sigma[nbr[site, k]]
        if m == old:
            dh += J[tn, to]
            if k < zs:
                n_old += 1
        elif m == new:
            dh -= J[to, tn]
            if k < zs:
                n_new += 1
        else:
            tm = ctype[m]
            dh += J[tn, tm] - J[to, tm]
    ds_old = 2 * n_old - zs
    ds_new = zs - 2 * n_new
    if old > 0:
        dh += lam_v[to] * (1.0 - 2.0 * (vol[old] - v_t[to]))
        if lam_s[to] != 0.0:
            dh += lam_s[to] * (ds_old * ds_old + 2.0 * ds_old * (surf[old] - s_t[to]))
    if new > 0:
        dh += lam_v[tn] * (1.0 + 2.0 * (vol[new] - v_t[tn]))
        if lam_s[tn] != 0.0:
            dh += lam_s[tn] * (ds_new * ds_new + 2.0 * ds_new * (surf[new] - s_t[tn]))
    return dh, ds_old, ds_new


#: Columns of the 2-D neighbour table (order >= 2) in ring order E, NE, N, NW, W, SW, S, SE;
#: even ring positions are the nearest neighbours.
RING = (2, 5, 0, 4, 1, 6, 3, 7)
EXACT, CONNECT_OLD, CONNECT_NEW = 1, 2, 4


@njit(cache=True)
def ring_ok(site, cell, sigma, nbr):
    """Whether removing ``site`` from ``cell`` keeps the cell's nearest neighbours of ``site``
    connected through the ring of its 8 neighbours (a local connectivity check, 2-D)."""
    runs = 0
    members = 0
    for k in range(8):
        b = sigma[nbr[site, RING[k]]] == cell
        if b:
            members += 1
            prev = sigma[nbr[site, RING[(k + 7) % 8]]] == cell
            if not prev:
                nxt = sigma[nbr[site, RING[(k + 1) % 8]]] == cell
                if k % 2 == 0 or nxt:  # a lone corner touches no nearest neighbour
                    runs += 1
    return members == 8 or runs <= 1


@njit(cache=True)
def _touches(site, cell, sigma, nbr):
    for k in range(4):
        if sigma[nbr[site, k]] == cell:
            return True
    return False


@njit(cache=True)
def connected_ok(site, old, new, sigma, nbr, flags):
    """The connectivity constraint (cells stay nearest-neighbour connected, 2-D): the shrinking
    cell must not split locally and the growing cell must touch the site by a nearest neighbour;
    with ``CONNECT_NEW`` (exact rule) also the reverse move's conditions."""
    if old > 0 and not ring_ok(site, old, sigma, nbr):
        return False
    if new > 0 and not _touches(site, new, sigma, nbr):
        return False
    if flags & CONNECT_NEW:
        if new > 0 and not ring_ok(site, new, sigma, nbr):
            return False
        if old > 0 and not _touches(site, old, sigma, nbr):
            return False
    return True


@njit(cache=True)
def _accept_prob(dh, T, ratio):
    if T == 0.0:
        if dh < 0.0:
            return 1.0
        return min(1.0, ratio) if dh == 0.0 else 0.0
    x = -dh / T
    if x > 700.0:
        return 1.0
    return ratio * math.exp(x)


@njit(cache=True)
def _tile_attempts(tile, stream, sigma, vol, surf, ctype, J, lam_v, v_t, lam_s, s_t, nbr, zc, zj, zs,
                   T, exact, tile_sites, tile_area):
    area = tile_area[tile]
    ua = np.uint64(area)
    uz = np.uint64(zc)
    base = tile * tile_sites.shape[1]
    accepted = 0
    for s in range(area):
        idx = 2 * (base + s)
        w0 = draw(stream, idx)
        site = tile_sites[tile, np.int64((u32_hi(w0) * ua) >> _S32)]
        j = nbr[site, np.int64((u32_lo(w0) * uz) >> _S32)]
        old = sigma[site]
        new = sigma[j]
        if new == old:
            continue
        if exact & (CONNECT_OLD | CONNECT_NEW) and not connected_ok(site, old, new, sigma, nbr, exact):
            continue
        ratio = 1.0
        if exact & EXACT:
            n_old = 0
            n_new = 0
            for k in range(zc):
                m = sigma[nbr[site, k]]
                if m == old:
                    n_old += 1
                elif m == new:
                    n_new += 1
            if n_old == 0:
                continue
            ratio = n_old / n_new
        dh, ds_old, ds_new = delta_energy(site, old, new, sigma, vol, surf, ctype, J, lam_v, v_t,
                                          lam_s, s_t, nbr, zj, zs)
        p = _accept_prob(dh, T, ratio)
        if p >= 1.0 or uniform53(draw(stream, idx + 1)) < p:
            sigma[site] = new
            if old > 0:
                vol[old] -= 1
                surf[old] += ds_old
            if new > 0:
                vol[new] += 1
                surf[new] += ds_new
            accepted += 1
    return accepted


@njit(cache=True)
def _mark_conflicts(c, sigma, col_tiles, col_count, region, region_len, lo, hi, conflict):
    """``conflict[q] = 1`` if tile ``q`` of colour ``c`` reaches a cell another tile reaches."""
    lo[:] = -1
    hi[:] = -1
    nt = col_count[c]
    for q in range(nt):
        tile = col_tiles[c, q]
        for r in range(region_len[tile]):
            cell = sigma[region[tile, r]]
            if cell > 0:
                if lo[cell] < 0:
                    lo[cell] = q
                hi[cell] = q
    n_conf = 0
    for q in range(nt):
        tile = col_tiles[c, q]
        conflict[q] = 0
        for r in range(region_len[tile]):
            cell = sigma[region[tile, r]]
            if cell > 0 and lo[cell] != hi[cell]:
                conflict[q] = 1
                n_conf += 1
                break
    return n_conf


@njit(cache=True)
def _phase_serial(c, stream, sigma, vol, surf, ctype, J, lam_v, v_t, lam_s, s_t, nbr, zc, zj, zs, T, exact,
                  tile_sites, tile_area, col_tiles, col_count, conflict, acc_tile, marked):
    """The tiles of colour ``c`` with ``conflict[q] == marked``, one by one in tile order."""
    for q in range(col_count[c]):
        if conflict[q] == marked:
            tile = col_tiles[c, q]
            acc_tile[tile] += _tile_attempts(tile, stream, sigma, vol, surf, ctype, J, lam_v, v_t, lam_s,
                                             s_t, nbr, zc, zj, zs, T, exact, tile_sites, tile_area)


@njit(cache=True)
def _chain(sigma, vol, surf, ctype, J, lam_v, v_t, lam_s, s_t, nbr, zc, zj, zs, T, exact, tile_sites,
           tile_area, col_tiles, col_count, region, region_len, key, mcs0, n_mcs, acc_tile, stats, parallel):
    ncol = col_tiles.shape[0]
    lo = np.empty(vol.shape[0], np.int64)
    hi = np.empty(vol.shape[0], np.int64)
    conflict = np.zeros(col_tiles.shape[1], np.int64)
    for t in range(n_mcs):
        for c in range(ncol):
            if col_count[c] == 0:
                continue
            stream = stream_start(key, np.uint64((mcs0 + t) * ncol + c))
            n_conf = 0
            conflict[0] = 0
            if col_count[c] > 1:
                n_conf = _mark_conflicts(c, sigma, col_tiles, col_count, region, region_len, lo, hi, conflict)
            if parallel and col_count[c] - n_conf > 1:
                _phase_parallel(c, stream, sigma, vol, surf, ctype, J, lam_v, v_t, lam_s, s_t, nbr, zc, zj, zs,
                                T, exact, tile_sites, tile_area, col_tiles, col_count, conflict, acc_tile)
            else:
                _phase_serial(c, stream, sigma, vol, surf, ctype, J, lam_v, v_t, lam_s, s_t, nbr, zc, zj, zs, T,
                              exact, tile_sites, tile_area, col_tiles, col_count, conflict, acc_tile, 0)
            if n_conf > 0:
                stats[0] += 1
                stats[1] += n_conf
                _phase_serial(c, stream, sigma, vol, surf, ctype, J, lam_v, v_t, lam_s, s_t, nbr, zc, zj, zs, T,
                              exact, tile_sites, tile_area, col_tiles, col_count, conflict, acc_tile, 1)


@njit(parallel=True, cache=True)
def _phase_parallel(c, stream, sigma, vol, surf, ctype, J, lam_v, v_t, lam_s, s_t, nbr, zc, zj, zs, T, exact,
                    tile_sites, tile_area, col_tiles, col_count, conflict, acc_tile):
    """The unmarked tiles of colour ``c`` concurrently: they share no site and no cell, so the
    result is that of running them one by one."""
    for q in prange(col_count[c]):
        if conflict[q] == 0:
            tile = col_tiles[c, q]
            acc_tile[tile] += _tile_attempts(tile, stream, sigma, vol, surf, ctype, J, lam_v, v_t, lam_s,
                                             s_t, nbr, zc, zj, zs, T, exact, tile_sites, tile_area)


@njit(parallel=True, cache=True)
def _replicas_parallel(sigma, vol, surf, ctype, J, lam_v, v_t, lam_s, s_t, nbr, zc, zj, zs, T, exact,
                       tile_sites, tile_area, col_tiles, col_count, region, region_len, keys, mcs0, n_mcs,
                       acc_tile, stats):
    for r in prange(sigma.shape[0]):
        _chain(sigma[r], vol[r], surf[r], ctype, J, lam_v, v_t, lam_s, s_t, nbr, zc, zj, zs, T, exact,
               tile_sites, tile_area, col_tiles, col_count, region, region_len, keys[r], mcs0, n_mcs,
               acc_tile[r], stats[r], False)


PARALLEL_MIN_SITES = 1 << 16


def cpm_sweeps(sigma, vol, surf, ctype, J, lam_v, v_t, lam_s, s_t, nbr, zc, zj, zs, T, exact, tile_sites,
               tile_area, col_tiles, col_count, region, region_len, keys, mcs0, n_mcs, acc_tile, stats):
    """Advance ``R`` chains by ``n_mcs`` MCS (MCS numbers ``mcs0 ..``) in place.

    ``sigma`` is ``(R, N + 1)``: one extra (ghost, medium) entry at index ``N``; ``vol``/``surf``
    ``(R, C + 1)`` are the volumes/perimeters of ids ``0..C`` (entry 0 is not maintained).
    ``acc_tile (R, n_tiles)`` accumulates accepted copies per tile; ``stats[r, 0]`` counts the
    phases with marked tiles and ``stats[r, 1]`` the marked tiles (run one after the other).
    Several chains run concurrently (one thread each); a single chain of at least
    ``PARALLEL_MIN_SITES`` sites runs its tiles concurrently (below that, launching threads four
    times per MCS costs more than it saves). Either way the result is the same.
    """
    args = (ctype, J, lam_v, v_t, lam_s, s_t, nbr, zc, zj, zs, float(T), int(exact), tile_sites, tile_area,
            col_tiles, col_count, region, region_len)
    if sigma.shape[0] > 1:
        _replicas_parallel(sigma, vol, surf, *args, keys, mcs0, n_mcs, acc_tile, stats)
    else:
        parallel = sigma.shape[1] > PARALLEL_MIN_SITES and numba.get_num_threads() > 1
        _chain(sigma[0], vol[0], surf[0], *args, keys[0], mcs0, n_mcs, acc_tile[0], stats[0], parallel)
