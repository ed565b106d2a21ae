"""Generalised approximate message passing (GAMP), batched over instances.

Teacher-student instances: ``x* ~ P0`` (N entries), ``a_mu ~ N(0, I_N)`` i.i.d. (M = alpha N
rows), ``y_mu ~ P_out(. | a_mu . x* / sqrt(N))``. GAMP in its Bayes-optimal form with scalar
variances (the entries of ``F = A / sqrt(N)`` have variance ``1/N``), one line per quantity:

    V      = mean_i v_i
    omega  = F x_hat - V g                      (Onsager term on the output side)
    g, dg  = g_out(y, omega, V)
    A_t    = -alpha mean_mu dg
    B      = F^T g + A_t x_hat                  (Onsager term on the input side)
    x_hat, v = f_in(B, A_t)

From ``x_hat = 0`` (every prior here has mean 0) its overlap ``|x_hat . x*| / N`` follows state
evolution ``q_{t+1} = overlap_P0(alpha G(q_t))`` iteration by iteration as N grows (Rangan 2011;
Javanmard and Montanari 2013). The matrices are float32 by default (half the memory of float64;
the products are accumulated by BLAS and the overlaps agree with float64 to ~1e-6): the whole
batch is allocated once, its size checked against the machine's memory first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AMPResult", "amp_instances", "gamp", "teacher_student"]


@dataclass
class AMPResult:
    """GAMP on a batch of instances.

    Attributes
    ----------
    x_hat : (B, N) array
        Final estimates (posterior means).
    overlaps : (B, T + 1) array
        ``|x_hat . x*| / N`` after each iteration (column 0: the start, 0).
    mse : (B,) array
        Final ``|x_hat - x*|^2 / N``, sign-corrected for sign-symmetric channels.
    iterations : (B,) int array
        Iterations until the change of ``x_hat`` (mean square) fell below ``tol``.
    converged : (B,) bool array
    """

    x_hat: np.ndarray
    overlaps: np.ndarray
    mse: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray

    def to_dict(self) -> dict:
        return {"overlaps": self.overlaps.tolist(), "mse": self.mse.tolist(),
                "iterations": self.iterations.tolist(), "converged": self.converged.tolist()}


def _fill_gaussian(A: np.ndarray, ss: np.random.SeedSequence) -> None:
    """Fill ``A`` with N(0, 1) entries in place, by torch's CPU generator seeded from ``ss``.

    torch's vectorised Box-Muller fill is 2-2.5x faster than numpy's ziggurat here (measured in
    ``benchmarks/bench_glm.py``: the matrix is most of GAMP's cost at N = 10^4) and its output
    does not depend on the number of threads.
    """
    import torch

    gen = torch.Generator(device="cpu")
    gen.manual_seed(int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1)))
    torch.from_numpy(A).normal_(generator=gen)


def teacher_student(prior, channel, n: int, m: int, instances: int, seed, *,
                    dtype=np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x* (B, N), A (B, M, N), y (B, M))``; instance ``b`` is drawn from the ``b``-th child
    seed of ``seed``, so it does not depend on how many instances are drawn with it."""
    from spinscope._validation import spawn_seeds

    A = np.empty((instances, m, n), dtype=dtype)
    x = np.empty((instances, n))
    y = np.empty((instances, m))
    for b, ss in enumerate(spawn_seeds(seed, instances)):
        data_ss, matrix_ss = ss.spawn(2)
        rng = np.random.default_rng(data_ss)
        x[b] = prior.sample(n, rng)
        _fill_gaussian(A[b], matrix_ss)
        z = (A[b] @ x[b].astype(dtype)).astype(float) / np.sqrt(n)
        y[b] = channel.sample(z, rng)
    return x, A, y


def gamp(y: np.ndarray, A: np.ndarray, prior, channel, *, x_true: np.ndarray | None = None,
         iterations: int = 100, tol: float = 1e-9, damping: float = 0.0, seed=None) -> AMPResult:
    """Run Bayes-optimal GAMP on a batch.

    Parameters
    ----------
    y : (B, M) array
    A : (B, M, N) array
        Unscaled Gaussian matrices (entries of variance 1); ``F = A / sqrt(N)``.
    prior, channel : Prior and Channel
    x_true : (B, N) array, optional
        Teacher signals, for the per-iteration overlaps and the MSE.
    iterations : int
        Most iterations.
    tol : float
        Convergence: mean square change of ``x_hat`` below ``tol``.
    damping : float
        Fraction of the previous estimate kept (0: none; none is needed for the Bayes-optimal
        settings tested, see docs/glm.md).
    seed : int or Generator, optional
        For the start of sign-symmetric channels (``abs``): ``x_hat = 0`` is then a fixed point
        of GAMP, so it starts from ``x_hat ~ N(0, 1e-4 rho)`` instead.

    Returns
    -------
    AMPResult
    """
    Bn, M, N = A.shape
    alpha, sq = M / N, np.sqrt(N)
    x_hat = np.zeros((Bn, N))
    if channel_is_even(channel):
        from spinscope._validation import make_rng

        x_hat = 1e-2 * np.sqrt(prior.rho) * make_rng(seed).standard_normal((Bn, N))
    v = np.full((Bn, N), prior.rho)
    g = np.zeros((Bn, M))
    dt = A.dtype
    overlaps = [np.abs(np.sum(x_hat * x_true, axis=1)) / N if x_true is not None else np.zeros(Bn)]
    done = np.zeros(Bn, dtype=int)
    for t in range(1, int(iterations) + 1):
        active = done == 0
        V = v.mean(axis=1, keepdims=True)
        omega = np.matmul(A, x_hat.astype(dt)[:, :, None])[:, :, 0] / sq - V * g
        g_new, dg = channel.g_out(y, omega, np.maximum(V, 1e-300))
        # A_t may be negative where q = 0 is unstable (abs); kept above -1/(2 rho) so that every
        # denoiser stays defined
        a_t = np.maximum(-alpha * dg.mean(axis=1, keepdims=True), -0.5 / prior.rho)
        b_t = np.matmul(g_new.astype(dt)[:, None, :], A)[:, 0, :] / sq + a_t * x_hat
        new, v_new = prior.denoise(b_t, a_t)
        if damping:
            new = (1.0 - damping) * new + damping * x_hat
        change = np.mean((new - x_hat) ** 2, axis=1)
        # a vanishing a_t means every output is explained (g_out underflowed): nothing to update
        underflow = np.abs(a_t[:, 0]) < 1e-100
        keep = (active & ~underflow)[:, None]      # converged instances are frozen
        x_hat, v, g = np.where(keep, new, x_hat), np.where(keep, v_new, v), np.where(keep, g_new, g)
        if x_true is not None:
            overlaps.append(np.abs(np.sum(x_hat * x_true, axis=1)) / N)
        # converged: the estimate stopped moving, or the posterior collapsed onto one point
        finished = (change < tol) | (v.mean(axis=1) < 1e-9 * prior.rho) | underflow
        done = np.where(active & finished, t, done)
        if np.all(done > 0):
            break
    ov = np.array(overlaps).T if x_true is not None else np.zeros((Bn, 0))
    mse = np.full(Bn, np.nan)
    if x_true is not None:
        sgn = np.sign(np.sum(x_hat * x_true, axis=1, keepdims=True)) if channel_is_even(channel) else 1.0
        mse = np.mean((sgn * x_hat - x_true) ** 2, axis=1)
    return AMPResult(x_hat=x_hat, overlaps=ov, mse=mse, iterations=np.where(done > 0, done, t),
                     converged=done > 0)


def channel_is_even(channel) -> bool:
    """Outputs invariant under ``x -> -x`` (the sign of the estimate cannot be learned)."""
    return getattr(channel, "name", "") == "abs"


def amp_instances(prior, channel, alpha: float, n: int, instances: int, seed, *,
                  iterations: int = 100, tol: float = 1e-9, damping: float = 0.0,
                  dtype=np.float32) -> AMPResult:
    """Draw ``instances`` teacher-student instances at load ``alpha`` and run GAMP on them
    (the memory of the batch is checked first)."""
    from spinscope._validation import check_memory

    m = max(1, round(alpha * n))
    itemsize = np.dtype(dtype).itemsize
    check_memory(instances * m * n * itemsize + 12 * instances * (m + n) * 8,
                 f"GAMP on {instances} instances of N = {n}, M = {m}",
                 advice="use fewer instances or a smaller N")
    from spinscope._validation import spawn_seeds

    data_seed, start_seed = spawn_seeds(seed, 2)
    x, A, y = teacher_student(prior, channel, n, m, instances, data_seed, dtype=dtype)
    return gamp(y, A, prior, channel, x_true=x, iterations=iterations, tol=tol, damping=damping,
                seed=start_seed)
