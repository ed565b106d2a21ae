"""Variable sets as bit masks (Python ints, any ``n``) and their validation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from spinscope.errors import InputError

__all__ = ["mask_of", "mask_to_words", "masks_to_words", "normalize_partition", "variables_of"]


def mask_of(variables: Iterable[int]) -> int:
    """Bit mask (Python int) of a set of variable indices (0-based)."""
    m = 0
    for v in variables:
        m |= 1 << int(v)
    return m


def variables_of(mask: int) -> tuple[int, ...]:
    """Sorted variable indices of a bit mask."""
    out = []
    i = 0
    while mask:
        if mask & 1:
            out.append(i)
        mask >>= 1
        i += 1
    return tuple(out)


def mask_to_words(mask: int, W: int) -> np.ndarray:
    """A Python-int mask as ``(W,)`` uint64 words (variable i = bit i % 64 of word i // 64)."""
    return np.array([(mask >> (64 * w)) & 0xFFFFFFFFFFFFFFFF for w in range(W)], dtype=np.uint64)


def masks_to_words(masks: Sequence[int], W: int) -> np.ndarray:
    """Masks as a ``(K, W)`` uint64 array."""
    out = np.zeros((len(masks), W), dtype=np.uint64)
    for k, m in enumerate(masks):
        out[k] = mask_to_words(m, W)
    return out


def normalize_partition(partition: Any, n: int) -> list[int]:
    """Validate a partition of ``range(n)`` given as lists of variable indices (or int masks).

    Returns the component masks sorted by their lowest variable. Every variable must appear in
    exactly one non-empty component.
    """
    try:
        comps = list(partition)
    except TypeError:
        raise InputError(f"partition must be a list of lists of variable indices, got {partition!r}") from None
    masks = []
    seen = 0
    for k, comp in enumerate(comps):
        if isinstance(comp, (int, np.integer)):
            m = int(comp)
            if m <= 0 or m >> n:
                raise InputError(f"partition[{k}] = {comp} is not a non-empty mask of {n} variables")
        else:
            idx = [int(v) for v in comp]
            if not idx:
                raise InputError(f"partition[{k}] is empty; every component needs >= 1 variable")
            bad = [v for v in idx if not 0 <= v < n]
            if bad:
                raise InputError(f"partition[{k}] holds variable {bad[0]}, outside 0..{n - 1} (0-based)")
            m = mask_of(idx)
        if m & seen:
            dup = variables_of(m & seen)[0]
            raise InputError(f"variable {dup} appears in two components of the partition")
        seen |= m
        masks.append(m)
    if seen != (1 << n) - 1:
        missing = variables_of(((1 << n) - 1) & ~seen)[0]
        raise InputError(f"variable {missing} is in no component; a partition must cover all {n} variables")
    return sorted(masks, key=lambda m: (m & -m))
