"""Replica-pair overlaps as a measurement that fused kernels can compute themselves.

:class:`PairOverlaps` is a ``measure`` callable for :meth:`spinscope.mc.MonteCarlo.run`: at each
measurement it gives the overlap ``q`` and the link overlap ``q_link`` of the replica pairs
``(2p, 2p + 1)`` at every temperature. Passed as ``measure``, it lets a rule with a fused
measurement (the bit-packed multispin kernel) count the pair disagreements inside the kernel
(:meth:`PairOverlaps.from_counts`) instead of handing the spins out after every sweep; the values
are the same.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PairOverlaps"]


class PairOverlaps:
    """Overlaps of replica pairs: ``q = mean_i s^a_i s^b_i`` and the link overlap
    ``q_link = mean_(ij) s^a_i s^a_j s^b_i s^b_j`` over the graph's edges (all pairs for dense
    models), for replicas ``a = 2p``, ``b = 2p + 1`` at each of ``n_temps`` temperatures.

    Parameters
    ----------
    model : Model
    n_temps, replicas : int
        Chains ``r = t * replicas + k`` (the sampler's layout).
    """

    def __init__(self, model, n_temps: int, replicas: int):
        self.n, self.T, self.rep = model.n, n_temps, replicas
        ising = model.kind == "ising"
        self.pairs = replicas // 2 if ising else 0
        g = model.graph
        self.edges = g.edges if g is not None and g.num_edges else None
        if self.edges is None and ising and not model.is_dense:
            c = model.sparse_couplings().tocoo()
            up = c.row < c.col
            self.edges = np.stack([c.row[up], c.col[up]], axis=1) if up.any() else None
        shape = model.lattice_shape
        # the kernels count every bond of a periodic hypercubic lattice once
        self._lattice_edges = (shape is not None and self.edges is not None
                               and len(self.edges) == self.n * len(shape))

    def __call__(self, spins: np.ndarray) -> dict[str, np.ndarray]:
        """``{"q", "q_link"}`` of shape ``(n_temps, pairs)`` from spins ``(R, n)``."""
        out = {}
        s = spins.astype(np.float64)
        if self.pairs:
            r = s.reshape(self.T, self.rep, self.n)
            a, b = r[:, 0: 2 * self.pairs: 2], r[:, 1: 2 * self.pairs: 2]
            out["q"] = (a * b).mean(-1)                                       # (T, P)
            if self.edges is not None:
                e0, e1 = self.edges[:, 0], self.edges[:, 1]
                out["q_link"] = (a[..., e0] * a[..., e1] * b[..., e0] * b[..., e1]).mean(-1)
            else:  # all pairs coupled (dense): q_l = (n^2 q^2 - n) / (n (n - 1))
                out["q_link"] = (self.n**2 * out["q"] ** 2 - self.n) / (self.n * (self.n - 1))
        return out

    def countable(self, num_chains: int) -> bool:
        """Whether :meth:`from_counts` applies: ``num_chains`` chains in pairs ``(2g, 2g + 1)``
        that are exactly this measurement's pairs, edges the lattice bonds."""
        return (self.pairs > 0 and self.rep % 2 == 0 and self.T * self.rep == num_chains
                and self._lattice_edges)

    def from_counts(self, site_diff: np.ndarray, link_diff: np.ndarray) -> dict[str, np.ndarray]:
        """``{"q", "q_link"}`` of shape ``(M, n_temps, pairs)`` from the numbers of sites and of
        lattice bonds where the replicas of pair ``g`` (chains ``2g, 2g + 1``) differ, arrays
        ``(M, R / 2)`` (requires :meth:`countable`); equal to :meth:`__call__`."""
        ne = len(self.edges)
        sd = np.asarray(site_diff, dtype=np.int64).reshape(-1, self.T, self.rep // 2)
        ld = np.asarray(link_diff, dtype=np.int64).reshape(-1, self.T, self.rep // 2)
        return {"q": (self.n - 2 * sd) / self.n, "q_link": (ne - 2 * ld) / ne}
