"""The amorphous s-d (Kondo-lattice) model: exact electronic grand potential and local fields.

Hamiltonian (one orbital per site, spin ``α``; ``σ`` the Pauli matrices)::

    H(S) = Σ_ij t_ij c†_iα c_jα − J Σ_i S_i · (c†_iα σ_αβ c_iβ),   t_ij = −t0 exp(−r_ij / ξ) for r_ij < r_t.

For classical spins ``S`` the electrons are free: ``H`` is a ``2N × 2N`` Hermitian matrix (index
``2i + α``). With its eigenvalues ``ε_n`` the grand potential at chemical potential ``μ`` and electron
temperature ``T_e`` is ``Ω(S) = −T_e Σ_n ln(1 + exp(−(ε_n − μ)/T_e))``, and (Hellmann–Feynman,
``∂Ω/∂ε_n = f(ε_n)``, ``∂H/∂S_i = −J σ_i``) the local field is::

    h_i = −∂Ω/∂S_i = J ⟨c†_i σ c_i⟩ = J Tr(σ ρ_i),   ρ_i[β, α] = Σ_n f(ε_n) ψ_n(iβ) ψ_n(iα)*.

Diagonalisation: LAPACK through :func:`scipy.linalg.eigh` (``numpy``) or :func:`torch.linalg.eigh`
(``torch``, any device). Derivations and chosen values: ``docs/spindynamics.md``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import expit

from spinscope._validation import check_positive
from spinscope.errors import InputError
from spinscope.spindynamics.geometry import check_cutoff, check_positions, neighbour_pairs

__all__ = ["PAULI", "SDParams", "SDSystem", "check_spins"]

#: Pauli matrices σ^x, σ^y, σ^z, shape (3, 2, 2).
PAULI = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=np.complex128)


@dataclass(frozen=True)
class SDParams:
    """Parameters of the s-d model (energies in units of t0, lengths in units of the mean spacing).

    Attributes
    ----------
    t0 : float        hopping amplitude
    xi : float        decay length ξ of the hopping
    hopping_cutoff : float   r_t: no hopping beyond it
    J : float         s-d coupling
    mu : float        chemical potential
    T_e : float       electron temperature (> 0)
    density : float   sites per unit volume (area in 2-D)
    min_distance : float  hard core of the random positions
    dim : int         2 or 3
    """

    t0: float = 4.0
    xi: float = 0.5
    hopping_cutoff: float = 2.0
    J: float = 2.0
    mu: float = -1.0
    T_e: float = 0.1
    density: float = 1.0
    min_distance: float = 0.5
    dim: int = 3

    def __post_init__(self):
        for name in ("t0", "xi", "hopping_cutoff", "T_e", "density"):
            check_positive(getattr(self, name), name)
        for name in ("J", "mu", "min_distance"):
            if not np.isfinite(float(getattr(self, name))):
                raise InputError(f"{name} must be a finite number, got {getattr(self, name)!r}")
        if self.min_distance < 0:
            raise InputError(f"min_distance must be >= 0, got {self.min_distance}")
        if self.dim not in (2, 3):
            raise InputError(f"dim must be 2 or 3, got {self.dim!r}")

    def to_dict(self) -> dict:
        """Plain dict (JSON)."""
        return asdict(self)


def check_spins(spins, n: int, *, name: str = "spins", tol: float = 1e-6) -> np.ndarray:
    """Spins ``(n, 3)`` of unit length (within ``tol``): refused otherwise, never silently normalised."""
    s = np.asarray(spins, dtype=np.float64)
    if s.shape != (n, 3):
        raise InputError(f"{name} must have shape ({n}, 3), got {s.shape}")
    if not np.all(np.isfinite(s)):
        raise InputError(f"{name} contain NaN or infinite values")
    norms = np.linalg.norm(s, axis=1)
    bad = np.flatnonzero(np.abs(norms - 1.0) > tol)
    if bad.size:
        raise InputError(f"{name}: {bad.size} spins are not of unit length (spin {bad[0]} has |S| = "
                         f"{norms[bad[0]]:.6g}); classical moments must satisfy |S_i| = 1 within {tol:g}: "
                         "normalise them (S / |S|) before passing them")
    return s


class SDSystem:
    """One disorder realisation: positions in a periodic box and the s-d parameters.

    Parameters
    ----------
    positions : array (n, dim)
    box : float
        Box edge ``L``.
    params : SDParams
    """

    def __init__(self, positions, box: float, params: SDParams | None = None) -> None:
        self.params = params or SDParams()
        p = self.params
        self.positions = check_positions(positions, box, min_distance=p.min_distance)
        self.box = float(box)
        self.n = self.positions.shape[0]
        check_cutoff(p.hopping_cutoff, self.box, "hopping cutoff")
        i, j, _, r = neighbour_pairs(self.positions, self.box, p.hopping_cutoff)
        self.hopping = np.zeros((self.n, self.n))
        self.hopping[i, j] = -p.t0 * np.exp(-r / p.xi)

    # ------------------------------------------------------------------ numpy
    def hamiltonian(self, spins: np.ndarray) -> np.ndarray:
        """The ``2N × 2N`` complex Hamiltonian (index ``2i + α``) for spins ``(N, 3)`` (any length)."""
        n, J = self.n, self.params.J
        h = np.kron(self.hopping, np.eye(2)).astype(np.complex128)
        up = 2 * np.arange(n)
        sx, sy, sz = spins[:, 0], spins[:, 1], spins[:, 2]
        h[up, up] -= J * sz
        h[up + 1, up + 1] += J * sz
        h[up, up + 1] -= J * (sx - 1j * sy)
        h[up + 1, up] -= J * (sx + 1j * sy)
        return h

    def _omega(self, eps):
        p = self.params
        return float(-p.T_e * np.sum(np.logaddexp(0.0, -(eps - p.mu) / p.T_e)))

    def grand_potential(self, spins: np.ndarray) -> float:
        """``Ω(S)`` (eigenvalues only)."""
        from scipy.linalg import eigh

        return self._omega(eigh(self.hamiltonian(spins), eigvals_only=True, overwrite_a=True, check_finite=False))

    def fields(self, spins: np.ndarray) -> tuple[np.ndarray, float]:
        """Exact Hellmann–Feynman fields ``h = −∂Ω/∂S`` (N, 3) and ``Ω(S)``.

        ``spins`` need not be of unit length (the integrator evaluates midpoints); the public
        workflows check unit length on input (:func:`check_spins`).
        """
        from scipy.linalg import eigh

        p = self.params
        eps, psi = eigh(self.hamiltonian(spins), overwrite_a=True, check_finite=False)
        w = (psi * np.sqrt(expit(-(eps - p.mu) / p.T_e))).reshape(self.n, 2, 2 * self.n)
        rho = np.einsum("ibn,ian->iba", w, w.conj())
        m = np.einsum("kab,iba->ik", PAULI, rho).real
        return p.J * m, self._omega(eps)

    # ------------------------------------------------------------------ torch
    def fields_torch(self, spins, *, device: str = "cpu"):
        """The same as :meth:`fields` with :func:`torch.linalg.eigh` on ``device`` (complex128).

        ``spins`` : array or tensor (N, 3). Returns ``(h, Ω)`` as a float64 tensor on ``device`` and a float.
        """
        import torch

        p = self.params
        s = torch.as_tensor(np.asarray(spins) if not isinstance(spins, torch.Tensor) else spins,
                            dtype=torch.float64, device=device)
        pauli = torch.as_tensor(PAULI, device=device)
        t = torch.as_tensor(self.hopping, dtype=torch.complex128, device=device)
        h = torch.kron(t, torch.eye(2, dtype=torch.complex128, device=device))
        blocks = -p.J * torch.einsum("ik,kab->iab", s.to(torch.complex128), pauli)
        h = h.reshape(self.n, 2, self.n, 2)
        idx = torch.arange(self.n, device=device)
        h[idx, :, idx, :] += blocks
        eps, psi = torch.linalg.eigh(h.reshape(2 * self.n, 2 * self.n))
        f = torch.sigmoid(-(eps - p.mu) / p.T_e)
        w = (psi * torch.sqrt(f)).reshape(self.n, 2, 2 * self.n)
        rho = torch.einsum("ibn,ian->iba", w, w.conj())
        m = torch.einsum("kab,iba->ik", pauli, rho).real
        omega = -p.T_e * torch.logaddexp(torch.zeros_like(eps), -(eps - p.mu) / p.T_e).sum()
        return p.J * m, float(omega)

    def n_electrons(self, spins: np.ndarray) -> float:
        """Mean electron number ``Σ_n f(ε_n)`` at ``μ``, ``T_e``."""
        from scipy.linalg import eigh

        eps = eigh(self.hamiltonian(spins), eigvals_only=True, overwrite_a=True, check_finite=False)
        return float(np.sum(expit(-(eps - self.params.mu) / self.params.T_e)))
