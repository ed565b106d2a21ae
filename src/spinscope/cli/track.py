"""``spinscope track``: train networks and follow their spin phase; write a report.

Thin wrapper of :func:`spinscope.workflows.tracking`. With ``--resume DIR`` every flag not given on
the command line is taken from the run's stored configuration
(:func:`spinscope.workflows.tracking.track_options_from_run`); a flag that is given must agree with it.
"""

from __future__ import annotations

import warnings

import click

from spinscope.cli._common import Count, emit, get_options, parse_fractions, parse_int_list
from spinscope.errors import InputError

__all__ = ["command"]

# the defaults of spinscope.workflows.tracking (tests/test_cli_track.py checks they agree)
_DEFAULTS = {"dataset": "digits", "optimizer": "adam", "lr": 1e-4, "batch_size": 32, "epochs": None,
             "checkpoints": 30, "init_scale": 1.0}


def _human(res) -> str:
    lines = [f"run directory: {res.run_dir}", f"report:        {res.report}"]
    for net, s in res.summary.items():
        exp = "no fit" if s["exponent"] is None else (
            f"alpha = {s['exponent']:.3f} [{s['exponent_ci'][0]:.3f}, {s['exponent_ci'][1]:.3f}]")

        def f(v):
            return "-" if v is None else f"{v:.4g}"

        lines.append(f"{net:>7}: accuracy {s['final_accuracy']:.3f}; T_c(0) {f(s['tc0'])} (replica "
                     f"{f(s['replica_tc0'])}) -> T_c(final) {f(s['tc_final'])}; {exp}")
        lines.append(f"         {s['fit_verdict']}")
        if s.get("diverged"):
            lines.append(f"         DIVERGED: {s['diverged']['message']}")
    return "\n".join(lines)


def _divergence_error(res, lr) -> InputError:
    """The one-line error of a run in which some training diverged (exit status 2)."""
    parts = [f"{net} at step {d['step']} ({d['kind']} loss {d['loss'] if isinstance(d['loss'], str) else format(d['loss'], '.3g')})"
             for net, d in res.diverged.items()]
    return InputError(f"training diverged: {'; '.join(parts)}; lower --lr (it is {lr:g}); the results and "
                      f"{res.report} cover the checkpoints before the divergence")


@click.command("track", context_settings={"show_default": True})
@click.option("--dataset", default=_DEFAULTS["dataset"],
              help="digits (built in), mnist, fashion-mnist (local files in --data-dir), or a path to an .npz / IDX directory.")
@click.option("--data-dir", metavar="DIR", default=None,
              help="Directory of the MNIST / Fashion-MNIST IDX (or .npz) files [default: data/<name>].")
@click.option("--download", is_flag=True, help="Download MNIST / Fashion-MNIST into --data-dir first (needs a network).")
@click.option("--architecture", default=None,
              help="Layer widths, e.g. 64,128,128,10 [default: pixels,128,128,classes; 256 wide for MNIST].")
@click.option("--activation", "activations", default="relu,binary",
              help="Networks to train: relu, binary, or both (the same as relu,binary).")
@click.option("--optimizer", type=click.Choice(["adam", "sgd"]), default=_DEFAULTS["optimizer"])
@click.option("--lr", type=float, default=_DEFAULTS["lr"], help="Learning rate (the paper's 1e-4).")
@click.option("--batch-size", type=Count(), default=_DEFAULTS["batch_size"])
@click.option("--epochs", type=Count(), default=_DEFAULTS["epochs"],
              help="Training epochs [default: 100 for digits, 3 for MNIST-sized datasets].")
@click.option("--checkpoints", type=Count(), default=_DEFAULTS["checkpoints"],
              help="Log-spaced checkpoints per network (step 0 and the last step included).")
@click.option("--init-scale", type=float, default=_DEFAULTS["init_scale"],
              help="Scale of the initial weights (small: rich regime; large: lazy regime).")
@click.option("--tap-count-at", default="0.5,0.01,0",
              help="Count the physical TAP solutions at every checkpoint at these fractions of the untrained "
                   "network's T_c (comma list; 0 is T = 0, the one-flip-stable states; 'none' to skip).")
@click.option("--workers", type=Count(min=0), default=None,
              help="Analysis processes [default: one per core]; 0 analyses in the main process.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Analyse the checkpoints on the Dask cluster of this scheduler (tcp://host:8786) "
                   "instead of local processes; the run directory must be on a shared file system.")
@click.option("--out", metavar="DIR", default=None,
              help="New run directory [default: runs/track-<date>-<time>].")
@click.option("--resume", metavar="DIR", default=None,
              help="Continue an interrupted run in this directory.")
@click.pass_context
def command(ctx: click.Context, dataset, data_dir, download, architecture, activations, optimizer, lr,
            batch_size, epochs, checkpoints, init_scale, tap_count_at, workers, scheduler, out, resume) -> None:
    """Train a ReLU and a binarised network, analyse the spin Hamiltonian of every checkpoint
    (T_c, λ_min(I − M), spectrum, TAP solutions), fit T_c(t) and write report.html.

    Reproduces Barney, Winer & Galitski (2024), "Neural Networks as Spin Models: From Glass to
    Hidden Order Through Training". With no arguments: digits, 64-128-128-10, both networks.

    If a network's training diverges (NaN or exploding loss: --lr too large), its training stops
    there, the checkpoints before are analysed and reported, and the command exits with status 2.
    """
    from spinscope.workflows.tracking import track, track_options_from_run

    opts = get_options(ctx)
    kw = {"dataset": dataset, "optimizer": optimizer, "lr": lr, "batch_size": batch_size, "epochs": epochs,
          "checkpoints": checkpoints, "init_scale": init_scale,
          "architecture": parse_int_list(architecture, "--architecture") if architecture else None,
          "activations": tuple(a.strip() for a in activations.split(",") if a.strip()),
          "tap_count_at": parse_fractions(tap_count_at, "--tap-count-at")}
    if resume is not None:
        given = {k: v for k, v in kw.items()
                 if ctx.get_parameter_source(k) == click.core.ParameterSource.COMMANDLINE}
        kw.update(track_options_from_run(resume, given))
    from spinscope.workflows.tracking import TrainingDivergedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingDivergedWarning)  # reported once, below
        res = track(**kw, data_dir=data_dir, out=out, resume=resume, seed=opts.seed, device=opts.device,
                    workers=workers, scheduler=scheduler, progress=opts.show_progress and not opts.json, download=download)
    emit(res.to_summary(), _human(res))
    if res.diverged:
        raise _divergence_error(res, kw["lr"])
