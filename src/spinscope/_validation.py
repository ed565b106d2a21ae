"""Shared input validation and random-number helpers.

Checks happen once, where user input enters (constructors, loaders, CLI); inner kernels trust
their inputs. Every message names the argument, the bad value and what would be right.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from spinscope.errors import InputError, MemoryLimitError, SpinscopeTypeError

SeedLike = int | np.random.Generator | np.random.SeedSequence | None

__all__ = [
    "MAX_LIST_VALUES",
    "MIN_INVERTIBLE",
    "SeedLike",
    "available_memory_bytes",
    "check_device",
    "check_finite",
    "check_int",
    "check_memory",
    "check_positive",
    "check_temperatures",
    "format_bytes",
    "make_rng",
    "parse_fractions",
    "parse_int_list",
    "parse_number_list",
    "resolve_seed",
    "spawn_seeds",
]


def make_rng(seed: SeedLike = None) -> np.random.Generator:
    """Return a numpy ``Generator`` from an int, a ``SeedSequence``, a ``Generator`` or None.

    A ``Generator`` is returned unchanged (so callers share its stream); ``None`` draws fresh
    entropy. Never touches numpy's global state.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise SpinscopeTypeError(
            f"seed must be an int, a numpy Generator, a SeedSequence or None, got {type(seed).__name__}"
        )
    if int(seed) < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed}")
    return np.random.default_rng(int(seed))


def spawn_seeds(seed: SeedLike, n: int) -> list[np.random.SeedSequence]:
    """Derive ``n`` independent ``SeedSequence`` children from one seed (for threads/replicas)."""
    if isinstance(seed, np.random.SeedSequence):
        ss = seed
    elif isinstance(seed, np.random.Generator):
        ss = np.random.SeedSequence(seed.integers(0, 2**63 - 1))
    else:
        make_rng(seed)  # validates
        ss = np.random.SeedSequence(seed)
    return ss.spawn(n)


def resolve_seed(seed: Any = None, name: str = "seed") -> int:
    """The integer seed a run records: ``seed`` itself (validated), or fresh entropy if ``None``.

    The one place where spinscope mints a seed. The result is a non-negative int below ``2**63``
    (fits every JSON reader and numpy's ``SeedSequence``), so any output that records it can be
    reproduced by passing it back.
    """
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise SpinscopeTypeError(f"{name} must be a non-negative integer (it is recorded with the "
                                 f"results), got {type(seed).__name__} {seed!r}")
    if int(seed) < 0:
        raise InputError(f"{name} must be a non-negative integer, got {seed}")
    return int(seed)


def check_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int, refusing floats with a fractional part, bools, strings."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise InputError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InputError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as a float, requiring it finite and strictly positive."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a positive number, got {value!r}") from None
    if not np.isfinite(v) or v <= 0:
        raise InputError(f"{name} must be a finite positive number, got {value!r}")
    return v


# The smallest positive value whose inverse is a finite float64 (``1 / 5.57e-309`` is the largest
# float): smaller temperatures would make ``beta = 1/T`` infinite, and ``inf * 0`` is NaN.
MIN_INVERTIBLE = 1.0 / np.finfo(np.float64).max
# At most this many values in a ``--T``/``--betas`` list: far beyond any useful scan, and it keeps
# ``1:2:1000000000`` from allocating before anything else is checked.
MAX_LIST_VALUES = 100_000


def check_temperatures(temperatures: Any, name: str = "temperatures") -> np.ndarray:
    """Return a 1-D float array of strictly positive, finite temperatures.

    Each value must also have a finite inverse (``T >= 5.6e-309``), so that ``beta = 1/T`` is a
    float: a smaller ``T`` would turn ``beta * 0`` into NaN inside the kernels. (Any ``T`` far
    below the smallest energy change, say ``T = 1e-3 J``, already samples as ``T = 0``: every
    ``exp(-beta dE)`` with ``dE > 0`` underflows to 0.)
    """
    t = np.atleast_1d(np.asarray(temperatures, dtype=float))
    if t.ndim != 1 or t.size == 0:
        raise InputError(f"{name} must be a non-empty 1-D list of temperatures, got shape {t.shape}")
    bad = ~np.isfinite(t) | (t <= 0)
    if bad.any():
        raise InputError(
            f"{name} must all be finite and > 0 (temperatures in units of J/k_B); "
            f"got {float(t[bad][0])!r} at position {int(np.flatnonzero(bad)[0])}"
        )
    tiny = t < MIN_INVERTIBLE
    if tiny.any():
        k = int(np.flatnonzero(tiny)[0])
        hint = "" if "beta" in name else (" (for T -> 0 give a small T such as 1e-3: far below "
                                          "the smallest energy change, it already acts as T = 0)")
        raise InputError(
            f"{name} must all be >= {MIN_INVERTIBLE:.3g} so that their inverse is a finite number; "
            f"got {float(t[k])!r} at position {k}{hint}"
        )
    return t


def check_device(device: str) -> str:
    """A torch device name that exists here (``cpu``, ``cuda``, ``cuda:1``, ``mps``), normalised;
    :class:`InputError` naming the option to change otherwise (torch is imported here, lazily)."""
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise InputError(f"unknown torch device {device!r}; use cpu, cuda, cuda:1, mps, ...") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device {device!r} is not available here (torch sees no CUDA GPU); use --device cpu")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise InputError(f"device {device!r} is not available here; use --device cpu")
    return str(dev)


def parse_int_list(text: str, name: str) -> list[int]:
    """Parse a comma-separated list of positive integers (``784,256,10``)."""
    try:
        vals = [int(x) for x in str(text).split(",") if x.strip()]
    except ValueError:
        raise InputError(f"{name} {text!r} must be a comma-separated list of integers, e.g. 64,128,10") from None
    if not vals or any(v <= 0 for v in vals):
        raise InputError(f"{name} {text!r} must list positive integers")
    return vals


def parse_fractions(text: str, name: str) -> tuple[float, ...]:
    """Parse a comma list of non-negative numbers (``0.5,0.01,0``); ``none`` gives ``()``."""
    if str(text).strip().lower() == "none":
        return ()
    try:
        vals = tuple(float(x) for x in str(text).split(",") if x.strip())
    except ValueError:
        raise InputError(f"{name} {text!r} must be a comma list of numbers like 0.5,0.01,0 (or 'none')") from None
    if not vals or not all(np.isfinite(v) and v >= 0 for v in vals):
        raise InputError(f"{name} {text!r} must list finite numbers >= 0 (fractions of T_c; 0 is T = 0)")
    return vals


def parse_number_list(text: str, name: str, *, min_count: int = 1,
                      max_count: int = MAX_LIST_VALUES,
                      check: Callable[[np.ndarray, str], np.ndarray] | None = check_temperatures,
                      what: str = "numbers", examples: tuple[str, str] = ("2.0,2.269", "2.0:2.6:7"),
                      ) -> np.ndarray:
    """Parse numbers from text: a comma list ``2.0,2.2`` or ``start:stop:count`` (inclusive,
    evenly spaced). Used for temperatures (``--T``), inverse temperatures, loads (``--alpha``).

    A list of more than ``max_count`` values (default 100000) is refused before it is built.
    ``check(values, name)`` validates the values (default: positive temperatures;
    ``None``: any numbers); ``what`` and ``examples`` (a comma list, a range) word the message.
    """
    text = str(text).strip()
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValueError
            start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
            if count < 1:
                raise InputError(f"{name} {text}: the count must be >= 1")
            _check_count(count, text, name, max_count)
            vals = np.linspace(start, stop, count)
        else:
            items = [x for x in text.split(",") if x.strip()]
            _check_count(len(items), text, name, max_count)
            vals = np.array([float(x) for x in items])
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            f"{name} {_short(text)!r} is not a range start:stop:count (like {examples[1]}) and not a "
            f"list of {what} (like {examples[0]})"
        ) from None
    if check is not None:
        vals = check(vals, name)
    if vals.size < min_count:
        raise InputError(f"{name} {_short(text)!r}: need at least {min_count} values, got {vals.size}")
    return vals


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _check_count(count: int, text: str, name: str, max_count: int) -> None:
    if count > max_count:
        raise InputError(f"{name} {_short(text)!r} asks for {count} values; at most {max_count} are "
                         f"allowed: use fewer points, or split the range over several runs")


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise if ``array`` holds NaN or infinity, naming the first bad index."""
    a = np.asarray(array)
    if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
        idx = np.argwhere(~np.isfinite(a))[0]
        raise InputError(f"{name} contains NaN or infinity at index {tuple(int(i) for i in idx)}")


def available_memory_bytes() -> int:
    """Best estimate of the memory available to this process, in bytes."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def format_bytes(n: float) -> str:
    """Human-readable byte count (``1.5 GiB``); any size, however absurd (``3.1e+09 PiB``)."""
    try:
        n = float(n)
    except OverflowError:  # a Python int beyond float range
        n = float("inf")
    if not np.isfinite(n):
        return "more than 1e308 B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024:
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} PiB" if abs(n) < 1e6 else f"{n:.2g} PiB"


def check_memory(nbytes: float | None, what: str, *, fraction: float = 0.8,
                 estimate: dict[str, float] | None = None,
                 advice: str = "use a smaller size or a sparse representation") -> None:
    """Refuse a request whose memory estimate exceeds ``fraction`` of the available memory.

    The one place where spinscope compares a memory estimate with the machine: call it where a
    request enters, *before* allocating anything, with an estimate of the peak it will need.

    Parameters
    ----------
    nbytes : float or None
        Estimated peak in bytes; ``None`` means the sum of ``estimate``.
    what : str
        The request in the user's words (``"simulate: 64 chains of 10^10 spins"``).
    fraction : float
        Share of :func:`available_memory_bytes` a request may use.
    estimate : dict of str to float, optional
        A breakdown (``{"spins": ..., "measurement series": ...}``) shown in the message.
    advice : str
        What to do instead, in the caller's vocabulary (ends the message).

    Raises
    ------
    MemoryLimitError
        Saying how much the request needs (and of what), how much memory there is, and what to do.
    """
    if nbytes is None:
        nbytes = float(sum((estimate or {}).values()))
    avail = available_memory_bytes()
    if nbytes > fraction * avail:
        parts = ""
        if estimate and len(estimate) > 1:
            parts = " (" + " + ".join(f"{k} {format_bytes(v)}" for k, v in estimate.items() if v) + ")"
        raise MemoryLimitError(
            f"{what} needs about {format_bytes(nbytes)}{parts} but only {format_bytes(avail)} of "
            f"memory is available; {advice}"
        )


def as_int_tuple(values: Sequence[Any] | Any, name: str, *, minimum: int = 1) -> tuple[int, ...]:
    """Return a tuple of ints (each >= ``minimum``) from an int or a sequence of ints."""
    if isinstance(values, numbers.Integral) and not isinstance(values, bool):
        values = (values,)
    try:
        seq = list(values)
    except TypeError:
        raise InputError(f"{name} must be an integer or a list of integers, got {values!r}") from None
    return tuple(check_int(v, f"{name}[{i}]", minimum=minimum) for i, v in enumerate(seq))
