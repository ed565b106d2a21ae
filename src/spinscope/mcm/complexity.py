"""Stochastic complexity of spin models given as sets of operators (Beretta et al. 2018).

A model ``M`` is a set of ``K`` distinct spin operators ``phi_mu`` (non-zero bit masks);
``P(s | g) ∝ exp(sum_mu g_mu phi_mu(s))``. For ``N`` observations its stochastic complexity is
(Rissanen; A. Beretta, C. Battistin, C. de Mulatier, I. Mastromatteo, M. Marsili, "The Stochastic
Complexity of Spin Models: Are Pairwise Models Really Simple?", Entropy 20, 739 (2018))::

    C = (K/2) log(N / 2 pi) + log ∫ dg sqrt(det J(g)),   J(g) = Cov_g(phi)  (Fisher information).

The geometric term depends only on the *gauge class* of ``M``: an invertible linear map over
GF(2) of the operators (a change of basis) maps ``J`` to itself, state by state. Exact values:

* ``M`` splits into blocks whose spans are independent (connected components of the matroid of
  ``M``): the integral factorises, the geometric term is the sum over blocks;
* a block of one operator: ``log pi``;
* a block holding all ``2**r - 1`` operators of an ``r``-dimensional span (a complete model):
  ``2**(r-1) log pi - log Gamma(2**(r-1))``.

Any other block is integrated by Monte Carlo: ``g_mu`` i.i.d. with density ``sech(g)/pi``
(``g = log tan(pi U / 2)``), weight ``sqrt(det J(g)) pi**K prod cosh g_mu``; the weight is exactly
``pi**K`` for independent operators, so the estimator has zero variance there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from scipy.special import gammaln, logsumexp

from spinscope._validation import SeedLike, check_int, make_rng
from spinscope.errors import InputError
from spinscope.mcm.basis import _reduce, check_basis, gf2_rank

__all__ = [
    "ComplexityClass",
    "GeometricComplexity",
    "complexity_classes",
    "gauge_transform",
    "geometric_complexity",
    "matroid_blocks",
    "stochastic_complexity",
]

_LOG_PI = math.log(math.pi)
MAX_MC_RANK = 12  # Monte Carlo enumerates the 2**rank states of a block


@dataclass
class GeometricComplexity:
    """``log ∫ sqrt(det J)`` (nats), its standard error (0 when exact) and how it was obtained."""

    value: float
    stderr: float
    exact: bool
    n_operators: int
    blocks: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"value": self.value, "stderr": self.stderr, "exact": self.exact,
                "n_operators": self.n_operators, "blocks": self.blocks}


def _check_ops(operators: Sequence[int]) -> list[int]:
    ops = [int(o) for o in operators]
    if not ops:
        raise InputError("a model needs at least one operator (a non-zero bit mask)")
    if any(o <= 0 for o in ops):
        raise InputError("operators must be non-zero bit masks (bit i = variable i)")
    if len(set(ops)) != len(ops):
        raise InputError("operators of a model must be distinct")
    return ops


def gauge_transform(operators: Sequence[int], basis: Sequence[int], n: int) -> list[int]:
    """Image of each operator under the linear map sending variable ``i`` to ``basis[i]``.

    Parameters
    ----------
    operators : sequence of int
        Operators as bit masks.
    basis : sequence of int
        ``n`` independent masks: the image of each variable.
    n : int
        Number of variables.

    Returns
    -------
    list of int
    """
    basis = check_basis(basis, n)
    out = []
    for o in _check_ops(operators):
        m, i = 0, 0
        while o:
            if o & 1:
                m ^= basis[i]
            o >>= 1
            i += 1
        out.append(m)
    return out


def matroid_blocks(operators: Sequence[int]) -> list[list[int]]:
    """Finest split of the operators into blocks whose spans are linearly independent.

    Two operators share a block iff some circuit (minimal dependent subset) holds both; found by
    enumerating subsets, so ``K <= 20``.

    Parameters
    ----------
    operators : sequence of int
        ``K`` operators as bit masks.

    Returns
    -------
    list of list of int
        The operators of each block.
    """
    ops = _check_ops(operators)
    K = len(ops)
    if K > 20:
        raise InputError(f"matroid_blocks enumerates subsets: at most 20 operators, got {K}")
    parent = list(range(K))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    if gf2_rank(ops) < K:
        for size in range(3, K + 1):
            for sub in combinations(range(K), size):
                x = 0
                for k in sub:
                    x ^= ops[k]
                if x == 0 and gf2_rank([ops[k] for k in sub]) == size - 1:
                    for k in sub[1:]:
                        parent[find(k)] = find(sub[0])
    groups: dict[int, list[int]] = {}
    for k in range(K):
        groups.setdefault(find(k), []).append(ops[k])
    return list(groups.values())


def _coordinates(block: list[int]) -> tuple[list[int], int]:
    """Operators of a block rewritten on ``r = rank`` variables (coordinates in a span basis)."""
    pivots: dict[int, int] = {}
    basis = [o for o in block if _reduce(o, pivots)]
    r = len(basis)
    # express each op in the basis by solving over GF(2) with augmented rows
    rows = [(b, 1 << a) for a, b in enumerate(basis)]
    red: dict[int, tuple[int, int]] = {}
    for v, tag in rows:
        while v:
            top = v.bit_length() - 1
            if top in red:
                pv, pt = red[top]
                v ^= pv
                tag ^= pt
            else:
                red[top] = (v, tag)
                break
    coords = []
    for o in block:
        v, tag = o, 0
        while v:
            pv, pt = red[v.bit_length() - 1]
            v ^= pv
            tag ^= pt
        coords.append(tag)
    return coords, r


def _mc_block(coords: list[int], r: int, samples: int, rng: np.random.Generator,
              batch: int = 4096) -> tuple[float, float]:
    states = np.arange(1 << r)
    K = len(coords)
    phi = np.empty((1 << r, K))
    for k, c in enumerate(coords):
        par = np.zeros(1 << r, dtype=np.int64)
        for i in range(r):
            if c >> i & 1:
                par ^= (states >> i) & 1
        phi[:, k] = 1 - 2 * par
    logw = np.empty(samples)
    for start in range(0, samples, batch):
        b = min(batch, samples - start)
        g = np.log(np.tan(0.5 * math.pi * rng.random((b, K))))
        e = g @ phi.T
        p = np.exp(e - e.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        mean = p @ phi
        second = np.einsum("bs,sk,sl->bkl", p, phi, phi)
        J = second - mean[:, :, None] * mean[:, None, :]
        sign, logdet = np.linalg.slogdet(J)
        logdet = np.where(sign > 0, logdet, -np.inf)
        logw[start:start + b] = 0.5 * logdet + K * _LOG_PI + np.sum(np.logaddexp(g, -g) - math.log(2), axis=1)
    val = float(logsumexp(logw) - math.log(samples))
    w = np.exp(logw - val)
    err = float(np.std(w, ddof=1) / math.sqrt(samples)) if samples > 1 else math.inf
    return val, err


def geometric_complexity(operators: Sequence[int], *, samples: int = 20000,
                         seed: SeedLike = None) -> GeometricComplexity:
    """Geometric term ``log ∫ dg sqrt(det J(g))`` (nats) of the model ``operators``.

    Exact for blocks that are single operators or complete models; other blocks (of rank
    ``<= MAX_MC_RANK``) by Monte Carlo with ``samples`` draws; errors add in quadrature.

    Parameters
    ----------
    operators : sequence of int
        The model's operators as bit masks.
    samples : int
        Monte Carlo draws per block that has no closed form.
    seed : int, Generator or None
        Seed of the Monte Carlo draws.

    Returns
    -------
    GeometricComplexity
    """
    ops = _check_ops(operators)
    samples = check_int(samples, "samples", minimum=2)
    rng = make_rng(seed)
    total, var, exact, info = 0.0, 0.0, True, []
    for block in matroid_blocks(ops):
        coords, r = _coordinates(block)
        k = len(block)
        if k == 1:
            v, e, how = _LOG_PI, 0.0, "independent"
        elif k == (1 << r) - 1:
            a = 2.0 ** (r - 1)
            v, e, how = a * _LOG_PI - float(gammaln(a)), 0.0, "complete"
        else:
            if r > MAX_MC_RANK:
                raise InputError(f"a block of rank {r} > {MAX_MC_RANK} has no closed form and is too "
                                 f"large for Monte Carlo enumeration of its 2**{r} states")
            v, e = _mc_block(coords, r, samples, rng)
            how, exact = "monte carlo", False
        total += v
        var += e * e
        info.append({"operators": block, "rank": r, "value": v, "stderr": e, "method": how})
    return GeometricComplexity(value=total, stderr=math.sqrt(var), exact=exact,
                               n_operators=len(ops), blocks=info)


def stochastic_complexity(operators: Sequence[int], N: int, *, samples: int = 20000,
                          seed: SeedLike = None) -> dict:
    """Parametric ``(K/2) log(N/2 pi)``, geometric and total stochastic complexity (nats).

    Parameters
    ----------
    operators : sequence of int
        The model's ``K`` operators as bit masks.
    N : int
        Number of observations.
    samples : int
        Monte Carlo draws of the geometric term (see :func:`geometric_complexity`).
    seed : int, Generator or None
        Seed of the Monte Carlo draws.

    Returns
    -------
    dict
        ``parametric``, ``geometric``, ``total``, ``stderr`` (of the geometric term), ``exact``
        and ``n_operators``.
    """
    N = check_int(N, "N", minimum=1)
    geo = geometric_complexity(operators, samples=samples, seed=seed)
    par = 0.5 * geo.n_operators * math.log(N / (2 * math.pi))
    return {"parametric": par, "geometric": geo.value, "total": par + geo.value,
            "stderr": geo.stderr, "exact": geo.exact, "n_operators": geo.n_operators}


@dataclass
class ComplexityClass:
    """A gauge class of models with ``n_operators`` operators on ``n`` variables."""

    representative: list[int]
    n_operators: int
    size: int
    rank: int
    geometric: GeometricComplexity | None

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"representative": self.representative, "n_operators": self.n_operators,
                "size": self.size, "rank": self.rank,
                "geometric": None if self.geometric is None else self.geometric.to_dict()}


def _gl2(n: int) -> np.ndarray:
    """All ordered bases of GF(2)^n (the group GL(n, 2)) as an ``(|G|, n)`` array of masks."""
    out: list[tuple[int, ...]] = []

    def extend(prefix: list[int], pivots: dict[int, int]) -> None:
        if len(prefix) == n:
            out.append(tuple(prefix))
            return
        for v in range(1, 1 << n):
            p = dict(pivots)
            if _reduce(v, p):
                extend([*prefix, v], p)

    extend([], {})
    return np.array(out, dtype=np.int64)


def complexity_classes(n: int, *, n_operators: int | None = None, geometric: bool = True,
                       samples: int = 20000, seed: SeedLike = None) -> list[ComplexityClass]:
    """Gauge classes of models on ``n <= 4`` variables (orbits of GL(n, 2) on operator sets).

    Parameters
    ----------
    n : int
        Number of variables (1..4).
    n_operators : int or None
        Only models with this many operators (default: all sizes ``1..2**n - 1``).
    geometric : bool
        Also compute each class's geometric complexity (exact or Monte Carlo).
    samples : int
        Monte Carlo draws of the geometric term.
    seed : int, Generator or None
        Seed of the Monte Carlo draws.

    Returns
    -------
    list of ComplexityClass
    """
    n = check_int(n, "n", minimum=1)
    if n > 4:
        raise InputError(f"complexity_classes enumerates GL(n, 2): n <= 4, got {n}")
    nops = (1 << n) - 1
    sizes = range(1, nops + 1) if n_operators is None else [check_int(n_operators, "n_operators", minimum=1)]
    G = _gl2(n)
    img = np.zeros((len(G), 1 << n), dtype=np.int64)
    for mu in range(1, 1 << n):
        low = (mu & -mu).bit_length() - 1
        img[:, mu] = img[:, mu & (mu - 1)] ^ G[:, low]
    rng = make_rng(seed)
    classes = []
    for K in sizes:
        if K > nops:
            raise InputError(f"n_operators must be <= 2**n - 1 = {nops}, got {K}")
        seen: set[int] = set()
        for sub in combinations(range(1, 1 << n), K):
            code = sum(1 << (m - 1) for m in sub)
            if code in seen:
                continue
            codes = np.zeros(len(G), dtype=np.int64)
            for m in sub:
                codes |= np.left_shift(1, img[:, m] - 1)
            orbit = set(np.unique(codes).tolist())
            seen |= orbit
            rep = list(sub)
            geo = geometric_complexity(rep, samples=samples, seed=rng) if geometric else None
            classes.append(ComplexityClass(representative=rep, n_operators=K, size=len(orbit),
                                           rank=gf2_rank(rep), geometric=geo))
    return classes
