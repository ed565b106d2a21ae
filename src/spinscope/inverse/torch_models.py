"""Ising and Potts models whose couplings and fields are torch tensors (differentiable parameters).

:class:`TorchIsing` and :class:`TorchPotts` hold the parameters a loss is differentiated against;
they follow the conventions of :mod:`spinscope.models` exactly::

    Ising:  H(s) = -1/2 s^T J s - h^T s                   s_i in {-1, +1},  h of shape (n,)
    Potts:  H(s) = -1/2 sum_ij J_ij delta(s_i, s_j) - sum_i h_i[s_i]
                 = -sum_{i<j} J_ij delta(s_i, s_j) - sum_i h_i[s_i]    s_i in {0..q-1}, h (n, q)

with ``J`` symmetric and zero on the diagonal. The tensors are kept as given (no copy, no
detach), so gradients flow back to whatever built them (a per-bond parameter vector scattered
into ``J``, a single scalar times an adjacency matrix, ...). Gradients with respect to ``J`` are
entrywise: ``dL/dJ_ij`` for ``i != j`` treats ``J_ij`` and ``J_ji`` as separate entries, each
carrying half of the bond (``dH/dJ_ij = -s_i s_j / 2``), so that a symmetric construction
``J_ij = J_ji = w`` receives ``dL/dw = dL/dJ_ij + dL/dJ_ji``. The diagonal is not a parameter:
its gradient is zero.

:meth:`to_model` gives the plain numpy model (:class:`~spinscope.models.IsingModel`,
:class:`~spinscope.models.PottsModel`) that the samplers and enumerators consume.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from spinscope._validation import check_int
from spinscope.errors import InputError, SpinscopeTypeError
from spinscope.models import Graph, IsingModel, PottsModel

__all__ = ["TorchIsing", "TorchPotts", "as_beta"]

_SYM_TOL = 1e-10


def _as_tensor(x: Any, name: str, like=None):
    """``x`` as a floating torch tensor (tensors kept as they are, so their graph survives)."""
    import torch

    if isinstance(x, torch.Tensor):
        if not x.is_floating_point():
            raise SpinscopeTypeError(f"{name} must be a floating-point tensor (float64 or float32), "
                                     f"got dtype {x.dtype}; convert it with .double()")
        return x
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise SpinscopeTypeError(f"{name} must be a numeric array or torch tensor") from None
    dtype = like.dtype if like is not None else torch.float64
    device = like.device if like is not None else "cpu"
    return torch.as_tensor(a, dtype=dtype, device=device)


def _check_couplings(J) -> int:
    """Validate a square, finite, symmetric, zero-diagonal coupling tensor; return ``n``."""
    import torch

    if J.ndim != 2 or J.shape[0] != J.shape[1] or J.shape[0] == 0:
        raise InputError(f"couplings must be a square (n, n) tensor with n >= 1, got shape {tuple(J.shape)}")
    d = J.detach()
    if not bool(torch.isfinite(d).all()):
        idx = tuple(int(i) for i in torch.nonzero(~torch.isfinite(d))[0])
        raise InputError(f"couplings contain NaN or infinity at index {idx}")
    diag = torch.diagonal(d)
    if bool((diag != 0).any()):
        k = int(torch.nonzero(diag)[0, 0])
        raise InputError(f"couplings must have a zero diagonal (no self-interaction); J[{k},{k}] = "
                         f"{float(diag[k])}; multiply by (1 - torch.eye(n)) to zero it")
    diff = (d - d.T).abs()
    scale = max(float(d.abs().max()), 1.0)
    if float(diff.max()) > _SYM_TOL * scale:
        i, j = (int(v) for v in np.unravel_index(int(torch.argmax(diff)), tuple(d.shape)))
        raise InputError(f"couplings must be symmetric; J[{i},{j}] = {float(d[i, j])} but J[{j},{i}] = "
                         f"{float(d[j, i])}; symmetrise with (J + J.T) / 2")
    return int(J.shape[0])


def _check_fields(h, shape: tuple[int, ...], J):
    import torch

    if h is None:
        return torch.zeros(shape, dtype=J.dtype, device=J.device)
    h = _as_tensor(h, "fields", like=J)
    if tuple(h.shape) != shape:
        raise InputError(f"fields must have shape {shape}, got {tuple(h.shape)}")
    if h.dtype != J.dtype or h.device != J.device:
        raise InputError(f"fields ({h.dtype}, {h.device}) and couplings ({J.dtype}, {J.device}) must "
                         "share dtype and device")
    if not bool(torch.isfinite(h.detach()).all()):
        raise InputError("fields contain NaN or infinity")
    return h


def _offdiag(J):
    """``J`` with its diagonal masked out (so the diagonal receives no gradient)."""
    import torch

    return J * (1 - torch.eye(J.shape[0], dtype=J.dtype, device=J.device))


@dataclass(frozen=True, eq=False)
class TorchIsing:
    """Ising model ``H = -1/2 s^T J s - h^T s`` with torch parameters.

    Parameters
    ----------
    couplings : tensor (n, n)
        Symmetric, zero diagonal, float64 or float32; may require grad (or be built from tensors
        that do).
    fields : tensor (n,), optional
        Same dtype and device; default zero (no gradient).
    graph : Graph, optional
        The lattice the couplings live on (lets lattice-only rules such as ``"wolff"`` or
        ``"multispin"`` run).
    """

    couplings: Any
    fields: Any = None
    graph: Graph | None = None

    kind = "ising"
    q = 2

    def __post_init__(self) -> None:
        J = _as_tensor(self.couplings, "couplings")
        n = _check_couplings(J)
        object.__setattr__(self, "couplings", J)
        object.__setattr__(self, "fields", _check_fields(self.fields, (n,), J))
        if self.graph is not None and self.graph.n != n:
            raise InputError(f"graph has {self.graph.n} sites but the couplings describe {n} spins")

    @property
    def n(self) -> int:
        """Number of spins."""
        return int(self.couplings.shape[0])

    def to_model(self) -> IsingModel:
        """The numpy :class:`~spinscope.models.IsingModel` at the current parameter values."""
        return IsingModel(self.couplings.detach().cpu().numpy().astype(np.float64),
                          self.fields.detach().cpu().numpy().astype(np.float64), graph=self.graph)

    def as_float_spins(self, s):
        """Configurations (S, n) of ±1 as a float tensor on the parameters' device."""
        import torch

        return torch.as_tensor(s, device=self.couplings.device).to(self.couplings.dtype)

    def energy(self, s, couplings=None, fields=None):
        """Energies (S,) of ±1 configurations ``s`` (float tensor (S, n)); differentiable in J, h."""
        J = _offdiag(self.couplings if couplings is None else couplings)
        h = self.fields if fields is None else fields
        return -0.5 * ((s @ J) * s).sum(-1) - s @ h

    def magnetization(self, s):
        """Magnetisation per spin ``m = mean_i s_i`` of each configuration (S,)."""
        return s.mean(-1)

    def minus_dh(self, s, c):
        """``sum_k c_k (-dH/dJ, -dH/dh)(s_k)``: ``(S^T diag(c) S / 2`` off-diagonal, ``S^T c)``.

        ``s`` float (S, n), ``c`` (S,) weights; the sums behind every covariance gradient.
        """
        return _offdiag(0.5 * (s * c[:, None]).T @ s), s.T @ c


@dataclass(frozen=True, eq=False)
class TorchPotts:
    """q-state Potts model ``H = -1/2 sum_ij J_ij delta(s_i, s_j) - sum_i h_i[s_i]``, torch parameters.

    Parameters
    ----------
    q : int
        States per spin (>= 2).
    couplings : tensor (n, n)
        Symmetric, zero diagonal, float64 or float32.
    fields : tensor (n, q), optional
        Field on each state of each spin; default zero.
    graph : Graph, optional
        The graph the couplings live on.
    """

    q: int
    couplings: Any
    fields: Any = None
    graph: Graph | None = None

    kind = "potts"

    def __post_init__(self) -> None:
        q = check_int(self.q, "q", minimum=2)
        J = _as_tensor(self.couplings, "couplings")
        n = _check_couplings(J)
        object.__setattr__(self, "q", q)
        object.__setattr__(self, "couplings", J)
        object.__setattr__(self, "fields", _check_fields(self.fields, (n, q), J))
        if self.graph is not None and self.graph.n != n:
            raise InputError(f"graph has {self.graph.n} sites but the couplings describe {n} spins")

    @property
    def n(self) -> int:
        """Number of spins."""
        return int(self.couplings.shape[0])

    def to_model(self) -> PottsModel:
        """The numpy :class:`~spinscope.models.PottsModel` at the current parameter values."""
        return PottsModel(self.q, self.couplings.detach().cpu().numpy().astype(np.float64),
                          self.fields.detach().cpu().numpy().astype(np.float64), graph=self.graph)

    def one_hot(self, s):
        """One-hot encoding (S, n, q) of integer states ``s`` (S, n), in the parameters' dtype."""
        import torch

        s = torch.as_tensor(s, device=self.couplings.device).long()
        return torch.nn.functional.one_hot(s, self.q).to(self.couplings.dtype)

    def as_float_spins(self, s):
        """Integer states (S, n) as a float tensor (observables receive these values)."""
        import torch

        return torch.as_tensor(s, device=self.couplings.device).to(self.couplings.dtype)

    def energy(self, s, couplings=None, fields=None):
        """Energies (S,) of states ``s`` (S, n) (any numeric tensor); differentiable in J, h."""
        J = _offdiag(self.couplings if couplings is None else couplings)
        h = self.fields if fields is None else fields
        x = self.one_hot(s)                                   # (S, n, q)
        xt = x.transpose(1, 2)                                # (S, q, n)
        return -0.5 * ((xt @ J) * xt).sum((-1, -2)) - (x * h).sum((-1, -2))

    def magnetization(self, s):
        """Order parameter ``|mean_i exp(2 pi i s_i / q)|`` of each configuration (as in ``mc``)."""
        import torch

        ang = 2 * np.pi * self.as_float_spins(s) / self.q
        return torch.hypot(torch.cos(ang).mean(-1), torch.sin(ang).mean(-1))

    def minus_dh(self, s, c):
        """``sum_k c_k (-dH/dJ, -dH/dh)(s_k)``: ``(sum_a X_a^T diag(c) X_a / 2`` off-diagonal,
        ``sum_k c_k X_k)`` with ``X`` the one-hot states (S, n, q)."""
        import torch

        x = self.one_hot(s)
        pair = torch.einsum("kia,k,kja->ij", x, c, x)
        return _offdiag(0.5 * pair), torch.einsum("kia,k->ia", x, c)


def as_beta(beta, model):
    """``beta`` (number or 0-d tensor) as a 0-d tensor in ``model``'s dtype and device (graph kept);
    also checks that ``model`` is a :class:`TorchIsing` or :class:`TorchPotts`."""
    import torch

    if not isinstance(model, (TorchIsing, TorchPotts)):
        raise SpinscopeTypeError("model must be a TorchIsing or TorchPotts (torch parameters), got "
                                 f"{type(model).__name__}; wrap the couplings: TorchIsing(J, h)")
    J = model.couplings
    if isinstance(beta, torch.Tensor):
        if beta.numel() != 1:
            raise InputError(f"beta must be a single number (0-d tensor), got shape {tuple(beta.shape)}")
        b = beta.reshape(()).to(dtype=J.dtype, device=J.device)
    elif isinstance(beta, numbers.Real) and not isinstance(beta, bool):
        b = torch.tensor(float(beta), dtype=J.dtype, device=J.device)
    else:
        raise SpinscopeTypeError(f"beta must be a number or a 0-d tensor, got {type(beta).__name__}")
    v = float(b.detach())
    if not np.isfinite(v) or v <= 0:
        raise InputError(f"beta must be finite and > 0 (beta = 1/T), got {v}")
    return b
