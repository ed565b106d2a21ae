"""Where tasks run: one task in a worker (or this process), and the Dask clients.

A task writes its workflow's files into a hidden temporary directory
``tasks/.task-NNNNNN.<random>.tmp`` next to its final place, then its record
``sweep-task.json`` (its index, seed, parameters and result rows), then renames the directory
to ``tasks/task-NNNNNN``: the rename is atomic, so a task directory exists only when it is
complete, and a killed worker or driver leaves at most a temporary directory that nobody trusts
(removed when the sweep or its resume ends). The record's text is what the driver tabulates,
the same whether it comes back from a worker or is read from disk by ``--resume``.

Dask is imported lazily: the rest of spinscope works without the ``dist`` extra.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from spinscope._files import atomic_write
from spinscope._jsonutil import to_jsonable
from spinscope.errors import InputError
from spinscope.workflows._threads import ONE_THREAD_ENV, single_threaded
from spinscope.workflows.sweeps.registry import SWEEPABLE

__all__ = [
    "TASKS_DIR",
    "TASK_FILE",
    "connect",
    "local_client",
    "remove_partial",
    "run_on_dask",
    "run_serial",
    "run_task",
    "task_dir",
]

TASKS_DIR = "tasks"
TASK_FILE = "sweep-task.json"
DIST_HINT = "install the 'dist' extra: pip install 'spinscope[dist]' (dask[distributed] and pyarrow)"


def task_dir(out: str | os.PathLike, index: int) -> Path:
    """The directory of task ``index`` under the sweep's run directory ``out``."""
    return Path(out) / TASKS_DIR / f"task-{index:06d}"


def run_task(workflow: str, index: int, options: dict, seed: int, params: dict, out: str) -> str:
    """Run one task (in a worker or in this process) and return its record as JSON text.

    The workflow runs with one thread for torch, numba and BLAS. A task already complete (an
    earlier attempt finished just before its worker died) is not run again.
    """
    final = task_dir(out, index)
    if (final / TASK_FILE).exists():
        return (final / TASK_FILE).read_text(encoding="utf-8")
    tmp = final.parent / f".{final.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        with single_threaded():
            rows = SWEEPABLE[workflow].run(dict(options), seed, tmp)
        tmp.mkdir(exist_ok=True)
        record = {"task": index, "seed": seed, "params": params, "rows": to_jsonable(list(rows))}
        text = json.dumps(record, indent=1)
        atomic_write(tmp / TASK_FILE, text)
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / TASK_FILE).exists():  # not a twin attempt that finished first
                raise
            shutil.rmtree(tmp, ignore_errors=True)
        return text
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def remove_partial(out: str | os.PathLike) -> None:
    """Remove the temporary directories left by tasks that never completed."""
    for p in (Path(out) / TASKS_DIR).glob(".task-*.tmp"):
        shutil.rmtree(p, ignore_errors=True)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()


def run_serial(workflow: str, tasks: Sequence, out: Path) -> Iterator[tuple[int, str | None, str | None]]:
    """Run ``tasks`` one after the other in this process: yields ``(index, record, error)``."""
    for t in tasks:
        try:
            yield t.index, run_task(workflow, t.index, t.options, t.seed, t.params, str(out)), None
        except Exception as exc:
            yield t.index, None, _error_text(exc)


def run_on_dask(client, workflow: str, tasks: Sequence, out: Path, *,
                retries: int) -> Iterator[tuple[int, str | None, str | None]]:
    """Submit ``tasks`` to ``client`` (``pure=False``, Dask ``retries``) and yield
    ``(index, record, error)`` as they complete; the rest is cancelled if the caller stops."""
    from distributed import as_completed

    tag = uuid.uuid4().hex[:8]
    futures = {client.submit(run_task, workflow, t.index, t.options, t.seed, t.params, str(out),
                             key=f"spinscope-sweep-{tag}-{t.index:06d}", pure=False,
                             retries=retries): t.index for t in tasks}
    try:
        for fut in as_completed(list(futures), loop=client.loop):
            index = futures.pop(fut)
            if fut.status == "finished":
                yield index, fut.result(), None
            elif fut.status == "cancelled":  # by the scheduler (e.g. it lost the client)
                yield index, None, "cancelled by the Dask scheduler"
            else:
                yield index, None, _error_text(fut.exception())
            fut.release()
    finally:
        if futures:
            client.cancel(list(futures))


def _distributed():
    try:
        import distributed
    except ImportError:
        raise InputError(f"running on Dask needs dask.distributed, which is not installed; {DIST_HINT}") from None
    return distributed


def connect(address: str, timeout: float = 10.0):
    """A client of the Dask scheduler at ``address``; ``InputError`` if it does not answer within
    ``timeout`` seconds (nothing has started then)."""
    distributed = _distributed()
    hint = (f"start a scheduler with 'dask scheduler' and workers with 'dask worker {address}', "
            "or leave out --scheduler to run on this machine")
    try:
        return distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address!r} within {timeout:g} s "
                         f"({_error_text(exc)}); {hint}") from None
    except ValueError as exc:
        raise InputError(f"bad Dask scheduler address {address!r} ({exc}); give one like "
                         "tcp://host:8786") from None


def local_client(workers: int):
    """A client of a new local cluster: ``workers`` processes, one thread each, whose torch,
    numba and BLAS use one thread (no oversubscription). Close both: ``client.close(); cluster.close()``."""
    distributed = _distributed()
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR,
                                       env=dict(ONE_THREAD_ENV))
    try:
        return distributed.Client(cluster, set_as_default=False), cluster
    except BaseException:
        cluster.close()
        raise
