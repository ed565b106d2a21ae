"""The ``spinscope`` command line: a thin click group whose sub-commands load lazily.

Each sub-command lives in ``spinscope.cli.<name>`` and exposes a ``click.Command`` named
``command``. Errors caused by input, usage errors included (an unknown option, a missing
argument), become one line on stderr and exit status 2; other errors exit 1 with a short
message. ``--debug`` shows the traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import click

from spinscope._version import __version__
from spinscope.cli._common import Count, GlobalOptions

__all__ = ["cli", "main"]

# name -> (module, one-line help). Order is the order of `spinscope --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "track": ("spinscope.cli.track", "Follow a network's spin phase through training; write a report."),
    "analyze": ("spinscope.cli.analyze", "Map a network to its spin Hamiltonian; T_c, TAP, spectrum."),
    "simulate": ("spinscope.cli.simulate", "Monte Carlo simulation of Ising, Potts, clock and spin-glass models."),
    "exact": ("spinscope.cli.exact", "Exact thermodynamics by enumeration or closed forms."),
    "mcm": ("spinscope.cli.mcm", "Select the Minimally Complex Model that best explains binary data."),
    "solve": ("spinscope.cli.solve", "Ground states of Ising, QUBO and Max-Cut problems."),
    "generate": ("spinscope.cli.generate", "Planted Ising instances with a known ground-state energy."),
    "landscape": ("spinscope.cli.landscape", "Loss landscapes as spin glasses; landscape encodings (study, search)."),
    "infer": ("spinscope.cli.infer", "Learn an Ising or Potts model from samples (inverse Ising)."),
    "glm": ("spinscope.cli.glm", "Bayesian inference in GLMs: replica theory, GAMP, exact posteriors."),
    "hopfield": ("spinscope.cli.hopfield", "Phase diagram of Hopfield networks and RBMs (RS theory, Monte Carlo)."),
    "cpm": ("spinscope.cli.cpm", "Cellular Potts model: cell sorting with snapshots, movie and report."),
    "phases": ("spinscope.cli.phases", "Machine learning of phases: T_c from configurations (supervised, transfer, PCA)."),
    "sd": ("spinscope.cli.sd", "ML force fields for a metallic spin glass: s-d model, LLG dynamics."),
    "sweep": ("spinscope.cli.sweep", "Parameter sweeps of a workflow on Dask (local or a cluster)."),
}


class LazyGroup(click.Group):
    """A group that imports a sub-command's module only when it is run or its help is shown."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (mod, _) in COMMANDS.items() if importlib.util.find_spec(mod) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or cmd_name not in self.list_commands(ctx):
            return None
        module = importlib.import_module(COMMANDS[cmd_name][0])
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _is_input_error(exc: BaseException) -> bool:
    from spinscope.errors import SpinscopeError

    return isinstance(exc, (SpinscopeError, ValueError, TypeError, FileNotFoundError,
                            PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="spinscope")
@click.option("--seed", type=int, default=None, help="Seed of every random choice (default: fresh entropy, recorded in outputs).")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="Where torch computations run.")
@click.option("--threads", type=Count(min=1), default=None,
              help="CPU threads for numba/torch (default: all cores).")
@click.option("--json", "json_", is_flag=True, help="Print a machine-readable JSON result on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, seed, device, threads, json_, quiet, debug) -> None:
    """spinscope: statistical mechanics of spin models and of neural networks as spin models."""
    if seed is not None and seed < 0:
        raise click.BadParameter("must be >= 0", param_hint="--seed")
    ctx.obj = GlobalOptions(seed=seed, device=device, threads=threads, json=json_, debug=debug, quiet=quiet)
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise click.BadParameter("CUDA is not available on this machine; use --device cpu", param_hint="--device")
    if threads is not None:
        _set_threads(threads)


def _set_threads(threads: int) -> None:
    import numba
    import torch

    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    torch.set_num_threads(threads)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``spinscope`` script; returns the exit status."""
    # The command is the application, so it may choose its process's OpenMP behaviour (before the
    # first parallel numba kernel loads libgomp): idle OpenMP threads sleep instead of spinning.
    # With the default (spinning) policy a busy machine slows every parallel kernel by orders
    # of magnitude (measured: phases data, L = 16, 22 s passive vs > 300 s spinning with one
    # other job on 2 cores; docs/monte-carlo.md). A value the user set is kept.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        # make_context + invoke rather than cli.main: the same parsing and errors, without the
        # blank line click prints on Ctrl-C (one line per message, as the README promises)
        with cli.make_context("spinscope", args) as ctx:
            cli.invoke(ctx)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("spinscope: interrupted", err=True)
        return 130
    except click.exceptions.NoArgsIsHelpError as exc:   # `spinscope` alone: the help, as asked
        exc.show()
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(_click_error_line(exc), err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("spinscope: interrupted", err=True)
        return 130
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            return exc.code if isinstance(exc.code, int) else 1
        if debug:
            raise
        if _is_input_error(exc):
            click.echo(f"spinscope: error: {_one_line(str(exc))}", err=True)
            return 2
        click.echo(f"spinscope: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
                   "(run with --debug for the traceback)", err=True)
        return 1
    return 0


def _one_line(text: str) -> str:
    """A message on one line (the CLI's promise: one line on stderr per error)."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _click_error_line(exc: click.ClickException) -> str:
    """A usage error (bad option, missing argument) as one line naming the help to read."""
    msg = f"spinscope: error: {_one_line(exc.format_message())}"
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        msg += f" (see '{ctx.command_path} --help')"
    return msg


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
