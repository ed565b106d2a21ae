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
``n_spins``
    0-d int64, the number of spins again (checked against the header on load; files written
    before it existed load without the check).

Files are written atomically (temporary file, then rename) and never overwrite an existing
file unless ``overwrite=True``.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from spinscope._files import atomic_write
from spinscope._validation import check_memory
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
    # the spin count again as an array: sparse couplings without fields or graph cannot show a
    # header that claims more spins than the file holds (isolated spins are legitimate)
    arrays["n_spins"] = np.array(model.n, dtype=np.int64)
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

    The header is checked against the arrays before anything is built: ``n`` against the shape
    of ``J`` (or the range of the COO indices), of ``h`` and the graph; ``q`` against ``h``; the
    graph's shape and edges against ``n``, and every coupling against the graph's edges; the
    layer sizes against ``n``. The archive's unpacked size is checked against the available
    memory before it is read.

    Parameters
    ----------
    path : path-like
    kind : {"ising", "potts", "clock", "xy"}, optional
        If given, refuse a file holding another kind of model.

    Raises
    ------
    ModelFileError
        Missing file, not a spinscope model, unknown version, wrong kind, header and arrays
        that disagree, or corrupt content; the message names the file and what is wrong.
    MemoryLimitError
        The archive would not fit in memory.
    """
    path = Path(path)
    data = _read_npz(path)
    header = _read_header(path, data)
    file_kind = header["kind"]
    if kind is not None and file_kind != kind:
        raise ModelFileError(f"{path} holds a {file_kind} model, but a {kind} model is needed here")
    n = _check_arrays(path, header, data)
    try:
        j = _couplings(path, header, data, n)
        graph = _graph(path, header, data, n, j)
        _check_spin_count(path, data, n)  # last: the specific checks say more when they apply
        name = str(header.get("name") or file_kind)
        return model_class(file_kind).from_parts(j, data.get("h"), graph=graph, name=name, header=header)
    except ModelFileError:
        raise
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path} is a corrupt spinscope model file: {exc}") from None


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a ``.npz`` archive, after checking that it is one and that it fits in memory."""
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist" if not path.exists()
                             else f"model file {path} is not a file")
    if path.stat().st_size == 0:
        raise ModelFileError(f"model file {path} is empty: not a spinscope model file (.npz)")
    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        reason = "unrecognised content" if "pickle" in str(exc) else str(exc)
        raise ModelFileError(f"{path} is not a spinscope model file: not a readable numpy .npz "
                             f"archive ({reason})") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise ModelFileError(f"{path} holds a single numpy array, not a spinscope model file (.npz)")
    with z:
        unpacked = sum(info.file_size for info in z.zip.infolist())
        check_memory(2 * unpacked, f"reading the model file {path}", advice="check the file")
        try:
            return {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            reason = "unrecognised content" if "pickle" in str(exc) else str(exc)
            raise ModelFileError(f"{path} is a corrupt spinscope model file ({reason})") from None


def _read_header(path: Path, data: dict) -> dict:
    """The JSON header, checked for format, version and kind."""
    if "header" not in data:
        raise ModelFileError(f"{path} has no 'header' entry: not a spinscope model file")
    try:
        header = json.loads(str(data["header"]))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: the header is not valid JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        fmt = header.get("format") if isinstance(header, dict) else None
        raise ModelFileError(f"{path} is not a spinscope model file (format={fmt!r})")
    if header.get("version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has model format version {header.get('version')}; this spinscope reads "
            f"version {FORMAT_VERSION}: upgrade spinscope"
        )
    if header.get("kind") not in MODEL_KINDS:
        raise ModelFileError(f"{path}: unknown model kind {header.get('kind')!r} "
                             f"(known: {', '.join(MODEL_KINDS)})")
    if header.get("storage") not in ("dense", "coo"):
        raise ModelFileError(f"{path}: header 'storage' must be 'dense' or 'coo', got {header.get('storage')!r}")
    return header


def _header_int(path: Path, header: dict, key: str, minimum: int) -> int:
    v = header.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ModelFileError(f"{path}: header '{key}' must be an integer >= {minimum}, got {v!r}")
    return v


def _array(path: Path, data: dict, key: str, ndim: int, kinds: str = "iuf") -> np.ndarray:
    if key not in data:
        raise ModelFileError(f"{path} has no '{key}' array, which its header requires")
    a = data[key]
    if a.ndim != ndim or a.dtype.kind not in kinds:
        raise ModelFileError(f"{path}: '{key}' must be a {ndim}-D numeric array, got shape "
                             f"{a.shape} of dtype {a.dtype}")
    return a


def _check_arrays(path: Path, header: dict, data: dict) -> int:
    """Check the header against the arrays; return ``n``."""
    n = _header_int(path, header, "n", 1)
    says = f"{path}: the header says n = {n}, but"
    if header["storage"] == "dense":
        J = _array(path, data, "J", 2)
        if J.shape != (n, n):
            raise ModelFileError(f"{says} J has shape {J.shape}: the file is inconsistent")
    else:
        r, c, v = (_array(path, data, k, 1) for k in ("J_row", "J_col", "J_val"))
        if not (r.size == c.size == v.size) or r.dtype.kind not in "iu" or c.dtype.kind not in "iu":
            raise ModelFileError(f"{path}: J_row, J_col (integers) and J_val must have one entry "
                                 f"per coupling, got sizes {r.size}, {c.size}, {v.size}")
        if r.size and (min(r.min(), c.min()) < 0 or max(r.max(), c.max()) >= n):
            raise ModelFileError(f"{says} the coupling indices run from {min(r.min(), c.min())} "
                                 f"to {max(r.max(), c.max())} (they must lie in 0..{n - 1})")
        check_memory(48.0 * n + 48.0 * r.size, f"the model in {path} (n = {n} in its header)",
                     advice="check the file's header")
    if "h" in data:
        h = data["h"]
        width = {"ising": (), "xy": (2,)}.get(header["kind"])
        if width is None:
            width = (_header_int(path, header, "q", 2),)
        if h.shape != (n, *width):
            what = f"n = {n}" if not width or h.ndim < 1 or h.shape[0] != n else f"q = {width[0]}"
            raise ModelFileError(f"{path}: the header says {what}, but h has shape {h.shape} "
                                 f"(expected {(n, *width)}): the file is inconsistent")
    layers = header.get("layers")
    if layers is not None:
        if (not isinstance(layers, list) or not all(isinstance(x, int) and x > 0 for x in layers)
                or sum(layers) != n):
            raise ModelFileError(f"{says} its layer sizes are {layers!r}: they must be positive "
                                 f"integers adding up to n")
    return n


def _couplings(path: Path, header: dict, data: dict, n: int):
    if header["storage"] == "dense":
        return data["J"]
    r, c, v = data["J_row"], data["J_col"], data["J_val"]
    return sp.coo_array((np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))),
                        shape=(n, n)).tocsr()


def _check_spin_count(path: Path, data: dict, n: int) -> None:
    """``n_spins`` (written since it was added) must equal the header's ``n``."""
    if "n_spins" not in data:  # an older file: nothing to compare
        return
    stored = np.asarray(data["n_spins"])
    if stored.shape != () or stored.dtype.kind not in "iu" or int(stored) != n:
        raise ModelFileError(f"{path}: the header says n = {n}, but the file holds {stored} spins "
                             "(n_spins): the file is inconsistent; write it again with save_model")


def _graph(path: Path, header: dict, data: dict, n: int, j) -> Graph | None:
    """The graph of the header and ``graph_edges``, checked against ``n`` and the couplings."""
    gh = header.get("graph")
    if not gh:
        return None
    if not isinstance(gh, dict) or gh.get("kind") not in ("hypercubic", "triangular", "graph"):
        raise ModelFileError(f"{path}: header 'graph' must say kind hypercubic, triangular or "
                             f"graph, got {gh!r}")
    shape = gh.get("shape")
    if shape is not None and (not isinstance(shape, list) or math.prod(shape) != n):
        raise ModelFileError(f"{path}: the header says n = {n}, but the graph's shape is {shape!r}")
    e = _array(path, data, "graph_edges", 2, "iu")
    if e.shape[1] != 2 or (e.size and (e.min() < 0 or e.max() >= n)):
        raise ModelFileError(f"{path}: graph_edges must be (E, 2) site pairs in 0..{n - 1}, got "
                             f"shape {e.shape}" + (f", sites {e.min()}..{e.max()}" if e.size else ""))
    e = e.astype(np.int64)
    upper = sp.triu(sp.coo_array(j), k=1).tocoo()
    lo, hi = np.minimum(e[:, 0], e[:, 1]), np.maximum(e[:, 0], e[:, 1])
    off = ~np.isin(upper.row.astype(np.int64) * n + upper.col, lo * n + hi)
    if off.any():
        k = int(np.flatnonzero(off)[0])
        raise ModelFileError(f"{path}: the coupling ({upper.row[k]}, {upper.col[k]}) is not an edge "
                             f"of the file's graph: the file is inconsistent")
    return Graph(n=n, edges=e, kind=gh["kind"], shape=tuple(shape) if shape else None,
                 periodic=bool(gh.get("periodic")))
