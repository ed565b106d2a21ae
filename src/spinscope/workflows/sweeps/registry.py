"""The sweepable workflows: ``name -> SweepWorkflow`` (options, how to run one task).

A sweep file names one workflow and gives its options under the names of the workflow's CLI
options (``--measure-every`` is ``measure_every``; the command's MODEL argument is ``model``).
Each entry declares those options (kind, default, range, choices) so that a sweep file is
checked completely before anything starts, and a ``run(options, seed, out_dir) -> rows``
adapter that runs one task in a fresh directory ``out_dir`` and returns its result rows (one
dict per temperature, JSON-ready). ``tests/test_sweep_spec.py`` checks that every entry's
options equal its CLI command's parameters (names, kinds, defaults, ranges, choices), so the
two never drift apart.

Adding a workflow is one :func:`register` call below (its options and its adapter).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SWEEPABLE", "Option", "SweepWorkflow", "register"]

KINDS = ("int", "float", "str", "bool", "numbers")


@dataclass(frozen=True)
class Option:
    """One option of a sweepable workflow.

    ``kind`` is ``int``, ``float``, ``str``, ``bool`` or ``numbers`` (a list of numbers, or a
    string in the CLI's form ``2.0,2.2`` / ``start:stop:count``, as ``--T``); ``default`` is
    the CLI's default; ``minimum``/``maximum`` bound an ``int``; ``choices`` list the allowed
    strings.
    """

    kind: str
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SweepWorkflow:
    """A workflow a sweep can run: its options and its one-task adapter.

    Attributes
    ----------
    name : str
        The workflow's name in a sweep file (and its CLI command).
    options : mapping of str to Option
        Every option, under its CLI name with ``-`` written as ``_``.
    run : callable ``(options, seed, out_dir) -> list of dict``
        Runs one task with the complete ``options`` and the task's ``seed``, writing its own
        files in the new directory ``out_dir``; returns one JSON-ready row per temperature.
    required : tuple of str
        Options without a default that a sweep must give (in ``[options]`` or ``[axes]``).
    """

    name: str
    options: Mapping[str, Option]
    run: Callable[[dict, int, Path], list[dict]]
    required: tuple[str, ...] = ()


SWEEPABLE: dict[str, SweepWorkflow] = {}


def register(workflow: SweepWorkflow) -> SweepWorkflow:
    """Add ``workflow`` to :data:`SWEEPABLE` (its options checked to have known kinds)."""
    bad = [k for k, o in workflow.options.items() if o.kind not in KINDS]
    if bad:
        raise ValueError(f"sweep workflow {workflow.name}: options {bad} have unknown kinds; use {KINDS}")
    SWEEPABLE[workflow.name] = workflow
    return workflow


# ----------------------------------------------------------------------------- simulate
def _run_simulate(options: dict, seed: int, out_dir: Path) -> list[dict]:
    from spinscope.workflows.simulation import SIMULATE_OPTIONS, simulate_spec

    res = simulate_spec(options["model"], options={k: options[k] for k in SIMULATE_OPTIONS},
                        seed=seed, out=out_dir, figures=False)
    return res.summary_rows


def _lattices() -> tuple[str, ...]:
    from spinscope.workflows.specs import LATTICES

    return tuple(LATTICES)


def _simulate_options() -> dict[str, Option]:
    from spinscope.mc.rules import BACKENDS, RULES

    return {
        "model": Option("str"), "lattice": Option("str", choices=_lattices()),
        "dim": Option("int", minimum=1, maximum=3), "L": Option("int", 16, minimum=2),
        "n": Option("int", 64, minimum=2), "q": Option("int"),
        "T": Option("numbers", "2.269"), "algorithm": Option("str", "metropolis", choices=tuple(RULES)),
        "backend": Option("str", "numba", choices=tuple(BACKENDS)),
        "sweeps": Option("int", 1000, minimum=1), "therm": Option("int", minimum=0),
        "replicas": Option("int", 1, minimum=1), "measure_every": Option("int", 1, minimum=1),
        "clusters": Option("int", 1, minimum=1), "tempering": Option("bool", False),
        "start": Option("str", "random", choices=("random", "ordered")),
    }


register(SweepWorkflow("simulate", _simulate_options(), _run_simulate, required=("model",)))


# ----------------------------------------------------------------------------- exact
def _run_exact(options: dict, seed: int, out_dir: Path) -> list[dict]:
    """Exact tables draw no random numbers (``seed`` is unused); the table goes to ``table.json``."""
    import json

    from spinscope._files import atomic_write
    from spinscope._jsonutil import to_jsonable
    from spinscope.workflows.exact import exact_table

    table = exact_table(options["model"], temperatures=options["T"], L=options["L"],
                        dim=options["dim"], q=options["q"], lattice=options["lattice"], J=options["J"])
    out_dir.mkdir(parents=True)
    atomic_write(out_dir / "table.json", json.dumps(to_jsonable(table.to_dict()), indent=2))
    return table.rows


register(SweepWorkflow("exact", {
    "model": Option("str"), "T": Option("numbers", "1.5:3.5:9"), "L": Option("int", 4, minimum=2),
    "dim": Option("int", minimum=1, maximum=3), "q": Option("int", 3, minimum=2),
    "lattice": Option("str", choices=_lattices()), "J": Option("float", 1.0),
}, _run_exact, required=("model",)))


# ----------------------------------------------------------------------------- analyze
def _flat_scalars(d: dict, prefix: str = "") -> dict:
    """The numbers, strings and booleans of ``d`` and of its sub-dicts (``spectrum_bulk_edge``)."""
    row = {}
    for k, v in d.items():
        if isinstance(v, dict):
            row.update(_flat_scalars(v, f"{prefix}{k}_"))
        elif v is None or isinstance(v, (bool, int, float, str)):
            row[prefix + k] = v
    return row


def _run_analyze(options: dict, seed: int, out_dir: Path) -> list[dict]:
    """One network (a weights file, or a random one of widths ``random``): one row of its scalars;
    the whole analysis goes to ``analysis.json`` (and the plots, as ``analyze --out`` writes them)."""
    import json

    from spinscope._files import atomic_write
    from spinscope._jsonutil import to_jsonable
    from spinscope._validation import parse_fractions, parse_int_list
    from spinscope.workflows.network_analysis import analyze

    o = options
    random = parse_int_list(o["random"], "random") if o["random"] else None
    fractions = parse_fractions(o["tap_count_at"], "tap_count_at") if o["tap_count"] else ()
    res = analyze(o["weights_file"], random=random, init=o["init"], betas=o["betas"],
                  n_betas=o["n_betas"], tap_starts=o["tap_starts"], tap_beta=o["tap_beta"],
                  tap=not o["no_tap"], spectrum=not o["no_spectrum"], biases=not o["no_biases"],
                  mc_check=o["mc_check"], mc_sweeps=o["mc_sweeps"], out=out_dir,
                  overwrite=o["overwrite"], seed=seed, tap_count=o["tap_count"],
                  tap_count_at=fractions, tap_count_starts=o["tap_count_starts"])
    out_dir.mkdir(parents=True, exist_ok=True)
    d = res.to_dict()
    atomic_write(out_dir / "analysis.json", json.dumps(to_jsonable(d), indent=2), overwrite=True)
    row = _flat_scalars(d)
    row["layers"] = "-".join(map(str, d.get("layers", [])))
    return [row]


register(SweepWorkflow("analyze", {
    "weights_file": Option("str"), "random": Option("str"),
    "init": Option("str", "torch", choices=("torch", "kaiming", "xavier", "normal")),
    "betas": Option("numbers"), "n_betas": Option("int", 200, minimum=3),
    "tap_starts": Option("int", 64, minimum=1), "tap_beta": Option("float"),
    "no_tap": Option("bool", False), "tap_count": Option("bool", False),
    "tap_count_at": Option("str", "0.5,0.01,0"), "tap_count_starts": Option("int", 256, minimum=1),
    "no_spectrum": Option("bool", False), "no_biases": Option("bool", False),
    "mc_check": Option("bool", False), "mc_sweeps": Option("int", 2000, minimum=10),
    "overwrite": Option("bool", False),
}, _run_analyze))


# ----------------------------------------------------------------------------- cpm
def _run_cpm(options: dict, seed: int, out_dir: Path) -> list[dict]:
    """One Cellular Potts run (its run directory is the task's); one row of final observables.

    ``connectivity = false`` (the flag's default) leaves the preset's or the config's setting.
    """
    from spinscope.workflows.cell_sorting import cpm

    o = options
    res = cpm(o["preset"], config=o["config"], mcs=o["mcs"], T=o["T"], connectivity=o["connectivity"] or None,
              rule=o["rule"], backend=o["backend"], replicas=o["replicas"], tile=o["tile"],
              points=o["points"], out=out_dir, seed=seed, progress=False)
    return [{"mcs": res.mcs, **res.final}]


register(SweepWorkflow("cpm", {
    "preset": Option("str", choices=("cellsort", "graner-glazier", "morpheus")), "config": Option("str"),
    "mcs": Option("int", minimum=0), "T": Option("float"), "connectivity": Option("bool", False),
    "rule": Option("str", "standard", choices=("standard", "exact")),
    "backend": Option("str", "numba", choices=("numba", "torch")),
    "replicas": Option("int", 1, minimum=1), "tile": Option("int", minimum=1),
    "points": Option("int", 40, minimum=2),
}, _run_cpm))


# ----------------------------------------------------------------------------- hopfield
def _run_hopfield(options: dict, seed: int, out_dir: Path) -> list[dict]:
    """One phase diagram: a row per load (``T_M``, ``T_c``, ``T_g``, and the T = 0 capacity of
    the priors), or one row of the reference numbers with ``diagram = false``; the Monte Carlo
    points, if any, are in the task's run directory."""
    from spinscope.workflows.hopfield_study import hopfield

    o = options
    res = hopfield(alphas=o["alpha"], temperatures=o["T"], pattern_prior=o["prior_patterns"],
                   hidden_prior=o["prior_hidden"], diagram=o["diagram"], family=o["family"], mc=o["mc"],
                   N=o["N"], mc_alphas=o["mc_alpha"], mc_offset=o["mc_offset"],
                   patterns_per_point=o["per_point"], sweeps=o["sweeps"], burn_in=o["burn_in"],
                   patterns=o["patterns"], out=out_dir, seed=seed, progress=False)
    ref = {k: v for k, v in res.reference.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if res.diagram is None:
        return [ref]
    return [{**line, **ref} for line in res.diagram.lines()]


register(SweepWorkflow("hopfield", {
    "diagram": Option("bool", True), "alpha": Option("numbers"), "T": Option("numbers"),
    "prior_patterns": Option("str", "boolean"), "prior_hidden": Option("str", "gaussian"),
    "family": Option("bool", False), "mc": Option("bool", False), "N": Option("int", 4000, minimum=16),
    "mc_alpha": Option("numbers"), "mc_offset": Option("float", 0.08), "per_point": Option("int", 3, minimum=1),
    "sweeps": Option("int", 300, minimum=10), "burn_in": Option("int", 300, minimum=0),
    "patterns": Option("str"),
}, _run_hopfield))


# ----------------------------------------------------------------------------- glm
def _run_glm(options: dict, seed: int, out_dir: Path) -> list[dict]:
    """One GLM study: a row per load of the theory curve (overlap, GAMP-branch overlap, MSE) with
    the thresholds ``alpha_it``/``alpha_alg`` of the task; GAMP and exact points stay in the
    task's run directory."""
    from spinscope._validation import parse_int_list
    from spinscope.workflows.glm_study import glm

    o = options
    sizes = parse_int_list(o["exact_n"], "exact_n")
    res = glm(prior=o["prior"], channel=o["channel"], covariance=o["covariance"], noise=o["noise"],
              density=o["density"], alphas=o["alpha"], n=o["N"], instances=o["instances"], amp=o["amp"],
              amp_points=o["amp_points"], iterations=o["iterations"], exact=o["exact"], exact_n=sizes,
              exact_instances=o["exact_instances"], out=out_dir, seed=seed, progress=False)
    th = {k: v for k, v in res.thresholds.items() if v is None or isinstance(v, (int, float))}
    c = res.theory
    return [{"alpha": float(a), "q": float(q), "q_amp": float(qa), "mse": float(m), **th}
            for a, q, qa, m in zip(c.alpha, c.q, c.q_amp, c.mse)]


register(SweepWorkflow("glm", {
    "prior": Option("str", "rademacher"), "channel": Option("str", "sign"), "covariance": Option("str"),
    "noise": Option("float"), "density": Option("float", 0.5), "alpha": Option("numbers", "0.05:3:60"),
    "N": Option("int", 2000, minimum=2), "instances": Option("int", 10, minimum=1), "amp": Option("bool", False),
    "amp_points": Option("int", 8, minimum=1), "iterations": Option("int", 300, minimum=1),
    "exact": Option("bool", False), "exact_n": Option("str", "12,16"),
    "exact_instances": Option("int", 8, minimum=1),
}, _run_glm))


# ----------------------------------------------------------------------------- solve
def _run_solve(options: dict, seed: int, out_dir: Path) -> list[dict]:
    """One solver run on one problem file: one row (``best_value``, ``best_energy``,
    ``time_to_best_s``, ``target_reached``, the solver chosen, ...); the best assignment goes to
    ``best.txt`` and the whole result to ``result-solve.json``. A ``time_limit`` makes the task's
    result depend on the machine's speed (the only sweep whose rows are not reproducible)."""
    import json

    from spinscope._files import atomic_write
    from spinscope._jsonutil import to_jsonable
    from spinscope.workflows.solve import solve_file

    o = options
    out_dir.mkdir(parents=True)
    run = solve_file(o["file"], problem=o["problem"], solver=o["solver"], variant=o["variant"],
                     time_limit=o["time_limit"], reads=o["reads"], sweeps=o["sweeps"], replicas=o["replicas"],
                     cluster_moves=o["cluster_moves"], target=o["target"], out=out_dir / "best.txt",
                     overwrite=o["overwrite"] or o["force"], seed=seed)
    d = run.to_dict()
    atomic_write(out_dir / "result-solve.json", json.dumps(to_jsonable(d), indent=2))
    return [{k: v for k, v in d.items()
             if k not in ("out", "seed") and (v is None or isinstance(v, (bool, int, float, str)))}]


def _solve_options() -> dict[str, Option]:
    from spinscope.optimize.registry import AUTO, SOLVER_CHOICES

    return {
        "file": Option("str"), "problem": Option("str", choices=("maxcut", "ising", "qubo")),
        "solver": Option("str", AUTO, choices=tuple(SOLVER_CHOICES)),
        "variant": Option("str", choices=("ballistic", "discrete")), "time_limit": Option("float"),
        "reads": Option("int", minimum=1), "sweeps": Option("int", minimum=1), "replicas": Option("int", minimum=2),
        "cluster_moves": Option("bool", False), "target": Option("float"),
        "overwrite": Option("bool", False), "force": Option("bool", False),
    }


register(SweepWorkflow("solve", _solve_options(), _run_solve, required=("file",)))
