"""Initial layouts of Cellular Potts configurations: blob, uniform tiling, explicit array.

Each returns ``(sigma, cell_types)``: cell ids on the lattice (0 = medium, cells numbered
``1..C`` in lattice order) and the type of every id (``cell_types[0] = 0``). Types are assigned
at random in the given proportions: ``round(fraction * C)`` cells of each type (the remainder to
the last type), shuffled with the seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spinscope._validation import make_rng
from spinscope.errors import InputError

__all__ = ["blob_layout", "explicit_layout", "tiling_layout"]


def _fractions(fractions: Any) -> np.ndarray:
    f = np.array(fractions, dtype=np.float64).reshape(-1)
    if f.size < 1 or not np.all(np.isfinite(f)) or np.any(f < 0) or f.sum() <= 0:
        raise InputError(f"type fractions must be numbers >= 0 with a positive sum, got {list(fractions)}")
    return f / f.sum()


def _assign_types(n_cells: int, fractions: Any, seed: Any) -> np.ndarray:
    f = _fractions(fractions)
    counts = np.floor(f * n_cells + 0.5).astype(np.int64)
    counts[-1] = n_cells - counts[:-1].sum()
    if counts[-1] < 0:
        counts[-1] = 0
        counts[np.argmax(counts)] -= counts.sum() - n_cells
    types = np.repeat(np.arange(1, f.size + 1), counts)
    make_rng(seed).shuffle(types)
    return np.concatenate([[0], types]).astype(np.int64)


def _renumber(blocks: np.ndarray) -> np.ndarray:
    """Block labels (-1 = medium) to ids 1..C in lattice order of first appearance."""
    flat = blocks.reshape(-1)
    keep = flat >= 0
    _, first, inverse = np.unique(flat[keep], return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    out = np.zeros(flat.size, np.int64)
    out[keep] = rank[inverse] + 1
    return out.reshape(blocks.shape)


def _blocks(shape: tuple[int, ...], width: int, offset: np.ndarray) -> np.ndarray:
    coords = np.indices(shape)
    counts = [s // width + 2 for s in shape]
    idx = [(coords[d] - offset[d]) // width + 1 for d in range(len(shape))]
    return np.ravel_multi_index(tuple(idx), counts, mode="clip")


def blob_layout(shape: tuple[int, ...], *, center: Any, radius: float, width: int, fractions: Any = (1.0,),
                seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """CompuCell3D's ``BlobInitializer``: the disc (ball) of ``radius`` around ``center`` cut into
    squares (cubes) of side ``width``, one cell per square; medium elsewhere."""
    shape = tuple(int(s) for s in shape)
    c = np.array(center, dtype=np.float64).reshape(-1)
    if c.size != len(shape):
        raise InputError(f"blob center needs {len(shape)} coordinates, got {list(c)}")
    if not radius > 0 or int(width) < 1:
        raise InputError(f"blob radius must be > 0 and width >= 1, got radius {radius}, width {width}")
    coords = np.indices(shape).astype(np.float64)
    inside = sum((coords[d] - c[d]) ** 2 for d in range(len(shape))) <= float(radius) ** 2
    if not inside.any():
        raise InputError(f"the blob (center {list(c)}, radius {radius}) holds no site of the lattice {shape}")
    blocks = np.where(inside, _blocks(shape, int(width), np.floor(c - radius).astype(np.int64)), -1)
    sigma = _renumber(blocks)
    return sigma, _assign_types(int(sigma.max()), fractions, seed)


def tiling_layout(shape: tuple[int, ...], *, width: int, gap: int = 0, count: Any = None, origin: Any = None,
                  fractions: Any = (1.0,), seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Squares (cubes) of side ``width`` with ``gap`` medium sites between them, one cell per
    square, types at random: the whole lattice (squares cut by the border are kept), or ``count``
    squares per axis starting at ``origin``."""
    shape = tuple(int(s) for s in shape)
    width, gap = int(width), int(gap)
    if width < 1 or gap < 0:
        raise InputError(f"tiling width must be >= 1 and gap >= 0, got {width}, {gap}")
    org = np.zeros(len(shape), np.int64) if origin is None else np.array(origin, dtype=np.int64).reshape(-1)
    if org.size != len(shape):
        raise InputError(f"tiling origin needs {len(shape)} coordinates, got {origin}")
    coords = np.indices(shape) - org.reshape((-1,) + (1,) * len(shape))
    pitch = width + gap
    in_square = np.all(((coords % pitch) < width) & (coords >= 0), axis=0)
    if count is not None:
        n = np.array(count, dtype=np.int64).reshape(-1)
        if n.size != len(shape) or np.any(n < 1):
            raise InputError(f"tiling count needs {len(shape)} positive numbers, got {count}")
        in_square &= np.all(coords // pitch < n.reshape((-1,) + (1,) * len(shape)), axis=0)
    blocks = np.where(in_square, _blocks(shape, pitch, org), -1)
    sigma = _renumber(blocks)
    return sigma, _assign_types(int(sigma.max()), fractions, seed)


def explicit_layout(sigma: Any, cell_types: Any) -> tuple[np.ndarray, np.ndarray]:
    """A given ``sigma`` array and the types of its ids (``cell_types[0] = 0``)."""
    s = np.asarray(sigma)
    if s.dtype.kind not in "iu":
        raise InputError(f"sigma must hold integer cell ids, got dtype {s.dtype}")
    ct = np.asarray(cell_types, dtype=np.int64).reshape(-1)
    if s.size and s.max() >= ct.size:
        raise InputError(f"sigma uses cell id {int(s.max())} but only {ct.size - 1} cell types are given")
    return s.astype(np.int64), ct
