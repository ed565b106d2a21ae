"""Weak-coupling limit of the s-d model: RKKY-like pair couplings from the bare susceptibility.

With ``H_0 = T ⊗ 1`` (eigenpairs ``e_n``, real orbitals ``φ_n``) and ``V = −J Σ_i S_i·σ_i``, second-order
perturbation theory for free electrons gives (the first order vanishes: ``Tr σ = 0``; the third
vanishes by time reversal)::

    Ω(S) = Ω_0 − J² Σ_ij χ_ij S_i·S_j + O(J⁴),
    χ_ij = −Σ_nm φ_n(i) φ_m(i) φ_n(j) φ_m(j) (f(e_n) − f(e_m)) / (e_n − e_m)

(the spin trace ``Tr[(S_i·σ)(S_j·σ)] = 2 S_i·S_j`` cancels the ½ of second order; for ``e_n = e_m``
the quotient is ``f'(e_n)``). Hence ``h_i = −∂Ω/∂S_i ≈ Σ_j K_ij S_j`` with ``K_ij = 2 J² χ_ij``: a
Heisenberg model with long-range, sign-changing couplings (the RKKY interaction of the amorphous
metal). Used as a check of the exact fields (tests) and in ``docs/spindynamics.md``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

__all__ = ["bare_susceptibility", "rkky_couplings"]


def bare_susceptibility(hopping: np.ndarray, *, mu: float, T_e: float) -> np.ndarray:
    """``χ_ij`` (n, n) of the spinless hopping matrix at ``μ``, ``T_e`` (O(n³) memory: n <= ~300)."""
    e, phi = np.linalg.eigh(hopping)
    f = expit(-(e - mu) / T_e)
    de = e[:, None] - e[None, :]
    close = np.abs(de) < 1e-10
    with np.errstate(divide="ignore", invalid="ignore"):
        quot = np.where(close, -f * (1 - f) / T_e, (f[:, None] - f[None, :]) / np.where(close, 1.0, de))
    # χ_ij = −Σ_n φ_in φ_jn Σ_m quot_nm φ_im φ_jm
    inner = np.einsum("nm,im,jm->nij", quot, phi, phi, optimize=True)
    return -np.einsum("in,jn,nij->ij", phi, phi, inner, optimize=True)


def rkky_couplings(hopping: np.ndarray, *, J: float, mu: float, T_e: float) -> np.ndarray:
    """``K_ij = 2 J² χ_ij``: the weak-coupling fields are ``h_i ≈ Σ_j K_ij S_j``."""
    return 2.0 * J**2 * bare_susceptibility(hopping, mu=mu, T_e=T_e)
