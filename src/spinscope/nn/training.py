"""Training with checkpoints on a log-spaced schedule, and exact resume.

The training state at a checkpoint is everything that determines the rest of the run:

* the network's parameters,
* the optimiser's state (Adam moments and step counts, SGD momentum buffers) and settings,
* the step number (optimiser updates done so far),
* the random state: the only randomness of training is the order of the mini-batches, and the
  permutation of epoch ``e`` is drawn from its own stream ``SeedSequence(seed, spawn_key=(1, e))``,
  so the step number fixes the random state exactly (it is recorded as ``rng`` in the metadata).

Checkpoints are written through a :class:`CheckpointStore`, the small storage interface that
:class:`spinscope.io.RunDirectory` satisfies (``save_arrays`` writes a safetensors file with
tensors ``model.<name>`` and ``optim.<param index>.<key>`` and JSON metadata with the step, epoch,
optimiser settings and the metrics measured there); this module does not import ``spinscope.io``. Resuming from the latest checkpoint and
training on gives bit-for-bit the same parameters as an uninterrupted run on the same machine
and thread count (CPU; GPU kernels may be non-deterministic).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from spinscope._validation import check_int, check_positive
from spinscope.errors import InputError, ResumeError
from spinscope.nn.data import Dataset

__all__ = ["EXPLOSION_FACTOR", "OPTIMIZERS", "CheckpointStore", "Divergence", "TrainSettings",
           "checkpoint_schedule", "evaluate", "latest_checkpoint", "load_checkpoint_weights", "train"]

OPTIMIZERS = ("adam", "sgd")

#: Training has diverged when the loss on the training set at a checkpoint exceeds this many
#: times ``max(loss at step 0, ln n_classes)`` (or any loss is NaN or infinite).
EXPLOSION_FACTOR = 100.0


@dataclass(frozen=True)
class Divergence:
    """Where and how a training run diverged (see :func:`train`).

    Attributes
    ----------
    step : int
        The optimiser step at which it was detected (no checkpoint is written there).
    loss : float
        The offending loss (NaN, infinite, or finite but exploded).
    kind : {"mini-batch", "training set"}
        A mini-batch loss that is not finite, or the loss on the whole training set at a
        checkpoint above ``limit``.
    limit : float
        ``EXPLOSION_FACTOR * max(loss at step 0, ln n_classes)``.
    lr : float
        The learning rate of the run.
    """

    step: int
    loss: float
    kind: str
    limit: float
    lr: float

    @property
    def message(self) -> str:
        """One line: what happened, where, and what to do."""
        what = (f"the {self.kind} loss is {self.loss:.3g}" if not np.isfinite(self.loss) else
                f"the {self.kind} loss {self.loss:.3g} exceeds {EXPLOSION_FACTOR:g} times its initial value "
                f"(limit {self.limit:.3g})")
        return f"training diverged at step {self.step}: {what}; lower the learning rate (it is {self.lr:g})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``loss`` as a string when it is not finite)."""
        return {"step": self.step, "loss": self.loss if np.isfinite(self.loss) else str(self.loss),
                "kind": self.kind, "limit": self.limit, "lr": self.lr, "message": self.message}


class CheckpointStore(Protocol):
    """Where :func:`train` keeps its checkpoints (:class:`spinscope.io.RunDirectory` is one).

    Names are paths relative to ``path``, e.g. ``"checkpoints/relu/step_00000010.safetensors"``.
    """

    path: Path

    def exists(self, name: str) -> bool:
        """Whether the store holds ``name``."""

    def save_arrays(self, name: str, arrays: Mapping[str, Any],
                    metadata: Mapping[str, Any] | None = None) -> Path:
        """Write named tensors with JSON metadata atomically; return the file's path."""

    def load_arrays(self, name: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Read ``(arrays, metadata)`` back; ``ResumeError`` if the file is unreadable."""


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

    def schedule(self, n_train: int) -> list[int]:
        """The checkpoint steps of a run on ``n_train`` images (:func:`checkpoint_schedule`)."""
        total = self.steps_per_epoch(n_train) * self.epochs
        return [int(s) for s in checkpoint_schedule(total, self.checkpoints)]


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


def latest_checkpoint(rundir: CheckpointStore, prefix: str) -> tuple[Path, dict] | None:
    """The readable checkpoint with the highest step under ``prefix/`` and its metadata, or None.

    Parameters
    ----------
    rundir : CheckpointStore
        E.g. a :class:`spinscope.io.RunDirectory`.
    prefix : str
        Sub-directory of the checkpoints.

    Returns
    -------
    (Path, dict) or None
    """
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


@dataclass
class _Trainer:
    """One training run's state: the network, its optimiser, the data on the device, the rows."""

    net: nn.Module
    opt: torch.optim.Optimizer
    settings: TrainSettings
    store: CheckpointStore
    prefix: str
    seed: int
    device: Any
    x: torch.Tensor
    y: torch.Tensor
    xv: torch.Tensor
    yv: torch.Tensor
    on_checkpoint: Callable[[int, Path, dict], None] | None
    chance_loss: float = math.log(10)
    rows: list[dict] = field(default_factory=list)
    diverged: Divergence | None = None

    @property
    def spe(self) -> int:
        return self.settings.steps_per_epoch(self.x.shape[0])

    def resume(self, schedule: np.ndarray) -> int:
        """Restore the latest readable checkpoint, report the earlier ones; the step reached."""
        found = latest_checkpoint(self.store, self.prefix)
        if found is None:
            return 0
        path, _ = found
        arrays, meta = self.store.load_arrays(str(path.relative_to(self.store.path)))
        _restore(self.net, self.opt, arrays, meta, self.device)
        step = int(meta["step"])
        for s in schedule[schedule <= step]:
            rel = f"{self.prefix}/step_{int(s):08d}.safetensors"
            if not self.store.exists(rel):
                raise ResumeError(f"cannot resume: checkpoint {rel} is missing from {self.store.path}")
            _, m = self.store.load_arrays(rel)
            self.rows.append(m["metrics"])
            if self.on_checkpoint is not None:
                self.on_checkpoint(int(s), self.store.path / rel, m["metrics"])
        return step

    @property
    def limit(self) -> float:
        """The training-set loss above which the run has diverged (:data:`EXPLOSION_FACTOR`)."""
        first = self.rows[0]["train_loss"] if self.rows else self.chance_loss
        return EXPLOSION_FACTOR * max(first, self.chance_loss)

    def checkpoint(self, s: int) -> None:
        """Measure the losses, save the full training state at step ``s`` and report it.

        A diverged state (a non-finite or exploded training loss) is not saved: :attr:`diverged`
        records it instead.
        """
        spe = self.spe
        self.net.eval()
        tl, te = evaluate(self.net, self.x, self.y)
        vl, ve = evaluate(self.net, self.xv, self.yv)
        self.net.train()
        if s == 0 and not (math.isfinite(tl) and math.isfinite(vl)):
            raise InputError(f"the untrained network's loss is {tl:.3g}: its initial weights overflow; "
                             "use a smaller init_scale (--init-scale)")
        if s > 0 and not (math.isfinite(tl) and tl <= self.limit):
            self.diverged = Divergence(s, float(tl), "training set", self.limit, self.settings.lr)
            return
        rel = f"{self.prefix}/step_{s:08d}.safetensors"
        metrics = {"step": s, "epoch": s / spe, "train_loss": tl, "train_error": te,
                   "val_loss": vl, "val_error": ve, "checkpoint": rel}
        arrays, ometa = _state_arrays(self.net, self.opt)
        path = self.store.save_arrays(rel, arrays, {
            "step": s, "epoch": s / spe, "optim": ometa,
            "rng": {"seed": self.seed, "epoch": s // spe, "batch": s % spe}, "metrics": metrics})
        self.rows.append(metrics)
        if self.on_checkpoint is not None:
            self.on_checkpoint(s, path, metrics)

    def run(self, step: int, total: int, pending: set[int],
            on_step: Callable[[int, int], None] | None) -> None:
        """Optimiser updates from ``step`` to ``total``, a checkpoint at every step in ``pending``."""
        spe, bs, n_train = self.spe, self.settings.batch_size, self.x.shape[0]
        self.net.train()
        perm = None
        while step < total:
            epoch, b = divmod(step, spe)
            if perm is None or b == 0:
                rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(1, epoch)))
                perm = torch.as_tensor(rng.permutation(n_train), device=self.device)
            idx = perm[b * bs:(b + 1) * bs]
            self.opt.zero_grad(set_to_none=True)
            loss = nn.functional.cross_entropy(self.net(self.x[idx]), self.y[idx])
            if not torch.isfinite(loss):
                self.diverged = Divergence(step, float(loss), "mini-batch", self.limit, self.settings.lr)
                break
            loss.backward()
            self.opt.step()
            step += 1
            if on_step is not None:
                on_step(step, total)
            if step in pending:
                self.checkpoint(step)
                if self.diverged is not None:
                    break
        self.net.eval()


def train(net: nn.Module, data: Dataset, settings: TrainSettings, *, rundir: CheckpointStore, prefix: str,
          seed: int, device: str | torch.device = "cpu",
          on_checkpoint: Callable[[int, Path, dict], None] | None = None,
          on_step: Callable[[int, int], None] | None = None,
          on_divergence: Callable[[Divergence], None] | None = None) -> list[dict]:
    """Train ``net`` on ``data``, writing a checkpoint at every step of the schedule.

    If ``rundir`` already holds checkpoints under ``prefix/`` the run resumes from the latest one
    (the earlier ones are kept and reported again through ``on_checkpoint``).

    Training stops at the first sign of divergence: a mini-batch loss that is NaN or infinite, or
    a training-set loss at a checkpoint above :data:`EXPLOSION_FACTOR` times
    ``max(loss at step 0, ln n_classes)`` (a learning rate far too large: with ``lr = 1e10`` the
    loss reaches ``1e34``). The diverged state is not saved; the checkpoints before it are kept.
    Resuming such a run repeats the same steps and stops at the same place.

    Parameters
    ----------
    net : torch.nn.Module
        The network (modified in place).
    data : Dataset
    settings : TrainSettings
    rundir : CheckpointStore
        Where the checkpoints go, e.g. a :class:`spinscope.io.RunDirectory`.
    prefix : str
        Sub-directory of the checkpoints, e.g. ``"checkpoints/relu"``.
    seed : int
        Seed of the mini-batch order.
    device : str or torch.device
        Where the network trains.
    on_checkpoint : callable ``(step, path, metrics)``, optional
        Called after each checkpoint is written (also for existing ones when resuming).
    on_step : callable ``(step, total_steps)``, optional
        Progress callback, called after every optimiser update.
    on_divergence : callable ``(Divergence)``, optional
        Called when training diverges; ``train`` then returns the rows of the checkpoints before
        it. Without it a divergence raises :class:`~spinscope.errors.InputError`.

    Returns
    -------
    list of dict
        One metrics row per checkpoint: ``step``, ``epoch`` (fractional), ``train_loss``,
        ``train_error``, ``val_loss``, ``val_error``, ``checkpoint`` (relative path).

    Raises
    ------
    InputError
        Training diverged (without ``on_divergence``), or the untrained network's loss is not finite.
    """
    net.to(device)
    t = _Trainer(net, _make_optimizer(net, settings), settings, rundir, prefix, seed, device,
                 *(torch.as_tensor(a, device=device) for a in (data.x_train, data.y_train, data.x_val, data.y_val)),
                 on_checkpoint=on_checkpoint, chance_loss=math.log(max(data.n_classes, 2)))
    total = t.spe * settings.epochs
    schedule = checkpoint_schedule(total, settings.checkpoints)
    step = t.resume(schedule)
    if step == 0 and not t.rows:
        t.checkpoint(0)
    t.run(step, total, {int(s) for s in schedule[schedule > step]}, on_step)
    if t.diverged is not None:
        if on_divergence is None:
            raise InputError(t.diverged.message)
        on_divergence(t.diverged)
    return t.rows
