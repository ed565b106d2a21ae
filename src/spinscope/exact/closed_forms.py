"""Closed-form results: Onsager's 2D Ising solution, the exact finite torus, Potts T_c.

References
----------
* L. Onsager, Phys. Rev. 65, 117 (1944) — free energy, energy and ``T_c = 2/ln(1+sqrt 2)``;
  C. N. Yang, Phys. Rev. 85, 808 (1952) — spontaneous magnetisation ``(1 - sinh^-4 2K)^(1/8)``.
* B. Kaufman, Phys. Rev. 76, 1232 (1949); A. E. Ferdinand and M. E. Fisher, Phys. Rev. 185,
  832 (1969) — the partition function of the square lattice on an ``L x M`` torus as a sum of
  four products. Derivatives (energy, specific heat) are taken by automatic differentiation
  (torch, float64) of ``log Z``.
* R. J. Baxter, J. Phys. C 6, L445 (1973) — the q-state Potts transition on the square lattice
  at ``T_c = J / ln(1 + sqrt q)`` (first order for q > 4).
* The one-dimensional XY model (planar rotors, ``H = -J sum_i cos(theta_i - theta_{i+1})``) by
  Fourier expansion of the bond weight, ``exp(K cos x) = sum_k I_k(K) exp(i k x)``: the open chain
  of ``n`` rotors has ``Z = (2 pi)^n I_0(K)^(n-1)`` (independent bond angles, each von Mises with
  concentration ``K``), the ring ``Z = (2 pi)^n sum_k I_k(K)^n`` (transfer-matrix eigenvalues
  ``2 pi I_k(K)``).

Conventions: ``H = -J sum_<ij> s_i s_j`` on the square lattice (each bond once), ``K = beta J``;
energies and specific heats are per spin; temperatures in units of ``J / k_B``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ellipe, ellipk, ive

from spinscope._validation import check_int, check_positive

__all__ = [
    "FiniteLattice2D",
    "ferdinand_fisher",
    "onsager_energy",
    "onsager_free_energy",
    "onsager_magnetization",
    "onsager_specific_heat",
    "onsager_tc",
    "potts_tc",
    "xy_chain",
]


def onsager_tc(J: float = 1.0) -> float:
    """Critical temperature of the 2D square-lattice Ising model, ``2 J / ln(1 + sqrt 2)``."""
    return 2.0 * check_positive(J, "J") / math.log1p(math.sqrt(2.0))


def potts_tc(q: int, J: float = 1.0) -> float:
    """Transition temperature of the q-state Potts model on the square lattice, ``J / ln(1 + sqrt q)``.

    For ``q = 2`` this is the Ising ``T_c`` of ``J_Ising = J/2``.
    """
    q = check_int(q, "q", minimum=2)
    return check_positive(J, "J") / math.log1p(math.sqrt(q))


def _k_modulus(K):
    return 2.0 * np.sinh(2 * K) / np.cosh(2 * K) ** 2


def onsager_energy(T, J: float = 1.0):
    """Energy per spin of the infinite 2D Ising model at temperature(s) ``T``.

    ``u = -J coth(2K) [1 + (2/pi) (2 tanh^2(2K) - 1) K(k)]``, ``k = 2 sinh 2K / cosh^2 2K``.
    """
    T = np.asarray(T, dtype=float)
    K = J / T
    k = _k_modulus(K)
    with np.errstate(invalid="ignore"):
        # at T_c, (2 tanh^2 2K - 1) = 0 while K(k=1) diverges: the product vanishes
        term = np.where(k**2 < 1.0, (2 * np.tanh(2 * K) ** 2 - 1) * ellipk(np.minimum(k**2, 1.0)), 0.0)
    u = -J / np.tanh(2 * K) * (1 + 2 / np.pi * term)
    return u if u.ndim else float(u)


def onsager_specific_heat(T, J: float = 1.0):
    """Specific heat per spin (``k_B = 1``) of the infinite 2D Ising model (diverges at ``T_c``).

    ``c = (4/pi) (K coth 2K)^2 {K(k) - E(k) - (1 - tanh^2 2K) [pi/2 + (2 tanh^2 2K - 1) K(k)]}``.
    """
    T = np.asarray(T, dtype=float)
    K = J / T
    k = _k_modulus(K)
    t2 = np.tanh(2 * K) ** 2
    kk, ee = ellipk(k**2), ellipe(k**2)
    c = 4 / np.pi * (K / np.tanh(2 * K)) ** 2 * (kk - ee - (1 - t2) * (np.pi / 2 + (2 * t2 - 1) * kk))
    return c if c.ndim else float(c)


def onsager_free_energy(T, J: float = 1.0):
    """Free energy per spin of the infinite 2D Ising model (numerical quadrature of Onsager's integral)."""
    from scipy.integrate import quad

    def one(t: float) -> float:
        K = J / t
        k = _k_modulus(K)
        integrand = lambda th: math.log(0.5 * (1 + math.sqrt(max(0.0, 1 - k**2 * math.sin(th) ** 2))))  # noqa: E731
        integral, _ = quad(integrand, 0, math.pi / 2, limit=200)
        return -t * (math.log(2 * math.cosh(2 * K)) + integral / math.pi)

    T = np.asarray(T, dtype=float)
    out = np.vectorize(one)(T)
    return out if out.ndim else float(out)


def onsager_magnetization(T, J: float = 1.0):
    """Spontaneous magnetisation per spin, ``(1 - sinh^-4 2K)^(1/8)`` below ``T_c``, 0 above."""
    T = np.asarray(T, dtype=float)
    K = J / T
    x = 1.0 - np.sinh(2 * K) ** -4.0
    m = np.where(x > 0, np.abs(x) ** 0.125, 0.0)
    return m if m.ndim else float(m)


@dataclass(frozen=True)
class FiniteLattice2D:
    """Exact thermodynamics of the square-lattice Ising model on an ``L x M`` torus."""

    L: int
    M: int
    T: float
    log_z: float
    free_energy: float
    energy: float
    specific_heat: float

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        return {k: getattr(self, k) for k in ("L", "M", "T", "log_z", "free_energy", "energy", "specific_heat")}


def _log_z_torus(K, L: int, M: int):
    """log Z of the L x M torus (L columns, M rows) as a differentiable torch function of K."""
    import torch

    def log2cosh(x):
        ax = x.abs()
        return ax + torch.log1p(torch.exp(-2 * ax))

    def log2sinh_abs(x):
        ax = x.abs()
        return ax + torch.log(-torch.expm1(-2 * ax))

    ell = torch.arange(2 * L, dtype=torch.float64)
    c = torch.cosh(2 * K) / torch.tanh(2 * K) - torch.cos(torch.pi * ell / L)
    gam = torch.acosh(torch.clamp(c[1:], min=1.0))
    gamma0 = 2 * K + torch.log(torch.tanh(K))
    gam = torch.cat([gamma0.reshape(1), gam])
    odd, even = gam[1::2], gam[0::2]
    half = 0.5 * M
    # Z_1..Z_3 are positive; Z_4 = 2 sinh(M gamma_0 / 2) * prod_{r>=1} 2 sinh(M gamma_2r / 2) has the
    # sign of gamma_0 (negative above T_c, zero at T_c). It is kept as a smooth difference of two
    # exponentials so that derivatives are right at T_c too.
    l1 = log2cosh(half * odd).sum()
    l2 = log2sinh_abs(half * odd).sum()
    l3 = log2cosh(half * even).sum()
    l4 = log2sinh_abs(half * even[1:]).sum()
    x0 = half * gamma0
    lmax = torch.stack([l1, l2, l3, l4 + x0.abs()]).max().detach()
    total = (torch.exp(l1 - lmax) + torch.exp(l2 - lmax) + torch.exp(l3 - lmax)
             + torch.exp(l4 + x0 - lmax) - torch.exp(l4 - x0 - lmax))
    return -math.log(2.0) + 0.5 * L * M * torch.log(2 * torch.sinh(2 * K)) + lmax + torch.log(total)


def ferdinand_fisher(L: int, M: int | None = None, T: float = 2.269185314213022, J: float = 1.0) -> FiniteLattice2D:
    """Exact ``log Z``, free energy, energy and specific heat per spin of the ``L x M`` Ising torus.

    Parameters
    ----------
    L, M : int
        Side lengths (``M`` defaults to ``L``); both >= 2.
    T : float
        Temperature in units of ``J / k_B``.
    J : float
        Ferromagnetic coupling (> 0).
    """
    import torch

    L = check_int(L, "L", minimum=2)
    M = L if M is None else check_int(M, "M", minimum=2)
    T = check_positive(T, "T")
    J = check_positive(J, "J")
    K = torch.tensor(J / T, dtype=torch.float64, requires_grad=True)
    log_z = _log_z_torus(K, L, M)
    (d1,) = torch.autograd.grad(log_z, K, create_graph=True)
    (d2,) = torch.autograd.grad(d1, K)
    n = L * M
    kval = J / T
    return FiniteLattice2D(
        L=L, M=M, T=T, log_z=float(log_z.detach()), free_energy=-T * float(log_z.detach()) / n,
        energy=-J * float(d1.detach()) / n, specific_heat=kval**2 * float(d2) / n,
    )


@dataclass(frozen=True)
class XYChain:
    """Exact thermodynamics of the 1-D XY chain (see :func:`xy_chain`); per rotor, units of ``J``."""

    n: int
    periodic: bool
    T: float
    J: float
    free_energy: float
    energy: float

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"n": self.n, "periodic": self.periodic, "T": self.T, "J": self.J,
                "free_energy": self.free_energy, "energy": self.energy}


def xy_chain(n: int, T: float, J: float = 1.0, *, periodic: bool = True) -> XYChain:
    """Exact free energy and energy per rotor of ``n`` planar rotors on a ring or an open chain.

    ``H = -J sum cos(theta_i - theta_{i+1})`` over the ``n`` bonds of the ring (``n - 1`` of the
    open chain). Modified Bessel functions ``I_k`` are summed until they no longer contribute; the
    large-``K`` limits use the exponentially scaled ``I_k e^{-K}``.

    Parameters
    ----------
    n : int
        Number of rotors (>= 2; a ring needs n >= 3 to be a simple graph).
    T : float
        Temperature in units of ``J / k_B``.
    J : float
        Coupling (any sign; the chain is bipartite for even rings and always for open chains).
    periodic : bool
        Ring (True) or open chain.
    """
    n = check_int(n, "n", minimum=3 if periodic else 2)
    T = check_positive(T, "T")
    K = float(J) / T
    a = abs(K)
    if not periodic:
        # log Z = n log 2pi + (n-1) log I0(K); d log I0 / dK = I1 / I0
        log_z = n * math.log(2 * math.pi) + (n - 1) * (math.log(ive(0, a)) + a)
        e_bond = -float(J) * float(ive(1, a) / ive(0, a)) * (1.0 if K >= 0 else -1.0)
        return XYChain(n, False, T, float(J), -T * log_z / n, (n - 1) * e_bond / n)
    kmax = int(10 + 4 * math.sqrt(a) + a)
    k = np.arange(-kmax, kmax + 1)
    sign = np.where(k % 2 == 0, 1.0, -1.0) if K < 0 else np.ones(k.size)  # I_k(-x) = (-1)^k I_k(x)
    lam = sign * ive(np.abs(k), a)                        # eigenvalues / (2 pi e^{|K|})
    dlam = sign * 0.5 * (ive(np.abs(k - 1), a) + ive(np.abs(k + 1), a)) * (1.0 if K >= 0 else -1.0)
    w = lam ** n
    z = float(w.sum())
    log_z = n * (math.log(2 * math.pi) + a) + math.log(z)
    # E = -d log Z / d beta = -J d log Z / dK ; d lam_k / dK = I_k'(K) = (I_{k-1} + I_{k+1}) / 2
    dlogz_dk = n * float((lam ** (n - 1) * dlam).sum()) / z
    return XYChain(n, True, T, float(J), -T * log_z / n, -float(J) * dlogz_dk / n)
