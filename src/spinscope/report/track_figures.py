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

__all__ = ["CAPTIONS", "track_figures"]

CAPTIONS = {
    "phase_diagram": "Temperature–training-time phase diagram (cf. Fig. 1 of the paper). Above the "
                     "line T_c(t) the TAP paramagnet m = 0 is stable. Below it the paramagnet is "
                     "unstable: shaded as a spin glass where λ_min(I − M) only touches zero (random-like "
                     "bond matrix) and as hidden order where it crosses zero (outliers created by training).",
    "val_error": "Validation error against training time (cf. Fig. 4).",
    "lambda_min": "Least eigenvalue of the paramagnetic TAP stability matrix I − M against β, at "
                  "step 0 and at the last checkpoint (cf. Fig. 5). T_c is where it first reaches zero.",
    "tc_loglog": "T_c(t) against training time on log–log axes (open symbols: spin-glass regime, "
                 "λ_min touches zero; filled: hidden order, λ_min crosses zero) with the power law "
                 "T_c = A t^α fitted to the hidden-order points (top), and the residuals of log T_c "
                 "about the fit (bottom).",
    "spectrum": "Eigenvalue density of the bond (coupling) matrix J before and after training.",
}


def _png(fig) -> bytes:
    return png_bytes(fig, dpi=110)


def _colors():
    from matplotlib import rcParams

    return iter(rcParams["axes.prop_cycle"].by_key()["color"])


def _series(rows: Sequence[Mapping], net: str, key: str) -> np.ndarray:
    return np.array([np.nan if r[key] is None else r[key] for r in rows if r["network"] == net], dtype=float)


def _nets(rows: Sequence[Mapping]) -> list[str]:
    return list(dict.fromkeys(r["network"] for r in rows))


def phase_diagram(rows: Sequence[Mapping], theory_tc0: float | None) -> bytes:
    """The temperature–training-time phase diagram, one panel per network (PNG bytes).

    Parameters
    ----------
    rows : list of dict
        The metrics table (``network``, ``step``, ``tc``, ``crossing``).
    theory_tc0 : float or None
        Replica T_c of the initial weight law (a dashed line), if known.
    """
    nets = _nets(rows)
    fig = new_figure((5.2 * len(nets), 3.8))
    axes = fig.subplots(1, len(nets), squeeze=False, sharey=True)
    ymax = np.nanmax([np.nanmax(_series(rows, n, "tc")) for n in nets] + [theory_tc0 or 0]) * 1.25
    for ax, net in zip(axes[0], nets):
        t = _series(rows, net, "step")
        tc = _series(rows, net, "tc")
        kind = [str(r["crossing"] or "") for r in rows if r["network"] == net]
        hidden = np.array(["cross" in k for k in kind])
        ax.fill_between(t, 0, np.nan_to_num(tc), where=~hidden, color="tab:purple", alpha=0.3,
                        step="post", label="spin glass (touch)")
        ax.fill_between(t, 0, np.nan_to_num(tc), where=hidden, color="tab:orange", alpha=0.4,
                        step="post", label="hidden order (cross)")
        ax.plot(t, tc, "k.-", lw=1, label="T_c(t) (TAP stability)")
        if theory_tc0:
            ax.axhline(theory_tc0, color="tab:blue", ls="--", lw=1, label="replica T_c(0)")
        ax.text(0.97, 0.93, "paramagnet", transform=ax.transAxes, ha="right", va="top")
        ax.set_xscale("symlog", linthresh=1)
        ax.set_xlim(left=0)
        ax.set_ylim(0, ymax if np.isfinite(ymax) and ymax > 0 else 1)
        ax.set_xlabel("training step t")
        ax.set_title(f"{net} network")
    axes[0][0].set_ylabel("temperature T")
    axes[0][0].legend(loc="lower left", fontsize=8)
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


def lambda_min(analyses: Mapping[str, Mapping[int, Mapping]]) -> bytes:
    """λ_min(I − M) against β at the first and the last checkpoint of each network (PNG bytes).

    Parameters
    ----------
    analyses : ``{network: {step: analysis dict}}``
        Per-checkpoint analyses with ``betas``, ``lambda_min`` and ``tc``.
    """
    fig = new_figure((5.5, 3.8))
    ax = fig.subplots()
    colors = _colors()
    for net, per in analyses.items():
        steps = sorted(per)
        c = next(colors)
        for s, ls in ((steps[0], ":"), (steps[-1], "-")):
            a = per[s]
            if a.get("betas") is None or a.get("lambda_min") is None:
                continue
            ax.plot(a["betas"], a["lambda_min"], ls, color=c, label=f"{net}, step {s}")
            if a.get("tc"):
                ax.axvline(1.0 / a["tc"], color=c, ls=ls, lw=0.6)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel("β = 1/T")
    ax.set_ylabel("λ_min(I − M)")
    ax.legend(fontsize=8)
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
    return {"phase_diagram": phase_diagram(rows, theory_tc0), "val_error": val_error(rows),
            "lambda_min": lambda_min(analyses), "tc_loglog": tc_loglog(rows, fits), "spectrum": spectrum(analyses)}
