"""One L-BFGS driver (torch, strong-Wolfe line search) for the smooth inverse objectives."""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["minimize"]


def minimize(objective: Callable, params: Sequence, *, max_iter: int, tol: float,
             history: int = 20) -> dict:
    """Minimise ``objective()`` (a scalar torch tensor of ``params``) in place.

    Parameters
    ----------
    objective : callable
        No arguments; returns the loss, differentiable with respect to ``params``.
    params : sequence of torch tensors with ``requires_grad``
        Updated in place.
    max_iter : int
        Largest number of L-BFGS iterations.
    tol : float
        Converged when the largest gradient component is below ``tol``.
    history : int
        L-BFGS memory.

    Returns
    -------
    dict
        ``n_iter``, ``n_eval``, ``converged`` (gradient below ``tol``), ``grad_max``, ``loss``.
    """
    import torch

    opt = torch.optim.LBFGS(params, lr=1.0, max_iter=max_iter, max_eval=int(max_iter * 1.5) + 10,
                            tolerance_grad=tol, tolerance_change=1e-16, history_size=history,
                            line_search_fn="strong_wolfe")
    count = [0]

    def closure():
        opt.zero_grad()
        loss = objective()
        loss.backward()
        count[0] += 1
        return loss

    opt.step(closure)
    loss = closure().detach()
    grad_max = max(float(p.grad.abs().max()) for p in params if p.grad is not None)
    state = opt.state[opt._params[0]]
    return {"n_iter": int(state.get("n_iter", 0)), "n_eval": count[0], "converged": grad_max <= tol,
            "grad_max": grad_max, "loss": float(loss)}
