"""Training with checkpoints on a log-spaced schedule, and exact resume.

The training state at a checkpoint is everything that determines the rest of the run:

* the network's parameters,
* the optimiser's state (Adam moments and step counts, SGD momentum buffers) and settings,
* the step number (optimiser updates done so far),
* the random state: the only randomness of training is the order of the mini-batches, and the
  permutation of epoch ``e`` is drawn from its own stream ``SeedSequence(seed, spawn_key=(1, e))``,
  so the step number fixes the random state exactly (it is recorded as ``rng`` in the metadata).

Checkpoints are safetensors files written with :meth:`spinscope.io.RunDirectory.save_arrays`
(tensors ``model.<name>`` and ``optim.<param index>.<key>``; JSON metadata with the step, epoch,
optimiser settings and the metrics measured there). Resuming from the latest checkpoint and
training on gives bit-for-bit the same parameters as an uninterrupted run on the same machine
and thread count (CPU; GPU kernels may be non-deterministic).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from spinscope._validation import check_int, check_positive
from spinscope.errors import InputError, ResumeError
from spinscope.io import RunDirectory
from spinscope.nn.data import Dataset

__all__ = ["OPTIMIZERS", "TrainSettings", "checkpoint_schedule", "evaluate", "latest_checkpoint",
           "load_checkpoint_weights", "train"]

OPTIMIZERS = ("adam", "sgd")


@dataclass(frozen=True)
class TrainSettings:
    """Optimiser and schedule settings of one training run.

    Attributes
    ----------
    optimizer : {"adam", "sgd"}
    lr : float
        Learning rate (default 1e-4, as in Barney, Winer & Galitski 2024).
    batch_size : int
    epochs : int
    checkpoints : int
        Number of checkpoints, including step 0 and the last step.
    momentum : float
        SGD momentum (ignored by Adam).
    """

    optimizer: str = "adam"
    lr: float = 1e-4
    batch_size: int = 32
    epochs: int = 20
    checkpoints: int = 25
    momentum: float = 0.0

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise InputError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        check_positive(self.lr, "lr")
        check_int(self.batch_size, "batch_size", minimum=1)
        check_int(self.epochs, "epochs", minimum=1)
        check_int(self.checkpoints, "checkpoints", minimum=2)
        if not 0 <= self.momentum < 1:
            raise InputError(f"momentum must be in [0, 1), got {self.momentum}")

    def steps_per_epoch(self, n_train: int) -> int:
        """Optimiser updates per epoch (the last batch may be smaller)."""
        return math.ceil(n_train / self.batch_size)


def checkpoint_schedule(total_steps: int, n: int) -> np.ndarray:
    """``n`` distinct steps from 0 to ``total_steps``, log-spaced (dense at the start).

    Step 0 and ``total_steps`` are always included. Where rounding of ``geomspace(1, total, n-1)``
    would repeat a step, the next free step is used, so the first checkpoints are consecutive
    steps. If ``n > total_steps + 1`` every step is a checkpoint.

    Returns
    -------
    (m,) int64 array, strictly increasing, ``m = min(n, total_steps + 1)``.
    """
    total_steps = check_int(total_steps, "total_steps", minimum=1)
    n = check_int(n, "checkpoints", minimum=2)
    if n >= total_steps + 1:
        return np.arange(total_steps + 1, dtype=np.int64)
    raw = np.geomspace(1, total_steps, n - 1)
    steps = [0]
    for k, r in enumerate(raw):
        remaining = len(raw) - 1 - k  # checkpoints still to place after this one
        s = max(round(float(r)), steps[-1] + 1)
        s = min(s, total_steps - remaining)
        steps.append(s)
    return np.asarray(steps, dtype=np.int64)


def _make_optimizer(net: nn.Module, s: TrainSettings) -> torch.optim.Optimizer:
    if s.optimizer == "adam":
        return torch.optim.Adam(net.parameters(), lr=s.lr)
    return torch.optim.SGD(net.parameters(), lr=s.lr, momentum=s.momentum)


@torch.no_grad()
def evaluate(net: nn.Module, x: torch.Tensor, y: torch.Tensor, *, chunk: int = 8192) -> tuple[float, float]:
    """Mean cross-entropy loss and classification error of ``net`` on ``(x, y)``."""
    loss = 0.0
    wrong = 0
    for i in range(0, x.shape[0], chunk):
        out = net(x[i:i + chunk])
        loss += float(nn.functional.cross_entropy(out, y[i:i + chunk], reduction="sum"))
        wrong += int((out.argmax(dim=1) != y[i:i + chunk]).sum())
    return loss / x.shape[0], wrong / x.shape[0]


def _state_arrays(net: nn.Module, opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    arrays = {f"model.{k}": v for k, v in net.state_dict().items()}
    sd = opt.state_dict()
    keys: dict[str, list[str]] = {}
    for idx, st in sd["state"].items():
        keys[str(idx)] = []
        for key, val in st.items():
            if isinstance(val, torch.Tensor):
                arrays[f"optim.{idx}.{key}"] = val.reshape(-1) if val.ndim == 0 else val
                keys[str(idx)].append(f"{key}:{'scalar' if val.ndim == 0 else 'tensor'}")
    return arrays, {"param_groups": sd["param_groups"], "state_keys": keys}


def _restore(net: nn.Module, opt: torch.optim.Optimizer, arrays: dict[str, np.ndarray], meta: dict,
             device: Any) -> None:
    model_sd = {k[len("model."):]: torch.from_numpy(np.array(v)) for k, v in arrays.items()
                if k.startswith("model.")}
    net.load_state_dict(model_sd)
    state: dict[int, dict[str, Any]] = {}
    for idx, keys in meta["optim"]["state_keys"].items():
        st: dict[str, Any] = {}
        for entry in keys:
            key, kind = entry.split(":")
            t = torch.from_numpy(np.array(arrays[f"optim.{idx}.{key}"]))
            st[key] = t.reshape(()) if kind == "scalar" else t.to(device)
        state[int(idx)] = st
    opt.load_state_dict({"state": state, "param_groups": meta["optim"]["param_groups"]})


def latest_checkpoint(rundir: RunDirectory, prefix: str) -> tuple[Path, dict] | None:
    """The readable checkpoint with the highest step under ``prefix/`` and its metadata, or None."""
    folder = rundir.path / prefix
    if not folder.is_dir():
        return None
    for f in sorted(folder.glob("step_*.safetensors"), reverse=True):
        try:
            _, meta = rundir.load_arrays(str(f.relative_to(rundir.path)))
        except ResumeError:
            continue  # a damaged file: fall back to the previous checkpoint
        return f, meta
    return None


def load_checkpoint_weights(path: str | Path) -> list[np.ndarray]:
    """Weight matrices of a checkpoint as float64 arrays of shape ``(N_in, N_out)`` (layer order)."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="numpy") as fh:
            names = [k for k in fh.keys() if k.startswith("model.") and k.endswith(".weight")]
            names.sort(key=lambda k: int(k.split(".")[1]))
            return [np.asarray(fh.get_tensor(k), dtype=np.float64).T for k in names]
    except (OSError, SafetensorError) as exc:
        raise ResumeError(f"cannot read checkpoint {path}: {exc}") from None


def train(net: nn.Module, data: Dataset, settings: TrainSettings, *, rundir: RunDirectory, prefix: str,
          seed: int, device: str | torch.device = "cpu",
          on_checkpoint: Callable[[int, Path, dict], None] | None = None,
          on_step: Callable[[int, int], None] | None = None) -> list[dict]:
    """Train ``net`` on ``data``, writing a checkpoint at every step of the schedule.

    If ``rundir`` already holds checkpoints under ``prefix/`` the run resumes from the latest one
    (the earlier ones are kept and reported again through ``on_checkpoint``).

    Parameters
    ----------
    net : torch.nn.Module
        The network (modified in place).
    data : Dataset
    settings : TrainSettings
    rundir : RunDirectory
    prefix : str
        Sub-directory of the checkpoints, e.g. ``"checkpoints/relu"``.
    seed : int
        Seed of the mini-batch order.
    on_checkpoint : callable ``(step, path, metrics)``, optional
        Called after each checkpoint is written (also for existing ones when resuming).
    on_step : callable ``(step, total_steps)``, optional
        Progress callback, called after every optimiser update.

    Returns
    -------
    list of dict
        One metrics row per checkpoint: ``step``, ``epoch`` (fractional), ``train_loss``,
        ``train_error``, ``val_loss``, ``val_error``, ``checkpoint`` (relative path).
    """
    net.to(device)
    x = torch.as_tensor(data.x_train, device=device)
    y = torch.as_tensor(data.y_train, device=device)
    xv = torch.as_tensor(data.x_val, device=device)
    yv = torch.as_tensor(data.y_val, device=device)
    n_train = x.shape[0]
    spe = settings.steps_per_epoch(n_train)
    total = spe * settings.epochs
    schedule = checkpoint_schedule(total, settings.checkpoints)
    opt = _make_optimizer(net, settings)
    rows: list[dict] = []

    step = 0
    found = latest_checkpoint(rundir, prefix)
    if found is not None:
        path, meta = found
        arrays, meta = rundir.load_arrays(str(path.relative_to(rundir.path)))
        _restore(net, opt, arrays, meta, device)
        step = int(meta["step"])
        for s in schedule[schedule <= step]:
            rel = f"{prefix}/step_{int(s):08d}.safetensors"
            if not rundir.exists(rel):
                raise ResumeError(f"cannot resume: checkpoint {rel} is missing from {rundir.path}")
            _, m = rundir.load_arrays(rel)
            rows.append(m["metrics"])
            if on_checkpoint is not None:
                on_checkpoint(int(s), rundir.path / rel, m["metrics"])

    def checkpoint(s: int) -> None:
        net.eval()
        tl, te = evaluate(net, x, y)
        vl, ve = evaluate(net, xv, yv)
        net.train()
        rel = f"{prefix}/step_{s:08d}.safetensors"
        metrics = {"step": s, "epoch": s / spe, "train_loss": tl, "train_error": te,
                   "val_loss": vl, "val_error": ve, "checkpoint": rel}
        arrays, ometa = _state_arrays(net, opt)
        path = rundir.save_arrays(rel, arrays, {"step": s, "epoch": s / spe, "optim": ometa,
                                                "rng": {"seed": seed, "epoch": s // spe, "batch": s % spe},
                                                "metrics": metrics})
        rows.append(metrics)
        if on_checkpoint is not None:
            on_checkpoint(s, path, metrics)

    if step == 0 and not rows:
        checkpoint(0)
    pending = set(int(s) for s in schedule[schedule > step])
    net.train()
    perm = None
    while step < total:
        epoch, b = divmod(step, spe)
        if perm is None or b == 0:
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, epoch)))
            perm = torch.as_tensor(rng.permutation(n_train), device=device)
        idx = perm[b * settings.batch_size:(b + 1) * settings.batch_size]
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
        if not torch.isfinite(loss):
            raise InputError(f"training diverged (loss {float(loss)}) at step {step}; lower the learning rate")
        loss.backward()
        opt.step()
        step += 1
        if on_step is not None:
            on_step(step, total)
        if step in pending:
            checkpoint(step)
    net.eval()
    return rows
