"""Critical points of the spherical pure p-spin model: batched descent, Newton, Hessian index.

The model (normalisation of :mod:`spinscope.meanfield.pspin`) is stored as the symmetrised
coupling tensor ``S`` (the average of ``J`` over index permutations, which leaves ``H`` unchanged), so

    H(x) = c S[x,...,x],   grad H = p c S[x,...,x,.],   Hess H = p(p-1) c S[x,...,.,.],   c = N^{-(p-1)/2}.

On the sphere ``|x|^2 = N`` with tangent projector ``P = I - x x^T/N``, the Riemannian gradient
is ``P grad H`` and the Riemannian Hessian ``P Hess H P - (x . grad H / N) P``; at a critical point
``x . grad H = p H`` (Euler's theorem), so it is ``P Hess H P - p E P`` with ``E = H/N``. Its index
is counted on the ``N - 1`` tangent directions.

Every function takes a batch of points ``x`` of shape ``(B, N)`` and works on all of them at once:
one matrix product ``S.reshape(N^{p-1}, N) @ x.T`` per contraction, so a batch costs about as much
as a handful of single points (``benchmarks/bench_loss.py`` measures it against a loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

import numpy as np

from spinscope._validation import SeedLike, check_int, check_memory, check_positive, make_rng
from spinscope.errors import InputError

__all__ = ["CriticalPoints", "SphericalPSpin", "critical_points", "descend", "hessian_index", "newton",
           "spherical_pspin"]


@dataclass(frozen=True, eq=False)
class SphericalPSpin:
    """A spherical pure p-spin instance: ``p``, ``n`` and the symmetrised couplings ``tensor`` (n,)*p."""

    p: int
    n: int
    tensor: np.ndarray

    @property
    def scale(self) -> float:
        return float(self.n) ** (-(self.p - 1) / 2.0)

    def _contract(self, x: np.ndarray, times: int) -> np.ndarray:
        """``S`` contracted with ``x`` on its last ``times`` indices: shape ``(B,) + (n,)*(p-times)``."""
        n, b = self.n, x.shape[0]
        t = (self.tensor.reshape(-1, n) @ x.T)                 # (n^(p-1), B)
        for _ in range(times - 1):
            t = np.einsum("ijb,bj->ib", t.reshape(-1, n, b), x)
        return np.moveaxis(t, -1, 0).reshape((b,) + (n,) * (self.p - times))

    def energy(self, x: np.ndarray) -> np.ndarray:
        """Energy per spin ``H(x)/N`` of each row of ``x`` (B, N) (rows need not be normalised)."""
        g = self._contract(x, self.p - 1)
        return self.scale * np.einsum("bi,bi->b", g, x) / self.n

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """Euclidean gradient of ``H`` (not per spin), shape (B, N)."""
        return self.p * self.scale * self._contract(x, self.p - 1)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """Euclidean Hessian of ``H``, shape (B, N, N)."""
        if self.p == 2:
            return np.broadcast_to(2 * self.scale * self.tensor, (x.shape[0], self.n, self.n)).copy()
        return self.p * (self.p - 1) * self.scale * self._contract(x, self.p - 2)

    def riemannian_gradient(self, x: np.ndarray) -> np.ndarray:
        g = self.gradient(x)
        return g - x * (np.einsum("bi,bi->b", g, x) / self.n)[:, None]

    def riemannian_hessian(self, x: np.ndarray) -> np.ndarray:
        """``P Hess P - (x.grad/N) P`` at each point (B, N, N); the normal direction x is an eigenvector with 0."""
        n = self.n
        h = self.hessian(x)
        hx = np.einsum("bij,bj->bi", h, x)
        xhx = np.einsum("bi,bi->b", x, hx)
        radial = np.einsum("bi,bi->b", self.gradient(x), x) / n
        outer = x[:, :, None] * x[:, None, :]
        php = (h - (x[:, :, None] * hx[:, None, :] + hx[:, :, None] * x[:, None, :]) / n
               + (xhx / n**2)[:, None, None] * outer)
        return php - radial[:, None, None] * (np.eye(n)[None] - outer / n)


def spherical_pspin(n: int, p: int = 3, *, seed: SeedLike = None) -> SphericalPSpin:
    """A random instance: i.i.d. N(0, 1) couplings over ordered tuples, symmetrised (float64).

    Raises :class:`~spinscope.errors.InputError` for ``p < 2`` or ``n < 2`` and
    :class:`~spinscope.errors.MemoryLimitError` when the dense tensor would not fit.
    """
    if isinstance(p, bool) or int(p) != p or p < 2:
        raise InputError(f"p must be an integer >= 2 (the order of the p-spin interaction), got {p!r}")
    p, n = int(p), check_int(n, "N", minimum=2)
    check_memory(3.0 * 8 * float(n) ** p, f"a spherical {p}-spin model with N = {n}",
                 advice=f"use a smaller N (the couplings are a dense tensor of N^{p} numbers)")
    j = make_rng(seed).standard_normal((n,) * p)
    s = np.zeros_like(j)
    perms = list(permutations(range(p)))
    for perm in perms:
        s += j.transpose(perm)
    return SphericalPSpin(p, n, s / len(perms))


def _to_sphere(x: np.ndarray) -> np.ndarray:
    return x * (np.sqrt(x.shape[1]) / np.linalg.norm(x, axis=1))[:, None]


def descend(model: SphericalPSpin, x0: np.ndarray, *, steps: int = 2000, lr: float = 0.05,
            momentum: float = 0.9, tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Projected gradient descent (heavy-ball momentum) on the sphere for a batch of starts.

    Returns ``(x, converged)``: the final points (B, N) on the sphere and whether the Riemannian
    gradient norm per sqrt(N) fell below ``tol``. Converged rows stop moving.
    """
    steps = check_int(steps, "steps", minimum=0)
    lr, tol = check_positive(lr, "lr"), check_positive(tol, "tol")
    x = _to_sphere(np.array(x0, dtype=float))
    v = np.zeros_like(x)
    active = np.ones(x.shape[0], dtype=bool)
    for _ in range(steps):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        g = model.riemannian_gradient(x[idx])
        small = np.linalg.norm(g, axis=1) / np.sqrt(model.n) < tol
        active[idx[small]] = False
        v[idx] = momentum * v[idx] - lr * g
        v[idx[small]] = 0.0
        x[idx] = _to_sphere(x[idx] + v[idx])
    g = model.riemannian_gradient(x)
    return x, np.linalg.norm(g, axis=1) / np.sqrt(model.n) < tol


def newton(model: SphericalPSpin, x0: np.ndarray, *, iters: int = 60, tol: float = 1e-8,
           max_step: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Riemannian Newton iterations towards the nearest critical point of any index.

    Each step solves ``(Hess_R + x x^T/N) d = -grad_R`` (the added term fixes the normal
    direction) and moves along ``d``, at most ``max_step * sqrt(N)`` far, then back to the sphere.
    Returns ``(x, converged)`` with converged meaning ``|grad_R| / sqrt(N) < tol``; converged
    rows stop moving.
    """
    x = _to_sphere(np.array(x0, dtype=float))
    n = model.n
    active = np.ones(x.shape[0], dtype=bool)
    for _ in range(check_int(iters, "iters", minimum=0)):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        xa = x[idx]
        g = model.riemannian_gradient(xa)
        done = np.linalg.norm(g, axis=1) / np.sqrt(n) < tol
        active[idx[done]] = False
        idx, xa, g = idx[~done], xa[~done], g[~done]
        if idx.size == 0:
            break
        h = model.riemannian_hessian(xa) + xa[:, :, None] * xa[:, None, :] / n
        d = -np.linalg.solve(h, g[:, :, None])[..., 0]
        dn = np.linalg.norm(d, axis=1) / np.sqrt(n)
        d *= np.minimum(1.0, max_step / np.maximum(dn, 1e-300))[:, None]
        x[idx] = _to_sphere(xa + d)
    return x, np.linalg.norm(model.riemannian_gradient(x), axis=1) / np.sqrt(n) < tol


def hessian_index(model: SphericalPSpin, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(index, smallest eigenvalue)`` of the Riemannian Hessian on the tangent space at each point."""
    n = model.n
    h = model.riemannian_hessian(x) + 1e3 * x[:, :, None] * x[:, None, :] / n   # normal direction out of the way
    ev = np.linalg.eigvalsh(h)
    return (ev < 0).sum(axis=1), ev[:, 0]


@dataclass(frozen=True)
class CriticalPoints:
    """Critical points found from many starts.

    ``energy`` (per spin), ``index`` (negative tangent eigenvalues, of N-1), ``min_eigenvalue``,
    ``grad_norm`` (|grad_R|/sqrt(N)), ``converged`` and ``method`` ("descent" minima or "newton"
    saddles), one entry per start; ``start_energy`` is the energy of the random starts.
    """

    p: int
    n: int
    energy: np.ndarray
    index: np.ndarray
    min_eigenvalue: np.ndarray
    grad_norm: np.ndarray
    converged: np.ndarray
    method: np.ndarray
    start_energy: np.ndarray

    def rows(self) -> list[dict]:
        return [{"method": str(m), "energy": float(e), "index": int(k), "index_fraction": float(k) / (self.n - 1),
                 "min_eigenvalue": float(lam), "grad_norm": float(g), "converged": bool(c)}
                for m, e, k, lam, g, c in zip(self.method, self.energy, self.index, self.min_eigenvalue,
                                              self.grad_norm, self.converged, strict=True)]


def critical_points(model: SphericalPSpin, *, starts: int = 32, saddles: int = 32, steps: int = 2000,
                    lr: float = 0.05, seed: SeedLike = None) -> CriticalPoints:
    """Minima by gradient descent from ``starts`` random points, saddles by Newton from points on
    descent paths (energies spread between the starts and the threshold), all batched.

    Newton starts are the descent iterates after ``1, 2, 4, ...`` steps of ``saddles`` fresh random
    starts (cycled), so the saddles found cover the energies from 0 down to ``E_inf``.
    """
    starts = check_int(starts, "starts", minimum=1)
    saddles = check_int(saddles, "saddles", minimum=0)
    rng = make_rng(seed)
    x0 = rng.standard_normal((starts, model.n))
    e0 = model.energy(_to_sphere(x0))
    xm, okm = descend(model, x0, steps=steps, lr=lr)
    parts = [(xm, okm, np.full(starts, "descent"))]
    if saddles:
        y = rng.standard_normal((saddles, model.n))
        lengths = 2 ** (np.arange(saddles) % 8)
        ys = np.concatenate([descend(model, y[lengths == s], steps=int(s), lr=lr, tol=1e-300)[0]
                             for s in np.unique(lengths)])
        xs, oks = newton(model, ys)
        parts.append((xs, oks, np.full(saddles, "newton")))
    x = np.concatenate([a for a, _, _ in parts])
    ok = np.concatenate([b for _, b, _ in parts])
    idx, lam = hessian_index(model, x)
    gn = np.linalg.norm(model.riemannian_gradient(x), axis=1) / np.sqrt(model.n)
    return CriticalPoints(model.p, model.n, model.energy(x), idx, lam, gn, ok,
                          np.concatenate([m for _, _, m in parts]), e0)
