"""Theory of the spherical pure p-spin landscape: threshold, ground state, complexity, Hessian index.

Normalisation (Auffinger, Ben Arous & Černý, *Random matrices and complexity of spin glasses*,
Comm. Pure Appl. Math. 66, 165 (2013); Crisanti & Sommers, Z. Phys. B 87, 341 (1992)):

    H_N(x) = N^{-(p-1)/2} sum_{i_1..i_p} J_{i_1..i_p} x_{i_1} ... x_{i_p},   |x|^2 = N,

with i.i.d. standard normal ``J`` over all ordered index tuples, so that
``E[H(x) H(y)] = N (x.y/N)^p``. Energies here are *per spin*, ``E = H/N`` (negative at the bottom).

* threshold ``E_inf = -2 sqrt((p-1)/p)`` (-sqrt(2) for p = 2, -1.633 for p = 3);
* annealed complexity of critical points of index ``k`` below energy ``E`` (ABC Theorem 2.8):
  ``Sigma_k(E) = 1/2 log(p-1) - (p-2)/(4(p-1)) E^2 - (k+1) I_1(E)`` for ``E <= E_inf`` and
  ``1/2 log(p-1) - (p-2)/(4(p-1)) E^2`` between ``E_inf`` and 0, where
  ``I_1(E) = -E/E_inf^2 sqrt(E^2 - E_inf^2) - log(-E + sqrt(E^2 - E_inf^2)) + log|E_inf|``;
* the ground state ``E_0`` is the zero of ``Sigma_0`` (-1.6570 for p = 3: the 1RSB value;
  annealed = quenched there by Subag, Ann. Probab. 45, 3385 (2017));
* index density: at a critical point of energy ``E`` the Riemannian Hessian is a GOE matrix whose
  semicircle has radius ``2 sqrt(p(p-1))``, shifted by ``-pE`` (ABC Lemma 3.2), so the fraction of
  negative eigenvalues is the semicircle law's distribution function at ``t = E/|E_inf|``
  (:func:`index_fraction`), 0 at and below ``E_inf`` and 1/2 at ``E = 0``.

The derivations are written out in ``docs/loss_landscape.md``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from spinscope.errors import InputError

__all__ = ["complexity", "ground_state_energy", "hessian_edges", "index_fraction", "threshold_energy"]


def _check_p(p) -> int:
    if isinstance(p, bool) or int(p) != p or p < 2:
        raise InputError(f"p must be an integer >= 2 (the order of the p-spin interaction), got {p!r}")
    return int(p)


def threshold_energy(p: int) -> float:
    """``E_inf = -2 sqrt((p-1)/p)``: below it (almost) every critical point is a minimum."""
    p = _check_p(p)
    return -2.0 * np.sqrt((p - 1) / p)


def hessian_edges(p: int, energy) -> tuple[np.ndarray, np.ndarray]:
    """Edges ``(-pE - 2 sqrt(p(p-1)), -pE + 2 sqrt(p(p-1)))`` of the Riemannian Hessian spectrum of ``H``
    at a critical point of energy per spin ``E`` (large-N limit)."""
    p = _check_p(p)
    e = np.asarray(energy, dtype=float)
    r = 2.0 * np.sqrt(p * (p - 1.0))
    return -p * e - r, -p * e + r


def index_fraction(p: int, energy) -> np.ndarray:
    """Predicted fraction of negative Hessian eigenvalues (index / (N-1)) at energy per spin ``E``.

    ``F(t) = 1/2 + (t sqrt(1-t^2) + arcsin t) / pi`` with ``t = E/|E_inf|`` clipped to [-1, 1]:
    the semicircle distribution function. 0 for ``E <= E_inf``, 1/2 at ``E = 0``.
    """
    t = np.clip(np.asarray(energy, dtype=float) / abs(threshold_energy(p)), -1.0, 1.0)
    return 0.5 + (t * np.sqrt(1.0 - t * t) + np.arcsin(t)) / np.pi


def _i1(e: np.ndarray, einf: float) -> np.ndarray:
    e = np.minimum(e, -einf)                   # only used below the threshold (E <= -einf)
    root = np.sqrt(np.maximum(e * e - einf * einf, 0.0))
    return -e / einf**2 * root - np.log(-e + root) + np.log(einf)


def complexity(p: int, energy, *, index: int | None = 0) -> np.ndarray:
    """Annealed complexity ``lim (1/N) log E[#critical points of index k with H/N <= E]``.

    Parameters
    ----------
    p : int
        Order (>= 3 for a non-trivial complexity; p = 2 returns 0 at the edge, see below).
    energy : float or array
        Energy per spin ``E <= 0``.
    index : int or None
        The Hessian index ``k``; ``None`` counts critical points of any index.

    Returns
    -------
    ndarray
        ``Sigma_k(E)``; negative values mean an exponentially small expected number.
    """
    p = _check_p(p)
    e = np.asarray(energy, dtype=float)
    einf = abs(threshold_energy(p))
    base = 0.5 * np.log(p - 1.0) - (p - 2.0) / (4.0 * (p - 1.0)) * e * e
    below = e <= -einf
    if index is None:
        out = np.where(below, base - _i1(e, einf), base)
        return np.where(e >= 0, 0.5 * np.log(p - 1.0), out)
    k = int(index)
    if k < 0:
        raise InputError(f"index must be >= 0, got {index}")
    # above the threshold the count of finite-index points is capped at its value at E_inf
    cap = 0.5 * np.log(p - 1.0) - (p - 2.0) / (4.0 * (p - 1.0)) * einf**2
    return np.where(below, base - (k + 1) * _i1(e, einf), cap)


def ground_state_energy(p: int) -> float:
    """Ground-state energy per spin: the zero of ``Sigma_0`` below ``E_inf`` (-sqrt(2) for p = 2)."""
    p = _check_p(p)
    einf = threshold_energy(p)
    if p == 2:
        return einf
    return float(brentq(lambda e: float(complexity(p, e, index=0)), -10.0, einf - 1e-12, xtol=1e-13))
