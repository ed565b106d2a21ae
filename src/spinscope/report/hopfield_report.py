"""The self-contained ``report.html`` of a ``spinscope hopfield`` run (figures embedded as PNG).

Sections: ``run`` (configuration and the command that repeats it), ``reference`` (the RS solver
against AGS' numbers), ``figures`` (phase diagram with Monte Carlo points; family of ``T_M``
curves), ``mc`` (Monte Carlo table) and ``lines`` (``T_M``, ``T_c``, ``T_g`` per load).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np

from spinscope._files import atomic_write
from spinscope.report._figures import png_bytes
from spinscope.report.hopfield_figures import family_figure, phase_diagram_figure
from spinscope.report.html import _kv, _table, html_page

__all__ = ["figures", "render_hopfield_report", "write_hopfield_report"]


def _img(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode()
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _command(cfg) -> str:
    a, t = cfg["alphas"], cfg["temperatures"]
    parts = [f"spinscope --seed {cfg['seed']} hopfield",
             f"--alpha {a[0]:g}:{a[-1]:g}:{len(a)}", f"--T {t[0]:g}:{t[-1]:g}:{len(t)}",
             f"--prior-patterns {cfg['pattern_prior']:g}", f"--prior-hidden {cfg['hidden_prior']:g}"]
    if cfg["family"]:
        parts.append("--family")
    if cfg["mc"]:
        parts += ["--mc", f"--N {cfg['N']}", "--mc-alpha " + ",".join(f"{x:g}" for x in cfg["mc_alphas"])]
    return " ".join(parts)


def figures(result) -> list[tuple[str, bytes, str]]:
    """``(file name, PNG bytes, caption)`` of every figure of the run."""
    out = []
    d = result.diagram
    if d is not None:
        fig = phase_diagram_figure(d.alpha, d.T, d.phase, {"T_M": d.t_m, "T_c": d.t_c, "T_g": d.t_g},
                                   result.mc_points)
        out.append(("phase_diagram.png", png_bytes(fig), "Phases of the replica-symmetric solution on the grid, the lines "
                        "T_M, T_c and T_g, and the Monte Carlo points (filled: m > 0.5; label: mean "
                        "overlap ± standard error over the target patterns)."))
    if result.family:
        alpha = np.asarray(result.config["alphas"])
        curves = [{"label": c["label"], "t_m": [np.nan if v is None else v for v in c["t_m"]]}
                  for c in result.family]
        out.append(("family.png", png_bytes(family_figure(alpha, curves)),
                    "T_M(alpha) as the pattern prior gets a Gaussian part (d > 0) or the hidden "
                    "prior a Boolean part (d < 1): the retrieval region shrinks."))
    return out


def render_hopfield_report(result, figs=None) -> str:
    """The HTML text of the report of a :class:`~spinscope.workflows.hopfield_study.HopfieldResult`."""
    cfg, ref = result.config, result.reference
    figs = figures(result) if figs is None else figs
    sections = [
        f'<section id="run"><h2>Run</h2><p>Reproduce: <code>{html.escape(_command(cfg))}</code></p>'
        f"{_kv({k: v for k, v in cfg.items() if k not in ('alphas', 'temperatures')})}</section>",
        f'<section id="reference"><h2>Reference values</h2><p>T = 0 capacity alpha_c = '
        f"{ref['alpha_c_T0']:.5f} (AGS: 0.138), m = {ref['m_T0']:.4f} (0.967); T_M against the "
        f"quoted values (largest difference {ref['max_abs_difference']:.4f}, tolerance 0.01):</p>"
        f"{_table(ref['T_M'])}</section>",
        f'<section id="figures"><h2>Figures</h2>{"".join(_img(p, c) for _, p, c in figs)}</section>',
    ]
    if result.mc_points:
        cols = ["alpha", "T", "T_M", "side", "N", "P", "m", "m_err", "retrieves", "agrees", "seconds"]
        sections.append(f'<section id="mc"><h2>Monte Carlo</h2>{_table(result.mc_points, cols)}</section>')
    if result.diagram is not None:
        sections.append(f'<section id="lines"><h2>Lines</h2><p>Grid points per phase: '
                        f"{html.escape(str(result.diagram.counts()))}</p><div class=scroll>"
                        f"{_table(result.diagram.lines())}</div></section>")
    return html_page("spinscope hopfield", "Hopfield / RBM phase diagram", sections)


def write_hopfield_report(rundir, result) -> Path:
    """Write the figures (PNG) and ``report.html`` into the run directory."""
    figs = figures(result)
    for name, png, _ in figs:
        atomic_write(rundir.file(name), png, overwrite=True)
    return rundir.write_text("report.html", render_hopfield_report(result, figs))
