"""Flatness of a minimum: Hessian-vector products, top eigenvalue, trace, random perturbations.

For a one-hidden-layer network with flat parameters ``theta`` (:mod:`spinscope.nn.loss_landscape`)
and the mean cross-entropy ``L`` on a data set:

* :func:`hvp` computes ``H v`` by double back-propagation (never forming ``H``);
* :func:`top_eigenpairs` finds the largest eigenvalues of ``H`` with Lanczos iterations
  (:func:`scipy.sparse.linalg.eigsh` on a :class:`~scipy.sparse.linalg.LinearOperator` of HVPs);
* :func:`hutchinson_trace` estimates ``tr H = E[v^T H v]`` with Rademacher probes ``v``
  (Hutchinson 1990), returning the mean and its standard error;
* :func:`perturbation_sharpness` is the mean loss increase ``L(theta + rho u) - L(theta)`` over
  random directions ``u`` uniform on the unit sphere (all probes batched).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator, eigsh

from spinscope._validation import SeedLike, check_int, check_positive, make_rng
from spinscope.nn.loss_landscape import MLPShape, _ce, logits, losses

__all__ = ["hutchinson_trace", "hvp", "loss_function", "perturbation_sharpness", "top_eigenpairs"]


def loss_function(shape: MLPShape, x, y):
    """``theta (D,) tensor -> mean cross-entropy`` on ``(x, y)`` (float64 for accurate second derivatives)."""
    xt, yt = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y)
    return lambda th: _ce(logits(shape, th[None], xt), yt)[0]


def hvp(shape: MLPShape, theta, x, y):
    """A function ``v -> H v`` (numpy in, numpy out; ``v`` of shape (D,) or (D, k)) at ``theta``."""
    f = loss_function(shape, x, y)
    th = torch.as_tensor(np.asarray(theta, dtype=np.float64)).requires_grad_(True)
    (g,) = torch.autograd.grad(f(th), th, create_graph=True)

    def apply(v: np.ndarray) -> np.ndarray:
        vv = np.asarray(v, dtype=np.float64)
        cols = vv.reshape(vv.shape[0], -1)
        out = [torch.autograd.grad(g, th, torch.as_tensor(c), retain_graph=True)[0].numpy() for c in cols.T]
        return np.stack(out, axis=1).reshape(vv.shape)
    return apply


def top_eigenpairs(shape: MLPShape, theta, x, y, *, k: int = 1, tol: float = 1e-6,
                   seed: SeedLike = 0) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest (algebraic) Hessian eigenvalues, descending, and eigenvectors (D, k)."""
    k = check_int(k, "k", minimum=1)
    apply = hvp(shape, theta, x, y)
    d = np.asarray(theta).size
    op = LinearOperator((d, d), matvec=apply, dtype=np.float64)
    v0 = make_rng(seed).standard_normal(d)
    vals, vecs = eigsh(op, k=k, which="LA", tol=tol, v0=v0)
    order = np.argsort(vals)[::-1]
    return vals[order], vecs[:, order]


def hutchinson_trace(shape: MLPShape, theta, x, y, *, probes: int = 32, seed: SeedLike = None
                     ) -> tuple[float, float]:
    """``(estimate, standard error)`` of ``tr H`` from ``probes`` Rademacher vectors."""
    probes = check_int(probes, "probes", minimum=2)
    apply = hvp(shape, theta, x, y)
    v = make_rng(seed).choice([-1.0, 1.0], size=(np.asarray(theta).size, probes))
    q = np.einsum("dk,dk->k", v, apply(v))
    return float(q.mean()), float(q.std(ddof=1) / np.sqrt(probes))


def perturbation_sharpness(shape: MLPShape, theta, x, y, *, radius: float = 1.0, probes: int = 32,
                           seed: SeedLike = None) -> float:
    """Mean ``L(theta + radius u) - L(theta)`` over ``probes`` uniform unit directions ``u``."""
    radius = check_positive(radius, "radius")
    probes = check_int(probes, "probes", minimum=1)
    th = np.asarray(theta, dtype=np.float64)
    u = make_rng(seed).standard_normal((probes, th.size))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    base = losses(shape, th[None].astype(np.float32), x, y)[0]
    return float(np.mean(losses(shape, (th[None] + radius * u).astype(np.float32), x, y) - base))
