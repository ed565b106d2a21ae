"""3-XORSAT instances as text files: a versioned header line, then one clause per line.

Format (written by :func:`write_xorsat`, ``spinscope generate xorsat``)::

    # spinscope-xorsat v1 n=8 clauses=8 energy=-8 degeneracy=2 generator=xorsat seed=3
    # E(s) = -sum_c J_c s_i s_j s_k over s in {-1,+1}, minimised; lines 'i j k J_c', 0-based
    0 3 5 1
    1 2 7 -1
    ...

``v1`` is the header's version; then ``key=value`` tokens, of which ``n``, ``clauses``, ``energy``
(the ground-state energy, ``-clauses``: every clause can be satisfied) and ``degeneracy`` (the
number of ground states, ``2^(n - rank)``) are required. The file holds 3-spin terms, so
:func:`~spinscope.optimize.problem_files.load_problem` does not read it; :func:`read_xorsat` does,
and checks the header against the clauses (GF(2) elimination). ``spinscope solve`` recognises the
file by :func:`is_xorsat_file` on its first line and solves it with
:mod:`spinscope.optimize.xorsat_solvers`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from spinscope._files import atomic_write
from spinscope.errors import DataFileError
from spinscope.optimize.memory import check_text_file
from spinscope.optimize.xorsat import MAX_XORSAT_N, XorsatInstance, gf2_solve, incidence

__all__ = ["XORSAT_HEADER_VERSION", "is_xorsat_file", "read_xorsat", "write_xorsat"]

XORSAT_HEADER_VERSION = 1
_HEADER = re.compile(r"^#\s*spinscope-xorsat\s+v(\S*)(.*)$")
_REQUIRED = ("n", "clauses", "energy", "degeneracy")


def is_xorsat_file(first_line: str) -> bool:
    """Whether a file's first line is a 3-XORSAT header (of any version).

    Parameters
    ----------
    first_line : str

    Returns
    -------
    bool
    """
    return _HEADER.match(first_line.strip()) is not None


def write_xorsat(path: str | os.PathLike, instance: XorsatInstance, *, seed: int | None = None,
                 overwrite: bool = False) -> Path:
    """Write a :class:`~spinscope.optimize.xorsat.XorsatInstance` (atomic, umask, no overwrite).

    Parameters
    ----------
    path : path-like
    instance : XorsatInstance
    seed : int, optional
        Recorded in the header.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    Path
    """
    head = (f"# spinscope-xorsat v{XORSAT_HEADER_VERSION} n={instance.n} clauses={len(instance.clauses)} "
            f"energy={int(instance.ground_energy)} degeneracy={instance.degeneracy} generator={instance.generator}")
    if seed is not None:
        head += f" seed={int(seed)}"
    lines = [head, "# E(s) = -sum_c J_c s_i s_j s_k over s in {-1,+1}, minimised; lines 'i j k J_c', 0-based"]
    lines += [f"{i} {j} {k} {int(v)}" for (i, j, k), v in zip(instance.clauses.tolist(), instance.signs.tolist())]
    return atomic_write(path, "\n".join(lines) + "\n", overwrite=overwrite)


def _header(line: str, where: str) -> dict[str, int]:
    m = _HEADER.match(line.strip())
    if m is None:
        raise DataFileError(f"{where}: expected the header '# spinscope-xorsat v1 n=... clauses=... ...'")
    if m.group(1) != str(XORSAT_HEADER_VERSION):
        raise DataFileError(f"{where}: version v{m.group(1)} is not supported; this spinscope reads "
                            f"v{XORSAT_HEADER_VERSION}")
    tokens = dict(tok.partition("=")[::2] for tok in m.group(2).split())
    out = {}
    for key in _REQUIRED:
        try:
            out[key] = int(tokens[key])
        except (KeyError, ValueError):
            raise DataFileError(f"{where}: needs an integer {key}=..., got {tokens.get(key)!r}") from None
    return out


def _clauses(lines: list[str], n: int, source: str) -> tuple[np.ndarray, np.ndarray]:
    rows, signs = [], []
    for number, line in enumerate(lines, start=2):
        text = line.split("#", 1)[0].split()
        if not text:
            continue
        try:
            i, j, k, v = (int(t) for t in text)
        except ValueError:
            raise DataFileError(f"{source}, line {number}: expected 'i j k J' (four integers), got {line.strip()!r}") from None
        if v not in (-1, 1) or len({i, j, k}) < 3 or not all(0 <= x < n for x in (i, j, k)):
            raise DataFileError(f"{source}, line {number}: need three distinct variables in [0, {n}) and J = ±1, "
                                f"got {line.strip()!r}")
        rows.append((i, j, k))
        signs.append(v)
    return np.array(rows, dtype=np.int64).reshape(-1, 3), np.array(signs, dtype=np.int8)


def read_xorsat(path: str | os.PathLike) -> XorsatInstance:
    """Read a file written by :func:`write_xorsat`, checking its header against the clauses.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    XorsatInstance
        ``planted_state`` is a ground state found by GF(2) elimination (the file does not store
        the planted assignment).

    Raises
    ------
    DataFileError
        A missing or malformed header or clause line, or a header whose clause count, energy or
        degeneracy does not match the clauses (including clauses that cannot all be satisfied).
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"3-XORSAT file {path} does not exist (or is not a file)")
    check_text_file(path, "the 3-XORSAT file")
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() or [""]
    where = f"{path}, line 1 (3-XORSAT header)"
    head = _header(lines[0], where)
    n = head["n"]
    if not 1 <= n <= MAX_XORSAT_N:
        raise DataFileError(f"{where}: n must be in [1, {MAX_XORSAT_N}], got {n}")
    clauses, signs = _clauses(lines[1:], n, str(path))
    bits = (signs < 0).astype(np.uint8)
    rank, x = gf2_solve(incidence(n, clauses), bits)
    if x is None:
        raise DataFileError(f"{path}: the clauses cannot all be satisfied, so energy={head['energy']} is not attained")
    found = {"clauses": len(clauses), "energy": -len(clauses), "degeneracy": 2 ** (n - rank)}
    for key, value in found.items():
        if head[key] != value:
            raise DataFileError(f"{where}: {key}={head[key]} but the clauses give {value}")
    state = (1 - 2 * x.astype(np.int8)).astype(np.int8)
    return XorsatInstance(n, clauses, signs, state, rank, {"n": n, "k": 3, "rank": rank}, name=path.stem)
