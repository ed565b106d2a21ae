"""Closed-form inversions from the connected correlation matrix: naive mean field and TAP.

With ``m_i = <s_i>``, ``C_ij = <s_i s_j> - m_i m_j`` and ``K = beta J``, ``g = beta h``:

* naive mean field (nMF): ``K_ij = -(C^-1)_ij`` (i != j),
  ``g_i = atanh(m_i) - sum_j K_ij m_j``;
* TAP (Thouless–Anderson–Palmer, Kappen–Rodríguez / Tanaka inversion):
  ``K_ij = -2 (C^-1)_ij / (1 + sqrt(1 - 8 (C^-1)_ij m_i m_j))``,
  ``g_i = atanh(m_i) - sum_j K_ij m_j + m_i sum_j K_ij^2 (1 - m_j^2)``.

Both are exact to first order in the couplings; with non-zero magnetisations nMF errs at second
order and TAP at third. At zero magnetisation the two coincide (and err at third order:
``-(C^-1)_12 = sinh(2K)/2`` for a pair). Where the TAP radicand is negative (strong couplings
and large magnetisations, outside the expansion) it is set to zero and counted in
``tap_clipped_``.
"""

from __future__ import annotations

import numpy as np

from spinscope.errors import InputError
from spinscope.inverse._base import InverseEstimator, ising_moments
from spinscope.inverse.data import SpinData

__all__ = ["MeanFieldInverse", "TAPInverse"]


class MeanFieldInverse(InverseEstimator):
    """Naive mean-field inversion ``J = -C^-1 / beta`` (Ising data).

    Parameters
    ----------
    beta : float
        Inverse temperature of the samples (only ``beta J`` is learned).

    Attributes
    ----------
    couplings_ : ndarray (n, n)
        Symmetric, zero diagonal.
    fields_ : ndarray (n,)
    magnetizations_, connected_correlations_ : ndarray
        ``m`` and ``C`` of the data.
    """

    method = "mf"

    def _inverse_correlations(self, data: SpinData) -> tuple[np.ndarray, np.ndarray]:
        self._refuse_constant(data, "their variance is zero, so the correlation matrix cannot be "
                                    "inverted: drop these columns, or use PseudoLikelihood with l2 > 0")
        m, second = ising_moments(data)
        C = second - np.outer(m, m)
        C = (C + C.T) / 2
        self.magnetizations_, self.connected_correlations_ = m, C
        cond = np.linalg.cond(C)
        if not np.isfinite(cond) or cond > 1e12:
            raise InputError(f"the connected correlation matrix is singular (condition number {cond:.3g}): "
                             "some spins are exact functions of others in the data (too few samples "
                             "or duplicated columns); use PseudoLikelihood with l2 > 0")
        return m, np.linalg.inv(C)

    def _fit(self, data: SpinData) -> None:
        m, Cinv = self._inverse_correlations(data)
        K = -Cinv
        np.fill_diagonal(K, 0.0)
        g = np.arctanh(m) - K @ m
        self.couplings_, self.fields_ = K / self.beta, g / self.beta


class TAPInverse(MeanFieldInverse):
    """TAP inversion (second-order Plefka expansion), see the module docstring.

    Attributes
    ----------
    tap_clipped_ : int
        Pairs whose radicand ``1 - 8 (C^-1)_ij m_i m_j`` was negative (set to zero).
    """

    method = "tap"

    def _fit(self, data: SpinData) -> None:
        m, Cinv = self._inverse_correlations(data)
        rad = 1.0 - 8.0 * Cinv * np.outer(m, m)
        np.fill_diagonal(rad, 1.0)
        self.tap_clipped_ = int(np.count_nonzero(rad < 0) // 2)
        K = -2.0 * Cinv / (1.0 + np.sqrt(np.clip(rad, 0.0, None)))
        np.fill_diagonal(K, 0.0)
        g = np.arctanh(m) - K @ m + m * ((K**2) @ (1.0 - m**2))
        self.couplings_, self.fields_ = K / self.beta, g / self.beta

    def _extra_summary(self) -> dict:
        return {"tap_clipped_pairs": self.tap_clipped_}
