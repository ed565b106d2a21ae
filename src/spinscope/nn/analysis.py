"""Analyse a network as a spin model: ``T_c``, the ``lambda_min(beta)`` curve, spectrum and TAP states.

:func:`analyze_network` maps a network to its layered Ising model (:func:`spinscope.nn.network_to_model`)
and runs, in this order:

1. the paramagnet's stability: ``lambda_min(beta)`` of ``I - beta J + beta^2 D`` on a grid and ``T_c``
   (:func:`spinscope.meanfield.stability_tc`, touch vs cross);
2. the replica prediction of the random ensemble with the same widths and per-layer mean-square
   weights (:func:`spinscope.meanfield.layered_tc`);
3. the spectrum of the bond matrix against the same ensemble (:func:`spinscope.analysis.spectrum.spectrum_summary`);
4. TAP solutions at ``tap_beta`` (default ``1.25 beta_c``, i.e. ``T = 0.8 T_c``) from ``tap_starts``
   random starts, and their overlaps with the leading eigenvectors of ``J``.
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
from spinscope.models import IsingModel
from spinscope.nn.mapping import network_to_model

__all__ = ["INITS", "NetworkAnalysis", "analyze_network", "init_variance", "mc_check", "plot_analysis",
           "random_weights"]

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
    tc, beta_c : float
        ``T_c`` from the paramagnet's TAP stability and ``1/T_c``.
    lambda_min_at_tc : float
        Least eigenvalue of ``I - beta J + beta^2 D`` at ``beta_c``.
    crossing : {"touch", "cross"}
        Whether ``lambda_min`` only touches zero (glass-like) or crosses it (outliers, hidden order).
    betas, lambda_min : ndarray, shape ``(K,)``
        The stability curve.
    replica_tc : float or None
        ``sqrt(lambda_max(A))`` of the random ensemble with the same widths and per-layer
        mean-square weights (None for non-layered models).
    replica_lambda_min : ndarray or None
        ``1 - beta^2 lambda_max(A)`` on ``betas``.
    variances : list of float
        Per-layer mean-square weights.
    spectrum : dict or None
        :meth:`SpectrumResult.to_dict`: bulk edge, outliers, tail exponent, eigenvalues.
    tap : dict or None
        :meth:`TapResult.to_dict`, plus ``eigvec_overlaps`` (``|cos|`` between each solution and the
        leading eigenvectors of ``J``, shape ``(k, n_vectors)``) and ``max_eigvec_overlap``.
    timings : dict
        Seconds spent in each part.
    """

    layers: tuple
    n: int
    tc: float
    beta_c: float
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

    def to_dict(self) -> dict:
        """JSON-ready dict of every field."""
        return {"layers": list(self.layers), "n": self.n, "tc": self.tc, "beta_c": self.beta_c,
                "lambda_min_at_tc": self.lambda_min_at_tc, "crossing": self.crossing,
                "betas": self.betas.tolist(), "lambda_min": self.lambda_min.tolist(),
                "replica_tc": self.replica_tc,
                "replica_lambda_min": None if self.replica_lambda_min is None else self.replica_lambda_min.tolist(),
                "variances": self.variances, "spectrum": self.spectrum, "tap": self.tap,
                "timings": self.timings}


def analyze_network(obj: Any, *, betas=None, n_betas: int = 200, tap_starts: int = 64,
                    tap_beta: float | None = None, seed: SeedLike = None, spectrum: bool = True,
                    tap: bool = True, biases: bool = True, layout: str = "auto",
                    input_shape=None, n_vectors: int = 10) -> NetworkAnalysis:
    """Spin-model analysis of a feed-forward network (or of a layered :class:`IsingModel`).

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
    spectrum, tap : bool
        Compute the spectrum / TAP parts.
    biases : bool
        Biases as fields (they enter TAP, not the stability of ``m = 0``).
    layout, input_shape
        Passed to :func:`network_to_model`.
    n_vectors : int
        Leading eigenvectors compared with the TAP solutions.

    Returns
    -------
    NetworkAnalysis
    """
    tap_starts = check_int(tap_starts, "tap_starts", minimum=1)
    n_vectors = check_int(n_vectors, "n_vectors", minimum=1)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    model = obj if isinstance(obj, IsingModel) else network_to_model(
        obj, biases=biases, layout=layout, input_shape=input_shape)
    timings["mapping"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    st = stability_tc(model, betas=betas, n_betas=n_betas)
    timings["stability"] = time.perf_counter() - t0

    layered = model.layers is not None and len(model.layers) >= 2
    var = rep_tc = rep_curve = None
    if layered:
        var = layer_variances(model)
        if all(v > 0 for v in var):
            rep_tc = layered_tc(model.layers, var)
            rep_curve = replica_hessian_min_eig(model.layers, var, st.betas)

    spec_d = None
    top = None
    if spectrum and layered:
        t0 = time.perf_counter()
        sp = spectrum_summary(model, n_vectors=n_vectors)
        spec_d, top = sp.to_dict(), sp.top_vectors
        timings["spectrum"] = time.perf_counter() - t0

    tap_d = None
    if tap:
        t0 = time.perf_counter()
        tb = 1.25 * st.beta_c if tap_beta is None else check_positive(tap_beta, "tap_beta")
        (tap_seed,) = spawn_seeds(seed, 1)
        tr = tap_solve(model, beta=tb, starts=tap_starts, seed=np.random.default_rng(tap_seed))
        tap_d = tr.to_dict()
        if top is not None:
            norms = np.linalg.norm(tr.solutions, axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                ov = np.abs(tr.solutions @ top.T) / norms[:, None]
            ov[tr.self_overlaps < 1e-10] = 0.0  # the paramagnet has no direction
            tap_d["eigvec_overlaps"] = ov.tolist()
            tap_d["max_eigvec_overlap"] = float(ov.max()) if ov.size else None
        timings["tap"] = time.perf_counter() - t0

    return NetworkAnalysis(layers=tuple(model.layers) if layered else (model.n,), n=model.n,
                           tc=st.tc, beta_c=st.beta_c, lambda_min_at_tc=st.lambda_min_at_tc,
                           crossing=st.crossing, betas=st.betas, lambda_min=st.lambda_min,
                           replica_tc=rep_tc, replica_lambda_min=rep_curve, variances=var,
                           spectrum=spec_d, tap=tap_d, timings=timings)


def mc_check(model: IsingModel, *, tc: float, t_ratios=(0.6, 1.6), n_temps: int = 8,
             sweeps: int = 2000, replicas: int = 2, algorithm: str = "metropolis",
             seed: SeedLike = None) -> dict:
    """Monte Carlo cross-check of ``T_c``: ``P(q)`` above and below it from parallel tempering.

    Runs :func:`spinscope.mc.simulate.simulate` with replica exchange on ``n_temps`` temperatures
    geometrically spaced from ``t_ratios[0] * tc`` to ``t_ratios[1] * tc``, ``replicas`` independent
    replica sets (overlaps ``q`` between them).

    Returns
    -------
    dict
        ``temperatures``, ``q2`` and ``chi_sg`` per temperature, ``q`` (bin centres) and the ``P(q)``
        densities at the lowest (``p_q_below``) and highest (``p_q_above``) temperature.
    """
    from spinscope.mc.simulate import simulate

    tc = check_positive(tc, "tc")
    lo, hi = (check_positive(x, "t_ratios") for x in t_ratios)
    if not lo < 1.0 < hi:
        raise InputError(f"t_ratios must bracket 1 (below and above T_c), got {t_ratios}")
    temps = np.geomspace(lo * tc, hi * tc, check_int(n_temps, "n_temps", minimum=2))
    (ss,) = spawn_seeds(seed, 1)
    res = simulate(model, temperatures=temps,
                   algorithm=algorithm, sweeps=check_int(sweeps, "sweeps", minimum=10),
                   replicas=check_int(replicas, "replicas", minimum=2), tempering=True,
                   seed=int(ss.generate_state(1)[0]))
    summ = res.summary_rows
    order = np.argsort([r["T"] for r in summ])
    dens = np.asarray(res.overlap_density)
    t_rows = np.asarray([r["T"] for r in summ])
    return {"temperatures": t_rows[order].tolist(), "tc": tc,
            "q2": [summ[i]["q2"] for i in order], "chi_sg": [summ[i]["chi_sg"] for i in order],
            "q": np.asarray(res.overlap_q).tolist(),
            "p_q_below": dens[int(np.argmin(t_rows))].tolist(),
            "p_q_above": dens[int(np.argmax(t_rows))].tolist(),
            "sweeps": sweeps, "replicas": replicas, "algorithm": algorithm}


def plot_analysis(result: NetworkAnalysis, out_dir, *, overwrite: bool = False) -> list:
    """Write the figures of an analysis as PNG files into ``out_dir`` (created if missing).

    ``stability.png`` (``lambda_min(beta)`` with the replica curve and ``T_c``), ``spectrum.png``
    (eigenvalue histogram of ``J`` with the bulk edge) and, with TAP solutions, ``tap_overlaps.png``.
    Existing files are refused unless ``overwrite``. Returns the written paths.
    """
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spinscope._files import atomic_write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def save(fig, name):
        written.append(atomic_write(out / name, lambda p: fig.savefig(p, format="png", dpi=120),
                                    overwrite=overwrite, suffix=".png"))
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(result.betas, result.lambda_min, label="instance: $I-\\beta J+\\beta^2 D$")
    if result.replica_lambda_min is not None:
        ax.plot(result.betas, result.replica_lambda_min, "--", label="replica: $1-\\beta^2\\lambda_{max}(A)$")
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(result.beta_c, color="r", lw=0.8, label=f"$T_c$ = {result.tc:.4g} ({result.crossing})")
    ax.set_xlabel("$\\beta = 1/T$")
    ax.set_ylabel("$\\lambda_{min}$")
    lo = min(-0.2, float(np.min(result.lambda_min)) - 0.05)
    ax.set_ylim(lo, 1.05)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save(fig, "stability.png")

    if result.spectrum is not None and "eigenvalues" in result.spectrum:
        ev = np.asarray(result.spectrum["eigenvalues"])
        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.hist(ev, bins=80, density=True, color="0.6")
        edge = result.spectrum["bulk_edge"]
        for x in (-edge, edge):
            ax.axvline(x, color="r", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel("eigenvalue of $J$")
        ax.set_ylabel("density")
        ax.set_title(f"bulk edge {edge:.4g}, {result.spectrum['n_outliers']} outliers", fontsize=9)
        fig.tight_layout()
        save(fig, "spectrum.png")

    if result.tap is not None and result.tap["n_solutions"] > 1:
        q = np.asarray(result.tap["overlaps"])
        d = np.sqrt(np.clip(np.diag(q), 1e-300, None))
        fig, ax = plt.subplots(figsize=(4, 3.5))
        im = ax.imshow(q / np.outer(d, d), vmin=-1, vmax=1, cmap="RdBu_r")
        fig.colorbar(im, ax=ax, label="$q_{ab}/\\sqrt{q_{aa}q_{bb}}$")
        ax.set_title(f"{result.tap['n_solutions']} TAP solutions", fontsize=9)
        fig.tight_layout()
        save(fig, "tap_overlaps.png")
    return written
