"""The registry of solvers: one :class:`SolverSpec` per solver, the single source of truth.

:func:`spinscope.optimize.solve` dispatches through it, :class:`SpinscopeSampler` validates
against it and ``spinscope solve`` takes its ``--solver`` choices, its ``--sweeps`` / ``--reads``
translation and its device and option checks from it. Adding a solver means writing its module
(a function ``fn(problem, *, seed, time_limit, target, callback, ...) -> SolveResult``) and
adding one entry to ``_ENTRIES`` below.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from spinscope.errors import InputError
from spinscope.optimize.bifurcation import simulated_bifurcation
from spinscope.optimize.cim import chaotic_amplitude_control, coherent_ising_machine
from spinscope.optimize.problems import Problem
from spinscope.optimize.result import SolveResult
from spinscope.optimize.solvers import (
    LATTICE_LOOPS,
    SPARSE_DEGREE,
    loop_ratio,
    parallel_tempering,
    population_annealing,
    recommended_pt_settings,
    simulated_annealing,
)
from spinscope.optimize.tabu import breakout_local_search

__all__ = ["AUTO", "DENSE", "SOLVERS", "SOLVER_CHOICES", "SOLVER_REGISTRY", "AutoChoice",
           "SolverSpec", "choose_solver", "eligible_solvers", "get_solver", "problem_features",
           "solvers_accepting", "solvers_on"]

# settings every solver must accept: the shared stopping rules, seed and progress callback
_COMMON = ("seed", "time_limit", "target", "callback")


@dataclass(frozen=True)
class SolverSpec:
    """One solver of the registry.

    Attributes
    ----------
    name : str
        Short name used by :func:`~spinscope.optimize.solve`, the sampler and ``--solver``.
    function : callable
        ``function(problem, **settings) -> SolveResult``.
    summary : str
        One-line description (CLI help).
    devices : tuple of str
        Devices it runs on (``"cpu"``, ``"cuda"``); a solver listing more than ``"cpu"`` takes a
        ``device`` setting.
    sweeps_setting : str
        The setting that the CLI's ``--sweeps N`` sets.
    sweeps_divisor : int
        ``--sweeps N`` sets ``sweeps_setting`` to ``max(1, N // sweeps_divisor)`` (population
        annealing: 10, its default sweeps per temperature step).
    reads_setting : str
        The setting that the CLI's ``--reads`` sets.
    settings : tuple of str
        Keyword settings the function accepts, read from its signature.
    """

    name: str
    function: Callable[..., SolveResult]
    summary: str
    devices: tuple[str, ...] = ("cpu",)
    sweeps_setting: str = "num_sweeps"
    sweeps_divisor: int = 1
    reads_setting: str = "num_reads"
    settings: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        params = tuple(p for p in inspect.signature(self.function).parameters if p != "problem")
        object.__setattr__(self, "settings", params)
        needed = {*_COMMON, self.sweeps_setting, self.reads_setting} | ({"device"} if self.devices != ("cpu",) else set())
        missing = sorted(needed - set(params))
        if missing:  # a registry bug, caught at import
            raise TypeError(f"solver {self.name!r}: {self.function.__name__} lacks the setting(s) {missing}")

    def accepts(self, setting: str) -> bool:
        """Whether ``setting`` is one of the function's keyword settings.

        Parameters
        ----------
        setting : str

        Returns
        -------
        bool
        """
        return setting in self.settings

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        """Refuse settings the solver does not take.

        Parameters
        ----------
        settings : mapping
            Keyword settings meant for :attr:`function`.

        Raises
        ------
        InputError
            Naming the unknown keys and listing the valid ones.
        """
        unknown = sorted(set(settings) - set(self.settings))
        if unknown:
            raise InputError(f"unknown setting(s) {unknown} for solver {self.name!r}; valid: {list(self.settings)}")

    def runs_on(self, device: Any) -> bool:
        """Whether the solver runs on ``device``.

        Parameters
        ----------
        device : str or torch.device
            ``"cpu"``, ``"cuda"``, ``"cuda:1"`` (counts as ``"cuda"``), ...

        Returns
        -------
        bool
        """
        return str(device).split(":")[0] in self.devices

    def sweeps_settings(self, sweeps: int) -> dict:
        """The solver settings meant by the CLI's ``--sweeps sweeps``.

        Parameters
        ----------
        sweeps : int
            Sweeps per read (>= 1).

        Returns
        -------
        dict
            ``{sweeps_setting: max(1, sweeps // sweeps_divisor)}``.
        """
        return {self.sweeps_setting: max(1, int(sweeps) // self.sweeps_divisor)}

    def describe_sweeps(self) -> str:
        """How ``--sweeps`` maps onto this solver (CLI help).

        Returns
        -------
        str
            E.g. ``"num_sweeps"`` or ``"num_steps = sweeps // 10"``.
        """
        if self.sweeps_divisor == 1:
            return self.sweeps_setting
        return f"{self.sweeps_setting} = sweeps // {self.sweeps_divisor}"


_ENTRIES = (
    SolverSpec("sa", simulated_annealing, "simulated annealing (Metropolis sweeps down a beta schedule)"),
    SolverSpec("pt", parallel_tempering, "parallel tempering (replica exchange; optional cluster moves)"),
    SolverSpec("pa", population_annealing, "population annealing (resampled population, cooled in steps)",
               sweeps_setting="num_steps", sweeps_divisor=10),
    SolverSpec("sb", simulated_bifurcation, "simulated bifurcation (ballistic or discrete; CPU or CUDA)",
               devices=("cpu", "cuda"), sweeps_setting="num_steps"),
    SolverSpec("cim", coherent_ising_machine, "coherent Ising machine with amplitude-heterogeneity correction "
               "(CIM-AHC; CPU or CUDA)", devices=("cpu", "cuda"), sweeps_setting="num_steps"),
    SolverSpec("cac", chaotic_amplitude_control, "coherent Ising machine with chaotic amplitude control "
               "(CAC; CPU or CUDA)", devices=("cpu", "cuda"), sweeps_setting="num_steps"),
    SolverSpec("bls", breakout_local_search, "breakout local search (steepest descent, then adaptive tabu or "
               "random jumps; Benlic & Hao 2013)", sweeps_setting="num_cycles"),
)

#: name -> :class:`SolverSpec`, read-only
SOLVER_REGISTRY: Mapping[str, SolverSpec] = MappingProxyType({s.name: s for s in _ENTRIES})
#: name -> solver function, read-only (derived from :data:`SOLVER_REGISTRY`)
SOLVERS: Mapping[str, Callable[..., SolveResult]] = MappingProxyType({s.name: s.function for s in _ENTRIES})


def get_solver(name: str) -> SolverSpec:
    """The registry entry of solver ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`SOLVER_REGISTRY`.

    Returns
    -------
    SolverSpec

    Raises
    ------
    InputError
        For an unknown name; the message lists the valid ones.
    """
    try:
        return SOLVER_REGISTRY[name]
    except (KeyError, TypeError):
        raise InputError(f"solver must be one of {tuple(SOLVER_REGISTRY)}, got {name!r} "
                         f"({AUTO!r} chooses one for the problem)") from None


def solvers_accepting(setting: str) -> tuple[str, ...]:
    """Names of the solvers that take a keyword setting, in registry order.

    Parameters
    ----------
    setting : str
        E.g. ``"num_replicas"``.

    Returns
    -------
    tuple of str
    """
    return tuple(s.name for s in _ENTRIES if s.accepts(setting))


def solvers_on(device: str) -> tuple[str, ...]:
    """Names of the solvers that run on a device, in registry order.

    Parameters
    ----------
    device : str
        ``"cpu"``, ``"cuda"``, ...

    Returns
    -------
    tuple of str
    """
    return tuple(s.name for s in _ENTRIES if s.runs_on(device))


# --------------------------------------------------------------------------- solver="auto"
#: the name that asks for the recommended solver and settings of the problem at hand
AUTO = "auto"
#: what ``solve(solver=...)``, ``SpinscopeSampler`` and ``--solver`` accept: "auto", then the registry
SOLVER_CHOICES: tuple[str, ...] = (AUTO, *SOLVER_REGISTRY)
#: fraction of coupled pairs from which a problem counts as dense (SK-like), if its mean degree
#: also exceeds SPARSE_DEGREE
DENSE = 0.25


@dataclass(frozen=True)
class AutoChoice:
    """What ``solver="auto"`` chose for a problem, with which settings, and why.

    Attributes
    ----------
    solver : str
        A name of :data:`SOLVER_REGISTRY`.
    settings : dict
        The solver's tuning settings: the recommended ones, overridden by the caller's
        (never ``seed``, ``time_limit``, ``target`` or ``callback``).
    reason : str
        One sentence: the measured property of the problem that decided, and the rule.
    """

    solver: str
    settings: dict
    reason: str

    def merged(self, user: Mapping[str, Any]) -> AutoChoice:
        """The choice with the caller's settings on top of the recommended ones.

        Parameters
        ----------
        user : mapping
            Keyword settings given explicitly (the common ones are left out of ``settings``).

        Returns
        -------
        AutoChoice
            Houdayer cluster moves pair the ladders: recommended ones are switched off, and the
            reason says so, when the caller's ``num_reads`` is odd.
        """
        spec = SOLVER_REGISTRY[self.solver]
        tuned = {**self.settings, **{k: v for k, v in user.items() if k not in _COMMON}}
        if not spec.accepts("device") and str(tuned.get("device", "cpu")) == "cpu":
            tuned.pop("device", None)
        reason = self.reason
        reads = tuned.get("num_reads")
        if self.settings.get("cluster_moves") and "cluster_moves" not in user \
                and isinstance(reads, numbers.Integral) and reads % 2:
            tuned["cluster_moves"] = False
            reason += f"; without cluster moves, which pair ladders, because num_reads={reads} is odd"
        return AutoChoice(self.solver, tuned, reason)

    def call_settings(self, user: Mapping[str, Any]) -> dict:
        """Keyword settings for the solver's function: :attr:`settings` plus the caller's
        ``seed``, ``time_limit``, ``target`` and ``callback``.

        Parameters
        ----------
        user : mapping
            The caller's settings.

        Returns
        -------
        dict
        """
        return {**self.settings, **{k: v for k, v in user.items() if k in _COMMON}}

    def to_dict(self) -> dict:
        """JSON-ready ``{"solver", "settings", "reason"}`` (tuples as lists).

        Returns
        -------
        dict
        """
        plain = {k: list(v) if isinstance(v, tuple) else v for k, v in self.settings.items()}
        return {"solver": self.solver, "settings": plain, "reason": self.reason}


def problem_features(problem: Problem) -> dict:
    """The numbers ``solver="auto"`` decides on.

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    dict
        ``n``; ``mean_degree``, non-zero couplings per variable; ``density``, their fraction of
        the ``n (n - 1)`` possible ones; ``loop_ratio``
        (:func:`~spinscope.optimize.solvers.loop_ratio`: 1 without short loops, 1.5 on a square
        lattice) for sparse problems (mean degree <= ``SPARSE_DEGREE``), else None.
    """
    n = problem.n
    nnz = int(problem.csr()[2].size)
    degree = nnz / max(n, 1)
    return {"n": n, "mean_degree": degree, "density": nnz / max(n * (n - 1), 1),
            "loop_ratio": loop_ratio(problem) if degree <= SPARSE_DEGREE else None}


def eligible_solvers(*, device: Any = "cpu", fixed: Any = (), strict: bool = False) -> tuple[str, ...]:
    """Solvers that run on ``device`` and take every setting named in ``fixed``, in registry order.

    Parameters
    ----------
    device : str
        ``"cpu"``, ``"cuda"``, ...
    fixed : iterable of str
        Names of settings the caller gives (``seed``, ``time_limit``, ``target``,
        ``callback`` and ``device`` are taken by every solver that runs on ``device``).
    strict : bool
        Raise instead of returning an empty tuple.

    Returns
    -------
    tuple of str

    Raises
    ------
    InputError
        With ``strict``, when no solver qualifies: naming unknown settings, or saying that no
        solver takes them all on ``device``.
    """
    fixed = tuple(fixed)
    keys = {k for k in fixed if k not in _COMMON and k != "device"}
    ok = tuple(s.name for s in _ENTRIES if s.runs_on(device) and all(s.accepts(k) for k in keys))
    if strict and not ok:
        raise InputError(_no_solver_message(device, fixed))
    return ok


def _preferences(problem: Problem) -> list[tuple[str, dict, str]]:
    """Solvers in order of preference for ``problem``, with recommended settings and the reason
    (measurements in docs/optimize.md)."""
    f = problem_features(problem)
    others = [("sa", {}, "simulated annealing"), ("pa", {}, "population annealing")]
    sb = ("sb", {"variant": "discrete"}, "discrete simulated bifurcation")
    if f["density"] >= DENSE and f["loop_ratio"] is None:  # many couplings per spin, and most pairs
        why = (f"dense problem, {f['density']:.0%} of all pairs coupled (>= {DENSE:.0%}, SK-like): discrete "
               "simulated bifurcation, the best measured on SK (n = 2000)")
        pt = recommended_pt_settings(problem)
        return [(sb[0], sb[1], why), ("pt", pt, "parallel tempering"), *others]
    pt = recommended_pt_settings(problem)
    ladders = f"{pt['num_reads']} ladders x {pt['num_replicas']} replicas"
    if f["loop_ratio"] is None:
        why = f"mean degree {f['mean_degree']:.3g} > {SPARSE_DEGREE:g}: parallel tempering ({ladders})"
    elif pt.get("cluster_moves"):
        why = (f"sparse lattice-like graph, mean degree {f['mean_degree']:.3g} <= {SPARSE_DEGREE:g} and "
               f"loop ratio {f['loop_ratio']:.3g} >= {LATTICE_LOOPS:g}: parallel tempering with Houdayer "
               f"cluster moves ({ladders}, colder end)")
    else:
        why = (f"sparse graph without short loops, mean degree {f['mean_degree']:.3g} <= {SPARSE_DEGREE:g} and "
               f"loop ratio {f['loop_ratio']:.3g} < {LATTICE_LOOPS:g}: parallel tempering ({ladders}, colder "
               "end; no cluster moves, their clusters percolate)")
    return [("pt", pt, why), sb, *others]


def choose_solver(problem: Problem, *, device: Any = "cpu", fixed: Any = ()) -> AutoChoice:
    """The recommended solver and settings for ``problem`` (what ``solver="auto"`` runs).

    The rule, from the measurements in ``docs/optimize.md``: dense problems (at least
    :data:`DENSE` of all pairs coupled and a mean degree above ``SPARSE_DEGREE``, e.g. SK) get discrete simulated bifurcation with its
    default settings; all others parallel tempering with
    :func:`~spinscope.optimize.solvers.recommended_pt_settings` (by mean degree and, for sparse
    graphs, :func:`~spinscope.optimize.solvers.loop_ratio`: Houdayer cluster moves on
    lattice-like graphs). Solvers that do not run on ``device`` or do not take a setting named
    in ``fixed`` are skipped (``--device cuda``: simulated bifurcation; ``variant``: simulated
    bifurcation; ``num_replicas``: parallel tempering), the next preferred one is taken.

    Parameters
    ----------
    problem : Problem
    device : str
        Where to run.
    fixed : iterable of str
        Names of the settings the caller gives explicitly.

    Returns
    -------
    AutoChoice

    Raises
    ------
    InputError
        When no solver runs on ``device`` and takes all of ``fixed``.
    """
    fixed = tuple(fixed)
    ok = eligible_solvers(device=device, fixed=fixed, strict=True)
    prefs = _preferences(problem)
    name, settings, why = next(p for p in prefs if p[0] in ok)
    first, _, first_why = prefs[0]
    if name != first:
        asked = [k for k in fixed if k not in _COMMON and k != "device"]
        cause = f"does not run on {device}" if not SOLVER_REGISTRY[first].runs_on(device) else \
            f"does not take {', '.join(a for a in asked if not SOLVER_REGISTRY[first].accepts(a))}"
        why = f"{why}, because {first} (preferred: {first_why.split(':')[0]}) {cause}"
    if SOLVER_REGISTRY[name].accepts("device"):
        settings = {**settings, "device": device}
    return AutoChoice(name, dict(settings), why)


def _no_solver_message(device: Any, fixed: tuple) -> str:
    keys = sorted({k for k in fixed if k not in _COMMON and k != "device"})
    unknown = [k for k in keys if not solvers_accepting(k)]
    if unknown:
        valid = sorted({p for s in _ENTRIES for p in s.settings})
        return f"unknown setting(s) {unknown} for any solver; valid: {valid}"
    return f"no solver runs on {device} and takes {keys}"
