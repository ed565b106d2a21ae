"""``solve_file``: the whole ``spinscope solve FILE`` run as a Python function.

Validates the settings and the output path (before any computation), loads the problem file
(:func:`~spinscope.optimize.problem_files.load_problem`), picks the solver (``"auto"``: the
registry's :func:`~spinscope.optimize.registry.choose_solver`, from the problem), translates
``sweeps`` / ``reads`` into the solver's settings through the solver registry
(:mod:`spinscope.optimize.registry`), solves, writes the best assignment and returns a
:class:`SolveFileResult` whose ``to_dict()`` is the command's ``--json`` output. A 3-XORSAT file
(first line ``# spinscope-xorsat ...``) goes to :func:`~spinscope.optimize.xorsat_solvers.solve_xorsat`
instead (``auto``, ``sa``, ``pt``; the other options are refused with a message)::

    from spinscope.workflows import solve_file
    run = solve_file("G22.txt", time_limit=10, seed=1, out="g22.cut")
    run.result.best_value, run.result.auto["reason"], run.seed, run.out
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinscope._files import check_output_path
from spinscope._validation import check_int, resolve_seed
from spinscope.errors import InputError
from spinscope.optimize.problem_files import load_problem, write_assignment
from spinscope.optimize.problems import Problem
from spinscope.optimize.registry import (
    AUTO,
    SolverSpec,
    choose_solver,
    eligible_solvers,
    get_solver,
    solvers_accepting,
    solvers_on,
)
from spinscope.optimize.result import SolveResult
from spinscope.optimize.solve import solve
from spinscope.optimize.xorsat import XorsatInstance
from spinscope.optimize.xorsat_files import is_xorsat_file, read_xorsat
from spinscope.optimize.xorsat_solvers import (
    XORSAT_AUTO,
    XORSAT_SOLVERS,
    choose_xorsat_solver,
    solve_xorsat,
)

__all__ = ["SolveFileResult", "solve_file"]


@dataclass
class SolveFileResult:
    """Outcome of :func:`solve_file`.

    Attributes
    ----------
    result : SolveResult
        The solver's result (best state, value, timings, settings, ...).
    problem : Problem or XorsatInstance
        The problem read from the file (a 3-XORSAT file gives an
        :class:`~spinscope.optimize.xorsat.XorsatInstance`, whose planted energy is ``-clauses``).
    seed : int
        The seed the run used (the given one, or fresh entropy), so it can be repeated.
    out : Path or None
        Where the best assignment was written.
    target : float or None
        The target the run stopped at: the given one, else the problem's planted energy.
    """

    result: SolveResult
    problem: Problem | XorsatInstance
    seed: int
    out: Path | None = None
    target: float | None = None

    @property
    def planted_reached(self) -> bool | None:
        """Whether the best energy reached the planted ground-state energy (None if not planted)."""
        e0 = self.problem.planted_energy
        if e0 is None:
            return None
        return bool(self.result.best_energy <= e0 + 1e-9 * max(1.0, abs(e0)))

    def to_dict(self) -> dict:
        """The ``--json`` output of ``spinscope solve``: the result's dict, ``seed``, ``out``,
        ``target``, ``planted_energy`` and ``planted_reached`` (both None without a planted header).

        Returns
        -------
        dict
        """
        d = self.result.to_dict()
        d["seed"] = self.seed
        d["target"] = self.target
        d["planted_energy"] = self.problem.planted_energy
        d["planted_reached"] = self.planted_reached
        if self.out is not None:
            d["out"] = str(self.out)
        return d


def solve_file(path: str | os.PathLike, *, problem: str | None = None, solver: str = AUTO,
               variant: str | None = None, time_limit: float | None = None, reads: int | None = None,
               sweeps: int | None = None, replicas: int | None = None, cluster_moves: bool = False,
               target: float | None = None, out: str | os.PathLike | None = None,
               overwrite: bool = False, seed: int | None = None, device: str = "cpu",
               progress: Callable[[dict], None] | None = None) -> SolveFileResult:
    """Find low-energy states (large cuts) of the problem in a file, as ``spinscope solve`` does.

    Parameters
    ----------
    path : path-like
        Gset Max-Cut, Ising/QUBO text (``i j value`` lines), a spinscope ``.npz`` model, or a
        3-XORSAT file (recognised by its first line, :func:`~spinscope.optimize.xorsat_files.is_xorsat_file`;
        solved by :func:`~spinscope.optimize.xorsat_solvers.solve_xorsat` with ``solver``
        ``"auto"``, ``"sa"`` or ``"pt"``, the target defaulting to its ground-state energy).
    problem : {"maxcut", "ising", "qubo"}, optional
        How to read ``path``; default ising for ``.npz``, else maxcut (not for 3-XORSAT files).
    solver : str
        ``"auto"`` (default): the recommended solver and settings for the problem, recorded with
        the reason in ``result.auto`` (options given here override the recommended settings,
        and only a solver taking them is chosen); or a name of the solver registry: ``"sa"``,
        ``"pt"``, ``"pa"``, ``"sb"``, ``"cim"``, ``"cac"``, with its own defaults.
    variant : {"ballistic", "discrete"}, optional
        Simulated-bifurcation variant (default ballistic; solvers without a ``variant`` setting
        ignore it; with ``"auto"`` it selects simulated bifurcation).
    time_limit : float, optional
        Seconds; solvers keep restarting (PT: continuing) until then.
    reads, sweeps : int, optional
        Independent reads, and sweeps per read, translated per solver by the registry
        (``SolverSpec.reads_setting``, ``SolverSpec.sweeps_settings``; PA: steps = sweeps // 10).
    replicas : int, optional
        Temperatures per parallel-tempering ladder.
    cluster_moves : bool
        Parallel tempering with Houdayer cluster moves (needs an even ``reads``).
    target : float, optional
        Stop when reached: a cut for Max-Cut (>=), an energy otherwise (<=). Default: the
        planted ground-state energy of a file with a planted header
        (:mod:`spinscope.optimize.planted_files`), else none.
    out : path-like, optional
        Write the best assignment here; checked before any computation.
    overwrite : bool
        Allow ``out`` to replace an existing file.
    seed : int, optional
        Seed of every random choice; None draws one, recorded in the result.
    device : str
        ``"cpu"`` or ``"cuda"`` (solvers whose registry entry lists it).
    progress : callable, optional
        Receives the solver's progress dicts (``elapsed_s``, ``sweeps``, ``round``,
        ``best_value``) plus ``problem`` (its name) and ``solver``.

    Returns
    -------
    SolveFileResult

    Raises
    ------
    InputError
        Invalid settings, an existing ``out`` without ``overwrite``, a missing output directory,
        or an unreadable problem file.
    MemoryLimitError
        A problem or a run that would not fit in memory (estimated before allocating).
    """
    kwargs = dict(problem=problem, solver=solver, variant=variant, time_limit=time_limit, reads=reads,
                  sweeps=sweeps, replicas=replicas, cluster_moves=cluster_moves, target=target, out=out,
                  overwrite=overwrite, seed=seed, device=device, progress=progress)
    run = _solve_xorsat_file if _is_xorsat_path(path) else _solve_pairwise_file
    return run(path, **kwargs)


def _solve_pairwise_file(path: Any, *, problem: Any, solver: str, variant: Any, time_limit: Any, reads: Any,
                         sweeps: Any, replicas: Any, cluster_moves: bool, target: Any, out: Any, overwrite: bool,
                         seed: Any, device: Any, progress: Callable[[dict], None] | None) -> SolveFileResult:
    """:func:`solve_file` for a pairwise problem file (Max-Cut, Ising, QUBO, ``.npz``)."""
    fixed = _fixed(replicas=replicas, cluster_moves=cluster_moves, variant=variant)
    spec = _validate(solver, time_limit=time_limit, out=out, overwrite=overwrite, device=device,
                     reads=reads, sweeps=sweeps, replicas=replicas, cluster_moves=cluster_moves, fixed=fixed)
    seed = resolve_seed(seed)
    prob = load_problem(path, problem=problem)
    if target is None and prob.planted_energy is not None:
        target = prob.planted_energy
    _check_work(prob.n, sweeps, reads, time_limit)
    choice = None if spec is not None else choose_solver(prob, device=device, fixed=fixed)
    spec = spec or get_solver(choice.solver)
    settings = _settings(spec, seed=seed, time_limit=time_limit, target=target, variant=variant,
                         device=device, reads=reads, sweeps=sweeps, replicas=replicas,
                         cluster_moves=cluster_moves)
    if choice is not None:
        choice = choice.merged(settings)
        settings = choice.call_settings(settings)
    result = solve(prob, solver=spec.name, callback=_labelled(progress, prob.name, spec.name), **settings)
    if choice is not None:
        result.auto = choice.to_dict()
    written = write_assignment(out, result, overwrite=overwrite) if out is not None else None
    return SolveFileResult(result=result, problem=prob, seed=seed, out=written, target=target)


def _join(names: tuple[str, ...], word: str = "and") -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {word} {names[-1]}"


_OPTION = {"num_replicas": "--replicas", "cluster_moves": "--cluster-moves", "variant": "--variant"}


def _fixed(*, replicas: Any, cluster_moves: bool, variant: Any) -> tuple[str, ...]:
    """Names of the solver settings the options fix (what ``"auto"`` must respect)."""
    given = {"num_replicas": replicas is not None, "cluster_moves": cluster_moves, "variant": variant is not None}
    return tuple(k for k, v in given.items() if v)


def _no_solver(device: str, fixed: tuple[str, ...]) -> str:
    """Why no solver can run these options (``--solver auto``), in the CLI's words."""
    takers = "; ".join(f"{_OPTION[k]}: {_join(solvers_accepting(k), 'or')}" for k in fixed)
    where = f" on --device {device}" if str(device) != "cpu" else ""
    runs = f"; {device}: {_join(solvers_on(device), 'or')}" if where and solvers_on(device) else ""
    return f"no solver takes {_join(tuple(_OPTION[k] for k in fixed))}{where} ({takers}{runs})"


def _validate(solver: str, *, time_limit: Any, out: Any, overwrite: bool, device: str, reads: Any,
              sweeps: Any, replicas: Any, cluster_moves: bool, fixed: tuple[str, ...]) -> SolverSpec | None:
    """Check the settings against the registry entry of ``solver`` (nothing is computed or
    read); returns that entry, or None for ``"auto"`` once some solver takes the options."""
    spec = None if solver == AUTO else get_solver(solver)
    _check_common(time_limit=time_limit, out=out, overwrite=overwrite, reads=reads, sweeps=sweeps,
                  replicas=replicas)
    if spec is None:
        if not eligible_solvers(device=device, fixed=fixed):
            raise InputError(_no_solver(device, fixed))
        return None
    if not spec.runs_on(device):
        able = solvers_on(device)
        if not able:
            raise InputError(f"--device {device} is not supported by any solver")
        others = tuple(n for n in solvers_on("cpu") if n not in able)
        raise InputError(f"--device {device} applies to --solver {_join(able, 'or')} only; "
                         f"{_join(others)} run on the CPU")
    pt_only = (replicas is not None and not spec.accepts("num_replicas")) or \
        (cluster_moves and not spec.accepts("cluster_moves"))
    if pt_only:
        takers = tuple(dict.fromkeys(solvers_accepting("num_replicas") + solvers_accepting("cluster_moves")))
        raise InputError(f"--replicas and --cluster-moves apply to --solver {_join(takers, 'or')} only")
    return spec


def _check_common(*, time_limit: Any, out: Any, overwrite: bool, reads: Any, sweeps: Any, replicas: Any) -> None:
    """The checks every file takes: time limit, output path, counts (nothing is read or computed)."""
    try:
        tl_ok = time_limit is None or (math.isfinite(float(time_limit)) and float(time_limit) > 0)
    except (TypeError, ValueError):
        tl_ok = False
    if not tl_ok:
        raise InputError(f"--time-limit must be a positive number of seconds, got {time_limit}")
    if out is not None:
        check_output_path(out, overwrite=overwrite, what="--out")
    for value, name, minimum in ((reads, "--reads", 1), (sweeps, "--sweeps", 1), (replicas, "--replicas", 2)):
        if value is not None:
            check_int(value, name, minimum=minimum)


# --------------------------------------------------------------------------- 3-XORSAT files
def _is_xorsat_path(path: Any) -> bool:
    """Whether ``path`` is a readable file whose first line is a 3-XORSAT header."""
    try:
        with open(path, "rb") as fh:
            return is_xorsat_file(fh.readline(4096).decode("utf-8", "replace"))
    except (OSError, TypeError, ValueError):
        return False  # missing or unreadable: the pairwise path reports it


_XORSAT_NAMES = (XORSAT_AUTO, *XORSAT_SOLVERS)


def _check_xorsat_options(path: Any, *, problem: Any, solver: str, variant: Any, cluster_moves: bool,
                          replicas: Any, device: Any) -> None:
    """Refuse the options that do not apply to a 3-XORSAT file, naming what does."""
    what = f"{path} is a 3-XORSAT file (3-spin clauses)"
    if solver not in _XORSAT_NAMES:
        raise InputError(f"{what}: --solver {solver} does not take it; use --solver {_join(_XORSAT_NAMES, 'or')}")
    if problem is not None:
        raise InputError(f"{what}: --problem applies to pairwise files only; leave it out")
    if variant is not None or cluster_moves:
        raise InputError(f"{what}: --variant and --cluster-moves do not apply; use --solver "
                         f"{_join(_XORSAT_NAMES, 'or')} without them")
    if replicas is not None and solver == "sa":
        raise InputError(f"{what}: --replicas applies to --solver pt (or auto) only")
    if str(device).split(":")[0] != "cpu":
        raise InputError(f"{what}: its solvers run on the CPU; leave out --device {device}")


def _solve_xorsat_file(path: Any, *, problem: Any, solver: str, variant: Any, time_limit: Any, reads: Any,
                       sweeps: Any, replicas: Any, cluster_moves: bool, target: Any, out: Any, overwrite: bool,
                       seed: Any, device: Any, progress: Callable[[dict], None] | None) -> SolveFileResult:
    """:func:`solve_file` for a 3-XORSAT file (options checked before the file is read)."""
    _check_xorsat_options(path, problem=problem, solver=solver, variant=variant, cluster_moves=cluster_moves,
                          replicas=replicas, device=device)
    _check_common(time_limit=time_limit, out=out, overwrite=overwrite, reads=reads, sweeps=sweeps,
                  replicas=replicas)
    seed = resolve_seed(seed)
    inst = read_xorsat(path)
    if target is None:
        target = inst.ground_energy
    _check_work(inst.n, sweeps, reads, time_limit)
    given = {"num_reads": reads, "num_sweeps": sweeps, "num_replicas": replicas}
    settings = {k: v for k, v in given.items() if v is not None}
    name = solver if solver in XORSAT_SOLVERS else choose_xorsat_solver(inst)["solver"]
    result = solve_xorsat(inst, solver=solver, seed=seed, time_limit=time_limit, target=target,
                          callback=_labelled(progress, inst.name, name), **settings)
    written = write_assignment(out, result, overwrite=overwrite) if out is not None else None
    return SolveFileResult(result=result, problem=inst, seed=seed, out=written, target=float(target))


# spin updates a run without a time limit may ask for (about an hour at 3e8 updates/s); a sweep
# of a small problem costs at least as much as ~64 updates (loop and bookkeeping overhead)
MAX_UPDATES_WITHOUT_TIME_LIMIT = 1e12
_MIN_SWEEP_COST = 64


def _check_work(n: int, sweeps: Any, reads: Any, time_limit: Any) -> None:
    """Refuse a sweep count that would run for days when no time limit bounds it."""
    if sweeps is None or time_limit is not None:
        return
    work = float(sweeps) * max(n, _MIN_SWEEP_COST) * float(reads or 1)
    if work > MAX_UPDATES_WITHOUT_TIME_LIMIT:
        raise InputError(f"--sweeps {sweeps} on {n} spins would run for hours or more (~{work:.3g} "
                         f"spin updates, {work / 3e8 / 3600:.3g} h at 3e8 updates/s); give a "
                         "smaller --sweeps, or a --time-limit to stop it")


def _settings(spec: SolverSpec, *, seed: int, time_limit: Any, target: Any, variant: str,
              device: str, reads: Any, sweeps: Any, replicas: Any, cluster_moves: bool) -> dict:
    """The solver's keyword settings for the command-line style options."""
    settings: dict = {"seed": seed, "time_limit": time_limit, "target": target}
    if spec.accepts("variant") and variant is not None:
        settings["variant"] = variant
    if spec.accepts("device"):
        settings["device"] = device
    if reads is not None:
        settings[spec.reads_setting] = reads
    if replicas is not None:
        settings["num_replicas"] = replicas
    if cluster_moves:
        settings["cluster_moves"] = True
    if sweeps is not None:
        settings.update(spec.sweeps_settings(sweeps))
    return settings


def _labelled(progress: Callable[[dict], None] | None, name: str, solver: str):
    """Wrap ``progress`` so each dict also names the problem and the solver."""
    if progress is None:
        return None

    def callback(info: dict) -> None:
        progress({**info, "problem": name, "solver": solver})

    return callback
