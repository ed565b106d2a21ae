"""Figures of a ``spinscope track`` run (after Barney, Winer & Galitski 2024).

Each function draws one :class:`matplotlib.figure.Figure` (object-oriented matplotlib: no
``pyplot``, no backend selection) and returns it as PNG bytes;
:func:`track_figures` returns all of them by name. Training time is the number of optimiser
steps, on a symmetric-log axis (linear below one step) so that step 0 is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from spinscope.report._figures import new_figure, png_bytes

__all__ = ["CAPTIONS", "track_captions", "track_figures"]

CAPTIONS = {
    "phase_diagram": "Temperature–training-time phase diagram (cf. Fig. 1 of the paper). Above the "
                     "line T_c(t) the TAP paramagnet m = 0 is stable. Below it the paramagnet is "
                     "unstable: shaded as a spin glass where λ_min(I − M) only touches zero (random-like "
                     "bond matrix) and as hidden order where it crosses zero (outliers created by training); "
                     "between the last touching and the first crossing checkpoint the shading changes "
                     "half-way.",
    "val_error": "Validation error against training time (cf. Fig. 4).",
    "lambda_min": "Least eigenvalue of the paramagnetic TAP stability matrix I − M against β, at "
                  "step 0 and at the last checkpoint (cf. Fig. 5); every network starts from the same "
                  "initial weights, so their step-0 curves coincide and are drawn once. The circles mark "
                  "β_c = 1/T_c. The curve crosses zero when its minimum is below −4 n^(−2/3), the "
                  "finite-size scale ({window}): T_c is then its first zero (filled circle; hidden order). "
                  "Otherwise the curve only touches zero and T_c is the position of its minimum (open "
                  "circle; spin glass): on a finite random network that minimum stays a little above zero, "
                  "by O(n^(−2/3)), instead of reaching it (see the step-0 curve).",
    "tc_loglog": "T_c(t) against training time on log–log axes (open symbols: spin-glass regime, "
                 "λ_min touches zero; filled: hidden order, λ_min crosses zero) with the power law "
                 "T_c = A t^α fitted to the hidden-order points (top), and the residuals of log T_c "
                 "about the fit (bottom).",
    "spectrum": "Eigenvalue density of the bond (coupling) matrix J before (step 0, the same initial "
                "weights for every network) and after training.",
    "tap_landscape": "The TAP landscape through training, at fixed temperatures T = f T_c(0) (fractions of "
                     "the untrained network's T_c; dotted lines in the top panel). Top: T_c(t). Middle: distinct "
                     "physical TAP solutions (residual < 1e-10, local minima, Plefka-valid) found from the start "
                     "budget (filled) and the Chao1 estimate of their number from the basin sizes (open); 0 "
                     "means that every start ended at a rejected point (below T_c(0) the paramagnet violates the "
                     "Plefka condition). Bottom: |cos| between the lowest solution and the top eigenvector of J.",
}


def track_captions(config: Mapping | None = None) -> dict[str, str]:
    """The figure captions of a run: :data:`CAPTIONS` with the run's touch window filled in.

    Parameters
    ----------
    config : mapping, optional
        The run's configuration; its ``architecture`` gives the number of spins ``n``.

    Returns
    -------
    dict of str to str
    """
    arch = (config or {}).get("architecture")
    window = "n the number of spins"
    if arch:
        n = int(sum(arch))
        window = f"4 n^(−2/3) = {4 * n ** (-2 / 3):.3g} for the n = {n} spins of {'-'.join(map(str, arch))}"
    return {k: v.replace("{window}", window) for k, v in CAPTIONS.items()}


def _png(fig) -> bytes:
    return png_bytes(fig, dpi=110)


def _colors():
    from matplotlib import rcParams

    return iter(rcParams["axes.prop_cycle"].by_key()["color"])


def _series(rows: Sequence[Mapping], net: str, key: str) -> np.ndarray:
    return np.array([np.nan if r[key] is None else r[key] for r in rows if r["network"] == net], dtype=float)


def _nets(rows: Sequence[Mapping]) -> list[str]:
    return list(dict.fromkeys(r["network"] for r in rows))


_REGIME = {False: ("tab:purple", 0.3, "spin glass (touch)"), True: ("tab:orange", 0.4, "hidden order (cross)")}


def _shade_regimes(ax, t: np.ndarray, tc: np.ndarray, hidden: np.ndarray) -> None:
    """Shade under the T_c(t) polyline by regime: one polygon per run of checkpoints of one regime.

    The shading follows the polyline (no steps, no gaps); between a touching and a crossing
    checkpoint it changes colour half-way (on the symlog axis, where the polyline is straight).
    """
    y = np.nan_to_num(tc)
    xs, ys, hs = [t[0]], [y[0]], [bool(hidden[0])]
    for i in range(1, len(t)):
        if hidden[i] != hidden[i - 1]:
            xm = np.sqrt(t[i - 1] * t[i]) if t[i - 1] >= 1 else 0.5 * (t[i - 1] + t[i])
            xs.append(xm)
            ys.append(0.5 * (y[i - 1] + y[i]))
            hs.append(bool(hidden[i]))  # the split point opens the next run
        xs.append(t[i])
        ys.append(y[i])
        hs.append(bool(hidden[i]))
    start = 0
    for j in range(1, len(xs) + 1):
        if j == len(xs) or hs[j] != hs[start]:
            color, alpha, _ = _REGIME[hs[start]]
            end = min(j + 1, len(xs))  # include the split point that closes this run
            ax.fill_between(xs[start:end], 0, ys[start:end], color=color, alpha=alpha, lw=0)
            start = j


def phase_diagram(rows: Sequence[Mapping], theory_tc0: float | None) -> bytes:
    """The temperature–training-time phase diagram, one panel per network (PNG bytes).

    The legend sits below the panels, where it hides nothing.

    Parameters
    ----------
    rows : list of dict
        The metrics table (``network``, ``step``, ``tc``, ``crossing``).
    theory_tc0 : float or None
        Replica T_c of the initial weight law (a dashed line), if known.
    """
    from matplotlib.patches import Patch

    nets = _nets(rows)
    fig = new_figure((5.2 * len(nets), 4.3))
    axes = fig.subplots(1, len(nets), squeeze=False, sharey=True)
    ymax = np.nanmax([np.nanmax(_series(rows, n, "tc")) for n in nets] + [theory_tc0 or 0]) * 1.25
    for ax, net in zip(axes[0], nets):
        t = _series(rows, net, "step")
        tc = _series(rows, net, "tc")
        hidden = np.array(["cross" in str(r["crossing"] or "") for r in rows if r["network"] == net])
        _shade_regimes(ax, t, tc, hidden)
        ax.plot(t, tc, "k.-", lw=1)
        if theory_tc0:
            ax.axhline(theory_tc0, color="tab:blue", ls="--", lw=1)
        ax.text(0.97, 0.93, "paramagnet", transform=ax.transAxes, ha="right", va="top")
        ax.set_xscale("symlog", linthresh=1)
        ax.set_xlim(left=0)
        ax.set_ylim(0, ymax if np.isfinite(ymax) and ymax > 0 else 1)
        ax.set_xlabel("training step t")
        ax.set_title(f"{net} network")
    axes[0][0].set_ylabel("temperature T")
    handles = [Patch(color=c, alpha=a, label=lab) for c, a, lab in _REGIME.values()]
    handles.append(axes[0][0].lines[0])
    axes[0][0].lines[0].set_label("T_c(t) (TAP stability)")
    if theory_tc0:
        axes[0][0].lines[1].set_label("replica T_c(0)")
        handles.append(axes[0][0].lines[1])
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return _png(fig)


def val_error(rows: Sequence[Mapping]) -> bytes:
    """Validation error against training step, one line per network (PNG bytes).

    Parameters
    ----------
    rows : list of dict
        The metrics table (``network``, ``step``, ``val_error``).
    """
    fig = new_figure((5.5, 3.6))
    ax = fig.subplots()
    for net in _nets(rows):
        ax.plot(_series(rows, net, "step"), _series(rows, net, "val_error"), "o-", ms=3, label=net)
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(left=0)
    ax.set_xlabel("training step t")
    ax.set_ylabel("validation error")
    ax.legend()
    return _png(fig)


def _same_curves(curves: Sequence[Mapping]) -> bool:
    """Whether the analyses hold the same λ_min curve (step 0 of networks with the same weights)."""
    first = curves[0]
    return all(np.array_equal(np.asarray(c.get("betas")), np.asarray(first.get("betas"))) and
               np.array_equal(np.asarray(c.get("lambda_min")), np.asarray(first.get("lambda_min")))
               for c in curves[1:])


def _curve(ax, a: Mapping, style: str, color: str, label: str) -> None:
    """One λ_min(β) curve with a circle at β_c (filled: crossing, open: touching)."""
    if a.get("betas") is None or a.get("lambda_min") is None:
        return
    ax.plot(a["betas"], a["lambda_min"], style, color=color, label=label)
    if a.get("tc"):
        lam = a.get("lambda_min_at_tc")
        lam = float(np.interp(1.0 / a["tc"], a["betas"], a["lambda_min"])) if lam is None else lam
        cross = a.get("crossing") == "cross"
        ax.plot([1.0 / a["tc"]], [lam], "o", ms=6, color=color, mfc=color if cross else "white", zorder=3)


def lambda_min(analyses: Mapping[str, Mapping[int, Mapping]]) -> bytes:
    """λ_min(I − M) against β at the first and the last checkpoint of each network (PNG bytes).

    Networks that start from the same weights have the same step-0 curve: it is drawn once,
    labelled as shared, instead of hiding one under the other. Circles mark β_c.

    Parameters
    ----------
    analyses : ``{network: {step: analysis dict}}``
        Per-checkpoint analyses with ``betas``, ``lambda_min``, ``tc`` and (optionally)
        ``crossing`` and ``lambda_min_at_tc``.
    """
    fig = new_figure((5.8, 4.0))
    ax = fig.subplots()
    colors = _colors()
    nets = [n for n in analyses if analyses[n]]
    firsts = [analyses[n][min(analyses[n])] for n in nets]
    shared = len(nets) > 1 and _same_curves(firsts)
    if shared:
        s0 = min(analyses[nets[0]])
        _curve(ax, firsts[0], ":", "0.3", f"step {s0}, every network (same initial weights)")
    for net in nets:
        per = analyses[net]
        steps = sorted(per)
        c = next(colors)
        if not shared:
            _curve(ax, per[steps[0]], ":", c, f"{net}, step {steps[0]}")
        if steps[-1] != steps[0]:
            _curve(ax, per[steps[-1]], "-", c, f"{net}, step {steps[-1]}")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel("β = 1/T")
    ax.set_ylabel("λ_min(I − M)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    return _png(fig)


def tc_loglog(rows: Sequence[Mapping], fits: Mapping[str, object]) -> bytes:
    """T_c(t) on log–log axes with the power-law fits, and their residuals (PNG bytes).

    Parameters
    ----------
    rows : list of dict
        The metrics table (``network``, ``step``, ``tc``).
    fits : ``{network: PowerLawFit}``
        Read by attribute: ``steps``, ``values``, ``exponent``, ``exponent_ci``, ``amplitude``,
        ``residuals``, ``fits``.
    """
    fig = new_figure((5.5, 5.2))
    ax, axr = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    colors = _colors()
    for net, f in fits.items():
        c = next(colors)
        t, tc = _series(rows, net, "step"), _series(rows, net, "tc")
        pos = t > 0
        ax.loglog(t[pos], tc[pos], "o", mfc="none", color=c, ms=4, label=f"{net}")
        if f.steps:
            ax.loglog(f.steps, f.values, "o", color=c, ms=4)
        if f.exponent is not None:
            tt = np.geomspace(min(f.steps), max(f.steps), 50)
            lo, hi = f.exponent_ci
            ax.loglog(tt, f.amplitude * tt**f.exponent, "-", color=c,
                      label=f"fit α = {f.exponent:.2f} [{lo:.2f}, {hi:.2f}]" + ("" if f.fits else " (poor fit)"))
            axr.semilogx(f.steps, f.residuals, "o-", color=c, ms=3)
    axr.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("T_c(t)")
    axr.set_ylabel("residual of log T_c")
    axr.set_xlabel("training step t")
    ax.legend(fontsize=8)
    return _png(fig)


def spectrum(analyses: Mapping[str, Mapping[int, Mapping]]) -> bytes:
    """Eigenvalue density of the bond matrix J at the first and last checkpoint (PNG bytes).

    Parameters
    ----------
    analyses : ``{network: {step: analysis dict}}``
        Per-checkpoint analyses with ``eigenvalues`` (or ``spectrum["eigenvalues"]``).
    """
    nets = list(analyses)
    fig = new_figure((5.2 * len(nets), 3.6))
    axes = fig.subplots(1, len(nets), squeeze=False)
    for ax, net in zip(axes[0], nets):
        per = analyses[net]
        steps = sorted(per)
        for s, col in ((steps[0], "tab:gray"), (steps[-1], "tab:red")):
            ev = per[s].get("eigenvalues") or (per[s].get("spectrum") or {}).get("eigenvalues")
            if ev is None:
                continue
            ax.hist(ev, bins=80, density=True, histtype="step", color=col, label=f"step {s}")
        ax.set_yscale("log")
        ax.set_xlabel("eigenvalue of J")
        ax.set_ylabel("density")
        ax.set_title(f"{net} network")
        ax.legend(fontsize=8)
    return _png(fig)


def _count_fractions(rows: Sequence[Mapping]) -> list[str]:
    """The counting suffixes (``_0.5Tc0``) present in the metrics rows."""
    return [k[len("n_tap_physical"):] for k in (rows[0] if rows else {}) if k.startswith("n_tap_physical_")]


def tap_landscape(rows: Sequence[Mapping]) -> bytes:
    """T_c(t), the number of physical TAP solutions and the task overlap against training step (PNG)."""
    fig = new_figure((6.4, 7.6))
    ax_tc, ax_n, ax_ov = fig.subplots(3, 1, sharex=True)
    markers = "os^vD<>p*h"
    for net, color in zip(_nets(rows), _colors()):
        t = _series(rows, net, "step")
        ax_tc.plot(t, _series(rows, net, "tc"), "-", color=color, label=net)
        for sfx, mk in zip(_count_fractions(rows), markers):
            lab = f"{net}, T = {'0' if sfx == '_0Tc0' else sfx[1:].replace('Tc0', ' T_c(0)')}"
            ax_n.plot(t, _series(rows, net, f"n_tap_physical{sfx}"), mk + "-", color=color, ms=3, label=lab)
            ax_n.plot(t, _series(rows, net, f"tap_estimated_total{sfx}"), mk + ":", color=color, ms=3, mfc="none")
            ax_ov.plot(t, _series(rows, net, f"tap_task_overlap{sfx}"), mk + "-", color=color, ms=3, label=lab)
    for sfx in _count_fractions(rows):
        T = [r[f"tap_count_T{sfx}"] for r in rows if r.get(f"tap_count_T{sfx}") is not None]
        if T:
            ax_tc.axhline(T[0], color="0.5", ls=":", lw=1)
    ax_tc.set_ylabel("T_c(t)")
    ax_tc.set_yscale("log")
    ax_tc.legend(fontsize=7)
    ax_n.set_yscale("symlog", linthresh=1)
    ax_n.set_ylim(bottom=0)
    ax_n.set_ylabel("TAP solutions")
    ax_ov.set_ylim(0, 1.02)
    ax_ov.set_ylabel("task overlap")
    ax_ov.set_xscale("symlog", linthresh=1)
    ax_ov.set_xlim(left=0)
    ax_ov.set_xlabel("training step t")
    handles, labels = ax_n.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return _png(fig)


def track_figures(*, rows: Sequence[Mapping], analyses: Mapping[str, Mapping[int, Mapping]],
                  fits: Mapping[str, object], theory_tc0: float | None = None) -> dict[str, bytes]:
    """All figures of a track run as ``{name: PNG bytes}`` (names are the keys of :data:`CAPTIONS`).

    Parameters
    ----------
    rows : list of dict
        The metrics table (``network``, ``step``, ``tc``, ``crossing``, ``val_error``, ...).
    analyses : ``{network: {step: analysis dict}}``
        Per-checkpoint analyses (``betas``, ``lambda_min``, ``tc``, ``eigenvalues``).
    fits : ``{network: PowerLawFit}``
    theory_tc0 : float, optional
        Replica prediction of T_c at initialisation.

    Returns
    -------
    dict of str to bytes
    """
    figs = {"phase_diagram": phase_diagram(rows, theory_tc0), "val_error": val_error(rows),
            "lambda_min": lambda_min(analyses), "tc_loglog": tc_loglog(rows, fits), "spectrum": spectrum(analyses)}
    if _count_fractions(rows):
        figs["tap_landscape"] = tap_landscape(rows)
    return figs
