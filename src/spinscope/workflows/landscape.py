"""``landscape``: the runs behind ``spinscope landscape study`` and ``spinscope landscape search``.

* :func:`landscape_study`: exhaustive landscapes (``n <= 20``) of random instances at every level
  of the multi-level encoding (:func:`spinscope.optimize.level_study.level_study`), for one or
  more sizes; a figure of the minima counts and walk success against ``n`` (or against the level
  for one size).
* :func:`landscape_search`: first-improvement local search with restarts on the original and on
  the encoded landscape, the same budget for both, over several runs (random instances or a
  problem file)::

    from spinscope.workflows.landscape import landscape_study, landscape_search
    study = landscape_study("partition", [16, 18], instances=100, levels=3, seed=1)
    search = landscape_search("maxcut", n=256, budget=10**6, runs=10, seed=1)

``out`` is a directory (created; an existing non-empty one needs ``overwrite``) that receives
``landscape.json`` and, for the study, ``landscape.png``; it is checked before any computation.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._files import atomic_write
from spinscope._jsonutil import to_jsonable
from spinscope._validation import check_int, resolve_seed, spawn_seeds
from spinscope.errors import DataFileError, InputError
from spinscope.optimize.encoded_instances import LANDSCAPE_KINDS, random_instance
from spinscope.optimize.encoded_search import partition_local_search
from spinscope.optimize.ising_search import ising_local_search
from spinscope.optimize.level_study import level_study
from spinscope.optimize.partition import MAX_EXHAUSTIVE_NUMBERS, check_partition_numbers
from spinscope.workflows._progress import progress_bar

__all__ = ["LandscapeSearchResult", "LandscapeStudyResult", "landscape_search", "landscape_study"]

#: Bytes per state of the exhaustive analysis (table, order, roots, probabilities, decoding maps).
_BYTES_PER_STATE = 48
#: Measured seconds per state of one instance, all levels (n = 20: about 1 s on a loaded core).
_SECONDS_PER_STATE = 1.0e-6


@dataclass
class LandscapeStudyResult:
    """Outcome of :func:`landscape_study`: one :func:`level_study` dict per size, the seed, the files."""

    kind: str
    studies: list[dict]
    seed: int
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` output: ``kind``, ``seed``, ``studies`` (per size), ``files``."""
        return {"kind": self.kind, "seed": self.seed, "studies": self.studies, "files": self.files}


@dataclass
class LandscapeSearchResult:
    """Outcome of :func:`landscape_search`: per-run values on both landscapes and their summary."""

    kind: str
    summary: dict
    runs: list[dict]
    seed: int
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` output: ``kind``, ``seed``, ``summary``, ``runs``, ``files``."""
        return {"kind": self.kind, "seed": self.seed, "summary": self.summary, "runs": self.runs, "files": self.files}


def _check_kind(kind: str) -> str:
    if kind not in LANDSCAPE_KINDS:
        raise InputError(f"unknown KIND {kind!r}; choose one of {', '.join(LANDSCAPE_KINDS)}")
    return kind


def check_exhaustive_n(n: Any) -> int:
    """``n`` for an exhaustive study: ``2 <= n <= 20``, else an estimate of what it would cost."""
    n = check_int(n, "n", minimum=2)
    if n > MAX_EXHAUSTIVE_NUMBERS:
        gib = _BYTES_PER_STATE * 2.0**n / 2**30
        secs = _SECONDS_PER_STATE * 2.0**n * n / 20
        raise InputError(f"n = {n}: an exhaustive landscape enumerates 2^{n} states, about {gib:.1f} GiB and "
                         f"{secs:.0f} s per instance; use n <= {MAX_EXHAUSTIVE_NUMBERS} (or 'landscape search')")
    return n


def _check_out_dir(out: str | os.PathLike | None, overwrite: bool) -> Path | None:
    if out is None:
        return None
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise InputError(f"--out {path} exists and is not a directory; give a directory name")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise InputError(f"--out {path} is not empty; choose another directory or pass --overwrite")
    if not path.parent.is_dir():
        raise InputError(f"--out {path}: its parent directory does not exist")
    return path


def _write(path: Path | None, result, figure=None) -> list[str]:
    if path is None:
        return []
    path.mkdir(exist_ok=True)
    files = [str(atomic_write(path / "landscape.json", json.dumps(to_jsonable(result.to_dict()), indent=1),
                              overwrite=True))]
    if figure is not None:
        from spinscope.report._figures import save_png

        files.append(str(save_png(figure, path / "landscape.png")))
    return files


def landscape_study(kind: str, sizes: Sequence[int], *, instances: int = 100, levels: int = 1, rule: str = "half",
                    degree: float = 3.0, seed: int | None = None, out: str | os.PathLike | None = None,
                    overwrite: bool = False, progress: Any = False) -> LandscapeStudyResult:
    """Exhaustive landscapes of random instances at levels ``0 .. levels`` for every size in ``sizes``.

    Parameters
    ----------
    kind : {"partition", "ising", "maxcut"}
        Instance family (:mod:`spinscope.optimize.encoded_instances`).
    sizes : sequence of int
        Values of ``n``, each ``2 <= n <= 20``.
    instances : int
        Instances per size (>= 1).
    levels : int
        Encoding levels (``1 <= levels <= ceil(log2 min(sizes))``).
    rule : {"half", "independent"}
        Fine-set rule for ``ising`` / ``maxcut`` (:func:`spinscope.optimize.multilevel.ising_levels`).
    degree : float
        Mean degree of the Max-Cut graphs.
    seed : int or None
        Recorded; size ``n`` uses the child seed of index ``position in sizes``.
    out : path-like or None
        Directory for ``landscape.json`` and ``landscape.png``.
    overwrite : bool
        Allow a non-empty ``out``.
    progress : bool or callable
        A progress bar on stderr (``True``) or ``progress(done, total)`` over all instances.

    Returns
    -------
    LandscapeStudyResult
    """
    _check_kind(kind)
    sizes = [check_exhaustive_n(n) for n in sizes]
    if not sizes:
        raise InputError("give at least one size n")
    instances = check_int(instances, "instances", minimum=1)
    path = _check_out_dir(out, overwrite)
    seed = resolve_seed(seed)
    update = progress_bar(progress, f"{kind} landscapes")
    studies = []
    try:
        for k, (n, child) in enumerate(zip(sizes, spawn_seeds(seed, len(sizes)), strict=True)):
            studies.append(level_study(kind, n, instances=instances, levels=levels, seed=child, rule=rule,
                                       degree=degree, progress=lambda d, _t, k=k: update(k * instances + d,
                                                                                        len(sizes) * instances)))
    finally:
        update(None, None)
    result = LandscapeStudyResult(kind=kind, studies=studies, seed=seed)
    figure = None
    if path is not None:
        from spinscope.report.landscape_figures import study_figure

        figure = study_figure(studies)
    result.files = _write(path, result, figure)
    return result


def _load_instance(kind: str, file: str | os.PathLike | None, n: int, seed):
    if file is None:
        return random_instance(kind, n, seed=seed)
    path = Path(file)
    if not path.is_file():
        raise DataFileError(f"problem file {path} does not exist (or is not a file)")
    if kind == "partition":
        try:
            numbers = np.loadtxt(path, dtype=np.float64, ndmin=1, comments="#")
        except (ValueError, OSError) as exc:
            raise DataFileError(f"{path}: not a list of numbers, one per line ({exc})") from None
        return check_partition_numbers(numbers, f"numbers in {path}")
    from spinscope.optimize.problem_files import load_problem

    return load_problem(path, problem=kind)


def _one_run(kind: str, instance, budget, time_limit, encoding, n_fine, method, seed) -> dict[str, Any]:
    if kind == "partition":
        k = 16 if n_fine is None else n_fine
        k = min(k, instance.shape[0] - 1)
        o = partition_local_search(instance, budget=budget, seed=seed)
        e = partition_local_search(instance, budget=budget, n_fine=k, seed=seed)
        return {"original": o.residual, "encoded": e.residual, "evaluations": [o.evaluations, e.evaluations],
                "n_fine": e.n_fine}
    args = {"budget": budget, "time_limit": time_limit, "seed": seed, "method": method}
    o = ising_local_search(instance, encoding="none", **args)
    e = ising_local_search(instance, encoding=encoding, n_fine=n_fine, **args)
    return {"original": o.value, "encoded": e.value, "evaluations": [o.evaluations, e.evaluations],
            "seconds": [o.seconds, e.seconds], "n_fine": e.n_fine, "encoding": e.encoding}


def _summary(kind: str, runs: list[dict]) -> dict[str, Any]:
    o = np.array([r["original"] for r in runs])
    e = np.array([r["encoded"] for r in runs])
    sign = -1.0 if kind == "maxcut" else 1.0  # lower is better, except cuts
    out = {"value": {"partition": "residual", "ising": "energy", "maxcut": "cut"}[kind],
           "median_original": float(np.median(o)), "median_encoded": float(np.median(e)),
           "best_original": float((o * sign).min() * sign), "best_encoded": float((e * sign).min() * sign),
           "encoded_better": int(np.sum(sign * e < sign * o)), "ties": int(np.sum(e == o)),
           "original_better": int(np.sum(sign * o < sign * e)), "runs": len(runs)}
    if "seconds" in runs[0]:
        out["seconds_original"] = float(sum(r["seconds"][0] for r in runs))
        out["seconds_encoded"] = float(sum(r["seconds"][1] for r in runs))
    return out


def landscape_search(kind: str, file: str | os.PathLike | None = None, *, n: int = 128, budget: int | None = None,
                     time_limit: float | None = None, runs: int = 10, encoding: str = "auto",
                     n_fine: int | None = None, method: str = "first", seed: int | None = None,
                     out: str | os.PathLike | None = None, overwrite: bool = False,
                     progress: Any = False) -> LandscapeSearchResult:
    """Local search on the original and on the encoded landscape with the same budget, ``runs`` times.

    Parameters
    ----------
    kind : {"partition", "ising", "maxcut"}
        ``partition``: residual ``|sum a_i s_i|`` (:func:`spinscope.optimize.partition_local_search`,
        evaluation budget only); ``ising`` / ``maxcut``: energy / cut
        (:func:`spinscope.optimize.ising_search.ising_local_search`).
    file : path-like or None
        The instance: numbers one per line (partition), an Ising file or a Gset / edge-list file
        (``spinscope solve``'s formats). None: a fresh random instance per run (±1 SK for
        ``ising``, mean-degree-3 Erdős–Rényi graph for ``maxcut``) with ``n`` spins.
    n : int
        Spins of the random instances (>= 2).
    budget : int or None
        Evaluations per search (>= 1); default 10^5 when neither it nor ``time_limit`` is given.
    time_limit : float or None
        Seconds per search (ising / maxcut only).
    runs : int
        Searches on each landscape (>= 1); run ``i`` uses the ``i``-th child seed.
    encoding, n_fine : str, int or None
        The encoded landscape (:func:`spinscope.optimize.ising_search.search_encoding`); for
        partition ``n_fine`` is the number of decimated numbers (default 16).
    method : {"first", "steepest"}
        Descent rule of the ising / maxcut searches (partition: first improvement).
    seed : int or None
        Recorded in the result.
    out : path-like or None
        Directory for ``landscape.json``.
    overwrite : bool
        Allow a non-empty ``out``.
    progress : bool or callable
        Progress over the runs.

    Returns
    -------
    LandscapeSearchResult
    """
    _check_kind(kind)
    n = check_int(n, "n", minimum=2)
    runs = check_int(runs, "runs", minimum=1)
    if budget is None and time_limit is None:
        budget = 100_000
    if budget is not None:
        budget = check_int(budget, "budget", minimum=1)
    if kind == "partition" and (time_limit is not None or method != "first"):
        raise InputError("partition search takes an evaluation --budget and first-improvement descents "
                         "(no --time-limit, no --method steepest)")
    path = _check_out_dir(out, overwrite)
    fixed = None if file is None else _load_instance(kind, file, n, None)
    seed = resolve_seed(seed)
    update = progress_bar(progress, f"{kind} search")
    rows = []
    try:
        for i, child in enumerate(spawn_seeds(seed, runs), start=1):
            inst_seed, run_seed = child.spawn(2)
            instance = fixed if fixed is not None else _load_instance(kind, None, n, inst_seed)
            rows.append(_one_run(kind, instance, budget, time_limit, encoding, n_fine, method, run_seed))
            update(i, runs)
    finally:
        update(None, None)
    result = LandscapeSearchResult(kind=kind, summary=_summary(kind, rows), runs=rows, seed=seed)
    result.summary.update({"n": int(fixed.shape[0] if isinstance(fixed, np.ndarray) else (fixed.n if fixed is not None else n)),
                           "file": None if file is None else str(file), "budget": budget, "time_limit": time_limit,
                           "method": method})
    result.files = _write(path, result)
    return result
