"""Jackknife errors of sampled expectation gradients, one pass over the samples.

For a weighted observable ``o_k = w . O(s_k)`` the estimate of
:class:`~spinscope.inverse.result.SampledMean` over a set of samples is, per parameter ``theta``
(``J``, ``h``; ``f_k = -dH/dtheta (s_k)``)::

    g = D / N + beta (A - o_bar F) / N,   D = sum_k do_k/dtheta,  A = sum_k o_k f_k,  F = sum_k f_k

and for ``beta``: ``g = -(sum_k o_k E_k - o_bar sum_k E_k) / N``. Leaving block ``b`` out only
subtracts that block's sums, so every leave-one-out gradient follows from per-block sums computed
once (each sample is visited once; its observable is re-evaluated on the block's samples only,
for the explicit derivative ``D``). The standard error is then
``sqrt((B-1)/B sum_b (g_(b) - mean g)^2)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["SampleSet", "gradient_errors", "jackknife_error"]


def jackknife_error(estimates):
    """Jackknife standard error from leave-one-block-out estimates (B, ...)."""
    b = estimates.shape[0]
    return ((b - 1) / b * ((estimates - estimates.mean(0)) ** 2).sum(0)).sqrt()


@dataclass(frozen=True, eq=False)
class SampleSet:
    """The samples behind one Monte Carlo expectation and how they are blocked.

    Attributes
    ----------
    model : TorchIsing or TorchPotts
    values_of : callable
        ``values_of(spins) -> (values (S, d), vector)`` (the resolved observable).
    spins : tensor (S, n)
    energies : tensor (S,)
        ``H(s_k)`` at the sampled parameters (detached).
    beta : 0-d tensor
    blocks : int64 tensor (S,)
        Jackknife block of each sample, ``0 .. n_blocks-1``.
    n_blocks : int
    """

    model: Any
    values_of: Callable
    spins: Any
    energies: Any
    beta: Any
    blocks: Any
    n_blocks: int


def _block_sums(ss: SampleSet, idx, W, inputs: dict) -> dict:
    """Sums over the samples ``idx`` of one block, for each weight row of ``W`` (m, d)."""
    import torch

    s = ss.spins[idx]
    values, _ = ss.values_of(s)
    o = values.detach() @ W.T                                          # (S_b, m)
    e = ss.energies[idx]
    ones = torch.ones(len(idx), dtype=o.dtype, device=o.device)
    pair_f, field_f = ss.model.minus_dh(s, ones)
    out = {"n": float(len(idx)), "o": o.sum(0), "oe": (o * e[:, None]).sum(0), "e": e.sum(),
           "F_couplings": pair_f, "F_fields": field_f, "A_couplings": [], "A_fields": [], "D": []}
    names = list(inputs)
    for r in range(W.shape[0]):
        pair_a, field_a = ss.model.minus_dh(s, o[:, r])
        out["A_couplings"].append(pair_a)
        out["A_fields"].append(field_a)
        grads = (None,) * len(names)
        if values.requires_grad:
            grads = torch.autograd.grad((values @ W[r]).sum(), list(inputs.values()), retain_graph=True,
                                        allow_unused=True)
        out["D"].append({k: torch.zeros_like(inputs[k]) if g is None else g
                         for k, g in zip(names, grads, strict=True)})
    return out


def _leave_out(tot: dict, blk: dict, r: int, names: list, beta) -> dict:
    """Gradient of weight row ``r`` from all samples but one block (totals minus its sums)."""
    n = tot["n"] - blk["n"]
    obar = (tot["o"][r] - blk["o"][r]) / n
    g = {}
    for k in names:
        explicit = (tot["D"][r][k] - blk["D"][r][k]) / n
        if k == "beta":
            g[k] = explicit - ((tot["oe"][r] - blk["oe"][r]) - obar * (tot["e"] - blk["e"])) / n
        else:
            cov = ((tot[f"A_{k}"][r] - blk[f"A_{k}"][r]) - obar * (tot[f"F_{k}"] - blk[f"F_{k}"])) / n
            g[k] = explicit + beta * cov
    return g


def _total(parts: list) -> dict:
    first = parts[0]
    out = {}
    for key, v in first.items():
        if key == "D":
            out[key] = [{k: sum(p[key][r][k] for p in parts) for k in v[r]} for r in range(len(v))]
        elif isinstance(v, list):
            out[key] = [sum(p[key][r] for p in parts) for r in range(len(v))]
        else:
            out[key] = sum(p[key] for p in parts)
    return out


def gradient_errors(ss: SampleSet, W, inputs: dict) -> dict:
    """Jackknife standard errors of the gradients of ``W[r] . <O>`` w.r.t. ``inputs``.

    Parameters
    ----------
    ss : SampleSet
    W : tensor (m, d)
        Weight rows (one gradient per row).
    inputs : dict
        Name (``"couplings"``, ``"fields"``, ``"beta"``) -> the tensor differentiated against.

    Returns
    -------
    dict
        Name -> tensor (m, *shape of the input).
    """
    import torch

    names = list(inputs)
    beta = ss.beta.detach()
    parts = [_block_sums(ss, torch.nonzero(ss.blocks == b).reshape(-1), W, inputs)
             for b in range(ss.n_blocks)]
    tot = _total(parts)
    out = {}
    for k in names:
        rows = []
        for r in range(W.shape[0]):
            loo = torch.stack([_leave_out(tot, blk, r, names, beta)[k] for blk in parts])
            rows.append(jackknife_error(loo))
        out[k] = torch.stack(rows)
    return out
