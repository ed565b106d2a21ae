"""Replica theory of the layered Sherrington–Kirkpatrick ensemble (random, untrained networks).

Layers ``k = 0..L`` of ``N_k`` Ising spins; couplings only between consecutive layers, i.i.d. with
mean zero and variance ``sigma_k^2`` between layers ``k`` and ``k+1``. The replica-symmetric
paramagnet (all layer overlaps ``q_k = 0``) has the quadratic action

    S(x) = -1/2 x^T (I - beta^2 A) x,     x_k = sqrt(N_k) q_k,

with the ``(L+1) x (L+1)`` tridiagonal matrix ``A_{k,k+1} = A_{k+1,k} = sigma_k^2 sqrt(N_k N_{k+1})``.
It becomes unstable when ``beta^2 lambda_max(A) = 1``, so ``T_c = sqrt(lambda_max(A))``; for ``L+1``
identical layers of width ``N`` and ``C = sigma^2 N`` this is ``[2 C cos(pi / (L+2))]^{1/2}``.
Temperatures are in the units of the couplings (``k_B = 1``). Derivation: ``docs/theory-layered-sk.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.linalg

from spinscope._validation import as_int_tuple, check_positive
from spinscope.errors import InputError

__all__ = [
    "layered_A",
    "layered_tc",
    "layered_tc_closed_form",
    "replica_hessian_min_eig",
    "sk_tc",
]


def _check_layers(sizes: Sequence[int], variances) -> tuple[tuple[int, ...], np.ndarray]:
    sizes = as_int_tuple(sizes, "sizes", minimum=1)
    if len(sizes) < 2:
        raise InputError(f"a layered model needs at least two layers, got sizes={sizes}")
    npairs = len(sizes) - 1
    v = np.asarray(variances, dtype=float)
    if v.ndim == 0:
        v = np.full(npairs, float(v))
    if v.shape != (npairs,):
        raise InputError(
            f"variances must be a number or one value per pair of consecutive layers "
            f"({npairs} for sizes={sizes}), got shape {v.shape}"
        )
    for k, x in enumerate(v):
        check_positive(x, f"variances[{k}]")
    return sizes, v


def layered_A(sizes: Sequence[int], variances: float | Sequence[float]) -> np.ndarray:
    """The tridiagonal matrix ``A`` of the layered SK replica theory.

    Parameters
    ----------
    sizes : sequence of int, length ``L+1``
        Layer widths ``N_0..N_L``.
    variances : float or sequence of float, length ``L``
        Coupling variance ``sigma_k^2`` between layers ``k`` and ``k+1``.

    Returns
    -------
    (L+1, L+1) ndarray
        ``A_{k,k+1} = A_{k+1,k} = sigma_k^2 sqrt(N_k N_{k+1})``, zero elsewhere.
    """
    sizes, v = _check_layers(sizes, variances)
    n = np.asarray(sizes, dtype=float)
    off = v * np.sqrt(n[:-1] * n[1:])
    return np.diag(off, 1) + np.diag(off, -1)


def _lambda_max(sizes, variances) -> float:
    sizes, v = _check_layers(sizes, variances)
    n = np.asarray(sizes, dtype=float)
    off = v * np.sqrt(n[:-1] * n[1:])
    w = scipy.linalg.eigvalsh_tridiagonal(np.zeros(len(sizes)), off, select="i",
                                          select_range=(len(sizes) - 1, len(sizes) - 1))
    return float(w[-1])


def layered_tc(sizes: Sequence[int], variances: float | Sequence[float]) -> float:
    """Replica spin-glass temperature ``T_c = sqrt(lambda_max(A))`` of the layered SK ensemble.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``N_0..N_L`` (at least two).
    variances : float or sequence of float
        ``sigma_k^2``, the variance of the couplings between layers ``k`` and ``k+1``
        (e.g. ``1/(3 N_k)`` for PyTorch's default ``Linear`` initialisation).

    Returns
    -------
    float
        ``T_c`` in units of the couplings (``k_B = 1``).
    """
    return float(np.sqrt(_lambda_max(sizes, variances)))


def layered_tc_closed_form(L: int, C: float) -> float:
    """``T_c = [2 C cos(pi/(L+2))]^{1/2}`` for ``L+1`` identical layers with ``C = sigma^2 N``.

    Parameters
    ----------
    L : int
        Number of weight layers (the network has ``L+1`` layers of spins), ``L >= 1``.
    C : float
        ``sigma^2 N``, the summed coupling variance seen by one spin from one neighbouring layer.
    """
    if isinstance(L, bool) or int(L) != L or L < 1:
        raise InputError(f"L (the number of weight layers) must be an integer >= 1, got {L!r}")
    C = check_positive(C, "C")
    return float(np.sqrt(2.0 * C * np.cos(np.pi / (int(L) + 2))))


def replica_hessian_min_eig(sizes: Sequence[int], variances: float | Sequence[float],
                            betas) -> np.ndarray:
    """Least eigenvalue ``1 - beta^2 lambda_max(A)`` of the paramagnet's replica Hessian ``I - beta^2 A``.

    Parameters
    ----------
    sizes, variances
        As in :func:`layered_tc`.
    betas : float or array of shape ``(K,)``
        Inverse temperatures.

    Returns
    -------
    ndarray of shape ``(K,)`` (or a 0-d array for a scalar ``beta``)
        Positive in the paramagnet, zero at ``T_c``, negative in the spin glass.
    """
    lam = _lambda_max(sizes, variances)
    b = np.asarray(betas, dtype=float)
    if not np.all(np.isfinite(b)) or np.any(b < 0):
        raise InputError("betas must be finite and >= 0 (inverse temperatures)")
    return 1.0 - b**2 * lam


def sk_tc(J: float = 1.0) -> float:
    """Spin-glass temperature of the SK model with coupling variance ``J^2/N``: ``T_c = J``."""
    return check_positive(J, "J")
