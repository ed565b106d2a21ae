"""Batched torch kernel of the Cellular Potts model: the numba chain, vectorised over tiles and replicas.

Each step makes one copy attempt in every tile of the current colour of every replica at once
(``R x tiles`` attempts); local energies are gathered from the neighbour table, as the seed
paper's convolutions gather them from shifted lattices. The random words are the counter-based
words of :mod:`spinscope._rng` (splitmix64 written with int64 tensors: multiplication wraps,
logical shifts are masked), so for the same seed and tiling this kernel runs *the same chain*
as :mod:`spinscope.mc.kernels.numba_cpm`: the unmarked tiles of a phase (no cell shared with another
tile) run together, then the marked ones one by one in tile order.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["torch_sweeps"]


def _s64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


GOLDEN = _s64(0x9E3779B97F4A7C15)
M1 = _s64(0xBF58476D1CE4E5B9)
M2 = _s64(0x94D049BB133111EB)
INV53 = 1.0 / 9007199254740992.0


def _srl(z: torch.Tensor, k: int) -> torch.Tensor:
    """Logical right shift of int64 bit patterns."""
    return (z >> k) & ((1 << (64 - k)) - 1)


def _mix64(z: torch.Tensor) -> torch.Tensor:
    z = (z ^ _srl(z, 30)) * M1
    z = (z ^ _srl(z, 27)) * M2
    return z ^ _srl(z, 31)


def _draw(stream: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    return _mix64(stream + (index + 1) * GOLDEN)


class _Dev:
    """The model and tiling as tensors on one device (built once per sampler)."""

    def __init__(self, sampler) -> None:
        m, tl, dev = sampler.model, sampler.tiling, torch.device(sampler.device)
        self.dev = dev
        self.zc, self.zj, self.zs = m.shell_sizes()
        self.ctype = torch.as_tensor(m.cell_types, dtype=torch.long, device=dev)
        f64 = dict(dtype=torch.float64, device=dev)
        self.J = torch.as_tensor(m.J, **f64)
        self.lam_v, self.v_t = torch.as_tensor(m.lambda_volume, **f64), torch.as_tensor(m.target_volume, **f64)
        self.lam_s, self.s_t = torch.as_tensor(m.lambda_surface, **f64), torch.as_tensor(m.target_surface, **f64)
        self.nbr = torch.as_tensor(sampler.nbr, dtype=torch.long, device=dev)
        self.sites = torch.as_tensor(tl.sites, dtype=torch.long, device=dev)
        self.area = torch.as_tensor(tl.area, dtype=torch.long, device=dev)
        self.region = torch.as_tensor(np.maximum(tl.region, 0), dtype=torch.long, device=dev)
        self.region_ok = torch.as_tensor(tl.region >= 0, device=dev)
        self.colours = [torch.as_tensor(tl.colour_tiles[c, : tl.colour_count[c]], dtype=torch.long, device=dev)
                        for c in range(tl.colour_tiles.shape[0])]
        self.max_area = int(tl.sites.shape[1])
        self.T, self.exact, self.flags = float(m.T), bool(sampler.exact), int(sampler.flags)
        self.ring = torch.tensor([2, 5, 0, 4, 1, 6, 3, 7], dtype=torch.long, device=dev)
        self.odd = (torch.arange(8, device=dev) % 2 == 1)


def _conflicted(d: _Dev, sigma: torch.Tensor, tiles: torch.Tensor) -> torch.Tensor:
    """``(R, K)``: does tile ``q`` reach a cell (id > 0) that another tile of this phase reaches?"""
    R, C1 = sigma.shape[0], int(d.ctype.numel())
    cells = sigma[:, d.region[tiles]]  # (R, K, maxR)
    ok = d.region_ok[tiles].unsqueeze(0) & (cells > 0)
    q = torch.arange(tiles.numel(), device=d.dev).view(1, -1, 1).expand_as(cells)
    big = tiles.numel() + 1
    lo = torch.full((R, C1), big, dtype=torch.long, device=d.dev)
    hi = torch.full((R, C1), -1, dtype=torch.long, device=d.dev)
    flat = cells.reshape(R, -1)
    lo.scatter_reduce_(1, flat, torch.where(ok, q, big).reshape(R, -1), "amin")
    hi.scatter_reduce_(1, flat, torch.where(ok, q, -1).reshape(R, -1), "amax")
    shared = (hi >= 0) & (lo != hi)
    return (shared.gather(1, flat).reshape(cells.shape) & ok).any(-1)


def _ring_ok(d: _Dev, sigma, site, cell):
    """numba_cpm.ring_ok for every (replica, tile): runs of ``cell`` around the 8-ring that touch
    a nearest neighbour (a lone corner does not); medium (0) is never constrained."""
    R = sigma.shape[0]
    b = sigma.gather(1, d.nbr[site][..., d.ring].reshape(R, -1)).reshape((*site.shape, 8)) == cell.unsqueeze(-1)
    prev, nxt = b.roll(1, -1), b.roll(-1, -1)
    start = b & ~prev & (~d.odd | nxt)
    return (cell == 0) | b.all(-1) | (start.sum(-1) <= 1)


def _step(d: _Dev, st, stream, tiles, active, s: int):
    """One attempt in every active (replica, tile); ``st`` = (sigma, vol, surf, accepted)."""
    sigma, vol, surf, acc = st
    R = sigma.shape[0]
    area = d.area[tiles].unsqueeze(0)
    active = active & (s < area)
    idx = 2 * (tiles * d.max_area + s)
    w0 = _draw(stream.unsqueeze(1), idx.unsqueeze(0))
    loc = (_srl(w0, 32) * area) >> 32
    site = d.sites[tiles.unsqueeze(0).expand(R, -1), loc]
    j = d.nbr[site, (w0 & 0xFFFFFFFF) * d.zc >> 32]
    old, new = sigma.gather(1, site), sigma.gather(1, j)
    nb = sigma.gather(1, d.nbr[site].reshape(R, -1)).reshape((*site.shape, -1))
    to, tn, tm = d.ctype[old], d.ctype[new], d.ctype[nb[..., : d.zj]]
    cj = nb[..., : d.zj]
    n1o = (nb[..., : d.zs] == old.unsqueeze(-1)).sum(-1)
    n1n = (nb[..., : d.zs] == new.unsqueeze(-1)).sum(-1)
    dh = (torch.where(cj != new.unsqueeze(-1), d.J[tn.unsqueeze(-1), tm], 0.0)
          - torch.where(cj != old.unsqueeze(-1), d.J[to.unsqueeze(-1), tm], 0.0)).sum(-1)
    ds_o, ds_n = 2 * n1o - d.zs, d.zs - 2 * n1n
    vo, vn = vol.gather(1, old).double(), vol.gather(1, new).double()
    so, sn = surf.gather(1, old).double(), surf.gather(1, new).double()
    dh = dh + torch.where(old > 0, d.lam_v[to] * (1 - 2 * (vo - d.v_t[to]))
                          + d.lam_s[to] * (ds_o * ds_o + 2 * ds_o * (so - d.s_t[to])), 0.0)
    dh = dh + torch.where(new > 0, d.lam_v[tn] * (1 + 2 * (vn - d.v_t[tn]))
                          + d.lam_s[tn] * (ds_n * ds_n + 2 * ds_n * (sn - d.s_t[tn])), 0.0)
    move = active & (new != old)
    if d.flags & 2:  # numba_cpm.connected_ok
        move &= _ring_ok(d, sigma, site, old) & ((new == 0) | (n1n > 0))
    if d.flags & 4:
        move &= _ring_ok(d, sigma, site, new) & ((old == 0) | (n1o > 0))
    ratio = torch.ones_like(dh)
    if d.exact:
        cn = nb[..., : d.zc]
        n_old = (cn == old.unsqueeze(-1)).sum(-1)
        ratio = n_old / (cn == new.unsqueeze(-1)).sum(-1).clamp(min=1)
        move &= n_old > 0
    if d.T == 0.0:
        p = torch.where(dh < 0, 1.0, torch.where(dh == 0, ratio.clamp(max=1.0), 0.0))
    else:
        p = torch.where(-dh / d.T > 700.0, 1.0, ratio * torch.exp((-dh / d.T).clamp(max=700.0)))
    u = _srl(_draw(stream.unsqueeze(1), idx.unsqueeze(0) + 1), 11).double() * INV53
    ok = move & ((p >= 1.0) | (u < p))
    sigma.scatter_(1, site, torch.where(ok, new, old))
    okl = ok.long()
    vol.scatter_add_(1, old, -okl * (old > 0))
    vol.scatter_add_(1, new, okl * (new > 0))
    surf.scatter_add_(1, old, okl * (old > 0) * ds_o)
    surf.scatter_add_(1, new, okl * (new > 0) * ds_n)
    acc.scatter_add_(1, tiles.unsqueeze(0).expand(R, -1), okl)


def _phase(d: _Dev, st, stream, tiles):
    """numba_cpm's phase: unmarked tiles together, then the marked ones one by one in tile order."""
    K = tiles.numel()
    marked = _conflicted(d, st[0], tiles) if K > 1 else torch.zeros((st[0].shape[0], K), dtype=torch.bool,
                                                                     device=d.dev)
    passes = [~marked]
    any_q = marked.any(0).tolist()
    if any(any_q):
        eye = torch.eye(K, dtype=torch.bool, device=d.dev)
        passes += [marked & eye[q].unsqueeze(0) for q in range(K) if any_q[q]]
    for active in passes:
        for s in range(int(d.area[tiles].max())):
            _step(d, st, stream, tiles, active, s)
    return marked


def torch_sweeps(sampler, n_mcs: int) -> None:
    """Advance every replica of ``sampler`` by ``n_mcs`` MCS on ``sampler.device`` (in place)."""
    d = getattr(sampler, "_torch_dev", None)
    if d is None:
        d = sampler._torch_dev = _Dev(sampler)
    to = dict(dtype=torch.long, device=d.dev)
    st = (torch.as_tensor(sampler.sigma_ext, **to), torch.as_tensor(sampler.vol, **to),
          torch.as_tensor(sampler.surf, **to), torch.as_tensor(sampler.accepted_tiles, **to))
    keys = torch.as_tensor(sampler.keys.view(np.int64), **to)
    ncol = len(d.colours)
    conflicts = torch.zeros((sampler.replicas, 2), **to)
    with torch.no_grad():
        for t in range(n_mcs):
            for c, tiles in enumerate(d.colours):
                if tiles.numel() == 0:
                    continue
                counter = (sampler.mcs + t) * ncol + c
                stream = _mix64(keys ^ _mix64(torch.full_like(keys, counter) * GOLDEN + 1))
                marked = _phase(d, st, stream, tiles)
                conflicts[:, 0] += marked.any(1).long()
                conflicts[:, 1] += marked.sum(1)
    sampler.sigma_ext[...] = st[0].cpu().numpy()
    sampler.vol[...] = st[1].cpu().numpy()
    sampler.surf[...] = st[2].cpu().numpy()
    sampler.accepted_tiles[...] = st[3].cpu().numpy()
    sampler.conflicts += conflicts.cpu().numpy()
