"""Torch kernels: Metropolis and heat-bath for Ising, Potts and clock models on any device,
and the whole-layer block update of layered models.

The same code runs on CPU and GPU (``device="cuda"`` unchanged): every update is a batched
tensor operation over ``R`` chains. Chain state: ``spins`` int8 tensor ``(R, n)`` (Ising
``±1``, Potts/clock ``0..q-1``), ``betas`` float64 tensor ``(R,)`` (``beta = 1/T``).

Updates (``h_i = sum_j J_ij s_j + h_i`` the local field)
- Sites are split into colour classes (the lattice two-colouring when there is one, else a
  greedy colouring of the coupling graph; every site its own class for dense models); sites
  of one class are conditionally independent given the others, so updating a class at once
  is exact. One sweep visits every class once.
- Ising Metropolis: flip with probability ``min(1, exp(-2 beta s_i h_i))``; heat-bath:
  ``s_i = +1`` with probability ``1 / (1 + exp(-2 beta h_i))``, i.e.
  ``s_i = sign(tanh(beta h_i) - (2u - 1))``.
- Potts/clock Metropolis: propose one of the other ``q-1`` states uniformly; heat-bath: draw
  from the conditional ``p(a) ~ exp(beta sum_j J_ij f(a, s_j) + beta h_i[a])`` (inverse CDF).
- Layered models (``model.layers``): every even layer is conditionally independent given the
  odd layers, so a block sweep updates all even layers at once, then all odd layers; each
  layer's field is ``s_{l-1} W_{l-1} + s_{l+1} W_l^T + b_l``, a pair of batched matrix
  products (BLAS on CPU, tensor cores on GPU with ``dtype=torch.float32``).

Randomness: each sweep uses a ``torch.Generator`` on the chains' device seeded from
``(key, counter)`` by :func:`sweep_seed`, so a run is a deterministic function of the seed on
a given device type (CPU and CUDA generators differ), and the batch shares one stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch

from spinscope.errors import InputError
from spinscope.mc.kernels.plans import greedy_coloring
from spinscope.models.registry import model_kind

__all__ = ["TorchPlan", "prepare_torch", "sweep_seed", "torch_energies", "torch_magnetizations",
           "torch_sweeps"]

_RULES = ("metropolis", "heatbath")
_MASK63 = (1 << 63) - 1


def sweep_seed(key: int, counter: int) -> int:
    """Seed (63-bit int) of the torch generator for one sweep: a splitmix64 hash of both."""
    from spinscope._rng import stream_start

    return int(stream_start(np.uint64(key), np.uint64(counter))) & _MASK63


@dataclass(frozen=True, eq=False)
class TorchPlan:
    """Tensors for the torch kernels, built once by :func:`prepare_torch`.

    Attributes
    ----------
    kind : str
        ``"ising"``, ``"potts"``, ``"clock"`` or ``"layered"`` (block update of an Ising model).
    n, q : int
        Spins and states per spin (``q = 2`` for Ising).
    device, dtype : torch device and floating dtype of the couplings.
    classes : list of LongTensor
        Sites of each colour class.
    rows : list of tuple
        Couplings of each class: ``("dense", J[class, :])`` or padded neighbour lists
        ``("ell", nbr, w)`` (see :func:`_rows`).
    fields : Tensor
        ``(n,)`` (Ising) or ``(n, q)`` (Potts/clock).
    pair : Tensor or None
        ``(q, q)`` pair table ``f(a, b)`` (Potts/clock).
    offsets : list of int
        Layer boundaries (layered kind).
    weights : list of Tensor
        ``W_l`` of shape ``(N_l, N_{l+1})`` (layered kind).
    """

    kind: str
    n: int
    q: int
    device: Any
    dtype: Any
    classes: list
    rows: list
    fields: torch.Tensor
    pair: torch.Tensor | None
    offsets: list
    weights: list


def _coloring(model, csr: sp.csr_array) -> np.ndarray:
    g = model.graph
    if g is not None:
        sub = g.sublattice()
        if sub is not None:
            rows = np.repeat(np.arange(model.n), np.diff(csr.indptr))
            if np.all(sub[rows] != sub[csr.indices]):
                return sub.astype(np.int64)
    return greedy_coloring(csr.indptr.astype(np.int64), csr.indices.astype(np.int64))


def _rows(mat, idx: np.ndarray, device, dtype) -> tuple:
    """Couplings of the sites ``idx``: ``("dense", J[idx, :])`` for dense models, else the
    padded neighbour lists ``("ell", nbr (m, z), w (m, z))`` (padding points at site ``n``, a
    zero spin, with weight 0): a gather + sum that is fast on CPU and GPU alike."""
    if not sp.issparse(mat):
        return ("dense", torch.as_tensor(np.ascontiguousarray(mat[idx, :]), dtype=dtype, device=device))
    blk = sp.csr_array(mat[idx, :])
    deg = np.diff(blk.indptr)
    z = max(int(deg.max()) if deg.size else 0, 1)
    nbr = np.full((len(idx), z), mat.shape[0], dtype=np.int64)
    w = np.zeros((len(idx), z))
    pos = np.arange(blk.nnz) - np.repeat(blk.indptr[:-1], deg)
    rows = np.repeat(np.arange(len(idx)), deg)
    nbr[rows, pos] = blk.indices
    w[rows, pos] = blk.data
    return ("ell", torch.as_tensor(nbr, device=device), torch.as_tensor(w, dtype=dtype, device=device))


def prepare_torch(model, *, device: Any = "cpu", dtype: Any = torch.float64,
                  block: bool = False) -> TorchPlan:
    """Build the torch plan of an Ising, Potts or clock model.

    Parameters
    ----------
    model : IsingModel, PottsModel or ClockModel
    device : str or torch.device
        Where the chains live (``"cpu"``, ``"cuda"``, ...).
    dtype : torch floating dtype
        Precision of couplings and fields (float64 default; float32 for speed on GPU).
    block : bool
        Layered models only: use the whole-layer block update (``kind="layered"``).
    """
    device = torch.device(device)
    kind = model_kind(model, allowed=("ising", "potts", "clock"), what="prepare_torch")
    q = 2 if kind == "ising" else model.q
    if block and kind != "ising":
        raise InputError("the block update needs a layered Ising model; use metropolis or heatbath")
    if block:
        if model.layers is None or len(model.layers) < 2:
            raise InputError("algorithm 'block' needs a layered model (IsingModel.from_layers or "
                             "layered_sk); use metropolis or heatbath for other models")
        ws = [torch.as_tensor(w, dtype=dtype, device=device) for w in model.layer_weights()]
        h = torch.as_tensor(model.fields, dtype=dtype, device=device)
        return TorchPlan("layered", model.n, 2, device, dtype, [], [], h, None,
                         [int(x) for x in model.layer_offsets], ws)
    csr = sp.csr_array(model.couplings) if model.is_dense else model.couplings
    if model.is_dense:
        # every pair is coupled: one site per class would be exact but slow; colour the
        # actual non-zero pattern (all distinct for SK, i.e. sequential updates)
        color = greedy_coloring(csr.indptr.astype(np.int64), csr.indices.astype(np.int64))
    else:
        color = _coloring(model, csr)
    classes_np = [np.flatnonzero(color == c) for c in range(int(color.max()) + 1)]
    mat = model.couplings if model.is_dense else csr
    classes = [torch.as_tensor(c, device=device) for c in classes_np]
    rows = [_rows(mat, c, device, dtype) for c in classes_np]
    if kind == "ising":
        fields = torch.as_tensor(model.fields, dtype=dtype, device=device)
        pair = None
    else:
        f = np.zeros((model.n, q)) if model.fields is None else model.fields
        fields = torch.as_tensor(f, dtype=dtype, device=device)
        a = np.arange(q)
        pair = torch.as_tensor(model.pair_energy(a[:, None], a[None, :]), dtype=dtype, device=device)
    return TorchPlan(kind, model.n, q, device, dtype, classes, rows, fields, pair, [], [])


def _apply_rows(rows: tuple, x: torch.Tensor) -> torch.Tensor:
    """``sum_j J[i, j] x[:, j, ...]`` for the sites of one class: ``x`` (R, n, ...) -> (R, m, ...)."""
    if rows[0] == "dense":
        j = rows[1]
        if x.ndim == 2:
            return x @ j.T
        return torch.einsum("mn,rnq->rmq", j, x)
    _, nbr, w = rows
    pad = torch.zeros((x.shape[0], 1, *x.shape[2:]), dtype=x.dtype, device=x.device)
    xp = torch.cat([x, pad], dim=1)[:, nbr]                                # (R, m, z, ...)
    ww = w if x.ndim == 2 else w[..., None]
    return (xp * ww).sum(2)


def _ising_class(plan: TorchPlan, s: torch.Tensor, betas: torch.Tensor, c: int, heat: bool,
                 gen: torch.Generator) -> torch.Tensor:
    idx = plan.classes[c]
    sf = s.to(plan.dtype)
    loc = _apply_rows(plan.rows[c], sf) + plan.fields[idx]               # (R, m)
    u = torch.rand(loc.shape, generator=gen, device=s.device, dtype=plan.dtype)
    cur = sf[:, idx]
    b = betas.to(plan.dtype)[:, None]
    if heat:
        new = torch.where(u < torch.sigmoid(2.0 * b * loc), 1.0, -1.0)
    else:
        flip = u < torch.exp(-2.0 * b * cur * loc)
        new = torch.where(flip, -cur, cur)
    changed = (new != cur).sum(dim=1)
    s[:, idx] = new.to(s.dtype)
    return changed


def _potts_class(plan: TorchPlan, s: torch.Tensor, betas: torch.Tensor, c: int, heat: bool,
                 gen: torch.Generator) -> torch.Tensor:
    idx = plan.classes[c]
    q = plan.q
    onehot = torch.nn.functional.one_hot(s.long(), q).to(plan.dtype)       # (R, n, q)
    f = onehot @ plan.pair.T                                                # f[r, j, a] = pair[a, s_j]
    gain = _apply_rows(plan.rows[c], f)                                     # (R, m, q)
    gain = gain + plan.fields[idx][None]                                    # -energy of each state
    b = betas.to(plan.dtype)[:, None, None]
    cur = s[:, idx].long()
    if heat:
        logits = b * gain
        p = torch.softmax(logits, dim=-1)
        u = torch.rand((*cur.shape, 1), generator=gen, device=s.device, dtype=plan.dtype)
        new = (torch.cumsum(p, dim=-1)[..., :-1] <= u).sum(-1)
    else:
        shift = torch.randint(1, q, cur.shape, generator=gen, device=s.device)
        prop = (cur + shift) % q
        u = torch.rand(cur.shape, generator=gen, device=s.device, dtype=plan.dtype)
        d_gain = gain.gather(-1, prop[..., None])[..., 0] - gain.gather(-1, cur[..., None])[..., 0]
        acc = u < torch.exp(b[..., 0] * d_gain)
        new = torch.where(acc, prop, cur)
    changed = (new != cur).sum(dim=1)
    s[:, idx] = new.to(s.dtype)
    return changed


def _layer_field(plan: TorchPlan, sf: torch.Tensor, layer: int) -> torch.Tensor:
    """Field on ``layer`` from float spins ``sf`` (R, n): ``b + s_{l-1} W_{l-1} + s_{l+1} W_l^T``."""
    o = plan.offsets
    bias = plan.fields[o[layer]:o[layer + 1]]
    f = None
    if layer > 0:
        f = torch.addmm(bias, sf[:, o[layer - 1]:o[layer]], plan.weights[layer - 1])
    if layer + 1 < len(o) - 1:
        up = sf[:, o[layer + 1]:o[layer + 2]]
        w = plan.weights[layer].T
        f = torch.addmm(bias, up, w) if f is None else f.addmm_(up, w)
    return f if f is not None else bias.expand(sf.shape[0], -1).clone()


def _layered_sweeps(plan: TorchPlan, s: torch.Tensor, betas: torch.Tensor, heat: bool,
                    gen: torch.Generator, key: int, counter: int, sweeps: int) -> torch.Tensor:
    """``sweeps`` block sweeps; spins are kept as floats in between and written back once."""
    o = plan.offsets
    nl = len(o) - 1
    sf = s.to(plan.dtype)
    b2 = 2.0 * betas.to(plan.dtype)[:, None]
    changed = torch.zeros(s.shape[0], dtype=torch.int64, device=s.device)
    for t in range(sweeps):
        gen.manual_seed(sweep_seed(key, counter + t))
        for parity in (0, 1):
            layers = list(range(parity, nl, 2))
            fields = [_layer_field(plan, sf, k) for k in layers]   # all from the same configuration
            for k, loc in zip(layers, fields):
                cur = sf[:, o[k]:o[k + 1]]
                u = torch.rand(loc.shape, generator=gen, device=s.device, dtype=plan.dtype)
                if heat:   # s = +1 with probability sigmoid(2 beta h)
                    new = torch.where(u < torch.sigmoid(b2 * loc), 1.0, -1.0).to(plan.dtype)
                else:      # flip with probability min(1, exp(-2 beta s h))
                    new = torch.where(u < torch.exp(-b2 * cur * loc), -cur, cur)
                changed += (new != cur).sum(dim=1)
                sf[:, o[k]:o[k + 1]] = new
    s.copy_(sf.to(s.dtype))
    return changed


def torch_sweeps(plan: TorchPlan, spins: torch.Tensor, betas: torch.Tensor, *, key: int,
                 counter: int, rule: str = "metropolis", sweeps: int = 1) -> torch.Tensor:
    """Advance all chains by ``sweeps`` sweeps, in place.

    Parameters
    ----------
    plan : TorchPlan
    spins : int8 tensor (R, n) on ``plan.device``
        Updated in place.
    betas : float64 tensor (R,)
    key, counter : int
        Sweep ``t`` draws from a generator seeded with ``sweep_seed(key, counter + t)``.
    rule : {"metropolis", "heatbath"}
    sweeps : int

    Returns
    -------
    changed : int64 tensor (R,)
        Spin changes per chain over all sweeps.
    """
    if rule not in _RULES:
        raise InputError(f"rule must be one of {_RULES}, got {rule!r}")
    if not isinstance(spins, torch.Tensor) or spins.dtype != torch.int8 or spins.ndim != 2 \
            or spins.shape[1] != plan.n:
        raise InputError(f"spins must be an int8 tensor of shape (R, {plan.n})")
    heat = rule == "heatbath"
    gen = torch.Generator(device=spins.device)
    changed = torch.zeros(spins.shape[0], dtype=torch.int64, device=spins.device)
    if plan.kind == "layered":
        return _layered_sweeps(plan, spins, betas, heat, gen, key, counter, int(sweeps))
    for t in range(int(sweeps)):
        gen.manual_seed(sweep_seed(key, counter + t))
        upd = _ising_class if plan.kind == "ising" else _potts_class
        for c in range(len(plan.classes)):
            changed += upd(plan, spins, betas, c, heat, gen)
    return changed


def torch_energies(plan: TorchPlan, spins: torch.Tensor) -> torch.Tensor:
    """Energy ``H`` of every chain (float, ``(R,)``) in the model's convention."""
    if plan.kind == "layered":
        sf = spins.to(plan.dtype)
        o = plan.offsets
        e = -(sf * plan.fields).sum(1)
        for k, w in enumerate(plan.weights):
            e = e - ((sf[:, o[k]:o[k + 1]] @ w) * sf[:, o[k + 1]:o[k + 2]]).sum(1)
        return e
    if plan.kind == "ising":
        sf = spins.to(plan.dtype)
        e = -(sf * plan.fields).sum(1)
        for c, idx in enumerate(plan.classes):
            e = e - 0.5 * (_apply_rows(plan.rows[c], sf) * sf[:, idx]).sum(1)
        return e
    q = plan.q
    onehot = torch.nn.functional.one_hot(spins.long(), q).to(plan.dtype)
    fx = onehot @ plan.pair.T
    e = -(onehot * plan.fields[None]).sum((1, 2))
    for c, idx in enumerate(plan.classes):
        g = _apply_rows(plan.rows[c], fx)
        e = e - 0.5 * (g * onehot[:, idx]).sum((1, 2))
    return e


def torch_magnetizations(plan: TorchPlan, spins: torch.Tensor) -> torch.Tensor:
    """Magnetisation per spin: ``mean s`` (Ising, float) or ``mean exp(2 pi i s / q)`` (complex)."""
    if plan.kind in ("ising", "layered"):
        return spins.to(plan.dtype).mean(1)
    ang = spins.to(plan.dtype) * (2.0 * np.pi / plan.q)
    return torch.complex(torch.cos(ang).mean(1), torch.sin(ang).mean(1))
