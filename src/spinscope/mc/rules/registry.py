"""The registry of Monte Carlo update rules.

An **update rule** (``"metropolis"``, ``"wolff"``, ...) is a name, a one-line summary and a set
of **implementations**. An implementation is one way of running the rule: for some model kinds
(``model.kind``), on one backend (``"numba"`` or ``"torch"``), as three plain functions::

    plan            = impl.prepare(model, sampler)              # arrays the kernel needs, built once
    changes         = impl.sweep(plan, work, betas, keys, counters, sweeps, sampler)   # in place
    energy, magnet  = impl.measure(plan, work)                  # totals (R,); m float or complex

plus an optional structural requirement ``impl.requires(model) -> reason | None`` (for example
"needs ferromagnetic couplings and zero fields") and the shape of its chain state (chains per RNG
key; whether chains live in torch tensors; how spins are packed while running).

:class:`~spinscope.mc.MonteCarlo` looks the implementation up with :meth:`RuleRegistry.resolve`
(rule name, model, backend); every error message ("wolff needs ferromagnetic couplings and zero
fields; use metropolis or heatbath") and the CLI's ``--algorithm`` choices come from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope.errors import InputError
from spinscope.models.registry import model_kind

__all__ = ["BACKENDS", "Implementation", "RuleRegistry", "UpdateRule", "copy_spins"]

BACKENDS = ("numba", "torch")


def _no_requirement(model: Any) -> str | None:
    return None


def copy_spins(spins: Any) -> Any:
    """A copy of numpy or torch spins (the working copy a run owns)."""
    return spins.clone() if hasattr(spins, "clone") else spins.copy()


def _identity(work: Any) -> Any:
    return work


@dataclass(frozen=True)
class Implementation:
    """One way of running an update rule: for ``kinds`` of models, on ``backend``.

    Attributes
    ----------
    rule : str
        The rule's name (several implementations share it).
    backend : {"numba", "torch"}
        The backend a user selects to get this implementation.
    kinds : tuple of str
        Model kinds (``model.kind``) it samples.
    prepare : callable ``(model, sampler) -> plan``
        Builds the immutable arrays the kernel needs.
    sweep : callable ``(plan, work, betas, keys, counters, sweeps, sampler) -> ndarray``
        Advances the working chain state ``work`` by ``sweeps`` sweeps in place (``counters`` too)
        and returns the number of spin changes per chain, float64 ``(R,)``.
    measure : callable ``(plan, work) -> (energy, magnetization)``
        Total energy ``H`` (float64 ``(R,)``) and magnetisation per spin (float64, or complex for
        the ``q``-state and planar order parameters) of every chain.
    summary : str
        One line for listings (``spinscope simulate --help``, docs).
    requires : callable ``(model) -> str or None``
        Why this model cannot be sampled (a phrase completing "algorithm 'x' ..."), or ``None``.
    chains_per_key : int
        Chains sharing one RNG key and counter (64 for the bit-packed kernel); replicas must be a
        multiple of it.
    torch : bool
        Chains live in torch tensors on ``sampler.device``.
    enter, leave : callable
        Convert (a copy of) the chain state's spins to the working form the kernel advances, and
        back (default: the identity; the bit-packed kernel packs 64 replicas per word); ``view``
        gives numpy ``(R, n)`` spins of the working form for measurement callbacks.
    measured : callable or None
        ``(plan, work, betas, keys, counters, sweeps, sampler, every, structure, overlaps=None)
        -> (changes, energy (M, R), magnetization (M, R), extra dict of (M, R) arrays)`` or
        ``None``: sweeps that measure after every ``every``-th sweep inside the kernel (no extra
        pass over the spins), exactly as ``measure`` would; ``structure`` asks for the structure
        factors ``sf0``, ``sfk`` of a lattice (see :func:`spinscope.mc.sampler.structure_factors`);
        ``overlaps`` (a :class:`~spinscope.mc.overlaps.PairOverlaps` or None) for its ``q``,
        ``q_link`` in ``extra`` (``(M, T, P)``), or ``None`` returned where not counted.
        It may return ``None`` for a plan it does not cover; the sampler then sweeps and
        measures separately.
    """

    rule: str
    backend: str
    kinds: tuple[str, ...]
    prepare: Callable[[Any, Any], Any]
    sweep: Callable[..., np.ndarray]
    measure: Callable[[Any, Any], tuple[np.ndarray, np.ndarray]]
    summary: str = ""
    requires: Callable[[Any], str | None] = _no_requirement
    chains_per_key: int = 1
    torch: bool = False
    enter: Callable[[Any], Any] = _identity
    leave: Callable[[Any], Any] = _identity
    view: Callable[[Any], np.ndarray] = _identity
    measured: Callable[..., Any] | None = None

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise InputError(f"backend must be one of {BACKENDS}, got {self.backend!r}")


@dataclass(frozen=True)
class UpdateRule:
    """A named update rule and its implementations."""

    name: str
    summary: str
    implementations: tuple[Implementation, ...] = field(default=())

    @property
    def backends(self) -> tuple[str, ...]:
        """Backends with at least one implementation, in :data:`BACKENDS` order."""
        have = {i.backend for i in self.implementations}
        return tuple(b for b in BACKENDS if b in have)

    def kinds(self, backend: str | None = None) -> tuple[str, ...]:
        """Model kinds supported (on ``backend``, or on any backend)."""
        out: list[str] = []
        for impl in self.implementations:
            if backend is None or impl.backend == backend:
                out += [k for k in impl.kinds if k not in out]
        return tuple(out)

    def support_text(self) -> str:
        """``"ising, potts, clock (numba, torch); xy (numba)"``: what runs where."""
        groups: dict[tuple[str, ...], list[str]] = {}
        for kind in self.kinds():
            bk = tuple(b for b in self.backends if kind in self.kinds(b))
            groups.setdefault(bk, []).append(kind)
        return "; ".join(f"{', '.join(ks)} ({', '.join(bk)})" for bk, ks in groups.items())


class RuleRegistry(Mapping):
    """Name -> :class:`UpdateRule`; read-only mapping plus :meth:`register` and :meth:`resolve`."""

    def __init__(self, implementations: Iterable[Implementation] = ()) -> None:
        self._rules: dict[str, UpdateRule] = {}
        for impl in implementations:
            self.register(impl)

    def __getitem__(self, name: str) -> UpdateRule:
        return self._rules[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def register(self, impl: Implementation) -> None:
        """Add an implementation (creating its rule on first use; the first summary names it)."""
        old = self._rules.get(impl.rule)
        if old is None:
            self._rules[impl.rule] = UpdateRule(impl.rule, impl.summary, (impl,))
            return
        for other in old.implementations:
            if other.backend == impl.backend and set(other.kinds) & set(impl.kinds):
                raise InputError(f"rule {impl.rule!r} already has a {impl.backend} implementation for "
                                 f"{sorted(set(other.kinds) & set(impl.kinds))}")
        self._rules[impl.rule] = UpdateRule(old.name, old.summary or impl.summary,
                                            (*old.implementations, impl))

    def check(self, name: str, backend: str) -> UpdateRule:
        """The rule ``name``, after checking that it exists and runs on ``backend``."""
        if name not in self._rules:
            raise InputError(f"algorithm must be one of {', '.join(self._rules)}; got {name!r}")
        if backend not in BACKENDS:
            raise InputError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
        rule = self._rules[name]
        if backend not in rule.backends:
            only = " or ".join(f"backend={b!r}" for b in rule.backends)
            raise InputError(f"algorithm {name!r} is only available with {only}")
        return rule

    def resolve(self, name: str, model: Any, backend: str) -> Implementation:
        """The implementation of rule ``name`` for ``model`` on ``backend``.

        Raises
        ------
        TypeError
            ``model`` is not a registered spin model.
        ValueError
            Unknown rule or backend, a model kind the rule does not support there, or a model
            that misses the rule's structural requirement (the message says what to use instead).
        """
        rule = self.check(name, backend)
        kind = model_kind(model, what="Monte Carlo")
        impl = next((i for i in rule.implementations if i.backend == backend and kind in i.kinds), None)
        if impl is None:
            raise InputError(f"algorithm {name!r} supports {rule.support_text()}, not {kind} models"
                             f"{self._instead(kind, backend, exclude=name)}")
        reason = impl.requires(model)
        if reason:
            raise InputError(f"algorithm {name!r} {reason}{self._instead(kind, backend, exclude=name)}")
        return impl

    def _instead(self, kind: str, backend: str, *, exclude: str) -> str:
        ok = [r.name for r in self._rules.values() if r.name != exclude and kind in r.kinds(backend)
              and all(i.requires is _no_requirement for i in r.implementations if kind in i.kinds)]
        return f"; use {' or '.join(ok[:2])}" if ok else ""

    def table(self) -> list[dict]:
        """One row per rule: name, summary, backends, model kinds (for docs and ``--help``)."""
        return [{"name": r.name, "summary": r.summary, "backends": list(r.backends),
                 "kinds": list(r.kinds()), "support": r.support_text()} for r in self._rules.values()]
