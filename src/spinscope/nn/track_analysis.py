"""The science of ``spinscope track`` per checkpoint and per network (the driver is
:func:`spinscope.workflows.tracking`).

* :func:`analyze_checkpoint`: one checkpoint file → its spin-model analysis
  (:func:`spinscope.nn.analyze_network` on the weight matrices, no fields), as a JSON-ready dict;
* :func:`bond_eigenvalues`: the spectrum of the layered bond matrix J of a list of weights;
* :func:`metrics_row`: one row of ``metrics.csv`` from the training metrics and the analysis;
* :func:`summarize_network`: the power-law fit of T_c(t) over the hidden-order checkpoints
  (:func:`spinscope.nn.track_fit.fit_power_law`) and the summary of one network.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from spinscope._jsonutil import to_jsonable
from spinscope.nn.track_fit import PowerLawFit, fit_power_law
from spinscope.nn.training import load_checkpoint_weights

__all__ = ["analyze_checkpoint", "bond_eigenvalues", "metrics_row", "summarize_network"]


def analyze_checkpoint(path: str | os.PathLike, *, seed: int, n_betas: int = 200, tap_starts: int = 64,
                       eigenvalues: bool = False, tap_count: Sequence[float] = (),
                       tap_count_tc: float | None = None) -> dict:
    """Analyse one checkpoint file: :func:`spinscope.nn.analyze_network` on its weight matrices
    (no fields: biases are not used).

    Parameters
    ----------
    path : path-like
        A checkpoint written by :func:`spinscope.nn.training.train`.
    seed : int
        Seed of the TAP starts.
    n_betas, tap_starts : int
        Temperatures of the λ_min curve; TAP random starts.
    eigenvalues : bool
        Also return ``"eigenvalues"``, the sorted spectrum of the bond matrix J (for the
        before/after figure), unless the spectrum summary already holds it.
    tap_count : sequence of float
        Fractions ``f``: count the physical TAP solutions at ``T = f * tap_count_tc`` (``tap_starts``
        starts each).
    tap_count_tc : float, optional
        Reference ``T_c`` of the counting temperatures (default: this checkpoint's own).

    Returns
    -------
    dict
        The analysis as a JSON-ready dict (:meth:`NetworkAnalysis.to_dict`).
    """
    from spinscope.nn.analysis import analyze_network

    weights = load_checkpoint_weights(path)
    res = analyze_network(weights, n_betas=n_betas, tap_starts=tap_starts, seed=seed, tap_count=tap_count,
                          tap_count_tc=tap_count_tc, tap_count_starts=tap_starts)
    out = to_jsonable(res.to_dict())
    if eigenvalues and "eigenvalues" not in (out.get("spectrum") or {}):
        out["eigenvalues"] = bond_eigenvalues(weights)
    return out


def bond_eigenvalues(weights: Sequence[np.ndarray]) -> list[float]:
    """Sorted eigenvalues of the symmetric bond matrix J of a layered network.

    Parameters
    ----------
    weights : sequence of (N_k, N_{k+1}) arrays
        The weight matrices in layer order.

    Returns
    -------
    list of float
        ``eigvalsh(J)``, ascending, with ``J`` the block matrix coupling consecutive layers.
    """
    sizes = [weights[0].shape[0]] + [w.shape[1] for w in weights]
    offs = np.concatenate([[0], np.cumsum(sizes)])
    j = np.zeros((offs[-1], offs[-1]))
    for k, w in enumerate(weights):
        j[offs[k]:offs[k + 1], offs[k + 1]:offs[k + 2]] = w
    j = j + j.T
    return np.linalg.eigvalsh(j).tolist()


def metrics_row(net: str, metrics: Mapping, a: Mapping) -> dict:
    """One row of ``metrics.csv``: the training metrics of a checkpoint and its analysis.

    Parameters
    ----------
    net : str
        The network's name (its activation).
    metrics : mapping
        A row of :func:`spinscope.nn.training.train`.
    a : mapping
        The checkpoint's analysis (:func:`analyze_checkpoint`).

    Returns
    -------
    dict
    """
    spec = a.get("spectrum") or {}
    tap = a.get("tap") or {}
    return {
        "network": net, "step": metrics["step"], "epoch": metrics["epoch"],
        "train_loss": metrics["train_loss"], "train_error": metrics["train_error"],
        "val_loss": metrics["val_loss"], "val_error": metrics["val_error"],
        "tc": a.get("tc"), "lambda_min_at_tc": a.get("lambda_min_at_tc"), "crossing": a.get("crossing"),
        "replica_tc": a.get("replica_tc"),
        "n_outliers": spec.get("n_outliers"), "bulk_edge": spec.get("bulk_edge"),
        "largest_eigenvalue": spec.get("largest_eigenvalue", spec.get("lambda_max")),
        "tail_exponent": spec.get("tail_exponent"),
        "n_tap_solutions": tap.get("n_solutions"), "tap_beta": tap.get("beta"),
        "tap_max_overlap": tap.get("max_overlap"), "tap_max_eigvec_overlap": tap.get("max_eigvec_overlap"),
        **_count_columns(a.get("tap_count") or []),
        "checkpoint": metrics["checkpoint"],
    }


def _count_columns(counts: Sequence[Mapping]) -> dict:
    """``metrics.csv`` columns of the TAP counts, suffixed by the fraction of ``T_c(0)`` (``_0.5Tc0``)."""
    out = {}
    for c in counts:
        sfx = f"_{c['fraction']:g}Tc0"
        out.update({f"tap_count_T{sfx}": c["temperature"], f"n_tap_physical{sfx}": c["n_solutions"],
                    f"tap_estimated_total{sfx}": c["estimated_total"],
                    f"tap_free_energy_spread{sfx}": c["free_energy_spread"],
                    f"tap_task_overlap{sfx}": c["direction_overlap"]})
    return out


def summarize_network(rows: Sequence[Mapping], *, theory_tc0: float, seed: int,
                      diverged_at: int | None = None) -> tuple[PowerLawFit, dict]:
    """Fit T_c(t) over the hidden-order checkpoints of one network and summarise the network.

    Parameters
    ----------
    rows : sequence of dict
        The network's :func:`metrics_row` rows in step order.
    theory_tc0 : float
        Replica T_c of the initial weight law.
    seed : int
        Seed of the fit's bootstrap.
    diverged_at : int, optional
        The step at which training diverged (the rows stop before it); the verdict says so.

    Returns
    -------
    (PowerLawFit, dict)
        The fit, and the summary: final validation accuracy and error, T_c(0), the replica T_c(0)
        and the relative deviation, T_c(final), max T_c, the first hidden-order step, the exponent
        and its 95% interval, whether a power law fits and the verdict, and ``tap_count``: the
        physical TAP solutions found at step 0 and at the end at each counting temperature.
    """
    steps = np.array([x["step"] for x in rows], dtype=float)
    tc = np.array([np.nan if x["tc"] is None else x["tc"] for x in rows], dtype=float)
    hidden = np.array([x["crossing"] == "cross" for x in rows])
    f = fit_power_law(steps, tc, use=hidden, seed=seed)
    if f.exponent is None and diverged_at is not None:
        f.verdict = (f"no fit: training diverged at step {diverged_at}, with {int(hidden.sum())} checkpoint(s) "
                     "in the hidden-order regime before it (a power-law fit needs 4) — lower the learning rate")
    elif f.exponent is None:
        f.verdict = (f"only {int(hidden.sum())} checkpoint(s) in the hidden-order regime "
                     "(λ_min crossing zero); a power-law fit needs 4 — train longer")
    elif diverged_at is not None:
        f.verdict += f" (training diverged at step {diverged_at}; the fit uses the checkpoints before it)"
    first, last = rows[0], rows[-1]
    summary = {"final_accuracy": 1.0 - last["val_error"], "final_val_error": last["val_error"],
               "tc0": first["tc"], "replica_tc0": theory_tc0,
               "tc0_rel_deviation": (first["tc"] / theory_tc0 - 1) if first["tc"] is not None else None,
               "tc_final": last["tc"],
               "tc_max": float(np.nanmax(tc)) if np.isfinite(tc).any() else None,
               "first_hidden_order_step": int(steps[hidden][0]) if hidden.any() else None,
               "exponent": f.exponent, "exponent_ci": list(f.exponent_ci) if f.exponent_ci else None,
               "power_law_fits": f.fits, "fit_verdict": f.verdict, "tap_count": _count_summary(first, last)}
    return f, summary


def _count_summary(first: Mapping, last: Mapping) -> dict:
    """Physical TAP solutions at step 0 and at the last checkpoint, per counting temperature
    (``{"0.5Tc0": {...}}``; empty without counting)."""
    out = {}
    for key in first:
        if key.startswith("n_tap_physical_"):
            sfx = key[len("n_tap_physical"):]
            out[sfx[1:]] = {"temperature": first[f"tap_count_T{sfx}"], "step0": first[key], "final": last.get(key),
                            "estimated_step0": first[f"tap_estimated_total{sfx}"],
                            "estimated_final": last.get(f"tap_estimated_total{sfx}"),
                            "task_overlap_step0": first[f"tap_task_overlap{sfx}"],
                            "task_overlap_final": last.get(f"tap_task_overlap{sfx}")}
    return out
