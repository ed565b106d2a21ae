"""Planted instances as Ising text files: the versioned header line, its reader and the writer.

A file written by :func:`write_planted` (``spinscope generate``) is an ordinary Ising text file
(:mod:`spinscope.optimize.problem_files`: ``i j value`` lines, dimod's convention
``E(s) = sum_{i<j} J_ij s_i s_j``, minimised) whose **first line** is the planted header::

    # spinscope-planted v1 energy=-29.0 generator=tiles2d n=16 seed=7 L=4 p=0.2,0.5,0.1 gauge=1

``v1`` is the header's version; then space-separated ``key=value`` tokens. ``energy`` (the
planted ground-state energy ``E0``, written with ``repr`` so it reads back exactly) is required;
``generator``, ``n``, ``seed`` and the generator's settings are recorded for the reader.
:func:`~spinscope.optimize.problem_files.load_problem` reads the header into
``Problem.planted_energy`` and reads such a file as Ising by default; a header of another version
is refused rather than guessed at.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from spinscope._files import atomic_write
from spinscope.errors import DataFileError

__all__ = ["PLANTED_HEADER_VERSION", "is_planted_file", "planted_header", "read_planted_header", "write_planted"]

PLANTED_HEADER_VERSION = 1
_TAG = "spinscope-planted"
_HEADER = re.compile(rf"^#\s*{_TAG}\s+v(\S*)(.*)$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _token(value: Any) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return ",".join(_token(v) for v in value)
    return str(value)


def planted_header(energy: float, *, generator: str, n: int, seed: int | None = None,
                   params: dict | None = None) -> str:
    """The header line (without newline) of a planted instance.

    Parameters
    ----------
    energy : float
        The planted ground-state energy ``E0``.
    generator : str
        Name of the generator (``"wishart"``, ``"tiles2d"``).
    n : int
        Number of spins.
    seed : int, optional
        The seed the instance was generated with.
    params : dict, optional
        Further settings, written as ``key=value`` (lists comma-joined, booleans 0/1).

    Returns
    -------
    str
    """
    items: dict[str, Any] = {"energy": float(energy), "generator": generator, "n": int(n)}
    if seed is not None:
        items["seed"] = int(seed)
    for k, v in (params or {}).items():
        items.setdefault(k, v)
    return f"# {_TAG} v{PLANTED_HEADER_VERSION} " + " ".join(f"{k}={_token(v)}" for k, v in items.items())


def read_planted_header(line: str, *, source: str = "<text>") -> dict | None:
    """Parse a planted header line; None when ``line`` is not one.

    Parameters
    ----------
    line : str
        A file's first line.
    source : str
        Name used in error messages.

    Returns
    -------
    dict or None
        ``energy`` as a float and every other key as a string.

    Raises
    ------
    DataFileError
        A header of an unsupported version, a malformed token, or a missing or non-finite energy.
    """
    m = _HEADER.match(line.strip())
    if m is None:
        return None
    where = f"{source}, line 1 (planted header)"
    if m.group(1) != str(PLANTED_HEADER_VERSION):
        raise DataFileError(f"{where}: version v{m.group(1)} is not supported; this spinscope reads "
                            f"v{PLANTED_HEADER_VERSION}")
    out: dict[str, Any] = {}
    for tok in m.group(2).split():
        key, eq, value = tok.partition("=")
        if not eq or not _KEY.match(key) or not value:
            raise DataFileError(f"{where}: expected key=value tokens, got {tok!r}")
        out[key] = value
    try:
        energy = float(out.get("energy", "nan"))
    except ValueError:
        energy = math.nan
    if not math.isfinite(energy):
        raise DataFileError(f"{where}: needs a finite energy=E0, got {out.get('energy')!r}")
    out["energy"] = energy
    return out


def is_planted_file(path: str | os.PathLike) -> bool:
    """Whether the file's first line is a planted header (of any version).

    Parameters
    ----------
    path : path-like

    Returns
    -------
    bool
    """
    try:
        with open(path, "rb") as fh:
            first = fh.readline(4096)
    except OSError:
        return False
    return _HEADER.match(first.decode("utf-8", "replace").strip()) is not None


def write_planted(path: str | os.PathLike, instance, *, seed: int | None = None,
                  overwrite: bool = False) -> Path:
    """Write a :class:`~spinscope.optimize.planted.PlantedInstance` as an Ising text file.

    The planted header comes first, then ``# n = N`` and one ``i j value`` line per coupling
    (``i < j``, dimod's sign: ``value = -J_ij`` of spinscope's convention, written exactly with
    ``repr``). The write is atomic, respects the umask, and refuses an existing file unless
    ``overwrite``.

    Parameters
    ----------
    path : path-like
        The file to write (its directory must exist).
    instance : PlantedInstance
    seed : int, optional
        Recorded in the header.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    Path
    """
    prob = instance.problem
    upper = sp.triu(sp.csr_array(prob.model.couplings), k=1).tocoo()
    order = np.lexsort((upper.col, upper.row))
    lines = [planted_header(instance.energy, generator=instance.generator, n=prob.n, seed=seed,
                            params=instance.params),
             f"# n = {prob.n}",
             "# Ising, dimod convention: E(s) = sum_{i<j} J_ij s_i s_j over s in {-1,+1}, minimised; "
             "lines 'i j J_ij', 0-based"]
    lines += [f"{i} {j} {-v!r}" for i, j, v in zip(upper.row[order].tolist(), upper.col[order].tolist(),
                                                    upper.data[order].tolist()) if v != 0]
    return atomic_write(path, "\n".join(lines) + "\n", overwrite=overwrite)
