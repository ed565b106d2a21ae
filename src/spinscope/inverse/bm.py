"""Boltzmann machine learning: moment matching with persistent chains of the project's sampler.

The gradient of the mean log-likelihood with respect to ``K = beta J`` and ``g = beta h`` is the
difference of the data's and the model's sufficient statistics (Ising: ``<s_i s_j>``, ``<s_i>``;
Potts: ``<delta(s_i, s_j)>``, ``f_i(a)``). Each learning step

1. advances ``chains`` persistent chains (:class:`spinscope.mc.MonteCarlo`, any update rule the
   registry has for the model's kind) by ``sweeps_per_step`` sweeps under the current model,
2. estimates the model's statistics from the chains,
3. moves ``K += eta_t (pair_data - pair_model) - 2 eta_t l2 K``, ``g += eta_t (single_data - single_model)``,

with the learning rate ``eta_t = learning_rate / (1 + t / decay_steps)`` (Robbins–Monro). The
start is the naive mean-field inversion (Ising) or zero (Potts). Every ``check_every`` steps the
model's statistics are averaged over the last ``check_every`` steps; learning stops (converged)
when the largest mismatch, in units of the data's standard error, is below ``tol_z``. The
parameters returned are averaged over the last window (Polyak averaging); the chains are then
run for ``final_sweeps`` more sweeps under the averaged model, and the moment residuals and their
sampling errors are reported (``residuals_``).
"""

from __future__ import annotations

import numpy as np

from spinscope._validation import SeedLike, check_int, check_positive, spawn_seeds
from spinscope.errors import InputError
from spinscope.inverse._base import InverseEstimator, data_moments
from spinscope.inverse.data import SpinData

__all__ = ["BoltzmannLearning", "sample_moments"]


def sample_moments(spins: np.ndarray, q: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Unweighted (single, pair) statistics of chain configurations ``(R, n)``."""
    return data_moments(SpinData(np.asarray(spins, dtype=np.int8), q,
                                 np.full(spins.shape[0], 1.0 / spins.shape[0])))


class BoltzmannLearning(InverseEstimator):
    """Boltzmann machine learning with persistent chains (see the module docstring).

    Parameters
    ----------
    beta : float
        Inverse temperature of the samples.
    q : int, optional
        Potts states (``None``: Ising); Potts models learn one coupling per pair (the
        project's :class:`~spinscope.models.PottsModel` form).
    algorithm : str
        Update rule of :data:`spinscope.mc.RULES` used by the persistent chains.
    chains : int
        Persistent chains.
    sweeps_per_step : int
        Sweeps of every chain per learning step.
    learning_rate : float
        ``eta_0``.
    decay_steps : float
        ``eta_t = eta_0 / (1 + t / decay_steps)``.
    max_steps : int
    check_every : int
        Steps per convergence check.
    tol_z : float
        Converged when every averaged statistic is within ``tol_z`` data standard errors.
    l2 : float
        Weight decay on the couplings.
    final_sweeps : int
        Sweeps of the final measurement (one measurement per sweep).
    seed : int, Generator or None
    backend : {"numba", "torch"}

    Attributes
    ----------
    couplings_, fields_ : the learned model
    n_steps_, converged_ : learning diagnostics
    residuals_ : dict
        Final moment mismatches: largest absolute and z-score (mismatch over the combined data
        and model standard errors) for the single and the pair statistics.
    history_ : list of dict
        ``step``, ``max_z`` at each check.
    """

    method = "bm"
    supports_potts = True

    def __init__(self, *, beta: float = 1.0, q: int | None = None, algorithm: str = "metropolis",
                 chains: int = 512, sweeps_per_step: int = 2, learning_rate: float = 0.5,
                 decay_steps: float = 100.0, max_steps: int = 2000, check_every: int = 50,
                 tol_z: float = 1.0, l2: float = 0.0, final_sweeps: int = 200,
                 seed: SeedLike = None, backend: str = "numba") -> None:
        super().__init__(beta=beta, q=q)
        self.algorithm, self.backend, self.seed = algorithm, backend, seed
        self.chains = check_int(chains, "chains", minimum=2)
        self.sweeps_per_step = check_int(sweeps_per_step, "sweeps_per_step", minimum=1)
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.decay_steps = check_positive(decay_steps, "decay_steps")
        self.max_steps = check_int(max_steps, "max_steps", minimum=1)
        self.check_every = check_int(check_every, "check_every", minimum=1)
        self.tol_z = check_positive(tol_z, "tol_z")
        self.l2 = float(l2)
        if not np.isfinite(self.l2) or self.l2 < 0:
            raise InputError(f"l2 must be a finite number >= 0, got {l2!r}")
        self.final_sweeps = check_int(final_sweeps, "final_sweeps", minimum=10)

    def _model(self, K: np.ndarray, g: np.ndarray):
        from spinscope.models import IsingModel, PottsModel

        if self.q_ is None:
            return IsingModel(K / self.beta, g / self.beta, name="bm")
        return PottsModel(self.q_, K / self.beta, g / self.beta, name="bm")

    def _start(self, data: SpinData) -> tuple[np.ndarray, np.ndarray]:
        single, _ = data_moments(data)
        if data.q is None:
            from spinscope.inverse.meanfield import MeanFieldInverse

            try:
                mf = MeanFieldInverse().fit(data)
                return mf.couplings_, np.clip(mf.fields_, -5.0, 5.0)
            except InputError:
                return np.zeros((data.n, data.n)), np.arctanh(np.clip(single, -0.99, 0.99))
        return np.zeros((data.n, data.n)), np.log(np.clip(single, 1e-3, None))

    def _fit(self, data: SpinData) -> None:
        from spinscope.mc import MonteCarlo

        if not self.l2:
            self._refuse_constant(data, "their fields grow without bound in moment matching: pass "
                                        "l2 > 0 or drop these columns")
        d_single, d_pair = data_moments(data)
        se_single, se_pair = _standard_errors(d_single, d_pair, data)
        K, g = self._start(data)
        sampler = MonteCarlo(algorithm=self.algorithm, backend=self.backend)
        state = sampler.init(self._model(K, g), betas=[self.beta], replicas=self.chains,
                             seed=spawn_seeds(self.seed, 1)[0])
        mask = 1.0 - np.eye(data.n)
        self.history_, self.converged_ = [], False
        window = _Window(d_single, d_pair, K, g)
        for t in range(self.max_steps):
            state = sampler.restore(self._model(K, g), state.arrays())
            state, _ = sampler.run(state, sweeps=self.sweeps_per_step)
            m_single, m_pair = sample_moments(state.spins_numpy(), data.q)
            eta = self.learning_rate / (1.0 + t / self.decay_steps)
            K = K + eta * ((d_pair - m_pair) * mask - 2.0 * self.l2 * K)
            g = g + eta * (d_single - m_single)
            window.add(m_single, m_pair, K, g)
            if (t + 1) % self.check_every == 0 or t + 1 == self.max_steps:
                z = window.max_z(d_single, d_pair, se_single, se_pair, mask)
                self.history_.append({"step": t + 1, "max_z": z, "learning_rate": eta})
                K_avg, g_avg = window.parameters()
                window = _Window(d_single, d_pair, K, g)
                if z < self.tol_z:
                    self.converged_ = True
                    break
        self.n_steps_ = t + 1
        self.couplings_, self.fields_ = K_avg / self.beta, g_avg / self.beta
        self._final_check(sampler, state, data, (d_single, d_pair), (se_single, se_pair))

    def _final_check(self, sampler, state, data: SpinData, moments, errors) -> None:
        """Moments of the final model from the persistent chains; residuals with error bars."""
        model = self._model(self.couplings_ * self.beta, self.fields_ * self.beta)
        state = sampler.restore(model, state.arrays())
        state, _ = sampler.run(state, sweeps=self.final_sweeps // 5)
        kept: list[np.ndarray] = []
        sampler.run(state, sweeps=self.final_sweeps, measure_every=1,
                    measure=lambda s: kept.append(np.array(s, dtype=np.int8)) or {})
        series = [sample_moments(s, data.q) for s in kept]
        self.residuals_ = {}
        for k, name in enumerate(("single", "pair")):
            x = np.stack([s[k] for s in series])
            mean, err = x.mean(0), _series_error(x)
            diff = mean - moments[k]
            if k == 1:
                diff = diff[np.triu_indices(data.n, 1)]
                err, se = err[np.triu_indices(data.n, 1)], errors[1][np.triu_indices(data.n, 1)]
            else:
                se = errors[0]
            z = diff / np.sqrt(err**2 + se**2)
            self.residuals_[name] = {"max_abs": float(np.abs(diff).max()), "rms_z": float(np.sqrt(np.mean(z**2))),
                                     "max_z": float(np.abs(z).max())}
        self.model_moments_ = (np.stack([s[0] for s in series]).mean(0), np.stack([s[1] for s in series]).mean(0))

    def _extra_summary(self) -> dict:
        return {"algorithm": self.algorithm, "chains": self.chains, "n_steps": self.n_steps_,
                "converged": self.converged_, "residuals": self.residuals_, "history": self.history_}


class _Window:
    """Sums over the steps of one convergence window: model statistics and parameters."""

    def __init__(self, single, pair, K, g) -> None:
        self.stats = [np.zeros_like(single), np.zeros_like(pair)]
        self.params = [np.zeros_like(K), np.zeros_like(g)]
        self.count = 0

    def add(self, single, pair, K, g) -> None:
        self.stats[0] += single
        self.stats[1] += pair
        self.params[0] += K
        self.params[1] += g
        self.count += 1

    def max_z(self, d_single, d_pair, se_single, se_pair, mask) -> float:
        """Largest |window-mean statistic - data| in data standard errors."""
        c = max(self.count, 1)
        return float(max(np.max(np.abs(self.stats[0] / c - d_single) / se_single),
                         np.max(np.abs((self.stats[1] / c - d_pair) * mask) / se_pair)))

    def parameters(self) -> tuple[np.ndarray, np.ndarray]:
        """Polyak average of the parameters over the window."""
        c = max(self.count, 1)
        return self.params[0] / c, self.params[1] / c


def _standard_errors(single: np.ndarray, pair: np.ndarray, data: SpinData) -> tuple[np.ndarray, np.ndarray]:
    """Sampling standard errors of the data's statistics (independent samples, Kish size)."""
    B = data.effective_samples
    if data.q is None:
        s1, s2 = 1.0 - single**2, 1.0 - pair**2
    else:
        s1, s2 = single * (1.0 - single), pair * (1.0 - pair)
    floor = 1.0 / B
    return np.sqrt(np.maximum(s1, floor) / B), np.sqrt(np.maximum(s2, floor) / B)


def _series_error(x: np.ndarray, blocks: int = 10) -> np.ndarray:
    """Standard error of the mean of a correlated series ``(T, ...)`` from ``blocks`` block means."""
    T = x.shape[0] - x.shape[0] % blocks
    means = x[:T].reshape(blocks, T // blocks, *x.shape[1:]).mean(1)
    return means.std(0, ddof=1) / np.sqrt(blocks)
