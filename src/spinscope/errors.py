"""Exceptions raised by spinscope.

Every error that bad *input* can cause derives from :class:`SpinscopeError` and from
:class:`ValueError` (or :class:`TypeError`), so callers may catch either. The message always
says what is wrong, where, and what to do about it. The CLI turns these into one line on
stderr and exit status 2.
"""

from __future__ import annotations

__all__ = [
    "DataFileError",
    "InputError",
    "MemoryLimitError",
    "ModelFileError",
    "ResumeError",
    "SpinscopeError",
    "SpinscopeTypeError",
]


class SpinscopeError(Exception):
    """Base class of every error raised deliberately by spinscope."""


class InputError(SpinscopeError, ValueError):
    """A value given by the user is invalid (wrong shape, range, NaN, ...)."""


class SpinscopeTypeError(SpinscopeError, TypeError):
    """A value given by the user has the wrong type."""


class ModelFileError(InputError):
    """A model file is missing, corrupt, of an unknown version or of the wrong kind."""


class DataFileError(InputError):
    """A data file (binary observations, graph, dataset, checkpoint) cannot be read."""


class MemoryLimitError(InputError):
    """A requested object would not fit in memory."""


class ResumeError(InputError):
    """A run directory cannot be resumed (missing, corrupt or from another configuration)."""
