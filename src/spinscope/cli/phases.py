"""``spinscope phases``: machine learning of phases (supervised, transfer, PCA, confusion)."""

from __future__ import annotations

from pathlib import Path

import click

from spinscope.cli._common import Count, emit, get_options

__all__ = ["command"]


@click.command(name="phases")
@click.option("--model", default="ising", show_default=True, help="ising, potts, clock or xy.")
@click.option("--q", type=int, default=None, help="States of potts (default 3) and clock (default 6).")
@click.option("--L", "sizes", default="16,24,32", show_default=True, help="Linear sizes, a comma list (even, >= 4).")
@click.option("--T", "temperatures", default=None,
              help="Temperature grid start:stop:count or a list (default: around the model's transition).")
@click.option("--method", default="supervised", show_default=True, help="supervised, transfer, pca or confusion.")
@click.option("--train-on", default="ising", show_default=True, help="Model that trains the transfer network.")
@click.option("--input", "input_kind", default=None,
              help="spins (Ising only) or correlation [spins for Ising, correlation otherwise and for transfer].")
@click.option("--classifier", default="fc", show_default=True, help="fc (100 sigmoid units) or cnn.")
@click.option("--samples", type=Count(min=4), default=400, show_default=True,
              help="Configurations per temperature and size (half train, half test).")
@click.option("--seeds", type=Count(min=1), default=2, show_default=True, help="Networks trained per size.")
@click.option("--gap", type=click.FloatRange(0, 0.9), default=0.0, show_default=True,
              help="Train only on |T - T_c| >= gap T_c (0: every temperature, as Carrasquilla–Melko).")
@click.option("--epochs", type=Count(min=1), default=None,
              help="Training epochs [default: 40 up to L = 32, 80 above].")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Store and reuse data sets here (default: OUT/data).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="New run directory (default runs/phases-<time>).")
@click.option("--resume", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Continue this run directory (stored data and networks are reused).")
def command(model, q, sizes, temperatures, method, train_on, input_kind, classifier, samples, seeds, gap,
            epochs, data_dir, out, resume) -> None:
    """Find T_c from Monte Carlo configurations with neural networks, PCA or learning by confusion."""
    from spinscope._validation import parse_number_list
    from spinscope.cli._common import parse_int_list
    from spinscope.errors import InputError
    from spinscope.workflows.phases_study import phases

    opts = get_options()
    if out is not None and resume is not None:
        raise InputError("give --out (a new run) or --resume (an earlier run), not both")
    T = None if temperatures is None else parse_number_list(temperatures, "--T", min_count=2)
    result = phases(model=model, q=q, L=parse_int_list(sizes, "--L"), T=T, method=method, train_on=train_on,
                    input=input_kind, classifier=classifier, samples=samples, seeds=seeds, gap=gap,
                    epochs=epochs, out=out, resume=resume, data_dir=data_dir, seed=opts.seed,
                    progress=opts.show_progress and not opts.json, device=opts.device)
    emit(result.to_dict(), _text(result))


def _text(result) -> str:
    cfg, est = result.config, result.estimates
    lines = [f"{cfg['method']} on {cfg['model']}" + (f" (q = {cfg['q']})" if cfg["q"] else "")
             + f", L = {cfg['L']}, seed {cfg['seed']}, {result.seconds:g} s"]
    for r in result.per_L:
        if "T_star" in r:
            lines.append(f"  L = {r['L']:3d}: T* = {r['T_star']:.4f} ± {r['T_star_err']:.4f}"
                         + (f"  (T_low {r['T_low']:.4f}, T_high {r['T_high']:.4f})" if "T_low" in r else ""))
        elif "correlation_absPC1_absm" in r:
            lines.append(f"  L = {r['L']:3d}: corr(|PC1|, |m|) = {r['correlation_absPC1_absm']:.4f}")
    for key in ("nu_fixed", "nu_fitted"):
        if key in est:
            f = est[key]
            lines.append(f"T_c = {f['T_c']:.4f} ± {f['T_c_err']:.4f} ({key.replace('_', ' ')}: nu = {f['nu']:.3g})")
    if "T_c" in est and "nu_fixed" not in est:
        lines.append(f"T_c = {est['T_c']:.4f}" + (f" ± {est['T_c_err']:.4f}" if "T_c_err" in est else ""))
    if "T_low" in est:
        lines.append(f"two temperatures (largest L): T_1 = {est['T_low']:.4f}, T_2 = {est['T_high']:.4f}")
    if "reference" in est:
        lines.append("known: " + ", ".join(f"{t:.5g}" for t in est["reference"])
                     + (f"; relative error {est['relative_error']:+.2%}" if "relative_error" in est else ""))
    lines.append(f"run directory: {result.out}")
    return "\n".join(lines)
