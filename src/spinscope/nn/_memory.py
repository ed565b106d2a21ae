"""Memory estimates of the network analysis, checked before anything large is allocated (internal).

:func:`analysis_memory` estimates, from the layer widths alone, the peak memory of
:func:`spinscope.nn.analyze_network` on a fully connected network: the float64 weights, building
the sparse coupling matrix ``J`` (:meth:`spinscope.models.IsingModel.from_layers`; its transient
peak was measured at 7 times the weights, so 8 is used), the stability curve (``J``, the
dense blocks of ``J`` and ``J∘J`` in :class:`~spinscope.meanfield._couplings.Couplings`, a
Lanczos basis), the spectrum (the dense even-odd block of ``J``, its copy inside the SVD, the
singular vectors and LAPACK's workspace) and the TAP solver (a dozen ``starts × n`` arrays).
Measured against the peak resident memory of 3000-3000 and 1500-3000-1500-10 networks, the
estimate is 5-10% above it. :func:`check_analysis_memory` refuses, with the numbers, an
analysis that needs more than 80% of the available memory (as
:func:`spinscope._validation.check_memory` does).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import spinscope._validation as _v
from spinscope.errors import InputError, MemoryLimitError

__all__ = ["analysis_memory", "check_analysis_memory"]

_F = 8  # bytes of a float64
_BUILD = 8 * _F  # transient bytes per weight while the sparse J is built and checked (measured 7 x 8)
_J = 3 * _F  # bytes per weight of the sparse J that remains (data + indices, both triangles)
_STAGES = ("start", "weights", "model")


def analysis_memory(sizes: Sequence[int], *, spectrum: bool = True, tap: bool = True, tap_starts: int = 64,
                    n_vectors: int = 10, stage: str = "start") -> dict[str, float]:
    """Estimated bytes of each part of the analysis of a network of widths ``sizes``.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``N_0..N_L``.
    spectrum, tap : bool
        Whether the spectrum / the TAP solutions are computed.
    tap_starts, n_vectors : int
        TAP random starts; leading eigenvectors kept.
    stage : {"start", "weights", "model"}
        What exists already: nothing, the weights (read from a file), or the spin model too.

    Returns
    -------
    dict
        Bytes of ``weights``, ``coupling matrix`` (the transient peak of building it),
        ``stability``, ``spectrum``, ``tap`` (0 when not computed or already made) and ``total``,
        the estimated peak still to come: the parts are made one after the other, holding the
        weights and the sparse ``J`` meanwhile.
    """
    if stage not in _STAGES:
        raise InputError(f"stage must be one of {_STAGES}, got {stage!r}")
    sizes = [int(s) for s in sizes]
    w = float(sum(a * b for a, b in itertools.pairwise(sizes)))
    n = float(sum(sizes))
    even, odd = float(sum(sizes[0::2])), float(sum(sizes[1::2]))
    k = min(even, odd)
    blocks = 2 * _F * w  # the dense blocks of J and J∘J (Couplings)
    parts = {"weights": _F * w if stage == "start" else 0.0,
             "coupling matrix": _BUILD * w if stage != "model" else 0.0,
             "stability": blocks + _F * n * 2 * 60,
             "spectrum": _F * (2 * even * odd + k * (even + odd) + 4 * k * k + n * n_vectors) if spectrum else 0.0,
             "tap": blocks + _F * n * 12 * tap_starts if tap else 0.0}
    after = (_J * w if stage != "model" else 0.0) + max(parts["stability"], parts["spectrum"], parts["tap"])
    parts["total"] = parts["weights"] + max(parts["coupling matrix"], after)
    return parts


def check_analysis_memory(sizes: Sequence[int], *, spectrum: bool = True, tap: bool = True,
                          tap_starts: int = 64, n_vectors: int = 10, stage: str = "start",
                          label: str | None = None) -> dict[str, float]:
    """Refuse (:class:`~spinscope.errors.MemoryLimitError`) an analysis that would not fit in memory.

    Nothing is allocated: the estimate of :func:`analysis_memory` is compared with 80% of
    :func:`spinscope._validation.available_memory_bytes` (as
    :func:`spinscope._validation.check_memory` does). The message gives the total, the parts, the
    memory available and what to do (smaller widths; ``--no-spectrum`` when that alone fits).

    Parameters
    ----------
    sizes : sequence of int
        Layer widths.
    spectrum, tap, tap_starts, n_vectors, stage
        As in :func:`analysis_memory`.
    label : str, optional
        How the message names the network (default ``"a 784-256-10 network"``).

    Returns
    -------
    dict
        The estimate (:func:`analysis_memory`).
    """
    kw = {"tap": tap, "tap_starts": tap_starts, "n_vectors": n_vectors, "stage": stage}
    parts = analysis_memory(sizes, spectrum=spectrum, **kw)
    avail = _v.available_memory_bytes()
    if parts["total"] <= 0.8 * avail:
        return parts
    fmt = _v.format_bytes
    label = label or f"a {'-'.join(map(str, sizes))} network"
    shown = ", ".join(f"{name} {fmt(b)}" for name, b in parts.items() if name != "total" and b)
    todo = "analyse a smaller network or free memory"
    without = analysis_memory(sizes, spectrum=False, **kw)["total"]
    if spectrum and without <= 0.8 * avail:
        todo = f"without the spectrum it needs {fmt(without)}: skip it with --no-spectrum (spectrum=False in Python)"
    raise MemoryLimitError(
        f"analysing {label} ({int(sum(sizes)):,} spins) needs about {fmt(parts['total'])} of memory "
        f"({shown}) but only {fmt(avail)} is available; {todo}"
    )
