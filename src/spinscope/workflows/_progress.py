"""The progress bar of the workflows: one transient rich bar on stderr, a caller's callable, or nothing."""

from __future__ import annotations

from typing import Any

__all__ = ["progress_bar"]


def progress_bar(progress: Any, label: str):
    """``update(done, total)``: the caller's callable, a transient rich bar on stderr, or a no-op;
    ``update(None, None)`` closes the bar."""
    if callable(progress):
        return lambda done, total: None if done is None else progress(done, total)
    if not progress:
        return lambda done, total: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(label, BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task(label, total=None)
    bar.start()

    def update(done, total):
        if done is None:
            bar.stop()
        else:
            bar.update(task, completed=done, total=total)
    return update
