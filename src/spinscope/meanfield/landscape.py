"""How many TAP solutions does an instance have at a temperature? Counting from a start budget.

:func:`tap_landscape` finds the distinct *physical* TAP solutions of an Ising instance at one
inverse temperature ``beta``: solutions of the TAP equations (residual ``< tol``, default 1e-10)
that are local minima of the TAP free energy (least eigenvalue of the scaled Hessian ``> 0``) and
satisfy the Plefka condition ``x_P >= 0`` (:mod:`spinscope.meanfield.tap`). Starts that end
elsewhere are counted by the reason they were rejected (``paramagnet`` with ``x_P < 0``,
``saddle``, ``plefka``, ``unconverged``).

Search (``method``; compared with numbers in ``docs/tap-landscape.md``,
``benchmarks/bench_tap_count.py``):

``"quench"`` (default)
    Zero-temperature states first: random ±1 configurations are quenched (single-spin-flip
    descent) to one-flip-stable states, the ``T = 0`` TAP solutions, and each is descended by exact
    block-coordinate descent of the TAP free energy at ``T``. Below ``T_c`` the paramagnet ``m = 0``
    is a minimum of the TAP free energy that violates the Plefka condition and has by far the
    largest basin; starting from the ``T = 0`` states reaches the physical minima that survive at
    ``T`` (SK, N = 16-24, T = 0.003: at least as many as random starts in 8 of 9 instances, up to
    1.5 times; a random 64-128-128-10 network at 0.01 T_c: 55 against 90 for random starts). A start
    whose state vanished ends at ``m = 0``; where that is a saddle (below the ``T_c`` of a network
    with hidden order) it restarts from ``m = 0`` plus small noise and descends to a minimum.
``"heat"``
    The same starts followed up in temperature from ``T/16`` to ``T`` in ``stages`` geometric steps
    (warm-started descent at each). Measured: the same solutions as ``"quench"`` on SK (27 of 27
    cases of the benchmark) at up to twice the cost, but fewer on trained networks at 0.5 T_c(0)
    (0-2 against 1-10 at 27 of the 60 checkpoints of the default ``track`` run); kept for comparison.
``"random"``
    :func:`spinscope.meanfield.tap_solve`'s starts ``m ~ U(-1, 1)^n`` descended at ``T`` (with its
    short homotopy from naive mean field).

``beta = inf`` counts the ``T = 0`` solutions themselves: the distinct one-flip-stable states the
quench reaches (exactly the ``T -> 0`` limit, without the finite-``T`` functional).

Two solutions are the same when ``max_i |m_a - m_b| < dedup_tol`` (up to a global flip when
``h = 0``). The total number of solutions is estimated from the basin sizes by the bias-corrected
Chao1 estimator ``k + f1 (f1 - 1) / (2 (f2 + 1))`` (``f1``, ``f2``: solutions reached by exactly
one, two starts), a lower bound of the number with non-negligible basins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from spinscope._validation import SeedLike, check_int, check_positive, make_rng
from spinscope.errors import InputError
from spinscope.meanfield import tap as _tap
from spinscope.meanfield._couplings import Couplings, blas_threads, extreme_eig
from spinscope.meanfield._tap_kernels import quench_dense
from spinscope.models import IsingModel, model_kind

__all__ = ["METHODS", "TapLandscape", "chao1", "quench", "tap_landscape"]

METHODS = ("quench", "heat", "random")
_REASONS = ("paramagnet", "saddle", "plefka", "unconverged")
_PARA_Q = 1e-12  # an end point with q_EA = mean(m^2) below this is the paramagnet m = 0


def chao1(counts) -> float:
    """Bias-corrected Chao1 estimate of the number of classes from how often each was seen.

    Parameters
    ----------
    counts : array of int
        Number of observations of each observed class (all ``>= 1``).

    Returns
    -------
    float
        ``k + f1 (f1 - 1) / (2 (f2 + 1))`` with ``k`` classes, ``f1`` seen once, ``f2`` seen twice.
    """
    c = np.asarray(counts, dtype=int)
    f1, f2 = int(np.sum(c == 1)), int(np.sum(c == 2))
    return float(c.size + f1 * (f1 - 1) / (2.0 * (f2 + 1)))


@dataclass
class TapLandscape:
    """Distinct physical TAP solutions at one temperature, found from a start budget.

    Attributes
    ----------
    beta : float
        Inverse temperature.
    method : str
        Search method (see the module docstring).
    solutions : ndarray, shape ``(k, n)``
        Distinct valid solutions, lowest free energy first (one per ±pair when ``h = 0``).
    free_energies : ndarray, shape ``(k,)``
        TAP free energy per spin.
    counts : ndarray, shape ``(k,)``
        Starts that ended in each solution (basin sizes).
    overlaps : ndarray, shape ``(k, k)``
        ``q_ab = m_a . m_b / n``.
    residuals, hessian_min_eig, plefka : ndarray, shape ``(k,)``
        TAP residual, least eigenvalue of the scaled Hessian, Plefka parameter of each solution.
    rejected : dict
        Starts whose end point was not reported, by reason: ``paramagnet`` (``m = 0`` with
        ``x_P < 0``), ``saddle``, ``plefka`` (``x_P < 0``), ``unconverged``.
    labels : ndarray of int, shape ``(n_starts,)``
        The solution each start ended in (``-1``: rejected), in start order.
    n_starts : int
    direction_overlap : float or None
        ``|m . v| / (|m| |v|)`` of the lowest solution with ``direction`` (the top eigenvector of
        ``J`` unless another was given); None without solutions or when it is ``m = 0``
        (``q_EA < 1e-12``).
    """

    beta: float
    method: str
    solutions: np.ndarray = field(repr=False)
    free_energies: np.ndarray
    counts: np.ndarray
    overlaps: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)
    hessian_min_eig: np.ndarray = field(repr=False)
    plefka: np.ndarray = field(repr=False)
    rejected: dict
    labels: np.ndarray = field(repr=False)
    n_starts: int
    direction_overlap: float | None

    @property
    def n_solutions(self) -> int:
        """Number of distinct valid solutions found."""
        return int(self.solutions.shape[0])

    @property
    def estimated_total(self) -> float:
        """Chao1 estimate of the number of solutions (:func:`chao1` of :attr:`counts`)."""
        return chao1(self.counts) if self.n_solutions else 0.0

    @property
    def free_energy_spread(self) -> float | None:
        """``max F - min F`` per spin over the solutions (None without solutions)."""
        return float(np.ptp(self.free_energies)) if self.n_solutions else None

    def discovery_curve(self) -> np.ndarray:
        """Distinct solutions found after each start, in start order (a saturation check)."""
        seen = np.zeros(self.n_solutions, dtype=bool)
        out = np.zeros(self.n_starts, dtype=int)
        for i, lab in enumerate(self.labels):
            if lab >= 0:
                seen[lab] = True
            out[i] = seen.sum()
        return out

    def to_dict(self, *, solutions: bool = False) -> dict:
        """JSON-ready summary (``solutions=True`` adds the magnetisations)."""
        k = self.n_solutions
        q = np.diag(self.overlaps)
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = np.abs(self.overlaps / np.sqrt(np.outer(q, q)))
        off = cos[~np.eye(k, dtype=bool)] if k > 1 else np.array([])
        off = off[np.isfinite(off)]
        d = {"beta": self.beta if np.isfinite(self.beta) else None,  # T = 0: beta = inf is not JSON
             "temperature": 1.0 / self.beta, "method": self.method,
             "n_starts": self.n_starts, "n_solutions": k, "estimated_total": self.estimated_total,
             "free_energies": self.free_energies.tolist(), "free_energy_spread": self.free_energy_spread,
             "counts": self.counts.tolist(), "self_overlaps": q.tolist(),
             "max_mutual_overlap": float(off.max()) if off.size else None,
             "mean_mutual_overlap": float(off.mean()) if off.size else None,
             "max_residual": float(self.residuals.max()) if k else None,
             "min_hessian_eig": float(self.hessian_min_eig.min()) if k else None,
             "min_plefka": float(self.plefka.min()) if k else None,
             "rejected": dict(self.rejected), "direction_overlap": self.direction_overlap,
             "discovery_curve": self.discovery_curve().tolist()}
        if solutions:
            d["solutions"] = self.solutions.tolist()
        return d


def quench(model: IsingModel, spins: np.ndarray, *, max_sweeps: int = 10_000) -> np.ndarray:
    """Zero-temperature descent of configurations to one-flip-stable states.

    Parameters
    ----------
    model : IsingModel
    spins : array, shape ``(B, n)``
        Starting ±1 configurations.
    max_sweeps : int
        Upper bound on the sweeps (each strictly lowers the energy, so it ends long before).

    Returns
    -------
    ndarray of float, shape ``(B, n)``
        States with ``s_i (J s + h)_i >= 0`` for every spin. Layered models are updated a parity
        (all even or all odd layers) at a time, the exact zero-temperature heat bath of a
        bipartite graph; other models by sequential single flips.
    """
    model_kind(model, allowed=("ising",), what="quench")
    S = np.array(spins, dtype=float)
    if S.ndim != 2 or S.shape[1] != model.n or not np.all(np.abs(S) == 1):
        raise InputError(f"spins must be ±1 of shape (B, {model.n}), got shape {S.shape}")
    cp = Couplings(model)
    h = model.fields
    if cp.bipartite:
        masks = cp.parity_masks()
        for _ in range(max_sweeps):
            changed = False
            for p, g in enumerate(masks):
                H = h[g] + cp.apply_half(S, p)
                new = np.where(H > 0, 1.0, np.where(H < 0, -1.0, S[:, g]))
                changed |= bool(np.any(new != S[:, g]))
                S[:, g] = new
            if not changed:
                break
        return S
    quench_dense(S, np.ascontiguousarray(model.dense_couplings()), np.asarray(h, dtype=float), max_sweeps)
    return S


def tap_landscape(model: IsingModel, *, beta: float, starts: int = 256, seed: SeedLike = None,
                  method: str = "quench", stages: int = 8, max_iter: int = 5000, tol: float = 1e-10,
                  dedup_tol: float = 1e-4, direction=None,
                  progress: Callable[[int, int], None] | None = None) -> TapLandscape:
    """Count the distinct physical TAP solutions of ``model`` at ``beta`` from ``starts`` starts.

    Parameters
    ----------
    model : IsingModel
    beta : float
        Inverse temperature ``1/T``; ``inf`` counts the ``T = 0`` solutions, the one-flip-stable
        states reached by quenching the starts (energies per spin as free energies).
    starts : int
        Start budget (random ±1 configurations, or random ``m`` for ``method="random"``).
    seed : int, Generator or None
        Seed of the starts.
    method : {"quench", "heat", "random"}
        Search (module docstring); ``"quench"``, the default, found the most solutions per cost.
    stages : int
        Temperature steps of ``"heat"`` (geometric from ``T/16`` to ``T``; at least 1).
    max_iter : int
        Sweeps of the final descent at ``beta``.
    tol : float
        A start has converged when ``max_i |m_i - tanh(...)| < tol``.
    dedup_tol : float
        Two solutions are the same when ``max_i |m_a - m_b| < dedup_tol`` (or of ``m_a + m_b`` at ``h = 0``).
    direction : array of shape ``(n,)``, optional
        Direction for :attr:`TapLandscape.direction_overlap` (default: top eigenvector of ``J``).
    progress : callable, optional
        ``progress(done, total)`` after every temperature stage.

    Returns
    -------
    TapLandscape
    """
    model_kind(model, allowed=("ising",), what="tap_landscape")
    beta = np.inf if np.isposinf(_as_float(beta)) else check_positive(beta, "beta")
    starts = check_int(starts, "starts", minimum=1)
    stages = check_int(stages, "stages", minimum=1)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol, dedup_tol = check_positive(tol, "tol"), check_positive(dedup_tol, "dedup_tol")
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    rng = make_rng(seed)
    cp = Couplings(model)
    if beta == np.inf:
        return _zero_temperature(model, cp, rng, starts, direction)
    with blas_threads(1):
        M = _follow(model, cp, rng, starts, beta, method, stages, max_iter, tol, progress)
        res = _tap._residual(cp, model.fields, M, beta)
        F = _tap._free_energy(cp, model.fields, M, beta)
        reps, labels = _group(M, F, res < tol, dedup_tol, flip=not np.any(model.fields))
        checks = _check(model, cp, M[reps], beta)
    return _result(model, cp, M, F, res, reps, labels, checks, beta, method, direction)


def _as_float(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _zero_temperature(model: IsingModel, cp: Couplings, rng: np.random.Generator, starts: int,
                      direction) -> TapLandscape:
    """``beta = inf``: the TAP solutions are the one-flip-stable states; count those the quench reaches.

    Each is an exact solution (``m = s``, residual 0), the scaled Hessian is the identity and
    ``x_P = 1``; ``free_energies`` are the energies per spin.
    """
    S = quench(model, rng.choice(np.array([-1.0, 1.0]), size=(starts, cp.n)))
    E = -(0.5 * np.einsum("bi,bi->b", cp.apply(S), S) + S @ model.fields) / cp.n
    reps, labels = _group(S, E, np.ones(starts, dtype=bool), 0.5, flip=not np.any(model.fields))
    ones = np.ones(len(reps))
    checks = {"hessian": ones, "plefka": ones, "q": ones}
    return _result(model, cp, S, E, np.zeros(starts), reps, labels, checks, np.inf, "quench", direction)


def _follow(model: IsingModel, cp: Couplings, rng: np.random.Generator, starts: int, beta: float,
            method: str, stages: int, max_iter: int, tol: float, progress) -> np.ndarray:
    """The end points of the starts after the method's temperature path and the final descent."""
    n = cp.n
    if method == "random":
        M = rng.uniform(-1.0, 1.0, size=(starts, n))
        betas = [beta * (0.8 + 0.2 * s / 2) for s in range(2)]
    else:
        M = quench(model, rng.choice(np.array([-1.0, 1.0]), size=(starts, n)))
        betas = list(beta * 16.0 ** (1.0 - np.arange(stages - 1) / (stages - 1))) \
            if method == "heat" and stages > 1 else []
    for k, b in enumerate(betas):
        M = _descend(model, cp, M, b, 200, 1e-8, onsager=1.0 if method != "random" else k / 2)
        if progress is not None:
            progress(k + 1, len(betas) + 1)
    M = _descend(model, cp, M, beta, max_iter, tol)
    M = _leave_saddle(model, cp, M, rng, beta, max_iter, tol)
    if progress is not None:
        progress(len(betas) + 1, len(betas) + 1)
    return M


def _leave_saddle(model: IsingModel, cp: Couplings, M: np.ndarray, rng: np.random.Generator, beta: float,
                  max_iter: int, tol: float) -> np.ndarray:
    """Rows that ended at ``m = 0`` while the paramagnet is a saddle (below the ``T_c`` of a model with
    outliers) restart from ``m = 0`` plus noise of size 1e-3 and descend again.

    At ``h = 0`` the point ``m = 0`` is a fixed point of the descent; a state that vanished on the
    way up in temperature lands there exactly and would stay on the saddle instead of descending
    along its unstable directions.
    """
    dead = np.flatnonzero(np.mean(M * M, axis=1) < _PARA_Q)
    if dead.size == 0 or np.any(model.fields) or \
            _tap.tap_hessian_min_eig(model, np.zeros(cp.n), beta=beta, cp=cp) > 0:
        return M
    M[dead] = 1e-3 * rng.uniform(-1.0, 1.0, size=(dead.size, cp.n))
    M[dead] = _descend(model, cp, M[dead], beta, max_iter, tol)
    return M


def _descend(model: IsingModel, cp: Couplings, M: np.ndarray, beta: float, max_iter: int, tol: float,
             onsager: float = 1.0) -> np.ndarray:
    """Exact descent of every row until its residual is below ``tol``; converged rows stop."""
    masks, dense = _tap._update_plan(model, cp)
    h = model.fields
    active = np.arange(M.shape[0])
    it = 0
    while it < max_iter and active.size:
        step = min(10, max_iter - it)
        sub, _, _ = _tap._descend(cp, h, M[active], np.ones(active.size, dtype=int), beta, step, 0.0,
                                  masks, dense, onsager=onsager)
        M[active] = sub
        it += step
        active = active[_tap._residual(cp, h, M[active], beta, onsager) >= tol]
    return M


def _group(M: np.ndarray, F: np.ndarray, ok: np.ndarray, dedup_tol: float, flip: bool
           ) -> tuple[list[int], np.ndarray]:
    """Representative rows of the distinct converged end points (lowest ``F`` first) and each
    start's group index (``-1``: not converged)."""
    reps: list[int] = []
    labels = np.full(M.shape[0], -1)
    for i in np.flatnonzero(ok)[np.argsort(F[ok], kind="stable")]:
        if reps:
            d = np.max(np.abs(M[reps] - M[i]), axis=1)
            if flip:
                d = np.minimum(d, np.max(np.abs(M[reps] + M[i]), axis=1))
            j = int(np.argmin(d))
            if d[j] < dedup_tol:
                labels[i] = j
                continue
        labels[i] = len(reps)
        reps.append(int(i))
    return reps, labels


def _check(model: IsingModel, cp: Couplings, sol: np.ndarray, beta: float) -> dict[str, np.ndarray]:
    """Hessian least eigenvalue and Plefka parameter of each distinct end point."""
    hess = np.array([_tap.tap_hessian_min_eig(model, s, beta=beta, cp=cp) for s in sol])
    plef = np.array([_tap._plefka(cp, s, beta) for s in sol])
    return {"hessian": hess.reshape(-1), "plefka": plef.reshape(-1),
            "q": (sol * sol).mean(1) if sol.size else np.zeros(0)}


def _reason(q: float, hess: float, plef: float) -> str | None:
    if hess <= 0:
        return "saddle"
    if plef < 0:
        return "paramagnet" if q < _PARA_Q else "plefka"
    return None


def _result(model, cp, M, F, res, reps, labels, checks, beta, method, direction) -> TapLandscape:
    """Keep the valid groups, relabel the starts, and assemble the :class:`TapLandscape`."""
    why = [_reason(q, hs, pl) for q, hs, pl in zip(checks["q"], checks["hessian"], checks["plefka"])]
    valid = [g for g, w in enumerate(why) if w is None]
    rejected = dict.fromkeys(_REASONS, 0)
    rejected["unconverged"] = int(np.sum(labels < 0))
    for g, w in enumerate(why):
        if w is not None:
            rejected[w] += int(np.sum(labels == g))
    new = np.full(len(reps), -1)
    new[valid] = np.arange(len(valid))
    labels = np.where(labels >= 0, new[np.maximum(labels, 0)], -1)
    rows = [reps[g] for g in valid]
    sol = M[rows]
    q = sol @ sol.T / cp.n
    return TapLandscape(beta=beta, method=method, solutions=sol, free_energies=F[rows],
                        counts=np.bincount(labels[labels >= 0], minlength=len(rows)),
                        overlaps=q, residuals=res[rows], hessian_min_eig=checks["hessian"][valid],
                        plefka=checks["plefka"][valid], rejected=rejected, labels=labels,
                        n_starts=M.shape[0], direction_overlap=_direction_overlap(cp, sol, direction))


def _direction_overlap(cp: Couplings, sol: np.ndarray, direction) -> float | None:
    """``|cos|`` between the lowest solution and ``direction`` (top eigenvector of ``J`` by default)."""
    if sol.shape[0] == 0 or float(np.mean(sol[0] ** 2)) < _PARA_Q:
        return None
    if direction is None:
        direction = extreme_eig(cp.matvec, cp.n, which="LA", v0=np.ones(cp.n), tol=1e-8)[1]
    v = np.asarray(direction, dtype=float).reshape(-1)
    if v.size != cp.n or not np.any(v):
        raise InputError(f"direction must be a non-zero vector of length {cp.n}")
    return float(abs(sol[0] @ v) / (np.linalg.norm(sol[0]) * np.linalg.norm(v)))
