"""The Ising model: couplings ``J``, fields ``h`` and the energy of ±1 spin configurations.

Convention (used everywhere in spinscope)::

    H(s) = -1/2 * s^T J s - h^T s  =  -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i

with ``J`` symmetric and zero on the diagonal, spins ``s_i in {-1, +1}``. ``J_ij > 0`` is
ferromagnetic. Temperatures are in units of ``J / k_B``; ``beta = 1 / T``.

Configurations are arrays of shape ``(..., n)`` (batch axes first); numpy arrays and torch
tensors are both accepted by :meth:`IsingModel.energy` and :meth:`IsingModel.local_fields`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from spinscope._validation import check_finite, check_memory
from spinscope.errors import InputError, SpinscopeTypeError
from spinscope.models.base import ModelFacts, StateSpace
from spinscope.models.graph import Graph

__all__ = ["IsingModel", "as_spins"]

_SYM_TOL = 1e-10
#: Peak bytes per weight while :meth:`IsingModel.from_layers` builds and checks ``J`` (both
#: triangles, data + int32 indices, the transposed copy of the symmetry check): measured 7.0 x 8 bytes.
_LAYERED_BUILD_BYTES = 64


def _is_torch(x: Any) -> bool:
    mod = type(x).__module__
    return mod.startswith("torch")


def as_spins(s: Any, n: int, name: str = "s") -> np.ndarray:
    """Validate a ±1 configuration array of shape ``(..., n)`` and return it as int8."""
    a = np.asarray(s)
    if a.ndim == 0 or a.shape[-1] != n:
        raise InputError(f"{name} must have shape (..., {n}), got {a.shape}")
    if a.dtype.kind == "b":
        raise InputError(f"{name} must hold spins -1/+1, got booleans; use 2*x-1")
    if not np.all((a == 1) | (a == -1)):
        bad = np.argwhere((a != 1) & (a != -1))[0]
        raise InputError(
            f"{name} must hold Ising spins -1 or +1; found {a[tuple(bad)]!r} at index {tuple(int(b) for b in bad)}"
        )
    return a.astype(np.int8, copy=False)


def _coerce_couplings(couplings: Any, n: int | None) -> np.ndarray | sp.csr_array:
    if sp.issparse(couplings):
        j = sp.csr_array(couplings, dtype=np.float64)
        j.sum_duplicates()
        j.eliminate_zeros()
    else:
        if _is_torch(couplings):
            couplings = couplings.detach().cpu().numpy()
        try:
            j = np.array(couplings, dtype=np.float64)
        except (TypeError, ValueError):
            raise SpinscopeTypeError(
                "couplings must be a square numeric matrix (numpy array or scipy sparse)"
            ) from None
    if j.ndim != 2 or j.shape[0] != j.shape[1]:
        raise InputError(f"couplings must be a square (n, n) matrix, got shape {j.shape}")
    if n is not None and j.shape[0] != n:
        raise InputError(f"couplings have shape {j.shape} but the model has n={n} spins")
    data = j.data if sp.issparse(j) else j
    check_finite(data, "couplings")
    diag = j.diagonal()
    if np.any(diag != 0):
        k = int(np.flatnonzero(diag)[0])
        raise InputError(
            f"couplings must have a zero diagonal (no self-interaction); J[{k},{k}] = {diag[k]}"
        )
    scale = float(np.max(np.abs(data))) if data.size else 0.0
    if sp.issparse(j) and _same_pattern_symmetric(j, _SYM_TOL * max(scale, 1.0)):
        return j
    diff = j - j.T
    dmax = float(abs(diff).max()) if (diff.nnz if sp.issparse(diff) else diff.size) else 0.0
    if dmax > _SYM_TOL * max(scale, 1.0):
        if sp.issparse(diff):
            d = diff.tocoo()
            k = int(np.argmax(np.abs(d.data)))
            i, jj = int(d.row[k]), int(d.col[k])
        else:
            i, jj = (int(v) for v in np.unravel_index(np.argmax(np.abs(diff)), diff.shape))
        raise InputError(
            f"couplings must be symmetric; J[{i},{jj}] = {j[i, jj]} but J[{jj},{i}] = {j[jj, i]}"
        )
    return j


def _same_pattern_symmetric(j: sp.csr_array, tol: float) -> bool:
    """Whether the canonical CSR ``j`` equals its transpose within ``tol``, without forming ``j - j.T``.

    True only when ``j.T`` has the same sparsity pattern (the usual case); ``False`` sends the
    caller to the general check, which also locates the first asymmetric entry.
    """
    jt = j.T.tocsr()
    jt.sort_indices()
    if not (np.array_equal(jt.indptr, j.indptr) and np.array_equal(jt.indices, j.indices)):
        return False
    step = 1 << 22  # compare in chunks: no temporary the size of J
    return all(np.max(np.abs(j.data[k:k + step] - jt.data[k:k + step]), initial=0.0) <= tol
               for k in range(0, j.data.size, step))


def _layered_csr(mats: list[np.ndarray], sizes: list[int]) -> sp.csr_array:
    """The symmetric block-tridiagonal coupling matrix of a layered model, written straight into CSR.

    Row ``i`` of layer ``k`` holds ``W^(k-1)[:, i]`` (columns of layer ``k-1``) then
    ``W^(k)[i, :]`` (columns of layer ``k+1``), so the column indices are sorted and the only
    arrays allocated are the final ones (zeros of the weights are dropped afterwards, in place).
    """
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    left = [0, *sizes[:-1]]
    right = [*sizes[1:], 0]
    per_row = np.repeat(np.add(left, right), sizes)
    nnz = int(per_row.sum())
    idx = np.int32 if max(nnz, int(offs[-1])) < 2**31 - 1 else np.int64
    indptr = np.zeros(offs[-1] + 1, dtype=idx)
    np.cumsum(per_row, out=indptr[1:])
    data = np.empty(nnz, dtype=np.float64)
    indices = np.empty(nnz, dtype=idx)
    for k, n_k in enumerate(sizes):
        width = left[k] + right[k]
        start = int(indptr[offs[k]])
        d = data[start:start + n_k * width].reshape(n_k, width)
        c = indices[start:start + n_k * width].reshape(n_k, width)
        if left[k]:
            d[:, :left[k]] = mats[k - 1].T
            c[:, :left[k]] = np.arange(offs[k - 1], offs[k], dtype=idx)
        if right[k]:
            d[:, left[k]:] = mats[k]
            c[:, left[k]:] = np.arange(offs[k + 1], offs[k + 2], dtype=idx)
    j = sp.csr_array((data, indices, indptr), shape=(int(offs[-1]),) * 2)
    j.has_sorted_indices = True
    if not data.all():
        j.eliminate_zeros()
    return j


@dataclass(frozen=True, eq=False)
class IsingModel(ModelFacts):
    """A classical Ising Hamiltonian ``H(s) = -1/2 s^T J s - h^T s`` on ``n`` ±1 spins.

    Parameters
    ----------
    couplings : (n, n) array or scipy sparse matrix
        Symmetric coupling matrix with zero diagonal. Dense inputs stay dense (fast for fully
        connected models such as SK); sparse inputs are stored as ``scipy.sparse.csr_array``.
    fields : (n,) array or float, optional
        External fields ``h``; default zero.
    graph : Graph, optional
        The lattice or graph the couplings live on (enables lattice kernels).
    layers : tuple of int, optional
        Layer sizes when spins are ordered layer by layer (layered SK / neural-network models);
        couplings then only join consecutive layers.
    name : str
        A short label used in reports.

    Raises
    ------
    ValueError
        Non-square, asymmetric, non-finite couplings, a non-zero diagonal, mismatched fields
        or layer sizes that do not add up to ``n``.
    """

    couplings: np.ndarray | sp.csr_array
    fields: np.ndarray = None  # type: ignore[assignment]
    graph: Graph | None = None
    layers: tuple[int, ...] | None = None
    name: str = "ising"
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    kind = "ising"
    state_space = StateSpace.ising()

    def __post_init__(self) -> None:
        j = _coerce_couplings(self.couplings, None)
        n = j.shape[0]
        if n == 0:
            raise InputError("an Ising model needs at least one spin")
        h = np.zeros(n) if self.fields is None else self.fields
        if _is_torch(h):
            h = h.detach().cpu().numpy()
        h = np.array(h, dtype=np.float64)  # a copy: the model never aliases the caller's array
        if h.ndim == 0:
            h = np.full(n, float(h))
        if h.shape != (n,):
            raise InputError(f"fields must have shape ({n},), got {h.shape}")
        check_finite(h, "fields")
        if self.graph is not None and self.graph.n != n:
            raise InputError(f"graph has {self.graph.n} sites but couplings describe {n} spins")
        layers = self.layers
        if layers is not None:
            layers = tuple(int(x) for x in layers)
            if any(x <= 0 for x in layers) or sum(layers) != n:
                raise InputError(f"layer sizes {layers} must be positive and add up to n={n}")
        object.__setattr__(self, "couplings", j)
        object.__setattr__(self, "fields", h)
        object.__setattr__(self, "layers", layers)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_graph(cls, graph: Graph, J: float | np.ndarray = 1.0, h: float | np.ndarray = 0.0,
                   *, name: str | None = None) -> IsingModel:
        """Ising model on ``graph`` with coupling ``J`` (scalar or one per edge) and field ``h``."""
        w = np.asarray(J, dtype=float)
        if w.ndim and w.shape != (graph.num_edges,):
            raise InputError(f"J must be a scalar or have one value per edge ({graph.num_edges}), got shape {w.shape}")
        return cls(graph.adjacency(w), h, graph=graph, name=name or f"ising-{graph.kind}")

    @classmethod
    def from_layers(cls, weights, biases=None, *, name: str = "layered") -> IsingModel:
        """Layered model from inter-layer weight matrices.

        ``H = -sum_k sum_ij W^(k)_ij s^(k-1)_i s^(k)_j - sum_k b^(k) . s^(k)``.

        Parameters
        ----------
        weights : sequence of arrays, ``weights[k]`` of shape ``(N_k, N_{k+1})``
            Couplings between layer ``k`` (rows) and layer ``k+1`` (columns). Note that
            ``torch.nn.Linear.weight`` is ``(out, in)``: pass its transpose.
        biases : sequence of arrays, optional
            Fields of layers ``1..L`` (``biases[k]`` has size ``N_{k+1}``); the input layer has
            no field.
        """
        mats = []
        for k, w in enumerate(weights):
            if _is_torch(w):
                w = w.detach().cpu().numpy()
            w = np.asarray(w, dtype=np.float64)
            if w.ndim != 2:
                raise InputError(f"weights[{k}] must be a 2-D matrix, got shape {w.shape}")
            check_finite(w, f"weights[{k}]")
            mats.append(w)
        if not mats:
            raise InputError("from_layers needs at least one weight matrix")
        sizes = [mats[0].shape[0]]
        for k, w in enumerate(mats):
            if w.shape[0] != sizes[-1]:
                raise InputError(
                    f"weights[{k}] has shape {w.shape}: its {w.shape[0]} rows do not match the "
                    f"{sizes[-1]} units of the previous layer"
                )
            sizes.append(w.shape[1])
        n = sum(sizes)
        check_memory(_LAYERED_BUILD_BYTES * sum(w.size for w in mats), "the layered coupling matrix")
        offs = np.concatenate([[0], np.cumsum(sizes)])
        j = _layered_csr(mats, sizes)
        h = np.zeros(n)
        if biases is not None:
            biases = list(biases)
            if len(biases) != len(mats):
                raise InputError(f"got {len(biases)} bias vectors for {len(mats)} weight matrices")
            for k, b in enumerate(biases):
                if b is None:
                    continue
                if _is_torch(b):
                    b = b.detach().cpu().numpy()
                b = np.asarray(b, dtype=np.float64)
                if b.shape != (sizes[k + 1],):
                    raise InputError(f"biases[{k}] must have shape ({sizes[k + 1]},), got {b.shape}")
                h[offs[k + 1]: offs[k + 2]] = b
        return cls(j, h, layers=tuple(sizes), name=name)

    # ------------------------------------------------------------------ properties
    @property
    def layer_offsets(self) -> np.ndarray | None:
        """Start index of each layer plus the total, shape ``(L+2,)``; ``None`` if not layered."""
        if self.layers is None:
            return None
        return np.concatenate([[0], np.cumsum(self.layers)]).astype(np.int64)

    def layer_index(self) -> np.ndarray | None:
        """Layer number of every spin, shape ``(n,)``; ``None`` if not layered."""
        if self.layers is None:
            return None
        return np.repeat(np.arange(len(self.layers)), self.layers)

    def layer_weights(self) -> list[np.ndarray]:
        """Dense inter-layer blocks ``W^(k)`` of shape ``(N_k, N_{k+1})`` of a layered model."""
        if self.layers is None:
            raise InputError("layer_weights() needs a layered model (built with from_layers/layered_sk)")
        o = self.layer_offsets
        j = self.couplings
        out = []
        for k in range(len(self.layers) - 1):
            blk = j[o[k]:o[k + 1], o[k + 1]:o[k + 2]]
            out.append(blk.toarray() if sp.issparse(blk) else np.array(blk))
        return out

    def dense_couplings(self) -> np.ndarray:
        """The couplings as a dense array (checks memory first)."""
        if self.is_dense:
            return self.couplings
        check_memory(8.0 * self.n**2, f"a dense {self.n}x{self.n} coupling matrix")
        return self.couplings.toarray()

    def torch_couplings(self, device: Any = "cpu", dtype: Any = None):
        """Couplings as a torch tensor (dense, or sparse COO for sparse models) on ``device`` (cached)."""
        import torch

        dtype = dtype or torch.float64
        key = ("torch", str(device), str(dtype))
        if key not in self._cache:
            if self.is_dense:
                t = torch.as_tensor(self.couplings, dtype=dtype, device=device)
            else:
                c = self.couplings.tocoo()
                idx = torch.as_tensor(np.stack([c.row, c.col]).astype(np.int64))
                t = torch.sparse_coo_tensor(idx, torch.as_tensor(c.data, dtype=dtype), size=c.shape,
                                            check_invariants=False).coalesce().to(device)
            self._cache[key] = t
        return self._cache[key]

    # ------------------------------------------------------------------ physics
    def local_fields(self, s: Any) -> Any:
        """Local fields ``J s + h`` for configurations ``s`` of shape ``(..., n)``.

        Works on numpy arrays (returns float64) and torch tensors (same dtype/device as the
        coupling tensor chosen from ``s``'s device; float64 unless ``s`` is float32).
        """
        if _is_torch(s):
            import torch

            dtype = s.dtype if s.dtype in (torch.float32, torch.float64) else torch.float64
            jt = self.torch_couplings(s.device, dtype)
            flat = s.reshape(-1, self.n).to(dtype)
            loc = (jt @ flat.T).T
            h = torch.as_tensor(self.fields, dtype=dtype, device=s.device)
            return (loc + h).reshape(s.shape)
        a = np.asarray(s, dtype=np.float64)
        if a.shape[-1] != self.n:
            raise InputError(f"configurations must have shape (..., {self.n}), got {a.shape}")
        flat = a.reshape(-1, self.n)
        loc = np.asarray(self.couplings @ flat.T).T
        return (loc + self.fields).reshape(a.shape)

    def energy(self, s: Any) -> Any:
        """Energy ``H(s)`` of each configuration; ``s`` has shape ``(..., n)``, result ``(...)``."""
        if _is_torch(s):
            import torch

            dtype = s.dtype if s.dtype in (torch.float32, torch.float64) else torch.float64
            sf = s.to(dtype)
            loc = self.local_fields(sf)
            h = torch.as_tensor(self.fields, dtype=dtype, device=s.device)
            return -0.5 * (sf * (loc - h)).sum(-1) - (sf * h).sum(-1)
        a = np.asarray(s, dtype=np.float64)
        loc = self.local_fields(a)
        return -0.5 * np.sum(a * (loc - self.fields), axis=-1) - a @ self.fields

    def delta_energy(self, s: Any, i: int) -> Any:
        """Energy change ``H(s') - H(s)`` when spin ``i`` is flipped, for each configuration."""
        a = np.asarray(s, dtype=np.float64)
        row = self.couplings[[i], :] if not self.is_dense else self.couplings[i][None, :]
        if sp.issparse(row):
            hi = np.asarray(row @ a.reshape(-1, self.n).T).ravel().reshape(a.shape[:-1])
        else:
            hi = (a @ row.ravel())
        return 2.0 * a[..., i] * (hi + self.fields[i])

    def magnetization(self, s: Any) -> Any:
        """Magnetisation per spin ``m = sum_i s_i / n`` of each configuration."""
        return s.mean(-1) if _is_torch(s) else np.asarray(s, dtype=np.float64).mean(-1)

    # ------------------------------------------------------------------ file format hooks
    def header_extras(self) -> dict:
        """Kind-specific entries of the model file header (see :mod:`spinscope.models.io`)."""
        return {"layers": list(self.layers) if self.layers else None}

    @classmethod
    def from_parts(cls, couplings, fields, *, graph, name: str, header: dict) -> IsingModel:
        """Rebuild a model from the arrays and header of a model file."""
        return cls(couplings, fields, graph=graph, layers=header.get("layers"), name=name)

    def with_fields(self, fields) -> IsingModel:
        """A copy with other fields (same couplings, graph, layers)."""
        return IsingModel(self.couplings, fields, graph=self.graph, layers=self.layers, name=self.name)

    def __repr__(self) -> str:
        kind = "dense" if self.is_dense else f"sparse nnz={self.couplings.nnz}"
        extra = f", layers={self.layers}" if self.layers else ""
        if self.graph is not None and self.graph.shape is not None:
            extra += f", lattice={self.graph.kind}{self.graph.shape}"
        return f"IsingModel(name={self.name!r}, n={self.n}, {kind}{extra})"
