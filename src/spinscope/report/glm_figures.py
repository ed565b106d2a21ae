"""Figures of ``spinscope glm``: overlap, MSE and entropy versus the load, and a GAMP trace.

Both take the ``to_dict()`` of a :class:`~spinscope.workflows.glm_study.GLMResult` (plain data) and
return matplotlib ``Figure`` objects (no pyplot).
"""

from __future__ import annotations

import numpy as np

from spinscope.report._figures import new_figure

__all__ = ["glm_captions", "glm_figure", "trace_figure"]


def _nan(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _theory(ax, th, key, key_amp):
    a = np.array(th["alpha"])
    ax.plot(a, _nan(th[key]), "k-", lw=1.6, label="replica (Bayes-optimal)")
    if key_amp is not None and not np.allclose(_nan(th[key]), _nan(th[key_amp]), equal_nan=True):
        ax.plot(a, _nan(th[key_amp]), "k--", lw=1.0, label="state evolution from q = 0 (GAMP)")


def _thresholds(ax, thresholds):
    for key, style, label in (("alpha_it", ":", "α_IT"), ("alpha_alg", "-.", "α_alg"),
                              ("all_or_nothing_load", (0, (1, 3)), "α_c (capacity)")):
        v = thresholds.get(key)
        if v is not None:
            ax.axvline(v, color="tab:gray", ls=style, lw=0.9, label=f"{label} = {v:.4g}")


def glm_figure(result: dict):
    """Three panels: overlap, MSE and conditional entropy (or mutual information) against alpha."""
    fig = new_figure((13, 4))
    axes = fig.subplots(1, 3)
    th, amp, exact = result.get("theory_dense") or result["theory"], result["amp"], result["exact"]
    _theory(axes[0], th, "q", "q_amp")
    _theory(axes[1], th, "mse", "mse_amp")
    discrete = any(v is not None for v in th["conditional_entropy"])
    _theory(axes[2], th, "conditional_entropy" if discrete else "mutual_information", None)
    if amp:
        a = np.array([r["alpha"] for r in amp])
        med = np.array([r["overlap_median"] for r in amp])
        err = [med - [r["overlap_q25"] for r in amp], np.array([r["overlap_q75"] for r in amp]) - med]
        n, inst = result["config"]["N"], result["config"]["instances"]
        axes[0].errorbar(a, med, yerr=err, fmt="o", color="tab:blue", ms=4, capsize=2,
                         label=f"GAMP N = {n} (median, quartiles of {inst})")
        axes[1].plot(a, [r["mse_median"] for r in amp], "o", color="tab:blue", ms=4, label=f"GAMP N = {n}")
    sizes = sorted({r["N"] for r in exact})
    colors = ["tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]
    for size, color in zip(sizes, colors * 4):
        rows = [r for r in exact if r["N"] == size]
        a = [r["alpha"] for r in rows]
        for ax, key in ((axes[0], "overlap"), (axes[1], "mse"), (axes[2], "entropy")):
            ax.errorbar(a, [r[key] for r in rows], yerr=[r[key + "_sem"] or 0 for r in rows], fmt="s",
                        color=color, ms=3.5, capsize=2, label=f"exact posterior N = {size}")
    for ax, ylab in zip(axes, ("overlap q", "MSE", "H(X|Y)/N [nats]" if discrete else "I(X;Y)/N [nats]")):
        _thresholds(ax, result["thresholds"])
        ax.set_xlabel("load α = M/N")
        ax.set_ylabel(ylab)
    axes[0].legend(fontsize=7, loc="best")
    prior, channel = result["config"]["prior"]["name"], result["config"]["channel"]["name"]
    fig.suptitle(f"prior {prior}, channel {channel}")
    return fig


def trace_figure(trace: dict):
    """GAMP's median overlap per iteration (quartile band) against state evolution."""
    fig = new_figure((5.5, 4))
    ax = fig.subplots()
    t = np.arange(len(trace["amp_median"]))
    ax.fill_between(t, trace["amp_q25"], trace["amp_q75"], color="tab:blue", alpha=0.25, lw=0)
    ax.plot(t, trace["amp_median"], "o", color="tab:blue", ms=4, label="GAMP (median, quartiles)")
    ax.plot(np.arange(len(trace["state_evolution"])), trace["state_evolution"], "k-", label="state evolution")
    ax.set_xlabel("iteration t")
    ax.set_ylabel("overlap q_t")
    ax.set_title(f"α = {trace['alpha']:.3g}")
    ax.legend(fontsize=8)
    return fig


def glm_captions(result: dict) -> dict:
    cfg = result["config"]
    return {
        "glm": "Overlap, MSE and conditional entropy per variable against the load α = M/N. Solid: the "
               "replica-symmetric (Bayes-optimal) prediction, the global maximiser of the free entropy; dashed: "
               "the fixed point state evolution reaches from the uninformed start (what GAMP achieves). Points: "
               f"GAMP at N = {cfg['N']} and exact posteriors by enumeration (mean ± s.e.m. over "
               f"{cfg['exact_instances']} instances; overlap E|x·x*|/N, which is ≈ √(2/πN) even without "
               "information). Vertical lines: thresholds.",
        "trace": "GAMP's overlap after each iteration (median and quartiles over the instances) against the "
                 "state-evolution recursion q_{t+1} = overlap_P0(α G(q_t)) started from q_0 = 0.",
    }
