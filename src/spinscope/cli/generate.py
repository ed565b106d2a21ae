"""``spinscope generate KIND``: planted Ising instances with a known ground-state energy.

Parses the options, calls :func:`spinscope.workflows.generation.generate` and formats its result.
The file is an Ising text file whose first line is the planted header (format:
:mod:`spinscope.optimize.planted_files`, ``docs/optimize.md``); ``spinscope solve FILE`` then
stops at, and reports, the planted energy.
"""

from __future__ import annotations

import click

from spinscope.cli._common import emit, get_options
from spinscope.errors import InputError
from spinscope.optimize.planted import DEFAULT_TILE_PROBABILITIES, PLANTED_KINDS

__all__ = ["command"]


def _probabilities(text: str | None) -> tuple[float, ...]:
    if text is None:
        return DEFAULT_TILE_PROBABILITIES
    try:
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        raise InputError(f"--p {text!r} must be three comma-separated numbers p1,p2,p3, e.g. 0.2,0.5,0.1") from None


@click.command("generate")
@click.argument("kind", metavar="KIND")
@click.option("--n", "--N", "n", type=int, default=None, help="Number of spins (wishart; >= 2).")
@click.option("--L", "L", type=int, default=None, help="Linear size of the periodic square lattice (tiles2d; even, >= 4).")
@click.option("--alpha", type=float, default=0.5, show_default=True,
              help="Wishart M/N (> 0): below about 1 hard, above easy.")
@click.option("--discrete", is_flag=True, help="Wishart with ±1 entries of R instead of Gaussians.")
@click.option("--p", "p", default=None,
              help="Tile-class probabilities p1,p2,p3 of C1,C2,C3 (C4 takes the rest; default 0.2,0.5,0.1).")
@click.option("--gauge", is_flag=True, help="Hide the planted state (all up) behind a random gauge.")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True,
              help="The Ising text file to write; checked before generating.")
@click.option("--overwrite", is_flag=True, help="Allow --out to replace an existing file.")
def command(kind, n, L, alpha, discrete, p, gauge, out, overwrite) -> None:
    """Write a planted Ising instance of KIND (wishart or tiles2d) with its ground-state energy.

    wishart: the Wishart planted ensemble on --n spins (dense); tiles2d: 2-D tile planting on an
    --L x --L torus. The planted energy goes into the file's first line, which 'spinscope solve'
    uses as its default target.
    """
    from spinscope.workflows.generation import generate

    if kind not in PLANTED_KINDS:
        raise InputError(f"unknown KIND {kind!r}; choose one of {', '.join(PLANTED_KINDS)} "
                         "(3-D tiles and k-XORSAT are not available)")
    run = generate(kind, n=n, L=L, alpha=alpha, discrete=discrete, probabilities=_probabilities(p),
                   gauge=gauge, out=out, overwrite=overwrite, seed=get_options().seed)
    d = run.to_dict()
    emit(d, f"{d['kind']}: n={d['n']}, planted ground-state energy {d['planted_energy']:.12g}, "
            f"seed {d['seed']}\nwritten to {d['path']}")
