"""The exact posterior of a ±1 signal by enumerating ``{±1}^N`` (``N <= 20``).

The log-likelihood of every state is computed in chunks (GLM: ``z = X a^T / sqrt(N)`` by matrix
products; GRF: the fields at all states by Walsh-Hadamard transforms), then the posterior
``p(x) = exp(ll(x) - logsumexp(ll))`` (uniform prior) gives, for one instance,

* ``overlap``: ``E_post |x . x*| / N`` (sign-blind, the quantity whose N -> inf limit is ``q``),
* ``mse``: ``|x_hat - x*|^2 / N`` with ``x_hat`` the posterior mean,
* ``entropy``: ``-sum p log p / N`` in nats (its average over instances is ``H(X | Y) / N``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

__all__ = ["MAX_N", "ExactPosterior", "exact_glm", "exact_grf", "posterior_summary"]

MAX_N = 20
_CHUNK = 2**15


@dataclass
class ExactPosterior:
    """Exact posterior summaries of a batch of instances (arrays of length ``instances``)."""

    overlap: np.ndarray
    mse: np.ndarray
    entropy: np.ndarray

    def to_dict(self) -> dict:
        return {"overlap": self.overlap.tolist(), "mse": self.mse.tolist(), "entropy": self.entropy.tolist()}


def _check_n(n: int) -> None:
    from spinscope.errors import InputError

    if not 2 <= n <= MAX_N:
        raise InputError(f"exact enumeration needs 2 <= N <= {MAX_N} (2^N states), got N = {n}")


def _states(start: int, stop: int, n: int) -> np.ndarray:
    idx = np.arange(start, stop)[:, None]
    return 1.0 - 2.0 * ((idx >> np.arange(n)) & 1)


def _popcount(n: int) -> np.ndarray:
    idx = np.arange(2**n)
    pop = np.zeros(2**n, dtype=np.int64)
    for i in range(n):
        pop += (idx >> i) & 1
    return pop


def posterior_summary(ll: np.ndarray, teacher: int, n: int, pop: np.ndarray | None = None) -> tuple:
    """``(overlap, mse, entropy)`` of the posterior ``p ~ exp(ll)`` over the ``2^n`` states
    (state ``b``: bit ``i`` set means ``x_i = -1``; ``teacher`` is the teacher's index)."""
    pop = _popcount(n) if pop is None else pop
    log_z = logsumexp(ll)
    p = np.exp(ll - log_z)
    finite = p > 0
    entropy = float(log_z - np.dot(p[finite], ll[finite]))
    m = 1.0 - 2.0 * pop[np.arange(2**n) ^ teacher] / n
    overlap = float(np.dot(p, np.abs(m)))
    p_minus = np.array([p.reshape(-1, 2, 2**i)[:, 1, :].sum() for i in range(n)])
    x_hat = 1.0 - 2.0 * p_minus
    x_star = _states(teacher, teacher + 1, n)[0]
    return overlap, float(np.mean((x_hat - x_star) ** 2)), entropy / n


def exact_glm(channel, alpha: float, n: int, instances: int, seed) -> ExactPosterior:
    """Teacher-student GLM with a Rademacher prior, ``M = round(alpha n)`` Gaussian rows."""
    from spinscope._validation import spawn_seeds

    _check_n(n)
    m = max(1, round(alpha * n))
    pop = _popcount(n)
    rows = []
    for ss in spawn_seeds(seed, instances):
        rng = np.random.default_rng(ss)
        teacher = int(rng.integers(0, 2**n))
        A = rng.standard_normal((m, n))
        y = channel.sample(_states(teacher, teacher + 1, n)[0] @ A.T / np.sqrt(n), rng)
        ll = np.empty(2**n)
        for start in range(0, 2**n, _CHUNK):
            stop = min(start + _CHUNK, 2**n)
            z = _states(start, stop, n) @ A.T / np.sqrt(n)
            with np.errstate(divide="ignore"):
                ll[start:stop] = channel.log_likelihood(y, z).sum(axis=1)
        rows.append(posterior_summary(ll, teacher, n, pop))
    return ExactPosterior(*(np.array(c) for c in zip(*rows)))


def exact_grf(output, alpha: float, n: int, instances: int, seed, *, batch: int = 8) -> ExactPosterior:
    """The GRF model on ``{±1}^n``: ``M = round(alpha n)`` fields drawn exactly (Walsh basis)."""
    from spinscope._validation import spawn_seeds
    from spinscope.glm.grf import hypercube_fields, hypercube_spectrum

    _check_n(n)
    m = max(1, round(alpha * n))
    pop = _popcount(n)
    lam = hypercube_spectrum(output.covariance, n)
    rows = []
    for ss in spawn_seeds(seed, instances):
        rng = np.random.default_rng(ss)
        teacher = int(rng.integers(0, 2**n))
        ll = np.zeros(2**n)
        for start in range(0, m, batch):
            F = hypercube_fields(lam, min(batch, m - start), rng)
            y = F[:, teacher] + np.sqrt(output.noise) * rng.standard_normal(len(F))
            ll -= ((F - y[:, None]) ** 2).sum(axis=0) / (2 * output.noise)
        rows.append(posterior_summary(ll, teacher, n, pop))
    return ExactPosterior(*(np.array(c) for c in zip(*rows)))
