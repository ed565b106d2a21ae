"""``spinscope generate KIND``: planted instances with a known ground-state energy.

Parses the options, calls :func:`spinscope.workflows.generation.generate` and formats its result.
For wishart, tiles2d and tiles3d the file is an Ising text file whose first line is the planted
header (format: :mod:`spinscope.optimize.planted_files`, ``docs/optimize.md``); ``spinscope solve
FILE`` then stops at, and reports, the planted energy. For xorsat it is the 3-XORSAT text format
(:mod:`spinscope.optimize.xorsat_files`), which ``solve`` minimises with its 3-XORSAT solvers.
"""

from __future__ import annotations

import click

from spinscope.cli._common import Count, emit, get_options
from spinscope.errors import InputError
from spinscope.optimize.planted import PLANTED_KINDS

__all__ = ["command"]


def _probabilities(text: str | None, kind: str) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        example = "p2,p4, e.g. 0.05,0.05" if kind == "tiles3d" else "p1,p2,p3, e.g. 0.2,0.5,0.1"
        raise InputError(f"--p {text!r} must be comma-separated numbers {example}") from None


@click.command("generate")
@click.argument("kind", metavar="KIND")
@click.option("--n", "--N", "n", type=Count(), default=None,
              help="Number of spins (wishart; >= 2) or of variables and clauses (xorsat; >= 4).")
@click.option("--L", "L", type=Count(), default=None,
              help="Linear size of the periodic square (tiles2d) or cubic (tiles3d) lattice; even, >= 4.")
@click.option("--alpha", type=float, default=0.5, show_default=True,
              help="Wishart M/N (> 0): below about 1 hard, above easy.")
@click.option("--discrete", is_flag=True, help="Wishart with ±1 entries of R instead of Gaussians.")
@click.option("--p", "p", default=None,
              help="Tile-class probabilities: tiles2d p1,p2,p3 of C1,C2,C3 (C4 takes the rest; default "
                   "0.2,0.5,0.1); tiles3d p2,p4 of 2FP,4FP (6FP takes the rest; default 0.05,0.05).")
@click.option("--gauge", is_flag=True,
              help="Hide the planted state (all up) behind a random gauge (not xorsat: already random).")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True,
              help="The file to write (Ising text; xorsat: 3-XORSAT text); checked before generating.")
@click.option("--overwrite", is_flag=True, help="Allow --out to replace an existing file.")
def command(kind, n, L, alpha, discrete, p, gauge, out, overwrite) -> None:
    """Write a planted instance of KIND (wishart, tiles2d, tiles3d, xorsat) with its ground-state energy.

    wishart: the Wishart planted ensemble on --n spins (dense); tiles2d / tiles3d: tile planting
    on an --L x --L torus / --L x --L x --L periodic cube. The planted energy goes into the file's
    first line, which 'spinscope solve' uses as its default target. xorsat: 3-regular 3-XORSAT
    with a planted solution on --n variables (3-spin clauses 'i j k J', energy -n, the number of
    ground states in the header), which 'spinscope solve' minimises (--solver auto, sa or pt).
    """
    from spinscope.workflows.generation import generate

    if kind not in PLANTED_KINDS:
        raise InputError(f"unknown KIND {kind!r}; choose one of {', '.join(PLANTED_KINDS)}")
    run = generate(kind, n=n, L=L, alpha=alpha, discrete=discrete, probabilities=_probabilities(p, kind),
                   gauge=gauge, out=out, overwrite=overwrite, seed=get_options().seed)
    d = run.to_dict()
    deg = d.get("degeneracy")
    extra = "" if deg is None else f", {deg} ground state{'' if deg == 1 else 's'}"
    emit(d, f"{d['kind']}: n={d['n']}, planted ground-state energy {d['planted_energy']:.12g}{extra}, "
            f"seed {d['seed']}\nwritten to {d['path']}")
