"""Figures of one network analysis (``spinscope analyze``): stability curve, spectrum, TAP overlaps.

Object-oriented matplotlib (:class:`matplotlib.figure.Figure`; no ``pyplot``, no backend
selection). The input is a ``NetworkAnalysis`` of :func:`spinscope.nn.analyze_network`, read by
attribute (this module does not import ``spinscope.nn``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from spinscope.report._figures import new_figure, save_png

__all__ = ["FIGURE_NAMES", "analysis_figures", "plot_analysis"]

#: Every file :func:`plot_analysis` may write (which ones depends on the analysis).
FIGURE_NAMES = ("stability.png", "spectrum.png", "tap_overlaps.png")


def _stability(result):
    fig = new_figure((5, 3.5))
    ax = fig.subplots()
    if len(result.betas):
        ax.plot(result.betas, result.lambda_min, label="instance: $I-\\beta J+\\beta^2 D$")
    if result.replica_lambda_min is not None:
        ax.plot(result.betas, result.replica_lambda_min, "--", label="replica: $1-\\beta^2\\lambda_{max}(A)$")
    ax.axhline(0, color="k", lw=0.5)
    if result.tc is not None:
        ax.axvline(result.beta_c, color="r", lw=0.8, label=f"$T_c$ = {result.tc:.4g} ({result.crossing})")
    else:
        ax.text(0.5, 0.5, "no couplings: $\\lambda_{min} = 1$ at every $\\beta$, no $T_c$",
                transform=ax.transAxes, ha="center", va="center", fontsize=8)
    ax.set_xlabel("$\\beta = 1/T$")
    ax.set_ylabel("$\\lambda_{min}$")
    lo = min(-0.2, float(np.min(result.lambda_min)) - 0.05) if len(result.lambda_min) else -0.2
    ax.set_ylim(lo, 1.05)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _spectrum(spectrum: dict):
    ev = np.asarray(spectrum["eigenvalues"])
    fig = new_figure((5, 3.5))
    ax = fig.subplots()
    ax.hist(ev, bins=80, density=True, color="0.6")
    edge = spectrum["bulk_edge"]
    for x in (-edge, edge):
        ax.axvline(x, color="r", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("eigenvalue of $J$")
    ax.set_ylabel("density")
    title = f"bulk edge {edge:.4g}, {spectrum['n_outliers']} outliers"
    ax.set_title(title if np.any(ev) else "no couplings: every eigenvalue of J is 0", fontsize=9)
    fig.tight_layout()
    return fig


def _tap_overlaps(tap: dict):
    q = np.asarray(tap["overlaps"])
    d = np.sqrt(np.clip(np.diag(q), 1e-300, None))
    fig = new_figure((4, 3.5))
    ax = fig.subplots()
    im = ax.imshow(q / np.outer(d, d), vmin=-1, vmax=1, cmap="RdBu_r")
    fig.colorbar(im, ax=ax, label="$q_{ab}/\\sqrt{q_{aa}q_{bb}}$")
    ax.set_title(f"{tap['n_solutions']} TAP solutions", fontsize=9)
    fig.tight_layout()
    return fig


def analysis_figures(result) -> dict:
    """The figures of an analysis as ``{file name: matplotlib Figure}``.

    Parameters
    ----------
    result : NetworkAnalysis
        Read: ``betas``, ``lambda_min``, ``replica_lambda_min``, ``beta_c``, ``tc``,
        ``crossing``, ``spectrum`` and ``tap``.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``stability.png`` (``lambda_min(beta)`` with the replica curve and ``T_c``), with
        eigenvalues ``spectrum.png`` (histogram of ``J`` with the bulk edge) and, with more than
        one TAP solution, ``tap_overlaps.png``.
    """
    figs = {"stability.png": _stability(result)}
    if result.spectrum is not None and "eigenvalues" in result.spectrum:
        figs["spectrum.png"] = _spectrum(result.spectrum)
    if result.tap is not None and result.tap["n_solutions"] > 1:
        figs["tap_overlaps.png"] = _tap_overlaps(result.tap)
    return figs


def plot_analysis(result, out_dir: str | os.PathLike, *, overwrite: bool = False) -> list[Path]:
    """Write the figures of an analysis (:func:`analysis_figures`) as PNG files into ``out_dir``.

    Parameters
    ----------
    result : NetworkAnalysis
    out_dir : path-like
        Created if missing.
    overwrite : bool
        Replace existing files; by default an existing file is refused (``InputError``).

    Returns
    -------
    list of Path
        The written files.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [save_png(fig, out / name, dpi=120, overwrite=overwrite)
            for name, fig in analysis_figures(result).items()]
