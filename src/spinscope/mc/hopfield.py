"""Monte Carlo of Hopfield networks (overlap-based Metropolis) and RBMs (block Gibbs).

**Hopfield**: the local field of neuron ``i`` is read from the ``P`` pattern overlaps,
``h_i = sum_mu xi_i^mu m_mu - (sum_mu (xi_i^mu)^2 / N) s_i + h xi_i^target``, so a flip costs
O(P) and updates ``m_mu -= 2 s_i xi_i^mu / N``: a sweep is O(N P) with no ``N x N`` matrix
(``J = xi^T xi / N`` would need ``8 N^2`` bytes and O(N^2) per sweep). Sequential-site Metropolis,
random numbers from the counter-based :mod:`spinscope._rng` (one key per chain, counter = sweep,
index = site), so a run is a pure function of the seed. Overlaps are recomputed exactly at each
measurement (no drift of the running sums).

**RBM**: block Gibbs sampling, all hidden units given the visible ones, then all visible units
given the hidden ones; the hidden conditional of the prior family
``tau = sqrt(1-d) eps + sqrt(d) g`` tilted by ``exp(a tau)`` is the mixture of ``N(sqrt(1-d) eps +
d a, d)`` with ``P(eps = +1) = 1 / (1 + exp(-2 sqrt(1-d) a))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from spinscope._rng import draw, make_keys, stream_start, uniform53
from spinscope._validation import check_int, check_memory, make_rng
from spinscope.errors import InputError
from spinscope.models.hopfield_rbm import RBM, HopfieldModel

__all__ = ["HopfieldSamples", "RBMSamples", "hopfield_sample", "rbm_gibbs"]


@numba.njit(cache=True)
def _hopfield_sweeps(xit, diag, hvec, spins, m, beta, keys, counters, sweeps):
    """``sweeps`` Metropolis sweeps of every chain; ``m`` (R, P) kept current. Returns flips."""
    n, p = xit.shape
    flips = np.zeros(spins.shape[0])
    for r in range(spins.shape[0]):
        for _ in range(sweeps):
            stream = stream_start(keys[r], counters[r])
            counters[r] += np.uint64(1)
            for i in range(n):
                si = spins[r, i]
                h = hvec[i] - diag[i] * si
                for mu in range(p):
                    h += xit[i, mu] * m[r, mu]
                de = 2.0 * si * h
                if de <= 0.0 or uniform53(draw(stream, i)) < np.exp(-beta * de):
                    spins[r, i] = -si
                    f = -2.0 * si / n
                    for mu in range(p):
                        m[r, mu] += f * xit[i, mu]
                    flips[r] += 1.0
    return flips


@dataclass(frozen=True)
class HopfieldSamples:
    """Measurements of a Hopfield run.

    Attributes
    ----------
    overlaps : (M, R, P) float
        Overlaps with every pattern at each measurement (after burn-in), per chain.
    energy : (M, R) float
        ``H`` per neuron.
    spins : (R, N) int8
        Final configurations.
    acceptance : float
        Fraction of accepted flips over the whole run.
    seed : int or None
    """

    overlaps: np.ndarray
    energy: np.ndarray
    spins: np.ndarray
    acceptance: float
    seed: int | None

    def target_overlap(self, target: int = 0) -> np.ndarray:
        """``m`` with pattern ``target`` per chain, averaged over measurements: ``(R,)``."""
        return self.overlaps[:, :, target].mean(axis=0)


def _start(model: HopfieldModel, start, replicas: int, rng) -> np.ndarray:
    n = model.n
    if isinstance(start, str):
        if start == "pattern":
            return np.tile(np.sign(model.patterns[model.target] + 0.0).astype(np.int8), (replicas, 1))
        if start == "random":
            return rng.choice(np.array([-1, 1], dtype=np.int8), size=(replicas, n))
        raise InputError(f"start must be 'pattern', 'random' or a (R, N) array of ±1, got {start!r}")
    s = np.array(start, dtype=np.int8).reshape(-1, n)
    if s.shape[0] != replicas or not np.all(np.abs(s) == 1):
        raise InputError(f"start array must be ({replicas}, {n}) of ±1")
    return s


def hopfield_sample(model: HopfieldModel, T: float, *, sweeps: int = 200, burn_in: int = 100,
                    every: int = 1, replicas: int = 1, start="pattern", seed=None) -> HopfieldSamples:
    """Metropolis sampling of ``model`` at temperature ``T`` (see the module docstring).

    Parameters
    ----------
    model : HopfieldModel
    T : float
        Temperature (> 0).
    sweeps, burn_in, every : int
        Measured sweeps after ``burn_in`` unmeasured ones; a measurement every ``every`` sweeps.
    replicas : int
        Independent chains.
    start : {"pattern", "random"} or (R, N) array
        Initial state: the target pattern (its sign for real patterns), random, or given.
    seed : int, Generator or None
    """
    t = float(T)
    if not np.isfinite(t) or t <= 0:
        raise InputError(f"T must be a finite temperature > 0, got {T!r}")
    sweeps, burn_in = check_int(sweeps, "sweeps", minimum=1), check_int(burn_in, "burn_in", minimum=0)
    every, replicas = check_int(every, "every", minimum=1), check_int(replicas, "replicas", minimum=1)
    if every > sweeps:
        raise InputError(f"every ({every}) must not exceed sweeps ({sweeps}): nothing would be measured")
    check_memory(8.0 * model.n * model.p + 8.0 * (sweeps // every) * replicas * model.p,
                 "Hopfield Monte Carlo (patterns and overlap series)",
                 advice="use fewer patterns, neurons or measurements")
    rng = make_rng(seed)
    spins = _start(model, start, replicas, rng)
    keys = make_keys(rng, replicas)
    counters = np.zeros(replicas, dtype=np.uint64)
    xit = np.ascontiguousarray(model.patterns.T)
    diag = (xit**2).sum(axis=1) / model.n
    hvec = model.field * xit[:, model.target]
    m = spins @ xit / model.n
    flips = _hopfield_sweeps(xit, diag, hvec, spins, m, 1.0 / t, keys, counters, burn_in) if burn_in else 0.0
    total = np.sum(flips)
    series = []
    for _ in range(sweeps // every):
        total += _hopfield_sweeps(xit, diag, hvec, spins, m, 1.0 / t, keys, counters, every).sum()
        m = spins @ xit / model.n  # exact, no drift
        series.append(m.copy())
    ov = np.array(series)
    energy = _energy_from_overlaps(model, ov)
    acc = float(total) / (replicas * model.n * (burn_in + every * (sweeps // every)))
    return HopfieldSamples(ov, energy, spins, acc, seed if isinstance(seed, int) else None)


def _energy_from_overlaps(model: HopfieldModel, ov: np.ndarray) -> np.ndarray:
    diag = (model.patterns**2).sum() / model.n**2
    return -0.5 * (ov * ov).sum(-1) + 0.5 * diag - model.field * ov[..., model.target]


@numba.njit(cache=True)
def rbm_sweeps(w, b, c, d, spins, betas, keys, counters, sweeps):
    """Block-Gibbs sweeps of ``p(s, tau) ∝ prior_d(tau) exp(beta (s^T W tau + b^T s + c^T tau))``
    on the visible chains ``spins`` (R, N) int8, in place; the hidden units are drawn afresh from
    ``p(tau | s)`` in every sweep, so the chain state is the visible layer. Counter-based random
    numbers: draws ``3 mu .. 3 mu + 2`` for hidden unit ``mu`` (component, Box-Muller pair),
    ``3 P + i`` for visible unit ``i``. Returns the visible flips per chain."""
    n, p = w.shape
    mu = np.sqrt(1.0 - d)
    sd = np.sqrt(d)
    tau = np.empty(p)
    flips = np.zeros(spins.shape[0])
    for r in range(spins.shape[0]):
        beta = betas[r]
        for _ in range(sweeps):
            stream = stream_start(keys[r], counters[r])
            counters[r] += np.uint64(1)
            for k in range(p):
                a = c[k]
                for i in range(n):
                    a += w[i, k] * spins[r, i]
                a *= beta
                eps = 1.0 if uniform53(draw(stream, 3 * k)) * (1.0 + np.exp(-2.0 * mu * a)) < 1.0 else -1.0
                u1 = 1.0 - uniform53(draw(stream, 3 * k + 1))
                u2 = uniform53(draw(stream, 3 * k + 2))
                g = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
                tau[k] = mu * eps + d * a + sd * g
            for i in range(n):
                h = b[i]
                for k in range(p):
                    h += w[i, k] * tau[k]
                new = 1 if uniform53(draw(stream, 3 * p + i)) * (1.0 + np.exp(-2.0 * beta * h)) < 1.0 else -1
                if new != spins[r, i]:
                    spins[r, i] = new
                    flips[r] += 1.0
    return flips


@dataclass(frozen=True)
class RBMSamples:
    """Visible configurations of block-Gibbs chains: ``visible`` (M, R, N) int8, ``seed``."""

    visible: np.ndarray
    seed: int | None


def _sample_hidden(rbm: RBM, s: np.ndarray, rng) -> np.ndarray:
    a = rbm.hidden_fields(s)
    d = rbm.hidden_prior
    mu = np.sqrt(1.0 - d)
    eps = np.where(rng.random(a.shape) < 1.0 / (1.0 + np.exp(-2.0 * mu * a)), 1.0, -1.0)
    return mu * eps + d * a + np.sqrt(d) * rng.standard_normal(a.shape)


def rbm_gibbs(rbm: RBM, *, sweeps: int = 1000, burn_in: int = 100, replicas: int = 16,
              seed=None) -> RBMSamples:
    """Block-Gibbs sampling of an RBM; returns the visible states after each measured sweep.

    A sweep draws every hidden unit from ``p(tau | s)`` and then every visible unit from
    ``p(s_i = +1 | tau) = 1 / (1 + exp(-2 (W tau + b)_i))``. Chains start from random ±1.
    """
    sweeps, burn_in = check_int(sweeps, "sweeps", minimum=1), check_int(burn_in, "burn_in", minimum=0)
    replicas = check_int(replicas, "replicas", minimum=1)
    check_memory(float(sweeps) * replicas * rbm.n_visible, "RBM visible samples",
                 advice="use fewer sweeps or replicas")
    rng = make_rng(seed)
    s = rng.choice(np.array([-1.0, 1.0]), size=(replicas, rbm.n_visible))
    out = np.empty((sweeps, replicas, rbm.n_visible), dtype=np.int8)
    for k in range(burn_in + sweeps):
        tau = _sample_hidden(rbm, s, rng)
        field = tau @ rbm.weights.T + rbm.visible_bias
        s = np.where(rng.random(field.shape) < 1.0 / (1.0 + np.exp(-2.0 * field)), 1.0, -1.0)
        if k >= burn_in:
            out[k - burn_in] = s
    return RBMSamples(out, seed if isinstance(seed, int) else None)
