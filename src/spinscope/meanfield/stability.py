"""Stability of the paramagnetic TAP solution of one instance, and its ``T_c``.

At ``m = 0`` the TAP Hessian (scaled by ``diag(1 - m^2)``) is the ``n x n`` matrix

    M(beta) = I - beta J + beta^2 D,      D = diag(sum_j J_ij^2),

and the paramagnet is stable while its least eigenvalue ``lambda_min(beta) > 0``. ``T_c`` is the
highest temperature (smallest ``beta``) where ``lambda_min`` reaches zero. Two cases (see
``docs/theory-layered-sk.md``):

* **touch** – random couplings: ``lambda_min`` only touches zero (for SK it is ``(1 - beta)^2``, a
  double root at the spectral edge). On a finite instance the minimum lies ``O(n^{-2/3})`` above
  or below zero; a root of a sign change would then be off by ``O(n^{-1/3})``, so ``T_c`` is the
  position of the minimum (bounded Brent minimisation, ``xtol = tol``), reported with
  ``lambda_min`` there.
* **cross** – a bond matrix with outliers (trained networks): the minimum is clearly negative
  (below ``-touch_tol``) and ``T_c`` is the first zero, bracketed on the grid and refined with
  ``brentq`` to ``tol``.
* **none** – a model without couplings: ``M(beta) = I``, the paramagnet is stable at every
  temperature and there is no ``T_c`` (``tc = beta_c = None``; no default grid, ``lambda_min = 1``
  on a given one).

On a small instance the touching minimum is well above zero (``2n^{-2/3}`` or so; ``3/4`` for a
single bond): ``T_c`` is then the finite-size position of the minimum, with ``lambda_min_at_tc``
saying how far from zero it stays.

``lambda_min`` on a grid is computed by a reduced-basis Rayleigh–Ritz scheme: least eigenvectors
computed by Lanczos (``scipy.sparse.linalg.eigsh``, warm-started) span a small subspace; at each
grid point the Ritz pair of that subspace is accepted when its residual ``||M v - theta v||`` is
below ``1e-7`` (then ``theta`` is within ``residual^2 / gap`` of an eigenvalue, and always an upper
bound of ``lambda_min``); otherwise Lanczos is run and its vector joins the subspace. No dense
eigendecomposition is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

from spinscope._validation import check_int, check_positive
from spinscope.errors import InputError
from spinscope.meanfield._couplings import Couplings, blas_threads, extreme_eig
from spinscope.models import IsingModel

__all__ = ["StabilityResult", "beta_scale", "stability_curve", "stability_tc"]

_RES_TOL = 1e-7


class _MinEig:
    """``lambda_min(M(beta))`` with a growing reduced basis and warm-started Lanczos."""

    def __init__(self, cp: Couplings, *, seed: int = 0):
        self.cp = cp
        self.n = cp.n
        self.V = np.zeros((self.n, 0))
        self.JV = np.zeros((self.n, 0))
        self.n_lanczos = 0
        self.rng = np.random.default_rng(seed)

    def _add(self, v: np.ndarray) -> None:
        for _ in range(2):
            v = v - self.V @ (self.V.T @ v)
        nv = np.linalg.norm(v)
        if nv < 1e-8:
            return
        v = v / nv
        self.V = np.column_stack([self.V, v])
        self.JV = np.column_stack([self.JV, self.cp.matvec(v)])

    def _ritz(self, beta: float) -> tuple[float, np.ndarray, float]:
        V, JV, D = self.V, self.JV, self.cp.D
        proj = np.eye(V.shape[1]) - beta * (V.T @ JV) + beta**2 * (V.T @ (D[:, None] * V))
        w, y = np.linalg.eigh(0.5 * (proj + proj.T))
        v = V @ y[:, 0]
        r = v + beta**2 * D * v - beta * (JV @ y[:, 0]) - w[0] * v
        return float(w[0]), v, float(np.linalg.norm(r))

    def lanczos(self, beta: float, v0: np.ndarray | None, tol: float = 1e-10) -> tuple[float, np.ndarray]:
        n, D, cp = self.n, self.cp.D, self.cp

        def mv(x):
            x = np.ravel(x)
            return x + beta**2 * D * x - beta * cp.matvec(x)

        if n <= 3:
            j = cp.apply(np.eye(n))
            w, vecs = np.linalg.eigh(np.eye(n) + beta**2 * np.diag(D) - beta * j)
            return float(w[0]), vecs[:, 0]
        if not np.any(D):  # J = 0: M(beta) = I (Lanczos cannot leave the span of v0)
            return 1.0, np.full(n, 1.0 / np.sqrt(n))
        if v0 is None:
            v0 = self.rng.standard_normal(n)
        lam, vec = extreme_eig(mv, n, which="SA", v0=v0, tol=tol, maxiter=20 * n)
        self.n_lanczos += 1
        return lam, vec

    def __call__(self, beta: float, v_hint: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        v0 = v_hint
        if self.V.shape[1]:
            theta, v, res = self._ritz(beta)
            if res < _RES_TOL:
                return theta, v
            v0 = v
        lam, v = self.lanczos(beta, v0)
        self._add(v)
        return lam, v


def _check_betas(betas) -> np.ndarray:
    b = np.atleast_1d(np.asarray(betas, dtype=float))
    if b.ndim != 1 or b.size == 0 or not np.all(np.isfinite(b)) or np.any(b < 0):
        raise InputError("betas must be a non-empty 1-D list of finite inverse temperatures >= 0")
    return b


def beta_scale(model: IsingModel, cp: Couplings | None = None) -> float:
    """A natural inverse temperature ``lambda_max(J) / (2 v^T D v)`` (``v`` the top eigenvector of J).

    It minimises ``1 - beta lambda_max + beta^2 v^T D v``, the Rayleigh quotient of ``M(beta)`` on
    ``v``; for SK this is ``1/J``. Used to place the default ``beta`` grid.
    """
    cp = cp or Couplings(model)
    n = cp.n
    if n <= 3:
        w, vecs = np.linalg.eigh(cp.apply(np.eye(n)))
        lam, v = w[-1], vecs[:, -1]
    elif not np.any(cp.D):  # J = 0
        lam, v = 0.0, np.ones(n)
    else:
        lam, v = extreme_eig(cp.matvec, n, which="LA", v0=np.ones(n), tol=1e-6)
    dv = float(v @ (cp.D * v))
    if lam <= 0 or dv <= 0:
        raise InputError("the coupling matrix has no positive eigenvalue: the paramagnet is stable "
                         "at every temperature (no finite T_c)")
    return float(lam / (2.0 * dv))


def stability_curve(model: IsingModel, betas) -> tuple[np.ndarray, np.ndarray]:
    """Least eigenvalue of ``M(beta) = I - beta J + beta^2 D`` on a grid of inverse temperatures.

    Parameters
    ----------
    model : IsingModel
        Any Ising model (fields are irrelevant at ``m = 0``).
    betas : array of shape ``(K,)``
        Inverse temperatures ``beta = 1/T`` (``>= 0``), in units of the inverse couplings.

    Returns
    -------
    betas : ndarray, shape ``(K,)``
    lambda_min : ndarray, shape ``(K,)``
    """
    b = _check_betas(betas)
    with blas_threads(1):
        me = _MinEig(Couplings(model))
        return b, _curve(me, b)


def _curve(me: _MinEig, betas: np.ndarray) -> np.ndarray:
    out = np.empty(betas.size)
    v = None
    for i in np.argsort(betas):
        out[i], v = me(float(betas[i]), v)
    return out


@dataclass
class StabilityResult:
    """``T_c`` of the paramagnetic TAP solution of one instance.

    Attributes
    ----------
    tc : float or None
        Temperature where ``lambda_min`` reaches zero (touch: its minimum; cross: first zero);
        None without couplings (``crossing="none"``).
    beta_c : float or None
        ``1 / tc``.
    lambda_min_at_tc : float
        ``lambda_min(beta_c)``: ~0 for a crossing, the (small) minimum value for a touch, 1 for
        ``"none"``.
    crossing : {"touch", "cross", "none"}
    betas, lambda_min : ndarray of shape ``(K,)``
        The grid curve used to locate ``T_c``.
    touch_tol : float
        Minima above ``-touch_tol`` count as touching.
    tol : float
        Precision of ``beta_c``.
    n_lanczos : int
        Number of Lanczos solves (the rest were reduced-basis Ritz values).
    """

    tc: float | None
    beta_c: float | None
    lambda_min_at_tc: float
    crossing: str
    betas: np.ndarray = field(repr=False)
    lambda_min: np.ndarray = field(repr=False)
    touch_tol: float = 0.0
    tol: float = 1e-6
    n_lanczos: int = 0

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"tc": self.tc, "beta_c": self.beta_c, "lambda_min_at_tc": self.lambda_min_at_tc,
                "crossing": self.crossing, "betas": self.betas.tolist(),
                "lambda_min": self.lambda_min.tolist(), "touch_tol": self.touch_tol,
                "tol": self.tol, "n_lanczos": self.n_lanczos}


def default_betas(model: IsingModel, n_betas: int = 200, cp: Couplings | None = None) -> np.ndarray:
    """``n_betas`` equally spaced inverse temperatures in ``(0, 2 beta_scale]``."""
    hi = 2.0 * beta_scale(model, cp)
    return np.linspace(0.0, hi, check_int(n_betas, "n_betas", minimum=3) + 1)[1:]


def stability_tc(model: IsingModel, *, betas=None, n_betas: int = 200, tol: float = 1e-6,
                 touch_tol: float | None = None) -> StabilityResult:
    """``T_c`` of one instance from the least eigenvalue of ``I - beta J + beta^2 D``.

    Parameters
    ----------
    model : IsingModel
    betas : array, optional
        Grid of inverse temperatures (default: ``n_betas`` points up to ``2 beta_scale``; the grid
        is extended when the minimum sits at its end).
    n_betas : int
        Size of the default grid.
    tol : float
        Absolute precision of ``beta_c`` (Brent minimisation or ``brentq``).
    touch_tol : float, optional
        A minimum of ``lambda_min`` below ``-touch_tol`` is a crossing. Default ``4 n^{-2/3}``, about
        three standard deviations of the finite-size depth of a random instance's minimum.

    Returns
    -------
    StabilityResult
    """
    tol = check_positive(tol, "tol")
    with blas_threads(1):
        return _stability_tc(model, betas, n_betas, tol, touch_tol)


def _stability_tc(model, betas, n_betas, tol, touch_tol) -> StabilityResult:
    cp = Couplings(model)
    me = _MinEig(cp)
    touch_tol = 4.0 * model.n ** (-2.0 / 3.0) if touch_tol is None else float(touch_tol)
    if not np.any(cp.D):  # no couplings: M(beta) = I
        b = np.zeros(0) if betas is None else np.sort(_check_betas(betas))
        return StabilityResult(tc=None, beta_c=None, lambda_min_at_tc=1.0, crossing="none", betas=b,
                               lambda_min=np.ones(b.size), touch_tol=touch_tol, tol=tol)
    b = default_betas(model, n_betas, cp) if betas is None else np.sort(_check_betas(betas))
    lam = _curve(me, b)
    for _ in range(4):  # extend when the curve is still decreasing at the end of the grid
        if np.argmin(lam) < b.size - 1 or np.any(lam < 0):
            break
        ext = b[-1] + (b[1] - b[0]) * np.arange(1, b.size + 1)
        b = np.concatenate([b, ext])
        lam = np.concatenate([lam, _curve(me, ext)])
    neg = np.flatnonzero(lam < 0)
    if neg.size:
        j = int(neg[0])
        while j + 1 < b.size and lam[j + 1] <= lam[j]:
            j += 1
    else:
        j = int(np.argmin(lam))
    lo = b[j - 1] if j > 0 else 0.5 * b[0]
    hi = b[j + 1] if j + 1 < b.size else b[j] + (b[j] - lo)
    f = lambda x: me(float(x))[0]  # noqa: E731
    opt = scipy.optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded",
                                         options={"xatol": tol})
    bmin, lmin = float(opt.x), float(opt.fun)
    if lam[j] < lmin:
        bmin, lmin = float(b[j]), float(lam[j])
    if lmin < -touch_tol:
        if neg.size:
            k = int(neg[0])
            a, c = (b[k - 1] if k > 0 else 0.0), b[k]
        else:
            a, c = lo, bmin
        beta_c = float(scipy.optimize.brentq(f, a, c, xtol=tol)) if a > 0 or c > 0 else c
        crossing, lam_c = "cross", f(beta_c)
    else:
        beta_c, crossing, lam_c = bmin, "touch", lmin
    return StabilityResult(tc=1.0 / beta_c, beta_c=beta_c, lambda_min_at_tc=float(lam_c),
                           crossing=crossing, betas=b, lambda_min=lam, touch_tol=touch_tol,
                           tol=tol, n_lanczos=me.n_lanczos)
