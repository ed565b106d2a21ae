"""``spinscope sd data|train|run|compare``: ML force fields for a metallic spin glass (the s-d model).

``data``: exact Hellmann–Feynman fields of random and quenched configurations
(:func:`spinscope.workflows.sd_study.sd_data`); ``train``: a Behler–Parrinello model of them
(:func:`~spinscope.workflows.sd_study.sd_train`); ``run``: LLG dynamics with exact or learned
fields (:func:`~spinscope.workflows.sd_dynamics.sd_run`); ``compare``: both dynamics after a quench
over disorder realisations (:func:`~spinscope.workflows.sd_comparison.sd_compare`).
"""

from __future__ import annotations

import click

from spinscope.cli._common import Count, emit, get_options, parse_int_list

__all__ = ["command"]

_PHYSICS = (("--t0", "t0", "Hopping amplitude t0 [4]."),
            ("--xi", "xi", "Hopping decay length ξ [0.5]."),
            ("--hopping-cutoff", "hopping_cutoff", "No hopping beyond this distance [2.0]."),
            ("--J", "J", "s-d coupling [2]."),
            ("--mu", "mu", "Chemical potential [-1]."),
            ("--T-e", "T_e", "Electron temperature [0.1]."),
            ("--density", "density", "Sites per unit volume [1]."),
            ("--min-distance", "min_distance", "Hard core of the random positions [0.5]."))


def physics_options(f):
    """Add the s-d parameter options (default: the library's :class:`SDParams` values)."""
    for flag, name, text in reversed(_PHYSICS):
        f = click.option(flag, name, type=float, default=None, help=text)(f)
    return f


def _physics(kwargs) -> dict | None:
    given = {name: kwargs.pop(name) for _, name, _ in _PHYSICS}
    given = {k: v for k, v in given.items() if v is not None}
    return given or None


@click.group("sd")
def command() -> None:
    """ML force fields for a metallic spin glass: exact s-d fields, a Behler–Parrinello model, LLG dynamics."""


def _files(d) -> str:
    return "".join(f"\nwritten: {f}" for f in d["files"])


@command.command("data")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="New run directory.")
@click.option("--resume", type=click.Path(), default=None, help="Continue an interrupted 'sd data' run.")
@click.option("--n", type=Count(min=2), default=100, show_default=True, help="Sites per system.")
@click.option("--systems", type=Count(min=1), default=5, show_default=True, help="Disorder realisations.")
@click.option("--random", "random_", type=Count(min=0), default=20, show_default=True,
              help="Random spin configurations per system.")
@click.option("--quench", type=Count(min=0), default=2, show_default=True, help="LLG quenches per system.")
@click.option("--quench-steps", type=Count(min=1), default=200, show_default=True, help="Steps per quench.")
@click.option("--every", type=Count(min=1), default=10, show_default=True, help="Frame interval of the quenches.")
@click.option("--dt", type=float, default=0.05, show_default=True, help="LLG time step of the quenches.")
@click.option("--alpha", type=float, default=0.5, show_default=True, help="Gilbert damping.")
@physics_options
def data(out, resume, n, systems, random_, quench, quench_steps, every, dt, alpha, **kw) -> None:
    """Exact-field data: random and quenched configurations of random s-d systems."""
    from spinscope.workflows.sd_study import sd_data

    opts = get_options()
    res = sd_data(out, n=n, systems=systems, random=random_, quench=quench, quench_steps=quench_steps, every=every,
                  dt=dt, alpha=alpha, physics=_physics(kw), seed=opts.seed, resume=resume,
                  progress=opts.show_progress and not opts.json)
    d = res.to_dict()
    lines = [f"sd data in {d['out']} (seed {d['seed']}): {len(d['systems'])} systems of n = {d['config']['n']}"]
    lines += [f"  system {s['system']}: {s['configurations']} configurations, field rms {s['field_rms']:.4g}"
              for s in d["systems"]]
    emit(d, "\n".join(lines) + _files(d))


@command.command("train")
@click.argument("data_dir", type=click.Path())
@click.option("--out", type=click.Path(file_okay=False), default=None, help="New run directory.")
@click.option("--hidden", default="32,32", show_default=True, help="Hidden layer widths.")
@click.option("--epochs", type=Count(min=1), default=300, show_default=True)
@click.option("--lr", type=float, default=3e-3, show_default=True, help="Adam learning rate.")
@click.option("--batch", type=Count(min=1), default=8, show_default=True, help="Configurations per step.")
@click.option("--patience", type=Count(min=1), default=30, show_default=True, help="Early-stopping patience.")
@click.option("--energy-weight", type=float, default=0.1, show_default=True, help="Weight of the Ω/N loss.")
@click.option("--radial-cutoff", type=float, default=None, help="Descriptor radial cutoff [2.2].")
@click.option("--angular-cutoff", type=float, default=None, help="Descriptor angular cutoff [1.8].")
@click.option("--init", type=click.Path(dir_okay=False), default=None, help="Continue training this model file.")
def train(data_dir, out, hidden, epochs, lr, batch, patience, energy_weight, radial_cutoff, angular_cutoff,
          init) -> None:
    """Train a Behler–Parrinello model on the 'sd data' run DATA_DIR (the last system is the test set)."""
    from spinscope.workflows.sd_study import sd_train

    opts = get_options()
    desc = {k: v for k, v in (("radial_cutoff", radial_cutoff), ("angular_cutoff", angular_cutoff)) if v is not None}
    res = sd_train(data_dir, out, hidden=parse_int_list(hidden, "--hidden"), epochs=epochs, lr=lr, batch=batch,
                   patience=patience, energy_weight=energy_weight, descriptor=desc, seed=opts.seed,
                   device=opts.device, init=init, progress=opts.show_progress and not opts.json)
    d = res.to_dict()
    t = d["test"]
    emit(d, f"model {d['model_file']} ({d['epochs']} epochs, seed {d['seed']})\n"
            f"test ({t['which']}): R² = {t['r2']:.4f}, RMSE = {t['rmse']:.4g} (field rms {t['field_rms']:.4g})"
         + _files(d))


@command.command("run")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="New run directory.")
@click.option("--resume", type=click.Path(), default=None, help="Continue an interrupted 'sd run'.")
@click.option("--fields", type=click.Choice(["exact", "learned"]), default="exact", show_default=True)
@click.option("--model", type=click.Path(dir_okay=False), default=None, help="Model file (learned fields).")
@click.option("--n", type=Count(min=2), default=200, show_default=True, help="Sites (random positions).")
@click.option("--positions", type=click.Path(dir_okay=False), default=None, help="Positions file (.npy or CSV, n x 3).")
@click.option("--spins", type=click.Path(dir_okay=False), default=None,
              help="Initial spins (.npy or CSV, n x 3, unit length; refused otherwise).")
@click.option("--steps", type=Count(min=1), default=200, show_default=True)
@click.option("--dt", type=float, default=0.01, show_default=True, help="Time step.")
@click.option("--alpha", type=float, default=0.5, show_default=True, help="Gilbert damping.")
@click.option("--T", "temperature", type=float, default=0.0, show_default=True, help="Langevin temperature.")
@click.option("--every", type=Count(min=1), default=10, show_default=True, help="Frame (and checkpoint) interval.")
@physics_options
def run(out, resume, fields, model, n, positions, spins, steps, dt, alpha, temperature, every, **kw) -> None:
    """LLG dynamics of the s-d model with exact or learned fields."""
    from spinscope.workflows.sd_dynamics import sd_run

    opts = get_options()
    res = sd_run(out, n=n, fields=fields, model=model, steps=steps, dt=dt, alpha=alpha, temperature=temperature,
                 every=every, positions=positions, spins=spins, physics=_physics(kw), seed=opts.seed,
                 device=opts.device, resume=resume, progress=opts.show_progress and not opts.json)
    d = res.to_dict()
    s = d["summary"]
    emit(d, f"sd run ({d['fields']} fields) in {d['out']}: energy per spin {s['energy_per_spin_initial']:.6g} -> "
            f"{s['energy_per_spin_final']:.6g}, C(t_end) = {s['autocorrelation_final']:.4g}, "
            f"max ||S|-1| = {s['max_norm_error']:.2g}" + _files(d))


@command.command("compare")
@click.option("--model", type=click.Path(dir_okay=False), required=False, default=None, help="Model file.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="New run directory.")
@click.option("--resume", type=click.Path(), default=None, help="Continue an interrupted 'sd compare'.")
@click.option("--n", type=Count(min=2), default=400, show_default=True, help="Sites (>= 4x the training size).")
@click.option("--realisations", type=Count(min=2), default=5, show_default=True)
@click.option("--steps", type=Count(min=1), default=200, show_default=True)
@click.option("--dt", type=float, default=0.05, show_default=True)
@click.option("--alpha", type=float, default=0.5, show_default=True)
@click.option("--every", type=Count(min=1), default=10, show_default=True)
def compare(model, out, resume, n, realisations, steps, dt, alpha, every) -> None:
    """Quench dynamics with exact and with learned fields over disorder realisations."""
    from spinscope.errors import InputError
    from spinscope.workflows.sd_comparison import sd_compare

    if model is None and resume is None:
        raise InputError("give --model FILE (from 'spinscope sd train') or --resume DIR")
    opts = get_options()
    res = sd_compare(model, out, n=n, realisations=realisations, steps=steps, dt=dt, alpha=alpha, every=every,
                     seed=opts.seed, device=opts.device, resume=resume, progress=opts.show_progress and not opts.json)
    d = res.to_dict()
    s, p = d["summary"], d["parity"]
    emit(d, f"sd compare in {d['out']}: N = {d['config']['n']}, {d['config']['realisations']} realisations\n"
            f"fields on the exact trajectories: R² = {p['r2']:.4f}, RMSE = {p['rmse']:.4g}\n"
            f"energy: learned within the spread at {100 * s['energy']['fraction_of_times_within_spread']:.0f}% of times "
            f"(max diff/spread {s['energy']['max_diff_over_spread']:.3g}); C(t): "
            f"{100 * s['autocorrelation']['fraction_of_times_within_spread']:.0f}% "
            f"(max {s['autocorrelation']['max_diff_over_spread']:.3g}); speed-up {s['speedup_per_trajectory']:.3g}x"
         + _files(d))
