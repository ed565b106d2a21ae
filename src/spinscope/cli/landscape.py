"""``spinscope landscape [--protocol ...]`` and ``spinscope landscape study|search``.

Without a sub-command: the loss-landscape study (:func:`spinscope.workflows.loss_study.landscape_protocols`).

``study KIND --n 16,18 --instances 100 --levels 3``: exhaustive landscapes (n <= 20) of random
instances, original and every encoded level (:func:`spinscope.workflows.landscape.landscape_study`).
``search KIND [FILE] --n 128 --budget 100000 --runs 10``: local search on the original and the
encoded landscape with the same budget (:func:`spinscope.workflows.landscape.landscape_search`).
"""

from __future__ import annotations

import click

from spinscope.cli._common import Count, emit, get_options, parse_int_list

__all__ = ["command"]

_KINDS = "partition, ising (±1 SK) or maxcut (sparse random graph)"


@click.group("landscape", invoke_without_command=True)
@click.option("--protocol", type=click.Choice(["walk", "interpolate", "cluster", "flatness", "pspin", "all"]),
              default="all", show_default=True, help="Loss-landscape protocol to run (without a sub-command).")
@click.option("--width", type=int, default=64, show_default=True, help="Hidden units of the ReLU networks.")
@click.option("--nets", type=int, default=32, show_default=True, help="Networks of the main ensemble (>= 3).")
@click.option("--dataset", default="digits", show_default=True,
              help="digits (embedded), mnist (IDX files in --data-dir) or a directory of IDX files.")
@click.option("--data-dir", type=click.Path(), default=None, help="Directory of the MNIST IDX files.")
@click.option("--p", "p", type=int, default=3, show_default=True, help="Order of the spherical p-spin model (>= 2).")
@click.option("--N", "N", type=int, default=200, show_default=True, help="Spins of the p-spin model.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="New run directory (default runs/landscape-loss-<time>).")
@click.option("--resume", type=click.Path(file_okay=False), default=None, help="Continue the run in this directory.")
@click.option("--steps", type=int, default=600, show_default=True, help="Adam steps of every network (batch 64).")
@click.pass_context
def command(ctx, protocol, width, nets, dataset, data_dir, p, N, out, resume, steps) -> None:
    """Loss landscapes as spin glasses (no sub-command), or landscape encodings (study, search).

    Without a sub-command: Liao et al.'s protocols on one-hidden-layer ReLU networks and the
    spherical p-spin critical points, into a run directory with tables, figures and report.html.
    """
    if ctx.invoked_subcommand is not None:
        return
    from spinscope.workflows.loss_study import landscape_protocols

    opts = get_options()
    res = landscape_protocols(protocol, width=width, nets=nets, dataset=dataset, data_dir=data_dir, p=p, N=N,
                              out=out, resume=resume, seed=opts.seed, steps=steps, progress=opts.show_progress and not opts.json)
    d = res.to_dict()
    emit(d, _loss_text(d))


def _loss_text(d: dict) -> str:
    lines = [f"loss landscape ({d['config']['protocol']}), seed {d['seed']}, {d['seconds']:.1f} s, run in {d['out']}"]
    for name, s in d["protocols"].items():
        flat = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in s.items()
                         if isinstance(v, (int, float, bool)) or v is None)
        lines.append(f"{name}: {flat}")
        for key, sub in s.items():
            if isinstance(sub, dict):
                lines.append(f"  {key}: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                                     for k, v in sub.items()))
    return "\n".join(lines + [f"written: {f}" for f in d["files"]])


def _study_text(d: dict) -> str:
    lines = [f"{d['kind']} landscapes, seed {d['seed']}",
             f"{'n':>3} {'level':>5} {'spins':>5} {'minima':>10} {'steepest':>10} {'first-impr.':>11} "
             f"{'same optimum':>12}"]
    for s in d["studies"]:
        for row, m in zip(s["per_level"], s["sizes"], strict=True):
            lines.append(f"{s['n']:>3} {row['level']:>5} {m:>5} {row['n_minima']:>10.4g} "
                         f"{row['steepest_success']:>10.4g} {row['random_success']:>11.4g} "
                         f"{'yes' if row['same_optimum'] else 'NO':>12}")
    lines += [f"written: {f}" for f in d["files"]]
    return "\n".join(lines)


@command.command("study")
@click.argument("kind", type=click.Choice(["partition", "ising", "maxcut"]))
@click.option("--n", "sizes", default="16", show_default=True, help="Sizes, comma list (each 2 .. 20).")
@click.option("--instances", type=Count(), default=100, show_default=True, help="Random instances per size.")
@click.option("--levels", type=Count(), default=1, show_default=True, help="Encoding levels (each halves the spins).")
@click.option("--rule", type=click.Choice(["half", "independent"]), default="half", show_default=True,
              help="Fine spins of ising/maxcut levels: weakest half, or an independent set.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Directory for landscape.json and landscape.png (checked first).")
@click.option("--overwrite", is_flag=True, help="Allow a non-empty --out directory.")
def study(kind, sizes, instances, levels, rule, out, overwrite) -> None:
    """Exhaustive landscapes of KIND (partition, ising, maxcut): minima, basins, walk success per level."""
    from spinscope.workflows.landscape import landscape_study

    opts = get_options()
    res = landscape_study(kind, parse_int_list(sizes, "--n"), instances=instances, levels=levels, rule=rule,
                          seed=opts.seed, out=out, overwrite=overwrite,
                          progress=opts.show_progress and not opts.json)
    d = res.to_dict()
    emit(d, _study_text(d))


@command.command("search")
@click.argument("kind", type=click.Choice(["partition", "ising", "maxcut"]))
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--n", type=Count(), default=128, show_default=True, help="Spins of the random instances (no FILE).")
@click.option("--budget", type=Count(), default=None, help="Flip evaluations per search (default 100000).")
@click.option("--time-limit", type=float, default=None, help="Seconds per search (ising, maxcut).")
@click.option("--runs", type=Count(), default=10, show_default=True, help="Searches on each landscape.")
@click.option("--encoding", type=click.Choice(["auto", "independent", "block"]), default="auto",
              show_default=True, help="Encoded landscape of ising/maxcut problems.")
@click.option("--n-fine", type=Count(), default=None,
              help="Decimated spins: block size (ising/maxcut, default 8) or numbers (partition, default 16).")
@click.option("--method", type=click.Choice(["first", "steepest"]), default="first", show_default=True,
              help="Descents: first improvement (random scan) or steepest (ising/maxcut).")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Directory for landscape.json.")
@click.option("--overwrite", is_flag=True, help="Allow a non-empty --out directory.")
def search(kind, file, n, budget, time_limit, runs, encoding, n_fine, method, out, overwrite) -> None:
    """Local search on the original and encoded landscape of KIND [FILE], same budget, several runs."""
    from spinscope.workflows.landscape import landscape_search

    opts = get_options()
    res = landscape_search(kind, file, n=n, budget=budget, time_limit=time_limit, runs=runs, encoding=encoding,
                           n_fine=n_fine, method=method, seed=opts.seed, out=out, overwrite=overwrite,
                           progress=opts.show_progress and not opts.json)
    d = res.to_dict()
    s = d["summary"]
    text = (f"{kind} search, n = {s['n']}, {s['runs']} runs, seed {d['seed']} ({s['value']}; "
            f"budget {s['budget']}, time limit {s['time_limit']})\n"
            f"median original {s['median_original']:.6g}, encoded {s['median_encoded']:.6g}; "
            f"best original {s['best_original']:.6g}, encoded {s['best_encoded']:.6g}\n"
            f"encoded better in {s['encoded_better']}, ties {s['ties']}, original better in {s['original_better']}")
    emit(d, text + "".join(f"\nwritten: {f}" for f in d["files"]))
