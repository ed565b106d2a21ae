"""A magnetic Behler–Parrinello descriptor: symmetry functions weighted by spin invariants.

For site ``i``, neighbours ``j`` at distance ``r_ij`` and unit vectors ``u_ij``, cutoff function
``f_c(r) = (1 + cos(π r / R))/2`` and Gaussian radial functions ``R_s(r) = exp(−η (r − r_s)²) f_c(r)``
(centres ``r_s`` evenly spaced in ``[r_min, R]``):

* radial (``R = R_r``): ``G_s^w(i) = Σ_j w_ij R_s(r_ij)``, weights ``w_ij ∈ {1, S_i·S_j}``;
* angular (``R = R_a``, ``l = 0, 1, 2``, Legendre polynomial ``P_l`` of ``cos θ_jik = u_ij·u_ik``)::

      A_{sl}^w(i) = Σ_j Σ_k w_ijk R_s(r_ij) R_s(r_ik) P_l(cos θ_jik),
      w_ijk ∈ {1, S_j·S_k, (S_i·S_j)(S_i·S_k)}, and for l = 0 also χ_ijk² with χ_ijk = S_i·(S_j × S_k).

The double sums run over all ``j, k`` (``j = k`` included, a smooth constant-like term) and are
computed in ``O(neighbours)`` instead of ``O(neighbours²)`` by the addition theorem
``P_l(u·v) = Σ_m Y_lm(u) Y_lm(v)`` (here ``Y_0 = 1``, ``Y_1 = u``, ``Y_2 = √(3/2)(u uᵀ − 1/3)``):
``A = Σ_{a,m} (Σ_j R_s S_j^a Y_lm(u_ij))²`` for ``w = S_j·S_k`` and likewise with ``S_i·S_j`` for the
product weight; ``Σ_jk R_s R_s χ_ijk² = Tr(C M)`` with ``C = Σ_j R_s (S_i×S_j)(S_i×S_j)ᵀ`` and
``M = Σ_k R_s S_k S_kᵀ``. The chirality enters squared: ``χ_ijk`` is odd under ``j ↔ k`` while
the geometric factors are even, so its plain sum vanishes (and ``χ`` is odd under time reversal).

Every spin weight is a dot or triple product, so the descriptor is invariant under a global spin
rotation ``S → R S`` (``R ∈ SO(3)``), under permutations of the neighbours, and (being built from
distances and angles) under rotations of the positions. Positions are fixed during the dynamics, so
the geometric factors are computed once per system (:class:`DescriptorGeometry`) and only the spin
weights per step (:func:`descriptors`, torch, differentiable).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from spinscope._validation import check_positive
from spinscope.errors import InputError
from spinscope.spindynamics.geometry import check_cutoff, neighbour_pairs

__all__ = ["DescriptorGeometry", "DescriptorSettings", "descriptors"]

_L_BLOCKS = ((0, 1), (1, 4), (4, 13))  # components of Y_0, Y_1, Y_2 (3x3 flattened) in the 13-vector


@dataclass(frozen=True)
class DescriptorSettings:
    """Settings of the descriptor (stored in every model file)."""

    radial_cutoff: float = 2.2
    angular_cutoff: float = 1.8
    n_radial: int = 8
    n_angular: int = 4
    r_min: float = 0.5
    radial_eta: float = 4.0
    angular_eta: float = 2.0

    def __post_init__(self):
        for name in ("radial_cutoff", "angular_cutoff", "radial_eta", "angular_eta"):
            check_positive(getattr(self, name), name)
        if self.angular_cutoff > self.radial_cutoff:
            raise InputError("the angular cutoff must not exceed the radial cutoff")
        if int(self.n_radial) < 1 or int(self.n_angular) < 1:
            raise InputError("n_radial and n_angular must be >= 1")

    @property
    def n_features(self) -> int:
        """Descriptor length: ``2 n_radial + 10 n_angular``."""
        return 2 * int(self.n_radial) + 10 * int(self.n_angular)

    def to_dict(self) -> dict:
        """Plain dict (JSON)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> DescriptorSettings:
        """Inverse of :meth:`to_dict`."""
        return cls(**d)


def _radial(dist, cutoff, n, r_min, eta):
    centres = np.linspace(r_min, cutoff, int(n))
    return np.exp(-eta * (dist[:, None] - centres) ** 2) * (0.5 * (1.0 + np.cos(np.pi * dist / cutoff)))[:, None]


def _harmonics(u):
    """``(P, 13)``: ``Y_0 = 1``, ``Y_1 = u``, ``Y_2 = √(3/2)(u uᵀ − 1/3)`` flattened, so that the dot
    product of two rows restricted to block ``l`` is ``P_l(u·v)``."""
    q = np.sqrt(1.5) * (u[:, :, None] * u[:, None, :] - np.eye(3) / 3.0)
    return np.concatenate([np.ones((len(u), 1)), u, q.reshape(len(u), 9)], axis=1)


def _block_sums(x):
    """Sum of squares of the last axis within each ``l`` block: ``(..., 13) -> (..., 3)``."""
    import torch

    return torch.stack([(x[..., a:b] ** 2).sum(-1) for a, b in _L_BLOCKS], dim=-1)


def _padded(i, n, *arrays):
    """Neighbour table: ``(n, k_max)`` neighbour slots per site; per-pair arrays scattered into
    ``(n, k_max, ...)`` with zeros in empty slots (their index points at site 0, weight 0)."""
    counts = np.bincount(i, minlength=n)
    k_max = max(int(counts.max()) if len(i) else 0, 1)
    slot = np.arange(len(i)) - np.repeat(np.cumsum(counts) - counts, counts)
    out = []
    for a in arrays:
        t = np.zeros((n, k_max, *a.shape[1:]), dtype=a.dtype)
        t[i, slot] = a
        out.append(t)
    return out


class DescriptorGeometry:
    """Geometric part of the descriptor of one system (positions fixed), as torch tensors.

    The neighbours are held in padded tables (``(n, k_max)``), so the sums over neighbours are
    batched matrix products.

    Parameters
    ----------
    positions : ndarray (n, 3)
    box : float
    settings : DescriptorSettings
    device : str
        Torch device of the tensors.
    """

    def __init__(self, positions, box: float, settings: DescriptorSettings, *, device: str = "cpu") -> None:
        import torch

        s = settings
        self.settings, self.n, self.device = s, positions.shape[0], device
        if positions.shape[1] != 3:
            raise InputError("the magnetic descriptor needs 3-D positions (dim = 3)")
        check_cutoff(s.radial_cutoff, box, "descriptor radial cutoff")
        i, j, vec, dist = neighbour_pairs(positions, box, s.radial_cutoff)
        g_rad = _radial(dist, s.radial_cutoff, s.n_radial, s.r_min, s.radial_eta)
        keep = dist < s.angular_cutoff
        ry = (_radial(dist[keep], s.angular_cutoff, s.n_angular, s.r_min, s.angular_eta)[:, :, None]
              * _harmonics(vec[keep] / dist[keep, None])[:, None, :])  # (Pa, Ka, 13)
        nb_r, g_rad = _padded(i, self.n, j, g_rad)
        nb_a, ry = _padded(i[keep], self.n, j[keep], ry.reshape(len(ry), -1))
        y = ry.sum(1).reshape(self.n, -1, 13)
        const_ang = np.stack([(y[..., a:b] ** 2).sum(-1) for a, b in _L_BLOCKS], -1).reshape(self.n, -1)

        def t(a, dt=torch.float64):
            return torch.as_tensor(a, dtype=dt, device=device)
        self.nb_r, self.g_rad = t(nb_r, torch.long), t(g_rad)
        self.nb_a, self.ry = t(nb_a, torch.long), t(ry)
        self.r0 = t(np.ascontiguousarray(ry[:, :, ::13]))  # R_s(r_ij): (n, k_a, Ka)
        self.constant = t(np.concatenate([g_rad.sum(1), const_ang], axis=1))
        self.n_pairs, self.n_angular_pairs = len(i), int(keep.sum())


def descriptors(geom: DescriptorGeometry, spins):
    """Descriptors ``(..., n, n_features)`` of spins ``(..., n, 3)`` (torch, differentiable).

    Feature order: radial ``w = 1`` (n_radial), angular ``w = 1`` (n_angular × 3 l), radial
    ``w = S_i·S_j`` (n_radial), angular ``S_j·S_k`` (n_angular × 3), ``(S_i·S_j)(S_i·S_k)``
    (n_angular × 3), ``χ²`` (n_angular).
    """
    import torch

    s = spins
    batch, n = s.shape[:-2], geom.n
    ka = geom.r0.shape[-1]
    si = s[..., :, None, :]
    rad = (((si * s[..., geom.nb_r, :]).sum(-1))[..., None, :] @ geom.g_rad).squeeze(-2)
    sj = s[..., geom.nb_a, :]  # (..., n, k, 3)
    a = (sj.transpose(-1, -2) @ geom.ry).reshape(*batch, n, 3, ka, 13)
    b = (((si * sj).sum(-1))[..., None, :] @ geom.ry).reshape(*batch, n, ka, 13)
    c = torch.linalg.cross(si.expand_as(sj), sj, dim=-1)
    cc = (c[..., :, None] * c[..., None, :]).flatten(-2)
    ss = (sj[..., :, None] * sj[..., None, :]).flatten(-2)
    cm = torch.cat([cc, ss], -1).transpose(-1, -2) @ geom.r0  # (..., n, 18, Ka)
    chi2 = (cm[..., :9, :] * cm[..., 9:, :]).sum(-2)
    ang_ss = _block_sums(a).sum(-3).reshape(*batch, n, 3 * ka)  # sum over the spin component
    ang_ii = _block_sums(b).reshape(*batch, n, 3 * ka)
    const = geom.constant.to(s.dtype).expand(*batch, *geom.constant.shape)
    return torch.cat([const, rad, ang_ss, ang_ii, chi2], dim=-1)
