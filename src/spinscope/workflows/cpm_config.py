"""CPM run specifications: the shipped presets, TOML config files, and their validation.

A specification is a dict (a preset, or a TOML file with the same keys)::

    shape = [100, 100]          # 2 or 3 sides
    periodic = false            # false: fixed medium walls
    T = 10.0
    neighbor_order = 2          # copy attempts (CompuCell3D NeighborOrder)
    contact_order = 2           # contact energy
    connectivity = false        # refuse copies that split a cell locally (2-D)
    mcs = 10000
    types = ["Condensing", "NonCondensing"]      # the medium is implicit ("Medium")
    [J]                         # every pair of types incl. Medium, "A-B" (order free)
    "Medium-Condensing" = 16 ...
    [volume]                    # target and lambda: a number, or a table by type name
    target = 25
    lambda = 2.0
    [surface]                   # optional
    target = 20
    lambda = 0.0
    [layout]                    # kind = "blob" | "tiling" | "file" (an .npy/.npz sigma array)
    kind = "blob"
    center = [50, 50]
    radius = 40
    width = 5
    fractions = [0.5, 0.5]      # one per type, in the order of `types`
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import numpy as np

from spinscope.errors import InputError

__all__ = ["PRESETS", "build_run", "load_config"]

_CELLSORT_J = {"Medium-Medium": 0, "NonCondensing-NonCondensing": 16, "Condensing-Condensing": 2,
               "NonCondensing-Condensing": 11, "NonCondensing-Medium": 16, "Condensing-Medium": 16}

PRESETS: dict[str, dict[str, Any]] = {
    # CompuCell3D Demos/CellSorting/cellsort_2D (cellsort_2D.xml)
    "cellsort": {"shape": [100, 100], "periodic": False, "T": 10.0, "neighbor_order": 2, "contact_order": 2,
                 "mcs": 10000, "types": ["Condensing", "NonCondensing"], "J": _CELLSORT_J,
                 "volume": {"target": 25, "lambda": 2.0},
                 "layout": {"kind": "blob", "center": [50, 50], "radius": 40, "width": 5, "fractions": [0.5, 0.5]}},
    # Graner & Glazier, PRL 69, 2013 (1992): d(ark) and l(ight) cells, 8-neighbour contacts;
    # the lattice and cell count are ours: 100x100 walls, a blob of radius 30 cut in 6x6 squares.
    "graner-glazier": {"shape": [100, 100], "periodic": False, "T": 10.0, "neighbor_order": 2, "contact_order": 2,
                       "mcs": 10000, "types": ["d", "l"],
                       "J": {"d-d": 2, "d-l": 11, "l-l": 14, "d-Medium": 16, "l-Medium": 16, "Medium-Medium": 0},
                       "volume": {"target": 40, "lambda": 1.0},
                       "layout": {"kind": "blob", "center": [50, 50], "radius": 30, "width": 6,
                                  "fractions": [0.5, 0.5]}},
    # Morpheus examples/CPM/CellSorting_2D: 200x200 periodic, 50 + 50 cells (the initial
    # aggregate, a centred 10 x 10 block of touching 14 x 14 squares, is ours)
    "morpheus": {"shape": [200, 200], "periodic": True, "T": 2.0, "neighbor_order": 2, "contact_order": 2,
                 "mcs": 10000, "types": ["ct1", "ct2"],
                 "J": {"ct1-Medium": 12, "ct2-Medium": 6, "ct1-ct1": 6, "ct2-ct2": 6, "ct1-ct2": 16,
                       "Medium-Medium": 0},
                 "volume": {"target": 200, "lambda": 1.0},
                 "layout": {"kind": "tiling", "width": 14, "count": [10, 10], "origin": [30, 30],
                            "fractions": [0.5, 0.5]}},
}

_KEYS = {"shape", "periodic", "T", "neighbor_order", "contact_order", "mcs", "types", "J", "volume", "surface",
         "layout", "connectivity"}


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a TOML specification (``InputError`` naming the file and the line when malformed)."""
    import tomllib

    p = Path(path)
    try:
        text = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read config file {p}: {exc.strerror or exc}") from None
    try:
        spec = tomllib.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"config file {p} is not valid TOML ({exc}); see docs/cpm.md for the format") from None
    spec.setdefault("_source", str(p))
    return spec


def _by_type(value: Any, names: list[str], what: str) -> list[float]:
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names[1:]))
        if unknown:
            raise InputError(f"{what} names unknown cell type(s) {unknown}; the types are {names[1:]}")
        missing = [n for n in names[1:] if n not in value]
        if missing:
            raise InputError(f"{what} has no value for type(s) {missing}")
        return [0.0] + [float(value[n]) for n in names[1:]]
    try:
        return [0.0] + [float(value)] * (len(names) - 1)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number or a table by type name, got {value!r}") from None


def _contact_table(table: Any, names: list[str]) -> np.ndarray:
    if not isinstance(table, dict):
        raise InputError("J must be a table of contact energies keyed \"TypeA-TypeB\"")
    idx = {n: k for k, n in enumerate(names)}
    J = np.full((len(names), len(names)), np.nan)
    for key, val in table.items():
        parts = str(key).split("-")
        if len(parts) != 2 or any(p not in idx for p in parts):
            raise InputError(f"J entry {key!r} must name two known types \"A-B\"; the types are {names} "
                             "(Medium is the medium)")
        a, b = idx[parts[0]], idx[parts[1]]
        v = float(val)
        for x, y in ((a, b), (b, a)):
            if not np.isnan(J[x, y]) and J[x, y] != v:
                raise InputError(f"the contact table is not symmetric: {names[a]}-{names[b]} is given as both "
                                 f"{J[x, y]:g} and {v:g}; give each pair one energy")
            J[x, y] = v
    J[0, 0] = 0.0 if np.isnan(J[0, 0]) else J[0, 0]
    missing = [f"{names[a]}-{names[b]}" for a, b in itertools.combinations_with_replacement(range(len(names)), 2)
               if np.isnan(J[a, b])]
    if missing:
        raise InputError(f"the contact table J has no energy for {', '.join(missing)}")
    return J


def _layout(spec: dict, shape: tuple, n_types: int, seed: Any):
    from spinscope.models.cpm_layouts import blob_layout, tiling_layout

    lay = dict(spec.get("layout") or {"kind": "tiling", "width": 5})
    kind = lay.pop("kind", "blob")
    fr = lay.pop("fractions", [1.0] * n_types)
    if len(fr) != n_types:
        raise InputError(f"layout fractions need one value per cell type ({n_types}), got {fr}")
    try:
        if kind == "blob":
            return blob_layout(shape, fractions=fr, seed=seed, **lay)
        if kind == "tiling":
            return tiling_layout(shape, fractions=fr, seed=seed, **lay)
        if kind == "file":
            return _layout_file(lay, shape)
    except TypeError as exc:
        raise InputError(f"bad option for layout {kind!r}: {exc}") from None
    raise InputError(f"unknown layout kind {kind!r}; choose blob, tiling or file")


def _layout_file(lay: dict, shape: tuple):
    from spinscope.models.cpm_layouts import explicit_layout

    path = Path(lay.get("path", ""))
    try:
        with np.load(path, allow_pickle=False) as data:
            sigma, types = np.asarray(data["sigma"]), np.asarray(data["cell_types"])
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(f"cannot read layout file {path} (an .npz with arrays sigma and cell_types): {exc}") from None
    if sigma.shape != tuple(shape):
        raise InputError(f"sigma in {path} has shape {sigma.shape}, the lattice is {tuple(shape)}")
    return explicit_layout(sigma, types)


def build_run(spec: dict, *, T: float | None = None, connectivity: bool | None = None, seed: Any = None):
    """``(model, sigma0, spec)`` from a specification (validated; ``T`` and ``connectivity``
    override the specification's)."""
    from spinscope.models.cpm import CellularPottsModel

    spec = copy.deepcopy(dict(spec))
    unknown = sorted(set(spec) - _KEYS - {"_source"})
    if unknown:
        raise InputError(f"unknown key(s) {unknown} in the CPM specification; known: {sorted(_KEYS)}")
    if T is not None:
        spec["T"] = float(T)
    if connectivity is not None:
        spec["connectivity"] = bool(connectivity)
    types = spec.get("types")
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise InputError("types must be a list of cell type names, e.g. types = [\"A\", \"B\"]")
    names = ["Medium", *types]
    shape = tuple(int(s) for s in spec.get("shape", ()))
    vol, surf = spec.get("volume") or {}, spec.get("surface") or {}
    if not isinstance(vol, dict) or not isinstance(surf, dict):
        raise InputError("volume and surface must be tables with keys target and lambda")
    J = _contact_table(spec.get("J"), names)
    sigma, cell_types = _layout(spec, shape, len(types), seed)
    model = CellularPottsModel(shape, cell_types, J, target_volume=_by_type(vol.get("target", 25), names, "volume target"),
                               lambda_volume=_by_type(vol.get("lambda", 1.0), names, "volume lambda"),
                               target_surface=_by_type(surf.get("target", 0.0), names, "surface target"),
                               lambda_surface=_by_type(surf.get("lambda", 0.0), names, "surface lambda"),
                               T=spec.get("T", 10.0), neighbor_order=spec.get("neighbor_order", 2),
                               contact_order=spec.get("contact_order", 2), periodic=bool(spec.get("periodic", False)),
                               type_names=tuple(names), connectivity=bool(spec.get("connectivity", False)))
    return model, sigma, spec
