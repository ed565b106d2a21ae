"""Geometry of 3-D tile planting: the unit cube, its 48 symmetries, the tile classes, the tiling.

A *tile* is a unit cube of the cubic lattice with ±1 couplings on its 12 edges: ferromagnetic
(``+1``) except a few antiferromagnetic (``-1``) edges. Corners are numbered ``c = x + 2 y + 4 z``
with ``x, y, z`` in ``{0, 1}``; an edge joins two corners that differ in one bit. A face is
*frustrated* when it holds an odd number of antiferromagnetic edges. The classes (Hamze et al.,
PRE 97, 043303 (2018); Chook, arXiv:2005.14344), named by the number of frustrated faces:

* ``2FP`` (C2,2): two parallel antiferromagnetic edges opposite each other on one face; the two
  faces they do not share are frustrated, and they are opposite faces of the cube.
* ``4FP`` (C4,2): two antiferromagnetic edges that are diagonally opposite across the cube
  (parallel, sharing no face); four faces are frustrated.
* ``6FP`` (C6,1): three mutually perpendicular antiferromagnetic edges, no two on a common face;
  every face is frustrated.

In each class the all-up state breaks exactly the antiferromagnetic edges, and no state breaks
fewer (every frustrated face needs an odd number of broken edges, each edge lies on two faces, and
the frustrated faces cannot be paired off by fewer edges), so the all-up state minimises the tile:
tile energy ``2 a - 12`` with ``a`` antiferromagnetic edges (-8, -8, -6). Each tile is drawn in a
uniformly random one of the cube's 48 orientations (axis permutations times reflections).

The tiles of the periodic ``Lx x Ly x Lz`` lattice (all even) are the unit cubes whose lowest
corner ``(x, y, z)`` has ``x = y = z (mod 2)``: ``Lx Ly Lz / 4`` cubes of 12 edges, and every
lattice edge lies in exactly one of them (an ``x`` edge at ``(x, y, z)`` lies in the cubes with
lowest corners ``(x, y - a, z - b)``, ``a, b`` in ``{0, 1}``, and exactly one choice of ``a`` and
one of ``b`` matches the parity of ``x``). Sites are numbered ``x + Lx y + Lx Ly z``.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["CUBE_EDGES", "TILE3D_CLASSES", "TILE3D_ENERGIES", "cube_symmetries", "cube_tiles",
           "tile_signs"]

#: The 12 edges of the unit cube as corner pairs ``(c1, c2)``, ``c = x + 2y + 4z``, ``c1 < c2``.
CUBE_EDGES = np.array([(c, c | b) for c in range(8) for b in (1, 2, 4) if not c & b], dtype=np.int64)

#: Tile classes, in the order of their probabilities ``p2, p4`` (``p6`` takes the rest).
TILE3D_CLASSES = ("2FP", "4FP", "6FP")

# The antiferromagnetic edges of each class in one reference orientation (corner pairs).
_AFM_EDGES = {
    "2FP": ((0, 1), (2, 3)),          # x edges at (y, z) = (0, 0) and (1, 0): opposite on face z = 0
    "4FP": ((0, 1), (6, 7)),          # x edges at (y, z) = (0, 0) and (1, 1): diagonally opposite
    "6FP": ((0, 1), (2, 6), (5, 7)),  # an x, a z and a y edge, no two on a common face
}

#: The planted (all-up) energy of a tile of each class, which is its minimum: ``2 a - 12``.
TILE3D_ENERGIES = {k: 2 * len(v) - 12 for k, v in _AFM_EDGES.items()}


def cube_symmetries() -> np.ndarray:
    """The 48 isometries of the unit cube as corner permutations, shape ``(48, 8)``.

    Element ``(perm, flip)`` maps corner bits ``b`` to ``b'_a = b_{perm[a]} XOR flip_a``.

    Returns
    -------
    int64 ndarray
        Row ``g`` maps corner ``c`` to ``out[g, c]``.
    """
    bits = (np.arange(8)[:, None] >> np.arange(3)) & 1          # (8, 3): x, y, z bits of each corner
    rows = []
    for perm in itertools.permutations(range(3)):
        for flip in itertools.product((0, 1), repeat=3):
            new = bits[:, list(perm)] ^ np.array(flip)
            rows.append(new @ np.array([1, 2, 4]))
    return np.array(rows, dtype=np.int64)


def tile_signs(kind: str) -> np.ndarray:
    """The edge signs of a tile class in each of the 48 orientations, shape ``(48, 12)``.

    Parameters
    ----------
    kind : {"2FP", "4FP", "6FP"}

    Returns
    -------
    float64 ndarray
        ``out[g, e]`` is the coupling on :data:`CUBE_EDGES` ``[e]`` after isometry ``g``: ``-1``
        on the class's antiferromagnetic edges, ``+1`` elsewhere.
    """
    sym = cube_symmetries()
    edge_code = CUBE_EDGES[:, 0] * 8 + CUBE_EDGES[:, 1]
    out = np.ones((len(sym), len(CUBE_EDGES)))
    for g, perm in enumerate(sym):
        for a, b in _AFM_EDGES[kind]:
            lo, hi = sorted((perm[a], perm[b]))
            out[g, edge_code == lo * 8 + hi] = -1.0
    return out


def cube_tiles(shape: tuple[int, int, int]) -> np.ndarray:
    """The tiles of the periodic ``Lx x Ly x Lz`` lattice as site indices of their corners.

    Parameters
    ----------
    shape : three even ints ``>= 2``
        With a size of 2 the two lattice edges between a pair of sites both exist (the couplings
        then add up); tile planting proper uses sizes ``>= 4``.

    Returns
    -------
    int64 ndarray, shape ``(Lx Ly Lz / 4, 8)``
        Row ``t``, column ``c``: the site at corner ``c`` of tile ``t``.
    """
    lx, ly, lz = shape
    x, y, z = np.meshgrid(np.arange(lx), np.arange(ly), np.arange(lz), indexing="ij")
    keep = (x % 2 == y % 2) & (y % 2 == z % 2)
    x, y, z = x[keep], y[keep], z[keep]
    c = np.arange(8)
    cx = (x[:, None] + (c & 1)) % lx
    cy = (y[:, None] + ((c >> 1) & 1)) % ly
    cz = (z[:, None] + ((c >> 2) & 1)) % lz
    return (cx + lx * cy + lx * ly * cz).astype(np.int64)
