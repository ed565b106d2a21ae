"""``spinscope simulate MODEL``: Monte Carlo runs of Ising, Potts, clock, XY and spin-glass models.

Parses options, calls :func:`spinscope.workflows.simulation.simulate_spec` (which builds the
model and runs :func:`spinscope.workflows.simulate`), prints a summary. A run directory holds
everything; Ctrl-C or ``kill`` saves a checkpoint and ``--resume DIR`` continues with the stored
options (options given again must match). The ``--algorithm`` choices come from the rule
registry :data:`spinscope.mc.rules.RULES`.
"""

from __future__ import annotations

from pathlib import Path

import click

from spinscope.cli._common import Count, emit, get_options
from spinscope.mc.rules import BACKENDS, RULES
from spinscope.workflows.specs import LATTICES


def _summary_text(result) -> str:
    import io

    from rich.console import Console
    from rich.table import Table

    df = result.summary()
    cols = [("energy", "e"), ("abs_m", "|m|"), ("specific_heat", "C"), ("susceptibility", "chi"),
            ("binder", "U4"), ("xi", "xi"), ("chi_sg", "chi_SG")]
    cols = [(c, h) for c, h in cols if c in df.columns and df[c].notna().any()]
    table = Table(title=f"{result.config['model']['name']}  n={result.config['model']['n']}  "
                        f"{result.config['algorithm']}/{result.config['backend']}")
    table.add_column("T", justify="right")
    for _, h in cols:
        table.add_column(h, justify="right")
    for _, row in df.iterrows():
        table.add_row(f"{row['T']:.4g}", *[f"{row[c]:.5g} ± {row[c + '_err']:.2g}" for c, _ in cols])
    buf = io.StringIO()
    Console(file=buf, width=140, force_terminal=False).print(table)
    text = buf.getvalue()
    if result.run_dir:
        text += f"run directory: {result.run_dir}\n"
    return text.rstrip("\n")


@click.command("simulate")
@click.argument("model", required=False)
@click.option("--lattice", type=click.Choice(list(LATTICES)), default=None,
              help="Lattice of ising/potts/clock/xy (default square) or ea (default cubic); "
                   "hypercubic takes its dimension from --dim.")
@click.option("--dim", type=Count(1, 3), default=None, help="Hypercubic dimension (overrides the default lattice).")
@click.option("--L", "L", type=Count(min=2), default=16, show_default=True, help="Linear lattice size.")
@click.option("--n", "n", type=Count(min=2), default=64, show_default=True, help="Number of spins of sk.")
@click.option("--q", type=Count(), default=None, help="States of potts (default 3) / clock (default 4).")
@click.option("--T", "T", default="2.269", show_default=True,
              help="Temperatures: a comma list 2.0,2.269 or start:stop:count.")
@click.option("--algorithm", type=click.Choice(list(RULES)), default="metropolis", show_default=True,
              help="Update rule: " + "; ".join(f"{r.name}: {r.support_text()}" for r in RULES.values()) + ".")
@click.option("--backend", type=click.Choice(list(BACKENDS)), default="numba", show_default=True)
@click.option("--sweeps", type=Count(min=1), default=1000, show_default=True,
              help="Measurement sweeps per chain.")
@click.option("--therm", type=Count(min=0), default=None, help="Thermalisation sweeps (default sweeps/5).")
@click.option("--replicas", type=Count(min=1), default=1, show_default=True,
              help="Chains per temperature (>= 2: overlaps; multiple of 64 for multispin).")
@click.option("--measure-every", type=Count(min=1), default=1, show_default=True,
              help="Sweeps between measurements.")
@click.option("--clusters", type=Count(min=1), default=1, show_default=True,
              help="Wolff clusters per sweep.")
@click.option("--tempering", is_flag=True, help="Parallel tempering between the temperatures.")
@click.option("--start", type=click.Choice(["random", "ordered"]), default="random", show_default=True,
              help="Hot or cold initial configurations.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="New run directory (default runs/simulate-<time>).")
@click.option("--resume", type=click.Path(path_type=Path), default=None,
              help="Continue the interrupted run in this directory.")
def command(model, out, resume, **options) -> None:
    """Monte Carlo simulation of MODEL: ising, potts, clock, xy, ea, sk or a model file (.npz).

    MODEL may be left out with --resume DIR: the run's stored model and options are used.
    """
    from spinscope.io import RunDirectory, sigterm_as_interrupt
    from spinscope.workflows.simulation import simulate_spec

    opts = get_options()
    if resume is None and out is None and model is not None:
        out = RunDirectory.default_path("simulate")
    ctx = click.get_current_context()
    explicit = {k for k in options if ctx.get_parameter_source(k) != click.core.ParameterSource.DEFAULT}
    try:
        with sigterm_as_interrupt():
            result = simulate_spec(model, options=options, explicit=explicit, seed=opts.seed,
                                   device=opts.device, out=out, resume=resume,
                                   progress=opts.show_progress and not opts.json)
    except KeyboardInterrupt:
        where = resume or out
        if where is not None and (Path(where) / "checkpoint.safetensors").exists():
            again = f"spinscope simulate {model} --resume {where}" if model else \
                f"spinscope simulate --resume {where}"
            click.echo(f"spinscope: checkpoint saved in {where}; continue with '{again}'", err=True)
        raise
    emit(result.to_dict(), _summary_text(result))
