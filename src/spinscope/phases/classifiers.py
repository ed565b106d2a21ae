"""Phase classifiers (torch): Carrasquilla–Melko's fully connected network and a small CNN.

* ``"fc"``: ``L^2`` inputs -> 100 sigmoid units -> 2 outputs (softmax), as in Carrasquilla &
  Melko, Nat. Phys. 13, 431 (2017). Trained for one ``L``.
* ``"cnn"``: two 3x3 circular convolutions (8 channels, ReLU), global average pooling, a linear
  layer to 2 outputs. Size-independent: one network serves every ``L``.

Output 0 is the probability of the ordered (low-temperature) phase, output 1 of the disordered
one. Training minimises the cross entropy with Adam on mini-batches; every random choice
(initial weights, batch order) flows from ``seed`` without touching torch's global generator
(the weights are drawn inside :func:`torch.random.fork_rng`, which restores it). Weights are
exchanged as safetensors bytes (:func:`to_bytes`, :func:`from_bytes`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from spinscope.errors import DataFileError, InputError

__all__ = ["ARCHITECTURES", "TrainSettings", "augment", "build", "from_bytes", "predict", "to_bytes", "train_classifier"]

ARCHITECTURES = ("fc", "cnn")


class _AddChannel(nn.Module):
    """``(N, L, L) -> (N, 1, L, L)``."""

    def forward(self, x):
        return x.unsqueeze(1)


def build(arch: str, L: int, *, seed: int = 0) -> nn.Module:
    """A fresh network of ``arch`` for ``L x L`` inputs, weights drawn from ``seed``."""
    if arch not in ARCHITECTURES:
        raise InputError(f"unknown classifier {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        if arch == "fc":
            return nn.Sequential(nn.Flatten(), nn.Linear(L * L, 100), nn.Sigmoid(), nn.Linear(100, 2))
        return nn.Sequential(_AddChannel(),
                             nn.Conv2d(1, 8, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                             nn.Conv2d(8, 8, 3, padding=1, padding_mode="circular"), nn.ReLU(),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))


@dataclass(frozen=True)
class TrainSettings:
    """Training settings: epochs, batch size, Adam learning rate, L2 weight decay, validation
    share, the torch device the network trains on (the same batches and random numbers on
    any device; the trained network comes back on that device), and ``augment``: every
    mini-batch is moved by a random symmetry of the periodic square lattice (a translation and one
    of the 8 rotations/reflections of the square), so that a network with ``L^2`` weights cannot
    learn where on the lattice a training configuration happened to order (see :func:`augment`).
    Training lasts ``epochs`` epochs, or more when needed to take at least ``min_steps`` mini-batch
    steps (Adam at the default rate needs a few thousand steps; a small data set would otherwise
    stop half-trained). Defaults measured on Ising data, L = 16-64 (docs/phases.md)."""

    epochs: int = 40
    batch: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-3
    validation: float = 0.1
    device: str = "cpu"
    augment: bool = True
    min_steps: int = 2000


def augment(xb, gen: torch.Generator, *, sign: bool = False):
    """A random symmetry of the periodic ``L x L`` lattice applied to a batch ``(B, L, L)``: one
    translation and one of the 8 elements of the square's symmetry group for the whole batch
    (drawn from ``gen``), and with ``sign=True`` an independent global sign flip per
    configuration (the Ising spin-flip symmetry of raw spins)."""
    L = xb.shape[-1]
    shift = torch.randint(0, L, (2,), generator=gen).tolist()
    flips = torch.randint(0, 2, (3,), generator=gen).tolist()
    xb = torch.roll(xb, shift, (1, 2))
    if flips[0]:
        xb = xb.transpose(1, 2)
    dims = [d for d, f in zip((1, 2), flips[1:]) if f]
    if dims:
        xb = xb.flip(dims)
    if sign:
        s = torch.randint(0, 2, (xb.shape[0],), generator=gen).to(xb.device) * 2 - 1
        xb = xb * s[:, None, None].to(xb.dtype)
    return xb


def train_classifier(x: np.ndarray, labels: np.ndarray, *, arch: str = "fc", seed: int = 0,
                     settings: TrainSettings = TrainSettings(), sign_symmetric: bool = False,
                     progress: Callable[[int, int], None] | None = None):
    """Train a classifier on inputs ``x (N, L, L)`` and labels ``0`` (ordered) / ``1`` (disordered).

    ``sign_symmetric``: the labels do not change under ``x -> -x`` (raw Ising spins), used by the
    augmentation (``settings.augment``).

    Returns ``(network, info)`` with ``info`` = final training loss and validation accuracy
    (held-out share ``settings.validation`` of the data, drawn from ``seed``).
    """
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(labels, dtype=np.int64)
    if x.ndim != 3 or x.shape[1] != x.shape[2] or y.shape != (x.shape[0],):
        raise InputError(f"training inputs must have shape (N, L, L) with N labels, got {x.shape} and {y.shape}")
    if set(np.unique(y)) != {0, 1}:
        raise InputError("training labels must contain both phases (0 = ordered, 1 = disordered)")
    net = build(arch, x.shape[1], seed=seed).to(settings.device)
    gen = torch.Generator().manual_seed(int(seed) + 1)
    perm = torch.randperm(len(y), generator=gen).numpy()
    nval = round(settings.validation * len(y))
    val, tr = perm[:nval], perm[nval:]
    xt, yt = torch.from_numpy(x[tr]).to(settings.device), torch.from_numpy(y[tr]).to(settings.device)
    opt = torch.optim.Adam(net.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    loss_fn = torch.nn.CrossEntropyLoss()
    loss = torch.tensor(0.0)
    per_epoch = -(-len(tr) // settings.batch)
    epochs = max(settings.epochs, -(-settings.min_steps // max(per_epoch, 1)))
    for epoch in range(epochs):
        order = torch.randperm(len(yt), generator=gen)
        for k in range(0, len(order), settings.batch):
            b = order[k:k + settings.batch].to(settings.device)
            xb = augment(xt[b], gen, sign=sign_symmetric) if settings.augment else xt[b]
            opt.zero_grad()
            loss = loss_fn(net(xb), yt[b])
            loss.backward()
            opt.step()
        if progress is not None:
            progress(epoch + 1, epochs)
    acc = float((predict(net, x[val]).argmax(-1) == y[val]).mean()) if nval else float("nan")
    return net, {"loss": float(loss.detach()), "validation_accuracy": acc, "train_size": len(tr),
                 "epochs": epochs}


def predict(net, x: np.ndarray, *, batch: int = 4096) -> np.ndarray:
    """Softmax outputs ``(N, 2)``: ``[P(ordered), P(disordered)]`` of every input ``(N, L, L)``."""
    x = np.asarray(x, dtype=np.float32)
    device = next(net.parameters()).device
    out = []
    with torch.no_grad():
        for k in range(0, len(x), batch):
            out.append(torch.softmax(net(torch.from_numpy(x[k:k + batch]).to(device)), -1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, 2))


def to_bytes(net, metadata: dict[str, str]) -> bytes:
    """The network's weights as a safetensors file (``metadata``: architecture, L, seed, ...)."""
    from safetensors.torch import save

    return save({k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}, metadata=metadata)


def from_bytes(data: bytes, *, where: str = "network file"):
    """Rebuild a network written by :func:`to_bytes` (its metadata give the architecture and L)."""
    import json

    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        tensors = load(data)
        header_len = int.from_bytes(data[:8], "little")
        meta = json.loads(data[8:8 + header_len]).get("__metadata__", {})
        net = build(meta["arch"], int(meta["L"]))
        net.load_state_dict(tensors)
    except (SafetensorError, KeyError, ValueError, RuntimeError, json.JSONDecodeError) as exc:
        raise DataFileError(f"{where} is damaged or not a spinscope phases classifier ({str(exc)[:80]}); "
                            "delete it to train it again") from None
    return net, meta
