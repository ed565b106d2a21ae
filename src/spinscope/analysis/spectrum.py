"""Spectrum of the bond (coupling) matrix ``J``: bulk edge, outliers, tail power law.

For a layered model (a feed-forward network) the coupling graph is bipartite (even vs odd layers),
so ``J = [[0, B], [B^T, 0]]`` up to a permutation and its eigenvalues are ``±`` the singular values of
the block ``B`` (plus ``|n_even - n_odd|`` zeros): one SVD of a smaller matrix instead of a full
symmetric eigendecomposition. Other models use ``numpy.linalg.eigh``.

The random-ensemble prediction of the bulk edge solves the vector Dyson equation of a matrix with
a layered variance profile (``docs/theory-layered-sk.md``): for ``z`` above the spectrum,
``u_k = 1 / (z - sum_l S_kl u_l)`` with ``S_kl = sigma_{kl}^2 N_l`` has a positive solution reached by
monotone iteration from ``u = 0``; below the edge the iteration blows up. The edge is therefore
``min_w max_k (exp(-w_k) + sum_l S_kl exp(w_l))``, a convex min-max problem in ``w = log u`` (one
variable per layer) that :func:`ensemble_edge` solves with SLSQP; only if the optimiser fails is the
edge bisected on the convergence of the iteration (the slow fallback).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from spinscope._validation import as_int_tuple, check_int, check_positive
from spinscope.errors import InputError
from spinscope.models import IsingModel

__all__ = [
    "SpectrumResult",
    "bond_spectrum",
    "ensemble_edge",
    "layer_variances",
    "power_law_tail",
    "spectrum_summary",
]


def _is_bipartite_layered(model: IsingModel) -> bool:
    if model.layers is None or len(model.layers) < 2:
        return False
    o = model.layer_offsets
    j = model.sparse_couplings()
    inside = sum(j[o[k]:o[k + 1], o[k + 1]:o[k + 2]].nnz for k in range(len(model.layers) - 1))
    return 2 * inside == j.nnz


def bond_spectrum(model: IsingModel, *, vectors: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """Eigenvalues of ``J`` in ascending order, and optionally the top ``vectors`` eigenvectors.

    Parameters
    ----------
    model : IsingModel
    vectors : int
        Number of eigenvectors of the largest eigenvalues to return (0: none).

    Returns
    -------
    eigenvalues : ndarray, shape ``(n,)``
    top_vectors : ndarray of shape ``(vectors, n)`` (largest eigenvalue first) or None
    """
    vectors = check_int(vectors, "vectors", minimum=0)
    n = model.n
    if _is_bipartite_layered(model):
        idx = model.layer_index()
        even, odd = np.flatnonzero(idx % 2 == 0), np.flatnonzero(idx % 2 == 1)
        j = model.sparse_couplings()
        B = j[even][:, odd].toarray()
        if vectors:
            U, s, Vt = np.linalg.svd(B, full_matrices=False)
        else:
            s = np.linalg.svd(B, compute_uv=False)
        ev = np.sort(np.concatenate([s, -s, np.zeros(n - 2 * s.size)]))
        top = None
        if vectors:
            k = min(vectors, s.size)
            top = np.zeros((k, n))
            top[:, even] = U[:, :k].T / np.sqrt(2)
            top[:, odd] = Vt[:k] / np.sqrt(2)
        return ev, top
    J = model.dense_couplings()
    if vectors:
        w, V = np.linalg.eigh(J)
        return w, V[:, ::-1][:, :vectors].T
    return np.linalg.eigvalsh(J), None


def layer_variances(model: IsingModel) -> list[float]:
    """Mean square coupling ``E[W_ij^2]`` of every block between consecutive layers."""
    if model.layers is None:
        raise InputError("layer_variances needs a layered model")
    return [float(np.mean(w * w)) for w in model.layer_weights()]


def _variance_profile(sizes: Sequence[int], variances: float | Sequence[float]) -> np.ndarray:
    sizes = as_int_tuple(sizes, "sizes", minimum=1)
    if len(sizes) < 2:
        raise InputError(f"sizes needs at least two layers, got {sizes}")
    v = np.broadcast_to(np.asarray(variances, dtype=float), (len(sizes) - 1,))
    for k, x in enumerate(v):
        check_positive(x, f"variances[{k}]")
    L1 = len(sizes)
    S = np.zeros((L1, L1))
    for k in range(L1 - 1):
        S[k, k + 1] = v[k] * sizes[k + 1]
        S[k + 1, k] = v[k] * sizes[k]
    return S


def ensemble_edge(sizes: Sequence[int], variances: float | Sequence[float], *,
                  rtol: float = 1e-6) -> float:
    """Edge of the limiting spectrum of ``J`` for the random layered ensemble (vector Dyson equation).

    For real ``z`` above the spectrum, ``u_k = 1/(z - sum_l S_kl u_l) > 0`` with
    ``S_kl = sigma_kl^2 N_l``; the iteration from ``u = 0`` is monotone, so a solution exists iff
    some ``u > 0`` has ``z >= 1/u_k + (S u)_k`` for every ``k``. The edge is therefore
    ``min_w max_k (exp(-w_k) + sum_l S_kl exp(w_l))``, a convex min-max problem in ``w = log u``
    (one variable per layer), solved by SLSQP in about a millisecond. Every ``w`` gives an upper
    bound, and the value returned is the bound at the optimiser's ``w``; should the optimiser
    fail, the edge is bisected on the convergence of the iteration instead (slow, ~0.3 s).

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``N_0..N_L``.
    variances : float or sequence of float
        ``sigma_k^2``, variance of the couplings between layers ``k`` and ``k+1``.
    rtol : float
        Relative precision of the edge.

    Returns
    -------
    float
        Largest point of the support; the spectrum is symmetric, so ``-edge`` is the smallest.
        For two equal layers of width ``N`` this is ``2 sigma sqrt(N)``; for ``N_0, N_1`` it is
        ``sigma (sqrt(N_0) + sqrt(N_1))``.
    """
    from scipy.optimize import minimize

    S = _variance_profile(sizes, variances)
    L1 = S.shape[0]
    scale = float(np.sqrt(S.sum(1).max()))
    Sn = S / scale**2  # edge = scale * (edge of Sn)

    def g(w: np.ndarray) -> np.ndarray:
        return np.exp(-w) + Sn @ np.exp(w)

    def g_jac(w: np.ndarray) -> np.ndarray:
        return np.diag(-np.exp(-w)) + Sn * np.exp(w)[None, :]

    x0 = np.zeros(L1 + 1)
    x0[-1] = g(x0[:-1]).max()
    last = np.eye(L1 + 1)[-1]
    cons = {"type": "ineq", "fun": lambda x: x[-1] - g(x[:-1]),
            "jac": lambda x: np.hstack([-g_jac(x[:-1]), np.ones((L1, 1))])}
    res = minimize(lambda x: x[-1], x0, jac=lambda x: last, constraints=[cons], method="SLSQP",
                   options={"ftol": 1e-14, "maxiter": 500})
    bound = float(g(res.x[:-1]).max())
    if np.all(np.isfinite(res.x)) and bound <= res.x[-1] * (1.0 + rtol):
        return scale * bound
    return _edge_bisection(S, rtol)


def _edge_bisection(S: np.ndarray, rtol: float) -> float:
    """Edge by bisection on the convergence of ``u <- 1/(z - S u)`` from ``u = 0``."""
    L1 = S.shape[0]
    lo, hi = 0.0, 2.0 * np.sqrt(S.sum(1).max()) * 1.01
    iters = 6000  # a z below the edge by delta escapes after ~pi/sqrt(delta) iterations
    while hi - lo > rtol * hi:
        z = np.linspace(lo, hi, 33)[1:-1]
        u = np.zeros((z.size, L1))
        alive = np.ones(z.size, bool)
        for _ in range(iters):
            den = z[:, None] - u @ S.T
            bad = np.any(den <= 0, axis=1)
            alive &= ~bad
            u = np.where(alive[:, None], 1.0 / np.where(den > 0, den, 1.0), 0.0)
        first = np.flatnonzero(alive)
        i = int(first[0]) if first.size else z.size
        lo, hi = (z[i - 1] if i > 0 else lo), (z[i] if i < z.size else hi)
    return float(hi)


def power_law_tail(values, *, k: int | None = None) -> dict:
    """Hill estimate of the tail exponent of ``|values|``: ``P(|x| > t) ~ t^{-alpha}``.

    Parameters
    ----------
    values : array
        Samples (e.g. eigenvalues); their absolute values are used.
    k : int, optional
        Number of upper order statistics in the fit (default ``max(10, 5%)`` of the positive values).

    Returns
    -------
    dict
        ``alpha``, its 95% interval ``alpha_ci`` (asymptotic normal, ``alpha / sqrt(k)``), ``k`` and
        ``xmin`` (the ``(k+1)``-th largest value, the start of the fitted tail).
    """
    x = np.sort(np.abs(np.asarray(values, dtype=float)))[::-1]
    x = x[x > 0]
    if x.size < 12:
        raise InputError(f"a tail fit needs at least 12 non-zero values, got {x.size}")
    k = max(10, int(0.05 * x.size)) if k is None else check_int(k, "k", minimum=2)
    k = min(k, x.size - 1)
    logs = np.log(x[:k] / x[k])
    alpha = float(k / logs.sum()) if logs.sum() > 0 else float("inf")
    half = 1.96 * alpha / np.sqrt(k)
    return {"alpha": alpha, "alpha_ci": [float(alpha - half), float(alpha + half)], "k": int(k), "xmin": float(x[k])}


@dataclass
class SpectrumResult:
    """Spectrum of a layered model's bond matrix against the random ensemble of the same shape.

    Attributes
    ----------
    eigenvalues : ndarray, shape ``(n,)``
        Ascending eigenvalues of ``J``.
    bulk_edge : float
        Random-ensemble edge (:func:`ensemble_edge`) with the layers' mean-square weights.
    edge_threshold : float
        ``bulk_edge * (1 + 4 n^{-2/3})``: eigenvalues above it are outliers (finite-size margin).
    outliers : ndarray
        Eigenvalues above ``edge_threshold``, largest first.
    largest_eigenvalue : float
    tail : dict or None
        :func:`power_law_tail` of the eigenvalues; None when there are too few non-zero
        eigenvalues for it (``tail_skipped`` says why).
    top_vectors : ndarray of shape ``(k, n)``
        Eigenvectors of the largest eigenvalues (largest first).
    variances : list of float
        Per-layer mean-square weights used for the prediction.
    tail_skipped : str or None
        Why the tail fit was not made (a small or degenerate network), None if it was.
    """

    eigenvalues: np.ndarray = field(repr=False)
    bulk_edge: float
    edge_threshold: float
    outliers: np.ndarray
    largest_eigenvalue: float
    tail: dict | None
    top_vectors: np.ndarray = field(repr=False)
    variances: list
    tail_skipped: str | None = None

    @property
    def n_outliers(self) -> int:
        """Number of eigenvalues above the bulk edge (plus finite-size margin)."""
        return int(self.outliers.size)

    def to_dict(self, *, eigenvalues: bool = True) -> dict:
        """JSON-ready summary (with the full eigenvalue list unless ``eigenvalues=False``).

        The ``tail_*`` entries are None when the tail fit was skipped (:attr:`tail_skipped`).
        """
        tail = self.tail or {}
        d = {"bulk_edge": self.bulk_edge, "edge_threshold": self.edge_threshold,
             "n_outliers": self.n_outliers, "outliers": self.outliers[:20].tolist(),
             "largest_eigenvalue": self.largest_eigenvalue,
             "tail_exponent": tail.get("alpha"), "tail_exponent_ci": tail.get("alpha_ci"),
             "tail_k": tail.get("k"), "tail_xmin": tail.get("xmin"), "variances": self.variances}
        if eigenvalues:
            d["eigenvalues"] = self.eigenvalues.tolist()
        return d


_TAIL_MIN = 12  # the fewest non-zero eigenvalues power_law_tail accepts


def spectrum_summary(model: IsingModel, *, n_vectors: int = 10) -> SpectrumResult:
    """Eigenvalues, random-ensemble bulk edge, outliers and tail exponent of a layered model's ``J``.

    Small or degenerate networks are valid input: the tail fit needs 12 eigenvalues that are not
    zero to rounding and is skipped otherwise (``tail=None``, ``tail_skipped`` says why); blocks of
    zero weights cut the network into parts whose largest bulk edge is the edge
    (0 for a network without couplings).
    """
    if model.layers is None:
        raise InputError("spectrum_summary compares with the layered random ensemble: it needs a layered model")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        ev, top = bond_spectrum(model, vectors=n_vectors)
    var = layer_variances(model)
    edge = _components_edge(model.layers, var)
    thr = edge * (1.0 + 4.0 * model.n ** (-2.0 / 3.0))
    out = ev[ev > thr][::-1]
    n_sig = _significant(ev)
    tail, why = None, None
    if n_sig >= _TAIL_MIN:
        tail = power_law_tail(ev)
    else:
        why = (f"the tail fit needs at least {_TAIL_MIN} non-zero eigenvalues; this bond matrix has {n_sig} "
               f"({model.n} spins)")
    return SpectrumResult(eigenvalues=ev, bulk_edge=edge, edge_threshold=thr, outliers=out,
                          largest_eigenvalue=float(ev[-1]) + 0.0, tail=tail, top_vectors=top, variances=var,
                          tail_skipped=why)


def _significant(ev: np.ndarray) -> int:
    """Number of eigenvalues that are not zero to rounding (``|x| > n eps max|x|``, as ``matrix_rank``)."""
    a = np.abs(ev)
    if not a.size or a.max() == 0:
        return 0
    return int(np.count_nonzero(a > a.max() * a.size * np.finfo(float).eps))


def _components_edge(sizes: Sequence[int], variances: Sequence[float]) -> float:
    """Random-ensemble bulk edge of a layered model some of whose blocks may be all zero.

    A zero block cuts the network into independent parts; the edge is the largest of their edges
    (:func:`ensemble_edge`), 0 when every block is zero. With every block non-zero this is
    ``ensemble_edge(sizes, variances)`` itself.
    """
    edge, start = 0.0, 0
    for k in range(len(variances) + 1):
        if k == len(variances) or not variances[k] > 0:
            if k > start:
                edge = max(edge, ensemble_edge(sizes[start:k + 1], variances[start:k]))
            start = k + 1
    return edge
