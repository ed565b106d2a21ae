"""TAP (Thouless–Anderson–Palmer) solutions of one Ising instance.

The TAP free energy (``beta = 1/T``, couplings ``J``, fields ``h``, magnetisations ``m``)::

    beta F(m) = -beta h.m - beta/2 m^T J m - beta^2/4 sum_ij J_ij^2 (1 - m_i^2)(1 - m_j^2)
                + sum_i [(1+m_i)/2 ln((1+m_i)/2) + (1-m_i)/2 ln((1-m_i)/2)]

is stationary where ``m_i = tanh(beta h_i + beta sum_j J_ij m_j - beta^2 m_i sum_j J_ij^2 (1 - m_j^2))``.

Method: exact block-coordinate descent on ``F``. With the other spins fixed, ``F`` is strictly
convex in one ``m_i`` (see :mod:`._tap_kernels`), and for layered models (bipartite coupling graph:
even vs odd layers) it is convex and *separable* in all spins of one parity at once, so half of
the spins are minimised exactly in one batched matrix product. ``F`` decreases at every step and
is bounded below, so every start converges to a stationary point (a local minimum in practice),
unlike plain fixed-point iteration, which oscillates below ``T_c``. Other models use sequential
(Gauss–Seidel) sweeps in numba. The comparison with AMP iteration and damped parallel updates is
in ``docs/theory-layered-sk.md``.

Many random starts run as one ``(starts, n)`` matrix. Annealing: in ``anneal`` stages ``beta`` rises
from ``0.8 beta`` to ``beta`` while the Onsager (reaction) term is switched on from 0 to 1 (a
homotopy from naive mean field, whose magnetised minima seed the TAP ones). Solutions are
deduplicated (up to a global flip when ``h = 0``) and checked against the Plefka condition.

Known limitation: on SK at ``h = 0`` below ``T_c`` many starts descend to the paramagnet ``m = 0``,
which is a TAP solution of *lower* free energy than the physical states but violates the Plefka
condition (``x_P < 0``); it is reported with ``plefka < 0`` and ``valid = False``. Small SK systems
(n = 200) yield few valid states; n = 800 at ``beta = 1.3`` yields several (see the docs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spinscope._validation import SeedLike, check_int, check_positive, make_rng
from spinscope.meanfield._couplings import Couplings, blas_threads, extreme_eig
from spinscope.meanfield._tap_kernels import gauss_seidel_sweeps, solve_spin
from spinscope.models import IsingModel

__all__ = ["TapResult", "tap_free_energy", "tap_hessian_min_eig", "tap_residual", "tap_solve"]


def _negentropy(m: np.ndarray) -> np.ndarray:
    p, q = (1.0 + m) / 2.0, (1.0 - m) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0) + \
            np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0)


def _free_energy(cp: Couplings, h: np.ndarray, M: np.ndarray, beta: float) -> np.ndarray:
    MJ = cp.apply(M)  # h: (n,) only
    w = 1.0 - M * M
    ons = np.einsum("bi,bi->b", cp.apply_sq(w), w)
    F = -(M @ h) - 0.5 * np.einsum("bi,bi->b", MJ, M) - beta / 4.0 * ons \
        + _negentropy(M).sum(1) / beta
    return F / cp.n


def _residual(cp: Couplings, h: np.ndarray, M: np.ndarray, beta: float,
              onsager: float = 1.0) -> np.ndarray:
    c = onsager * cp.apply_sq(1.0 - M * M)
    target = np.tanh(beta * (h + cp.apply(M)) - beta**2 * M * c)
    return np.max(np.abs(M - target), axis=1)


def tap_free_energy(model: IsingModel, m, *, beta: float) -> np.ndarray:
    """TAP free energy per spin ``F(m)/n`` (units of the couplings) of magnetisations.

    Parameters
    ----------
    model : IsingModel
    m : array, shape (..., n)
        Magnetisations in ``[-1, 1]``.
    beta : float
        Inverse temperature.

    Returns
    -------
    ndarray, shape (...)
    """
    beta = check_positive(beta, "beta")
    M = np.atleast_2d(np.asarray(m, dtype=float))
    return _free_energy(Couplings(model), model.fields, M, beta).reshape(np.shape(m)[:-1])


def tap_residual(model: IsingModel, m, *, beta: float) -> np.ndarray:
    """``max_i |m_i - tanh(...)|``: how far each row of ``m`` is from solving the TAP equations.

    Parameters
    ----------
    model : IsingModel
    m : array, shape (..., n)
        Magnetisations in ``[-1, 1]``.
    beta : float
        Inverse temperature.

    Returns
    -------
    ndarray, shape (...)
    """
    beta = check_positive(beta, "beta")
    M = np.atleast_2d(np.asarray(m, dtype=float))
    return _residual(Couplings(model), model.fields, M, beta).reshape(np.shape(m)[:-1])


def _plefka(cp: Couplings, m: np.ndarray, beta: float) -> float:
    w = 1.0 - m * m
    n = cp.n
    if n <= 3:
        A = np.column_stack([w * cp.apply_sq((w * e)[None])[0] for e in np.eye(n)])
        return float(1.0 - beta**2 * np.linalg.eigvalsh(0.5 * (A + A.T))[-1])
    val, _ = extreme_eig(lambda x: w * cp.apply_sq((w * x)[None])[0], n, which="LA", v0=np.ones(n),
                         tol=1e-8, maxiter=20 * n, vector=False)
    return float(1.0 - beta**2 * val)


def tap_hessian_min_eig(model: IsingModel, m, *, beta: float, cp: Couplings | None = None) -> float:
    """Least eigenvalue of the TAP Hessian scaled by ``diag(1 - m^2)`` (``I - M`` of the paper).

    ``S^{1/2} Hess S^{1/2}`` with ``S = diag(1 - m^2)``; at ``m = 0`` it is ``I - beta J + beta^2 D``.

    Parameters
    ----------
    model : IsingModel
    m : array, shape (n,)
        Magnetisations in ``[-1, 1]``.
    beta : float
        Inverse temperature.
    cp : Couplings, optional
        The model's prepared couplings (internal; built when omitted).

    Returns
    -------
    float
        Positive: ``m`` is a local minimum of ``F``; negative: a saddle.
    """
    beta = check_positive(beta, "beta")
    cp = cp or Couplings(model)
    m = np.asarray(m, dtype=float)
    w = 1.0 - m * m
    s = np.sqrt(w)
    diag = 1.0 + beta**2 * cp.apply_sq(w[None])[0] * w
    n = cp.n

    def mv(x):
        x = np.ravel(x)
        return diag * x - beta * s * cp.matvec(s * x) - 2 * beta**2 * s * m * cp.apply_sq((s * m * x)[None])[0]

    if n <= 3:
        A = np.column_stack([mv(e) for e in np.eye(n)])
        return float(np.linalg.eigvalsh(0.5 * (A + A.T))[0])
    return extreme_eig(mv, n, which="SA", v0=np.ones(n), tol=1e-8, maxiter=20 * n, vector=False)[0]


@dataclass
class TapResult:
    """Distinct TAP solutions found from many random starts at one temperature.

    Attributes
    ----------
    beta : float
        Inverse temperature.
    solutions : ndarray, shape ``(k, n)``
        Distinct converged magnetisations, lowest free energy first (one per ±pair when ``h = 0``).
    free_energies : ndarray, shape ``(k,)``
        TAP free energy per spin ``F/n``.
    self_overlaps : ndarray, shape ``(k,)``
        ``q_a = m_a . m_a / n`` (Edwards–Anderson parameter of each state).
    overlaps : ndarray, shape ``(k, k)``
        ``q_ab = m_a . m_b / n``.
    counts : ndarray, shape ``(k,)``
        How many starts ended in each solution (basin sizes).
    residuals : ndarray, shape ``(k,)``
        ``max_i |m_i - tanh(...)|`` of each solution.
    hessian_min_eig : ndarray of shape ``(k,)`` or None
        Least eigenvalue of the scaled TAP Hessian (``> 0``: local minimum).
    plefka : ndarray, shape ``(k,)``
        Plefka parameter ``x_P = 1 - beta^2 lambda_max(W (J∘J) W)``, ``W = diag(1 - m^2)``; the TAP
        expansion is valid (the state physical) only for ``x_P >= 0``. Below ``T_c`` the paramagnet
        ``m = 0`` is a TAP solution with ``x_P < 0``.
    n_starts, n_unconverged, iterations : int
    """

    beta: float
    solutions: np.ndarray = field(repr=False)
    free_energies: np.ndarray
    self_overlaps: np.ndarray
    overlaps: np.ndarray = field(repr=False)
    counts: np.ndarray
    residuals: np.ndarray = field(repr=False)
    hessian_min_eig: np.ndarray | None
    plefka: np.ndarray
    n_starts: int
    n_unconverged: int
    iterations: int

    @property
    def n_solutions(self) -> int:
        """Number of distinct solutions."""
        return int(self.solutions.shape[0])

    @property
    def paramagnetic(self) -> bool:
        """True when the only solution is (numerically) ``m = 0``."""
        return self.n_solutions == 1 and float(self.self_overlaps[0]) < 1e-8

    @property
    def valid(self) -> np.ndarray:
        """Boolean mask of the solutions satisfying the Plefka condition ``x_P >= 0``."""
        return self.plefka >= 0

    def normalized_overlaps(self) -> np.ndarray:
        """``q_ab / sqrt(q_aa q_bb)`` (cosine between states); NaN for ``m = 0`` states."""
        q = np.sqrt(self.self_overlaps)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.overlaps / np.outer(q, q)

    def to_dict(self, *, solutions: bool = False) -> dict:
        """JSON-ready summary.

        Parameters
        ----------
        solutions : bool
            Include the magnetisations (``solutions``, ``(k, n)``).

        Returns
        -------
        dict
        """
        k = self.n_solutions
        cos = np.abs(self.normalized_overlaps())
        off = cos[~np.eye(k, dtype=bool)] if k > 1 else np.array([])
        off = off[np.isfinite(off)]
        d = {"beta": self.beta, "temperature": 1.0 / self.beta, "n_solutions": k,
             "n_starts": self.n_starts, "n_unconverged": self.n_unconverged,
             "iterations": self.iterations, "paramagnetic": self.paramagnetic,
             "free_energies": self.free_energies.tolist(), "self_overlaps": self.self_overlaps.tolist(),
             "counts": self.counts.tolist(), "overlaps": self.overlaps.tolist(),
             "max_overlap": float(off.max()) if off.size else None,
             "mean_abs_overlap": float(off.mean()) if off.size else None,
             "plefka": self.plefka.tolist(), "n_valid": int(self.valid.sum()),
             "hessian_min_eig": None if self.hessian_min_eig is None else self.hessian_min_eig.tolist()}
        if solutions:
            d["solutions"] = self.solutions.tolist()
        return d


def _merge(M: np.ndarray, counts: np.ndarray, tol: float, flip: bool) -> tuple[np.ndarray, np.ndarray]:
    """Merge rows closer than ``tol`` (max-abs, up to a flip when ``flip``); counts add up."""
    keep: list[int] = []
    counts = counts.copy()
    for i in range(M.shape[0]):
        if keep:
            K = M[keep]
            d = np.max(np.abs(K - M[i]), axis=1)
            if flip:
                d = np.minimum(d, np.max(np.abs(K + M[i]), axis=1))
            j = int(np.argmin(d))
            if d[j] < tol:
                counts[keep[j]] += counts[i]
                continue
        keep.append(i)
    return M[keep], counts[keep]


def _descend(cp: Couplings, h: np.ndarray, M: np.ndarray, counts: np.ndarray, beta: float,
             max_iter: int, tol: float, masks, dense, onsager: float = 1.0,
             merge_tol: float = 0.0, flip: bool = False, snap: float = 0.0
             ) -> tuple[np.ndarray, np.ndarray, int]:
    """Block-coordinate descent until every row's residual < tol or ``max_iter`` sweeps.

    Every few sweeps rows closer than ``merge_tol`` are merged (they descend to the same point), so
    starts falling into one basin cost one row. With ``snap > 0`` (only used when ``h = 0`` and
    ``m = 0`` is a strict local minimum) rows with ``rms(m) < snap`` are set to the exact solution 0.
    """
    check_every = 5
    it = 0
    while it < max_iter:
        step = min(check_every, max_iter - it)
        if masks is not None:
            for _ in range(step):
                for parity, g in enumerate(masks):
                    H = h[..., g] + cp.apply_half(M, parity)
                    c = cp.apply_half(1.0 - M * M, parity, squared=True)
                    M[:, g] = solve_spin(onsager * beta**2 * c, beta * H)
        else:
            hb = np.ascontiguousarray(np.broadcast_to(h, M.shape))
            gauss_seidel_sweeps(M, dense[0], onsager * dense[1], hb, beta, step)
        it += step
        if snap > 0:
            M[np.sqrt(np.mean(M * M, axis=1)) < snap] = 0.0
        if merge_tol > 0 and M.shape[0] > 1:
            M, counts = _merge(M, counts, merge_tol, flip)
        if np.all(_residual(cp, h, M, beta, onsager) < tol):
            break
    return M, counts, it


def tap_solve(model: IsingModel, *, beta: float, starts: int = 64, seed: SeedLike = None,
              anneal: int = 3, max_iter: int = 2000, tol: float = 1e-7, dedup_tol: float = 1e-3,
              hessian: bool = True) -> TapResult:
    """Find the TAP solutions of ``model`` at inverse temperature ``beta`` from random starts.

    Parameters
    ----------
    model : IsingModel
    beta : float
        Inverse temperature ``1/T`` (units of the inverse couplings).
    starts : int
        Number of random starts ``m ~ U(-1, 1)^n``, run as one batch.
    seed : int, Generator or None
        Seed of the starts.
    anneal : int
        Number of annealing stages (1: none): ``beta`` rises linearly from ``0.8 beta`` and the
        Onsager term from 0 to 1; the intermediate stages run at most 20 sweeps each.
    max_iter : int
        Maximum number of sweeps (each spin updated once per sweep) at the final ``beta``.
    tol : float
        Convergence: ``max_i |m_i - tanh(...)| < tol``.
    dedup_tol : float
        Two solutions are the same when ``max_i |m_a - m_b| < dedup_tol`` (or ``|m_a + m_b|`` if ``h = 0``).
    hessian : bool
        Also compute the least eigenvalue of each solution's scaled Hessian.

    Returns
    -------
    TapResult
    """
    beta = check_positive(beta, "beta")
    starts = check_int(starts, "starts", minimum=1)
    anneal = check_int(anneal, "anneal", minimum=1)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol, dedup_tol = check_positive(tol, "tol"), check_positive(dedup_tol, "dedup_tol")
    rng = make_rng(seed)
    cp = Couplings(model)
    h = model.fields
    masks, dense = _update_plan(model, cp)
    M = rng.uniform(-1.0, 1.0, size=(starts, cp.n))
    counts0 = np.ones(starts, dtype=int)
    flip = not np.any(h)
    mt = 0.1 * dedup_tol
    with blas_threads(1):
        M, counts0 = _anneal_stages(cp, h, M, counts0, beta, anneal, tol, masks, dense, mt, flip)
        M, counts0, iters = _descend(cp, h, M, counts0, beta, max_iter, tol, masks, dense,
                                     merge_tol=mt, flip=flip, snap=_snap_radius(cp, beta, flip))
        res = _residual(cp, h, M, beta)
        ok = res < max(tol, 1e-6)
        F = _free_energy(cp, h, M, beta)
        reps, counts = _distinct(M, counts0, F, ok, dedup_tol, flip)
        sol = M[reps]
        hess = np.array([tap_hessian_min_eig(model, s, beta=beta, cp=cp) for s in sol]) if hessian else None
        plef = np.array([_plefka(cp, s, beta) for s in sol])
    q = sol @ sol.T / cp.n
    return TapResult(beta=beta, solutions=sol, free_energies=F[reps], self_overlaps=np.diag(q).copy(),
                     overlaps=q, counts=np.asarray(counts, dtype=int), residuals=res[reps],
                     hessian_min_eig=hess, plefka=plef, n_starts=starts, n_unconverged=int(counts0[~ok].sum()),
                     iterations=int(iters))


def _anneal_stages(cp: Couplings, h: np.ndarray, M: np.ndarray, counts: np.ndarray, beta: float,
                   anneal: int, tol: float, masks, dense, merge_tol: float,
                   flip: bool) -> tuple[np.ndarray, np.ndarray]:
    """The ``anneal - 1`` homotopy stages: the Onsager term is switched on while ``beta`` rises to its value."""
    for s in range(anneal - 1):
        frac = s / (anneal - 1)
        M, counts, _ = _descend(cp, h, M, counts, beta * (0.8 + 0.2 * frac), 20, tol, masks, dense,
                                onsager=frac, merge_tol=merge_tol, flip=flip)
    return M, counts


def _update_plan(model: IsingModel, cp: Couplings) -> tuple[list | None, tuple | None]:
    """``(parity masks, None)`` for a bipartite coupling graph, else ``(None, (J, J*J))`` dense."""
    masks = cp.parity_masks() if cp.bipartite else None
    if masks is not None:
        return masks, None
    J = model.dense_couplings()
    return None, (np.ascontiguousarray(J), np.ascontiguousarray(J * J))


def _snap_radius(cp: Couplings, beta: float, flip: bool) -> float:
    """``1e-3`` when ``h = 0`` and ``m = 0`` (an exact TAP solution) is a strict local minimum, else 0."""
    if not flip:
        return 0.0
    from spinscope.meanfield.stability import _MinEig

    return 1e-3 if _MinEig(cp).lanczos(beta, np.ones(cp.n), tol=1e-6)[0] > 1e-2 else 0.0


def _distinct(M: np.ndarray, counts0: np.ndarray, F: np.ndarray, ok: np.ndarray, dedup_tol: float,
              flip: bool) -> tuple[list[int], list[int]]:
    """Representative rows of the converged solutions, lowest ``F`` first, and their basin sizes."""
    reps: list[int] = []
    counts: list[int] = []
    for i in np.flatnonzero(ok)[np.argsort(F[ok], kind="stable")]:
        for r, j in enumerate(reps):
            if np.max(np.abs(M[i] - M[j])) < dedup_tol or (flip and np.max(np.abs(M[i] + M[j])) < dedup_tol):
                counts[r] += int(counts0[i])
                break
        else:
            reps.append(int(i))
            counts.append(int(counts0[i]))
    return reps, counts
