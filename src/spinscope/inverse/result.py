"""The sampled-expectation autograd function and the result of :func:`~spinscope.inverse.expectation`.

:class:`SampledMean` is the custom :class:`torch.autograd.Function` behind the Monte Carlo path.
Given samples ``s_k`` with weights ``w_k`` (``sum w = 1``; uniform for the plain estimate) drawn at
the current parameters, its forward is ``<O> = sum_k w_k O_k`` and its backward returns the
fluctuation–dissipation gradients estimated from the same samples::

    d<O>/dJ_ij = -beta (<O dH/dJ_ij> - <O><dH/dJ_ij>)     (dH/dJ_ij = -s_i s_j / 2, entrywise)
    d<O>/dh    = -beta (<O dH/dh> - <O><dH/dh>)
    d<O>/dbeta = -(<O H> - <O><H>)

while the values ``O_k`` themselves receive ``w_k``: an observable that depends on the
parameters explicitly (the energy) adds ``<dO/dtheta>`` through ordinary autograd.

Error bars (jackknife): the samples are cut into ``B`` blocks: groups of whole chains when there
are at least ``B`` independent chains, else windows of consecutive measurements with all chains
pooled (as in :func:`spinscope.analysis.jackknife`; such windows must be long compared with the
autocorrelation time, ``tau_int`` is reported to check it). The estimate is repeated leaving
each block out in turn (the same formulas, from per-block sums: :mod:`spinscope.inverse.jackknife`)
and the standard error is ``sqrt((B-1)/B sum_b (g_b - mean g)^2)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope.errors import InputError
from spinscope.inverse.jackknife import SampleSet, gradient_errors

__all__ = ["ExpectationResult", "sampled_mean"]


def _function_class():
    import torch

    class SampledMean(torch.autograd.Function):
        """``sum_k w_k O_k`` with the covariance gradients of a Boltzmann average (see module)."""

        @staticmethod
        def forward(ctx, values, beta, couplings, fields, spins, energies, weights, model):
            ctx.save_for_backward(values.detach(), beta.detach(), spins, energies, weights)
            ctx.model = model
            return weights @ values

        @staticmethod
        def backward(ctx, g):
            values, beta, spins, energies, w = ctx.saved_tensors
            need = ctx.needs_input_grad
            c = w * ((values - w @ values) @ g)             # w_k (O_k - <O>) . g
            gv = w[:, None] * g[None, :] if need[0] else None
            gb = -(c @ energies).reshape(beta.shape) if need[1] else None
            gj = gh = None
            if need[2] or need[3]:
                pair, single = ctx.model.minus_dh(spins, c)
                gj = beta * pair if need[2] else None
                gh = beta * single if need[3] else None
            return gv, gb, gj, gh, None, None, None, None

    return SampledMean


_CLASS: list = []


def sampled_mean(values, beta, model, spins, energies, weights):
    """``sum_k w_k O_k`` (d,) differentiable in ``values``, ``beta`` and ``model``'s tensors."""
    if not _CLASS:
        _CLASS.append(_function_class())
    return _CLASS[0].apply(values, beta, model.couplings, model.fields, spins, energies, weights, model)


@dataclass(eq=False)
class ExpectationResult:
    """``<O>`` with its error, and the error of its gradient (``with_errors=True``).

    Attributes
    ----------
    value : tensor, shape () or (d,)
        The estimate; differentiable (call ``backward`` on a loss built from it).
    error : tensor, same shape
        One standard error of ``value`` (jackknife over blocks; zero for ``sampler="exact"``).
    n_samples : int
        Configurations averaged (chains x measurements; the number of states when exact).
    n_blocks : int
        Jackknife blocks (0 when exact).
    tau_int : float
        Largest integrated autocorrelation time (in measurements) of the observable's components
        and the energy, from :func:`spinscope.analysis.integrated_time`; windows of measurements
        used as blocks (fewer chains than blocks) should be several ``tau_int`` long. ``nan``
        when exact.
    spins : ndarray (R, n) or None
        The chains' last configurations (pass as ``spins=`` to the next call to continue them).
    sampler : str
    """

    value: Any
    error: Any
    n_samples: int
    n_blocks: int
    tau_int: float
    spins: np.ndarray | None
    sampler: str
    _inputs: dict = field(default_factory=dict, repr=False)
    _samples: SampleSet | None = field(default=None, repr=False)

    def grad_error(self, weights=None) -> dict:
        """Standard errors of the gradient of ``weights . <O>`` w.r.t. the model's tensors.

        Parameters
        ----------
        weights : sequence of float (d,), optional
            For a vector observable, the combination whose gradient is meant (e.g. ``dL/d<O>``
            of a loss ``L``); default: each component separately (results get a leading axis d).
            Ignored for a scalar observable.

        Returns
        -------
        dict
            ``"couplings"`` (n, n), ``"fields"`` ((n,) or (n, q)), ``"beta"`` (scalar): one
            standard error per gradient entry, for those of the three that require grad.
            Zeros when ``sampler="exact"``.
        """
        import torch

        inputs = {k: t for k, t in self._inputs.items() if t.requires_grad}
        d = self.value.numel()
        per_component = weights is None and self.value.ndim == 1
        if per_component:
            W = torch.eye(d, dtype=self.value.dtype)
        else:
            W = torch.ones((1, 1), dtype=self.value.dtype) if self.value.ndim == 0 else \
                torch.as_tensor(weights, dtype=self.value.dtype).reshape(1, -1)
            if W.shape[1] != d:
                raise InputError(f"weights must have {d} entries (one per observable component), "
                                 f"got {W.shape[1]}")
        W = W.to(self.value.device)
        if self._samples is None:
            out = {k: torch.zeros((W.shape[0], *t.shape), dtype=t.dtype, device=t.device)
                   for k, t in inputs.items()}
        else:
            out = gradient_errors(self._samples, W, inputs)
        return out if per_component else {k: v[0] for k, v in out.items()}

    def to_dict(self) -> dict:
        """JSON-ready summary (value, error, samples, blocks, tau_int, sampler)."""
        return {"value": self.value.detach().cpu().tolist(), "error": self.error.detach().cpu().tolist(),
                "n_samples": self.n_samples, "n_blocks": self.n_blocks,
                "tau_int": None if np.isnan(self.tau_int) else self.tau_int, "sampler": self.sampler}
