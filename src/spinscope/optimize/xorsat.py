"""3-regular 3-XORSAT with a planted solution, and linear algebra over GF(2).

An instance has ``N`` variables and ``N`` clauses; clause ``c`` joins three distinct variables
``i, j, k`` with a sign ``J_c = ±1``, and every variable lies in exactly three clauses. In spins
``s = ±1`` the energy is the 3-spin function

    E(s) = -sum_c J_c s_i s_j s_k,

so a clause is satisfied when ``s_i s_j s_k = J_c`` (in bits ``x = (1 - s)/2``: the equation
``x_i + x_j + x_k = b_c (mod 2)``, ``J_c = (-1)^b_c``). The signs are chosen so that a uniformly
random planted assignment satisfies every clause: ``E0 = -N``, and the ground states are the
solutions of ``A x = b`` over GF(2), ``2^(N - rank A)`` of them (``A`` the ``N x N`` clause-variable
incidence matrix). The hypergraph is a configuration model: the ``3N`` variable copies are shuffled
and cut into ``N`` triples; a draw with a repeated variable in a clause is discarded and redrawn
(repeated clauses are allowed). Chook (Perera et al., arXiv:2005.14344) draws the three positions
of the clauses as three random permutations and random signs, redrawing until the system is
solvable; see ``docs/optimize.md`` for how the two distributions compare.

:class:`~spinscope.optimize.Problem` holds pairwise couplings only, so this is its own small class
(:class:`XorsatInstance`), written by :mod:`spinscope.optimize.xorsat_files` and minimised by
:mod:`spinscope.optimize.xorsat_solvers` (simulated annealing, parallel tempering).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope._validation import SeedLike, check_int, check_memory, make_rng
from spinscope.errors import InputError

__all__ = ["MAX_XORSAT_N", "XorsatInstance", "gf2_solve", "xorsat_planted"]

MAX_XORSAT_N = 10_000  # dense GF(2) elimination for the degeneracy: N^2 bytes, O(N^3 / 8) byte operations (~2 s)
_MAX_DRAWS = 10_000


def gf2_solve(matrix: Any, rhs: Any = None) -> tuple[int, np.ndarray | None]:
    """Rank of a 0/1 matrix over GF(2) and one solution of ``matrix x = rhs`` (mod 2).

    Gauss-Jordan elimination on the augmented matrix, its rows packed into bytes
    (:func:`numpy.packbits`), so each row operation is one XOR of ``ceil((m + 1) / 8)`` bytes.

    Parameters
    ----------
    matrix : array_like of 0/1, shape (r, m)
    rhs : array_like of 0/1, shape (r,), optional
        Right-hand side; zeros when omitted.

    Returns
    -------
    rank : int
    x : uint8 ndarray of shape (m,), or None
        A solution (free variables set to 0), or None when the system has none.
    """
    a = np.asarray(matrix).astype(bool)
    r, m = a.shape
    b = np.zeros(r, dtype=bool) if rhs is None else np.asarray(rhs).astype(bool)
    rows = np.packbits(np.concatenate([a, b[:, None]], axis=1), axis=1)
    pivots: list[int] = []
    for col in range(m):
        if len(pivots) == r:
            break
        byte, mask = col // 8, np.uint8(0x80 >> (col % 8))
        top = len(pivots)
        hits = np.flatnonzero(rows[top:, byte] & mask)
        if hits.size == 0:
            continue
        p = top + hits[0]
        if p != top:
            rows[[top, p]] = rows[[p, top]]
        others = np.flatnonzero(rows[:, byte] & mask)
        others = others[others != top]
        rows[others, byte:] ^= rows[top, byte:]
        pivots.append(col)
    bits = np.unpackbits(rows, axis=1, count=m + 1)
    rank = len(pivots)
    if np.any(bits[rank:, m]):
        return rank, None
    x = np.zeros(m, dtype=np.uint8)
    x[pivots] = bits[:rank, m]
    return rank, x


@dataclass(frozen=True, eq=False)
class XorsatInstance:
    """A 3-XORSAT instance with 3-spin energy ``E(s) = -sum_c J_c s_i s_j s_k``.

    Attributes
    ----------
    n : int
        Number of variables (spins).
    clauses : int64 ndarray, shape (M, 3)
        The variables ``i, j, k`` of each clause (0-based, distinct within a clause).
    signs : int8 ndarray, shape (M,)
        ``J_c = ±1``.
    planted_state : int8 ndarray, shape (n,)
        A ground state (±1): the planted assignment, or one found by elimination for a file.
    rank : int
        Rank over GF(2) of the ``M x n`` clause-variable incidence matrix.
    params : dict
        The generator's settings.
    generator : str
        ``"xorsat"``.
    name : str
        A label (the file's stem for :func:`~spinscope.optimize.xorsat_files.read_xorsat`).
    """

    n: int
    clauses: np.ndarray
    signs: np.ndarray
    planted_state: np.ndarray
    rank: int
    params: dict = field(default_factory=dict)
    generator: str = "xorsat"
    name: str = ""

    @property
    def kind(self) -> str:
        """``"xorsat"``: the result kind of the 3-XORSAT solvers (values are energies, minimised)."""
        return "xorsat"

    @property
    def planted_energy(self) -> float:
        """The planted ground-state energy, ``ground_energy`` (as ``Problem.planted_energy``)."""
        return self.ground_energy

    @property
    def ground_energy(self) -> float:
        """``E0 = -M``: the planted state satisfies every clause."""
        return -float(len(self.clauses))

    @property
    def degeneracy(self) -> int:
        """Number of ground states, ``2^(n - rank)`` (an exact Python int)."""
        return 2 ** (self.n - self.rank)

    def energy(self, s: Any) -> np.ndarray | float:
        """``E(s) = -sum_c J_c s_i s_j s_k`` of one state ``(n,)`` or a batch ``(B, n)`` of ±1 spins.

        Parameters
        ----------
        s : array_like of ±1

        Returns
        -------
        float, or float64 ndarray of shape (B,)
        """
        s = np.asarray(s, dtype=np.float64)
        if s.shape[-1] != self.n:
            raise InputError(f"states must have {self.n} spins, got shape {s.shape}")
        prod = s[..., self.clauses[:, 0]] * s[..., self.clauses[:, 1]] * s[..., self.clauses[:, 2]]
        e = -(prod @ self.signs.astype(np.float64))
        return float(e) if np.ndim(e) == 0 else e


def incidence(n: int, clauses: np.ndarray) -> np.ndarray:
    """The ``M x n`` 0/1 clause-variable incidence matrix (uint8)."""
    a = np.zeros((len(clauses), n), dtype=np.uint8)
    a[np.arange(len(clauses))[:, None], clauses] = 1
    return a


def _draw_hypergraph(n: int, rng: np.random.Generator) -> np.ndarray:
    stubs = np.repeat(np.arange(n, dtype=np.int64), 3)
    for _ in range(_MAX_DRAWS):
        triples = rng.permutation(stubs).reshape(n, 3)
        t = np.sort(triples, axis=1)
        if not np.any((t[:, 0] == t[:, 1]) | (t[:, 1] == t[:, 2])):
            return triples
    raise InputError(f"no 3-regular hypergraph without repeated variables found for N = {n} "
                     f"in {_MAX_DRAWS} draws")  # pragma: no cover - probability ~ 0.87^10000


def xorsat_planted(n: int, *, seed: SeedLike = None) -> XorsatInstance:
    """A random 3-regular 3-XORSAT instance on ``n`` variables with a planted solution.

    Parameters
    ----------
    n : int
        Variables and clauses, ``4 <= n <= 10000``.
    seed : int, Generator or None

    Returns
    -------
    XorsatInstance
        ``ground_energy = -n``; ``degeneracy = 2^(n - rank)``; the planted assignment as
        ``planted_state``.
    """
    n = check_int(n, "N (number of variables)", minimum=4)
    if n > MAX_XORSAT_N:
        raise InputError(f"N = {n} is too large for the GF(2) elimination of the degeneracy (at most {MAX_XORSAT_N})")
    check_memory(3.0 * n * n, f"the GF(2) elimination of the 3-XORSAT instance (N = {n})")
    rng = make_rng(seed)
    clauses = _draw_hypergraph(n, rng)
    state = rng.choice(np.array([-1, 1], dtype=np.int8), size=n)
    signs = (state[clauses[:, 0]] * state[clauses[:, 1]] * state[clauses[:, 2]]).astype(np.int8)
    rank, _ = gf2_solve(incidence(n, clauses))
    return XorsatInstance(n, clauses, signs, state, rank, {"n": n, "k": 3, "rank": rank}, name=f"xorsat-n{n}")
