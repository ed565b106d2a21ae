"""The spinscope model file format (``.npz`` with a JSON header; never pickle).

Layout of format version 1 (a numpy ``.npz`` archive, loadable with ``allow_pickle=False``):

``header``
    0-d unicode array holding a JSON object: ``{"format": "spinscope-model", "version": 1,
    "kind": "ising" | "potts" | "clock" | "xy", "n": int, "q": int (potts/clock), "name": str,
    "storage": "dense" | "coo", "layers": [int] | null, "graph": {"kind", "shape",
    "periodic"} | null}``.
``J``
    dense ``(n, n)`` couplings when ``storage == "dense"``.
``J_row``, ``J_col``, ``J_val``
    the upper triangle (``row < col``) of the couplings when ``storage == "coo"``.
``h``
    fields: ``(n,)`` for Ising, ``(n, q)`` for Potts/clock, ``(n, 2)`` for XY (absent if zero).
``graph_edges``
    ``(E, 2)`` edges of the graph, if the model carries one.

Files are written atomically (temporary file, then rename) and never overwrite an existing
file unless ``overwrite=True``.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from spinscope._files import atomic_write
from spinscope.errors import InputError, ModelFileError
from spinscope.models.graph import Graph
from spinscope.models.ising import IsingModel
from spinscope.models.potts import ClockModel, PottsModel
from spinscope.models.registry import MODEL_KINDS, model_class, model_kind
from spinscope.models.xy import XYModel

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_model", "save_model"]

FORMAT_NAME = "spinscope-model"
FORMAT_VERSION = 1

Model = IsingModel | PottsModel | ClockModel | XYModel


def save_model(path: str | os.PathLike, model: Model, *, overwrite: bool = False) -> Path:
    """Save a registered spin model (Ising, Potts, clock, XY) to ``path`` (``.npz``, see module docstring)."""
    kind = model_kind(model, what="save_model")
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "kind": kind, "n": model.n,
              "name": model.name, "layers": None, "graph": None, **model.header_extras()}
    arrays: dict[str, np.ndarray] = {}
    if model.is_dense:
        header["storage"] = "dense"
        arrays["J"] = np.asarray(model.couplings)
    else:
        header["storage"] = "coo"
        c = sp.triu(model.couplings, k=1).tocoo()
        arrays["J_row"], arrays["J_col"], arrays["J_val"] = c.row.astype(np.int64), c.col.astype(np.int64), c.data
    if model.fields is not None and np.any(model.fields != 0):
        arrays["h"] = np.asarray(model.fields)
    if model.graph is not None:
        g = model.graph
        header["graph"] = {"kind": g.kind, "shape": list(g.shape) if g.shape else None, "periodic": g.periodic}
        arrays["graph_edges"] = g.edges
    path = Path(path)
    if path.suffix != ".npz":
        raise InputError(f"model files end in .npz; got {path.name}")

    def _write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, header=np.array(json.dumps(header)), **arrays)

    return atomic_write(path, _write, overwrite=overwrite, suffix=".npz")


def load_model(path: str | os.PathLike, *, kind: str | None = None) -> Model:
    """Load a model written by :func:`save_model`.

    Parameters
    ----------
    path : path-like
    kind : {"ising", "potts", "clock", "xy"}, optional
        If given, refuse a file holding another kind of model.

    Raises
    ------
    ModelFileError
        Missing file, not a spinscope model, unknown version, wrong kind or corrupt content.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFileError(f"{path} is not a readable spinscope model file (.npz): {exc}") from None
    if "header" not in data:
        raise ModelFileError(f"{path} has no 'header' entry: not a spinscope model file")
    try:
        header = json.loads(str(data["header"]))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: the header is not valid JSON ({exc})") from None
    if header.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path} is not a spinscope model file (format={header.get('format')!r})")
    if header.get("version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has model format version {header.get('version')}; this spinscope reads "
            f"version {FORMAT_VERSION}: upgrade spinscope"
        )
    file_kind = header.get("kind")
    if kind is not None and file_kind != kind:
        raise ModelFileError(f"{path} holds a {file_kind} model, but a {kind} model is needed here")
    try:
        n = int(header["n"])
        if header["storage"] == "dense":
            j = data["J"]
        else:
            r, c, v = data["J_row"], data["J_col"], data["J_val"]
            if r.size and (r.max() >= n or c.max() >= n or r.min() < 0 or c.min() < 0):
                raise ModelFileError(f"{path}: coupling indices outside 0..{n - 1}")
            j = sp.coo_array((np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))),
                             shape=(n, n)).tocsr()
        graph = None
        if header.get("graph"):
            gh = header["graph"]
            graph = Graph(n=n, edges=data["graph_edges"].astype(np.int64), kind=gh["kind"],
                          shape=tuple(gh["shape"]) if gh["shape"] else None, periodic=bool(gh["periodic"]))
        h = data.get("h")
        name = header.get("name", file_kind)
        if file_kind not in MODEL_KINDS:
            raise ModelFileError(f"{path}: unknown model kind {file_kind!r} "
                                 f"(known: {', '.join(MODEL_KINDS)})")
        return model_class(file_kind).from_parts(j, h, graph=graph, name=name, header=header)
    except ModelFileError:
        raise
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path} is a corrupt spinscope model file: {exc}") from None
