"""Figures of Monte Carlo results: observables against temperature, overlap distributions.

Object-oriented matplotlib (:class:`matplotlib.figure.Figure`, no ``pyplot``, no backend
selection); each function writes one PNG atomically and returns its path. Inputs are the tables
of a ``SimulationResult`` of the ``simulate`` workflow (read by attribute; no import of it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spinscope.report._figures import new_figure, save_png

__all__ = ["plot_observables", "plot_overlap_distribution"]

_PANELS = (("energy", "energy per spin e"), ("abs_m", "<|m|>"), ("specific_heat", "C per spin"),
           ("susceptibility", "chi per spin"), ("binder", "Binder U_4"), ("xi", "xi_2nd"),
           ("chi_sg", "chi_SG"), ("q_link", "link overlap"))


def _figure(n_panels: int):
    cols = min(n_panels, 3)
    rows = int(np.ceil(n_panels / cols))
    fig = new_figure((4.2 * cols, 3.2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    return fig, axes.ravel()


def plot_observables(summary, path) -> Path:
    """Observables with error bars against ``T``, one panel each, grouped by system size ``n``.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``SimulationResult.summary()`` (or several concatenated, one per size): columns ``T``,
        ``n`` and ``<obs>``, ``<obs>_err`` for the observables present.
    path : path-like
        The PNG to write (replaced if it exists).

    Returns
    -------
    Path
        ``path``.
    """
    panels = [(c, lab) for c, lab in _PANELS if c in summary.columns and summary[c].notna().any()]
    fig, axes = _figure(max(len(panels), 1))
    for ax, (col, label) in zip(axes, panels):
        for n, grp in summary.groupby("n"):
            g = grp.sort_values("T")
            err = g[f"{col}_err"] if f"{col}_err" in g else None
            ax.errorbar(g["T"], g[col], yerr=err, marker="o", ms=3, capsize=2, label=f"n={n}")
        ax.set_xlabel("T")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    if panels and summary["n"].nunique() > 1:
        axes[0].legend(fontsize=8)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    return save_png(fig, Path(path))


def plot_overlap_distribution(result, path) -> Path:
    """``P(q)`` at every temperature of a ``SimulationResult`` with replica overlaps.

    Parameters
    ----------
    result : SimulationResult
        Needs ``overlap_q``, ``overlap_density`` (one row per temperature) and
        ``config["temperatures"]``.
    path : path-like
        The PNG to write (replaced if it exists).

    Returns
    -------
    Path
        ``path``.
    """
    from matplotlib import colormaps

    if result.overlap_density is None:
        raise ValueError("this result has no overlaps (simulate with replicas >= 2 on an Ising model)")
    fig, axes = _figure(1)
    ax = axes[0]
    temps = result.config["temperatures"]
    cmap = colormaps["viridis"]
    for t, dens in enumerate(result.overlap_density):
        ax.plot(result.overlap_q, dens, color=cmap(t / max(len(temps) - 1, 1)), label=f"T={temps[t]:.3g}")
    ax.set_xlabel("q")
    ax.set_ylabel("P(q)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return save_png(fig, Path(path))
