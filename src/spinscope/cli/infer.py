"""``spinscope infer``: learn an Ising or Potts model from samples and write it as a model file.

Columns of the data are printed numbered from 1 (left to right); the Python API numbers them
from 0. The written ``.npz`` is read as it is by ``spinscope simulate FILE`` (at temperature
``T = 1 / beta``) and ``spinscope solve FILE``.
"""

from __future__ import annotations

from pathlib import Path

import click

from spinscope.cli._common import Count, emit, get_options

__all__ = ["command"]

_METHODS = ["plm", "bm", "mf", "tap", "exact"]


@click.command(name="infer")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--method", type=click.Choice(_METHODS), default="plm", show_default=True,
              help="pseudo-likelihood, Boltzmann learning, naive mean field, TAP, exact likelihood (n <= 20).")
@click.option("--q", type=Count(min=2), default=None,
              help="Potts data with states 0..q-1 (default: Ising data, ±1 or 0/1).")
@click.option("--beta", type=float, default=1.0, show_default=True,
              help="Inverse temperature of the samples (the model is to be simulated at T = 1/beta).")
@click.option("--l1", type=float, default=0.0, show_default=True, help="L1 regularisation (plm only).")
@click.option("--l2", type=float, default=0.0, show_default=True, help="L2 regularisation (plm, bm, exact).")
@click.option("--asymmetric", is_flag=True, help="plm: fit each spin's conditional separately, then symmetrise.")
@click.option("--check-samples", type=Count(min=0), default=10000, show_default=True,
              help="Samples of the fitted model for the moment residuals when n is too large to enumerate (0: skip).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the fitted model here (.npz).")
@click.option("--overwrite", is_flag=True, help="Allow --out to replace an existing file.")
def command(data, method, q, beta, l1, l2, asymmetric, check_samples, out, overwrite) -> None:
    """Learn the couplings and fields of an Ising (or --q Potts) model from samples in DATA.

    DATA: one configuration per line (0/1 strings as for `spinscope mcm`, or ±1 / 0/1 / Potts
    states separated by spaces or commas), a .csv, or a .npy array (rows = configurations).
    """
    from spinscope.errors import InputError
    from spinscope.workflows.inference import infer

    opts = get_options()
    options = {}
    if asymmetric:
        if method != "plm":
            raise InputError("--asymmetric applies to --method plm only")
        options["symmetric"] = False
    result = infer(data, method=method, q=q, beta=beta, l1=l1, l2=l2, out=out, overwrite=overwrite,
                   check_samples=check_samples, seed=opts.seed, device=opts.device, options=options)
    emit(result.to_dict(), _text(result))


def _text(result) -> str:
    fit, d, diag = result.estimator.summary(), result.data, result.diagnostics
    kind = "Ising" if d["q"] is None else f"{d['q']}-state Potts"
    lines = [f"{kind} model from {d['source']}: n = {d['n']}, {d['n_samples']} samples, method "
             f"{result.method}, beta = {fit['beta']:g}, seed {result.seed}",
             f"couplings: mean {fit['couplings']['mean']:+.4f}, std {fit['couplings']['std']:.4f}, "
             f"max |J| {fit['couplings']['max_abs']:.4f}",
             f"pseudo-log-likelihood: {diag['pseudo_log_likelihood']:.5f} nats per spin per sample"]
    if d["constant_columns"]:
        lines.append("columns that never change: " + ", ".join(str(i + 1) for i in d["constant_columns"]))
    mom = diag["moments"]
    if "single" in mom:
        lines.append(f"moment residuals ({mom['how']}): single max {mom['single']['max_abs']:.2e} "
                     f"(rms z {mom['single']['rms_z']:.2f}), pair max {mom['pair']['max_abs']:.2e} "
                     f"(rms z {mom['pair']['rms_z']:.2f})")
    if "converged" in fit:
        lines.append(f"converged: {fit['converged']}")
    if result.model_file is not None:
        lines.append(f"model written to {result.model_file} (simulate it at T = {1 / fit['beta']:g})")
    return "\n".join(lines)
