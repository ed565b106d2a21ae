"""``analyze``: a network (weights file or random ensemble) as a spin model.

Everything ``spinscope analyze`` does, as a function: check the arguments, draw a network of the
random layered ensemble (with its replica T_c) or read a weights file, map it to its layered
Ising Hamiltonian, analyse it (:func:`spinscope.nn.analyze_network`: T_c, λ_min(β), replica T_c,
spectrum, TAP solutions), optionally cross-check T_c by parallel tempering (:func:`mc_check`), and
write the figures (:func:`spinscope.report.analysis_figures.plot_analysis`).

Seeds: one ``seed`` (drawn with :func:`spinscope._validation.resolve_seed` and recorded when not
given) fixes everything. The random weights are drawn from ``SeedSequence(seed).spawn(2)[1]``; the
TAP starts (:func:`spinscope.nn.analyze_network`) and the Monte Carlo check derive theirs from the
child ``spawn_seeds(seed, 1)[0]`` (= ``spawn(2)[0]``), so the weights and the starts are independent
streams (earlier versions drew the weights from child 0 as well: the same seed now gives other
random weights).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._validation import (
    MAX_LIST_VALUES,
    SeedLike,
    as_int_tuple,
    check_int,
    check_positive,
    check_temperatures,
    resolve_seed,
    spawn_seeds,
)
from spinscope.errors import InputError
from spinscope.models import IsingModel
from spinscope.nn.analysis import NetworkAnalysis
from spinscope.workflows._progress import progress_bar
from spinscope.workflows.simulation import simulate

__all__ = ["AnalyzeResult", "analyze", "mc_check"]


@dataclass
class AnalyzeResult:
    """What :func:`analyze` produced.

    Attributes
    ----------
    analysis : NetworkAnalysis
        T_c, λ_min(β), replica T_c, spectrum, TAP solutions.
    model : IsingModel
        The network's layered Ising Hamiltonian.
    seed : int
        The seed actually used (pass it back to reproduce the result).
    ensemble : dict or None
        With ``random``: ``sizes``, ``init``, ``variances`` and the ensemble's ``replica_tc``.
    mc_check : dict or None
        The Monte Carlo cross-check (:func:`mc_check`), if run.
    plots : list of Path or None
        The figures written, if ``out`` was given.
    """

    analysis: NetworkAnalysis
    model: IsingModel = field(repr=False)
    seed: int
    ensemble: dict | None = None
    mc_check: dict | None = field(default=None, repr=False)
    plots: list[Path] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` output of ``spinscope analyze``: the analysis, ``ensemble``, ``seed``,
        and ``mc_check`` / ``plots`` when they were made."""
        d = self.analysis.to_dict()
        d["ensemble"] = self.ensemble
        d["seed"] = self.seed
        if self.mc_check is not None:
            d["mc_check"] = self.mc_check
        if self.plots is not None:
            d["plots"] = [str(p) for p in self.plots]
        return d


def analyze(weights_file: str | os.PathLike | None = None, *, random: Sequence[int] | None = None,
            init: str = "torch", betas=None, n_betas: int = 200, tap_starts: int = 64,
            tap_beta: float | None = None, tap: bool = True, spectrum: bool = True, biases: bool = True,
            mc_check: bool = False, mc_sweeps: int = 2000, out: str | os.PathLike | None = None,
            overwrite: bool = False, seed: int | None = None, tap_count: bool = False,
            tap_count_at: Sequence[float] = (0.5, 0.01, 0.0), tap_count_starts: int = 256,
            progress: Any = False) -> AnalyzeResult:
    """Map a network to its layered spin Hamiltonian and report T_c, λ_min(β), spectrum, TAP.

    Every argument, the output directory and the memory the analysis needs are checked before
    anything is computed. A small or degenerate network (a few spins, all-zero weights) is valid
    input: what can be analysed is, and ``result.to_dict()["skipped"]`` says what was not and why.

    Parameters
    ----------
    weights_file : path-like, optional
        A ``.safetensors`` file or a torch checkpoint saved with ``torch.save(state_dict)``
        (read with ``weights_only=True``). Give this or ``random``.
    random : sequence of int, optional
        Analyse a freshly initialised network with these widths instead (e.g. ``(784, 256, 256, 10)``).
    init : {"torch", "kaiming", "xavier", "normal"}
        Initialisation law of ``random`` (:data:`spinscope.nn.analysis.INITS`).
    betas : array, optional
        Inverse temperatures of the λ_min curve (default ``n_betas`` points up to twice the
        natural scale).
    n_betas, tap_starts : int
        Points of the default grid; random starts of the TAP solver.
    tap_beta : float, optional
        Inverse temperature of the TAP solutions (default ``1.25 beta_c``).
    tap, spectrum, biases : bool
        Compute the TAP solutions / the spectrum; use the biases as fields.
    mc_check, mc_sweeps : bool, int
        Also run parallel tempering for ``mc_sweeps`` sweeps and report P(q) below and above T_c
        (slow; :func:`mc_check`; skipped when there is no T_c).
    out, overwrite : path-like or None, bool
        Directory for the figures (PNG; created if missing); replace figures already there (without
        ``overwrite`` an existing figure is refused before anything is computed).
    seed : int, optional
        Seed of every random choice; ``None`` draws one (recorded in the result).
    tap_count, tap_count_at, tap_count_starts : bool, sequence of float, int
        Count the distinct physical TAP solutions (:func:`spinscope.meanfield.landscape.tap_landscape`)
        at ``T = f T_c`` for every ``f`` in ``tap_count_at`` (0.5: deep in the ordered phase; 0.01:
        low temperature; 0: ``T = 0``, the one-flip-stable states), from ``tap_count_starts`` starts each.
    progress : bool or callable
        ``True``: a progress bar on stderr while counting; a callable gets ``(done, total)``.

    Returns
    -------
    AnalyzeResult

    Raises
    ------
    InputError
        Bad arguments, an unreadable or non-weights file (:class:`~spinscope.errors.DataFileError`),
        existing figures without ``overwrite``, not enough memory
        (:class:`~spinscope.errors.MemoryLimitError`, with the estimate and what is available).
    """
    betas = _check_options(weights_file, random, tap_beta, betas, out, overwrite)
    n_betas = check_int(n_betas, "n_betas (--n-betas)", minimum=3)
    if n_betas > MAX_LIST_VALUES:
        raise InputError(f"n_betas (--n-betas) = {n_betas} is more than the {MAX_LIST_VALUES} points a "
                         "lambda_min(beta) curve can use; give fewer (the default is 200)")
    seed = resolve_seed(seed)
    parts = {"spectrum": spectrum, "tap": tap, "tap_starts": check_int(tap_starts, "tap_starts", minimum=1)}
    model, ensemble = _model(weights_file, random, init, seed, parts, biases)
    res = _analyse(model, betas, n_betas, tap_starts, tap_beta, seed, spectrum, tap, biases,
                   _check_fractions(tap_count_at) if tap_count else (),
                   check_int(tap_count_starts, "tap_count_starts", minimum=1), progress)
    result = AnalyzeResult(res, model, seed, ensemble)
    if mc_check and res.tc is None:
        res.skipped["mc_check"] = "there is no T_c to bracket with Monte Carlo temperatures"
    elif mc_check:
        result.mc_check = _mc_check(model, tc=res.tc, sweeps=mc_sweeps, seed=seed)
    if out is not None:
        from spinscope.report.analysis_figures import plot_analysis

        result.plots = plot_analysis(res, out, overwrite=overwrite)
    return result


def _analyse(model, betas, n_betas, tap_starts, tap_beta, seed, spectrum, tap, biases, fractions,
             count_starts, progress) -> NetworkAnalysis:
    """:func:`spinscope.nn.analyze_network` with the progress bar of the TAP count."""
    from spinscope.nn.analysis import analyze_network

    report = progress_bar(progress, "count TAP solutions") if fractions else None
    try:
        return analyze_network(model, betas=betas, n_betas=n_betas, tap_starts=tap_starts, tap_beta=tap_beta,
                               seed=seed, spectrum=spectrum, tap=tap, biases=biases, tap_count=fractions,
                               tap_count_starts=count_starts, progress=report)
    finally:
        if report is not None:
            report(None, None)


def _check_fractions(values) -> tuple[float, ...]:
    """The counting fractions of ``T_c``: finite and non-negative (0: T = 0), 1 to 16 of them."""
    vals = tuple(float(v) for v in np.atleast_1d(np.asarray(values, dtype=float)))
    if not vals or len(vals) > 16 or not all(np.isfinite(v) and v >= 0 for v in vals):
        raise InputError(f"tap_count_at (--tap-count-at) must be 1 to 16 non-negative fractions of T_c, got {values!r}")
    return vals


def _check_options(weights_file, random, tap_beta, betas, out, overwrite: bool) -> np.ndarray | None:
    """The checks that need no computation, in the order of the messages users see first; the betas."""
    if (weights_file is None) == (random is None):
        raise InputError("give either a WEIGHTS_FILE or --random WIDTHS (e.g. --random 784,256,256,10), not both or neither")
    if tap_beta is not None and not (np.isfinite(tap_beta) and tap_beta > 0):
        raise InputError(f"--tap-beta must be a positive inverse temperature, got {tap_beta}")
    if betas is not None:
        betas = check_temperatures(betas, "betas")
        if betas.size < 3:
            raise InputError(f"betas: need at least 3 inverse temperatures, got {betas.size}")
    if out is not None:
        _check_plot_dir(Path(out), overwrite)
    return betas


def _model(weights_file, random, init: str, seed: int, parts: dict, biases: bool) -> tuple[IsingModel, dict | None]:
    """The spin model of the weights file or of a random network, and the ensemble's description.

    The memory of the analysis is checked before the random weights are drawn (or, for a file,
    once its weights are read); errors about a file's content name the file.
    """
    from spinscope.nn import extract_layers, load_weights_file, network_to_model
    from spinscope.nn.analysis import check_analysis_memory

    if random is not None:
        weights, ensemble = _random_network(random, init, seed, parts)
        return network_to_model(weights, biases=biases), ensemble
    state = load_weights_file(weights_file)
    try:
        weights, _ = extract_layers(state)
        sizes = [weights[0].shape[0]] + [w.shape[1] for w in weights]
        if all(w.shape[0] == sizes[k] for k, w in enumerate(weights)):
            check_analysis_memory(sizes, **parts, stage="weights",
                                  label=f"the {'-'.join(map(str, sizes))} network of {weights_file}")
        return network_to_model(state, biases=biases), None
    except InputError as exc:
        if str(weights_file) in str(exc):
            raise
        raise type(exc)(f"{weights_file}: {exc}") from None


def _check_plot_dir(out: Path, overwrite: bool) -> None:
    """Refuse, before any computation, a plot directory that cannot take the figures."""
    from spinscope._files import check_output_path
    from spinscope.report.analysis_figures import FIGURE_NAMES

    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a directory for the plots")
    if out.is_dir():
        for name in FIGURE_NAMES:
            check_output_path(out / name, overwrite=overwrite, what="plot")
        if not os.access(out, os.W_OK):
            raise InputError(f"cannot write the plots into {out}: permission denied")
        return
    parent = next(p for p in out.parents if p.exists()) if out.parents else Path(".")
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise InputError(f"cannot create the plot directory {out}: {parent} is not a writable directory")


def _random_network(sizes: Sequence[int], init: str, seed: int, parts: dict) -> tuple[list[np.ndarray], dict]:
    """Weights of the random layered ensemble and the ensemble's description (with its replica T_c)."""
    from spinscope.meanfield import layered_tc
    from spinscope.nn.analysis import check_analysis_memory, init_variance, random_weights

    sizes = list(as_int_tuple(sizes, "random"))
    if len(sizes) < 2:
        raise InputError(f"--random {','.join(map(str, sizes))!r} needs at least two widths")
    var = init_variance(sizes, init)
    check_analysis_memory(sizes, **parts, label=f"a random {'-'.join(map(str, sizes))} network")
    weights = random_weights(sizes, init=init, seed=np.random.SeedSequence(seed).spawn(2)[1])
    return weights, {"sizes": sizes, "init": init, "variances": var, "replica_tc": layered_tc(sizes, var)}


def mc_check(model: IsingModel, *, tc: float, t_ratios=(0.6, 1.6), n_temps: int = 8,
             sweeps: int = 2000, replicas: int = 2, algorithm: str = "metropolis",
             seed: SeedLike = None) -> dict:
    """Monte Carlo cross-check of ``T_c``: ``P(q)`` above and below it from parallel tempering.

    Runs :func:`spinscope.workflows.simulate` with replica exchange on ``n_temps`` temperatures
    geometrically spaced from ``t_ratios[0] * tc`` to ``t_ratios[1] * tc``, ``replicas`` independent
    replica sets (overlaps ``q`` between them).

    Parameters
    ----------
    model : IsingModel
    tc : float
        The T_c to check.
    t_ratios : (float, float)
        Lowest and highest temperature in units of ``tc`` (must bracket 1).
    n_temps, sweeps, replicas : int
    algorithm : str
        Monte Carlo update (see ``simulate``).
    seed : int, Generator, SeedSequence or None

    Returns
    -------
    dict
        ``temperatures``, ``q2`` and ``chi_sg`` per temperature, ``q`` (bin centres) and the ``P(q)``
        densities at the lowest (``p_q_below``) and highest (``p_q_above``) temperature.
    """
    tc = check_positive(tc, "tc")
    lo, hi = (check_positive(x, "t_ratios") for x in t_ratios)
    if not lo < 1.0 < hi:
        raise InputError(f"t_ratios must bracket 1 (below and above T_c), got {t_ratios}")
    temps = np.geomspace(lo * tc, hi * tc, check_int(n_temps, "n_temps", minimum=2))
    (ss,) = spawn_seeds(resolve_seed() if seed is None else seed, 1)
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


_mc_check = mc_check  # ``analyze`` has a parameter of the same name
