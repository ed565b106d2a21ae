"""Pictures of Cellular Potts runs: snapshots, the sorting movie (GIF), the curves, an HTML report.

Snapshots colour every site by its cell's type (medium white) and draw cell borders in black;
3-D lattices show their middle slice. The movie is an animated GIF written with Pillow (a
matplotlib dependency), frame by frame from small RGB images, so no video library is needed.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from spinscope._files import atomic_write
from spinscope.report._figures import new_figure

__all__ = ["curves_figure", "frame_figure", "render_cpm_report", "type_image", "write_gif"]

#: Medium white, then colourblind-safe type colours (Okabe-Ito).
PALETTE = np.array([[255, 255, 255], [230, 159, 0], [86, 180, 233], [0, 158, 115], [204, 121, 167],
                    [213, 94, 0], [0, 114, 178], [240, 228, 66]], dtype=np.uint8)


def type_image(model, sigma, *, max_side: int = 200) -> np.ndarray:
    """RGB image ``(H, W, 3)`` uint8 of a configuration (middle slice in 3-D), borders black,
    downsampled by an integer factor so that no side exceeds ``max_side`` pixels."""
    s = np.asarray(sigma).reshape(model.shape)
    if s.ndim == 3:
        s = s[:, :, s.shape[2] // 2]
    border = np.zeros(s.shape, bool)
    border[:-1] |= s[:-1] != s[1:]
    border[:, :-1] |= s[:, :-1] != s[:, 1:]
    img = PALETTE[model.cell_types[s] % len(PALETTE)]
    img[border & (s > 0)] = 0
    step = max(1, int(np.ceil(max(s.shape) / max_side)))
    return np.ascontiguousarray(img[::step, ::step])


def frame_figure(image: np.ndarray, title: str, type_names: Sequence[str]):
    """A Figure of one :func:`type_image` with a legend of the types."""
    from matplotlib.patches import Patch

    fig = new_figure((4.2, 4.2))
    ax = fig.add_subplot()
    ax.imshow(image, interpolation="nearest", origin="lower")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    handles = [Patch(facecolor=PALETTE[k % len(PALETTE)] / 255, edgecolor="k", label=n)
               for k, n in enumerate(type_names)]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=len(handles), fontsize=7,
              frameon=False)
    return fig


def write_gif(path, frames: Sequence[np.ndarray], *, scale: int = 2, duration_ms: int = 120) -> Path:
    """Write RGB frames as a looping animated GIF (atomically); ``scale`` enlarges each pixel."""
    from PIL import Image

    images = [Image.fromarray(np.kron(f, np.ones((scale, scale, 1), np.uint8)) if scale > 1 else f)
              for f in frames]

    def writer(tmp):
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=duration_ms,
                       loop=0, optimize=False)
    return atomic_write(path, writer, overwrite=True, suffix=".gif")


def curves_figure(table, type_names: Sequence[str]):
    """Heterotypic fraction, energy, clusters per type and medium contacts against MCS (log axis)."""
    fig = new_figure((9.5, 6.5))
    axes = fig.subplots(2, 2).ravel()
    t = np.maximum(np.asarray(table["mcs"], float), 0.5)
    reps = np.asarray(table["replica"]) if "replica" in table else np.zeros_like(t)
    specs = [("heterotypic_fraction", "heterotypic boundary fraction"), ("energy", "energy H"),
             (None, "connected clusters per type"), (None, "contact with medium")]
    for ax, (col, label) in zip(axes, specs):
        for r in np.unique(reps):
            sel = reps == r
            if col is not None:
                ax.plot(t[sel], np.asarray(table[col])[sel], lw=1, color="C0", alpha=0.6)
                continue
            for k, name in enumerate(type_names[1:]):
                key = f"clusters_{name}" if "clusters" in label else _medium_key(table, type_names, name)
                ax.plot(t[sel], np.asarray(table[key])[sel], lw=1, color=f"C{k + 1}", alpha=0.7,
                        label=name if r == reps.min() else None)
        ax.set_xscale("log")
        ax.set_xlabel("MCS")
        ax.set_ylabel(label)
        if col is None:
            ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _medium_key(table, type_names, name) -> str:
    for key in (f"contact_{type_names[0]}-{name}", f"contact_{name}-{type_names[0]}"):
        if key in table:
            return key
    raise KeyError(name)


def render_cpm_report(*, config: Mapping, summary: Mapping, figures: Mapping[str, bytes],
                      captions: Mapping[str, str], movie: bytes | None, command: str) -> str:
    """A self-contained HTML page (figures and the movie embedded as data URIs)."""
    def kv(d):
        return "<table>" + "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_fmt(v))}</td></tr>"
                                   for k, v in d.items()) + "</table>"
    figs = "".join(f"<figure><img src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
                   f"<figcaption>{html.escape(captions.get(name, name))}</figcaption></figure>"
                   for name, png in figures.items())
    mov = ("" if movie is None else
           f"<section id='movie'><h2>Sorting movie</h2><img src='data:image/gif;base64,"
           f"{base64.b64encode(movie).decode()}' style='image-rendering:pixelated;width:420px'></section>")
    style = ("body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ddd;padding:.2em .5em;"
             "text-align:left}figure img{max-width:100%}figcaption{font-size:.9em;color:#444}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>spinscope cpm</title><style>{style}"
            f"</style></head><body><h1>Cellular Potts run</h1><section id='run'><h2>What was run</h2>"
            f"<p>Reproduce: <code>{html.escape(command)}</code></p>{kv(config)}</section>"
            f"<section id='summary'><h2>Final observables</h2>{kv(summary)}</section>{mov}"
            f"<section id='figures'><h2>Figures</h2>{figs}</section></body></html>")


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.5g}"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items())
    return str(v)
