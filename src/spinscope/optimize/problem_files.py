"""Problem files for ``spinscope solve``: Gset Max-Cut, Ising and QUBO text, spinscope ``.npz``.

Ising / QUBO text format (one term per line, 0-based indices)::

    # comment lines start with '#'; blank lines are skipped
    i j value        # i != j: coupling of the pair (each unordered pair at most once)
    i i value        # linear term (h_i for Ising, Q_ii for QUBO)

The number of variables is ``1 + the largest index`` unless a line ``# n = N`` declares it.
* ``ising``: ``E(s) = sum_i h_i s_i + sum_{i<j} J_ij s_i s_j`` over ``s in {-1, +1}`` (dimod's
  convention, minimised: a *positive* ``J_ij`` is antiferromagnetic, the opposite of spinscope's
  model convention);
* ``qubo``: ``E(x) = sum_i Q_ii x_i + sum_{i<j} Q_ij x_i x_j`` over ``x in {0, 1}``. A pair given
  twice (as ``i j`` and ``j i``) is refused rather than summed or symmetrised.

A file whose first line is a planted header (``# spinscope-planted v1 energy=E0 ...``, written by
``spinscope generate``; :mod:`spinscope.optimize.planted_files`) is read as Ising by default, and
its ``E0`` becomes ``Problem.planted_energy``.

``.npz`` files written by :func:`spinscope.models.save_model` hold an Ising model in spinscope's
convention ``H = -1/2 s^T J s - h^T s`` and are solved as they are.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from spinscope._files import atomic_write
from spinscope.errors import DataFileError, InputError
from spinscope.models import is_model, load_model
from spinscope.optimize.gset import read_gset
from spinscope.optimize.memory import check_problem_size, check_text_file
from spinscope.optimize.planted_files import is_planted_file, read_planted_header
from spinscope.optimize.problems import PROBLEM_KINDS, Problem, ising_problem, qubo_problem
from spinscope.optimize.xorsat_files import is_xorsat_file

__all__ = ["load_problem", "parse_terms", "write_assignment"]

_N_DECL = re.compile(r"^#\s*n\s*=\s*(\d+)\s*$")


def parse_terms(text: str, *, source: str = "<text>") -> tuple[int, np.ndarray, sp.csr_array]:
    """Parse ``i j value`` lines (0-based; ``i i value`` is a linear term; ``# n = N`` sets n).

    Parameters
    ----------
    text : str
        The file's content.
    source : str
        Name used in error messages.

    Returns
    -------
    n : int
    linear : float64 ndarray, shape (n,)
    pairs : scipy.sparse.csr_array, shape (n, n)
        Strictly upper triangular pair coefficients.

    Raises
    ------
    DataFileError
        Naming the line of a malformed, repeated or out-of-range term.
    MemoryLimitError
        When the size (the largest index, or ``# n = N``) would not fit in memory; checked
        before allocating.
    """
    rows, cols, vals, lines_of = [], [], [], {}
    declared = None
    lin: dict[int, float] = {}
    for ln, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if not s:
            continue
        if s.startswith("#"):
            m = _N_DECL.match(s)
            if m:
                declared = int(m.group(1))
            continue
        where = f"{source}, line {ln}"
        toks = s.split()
        if len(toks) != 3:
            raise DataFileError(f"{where}: expected 'i j value' (3 fields), got {len(toks)}: {s!r}")
        try:
            i, j = int(toks[0]), int(toks[1])
        except ValueError:
            raise DataFileError(f"{where}: indices must be integers, got {toks[0]!r} {toks[1]!r}") from None
        try:
            v = float(toks[2])
        except ValueError:
            raise DataFileError(f"{where}: value must be a number, got {toks[2]!r}") from None
        if i < 0 or j < 0:
            raise DataFileError(f"{where}: indices are 0-based and must be >= 0, got {i} {j}")
        if not np.isfinite(v):
            raise DataFileError(f"{where}: value {toks[2]!r} is not finite")
        key = (min(i, j), max(i, j))
        if key in lines_of:
            raise DataFileError(f"{where}: term {key[0]} {key[1]} already given on line {lines_of[key]}; "
                                "give each pair once (no symmetrisation)")
        lines_of[key] = ln
        if i == j:
            lin[i] = v
        else:
            rows.append(key[0])
            cols.append(key[1])
            vals.append(v)
    top = max((max(k) for k in lines_of), default=-1)
    n = top + 1 if declared is None else declared
    if declared is not None and top >= declared:
        raise DataFileError(f"{source}: index {top} is outside 0..{declared - 1} declared by '# n = {declared}'")
    if n == 0:
        raise DataFileError(f"{source}: no terms found; expected lines 'i j value'")
    size_from = f"'# n = {declared}'" if declared is not None else f"the largest index {top}"
    check_problem_size(n, len(vals), f"{source}: {size_from}")
    h = np.zeros(n)
    for i, v in lin.items():
        h[i] = v
    pairs = sp.csr_array((vals, (rows, cols)), shape=(n, n), dtype=np.float64)
    return n, h, pairs


def _guess_kind(path: Path) -> str:
    return "ising" if path.suffix == ".npz" or is_planted_file(path) else "maxcut"


def _refuse_xorsat(path: Path) -> None:
    """A 3-XORSAT file (3-spin clauses) is no pairwise problem: say so instead of misreading it."""
    try:
        with open(path, "rb") as fh:
            first = fh.readline(4096).decode("utf-8", "replace")
    except OSError:
        return
    if is_xorsat_file(first):
        raise InputError(f"{path} is a 3-XORSAT instance (3-spin clauses, 'spinscope generate xorsat'); "
                         "load_problem reads pairwise Max-Cut, Ising and QUBO problems only: solve it with "
                         "'spinscope solve FILE' or spinscope.optimize.solve_xorsat, read it with "
                         "spinscope.optimize.read_xorsat")


def load_problem(path: str | os.PathLike, *, problem: str | None = None) -> Problem:
    """Read a problem file.

    Parameters
    ----------
    path : path-like
    problem : {"maxcut", "ising", "qubo"}, optional
        How to read the file; default ``"ising"`` for ``.npz`` model files and files starting
        with a planted header, else ``"maxcut"`` (Gset format, see :mod:`spinscope.optimize.gset`).

    Returns
    -------
    Problem
        With ``planted_energy`` set from a planted header (Ising files only).

    Raises
    ------
    DataFileError, ModelFileError, InputError
        An unreadable or malformed file (the message names the line); a planted file read as
        anything but Ising.
    MemoryLimitError
        A problem whose announced size would not fit in memory (checked before allocating).
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"problem file {path} does not exist (or is not a file)")
    kind = problem or _guess_kind(path)
    if kind not in PROBLEM_KINDS:
        raise InputError(f"problem must be one of {PROBLEM_KINDS}, got {kind!r}")
    if path.suffix == ".npz":
        if kind != "ising":
            raise InputError(f"{path} is a spinscope model file (an Ising model); use --problem ising")
        model = load_model(path)
        if not is_model(model, "ising"):
            raise InputError(f"{path} holds a {type(model).__name__}; solve needs an Ising model")
        return ising_problem(model, name=path.stem)
    _refuse_xorsat(path)
    if kind == "maxcut":
        return read_gset(path)
    check_text_file(path, f"the {kind} file")
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not a text file; expected lines 'i j value'") from None
    planted = read_planted_header(text.split("\n", 1)[0], source=str(path))
    if planted is not None and kind != "ising":
        raise InputError(f"{path} holds a planted Ising instance (its first line is a planted header); "
                         "read it with --problem ising (problem='ising')")
    n, h, pairs = parse_terms(text, source=str(path))
    if kind == "qubo":
        return qubo_problem(pairs + sp.diags_array(h), name=path.stem)
    prob = ising_problem(h, pairs, name=path.stem)
    if planted is None:
        return prob
    if "n" in planted and planted["n"] != str(n):
        raise DataFileError(f"{path}, line 1 (planted header): n={planted['n']} but the file describes {n} spins")
    return dataclasses.replace(prob, planted_energy=planted["energy"], _cache={})


def write_assignment(path: str | os.PathLike, result, *, overwrite: bool = False) -> Path:
    """Write the best assignment of a :class:`SolveResult`: one value per line, vertex/variable order.

    Values are spins ``-1/+1`` (Max-Cut, Ising) or bits ``0/1`` (QUBO); a ``#`` header records the
    problem, solver and value. The write is atomic and refuses an existing file unless ``overwrite``.

    Parameters
    ----------
    path : path-like
        The file to write (its directory must exist).
    result : SolveResult
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    Path
        The file written.
    """
    header = (f"# spinscope solve: problem={result.name} kind={result.kind} solver={result.solver} "
              f"value={result.best_value:.12g} energy={result.best_energy:.12g}\n")
    body = "\n".join(str(int(v)) for v in result.best_assignment) + "\n"

    def writer(tmp: str) -> None:
        with open(tmp, "w") as fh:
            fh.write(header + body)

    return atomic_write(path, writer, overwrite=overwrite)
