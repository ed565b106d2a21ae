"""Exact enumeration and chi-square helpers for the kernel tests (and tests of the helpers).

The kernel tests compare sampled histograms of a statistic (the full state on tiny systems,
the pair (energy, magnetisation) on larger ones) with the exact Boltzmann distribution
obtained by enumerating every state with ``model.energy``. Bins with an expected count below
5 are pooled. Repeats with independent seeds are combined with Fisher's method; a test passes
when the combined p-value exceeds ``P_MIN`` (stated in every test).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

P_MIN = 1e-4  # threshold on Fisher-combined chi-square p-values


@pytest.fixture
def one_thread():
    """Run a statistical test with one numba thread. Results do not depend on the thread count
    (test_mc_kernels_determinism.py checks that); one thread keeps the many small-chain calls
    fast on a busy shared machine."""
    import numba

    old = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(old)


def all_states(n: int, values) -> np.ndarray:
    """Every configuration of ``n`` sites with the given site values, int8 ``(len^n, n)``."""
    return np.array(list(itertools.product(values, repeat=n)), dtype=np.int8)


def boltzmann(energies: np.ndarray, beta: float) -> np.ndarray:
    """Normalised Boltzmann weights ``exp(-beta E) / Z``."""
    w = np.exp(-beta * (energies - energies.min()))
    return w / w.sum()


def sample_exact(states: np.ndarray, probs: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` i.i.d. configurations drawn from the exact distribution (int8, C-contiguous)."""
    idx = np.random.default_rng(seed).choice(len(states), size=size, p=probs)
    return np.ascontiguousarray(states[idx])


def chi2_pvalue(sample_stats: np.ndarray, exact_stats: np.ndarray, probs: np.ndarray) -> float:
    """Chi-square p-value of sampled statistics against the exact distribution of the statistic.

    ``sample_stats`` (S, k) and ``exact_stats`` (K, k) are rows of a statistic (rounded to 1e-6);
    ``probs`` (K,) the exact probability of each enumerated state. A sampled value that has zero
    exact probability returns p = 0.
    """
    ex = np.round(np.asarray(exact_stats, dtype=float).reshape(len(probs), -1), 6)
    sa = np.round(np.asarray(sample_stats, dtype=float).reshape(len(sample_stats), -1), 6)
    uniq, inv = np.unique(np.concatenate([ex, sa]), axis=0, return_inverse=True)
    inv = inv.ravel()
    p_cat = np.bincount(inv[: len(ex)], weights=probs, minlength=len(uniq))
    counts = np.bincount(inv[len(ex):], minlength=len(uniq)).astype(float)
    if np.any(counts[p_cat == 0] > 0):
        return 0.0
    keep = p_cat > 0
    p_cat, counts = p_cat[keep], counts[keep]
    expected = p_cat * counts.sum()
    small = expected < 5
    if small.any():
        expected = np.append(expected[~small], expected[small].sum())
        counts = np.append(counts[~small], counts[small].sum())
    if len(expected) < 2:
        return 1.0
    return float(stats.chisquare(counts, expected * counts.sum() / expected.sum()).pvalue)


def fisher(pvalues) -> float:
    """Fisher-combined p-value of independent repeats."""
    pv = np.clip(np.asarray(pvalues, dtype=float), 1e-300, 1.0)
    return float(stats.combine_pvalues(pv, method="fisher").pvalue)


def ising_em(model, s: np.ndarray) -> np.ndarray:
    """Statistic (energy, sum of spins) of ±1 configurations, shape (S, 2)."""
    return np.stack([model.energy(s), s.sum(axis=1).astype(float)], axis=1)


# ---------------------------------------------------------------------- tests of the helpers
def test_chi2_accepts_exact_samples_and_rejects_wrong_temperature():
    """Power check: exact samples pass (p > P_MIN); samples at beta*1.3 fail (p < P_MIN)."""
    from spinscope.models import IsingModel, hypercubic

    model = IsingModel.from_graph(hypercubic((4, 4)), 1.0)
    states = all_states(16, (-1, 1))
    e = model.energy(states)
    probs = boltzmann(e, 0.3)
    good = [chi2_pvalue(ising_em(model, sample_exact(states, probs, 20000, k)), ising_em(model, states),
                        probs) for k in range(3)]
    assert fisher(good) > P_MIN
    wrong = sample_exact(states, boltzmann(e, 0.39), 20000, 7)
    assert chi2_pvalue(ising_em(model, wrong), ising_em(model, states), probs) < P_MIN


def test_chi2_flags_impossible_values():
    states = all_states(2, (-1, 1))
    probs = np.array([0.5, 0.0, 0.0, 0.5])
    assert chi2_pvalue(states[[1, 1, 0]].sum(1), states.sum(1), probs) == 0.0


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
