"""Differentiable Monte Carlo expectations: ``<O>`` with gradients w.r.t. couplings, fields and beta.

::

    import torch
    from spinscope.inverse import TorchIsing, expectation

    J = torch.zeros(16, 16, dtype=torch.float64, requires_grad=True)   # (built symmetric)
    model = TorchIsing(J_sym, h)
    e = expectation(model, "energy_per_spin", beta=0.4, sweeps=2000, seed=1)
    (e - target).pow(2).backward()                                      # gradients in J.grad

The configurations are drawn by the project's own samplers (:class:`spinscope.mc.MonteCarlo`,
any update rule of the registry for the model's kind, numba or torch backend) at the current
parameter values; ``<O>`` is their average and its gradient is the fluctuation–dissipation
estimate from the same samples, through the custom autograd function
:func:`spinscope.inverse.result.sampled_mean` (formulas there). ``sampler="exact"`` enumerates
instead (:func:`spinscope.inverse.exact_expectation`; plain autograd, small ``n`` only).
"""

from __future__ import annotations

from spinscope._validation import SeedLike, check_int
from spinscope.analysis import integrated_time
from spinscope.errors import InputError
from spinscope.inverse.exact_expectation import exact_expectation, model_tensors
from spinscope.inverse.jackknife import SampleSet, jackknife_error
from spinscope.inverse.observables import resolve_observable
from spinscope.inverse.result import ExpectationResult, sampled_mean
from spinscope.inverse.torch_models import as_beta
from spinscope.mc import MonteCarlo

__all__ = ["expectation"]


def expectation(model, observable, *, beta, sampler: str = "metropolis", sweeps: int = 1000,
                burn_in: int | None = None, replicas: int = 16, thin: int = 1,
                backend: str = "numba", device: str | None = None, n_blocks: int = 32,
                spins=None, seed: SeedLike = None, with_errors: bool = False):
    """Boltzmann average ``<O>`` at ``beta``, differentiable w.r.t. the model's tensors and ``beta``.

    Parameters
    ----------
    model : TorchIsing or TorchPotts
        Couplings ``J`` (n, n) and fields ``h`` as torch tensors (``requires_grad`` or built from
        tensors that require it); conventions in :mod:`spinscope.inverse.torch_models`.
    observable : str, callable, or list/tuple of them
        ``"energy"``, ``"energy_per_spin"``, ``"m"``, ``"abs_m"``, ``"m2"``, or a batched torch
        function ``f(spins (S, n)) -> (S,)`` or ``(S, d)`` (see :mod:`spinscope.inverse.observables`).
    beta : float or 0-d tensor
        Inverse temperature ``1 / T`` (> 0); a tensor requiring grad receives ``d<O>/dbeta``.
    sampler : str
        An update rule of :data:`spinscope.mc.RULES` (``"metropolis"``, ``"heatbath"``,
        ``"wolff"``, ``"swendsen-wang"``, ``"multispin"``) or ``"exact"`` (enumeration; the
        sampling settings below are then ignored).
    sweeps : int
        Measured sweeps per chain (>= 1); one measurement every ``thin`` sweeps.
    burn_in : int, optional
        Sweeps discarded first (default ``max(100, sweeps // 4)``; a few are enough for chains
        continued with ``spins`` after a small parameter step).
    replicas : int
        Independent chains (a multiple of 64 for ``"multispin"``).
    thin : int
        Sweeps between measurements.
    backend : {"numba", "torch"}
        Sampler backend; ``"torch"`` runs the chains on ``device``.
    device : str, optional
        Torch device of the chains (default: the device of the couplings). Samples are moved to
        the couplings' device for the gradient.
    n_blocks : int
        Jackknife blocks for the error bars: groups of whole chains when ``replicas >= n_blocks``
        (independent blocks: the recommended setting), else windows of consecutive measurements
        (at most the number of measurements; they must be long compared with ``tau_int``).
    spins : array (replicas, n), optional
        Initial configurations (e.g. ``result.spins`` of a previous call: persistent chains).
    seed : int, Generator or None
        The one seed every random choice flows from.
    with_errors : bool
        Return an :class:`~spinscope.inverse.result.ExpectationResult` (value, error,
        ``grad_error()``, last spins, ``tau_int``) instead of the bare tensor.

    Returns
    -------
    tensor of shape () (one observable) or (d,), or ExpectationResult

    Raises
    ------
    InputError
        Bad settings, shapes or parameters (non-symmetric couplings, ``sweeps < 1``, ...).
    """
    beta_t = as_beta(beta, model)
    if sampler == "exact":
        return exact_expectation(model, observable, beta=beta_t, with_errors=with_errors)
    sweeps = check_int(sweeps, "sweeps", minimum=1)
    thin = check_int(thin, "thin", minimum=1)
    burn = max(100, sweeps // 4) if burn_in is None else check_int(burn_in, "burn_in", minimum=0)
    n_blocks = check_int(n_blocks, "n_blocks", minimum=2)
    if sweeps // thin < 2:
        raise InputError(f"sweeps // thin = {sweeps // thin} measurements; need at least 2 "
                         "(raise sweeps or lower thin)")
    values_of = resolve_observable(observable, model)
    mc = MonteCarlo(algorithm=sampler, backend=backend,
                    device=str(model.couplings.device) if device is None else device)
    snaps, last = _draw(mc, model, float(beta_t.detach()), replicas=replicas, burn=burn,
                        measurements=sweeps // thin, thin=thin, spins=spins, seed=seed)
    return _estimate(model, values_of, beta_t, snaps, last, n_blocks, sampler, with_errors)


def _draw(mc: MonteCarlo, model, beta: float, *, replicas, burn, measurements, thin, spins, seed):
    """Configurations (M, R, n) as a tensor on the couplings' device, and the last spins (numpy).

    Each measurement is one :meth:`MonteCarlo.run` of ``thin`` sweeps (a run returns new spins,
    so the configurations are kept without copying; torch chains stay on their device).
    """
    import torch

    state = mc.init(model.to_model(), betas=[beta], replicas=replicas, seed=seed, spins=spins)
    if burn:
        state, _ = mc.run(state, sweeps=burn)
    snaps = []
    for _ in range(measurements):
        state, _ = mc.run(state, sweeps=thin)
        snaps.append(torch.as_tensor(state.spins))
    return torch.stack(snaps).to(model.couplings.device), state.spins_numpy()


def _estimate(model, values_of, beta_t, snaps, last, n_blocks: int, sampler: str,
              with_errors: bool):
    """Average, gradients and error bars from configurations ``snaps`` (M, R, n), a tensor."""
    import torch

    M, R, n = snaps.shape
    dev = model.couplings.device
    flat = snaps.reshape(M * R, n)
    spins = flat.to(model.couplings.dtype) if model.kind == "ising" else flat.long()
    with torch.no_grad():
        energies = model.energy(spins)
    blocks, nb = _blocks(M, R, n_blocks, dev)

    uniform = torch.full((M * R,), 1.0 / (M * R), dtype=model.couplings.dtype, device=dev)
    values, vector = values_of(spins)
    out = sampled_mean(values, beta_t, model, spins, energies, uniform)
    value = out if vector else out[0]
    if not with_errors:
        return value
    v = values.detach()
    sums = torch.zeros((nb, v.shape[1]), dtype=v.dtype, device=dev).index_add_(0, blocks, v)
    counts = torch.bincount(blocks, minlength=nb).to(v.dtype)[:, None]
    error = jackknife_error((v.sum(0) - sums) / (M * R - counts))
    series = torch.cat([v, energies[:, None]], dim=1).reshape(M, R, -1).permute(2, 1, 0).cpu().numpy()
    tau = max(integrated_time(s).tau for s in series) if M >= 4 else float("nan")
    return ExpectationResult(value, error if vector else error[0], M * R, nb, float(tau), last, sampler,
                             model_tensors(model, beta_t),
                             SampleSet(model, values_of, spins, energies, beta_t, blocks, nb))


def _blocks(M: int, R: int, n_blocks: int, device):
    """Jackknife block of each sample (index ``t * R + r``) and the number of blocks.

    With at least ``n_blocks`` chains the blocks are groups of whole chains (independent, so the
    error is valid whatever the autocorrelation time); with fewer chains, ``n_blocks`` (at most
    ``M``) windows of consecutive measurements with all chains pooled, as
    :func:`spinscope.analysis.jackknife` (the last window takes the remainder).
    """
    import torch

    if R >= n_blocks:
        return (torch.arange(R, device=device) * n_blocks // R).repeat(M), n_blocks
    nb = min(n_blocks, M)
    return torch.clamp(torch.arange(M, device=device) // (M // nb), max=nb - 1).repeat_interleave(R), nb
