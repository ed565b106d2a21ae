"""A self-contained HTML report of a ``spinscope track`` run.

One file, no external resources: figures are embedded as base64 PNG ``<img>`` data URIs, the
style sheet is inline. Sections (each an ``<section id=...>``): ``run`` (what was run),
``summary``, ``figures`` (with captions), ``fit`` (the power-law fit, its interval and
caveats), ``metrics`` (the full table).
"""

from __future__ import annotations

import base64
import html
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from spinscope._version import __version__

__all__ = ["html_page", "render_track_report", "write_track_report"]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}figure{margin:1.5em 0}figure img{max-width:100%}
figcaption{font-size:.9em;color:#444;max-width:900px}.bad{color:#a00}.good{color:#070}
.scroll{max-height:480px;overflow:auto}code{background:#f5f5f5;padding:0 .2em}
"""


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4g}"
    return html.escape(str(v))


def _pct(v) -> str:
    return "–" if v is None else f"{100 * v:+.1f}%"


def _table(rows: Sequence[Mapping], cols: Sequence[str] | None = None) -> str:
    if not rows:
        return "<p>(empty)</p>"
    cols = list(cols or rows[0].keys())
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(r.get(c))}</td>" for c in cols) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _kv(d: Mapping) -> str:
    return "<table>" + "".join(f'<tr><th class="l">{html.escape(str(k))}</th><td class="l">{_fmt(v)}</td></tr>'
                               for k, v in d.items()) + "</table>"


def _reproduce(config: Mapping) -> str:
    """The ``spinscope track`` command line that repeats this run (named datasets)."""
    parts = [f"spinscope --seed {config.get('seed')} track"]
    flags = {"dataset": "--dataset", "optimizer": "--optimizer", "lr": "--lr", "batch_size": "--batch-size",
             "epochs": "--epochs", "checkpoints": "--checkpoints", "init_scale": "--init-scale"}
    for key, flag in flags.items():
        if key in config:
            parts.append(f"{flag} {config[key]}")
    if "architecture" in config:
        parts.append("--architecture " + ",".join(map(str, config["architecture"])))
    if "activations" in config:
        parts.append("--activation " + ",".join(config["activations"]))
    return " ".join(parts)


def _run_section(config: Mapping, dataset: Mapping, nets: Sequence[str]) -> str:
    arch = "-".join(map(str, config.get("architecture", [])))
    return (
        "<section id='run'><h2>What was run</h2>"
        f"<p>{len(nets)} fully connected network(s) ({', '.join(map(html.escape, nets))} activations, widths {arch}) "
        f"were trained on <b>{html.escape(str(dataset.get('name')))}</b> ({dataset.get('n_train')} training, "
        f"{dataset.get('n_val')} validation images; inputs {html.escape(str(dataset.get('normalisation')))}) with "
        f"{html.escape(str(config.get('optimizer')))} at learning rate {config.get('lr')}, batch size "
        f"{config.get('batch_size')}, for {config.get('epochs')} epochs. At {config.get('checkpoints')} log-spaced "
        "checkpoints the weights were mapped to the layered Ising Hamiltonian "
        "H(σ) = −Σ<sub>k</sub> Σ<sub>ij</sub> W<sup>(k)</sup><sub>ij</sub> σ<sup>(k−1)</sup><sub>i</sub> σ<sup>(k)</sup><sub>j</sub> "
        "(no fields) and analysed: T_c is the highest temperature at which the least eigenvalue of the TAP "
        "stability matrix I − M of the paramagnet reaches zero.</p>"
        f"<p>Reproduce: <code>{html.escape(_reproduce(config))}</code></p>"
        f"<h3>Configuration</h3>{_kv(config)}</section>")


#: Rows of the summary table: (key of the network summary, label).
_SUMMARY_ROWS = (
    ("final_accuracy", "final validation accuracy"),
    ("tc0", "T_c at step 0"),
    ("replica_tc0", "replica T_c of the initial weight law"),
    ("tc0_rel_deviation", "deviation of T_c(0) from it"),
    ("tc_final", "T_c at the last checkpoint"),
    ("tc_max", "largest T_c"),
    ("first_hidden_order_step", "first hidden-order step"),
    ("exponent", "exponent α of T_c ∝ t^α"),
    ("exponent_ci", "95% interval of α"),
    ("power_law_fits", "consistent with a power law"),
)


def _summary_value(key: str, v) -> str:
    if key == "tc0_rel_deviation":
        return _pct(v)
    if isinstance(v, list):
        return "[" + ", ".join(f"{x:.3g}" for x in v) + "]"
    return _fmt(v)


def _summary_section(summary: Mapping[str, Mapping]) -> str:
    """One column per network, one row per quantity (narrow whatever the number of quantities)."""
    nets = list(summary)
    head = '<th class="l"></th>' + "".join(f"<th>{html.escape(n)}</th>" for n in nets)
    body = "".join(f'<tr><th class="l">{html.escape(label)}</th>' +
                   "".join(f"<td>{_summary_value(key, summary[n].get(key))}</td>" for n in nets) + "</tr>"
                   for key, label in _SUMMARY_ROWS)
    warn = "".join(f"<p class='bad'><b>{html.escape(n)}: training diverged.</b> "
                   f"{html.escape(str(s['diverged'].get('message')))}; training of this network stopped there "
                   "and everything below covers only the checkpoints before it.</p>"
                   for n, s in summary.items() if s.get("diverged"))
    return ("<section id='summary'><h2>Summary</h2>" + warn +
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table><ul>" +
            "".join(f"<li><b>{html.escape(n)}</b>: accuracy {_fmt(s.get('final_accuracy'))}; "
                    f"T_c from {_fmt(s.get('tc0'))} at step 0 (replica prediction for the initial weight law "
                    f"{_fmt(s.get('replica_tc0'))}, deviation {_pct(s.get('tc0_rel_deviation'))}) "
                    f"to {_fmt(s.get('tc_final'))}; hidden order from step {_fmt(s.get('first_hidden_order_step'))}; "
                    f"T_c(t) fit: {html.escape(str(s.get('fit_verdict')))}.{_count_text(s.get('tap_count'))}</li>"
                    for n, s in summary.items()) + "</ul></section>")


def _count_text(counts: Mapping | None) -> str:
    """' Physical TAP solutions at T = ...: a at step 0 -> b at the end (task overlap c).' per temperature."""
    parts = [f"at T = {_fmt(c['temperature'])} ({html.escape(k.replace('Tc0', ' T_c(0)'))}): {_fmt(c['step0'])} "
             f"at step 0 → {_fmt(c['final'])} at the end (|cos| of the lowest with the top eigenvector of J "
             f"{_fmt(c['task_overlap_final'])})" for k, c in (counts or {}).items()]
    return (" Physical TAP solutions found " + "; ".join(parts) + ".") if parts else ""


#: Columns of metrics.csv that the report's table leaves out, and why.
_NOT_SHOWN = {"tap_max_overlap": "the largest |cos| between two distinct TAP solutions, defined only when "
                                 "at least two non-paramagnetic solutions were found, so empty in most rows"}


def _metrics_section(rows: Sequence[Mapping]) -> str:
    """The metrics table without :data:`_NOT_SHOWN` and columns empty in every row (named in a note)."""
    cols = list(rows[0].keys()) if rows else []
    empty = [c for c in cols if c in _NOT_SHOWN or all(r.get(c) is None or r.get(c) == "" for r in rows)]
    note = ""
    if empty:
        note = ("<p>Left out here (they are in <code>metrics.csv</code>): " +
                "; ".join(f"<code>{html.escape(c)}</code> (" + html.escape(_NOT_SHOWN.get(c, "no value in any row"))
                          + ")" for c in empty) + ".</p>")
    return ("<section id='metrics'><h2>Metrics (one row per network × checkpoint)</h2>"
            "<p>Also in <code>metrics.csv</code>.</p>" + note + "<div class='scroll'>" +
            _table(rows, [c for c in cols if c not in empty]) + "</div></section>")


def html_page(title: str, heading: str, sections: Sequence[str], *, subtitle: str = "") -> str:
    """A self-contained report page: the common style, ``heading``, a line with the spinscope
    version and the time written (then ``subtitle``, HTML), and ``sections`` (HTML strings)."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    return "\n".join([f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
                      f"</title><style>{_STYLE}</style></head><body>", f"<h1>{html.escape(heading)}</h1>",
                      f"<p>spinscope {html.escape(__version__)} · report written {stamp}{subtitle}</p>",
                      *sections, "</body></html>"])


def _figures_section(figures: Mapping[str, bytes], captions: Mapping[str, str]) -> str:
    figs = ["<section id='figures'><h2>Figures</h2>"]
    for name, png in figures.items():
        b64 = base64.b64encode(png).decode()
        figs.append(f"<figure id='fig-{html.escape(name)}'><img alt='{html.escape(name)}' "
                    f"src='data:image/png;base64,{b64}'><figcaption>{html.escape(captions.get(name, name))}"
                    "</figcaption></figure>")
    return "".join(figs) + "</section>"


def _fit_section(fits: Mapping[str, object]) -> str:
    fit_rows = []
    for n, f in fits.items():
        ci = f.exponent_ci
        fit_rows.append({"network": n, "exponent α": f.exponent,
                         "95% CI": f"[{ci[0]:.3g}, {ci[1]:.3g}]" if ci else None, "amplitude A": f.amplitude,
                         "R² (log-log)": f.r2, "curvature": f.curvature, "points used": len(f.steps),
                         "not used": f.n_dropped, "power law fits": f.fits})
    return (
        "<section id='fit'><h2>Power-law fit of T_c(t)</h2>"
        "<p>Model T_c(t) = A t<sup>α</sup>, least squares on log–log axes over the checkpoints in the hidden-order "
        "regime (λ_min(I − M) crosses zero; before that the instability is the spin-glass one of the random "
        "initial couplings); 95% percentile interval from a pairs bootstrap (2000 resamples). "
        "The fit is called consistent with a power law only if the points span at least a decade, R² ≥ 0.9 and "
        "the quadratic term in log t is not significant (its 99% bootstrap interval contains 0; with pure power-law data and 5% noise this test wrongly rejects in about 5% of cases).</p>"
        + _table(fit_rows) + "<ul>" +
        "".join(f"<li class='{'good' if f.fits else 'bad'}'><b>{html.escape(n)}</b>: {html.escape(f.verdict)}</li>"
                for n, f in fits.items()) +
        "</ul><p>Caveats: T_c is measured on one network per activation (one seed), so the interval reflects "
        "the scatter of the checkpoints about the law, not the variation between training runs; a power law "
        "over a short range of t is hard to tell from other slow growth laws — read the residuals.</p></section>")


def render_track_report(*, config: Mapping, dataset: Mapping, summary: Mapping[str, Mapping],
                        fits: Mapping[str, object], rows: Sequence[Mapping], figures: Mapping[str, bytes],
                        captions: Mapping[str, str] | None = None) -> str:
    """The report as an HTML string (see the module docstring for its structure).

    Parameters
    ----------
    config : mapping
        The run's configuration (``config.json``).
    dataset : mapping
        ``Dataset.to_dict()``: ``name``, ``n_train``, ``n_val``, ``normalisation``.
    summary : ``{network: summary dict}``
    fits : ``{network: PowerLawFit}``
        Read by attribute.
    rows : list of dict
        The metrics table.
    figures : ``{name: PNG bytes}``
    captions : ``{name: caption}``, optional
        Default :func:`spinscope.report.track_figures.track_captions` of ``config``.

    Returns
    -------
    str
    """
    from spinscope.report.track_figures import track_captions

    return html_page("spinscope track report",
                     "Neural networks as spin models: from glass to hidden order through training",
                     [_run_section(config, dataset, list(summary)), _summary_section(summary),
                      _figures_section(figures, captions or track_captions(config)), _fit_section(fits),
                      _metrics_section(rows)])


def write_track_report(rundir, **kwargs) -> Path:
    """Render the report and write it atomically to ``report.html`` in the run directory.

    Parameters
    ----------
    rundir : RunDirectory
        Anything with ``write_text(name, text) -> Path``.
    **kwargs
        The arguments of :func:`render_track_report`.

    Returns
    -------
    Path
        The written ``report.html``.
    """
    return rundir.write_text("report.html", render_track_report(**kwargs))
