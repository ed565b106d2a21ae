"""Behler–Parrinello model of the electron-mediated fields: ``E = Σ_i ε(D_i)``, ``h = −∂E/∂S`` (autograd).

``ε`` is one small MLP (tanh, float64 by default) shared by all sites, applied to the standardised
descriptor ``D_i`` (:mod:`spinscope.spindynamics.descriptor`). The field is the autograd gradient
projected on the tangent plane, ``h_i = −(1 − S_i S_iᵀ) ∂E/∂S_i``: only that part enters the LLG
equation, and only that part is defined by ``E`` on the product of unit spheres. Training
(:func:`train_model`) minimises the mean squared error of these fields against the tangent part of
the exact Hellmann–Feynman fields (plus, with weight ``energy_weight``, of ``E/N`` against ``Ω/N``),
with Adam, a held-out validation set and early stopping. Files: safetensors, the descriptor
settings, the network shape and the s-d parameters in the metadata (:func:`save_model`, :func:`load_model`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from spinscope._files import atomic_write
from spinscope.errors import ModelFileError
from spinscope.spindynamics.descriptor import DescriptorGeometry, DescriptorSettings, descriptors

__all__ = ["MODEL_FORMAT", "BPModel", "TrainingSet", "load_model", "save_model", "tangent"]

MODEL_FORMAT = "spinscope-sd-model"
MODEL_VERSION = 1


def tangent(h, s):
    """``h − (h·S) S``: the part of ``h`` perpendicular to ``S`` (numpy or torch)."""
    return h - (h * s).sum(-1, keepdims=True) * s


def _build_module(n_features: int, hidden: tuple, seed: int, dtype):
    import torch

    layers, width = [], n_features
    for w in hidden:
        layers += [torch.nn.Linear(width, w, dtype=dtype), torch.nn.Tanh()]
        width = w
    layers.append(torch.nn.Linear(width, 1, dtype=dtype))
    net = torch.nn.Sequential(*layers)
    gen = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():  # our own seeded initialisation (no global RNG)
        for m in net:
            if isinstance(m, torch.nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen, dtype=dtype) / math.sqrt(m.in_features))
                m.bias.zero_()
    return net


class BPModel:
    """A per-site network on the magnetic descriptor.

    Parameters
    ----------
    settings : DescriptorSettings
    hidden : tuple of int
        Hidden layer widths.
    seed : int
        Seed of the initial weights.
    dtype : torch dtype (default float64)
    """

    def __init__(self, settings: DescriptorSettings, hidden=(32, 32), *, seed: int = 0, dtype=None) -> None:
        import torch

        self.settings, self.hidden = settings, tuple(int(h) for h in hidden)
        self.dtype = dtype or torch.float64
        nf = settings.n_features
        self.net = _build_module(nf, self.hidden, seed, self.dtype)
        self.mean = torch.zeros(nf, dtype=self.dtype)
        self.std = torch.ones(nf, dtype=self.dtype)

    def to(self, device: str) -> BPModel:
        """Move the network to ``device``."""
        self.net.to(device)
        self.mean, self.std = self.mean.to(device), self.std.to(device)
        return self

    def geometry(self, positions, box: float, *, device: str = "cpu") -> DescriptorGeometry:
        """The descriptor geometry of a system for this model's settings."""
        return DescriptorGeometry(positions, box, self.settings, device=device)

    def energy(self, geom: DescriptorGeometry, spins):
        """``E(S) = Σ_i ε(D_i)`` for spins ``(..., n, 3)`` (torch); returns shape ``(...)``."""
        d = (descriptors(geom, spins.to(self.dtype)) - self.mean) / self.std
        return self.net(d).squeeze(-1).sum(-1)

    def fields_tensor(self, geom, spins, *, create_graph: bool = False):
        """Tangent fields ``(..., n, 3)`` and energies ``(...)`` as tensors (graph kept if asked)."""
        import torch

        s = spins.detach().clone().requires_grad_(True)
        e = self.energy(geom, s)
        (g,) = torch.autograd.grad(e.sum(), s, create_graph=create_graph)
        return tangent(-g, s if create_graph else s.detach()), e

    def fields(self, geom, spins, *, project: bool = True) -> tuple[np.ndarray, float]:
        """Fields ``(n, 3)`` and ``E`` for numpy spins ``(n, 3)`` (the integrator's ``field_fn``).

        ``project=False`` returns the full gradient ``−∂E/∂S`` (for finite-difference checks).
        """
        import torch

        s = torch.as_tensor(np.asarray(spins), dtype=self.dtype, device=geom.device).requires_grad_(True)
        e = self.energy(geom, s)
        (g,) = torch.autograd.grad(e, s)
        h = -g.detach()
        if project:
            h = tangent(h, s.detach())
        return h.cpu().numpy().astype(np.float64), float(e.detach())

    def state(self) -> dict:
        """Tensors to save: the network parameters, ``mean`` and ``std``."""
        out = {f"net.{k}": v.detach().cpu() for k, v in self.net.state_dict().items()}
        out["mean"], out["std"] = self.mean.cpu(), self.std.cpu()
        return out

    def load_state(self, tensors: dict) -> None:
        """Inverse of :meth:`state`."""
        import torch

        self.net.load_state_dict({k[4:]: torch.as_tensor(v, dtype=self.dtype) for k, v in tensors.items()
                                  if k.startswith("net.")})
        self.mean = torch.as_tensor(tensors["mean"], dtype=self.dtype)
        self.std = torch.as_tensor(tensors["std"], dtype=self.dtype)


def save_model(path, model: BPModel, *, physics: dict, extra: dict | None = None, overwrite: bool = False):
    """Write the model as safetensors; metadata ``spinscope`` = JSON of format, settings, physics."""
    from safetensors.torch import save

    meta = {"format": MODEL_FORMAT, "version": MODEL_VERSION, "descriptor": model.settings.to_dict(),
            "hidden": list(model.hidden), "dtype": str(model.dtype).replace("torch.", ""),
            "physics": physics, **(extra or {})}
    data = save({k: v.contiguous() for k, v in model.state().items()}, metadata={"spinscope": json.dumps(meta)})
    return atomic_write(path, data, overwrite=overwrite)


def load_model(path) -> tuple[BPModel, dict]:
    """Read a model file: ``(model, metadata)``; :class:`ModelFileError` if it is not one or is inconsistent."""
    import torch
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as fh:
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
            meta = json.loads((fh.metadata() or {}).get("spinscope", "{}"))
    except (OSError, SafetensorError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"cannot read model file {path}: {getattr(exc, 'strerror', None) or exc}; "
                             "give a file written by 'spinscope sd train'") from None
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT or meta.get("version") != MODEL_VERSION:
        raise ModelFileError(f"{path} is not a spinscope sd model file ({MODEL_FORMAT} version {MODEL_VERSION}); "
                             "give a file written by 'spinscope sd train'")
    try:
        settings = DescriptorSettings.from_dict(meta["descriptor"])
        model = BPModel(settings, meta["hidden"], dtype=getattr(torch, meta.get("dtype", "float64")))
        nf = tensors["mean"].shape[0]
        if nf != settings.n_features:
            raise ValueError(f"its descriptor settings give {settings.n_features} features but the network "
                             f"takes {nf}")
        model.load_state(tensors)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"model file {path}: its descriptor settings do not match its network ({exc}); "
                             "the file is damaged or was edited: train the model again") from None
    return model, meta


@dataclass
class TrainingSet:
    """Exact data of one system: geometry, spins ``(M, n, 3)``, tangent fields ``(M, n, 3)``, ``Ω`` ``(M,)``."""

    geom: DescriptorGeometry
    spins: object
    fields: object
    energies: object
    extra: dict = field(default_factory=dict)
