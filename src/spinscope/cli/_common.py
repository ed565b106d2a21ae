"""Helpers shared by the CLI commands: global options, JSON output, argument parsing.

No science lives in ``spinscope.cli``: a command parses its arguments, calls the Python API,
and formats the result with :func:`emit`.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass

import click
import numpy as np

from spinscope._jsonutil import to_jsonable
from spinscope._validation import parse_fractions, parse_int_list, parse_number_list

__all__ = ["Count", "GlobalOptions", "emit", "get_options", "parse_fractions", "parse_int_list", "parse_range", "parse_temperatures", "to_jsonable"]


class Count(click.IntRange):
    """A whole number written as ``1000``, ``10_000`` or ``1e6`` (``--sweeps 1e6``), within a range.

    Scientific notation is accepted when it denotes a whole number (``2.5e3`` is 2500, ``1.5`` is
    refused); the range check is :class:`click.IntRange`'s.
    """

    name = "integer"

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            text = value.strip().replace("_", "")
            try:
                value = int(text)
            except ValueError:
                try:
                    number = float(text)
                except ValueError:
                    self.fail(f"{value!r} is not a whole number", param, ctx)
                if not math.isfinite(number) or number != math.floor(number):
                    self.fail(f"{value!r} is not a whole number", param, ctx)
                value = int(number)
        return super().convert(value, param, ctx)


@dataclass
class GlobalOptions:
    """Options given before the sub-command: ``spinscope --seed 1 --json simulate ...``."""

    seed: int | None = None
    device: str = "cpu"
    threads: int | None = None
    json: bool = False
    debug: bool = False
    quiet: bool = False

    @property
    def show_progress(self) -> bool:
        """Progress bars go to stderr, unless ``--quiet``."""
        return not self.quiet


def get_options(ctx: click.Context | None = None) -> GlobalOptions:
    """The :class:`GlobalOptions` of the running command."""
    ctx = ctx or click.get_current_context()
    obj = ctx.find_root().obj
    return obj if isinstance(obj, GlobalOptions) else GlobalOptions()


def emit(result: dict, human: str | None = None) -> None:
    """Print a command's result: JSON on stdout with ``--json``, else ``human`` on stdout.

    With ``--json`` the human text (if any) goes to stderr so stdout stays parseable.
    """
    opts = get_options()
    if opts.json:
        if human and not opts.quiet:
            click.echo(human, err=True)
        sys.stdout.write(json.dumps(to_jsonable(result), indent=2) + "\n")
        sys.stdout.flush()
    elif human is not None:
        click.echo(human)


def parse_range(text: str, name: str, *, min_count: int = 1) -> np.ndarray:
    """Parse a list of positive numbers: a comma list ``2.0,2.2`` or a range ``start:stop:count``
    (inclusive, evenly spaced). Used by ``--T`` (temperatures) and ``--betas`` alike; see
    :func:`spinscope._validation.parse_number_list`."""
    return parse_number_list(text, name, min_count=min_count)


def parse_temperatures(text: str) -> np.ndarray:
    """Parse ``--T``: a comma list ``2.0,2.2`` or a range ``start:stop:count`` (inclusive)."""
    return parse_range(text, "--T")
