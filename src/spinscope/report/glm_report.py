"""The self-contained ``report.html`` of a ``spinscope glm`` run (figures inlined as PNG)."""

from __future__ import annotations

from collections.abc import Mapping

from spinscope.report.html import _figures_section, _kv, _table, html_page

__all__ = ["render_glm_report"]


def render_glm_report(result: Mapping, figures: Mapping[str, bytes], captions: Mapping[str, str]) -> str:
    """The report as an HTML string: run, thresholds, figures, GAMP and exact tables."""
    cfg = result["config"]
    run = {"prior": cfg["prior"], "channel": cfg["channel"], "loads": f"{len(cfg['alphas'])} from "
           f"{min(cfg['alphas']):g} to {max(cfg['alphas']):g}", "seed": result["seed"],
           "GAMP": f"N = {cfg['N']}, {cfg['instances']} instances" if cfg["amp"] else "not run",
           "exact": f"N = {cfg['exact_n']}, {cfg['exact_instances']} instances" if cfg["exact"] else "not run"}
    th = dict(result["thresholds"])
    parts = ["<section id='run'><h2>Run</h2>" + _kv(run) + "</section>",
             "<section id='thresholds'><h2>Thresholds</h2><p>α_IT: the global maximiser of the replica free "
             "entropy jumps; α_alg: the fixed point reached from the uninformed start jumps (– : no jump on the "
             "scanned loads).</p>" + _kv(th) + "</section>",
             _figures_section(figures, captions)]
    if result["amp"]:
        parts.append("<section id='amp'><h2>GAMP</h2>" + _table(result["amp"]) + "</section>")
    if result["exact"]:
        parts.append("<section id='exact'><h2>Exact posteriors</h2>" + _table(result["exact"]) + "</section>")
    return html_page("spinscope glm report", "Bayesian inference in a generalised linear model", parts)
