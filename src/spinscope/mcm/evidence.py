"""Bayesian evidence, maximum likelihood and complexity of complete models and of MCMs.

A *complete model* on ``r`` binary variables has all ``2**r - 1`` interactions, i.e. it can be any
distribution over the ``2**r`` states. With Jeffreys' prior (Dirichlet(1/2)) its evidence is
(de Mulatier, Mazza, Marsili, "Statistical Inference of Minimally Complex Models", eq. for P(s|M))::

    log P(data | complete_r) = log Gamma(2**(r-1)) - log Gamma(N + 2**(r-1))
                               + sum_s [log Gamma(k_s + 1/2) - log(pi)/2],

the sum over observed states only (an unobserved state contributes 0). An MCM is a partition of
the variables into independent complete components; its log-evidence is the sum over components,
each computed from the marginal counts of its variables. Logs are natural (nats).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import gammaln

from spinscope.errors import InputError
from spinscope.mcm import _kernels as K
from spinscope.mcm._partition import mask_of, mask_to_words, normalize_partition, variables_of
from spinscope.mcm.data import BinaryData, as_binary_data

__all__ = [
    "ComponentEvidence",
    "MCMEvidence",
    "complexity_complete",
    "component_log_evidence",
    "evaluate_partition",
    "log_evidence",
    "log_evidence_complete",
    "max_log_likelihood",
]

_LOG_PI = math.log(math.pi)


def log_evidence_complete(counts: Any, r: int) -> float:
    """Log-evidence (nats) of a complete model on ``r`` variables given its state counts.

    Parameters
    ----------
    counts : array of int, shape (k,)
        Counts of the observed states (zeros allowed; order irrelevant); ``N = sum(counts)``.
    r : int
        Number of variables of the model (``2**r`` possible states).
    """
    c = np.asarray(counts, dtype=np.int64)
    N = int(c.sum())
    return float(K.complete_prefactor(int(r), N)
                 + np.sum(gammaln(c[c > 0] + 0.5) - 0.5 * _LOG_PI))


def complexity_complete(r: int, N: int) -> tuple[float, float]:
    """Parametric and geometric complexity (nats) of a complete model on ``r`` variables.

    Returns ``((K/2) log(N / 2 pi), log ∫ sqrt(det Fisher))`` with ``K = 2**r - 1`` parameters and
    ``∫ sqrt(det Fisher) = pi**(2**(r-1)) / Gamma(2**(r-1))`` (Beretta et al., "The Stochastic
    Complexity of Spin Models"); the MDL approximation of the log-evidence is
    ``max log-likelihood - parametric - geometric``.
    """
    if r == 0:
        return 0.0, 0.0
    a = 2.0 ** (r - 1)
    return (2 * a - 1) / 2 * math.log(N / (2 * math.pi)), a * _LOG_PI - float(gammaln(a))


@dataclass
class _Tables:
    N: int
    lgh: np.ndarray
    klogk: np.ndarray


_TABLE_CACHE: dict[int, _Tables] = {}


def tables(N: int) -> _Tables:
    """Lookup tables ``log Gamma(k + 1/2) - log(pi)/2`` and ``k log k`` for ``k = 0..N`` (cached).

    Parameters
    ----------
    N : int
        Number of observations (the largest count).

    Returns
    -------
    _Tables
        ``N``, ``lgh`` (the first table) and ``klogk`` (the second), arrays of length ``N + 1``.
    """
    t = _TABLE_CACHE.get(N)
    if t is None:
        k = np.arange(N + 1, dtype=np.float64)
        klogk = np.zeros(N + 1)
        klogk[1:] = k[1:] * np.log(k[1:])
        t = _Tables(N, K.lgh_table(N), klogk)
        if len(_TABLE_CACHE) > 8:
            _TABLE_CACHE.clear()
        _TABLE_CACHE[N] = t
    return t


def _component(data: BinaryData, mask: int, table: np.ndarray) -> float:
    return float(K.masked_sum(data.states, data.counts, mask_to_words(mask, data.n_words), table)[0])


def component_log_evidence(data: Any, variables: Any) -> float:
    """Log-evidence (nats) of a complete model on a subset of the variables.

    Parameters
    ----------
    data : BinaryData or anything :func:`~spinscope.mcm.data.as_binary_data` accepts
    variables : list of int or int
        0-based indices, or an int bit mask; the counts used are the marginal counts of these
        variables.

    Returns
    -------
    float
    """
    data = as_binary_data(data)
    mask = _as_mask(variables)
    _check_mask(mask, data.n)
    r = bin(mask).count("1")
    return float(K.complete_prefactor(r, data.N)) + _component(data, mask, tables(data.N).lgh)


def _as_mask(variables: Any) -> int:
    if isinstance(variables, (int, np.integer)):
        return int(variables)
    idx = [int(v) for v in variables]
    if any(v < 0 for v in idx):
        raise InputError(f"variables must be 0-based indices >= 0, got {idx}")
    return mask_of(idx)


def _check_mask(mask: int, n: int) -> None:
    if mask <= 0 or mask >> n:
        raise InputError(f"variables must be a non-empty subset of the {n} variables (0-based indices)")


def log_evidence(data: Any, partition: Any) -> float:
    """Log-evidence (nats) of the MCM whose components are ``partition`` (lists of 0-based indices).

    Use ``[[0, 1, ..., n-1]]`` for the complete model and ``[[0], [1], ...]`` for the independent
    model. The data must already be in the basis of the model (see :mod:`spinscope.mcm.basis`).

    Parameters
    ----------
    data : BinaryData or anything :func:`~spinscope.mcm.data.as_binary_data` accepts
    partition : list of lists of int (0-based variables) or of int bit masks
        Must cover every variable exactly once.

    Returns
    -------
    float
    """
    return evaluate_partition(data, partition).log_evidence


@dataclass
class ComponentEvidence:
    """One component of an MCM: its variables (0-based), log-evidence, likelihood and complexity."""

    variables: tuple[int, ...]
    log_evidence: float
    max_log_likelihood: float
    parametric_complexity: float
    geometric_complexity: float
    n_distinct_states: int

    @property
    def mdl_log_evidence(self) -> float:
        """MDL approximation: max log-likelihood − parametric − geometric complexity."""
        return self.max_log_likelihood - self.parametric_complexity - self.geometric_complexity

    def to_dict(self) -> dict:
        """JSON-ready dict (variables 0-based)."""
        return {"variables": list(self.variables), "log_evidence": self.log_evidence,
                "max_log_likelihood": self.max_log_likelihood,
                "parametric_complexity": self.parametric_complexity,
                "geometric_complexity": self.geometric_complexity,
                "mdl_log_evidence": self.mdl_log_evidence,
                "n_distinct_states": self.n_distinct_states}


@dataclass
class MCMEvidence:
    """Evidence of an MCM (a partition of the variables) on data of ``N`` observations."""

    n: int
    N: int
    components: list[ComponentEvidence] = field(default_factory=list)

    @property
    def log_evidence(self) -> float:
        """Total log-evidence (nats): the sum over components."""
        return float(sum(c.log_evidence for c in self.components))

    @property
    def max_log_likelihood(self) -> float:
        """Maximum log-likelihood (nats) of the data under the MCM."""
        return float(sum(c.max_log_likelihood for c in self.components))

    @property
    def complexity(self) -> float:
        """Stochastic complexity (parametric + geometric, nats) of the MCM."""
        return float(sum(c.parametric_complexity + c.geometric_complexity for c in self.components))

    @property
    def mdl_log_evidence(self) -> float:
        """MDL approximation of the log-evidence."""
        return self.max_log_likelihood - self.complexity

    @property
    def bits_per_datapoint(self) -> float:
        """``-log_evidence / (N log 2)``: code length per observation, in bits."""
        return -self.log_evidence / (self.N * math.log(2))

    def to_dict(self) -> dict:
        """JSON-ready dict (variables 0-based)."""
        return {"n": self.n, "N": self.N, "log_evidence": self.log_evidence,
                "bits_per_datapoint": self.bits_per_datapoint,
                "max_log_likelihood": self.max_log_likelihood, "complexity": self.complexity,
                "mdl_log_evidence": self.mdl_log_evidence,
                "components": [c.to_dict() for c in self.components]}


def evaluate_partition(data: Any, partition: Any) -> MCMEvidence:
    """Evidence, maximum likelihood and complexity of each component of an MCM.

    Parameters
    ----------
    data : BinaryData or anything :func:`~spinscope.mcm.data.as_binary_data` accepts
    partition : list of lists of int (0-based variables) or of int bit masks
        Must cover every variable exactly once.

    Returns
    -------
    MCMEvidence
    """
    data = as_binary_data(data)
    masks = normalize_partition(partition, data.n)
    t = tables(data.N)
    N = data.N
    comps = []
    for mask in masks:
        words = mask_to_words(mask, data.n_words)
        lgh, distinct = K.masked_sum(data.states, data.counts, words, t.lgh)
        klogk, _ = K.masked_sum(data.states, data.counts, words, t.klogk)
        r = bin(mask).count("1")
        par, geo = complexity_complete(r, N)
        comps.append(ComponentEvidence(
            variables=variables_of(mask),
            log_evidence=float(K.complete_prefactor(r, N) + lgh),
            max_log_likelihood=float(klogk - N * math.log(N)),
            parametric_complexity=par, geometric_complexity=geo,
            n_distinct_states=int(distinct)))
    return MCMEvidence(n=data.n, N=N, components=comps)


def max_log_likelihood(data: Any, partition: Any) -> float:
    """Maximum log-likelihood (nats) of the data under the MCM ``partition``.

    Parameters
    ----------
    data : BinaryData or anything :func:`~spinscope.mcm.data.as_binary_data` accepts
    partition : list of lists of int (0-based variables) or of int bit masks
        Must cover every variable exactly once.

    Returns
    -------
    float
        ``sum_c sum_x k_x log(k_x / N)`` over the components' marginal state counts.
    """
    return evaluate_partition(data, partition).max_log_likelihood
