"""``track``: follow a network's spin phase through training and write a report.

Reproduces the experiment of Barney, Winer & Galitski (2024), "Neural Networks as Spin Models:
From Glass to Hidden Order Through Training": train networks (ReLU and binarised), save
checkpoints on a log-spaced schedule, map every checkpoint to its layered Ising Hamiltonian and
analyse it (:func:`spinscope.nn.analyze_network`: T_c from the TAP stability root, the
λ_min(I − M) curve, spectrum, TAP solutions), fit T_c(t) = A t^α on log–log axes over the
checkpoints in the hidden-order regime (λ_min crosses zero), and write a run directory with ``metrics.csv``, ``fits.json``, ``summary.json``,
figures and a self-contained ``report.html``.

Parallelism: checkpoints are analysed by a ``concurrent.futures.ProcessPoolExecutor`` started
with the ``"spawn"`` context (no fork of a process holding torch/OpenMP threads) while the
networks train in the calling process, so training and analysis overlap. Each worker limits
torch, numba and BLAS to one thread, so ``workers`` processes use ``workers`` cores; the calling
process also trains (and, with ``workers=0``, analyses) with one thread during ``track`` (its
settings are restored afterwards): the networks are small, and extra threads only contend.

Seeds: one ``seed`` fixes everything. The dataset split and the mini-batch order use ``seed``;
every network starts from the same initial weights (``SeedSequence(seed, spawn_key=(0,))``), so
the ReLU and binary runs differ only by their activation; the analysis of checkpoint ``step``
of network ``k`` uses ``SeedSequence(seed, spawn_key=(2, k, step))``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._jsonutil import to_jsonable
from spinscope._validation import as_int_tuple, check_int, check_positive
from spinscope.errors import InputError
from spinscope.io import RunDirectory, sigterm_as_interrupt
from spinscope.nn.data import Dataset, dataset_from_arrays, load_dataset
from spinscope.nn.networks import ACTIVATIONS, build_network, check_architecture, init_variances
from spinscope.nn.track_fit import PowerLawFit, fit_power_law
from spinscope.nn.training import (
    OPTIMIZERS,
    TrainSettings,
    checkpoint_schedule,
    load_checkpoint_weights,
    train,
)

__all__ = ["DEFAULT_EPOCHS_LARGE", "DEFAULT_EPOCHS_SMALL", "TrackResult", "track"]

DEFAULT_EPOCHS_SMALL = 100  # datasets under 10 000 training images (digits)
DEFAULT_EPOCHS_LARGE = 3  # MNIST-sized datasets

ProgressFn = Callable[[str, str, int, int], None]


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
        the first hidden-order step, the exponent and its 95% interval, whether a power law fits.
    report : Path
        The ``report.html``.
    """

    run_dir: Path
    config: dict
    metrics: list[dict]
    fits: dict[str, PowerLawFit]
    summary: dict[str, dict]
    report: Path
    analyses: dict[str, dict[int, dict]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-checkpoint curves)."""
        return {"run_dir": str(self.run_dir), "report": str(self.report), "config": self.config,
                "summary": self.summary, "fits": {k: v.to_dict() for k, v in self.fits.items()}}

    def to_pandas(self):
        """The metrics table as a ``pandas.DataFrame``."""
        import pandas as pd

        return pd.DataFrame(self.metrics)


# ----------------------------------------------------------------------------- worker side
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
def _single_threaded() -> Iterator[None]:
    """Within the block torch, numba and BLAS use one thread in this process (restored after).

    Small networks train 10-20x faster with one torch thread than with two on a busy 2-core
    machine (measured: 5 epochs of 64-128-128-10 on digits, 0.4-0.5 s vs 4-8 s), and the
    analysis then runs with the same thread settings as in the workers.
    """
    import threadpoolctl
    import torch

    old_torch = torch.get_num_threads()
    try:
        import numba

        old_numba = numba.get_num_threads()
    except ImportError:  # pragma: no cover
        numba, old_numba = None, None
    torch.set_num_threads(1)
    if numba is not None:
        numba.set_num_threads(1)
    try:
        with threadpoolctl.threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(old_torch)
        if numba is not None:
            numba.set_num_threads(old_numba)


def analyze_checkpoint(path: str | os.PathLike, *, seed: int, n_betas: int = 200, tap_starts: int = 64,
                       eigenvalues: bool = False) -> dict:
    """Analyse one checkpoint file: :func:`spinscope.nn.analyze_network` on its weight matrices
    (no fields: biases are not used).

    Returns the analysis as a JSON-ready dict; with ``eigenvalues=True`` also ``"eigenvalues"``,
    the sorted spectrum of the bond matrix J (for the before/after figure).
    """
    from spinscope.nn.analysis import analyze_network

    weights = load_checkpoint_weights(path)
    res = analyze_network(weights, n_betas=n_betas, tap_starts=tap_starts, seed=seed)
    out = to_jsonable(res.to_dict())
    if eigenvalues and "eigenvalues" not in (out.get("spectrum") or {}):
        out["eigenvalues"] = _bond_eigenvalues(weights)
    return out


def _bond_eigenvalues(weights: Sequence[np.ndarray]) -> list[float]:
    sizes = [weights[0].shape[0]] + [w.shape[1] for w in weights]
    offs = np.concatenate([[0], np.cumsum(sizes)])
    j = np.zeros((offs[-1], offs[-1]))
    for k, w in enumerate(weights):
        j[offs[k]:offs[k + 1], offs[k + 1]:offs[k + 2]] = w
    j = j + j.T
    return np.linalg.eigvalsh(j).tolist()


# ----------------------------------------------------------------------------- helpers
def _seed_int(seed: int, *key: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint32)[0])


def _default_architecture(data: Dataset) -> tuple[int, ...]:
    hidden = 128 if data.n_features <= 100 else 256
    return (data.n_features, hidden, hidden, data.n_classes)


def _rich_progress() -> tuple[ProgressFn, Callable[[], None]]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    prog = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=Console(stderr=True), transient=False)
    tasks: dict[tuple[str, str], Any] = {}
    prog.start()

    def update(event: str, net: str, done: int, total: int) -> None:
        key = (event, net)
        if key not in tasks:
            label = f"train {net}" if event == "train" else f"analyse {net} checkpoints"
            tasks[key] = prog.add_task(label, total=total)
            if event == "train":
                tasks[("analysis", net)] = prog.add_task(f"analyse {net} checkpoints", total=None)
        prog.update(tasks[key], completed=done, total=total)

    return update, prog.stop


def _row(net: str, metrics: dict, a: dict) -> dict:
    spec = a.get("spectrum") or {}
    tap = a.get("tap") or {}
    return {
        "network": net, "step": metrics["step"], "epoch": metrics["epoch"],
        "train_loss": metrics["train_loss"], "train_error": metrics["train_error"],
        "val_loss": metrics["val_loss"], "val_error": metrics["val_error"],
        "tc": a.get("tc"), "lambda_min_at_tc": a.get("lambda_min_at_tc"), "crossing": a.get("crossing"),
        "replica_tc": a.get("replica_tc"),
        "n_outliers": spec.get("n_outliers"), "bulk_edge": spec.get("bulk_edge"),
        "largest_eigenvalue": spec.get("largest_eigenvalue", spec.get("lambda_max")),
        "tail_exponent": spec.get("tail_exponent"),
        "n_tap_solutions": tap.get("n_solutions"), "tap_beta": tap.get("beta"),
        "tap_max_overlap": tap.get("max_overlap"), "tap_max_eigvec_overlap": tap.get("max_eigvec_overlap"),
        "checkpoint": metrics["checkpoint"],
    }


# ----------------------------------------------------------------------------- the command
def track(*, dataset: str | os.PathLike | Dataset | tuple = "digits", data_dir: str | os.PathLike | None = None,
          architecture: Sequence[int] | None = None, activations: Sequence[str] = ("relu", "binary"),
          optimizer: str = "adam", lr: float = 1e-4, batch_size: int = 32, epochs: int | None = None,
          checkpoints: int = 30, init_scale: float = 1.0, n_betas: int = 200, tap_starts: int = 64,
          out: str | os.PathLike | None = None, resume: str | os.PathLike | None = None,
          seed: int | None = None, device: str = "cpu", workers: int | None = None,
          progress: bool | ProgressFn = False) -> TrackResult:
    """Train networks, analyse their spin Hamiltonian at every checkpoint, write a report.

    Parameters
    ----------
    dataset : {"digits", "mnist", "fashion-mnist"}, path, Dataset or ``(X, y)`` arrays
        See :func:`spinscope.nn.data.load_dataset` (``data_dir`` for MNIST files); arrays go
        through :func:`spinscope.nn.data.dataset_from_arrays` (seeded 80/20 stratified split).
    architecture : sequence of int, optional
        Widths ``(N_0, ..., N_L)``; ``N_0`` must equal the number of pixels and ``N_L`` the
        number of classes. Default ``(n_pixels, 128, 128, 10)`` for digits,
        ``(784, 256, 256, 10)`` for MNIST-sized inputs.
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
        (the CLI fills unspecified flags from the stored configuration). ``seed=None`` takes
        the stored seed.
    seed : int, optional
        Seed of every random choice; ``None`` draws one and records it in ``config.json``.
    device : str
        Torch device for training (analysis runs on the CPU workers).
    workers : int, optional
        Analysis processes (default: the number of usable cores); 0 analyses in this process.
    progress : bool or callable ``(event, network, done, total)``
        ``True`` shows rich progress bars on stderr.

    Returns
    -------
    TrackResult
    """
    if isinstance(activations, str):
        activations = tuple(a.strip() for a in activations.split(","))
    activations = tuple(activations)
    if not activations or any(a not in ACTIVATIONS for a in activations) or len(set(activations)) != len(activations):
        raise InputError(f"activations must be distinct names from {ACTIVATIONS}, got {activations!r}")
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
    if resume is not None and out is not None:
        raise InputError("give either out (a new run) or resume (an existing run), not both")
    if resume is not None and seed is None:
        seed = RunDirectory.resume(resume, command="track").config.get("seed")
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    seed = check_int(seed, "seed", minimum=0)

    if isinstance(dataset, Dataset):
        data = dataset
    elif isinstance(dataset, tuple) and len(dataset) == 2:
        data = dataset_from_arrays(*dataset, seed=seed)
    else:
        data = load_dataset(dataset, data_dir=data_dir, seed=seed)
    if epochs is None:
        epochs = DEFAULT_EPOCHS_SMALL if len(data.y_train) < 10_000 else DEFAULT_EPOCHS_LARGE
    settings = TrainSettings(optimizer=optimizer, lr=lr, batch_size=batch_size, epochs=epochs,
                             checkpoints=checkpoints)
    arch = _default_architecture(data) if architecture is None else check_architecture(as_int_tuple(architecture, "architecture"))
    if arch[0] != data.n_features:
        raise InputError(f"architecture {','.join(map(str, arch))} starts with {arch[0]} inputs but the "
                         f"{data.name} images have {data.n_features} pixels; use {data.n_features} as the first width")
    if arch[-1] != data.n_classes:
        raise InputError(f"architecture {','.join(map(str, arch))} ends with {arch[-1]} outputs but "
                         f"{data.name} has {data.n_classes} classes")
    config = {"dataset": data.name, "n_train": len(data.y_train), "n_val": len(data.y_val),
              "architecture": list(arch), "activations": list(activations), "optimizer": optimizer,
              "lr": settings.lr, "batch_size": settings.batch_size, "epochs": settings.epochs,
              "checkpoints": settings.checkpoints, "init_scale": init_scale, "n_betas": n_betas,
              "tap_starts": tap_starts, "seed": seed, "device": str(device)}
    if resume is not None:
        rd = RunDirectory.resume(resume, command="track", config=config)
    else:
        rd = RunDirectory.create(out, command="track", config=config)
    rd.write_json("dataset.json", data.to_dict())

    stop_progress: Callable[[], None] | None = None
    report_fn: ProgressFn | None
    if progress is True:
        report_fn, stop_progress = _rich_progress()
    else:
        report_fn = progress or None
    pool = None
    if workers > 0:
        pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                      initializer=_init_worker)
    analyses: dict[str, dict[int, dict]] = {a: {} for a in activations}
    train_rows: dict[str, list[dict]] = {}
    pending: dict[cf.Future, tuple[str, int, str]] = {}
    schedule = _schedule(settings, len(data.y_train))
    last_step = schedule[-1]
    n_ckpt = {a: len(schedule) for a in activations}

    def store(act: str, step: int, rel: str, res: dict) -> None:
        analyses[act][step] = res
        rd.write_json(rel, res)
        if report_fn is not None:
            report_fn("analysis", act, len(analyses[act]), n_ckpt[act])

    def drain(block: bool) -> None:
        if not pending:
            return
        done, _ = cf.wait(list(pending), timeout=None if block else 0,
                          return_when=cf.ALL_COMPLETED if block else cf.FIRST_COMPLETED)
        for fut in done:
            act, step, rel = pending.pop(fut)
            store(act, step, rel, fut.result())

    try:
        with sigterm_as_interrupt(), _single_threaded():
            for k, act in enumerate(activations):
                net = build_network(arch, activation=act, init_scale=init_scale, seed=_seed_int(seed, 0),
                                    device=device)

                def on_checkpoint(step: int, path: Path, metrics: dict, act=act, k=k) -> None:
                    rel = f"analysis/{act}/step_{step:08d}.json"
                    if rd.exists(rel):
                        store(act, step, rel, rd.read_json(rel))
                        return
                    kw = {"seed": _seed_int(seed, 2, k, step), "n_betas": n_betas, "tap_starts": tap_starts,
                          "eigenvalues": step in (0, last_step)}
                    if pool is None:
                        store(act, step, rel, analyze_checkpoint(path, **kw))
                    else:
                        pending[pool.submit(analyze_checkpoint, str(path), **kw)] = (act, step, rel)
                        drain(block=False)

                def on_step(step: int, total: int, act=act) -> None:
                    if report_fn is not None and (step % 10 == 0 or step == total):
                        report_fn("train", act, step, total)

                train_rows[act] = train(net, data, settings, rundir=rd, prefix=f"checkpoints/{act}",
                                        seed=seed, device=device, on_checkpoint=on_checkpoint, on_step=on_step)
            drain(block=True)
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        if stop_progress is not None:
            stop_progress()
    if pool is not None:
        pool.shutdown(wait=True)
    return _finish(rd, config, data, activations, train_rows, analyses, seed)


def _schedule(settings: TrainSettings, n_train: int) -> list[int]:
    return [int(s) for s in checkpoint_schedule(settings.steps_per_epoch(n_train) * settings.epochs,
                                                 settings.checkpoints)]


def _finish(rd: RunDirectory, config: dict, data: Dataset, activations: Sequence[str],
            train_rows: dict[str, list[dict]], analyses: dict[str, dict[int, dict]], seed: int) -> TrackResult:
    from spinscope.meanfield import layered_tc
    from spinscope.report.html import write_track_report
    from spinscope.report.track_figures import track_figures

    rows = [_row(act, m, analyses[act][m["step"]]) for act in activations for m in train_rows[act]]
    rd.write_table("metrics.csv", rows)
    arch = config["architecture"]
    theory_tc0 = float(layered_tc(arch, init_variances(arch, config["init_scale"])))
    fits: dict[str, PowerLawFit] = {}
    summary: dict[str, dict] = {}
    for k, act in enumerate(activations):
        r = [x for x in rows if x["network"] == act]
        steps = np.array([x["step"] for x in r], dtype=float)
        tc = np.array([np.nan if x["tc"] is None else x["tc"] for x in r], dtype=float)
        hidden = np.array([x["crossing"] == "cross" for x in r])
        fits[act] = fit_power_law(steps, tc, use=hidden, seed=_seed_int(seed, 3, k))
        if fits[act].exponent is None:
            fits[act].verdict = (f"only {int(hidden.sum())} checkpoint(s) in the hidden-order regime "
                                 "(λ_min crossing zero); a power-law fit needs 4 — train longer")
        f = fits[act]
        summary[act] = {"final_accuracy": 1.0 - r[-1]["val_error"], "final_val_error": r[-1]["val_error"],
                        "tc0": r[0]["tc"], "replica_tc0": theory_tc0,
                        "tc0_rel_deviation": (r[0]["tc"] / theory_tc0 - 1) if r[0]["tc"] is not None else None,
                        "tc_final": r[-1]["tc"],
                        "tc_max": float(np.nanmax(tc)) if np.isfinite(tc).any() else None,
                        "first_hidden_order_step": int(steps[hidden][0]) if hidden.any() else None,
                        "exponent": f.exponent, "exponent_ci": list(f.exponent_ci) if f.exponent_ci else None,
                        "power_law_fits": f.fits, "fit_verdict": f.verdict}
    rd.write_json("fits.json", {k: v.to_dict() for k, v in fits.items()})
    rd.write_json("summary.json", summary)
    figs = track_figures(rows=rows, analyses=analyses, fits=fits, theory_tc0=theory_tc0)
    for name, png in figs.items():
        from spinscope._files import atomic_write

        atomic_write(rd.file(f"figures/{name}.png"), png, overwrite=True)
    report = write_track_report(rd, config=config, dataset=data.to_dict(), summary=summary, fits=fits,
                                rows=rows, figures=figs)
    return TrackResult(rd.path, config, rows, fits, summary, report, analyses)
