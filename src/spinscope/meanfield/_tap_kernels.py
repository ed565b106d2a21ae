"""Kernels of the TAP solver (internal): the exact one-spin minimisation and a numba sweep.

Given the other spins, the TAP free energy is, in ``m_i``, ``-beta H_i m_i + (beta^2/2) c_i m_i^2 +
s(m_i)`` with the convex negative entropy ``s``: strictly convex, minimised where
``x + a tanh(x) = b`` for ``x = atanh(m_i)``, ``a = beta^2 c_i >= 0``, ``b = beta H_i``. The root lies in
``[b - a, b + a]``; safeguarded Newton steps converge quadratically.
"""

from __future__ import annotations

import numba
import numpy as np


def solve_spin(a: np.ndarray, b: np.ndarray, iters: int = 40) -> np.ndarray:
    """``tanh(x)`` for the root of ``x + a tanh(x) = b`` (elementwise, ``a >= 0``)."""
    return np.tanh(solve_spin_x(a, b, iters))


def solve_spin_x(a: np.ndarray, b: np.ndarray, iters: int = 40) -> np.ndarray:
    """The root ``x`` of ``x + a tanh(x) = b`` (elementwise, ``a >= 0``)."""
    lo, hi = b - a, b + a
    x = b / (1.0 + a)
    for _ in range(iters):
        t = np.tanh(x)
        f = x + a * t - b
        lo = np.where(f < 0, x, lo)
        hi = np.where(f > 0, x, hi)
        xn = x - f / (1.0 + a * (1.0 - t * t))
        outside = (xn <= lo) | (xn >= hi)
        xn = np.where(outside, 0.5 * (lo + hi), xn)
        if np.all(np.abs(xn - x) <= 1e-13 * (1.0 + np.abs(x))):
            x = xn
            break
        x = xn
    return x


@numba.njit(cache=True, inline="always")
def _solve1(a: float, b: float) -> float:
    lo, hi = b - a, b + a
    x = b / (1.0 + a)
    for _ in range(60):
        t = np.tanh(x)
        f = x + a * t - b
        if f < 0:
            lo = x
        elif f > 0:
            hi = x
        else:
            break
        xn = x - f / (1.0 + a * (1.0 - t * t))
        if xn <= lo or xn >= hi:
            xn = 0.5 * (lo + hi)
        if abs(xn - x) <= 1e-14 * (1.0 + abs(x)):
            x = xn
            break
        x = xn
    return np.tanh(x)


@numba.njit(cache=True, parallel=True)
def gauss_seidel_sweeps(M, J, J2, h, beta, sweeps):  # pragma: no cover - compiled
    """In place: ``sweeps`` sequential exact coordinate minimisations of every start (row of M).

    ``h`` has shape ``(B, n)``: one field vector per start.
    """
    B, n = M.shape
    b2 = beta * beta
    for r in numba.prange(B):
        m = M[r]
        for _ in range(sweeps):
            for i in range(n):
                H = h[r, i]
                c = 0.0
                for j in range(n):
                    H += J[i, j] * m[j]
                    c += J2[i, j] * (1.0 - m[j] * m[j])
                m[i] = _solve1(b2 * c, beta * H)


@numba.njit(cache=True, parallel=True)
def quench_dense(S, J, h, max_sweeps):  # pragma: no cover - compiled
    """In place: zero-temperature single-spin-flip descent of every row of ``S`` (±1 floats).

    Sequential sweeps flip every spin whose local field ``(J s + h)_i`` points against it (a flip
    that strictly lowers the energy) until none is left or ``max_sweeps`` sweeps ran. Returns the
    number of rows that are one-flip stable at the end.
    """
    B, n = S.shape
    done = np.zeros(B, dtype=np.int64)
    for r in numba.prange(B):
        s = S[r]
        H = h.copy()
        for i in range(n):
            for j in range(n):
                H[i] += J[i, j] * s[j]
        for _ in range(max_sweeps):
            flipped = False
            for i in range(n):
                if s[i] * H[i] < 0.0:
                    s[i] = -s[i]
                    d = 2.0 * s[i]
                    for a in range(n):
                        H[a] += d * J[a, i]
                    flipped = True
            if not flipped:
                done[r] = 1
                break
    return done.sum()
