"""``spinscope cpm``: Cellular Potts simulations (cell sorting) with snapshots, movie and report."""

from __future__ import annotations

from pathlib import Path

import click

from spinscope.cli._common import Count, emit, get_options

__all__ = ["command"]

_PRESETS = ["cellsort", "graner-glazier", "morpheus"]


@click.command(name="cpm")
@click.option("--preset", type=click.Choice(_PRESETS), default=None,
              help="A published setup: CompuCell3D cellsort_2D, Graner-Glazier 1992, Morpheus CellSorting_2D.")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A TOML specification instead of a preset (format: docs/cpm.md).")
@click.option("--mcs", type=Count(min=0), default=None, help="Monte Carlo steps [default: the preset's].")
@click.option("--T", "T", type=float, default=None, help="Temperature [default: the preset's].")
@click.option("--connectivity/--no-connectivity", default=None,
              help="Refuse copies that split a cell locally (2-D) [default: the preset's/config's, off].")
@click.option("--rule", type=click.Choice(["standard", "exact"]), default="standard", show_default=True,
              help="standard CPM kinetics, or the Metropolis-Hastings corrected rule that samples exp(-H/T).")
@click.option("--backend", type=click.Choice(["numba", "torch"]), default="numba", show_default=True,
              help="numba (CPU threads) or torch (batched replicas; --device).")
@click.option("--replicas", type=Count(min=1), default=1, show_default=True, help="Independent chains.")
@click.option("--tile", type=Count(min=1), default=None, help="Tile side of the parallel scheme [default: from the cell size].")
@click.option("--points", type=Count(min=2), default=40, show_default=True,
              help="Log-spaced measurement times (and movie frames).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="New run directory (CSV, PNG, GIF, curves, report.html, checkpoint).")
@click.option("--resume", type=click.Path(path_type=Path), default=None,
              help="Continue the run in this directory from its checkpoint (bit-identical).")
def command(preset, config, mcs, T, connectivity, rule, backend, replicas, tile, points, out, resume) -> None:
    """Simulate a Cellular Potts model and measure cell sorting.

    Prints the final observables (mean over replicas): energy, heterotypic boundary fraction,
    volumes, contact lengths and connected clusters per type.
    """
    from spinscope.io import sigterm_as_interrupt
    from spinscope.workflows.cell_sorting import cpm

    opts = get_options()
    try:
        with sigterm_as_interrupt():
            res = cpm(preset, config=config, mcs=mcs, T=T, connectivity=connectivity, rule=rule, backend=backend,
                      replicas=replicas, out=out, resume=resume, seed=opts.seed, device=opts.device, tile=tile,
                      points=points, progress=opts.show_progress and not opts.json)
    except KeyboardInterrupt:
        where = resume or out
        if where is not None and (Path(where) / "checkpoint.npz").exists():
            click.echo(f"spinscope: checkpoint saved in {where}; continue with 'spinscope cpm --resume {where}'",
                       err=True)
        raise
    emit(res.to_dict(), _text(res))


def _text(res) -> str:
    f = res.final
    lines = [f"cpm: {res.mcs} MCS, rule {res.config['rule']}, backend {res.config['backend']}, "
             f"{res.config['replicas']} replica(s), seed {res.seed}, {res.seconds:.1f} s",
             f"  energy {f['energy']:.6g}   heterotypic fraction {f['heterotypic_fraction']:.4f}   "
             f"mean volume {f['volume_mean']:.2f} (std {f['volume_std']:.2f})"]
    lines += [f"  {k}: {v:g}" for k, v in f.items() if k.startswith(("clusters_", "contact_"))]
    if res.out is not None:
        lines.append(f"  run directory: {res.out} (report.html, sorting.gif, observables.csv)")
    return "\n".join(lines)
