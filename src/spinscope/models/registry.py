"""The registry of model kinds: the one place where a model object is mapped to its kind.

Every model class declares ``kind`` (a class attribute); the registry maps kinds to classes so
that the model file format, the Monte Carlo rules and the exact enumerators dispatch on
``model_kind(model)`` instead of on ``isinstance`` chains. A new model is one module in
:mod:`spinscope.models` plus one entry in :data:`MODEL_KINDS` (or a call to
:func:`register_model` from outside the package).
"""

from __future__ import annotations

from typing import Any

from spinscope.errors import InputError, SpinscopeTypeError
from spinscope.models.cpm import CellularPottsModel
from spinscope.models.ising import IsingModel
from spinscope.models.potts import ClockModel, PottsModel
from spinscope.models.xy import XYModel

__all__ = ["MODEL_KINDS", "is_model", "model_class", "model_kind", "register_model"]

MODEL_KINDS: dict[str, type] = {cls.kind: cls for cls in (IsingModel, PottsModel, ClockModel, XYModel,
                                                           CellularPottsModel)}


def register_model(cls: type) -> type:
    """Add a model class (it must set a new ``kind``); usable as a class decorator."""
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, str) or not kind:
        raise SpinscopeTypeError(f"{cls.__name__} must set a class attribute kind = '<name>'")
    if kind in MODEL_KINDS and MODEL_KINDS[kind] is not cls:
        raise InputError(f"model kind {kind!r} is already registered by {MODEL_KINDS[kind].__name__}")
    MODEL_KINDS[kind] = cls
    return cls


def model_kind(model: Any, *, allowed: tuple[str, ...] | None = None, what: str = "this function") -> str:
    """The registered kind of ``model``; ``TypeError`` for anything else.

    Parameters
    ----------
    model : object
    allowed : tuple of str, optional
        Kinds accepted by the caller; another kind raises ``TypeError`` naming them.
    what : str
        Who asks (used in the messages).
    """
    kind = getattr(type(model), "kind", None)
    cls = MODEL_KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None or not isinstance(model, cls):
        names = ", ".join(c.__name__ for c in MODEL_KINDS.values())
        raise SpinscopeTypeError(f"{what} needs a spin model ({names}), got {type(model).__name__}")
    if allowed is not None and kind not in allowed:
        raise SpinscopeTypeError(f"{what} supports {', '.join(allowed)} models, not {kind} models "
                                 f"({type(model).__name__})")
    return kind


def is_model(obj: Any, *kinds: str) -> bool:
    """Whether ``obj`` is a registered spin model (of one of ``kinds``, if any are given)."""
    kind = getattr(type(obj), "kind", None)
    cls = MODEL_KINDS.get(kind) if isinstance(kind, str) else None
    return cls is not None and isinstance(obj, cls) and (not kinds or kind in kinds)


def model_class(kind: str) -> type:
    """The class registered for ``kind`` (``ValueError`` naming the known kinds otherwise)."""
    if kind not in MODEL_KINDS:
        raise InputError(f"unknown model kind {kind!r}; known kinds: {', '.join(MODEL_KINDS)}")
    return MODEL_KINDS[kind]
