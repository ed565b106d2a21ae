"""Single-spin Metropolis and heat-bath: numba kernels (Ising, Potts, clock) and the torch backend.

Ising models use the fastest numba plan their structure allows (uniform periodic lattice:
checkerboard tables; sparse: graph colouring; dense: sequential with incremental local fields),
see :mod:`spinscope.mc.kernels.plans`. The torch backend updates colour classes as tensors on any
device.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from spinscope.mc import kernels as k
from spinscope.mc.rules.registry import Implementation

__all__ = ["IMPLEMENTATIONS"]

_SUMMARY = {"metropolis": "single-spin Metropolis by colour classes",
            "heatbath": "single-spin heat-bath (Gibbs) by colour classes"}


def _ising_sweep(plan, spins, betas, keys, counters, sweeps, sampler, *, rule):
    return k.ising_sweeps(plan, spins, betas, keys, counters, rule=rule, sweeps=sweeps).astype(float)


def _ising_measured(plan, spins, betas, keys, counters, sweeps, sampler, every, structure,
                    overlaps=None, *, rule):
    """Fused sweeps + measurements on uniform periodic lattices (None for other plans and for
    ``overlaps``, which the sampler then measures from the spins)."""
    if plan.kind != "lattice" or overlaps is not None:
        return None
    acc, e, m, four = k.ising_sweeps_measured(plan, spins, betas, keys, counters, rule=rule,
                                              sweeps=sweeps, every=every)
    extra = {}
    if structure:
        n = plan.n
        extra = {"sf0": (m * n) ** 2 / n, "sfk": (np.abs(four) ** 2).mean(-1) / n}
    return acc.astype(float), e, m, extra


def _potts_sweep(plan, spins, betas, keys, counters, sweeps, sampler, *, rule):
    return k.potts_sweeps(plan, spins, betas, keys, counters, rule=rule, sweeps=sweeps).astype(float)


def numba_measure(plan, spins) -> tuple[np.ndarray, np.ndarray]:
    """Total energies and magnetisations of numba-backend chains (any Ising/Potts plan)."""
    return k.energies(plan, spins), k.magnetizations(plan, spins)


def _torch_prepare(model, sampler, *, block: bool = False):
    import torch

    from spinscope.mc.kernels.torch_backend import prepare_torch

    return prepare_torch(model, device=sampler.device, dtype=getattr(torch, sampler.dtype), block=block)


def torch_sweep(plan, spins, betas, keys, counters, sweeps, sampler, *, rule):
    """Torch sweeps: one generator per sweep seeded from the first chain's key and counter."""
    import torch

    from spinscope.mc.kernels.torch_backend import torch_sweeps

    bt = torch.as_tensor(betas, device=spins.device)
    ch = torch_sweeps(plan, spins, bt, key=int(keys[0]), counter=int(counters[0]), rule=rule,
                      sweeps=sweeps)
    counters += np.uint64(sweeps)
    return ch.cpu().numpy().astype(np.float64)


def torch_measure(plan, spins) -> tuple[np.ndarray, np.ndarray]:
    """Total energies and magnetisations of torch-backend chains, as numpy arrays."""
    from spinscope.mc.kernels.torch_backend import torch_energies, torch_magnetizations

    return torch_energies(plan, spins).cpu().numpy(), torch_magnetizations(plan, spins).cpu().numpy()


def torch_view(spins) -> np.ndarray:
    """Numpy copy of torch chains (for measurement callbacks)."""
    return spins.detach().cpu().numpy()


def _implementations(rule: str) -> list[Implementation]:
    return [
        Implementation(rule, "numba", ("ising",), lambda m, s: k.prepare_ising(m),
                       partial(_ising_sweep, rule=rule), numba_measure, summary=_SUMMARY[rule],
                       measured=partial(_ising_measured, rule=rule)),
        Implementation(rule, "numba", ("potts", "clock"), lambda m, s: k.prepare_potts(m),
                       partial(_potts_sweep, rule=rule), numba_measure),
        Implementation(rule, "torch", ("ising", "potts", "clock"), _torch_prepare,
                       partial(torch_sweep, rule=rule), torch_measure, torch=True, view=torch_view),
    ]


IMPLEMENTATIONS = (*_implementations("metropolis"), *_implementations("heatbath"))
