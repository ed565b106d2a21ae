"""Run directories: configuration, results, checkpoints; exact resume after an interruption.

A run directory holds ``config.json`` (format ``spinscope-run`` version 1: the command, the
configuration that determines the results, the spinscope version, the creation time),
results written by the command, and checkpoints. Every file is written atomically (temporary
file, then rename), so an interrupted write never leaves a half-written file, and nothing a
user already had is overwritten: :meth:`RunDirectory.create` refuses a non-empty directory.

Resuming (:meth:`RunDirectory.resume`) checks that the stored configuration equals the new
one, key by key, and names the keys that differ.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._files import atomic_write
from spinscope._jsonutil import to_jsonable
from spinscope._version import __version__
from spinscope.errors import InputError, ResumeError

__all__ = ["RUN_FORMAT", "RUN_VERSION", "RunDirectory", "sigterm_as_interrupt"]

RUN_FORMAT = "spinscope-run"
RUN_VERSION = 1




def _read_run_header(p: Path, command: str) -> dict:
    """The header of ``p/config.json``, checked to be a spinscope run of ``command``.

    Every refusal names the directory and the file, says what is wrong and what to do.
    """
    if not p.is_dir():
        why = "no such directory" if not p.exists() else "it is a file, not a run directory"
        raise ResumeError(f"cannot resume {p}: no config.json there ({why}); give the --out "
                          f"directory of an earlier 'spinscope {command}' run")
    cfg_file = p / "config.json"
    fresh = f"start a new run with --out instead of --resume {p}"
    if not cfg_file.is_file():
        raise ResumeError(f"cannot resume {p}: it has no config.json, so it is not a spinscope run "
                          f"directory; {fresh}")
    try:
        header = json.loads(cfg_file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ResumeError(f"cannot resume {p}: {cfg_file} is not text (not a spinscope run "
                          f"configuration: the file is damaged or was replaced); {fresh}") from None
    except json.JSONDecodeError as exc:
        raise ResumeError(f"cannot resume {p}: {cfg_file} is not valid JSON ({exc.msg} at line "
                          f"{exc.lineno}); the file is damaged; {fresh}") from None
    except OSError as exc:
        raise ResumeError(f"cannot resume {p}: cannot read {cfg_file} ({exc.strerror or exc})") from None
    if (not isinstance(header, dict) or header.get("format") != RUN_FORMAT
            or header.get("version") != RUN_VERSION or not isinstance(header.get("config"), dict)):
        raise ResumeError(f"cannot resume {p}: {cfg_file} is not the configuration of a spinscope "
                          f"run (format {RUN_FORMAT} version {RUN_VERSION}); {fresh}")
    if header.get("command") != command:
        raise ResumeError(f"cannot resume {p} with '{command}': it is a '{header.get('command')}' run; "
                          f"resume it with 'spinscope {header.get('command')} --resume {p}'")
    return header


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within this block a SIGTERM (``kill``) raises ``KeyboardInterrupt`` like Ctrl-C does,
    so long runs can save a checkpoint in their ``except KeyboardInterrupt`` handler."""
    def _handler(signum, frame):  # pragma: no cover - exercised via subprocess tests
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, _handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class RunDirectory:
    """A directory holding one run's configuration, results and checkpoints.

    Use :meth:`create` for a new run and :meth:`resume` to continue one.
    """

    def __init__(self, path: Path, config: dict[str, Any], command: str) -> None:
        self.path = Path(path)
        self.config = config
        self.command = command

    # ----------------------------------------------------------------- opening
    @staticmethod
    def default_path(command: str, base: str | os.PathLike = "runs") -> Path:
        """A fresh directory name ``runs/<command>-YYYYmmdd-HHMMSS[-k]`` that does not exist yet."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        p = Path(base) / f"{command}-{stamp}"
        k = 1
        while p.exists():
            k += 1
            p = Path(base) / f"{command}-{stamp}-{k}"
        return p

    @classmethod
    def create(cls, path: str | os.PathLike | None, *, command: str, config: Mapping[str, Any]) -> RunDirectory:
        """Create a new run directory and write ``config.json``.

        Parameters
        ----------
        path : path-like or None
            The directory; ``None`` picks :meth:`default_path`. An existing non-empty directory
            is refused (pass it to :meth:`resume` instead), so earlier results are never touched.
        command : str
            The command that owns the run (``"simulate"``, ``"track"``, ...).
        config : mapping
            Everything that determines the results (JSON-serialisable after numpy conversion).
        """
        p = cls.default_path(command) if path is None else Path(path)
        if p.exists() and (not p.is_dir() or any(p.iterdir())):
            raise InputError(
                f"output directory {p} already exists and is not empty; choose a new --out, "
                f"or continue that run with --resume {p}"
            )
        try:
            p.mkdir(parents=True, exist_ok=True)
            probe = p / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise InputError(f"cannot write to output directory {p}: {exc.strerror or exc}") from None
        rd = cls(p, to_jsonable(dict(config)), command)
        header = {"format": RUN_FORMAT, "version": RUN_VERSION, "command": command,
                  "spinscope_version": __version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "config": rd.config}
        atomic_write(p / "config.json", overwrite=True, data=json.dumps(header, indent=2).encode())
        return rd

    @classmethod
    def resume(cls, path: str | os.PathLike, *, command: str,
               config: Mapping[str, Any] | None = None, ignore: tuple[str, ...] = ()) -> RunDirectory:
        """Open an existing run directory to continue it.

        Parameters
        ----------
        path : path-like
            The run directory.
        command : str
            The command resuming it; a directory of another command is refused.
        config : mapping, optional
            The configuration of the resuming call. If given, it must equal the stored one
            except for the keys in ``ignore``; otherwise :class:`ResumeError` names the keys.
            If ``None``, the stored configuration is used as is.
        """
        p = Path(path)
        header = _read_run_header(p, command)
        stored = header["config"]
        if config is not None:
            new = to_jsonable(dict(config))
            keys = sorted(set(stored) | set(new))
            diff = [k for k in keys if k not in ignore and stored.get(k) != new.get(k)]
            if diff:
                detail = ", ".join(f"{k}: {stored.get(k)!r} there vs {new.get(k)!r} now" for k in diff[:5])
                raise ResumeError(f"cannot resume {p}: it was run with another configuration ({detail})")
        return cls(p, stored, command)

    # ----------------------------------------------------------------- writing
    def file(self, name: str) -> Path:
        """Path of ``name`` inside the run directory (sub-directories are created)."""
        f = self.path / name
        f.parent.mkdir(parents=True, exist_ok=True)
        return f

    def write_json(self, name: str, obj: Any) -> Path:
        """Write ``obj`` as JSON (numpy converted) atomically."""
        f = self.file(name)
        atomic_write(f, overwrite=True, data=json.dumps(to_jsonable(obj), indent=2).encode())
        return f

    def read_json(self, name: str) -> Any:
        """Read a JSON file of the run (``ResumeError`` naming the file if it is damaged)."""
        f = self.path / name
        try:
            return json.loads(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            detail = getattr(exc, "strerror", None) or getattr(exc, "msg", None) or type(exc).__name__
            raise ResumeError(f"cannot read {f} of the run in {self.path}: it is missing or damaged "
                              f"({detail})") from None

    def write_text(self, name: str, text: str) -> Path:
        """Write a text file atomically."""
        f = self.file(name)
        atomic_write(f, overwrite=True, data=text.encode())
        return f

    def write_table(self, name: str, table) -> Path:
        """Write a pandas DataFrame (or a list of dict rows) as CSV atomically."""
        import pandas as pd

        df = table if isinstance(table, pd.DataFrame) else pd.DataFrame(list(table))
        return self.write_text(name, df.to_csv(index=False))

    def save_arrays(self, name: str, arrays: Mapping[str, Any], metadata: Mapping[str, Any] | None = None) -> Path:
        """Save named arrays (numpy or torch) as a safetensors file with JSON metadata.

        The metadata dict is stored as one JSON string under the key ``"spinscope"``.
        """
        import torch
        from safetensors.torch import save

        tensors = {}
        for k, v in arrays.items():
            t = v.detach().cpu() if isinstance(v, torch.Tensor) else torch.as_tensor(np.ascontiguousarray(v))
            tensors[k] = t.contiguous()
        meta = {"spinscope": json.dumps(to_jsonable(dict(metadata or {})))}
        f = self.file(name)
        atomic_write(f, overwrite=True, data=save(tensors, metadata=meta))
        return f

    def load_arrays(self, name: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Load a file written by :meth:`save_arrays`: ``(arrays as numpy, metadata)``."""
        from safetensors import SafetensorError, safe_open

        f = self.path / name
        try:
            with safe_open(str(f), framework="numpy") as fh:
                arrays = {k: fh.get_tensor(k) for k in fh.keys()}
                meta = json.loads((fh.metadata() or {}).get("spinscope", "{}"))
        except (OSError, SafetensorError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            detail = getattr(exc, "strerror", None) or str(exc)
            raise ResumeError(f"cannot read {f}: it is damaged or not a spinscope checkpoint "
                              f"({detail}); the run in {self.path} cannot be continued from it: "
                              "start it again with --out") from None
        if not isinstance(meta, dict):
            raise ResumeError(f"cannot read {f}: its metadata is not a spinscope checkpoint's; "
                              "start the run again with --out")
        return arrays, meta

    def exists(self, name: str) -> bool:
        """Whether the run directory holds ``name``."""
        return (self.path / name).exists()
