"""Fully connected networks whose neurons are the Ising spins of :mod:`spinscope.nn`.

A network with architecture ``(N_0, N_1, ..., N_L)`` is an ``nn.Sequential`` of ``L`` ``Linear``
layers with an activation after every layer but the last (the logits). Activations:

``"relu"``
    ``max(0, x)``.
``"binary"``
    ``sign(x)`` (with ``sign(0) = +1``) in the forward pass, so hidden neurons are ±1 spins; the
    backward pass uses the straight-through estimator of hard-tanh, ``d/dx = 1[|x| <= 1]``.

Initialisation (``init_scale`` = ``a``): weights ``W ~ U(-a/sqrt(N_in), a/sqrt(N_in))``, i.e.
PyTorch's default ``Linear`` law scaled by ``a`` (variance ``a^2 / (3 N_in)``), and zero biases,
so the initial network is exactly the layered SK ensemble of the replica theory
(:func:`spinscope.meanfield.layered_tc` with ``sigma_k^2 = a^2 / (3 N_k)``). ``a`` moves training
between the rich (small ``a``: weights must grow and reorganise) and the lazy regime (large ``a``:
weights move little relative to their initial size).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from spinscope._validation import as_int_tuple, check_positive
from spinscope.errors import InputError

__all__ = ["ACTIVATIONS", "BinaryActivation", "build_network", "init_variances"]

ACTIVATIONS = ("relu", "binary")


class _SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):  # type: ignore[override]
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        (x,) = ctx.saved_tensors
        return grad * (x.abs() <= 1).to(grad.dtype)


class BinaryActivation(nn.Module):
    """``sign(x)`` forward (±1, ``sign(0)=+1``), hard-tanh straight-through gradient backward."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _SignSTE.apply(x)


def check_architecture(architecture: Sequence[int]) -> tuple[int, ...]:
    """Validate layer widths ``(N_0, ..., N_L)``: at least two positive integers."""
    arch = as_int_tuple(architecture, "architecture", minimum=1)
    if len(arch) < 2:
        raise InputError(f"architecture needs at least an input and an output width, got {arch}")
    return arch


def init_variances(architecture: Sequence[int], init_scale: float = 1.0) -> list[float]:
    """Variance ``sigma_k^2 = init_scale^2 / (3 N_k)`` of the initial weights between layers k, k+1."""
    arch = check_architecture(architecture)
    return [init_scale**2 / (3.0 * arch[k]) for k in range(len(arch) - 1)]


def build_network(architecture: Sequence[int], *, activation: str = "relu", init_scale: float = 1.0,
                  seed: int = 0, device: str | torch.device = "cpu") -> nn.Sequential:
    """A fully connected classifier with the given widths and activation.

    Parameters
    ----------
    architecture : sequence of int
        Widths ``(N_0, ..., N_L)``: input pixels, hidden layers, classes.
    activation : {"relu", "binary"}
    init_scale : float
        Multiplies the initial weights (see the module docstring).
    seed : int
        Seeds a private ``torch.Generator`` (global torch RNG state is untouched).
    device : str or torch.device

    Returns
    -------
    torch.nn.Sequential
        ``Linear, act, Linear, act, ..., Linear`` (float32) on ``device``.
    """
    arch = check_architecture(architecture)
    if activation not in ACTIVATIONS:
        raise InputError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    scale = check_positive(init_scale, "init_scale")
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    layers: list[nn.Module] = []
    for k in range(len(arch) - 1):
        lin = nn.Linear(arch[k], arch[k + 1])
        bound = scale / arch[k] ** 0.5
        with torch.no_grad():
            lin.weight.copy_((torch.rand(lin.weight.shape, generator=gen) * 2 - 1) * bound)
            lin.bias.zero_()
        layers.append(lin)
        if k < len(arch) - 2:
            layers.append(nn.ReLU() if activation == "relu" else BinaryActivation())
    return nn.Sequential(*layers).to(device)
