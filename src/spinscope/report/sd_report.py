"""The self-contained ``report.html`` of the ``spinscope sd`` runs (figures inlined as PNG)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from spinscope.report.html import _figures_section, _kv, _table, html_page

__all__ = ["render_sd_report"]


def render_sd_report(*, title: str, intro: str, run: Mapping, summary: Mapping, figures: Mapping[str, bytes],
                     captions: Mapping[str, str], tables: Mapping[str, Sequence[Mapping]] | None = None) -> str:
    """The report as an HTML string: what was run, the summary, the figures, tables."""
    parts = [f"<section id='run'><h2>What was run</h2><p>{html.escape(intro)}</p>" + _kv(run) + "</section>",
             "<section id='summary'><h2>Summary</h2>" + _kv(summary) + "</section>",
             _figures_section(figures, captions)]
    for name, rows in (tables or {}).items():
        parts.append(f"<section><h2>{html.escape(name)}</h2><div class='scroll'>{_table(rows)}</div></section>")
    return html_page(title, title, parts)
