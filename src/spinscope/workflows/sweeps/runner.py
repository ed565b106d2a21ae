"""``sweep``: run every task of a sweep file on Dask (or in this process) and tabulate them."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinscope._validation import check_int
from spinscope.errors import InputError, ResumeError
from spinscope.io import RunDirectory
from spinscope.workflows.sweeps import engine
from spinscope.workflows.sweeps.spec import SweepSpec, load_spec
from spinscope.workflows.sweeps.table import (
    RESULTS_FILE,
    Outcome,
    completed_records,
    record_outcome,
    results_frame,
    write_results,
)

__all__ = ["SweepResult", "sweep"]

_WRITE_EVERY_S = 10.0  # results.parquet is rewritten this often while tasks complete
ProgressFn = Callable[[int, int, int, int], None]  # (done, failed, running, total)


@dataclass(frozen=True)
class SweepResult:
    """Outcome of :func:`sweep`.

    Attributes
    ----------
    run_dir : Path
        The sweep's directory: ``config.json``, ``results.parquet``, ``tasks/task-NNNNNN/``.
    spec : dict
        The sweep as run (:meth:`SweepSpec.to_dict`; the seed is recorded).
    n_tasks, done, failed, submitted : int
        Tasks in the sweep, complete, failed, and run by this call (less with ``resume``).
    engine : str
        Where the tasks ran (``local Dask cluster, 2 workers``, ``Dask scheduler at ...``,
        ``this process``).
    failures : list of dict
        ``{"task", "error"}`` of every failed task.
    """

    run_dir: Path
    spec: dict
    n_tasks: int
    done: int
    failed: int
    submitted: int
    engine: str
    failures: list = field(default_factory=list)
    table: Any = field(default=None, repr=False)

    @property
    def results_path(self) -> Path:
        return self.run_dir / RESULTS_FILE

    def to_pandas(self):
        """The results table (the contents of ``results.parquet``)."""
        return self.table

    def to_dict(self) -> dict:
        """JSON-ready summary: the ``--json`` output of ``spinscope sweep``."""
        return {"run_dir": str(self.run_dir), "results": str(self.results_path), "spec": self.spec,
                "tasks": self.n_tasks, "done": self.done, "failed": self.failed,
                "submitted": self.submitted, "engine": self.engine, "failures": self.failures}


def sweep(spec: str | os.PathLike | Mapping | SweepSpec, client=None, *, scheduler: str | None = None,
          workers: int | None = None, out: str | os.PathLike | None = None,
          resume: str | os.PathLike | None = None, retries: int = 2, connect_timeout: float = 10.0,
          seed: int | None = None, progress: bool | ProgressFn = False) -> SweepResult:
    """Run a parameter sweep: one task per grid point and repetition, on Dask or in this process.

    Parameters
    ----------
    spec : path, dict or SweepSpec
        The sweep file (TOML) or its contents (see :mod:`spinscope.workflows.sweeps.spec`).
        May be ``None`` with ``resume`` (the stored sweep is used).
    client : dask.distributed.Client, optional
        Run on this client; it is used and never closed.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); a client is created (and
        closed at the end). Unreachable within ``connect_timeout`` seconds: ``InputError``,
        nothing written.
    workers : int, optional
        Without ``client``/``scheduler``: processes of a new local Dask cluster (one thread
        each; default: the usable cores). ``0`` runs the tasks one by one in this process,
        without Dask.
    out : path, optional
        New run directory (default ``runs/sweep-<time>``); a non-empty one is refused.
    resume : path, optional
        Continue the sweep in this directory: only tasks without a complete result run (failed
        ones run again). ``spec``, if given, must equal the stored one.
    retries : int
        Dask re-runs a task whose function raised up to this many times; a task whose worker
        died is re-run up to Dask's ``distributed.scheduler.allowed-failures`` (3) times. After
        that the task is recorded as failed with its error, and the sweep goes on.
    seed : int, optional
        Sweep seed when the file has none (fresh entropy if neither; recorded).
    progress : bool or callable ``(done, failed, running, total)``
        ``True``: a progress bar on stderr (done / failed / running, ETA).

    Returns
    -------
    SweepResult
        Its table is also written to ``run_dir/results.parquet``.
    """
    retries = check_int(retries, "retries", minimum=0)
    if client is not None and (scheduler is not None or workers is not None):
        raise InputError("give one of client, scheduler and workers, not several")
    if scheduler is not None and workers is not None:
        raise InputError("give either --scheduler (an existing cluster) or --workers (a local one), not both")
    sp, path = _prepare(spec, out=out, resume=resume, seed=seed)
    tasks = sp.tasks()
    outcomes: dict[int, Outcome] = {} if resume is None else completed_records(path, sp.n_tasks)
    todo = [t for t in tasks if t.index not in outcomes]
    with _engine(client, scheduler, workers, connect_timeout, n_todo=len(todo)) as (dask_client, where):
        rd = (RunDirectory.create(path, command="sweep", config={"spec": sp.to_dict()})
              if resume is None else RunDirectory.resume(path, command="sweep"))
        engine.remove_partial(rd.path)
        stream = (engine.run_serial(sp.workflow, todo, rd.path) if dask_client is None else
                  engine.run_on_dask(dask_client, sp.workflow, todo, rd.path, retries=retries))
        slots = 1 if dask_client is None else max(1, sum(dask_client.nthreads().values()))
        try:
            _collect(stream, outcomes, tasks, rd.path, progress, slots)
        finally:
            engine.remove_partial(rd.path)
    frame = results_frame(tasks, outcomes)
    write_results(rd.path, frame)
    failures = [{"task": i, "error": e} for i, (s, e) in sorted(outcomes.items()) if s == "failed"]
    return SweepResult(rd.path, sp.to_dict(), sp.n_tasks, sum(s == "done" for s, _ in outcomes.values()),
                       len(failures), len(todo), where, failures, frame)


def _prepare(spec, *, out, resume, seed) -> tuple[SweepSpec, Path]:
    """The checked sweep and its directory, before anything is written."""
    if resume is None:
        if spec is None:
            raise InputError("SPEC is missing: give a sweep file, or --resume DIR to continue a sweep")
        sp = load_spec(spec, seed=seed)
        path = RunDirectory.default_path("sweep") if out is None else Path(out)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise InputError(f"output directory {path} already exists and is not empty; choose a new "
                             f"--out, or continue that sweep with --resume {path}")
        return sp, path
    if out is not None:
        raise InputError("give either --out (a new sweep) or --resume DIR, not both")
    stored = RunDirectory.resume(resume, command="sweep").config.get("spec")
    if not isinstance(stored, dict):
        raise ResumeError(f"cannot resume {resume}: its config.json holds no sweep spec")
    sp = load_spec(stored)
    if spec is not None:
        given = load_spec(spec, seed=seed if seed is not None else sp.seed).to_dict()
        diff = sorted(k for k in given if given[k] != sp.to_dict()[k])
        if diff:
            raise ResumeError(f"cannot resume {resume}: the sweep file differs from the stored "
                              f"sweep in {diff}; give the same file, or none")
    elif seed is not None and seed != sp.seed:
        raise ResumeError(f"cannot resume {resume}: it was run with seed {sp.seed}, not {seed}")
    return sp, Path(resume)


@contextlib.contextmanager
def _engine(client, scheduler, workers, timeout, *, n_todo: int) -> Iterator[tuple[Any, str]]:
    """``(client or None, description)``; a client created here is closed at the end."""
    if client is not None:
        yield client, f"Dask client {getattr(client, 'scheduler_info', lambda: {})().get('address', '')}".strip()
        return
    if scheduler is not None:
        c = engine.connect(str(scheduler), timeout)
        try:
            yield c, f"Dask scheduler at {scheduler}"
        finally:
            c.close()
        return
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = check_int(workers, "workers", minimum=0)
    if workers == 0 or n_todo == 0:
        yield None, "this process"
        return
    c, cluster = engine.local_client(min(workers, n_todo))
    try:
        yield c, f"local Dask cluster, {min(workers, n_todo)} worker process(es)"
    finally:
        c.close()
        cluster.close()


def _collect(stream, outcomes: dict, tasks, out: Path, progress, slots: int) -> None:
    """Record outcomes as they arrive; rewrite ``results.parquet`` every few seconds; progress."""
    total = len(tasks)
    bar = _progress(progress)
    last, every = time.monotonic(), _WRITE_EVERY_S
    try:
        bar(outcomes, total, slots)
        for index, record, error in stream:
            outcomes[index] = record_outcome(record) if error is None else ("failed", error)
            bar(outcomes, total, slots)
            if time.monotonic() - last > every:
                t0 = time.monotonic()
                write_results(out, results_frame(tasks, outcomes))
                last = time.monotonic()
                every = max(_WRITE_EVERY_S, 10 * (last - t0))  # big tables: at most 10% of the time
    finally:
        bar(None, total, slots)
        if outcomes:  # what is complete is kept even on Ctrl-C (resume re-reads the task files)
            write_results(out, results_frame(tasks, outcomes))


def _progress(progress) -> Callable[[dict | None, int, int], None]:
    """``update(outcomes, total, slots)``: a rich bar, the caller's callable, or nothing."""
    def counts(outcomes, total, slots):
        failed = sum(s == "failed" for s, _ in outcomes.values())
        done = len(outcomes) - failed
        return done, failed, min(slots, total - len(outcomes)), total

    if callable(progress):
        return lambda o, total, slots: None if o is None else progress(*counts(o, total, slots))
    if not progress:
        return lambda o, total, slots: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress("{task.description}", BarColumn(), MofNCompleteColumn(), "ETA",
                   TimeRemainingColumn(), console=Console(stderr=True), transient=True)
    job = bar.add_task("sweep", total=None)
    bar.start()

    def update(outcomes, total, slots):
        if outcomes is None:
            bar.stop()
            return
        done, failed, running, _ = counts(outcomes, total, slots)
        bar.update(job, completed=done + failed, total=total,
                   description=f"sweep: {done} done, {failed} failed, {running} running")
    return update
