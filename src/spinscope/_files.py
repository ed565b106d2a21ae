"""The one atomic file writer of spinscope (private; every layer may import it).

A file is written to a temporary name in its target directory, flushed to disk and renamed over
the target (``os.replace``), so readers never see a half-written file and a failure or a
``kill`` leaves nothing behind. The final file gets the permissions an ordinary ``open()``
would give it (``0o666`` less the process umask), not the ``0o600`` of a temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from spinscope.errors import InputError

__all__ = ["atomic_write", "check_output_path", "current_umask"]


def current_umask() -> int:
    """The process umask, read without changing it where the platform allows (Linux ``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)  # portable fallback: set and restore at once
    os.umask(old)
    return old


def check_output_path(path: str | os.PathLike, *, overwrite: bool = False, what: str = "output file") -> Path:
    """Refuse, before any computation, an output file that could not be written.

    Raises ``InputError`` when ``path`` is a directory, exists and ``overwrite`` is False, or its
    directory does not exist. Returns ``path`` as a ``Path``.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{what} {path} is a directory; give a file name")
    if path.exists() and not overwrite:
        raise InputError(f"{what} {path} already exists; choose another name or pass --overwrite "
                         "(overwrite=True in Python)")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"cannot write {what} {path}: directory {parent} does not exist")
    return path


def atomic_write(path: str | os.PathLike, data: bytes | str | Callable[[str], object], *,
                 overwrite: bool = False, suffix: str = "") -> Path:
    """Write ``path`` atomically and return it as a ``Path``.

    Parameters
    ----------
    path : path-like
        The file to write. Its directory must exist.
    data : bytes, str or callable
        The content (``str`` is encoded as UTF-8), or ``writer(tmp_path)``, a function that writes
        the file at ``tmp_path`` itself (``numpy.savez``, ``Figure.savefig``, ...).
    overwrite : bool
        Replace an existing file; by default an existing ``path`` is refused (``InputError``).
    suffix : str
        Suffix of the temporary name (some writers infer the format from it, e.g. ``".npz"``).
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"{path} already exists; choose another name or pass --overwrite "
                         "(overwrite=True in Python)")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"cannot write {path}: directory {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or ".tmp", dir=parent)
    try:
        if callable(data):
            os.close(fd)
            data(tmp)
        else:
            payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
