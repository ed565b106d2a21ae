"""Observables of Cellular Potts configurations (sorting, contacts, volumes, centroids).

Contacts and clusters use first-order (nearest-neighbour) site pairs; walls count as medium.

* ``contact_<a>-<b>``: number of nearest-neighbour site pairs with one site of type ``a`` and
  the other of type ``b`` in *different* cells (the interface length in lattice units);
* ``heterotypic_fraction``: among nearest-neighbour pairs joining two different cells (medium
  excluded), the share joining cells of different types (falls as cells sort);
* ``clusters_<t>``: connected components of the sites of type ``t`` (one per type when sorted);
* volumes (mean, std per type), the energy, and the centroid of every cell (periodic axes by the
  circular mean) for mean-squared displacements.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["cell_centroids", "cpm_observables", "observable_names"]


def _pairs(model) -> tuple[np.ndarray, np.ndarray]:
    """Nearest-neighbour pairs ``(i, j)``, each unordered interior pair once, wall pairs once."""
    nbr = model.neighbors()[:, : 2 * len(model.shape)]
    i = np.repeat(np.arange(model.n), nbr.shape[1])
    j = nbr.reshape(-1).astype(np.int64)
    keep = (j == model.n) | (i < j)
    return i[keep], j[keep]


def observable_names(model) -> list[str]:
    """Column names of :func:`cpm_observables` for ``model`` (type names as given)."""
    names = model.type_names
    cols = ["energy", "heterotypic_fraction", "volume_mean", "volume_std"]
    cols += [f"volume_mean_{n}" for n in names[1:]]
    cols += [f"contact_{names[a]}-{names[b]}" for a in range(model.n_types) for b in range(a, model.n_types)
             if not (a == b == 0)]
    cols += [f"clusters_{n}" for n in names[1:]]
    return cols


def cpm_observables(model, sigma) -> dict[str, float]:
    """Scalar observables of one configuration (see the module docstring)."""
    s = model.check_state(sigma).astype(np.int64)
    ext = np.append(s, 0)
    t = model.cell_types
    i, j = _pairs(model)
    si, sj = ext[i], ext[j]
    ti, tj = t[si], t[sj]
    differ = si != sj
    out: dict[str, float] = {"energy": model.energy(s)}
    cc = differ & (si > 0) & (sj > 0)
    out["heterotypic_fraction"] = float((ti[cc] != tj[cc]).sum() / cc.sum()) if cc.any() else float("nan")
    vol = model.volumes(s)[1:]
    alive = vol > 0
    out["volume_mean"] = float(vol[alive].mean()) if alive.any() else 0.0
    out["volume_std"] = float(vol[alive].std()) if alive.any() else 0.0
    names = model.type_names
    for k in range(1, model.n_types):
        sel = alive & (t[1:] == k)
        out[f"volume_mean_{names[k]}"] = float(vol[sel].mean()) if sel.any() else float("nan")
    lo, hi = np.minimum(ti, tj)[differ], np.maximum(ti, tj)[differ]
    counts = np.bincount(lo * model.n_types + hi, minlength=model.n_types**2)
    for a in range(model.n_types):
        for b in range(a, model.n_types):
            if not (a == b == 0):
                out[f"contact_{names[a]}-{names[b]}"] = float(counts[a * model.n_types + b])
    site_type = t[s]
    inner = (j < model.n) & (ti == tj)
    for k in range(1, model.n_types):
        members = site_type == k
        if not members.any():
            out[f"clusters_{names[k]}"] = 0.0
            continue
        e = inner & (ti == k)
        g = sp.coo_array((np.ones(int(e.sum())), (i[e], j[e])), shape=(model.n, model.n))
        _, labels = connected_components(g, directed=False)
        out[f"clusters_{names[k]}"] = float(np.unique(labels[members]).size)
    return out


def cell_centroids(model, sigma) -> np.ndarray:
    """Centroids ``(C, d)`` of cells ``1..C`` (NaN for a vanished cell); periodic axes use the
    circular mean, so a cell across the border has its centroid inside the lattice."""
    s = np.asarray(sigma).reshape(-1).astype(np.int64)
    coords = np.indices(model.shape).reshape(len(model.shape), -1)
    c1 = model.n_cells + 1
    vol = np.bincount(s, minlength=c1).astype(float)
    out = np.empty((c1, len(model.shape)))
    with np.errstate(invalid="ignore", divide="ignore"):
        for d, L in enumerate(model.shape):
            if model.periodic:
                ang = 2 * np.pi * coords[d] / L
                cs = np.bincount(s, np.cos(ang), c1) / vol
                sn = np.bincount(s, np.sin(ang), c1) / vol
                c = (np.arctan2(sn, cs) * L / (2 * np.pi)) % L
                out[:, d] = np.where(c >= L, c - L, c)  # -1e-17 % L rounds to L
            else:
                out[:, d] = np.bincount(s, coords[d], c1) / vol
    out[vol == 0] = np.nan
    return out[1:]
