"""Figures and the self-contained HTML report of spinscope runs.

Figures are built as :class:`matplotlib.figure.Figure` objects (object-oriented matplotlib,
rendered by ``Figure.savefig``): nothing here imports ``matplotlib.pyplot`` or selects a backend,
so using spinscope never changes a notebook's or an application's matplotlib state. Inputs are
plain tables and result objects (read by attribute or key); this package imports no algorithm and
nothing of ``spinscope.nn``.
"""
