"""Numba kernel of the coherent-Ising-machine solvers (:mod:`spinscope.optimize.cim`).

One function, :func:`cim_steps`, integrates every variant (plain CIM, CIM-AHC, CAC) with the
explicit Euler step documented in :mod:`spinscope.optimize.cim`. Reads run in parallel threads
(``prange``), each with its own buffers, so there is no barrier per step. Couplings are CSR
arrays ``(indptr, indices, data)`` of the full symmetric matrix (the auxiliary field spin
included). The energy of ``s = sign(x)`` is kept up to date incrementally (local fields
``J s`` updated on the neighbours of each spin whose amplitude changed sign) and recomputed
exactly at every call, so a step costs one product with ``J`` plus O(degree) per flip.
Measurement noise is drawn with the counter-based generator of
:mod:`spinscope._rng`: the normal of site ``j`` at step ``c`` of read ``r`` is a Box-Muller
transform of the words ``2j`` and ``2j + 1`` of ``stream_start(keys[r], c)``, so results do not
depend on the thread count or on how the steps are split into calls.

Per-read state (mutated in place; R reads, m amplitudes)::

    x, e      float64[R, m]   amplitudes and error variables
    xi        float64[R]      CAC's error-variable rate
    h_run     float64[R]      best energy of the current trajectory (CAC's H_opt; inf at a start)
    t_last    int64[R]        step of the last improvement or reset of xi (CAC)
    best_s    int8[R, m]      best spins seen by the read; best_h float64[R] their energy
    bad       int64[R]        first step whose amplitudes overflowed, -1 while none did
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from spinscope._rng import draw, stream_start, uniform53

__all__ = ["MODE_AHC", "MODE_CAC", "MODE_PLAIN", "X_MAX", "cim_steps"]

MODE_PLAIN, MODE_AHC, MODE_CAC = 0, 1, 2
#: amplitudes (or error variables below -X_MAX) beyond this count as overflowed
X_MAX = 1e6
# indices into the parameter vector of cim_steps
P_DT, P_PUMP, P_MU, P_COUPLING, P_RATE, P_A0, P_RHO, P_DELTA, P_TAU, P_EMAX, P_NOISE, P_GAMMA = range(12)


@njit(inline="always", cache=True)
def _normal(stream, j):
    """Standard normal number ``j`` of a stream (Box-Muller of two 53-bit uniforms)."""
    u1 = uniform53(draw(stream, 2 * j))
    u2 = uniform53(draw(stream, 2 * j + 1))
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True)
def _feedback(indptr, indices, data, xr, xm, jx, key, counter, noise):
    """``jx = J (x + noise * N(0,1))``."""
    m = xr.shape[0]
    if noise > 0.0:
        stream = stream_start(key, counter)
        for j in range(m):
            xm[j] = xr[j] + noise * _normal(stream, j)
    else:
        for j in range(m):
            xm[j] = xr[j]
    for i in range(m):
        acc = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            acc += data[p] * xm[indices[p]]
        jx[i] = acc


@njit(cache=True)
def _spins(indptr, indices, data, xr, sr, fs):
    """``s = sign(x)``, local fields ``f = J s``; returns the energy ``-1/2 s^T J s``."""
    m = xr.shape[0]
    for i in range(m):
        sr[i] = 1.0 if xr[i] >= 0.0 else -1.0
    h = 0.0
    for i in range(m):
        acc = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            acc += data[p] * sr[indices[p]]
        fs[i] = acc
        h += sr[i] * acc
    return -0.5 * h


@njit(cache=True)
def _flip_crossed(indptr, indices, data, xr, sr, fs, h):
    """Flip the spins whose amplitude changed sign, updating ``f = J s`` on the neighbours
    (``O(degree)`` per flip); returns the new energy (``dH = 2 s_i f_i`` per flip)."""
    for i in range(xr.shape[0]):
        new = 1.0 if xr[i] >= 0.0 else -1.0
        if new != sr[i]:
            h += 2.0 * sr[i] * fs[i]
            sr[i] = new
            two = 2.0 * new
            for p in range(indptr[i], indptr[i + 1]):
                fs[indices[p]] += two * data[p]
    return h


@njit(parallel=True, cache=True)
def cim_steps(indptr, indices, data, x, e, xi, h_run, t_last, best_s, best_h, bad, keys, par,
              mode, k0, nsteps, base):
    """``nsteps`` Euler steps ``k0 .. k0+nsteps-1`` of every read (see the module docstring).

    Parameters
    ----------
    indptr, indices, data : arrays
        CSR couplings (m x m).
    x, e, xi, h_run, t_last, best_s, best_h, bad : arrays
        Per-read state (mutated; module docstring).
    keys : uint64[R]
        Noise keys of the reads.
    par : float64[12]
        ``dt, pump, mu, coupling, rate, a0 (alpha), rho, delta, tau, e_max, noise, gamma``.
    mode : int
        :data:`MODE_PLAIN`, :data:`MODE_AHC` or :data:`MODE_CAC`.
    k0, nsteps : int
        First step of the trajectory and number of steps.
    base : int
        Steps done in earlier rounds (noise counter offset).

    Returns
    -------
    None
    """
    R, m = x.shape
    dt, pump, mu, c = par[P_DT], par[P_PUMP], par[P_MU], par[P_COUPLING]
    for r in prange(R):
        xr, er, sr, fs = x[r], e[r], np.empty(m), np.empty(m)
        xm, jx = np.empty(m), np.empty(m)
        h = _spins(indptr, indices, data, xr, sr, fs)  # exact at every call, then incremental
        for k in range(k0, k0 + nsteps):
            if bad[r] >= 0:
                break
            a, rate = _target(par, mode, h, m, r, k, xi, h_run, t_last)
            if h < best_h[r]:
                best_h[r] = h
                for i in range(m):
                    best_s[r, i] = np.int8(sr[i])
            _feedback(indptr, indices, data, xr, xm, jx, keys[r], base + k, par[P_NOISE])
            for i in range(m):
                v = xr[i]
                v = v + dt * ((pump - 1.0) * v - mu * v * v * v + c * er[i] * jx[i])
                xr[i] = v
                if mode != MODE_PLAIN:
                    w = er[i] * (1.0 - dt * rate * (v * v - a))
                    er[i] = w if w < par[P_EMAX] else par[P_EMAX]
                if not (abs(v) < X_MAX and er[i] > -X_MAX):
                    bad[r] = k
            if mode == MODE_CAC:
                xi[r] += par[P_GAMMA] * dt
            h = _flip_crossed(indptr, indices, data, xr, sr, fs, h)


@njit(inline="always", cache=True)
def _target(par, mode, h, m, r, k, xi, h_run, t_last):
    """Target amplitude ``a`` and error-variable rate of read ``r`` at step ``k`` (updates CAC's
    trajectory best, stall counter and ``xi``)."""
    if mode == MODE_AHC:
        return par[P_A0] - 2.0 * par[P_COUPLING] * h / m, par[P_RATE]
    if mode == MODE_CAC:
        dh = 0.0 if h_run[r] == np.inf else h - h_run[r]
        a = par[P_A0] + par[P_RHO] * np.tanh(par[P_DELTA] * dh)
        if h < h_run[r]:
            h_run[r] = h
            t_last[r] = k
        elif k - t_last[r] > par[P_TAU]:
            xi[r] = 0.0
            t_last[r] = k
        return a, xi[r]
    return 0.0, 0.0
