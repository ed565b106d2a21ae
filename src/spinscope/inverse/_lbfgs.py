"""One L-BFGS driver for the smooth inverse objectives: scipy's L-BFGS-B, gradients by torch.

The objective is written in torch (any device, float32 or float64) and differentiated by
autograd; the quasi-Newton iteration itself runs in float64 in :func:`scipy.optimize.minimize`
(method ``"L-BFGS-B"``, no bounds), on the parameters flattened into one vector.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["minimize"]


def minimize(objective: Callable, params: Sequence, *, max_iter: int, tol: float,
             history: int = 20) -> dict:
    """Minimise ``objective()`` (a scalar torch tensor of ``params``); ``params`` end at the minimum.

    Parameters
    ----------
    objective : callable
        No arguments; returns the loss, differentiable with respect to ``params`` (autograd), or
        a pair ``(loss, grads)`` with the gradient of each parameter computed by hand.
    params : sequence of torch tensors with ``requires_grad``
        Starting point; overwritten with the result.
    max_iter : int
        Largest number of L-BFGS iterations.
    tol : float
        Converged when the largest gradient component is below ``tol``.
    history : int
        L-BFGS memory.

    Returns
    -------
    dict
        ``n_iter``, ``n_eval``, ``converged`` (gradient below ``tol``), ``grad_max``, ``loss``,
        ``message`` (scipy's reason for stopping).
    """
    import torch
    from scipy.optimize import minimize as scipy_minimize

    sizes = [p.numel() for p in params]
    x0 = np.concatenate([p.detach().cpu().double().numpy().ravel() for p in params])

    def load(x: np.ndarray) -> None:
        with torch.no_grad():
            start = 0
            for p, k in zip(params, sizes):
                p.copy_(torch.as_tensor(x[start:start + k]).view_as(p))
                start += k

    def fun(x: np.ndarray):
        load(x)
        for p in params:
            p.grad = None
        out = objective()
        if isinstance(out, tuple):
            loss, grads = out
        else:
            out.backward()
            loss, grads = out.detach(), [p.grad for p in params]
        grad = np.concatenate([gr.detach().cpu().double().numpy().ravel() for gr in grads])
        return float(loss), grad

    res = scipy_minimize(fun, x0, jac=True, method="L-BFGS-B",
                         options={"maxiter": max_iter, "maxfun": int(1.5 * max_iter) + 20, "gtol": tol,
                                  "ftol": 0.0, "maxcor": history})
    loss, grad = fun(res.x)
    grad_max = float(np.abs(grad).max()) if grad.size else 0.0
    return {"n_iter": int(res.nit), "n_eval": int(res.nfev), "converged": grad_max <= tol,
            "grad_max": grad_max, "loss": loss, "message": str(res.message)}
