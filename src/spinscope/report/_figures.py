"""Figure helpers shared by the report modules: a fresh ``Figure``, PNG bytes, an atomic PNG file.

Object-oriented matplotlib only: ``Figure`` objects are not registered with ``pyplot``, need no
backend and are garbage-collected like any object, so no global state is touched.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from spinscope._files import atomic_write

__all__ = ["new_figure", "png_bytes", "save_png"]


def new_figure(figsize: tuple[float, float]):
    """A new :class:`matplotlib.figure.Figure` of ``figsize`` inches (no pyplot, no backend)."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


def png_bytes(fig, *, dpi: int = 110, tight: bool = True) -> bytes:
    """The figure rendered as PNG bytes (``bbox_inches="tight"`` unless ``tight=False``)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    return buf.getvalue()


def save_png(fig, path: str | os.PathLike, *, dpi: int = 110, overwrite: bool = True) -> Path:
    """Write the figure as a PNG file atomically and return its path.

    An existing file is replaced unless ``overwrite=False`` (then ``InputError``).
    """
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi),
                        overwrite=overwrite, suffix=".png")
