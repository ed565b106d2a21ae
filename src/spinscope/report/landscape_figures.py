"""Figure of a landscape-encoding study: local minima and walk success against ``n`` or the level.

Object-oriented matplotlib (a :class:`matplotlib.figure.Figure`, no ``pyplot``). The input is the
list of per-size dicts of :func:`spinscope.optimize.level_study.level_study` (read as plain data).
"""

from __future__ import annotations

import numpy as np

from spinscope.report._figures import new_figure

__all__ = ["study_figure"]

_PANELS = (("n_minima", "local minima (mean)"), ("random_success", "first-improvement success"),
           ("steepest_success", "steepest-descent success"))


def study_figure(studies: list[dict]):
    """Three panels (minima, first-improvement and steepest-descent success, log scale).

    With several sizes the x axis is ``n`` and each level is one line; with one size the x axis
    is the level. Level 0 is the original landscape.
    """
    fig = new_figure((11, 3.4))
    axes = fig.subplots(1, 3)
    sizes = [s["n"] for s in studies]
    levels = min(len(s["per_level"]) for s in studies)
    for ax, (key, label) in zip(axes, _PANELS, strict=True):
        if len(studies) == 1:
            vals = [row[key] for row in studies[0]["per_level"]]
            ax.plot(np.arange(len(vals)), vals, "o-")
            ax.set_xlabel(f"encoding level (n = {sizes[0]})")
        else:
            for r in range(levels):
                ax.plot(sizes, [s["per_level"][r][key] for s in studies], "o-",
                        label="original" if r == 0 else f"level {r}")
            ax.set_xlabel("n")
        ax.set_yscale("log")
        ax.set_ylabel(label)
    if len(studies) > 1:
        axes[0].legend(fontsize=7)
    fig.suptitle(f"{studies[0]['kind']}: {studies[0]['instances']} instances per n", fontsize=9)
    fig.tight_layout()
    return fig
