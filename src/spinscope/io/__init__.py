"""Run directories, checkpoints and exact resume."""

from spinscope.io.rundir import RunDirectory, atomic_write_bytes, sigterm_as_interrupt

__all__ = ["RunDirectory", "atomic_write_bytes", "sigterm_as_interrupt"]
