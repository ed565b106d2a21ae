"""Reader of the Gset Max-Cut format (Helmberg & Rendl's ``rudy`` graphs, distributed by Y. Ye).

Format: the first line holds ``n m`` (any trailing text after the two numbers is ignored), then
``m`` lines ``i j w``: an undirected edge between vertices ``i`` and ``j`` (numbered from 1) with
weight ``w``. Blank lines and lines starting with ``#`` are skipped. Errors name the file and the
line: wrong number of fields or edges, vertices outside ``1..n``, self-loops, an edge listed twice
(in either orientation), non-finite weights.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from spinscope.errors import DataFileError
from spinscope.optimize.maxcut import maxcut_from_edges
from spinscope.optimize.memory import check_problem_size, check_text_file
from spinscope.optimize.problems import Problem

__all__ = ["parse_gset", "read_gset"]


def _int(tok: str, what: str, where: str) -> int:
    try:
        return int(tok)
    except ValueError:
        raise DataFileError(f"{where}: {what} must be an integer, got {tok!r}") from None


def parse_gset(text: str, *, source: str = "<text>") -> tuple[int, np.ndarray, np.ndarray]:
    """Parse Gset text: a line ``n m``, then ``m`` lines ``i j w`` (1-based, each edge once).

    Parameters
    ----------
    text : str
        The file's content.
    source : str
        Name used in error messages.

    Returns
    -------
    n : int
    edges : int64 ndarray, shape (m, 2)
        0-based vertex pairs.
    weights : float64 ndarray, shape (m,)

    Raises
    ------
    DataFileError
        Naming the line of a wrong count, vertex, self-loop, repeated edge or weight; also a
        header announcing more edges than the file has lines.
    MemoryLimitError
        When the header's ``n`` and ``m`` describe a graph that would not fit in memory
        (checked before anything of that size is allocated).
    """
    lines = text.splitlines()
    k = 0
    while k < len(lines) and (not lines[k].strip() or lines[k].lstrip().startswith("#")):
        k += 1
    if k == len(lines):
        raise DataFileError(f"{source}: empty file; a Gset file starts with a line 'n m'")
    head = lines[k].split()
    where = f"{source}, line {k + 1}"
    if len(head) < 2:
        raise DataFileError(f"{where}: the first line must start with 'n m' (vertices, edges), got {lines[k]!r}")
    n, m = _int(head[0], "n", where), _int(head[1], "m", where)
    if n < 1 or m < 0:
        raise DataFileError(f"{where}: need n >= 1 and m >= 0, got n={n}, m={m}")
    rest = len(lines) - k - 1
    if m > rest:  # checked before the edge arrays are allocated
        raise DataFileError(f"{source}: the first line announces m={m} edges but the file has {rest} "
                            f"line{'s' if rest != 1 else ''} after it")
    check_problem_size(n, m, f"{where}: the header 'n m' = {n} {m}")
    edges = np.empty((m, 2), dtype=np.int64)
    weights = np.empty(m)
    seen: dict[tuple[int, int], int] = {}
    e = 0
    for ln in range(k + 1, len(lines)):
        raw = lines[ln].strip()
        if not raw or raw.startswith("#"):
            continue
        where = f"{source}, line {ln + 1}"
        toks = raw.split()
        if len(toks) != 3:
            raise DataFileError(f"{where}: expected 'i j w' (3 fields), got {len(toks)}: {raw!r}")
        if e >= m:
            raise DataFileError(f"{where}: more edge lines than the m={m} announced on the first line")
        i, j = _int(toks[0], "vertex i", where), _int(toks[1], "vertex j", where)
        try:
            w = float(toks[2])
        except ValueError:
            raise DataFileError(f"{where}: weight must be a number, got {toks[2]!r}") from None
        for v in (i, j):
            if not 1 <= v <= n:
                raise DataFileError(f"{where}: vertex {v} is outside 1..{n} (Gset numbers vertices from 1)")
        if i == j:
            raise DataFileError(f"{where}: self-loop {i}-{j}; Max-Cut edges join two different vertices")
        if not np.isfinite(w):
            raise DataFileError(f"{where}: weight {toks[2]!r} is not finite")
        key = (min(i, j), max(i, j))
        if key in seen:
            raise DataFileError(f"{where}: edge {i}-{j} already listed on line {seen[key]}; list each edge once")
        seen[key] = ln + 1
        edges[e] = (i - 1, j - 1)
        weights[e] = w
        e += 1
    if e != m:
        raise DataFileError(f"{source}: the first line announces m={m} edges but the file has {e}")
    return n, edges, weights


def read_gset(path: str | os.PathLike, *, name: str | None = None) -> Problem:
    """Read a Gset file into a Max-Cut :class:`~spinscope.optimize.problems.Problem`.

    Parameters
    ----------
    path : path-like
    name : str, optional
        Problem name (default: the file's stem).

    Returns
    -------
    Problem
        Kind ``"maxcut"``.
    """
    path = Path(path)
    check_text_file(path, "the Gset file")
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not a text file; a Gset file holds lines 'n m' then 'i j w'") from None
    n, edges, weights = parse_gset(text, source=str(path))
    return maxcut_from_edges(edges, weights, n=n, name=name or path.stem)
