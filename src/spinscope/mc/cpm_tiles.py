"""The tiling of a Cellular Potts lattice that both CPM backends share.

Every axis of length ``L`` is cut into ``n`` nearly equal segments (``n`` even on a periodic axis,
or 1), and a tile's colour is ``sum_d (segment index along d mod 2) * 2**d``: tiles of one colour
are separated by at least one tile side along some axis, so with sides ``>= reach`` (the longest
component of a neighbour vector) their copy attempts never read or write a common site.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spinscope.errors import InputError

__all__ = ["Tiling", "default_tile_side", "make_tiling"]


@dataclass(frozen=True)
class Tiling:
    """Tiles of a lattice (all arrays int32/int64, padded with -1).

    Attributes
    ----------
    side : int
        The requested tile side.
    counts : tuple of int
        Tiles along every axis.
    sites : (n_tiles, max_area) flat site indices of each tile.
    area : (n_tiles,) sites per tile.
    colour_tiles : (n_colours, max_per_colour) tiles of each colour, in tile order.
    colour_count : (n_colours,)
    region : (n_tiles, max_region) sites a tile's copies read ids from (its sites and their copy
        neighbours): the cells found there are the ones its copies can resize.
    region_len : (n_tiles,)
    """

    side: int
    counts: tuple
    sites: np.ndarray
    area: np.ndarray
    colour_tiles: np.ndarray
    colour_count: np.ndarray
    region: np.ndarray
    region_len: np.ndarray

    @property
    def n_tiles(self) -> int:
        return int(self.area.size)


def default_tile_side(target_volume: float, reach: int) -> int:
    """Tiles wide enough that a compact cell rarely reaches two tiles of one colour:
    twice the diameter-like ``sqrt(V_target)`` plus the reach on both sides."""
    return max(int(reach), math.ceil(2.0 * math.sqrt(max(float(target_volume), 1.0))) + 2 * int(reach))


def _axis_count(length: int, side: int, periodic: bool) -> int:
    n = max(1, length // side)
    if periodic and n > 1 and n % 2:
        n -= 1
    return n


def _pad(rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    lens = np.array([len(r) for r in rows], dtype=np.int64)
    out = np.full((len(rows), int(lens.max())), -1, dtype=np.int32)
    for k, r in enumerate(rows):
        out[k, : len(r)] = r
    return out, lens


def make_tiling(shape: tuple[int, ...], nbr: np.ndarray, z_copy: int, reach: int, periodic: bool,
                side: int) -> Tiling:
    """Cut ``shape`` into coloured tiles of side about ``side`` (see the module docstring)."""
    side = int(side)
    if side < max(1, reach):
        raise InputError(f"tile side must be >= {max(1, reach)} (the reach of the neighbour shells), got {side}")
    counts = tuple(_axis_count(L, side, periodic) for L in shape)
    edges = [(np.arange(n + 1) * L) // n for n, L in zip(counts, shape)]
    coords = np.indices(shape).reshape(len(shape), -1)
    seg = np.stack([np.searchsorted(e, c, side="right") - 1 for e, c in zip(edges, coords)])
    tile_of = np.ravel_multi_index(tuple(seg), counts)
    colour_of_tile = sum((np.indices(counts)[d].reshape(-1) % 2) << d for d in range(len(shape)))
    n_sites = int(np.prod(shape))
    order = np.argsort(tile_of, kind="stable")
    bounds = np.searchsorted(tile_of[order], np.arange(len(colour_of_tile) + 1))
    rows = [order[bounds[t]: bounds[t + 1]] for t in range(len(colour_of_tile))]
    regions = []
    for r in rows:
        reach_sites = np.unique(np.concatenate([r, nbr[r, :z_copy].reshape(-1)]))
        regions.append(reach_sites[reach_sites < n_sites])
    sites, area = _pad(rows)
    region, region_len = _pad(regions)
    ncol = 2 ** len(shape)
    col_rows = [np.flatnonzero(colour_of_tile == c) for c in range(ncol)]
    col_rows = [r if r.size else np.array([], dtype=np.int64) for r in col_rows]
    width = max(1, max(r.size for r in col_rows))
    colour_tiles = np.full((ncol, width), -1, dtype=np.int64)
    for c, r in enumerate(col_rows):
        colour_tiles[c, : r.size] = r
    colour_count = np.array([r.size for r in col_rows], dtype=np.int64)
    return Tiling(side, counts, sites, area.astype(np.int64), colour_tiles, colour_count,
                  region, region_len)
