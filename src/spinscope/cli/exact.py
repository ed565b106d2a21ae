"""``spinscope exact``: exact thermodynamics by enumeration, or closed forms.

Parses options, calls :func:`spinscope.workflows.exact_table`, prints the table.
"""

from __future__ import annotations

import click

from spinscope.cli._common import Count, emit, parse_temperatures
from spinscope.workflows.specs import LATTICES


@click.command("exact")
@click.argument("model")
@click.option("--T", "temps", default="1.5:3.5:9", show_default=True,
              help="Temperatures: a comma list or start:stop:count.")
@click.option("--L", "L", type=Count(min=2), default=4, show_default=True, help="Linear size.")
@click.option("--dim", type=Count(1, 3), default=None,
              help="Hypercubic dimension (default: that of --lattice, square).")
@click.option("--q", type=Count(min=2), default=3, show_default=True, help="States of Potts/clock spins.")
@click.option("--lattice", type=click.Choice(list(LATTICES)), default=None,
              help="chain, square (default), cubic, hypercubic (dimension --dim) or triangular; periodic.")
@click.option("--J", "J", type=float, default=1.0, show_default=True, help="Coupling (> 0 ferromagnetic).")
def command(model: str, temps: str, L: int, dim: int | None, q: int, lattice: str | None, J: float) -> None:
    """Exact thermodynamics of MODEL: ising, potts, clock (periodic lattice of side --L),
    xy on a chain (closed form), a model file (.npz), or 'onsager' (the infinite 2D Ising model).

    Small systems are enumerated exactly (Ising up to 26 spins, q^n up to 2^26 states); for the
    2D periodic Ising model the exact finite-torus (Ferdinand–Fisher) values are added.
    """
    from spinscope.workflows import exact_table

    table = exact_table(model, temperatures=parse_temperatures(temps), L=L, dim=dim, q=q,
                        lattice=lattice, J=J)
    rows = table.rows
    cols = list(rows[0])
    lines = [table.title, "  ".join(f"{c:>14.14s}" for c in cols)]
    lines += ["  ".join(f"{r[c]:>14.8g}" for c in cols) for r in rows]
    lines += [f"note: {note}" for note in table.notes]
    emit(table.to_dict(), "\n".join(lines))
