"""``spinscope sweep SPEC.toml``: a parameter sweep of one workflow on Dask.

Parses options and calls :func:`spinscope.workflows.sweeps.sweep`; prints a summary. Exit
status 1 when some task failed (the others' results are written; ``--resume DIR`` re-runs the
failed ones), 2 on bad input (nothing written).
"""

from __future__ import annotations

from pathlib import Path

import click

from spinscope.cli._common import Count, emit, get_options

__all__ = ["command"]


def _human(res) -> str:
    lines = [f"sweep of {res.spec['workflow']}: {res.n_tasks} tasks, {res.done} done, {res.failed} failed "
             f"({res.submitted} run now on {res.engine})",
             f"results:       {res.results_path}", f"run directory: {res.run_dir}"]
    lines += [f"task {f['task']} failed: {f['error']}" for f in res.failures[:10]]
    return "\n".join(lines)


@click.command("sweep")
@click.argument("spec", required=False, type=click.Path(path_type=Path))
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Address of a running Dask scheduler (tcp://host:8786) [default: a local cluster].")
@click.option("--workers", type=Count(min=0), default=None,
              help="Worker processes of the local cluster [default: one per core]; 0 runs the tasks "
                   "one by one in this process.")
@click.option("--retries", type=Count(min=0), default=2, show_default=True,
              help="Re-runs of a task that raised, before it is recorded as failed.")
@click.option("--connect-timeout", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True, help="Seconds to wait for --scheduler to answer.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="New run directory [default: runs/sweep-<time>].")
@click.option("--resume", type=click.Path(path_type=Path), default=None,
              help="Continue the sweep in this directory (only tasks without a complete result run).")
def command(spec, scheduler, workers, retries, connect_timeout, out, resume) -> None:
    """Run the parameter sweep described by SPEC (a TOML file): one task per grid point and
    repetition, on a local Dask cluster or an existing one (--scheduler).

    SPEC may be left out with --resume DIR. See docs/cluster.md for the file's format.
    """
    from spinscope.io import RunDirectory, sigterm_as_interrupt
    from spinscope.workflows.sweeps import sweep

    opts = get_options()
    if resume is None and out is None and spec is not None:
        out = RunDirectory.default_path("sweep")
    try:
        with sigterm_as_interrupt():
            res = sweep(spec, scheduler=scheduler, workers=workers, out=out, resume=resume,
                        retries=retries, connect_timeout=connect_timeout, seed=opts.seed,
                        progress=opts.show_progress and not opts.json)
    except KeyboardInterrupt:
        where = resume or out
        if where is not None and (Path(where) / "config.json").is_file():
            click.echo(f"spinscope: complete tasks are kept in {where}; continue with "
                       f"'spinscope sweep --resume {where}'", err=True)
        raise
    emit(res.to_dict(), _human(res))
    if res.failed:
        raise click.ClickException(f"{res.failed} of {res.n_tasks} tasks failed (see the 'error' column "
                                   f"of {res.results_path}); run them again with "
                                   f"'spinscope sweep --resume {res.run_dir}'")
