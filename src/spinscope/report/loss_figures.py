"""Figures and ``report.html`` of ``spinscope landscape`` (:mod:`spinscope.workflows.loss_study`).

Every figure function takes plain arrays / row dicts (as stored in ``<protocol>.json``) and returns
a :class:`matplotlib.figure.Figure` (no pyplot). :func:`write_loss_report` writes the PNG files and
the self-contained ``report.html`` (figures embedded) into the run directory.
"""

from __future__ import annotations

import html
import json

import numpy as np

from spinscope._files import atomic_write
from spinscope.report._figures import new_figure, png_bytes
from spinscope.report.html import _figures_section, _kv, _table, html_page

__all__ = ["barrier_figure", "cluster_figure", "flatness_figure", "pspin_figure", "walk_figure",
           "write_loss_report"]


def walk_figure(walks: dict):
    """Median train and test loss against distance, isotropic and Hessian-direction walks."""
    fig = new_figure((9, 3.6))
    for ax, split in zip(fig.subplots(1, 2), ("train", "test"), strict=True):
        for kind, colour in (("isotropic", "C0"), ("hessian", "C3")):
            d, loss = np.asarray(walks[kind]["distance"]), np.asarray(walks[kind][f"loss_{split}"])
            ax.plot(np.median(d, axis=0), np.median(loss, axis=0), color=colour, label=f"{kind} (median)")
            ax.fill_between(np.median(d, axis=0), *np.percentile(loss, [25, 75], axis=0), color=colour, alpha=0.2)
        ax.axhline(2 * np.median(np.asarray(walks["isotropic"][f"loss_{split}"])[:, 0]), color="k", ls=":", lw=0.8)
        ax.set(xlabel="distance from the minimum |theta - theta*|", ylabel=f"{split} loss", yscale="log")
        ax.legend(fontsize=8)
    return fig


def barrier_figure(t, before, after):
    """Loss along the straight path between pairs of networks, before and after alignment."""
    fig = new_figure((5.5, 3.8))
    ax = fig.subplots()
    for curves, colour, label in ((before, "C3", "before alignment"), (after, "C2", "after alignment")):
        for k, c in enumerate(curves):
            ax.plot(t, c, color=colour, alpha=0.3, lw=0.8, label=label if k == 0 else None)
        ax.plot(t, np.median(np.asarray(curves), axis=0), color=colour, lw=2.2)
    ax.set(xlabel="t  (path (1-t) a + t b)", ylabel="train loss", yscale="log")
    ax.legend(fontsize=8)
    return fig


def cluster_figure(q, order, linkage, centres, density):
    """Dendrogram, overlap matrix sorted by the tree and P(q) of the aligned ensemble."""
    from scipy.cluster.hierarchy import dendrogram

    q, order = np.asarray(q), np.asarray(order, dtype=int)
    fig = new_figure((13, 3.8))
    fig.set_layout_engine("constrained")
    a0, a1, a2 = fig.subplots(1, 3)
    dendrogram(np.asarray(linkage), ax=a0, no_labels=True, color_threshold=0, above_threshold_color="k")
    a0.set(title="average linkage of d = 1 - q", ylabel="distance")
    im = a1.imshow(q[np.ix_(order, order)], cmap="viridis")
    fig.colorbar(im, ax=a1, label="q_ab")
    a1.set(title="overlap matrix (tree order)")
    a2.bar(centres, density, width=np.diff(centres).mean() if len(centres) > 1 else 0.05, color="C0")
    a2.set(xlabel="q", ylabel="P(q)", title="overlap distribution")
    return fig


def flatness_figure(rows):
    """Each flatness measure against test accuracy, coloured by batch size."""
    fig = new_figure((12, 3.6))
    fig.set_layout_engine("constrained")
    bs = sorted({r["batch_size"] for r in rows})
    for ax, key in zip(fig.subplots(1, 3), ("lambda_max", "trace", "perturbation"), strict=True):
        for k, b in enumerate(bs):
            sel = [r for r in rows if r["batch_size"] == b]
            ax.scatter([r[key] for r in sel], [r["test_accuracy"] for r in sel], color=f"C{k}", s=18,
                       label=f"batch {b}")
        ax.set(xlabel=key, ylabel="test accuracy", xscale="log" if min(r[key] for r in rows) > 0 else "linear")
        ax.legend(fontsize=8)
    return fig


def pspin_figure(rows, e_inf: float, e_gs: float, theory: dict):
    """Critical points: energy-index scatter with the semicircle prediction (``theory``: the
    workflow's curve, ``energy`` and ``index_fraction`` lists), and energy histograms."""
    fig = new_figure((11, 3.8))
    a0, a1 = fig.subplots(1, 2)
    ok = [r for r in rows if r["converged"]]
    e = np.array([r["energy"] for r in ok])
    k = np.array([r["index_fraction"] for r in ok])
    a0.scatter(e, k, s=14, color="C0", label="critical points found")
    a0.plot(theory["energy"], theory["index_fraction"], color="k", label="semicircle prediction")
    for a in (a0, a1):
        a.axvline(e_inf, color="C3", ls="--", label="E_inf")
        a.axvline(e_gs, color="C2", ls=":", label="ground state (theory)")
    a0.set(xlabel="energy per spin E", ylabel="index / (N - 1)")
    a0.legend(fontsize=8)
    lo, hi = (e.min(), e.max()) if e.size else (e_inf, 0.0)
    bins = np.linspace(lo - 0.01, hi + 0.01, 31)
    for kind, colour in (("descent", "C0"), ("newton", "C1")):
        for idx0, hatch in ((True, None), (False, "//")):
            v = [r["energy"] for r in ok if r["method"] == kind and (r["index"] == 0) == idx0]
            if v:
                a1.hist(v, bins=bins, color=colour, alpha=0.6, hatch=hatch,
                        label=f"{kind}, {'minima' if idx0 else 'saddles'}")
    a1.set(xlabel="energy per spin E", ylabel="count")
    a1.legend(fontsize=8)
    return fig


_CAPTIONS = {
    "walk_curves.png": "Random walks from a trained minimum: median loss (band: quartiles) against distance, "
                       "isotropic and inside the span of the top Hessian eigenvectors; dotted: twice the start loss.",
    "barriers.png": "Loss along straight paths between independently trained networks, before (red) and after "
                    "(green) aligning hidden units by the Hungarian algorithm; thick: median.",
    "clustering.png": "Aligned ensemble: dendrogram, overlap matrix sorted by the tree, and P(q).",
    "flatness.png": "Flatness (largest Hessian eigenvalue, Hutchinson trace, loss increase at fixed perturbation "
                    "norm) against test accuracy, across batch sizes and learning rates.",
    "pspin.png": "Spherical p-spin critical points: Hessian index against energy with the shifted-semicircle "
                 "prediction, and the energy histograms of minima and saddles; E_inf and the ground state marked.",
}


def _figures(cfg, summaries, arrays) -> list[tuple[str, bytes]]:
    out = []
    if "walk" in arrays:
        out.append(("walk_curves.png", walk_figure(arrays["walk"])))
    if "interpolate" in arrays:
        a = arrays["interpolate"]
        out.append(("barriers.png", barrier_figure(a["t"], a["before"], a["after"])))
    if "cluster" in arrays:
        a = arrays["cluster"]
        out.append(("clustering.png", cluster_figure(a["q"], a["order"], a["linkage"], a["pq_centres"],
                                                     a["pq_density"])))
    if "flatness" in arrays:
        out.append(("flatness.png", flatness_figure(arrays["flatness"]["rows"])))
    if "pspin" in arrays:
        s = summaries["pspin"]
        out.append(("pspin.png", pspin_figure(arrays["pspin"]["rows"], s["E_inf"], s["E_ground_theory"],
                                                arrays["pspin"]["theory"])))
    return [(name, png_bytes(fig)) for name, fig in out]


def _section(name: str, summary: dict) -> str:
    flat = {k: v for k, v in summary.items() if not isinstance(v, (dict, list))}
    extra = "".join(f"<h3>{html.escape(k)}</h3>{_kv(v)}" for k, v in summary.items() if isinstance(v, dict))
    tables = "".join(f"<h3>{html.escape(k)}</h3>{_table(v)}" for k, v in summary.items()
                     if isinstance(v, list) and v and isinstance(v[0], dict))
    return f'<section id="{name}"><h2>{html.escape(name)}</h2>{_kv(flat)}{extra}{tables}</section>'


def write_loss_report(rundir, cfg: dict, summaries: dict, arrays: dict) -> list:
    """Write the figures (PNG) and ``report.html``; return the paths written."""
    figs = _figures(cfg, summaries, arrays)
    paths = [atomic_write(rundir.file(name), png, overwrite=True) for name, png in figs]
    sections = [_section(k, v) for k, v in summaries.items()] + [_figures_section(dict(figs), _CAPTIONS)]
    page = html_page("spinscope landscape", "Loss landscapes as spin glasses", sections,
                     subtitle=f"; configuration <code>{html.escape(json.dumps(cfg))}</code>")
    paths.append(rundir.write_text("report.html", page))
    return paths
