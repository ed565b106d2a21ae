"""Spin operators as bit masks, the best basis, and changes of basis (gauge transformations).

A spin operator ``phi_mu = prod_{i in mu} s_i`` is the bit mask ``mu`` (Python int, bit ``i`` =
variable ``i``). With ``s_i = (-1)**sigma_i`` its value is ``(-1)**parity(mu & sigma)``, so a set of
``n`` linearly independent operators over GF(2) (a *basis*) defines new binary variables
``sigma'_a = parity(mu_a & sigma)``: a bijection of the ``2**n`` states (a gauge transformation).

The *best basis* (de Mulatier, Mazza, Marsili) is the one in which the independent model has the
largest likelihood: the ``n`` independent operators of smallest entropy
``H(p_mu) = -p log p - (1-p) log(1-p)``, with ``p_mu`` the frequency of ``phi_mu = -1``. Since
independent sets form a matroid, taking operators in increasing entropy and keeping each one that
is independent of those kept (Gaussian elimination over GF(2)) finds it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from spinscope._validation import check_int
from spinscope.errors import InputError
from spinscope.mcm import _kernels as K
from spinscope.mcm._partition import masks_to_words, variables_of
from spinscope.mcm.data import BinaryData, as_binary_data

__all__ = [
    "MAX_EXHAUSTIVE_N",
    "BasisResult",
    "best_basis",
    "check_basis",
    "gf2_inverse",
    "gf2_rank",
    "inverse_transform",
    "operator_frequencies",
    "operator_string",
    "read_basis_file",
    "transform",
]

#: Largest ``n`` for the exhaustive search over all ``2**n - 1`` operators (memory 2**n floats).
MAX_EXHAUSTIVE_N = 24


def gf2_rank(masks: Sequence[int]) -> int:
    """Rank over GF(2) of a set of bit masks.

    Parameters
    ----------
    masks : sequence of int
        Operators as bit masks over the variables.

    Returns
    -------
    int
    """
    pivots: dict[int, int] = {}
    rank = 0
    for m in masks:
        if _reduce(int(m), pivots):
            rank += 1
    return rank


def _reduce(m: int, pivots: dict[int, int]) -> bool:
    """Reduce ``m`` by the pivot rows; if it stays non-zero add it and return True."""
    while m:
        top = m.bit_length() - 1
        p = pivots.get(top)
        if p is None:
            pivots[top] = m
            return True
        m ^= p
    return False


def gf2_inverse(basis: Sequence[int], n: int) -> list[int]:
    """Inverse over GF(2) of the ``n x n`` matrix whose row ``a`` is the mask ``basis[a]``.

    Parameters
    ----------
    basis : sequence of int
        ``n`` independent operators (bit masks).
    n : int
        Number of variables.

    Returns
    -------
    list of int
        Masks ``inv`` such that ``sigma_i = parity(inv[i] & sigma')`` when
        ``sigma'_a = parity(basis[a] & sigma)``.
    """
    rows = [[int(b), 1 << a] for a, b in enumerate(basis)]  # augmented [M | I]
    for col in range(n):
        piv = next((r for r in range(col, n) if rows[r][0] >> col & 1), None)
        if piv is None:
            raise InputError("the basis operators are not linearly independent over GF(2)")
        rows[col], rows[piv] = rows[piv], rows[col]
        for r in range(n):
            if r != col and rows[r][0] >> col & 1:
                rows[r][0] ^= rows[col][0]
                rows[r][1] ^= rows[col][1]
    # rows[i] = [e_i, row i of M^-1]; sigma = M^-1 sigma' so sigma_i = parity(M^-1[i] & sigma')
    return [rows[i][1] for i in range(n)]


def check_basis(basis: Any, n: int) -> list[int]:
    """Validate ``n`` linearly independent operators.

    Parameters
    ----------
    basis : sequence of int or (n, n) array of 0/1
        Operators as int masks, or as rows of 0/1 of length ``n`` (entry ``i`` = variable ``i``).
    n : int
        Number of variables.

    Returns
    -------
    list of int
        The operators as bit masks.

    Raises
    ------
    InputError
        Not ``n`` operators, operators outside the ``n`` variables, or dependent operators.
    """
    try:
        items = list(basis)
    except TypeError:
        raise InputError(f"basis must be a list of {n} operators, got {basis!r}") from None
    masks = []
    for a, op in enumerate(items):
        if isinstance(op, (int, np.integer)):
            m = int(op)
        else:
            row = np.asarray(op).ravel()
            if row.shape != (n,) or not np.all((row == 0) | (row == 1)):
                raise InputError(f"basis[{a}] must be a 0/1 row of length {n} or an int mask")
            m = sum(1 << i for i in np.flatnonzero(row).tolist())
        if m <= 0 or m >> n:
            raise InputError(f"basis[{a}] = {op!r} is not a non-empty operator on {n} variables")
        masks.append(m)
    if len(masks) != n:
        raise InputError(f"a basis of {n} variables needs {n} operators, got {len(masks)}")
    if gf2_rank(masks) != n:
        raise InputError("the basis operators are not linearly independent over GF(2); "
                         "each must not be a product of the others")
    return masks


def read_basis_file(path: Any, n: int) -> list[int]:
    """Read ``n`` operators from a text file.

    One 0/1 string of length ``n`` per line, character ``i`` (left to right) = 1 if variable ``i``
    is in the operator (the data-file convention); blank lines are skipped.

    Parameters
    ----------
    path : path-like
        The basis file.
    n : int
        Number of variables (and of operators).

    Returns
    -------
    list of int
        The operators as bit masks.

    Raises
    ------
    DataFileError
        With the line number of a malformed line or of an operator that is a product of the
        operators above it.
    """
    from pathlib import Path

    from spinscope.errors import DataFileError

    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"basis file {path} does not exist or is not a file")
    pivots: dict[int, int] = {}
    masks = []
    for lineno, raw in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if len(line) != n or set(line) - {"0", "1"}:
            raise DataFileError(f"{path}, line {lineno}: expected a 0/1 string of length {n} "
                                f"(one operator on the {n} data variables), got {line[:40]!r}")
        m = sum(1 << i for i, ch in enumerate(line) if ch == "1")
        if not _reduce(m, pivots):
            raise DataFileError(f"{path}, line {lineno}: operator is zero or a product of the "
                                f"operators above it; the {n} basis operators must be independent")
        masks.append(m)
    if len(masks) != n:
        raise DataFileError(f"basis file {path} has {len(masks)} operators; the data need {n}")
    return masks


def transform(data: Any, basis: Sequence[int]) -> BinaryData:
    """Data in the new variables ``sigma'_a = parity(basis[a] & sigma)``; counts are unchanged.

    Parameters
    ----------
    data : BinaryData or anything :func:`~spinscope.mcm.data.as_binary_data` accepts
    basis : sequence of int
        ``n`` independent operators (bit masks over the original variables).

    Returns
    -------
    BinaryData
    """
    data = as_binary_data(data)
    basis = check_basis(basis, data.n)
    new = K.parity_transform(data.states, masks_to_words(basis, data.n_words))
    return BinaryData.from_packed(new, data.n, weights=data.counts)


def inverse_transform(data: Any, basis: Sequence[int]) -> BinaryData:
    """Back to the original variables: the inverse of :func:`transform` with the same basis.

    Parameters
    ----------
    data : BinaryData or anything :func:`~spinscope.mcm.data.as_binary_data` accepts
        Data in the basis variables.
    basis : sequence of int
        The basis given to :func:`transform`.

    Returns
    -------
    BinaryData
    """
    data = as_binary_data(data)
    return transform(data, gf2_inverse(check_basis(basis, data.n), data.n))


def operator_frequencies(data: Any, operators: Sequence[int]) -> np.ndarray:
    """Frequency of ``phi_mu = -1`` (odd parity of ``mu & sigma``) for each operator mask.

    Parameters
    ----------
    data : BinaryData or anything :func:`~spinscope.mcm.data.as_binary_data` accepts
    operators : sequence of int
        Operators as bit masks.

    Returns
    -------
    ndarray of float, shape (len(operators),)
    """
    data = as_binary_data(data)
    ops = masks_to_words([int(o) for o in operators], data.n_words)
    return K.parity_counts(data.states, data.counts, ops) / data.N


def _entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(np.where(p > 0, p * np.log(p), 0.0) + np.where(p < 1, (1 - p) * np.log1p(-p), 0.0))
    return h


@dataclass
class BasisResult:
    """A basis of ``n`` operators with their frequencies and entropies (nats), ordered by entropy.

    ``operators[a]`` is a bit mask over the original variables; ``entropy_sum`` is minus the
    maximum log-likelihood per observation of the independent model in this basis.
    """

    operators: list[int]
    frequencies: list[float]
    entropies: list[float]
    method: str
    n: int

    @property
    def entropy_sum(self) -> float:
        """Sum of the operator entropies (nats)."""
        return float(sum(self.entropies))

    def to_dict(self) -> dict:
        """JSON-ready dict; each operator as its variables (0-based) and as a 0/1 string."""
        return {"operators": [list(variables_of(m)) for m in self.operators],
                "operators_01": [operator_string(m, self.n) for m in self.operators],
                "frequencies": self.frequencies, "entropies": self.entropies,
                "entropy_sum": self.entropy_sum, "method": self.method, "n": self.n}


def operator_string(mask: int, n: int) -> str:
    """An operator as a 0/1 string, character ``i`` (left to right) = variable ``i``.

    Parameters
    ----------
    mask : int
        The operator as a bit mask.
    n : int
        Number of variables (length of the string).

    Returns
    -------
    str
    """
    return "".join("1" if mask >> i & 1 else "0" for i in range(n))


def _select_in_order(ops: Any, freqs: np.ndarray, order: Any, n: int) -> tuple[list[int], list[float]]:
    """Walk candidates in the given order, keeping each one independent of those kept."""
    pivots: dict[int, int] = {}
    chosen, fr = [], []
    for k in order:
        k = int(k)
        if _reduce(int(ops[k]), pivots):
            chosen.append(int(ops[k]))
            fr.append(float(freqs[k]))
            if len(chosen) == n:
                break
    return chosen, fr


def _greedy_select(ops: Sequence[int], freqs: np.ndarray, n: int) -> tuple[list[int], list[float]]:
    ent = _entropy(freqs)
    # increasing entropy; ties broken by lower order, then smaller mask (deterministic)
    order = sorted(range(len(ops)), key=lambda k: (ent[k], bin(int(ops[k])).count("1"), int(ops[k])))
    return _select_in_order(ops, freqs, order, n)


def _exhaustive(data: BinaryData) -> tuple[list[int], list[float]]:
    n = data.n
    hist = np.bincount(data.states[:, 0].astype(np.int64), weights=data.counts,
                       minlength=1 << n).astype(np.float64)
    wh = K.walsh_hadamard(hist)  # sum_s k_s (-1)^{mu.s} = N (1 - 2 p_mu)
    freqs = (data.N - wh[1:]) / (2.0 * data.N)
    ops = np.arange(1, 1 << n, dtype=np.int64)
    # same order as _greedy_select: entropy, then order of the operator, then mask
    order = np.lexsort((ops, np.bitwise_count(ops), _entropy(freqs)))
    return _select_in_order(ops, freqs, order, n)


def _restricted(data: BinaryData, order: int) -> tuple[list[int], list[float]]:
    n = data.n
    ops = [sum(1 << i for i in c) for k in range(1, order + 1) for c in combinations(range(n), k)]
    freqs = operator_frequencies(data, ops)
    return _greedy_select(ops, freqs, n)


def best_basis(data: Any, *, order: int | None = None, max_iter: int = 20) -> BasisResult:
    """The basis of ``n`` independent operators of smallest total entropy.

    Parameters
    ----------
    data : BinaryData or anything :func:`~spinscope.mcm.data.as_binary_data` accepts
    order : int or None
        ``None``: exhaustive over all ``2**n - 1`` operators (one Walsh–Hadamard transform,
        ``n <= MAX_EXHAUSTIVE_N``); exact. ``k``: only operators of order ``<= k`` in the current
        variables, iterated — the data are moved to the basis found and the search repeated, so
        products of basis operators of higher order in the original variables can enter — until
        the entropy stops decreasing or ``max_iter`` rounds.
    max_iter : int
        Most rounds of the restricted search.

    Returns
    -------
    BasisResult
        Operators as masks over the original variables, in increasing entropy.
    """
    data = as_binary_data(data)
    n = data.n
    if order is None:
        if n > MAX_EXHAUSTIVE_N:
            raise InputError(
                f"the exhaustive best-basis search supports n <= {MAX_EXHAUSTIVE_N}, got n = {n}; "
                f"restrict it to low-order operators, e.g. order=2 (CLI: --order 2)")
        ops, freqs = _exhaustive(data)
        return _result(ops, freqs, "exhaustive", n)
    order = check_int(order, "order", minimum=1)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    ops, freqs = _restricted(data, min(order, n))
    best_h = float(_entropy(np.array(freqs)).sum())
    total = ops
    result = _result(ops, freqs, f"order<={order}, 1 round", n)
    cur = transform(data, ops)
    for it in range(1, max_iter):
        ops, freqs = _restricted(cur, min(order, n))
        # compose: new variable a = parity(ops[a] & sigma_cur), sigma_cur_b = parity(total[b] & sigma)
        composed = []
        for op in ops:
            m = 0
            for b in variables_of(op):
                m ^= total[b]
            composed.append(m)
        h = float(_entropy(np.array(freqs)).sum())
        if h >= best_h - 1e-12:
            break
        best_h, total = h, composed
        result = _result(composed, freqs, f"order<={order}, {it + 1} round(s)", n)
        cur = transform(data, composed)
    return result


def _result(ops: list[int], freqs: list[float], method: str, n: int) -> BasisResult:
    ent = _entropy(np.array(freqs)).tolist()
    return BasisResult(operators=ops, frequencies=list(map(float, freqs)), entropies=ent,
                       method=method, n=n)
