"""Numba kernels of the replica-symmetric Hopfield/RBM equations (internal).

Two independent code paths solve the same physics:

* ``ags_point``: the equations of Amit, Gutfreund and Sompolinsky (1987) in ``(m, q, r)``;
* ``gen_point``: the bipartite (RBM) equations in ``(m, q, p)`` with a pattern prior of
  Gaussian fraction ``dxi`` and a hidden prior of Gaussian fraction ``dh`` (see
  ``docs/hopfield.md``); for ``dxi = 0, dh = 1`` they are the AGS equations written differently.

Gaussian averages ``E_w f(w)`` use the trapezoid rule on a uniform grid (``nodes``, ``weights``
with the normal density folded in): spectrally accurate for smooth integrands and robust for the
steep ``tanh`` of low temperatures.
"""

from __future__ import annotations

import numba
import numpy as np

LN2 = float(np.log(2.0))
COLLAPSED = 1e-9  # an iteration from m > 0 whose m falls below this has lost the retrieval state


@numba.njit(cache=True, inline="always")
def _lncosh(x: float) -> float:
    a = abs(x)
    return a + np.log1p(np.exp(-2.0 * a)) - LN2


@numba.njit(cache=True, inline="always")
def _stay_bounded(q, qn, beta, dh):
    """``qn``, moved back towards ``q`` (halving the step) until ``beta (1 - qn) dh < 1``: the
    iteration must not leave the region where the hidden-unit integrals converge."""
    for _ in range(60):
        if beta * (1.0 - qn) * dh < 1.0:
            return qn
        qn = 0.5 * (q + qn)
    return q


@numba.njit(cache=True)
def ags_rhs(alpha, beta, m, q, nodes, weights):
    """One AGS map ``(m, q) -> (m', q', r)``; NaN when ``1 - beta (1 - q) <= 0``."""
    c = 1.0 - beta * (1.0 - q)
    if c <= 0.0:
        return np.nan, np.nan, np.nan
    r = q / (c * c)
    s = np.sqrt(alpha * r)
    mm = 0.0
    qq = 0.0
    for k in range(nodes.size):
        t = np.tanh(beta * (m + s * nodes[k]))
        mm += weights[k] * t
        qq += weights[k] * t * t
    return mm, qq, r


@numba.njit(cache=True)
def ags_point(alpha, beta, m, q, nodes, weights, tol, maxit):
    """Fixed point of the AGS equations from ``(m, q)``: ``(m, q, r, iterations)``."""
    for it in range(1, maxit + 1):
        mn, qn, _r = ags_rhs(alpha, beta, m, q, nodes, weights)
        if not np.isfinite(mn):
            return np.nan, np.nan, np.nan, it
        qn = _stay_bounded(q, qn, beta, 1.0)
        if abs(mn) < COLLAPSED and m != 0.0:
            # started off m = 0 and fell to it: no retrieval state here; q has not converged
            # (plain iteration oscillates on the spin-glass side): r is NaN
            return 0.0, qn, np.nan, it
        done = abs(mn - m) < tol and abs(qn - q) < tol
        m, q = mn, qn
        if done:
            return m, q, q / (1.0 - beta * (1.0 - q)) ** 2, it
    return m, q, q / (1.0 - beta * (1.0 - q)) ** 2, maxit


@numba.njit(cache=True)
def ags_free_energy(alpha, beta, m, q, r, nodes, weights):
    """AGS free energy per spin (zero-diagonal Hopfield model)."""
    c = 1.0 - beta * (1.0 - q)
    s = np.sqrt(alpha * r)
    e = 0.0
    for k in range(nodes.size):
        e += weights[k] * _lncosh(beta * (m + s * nodes[k]))
    return (0.5 * alpha + 0.5 * m * m + alpha / (2.0 * beta) * (np.log(c) - beta * q / c)
            + 0.5 * alpha * beta * r * (1.0 - q) - (e + LN2) / beta)


@numba.njit(cache=True, inline="always")
def _hidden_mean(a, b, dh):
    """``<tau>`` under the hidden prior tilted by ``exp(a tau + b tau^2 / 2)``."""
    d = 1.0 - b * dh
    mu = np.sqrt(1.0 - dh)
    return (a * dh + mu * np.tanh(mu * a / d)) / d


@numba.njit(cache=True, inline="always")
def _hidden_lnz(a, b, dh):
    """``ln E_prior exp(a tau + b tau^2 / 2)`` for the hidden prior of Gaussian fraction ``dh``."""
    d = 1.0 - b * dh
    mu2 = 1.0 - dh
    return -0.5 * np.log(d) + (b * mu2 + a * a * dh) / (2.0 * d) + _lncosh(np.sqrt(mu2) * a / d)


@numba.njit(cache=True)
def gen_rhs(alpha, beta, dxi, dh, m, q, nodes, weights):
    """One map of the bipartite equations ``(m, q) -> (m', q', p)``; NaN if unbounded."""
    b = beta * (1.0 - q)
    p = 0.0
    if alpha > 0.0:  # alpha = 0 (finite P): no non-condensed hidden units
        if b * dh >= 1.0:
            return np.nan, np.nan, np.nan
        sq = np.sqrt(beta * max(q, 0.0))
        for k in range(nodes.size):
            t = _hidden_mean(sq * nodes[k], b, dh)
            p += weights[k] * t * t
    mu = np.sqrt(1.0 - dxi)
    big_a = beta * dh * m * mu
    big_b = beta * dh * m * np.sqrt(dxi)
    s = np.sqrt(big_b * big_b + alpha * beta * p)
    t1 = 0.0
    t2 = 0.0
    for k in range(nodes.size):
        t = np.tanh(big_a + s * nodes[k])
        t1 += weights[k] * t
        t2 += weights[k] * t * t
    return mu * t1 + np.sqrt(dxi) * big_b * (1.0 - t2), t2, p


@numba.njit(cache=True)
def gen_point(alpha, beta, dxi, dh, m, q, nodes, weights, tol, maxit):
    """Fixed point of the bipartite equations from ``(m, q)``: ``(m, q, p, iterations)``."""
    p = 0.0
    for it in range(1, maxit + 1):
        mn, qn, p = gen_rhs(alpha, beta, dxi, dh, m, q, nodes, weights)
        if not np.isfinite(mn):
            return np.nan, np.nan, np.nan, it
        if alpha > 0.0:
            qn = _stay_bounded(q, qn, beta, dh)
        if abs(mn) < COLLAPSED and m != 0.0:  # the retrieval state is gone (see ags_point)
            return 0.0, qn, np.nan, it
        done = abs(mn - m) < tol and abs(qn - q) < tol
        m, q = mn, qn
        if done:
            break
    _, _, p = gen_rhs(alpha, beta, dxi, dh, m, q, nodes, weights)
    return m, q, p, it


@numba.njit(cache=True)
def gen_free_energy(alpha, beta, dxi, dh, m, q, p, nodes, weights):
    """Free energy per visible unit of the bipartite system (RBM measure, hidden diagonal kept)."""
    b = beta * (1.0 - q)
    sq = np.sqrt(beta * max(q, 0.0))
    big_a = beta * dh * m * np.sqrt(1.0 - dxi)
    big_b = beta * dh * m * np.sqrt(dxi)
    s = np.sqrt(big_b * big_b + alpha * beta * p)
    ev = 0.0
    eh = 0.0
    for k in range(nodes.size):
        ev += weights[k] * _lncosh(big_a + s * nodes[k])
        eh += weights[k] * _hidden_lnz(sq * nodes[k], b, dh)
    mbf = -0.5 * beta * dh * m * m - 0.5 * alpha * beta * p * (1.0 - q) + LN2 + ev + alpha * eh
    return -mbf / beta


@numba.njit(cache=True)
def _sg_residual(alpha, beta, dxi, dh, q, ags, nodes, weights):
    if ags:
        _, qn, _ = ags_rhs(alpha, beta, 0.0, q, nodes, weights)
    else:
        _, qn, _ = gen_rhs(alpha, beta, dxi, dh, 0.0, q, nodes, weights)
    return qn - q


@numba.njit(cache=True)
def spin_glass_q(alpha, beta, dxi, dh, ags, nodes, weights, tol):
    """The spin-glass overlap ``q > 0`` at ``m = 0`` (0 if there is none: paramagnet).

    Plain iteration of ``q`` oscillates at low temperature, so this brackets the root of
    ``F(q) = q'(q) - q`` in ``(max(0, 1 - 1/(beta dh)), 1)``, where ``F > 0`` at the left end
    (the hidden response diverges, or ``F ~ (alpha beta^2 chi^2 - 1) q`` near ``q = 0``) and
    ``F < 0`` at ``q = 1``, and refines it by the Illinois (modified regula falsi) method.
    """
    lo = 1.0 - 1.0 / (beta * dh) if beta * dh > 1.0 else 0.0
    lo = lo + 1e-12 * (1.0 + lo)
    hi = 1.0
    flo = _sg_residual(alpha, beta, dxi, dh, lo, ags, nodes, weights)
    fhi = _sg_residual(alpha, beta, dxi, dh, hi, ags, nodes, weights)
    if not flo > 0.0 or not fhi < 0.0:
        return 0.0
    side = 0
    x = lo
    for _ in range(200):
        x = (lo * fhi - hi * flo) / (fhi - flo)
        fx = _sg_residual(alpha, beta, dxi, dh, x, ags, nodes, weights)
        if fx > 0.0:
            lo, flo = x, fx
            if side == -1:
                fhi *= 0.5
            side = -1
        else:
            hi, fhi = x, fx
            if side == 1:
                flo *= 0.5
            side = 1
        if hi - lo < tol or fx == 0.0:
            break
    return x


@numba.njit(cache=True)
def _solve(alpha, beta, dxi, dh, ags, m, q, nodes, weights, tol, maxit):
    """Retrieval-branch iteration (``ags`` or bipartite form): ``(m, q, x)``, ``x = r`` or ``p``;
    ``m`` is NaN when the iteration does not converge within ``maxit``."""
    if ags:
        m, q, x, it = ags_point(alpha, beta, m, q, nodes, weights, tol, maxit)
    else:
        m, q, x, it = gen_point(alpha, beta, dxi, dh, m, q, nodes, weights, tol, maxit)
    if it >= maxit:  # not converged: the ghost of a vanished branch (or pinned at the bound)
        return np.nan, q, x
    return m, q, x


@numba.njit(cache=True)
def _free_energy(alpha, beta, dxi, dh, ags, m, q, x, nodes, weights):
    if ags:
        return ags_free_energy(alpha, beta, m, q, x, nodes, weights)
    return gen_free_energy(alpha, beta, dxi, dh, m, q, x, nodes, weights)


@numba.njit(cache=True)
def spin_glass_point(alpha, beta, dxi, dh, ags, nodes, weights):
    """``(q, x, f)`` of the spin-glass (``q > 0``) or paramagnetic (``q = 0``) solution at m = 0."""
    q = spin_glass_q(alpha, beta, dxi, dh, ags, nodes, weights, 1e-14)
    if ags:
        _, _, x = ags_rhs(alpha, beta, 0.0, q, nodes, weights)
    else:
        _, _, x = gen_rhs(alpha, beta, dxi, dh, 0.0, q, nodes, weights)
    if not np.isfinite(x):  # the paramagnet below the hidden units' divergence: no solution
        return q, np.nan, np.nan
    return q, x, _free_energy(alpha, beta, dxi, dh, ags, 0.0, q, x, nodes, weights)


@numba.njit(cache=True)
def diagram_columns(alphas, betas, dxi, dh, ags, nodes, weights, tol, maxit, out):
    """The whole ``(alpha, T)`` grid: ``out[i, j] = (m_R, q_R, f_R, q_SG, f_SG)``.

    The retrieval branch is followed by warm-started continuation along each column (``betas``
    ordered from the lowest temperature up, every column starting from the pattern ``m = q = 1``);
    once it has fallen to ``m <= 0.05`` (or failed) it is NaN for that and every higher temperature
    (retrieval states exist below ``T_M(alpha)`` only).
    The spin-glass branch is the bracketed root of :func:`spin_glass_q` at every point.
    """
    for i in range(alphas.size):
        m, q = 1.0, 1.0
        for j in range(betas.size):
            if m > 0.05:
                m, q, x = _solve(alphas[i], betas[j], dxi, dh, ags, m, q, nodes, weights, tol, maxit)
            if not (np.isfinite(m) and m > 0.05):  # lost: none at higher T either
                out[i, j, 0:3] = np.nan
                m = 0.0
            else:
                out[i, j, 0], out[i, j, 1] = m, q
                out[i, j, 2] = _free_energy(alphas[i], betas[j], dxi, dh, ags, m, q, x, nodes, weights)
            qs, _, fs = spin_glass_point(alphas[i], betas[j], dxi, dh, ags, nodes, weights)
            out[i, j, 3], out[i, j, 4] = qs, fs


@numba.njit(cache=True)
def _follow(alpha, beta, dxi, dh, m, q, nodes, weights, maxit, m_min):
    """Iterate from ``(m, q)``; a retrieval state needs ``m > m_min`` and convergence (an
    iteration pinned at the bound ``beta (1 - q) dh = 1`` by :func:`_stay_bounded` is none)."""
    if dxi == 0.0 and dh == 1.0:  # the Hopfield model: the (cheaper) AGS form
        m, q, _, it = ags_point(alpha, beta, m, q, nodes, weights, 1e-11, maxit)
    else:
        m, q, _, it = gen_point(alpha, beta, dxi, dh, m, q, nodes, weights, 1e-11, maxit)
    return m, q, np.isfinite(m) and m > m_min and it < maxit


@numba.njit(cache=True)
def _bisect(a, t_ok, t_no, m, q, dxi, dh, steps, nodes, weights, maxit, m_min):
    """Bisection between ``t_ok`` (retrieval, state ``(m, q)``) and ``t_no`` (none), each trial
    warm-started from the last retrieving state."""
    for _ in range(steps):
        mid = 0.5 * (t_ok + t_no)
        m1, q1, ok = _follow(a, 1.0 / mid, dxi, dh, m, q, nodes, weights, maxit, m_min)
        if ok:
            t_ok, m, q = mid, m1, q1
        else:
            t_no = mid
    return 0.5 * (t_ok + t_no)


@numba.njit(cache=True)
def tm_scan(alphas, dxi, dh, t_lo, t_hi, dt, steps, nodes, weights, maxit, m_min, out):
    """``out[i]`` = the temperature where the retrieval branch, followed up from ``t_lo`` (from the
    pattern ``m = q = 1``) in steps ``dt`` with warm starts, is lost; then ``steps`` bisections,
    each iteration warm-started from the last temperature that still retrieves. NaN: no retrieval
    at ``t_lo``; ``t_hi``: still retrieving there."""
    for i in range(alphas.size):
        a = alphas[i]
        m, q, ok = _follow(a, 1.0 / t_lo, dxi, dh, 1.0, 1.0, nodes, weights, maxit, m_min)
        if not ok:
            out[i] = np.nan
            continue
        lo = t_lo
        hi = t_hi
        t = t_lo
        while t < t_hi:
            t = min(t + dt, t_hi)
            m1, q1, ok = _follow(a, 1.0 / t, dxi, dh, m, q, nodes, weights, maxit, m_min)
            if not ok:
                hi = t
                break
            lo, m, q = t, m1, q1
        if lo >= t_hi:
            out[i] = t_hi
            continue
        out[i] = _bisect(a, lo, hi, m, q, dxi, dh, steps, nodes, weights, maxit, m_min)


@numba.njit(cache=True)
def tm_refine(alphas, lo, hi, m0, q0, dxi, dh, steps, nodes, weights, maxit, m_min, out):
    """Bisection of ``T_M`` inside per-alpha brackets ``[lo, hi]`` (retrieval at ``lo`` with the
    state ``(m0, q0)``, none at ``hi``), each trial warm-started from the last retrieving state."""
    for i in range(alphas.size):
        if not (np.isfinite(lo[i]) and np.isfinite(hi[i])):
            out[i] = lo[i]
            continue
        out[i] = _bisect(alphas[i], lo[i], hi[i], m0[i], q0[i], dxi, dh, steps, nodes, weights, maxit, m_min)
