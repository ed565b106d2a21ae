"""Observables for :func:`~spinscope.inverse.expectation`: names or batched torch callables.

An observable maps a batch of configurations to one value (or one vector) per configuration.
Named observables (per configuration ``s`` of ``n`` spins):

``"energy"``
    ``H(s)`` (depends on ``J`` and ``h``: its explicit derivative enters the gradient).
``"energy_per_spin"``
    ``H(s) / n``.
``"m"``
    Magnetisation per spin ``mean_i s_i`` (Ising only; a Potts model has no signed one).
``"abs_m"``
    ``|m|``; for Potts the order parameter ``|mean_i exp(2 pi i s_i / q)|`` used by :mod:`spinscope.mc`.
``"m2"``
    ``m^2`` (Potts: the square of the order parameter above).

A callable receives the configurations as a tensor (S, n) on the parameters' device (Ising: ±1
in the couplings' dtype; Potts: integer states ``0..q-1`` as int64) and returns a tensor of shape
(S,) or (S, d); it may use the model's tensors (its derivative through them is added to the
gradient). A list or tuple of names and callables gives the vector of their values.
"""

from __future__ import annotations

from collections.abc import Callable

from spinscope.errors import InputError, SpinscopeTypeError

__all__ = ["NAMED_OBSERVABLES", "resolve_observable"]

NAMED_OBSERVABLES = ("energy", "energy_per_spin", "m", "abs_m", "m2")


def _named(name: str, model) -> Callable:
    if name == "energy":
        return model.energy
    if name == "energy_per_spin":
        return lambda s: model.energy(s) / model.n
    if name == "m":
        if model.kind != "ising":
            raise InputError("observable 'm' (signed magnetisation) exists for Ising models only; "
                             "use 'abs_m' or 'm2' for a Potts model")
        return model.magnetization
    if name == "abs_m":
        return lambda s: model.magnetization(s).abs()
    if name == "m2":
        return lambda s: model.magnetization(s) ** 2
    raise InputError(f"unknown observable {name!r}; choose one of {', '.join(NAMED_OBSERVABLES)} "
                     "or pass a callable f(samples (S, n)) -> (S,)")


def _one(obs, model) -> Callable:
    if isinstance(obs, str):
        return _named(obs, model)
    if callable(obs):
        return obs
    raise SpinscopeTypeError(f"observable must be a name ({', '.join(NAMED_OBSERVABLES)}), a callable "
                             f"or a list of them, got {type(obs).__name__}")


def _checked(values, name: str, num: int, dtype):
    import torch

    if not isinstance(values, torch.Tensor):
        raise SpinscopeTypeError(f"observable {name} must return a torch tensor, got {type(values).__name__}")
    if values.ndim not in (1, 2) or values.shape[0] != num:
        raise InputError(f"observable {name} must return shape ({num},) or ({num}, d) for {num} "
                         f"samples, got {tuple(values.shape)}")
    if not bool(torch.isfinite(values.detach()).all()):
        raise InputError(f"observable {name} returned NaN or infinity")
    return values.to(dtype)


def resolve_observable(observable, model) -> Callable:
    """A function ``f(spins) -> (values (S, d), vector)`` for ``observable`` on ``model``.

    ``vector`` is False for a single observable with values of shape (S,) (the expectation is
    then a scalar), True for a list of observables or a callable returning (S, d).

    Parameters
    ----------
    observable : str, callable, or list/tuple of them
    model : TorchIsing or TorchPotts
    """
    import torch

    many = isinstance(observable, (list, tuple))
    items = list(observable) if many else [observable]
    if not items:
        raise InputError("observable list is empty; give at least one observable")
    funcs = [_one(o, model) for o in items]
    names = [o if isinstance(o, str) else getattr(o, "__name__", "callable") for o in items]
    dtype = model.couplings.dtype

    def values(spins):
        cols = [_checked(f(spins), repr(name), spins.shape[0], dtype)
                for f, name in zip(funcs, names, strict=True)]
        vector = many or cols[0].ndim == 2
        return torch.cat([v[:, None] if v.ndim == 1 else v for v in cols], dim=1), vector

    return values
