"""The exact twin of :func:`~spinscope.inverse.expectation`: Boltzmann averages by enumeration.

Every configuration is listed (Ising ``2^n``, Potts ``q^n``, at most ``2^20``), the energies are
computed from the model's tensors, and ``<O> = sum_s O(s) exp(-beta H(s) - log Z)`` with
``log Z = logsumexp(-beta H)``. Gradients with respect to the couplings, the fields, ``beta`` and
any tensor an observable uses come from plain autograd through this sum: the reference the Monte
Carlo gradients are tested against.

Memory: the configurations are held as one (K, n) tensor in the couplings' dtype (Potts: the
one-hot (K, n, q) as well), about ``3 K n q`` numbers at the peak of the backward pass
(``n = 20`` Ising in float64: about 0.5 GB).
"""

from __future__ import annotations

import numpy as np

from spinscope.errors import InputError
from spinscope.exact import all_states
from spinscope.inverse.observables import resolve_observable
from spinscope.inverse.result import ExpectationResult
from spinscope.inverse.torch_models import as_beta

__all__ = ["MAX_STATES", "all_configurations", "exact_expectation", "model_tensors"]

#: Largest number of configurations enumerated (Ising n <= 20; Potts q^n <= 2^20).
MAX_STATES = 2**20


def all_configurations(model):
    """Every configuration of ``model`` as a tensor (K, n) on its device.

    Ising: ``±1`` in the couplings' dtype (row ``k`` has ``s_i = 1 - 2 bit_i(k)``, as
    :func:`spinscope.exact.all_states`); Potts: int64 states, row ``k`` the base-``q`` digits of ``k``.
    """
    import torch

    n, q = model.n, model.q
    if float(q) ** n > MAX_STATES:
        raise InputError(f"exact enumeration of {q}^{n} configurations exceeds {MAX_STATES} (2^20); "
                         "use a Monte Carlo sampler (sampler='metropolis') for this model")
    dev = model.couplings.device
    if model.kind == "ising":
        return torch.as_tensor(all_states(n), device=dev).to(model.couplings.dtype)
    k = np.arange(q**n, dtype=np.int64)[:, None]
    return torch.as_tensor((k // q ** np.arange(n, dtype=np.int64)) % q, device=dev)


def model_tensors(model, beta) -> dict:
    """The tensors gradients are reported for: ``couplings``, ``fields``, ``beta``."""
    return {"couplings": model.couplings, "fields": model.fields, "beta": beta}


def exact_expectation(model, observable, *, beta, with_errors: bool = False):
    """Exact ``<O>`` at ``beta`` by enumeration, differentiable by plain autograd.

    Parameters
    ----------
    model : TorchIsing or TorchPotts
        At most ``2^20`` configurations (Ising ``n <= 20``, Potts ``q^n <= 2^20``).
    observable : str, callable, or list/tuple of them
        As for :func:`~spinscope.inverse.expectation` (see :mod:`spinscope.inverse.observables`).
    beta : float or 0-d tensor
        Inverse temperature (> 0); a tensor requiring grad receives ``d<O>/dbeta``.
    with_errors : bool
        Return an :class:`~spinscope.inverse.result.ExpectationResult` (zero errors) for code
        written against the Monte Carlo path.

    Returns
    -------
    tensor of shape () or (d,), or ExpectationResult
    """
    import torch

    beta_t = as_beta(beta, model)
    values_of = resolve_observable(observable, model)
    states = all_configurations(model)
    logw = -beta_t * model.energy(states)
    p = torch.exp(logw - torch.logsumexp(logw, 0))
    values, vector = values_of(states)
    out = p @ values
    value = out if vector else out[0]
    if not with_errors:
        return value
    return ExpectationResult(value, torch.zeros_like(value.detach()), int(states.shape[0]), 0,
                             float("nan"), None, "exact", model_tensors(model, beta_t))
