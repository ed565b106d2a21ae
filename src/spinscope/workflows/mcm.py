"""The runs behind ``spinscope mcm``: fit the MCM of largest evidence, or score data with a saved one.

:func:`fit_mcm` selects the Minimally Complex Model of binary data (default search: exact for
``n <= MAX_EXACT_N``, else greedy), adds the evidence of the two baselines (the complete and the
independent model in the original basis) and optionally writes the model file; :func:`score_mcm`
computes the log-likelihood of data under a model file written by :func:`fit_mcm`. Both return an
object whose ``to_dict()`` is exactly the command's ``--json`` output, variables numbered from 1.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinscope._files import check_output_path
from spinscope._validation import resolve_seed
from spinscope.errors import DataFileError, InputError

__all__ = ["MCMFit", "MCMScore", "default_search", "fit_mcm", "score_mcm"]

_NAMED_BASES = ("original", "best")


def default_search(n: int) -> str:
    """The partition search used when none is given: ``"exact"`` for ``n <= MAX_EXACT_N``, else ``"greedy"``.

    Parameters
    ----------
    n : int
        Number of variables.

    Returns
    -------
    str
        ``"exact"`` (guaranteed optimal, time ``3**n``) or ``"greedy"``.
    """
    from spinscope.mcm.search import MAX_EXACT_N

    return "exact" if n <= MAX_EXACT_N else "greedy"


def _one_based(components) -> list[list[int]]:
    return [[v + 1 for v in c] for c in components]


@dataclass
class MCMFit:
    """A fitted MCM with its baselines, as reported by ``spinscope mcm``.

    Attributes
    ----------
    model : MinimallyComplexModel
        The fitted model (``components_``, ``basis_``, ``log_evidence_``, ...).
    datafile : str or None
        The data file (None for data given as an array).
    basis : str
        ``"original"``, ``"best"``, the basis file, or ``"given"`` (operators given in Python).
    search : str
        The partition search used.
    seed : int or None
        The seed of the annealing (always recorded for ``search="anneal"``), or the seed given.
    log_evidence_complete_model, log_evidence_independent_model : float
        Log-evidence (nats) of the complete and of the independent model in the original basis.
    model_file : Path or None
        Where the model was written.
    """

    model: Any = field(repr=False)
    datafile: str | None
    basis: str
    search: str
    seed: int | None
    log_evidence_complete_model: float
    log_evidence_independent_model: float
    model_file: Path | None = None

    @property
    def optimal(self) -> bool:
        """True when the partition is the guaranteed global optimum (exact search)."""
        return bool(self.model.search_result_.optimal)

    @property
    def bits_per_datapoint(self) -> float:
        """``-log_evidence / (N ln 2)``: the code length of one observation under the model."""
        return -self.model.log_evidence_ / (self.model.n_samples_ * math.log(2))

    def to_dict(self) -> dict:
        """The ``--json`` output of ``spinscope mcm`` (variables numbered from 1)."""
        m = self.model
        n = m.n_features_in_
        return {"datafile": self.datafile, "n": n, "N": m.n_samples_, "basis": self.basis,
                "basis_operators": [[v + 1 for v in range(n) if b >> v & 1] for b in m.basis_],
                "search": self.search, "optimal": self.optimal, "seed": self.seed,
                "components": _one_based(m.components_),
                "component_log_evidence": m.component_log_evidence_,
                "log_evidence": m.log_evidence_, "bits_per_datapoint": self.bits_per_datapoint,
                "log_evidence_complete_model": self.log_evidence_complete_model,
                "log_evidence_independent_model": self.log_evidence_independent_model,
                "numbering": "variables from 1, columns left to right (in the chosen basis)",
                "units": "natural logarithms (nats)",
                "model_file": None if self.model_file is None else str(self.model_file)}


@dataclass
class MCMScore:
    """Log-likelihood of data under a saved MCM, as reported by ``spinscope mcm --model``.

    Attributes
    ----------
    model : MinimallyComplexModel
        The loaded model.
    datafile, model_file : str
        The scored data and the model file.
    n, N : int
        Variables and observations of the data.
    log_likelihood : float
        Total log-likelihood (nats) of the data under the model.
    """

    model: Any = field(repr=False)
    datafile: str
    model_file: str
    n: int
    N: int
    log_likelihood: float

    @property
    def bits_per_datapoint(self) -> float:
        """``-log_likelihood / (N ln 2)``."""
        return -self.log_likelihood / (self.N * math.log(2))

    def to_dict(self) -> dict:
        """The ``--json`` output of ``spinscope mcm --model`` (variables numbered from 1)."""
        lp = self.log_likelihood
        return {"datafile": self.datafile, "model": self.model_file, "n": self.n, "N": self.N,
                "log_likelihood": lp, "log_likelihood_per_datapoint": lp / self.N,
                "bits_per_datapoint": self.bits_per_datapoint,
                "components": _one_based(self.model.components_),
                "numbering": "variables from 1, columns left to right (in the model's basis)"}


def _load_data(data: Any):
    """``(BinaryData, datafile name or None)`` of a data-file path or of in-memory data."""
    from spinscope.mcm import as_binary_data, read_binary_data

    if isinstance(data, (str, os.PathLike)):
        return read_binary_data(data), str(data)
    return as_binary_data(data), None


def _check_options(datafile: str | None, n: int, search: str | None, basis: Any,
                   order: int | None) -> str:
    """The search to run, after checking the options against ``n`` (the CLI's messages)."""
    from spinscope.mcm.search import MAX_EXACT_N

    search = default_search(n) if search is None else search
    if search not in ("exact", "greedy", "anneal"):
        raise InputError(f"search must be 'exact', 'greedy' or 'anneal', got {search!r}")
    if search == "exact" and n > MAX_EXACT_N:
        raise DataFileError(f"{datafile or 'data'}: n = {n} variables is too many for --search exact "
                            f"(at most {MAX_EXACT_N}); use --search greedy or --search anneal")
    if order is not None and not (isinstance(basis, str) and basis == "best"):
        raise InputError("--order applies to --basis best only")
    return search


def _basis_argument(basis: Any, n: int) -> tuple[Any, str]:
    """``(basis for MinimallyComplexModel, label for the output)``: a name, a file, or operators."""
    from spinscope.mcm.basis import read_basis_file

    if isinstance(basis, str) and basis in _NAMED_BASES:
        return basis, basis
    if isinstance(basis, (str, os.PathLike)):
        return read_basis_file(basis, n), str(basis)
    return basis, "given"


def fit_mcm(data: Any, *, basis: Any = "original", search: str | None = None, order: int | None = None,
            steps: int = 20000, out: str | os.PathLike | None = None, overwrite: bool = False,
            seed: int | None = None) -> MCMFit:
    """Select the MCM of largest Bayesian evidence for binary data (``spinscope mcm DATAFILE``).

    Parameters
    ----------
    data : path-like, BinaryData, array or DataFrame
        A data file (one 0/1 string per line) or data accepted by
        :func:`~spinscope.mcm.data.as_binary_data`.
    basis : "original", "best", path-like or operators
        The basis of the components: the original variables, the best basis, a file of ``n``
        operators (0/1 strings of length ``n``, one per line), or operators as accepted by
        :class:`~spinscope.mcm.MinimallyComplexModel`.
    search : {"exact", "greedy", "anneal"}, optional
        Partition search; default :func:`default_search` (exact for ``n <= MAX_EXACT_N``).
    order : int, optional
        With ``basis="best"``: only operators of order ``<= order``, iterated (for large ``n``).
    steps : int
        Moves of the annealing search.
    out : path-like, optional
        Write the fitted model (JSON) here. Checked before anything is computed.
    overwrite : bool
        Allow ``out`` to replace an existing file.
    seed : int, optional
        Seed of the annealing; with ``search="anneal"`` a fresh one is drawn when None, and the
        seed used is recorded in the result either way.

    Returns
    -------
    MCMFit
        ``to_dict()`` is the ``--json`` output of ``spinscope mcm``.

    Raises
    ------
    InputError
        Bad options (``order`` without the best basis, exact search for ``n > MAX_EXACT_N``, an
        ``out`` that cannot be written, a malformed data or basis file).
    """
    from spinscope.mcm import MinimallyComplexModel
    from spinscope.mcm.evidence import log_evidence

    if out is not None:
        out = check_output_path(out, overwrite=overwrite)
    bdata, datafile = _load_data(data)
    n = bdata.n
    search = _check_options(datafile, n, search, basis, order)
    basis_arg, basis_label = _basis_argument(basis, n)
    if search == "anneal" or seed is not None:
        seed = resolve_seed(seed)
    model = MinimallyComplexModel(basis=basis_arg, search=search, order=order, anneal_steps=steps,
                                  seed=seed).fit(bdata)
    complete = log_evidence(bdata, [list(range(n))])
    independent = log_evidence(bdata, [[i] for i in range(n)])
    written = model.save(out, overwrite=overwrite) if out is not None else None
    return MCMFit(model=model, datafile=datafile, basis=basis_label, search=search, seed=seed,
                  log_evidence_complete_model=complete, log_evidence_independent_model=independent,
                  model_file=written)


def score_mcm(datafile: str | os.PathLike, model_file: str | os.PathLike) -> MCMScore:
    """Log-likelihood of binary data under a saved MCM (``spinscope mcm DATAFILE --model FILE``).

    Parameters
    ----------
    datafile : path-like
        Data file (one 0/1 string per line), in the original variables.
    model_file : path-like
        A model written by :func:`fit_mcm` (``out``) or :meth:`MinimallyComplexModel.save`.

    Returns
    -------
    MCMScore
        ``to_dict()`` is the ``--json`` output of ``spinscope mcm --model``.

    Raises
    ------
    DataFileError
        The data do not have the model's number of variables, or cannot be read.
    ModelFileError
        The model file is missing or is not an MCM file.
    """
    from spinscope.mcm import MinimallyComplexModel, read_binary_data

    data = read_binary_data(datafile)
    model = MinimallyComplexModel.load(model_file)
    if model.n_features_in_ != data.n:
        raise DataFileError(f"{datafile}: has n = {data.n} variables but the model {model_file} "
                            f"was fitted on n = {model.n_features_in_}")
    lp = float(model.log_proba(data).sum())
    return MCMScore(model=model, datafile=str(datafile), model_file=str(model_file), n=data.n,
                    N=data.N, log_likelihood=lp)
