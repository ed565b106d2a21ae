"""``track``: follow a network's spin phase through training and write a report.

Reproduces the experiment of Barney, Winer & Galitski (2024), "Neural Networks as Spin Models:
From Glass to Hidden Order Through Training": train networks (ReLU and binarised), save
checkpoints on a log-spaced schedule, map every checkpoint to its layered Ising Hamiltonian and
analyse it (:func:`spinscope.nn.track_analysis.analyze_checkpoint`: T_c from the TAP stability
root, the λ_min(I − M) curve, spectrum, TAP solutions), fit T_c(t) = A t^α on log–log axes over
the checkpoints in the hidden-order regime (λ_min crosses zero), and write a run directory with
``metrics.csv``, ``fits.json``, ``summary.json``, figures and a self-contained ``report.html``.

This module is the orchestration: validation, the run directory and resume, the worker pool,
progress, tables, figures and the report. The science lives in :mod:`spinscope.nn`
(training, checkpoint analysis, the fit) and the figures in :mod:`spinscope.report`.

Parallelism: checkpoints are analysed by a ``concurrent.futures.ProcessPoolExecutor`` started
with the ``"spawn"`` context (no fork of a process holding torch/OpenMP threads) while the
networks train in the calling process, so training and analysis overlap. Each worker limits
torch, numba and BLAS to one thread, so ``workers`` processes use ``workers`` cores; the calling
process also trains (and, with ``workers=0``, analyses) with one thread during ``track`` (its
settings are restored afterwards): the networks are small, and extra threads only contend.

Seeds: one ``seed`` fixes everything. The dataset split and the mini-batch order use ``seed``;
every network starts from the same initial weights (``SeedSequence(seed, spawn_key=(0,))``), so
the ReLU and binary runs differ only by their activation; the analysis of checkpoint ``step``
of network ``k`` uses ``SeedSequence(seed, spawn_key=(2, k, step))``, the bootstrap of its fit
``spawn_key=(3, k)``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._files import atomic_write
from spinscope._validation import as_int_tuple, check_int, check_positive, resolve_seed
from spinscope.errors import InputError, ResumeError
from spinscope.io import RunDirectory, sigterm_as_interrupt
from spinscope.nn.data import Dataset, dataset_from_arrays, load_dataset
from spinscope.nn.networks import ACTIVATIONS, build_network, check_architecture, init_variances
from spinscope.nn.track_analysis import analyze_checkpoint, metrics_row, summarize_network
from spinscope.nn.track_fit import PowerLawFit
from spinscope.nn.training import OPTIMIZERS, Divergence, TrainSettings, evaluate, train
from spinscope.workflows._threads import call_single_threaded
from spinscope.workflows._threads import single_threaded as _single_threaded

__all__ = ["DEFAULT_EPOCHS_LARGE", "DEFAULT_EPOCHS_SMALL", "TrackResult", "TrainingDivergedWarning", "track",
           "track_options_from_run"]

DEFAULT_EPOCHS_SMALL = 100  # datasets under 10 000 training images (digits)
DEFAULT_EPOCHS_LARGE = 3  # MNIST-sized datasets

#: Options of :func:`track` stored in ``config.json`` that a resumed run takes from it.
RESUMABLE = ("optimizer", "lr", "batch_size", "epochs", "checkpoints", "init_scale", "architecture",
             "activations", "n_betas", "tap_starts", "tap_count_at")
_NAMED_DATASETS = ("digits", "mnist", "fashion-mnist")

ProgressFn = Callable[[str, str, int, int], None]


class TrainingDivergedWarning(RuntimeWarning):
    """A network's training diverged; :func:`track` stopped it and analysed the checkpoints before."""


@dataclass
class TrackResult:
    """What :func:`track` produced.

    Attributes
    ----------
    run_dir : Path
    config : dict
        The configuration that determines the results (stored in ``config.json``).
    metrics : list of dict
        One row per network × checkpoint (the content of ``metrics.csv``).
    fits : dict
        Per network, the :class:`~spinscope.nn.track_fit.PowerLawFit` of T_c(t) over the
        hidden-order checkpoints.
    summary : dict
        Per network: final validation accuracy, T_c(0), the replica T_c of the initial weight law
        (``init_scale^2 / (3 N_k)``) and the relative deviation of T_c(0) from it, T_c(final),
        the first hidden-order step, the exponent and its 95% interval, whether a power law fits,
        and ``diverged`` (None, or where and how training diverged: :attr:`diverged`).
    report : Path
        The ``report.html``.
    analyses : dict
        ``{network: {step: analysis dict}}``, the per-checkpoint analyses.
    """

    run_dir: Path
    config: dict
    metrics: list[dict]
    fits: dict[str, PowerLawFit]
    summary: dict[str, dict]
    report: Path
    analyses: dict[str, dict[int, dict]] = field(default_factory=dict, repr=False)

    @property
    def diverged(self) -> dict[str, dict]:
        """``{network: divergence}`` for the networks whose training diverged (empty if none).

        Each value has ``step``, ``loss``, ``kind``, ``limit``, ``lr`` and a one-line ``message``
        (:class:`spinscope.nn.training.Divergence`); training of that network stopped there, and
        its results cover the checkpoints before.
        """
        return {net: s["diverged"] for net, s in self.summary.items() if s.get("diverged")}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-checkpoint curves)."""
        return {"run_dir": str(self.run_dir), "report": str(self.report), "config": self.config,
                "summary": self.summary, "fits": {k: v.to_dict() for k, v in self.fits.items()}}

    def to_summary(self) -> dict[str, Any]:
        """The ``--json`` output of ``spinscope track``: run directory, report, seed, and per
        network the headline numbers of :attr:`summary` (no verdict text, no maxima)."""
        keys = ("final_accuracy", "tc0", "replica_tc0", "tc0_rel_deviation", "tc_final",
                "first_hidden_order_step", "exponent", "exponent_ci", "power_law_fits", "diverged")
        return {"run_dir": str(self.run_dir), "report": str(self.report), "seed": self.config["seed"],
                "networks": {net: {k: s.get(k) if k == "diverged" else s[k] for k in keys}
                             for net, s in self.summary.items()}}

    def to_pandas(self):
        """The metrics table as a ``pandas.DataFrame``."""
        import pandas as pd

        return pd.DataFrame(self.metrics)


# ----------------------------------------------------------------------------- options
def track_options_from_run(resume: str | os.PathLike, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The options of :func:`track` that continue the run in ``resume``.

    Every option of :data:`RESUMABLE` and ``dataset`` not in ``given`` is taken from the run's
    stored configuration; the ones in ``given`` are kept (:func:`track` then checks that they
    agree with it). This is what ``spinscope track --resume DIR`` does with the flags not given::

        track(**track_options_from_run("runs/mine"), resume="runs/mine")

    Parameters
    ----------
    resume : path-like
        A ``track`` run directory.
    given : mapping, optional
        Options the caller sets explicitly.

    Returns
    -------
    dict
        ``given`` completed from the stored configuration (``seed`` is not included:
        :func:`track` takes the stored seed when ``seed=None``).

    Raises
    ------
    ResumeError
        ``resume`` is not a ``track`` run directory.
    InputError
        The run used a dataset file and ``given`` has no ``dataset``: the path must be given again.
    """
    stored = _open_run(resume).config
    opts = dict(given or {})
    for key in RESUMABLE:
        if key not in opts and key in stored:
            opts[key] = tuple(stored[key]) if key in ("activations", "tap_count_at") else stored[key]
    if "tap_count_at" not in opts and "tap_count_at" not in stored:
        opts["tap_count_at"] = ()  # runs made before the TAP count (or without it)
    if "dataset" not in opts and stored.get("dataset") not in (None, *_NAMED_DATASETS):
        raise InputError(f"resuming {resume}: give the dataset path again with --dataset "
                         f"(it was {stored.get('dataset')!r})")
    if "dataset" not in opts and "dataset" in stored:
        opts["dataset"] = stored["dataset"]
    return opts


def _open_run(resume: str | os.PathLike, config: Mapping[str, Any] | None = None) -> RunDirectory:
    """``RunDirectory.resume`` of a track run, with advice for a run stopped before it started."""
    p = Path(resume)
    if p.exists() and not p.is_dir():
        raise ResumeError(f"cannot resume {p}: it is a file, not a run directory")
    if p.is_dir() and not (p / "config.json").exists():
        rest = [f.name for f in p.iterdir() if f.name != ".write-test"]
        if not rest:
            raise ResumeError(
                f"cannot resume {p}: the run stopped before it wrote its configuration, so nothing was "
                f"computed and there is nothing to resume; start it again with --out {p} after removing "
                f"the directory (rm -r {p})")
    return RunDirectory.resume(resume, command="track", config=config)


@dataclass(frozen=True)
class _Plan:
    """The validated settings of a run that are not training settings."""

    activations: tuple[str, ...]
    init_scale: float
    n_betas: int
    tap_starts: int
    seed: int
    device: str
    workers: int
    tap_count_at: tuple[float, ...] = ()


def _check_options(activations, optimizer, lr, batch_size, epochs, checkpoints, init_scale, n_betas,
                   tap_starts, out, resume, seed, device, workers, tap_count_at=()) -> tuple[_Plan, int | None]:
    """Validate the options that need no data (in the order of the messages users see first)."""
    if isinstance(activations, str):
        activations = tuple(a.strip() for a in activations.split(","))
    activations = tuple(activations)
    if activations == ("both",):
        activations = ("relu", "binary")
    if not activations or any(a not in ACTIVATIONS for a in activations) or len(set(activations)) != len(activations):
        raise InputError(f"activations must be distinct names from {ACTIVATIONS} (or 'both' for all of them), "
                         f"got {activations!r}")
    if optimizer not in OPTIMIZERS:
        raise InputError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if epochs is not None:
        epochs = check_int(epochs, "epochs", minimum=1)
    TrainSettings(optimizer=optimizer, lr=lr, batch_size=check_int(batch_size, "batch_size", minimum=1),
                  checkpoints=check_int(checkpoints, "checkpoints", minimum=2))  # validates early
    init_scale = check_positive(init_scale, "init_scale")
    n_betas = check_int(n_betas, "n_betas", minimum=3)
    tap_starts = check_int(tap_starts, "tap_starts", minimum=1)
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = check_int(workers, "workers", minimum=0)
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise InputError(f"--out {out} is a file; give the name of a new directory for the run")
    if resume is not None and out is not None:
        raise InputError("give either --out (a new run) or --resume (an existing run), not both "
                         "(out= or resume= in Python)")
    if resume is not None and seed is None:
        seed = _open_run(resume).config.get("seed")
    seed = resolve_seed(None if seed is None else check_int(seed, "seed", minimum=0))
    return _Plan(activations, init_scale, n_betas, tap_starts, seed, str(device), workers,
                 _check_fractions(tap_count_at)), epochs


def _check_fractions(values) -> tuple[float, ...]:
    """The TAP-count temperatures as fractions of the untrained ``T_c``: non-negative (0: T = 0), at most 16."""
    vals = tuple(float(v) for v in np.atleast_1d(np.asarray(values if values is not None else (), dtype=float)))
    if len(vals) > 16 or not all(np.isfinite(v) and v >= 0 for v in vals):
        raise InputError(f"tap_count_at (--tap-count-at) must be at most 16 non-negative fractions of T_c(0), "
                         f"got {values!r}")
    return vals


def _load_data(dataset, data_dir, seed: int, download: bool) -> Dataset:
    if download and dataset not in ("mnist", "fashion-mnist"):
        raise InputError("--download applies to --dataset mnist or fashion-mnist only")
    if isinstance(dataset, Dataset):
        return dataset
    if isinstance(dataset, tuple) and len(dataset) == 2:
        return dataset_from_arrays(*dataset, seed=seed)
    return load_dataset(dataset, data_dir=data_dir, seed=seed, download=download)


def _architecture(architecture, data: Dataset) -> tuple[int, ...]:
    if architecture is None:
        hidden = 128 if data.n_features <= 100 else 256
        return (data.n_features, hidden, hidden, data.n_classes)
    arch = check_architecture(as_int_tuple(architecture, "architecture"))
    if arch[0] != data.n_features:
        raise InputError(f"architecture {','.join(map(str, arch))} starts with {arch[0]} inputs but the "
                         f"{data.name} images have {data.n_features} pixels; use {data.n_features} as the first width")
    if arch[-1] != data.n_classes:
        raise InputError(f"architecture {','.join(map(str, arch))} ends with {arch[-1]} outputs but "
                         f"{data.name} has {data.n_classes} classes")
    return arch


def _config(data: Dataset, arch: tuple[int, ...], s: TrainSettings, plan: _Plan) -> dict[str, Any]:
    return {"dataset": data.name, "n_train": len(data.y_train), "n_val": len(data.y_val),
            "architecture": list(arch), "activations": list(plan.activations), "optimizer": s.optimizer,
            "lr": s.lr, "batch_size": s.batch_size, "epochs": s.epochs, "checkpoints": s.checkpoints,
            "init_scale": plan.init_scale, "n_betas": plan.n_betas, "tap_starts": plan.tap_starts,
            "seed": plan.seed, "device": plan.device,
            **({"tap_count_at": list(plan.tap_count_at)} if plan.tap_count_at else {})}


def _child_seed(seed: int, *key: int) -> int:
    """A 32-bit seed derived from ``seed`` (``SeedSequence(seed, spawn_key=key)``)."""
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint32)[0])


# ----------------------------------------------------------------------------- the command
def track(*, dataset: str | os.PathLike | Dataset | tuple = "digits", data_dir: str | os.PathLike | None = None,
          architecture: Sequence[int] | None = None, activations: Sequence[str] = ("relu", "binary"),
          optimizer: str = "adam", lr: float = 1e-4, batch_size: int = 32, epochs: int | None = None,
          checkpoints: int = 30, init_scale: float = 1.0, n_betas: int = 200, tap_starts: int = 64,
          out: str | os.PathLike | None = None, resume: str | os.PathLike | None = None,
          seed: int | None = None, device: str = "cpu", workers: int | None = None,
          progress: bool | ProgressFn = False, download: bool = False,
          tap_count_at: Sequence[float] = (0.5, 0.01, 0.0), scheduler: str | None = None) -> TrackResult:
    """Train networks, analyse their spin Hamiltonian at every checkpoint, write a report.

    Parameters
    ----------
    dataset : {"digits", "mnist", "fashion-mnist"}, path, Dataset or ``(X, y)`` arrays
        See :func:`spinscope.nn.data.load_dataset` (``data_dir`` for MNIST files); arrays go
        through :func:`spinscope.nn.data.dataset_from_arrays` (seeded 80/20 stratified split).
    architecture : sequence of int, optional
        Widths ``(N_0, ..., N_L)``; ``N_0`` must equal the number of pixels and ``N_L`` the number
        of classes. Default ``(n_pixels, 128, 128, 10)`` for digits, ``(784, 256, 256, 10)`` for MNIST.
    activations : sequence of {"relu", "binary"}
        One network is trained per activation.
    optimizer, lr, batch_size : training settings (Adam, 1e-4 as in the paper, 32).
    epochs : int, optional
        Default 100 for datasets under 10 000 training images (digits: 4500 steps), 3 for larger
        ones (MNIST: 5625 steps), so the default run's length in steps is similar.
    checkpoints : int
        Checkpoints per network on the log-spaced schedule (step 0 and the last step included).
    init_scale : float
        Scale of the initial weights (rich vs lazy regime; see :mod:`spinscope.nn.networks`).
    n_betas, tap_starts : analysis settings (temperatures of the λ_min curve, TAP random starts).
    out : path, optional
        New run directory (default ``runs/track-<time>``); a non-empty directory is refused.
    resume : path, optional
        Continue the run in this directory; every other setting must equal the stored one
        (:func:`track_options_from_run` fills the unspecified ones, as the CLI does).
        ``seed=None`` takes the stored seed.
    seed : int, optional
        Seed of every random choice; ``None`` draws one and records it in ``config.json``.
    device : str
        Torch device for training (analysis runs on the CPU workers).
    workers : int, optional
        Analysis processes (default: the number of usable cores); 0 analyses in this process.
    progress : bool or callable ``(event, network, done, total)``
        ``True`` shows rich progress bars on stderr.
    download : bool
        Fetch the MNIST / Fashion-MNIST files into ``data_dir`` first (needs a network).
    tap_count_at : sequence of float
        At every checkpoint count the distinct physical TAP solutions (``tap_starts`` starts) at
        ``T = f T_c(0)`` for each fraction ``f`` of the untrained network's ``T_c`` (the same absolute
        temperatures at every checkpoint); empty: no counting. Default 0.5 (deep in the ordered phase
        of the untrained network), 0.01 (low temperature) and 0 (``T = 0``: the one-flip-stable states).
    scheduler : str, optional
        A Dask scheduler (``tcp://host:8786``) whose workers analyse the checkpoints instead of the
        local pool, with the same results (see docs/cluster.md; the ``dist`` extra).

    Returns
    -------
    TrackResult
    """
    plan, epochs = _check_options(activations, optimizer, lr, batch_size, epochs, checkpoints, init_scale,
                                  n_betas, tap_starts, out, resume, seed, device, workers, tap_count_at)
    data = _load_data(dataset, data_dir, plan.seed, download)
    if epochs is None:
        epochs = DEFAULT_EPOCHS_SMALL if len(data.y_train) < 10_000 else DEFAULT_EPOCHS_LARGE
    settings = TrainSettings(optimizer=optimizer, lr=lr, batch_size=batch_size, epochs=epochs,
                             checkpoints=checkpoints)
    arch = _architecture(architecture, data)
    config = _config(data, arch, settings, plan)
    with _dask_client(scheduler) as client:  # connected before anything is written
        if resume is not None:
            rd = _open_run(resume, config)
        else:
            _check_memory(arch, plan)
            _check_initial_loss(arch, data, plan)
            rd = RunDirectory.create(out, command="track", config=config)
        rd.write_json("dataset.json", data.to_dict())
        with _progress(progress) as report_fn:
            train_rows, analyses, diverged = _train_and_analyse(rd, data, settings, arch, plan, report_fn,
                                                                client)
    return _finish(rd, config, data, plan, train_rows, analyses, diverged)


def _check_memory(arch: tuple[int, ...], plan: _Plan) -> None:
    """Refuse, without allocating, networks too large to train and analyse in the available memory.

    Training holds float32 parameters, gradients and two Adam moments (16 bytes per weight); each
    of the ``max(1, workers)`` analyses running at once needs
    :func:`spinscope.nn.analysis.analysis_memory` (weights, coupling matrix, spectrum, TAP).
    """
    import spinscope._validation as v
    from spinscope.errors import MemoryLimitError
    from spinscope.nn.analysis import analysis_memory

    parts = analysis_memory(arch, tap_starts=plan.tap_starts)
    training, each = 2.0 * parts["weights"], parts["total"]  # 16 bytes per weight; float64 weights: 8
    parallel = max(1, plan.workers)
    avail = v.available_memory_bytes()
    if training + parallel * each > 0.8 * avail:
        fmt = v.format_bytes
        fewer = "; fewer --workers would help" if training + each <= 0.8 * avail < training + parallel * each else ""
        raise MemoryLimitError(
            f"training and analysing {'-'.join(map(str, arch))} networks needs about "
            f"{fmt(training + parallel * each)} of memory (training {fmt(training)}, {parallel} analyses at once "
            f"of {fmt(each)} each) but only {fmt(avail)} is available; use smaller widths (--architecture){fewer}")


def _check_initial_loss(arch: tuple[int, ...], data: Dataset, plan: _Plan) -> None:
    """Refuse, before the run directory exists, initial weights whose loss overflows (huge ``init_scale``)."""
    import torch

    x, y = (torch.as_tensor(a[:1024]) for a in (data.x_train, data.y_train))
    for act in plan.activations:
        with torch.random.fork_rng(devices=[]):  # nn.Linear draws a default init from the global RNG
            net = build_network(arch, activation=act, init_scale=plan.init_scale, seed=_child_seed(plan.seed, 0))
        loss = evaluate(net, x, y)[0]
        if not np.isfinite(loss):
            raise InputError(f"the untrained {act} network's loss is {loss:.3g}: initial weights of scale "
                             f"{plan.init_scale:g} overflow; use a smaller --init-scale")


# ----------------------------------------------------------------------------- training + analysis
def _train_and_analyse(rd: RunDirectory, data: Dataset, settings: TrainSettings, arch: tuple[int, ...],
                       plan: _Plan, report_fn: ProgressFn | None, client=None) -> tuple[dict, dict, dict]:
    """Train one network per activation; analyse every checkpoint (in the pool) as it is written.

    A network whose training diverges stops there (:func:`spinscope.nn.training.train`); the
    divergences are returned as ``{network: Divergence.to_dict()}`` and warned about
    (:class:`TrainingDivergedWarning`).
    """
    schedule = settings.schedule(len(data.y_train))
    analyser = _Analyser(rd, plan, report_fn, n_checkpoints=len(schedule), last_step=schedule[-1],
                         client=client)
    train_rows: dict[str, list[dict]] = {}
    diverged: dict[str, dict] = {}

    def on_divergence(d: Divergence, act: str) -> None:
        diverged[act] = d.to_dict()
        warnings.warn(f"{act} network: {d.message}; its results cover the checkpoints before step {d.step}",
                      TrainingDivergedWarning, stacklevel=2)
    try:
        with sigterm_as_interrupt(), _single_threaded():
            for k, act in enumerate(plan.activations):
                net = build_network(arch, activation=act, init_scale=plan.init_scale,
                                    seed=_child_seed(plan.seed, 0), device=plan.device)

                def on_step(step: int, total: int, act=act) -> None:
                    if report_fn is not None and (step % 10 == 0 or step == total):
                        report_fn("train", act, step, total)

                def on_checkpoint(step: int, path: Path, metrics: dict, act=act, k=k) -> None:
                    analyser.checkpoint(k, act, step, path)

                train_rows[act] = train(net, data, settings, rundir=rd, prefix=f"checkpoints/{act}",
                                        seed=plan.seed, device=plan.device, on_checkpoint=on_checkpoint,
                                        on_step=on_step, on_divergence=lambda d, act=act: on_divergence(d, act))
            analyser.drain(block=True)
    except BaseException:
        analyser.close(wait=False)
        raise
    analyser.close(wait=True)
    return train_rows, analyser.analyses, diverged


class _Analyser:
    """Analyses checkpoints as training writes them: in a spawn pool of workers, on a Dask
    client's workers (its ``concurrent.futures`` executor, one thread per analysis), or inline.

    Finished analyses go to ``analysis/<net>/step_XXXXXXXX.json`` at once, so an interrupted run
    keeps them; a resumed run re-uses the stored ones.
    """

    def __init__(self, rd: RunDirectory, plan: _Plan, report_fn: ProgressFn | None, *,
                 n_checkpoints: int, last_step: int, client=None) -> None:
        self.rd, self.plan, self.report_fn = rd, plan, report_fn
        self.n_checkpoints, self.last_step = n_checkpoints, last_step
        self.analyses: dict[str, dict[int, dict]] = {a: {} for a in plan.activations}
        self.tc0: dict[str, float | None] = {}
        self.pending: dict[cf.Future, tuple[str, int, str]] = {}
        self.pool, self.dask = None, client is not None
        if client is not None:
            self.pool = client.get_executor(pure=False)
        elif plan.workers > 0:
            self.pool = cf.ProcessPoolExecutor(max_workers=plan.workers, initializer=_init_worker,
                                               mp_context=multiprocessing.get_context("spawn"))

    def checkpoint(self, k: int, act: str, step: int, path: Path) -> None:
        """Analyse checkpoint ``step`` of network ``k`` (activation ``act``) unless stored."""
        rel = f"analysis/{act}/step_{step:08d}.json"
        if self.rd.exists(rel):
            self._store(act, step, rel, self.rd.read_json(rel))
            return
        kw = {"seed": _child_seed(self.plan.seed, 2, k, step), "n_betas": self.plan.n_betas,
              "tap_starts": self.plan.tap_starts, "eigenvalues": step in (0, self.last_step),
              "tap_count": self.plan.tap_count_at, "tap_count_tc": self.tc0.get(act)}
        if self.pool is None or (step == 0 and self.plan.tap_count_at):
            # step 0 inline: its T_c sets the counting temperatures of the later checkpoints
            self._store(act, step, rel, analyze_checkpoint(path, **kw))
        else:
            fn, args = ((call_single_threaded, (analyze_checkpoint, str(path))) if self.dask
                        else (analyze_checkpoint, (str(path),)))
            self.pending[self.pool.submit(fn, *args, **kw)] = (act, step, rel)
            self.drain(block=False)

    def _store(self, act: str, step: int, rel: str, res: dict) -> None:
        self.analyses[act][step] = res
        if step == 0:
            self.tc0[act] = res.get("tc")
        self.rd.write_json(rel, res)
        if self.report_fn is not None:
            self.report_fn("analysis", act, len(self.analyses[act]), self.n_checkpoints)

    def drain(self, block: bool) -> None:
        """Store the finished analyses; with ``block`` wait for all of them."""
        if not self.pending:
            return
        done, _ = cf.wait(list(self.pending), timeout=None if block else 0,
                          return_when=cf.ALL_COMPLETED if block else cf.FIRST_COMPLETED)
        for fut in done:
            act, step, rel = self.pending.pop(fut)
            self._store(act, step, rel, fut.result())

    def close(self, *, wait: bool) -> None:
        """Shut the pool down (``wait=False``: cancel what has not started)."""
        if self.pool is not None and self.dask:
            self.pool.shutdown(wait=wait)  # the client's executor cancels nothing; the client is closed later
        elif self.pool is not None:
            self.pool.shutdown(wait=wait, cancel_futures=not wait)


# ----------------------------------------------------------------------------- threads, progress
def _init_worker() -> None:
    """Pool initializer: one thread each for torch, numba and BLAS/OpenMP."""
    import threadpoolctl
    import torch

    torch.set_num_threads(1)
    threadpoolctl.threadpool_limits(1)
    try:
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):  # pragma: no cover
        pass


@contextlib.contextmanager
def _dask_client(scheduler: str | None) -> Iterator[Any]:
    """A client of the Dask scheduler at ``scheduler`` (closed at the end), or None."""
    if scheduler is None:
        yield None
        return
    from spinscope.workflows.sweeps.engine import connect

    client = connect(str(scheduler))
    try:
        yield client
    finally:
        client.close()


@contextlib.contextmanager
def _progress(progress: bool | ProgressFn) -> Iterator[ProgressFn | None]:
    """The progress reporter: rich bars on stderr (``True``), the caller's callable, or None."""
    if progress is not True:
        yield progress or None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    prog = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=Console(stderr=True), transient=False)
    tasks: dict[tuple[str, str], Any] = {}

    def update(event: str, net: str, done: int, total: int) -> None:
        key = (event, net)
        if key not in tasks:
            label = f"train {net}" if event == "train" else f"analyse {net} checkpoints"
            tasks[key] = prog.add_task(label, total=total)
            if event == "train":
                tasks[("analysis", net)] = prog.add_task(f"analyse {net} checkpoints", total=None)
        prog.update(tasks[key], completed=done, total=total)

    prog.start()
    try:
        yield update
    finally:
        prog.stop()


# ----------------------------------------------------------------------------- results
def _finish(rd: RunDirectory, config: dict, data: Dataset, plan: _Plan, train_rows: dict[str, list[dict]],
            analyses: dict[str, dict[int, dict]], diverged: dict[str, dict]) -> TrackResult:
    """Metrics table, fits and summary, figures and ``report.html``."""
    from spinscope.meanfield import layered_tc
    from spinscope.report.html import write_track_report
    from spinscope.report.track_figures import track_figures

    acts = plan.activations
    rows = [metrics_row(act, m, analyses[act][m["step"]]) for act in acts for m in train_rows[act]]
    rd.write_table("metrics.csv", rows)
    arch = config["architecture"]
    theory_tc0 = float(layered_tc(arch, init_variances(arch, config["init_scale"])))
    fits: dict[str, PowerLawFit] = {}
    summary: dict[str, dict] = {}
    for k, act in enumerate(acts):
        d = diverged.get(act)
        fits[act], summary[act] = summarize_network([x for x in rows if x["network"] == act], theory_tc0=theory_tc0,
                                                    seed=_child_seed(plan.seed, 3, k),
                                                    diverged_at=d["step"] if d else None)
        summary[act]["diverged"] = d
    rd.write_json("fits.json", {k: v.to_dict() for k, v in fits.items()})
    rd.write_json("summary.json", summary)
    figs = track_figures(rows=rows, analyses=analyses, fits=fits, theory_tc0=theory_tc0)
    for name, png in figs.items():
        atomic_write(rd.file(f"figures/{name}.png"), png, overwrite=True)
    report = write_track_report(rd, config=config, dataset=data.to_dict(), summary=summary, fits=fits,
                                rows=rows, figures=figs)
    return TrackResult(rd.path, config, rows, fits, summary, report, analyses)
