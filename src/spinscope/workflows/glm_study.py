"""The run behind ``spinscope glm``: Bayesian inference in generalised linear models.

:func:`glm` validates everything (prior, channel or covariance, loads, sizes, the output
directory, the memory GAMP will need) before computing, then returns a :class:`GLMResult`:

* the replica-symmetric theory along ``alpha`` (state evolution, every fixed point, the global
  one), the thresholds ``alpha_IT`` and ``alpha_alg`` and, for the GRF model with a ±1 prior,
  the all-or-nothing load of the capacity argument;
* with ``amp=True``: batched GAMP at ``amp_points`` loads (median and quartiles over
  ``instances``) and one iteration-by-iteration trace against state evolution;
* with ``exact=True``: exact posteriors by enumeration at each size of ``exact_n`` (±1 prior).

With ``out`` the run directory holds ``config.json``, ``result.json``, ``theory.csv``,
``glm.png``, ``trace.png`` (with ``amp``) and the self-contained ``report.html``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._validation import check_int, parse_number_list, resolve_seed
from spinscope.errors import InputError

__all__ = ["GLMResult", "glm", "parse_alphas"]


@dataclass
class GLMResult:
    """Theory, GAMP and exact-posterior curves of one ``spinscope glm`` run (``to_dict()`` is
    the ``--json`` output). ``theory`` is at the given loads (with every fixed point);
    ``theory_dense`` (for the figures) at 200 loads over their range when fewer were given."""

    config: dict
    seed: int
    thresholds: dict
    theory: Any
    amp: list = field(default_factory=list)
    trace: dict | None = None
    exact: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    files: list = field(default_factory=list)
    theory_dense: Any = None

    def to_dict(self) -> dict:
        theory = self.theory.to_dict()
        theory.pop("fixed_points")
        theory["fixed_points"] = [[fp.to_dict() for fp in fps] for fps in self.theory.fixed_points]
        dense = None
        if self.theory_dense is not None:
            dense = self.theory_dense.to_dict()
            dense.pop("fixed_points")
        return {"config": self.config, "seed": self.seed, "thresholds": self.thresholds, "theory": theory,
                "theory_dense": dense, "amp": self.amp, "trace": self.trace, "exact": self.exact, "timings": self.timings,
                "files": self.files}


def parse_alphas(text: str) -> np.ndarray:
    """``a1:a2:n`` (inclusive, evenly spaced) or a comma list; every load must be > 0."""
    return parse_number_list(text, "--alpha", max_count=10000, check=lambda a, _name: _check_alphas(a),
                             what="loads", examples=("0.5,1,2", "0.1:3:60"))


def _check_alphas(alphas) -> np.ndarray:
    a = np.atleast_1d(np.asarray(alphas, dtype=float))
    if a.size == 0 or a.size > 10000:
        raise InputError(f"alpha: give between 1 and 10000 loads, got {a.size}")
    bad = np.nonzero(~np.isfinite(a) | (a <= 0))[0]
    if len(bad):
        raise InputError(f"alpha must be > 0 (M = alpha N outputs); got {a[bad[0]]:g} at position "
                         f"{bad[0] + 1}; use e.g. --alpha 0.1:3:60")
    return a


def _model(prior, channel, covariance, noise, density):
    from spinscope.glm.channels import CHANNELS, make_channel
    from spinscope.glm.grf import GRFOutput, make_covariance
    from spinscope.glm.priors import make_prior

    p = make_prior(prior, density=density)
    if channel == "grf":
        noise = 0.1 if noise is None else float(noise)
        if not np.isfinite(noise) or noise <= 0:
            raise InputError(f"the grf channel's noise variance must be > 0, got {noise}")
        return p, GRFOutput(make_covariance(covariance), noise)
    if covariance is not None:
        raise InputError("--covariance applies to --channel grf only")
    if channel not in CHANNELS:
        raise InputError(f"unknown channel {channel!r}; choose one of {', '.join(CHANNELS)}, grf")
    return p, make_channel(channel, noise=noise)


def _check_out_dir(out) -> Path | None:
    if out is None:
        return None
    path = Path(out)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(f"--out {path} exists and is not an empty directory; choose a new directory")
    if not path.parent.is_dir():
        raise InputError(f"--out {path}: its parent directory does not exist")
    return path


def _validate(*, n, instances, amp, exact, exact_n, exact_instances, amp_points, prior, output):
    from spinscope._validation import check_memory
    from spinscope.glm.exact import MAX_N

    n = check_int(n, "N", minimum=2)
    instances = check_int(instances, "instances", minimum=1)
    amp_points = check_int(amp_points, "amp_points", minimum=1)
    exact_instances = check_int(exact_instances, "exact_instances", minimum=1)
    exact_n = tuple(check_int(v, "exact N", minimum=2) for v in np.atleast_1d(exact_n))
    if exact and any(v > MAX_N for v in exact_n):
        raise InputError(f"exact enumeration needs N <= {MAX_N} (2^N states); got {max(exact_n)}")
    if exact and not prior.binary:
        raise InputError(f"exact enumeration is over {{±1}}^N: use --prior rademacher, not {prior.name}")
    if amp and output.name == "grf":
        raise InputError("GAMP needs the GLM form y = phi(a.x/sqrt(N)); the grf model's fields are not "
                         "projections (use the theory and --exact for grf)")
    return n, instances, amp_points, exact_n, exact_instances, check_memory


def glm(*, prior: str = "rademacher", channel: str = "sign", covariance: str | None = None,
        noise: float | None = None, density: float = 0.5, alphas: Any = "0.05:3:60", n: int = 2000,
        instances: int = 10, amp: bool = False, amp_points: int = 8, iterations: int = 300,
        exact: bool = False, exact_n: Any = (12, 16), exact_instances: int = 8,
        out: str | os.PathLike | None = None, seed: Any = None, progress: Any = None) -> GLMResult:
    """Theory (state evolution), GAMP and exact posteriors of a teacher-student GLM or GRF model.

    Parameters
    ----------
    prior : {"rademacher", "gaussian", "sparse"}
    channel : {"sign", "linear", "relu", "abs", "grf"}
    covariance : str, optional
        ``f(q)`` of the ``grf`` channel, an expression in ``q`` (e.g. ``"q**3"``).
    noise : float, optional
        Output noise variance (default 0 for sign, 0.01 for linear/relu/abs, 0.1 for grf).
    density : float
        Non-zero fraction of the sparse prior.
    alphas : str or array
        Loads ``M / N``: ``"a1:a2:n"``, a comma list, or numbers (all > 0).
    n, instances : int
        GAMP size and instances per load.
    amp, amp_points, iterations : bool, int, int
        Run GAMP at the loads ``alphas`` if there are at most ``amp_points`` of them, else at
        ``amp_points`` loads spread evenly over their range (at most ``iterations`` each).
    exact, exact_n, exact_instances : bool, sizes, int
        Exact posteriors at each ``N`` of ``exact_n`` (<= 20), at the same loads as GAMP.
    out : path, optional
        A new (or empty) run directory.
    seed : int, optional
        Seed of every random choice (resolved and recorded).
    progress : bool or callable, optional

    Returns
    -------
    GLMResult
    """
    from spinscope._validation import spawn_seeds
    from spinscope.glm.state_evolution import StateEvolution
    from spinscope.workflows._progress import progress_bar

    a = parse_alphas(alphas) if isinstance(alphas, str) else _check_alphas(alphas)
    p, output = _model(prior, channel, covariance, noise, density)
    n, instances, amp_points, exact_n, exact_instances, check_memory = _validate(
        n=n, instances=instances, amp=amp, exact=exact, exact_n=exact_n, exact_instances=exact_instances,
        amp_points=amp_points, prior=p, output=output)
    iterations = check_int(iterations, "iterations", minimum=1)
    path = _check_out_dir(out)
    sample_alphas = a if a.size <= amp_points else np.linspace(a.min(), a.max(), amp_points)
    if amp:
        m = round(float(sample_alphas.max()) * n)
        check_memory(instances * m * n * 4.0 + 12 * instances * (m + n) * 8,
                     f"GAMP on {instances} instances of N = {n}, M = {m} (float32 matrices)",
                     advice="use fewer --instances or a smaller --N")
    seed = resolve_seed(seed)
    config = {"prior": p.to_dict(), "channel": output.to_dict(), "alphas": a.tolist(), "N": n,
              "instances": instances, "amp": bool(amp), "amp_alphas": sample_alphas.tolist(), "iterations": iterations,
              "exact": bool(exact), "exact_n": list(exact_n), "exact_instances": exact_instances, "seed": seed}
    t0 = time.perf_counter()
    se = StateEvolution(p, output)
    curve = se.curve(a)
    dense = se.curve(np.linspace(a.min(), a.max(), 200)) if 1 < a.size < 200 else None
    thresholds = _thresholds(se, p, output, float(a.max()))
    timings = {"theory_s": time.perf_counter() - t0}
    update = progress_bar(progress, "glm")
    total = (len(sample_alphas) if amp else 0) + (len(sample_alphas) * len(exact_n) if exact else 0)
    result = GLMResult(config, seed, thresholds, curve, timings=timings, theory_dense=dense)
    amp_seed, exact_seed = spawn_seeds(seed, 2)
    try:
        if amp:
            _run_amp(result, se, p, output, sample_alphas, n, instances, iterations, amp_seed, update, total)
        if exact:
            _run_exact(result, p, output, sample_alphas, exact_n, exact_instances, exact_seed, update, total)
    finally:
        update(None, None)
    if path is not None:
        from spinscope.workflows._glm_output import write_glm_run

        result.files = write_glm_run(path, result)
    return result


def _thresholds(se, prior, output, alpha_max: float) -> dict:
    th = se.thresholds(alpha_max=max(alpha_max, 1e-3))
    th = {k: (None if v is None else float(v)) for k, v in th.items()}
    if output.name == "grf" and prior.binary:
        th["all_or_nothing_load"] = output.all_or_nothing_load(prior.entropy(), prior.rho)
        th["strictly_nonlinear"] = output.covariance.strictly_nonlinear
    return th


def _run_amp(result, se, prior, channel, alphas, n, instances, iterations, seed, update, total):
    from spinscope._validation import spawn_seeds
    from spinscope.glm.amp import amp_instances

    t0 = time.perf_counter()
    seeds = spawn_seeds(seed, len(alphas) + 1)
    for k, (alpha, ss) in enumerate(zip(alphas, seeds)):
        res = amp_instances(prior, channel, float(alpha), n, instances, ss, iterations=iterations)
        final = res.overlaps[:, -1]
        q25, q50, q75 = np.percentile(final, [25, 50, 75])
        result.amp.append({"alpha": float(alpha), "overlap_median": float(q50), "overlap_q25": float(q25),
                           "overlap_q75": float(q75), "mse_median": float(np.median(res.mse)),
                           "iterations_median": float(np.median(res.iterations)),
                           "converged": float(np.mean(res.converged)),
                           "se_overlap": se.reached(se.fixed_points(float(alpha))).q})
        update(k + 1, total)
    mid = float(alphas[len(alphas) // 2])
    res = amp_instances(prior, channel, mid, n, instances, seeds[-1], iterations=min(iterations, 40), tol=0.0)
    steps = res.overlaps.shape[1] - 1
    result.trace = {"alpha": mid, "amp_median": np.median(res.overlaps, axis=0).tolist(),
                    "amp_q25": np.percentile(res.overlaps, 25, axis=0).tolist(),
                    "amp_q75": np.percentile(res.overlaps, 75, axis=0).tolist(),
                    "state_evolution": se.trajectory(mid, steps).tolist()}
    result.timings["amp_s"] = time.perf_counter() - t0


def _run_exact(result, prior, output, alphas, exact_n, exact_instances, seed, update, total):
    from spinscope._validation import spawn_seeds
    from spinscope.glm.exact import exact_glm, exact_grf

    t0 = time.perf_counter()
    done = len(result.amp) and len(alphas)
    seeds = spawn_seeds(seed, len(alphas) * len(exact_n))
    for j, size in enumerate(exact_n):
        for k, alpha in enumerate(alphas):
            fn = exact_grf if output.name == "grf" else exact_glm
            ex = fn(output, float(alpha), size, exact_instances, seeds[j * len(alphas) + k])
            row = {"N": size, "alpha": float(alpha)}
            for key in ("overlap", "mse", "entropy"):
                v = getattr(ex, key)
                row[key] = float(v.mean())
                row[key + "_sem"] = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else None
            result.exact.append(row)
            done += 1
            update(done, total)
    result.timings["exact_s"] = time.perf_counter() - t0
