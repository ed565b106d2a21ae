"""Optimisation problems over ±1 spins: Ising, QUBO and Max-Cut, with exact conversions.

Every problem is held as a :class:`Problem`: a spinscope :class:`~spinscope.models.IsingModel`
plus a constant, so that the *objective* minimised by every solver is::

    E(s) = H(s) + offset,     H(s) = -1/2 s^T J s - h^T s      (spinscope's convention)

Conventions of the user-facing formats
--------------------------------------
* **Ising, "dimod" convention** (what D-Wave users pass to ``sample_ising``)::

      E(s) = sum_i h_i s_i + sum_{(i,j)} C_ij s_i s_j + offset,   s_i in {-1, +1}

  so spinscope's couplings are ``J_ij = -(C_ij + C_ji)`` and fields ``-h`` (note the signs).
* **QUBO**: ``E(x) = sum_{i,j} Q_ij x_i x_j + offset`` with ``x_i in {0, 1}``: the diagonal is the
  linear term and the coefficient of ``x_i x_j`` (``i != j``) is ``Q_ij + Q_ji``. A matrix must be
  **symmetric or triangular** (upper or lower); any other asymmetric matrix is refused, because
  it is nearly always a mistake. Dicts ``{(i, j): value}`` follow dimod: entries add up.
  Spins and bits are related by ``x = (1 + s) / 2``.
* **Max-Cut** of a graph with symmetric weights ``w_ij``: the cut of ``s`` is
  ``cut(s) = sum_{i<j} w_ij (1 - s_i s_j) / 2 = (W_total - sum_{i<j} w_ij s_i s_j) / 2`` with
  ``W_total = sum_{i<j} w_ij``. Maximising the cut is minimising the Ising energy with
  ``J = -W``, ``h = 0``: ``cut = (W_total - E) / 2``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from spinscope._validation import SeedLike, check_finite, check_int
from spinscope.errors import InputError, SpinscopeTypeError
from spinscope.models import IsingModel, is_model, sk
from spinscope.optimize.memory import check_problem_size

__all__ = [
    "PROBLEM_KINDS",
    "Problem",
    "ising_problem",
    "ising_to_qubo",
    "qubo_problem",
    "qubo_to_ising",
    "sk_problem",
]

PROBLEM_KINDS = ("ising", "qubo", "maxcut")
_TOL = 1e-12


@dataclass(frozen=True, eq=False)
class Problem:
    """A minimisation problem ``E(s) = model.energy(s) + offset`` over ±1 spins.

    Attributes
    ----------
    model : IsingModel
        Couplings and fields in spinscope's convention ``H = -1/2 s^T J s - h^T s``.
    offset : float
        Constant added to ``H`` so that ``E`` equals the user's objective exactly.
    kind : {"ising", "qubo", "maxcut"}
        How results are reported: Ising energy, QUBO value of ``x = (1+s)/2``, or cut value.
    edges, weights : arrays, Max-Cut only
        The ``(E, 2)`` edges (``i < j``, 0-based) and their weights; the cut is recomputed from
        them, independently of the energy.
    name : str
        Short label (file name, ``"sk-2000"``, ...).
    planted_energy : float or None
        A known ground-state energy ``E0`` (objective ``E``) of a planted instance
        (:mod:`spinscope.optimize.planted`, or a file's planted header); None when unknown.
        ``spinscope solve`` uses it as the default target.
    """

    model: IsingModel
    offset: float = 0.0
    kind: str = "ising"
    edges: np.ndarray | None = None
    weights: np.ndarray | None = None
    name: str = ""
    planted_energy: float | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.planted_energy is not None:
            e = float(self.planted_energy)
            if not np.isfinite(e):
                raise InputError(f"planted_energy must be a finite number, got {self.planted_energy!r}")
            object.__setattr__(self, "planted_energy", e)
        if self.kind not in PROBLEM_KINDS:
            raise InputError(f"problem kind must be one of {PROBLEM_KINDS}, got {self.kind!r}")
        if not is_model(self.model, "ising"):
            raise SpinscopeTypeError(f"model must be an IsingModel, got {type(self.model).__name__}")
        if self.kind == "maxcut" and (self.edges is None or self.weights is None):
            raise InputError("a Max-Cut problem needs its edges and weights")

    @property
    def n(self) -> int:
        """Number of variables."""
        return self.model.n

    @property
    def total_weight(self) -> float:
        """``W_total = sum_{i<j} w_ij`` (Max-Cut only; 0 otherwise)."""
        return float(np.sum(self.weights)) if self.kind == "maxcut" else 0.0

    def energy(self, s: Any) -> np.ndarray | float:
        """Objective ``E(s) = H(s) + offset`` of ±1 configurations.

        Parameters
        ----------
        s : array_like, shape (..., n)
            ±1 spins.

        Returns
        -------
        float or ndarray, shape (...)
        """
        return self.model.energy(np.asarray(s, dtype=np.float64)) + self.offset

    def cut(self, s: Any) -> np.ndarray | float:
        """Cut value ``sum_{i<j} w_ij (1 - s_i s_j) / 2`` of ``s`` (Max-Cut only), from the edges.

        Parameters
        ----------
        s : array_like, shape (..., n)
            ±1 spins (the two sides of the cut).

        Returns
        -------
        float or ndarray, shape (...)
        """
        if self.kind != "maxcut":
            raise InputError(f"cut() is defined for Max-Cut problems, this one is {self.kind!r}")
        a = np.asarray(s, dtype=np.float64)
        prod = a[..., self.edges[:, 0]] * a[..., self.edges[:, 1]]
        return ((1.0 - prod) * 0.5) @ self.weights

    def value(self, s: Any) -> np.ndarray | float:
        """The number a user reads: the cut (Max-Cut, maximised) or the energy (minimised).

        Parameters
        ----------
        s : array_like, shape (..., n)
            ±1 spins.

        Returns
        -------
        float or ndarray, shape (...)
        """
        return self.cut(s) if self.kind == "maxcut" else self.energy(s)

    def value_to_energy(self, value: float) -> float:
        """Convert a user value (a cut for Max-Cut, else an energy) into an objective ``E``.

        Parameters
        ----------
        value : float
            A cut (Max-Cut) or an energy; must be finite.

        Returns
        -------
        float
        """
        v = float(value)
        if not np.isfinite(v):
            raise InputError(f"target must be a finite number, got {value!r}")
        return self.total_weight - 2.0 * v if self.kind == "maxcut" else v

    def energy_to_value(self, energy: Any) -> Any:
        """Inverse of :meth:`value_to_energy`.

        Parameters
        ----------
        energy : float or array_like
            Objective values ``E``.

        Returns
        -------
        float or ndarray
        """
        e = np.asarray(energy, dtype=np.float64)
        return (self.total_weight - e) / 2.0 if self.kind == "maxcut" else e

    def assignment(self, s: Any) -> np.ndarray:
        """The assignment in the problem's own variables: bits ``(1+s)/2`` for QUBO, else spins.

        Parameters
        ----------
        s : array_like, shape (..., n)
            ±1 spins.

        Returns
        -------
        int8 ndarray, shape (..., n)
        """
        a = np.asarray(s).astype(np.int8)
        return ((a + 1) // 2).astype(np.int8) if self.kind == "qubo" else a

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The couplings in CSR form, sorted indices (cached).

        Returns
        -------
        (indptr int64, indices int32, data float64)
        """
        if "csr" not in self._cache:
            j = sp.csr_array(self.model.sparse_couplings(), dtype=np.float64)
            j.sort_indices()
            self._cache["csr"] = (j.indptr.astype(np.int64), j.indices.astype(np.int32),
                                  np.ascontiguousarray(j.data, dtype=np.float64))
        return self._cache["csr"]

    def __repr__(self) -> str:
        return f"Problem(kind={self.kind!r}, n={self.n}, name={self.name!r}, offset={self.offset:g})"


# --------------------------------------------------------------------------- quadratic forms
def _pairs_from_matrix(a: Any, name: str) -> tuple[int, sp.csr_array, np.ndarray]:
    """Split a square matrix into (n, strictly-upper pair coefficients A_ij + A_ji, diagonal)."""
    if isinstance(a, dict):
        return _pairs_from_dict(a, name)
    if sp.issparse(a):
        m = sp.csr_array(a, dtype=np.float64)
    else:
        try:
            m = np.asarray(a, dtype=np.float64)
        except (TypeError, ValueError):
            raise SpinscopeTypeError(f"{name} must be a numeric square matrix or a dict {{(i, j): value}}") from None
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise InputError(f"{name} must be a square (n, n) matrix, got shape {m.shape}")
    check_finite(m.data if sp.issparse(m) else m, name)
    upper, lower = sp.triu(m, k=1, format="csr"), sp.tril(m, k=-1, format="csr")
    if upper.nnz and lower.nnz:
        diff = (upper - lower.T).tocoo()
        scale = max(1.0, float(abs(m).max()))
        if diff.nnz and float(np.max(np.abs(diff.data))) > _TOL * scale:
            k = int(np.argmax(np.abs(diff.data)))
            i, j = int(diff.row[k]), int(diff.col[k])
            raise InputError(
                f"{name} must be symmetric or triangular; {name}[{i},{j}] = {m[i, j]} but "
                f"{name}[{j},{i}] = {m[j, i]}. Pass one triangle, or symmetrise it with (A + A.T) / 2"
            )
    pairs = sp.csr_array(upper + lower.T)
    pairs.eliminate_zeros()
    return m.shape[0], pairs, np.asarray(m.diagonal(), dtype=np.float64)


def _pairs_from_dict(d: dict, name: str) -> tuple[int, sp.csr_array, np.ndarray]:
    rows, cols, vals, diag = [], [], [], {}
    top = -1
    for key, v in d.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise InputError(f"{name} keys must be pairs (i, j) of variable indices, got {key!r}")
        i, j = (check_int(k, f"{name} index in key {key!r}", minimum=0) for k in key)
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise InputError(f"{name}[{key!r}] must be a number, got {v!r}") from None
        if not np.isfinite(v):
            raise InputError(f"{name}[{key!r}] is {v}; values must be finite")
        top = max(top, i, j)
        if i == j:
            diag[i] = diag.get(i, 0.0) + v
        else:
            rows.append(min(i, j))
            cols.append(max(i, j))
            vals.append(v)
    size = top + 1
    check_problem_size(size, len(vals), f"{name}: the largest index {top}")
    pairs = sp.csr_array((vals, (rows, cols)), shape=(size, size), dtype=np.float64)
    pairs.sum_duplicates()
    d_arr = np.zeros(size)
    for i, v in diag.items():
        d_arr[i] = v
    return size, pairs, d_arr


def _linear(h: Any, name: str = "h") -> np.ndarray | dict | None:
    if h is None:
        return None
    if isinstance(h, dict):
        return h
    a = np.asarray(h, dtype=np.float64)
    if a.ndim != 1:
        raise InputError(f"{name} must be a 1-D array of length n or a dict {{i: value}}, got shape {a.shape}")
    check_finite(a, name)
    return a


def _h_vector(h: Any, n: int) -> np.ndarray:
    if h is None:
        return np.zeros(n)
    if isinstance(h, dict):
        out = np.zeros(n)
        for i, v in h.items():
            i = check_int(i, f"h index {i!r}", minimum=0)
            if i >= n:
                raise InputError(f"h uses variable {i} but the problem has n={n} variables (0-based)")
            v = float(v)
            if not np.isfinite(v):
                raise InputError(f"h[{i}] is {v}; values must be finite")
            out[i] += v
        return out
    if h.shape != (n,):
        raise InputError(f"h must have shape ({n},), got {h.shape}")
    return h


def _offset(offset: Any) -> float:
    if not isinstance(offset, numbers.Real) or not np.isfinite(float(offset)):
        raise InputError(f"offset must be a finite number, got {offset!r}")
    return float(offset)


def _h_size(h: Any) -> int | None:
    if h is None:
        return None
    if isinstance(h, dict):
        return None if not h else max(check_int(k, "h index", minimum=0) for k in h) + 1
    return int(h.shape[0])


def _ising_parts(h: Any, J: Any) -> tuple[int, np.ndarray, sp.csr_array]:
    h = _linear(h)
    n_j, pairs, diag = _pairs_from_matrix({} if J is None else J, "J")
    if np.any(diag != 0):
        k = int(np.flatnonzero(diag)[0])
        raise InputError(f"J[{k},{k}] = {diag[k]}: an Ising coupling needs two different spins; "
                         "put linear terms in h")
    if isinstance(h, np.ndarray) and not isinstance(J, dict) and J is not None and h.shape[0] != n_j:
        raise InputError(f"h has length {h.shape[0]} but J describes n={n_j} spins")
    n = max(n_j, _h_size(h) or 0)
    if n == 0:
        raise InputError("the Ising problem has no variables")
    check_problem_size(n, pairs.nnz, "the Ising problem")
    if pairs.shape[0] < n:
        pairs = sp.csr_array(pairs)
        pairs.resize((n, n))
    return n, _h_vector(h, n), pairs


# --------------------------------------------------------------------------- conversions
def qubo_to_ising(Q: Any, offset: float = 0.0) -> tuple[np.ndarray, sp.csr_array, float]:
    """Exact QUBO -> Ising (dimod convention) conversion with ``x = (1 + s) / 2``.

    Parameters
    ----------
    Q : (n, n) array, scipy sparse matrix or dict ``{(i, j): value}``
        ``E(x) = sum_ij Q_ij x_i x_j + offset``; symmetric or triangular (see module docstring).
    offset : float

    Returns
    -------
    h : (n,) float64, C : scipy.sparse.csr_array (n, n), strictly upper, offset : float
        ``E(s) = h . s + sum_{i<j} C_ij s_i s_j + offset'`` equals the QUBO value for every ``s``.
    """
    _, q, a = _pairs_from_matrix(Q, "Q")
    off = _offset(offset)
    c = q / 4.0
    sym = c + c.T
    h = a / 2.0 + np.asarray(sym.sum(axis=1)).ravel()
    off += float(a.sum()) / 2.0 + float(q.sum()) / 4.0
    return h, sp.csr_array(c), off


def ising_to_qubo(h: Any, J: Any, offset: float = 0.0) -> tuple[sp.csr_array, float]:
    """Exact Ising (dimod convention) -> QUBO conversion with ``s = 2 x - 1``.

    Parameters
    ----------
    h : (n,) array or dict; J : (n, n) array, sparse matrix or dict
        ``E(s) = h . s + sum_{(i,j)} J_ij s_i s_j + offset`` (``J`` symmetric or triangular,
        coefficient of ``s_i s_j`` = ``J_ij + J_ji``).

    Returns
    -------
    Q : scipy.sparse.csr_array (n, n), upper triangular, offset : float
        ``sum_{i<=j} Q_ij x_i x_j + offset'`` equals the Ising energy for every ``x``.
    """
    n, hv, c = _ising_parts(h, J)
    off = _offset(offset)
    sym = c + c.T
    diag = 2.0 * hv - 2.0 * np.asarray(sym.sum(axis=1)).ravel()
    q = sp.csr_array(4.0 * c + sp.diags_array(diag, shape=(n, n)))
    off += float(c.sum()) - float(hv.sum())
    return q, off


# --------------------------------------------------------------------------- constructors
def _from_dimod_ising(n: int, h: np.ndarray, pairs: sp.csr_array, offset: float, kind: str,
                      name: str) -> Problem:
    j = -(pairs + pairs.T)
    model = IsingModel(sp.csr_array(j), -h, name=name or kind)
    return Problem(model, offset=offset, kind=kind, name=name or kind)


def ising_problem(h: Any = None, J: Any = None, *, offset: float = 0.0, name: str = "ising") -> Problem:
    """Ising problem in the dimod convention ``E(s) = h . s + sum_{(i,j)} J_ij s_i s_j + offset``.

    An :class:`~spinscope.models.IsingModel` (spinscope's convention) can be passed as ``h``
    directly: its energy is used as is.

    Parameters
    ----------
    h : dict, sequence, array or IsingModel, optional
        Linear biases ``h_i`` (dimod convention), or a spinscope model.
    J : dict ``{(i, j): J_ij}`` or matrix, optional
        Pair biases (a matrix must be symmetric or triangular).
    offset : float
        Constant added to the objective.
    name : str

    Returns
    -------
    Problem
        Kind ``"ising"``.
    """
    if is_model(h, "ising"):
        if J is not None:
            raise InputError("pass either an IsingModel or (h, J), not both")
        return Problem(h, offset=_offset(offset), kind="ising", name=name or h.name)
    n, hv, pairs = _ising_parts(h, J)
    return _from_dimod_ising(n, hv, pairs, _offset(offset), "ising", name)


def qubo_problem(Q: Any, *, offset: float = 0.0, name: str = "qubo") -> Problem:
    """QUBO problem ``E(x) = sum_ij Q_ij x_i x_j + offset`` over bits ``x = (1 + s) / 2``.

    Parameters
    ----------
    Q : dict ``{(i, j): Q_ij}`` or matrix
        QUBO coefficients (dimod convention; a matrix must be symmetric or triangular).
    offset : float
        Constant added to the objective.
    name : str

    Returns
    -------
    Problem
        Kind ``"qubo"``; its assignments are bits.
    """
    h, c, off = qubo_to_ising(Q, offset)
    return _from_dimod_ising(h.shape[0], h, c, off, "qubo", name)


def sk_problem(n: int, *, seed: SeedLike = None, J: float = 1.0) -> Problem:
    """SK ground-state problem: Gaussian couplings of variance ``J^2 / n`` (``spinscope.models.sk``).

    Parameters
    ----------
    n : int
        Number of spins.
    seed : int, Generator or None
        Seed of the couplings.
    J : float
        Coupling scale.

    Returns
    -------
    Problem
        Kind ``"ising"``, named ``sk-<n>``.
    """
    return Problem(sk(n, J=J, seed=seed), kind="ising", name=f"sk-{n}")
