"""The tidy results table of a sweep, ``results.parquet``, and the records already on disk.

One row per task and result row (per temperature for ``simulate``/``exact``), in task order:
``task, point, repeat, seed``, the swept parameters (one column per axis, named as the option),
``status`` (``done`` or ``failed``), ``error`` (the failure's message, else null), ``run_dir``
(the task's directory relative to the sweep's), ``row`` (the row's number within the task),
then the workflow's own columns (a workflow column named like an axis is left out: the axis
value is the option the task ran with). A failed task has one row with ``row`` null and no
result values. Non-finite results are stored as nulls.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from spinscope._files import atomic_write
from spinscope.errors import InputError, ResumeError
from spinscope.workflows.sweeps.engine import DIST_HINT, TASK_FILE, TASKS_DIR, task_dir

__all__ = ["RESULTS_FILE", "Outcome", "completed_records", "record_outcome", "results_frame", "write_results"]

RESULTS_FILE = "results.parquet"

#: index -> ("done", the record's result rows, parsed from its JSON text) or ("failed", error message)
Outcome = tuple[str, list | str]


def record_outcome(record_text: str) -> Outcome:
    """The outcome of a complete task from its record's text (the same for a worker's reply and
    for the file read back by ``--resume``)."""
    return "done", json.loads(record_text)["rows"]


def completed_records(out: str | os.PathLike, n_tasks: int) -> dict[int, Outcome]:
    """The complete tasks of the sweep in ``out``: ``{index: ("done", rows)}``."""
    found = {}
    for p in sorted((Path(out) / TASKS_DIR).glob("task-*")):
        f = p / TASK_FILE
        try:
            index = int(p.name[5:])
        except ValueError:
            continue
        if index < n_tasks and p == task_dir(out, index) and f.is_file():
            try:
                found[index] = record_outcome(f.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ResumeError(f"cannot resume {out}: {f} is damaged ({exc}); delete {p} "
                                  "so that the task runs again") from None
    return found


def results_frame(tasks: Sequence, outcomes: Mapping[int, Outcome]):
    """The results table (pandas) of the tasks that have an outcome, in task order."""
    import pandas as pd

    rows = []
    for t in tasks:
        if t.index not in outcomes:
            continue
        status, payload = outcomes[t.index]
        base = {"task": t.index, "point": t.point, "repeat": t.repeat, "seed": t.seed, **t.params,
                "status": status, "error": None if status == "done" else payload,
                "run_dir": f"{TASKS_DIR}/{task_dir('', t.index).name}" if status == "done" else None}
        results = payload if status == "done" else []
        if not results:  # a failed task (or one without rows): one row, its status and error
            rows.append({**base, "row": None})
        for j, r in enumerate(results):
            rows.append({**base, "row": j, **{k: v for k, v in r.items() if k not in base}})
    df = pd.DataFrame(rows)
    if "row" in df.columns:
        df["row"] = df["row"].astype("Int64")
    return df


def write_results(out: str | os.PathLike, frame) -> Path:
    """Write ``frame`` to ``out/results.parquet`` atomically (pyarrow)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError(f"writing {RESULTS_FILE} needs pyarrow; {DIST_HINT}") from None
    path = Path(out) / RESULTS_FILE
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, engine="pyarrow", index=False),
                 overwrite=True, suffix=".parquet")
    return path
