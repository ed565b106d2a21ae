"""What every inverse estimator shares: data preparation, moments, the fitted model, the summary.

Parametrisation
---------------
Samples are assumed drawn from ``P(s) ∝ exp(-beta H(s))`` with the project's Hamiltonians::

    Ising:  H(s) = -1/2 s^T J s - h^T s                        (s_i = ±1)
    Potts:  H(s) = -sum_{i<j} J_ij delta(s_i, s_j) - sum_i h_i[s_i]   (s_i = 0..q-1)

Only ``beta J`` and ``beta h`` can be learned from samples; every estimator takes ``beta``
(default 1) and reports ``couplings_ = (beta J) / beta`` and ``fields_ = (beta h) / beta``, the
model that reproduces the data when simulated at that ``beta``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spinscope._validation import check_positive
from spinscope.errors import InputError
from spinscope.inverse.data import SpinData, as_spin_data
from spinscope.models import IsingModel, PottsModel

__all__ = ["InverseEstimator", "ising_moments", "potts_moments"]


def ising_moments(data: SpinData) -> tuple[np.ndarray, np.ndarray]:
    """Weighted magnetisations ``m_i = <s_i>`` and second moments ``<s_i s_j>`` of Ising data."""
    import torch

    s = torch.from_numpy(data.spins).to(torch.float64)
    sw = s * torch.from_numpy(data.weights)[:, None]
    return sw.sum(0).numpy(), (s.T @ sw).numpy()  # torch: numpy's BLAS is slow on int8 -> f64 here


def potts_moments(data: SpinData) -> tuple[np.ndarray, np.ndarray]:
    """Weighted state frequencies ``f_i(a)`` (n, q) and pair agreements ``<delta(s_i, s_j)>`` (n, n)."""
    x = data.one_hot()
    f = np.einsum("b,bia->ia", data.weights, x)
    agree = np.einsum("b,bia,bja->ij", data.weights, x, x)
    return f, agree


def data_moments(data: SpinData) -> tuple[np.ndarray, np.ndarray]:
    """The sufficient statistics of the model family: (single, pair) moments."""
    return potts_moments(data) if data.is_potts else ising_moments(data)


class InverseEstimator:
    """Base class: ``fit(X, sample_weight=None)`` -> self; ``couplings_``, ``fields_``.

    Parameters
    ----------
    beta : float
        Inverse temperature at which the samples were drawn (> 0); only ``beta J`` is identifiable.
    q : int, optional
        Number of Potts states; ``None`` for Ising data.
    """

    method = "base"
    supports_potts = False

    def __init__(self, *, beta: float = 1.0, q: int | None = None) -> None:
        self.beta = check_positive(beta, "beta")
        self.q = q

    # -- to be provided by subclasses
    def _fit(self, data: SpinData) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, X: Any, sample_weight: Any = None) -> InverseEstimator:
        """Learn couplings and fields from samples.

        Parameters
        ----------
        X : array (B, n), path or SpinData
            Samples, one configuration per row (see :func:`spinscope.inverse.as_spin_data`).
        sample_weight : array (B,), optional
            Non-negative weight of each row (default uniform).

        Returns
        -------
        self
        """
        data = as_spin_data(X, q=self.q, sample_weight=sample_weight)
        if data.is_potts and not self.supports_potts:
            raise InputError(f"method {self.method!r} learns Ising models only; use PseudoLikelihood, "
                             "BoltzmannLearning or ExactLikelihood for Potts data")
        self.n_features_in_ = data.n
        self.n_samples_ = data.n_samples
        self.q_ = data.q
        self.data_ = data
        self._fit(data)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "couplings_"):
            raise InputError(f"this {type(self).__name__} is not fitted yet: call fit(X) first")

    def _refuse_constant(self, data: SpinData, why: str) -> None:
        const = data.constant_columns()
        if const:
            cols = ", ".join(f"{i} (always {v:+d})" if data.q is None else f"{i} (always {v})"
                             for i, v in list(const.items())[:5])
            raise InputError(f"column(s) {cols} (0-based) never change in the data; {why}")

    def model_couplings(self) -> np.ndarray:
        """The ``(n, n)`` couplings of the project's model (Potts: the projection, see PLM)."""
        self._check_fitted()
        return self.couplings_

    def to_model(self, name: str | None = None) -> IsingModel | PottsModel:
        """The fitted model as the project's :class:`IsingModel` / :class:`PottsModel`.

        Simulated at ``beta`` it reproduces the data (to the accuracy of the method).
        """
        self._check_fitted()
        name = name or f"inferred-{self.method}"
        J = self.model_couplings()
        if self.q_ is None:
            return IsingModel(J, self.fields_, name=name)
        return PottsModel(self.q_, J, self.model_fields(), name=name)

    def model_fields(self) -> np.ndarray:
        """Fields of :meth:`to_model` (Ising ``(n,)``, Potts ``(n, q)`` with zero mean per spin)."""
        return self.fields_

    def summary(self) -> dict:
        """JSON-ready summary: method, settings, data size, coupling statistics, fit diagnostics."""
        self._check_fitted()
        J = self.model_couplings()
        iu = np.triu_indices(self.n_features_in_, 1)
        out = {"method": self.method, "beta": self.beta, "n": self.n_features_in_, "q": self.q_,
               "n_samples": self.n_samples_,
               "couplings": {"mean": float(J[iu].mean()) if iu[0].size else 0.0,
                             "std": float(J[iu].std()) if iu[0].size else 0.0,
                             "max_abs": float(np.abs(J[iu]).max()) if iu[0].size else 0.0,
                             "frobenius": float(np.linalg.norm(J[iu]) * np.sqrt(2))},
               "fields": {"mean_abs": float(np.abs(self.model_fields()).mean())}}
        out.update(self._extra_summary())
        return out

    def _extra_summary(self) -> dict:
        return {}
