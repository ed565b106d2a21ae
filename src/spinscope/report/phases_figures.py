"""Figures and ``report.html`` of ``spinscope phases`` (matplotlib ``Figure`` objects, no pyplot).

Figures: output curves per ``L`` (``outputs.png``), crossings against ``L^(-1/nu)`` with the fit
(``crossing_fit.png``), data collapse against ``(T - T_c) L^(1/nu)`` (``collapse.png``), PCA scatter
coloured by temperature (``pca.png``), confusion W (``confusion.png``).
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from spinscope._files import atomic_write
from spinscope.report._figures import new_figure, png_bytes
from spinscope.report.hopfield_report import _img
from spinscope.report.html import _kv, _table, html_page

__all__ = ["collapse_figure", "confusion_figure", "crossing_figure", "figures", "outputs_figure",
           "pca_figure", "write_phases_report"]


def _ref_lines(ax, ref, vertical=True) -> None:
    for t in ref or ():
        (ax.axvline if vertical else ax.axhline)(t, color="k", ls=":", lw=1)


def outputs_figure(T, outputs: dict, ref=None):
    """Mean ``P_ordered`` and ``P_disordered`` against ``T`` for every ``L``."""
    fig = new_figure((5.5, 3.8))
    ax = fig.add_subplot()
    for L, p in outputs.items():
        line, = ax.plot(T, p, "o-", ms=3, label=f"L = {L}")
        ax.plot(T, 1 - np.asarray(p), "s--", ms=3, color=line.get_color())
    _ref_lines(ax, ref)
    ax.axhline(0.5, color="grey", lw=0.8)
    ax.set(xlabel="T", ylabel="output (o: ordered, s: disordered)", ylim=(-0.02, 1.02))
    ax.legend(fontsize=8)
    return fig


def crossing_figure(rows, est: dict):
    """Crossings ``T*(L)`` against ``L^(-1/nu)`` with the fit of ``nu`` fixed."""
    fig = new_figure((5, 3.6))
    ax = fig.add_subplot()
    fit = est.get("nu_fixed")
    nu = fit["nu"] if fit else 1.0
    L = np.array([r["L"] for r in rows], dtype=float)
    ax.errorbar(L ** (-1 / nu), [r["T_star"] for r in rows], [r["T_star_err"] for r in rows], fmt="o", capsize=3)
    if fit:
        x = np.linspace(0, L.min() ** (-1 / nu) * 1.05, 50)
        ax.plot(x, fit["T_c"] + fit["a"] * x, "-", label=f"T_c = {fit['T_c']:.4f} ± {fit['T_c_err']:.4f} (nu = {nu:.3g})")
    _ref_lines(ax, est.get("reference"), vertical=False)
    ax.set(xlabel=f"L^(-1/nu), nu = {nu:.3g}", ylabel="T*(L)")
    ax.legend(fontsize=8)
    return fig


def collapse_figure(T, outputs: dict, tc: float, nu: float):
    """``P_ordered`` against ``(T - T_c) L^(1/nu)``: one curve if the scaling holds."""
    fig = new_figure((5, 3.6))
    ax = fig.add_subplot()
    for L, p in outputs.items():
        ax.plot((np.asarray(T) - tc) * L ** (1 / nu), p, "o-", ms=3, label=f"L = {L}")
    ax.set(xlabel=f"(T - {tc:.4f}) L^(1/{nu:.3g})", ylabel="P_ordered")
    ax.legend(fontsize=8)
    return fig


def pca_figure(scores, T, samples: int):
    """First two principal components of every configuration, coloured by temperature."""
    fig = new_figure((5, 4))
    ax = fig.add_subplot()
    c = np.repeat(np.asarray(T), samples)[: len(scores)]
    sc = ax.scatter(scores[:, 0], scores[:, 1], c=c, s=3, cmap="coolwarm")
    fig.colorbar(sc, ax=ax, label="T")
    ax.set(xlabel="PC1", ylabel="PC2")
    return fig


def confusion_figure(trial, accuracy, peak: float, ref=None):
    """Accuracy against the trial critical temperature (the W)."""
    fig = new_figure((5, 3.6))
    ax = fig.add_subplot()
    ax.plot(trial, accuracy, "o-")
    ax.axvline(peak, color="C3", lw=1, label=f"peak {peak:.4g}")
    _ref_lines(ax, ref)
    ax.set(xlabel="trial T_c", ylabel="held-out accuracy")
    ax.legend(fontsize=8)
    return fig


def figures(result) -> list[tuple[str, bytes, str]]:
    """``(file name, PNG bytes, caption)`` of every figure of the run."""
    cv, est, out = result.curves, result.estimates, []
    ref = est.get("reference")
    if "outputs" in cv:
        out.append(("outputs.png", png_bytes(outputs_figure(cv["T"], cv["outputs"], ref)),
                    "Mean classifier outputs against T for each L (dotted: known transition)."))
        if "nu_fixed" in est:
            fit = est["nu_fixed"]
            out.append(("crossing_fit.png", png_bytes(crossing_figure(result.per_L, est)),
                        "Crossings T*(L) and the fit T_c + a L^(-1/nu) with nu fixed."))
            out.append(("collapse.png", png_bytes(collapse_figure(cv["T"], cv["outputs"], fit["T_c"], fit["nu"])),
                        "Data collapse of the outputs against (T - T_c) L^(1/nu)."))
    if "scores" in cv:
        L = max(cv["scores"])
        out.append(("pca.png", png_bytes(pca_figure(cv["scores"][L], cv["T"], cv["samples"])),
                    f"First two principal components (L = {L}), coloured by T."))
    if "confusion" in cv:
        c = cv["confusion"]
        out.append(("confusion.png", png_bytes(confusion_figure(c.trial, c.accuracy, c.peak, ref)),
                    "Learning by confusion: accuracy against the trial T_c (W shape; middle peak = T_c)."))
    return out


def render_phases_report(result, figs) -> str:
    """The HTML text of the report of a ``PhasesResult``."""
    cfg = {k: v for k, v in result.config.items() if k != "temperatures"}
    T = result.config["temperatures"]
    cfg["T grid"] = f"{T[0]:g}..{T[-1]:g} ({len(T)} points)"
    flat = {k: v for k, v in result.estimates.items() if not isinstance(v, dict)}
    fits = [{"fit": k, **v} for k, v in result.estimates.items() if isinstance(v, dict)]
    rows = [{k: v for k, v in r.items() if not isinstance(v, list)} for r in result.per_L]
    sections = [f'<section id="run"><h2>Run</h2>{_kv(cfg)}<p>{result.seconds:g} s; data: '
                f"{html.escape(str(result.files))}</p></section>",
                f'<section id="estimates"><h2>Estimates</h2>{_kv(flat)}{_table(fits) if fits else ""}</section>',
                f'<section id="sizes"><h2>Per size</h2>{_table(rows)}</section>',
                f'<section id="figures"><h2>Figures</h2>{"".join(_img(p, c) for _, p, c in figs)}</section>']
    return html_page("spinscope phases",
                     f"Machine learning of phases: {result.config['method']} ({result.config['model']})", sections)


def write_phases_report(rundir, result) -> Path:
    """Write the figures (PNG) and ``report.html`` into the run directory."""
    figs = figures(result)
    for name, png, _ in figs:
        atomic_write(rundir.file(name), png, overwrite=True)
    return rundir.write_text("report.html", render_phases_report(result, figs))
