"""``spinscope simulate MODEL``: Monte Carlo runs of Ising, Potts, clock and spin-glass models.

Parses options, builds the model, calls :func:`spinscope.mc.simulate`, prints a summary. A
run directory holds everything; Ctrl-C or ``kill`` saves a checkpoint and ``--resume DIR``
continues with the stored options (options given again must match).
"""

from __future__ import annotations

from pathlib import Path

import click

from spinscope.cli._common import emit, get_options, parse_temperatures
from spinscope.errors import InputError, ResumeError

BUILTIN = ("ising", "potts", "clock", "ea", "sk")
LATTICES = {"chain": 1, "square": 2, "cubic": 3, "triangular": 2}
# options stored in the run so that ``--resume DIR`` alone continues it
_STORED = ("lattice", "dim", "L", "n", "q", "T", "algorithm", "backend", "sweeps", "therm",
           "replicas", "measure_every", "tempering", "clusters", "start")


def build_model(spec: str, *, lattice: str | None, dim: int | None, L: int, n: int, q: int | None,
                seed: int):
    """The model named on the command line (``ising``, ``potts``, ``clock``, ``ea``, ``sk``, or a file)."""
    from spinscope.models import (
        ClockModel,
        IsingModel,
        PottsModel,
        edwards_anderson,
        hypercubic,
        load_model,
        sk,
        triangular,
    )

    if spec not in BUILTIN:
        path = Path(spec)
        if not path.exists():
            raise InputError(f"MODEL {spec!r} is neither one of {', '.join(BUILTIN)} nor an existing model file")
        return load_model(path)
    if spec == "sk":
        return sk(n, seed=seed)
    lattice = lattice or ("cubic" if spec == "ea" else "square")
    d = dim if dim is not None else LATTICES[lattice]
    if lattice == "triangular" and dim is None:
        graph = triangular((L, L))
    else:
        graph = hypercubic((L,) * d)
    if spec == "ea":
        if graph.kind != "hypercubic":
            raise InputError("ea lives on hypercubic lattices; use --lattice chain/square/cubic or --dim")
        return edwards_anderson(graph.shape, seed=seed)
    if spec == "ising":
        return IsingModel.from_graph(graph, 1.0)
    cls = PottsModel if spec == "potts" else ClockModel
    return cls.from_graph(graph, q if q is not None else (3 if spec == "potts" else 4))


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
              help="Lattice of ising/potts/clock (default square) or ea (default cubic).")
@click.option("--dim", type=click.IntRange(1, 3), default=None, help="Hypercubic dimension (overrides --lattice).")
@click.option("--L", "L", type=click.IntRange(min=2), default=16, show_default=True, help="Linear lattice size.")
@click.option("--n", "n", type=click.IntRange(min=2), default=64, show_default=True, help="Number of spins of sk.")
@click.option("--q", type=int, default=None, help="States of potts (default 3) / clock (default 4).")
@click.option("--T", "T", default="2.269", show_default=True,
              help="Temperatures: a comma list 2.0,2.269 or start:stop:count.")
@click.option("--algorithm", type=click.Choice(["metropolis", "heatbath", "wolff", "swendsen-wang",
                                                "multispin", "block"]),
              default="metropolis", show_default=True)
@click.option("--backend", type=click.Choice(["numba", "torch"]), default="numba", show_default=True)
@click.option("--sweeps", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Measurement sweeps per chain.")
@click.option("--therm", type=click.IntRange(min=0), default=None, help="Thermalisation sweeps (default sweeps/5).")
@click.option("--replicas", type=click.IntRange(min=1), default=1, show_default=True,
              help="Chains per temperature (>= 2: overlaps; multiple of 64 for multispin).")
@click.option("--measure-every", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--clusters", type=click.IntRange(min=1), default=1, show_default=True,
              help="Wolff clusters per sweep.")
@click.option("--tempering", is_flag=True, help="Parallel tempering between the temperatures.")
@click.option("--start", type=click.Choice(["random", "ordered"]), default="random", show_default=True,
              help="Hot or cold initial configurations.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="New run directory (default runs/simulate-<time>).")
@click.option("--resume", type=click.Path(path_type=Path), default=None,
              help="Continue the interrupted run in this directory.")
def command(model, lattice, dim, L, n, q, T, algorithm, backend, sweeps, therm, replicas,
            measure_every, clusters, tempering, start, out, resume) -> None:
    """Monte Carlo simulation of MODEL: ising, potts, clock, ea, sk or a model file (.npz).

    MODEL may be left out with --resume DIR: the run's stored model and options are used.
    """
    from spinscope.io import RunDirectory, sigterm_as_interrupt
    from spinscope.mc import simulate

    opts = get_options()
    ctx = click.get_current_context()
    given = dict(lattice=lattice, dim=dim, L=L, n=n, q=q, T=T, algorithm=algorithm,
                 backend=backend, sweeps=sweeps, therm=therm, replicas=replicas,
                 measure_every=measure_every, tempering=tempering, clusters=clusters, start=start)
    seed = opts.seed
    if resume is not None:
        if out is not None:
            raise InputError("give either --out (a new run) or --resume DIR, not both")
        stored = RunDirectory.resume(resume, command="simulate").config
        cli = (stored.get("meta") or {}).get("cli")
        if cli is None:
            raise ResumeError(f"cannot resume {resume}: it was not started by 'spinscope simulate'")
        for k in _STORED:
            if ctx.get_parameter_source(k) == click.core.ParameterSource.DEFAULT:
                given[k] = cli["options"][k]
        if model is None:
            model = cli["model"]
        if cli["model"] != model:
            raise ResumeError(f"cannot resume {resume}: it simulated {cli['model']!r}, not {model!r}")
        seed = stored["seed"] if seed is None else seed
    elif model is None:
        raise InputError("MODEL is missing: give ising, potts, clock, ea, sk or a model file (.npz), "
                         "or --resume DIR to continue a run")
    elif seed is None:
        import secrets

        seed = secrets.randbits(63)
    temps = parse_temperatures(given["T"])
    mdl = build_model(model, lattice=given["lattice"], dim=given["dim"], L=given["L"], n=given["n"],
                      q=given["q"], seed=seed)
    meta = {"cli": {"model": model, "options": given}}
    if resume is None and out is None:
        out = RunDirectory.default_path("simulate")
    try:
        with sigterm_as_interrupt():
            result = simulate(mdl, temperatures=temps, algorithm=given["algorithm"],
                              backend=given["backend"], device=opts.device, sweeps=given["sweeps"],
                              therm=given["therm"], replicas=given["replicas"],
                              measure_every=given["measure_every"], tempering=given["tempering"],
                              clusters_per_sweep=given["clusters"], start=given["start"],
                              seed=seed, out=out,
                              resume=resume, metadata=meta,
                              progress=opts.show_progress and not opts.json,
                              _interrupt_after=_test_interrupt())
    except KeyboardInterrupt:
        where = resume or out
        if where is not None and (Path(where) / "checkpoint.safetensors").exists():
            click.echo(f"spinscope: checkpoint saved in {where}; continue with "
                       f"'spinscope simulate {model} --resume {where}'", err=True)
        raise
    emit(result.to_dict(), _summary_text(result))


def _test_interrupt() -> int | None:
    """Test hook: ``SPINSCOPE_TEST_INTERRUPT_AFTER=k`` interrupts after k sweeps (as Ctrl-C would)."""
    import os

    v = os.environ.get("SPINSCOPE_TEST_INTERRUPT_AFTER")
    return int(v) if v else None
