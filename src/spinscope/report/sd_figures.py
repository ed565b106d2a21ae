"""Figures of ``spinscope sd``: field parity, training history, relaxation after a quench.

Object-oriented matplotlib (:class:`matplotlib.figure.Figure`, no ``pyplot``); inputs are plain arrays.
"""

from __future__ import annotations

import numpy as np

from spinscope.report._figures import new_figure

__all__ = ["history_figure", "parity_figure", "relaxation_figure"]


def parity_figure(pred: np.ndarray, exact: np.ndarray, *, r2: float, rmse: float, title: str = ""):
    """Predicted against exact tangent field components (all sites, configurations, components)."""
    fig = new_figure((4.6, 4.4))
    ax = fig.subplots()
    p, e = np.ravel(pred), np.ravel(exact)
    ax.hexbin(e, p, gridsize=60, bins="log", mincnt=1, cmap="viridis")
    lim = float(np.max(np.abs(np.concatenate([p, e])))) * 1.05
    ax.plot([-lim, lim], [-lim, lim], "r-", lw=0.8)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel("exact field component (tangent)")
    ax.set_ylabel("predicted field component")
    ax.set_title(f"{title}R² = {r2:.4f}, RMSE = {rmse:.3g}", fontsize=9)
    fig.tight_layout()
    return fig


def history_figure(history: list[dict]):
    """Training loss and validation MSE per epoch (log scale)."""
    fig = new_figure((5.2, 3.4))
    ax = fig.subplots()
    ep = [h["epoch"] for h in history]
    ax.semilogy(ep, [h["train_loss"] for h in history], label="training loss")
    ax.semilogy(ep, [h["val_mse"] for h in history], label="validation field MSE")
    ax.set_xlabel("epoch")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def relaxation_figure(times: np.ndarray, curves: dict[str, dict[str, np.ndarray]]):
    """Energy per spin and ``C(t)`` against time: mean over realisations with a ±1 std band per run kind.

    ``curves``: ``{label: {"energy": (R, T), "autocorrelation": (R, T)}}``.
    """
    fig = new_figure((10, 3.6))
    axes = fig.subplots(1, 2)
    for (label, c), style in zip(curves.items(), ("-", "--", ":"), strict=False):
        for ax, key in zip(axes, ("energy", "autocorrelation"), strict=True):
            y = np.atleast_2d(c[key])
            m = y.mean(0)
            ax.plot(times, m, style, label=f"{label} (mean of {y.shape[0]})")
            if y.shape[0] > 1:
                sd = y.std(0, ddof=1)
                ax.fill_between(times, m - sd, m + sd, alpha=0.25)
    axes[0].set_ylabel("Ω / N (exact, per spin)")
    axes[1].set_ylabel("C(t) = ⟨S_i(t)·S_i(0)⟩")
    for ax in axes:
        ax.set_xlabel("time t (units of ħ/t0)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
