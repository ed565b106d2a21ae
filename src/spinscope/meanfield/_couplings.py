"""Fast products with the coupling matrix ``J`` and its square ``J∘J`` (internal).

Layered models (couplings only between consecutive layers) are applied block by block with dense
BLAS products of the weight matrices, which is several times faster than a CSR product for the
dense inter-layer blocks of a neural network; other models use their own ``couplings`` matrix.
Batches are rows: ``X`` has shape ``(B, n)`` and ``apply(X) = X @ J`` (``J`` is symmetric).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from threadpoolctl import threadpool_limits

from spinscope.models import IsingModel


def blas_threads(n: int | None = 1):
    """Context manager limiting BLAS threads (vector products are slower threaded on busy cores)."""
    return threadpool_limits(limits=n, user_api="blas")


def extreme_eig(matvec: Callable[[np.ndarray], np.ndarray], n: int, *, which: str, v0: np.ndarray | None,
                tol: float, maxiter: int | None = None, vector: bool = True) -> tuple[float, np.ndarray | None]:
    """One extreme eigenpair (``which="SA"`` smallest, ``"LA"`` largest) of a symmetric operator.

    Lanczos (``scipy.sparse.linalg.eigsh``) from ``v0``. ARPACK fails when ``v0`` lies in an
    invariant subspace it cannot leave (a zero operator, or ``v0 = 1`` with ``J 1 = 0``, e.g. a
    network whose weights sum to zero): then it is retried from a fixed pseudo-random vector, and
    for ``n <= 2000`` the dense matrix is diagonalised as a last resort. The first attempt is the
    plain call, so results that ARPACK already delivered are unchanged.

    Returns
    -------
    (float, ndarray of shape ``(n,)`` or None)
        The eigenvalue and, with ``vector``, its eigenvector.
    """
    if n <= 3:
        return _dense_eig(matvec, n, which)
    op = sla.LinearOperator((n, n), matvec=lambda x: matvec(np.ravel(x)), dtype=float)
    kw = {"k": 1, "which": which, "tol": tol, "ncv": min(n - 1, 20), "maxiter": maxiter,
          "return_eigenvectors": vector}
    starts = [v0, np.random.default_rng(12345).standard_normal(n)]
    for start in starts:
        try:
            out = sla.eigsh(op, v0=start, **kw)
            return (float(out[0][0]), out[1][:, 0]) if vector else (float(out[0]), None)
        except sla.ArpackError:
            if n > 2000 and start is starts[-1]:
                raise
    return _dense_eig(matvec, n, which)


def _dense_eig(matvec: Callable[[np.ndarray], np.ndarray], n: int, which: str) -> tuple[float, np.ndarray]:
    A = np.column_stack([matvec(e) for e in np.eye(n)])
    w, vecs = np.linalg.eigh(0.5 * (A + A.T))
    i = 0 if which == "SA" else -1
    return float(w[i]), vecs[:, i]


class Couplings:
    """``J`` and ``J∘J`` of an :class:`IsingModel` as fast batched products."""

    def __init__(self, model: IsingModel):
        self.n = model.n
        self.blocks: list[np.ndarray] | None = None
        self.offsets = model.layer_offsets
        if model.layers is not None and len(model.layers) >= 2 and self._only_consecutive(model):
            self.blocks = model.layer_weights()
            self.blocks_sq = [w * w for w in self.blocks]
            self.J = None
        else:
            self.J = model.couplings
            self.J_sq = model.couplings.multiply(model.couplings).tocsr() if sp.issparse(model.couplings) \
                else model.couplings ** 2
        self.D = np.asarray(self.apply_sq(np.ones((1, self.n))))[0]

    @staticmethod
    def _only_consecutive(model: IsingModel) -> bool:
        o = model.layer_offsets
        j = model.sparse_couplings()
        inside = sum(j[o[k]:o[k + 1], o[k + 1]:o[k + 2]].nnz for k in range(len(model.layers) - 1))
        return 2 * inside == j.nnz

    @property
    def bipartite(self) -> bool:
        """True for layered models: even and odd layers form the two sides of a bipartite graph."""
        return self.blocks is not None

    def parity_masks(self) -> tuple[np.ndarray, np.ndarray]:
        """Boolean masks ``(even, odd)`` of the spins in even / odd layers (layered models)."""
        idx = np.repeat(np.arange(len(self.offsets) - 1), np.diff(self.offsets))
        return idx % 2 == 0, idx % 2 == 1

    def _apply_blocks(self, X: np.ndarray, blocks: list[np.ndarray]) -> np.ndarray:
        o = self.offsets
        out = np.zeros_like(X)
        for k, w in enumerate(blocks):
            out[:, o[k]:o[k + 1]] += X[:, o[k + 1]:o[k + 2]] @ w.T
            out[:, o[k + 1]:o[k + 2]] += X[:, o[k]:o[k + 1]] @ w
        return out

    def apply_half(self, X: np.ndarray, parity: int, *, squared: bool = False) -> np.ndarray:
        """Columns of ``X @ J`` (or ``X @ (J∘J)``) for the spins in layers of the given parity.

        Returns shape ``(B, n_parity)`` in spin order (layered models only).
        """
        o = self.offsets
        blocks = self.blocks_sq if squared else self.blocks
        parts = []
        for k in range(parity, len(o) - 1, 2):
            acc = np.zeros((X.shape[0], o[k + 1] - o[k]))
            if k > 0:
                acc += X[:, o[k - 1]:o[k]] @ blocks[k - 1]
            if k < len(blocks):
                acc += X[:, o[k + 1]:o[k + 2]] @ blocks[k].T
            parts.append(acc)
        return np.concatenate(parts, axis=1)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """``X @ J`` for ``X`` of shape ``(B, n)``."""
        if self.blocks is not None:
            return self._apply_blocks(X, self.blocks)
        return np.asarray(self.J @ X.T).T

    def apply_sq(self, X: np.ndarray) -> np.ndarray:
        """``X @ (J∘J)`` for ``X`` of shape ``(B, n)``."""
        if self.blocks is not None:
            return self._apply_blocks(X, self.blocks_sq)
        return np.asarray(self.J_sq @ X.T).T

    def matvec(self, x: np.ndarray) -> np.ndarray:
        """``J x`` for one vector ``x`` of shape ``(n,)``."""
        return self.apply(x[None, :])[0]
