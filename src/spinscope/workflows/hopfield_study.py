"""The run behind ``spinscope hopfield``: the phase diagram of Hopfield networks / RBMs.

:func:`hopfield` validates everything first (loads, temperatures, priors, the Monte Carlo
size and its memory, the output directory), then computes

* the replica-symmetric diagram on the ``(alpha, T)`` grid with the ``T_M``, ``T_c`` and ``T_g``
  lines (:func:`spinscope.meanfield.hopfield_diagram.phase_diagram`),
* the reference check: the T = 0 capacity and ``T_M`` at the loads of AGS' table,
* optionally the family of ``T_M`` curves for several priors, and
* optionally Monte Carlo points (:func:`spinscope.mc.hopfield.hopfield_sample`): ``N`` neurons
  started on a stored pattern at ``T_M(alpha) -/+ offset``, several patterns per point,

and writes (with ``out``) ``result.json`` (format ``spinscope-hopfield`` version 1: the ``--json``
output), ``lines.csv``, ``diagram.csv``, ``mc.csv``,
``family.csv``, the figures and a self-contained ``report.html``. The result's ``to_dict()`` is
the ``--json`` output. The RS part is deterministic; the Monte Carlo flows from one seed.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope._validation import check_int, check_memory, resolve_seed, spawn_seeds
from spinscope.errors import InputError
from spinscope.meanfield.hopfield import ags_zero_temperature, prior_fraction, retrieval_temperature
from spinscope.meanfield.hopfield_diagram import PhaseDiagram, phase_diagram
from spinscope.workflows._progress import progress_bar

__all__ = ["REFERENCE_TM", "HopfieldResult", "hopfield", "load_patterns"]

#: T_M(alpha) of the AGS equations quoted in issue 17 (match to +-0.01)
REFERENCE_TM = {0.01: 0.800, 0.02: 0.715, 0.05: 0.540, 0.08: 0.400, 0.10: 0.315, 0.12: 0.215}
DEFAULT_ALPHAS = (0.002, 0.16, 60)
DEFAULT_TEMPERATURES = (0.05, 1.5, 60)
DEFAULT_MC_ALPHAS = (0.02, 0.05, 0.10)
FAMILY_PRIORS = ((0.0, 1.0), (0.1, 1.0), (0.25, 1.0), (0.0, 0.8), (0.0, 0.6))


@dataclass
class HopfieldResult:
    """Everything ``spinscope hopfield`` reports (``to_dict()`` is its ``--json`` output)."""

    config: dict
    seed: int
    diagram: PhaseDiagram | None
    reference: dict
    family: list[dict] = field(default_factory=list)
    mc_points: list[dict] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    out: str | None = None

    def to_dict(self) -> dict:
        d = {"format": "spinscope-hopfield", "version": 1, "config": self.config, "seed": self.seed, "reference": self.reference,
             "family": self.family, "mc_points": self.mc_points, "timings": self.timings, "out": self.out}
        if self.diagram is not None:
            d["diagram"] = {"counts": self.diagram.counts(), "lines": self.diagram.lines()}
        return d


def _grid(values, default, name: str) -> np.ndarray:
    a = np.linspace(*default[:2], int(default[2])) if values is None else np.atleast_1d(
        np.asarray(values, dtype=float))
    if a.ndim != 1 or a.size == 0:
        raise InputError(f"{name} must be a non-empty list of numbers")
    if np.any(~np.isfinite(a)) or np.any(a <= 0):
        bad = float(a[~np.isfinite(a) | (a <= 0)][0])
        what = "alpha = P/N must be > 0" if name == "alpha" else "temperatures must be > 0"
        raise InputError(f"{name} value {bad!r} is not allowed: {what}")
    return a


def _check_mc(mc_alphas, N: int, patterns_per_point: int) -> np.ndarray:
    a = _grid(mc_alphas, (0, 0, 0), "alpha") if mc_alphas is not None else np.array(DEFAULT_MC_ALPHAS)
    P = np.rint(a * N).astype(np.int64) if np.all(a * N < 2**62) else None
    if P is None or np.any(P < 1):
        raise InputError(f"Monte Carlo loads {a.tolist()} give fewer than 1 pattern (or absurdly many) "
                         f"at N = {N}; use alpha >= 1/N")
    if np.any(P < patterns_per_point):
        raise InputError(f"Monte Carlo needs at least {patterns_per_point} patterns per point (one chain "
                         f"per target pattern); alpha = {float(a[P.argmin()])} gives {int(P.min())} at N = {N}")
    check_memory(8.0 * float(P.max()) * N * 2, f"Monte Carlo patterns (P = {int(P.max())}, N = {N})",
                 advice="use a smaller --mc-alpha or --N (retrieval needs alpha < 0.14 anyway)")
    return a


def _reference() -> dict:
    a = np.array(list(REFERENCE_TM))
    tm = retrieval_temperature(a)
    ac, mc = ags_zero_temperature()
    rows = [{"alpha": float(x), "T_M": float(t), "reference": ref, "difference": float(t - ref)}
            for x, t, ref in zip(a, tm, REFERENCE_TM.values())]
    return {"alpha_c_T0": ac, "m_T0": mc, "alpha_c_reference": 0.138, "T_M": rows,
            "max_abs_difference": max(abs(r["difference"]) for r in rows)}


def _family(alphas: np.ndarray) -> list[dict]:
    out = []
    for dxi, dh in FAMILY_PRIORS:
        tm = retrieval_temperature(alphas, pattern_prior=dxi, hidden_prior=dh)
        out.append({"pattern_prior": dxi, "hidden_prior": dh,
                    "label": f"patterns d={dxi:g}, hidden d={dh:g}",
                    "t_m": [None if not np.isfinite(t) else float(t) for t in tm]})
    return out


def load_patterns(patterns, pattern_prior: float) -> np.ndarray:
    """Patterns ``(P, N)`` from an array or a ``.npy`` / text (``.csv``, ``.txt``) file, checked
    against the declared prior (±1 for Boolean; finite always)."""
    from spinscope.models.hopfield_rbm import HopfieldModel

    if isinstance(patterns, (str, os.PathLike)):
        path = os.fspath(patterns)
        if not os.path.isfile(path):
            raise InputError(f"patterns file {path} does not exist")
        try:
            xi = (np.load(path, allow_pickle=False) if path.endswith(".npy")
                  else np.loadtxt(path, delimiter="," if path.endswith(".csv") else None, ndmin=2))
        except ValueError as exc:
            raise InputError(f"cannot read patterns from {path}: {exc} (one pattern per row, "
                             f"numbers only; or a .npy array of shape (P, N))") from None
    else:
        xi = patterns
    return HopfieldModel(xi, pattern_prior=pattern_prior).patterns


def _mc_point(alpha, T, t_m, N, targets, seed, sweeps, burn_in, dxi, given=None) -> dict:
    from spinscope.mc.hopfield import hopfield_sample
    from spinscope.models.hopfield_rbm import HopfieldModel, random_patterns

    ss = spawn_seeds(seed, targets + 1)
    xi = random_patterns(round(alpha * N), N, prior=dxi, seed=ss[0]) if given is None else given
    m = []
    t0 = time.perf_counter()
    for k in range(targets):
        model = HopfieldModel(xi, target=k, pattern_prior=dxi)
        res = hopfield_sample(model, T, sweeps=sweeps, burn_in=burn_in, every=10, seed=ss[k + 1])
        m.append(float(res.target_overlap(k)[0]))
    m = np.array(m)
    below = bool(np.isfinite(t_m) and T < t_m)
    return {"alpha": float(alpha), "T": float(T), "N": N, "P": xi.shape[0], "T_M": float(t_m),
            "side": "below T_M" if below else "above T_M", "m": float(m.mean()),
            "m_err": float(m.std(ddof=1) / np.sqrt(m.size)) if m.size > 1 else 0.0,
            "m_per_pattern": m.tolist(), "retrieves": bool(np.median(m) > 0.5),
            "agrees": bool((np.median(m) > 0.5) == below), "seconds": time.perf_counter() - t0}


def _run_mc(a, dxi, dh, N, offset, targets, seed, sweeps, burn_in, progress, given=None) -> list[dict]:
    tm = retrieval_temperature(a, pattern_prior=dxi, hidden_prior=dh)
    todo = [(x, t + s * offset, t) for x, t in zip(a, tm) if np.isfinite(t)
            for s in (-1, 1) if t + s * offset > 0]
    bar = progress_bar(progress, "Monte Carlo")
    seeds = spawn_seeds(seed, max(len(todo), 1))
    out = []
    for k, (x, t, t_m) in enumerate(todo):
        bar(k, len(todo))
        out.append(_mc_point(x, t, t_m, N, targets, seeds[k], sweeps, burn_in, dxi, given))
    bar(None, None)
    return out


def hopfield(*, alphas=None, temperatures=None, pattern_prior="boolean", hidden_prior="gaussian",
             diagram: bool = True, family: bool = False, mc: bool = False, N: int = 4000, mc_alphas=None,
             mc_offset: float = 0.08, patterns_per_point: int = 3, sweeps: int = 300, burn_in: int = 300,
             patterns=None, out: str | os.PathLike | None = None, seed: Any = None,
             progress: Any = False) -> HopfieldResult:
    """Phase diagram of Hopfield networks / RBMs: RS theory, reference check, Monte Carlo.

    Parameters
    ----------
    alphas, temperatures : 1-D arrays, optional
        The grid (default ``0.002 .. 0.16`` and ``0.05 .. 1.5``, 60 points each).
    pattern_prior, hidden_prior : str or float
        ``"boolean"``, ``"gaussian"`` or a Gaussian fraction (``"mixed:0.3"``, 0.3).
    diagram, family, mc : bool
        Compute the grid; the family of ``T_M`` curves for several priors; Monte Carlo points.
    N : int
        Neurons of the Monte Carlo networks.
    mc_alphas : 1-D array, optional
        Loads of the Monte Carlo points (default 0.02, 0.05, 0.10), each at ``T_M -/+ mc_offset``.
    patterns_per_point, sweeps, burn_in : int
        Target patterns (one chain each) per point; measured and burn-in sweeps.
    patterns : (P, N) array or path, optional
        Stored patterns for the Monte Carlo (``.npy``, ``.csv`` or whitespace text, one pattern per
        row; ±1 if ``pattern_prior`` is Boolean); then ``N`` and the one load ``P/N`` come from them.
    out : path, optional
        Run directory (must be new or empty).
    seed : int, optional
        Seed of the Monte Carlo (resolved and recorded).
    progress : bool or callable
        Progress bar on stderr (or ``callable(done, total)``).
    """
    dxi = prior_fraction(pattern_prior, "pattern prior")
    dh = prior_fraction(hidden_prior, "hidden prior")
    a = _grid(alphas, DEFAULT_ALPHAS, "alpha")
    t = _grid(temperatures, DEFAULT_TEMPERATURES, "T")
    N = check_int(N, "N", minimum=16)
    targets = check_int(patterns_per_point, "patterns_per_point", minimum=1)
    sweeps, burn_in = check_int(sweeps, "sweeps", minimum=10), check_int(burn_in, "burn_in", minimum=0)
    if not np.isfinite(mc_offset) or mc_offset <= 0:
        raise InputError(f"mc_offset must be a temperature > 0, got {mc_offset!r}")
    given = load_patterns(patterns, dxi) if (mc and patterns is not None) else None
    if given is not None:
        N, mc_alphas = given.shape[1], [given.shape[0] / given.shape[1]]
    mca = _check_mc(mc_alphas, N, targets) if mc else np.array([])
    check_memory(a.size * t.size * 5 * 8.0 * 4, f"the {a.size} x {t.size} phase-diagram grid",
                 advice="use fewer --alpha or --T points")
    seed = resolve_seed(seed)
    config = {"alphas": a.tolist(), "temperatures": t.tolist(), "pattern_prior": dxi, "hidden_prior": dh,
              "diagram": bool(diagram), "family": bool(family), "mc": bool(mc), "N": N,
              "mc_alphas": mca.tolist(), "mc_offset": float(mc_offset), "patterns_per_point": targets,
              "sweeps": sweeps, "burn_in": burn_in, "seed": seed,
              "patterns": None if given is None else (os.fspath(patterns) if isinstance(patterns, (str, os.PathLike))
                                                      else "array")}
    rundir = _create_rundir(out, config)
    timings = {}
    t0 = time.perf_counter()
    diag = phase_diagram(a, t, pattern_prior=dxi, hidden_prior=dh) if diagram else None
    timings["diagram_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    reference = _reference()
    timings["reference_s"] = time.perf_counter() - t0
    fam = _family(a) if family else []
    t0 = time.perf_counter()
    points = _run_mc(mca, dxi, dh, N, mc_offset, targets, seed, sweeps, burn_in, progress, given) if mc else []
    timings["mc_s"] = time.perf_counter() - t0
    result = HopfieldResult(config, seed, diag, reference, fam, points, timings,
                            str(rundir.path) if rundir else None)
    if rundir is not None:
        _write_outputs(rundir, result)
    return result


def _create_rundir(out, config):
    if out is None:
        return None
    from spinscope.io.rundir import RunDirectory

    return RunDirectory.create(out, command="hopfield", config=config)


def _write_outputs(rundir, result: HopfieldResult) -> None:
    from spinscope.report.hopfield_report import write_hopfield_report

    rundir.write_json("result.json", result.to_dict())
    if result.diagram is not None:
        rundir.write_table("lines.csv", result.diagram.lines())
        rundir.write_table("diagram.csv", result.diagram.rows())
    if result.mc_points:
        rundir.write_table("mc.csv", [{k: v for k, v in p.items() if k != "m_per_pattern"}
                                      for p in result.mc_points])
    if result.family:
        rows = [{"alpha": float(x), **{c["label"]: c["t_m"][i] for c in result.family}}
                for i, x in enumerate(result.config["alphas"])]
        rundir.write_table("family.csv", rows)
    write_hopfield_report(rundir, result)
