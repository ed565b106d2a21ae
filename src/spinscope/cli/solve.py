"""``spinscope solve FILE``: ground states of Max-Cut, Ising and QUBO problems.

Thin wrapper around :func:`spinscope.optimize.problem_files.load_problem` and
:func:`spinscope.optimize.solve.solve`; file formats are described in
:mod:`spinscope.optimize.problem_files` and ``docs/optimize.md``.
"""

from __future__ import annotations

import time

import click
import numpy as np

from spinscope.cli._common import emit, get_options
from spinscope.errors import InputError

__all__ = ["command"]


def _progress(enabled: bool, label: str):
    state = {"last": 0.0, "shown": False}

    def callback(info: dict) -> None:
        now = time.perf_counter()
        if not enabled or now - state["last"] < 0.25:
            return
        state["last"] = now
        state["shown"] = True
        click.echo(f"\r{label}: {info['elapsed_s']:7.2f} s  best {info['best_value']:.10g}  "
                   f"sweeps {info['sweeps']}  round {info['round'] + 1}   ", err=True, nl=False)

    def close() -> None:
        if state["shown"]:
            click.echo("", err=True)

    return callback, close


@click.command("solve")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--problem", type=click.Choice(["maxcut", "ising", "qubo"]), default=None,
              help="How to read FILE: maxcut (Gset format), ising or qubo ('i j value' lines, "
                   "0-based; 'i i value' = linear term). Default: ising for .npz, else maxcut.")
@click.option("--solver", type=click.Choice(["sa", "pt", "pa", "sb"]), default="sa", show_default=True,
              help="Simulated annealing, parallel tempering, population annealing, simulated bifurcation.")
@click.option("--variant", type=click.Choice(["ballistic", "discrete"]), default="ballistic",
              show_default=True, help="Simulated bifurcation variant (bSB or dSB).")
@click.option("--time-limit", type=float, default=None,
              help="Seconds; keep restarting until then (stop earlier at --target).")
@click.option("--reads", type=click.IntRange(min=1), default=None,
              help="Independent reads (SA anneals, PT ladders, PA population, SB trajectories).")
@click.option("--sweeps", type=click.IntRange(min=1), default=None,
              help="Sweeps per anneal (SA), sweeps (PT), SB steps; PA: temperature steps = sweeps/10.")
@click.option("--replicas", type=click.IntRange(min=2), default=None,
              help="Temperatures per parallel-tempering ladder (--solver pt; default 16).")
@click.option("--cluster-moves", is_flag=True,
              help="Parallel tempering with Houdayer cluster moves between paired ladders (--solver pt; "
                   "needs an even --reads). Helps sparse, low-dimensional problems such as 2-D spin glasses.")
@click.option("--target", type=float, default=None,
              help="Stop when reached: a cut value for maxcut (>=), an energy otherwise (<=).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Write the best assignment here (one value per line).")
@click.option("--force", is_flag=True, help="Overwrite an existing --out file.")
def command(file, problem, solver, variant, time_limit, reads, sweeps, replicas, cluster_moves, target, out,
            force) -> None:
    """Find low-energy states (large cuts) of the problem in FILE."""
    from pathlib import Path

    from spinscope.optimize.problem_files import load_problem, write_assignment
    from spinscope.optimize.solve import solve

    opts = get_options()
    if time_limit is not None and not (np.isfinite(time_limit) and time_limit > 0):
        raise InputError(f"--time-limit must be a positive number of seconds, got {time_limit}")
    if out is not None and Path(out).exists() and not force:
        raise InputError(f"--out {out} already exists; choose another name or pass --force")
    if opts.device != "cpu" and solver != "sb":
        raise InputError(f"--device {opts.device} applies to --solver sb only; sa, pt and pa run on the CPU")
    if (replicas is not None or cluster_moves) and solver != "pt":
        raise InputError("--replicas and --cluster-moves apply to --solver pt only")
    seed = opts.seed if opts.seed is not None else int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    prob = load_problem(file, problem=problem)
    settings: dict = {"seed": seed, "time_limit": time_limit, "target": target}
    if solver == "sb":
        settings.update(variant=variant, device=opts.device)
    if reads is not None:
        settings["num_reads"] = reads
    if replicas is not None:
        settings["num_replicas"] = replicas
    if cluster_moves:
        settings["cluster_moves"] = True
    if sweeps is not None:
        key = {"sa": "num_sweeps", "pt": "num_sweeps", "sb": "num_steps", "pa": "num_steps"}[solver]
        settings[key] = max(1, sweeps // 10) if solver == "pa" else sweeps
    callback, close = _progress(opts.show_progress and not opts.json, f"{prob.name} {solver}")
    try:
        result = solve(prob, solver=solver, callback=callback, **settings)
    finally:
        close()
    what = "cut" if prob.kind == "maxcut" else "energy"
    human = (f"best {what} {result.best_value:.12g}  ({prob.name}, {prob.kind}, n={prob.n}, solver "
             f"{result.solver})\ntime to best {result.time_to_best:.3f} s, run {result.wall_time:.3f} s, "
             f"{result.states.shape[0]} reads, {result.sweeps} sweeps/read, stopped by {result.stopped_by}")
    if result.target_reached is not None:
        human += f", target {target:g} {'reached' if result.target_reached else 'NOT reached'}"
    payload = result.to_dict()
    if out is not None:
        path = write_assignment(out, result, overwrite=force)
        human += f"\nassignment written to {path}"
        payload["out"] = str(path)
    emit(payload, human)
