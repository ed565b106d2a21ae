"""``spinscope solve FILE``: ground states of Max-Cut, Ising, QUBO and 3-XORSAT problems.

Parses the options, calls :func:`spinscope.workflows.solve.solve_file` and formats its result;
the solver choices and the meaning of ``--sweeps`` come from the solver registry
(:mod:`spinscope.optimize.registry`). File formats: :mod:`spinscope.optimize.problem_files` and
``docs/optimize.md``.
"""

from __future__ import annotations

import time

import click

from spinscope.cli._common import Count, emit, get_options
from spinscope.optimize.registry import AUTO, SOLVER_CHOICES, SOLVER_REGISTRY, solvers_accepting

__all__ = ["command"]

_SOLVER_HELP = (f"{AUTO}: the recommended solver and settings for the problem (stated, with the reason, "
                "in the output; other options override them); "
                + "; ".join(f"{s.name}: {s.summary}" for s in SOLVER_REGISTRY.values())
                + ". 3-XORSAT files: auto (parallel tempering), sa or pt.")
_SWEEPS_HELP = ("Sweeps per read, per solver: "
                + ", ".join(f"{s.name} -> {s.describe_sweeps()}" for s in SOLVER_REGISTRY.values()) + ".")
_PT = "/".join(solvers_accepting("num_replicas"))


def _progress(enabled: bool):
    state = {"last": 0.0, "shown": False}

    def callback(info: dict) -> None:
        now = time.perf_counter()
        if now - state["last"] < 0.25:
            return
        state["last"] = now
        state["shown"] = True
        click.echo(f"\r{info['problem']} {info['solver']}: {info['elapsed_s']:7.2f} s  best "
                   f"{info['best_value']:.10g}  sweeps {info['sweeps']}  round {info['round'] + 1}   ",
                   err=True, nl=False)

    def close() -> None:
        if state["shown"]:
            click.echo("", err=True)

    return (callback if enabled else None), close


def _human(run) -> str:
    result, prob = run.result, run.problem
    what = "cut" if prob.kind == "maxcut" else "energy"
    human = (f"best {what} {result.best_value:.12g}  ({prob.name}, {prob.kind}, n={prob.n}, solver "
             f"{result.solver})\ntime to best {result.time_to_best:.3f} s, run {result.wall_time:.3f} s, "
             f"{result.states.shape[0]} reads, {result.sweeps} sweeps/read, stopped by {result.stopped_by}")
    if result.target_reached is not None:
        human += f", target {run.target:.12g} {'reached' if result.target_reached else 'NOT reached'}"
    if run.planted_reached is not None:
        human += (f"\nplanted ground-state energy {prob.planted_energy:.12g} "
                  f"{'reached' if run.planted_reached else 'NOT reached'}")
    if result.auto is not None:
        human += f"\nsolver chosen by auto: {result.auto['reason']}"
    if run.out is not None:
        human += f"\nassignment written to {run.out}"
    return human


@click.command("solve")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--problem", type=click.Choice(["maxcut", "ising", "qubo"]), default=None,
              help="How to read FILE: maxcut (Gset format), ising or qubo ('i j value' lines, "
                   "0-based; 'i i value' = linear term). Default: ising for .npz, else maxcut.")
@click.option("--solver", type=click.Choice(list(SOLVER_CHOICES)), default=AUTO, show_default=True,
              help=_SOLVER_HELP)
@click.option("--variant", type=click.Choice(["ballistic", "discrete"]), default=None,
              help="Simulated bifurcation variant (bSB or dSB; default ballistic). With --solver auto it "
                   "selects simulated bifurcation.")
@click.option("--time-limit", type=float, default=None,
              help="Seconds; keep restarting until then (stop earlier at --target).")
@click.option("--reads", type=Count(min=1), default=None,
              help="Independent reads (SA anneals, PT ladders, PA population, SB/CIM/CAC trajectories).")
@click.option("--sweeps", type=Count(min=1), default=None, help=_SWEEPS_HELP)
@click.option("--replicas", type=Count(min=2), default=None,
              help=f"Temperatures per parallel-tempering ladder (--solver {_PT}; default 16, auto: 20 or 32).")
@click.option("--cluster-moves", is_flag=True,
              help=f"Parallel tempering with Houdayer cluster moves between paired ladders (--solver {_PT}; "
                   "needs an even --reads). Helps sparse, low-dimensional problems such as 2-D spin glasses.")
@click.option("--target", type=float, default=None,
              help="Stop when reached: a cut value for maxcut (>=), an energy otherwise (<=). Default: "
                   "the planted ground-state energy of a file written by 'spinscope generate'.")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Write the best assignment here (one value per line); checked before solving.")
@click.option("--overwrite", is_flag=True, help="Allow --out to replace an existing file.")
@click.option("--force", is_flag=True, hidden=True, help="Old name of --overwrite.")
def command(file, problem, solver, variant, time_limit, reads, sweeps, replicas, cluster_moves, target, out,
            overwrite, force) -> None:
    """Find low-energy states (large cuts) of the problem in FILE.

    FILE holds a pairwise problem, or 3-XORSAT clauses ('spinscope generate xorsat', recognised by
    its first line), which --solver auto, sa or pt minimise (target: every clause satisfied).
    """
    from spinscope.workflows.solve import solve_file

    opts = get_options()
    callback, close = _progress(opts.show_progress and not opts.json)
    try:
        run = solve_file(file, problem=problem, solver=solver, variant=variant, time_limit=time_limit,
                         reads=reads, sweeps=sweeps, replicas=replicas, cluster_moves=cluster_moves,
                         target=target, out=out, overwrite=overwrite or force, seed=opts.seed,
                         device=opts.device, progress=callback)
    finally:
        close()
    emit(run.to_dict(), _human(run))
