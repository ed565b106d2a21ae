"""Sweep files: parsing, complete validation, and the list of tasks with their seeds.

A sweep file (TOML) names a workflow of :data:`~spinscope.workflows.sweeps.registry.SWEEPABLE`,
its fixed options and the axes to sweep::

    workflow = "simulate"
    seed = 1            # the sweep seed; task seeds are spawned from it
    seeds = 4           # independent repetitions of every grid point
    [options]           # fixed options: the workflow's CLI option names, '-' written as '_'
    model = "ising"
    L = 16
    [axes]              # lists, or "start:stop:count" strings, of options to sweep
    T = [2.0, 2.2, 2.4, 2.6]

Tasks are the Cartesian product of the axes (in the order the file lists them, the last axis
varying fastest) times the repetitions: task ``i = point * seeds + repeat``. Task ``i``'s seed
is ``spawn_seeds(seed, n_tasks)[i]`` (``SeedSequence(seed).spawn(n)[i]``, which equals
``SeedSequence(seed, spawn_key=(i,))`` for every ``n``) turned into an int by
:func:`task_seed`; it depends on ``i`` and the sweep seed only, never on workers, order or
retries.
"""

from __future__ import annotations

import itertools
import math
import numbers
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._validation import parse_number_list, resolve_seed
from spinscope.errors import InputError
from spinscope.workflows.sweeps.registry import SWEEPABLE, Option

__all__ = ["MAX_TASKS", "SweepSpec", "Task", "load_spec", "task_seed"]

MAX_TASKS = 1_000_000
_KEYS = ("workflow", "seed", "seeds", "options", "axes")


@dataclass(frozen=True)
class Task:
    """One task: grid point ``point``, repetition ``repeat``, its swept ``params``, the complete
    ``options`` of the workflow and its ``seed``."""

    index: int
    point: int
    repeat: int
    params: dict
    options: dict
    seed: int


def task_seed(sweep_seed: int, index: int, n_tasks: int) -> int:
    """The int seed of task ``index``: the first 64-bit word of ``SeedSequence(sweep_seed).spawn(n_tasks)[index]``'s
    state, shifted right by one bit (a non-negative int below ``2**63``, as :func:`resolve_seed` gives)."""
    child = np.random.SeedSequence(sweep_seed, spawn_key=(index,))  # == .spawn(n_tasks)[index]
    if not 0 <= index < n_tasks:
        raise IndexError(index)
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: ``workflow``, the sweep ``seed``, ``seeds`` repetitions, the fixed
    ``options`` (converted, defaults not filled in) and the ``axes`` (name -> list of values)."""

    workflow: str
    seed: int
    seeds: int
    options: dict
    axes: dict

    @property
    def n_points(self) -> int:
        return math.prod(len(v) for v in self.axes.values())

    @property
    def n_tasks(self) -> int:
        return self.n_points * self.seeds

    def to_dict(self) -> dict:
        """The spec as a JSON-ready dict (what ``config.json`` stores; :func:`load_spec` reads it back)."""
        return {"workflow": self.workflow, "seed": self.seed, "seeds": self.seeds,
                "options": dict(self.options), "axes": {k: list(v) for k, v in self.axes.items()}}

    def tasks(self) -> list[Task]:
        """Every task, in index order."""
        wf = SWEEPABLE[self.workflow]
        defaults = {k: _convert(o.default, o, k, "default") if o.default is not None else None
                    for k, o in wf.options.items()}
        names = list(self.axes)
        out = []
        for p, values in enumerate(itertools.product(*self.axes.values())):
            params = dict(zip(names, values))
            swept = {k: [v] if wf.options[k].kind == "numbers" else v for k, v in params.items()}
            opts = {**defaults, **self.options, **swept}
            for r in range(self.seeds):
                i = p * self.seeds + r
                out.append(Task(i, p, r, params, opts, task_seed(self.seed, i, self.n_tasks)))
        return out


def load_spec(spec: str | os.PathLike | Mapping | SweepSpec, *, seed: int | None = None) -> SweepSpec:
    """Read and check a sweep: a TOML file, a dict of the same shape, or a :class:`SweepSpec`.

    Every problem (unknown workflow, key or option, a value of the wrong type or outside its
    range, an empty axis, an option both fixed and swept, a required option missing) raises
    :class:`~spinscope.errors.InputError` naming the file and the option. ``seed`` is used when
    the spec has none (then fresh entropy, recorded).
    """
    if isinstance(spec, SweepSpec):
        return spec
    where = "sweep spec"
    if not isinstance(spec, Mapping):
        where = f"sweep file {spec}"
        spec = _read_toml(Path(spec), where)
    unknown = sorted(set(spec) - set(_KEYS))
    if unknown:
        raise InputError(f"{where}: unknown key(s) {unknown}; a sweep file has {list(_KEYS)}")
    name = spec.get("workflow")
    if name not in SWEEPABLE:
        raise InputError(f"{where}: workflow {name!r} cannot be swept; choose one of {sorted(SWEEPABLE)}")
    wf = SWEEPABLE[name]
    options = _section(spec, "options", where)
    axes = _section(spec, "axes", where)
    both = sorted(set(options) & set(axes))
    if both:
        raise InputError(f"{where}: {both} given both in [options] and in [axes]; keep one")
    conv = {k: _convert(v, _option(wf, k, where), k, where) for k, v in options.items()}
    ax = {k: _axis(v, _option(wf, k, where), k, where) for k, v in axes.items()}
    missing = [k for k in wf.required if k not in conv and k not in ax]
    if missing:
        raise InputError(f"{where}: workflow {name!r} needs option(s) {missing} in [options] or [axes]")
    seeds = spec.get("seeds", 1)
    if isinstance(seeds, bool) or not isinstance(seeds, numbers.Integral) or seeds < 1:
        raise InputError(f"{where}: seeds must be a whole number >= 1 (repetitions per grid point), got {seeds!r}")
    if spec.get("seed") is not None and seed is not None and spec["seed"] != seed:
        raise InputError(f"{where} sets seed = {spec['seed']!r} but seed {seed} was also given "
                         "(--seed); remove one of them")
    s = resolve_seed(spec["seed"] if spec.get("seed") is not None else seed, name=f"{where}: seed")
    out = SweepSpec(name, s, int(seeds), conv, ax)
    if out.n_tasks > MAX_TASKS:
        raise InputError(f"{where}: {out.n_tasks} tasks; at most {MAX_TASKS} are allowed: split the sweep")
    return out


def _read_toml(path: Path, where: str) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{where} does not exist; give the path of a TOML sweep file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{where} cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where} is not valid TOML ({exc})") from None


def _section(spec: Mapping, key: str, where: str) -> dict:
    sec = spec.get(key, {})
    if not isinstance(sec, Mapping):
        raise InputError(f"{where}: [{key}] must be a table of option = value lines")
    return dict(sec)


def _option(wf, name: str, where: str) -> Option:
    if name not in wf.options:
        raise InputError(f"{where}: {wf.name} has no option {name!r}; its options are "
                         f"{sorted(wf.options)} (the CLI names of 'spinscope {wf.name}', '-' written as '_')")
    return wf.options[name]


def _axis(values: Any, opt: Option, name: str, where: str) -> list:
    if isinstance(values, str) and values.count(":") == 2:
        values = _range(values, name, where)
    if not isinstance(values, list):
        raise InputError(f"{where}: axis {name} must be a list of values or a 'start:stop:count' "
                         f"string, got {values!r}")
    if not values:
        raise InputError(f"{where}: axis {name} is empty; give at least one value")
    conv = [_convert(v, opt, name, where, axis=True) for v in values]
    return [v[0] for v in conv] if opt.kind == "numbers" else conv  # one number per grid point


def _range(text: str, name: str, where: str) -> list:
    try:
        a, b, n = text.split(":")
        start, stop, count = float(a), float(b), int(n)
    except ValueError:
        raise InputError(f"{where}: axis {name} {text!r} is not a range start:stop:count "
                         "(e.g. '2.0:2.6:4')") from None
    if count < 1 or count > MAX_TASKS:
        raise InputError(f"{where}: axis {name} {text!r}: the count must be between 1 and {MAX_TASKS}")
    return np.linspace(start, stop, count).tolist()


def _convert(value: Any, opt: Option, name: str, where: str, *, axis: bool = False) -> Any:
    """``value`` as the option's kind (TOML gives int, float, str, bool, list); InputError if not."""
    bad = f"{where}: option {name} must be {_describe(opt)}, got {value!r}"
    if opt.kind == "bool":
        if not isinstance(value, bool):
            raise InputError(bad)
        return value
    if opt.kind == "str":
        if not isinstance(value, str):
            raise InputError(bad)
        if opt.choices is not None and value not in opt.choices:
            raise InputError(f"{where}: option {name} must be one of {list(opt.choices)}, got {value!r}")
        return value
    if opt.kind == "numbers":
        return _numbers(value, name, where, bad, axis)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InputError(bad)
    if opt.kind == "float":
        return float(value)
    if float(value) != math.floor(value):
        raise InputError(bad)
    value = int(value)
    if (opt.minimum is not None and value < opt.minimum) or (opt.maximum is not None and value > opt.maximum):
        raise InputError(bad)
    return value


def _numbers(value: Any, name: str, where: str, bad: str, axis: bool) -> list[float]:
    if isinstance(value, str) and not axis:
        return parse_number_list(value, f"{where}: option {name}").tolist()
    items = [value] if axis or not isinstance(value, list) else value
    if not items or any(isinstance(v, bool) or not isinstance(v, numbers.Real) for v in items):
        raise InputError(bad)
    try:
        return parse_number_list(",".join(repr(float(v)) for v in items), f"{where}: option {name}").tolist()
    except InputError as exc:
        raise InputError(f"{bad} ({exc})") from None


def _describe(opt: Option) -> str:
    if opt.kind == "int":
        lo = "" if opt.minimum is None else f" >= {opt.minimum}"
        hi = "" if opt.maximum is None else f" <= {opt.maximum}"
        return f"a whole number{lo}{' and' if lo and hi else ''}{hi}"
    return {"float": "a number", "str": "a string", "bool": "true or false",
            "numbers": "a number, a list of numbers or a string like '2.0,2.2' or '2.0:2.6:4'"}[opt.kind]
