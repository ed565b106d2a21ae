"""Exact maximum likelihood by enumeration of all states (small systems): the reference.

The log-likelihood per sample of ``P(s) = exp(-beta H(s)) / Z`` is concave in ``K = beta J`` and
``g = beta h``::

    Ising:  L = 1/2 sum_{i != j} K_ij <s_i s_j>_data + sum_i g_i <s_i>_data - log Z
    Potts:  L = sum_{i<j} K_ij <delta(s_i, s_j)>_data + sum_{i,a} g_i(a) f_i(a)_data - log Z

so the maximum is where the model's moments equal the data's (moment matching). ``log Z`` and its
gradient are computed exactly over all ``2^n`` (``q^n``) states, chunked; the maximum is found by
L-BFGS in float64. Ising: ``n <= 20``; Potts: ``q^n <= 2^20``. Potts fields are reported with
zero mean per spin (the gauge of :class:`~spinscope.models.PottsModel` fields is a constant per
spin).
"""

from __future__ import annotations

import numpy as np

from spinscope._validation import check_int
from spinscope.errors import InputError
from spinscope.inverse._base import InverseEstimator, data_moments
from spinscope.inverse._lbfgs import minimize
from spinscope.inverse.data import SpinData

__all__ = ["ExactLikelihood", "all_configurations", "model_moments_exact"]

MAX_STATES = 2**20
NEWTON_WORK = 2e9  # Newton polishing when states x parameters^2 is below this


def all_configurations(n: int, q: int | None = None) -> np.ndarray:
    """Every configuration of ``n`` spins, int8 ``(2^n, n)`` (Ising ±1) or ``(q^n, n)`` (Potts)."""
    if q is None:
        from spinscope.exact import all_states

        return all_states(n)
    idx = np.arange(q**n, dtype=np.int64)[:, None]
    return ((idx // (q ** np.arange(n, dtype=np.int64))) % q).astype(np.int8)


def _log_weights(states, K, g, q: int | None):
    """``log`` of the unnormalised weight of each state (torch, differentiable)."""
    import torch

    if q is None:
        return 0.5 * ((states @ K) * states).sum(1) + states @ g
    x = torch.nn.functional.one_hot(states, q).to(K.dtype)          # (S, n, q)
    pair = sum(((x[:, :, a] @ K) * x[:, :, a]).sum(1) for a in range(q)) / 2
    return pair + (x * g).sum((1, 2))


def _states_tensor(n: int, q: int | None):
    import torch

    s = torch.as_tensor(all_configurations(n, q))
    return s.to(torch.float64) if q is None else s.long()


def model_moments_exact(model, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact moments of an Ising (``<s_i>``, ``<s_i s_j>``) or Potts (``f_i(a)``, ``<delta>``) model."""
    import torch

    from spinscope.models import model_kind

    kind = model_kind(model, allowed=("ising", "potts"), what="model_moments_exact")
    q = model.q if kind == "potts" else None
    _check_size(model.n, q)
    J = model.couplings.toarray() if hasattr(model.couplings, "toarray") else np.asarray(model.couplings)
    h = model.fields if model.fields is not None else (np.zeros(model.n) if q is None else np.zeros((model.n, q)))
    states = _states_tensor(model.n, q)
    logw = _log_weights(states, torch.as_tensor(beta * J, dtype=torch.float64),
                        torch.as_tensor(beta * np.asarray(h), dtype=torch.float64), q)
    p = torch.softmax(logw, 0).numpy()
    spins = states.numpy().astype(np.int8)
    return data_moments(SpinData(spins, q, p))


def _features(states: np.ndarray, q: int | None) -> np.ndarray:
    """Sufficient statistics of every state: pair terms (i < j) then single terms."""
    n = states.shape[1]
    iu = np.triu_indices(n, 1)
    if q is None:
        s = states.astype(np.float64)
        return np.concatenate([s[:, iu[0]] * s[:, iu[1]], s], axis=1)
    x = (states[:, :, None] == np.arange(q)).astype(np.float64)
    agree = (states[:, iu[0]] == states[:, iu[1]]).astype(np.float64)
    return np.concatenate([agree, x.reshape(len(states), -1)], axis=1)


def _newton_polish(K: np.ndarray, g: np.ndarray, moments, states: np.ndarray, q: int | None,
                   steps: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A few Newton steps on the concave log-likelihood (gradient: data minus model moments;
    Hessian: the model's feature covariance), to reach machine precision after L-BFGS."""
    n = K.shape[0]
    iu = np.triu_indices(n, 1)
    phi = _features(states if q is None else states.astype(np.int64), q)
    target = np.concatenate([moments[1][iu], moments[0].ravel()])
    theta = np.concatenate([K[iu], g.ravel()])
    for _ in range(steps):
        logw = phi @ theta
        p = np.exp(logw - logw.max())
        p /= p.sum()
        mean = p @ phi
        cov = (phi * p[:, None]).T @ phi - np.outer(mean, mean)
        theta = theta + np.linalg.lstsq(cov, target - mean, rcond=1e-12)[0]
    K = np.zeros((n, n))
    K[iu] = theta[: iu[0].size]
    return K + K.T, theta[iu[0].size:].reshape(g.shape)


def _check_size(n: int, q: int | None) -> None:
    states = float(2 if q is None else q) ** n
    if states > MAX_STATES:
        raise InputError(f"exact maximum likelihood enumerates {'2' if q is None else q}^{n} = {states:.3g} "
                         f"states; at most 2^20 are allowed (Ising n <= 20): use method 'plm' or 'bm'")


class ExactLikelihood(InverseEstimator):
    """Exact maximum likelihood by enumeration (Ising n <= 20, Potts q^n <= 2^20).

    Parameters
    ----------
    beta : float
        Inverse temperature of the samples.
    q : int, optional
        Potts states (``None``: Ising).
    l2 : float
        Optional L2 penalty ``l2 sum_{i != j} K_ij^2`` (also on the fields), needed when a column
        never changes.
    max_iter : int
    tol : float
        Stop when the largest moment mismatch (the gradient) is below ``tol``.

    Attributes
    ----------
    couplings_ : ndarray (n, n)
    fields_ : ndarray (n,) or (n, q)
    log_likelihood_ : float
        Mean log-likelihood per sample at the fit (nats; minus the penalty when ``l2 > 0``).
    moment_residual_ : float
        Largest ``|model moment - data moment|`` at the fit.
    """

    method = "exact"
    supports_potts = True

    def __init__(self, *, beta: float = 1.0, q: int | None = None, l2: float = 0.0,
                 max_iter: int = 2000, tol: float = 1e-9) -> None:
        super().__init__(beta=beta, q=q)
        self.l2 = float(l2)
        if not np.isfinite(self.l2) or self.l2 < 0:
            raise InputError(f"l2 must be a finite number >= 0, got {l2!r}")
        self.max_iter = check_int(max_iter, "max_iter", minimum=1)
        self.tol = float(tol)

    def _fit(self, data: SpinData) -> None:
        import torch

        n, q = data.n, data.q
        _check_size(n, q)
        if not self.l2:
            self._refuse_constant(data, "the likelihood has no maximum (infinite fields): pass l2 > 0 "
                                        "or drop these columns")
        single, pair = (torch.as_tensor(a, dtype=torch.float64) for a in data_moments(data))
        states = _states_tensor(n, q)
        mask = 1.0 - torch.eye(n, dtype=torch.float64)
        W = torch.zeros((n, n), dtype=torch.float64, requires_grad=True)
        g = torch.zeros(single.shape, dtype=torch.float64, requires_grad=True)

        def objective():
            K = (W + W.T) / 2 * mask
            data_term = 0.5 * (K * pair).sum() + (g * single).sum()
            loss = torch.logsumexp(_log_weights(states, K, g, q), 0) - data_term
            return loss + self.l2 * ((K * K).sum() + (g * g).sum())

        info = minimize(objective, [W, g], max_iter=self.max_iter, tol=self.tol)
        K = ((W + W.T) / 2 * mask).detach().numpy()
        g = g.detach().numpy()
        if not self.l2 and states.shape[0] * (n * n / 2 + g.size) ** 2 <= NEWTON_WORK:
            K, g = _newton_polish(K, g, data_moments(data), states.numpy(), q)
        if q is not None:
            g = g - g.mean(axis=1, keepdims=True)
        self.log_likelihood_ = -info["loss"]
        self.n_iter_, self.converged_ = info["n_iter"], info["converged"]
        self.couplings_, self.fields_ = K / self.beta, g / self.beta
        m_single, m_pair = model_moments_exact(self.to_model(), self.beta)
        s_single, s_pair = data_moments(data)
        self.moment_residual_ = float(max(np.abs(m_single - s_single).max(), np.abs(m_pair - s_pair).max()))

    def _extra_summary(self) -> dict:
        return {"log_likelihood": self.log_likelihood_, "moment_residual": self.moment_residual_,
                "n_iter": self.n_iter_, "converged": self.converged_, "l2": self.l2}
