"""The run behind ``spinscope phases``: machine learning of phases from Monte Carlo configurations.

Methods (``method=``):

``supervised``  train a classifier (Carrasquilla–Melko FC or a small CNN) on the model's own
                configurations labelled by its known transition, far from it (``|T - T_c| >= gap
                T_c``); the crossing ``T*(L)`` of the two output curves at each ``L``, extrapolated
                with ``T*(L) = T_c + a L^(-1/nu)`` (``nu`` fixed to the known value, and fitted).
``transfer``    train on correlation configurations of ``train_on`` (default Ising) and apply the
                network unchanged to ``model``: ``T_c`` where the output crosses 1/2; for the clock
                model with q >= 5 also the lower temperature where the output leaves its ordered value.
``pca``         principal components of the inputs; ``|PC1|`` against ``|m|``.
``confusion``   learning by confusion on the smallest ``L``: the peak of the W.

Every random choice flows from ``seed``; data sets are stored per (model, q, L, T grid, samples,
seed) in ``data/`` (or ``data_dir``) and reused; trained networks are stored as safetensors and
reused by ``resume``. Definitions and measured numbers: ``docs/phases.md``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from spinscope._validation import check_device, check_int, resolve_seed
from spinscope.errors import InputError
from spinscope.workflows._phases_steps import PhasesResult

__all__ = ["METHODS", "PhasesResult", "phases"]

METHODS = ("supervised", "transfer", "pca", "confusion")


def _config(model, q, L, T, method, train_on, input_kind, classifier, samples, seeds, gap, epochs, seed):
    from spinscope.phases import data as dt
    from spinscope.phases.classifiers import ARCHITECTURES
    from spinscope.phases.correlation import INPUTS
    from spinscope.workflows._phases_steps import default_grid

    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)} (--method)")
    Ls = sorted({dt.check_model(model, q, int(v))[2] for v in L})
    model, q, _ = dt.check_model(model, q, Ls[0])
    if input_kind is None:
        input_kind = "spins" if model == "ising" and method != "transfer" else "correlation"
    if input_kind not in INPUTS:
        raise InputError(f"unknown input {input_kind!r}; choose one of {', '.join(INPUTS)} (--input)")
    if input_kind == "spins" and (model != "ising" or method == "transfer"):
        raise InputError("raw spins are an input for the Ising model only (and transfer needs the "
                         "model-independent correlation configuration): use --input correlation")
    if classifier not in ARCHITECTURES:
        raise InputError(f"unknown classifier {classifier!r}; choose one of {', '.join(ARCHITECTURES)}")
    T = default_grid(model, q) if T is None else np.sort(np.asarray(T, dtype=float))
    if method == "transfer":
        dt.check_model(train_on, None, Ls[0])
    cfg = {"model": model, "q": q, "L": Ls, "temperatures": T.tolist(), "method": method,
           "train_on": train_on if method == "transfer" else None, "input": input_kind,
           "classifier": classifier, "samples": check_int(samples, "samples", minimum=4),
           "seeds": check_int(seeds, "seeds", minimum=1), "gap": float(gap),
           "epochs": None if epochs is None else check_int(epochs, "epochs", minimum=1), "seed": seed}
    _check_labels(cfg)
    return cfg


def _check_labels(cfg: dict) -> None:
    """Supervised labels need training temperatures on both sides of the known transition."""
    from spinscope.phases import data as dt
    from spinscope.workflows._phases_steps import default_grid, labels_for

    if cfg["method"] not in ("supervised", "transfer", "confusion"):
        return
    src = cfg["train_on"] if cfg["method"] == "transfer" else cfg["model"]
    q = None if cfg["method"] == "transfer" else cfg["q"]
    T = default_grid(src, q) if cfg["method"] == "transfer" else np.asarray(cfg["temperatures"])
    if cfg["method"] == "confusion":
        if T.size < 4:
            raise InputError("--method confusion needs a temperature grid of at least 4 points")
        return
    tc = dt.critical_temperatures(src, q)
    if not tc:
        raise InputError(f"no known transition temperature for {src} with q={q}: supervised labels "
                         "need one; use --method pca or confusion")
    mask, y = labels_for(src, q, T, cfg["gap"])
    if not mask.any() or y.min() == y.max():
        side = "above" if (not mask.any() or y.min() == 0) else "below"
        raise InputError(f"the temperature grid {T[0]:g}..{T[-1]:g} does not straddle the transition of "
                         f"{src} (T_c = {', '.join(f'{t:.4g}' for t in tc)}): no training temperature "
                         f"{side} it outside the gap of {cfg['gap']:g} T_c; widen --T")


def phases(*, model: str = "ising", q: int | None = None, L=(16, 24, 32), T=None,
           method: str = "supervised", train_on: str = "ising", input: str | None = None,
           classifier: str = "fc", samples: int = 400, seeds: int = 2, gap: float = 0.0,
           epochs: int | None = None, out=None, resume=None, data_dir=None, seed=None,
           progress=False, device: str = "cpu") -> PhasesResult:
    """Machine learning of phases (see the module docstring); the same as ``spinscope phases``.

    Parameters
    ----------
    model : {"ising", "potts", "clock", "xy"}
    q : int, optional
        States of Potts (default 3) and clock (default 6).
    L : sequence of int
        Linear sizes (even, >= 4).
    T : sequence of float, optional
        Temperature grid (default: around the model's transition, ``_phases_steps.DEFAULT_GRIDS``).
    method : {"supervised", "transfer", "pca", "confusion"}
    train_on : str
        Model whose correlation configurations train the ``transfer`` network (its default grid).
    input : {"spins", "correlation"}, optional
        Network input; default raw spins for Ising (not transfer), else correlation configurations.
    classifier : {"fc", "cnn"}
    samples : int
        Configurations per temperature and size (half train, half test).
    seeds : int
        Networks trained per size (different initial weights and batch orders).
    gap : float
        Training temperatures satisfy ``|T - T_c| >= gap T_c``; 0 (default) trains on every
        temperature, labelled by the side of ``T_c`` it lies on (Carrasquilla–Melko; measured
        better than a gap: docs/phases.md).
    epochs : int, optional
        Training epochs per network; default 40 up to L = 32 and 80 above (measured,
        docs/phases.md), at least 2000 mini-batch steps in any case.
    out, resume : path, optional
        New run directory, or one to continue (stored data and networks are reused).
    data_dir : path, optional
        Where data sets are stored and looked up (default ``<run>/data``).
    seed : int, optional
    progress : bool or callable
    device : str
        Torch device of the classifiers (``"cpu"``, ``"cuda"``); data generation runs on the CPU.
    """
    from spinscope.io import RunDirectory
    from spinscope.workflows import _phases_run as run
    from spinscope.workflows._phases_steps import Context, check_stored

    t0 = time.perf_counter()
    seed = resolve_seed(seed)
    cfg = _config(model, q, L, T, method, train_on, input, classifier, samples, seeds, gap, epochs, seed)
    if data_dir is not None and not Path(data_dir).is_dir():
        raise InputError(f"--data-dir {data_dir} is not an existing directory")
    if resume is not None:
        rd = RunDirectory.resume(resume, command="phases", config=cfg)
    ddir = Path(data_dir) if data_dir is not None else Path(resume) / "data" if resume is not None else None
    ctx = Context(None, ddir, seed, cfg["samples"], run.bar_factory(progress), device=check_device(device))
    if ddir is not None and ddir.is_dir():
        check_stored(ctx, cfg)      # a damaged stored file is refused before anything is written
    if resume is None:
        rd = RunDirectory.create(out, command="phases", config=cfg)
    ctx.rundir = rd
    ctx.data_dir = ddir or rd.path / "data"
    ctx.data_dir.mkdir(exist_ok=True)
    try:
        result = run.METHOD_RUNNERS[method](ctx, cfg)
    finally:
        ctx.bar(None, None, None)
    result.out, result.seconds = rd.path, round(time.perf_counter() - t0, 2)
    result.files = {"generated": ctx.generated, "reused": ctx.reused, "data_dir": str(ddir)}
    run.write_outputs(rd, result)
    return result
