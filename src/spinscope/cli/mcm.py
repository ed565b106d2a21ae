"""``spinscope mcm``: the Minimally Complex Model that best explains binary data.

Variables are printed numbered from 1 (columns of the data file, left to right); the Python API
numbers them from 0.
"""

from __future__ import annotations

import math
from pathlib import Path

import click

from spinscope.cli._common import emit, get_options

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
@click.option("--order", type=click.IntRange(min=1), default=None,
              help="With --basis best: only operators of order <= K, iterated (for large n).")
@click.option("--steps", type=click.IntRange(min=0), default=20000, show_default=True,
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
    from spinscope.errors import DataFileError, InputError
    from spinscope.mcm import MinimallyComplexModel, read_binary_data
    from spinscope.mcm.basis import read_basis_file
    from spinscope.mcm.evidence import log_evidence
    from spinscope.mcm.search import MAX_EXACT_N

    opts = get_options()
    data = read_binary_data(datafile)
    n, N = data.n, data.N
    if model_file is not None:
        if out is not None:
            raise InputError("--model scores data with a saved model; it cannot be combined with --out")
        model = MinimallyComplexModel.load(model_file)
        if model.n_features_in_ != n:
            raise DataFileError(f"{datafile}: has n = {n} variables but the model {model_file} "
                                f"was fitted on n = {model.n_features_in_}")
        lp = float(model.log_proba(data).sum())
        result = {"datafile": str(datafile), "model": str(model_file), "n": n, "N": N,
                  "log_likelihood": lp, "log_likelihood_per_datapoint": lp / N,
                  "bits_per_datapoint": -lp / (N * math.log(2)),
                  "components": [[v + 1 for v in c] for c in model.components_],
                  "numbering": "variables from 1, columns left to right (in the model's basis)"}
        human = "\n".join([
            f"model {model_file}: {len(model.components_)} components "
            + " ".join(_set(c) for c in model.components_),
            *_basis_lines(model),
            f"data {datafile}: n = {n}, N = {N}",
            f"log-likelihood: {lp:.4f} nats = {-lp / (N * math.log(2)):.4f} bits per datapoint"])
        emit(result, human)
        return
    if search is None:
        search = "exact" if n <= MAX_EXACT_N else "greedy"
    if search == "exact" and n > MAX_EXACT_N:
        raise DataFileError(f"{datafile}: n = {n} variables is too many for --search exact "
                            f"(at most {MAX_EXACT_N}); use --search greedy or --search anneal")
    if order is not None and basis != "best":
        raise InputError("--order applies to --basis best only")
    if basis not in ("original", "best"):
        basis_arg = read_basis_file(basis, n)
    else:
        basis_arg = basis
    seed = opts.seed
    if seed is None and search == "anneal":  # fresh entropy, recorded in the output
        import numpy as np

        seed = int(np.random.SeedSequence().generate_state(1, dtype=np.uint32)[0])
    model = MinimallyComplexModel(basis=basis_arg, search=search, order=order, anneal_steps=steps,
                                  seed=seed).fit(data)
    bits = -model.log_evidence_ / (N * math.log(2))
    complete = log_evidence(data, [list(range(n))])
    independent = log_evidence(data, [[i] for i in range(n)])
    written = None
    if out is not None:
        written = model.save(out, overwrite=overwrite)
    res = model.search_result_
    result = {"datafile": str(datafile), "n": n, "N": N,
              "basis": basis if basis in ("original", "best") else str(basis),
              "basis_operators": [[v + 1 for v in range(n) if m >> v & 1] for m in model.basis_],
              "search": search, "optimal": res.optimal, "seed": seed,
              "components": [[v + 1 for v in c] for c in model.components_],
              "component_log_evidence": model.component_log_evidence_,
              "log_evidence": model.log_evidence_, "bits_per_datapoint": bits,
              "log_evidence_complete_model": complete,
              "log_evidence_independent_model": independent,
              "numbering": "variables from 1, columns left to right (in the chosen basis)",
              "units": "natural logarithms (nats)", "model_file": written}
    lines = [f"MCM of {datafile}: n = {n}, N = {N}, basis {result['basis']}, search {search}"
             + (" (global optimum)" if res.optimal else " (heuristic)"), *_basis_lines(model),
             f"  {'component':<10}{'variables':<40}{'log-evidence (nats)':>20}"]
    for k, (c, e) in enumerate(zip(model.components_, model.component_log_evidence_), start=1):
        lines.append(f"  {k:<10}{_set(c):<40}{e:>20.4f}")
    lines.append(f"total log-evidence: {model.log_evidence_:.4f} nats = {bits:.4f} bits per datapoint")
    lines.append(f"(complete model in the original basis: {complete:.4f}; independent: {independent:.4f})")
    if written is not None:
        lines.append(f"model written to {written}")
    emit(result, "\n".join(lines))
