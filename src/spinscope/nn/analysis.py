"""Analyse a network as a spin model: ``T_c``, the ``lambda_min(beta)`` curve, spectrum and TAP states.

:func:`analyze_network` maps a network to its layered Ising model (:func:`spinscope.nn.network_to_model`)
and runs, in this order:

1. the paramagnet's stability: ``lambda_min(beta)`` of ``I - beta J + beta^2 D`` on a grid and ``T_c``
   (:func:`spinscope.meanfield.stability_tc`, touch vs cross);
2. the replica prediction of the random ensemble with the same widths and per-layer mean-square
   weights (:func:`spinscope.meanfield.layered_tc`);
3. the spectrum of the bond matrix against the same ensemble (:func:`spinscope.analysis.spectrum.spectrum_summary`);
4. TAP solutions at ``tap_beta`` (default ``1.25 beta_c``, i.e. ``T = 0.8 T_c``) from ``tap_starts``
   random starts, and their overlaps with the leading eigenvectors of ``J``;
5. optionally (``tap_count``) the number of distinct physical TAP solutions at temperatures given as
   fractions of a reference ``T_c`` (:func:`spinscope.meanfield.landscape.tap_landscape`), with the
   overlap of the lowest one with the top eigenvector of ``J`` (the task direction once trained).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope._validation import SeedLike, check_int, check_positive, spawn_seeds
from spinscope.analysis.spectrum import layer_variances, spectrum_summary
from spinscope.errors import InputError
from spinscope.meanfield import layered_tc, replica_hessian_min_eig, stability_tc
from spinscope.meanfield.tap import tap_solve
from spinscope.models import IsingModel, is_model
from spinscope.nn._memory import analysis_memory, check_analysis_memory
from spinscope.nn.mapping import network_to_model

__all__ = ["INITS", "NetworkAnalysis", "analysis_memory", "analyze_network", "check_analysis_memory",
           "init_variance", "random_weights"]

#: Initialisation laws of :func:`random_weights` and the variance of ``W`` between widths ``(a, b)``.
INITS = {
    "torch": lambda a, b: 1.0 / (3.0 * a),   # U(-1/sqrt(a), 1/sqrt(a)), PyTorch's Linear default
    "kaiming": lambda a, b: 2.0 / a,         # N(0, 2/a), He et al. (fan-in, ReLU gain)
    "xavier": lambda a, b: 2.0 / (a + b),    # N(0, 2/(a+b)), Glorot & Bengio
    "normal": lambda a, b: 1.0 / a,          # N(0, 1/a)
}


def init_variance(sizes, init: str = "torch") -> list[float]:
    """Variance ``sigma_k^2`` of the weights between layers ``k, k+1`` under an initialisation law.

    Parameters
    ----------
    sizes : sequence of int
        Widths ``N_0..N_L``.
    init : {"torch", "kaiming", "xavier", "normal"}
        See :data:`INITS`.
    """
    from spinscope._validation import as_int_tuple

    if init not in INITS:
        raise InputError(f"init must be one of {sorted(INITS)}, got {init!r}")
    sizes = as_int_tuple(sizes, "sizes", minimum=1)
    if len(sizes) < 2:
        raise InputError(f"a network needs at least two layers, got sizes={sizes}")
    return [INITS[init](sizes[k], sizes[k + 1]) for k in range(len(sizes) - 1)]


def random_weights(sizes, *, init: str = "torch", seed: SeedLike = None) -> list[np.ndarray]:
    """Weights ``(N_k, N_{k+1})`` of a freshly initialised network (the random layered ensemble).

    ``"torch"`` draws uniformly, the others from a Gaussian, with the variances of :func:`init_variance`.
    """
    from spinscope._validation import make_rng

    var = init_variance(sizes, init)
    rng = make_rng(seed)
    out = []
    for k, v in enumerate(var):
        shape = (int(sizes[k]), int(sizes[k + 1]))
        if init == "torch":
            a = np.sqrt(3.0 * v)
            out.append(rng.uniform(-a, a, size=shape))
        else:
            out.append(rng.standard_normal(shape) * np.sqrt(v))
    return out


@dataclass
class NetworkAnalysis:
    """Result of :func:`analyze_network` (temperatures in units of the weights, ``beta = 1/T``).

    Attributes
    ----------
    layers : tuple of int
        Widths ``N_0..N_L``.
    n : int
        Number of spins.
    tc, beta_c : float or None
        ``T_c`` from the paramagnet's TAP stability and ``1/T_c``; None when there is no finite
        ``T_c`` (``crossing="none"``: a network without couplings, whose paramagnet is stable at
        every temperature).
    lambda_min_at_tc : float
        Least eigenvalue of ``I - beta J + beta^2 D`` at ``beta_c`` (1 for ``"none"``). On a small
        network the touching minimum stays well above zero (``3/4`` for a single bond): ``T_c`` is
        then the finite-size position of the minimum.
    crossing : {"touch", "cross", "none"}
        Whether ``lambda_min`` only touches zero (glass-like), crosses it (outliers, hidden order),
        or never reaches it (``"none"``, no ``T_c``).
    betas, lambda_min : ndarray, shape ``(K,)``
        The stability curve (empty without couplings unless ``betas`` were given: there
        ``lambda_min = 1``).
    replica_tc : float or None
        ``sqrt(lambda_max(A))`` of the random ensemble with the same widths and per-layer
        mean-square weights (None for non-layered models or a layer of zero weights).
    replica_lambda_min : ndarray or None
        ``1 - beta^2 lambda_max(A)`` on ``betas``.
    variances : list of float
        Per-layer mean-square weights.
    spectrum : dict or None
        :meth:`SpectrumResult.to_dict`: bulk edge, outliers, tail exponent, eigenvalues.
    tap : dict or None
        :meth:`TapResult.to_dict`, plus ``eigvec_overlaps`` (``|cos|`` between each solution and the
        leading eigenvectors of ``J``, shape ``(k, n_vectors)``) and ``max_eigvec_overlap``.
    tap_count : list of dict or None
        One :meth:`TapLandscape.to_dict` per counting temperature, with ``fraction`` and
        ``reference_tc`` (``T = fraction * reference_tc``).
    timings : dict
        Seconds spent in each part.
    skipped : dict of str to str
        The parts not computed and why (``"tc"``, ``"replica_tc"``, ``"spectrum"``,
        ``"spectrum.tail_exponent"``, ``"tap"``): not requested, or not defined for this network
        (small and degenerate networks are valid input; what can be analysed is).
    """

    layers: tuple
    n: int
    tc: float | None
    beta_c: float | None
    lambda_min_at_tc: float
    crossing: str
    betas: np.ndarray = field(repr=False)
    lambda_min: np.ndarray = field(repr=False)
    replica_tc: float | None
    replica_lambda_min: np.ndarray | None = field(repr=False)
    variances: list | None = field(repr=False)
    spectrum: dict | None = field(repr=False)
    tap: dict | None = field(repr=False)
    timings: dict = field(repr=False)
    skipped: dict = field(default_factory=dict)
    tap_count: list | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        """JSON-ready dict of every field."""
        return {"layers": list(self.layers), "n": self.n, "tc": self.tc, "beta_c": self.beta_c,
                "lambda_min_at_tc": self.lambda_min_at_tc, "crossing": self.crossing,
                "betas": self.betas.tolist(), "lambda_min": self.lambda_min.tolist(),
                "replica_tc": self.replica_tc,
                "replica_lambda_min": None if self.replica_lambda_min is None else self.replica_lambda_min.tolist(),
                "variances": self.variances, "spectrum": self.spectrum, "tap": self.tap,
                "tap_count": self.tap_count, "timings": self.timings, "skipped": dict(self.skipped)}


def analyze_network(obj: Any, *, betas=None, n_betas: int = 200, tap_starts: int = 64,
                    tap_beta: float | None = None, seed: SeedLike = None, spectrum: bool = True,
                    tap: bool = True, biases: bool = True, layout: str = "auto",
                    input_shape=None, n_vectors: int = 10, tap_count=(), tap_count_tc: float | None = None,
                    tap_count_starts: int = 256, progress=None) -> NetworkAnalysis:
    """Spin-model analysis of a feed-forward network (or of a layered :class:`IsingModel`).

    Small and degenerate networks are valid input: a part that is not defined for the network
    (``T_c`` without couplings, the tail fit with fewer than 12 non-zero eigenvalues, the
    replica ``T_c`` with a layer of zero weights, TAP without a temperature) is skipped and
    :attr:`NetworkAnalysis.skipped` says why. Before anything large is allocated the memory the
    analysis needs is estimated and, if it is not available, refused
    (:class:`~spinscope.errors.MemoryLimitError`).

    Parameters
    ----------
    obj : nn.Module, list of weight matrices, state dict, checkpoint path or IsingModel
        See :func:`spinscope.nn.network_to_model` (numpy matrices are ``(in, out)``, torch ``(out, in)``).
    betas : array, optional
        Grid of inverse temperatures for ``lambda_min(beta)`` (default: ``n_betas`` points up to
        twice the natural scale of the couplings).
    n_betas : int
        Size of the default grid.
    tap_starts : int
        Random starts of the TAP solver.
    tap_beta : float, optional
        Inverse temperature of the TAP solutions (default ``1.25 beta_c``).
    seed : int, Generator or None
        Seeds the TAP starts.
    spectrum, tap, biases : bool
        Compute the spectrum / TAP parts; biases as fields (they enter TAP, not the stability of ``m = 0``).
    layout, input_shape
        Passed to :func:`network_to_model`.
    n_vectors : int
        Leading eigenvectors compared with the TAP solutions.
    tap_count, tap_count_tc, tap_count_starts : sequence of float, float or None, int
        Count the physical TAP solutions at ``T = f * tap_count_tc`` for each fraction ``f`` in
        ``tap_count`` (empty: none) from ``tap_count_starts`` starts; ``tap_count_tc`` defaults to this
        network's ``T_c`` (:func:`spinscope.track` passes the untrained network's).
    progress : callable, optional
        ``progress(done, total)`` while counting.

    Returns
    -------
    NetworkAnalysis
    """
    tap_starts = check_int(tap_starts, "tap_starts", minimum=1)
    tap_count_starts = check_int(tap_count_starts, "tap_count_starts", minimum=1)
    n_vectors = check_int(n_vectors, "n_vectors", minimum=1)
    if tap_beta is not None:
        tap_beta = check_positive(tap_beta, "tap_beta")
    timings: dict[str, float] = {}
    skipped: dict[str, str] = {}
    t0 = time.perf_counter()
    model = obj if is_model(obj, "ising") else network_to_model(
        obj, biases=biases, layout=layout, input_shape=input_shape)
    timings["mapping"] = time.perf_counter() - t0
    layered = model.layers is not None and len(model.layers) >= 2
    if layered:
        check_analysis_memory(model.layers, spectrum=spectrum, tap=tap or bool(tap_count),
                              tap_starts=max(tap_starts, tap_count_starts if tap_count else 0), n_vectors=n_vectors,
                              stage="model")

    t0 = time.perf_counter()
    st = _stability(model, betas, n_betas, skipped)
    timings["stability"] = time.perf_counter() - t0
    var, rep_tc, rep_curve = _replica(model, st["betas"], skipped) if layered else (None, None, None)
    spec_d, top = _spectrum(model, spectrum, layered, n_vectors, skipped, timings)
    tap_d = _tap_part(model, tap, tap_beta, st["beta_c"], tap_starts, seed, top, skipped, timings)
    counts = None
    if tap_count:
        t0 = time.perf_counter()
        counts = _tap_count(model, tap_count, tap_count_tc or st["tc"], tap_count_starts, seed, top,
                            skipped, progress)
        timings["tap_count"] = time.perf_counter() - t0
    return NetworkAnalysis(layers=tuple(model.layers) if layered else (model.n,), n=model.n,
                           **st, replica_tc=rep_tc, replica_lambda_min=rep_curve, variances=var,
                           spectrum=spec_d, tap=tap_d, timings=timings, skipped=skipped, tap_count=counts)


def _tap_part(model: IsingModel, tap: bool, tap_beta: float | None, beta_c: float | None, starts: int,
              seed: SeedLike, top: np.ndarray | None, skipped: dict, timings: dict) -> dict | None:
    """The TAP solutions at ``tap_beta`` (default ``1.25 beta_c``), or None with the reason in ``skipped``."""
    if not tap:
        skipped["tap"] = "not requested (--no-tap / tap=False)"
        return None
    if tap_beta is None and beta_c is None:
        skipped["tap"] = ("no T_c to set the default TAP temperature (T = 0.8 T_c); give one with "
                          "--tap-beta (tap_beta in Python)")
        return None
    t0 = time.perf_counter()
    tap_d = _tap(model, 1.25 * beta_c if tap_beta is None else tap_beta, starts, seed, top)
    timings["tap"] = time.perf_counter() - t0
    return tap_d


def _stability(model: IsingModel, betas, n_betas: int, skipped: dict) -> dict[str, Any]:
    """``tc``, ``beta_c``, ``lambda_min_at_tc``, ``crossing``, ``betas``, ``lambda_min`` of the paramagnet."""
    st = stability_tc(model, betas=betas, n_betas=n_betas)
    if st.crossing == "none":
        skipped["tc"] = ("the network has no couplings (every weight is zero): the paramagnet m = 0 is stable "
                         "at every temperature, so there is no finite T_c")
    return {"tc": st.tc, "beta_c": st.beta_c, "lambda_min_at_tc": st.lambda_min_at_tc, "crossing": st.crossing,
            "betas": st.betas, "lambda_min": st.lambda_min}


def _replica(model: IsingModel, betas: np.ndarray, skipped: dict) -> tuple[list, float | None, np.ndarray | None]:
    """Per-layer mean-square weights, the replica ``T_c`` and ``1 - beta^2 lambda_max(A)`` on ``betas``."""
    var = layer_variances(model)
    zero = [k for k, v in enumerate(var) if not v > 0]
    if zero:
        skipped["replica_tc"] = (f"the weights from layer {zero[0]} to layer {zero[0] + 1} are all zero; the "
                                 "replica T_c of the random layered ensemble needs non-zero weights in every layer")
        return var, None, None
    return var, layered_tc(model.layers, var), replica_hessian_min_eig(model.layers, var, betas)


def _spectrum(model: IsingModel, spectrum: bool, layered: bool, n_vectors: int, skipped: dict,
              timings: dict) -> tuple[dict | None, np.ndarray | None]:
    """The spectrum summary as a dict and the leading eigenvectors (None, None when skipped)."""
    if not spectrum:
        skipped["spectrum"] = "not requested (--no-spectrum / spectrum=False)"
        return None, None
    if not layered:
        skipped["spectrum"] = "the spectrum is compared with the layered random ensemble: it needs a layered model"
        return None, None
    t0 = time.perf_counter()
    sp = spectrum_summary(model, n_vectors=n_vectors)
    timings["spectrum"] = time.perf_counter() - t0
    if sp.tail_skipped:
        skipped["spectrum.tail_exponent"] = sp.tail_skipped
    return sp.to_dict(), sp.top_vectors


def _tap(model: IsingModel, beta: float, starts: int, seed: SeedLike, top: np.ndarray | None) -> dict:
    """TAP solutions at ``beta`` and, given the leading eigenvectors ``top``, their ``|cos|`` with them."""
    (tap_seed,) = spawn_seeds(seed, 1)
    tr = tap_solve(model, beta=beta, starts=starts, seed=np.random.default_rng(tap_seed))
    tap_d = tr.to_dict()
    if top is not None:
        norms = np.linalg.norm(tr.solutions, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ov = np.abs(tr.solutions @ top.T) / norms[:, None]
        ov[tr.self_overlaps < 1e-10] = 0.0  # the paramagnet has no direction
        tap_d["eigvec_overlaps"] = ov.tolist()
        tap_d["max_eigvec_overlap"] = float(ov.max()) if ov.size else None
    return tap_d


def _tap_count(model: IsingModel, fractions, ref: float | None, starts: int, seed: SeedLike,
               top: np.ndarray | None, skipped: dict, progress) -> list[dict] | None:
    """Physical TAP solutions counted at ``T = f * ref`` for every fraction ``f``."""
    from spinscope.meanfield.landscape import tap_landscape

    fractions = [0.0 if f == 0 else check_positive(f, "tap_count fraction") for f in fractions]
    if ref is None:
        skipped["tap_count"] = "no T_c to set the counting temperatures (T = fraction * T_c)"
        return None
    seeds = spawn_seeds(seed, 1 + len(fractions))[1:]
    direction = top[0] if top is not None and len(top) else None
    out = []
    for k, (f, s) in enumerate(zip(fractions, seeds)):
        def step(done, total, k=k):
            if progress is not None:
                progress(k * total + done, len(fractions) * total)
        land = tap_landscape(model, beta=np.inf if f == 0 else 1.0 / (f * ref), starts=starts, seed=np.random.default_rng(s),
                             direction=direction, progress=step)
        out.append({"fraction": f, "reference_tc": ref, **land.to_dict()})
    return out
