"""The self-contained ``report.html`` of the ``spinscope sd`` runs (figures inlined as PNG)."""

from __future__ import annotations

import html
import time
from collections.abc import Mapping, Sequence

from spinscope._version import __version__
from spinscope.report.html import _STYLE, _figures_section, _kv, _table

__all__ = ["render_sd_report"]


def render_sd_report(*, title: str, intro: str, run: Mapping, summary: Mapping, figures: Mapping[str, bytes],
                     captions: Mapping[str, str], tables: Mapping[str, Sequence[Mapping]] | None = None) -> str:
    """The report as an HTML string: what was run, the summary, the figures, tables."""
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_STYLE}</style></head><body>", f"<h1>{html.escape(title)}</h1>",
             f"<p>spinscope {html.escape(__version__)} · report written {time.strftime('%Y-%m-%d %H:%M:%S %Z')}</p>",
             f"<section id='run'><h2>What was run</h2><p>{html.escape(intro)}</p>" + _kv(run) + "</section>",
             "<section id='summary'><h2>Summary</h2>" + _kv(summary) + "</section>",
             _figures_section(figures, captions)]
    for name, rows in (tables or {}).items():
        parts.append(f"<section><h2>{html.escape(name)}</h2><div class='scroll'>{_table(rows)}</div></section>")
    parts.append("</body></html>")
    return "\n".join(parts)
