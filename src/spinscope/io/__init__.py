"""Run directories, checkpoints and exact resume."""

from spinscope.io.rundir import RunDirectory, sigterm_as_interrupt

__all__ = ["RunDirectory", "sigterm_as_interrupt"]
