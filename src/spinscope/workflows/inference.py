"""The run behind ``spinscope infer``: learn an Ising or Potts model from samples.

:func:`infer` reads and validates the data, checks the output path before computing, fits one of
the estimators of :mod:`spinscope.inverse`, writes the model file (``spinscope simulate --model``
and ``spinscope solve`` read it as it is) and returns an :class:`InferenceResult` whose
``to_dict()`` is the command's ``--json`` output: the fitted summary and reconstruction
diagnostics (pseudo-log-likelihood of the data under the fitted model, and the moment-matching
residuals: exact by enumeration for small systems, else from equilibrium samples of the fitted
model drawn with the project's sampler).

Default method: pseudo-likelihood (``"plm"``). On SK data (N = 64, B = 10^5, beta = 1) it is
about twice as accurate as mean-field/TAP inversion and, unlike Boltzmann learning, needs no
sampling; exact likelihood is limited to n <= 20 (measurements in ``docs/inverse.md``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._files import check_output_path
from spinscope._validation import check_int, resolve_seed
from spinscope.errors import InputError

__all__ = ["METHODS", "InferenceResult", "infer"]

METHODS = ("plm", "bm", "mf", "tap", "exact")
EXACT_CHECK_STATES = 2**16  # moment residuals by enumeration up to this many states


@dataclass
class InferenceResult:
    """A fitted model and its reconstruction diagnostics, as reported by ``spinscope infer``.

    Attributes
    ----------
    model : IsingModel or PottsModel
        The learned model (to be simulated at ``beta``).
    estimator : the fitted estimator of :mod:`spinscope.inverse`
    data : dict
        Description of the data (source, n, samples, q, constant columns).
    method : str
    seed : int
        The seed every random choice flowed from.
    diagnostics : dict
        ``pseudo_log_likelihood`` (nats per spin per sample) and ``moments`` (how the model's
        moments were obtained and the largest absolute and standardised residuals).
    model_file : Path or None
    """

    model: Any
    estimator: Any
    data: dict
    method: str
    seed: int
    diagnostics: dict = field(default_factory=dict)
    model_file: Path | None = None

    def to_dict(self) -> dict:
        """JSON-ready result (the ``--json`` output)."""
        return {"method": self.method, "seed": self.seed, "data": self.data,
                "fit": self.estimator.summary(), "diagnostics": self.diagnostics,
                "model_file": str(self.model_file) if self.model_file is not None else None}


def _estimator(method: str, *, q, beta, l1, l2, seed, device, options: dict):
    from spinscope.inverse import ESTIMATORS

    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if l1 and l2:
        raise InputError("give at most one of l1 and l2 (--l1 or --l2), not both")
    if l1 and method != "plm":
        raise InputError(f"L1 regularisation is implemented for method 'plm' only, not {method!r}")
    if l2 and method in ("mf", "tap"):
        raise InputError(f"method {method!r} is a closed form without regularisation; use 'plm' for --l2")
    kwargs = dict(beta=beta, q=q, **options)
    if method == "plm":
        kwargs.update(l1=l1, l2=l2, device=device)
    elif method in ("bm", "exact"):
        kwargs["l2"] = l2
    if method == "bm":
        kwargs["seed"] = seed
    try:
        return ESTIMATORS[method](**kwargs)
    except TypeError as exc:
        raise InputError(f"bad option for method {method!r}: {exc}") from None


def infer(data: Any, *, method: str = "plm", q: int | None = None, beta: float = 1.0,
          l1: float = 0.0, l2: float = 0.0, out: str | os.PathLike | None = None,
          overwrite: bool = False, check_samples: int = 10000, seed: Any = None,
          device: str = "cpu", options: dict | None = None) -> InferenceResult:
    """Learn a model from samples and optionally write it.

    Parameters
    ----------
    data : path, array (B, n) or SpinData
        Samples, one configuration per row (see :func:`spinscope.inverse.read_spin_data`).
    method : {"plm", "bm", "mf", "tap", "exact"}
        Estimator (see :mod:`spinscope.inverse`); default pseudo-likelihood.
    q : int, optional
        Potts states (data ``0..q-1``); ``None`` for Ising data (``±1`` or ``0/1``).
    beta : float
        Inverse temperature of the samples; the model returned is to be simulated at ``beta``.
    l1, l2 : float
        Regularisation (at most one; L1 for ``plm`` only; none for ``mf``/``tap``).
    out : path, optional
        Model file (``.npz``) to write; checked before anything is computed.
    overwrite : bool
        Allow ``out`` to replace an existing file.
    check_samples : int
        Samples of the fitted model drawn to measure the moment residuals when the system is too
        large to enumerate (0: skip this check).
    seed : int, optional
        Seed of every random choice (resolved and recorded).
    device : str
        Torch device of the pseudo-likelihood fit.
    options : dict, optional
        Further keyword arguments of the estimator (e.g. ``{"symmetric": False}``).

    Returns
    -------
    InferenceResult
    """
    from spinscope.inverse import as_spin_data, pseudo_log_likelihood
    from spinscope.models import save_model

    if out is not None:
        out = check_output_path(out, overwrite=overwrite, what="model file")
        if out.suffix != ".npz":
            raise InputError(f"model files end in .npz; got {out.name}")
    check_samples = check_int(check_samples, "check_samples", minimum=0)
    seed = resolve_seed(seed)
    est = _estimator(method, q=q, beta=beta, l1=l1, l2=l2, seed=seed, device=device,
                     options=dict(options or {}))
    spin_data = as_spin_data(data, q=q)
    est.fit(spin_data)
    model = est.to_model()
    diagnostics = {"pseudo_log_likelihood": pseudo_log_likelihood(model, spin_data, beta=est.beta),
                   "moments": _moment_check(est, model, spin_data, check_samples, seed)}
    written = save_model(out, model, overwrite=overwrite) if out is not None else None
    return InferenceResult(model=model, estimator=est, data=spin_data.describe(), method=method,
                           seed=seed, diagnostics=diagnostics, model_file=written)


def _moment_check(est, model, data, check_samples: int, seed: int) -> dict:
    """Model moments against the data's: exact, from BM's chains, or from fresh samples."""
    from spinscope.inverse._base import data_moments
    from spinscope.inverse.exact import model_moments_exact

    states = float(data.q or 2) ** data.n
    if states <= EXACT_CHECK_STATES:
        m_single, m_pair = model_moments_exact(model, est.beta)
        how, m_count = "exact enumeration", np.inf
    elif getattr(est, "model_moments_", None) is not None:
        return {"how": "persistent chains (final run)", **est.residuals_}
    elif check_samples:
        from spinscope.inverse.sampling import equilibrium_samples

        ss = equilibrium_samples(model, est.beta, check_samples, seed=seed)
        m_single, m_pair = data_moments(type(data)(ss.spins, data.q, np.full(len(ss.spins), 1 / len(ss.spins))))
        how, m_count = f"{check_samples} samples of the fitted model ({ss.algorithm}, thin {ss.thin})", check_samples
    else:
        return {"how": "skipped"}
    d_single, d_pair = data_moments(data)
    iu = np.triu_indices(data.n, 1)
    out = {"how": how}
    for name, m, d in (("single", m_single, d_single), ("pair", m_pair[iu], d_pair[iu])):
        var = (1.0 - d**2) if data.q is None else d * (1.0 - d)
        se = np.sqrt(np.maximum(var, 1.0 / data.effective_samples) * (1 / data.effective_samples + 1 / m_count))
        z = (m - d) / se
        out[name] = {"max_abs": float(np.abs(m - d).max()), "rms_z": float(np.sqrt(np.mean(z**2))),
                     "max_z": float(np.abs(z).max())}
    return out
