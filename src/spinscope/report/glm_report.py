"""The self-contained ``report.html`` of a ``spinscope glm`` run (figures inlined as PNG)."""

from __future__ import annotations

import html
import time
from collections.abc import Mapping

from spinscope._version import __version__
from spinscope.report.html import _STYLE, _figures_section, _kv, _table

__all__ = ["render_glm_report"]


def render_glm_report(result: Mapping, figures: Mapping[str, bytes], captions: Mapping[str, str]) -> str:
    """The report as an HTML string: run, thresholds, figures, GAMP and exact tables."""
    cfg = result["config"]
    run = {"prior": cfg["prior"], "channel": cfg["channel"], "loads": f"{len(cfg['alphas'])} from "
           f"{min(cfg['alphas']):g} to {max(cfg['alphas']):g}", "seed": result["seed"],
           "GAMP": f"N = {cfg['N']}, {cfg['instances']} instances" if cfg["amp"] else "not run",
           "exact": f"N = {cfg['exact_n']}, {cfg['exact_instances']} instances" if cfg["exact"] else "not run"}
    th = dict(result["thresholds"])
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>spinscope glm report</title>"
             f"<style>{_STYLE}</style></head><body>",
             "<h1>Bayesian inference in a generalised linear model</h1>",
             f"<p>spinscope {html.escape(__version__)} · report written {time.strftime('%Y-%m-%d %H:%M:%S %Z')}</p>",
             "<section id='run'><h2>Run</h2>" + _kv(run) + "</section>",
             "<section id='thresholds'><h2>Thresholds</h2><p>α_IT: the global maximiser of the replica free "
             "entropy jumps; α_alg: the fixed point reached from the uninformed start jumps (– : no jump on the "
             "scanned loads).</p>" + _kv(th) + "</section>",
             _figures_section(figures, captions)]
    if result["amp"]:
        parts.append("<section id='amp'><h2>GAMP</h2>" + _table(result["amp"]) + "</section>")
    if result["exact"]:
        parts.append("<section id='exact'><h2>Exact posteriors</h2>" + _table(result["exact"]) + "</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
