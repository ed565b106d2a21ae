"""Exhaustive landscapes at every level of a multi-level encoding, over random instances (``n <= 20``).

For each instance (:func:`~spinscope.optimize.encoded_instances.random_instance`) the original
landscape and the landscapes of levels ``1 .. R`` of :func:`~spinscope.optimize.multilevel.partition_levels`
/ :func:`~spinscope.optimize.multilevel.ising_levels` are analysed with
:func:`~spinscope.optimize.landscape.analyze_landscape` (same tie tolerance at every level), and
the per-level means are returned. Level 0 is the original landscape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from spinscope._validation import SeedLike, check_int, spawn_seeds
from spinscope.errors import InputError
from spinscope.optimize.encoded_instances import LANDSCAPE_KINDS, random_instance
from spinscope.optimize.landscape import analyze_landscape
from spinscope.optimize.multilevel import MultilevelEncoding, ising_levels, partition_levels
from spinscope.optimize.partition import check_exhaustive_size

__all__ = ["LEVEL_KEYS", "instance_levels", "level_study"]

#: Per-level statistics of :func:`level_study` (means over instances).
LEVEL_KEYS = ("n_minima", "minima_fraction", "steepest_success", "random_success", "largest_basin_fraction")


def instance_levels(instance: Any, *, levels: int, rule: str = "half") -> MultilevelEncoding:
    """The multi-level encoding of one instance: numbers (partition) or a :class:`Problem`."""
    if isinstance(instance, np.ndarray):
        return partition_levels(instance, levels=levels)
    return ising_levels(instance, levels=levels, rule=rule)


def _one(instance, levels: int, rule: str) -> tuple[list[dict], list[int]]:
    ml = instance_levels(instance, levels=levels, rule=rule)
    tables = ml.tables()
    base = analyze_landscape(tables[0][0], barriers=False)
    rows = [base.summary()]
    for t, _ in tables[1:]:
        rows.append(analyze_landscape(t, tol=base.tol, barriers=False).summary())
    return rows, ml.sizes()


def level_study(kind: str, n: int, *, instances: int, levels: int, seed: SeedLike = None, rule: str = "half",
                degree: float = 3.0, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Minima and walk success of the original and of every encoded level, over random instances.

    Parameters
    ----------
    kind : {"partition", "ising", "maxcut"}
        Instance family (:mod:`~spinscope.optimize.encoded_instances`).
    n : int
        Spins per instance, ``2 <= n <= 20``.
    instances : int
        How many instances (>= 1); instance ``i`` uses the ``i``-th child seed of ``seed``.
    levels : int
        Encoding levels ``R`` (``1 <= R <= ceil(log2 n)``).
    seed : int, Generator or None
    rule : {"half", "independent"}
        Fine-set rule of Ising / Max-Cut levels (:func:`~spinscope.optimize.multilevel.ising_levels`).
    degree : float
        Mean degree of the Max-Cut graphs.
    progress : callable or None
        Called as ``progress(done, instances)`` after each instance.

    Returns
    -------
    dict
        ``kind``, ``n``, ``instances``, ``levels``, ``rule``, ``sizes`` (encoded spins per level, of
        the first instance), and ``per_level``: one dict per level ``0 .. R`` with ``level``, the means
        of :data:`LEVEL_KEYS`, ``same_optimum`` (every instance's level minimum equals its global
        minimum), ``fewer_minima_than_previous`` and ``higher_random_success_than_previous``
        (fractions of instances, strict; None at level 0).
    """
    if kind not in LANDSCAPE_KINDS:
        raise InputError(f"unknown kind {kind!r}; choose one of {', '.join(LANDSCAPE_KINDS)}")
    n = check_int(n, "n", minimum=2)
    check_exhaustive_size(n, "the exhaustive landscape study")
    instances = check_int(instances, "instances", minimum=1)
    rows, sizes = [], None
    for done, child in enumerate(spawn_seeds(seed, instances), start=1):
        per_level, sz = _one(random_instance(kind, n, seed=child, degree=degree), levels, rule)
        rows.append(per_level)
        sizes = sizes or sz
        if progress is not None:
            progress(done, instances)
    return {"kind": kind, "n": n, "instances": instances, "levels": len(rows[0]) - 1, "rule": rule,
            "sizes": sizes, "per_level": [_level_summary(rows, r) for r in range(len(rows[0]))]}


def _level_summary(rows: list[list[dict]], r: int) -> dict[str, Any]:
    cur = [inst[r] for inst in rows]
    out: dict[str, Any] = {"level": r, **{k: float(np.mean([c[k] for c in cur])) for k in LEVEL_KEYS}}
    out["same_optimum"] = bool(all(abs(inst[r]["global_energy"] - inst[0]["global_energy"])
                                   <= 1e-12 * max(1.0, abs(inst[0]["global_energy"])) for inst in rows))
    if r == 0:
        out["fewer_minima_than_previous"] = out["higher_random_success_than_previous"] = None
    else:
        out["fewer_minima_than_previous"] = float(np.mean([i[r]["n_minima"] < i[r - 1]["n_minima"] for i in rows]))
        out["higher_random_success_than_previous"] = float(np.mean(
            [i[r]["random_success"] > i[r - 1]["random_success"] for i in rows]))
    return out
