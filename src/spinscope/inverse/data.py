"""Samples for inverse problems: reading, validating and weighting spin configurations.

Conventions
-----------
* One configuration per row (a line of a text file, a row of an array). Column ``i`` (0-based in
  Python, ``i + 1`` in messages about files) is spin ``i``.
* Ising data are stored as ``int8`` spins ``±1``. Input may be ``±1`` or ``0/1``; a bit is mapped
  to a spin by ``s = 2 x - 1`` (``1 -> +1``, ``0 -> -1``, the convention of
  :mod:`spinscope.optimize`'s ``x = (1 + s) / 2``). Note that :mod:`spinscope.mcm` reads bits the
  other way round (``0 -> +1``); couplings do not depend on the choice, fields change sign.
* Potts data (``q`` given) are integer states ``0 .. q-1``.
* Text files: either strings of digits without separators (``0110``, as the ``mcm`` data files;
  Potts with ``q <= 10``) or numbers separated by spaces, tabs or commas (``-1 1 1``). ``.csv``
  files are comma separated and may start with one header line of column names. ``.npy`` files
  are loaded without pickle. Blank lines and lines starting with ``#`` are ignored.
* Optional weights (``sample_weight``) give each row a non-negative weight, e.g. the multiplicity
  of a distinct configuration or an exact Boltzmann probability.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._validation import check_int, check_memory, format_bytes
from spinscope.errors import DataFileError, InputError, SpinscopeTypeError

__all__ = ["SpinData", "as_spin_data", "read_spin_data"]

_SEPARATORS = re.compile(rb"[\s,;]+")
_NOT_DIGIT_MODE = re.compile(rb"[\s,;+\-.]")  # a separator, a sign or a decimal point


@dataclass(frozen=True, eq=False)
class SpinData:
    """Validated samples: ``B`` configurations of ``n`` spins, with optional weights.

    Attributes
    ----------
    spins : ndarray of int8, shape (B, n)
        Ising spins ``±1`` (``q is None``) or Potts states ``0 .. q-1``.
    q : int or None
        Number of Potts states; ``None`` for Ising data.
    weights : ndarray of float64, shape (B,)
        Normalised weights (sum 1); uniform ``1/B`` unless given.
    source : str
        Where the data came from (a path, or ``"array"``).
    """

    spins: np.ndarray
    q: int | None
    weights: np.ndarray
    source: str = "array"

    @property
    def n(self) -> int:
        """Number of spins."""
        return int(self.spins.shape[1])

    @property
    def n_samples(self) -> int:
        """Number of rows ``B``."""
        return int(self.spins.shape[0])

    @property
    def is_potts(self) -> bool:
        """Whether the data are Potts states."""
        return self.q is not None

    @property
    def effective_samples(self) -> float:
        """Kish effective sample size ``1 / sum w_b^2`` (``B`` for uniform weights)."""
        return float(1.0 / np.sum(self.weights**2))

    def constant_columns(self) -> dict[int, int]:
        """Columns whose value never changes among rows of positive weight: ``{column: value}``."""
        s = self.spins[self.weights > 0]
        same = np.all(s == s[:1], axis=0)
        return {int(i): int(s[0, i]) for i in np.flatnonzero(same)}

    def unseen_states(self) -> dict[int, list[int]]:
        """Potts only: ``{column: states never observed}`` for columns that miss some state."""
        if self.q is None:
            return {}
        s = self.spins[self.weights > 0].astype(np.int64)
        seen = np.zeros((self.n, self.q), dtype=bool)
        seen[np.broadcast_to(np.arange(self.n), s.shape).ravel(), s.ravel()] = True
        return {int(i): [int(a) for a in np.flatnonzero(~seen[i])] for i in np.flatnonzero(~seen.all(1))}

    def one_hot(self, dtype: Any = np.float64) -> np.ndarray:
        """Potts states as one-hot vectors, shape ``(B, n, q)``."""
        if self.q is None:
            raise InputError("one_hot is defined for Potts data (q given) only")
        return (self.spins[:, :, None] == np.arange(self.q)).astype(dtype)

    def describe(self) -> dict:
        """JSON-ready description: n, samples, q, source, constant columns."""
        return {"source": self.source, "n": self.n, "n_samples": self.n_samples, "q": self.q,
                "effective_samples": self.effective_samples,
                "constant_columns": sorted(self.constant_columns())}


# --------------------------------------------------------------------------- arrays
def as_spin_data(X: Any, *, q: int | None = None, sample_weight: Any = None,
                 encoding: str = "auto") -> SpinData:
    """Validate samples given as an array, a path or a :class:`SpinData`.

    Parameters
    ----------
    X : SpinData, path, ndarray (B, n), pandas DataFrame or list of rows
        Configurations, one per row; a path is read with :func:`read_spin_data`.
    q : int, optional
        Number of Potts states (data ``0 .. q-1``); ``None`` means Ising data.
    sample_weight : array (B,), optional
        Non-negative weight of each row (not all zero); default uniform.
    encoding : {"auto", "pm1", "01"}
        Ising only: ``±1`` spins, ``0/1`` bits (``s = 2x - 1``), or decided from the values.

    Returns
    -------
    SpinData

    Raises
    ------
    InputError
        Values outside the alphabet (naming the first bad entry), NaN, fewer than two rows,
        weights of the wrong shape or sign.
    """
    if isinstance(X, SpinData):
        if q is not None and q != X.q:
            raise InputError(f"the data hold {'Ising spins' if X.q is None else f'{X.q}-state Potts'} "
                             f"but q={q} was asked for")
        return X if sample_weight is None else SpinData(X.spins, X.q, _weights(sample_weight, X.n_samples), X.source)
    if isinstance(X, (str, os.PathLike)):
        data = read_spin_data(X, q=q, encoding=encoding)
        return data if sample_weight is None else as_spin_data(data, sample_weight=sample_weight)
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        X = X.to_numpy()
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError):
        raise InputError("data must be a rectangular array of shape (B, n): rows of equal length") from None
    spins = _spins_from_array(arr, q, encoding, "data")
    return SpinData(spins, q, _weights(sample_weight, spins.shape[0]), "array")


def _spins_from_array(arr: np.ndarray, q: int | None, encoding: str, where: str) -> np.ndarray:
    """Check an ``(B, n)`` numeric array and return it as int8 spins (Ising ±1 or Potts states)."""
    arr = np.asarray(arr)
    if q is not None:
        q = check_int(q, "q", minimum=2)
        if q > 127:
            raise InputError(f"q={q} is too large: Potts states are stored as int8 (q <= 127)")
    if encoding not in ("auto", "pm1", "01"):
        raise InputError(f"encoding must be 'auto', 'pm1' or '01', got {encoding!r}")
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise SpinscopeTypeError(f"{where} must hold numbers (spins ±1, bits 0/1 or Potts states), "
                                 f"got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise InputError(f"{where} must have shape (B, n): one configuration per row, got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        r, c = np.argwhere(~np.isfinite(arr))[0]
        raise InputError(f"{where} holds {_value(arr[r, c])} at row {r}, column {c} (0-based); "
                         f"remove or repair the incomplete configurations")
    if arr.shape[0] < 2:
        raise InputError(f"{where} holds a single configuration ({arr.shape[0]} row); learning couplings "
                         f"needs many samples (one per row)")
    if q is not None:
        allowed = np.arange(q)
        what = f"a state 0..{q - 1} (q={q})"
    else:
        if encoding == "auto":
            encoding = "pm1" if np.any(arr == -1) else "01"
        allowed = np.array([-1, 1]) if encoding == "pm1" else np.array([0, 1])
        what = "±1" if encoding == "pm1" else "0 or 1"
    bad = ~np.isin(arr, allowed)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        hint = " (the data mix 0 and -1: give ±1 spins or 0/1 bits)" if q is None and np.any(arr == 0) \
            and np.any(arr == -1) else ""
        raise InputError(f"{where}, row {r}, column {c} (0-based): {_value(arr[r, c])} is not {what}{hint}")
    if q is None and encoding == "01":
        return (2 * arr.astype(np.int8) - 1).astype(np.int8)
    return np.ascontiguousarray(arr, dtype=np.int8)


def _value(v: Any) -> str:
    """A data value as written in a message (``2``, ``0.5``, ``nan``)."""
    v = v.item() if hasattr(v, "item") else v
    return str(int(v)) if isinstance(v, float) and np.isfinite(v) and v == int(v) else str(v)


def _weights(w: Any, B: int) -> np.ndarray:
    """Normalised row weights (sum 1) from ``None`` (uniform) or a non-negative vector."""
    if w is None:
        return np.full(B, 1.0 / B)
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (B,):
        raise InputError(f"sample_weight must have one value per row, shape ({B},), got {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise InputError("sample_weight must be finite, non-negative and not all zero")
    return w / w.sum()


# --------------------------------------------------------------------------- files
def read_spin_data(path: str | os.PathLike, *, q: int | None = None, encoding: str = "auto") -> SpinData:
    """Read samples from a text, ``.csv`` or ``.npy`` file (see the module docstring).

    The memory needed is estimated from the file size (or the ``.npy`` header) before anything is
    loaded.

    Parameters
    ----------
    path : path-like
    q : int, optional
        Number of Potts states; ``None`` for Ising data (``±1`` or ``0/1``).
    encoding : {"auto", "pm1", "01"}
        Ising only, see :func:`as_spin_data`.

    Returns
    -------
    SpinData

    Raises
    ------
    DataFileError
        Missing or empty file, ragged lines (with the line number), symbols outside the alphabet
        (with line and column), NaN in a ``.npy`` file, a single configuration.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"data file {path} does not exist or is not a file")
    if path.suffix.lower() == ".npy":
        arr = _read_npy(path)
    else:
        size = path.stat().st_size
        check_memory(12.0 * size, f"reading {path} ({format_bytes(size)})",
                     advice="split the file or pass a .npy of int8")
        arr = _read_text(path, csv=path.suffix.lower() == ".csv")
    try:
        spins = _spins_from_array(arr, q, encoding, str(path))
    except InputError as exc:
        raise DataFileError(_file_positions(str(exc), path, getattr(arr, "_lines", None))) from None
    return SpinData(spins, q, _weights(None, spins.shape[0]), str(path))


def _read_npy(path: Path) -> np.ndarray:
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = read(fh)
    except (ValueError, OSError) as exc:
        raise DataFileError(f"{path} is not a valid .npy file ({exc})") from None
    if dtype.hasobject:
        raise DataFileError(f"{path} holds Python objects; save a numeric array (no pickle is loaded)")
    nbytes = float(np.prod(shape, dtype=float)) * (dtype.itemsize + 1)
    check_memory(nbytes, f"loading {path} (shape {shape}, {dtype})", advice="load a subset of rows")
    return np.load(path, allow_pickle=False)


class _Lines(np.ndarray):
    """An array that remembers the file line number of each row (for messages)."""

    _lines: np.ndarray


def _read_text(path: Path, *, csv: bool) -> np.ndarray:
    raw = path.read_bytes()
    allowed = b"\t\n\r" + bytes(range(0x20, 0x7F))
    if raw.translate(None, allowed):
        pos = raw.index(raw.translate(None, allowed)[:1])
        lineno = raw.count(b"\n", 0, pos) + 1
        raise DataFileError(f"{path}, line {lineno}: not text (byte "
                            f"0x{raw[pos]:02x}); give one configuration per line, e.g. 0110 or -1 1 1")
    rows = [(i + 1, ln.strip()) for i, ln in enumerate(raw.splitlines())]
    rows = [(i, ln) for i, ln in rows if ln and not ln.startswith(b"#")]
    if rows and csv and re.search(rb"[A-Za-z_]", rows[0][1]):
        rows = rows[1:]  # a header line of column names
    if not rows:
        raise DataFileError(f"data file {path} is empty: expected one configuration per line")
    numbers = [i for i, ln in rows]
    if not csv and not any(_NOT_DIGIT_MODE.search(ln) for _, ln in rows):
        arr = _digit_rows(path, rows)
    else:
        arr = _token_rows(path, rows)
    out = arr.view(_Lines)
    out._lines = np.asarray(numbers)
    return out


def _check_ragged(path: Path, rows: list, lengths: list[int], unit: str) -> None:
    n = lengths[0]
    for (lineno, _), k in zip(rows, lengths):
        if k != n:
            raise DataFileError(f"{path}, line {lineno}: has {k} {unit} but line {rows[0][0]} has {n}; "
                                f"every configuration must have the same number of spins")


def _digit_rows(path: Path, rows: list) -> np.ndarray:
    _check_ragged(path, rows, [len(ln) for _, ln in rows], "characters")
    n = len(rows[0][1])
    buf = np.frombuffer(b"".join(ln for _, ln in rows), dtype=np.uint8).reshape(-1, n).astype(np.int16)
    bad = (buf < ord("0")) | (buf > ord("9"))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataFileError(f"{path}, line {rows[r][0]}, column {c + 1}: {chr(buf[r, c])!r} is not a digit; "
                            f"write a configuration as digits (0110) or as numbers separated by spaces")
    return buf - ord("0")


def _token_rows(path: Path, rows: list) -> np.ndarray:
    tokens = [_SEPARATORS.split(ln) for _, ln in rows]
    _check_ragged(path, rows, [len(t) for t in tokens], "values")
    try:
        return np.array(tokens, dtype=np.float64)
    except ValueError:
        for (lineno, _), toks in zip(rows, tokens):
            for c, tok in enumerate(toks):
                try:
                    float(tok)
                except ValueError:
                    raise DataFileError(f"{path}, line {lineno}, value {c + 1}: {tok.decode()!r} is not a "
                                        f"number; give ±1, 0/1 or Potts states 0..q-1") from None
        raise


def _file_positions(message: str, path: Path, lines: np.ndarray | None) -> str:
    """Rewrite ``row r, column c (0-based)`` of an array message as the file's line and column."""
    m = re.search(r"row (\d+), column (\d+) \(0-based\)", message)
    if m is None or lines is None:
        return message
    r, c = int(m.group(1)), int(m.group(2))
    where = f"line {int(lines[r])}, column {c + 1}" if path.suffix.lower() != ".npy" else m.group(0)
    return message.replace(m.group(0), where)
