"""Datasets for training the networks that ``spinscope track`` (:func:`spinscope.workflows.tracking.track`) follows.

Sources
-------
``"digits"`` (default)
    scikit-learn's handwritten digits: 1797 images of 8×8 pixels with values 0..16, shipped
    inside scikit-learn (no download). Split into train/validation with a stratified, seeded
    split (``val_fraction`` of each class goes to validation).
``"mnist"`` / ``"fashion-mnist"``
    Read from local files in ``data_dir``: the four standard IDX files
    (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
    ``t10k-labels-idx1-ubyte``, each optionally ``.gz``), or one ``.npz`` with the arrays
    ``x_train, y_train, x_test, y_test`` (the Keras layout). The official test set is the
    validation set. With ``download=True`` (and only then) the IDX files are fetched into
    ``data_dir`` first; without a network this fails with :class:`~spinscope.errors.DataFileError`.
a path
    An ``.npz`` file as above, or a directory of IDX files.
arrays
    :func:`dataset_from_arrays` for any ``(X, y)`` from Python.

Normalisation
-------------
Images are flattened to ``(n_samples, n_pixels)`` float32 and divided by the largest possible
pixel value (16 for digits, 255 for 8-bit IDX/npz images), so inputs lie in ``[0, 1]``. Arrays
given to :func:`dataset_from_arrays` are used as float32 unchanged. Labels are int64 in
``0..n_classes-1``.
"""

from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._validation import SeedLike, make_rng
from spinscope.errors import DataFileError, InputError

__all__ = ["Dataset", "dataset_from_arrays", "load_dataset", "read_idx"]

_IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_URLS = {
    "mnist": "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "fashion-mnist": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True, eq=False)
class Dataset:
    """A classification dataset split into training and validation parts.

    Attributes
    ----------
    name : str
    x_train : (n_train, n_features) float32 array
    y_train : (n_train,) int64 array of class labels ``0..n_classes-1``
    x_val, y_val : the same for the validation set
    n_classes : int
    normalisation : str
        How raw pixel values were mapped to the inputs.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    n_classes: int
    normalisation: str

    @property
    def n_features(self) -> int:
        """Input dimension (number of pixels)."""
        return int(self.x_train.shape[1])

    def to_dict(self) -> dict[str, Any]:
        """Summary (no arrays), JSON-ready."""
        return {"name": self.name, "n_train": len(self.y_train), "n_val": len(self.y_val),
                "n_features": self.n_features, "n_classes": self.n_classes,
                "normalisation": self.normalisation}


def _check_xy(x: Any, y: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim < 2:
        raise InputError(f"{where}: X must have shape (n_samples, n_features...), got {x.shape}")
    x = x.reshape(x.shape[0], -1)
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise InputError(f"{where}: y must have shape ({x.shape[0]},) to match X, got {y.shape}")
    if x.shape[0] == 0:
        raise InputError(f"{where}: the dataset is empty")
    if x.dtype.kind not in "biuf":
        raise InputError(f"{where}: X must be numeric, got dtype {x.dtype}")
    x = x.astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise InputError(f"{where}: X contains NaN or infinity")
    if y.dtype.kind == "f" and np.all(y == np.round(y)):
        y = y.astype(np.int64)
    if y.dtype.kind not in "iu" or y.min() < 0:
        raise InputError(f"{where}: y must hold non-negative integer class labels, got dtype {y.dtype}")
    return x, y.astype(np.int64)


def _split(x: np.ndarray, y: np.ndarray, val_fraction: float, seed: SeedLike) -> tuple[np.ndarray, ...]:
    """Stratified split: ``val_fraction`` of every class (at least one sample) to validation."""
    if not 0 < val_fraction < 1:
        raise InputError(f"val_fraction must be in (0, 1), got {val_fraction}")
    rng = make_rng(seed)
    val_idx = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        idx = idx[rng.permutation(idx.size)]
        k = max(1, round(val_fraction * idx.size)) if idx.size > 1 else 0
        val_idx.append(idx[:k])
    val = np.sort(np.concatenate(val_idx))
    train = np.setdiff1d(np.arange(y.size), val)
    return x[train], y[train], x[val], y[val]


def dataset_from_arrays(x: Any, y: Any, *, x_val: Any = None, y_val: Any = None,
                        val_fraction: float = 0.2, seed: SeedLike = 0,
                        name: str = "arrays") -> Dataset:
    """A :class:`Dataset` from numpy arrays.

    Parameters
    ----------
    x : (n_samples, ...) array
        Inputs; trailing axes are flattened. Used as float32 without rescaling.
    y : (n_samples,) int array
        Class labels ``>= 0``; ``n_classes = max(label) + 1``.
    x_val, y_val : arrays, optional
        An explicit validation set; otherwise a stratified ``val_fraction`` of ``(x, y)``
        (seeded by ``seed``) is held out.
    """
    x, y = _check_xy(x, y, name)
    if (x_val is None) != (y_val is None):
        raise InputError("give both x_val and y_val, or neither")
    if x_val is None:
        xt, yt, xv, yv = _split(x, y, val_fraction, seed)
    else:
        xt, yt = x, y
        xv, yv = _check_xy(x_val, y_val, f"{name} (validation)")
        if xv.shape[1] != xt.shape[1]:
            raise InputError(f"{name}: validation inputs have {xv.shape[1]} features, training {xt.shape[1]}")
    n_classes = int(max(yt.max(), yv.max()) + 1)
    return Dataset(name, xt, yt, xv, yv, n_classes, "as given (float32)")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (``.gz`` or not) into a numpy array of its stored shape and type."""
    p = Path(path)
    try:
        raw = p.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except FileNotFoundError:
        raise DataFileError(f"dataset file {p} not found") from None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataFileError(f"cannot read dataset file {p}: {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataFileError(f"{p} is not an IDX file (bad magic number); expected the standard MNIST format")
    ndim = raw[3]
    if ndim == 0 or len(raw) < 4 + 4 * ndim:
        raise DataFileError(f"{p} is a truncated IDX file (header incomplete)")
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    need = int(np.prod(shape)) * dtype.itemsize
    body = raw[4 + 4 * ndim:]
    if len(body) != need:
        raise DataFileError(f"{p} is corrupt: header says shape {shape} ({need} bytes), file has {len(body)} bytes")
    return np.frombuffer(body, dtype=dtype).reshape(shape)


def _find_idx(directory: Path, stem: str) -> Path:
    for cand in (directory / stem, directory / f"{stem}.gz"):
        if cand.is_file():
            return cand
    raise DataFileError(
        f"dataset file {stem}[.gz] not found in {directory}; put the four standard IDX files there, "
        f"point --data-dir at them, or download them with --download (download=True in Python)"
    )


def _from_parts(name: str, parts: dict[str, np.ndarray], where: str) -> Dataset:
    xt, yt = _check_xy(parts["x_train"], parts["y_train"], where)
    xv, yv = _check_xy(parts["x_test"], parts["y_test"], where)
    if xt.shape[1] != xv.shape[1]:
        raise DataFileError(f"{where}: training images have {xt.shape[1]} pixels, test images {xv.shape[1]}")
    scale = 255.0 if parts["x_train"].dtype == np.uint8 or xt.max() > 1.0 else 1.0
    norm = "pixel / 255 (values in [0, 1])" if scale == 255.0 else "as stored (already in [0, 1])"
    return Dataset(name, xt / np.float32(scale), yt, xv / np.float32(scale), yv,
                   int(max(yt.max(), yv.max()) + 1), norm)


def _load_npz(path: Path, name: str) -> Dataset:
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in _IDX_NAMES if k not in z.files]
            if missing:
                raise DataFileError(f"{path} lacks the arrays {missing}; an .npz dataset needs "
                                    f"x_train, y_train, x_test, y_test")
            parts = {k: z[k] for k in _IDX_NAMES}
    except DataFileError:
        raise
    except (OSError, ValueError, EOFError) as exc:
        raise DataFileError(f"cannot read dataset file {path}: {exc}") from None
    return _from_parts(name, parts, str(path))


def _fetch(url: str) -> bytes:
    """The content at ``url`` (the one network access of spinscope)."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read()


def _download(name: str, directory: Path) -> None:
    """Fetch the missing IDX files of ``name`` into ``directory``.

    Each file is fetched into memory first; the directory is created, and the file written
    atomically, only once it has arrived, so a failed download (no network) leaves no empty
    directory behind, and the files that did arrive are kept (and not fetched again).
    """
    import urllib.error

    from spinscope._files import atomic_write

    for stem in _IDX_NAMES.values():
        target = directory / f"{stem}.gz"
        if target.exists():
            continue
        url = _URLS[name] + f"{stem}.gz"
        try:
            data = _fetch(url)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise DataFileError(
                f"could not download {name} from {url} ({_reason(exc)}); without a network, download the "
                f"four IDX files elsewhere and point --data-dir (data_dir in Python) at them"
            ) from None
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataFileError(f"cannot create the data directory {directory}: {exc.strerror or exc}") from None
        atomic_write(target, data, overwrite=True)


def _reason(exc: BaseException) -> str:
    """A one-line reason of a failed download (``URLError`` wraps the socket error)."""
    reason = getattr(exc, "reason", None) or exc
    return " ".join(str(reason).split()) or type(exc).__name__


def load_dataset(source: str | os.PathLike = "digits", *, data_dir: str | os.PathLike | None = None,
                 download: bool = False, val_fraction: float = 0.2, seed: SeedLike = 0) -> Dataset:
    """Load a dataset by name or path (see the module docstring for the sources).

    Parameters
    ----------
    source : {"digits", "mnist", "fashion-mnist"} or path
        Named dataset, an ``.npz`` file or a directory of IDX files.
    data_dir : path, optional
        Where the MNIST / Fashion-MNIST files are (default ``./data/<name>``).
    download : bool
        Fetch missing MNIST / Fashion-MNIST files into ``data_dir`` first (needs a network).
    val_fraction : float
        Validation share for ``digits`` (stratified, seeded by ``seed``).

    Raises
    ------
    DataFileError
        Missing, unreadable or corrupt files; a failed download.
    """
    key = str(source).lower()
    if key == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        xt, yt, xv, yv = _split(d.data.astype(np.float32) / np.float32(16.0), d.target.astype(np.int64),
                                val_fraction, seed)
        return Dataset("digits", xt, yt, xv, yv, 10, "pixel / 16 (values in [0, 1])")
    if key in ("mnist", "fashion-mnist", "fashion_mnist"):
        name = "fashion-mnist" if key.startswith("fashion") else "mnist"
        directory = Path(data_dir) if data_dir is not None else Path("data") / name
        if download:
            _download(name, directory)
        npz = sorted(directory.glob("*.npz")) if directory.is_dir() else []
        has_idx = directory.is_dir() and any((directory / s).exists() or (directory / f"{s}.gz").exists()
                                             for s in _IDX_NAMES.values())
        if npz and not has_idx:
            return _load_npz(npz[0], name)
        if directory.exists() and not directory.is_dir():
            raise DataFileError(f"{name} data directory {directory} is a file; point --data-dir (data_dir in "
                                "Python) at the directory of the IDX or .npz files")
        if not directory.is_dir():
            raise DataFileError(
                f"{name} data directory {directory} does not exist; point --data-dir (data_dir in Python) "
                f"at the IDX or .npz files, or fetch them with --download (download=True)"
            )
        parts = {k: read_idx(_find_idx(directory, stem)) for k, stem in _IDX_NAMES.items()}
        return _from_parts(name, parts, str(directory))
    p = Path(source)
    if p.is_file() and p.suffix == ".npz":
        return _load_npz(p, p.stem)
    if p.is_dir():
        parts = {k: read_idx(_find_idx(p, stem)) for k, stem in _IDX_NAMES.items()}
        return _from_parts(p.name, parts, str(p))
    if p.exists():
        raise DataFileError(f"dataset {p} is neither an .npz file nor a directory of IDX files")
    raise DataFileError(
        f"unknown dataset {source!r}: use digits, mnist, fashion-mnist, an .npz file or a "
        f"directory of IDX files (no such path exists)"
    )
