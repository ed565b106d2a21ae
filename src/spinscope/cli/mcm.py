"""``spinscope mcm``: the Minimally Complex Model that best explains binary data.

Variables are printed numbered from 1 (columns of the data file, left to right); the Python API
numbers them from 0.
"""

from __future__ import annotations

from pathlib import Path

import click

from spinscope.cli._common import Count, emit, get_options

__all__ = ["command"]


def _set(vs) -> str:
    return "{" + ",".join(str(v + 1) for v in vs) + "}"


def _basis_lines(model) -> list[str]:
    from spinscope.mcm._partition import variables_of

    if model.basis_ == [1 << i for i in range(model.n_features_in_)]:
        return []
    lines = ["basis (new variable a = product of the original spins listed):"]
    for a, m in enumerate(model.basis_):
        lines.append(f"  s'{a + 1} = " + " ".join(f"s{v + 1}" for v in variables_of(m)))
    return lines


@click.command(name="mcm")
@click.argument("datafile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--basis", default="original", show_default=True,
              help="original, best, or a FILE of n operators (0/1 strings of length n, one per line).")
@click.option("--search", type=click.Choice(["exact", "greedy", "anneal"]), default=None,
              help="Partition search [default: exact for n <= 22, else greedy].")
@click.option("--order", type=Count(min=1), default=None,
              help="With --basis best: only operators of order <= K, iterated (for large n).")
@click.option("--steps", type=Count(min=0), default=20000, show_default=True,
              help="Moves of --search anneal.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the fitted model (JSON) here.")
@click.option("--model", "model_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Load a model written by --out and score DATAFILE with it (no fitting).")
@click.option("--overwrite", is_flag=True, help="Allow --out to replace an existing file.")
def command(datafile, basis, search, order, steps, out, model_file, overwrite) -> None:
    """Select the MCM of largest Bayesian evidence for DATAFILE (one 0/1 string per line).

    Prints the components (variables numbered from 1, left to right), each component's
    log-evidence and the total log-evidence in nats and in bits per datapoint.
    """
    from spinscope.errors import InputError
    from spinscope.workflows.mcm import fit_mcm, score_mcm

    if model_file is not None:
        if out is not None:
            raise InputError("--model scores data with a saved model; it cannot be combined with --out")
        scored = score_mcm(datafile, model_file)
        emit(scored.to_dict(), _score_text(scored))
        return
    fitted = fit_mcm(datafile, basis=basis, search=search, order=order, steps=steps, out=out,
                     overwrite=overwrite, seed=get_options().seed)
    emit(fitted.to_dict(), _fit_text(fitted))


def _score_text(scored) -> str:
    model = scored.model
    return "\n".join([
        f"model {scored.model_file}: {len(model.components_)} components "
        + " ".join(_set(c) for c in model.components_),
        *_basis_lines(model),
        f"data {scored.datafile}: n = {scored.n}, N = {scored.N}",
        f"log-likelihood: {scored.log_likelihood:.4f} nats = {scored.bits_per_datapoint:.4f} bits per datapoint"])


def _fit_text(fitted) -> str:
    model = fitted.model
    n, N = model.n_features_in_, model.n_samples_
    lines = [f"MCM of {fitted.datafile}: n = {n}, N = {N}, basis {fitted.basis}, search {fitted.search}"
             + (" (global optimum)" if fitted.optimal else " (heuristic)"), *_basis_lines(model),
             f"  {'component':<10}{'variables':<40}{'log-evidence (nats)':>20}"]
    for k, (c, e) in enumerate(zip(model.components_, model.component_log_evidence_), start=1):
        lines.append(f"  {k:<10}{_set(c):<40}{e:>20.4f}")
    lines.append(f"total log-evidence: {model.log_evidence_:.4f} nats = "
                 f"{fitted.bits_per_datapoint:.4f} bits per datapoint")
    lines.append(f"(complete model in the original basis: {fitted.log_evidence_complete_model:.4f}; "
                 f"independent: {fitted.log_evidence_independent_model:.4f})")
    if fitted.model_file is not None:
        lines.append(f"model written to {fitted.model_file}")
    return "\n".join(lines)
