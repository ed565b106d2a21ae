"""Figures of ``spinscope hopfield``: the (alpha, T) phase diagram and the family of T_M curves.

Matplotlib ``Figure`` objects only (no pyplot); inputs are plain arrays and dicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from spinscope.report._figures import new_figure

__all__ = ["family_figure", "phase_diagram_figure"]

_COLORS = ("#f4f4f4", "#d9e6f5", "#fbe3c8", "#cdeccd")  # paramagnet, spin glass, mixed, retrieval


def phase_diagram_figure(alpha: np.ndarray, T: np.ndarray, phase: np.ndarray, lines: Mapping[str, np.ndarray],
                         mc_points: Sequence[Mapping] = (), *, title: str = ""):
    """Phases on the grid (colours), the ``T_M``, ``T_c``, ``T_g`` lines, and Monte Carlo points
    (filled: retrieval m > 0.5, open: none), each labelled with its overlap ± standard error
    over the target patterns (the error is on m, not on the point's position)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    fig = new_figure((6.4, 4.8))
    ax = fig.add_subplot(1, 1, 1)
    ax.pcolormesh(alpha, T, phase.T, cmap=ListedColormap(_COLORS), vmin=-0.5, vmax=3.5, shading="nearest")
    styles = {"T_M": ("k-", "T_M (retrieval states exist below)"),
              "T_c": ("k--", "T_c (retrieval is the global minimum below)"),
              "T_g": ("b-", "T_g = spin-glass line")}
    for key, (style, label) in styles.items():
        y = np.asarray(lines.get(key, []), dtype=float)
        if y.size and np.isfinite(y).any():
            ax.plot(alpha, y, style, lw=1.5, label=label)
    for p in mc_points:
        filled = p["m"] > 0.5
        ax.plot(p["alpha"], p["T"], "o", ms=6, mfc="k" if filled else "white", mec="k")
        ax.annotate(f"{p['m']:.2f}±{p['m_err']:.2f}", (p["alpha"], p["T"]), textcoords="offset points",
                    xytext=(5, 3), fontsize=7)
    handles = ax.get_legend_handles_labels()[0]
    names = ("paramagnet", "spin glass", "retrieval metastable", "retrieval stable")
    handles += [Patch(color=c, label=n) for c, n in zip(_COLORS, names)]
    ax.legend(handles=handles, fontsize=7, loc="upper right")
    ax.set_xlabel("alpha = P / N")
    ax.set_ylabel("T")
    ax.set_xlim(alpha.min(), alpha.max())
    ax.set_ylim(T.min(), T.max())
    ax.set_title(title or "Replica-symmetric phase diagram", fontsize=10)
    return fig


def family_figure(alpha: np.ndarray, curves: Sequence[Mapping]):
    """``T_M(alpha)`` for several priors: each curve ``{"label", "t_m"}``."""
    fig = new_figure((6.4, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    for c in curves:
        ax.plot(alpha, np.asarray(c["t_m"], dtype=float), label=c["label"])
    ax.set_xlabel("alpha = P / N")
    ax.set_ylabel("T_M (retrieval exists below)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)
    ax.set_title("Retrieval region for several priors", fontsize=10)
    return fig
