"""The run behind ``spinscope sd compare``: learned against exact LLG dynamics after a quench.

For each of ``realisations`` disorder realisations (``n`` sites, the model's s-d parameters; child
seed ``r``) both dynamics start from the same random spins. Recorded every ``every`` steps: the exact
``Ω/N`` (the learned trajectory is evaluated with the exact Hamiltonian at its frames, so both curves
measure the same quantity) and ``C(t) = ⟨S_i(t)·S_i(0)⟩``; on the exact trajectory's frames the
learned tangent fields are compared with the exact ones (R², RMSE). Agreement criterion: at every
recorded time, ``|mean_learned − mean_exact| <= spread``, the standard deviation of the exact curves
over realisations (``ddof = 1``), for ``Ω/N`` (whose spread is mostly the disorder's), for the
energy change ``Ω(t)/N − Ω(0)/N`` (the stricter test of the relaxation) and for ``C(t)``. One checkpoint file per realisation; ``resume`` computes the rest.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope._validation import check_int, resolve_seed, spawn_seeds
from spinscope.workflows._progress import progress_bar
from spinscope.workflows._sd_common import (
    autocorrelation,
    check_dynamics,
    check_size,
    load_checked_model,
    make_system,
    one_thread,
    random_spins,
)
from spinscope.workflows.sd_dynamics import exact_field_fn, learned_field_fn

__all__ = ["SDCompareResult", "sd_compare"]


@dataclass
class SDCompareResult:
    """Outcome of :func:`sd_compare`."""

    out: str
    summary: dict
    parity: dict
    realisations: list[dict]
    config: dict
    seed: int
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` output."""
        return {"out": self.out, "seed": self.seed, "summary": self.summary, "parity": self.parity,
                "realisations": self.realisations, "config": self.config, "files": self.files}


def _one_realisation(cfg, model, params, seed, device, update, offset):
    from spinscope.spindynamics.bp_model import tangent
    from spinscope.spindynamics.llg import integrate

    sys_seed, spin_seed = seed.spawn(2)
    system = make_system(cfg["n"], params, sys_seed)
    s0 = random_spins(cfg["n"], np.random.default_rng(spin_seed))
    kw = {"dt": cfg["dt"], "alpha": cfg["alpha"], "every": cfg["every"]}
    t0 = time.perf_counter()
    ex = integrate(s0, exact_field_fn(system, device), cfg["steps"], **kw,
                   progress=lambda k: update(offset + k))
    t_exact = time.perf_counter() - t0
    learned_fn = learned_field_fn(model, system, device)
    t0 = time.perf_counter()
    le = integrate(s0, learned_fn, cfg["steps"], **kw, progress=lambda k: update(offset + cfg["steps"] + k))
    t_learned = time.perf_counter() - t0
    omega_learned = np.array([system.grand_potential(s) for s in le["spins"]])
    frames = ex["spins"][1:]
    exact_h = np.array([tangent(system.fields(s)[0], s) for s in frames])
    pred_h = np.array([learned_fn(s)[0] for s in frames])
    return {"times": ex["times"], "energy_exact": ex["energies"] / cfg["n"], "energy_learned": omega_learned / cfg["n"],
            "energy_learned_model": le["energies"] / cfg["n"], "c_exact": autocorrelation(ex["spins"]),
            "c_learned": autocorrelation(le["spins"]), "pred": pred_h, "exact": exact_h,
            "seconds": np.array([t_exact, t_learned])}


def _agreement(times, exact: np.ndarray, learned: np.ndarray) -> dict:
    spread = exact.std(0, ddof=1) if exact.shape[0] > 1 else np.zeros(exact.shape[1])
    diff = np.abs(learned.mean(0) - exact.mean(0))
    ok = diff <= spread + 1e-12
    ratio = np.where(spread > 0, diff / np.where(spread > 0, spread, 1), np.inf)
    return {"agrees_at_all_times": bool(ok.all()), "fraction_of_times_within_spread": float(ok.mean()),
            "max_diff_over_spread": float(np.max(ratio[1:])) if len(ratio) > 1 else 0.0,
            "max_abs_diff": float(diff.max()), "median_spread": float(np.median(spread[1:]))}


@one_thread
def sd_compare(model: str | os.PathLike, out: str | os.PathLike | None = None, *, n: int = 400,
               realisations: int = 5, steps: int = 200, dt: float = 0.05, alpha: float = 0.5, every: int = 10,
               seed: Any = None, device: str = "cpu", resume: str | os.PathLike | None = None,
               progress: Any = False) -> SDCompareResult:
    """Exact against learned quench dynamics over disorder realisations (see the module docstring).

    Parameters
    ----------
    model : path
        Model file of ``sd train`` (its s-d parameters define the systems).
    out : path, optional
        New run directory (``compare.csv``, ``compare.json``, figures, ``report.html``).
    n, realisations, steps, every : int
        Sites (at least 4x the training size to test transfer), realisations (>= 2 for a spread),
        LLG steps, frame interval.
    dt, alpha : float
    seed : int, optional
    device : str
    resume : path, optional
    progress : bool or callable

    Returns
    -------
    SDCompareResult
    """
    from spinscope.io import RunDirectory

    if resume is not None:
        rd = RunDirectory.resume(resume, command="sd-compare")
        cfg = rd.config
    else:
        dt, alpha, _, steps, every = check_dynamics(dt, alpha, 0.0, steps, every)
        cfg = {"model": str(model), "n": n, "realisations": check_int(realisations, "realisations", minimum=2),
               "steps": steps, "dt": dt, "alpha": alpha, "every": every, "seed": resolve_seed(seed)}
    bp, meta, params = load_checked_model(cfg["model"], None, check_int(cfg["n"], "n", minimum=2))
    check_size(cfg["n"], params)
    bp.to(device)
    if resume is None:
        cfg.update(physics=params.to_dict(), trained_n=meta.get("trained_n"))
        rd = RunDirectory.create(out, command="sd-compare", config=cfg)
    runs = _realisations(rd, cfg, bp, params, device, progress)
    return _summarise(rd, cfg, runs)


def _realisations(rd, cfg, bp, params, device, progress) -> list[dict]:
    total = cfg["realisations"] * 2 * cfg["steps"]
    update = progress_bar(progress, "sd compare: exact and learned quenches")
    runs = []
    try:
        for r, child in enumerate(spawn_seeds(cfg["seed"], cfg["realisations"])):
            name = f"realisation_{r:03d}.safetensors"
            if not rd.exists(name):
                arrays = _one_realisation(cfg, bp, params, child, device,
                                          lambda d: update(d, total), r * 2 * cfg["steps"])
                rd.save_arrays(name, arrays, {"realisation": r})
            runs.append(rd.load_arrays(name)[0])
    finally:
        update(None, None)
    return runs


def _summarise(rd, cfg, runs) -> SDCompareResult:
    from spinscope.spindynamics.training import r2_rmse
    from spinscope.workflows._sd_output import write_compare_outputs

    times = runs[0]["times"]
    stack = {k: np.array([r[k] for r in runs]) for k in ("energy_exact", "energy_learned", "c_exact", "c_learned")}
    pred = np.concatenate([r["pred"] for r in runs])
    exact = np.concatenate([r["exact"] for r in runs])
    parity = {**r2_rmse(pred, exact), "configurations": len(pred),
              "which": f"frames of the exact-field trajectories, N = {cfg['n']}"}
    secs = np.array([r["seconds"] for r in runs])
    drop = {k: stack[k] - stack[k][:, :1] for k in ("energy_exact", "energy_learned")}
    summary = {"energy": _agreement(times, stack["energy_exact"], stack["energy_learned"]),
               "energy_change": _agreement(times, drop["energy_exact"], drop["energy_learned"]),
               "autocorrelation": _agreement(times, stack["c_exact"], stack["c_learned"]),
               "seconds_exact_total": float(secs[:, 0].sum()), "seconds_learned_total": float(secs[:, 1].sum()),
               "speedup_per_trajectory": float(secs[:, 0].sum() / secs[:, 1].sum())}
    per = [{"realisation": k, "energy_final_exact": float(r["energy_exact"][-1]),
            "energy_final_learned": float(r["energy_learned"][-1]), "c_final_exact": float(r["c_exact"][-1]),
            "c_final_learned": float(r["c_learned"][-1]), **r2_rmse(r["pred"], r["exact"])}
           for k, r in enumerate(runs)]
    result = SDCompareResult(out=str(rd.path), summary=summary, parity=parity, realisations=per, config=cfg,
                             seed=cfg["seed"])
    curves = {"exact": {"energy": stack["energy_exact"], "autocorrelation": stack["c_exact"]},
              "learned": {"energy": stack["energy_learned"], "autocorrelation": stack["c_learned"]}}
    sub = np.linspace(0, len(pred) - 1, min(len(pred), 400)).astype(int)
    result.files = write_compare_outputs(rd, result, times, curves, pred[sub], exact[sub])
    return result
