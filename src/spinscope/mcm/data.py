"""Binary data for MCM inference, reduced once to the counts of its distinct states.

Conventions
-----------
* A text data file holds one observation per line, written as a string of ``0``/``1`` characters
  (the format of the MinCompSpin reference code); blank lines and trailing whitespace (``\\r``)
  are ignored.
* Variables are numbered by column, left to right: column ``i`` (0-based in Python, ``i + 1`` in
  the CLI) is variable ``i``.
* The character is the binary variable ``sigma_i`` in {0, 1}; the spin is
  ``s_i = (-1)**sigma_i = 1 - 2 sigma_i``, so ``'0'`` is ``s = +1`` and ``'1'`` is ``s = -1``.
  With this choice a spin operator ``phi_mu = prod_{i in mu} s_i`` is ``(-1)**(parity of the
  bits of mu)`` and a change of basis is a linear map over GF(2). Arrays of ±1 are converted with
  the same rule (``+1 -> 0``, ``-1 -> 1``). The evidence of an MCM does not depend on this choice.
* States are bit-packed: variable ``i`` is bit ``i % 64`` of word ``i // 64`` of an unsigned
  64-bit integer, so any ``n`` is supported (``n <= 64``: one word per state, ``n <= 128``: two).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spinscope.errors import DataFileError, InputError, SpinscopeTypeError

__all__ = ["BinaryData", "as_binary_data", "as_bits", "pack_bits", "read_binary_data", "unpack_bits"]


def n_words(n: int) -> int:
    """Number of 64-bit words needed for ``n`` variables.

    Parameters
    ----------
    n : int

    Returns
    -------
    int
        ``max(1, ceil(n / 64))``.
    """
    return max(1, (n + 63) // 64)


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Pack a ``(N, n)`` array of 0/1 into ``(N, ceil(n/64))`` uint64 words (variable i = bit i).

    Parameters
    ----------
    bits : ndarray, shape (N, n)
        Values 0/1.

    Returns
    -------
    ndarray of uint64, shape (N, ceil(n/64))
        Variable ``i`` is bit ``i % 64`` of word ``i // 64``.
    """
    bits = np.asarray(bits, dtype=np.uint8)
    N, n = bits.shape
    W = n_words(n)
    padded = np.zeros((N, 64 * W), dtype=np.uint8)
    padded[:, :n] = bits
    packed = np.packbits(padded, axis=1, bitorder="little")  # byte b, bit k = column 8b + k
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64, copy=False).reshape(N, W)


def unpack_bits(states: np.ndarray, n: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: ``(m, W)`` uint64 words -> ``(m, n)`` uint8 array of 0/1.

    Parameters
    ----------
    states : ndarray of uint64, shape (m, W) or (m,)
        Packed states.
    n : int
        Number of variables to unpack.

    Returns
    -------
    ndarray of uint8, shape (m, n)
    """
    states = np.ascontiguousarray(np.asarray(states, dtype=np.uint64))
    if states.ndim == 1:
        states = states[:, None]
    m = states.shape[0]
    as_bytes = states.astype("<u8").view(np.uint8).reshape(m, -1)
    return np.unpackbits(as_bytes, axis=1, bitorder="little")[:, :n]


@dataclass(frozen=True)
class BinaryData:
    """Observations of ``n`` binary variables, stored as distinct states and their counts.

    Attributes
    ----------
    n : int
        Number of variables.
    states : ndarray of uint64, shape (m, W)
        The ``m`` distinct observed states, bit-packed (variable ``i`` = bit ``i % 64`` of word
        ``i // 64``), sorted.
    counts : ndarray of int64, shape (m,)
        How many times each distinct state was observed (all > 0).
    """

    n: int
    states: np.ndarray
    counts: np.ndarray

    @property
    def N(self) -> int:
        """Number of observations."""
        return int(self.counts.sum())

    @property
    def m(self) -> int:
        """Number of distinct observed states."""
        return int(self.counts.shape[0])

    @property
    def n_words(self) -> int:
        """Number of 64-bit words per state."""
        return int(self.states.shape[1])

    def to_array(self, *, expand: bool = False) -> np.ndarray:
        """The data as a 0/1 ``uint8`` array.

        Parameters
        ----------
        expand : bool
            Return all ``N`` observations (each distinct state repeated by its count) instead of the
            ``m`` distinct states.

        Returns
        -------
        ndarray of uint8, shape (m, n) or (N, n)
        """
        bits = unpack_bits(self.states, self.n)
        return np.repeat(bits, self.counts, axis=0) if expand else bits

    @classmethod
    def from_bits(cls, bits: np.ndarray, *, weights: np.ndarray | None = None) -> BinaryData:
        """Build from a validated ``(N, n)`` 0/1 array.

        Parameters
        ----------
        bits : ndarray, shape (N, n)
            Values 0/1, one observation per row.
        weights : ndarray of int, shape (N,), optional
            Integer weight (count) of each row; default 1.

        Returns
        -------
        BinaryData
        """
        return cls.from_packed(pack_bits(bits), bits.shape[1], weights=weights)

    @classmethod
    def from_packed(cls, packed: np.ndarray, n: int, *, weights: np.ndarray | None = None) -> BinaryData:
        """Build from packed states, merging repeated states.

        Parameters
        ----------
        packed : ndarray of uint64, shape (N, W)
            States packed as by :func:`pack_bits`.
        n : int
            Number of variables.
        weights : ndarray of int, shape (N,), optional
            Integer weight (count) of each row; default 1.

        Returns
        -------
        BinaryData
        """
        packed = np.asarray(packed, dtype=np.uint64)
        if packed.ndim == 1:
            packed = packed[:, None]
        w = np.ones(packed.shape[0], dtype=np.int64) if weights is None else np.asarray(weights, np.int64)
        if packed.shape[1] == 1:
            uniq, inv = np.unique(packed[:, 0], return_inverse=True)
            uniq = uniq[:, None]
        else:
            uniq, inv = np.unique(packed, axis=0, return_inverse=True)
        counts = np.bincount(inv.ravel(), weights=w, minlength=uniq.shape[0]).astype(np.int64)
        keep = counts > 0
        return cls(n=int(n), states=np.ascontiguousarray(uniq[keep]), counts=counts[keep])


def read_binary_data(path: str | os.PathLike) -> BinaryData:
    """Read a text file of 0/1 strings (one observation per line) into :class:`BinaryData`.

    Parameters
    ----------
    path : path-like
        The data file; column ``i`` from the left is variable ``i`` (0-based).

    Returns
    -------
    BinaryData

    Raises
    ------
    DataFileError
        If the file is missing or empty, if a line has another length than the first, or holds
        a character other than ``0``/``1``; the message gives the line number (from 1).
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"data file {path} does not exist or is not a file")
    raw = path.read_bytes()
    _check_text(path, raw)
    lines = raw.splitlines()
    numbered = [(i + 1, ln.strip()) for i, ln in enumerate(lines)]
    numbered = [(i, ln) for i, ln in numbered if ln]
    if not numbered:
        raise DataFileError(f"data file {path} is empty: expected one 0/1 string per line")
    n = len(numbered[0][1])
    for lineno, ln in numbered:
        if len(ln) != n:
            raise DataFileError(
                f"{path}, line {lineno}: has {len(ln)} characters but line {numbered[0][0]} has {n}; "
                f"every observation must be a 0/1 string of the same length"
            )
    buf = np.frombuffer(b"".join(ln for _, ln in numbered), dtype=np.uint8).reshape(-1, n) - ord("0")
    bad = buf > 1
    if bad.any():
        row, col = np.argwhere(bad)[0]
        byte = (int(buf[row, col]) + ord("0")) % 256
        raise DataFileError(
            f"{path}, line {numbered[row][0]}, column {col + 1}: {_describe_byte(byte)} is not 0 or 1; "
            f"each line must be a string of 0/1 characters (no spaces or separators)"
        )
    return BinaryData.from_bits(buf)


def _describe_byte(byte: int) -> str:
    """How a character of a data line is named in a message (``'a'``, ``a space``, ``byte 0xff``)."""
    names = {0x20: "a space", 0x09: "a tab", 0x2C: "a comma ','", 0x3B: "a semicolon ';'"}
    if byte in names:
        return names[byte]
    return f"character {chr(byte)!r}" if 0x21 <= byte < 0x7F else f"byte 0x{byte:02x}"


def _check_text(path: Path, raw: bytes) -> None:
    """Refuse a binary file (a control byte or a byte >= 0x80) with its line number."""
    allowed = b"\t\n\r" + bytes(range(0x20, 0x7F))
    stray = raw.translate(None, allowed)
    if stray:
        pos = raw.index(stray[:1])
        lineno = raw.count(b"\n", 0, pos) + 1
        raise DataFileError(
            f"{path} is not a text file of 0/1 strings: line {lineno} holds "
            f"binary data ({_describe_byte(stray[0])}); give one observation per line, e.g. 0110"
        )


def as_binary_data(X: Any, *, encoding: str = "auto") -> BinaryData:
    """Convert data to :class:`BinaryData`.

    Parameters
    ----------
    X : BinaryData, path, ndarray of shape (N, n), pandas DataFrame or sequence of 0/1 strings
        Observations, one per row (see :func:`as_bits`); a ``BinaryData`` is returned unchanged.
    encoding : {"auto", "01", "pm1"}
        How to read numeric values (see :func:`as_bits`).

    Returns
    -------
    BinaryData
    """
    if isinstance(X, BinaryData):
        return X
    if isinstance(X, (str, os.PathLike)):
        return read_binary_data(X)
    return BinaryData.from_bits(as_bits(X, encoding=encoding))


def as_bits(X: Any, *, encoding: str = "auto") -> np.ndarray:
    """Convert data to a ``(N, n)`` uint8 array of 0/1, one row per observation.

    Parameters
    ----------
    X : BinaryData, path, ndarray of shape (N, n), pandas DataFrame or sequence of 0/1 strings
        Observations, one per row. A ``str``/``Path`` is read with :func:`read_binary_data`.
    encoding : {"auto", "01", "pm1"}
        How to read numeric values: ``"01"`` (0/1 or bool), ``"pm1"`` (spins ±1, ``+1 -> 0``,
        ``-1 -> 1``), or ``"auto"``: ±1 if any value is -1, else 0/1.

    Returns
    -------
    ndarray of uint8, shape (N, n)
    """
    if isinstance(X, (str, os.PathLike)):
        X = read_binary_data(X)
    if isinstance(X, BinaryData):
        return X.to_array(expand=True)
    if encoding not in ("auto", "01", "pm1"):
        raise InputError(f"encoding must be 'auto', '01' or 'pm1', got {encoding!r}")
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        X = X.to_numpy()
    if isinstance(X, (list, tuple)) and X and all(isinstance(r, str) for r in X):
        for i, row in enumerate(X):
            if len(row) != len(X[0]):
                raise InputError(f"data[{i}] has {len(row)} characters but data[0] has {len(X[0])}; "
                                 f"all 0/1 strings must have the same length")
            bad = next((j for j, ch in enumerate(row) if ch not in "01"), None)
            if bad is not None:
                raise InputError(f"data[{i}], character {bad + 1}: {row[bad]!r} is not 0 or 1")
        X = [[int(c) for c in r] for r in X]
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError):
        raise InputError("data must be a rectangular array of shape (N, n)") from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise SpinscopeTypeError(f"data must be numeric 0/1 or ±1 values, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"data must have shape (N, n) with N, n >= 1, got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise InputError("data contains NaN or infinity")
    if encoding == "auto":
        encoding = "pm1" if np.any(arr == -1) else "01"
    allowed = (0, 1) if encoding == "01" else (-1, 1)
    bad = (arr != allowed[0]) & (arr != allowed[1])
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError(
            f"data[{r}, {c}] = {arr[r, c]!r} is not one of {allowed} (encoding {encoding!r}); "
            f"give 0/1 or ±1 values"
        )
    bits = (arr == 1) if encoding == "01" else (arr == -1)
    return bits.astype(np.uint8)
