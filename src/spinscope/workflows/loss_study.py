"""``spinscope landscape``: loss landscapes as spin glasses, and the spherical p-spin picture.

:func:`landscape_protocols` runs the protocols of Liao et al. (arXiv:2407.20724) on one-hidden-layer
ReLU networks (``walk``, ``interpolate``, ``cluster``, ``flatness``) and the spherical p-spin
landscape study (``pspin``), or all of them, into a run directory::

    config.json                  the settings (and the seed)
    nets/<group>.safetensors     trained networks, (M, D) flat parameters ``W1, b1, W2, b2`` (reused by --resume)
    <protocol>.json              each protocol's summary and figure data (a finished protocol is not rerun)
    *.csv                        tables: walk_curves, barriers, overlaps, loss_band, flatness, pspin_critical_points
    *.png, report.html           figures and the self-contained report
    summary.json                 the --json output

Every input is checked before anything is computed or written. See ``docs/loss_landscape.md``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope._validation import check_int, check_memory, check_positive, resolve_seed
from spinscope.errors import InputError
from spinscope.io.rundir import RunDirectory
from spinscope.workflows._loss_protocols import PROTOCOLS, RUNNERS, Context
from spinscope.workflows._progress import progress_bar
from spinscope.workflows._threads import single_threaded

__all__ = ["LossLandscapeResult", "landscape_protocols"]

COMMAND = "landscape-loss"
CHOICES = (*PROTOCOLS, "all")


@dataclass
class LossLandscapeResult:
    """Summaries per protocol (``summaries[name]``), the configuration, the run directory and files."""

    config: dict
    summaries: dict
    out: str
    files: list = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.config["seed"], "config": self.config, "out": self.out, "seconds": self.seconds,
                "protocols": self.summaries, "files": self.files}


def _check_int_option(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _config(protocol, width, nets, dataset, data_dir, p, N, seed, steps, lr, batch_size, eval_size) -> dict:
    if protocol not in CHOICES:
        raise InputError(f"protocol must be one of {', '.join(CHOICES)}, got {protocol!r}")
    width = _check_int_option(width, "--width (hidden units)", 1)
    nets = _check_int_option(nets, "--nets (networks per ensemble)", 3 if protocol in ("cluster", "all") else 2)
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 2:
        raise InputError(f"--p must be an integer >= 2 (the order of the p-spin interaction), got {p!r}")
    N = _check_int_option(N, "--N (p-spin size)", 2)
    if protocol in ("pspin", "all"):
        check_memory(3.0 * 8 * float(N) ** p + 8.0 * 64 * N * N * 4, f"a spherical {p}-spin model with N = {N}",
                     advice=f"use a smaller --N (the couplings are a dense tensor of N^{p} numbers)")
    return {"protocol": protocol, "width": width, "nets": nets, "dataset": str(dataset),
            "data_dir": None if data_dir is None else str(data_dir), "p": int(p), "N": N, "seed": seed,
            "steps": _check_int_option(steps, "--steps (training steps)", 1), "lr": check_positive(lr, "lr"),
            "batch_size": check_int(batch_size, "batch_size", minimum=1),
            "eval_size": check_int(eval_size, "eval_size", minimum=10),
            "walkers": 32, "walk_steps": 40, "step_size": 0.25, "isotropic_factor": 8.0, "hessian_directions": 10, "pairs": max(10, nets // 2),
            "band_widths": sorted({max(2, width // 4), max(2, width // 2), width, 2 * width}), "band_nets": 16,
            "flat_batch_sizes": [16, 64, 256], "flat_lrs": [0.003, 0.01, 0.03], "flat_seeds": 3, "probes": 16,
            "radius": 2.0, "starts": 32, "descent_steps": 1000}


def _load(cfg: dict) -> Context:
    from spinscope.nn.data import load_dataset

    key = cfg["dataset"]
    if key not in ("digits", "mnist", "fashion-mnist") and not os.path.exists(key):
        raise InputError(f"--dataset {key!r}: use digits, mnist (with --data-dir) or a directory of IDX files")
    ds = load_dataset(key, data_dir=cfg["data_dir"], seed=cfg["seed"])
    rng = np.random.default_rng(cfg["seed"])

    def cap(x, y):
        if len(y) <= cfg["eval_size"] * 10:
            return x, y
        idx = np.sort(rng.choice(len(y), cfg["eval_size"] * 10, replace=False))
        return x[idx], y[idx]
    h, d = 2 * cfg["width"], ds.x_train.shape[1]          # the widest ensemble (loss band) has 2 H units
    size = (d + 1) * h + (h + 1) * ds.n_classes
    check_memory(4.0 * size * (8 * max(cfg["nets"], 32) + 64) + 16.0 * max(cfg["nets"], 32) * cfg["batch_size"] * h,
                 f"landscape: {cfg['nets']} networks of width {cfg['width']} on {d} inputs",
                 advice="use a smaller --width or fewer --nets")
    xt, yt = cap(ds.x_train, ds.y_train)
    xv, yv = cap(ds.x_val, ds.y_val)
    return Context(xt, yt, xv, yv, ds.n_classes, cfg, store=None)


def landscape_protocols(protocol: str = "all", *, width: int = 64, nets: int = 32, dataset: str = "digits",
                        data_dir: str | os.PathLike | None = None, p: int = 3, N: int = 200,
                        out: str | os.PathLike | None = None, resume: str | os.PathLike | None = None,
                        seed: int | None = None, steps: int = 600, lr: float = 0.01, batch_size: int = 64,
                        eval_size: int = 500, progress: Any = False) -> LossLandscapeResult:
    """Run one protocol (or ``"all"``) of the loss-landscape study into a run directory.

    Parameters
    ----------
    protocol : {"walk", "interpolate", "cluster", "flatness", "pspin", "all"}
    width : int
        Hidden units of the one-hidden-layer ReLU networks (>= 1).
    nets : int
        Networks of the main ensemble (>= 3 for ``cluster``); trained from independent seeds and
        mini-batch orders.
    dataset : str
        ``"digits"`` (embedded), ``"mnist"`` (IDX files in ``data_dir``) or a directory of IDX files.
    p, N : int
        Order (>= 2) and size of the spherical p-spin model.
    out, resume : path, optional
        A new run directory (default ``runs/landscape-loss-<time>``), or one to continue: finished
        protocols and trained networks are read back, the rest is computed.
    seed : int, optional
        Seed of every random choice (fresh entropy when None; recorded).
    steps, lr, batch_size : training settings of every ensemble (Adam, mini-batches).
    eval_size : int
        Data sets with more than ``10 * eval_size`` examples are subsampled to that many (seeded).
    progress : bool or callable
        A progress bar on stderr, or ``progress(done, total)``.

    Returns
    -------
    LossLandscapeResult
    """
    t0 = time.perf_counter()
    if resume is not None:
        rd = RunDirectory.resume(resume, command=COMMAND)
        cfg = dict(rd.config)
    else:
        cfg = _config(protocol, width, nets, dataset, data_dir, p, N, resolve_seed(seed), steps, lr, batch_size,
                      eval_size)
    ctx = _load(cfg)
    if resume is None:
        rd = RunDirectory.create(out, command=COMMAND, config=cfg)
    ctx.store = rd
    todo = PROTOCOLS if cfg["protocol"] == "all" else (cfg["protocol"],)
    bar = progress_bar(progress, "landscape")
    done = [0]

    def tick():
        done[0] += 1
        bar(done[0], len(todo))
    ctx.tick = tick
    summaries, arrays = {}, {}
    try:
        bar(0, len(todo))
        for name in todo:
            if rd.exists(f"{name}.json"):
                stored = rd.read_json(f"{name}.json")
                summaries[name], arrays[name] = stored["summary"], stored["arrays"]
                tick()
                continue
            # one compute thread: small networks train 5-10x faster that way on a busy machine
            # (measured: 4 nets, 150 steps, 5.7 s vs 31 s), and so do the small p-spin products
            with single_threaded():
                summary, tables, arr = RUNNERS[name](ctx)
            for fname, rows in tables.items():
                rd.write_table(fname, rows)
            rd.write_json(f"{name}.json", {"summary": summary, "arrays": arr})
            summaries[name], arrays[name] = summary, arr
    finally:
        bar(None, None)
    from spinscope.report.loss_figures import write_loss_report

    res = LossLandscapeResult(cfg, summaries, str(rd.path), [], time.perf_counter() - t0)
    written = [str(f) for f in write_loss_report(rd, cfg, summaries, arrays)]
    res.files = sorted({*(str(f) for f in rd.path.glob("*.csv")), *written})
    rd.write_json("summary.json", res.to_dict())
    return res
