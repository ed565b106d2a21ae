"""The registry of solvers: one :class:`SolverSpec` per solver, the single source of truth.

:func:`spinscope.optimize.solve` dispatches through it, :class:`SpinscopeSampler` validates
against it and ``spinscope solve`` takes its ``--solver`` choices, its ``--sweeps`` / ``--reads``
translation and its device and option checks from it. Adding a solver means writing its module
(a function ``fn(problem, *, seed, time_limit, target, callback, ...) -> SolveResult``) and
adding one entry to ``_ENTRIES`` below.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from spinscope.errors import InputError
from spinscope.optimize.bifurcation import simulated_bifurcation
from spinscope.optimize.result import SolveResult
from spinscope.optimize.solvers import parallel_tempering, population_annealing, simulated_annealing

__all__ = ["SOLVERS", "SOLVER_REGISTRY", "SolverSpec", "get_solver", "solvers_accepting", "solvers_on"]

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
        raise InputError(f"solver must be one of {tuple(SOLVER_REGISTRY)}, got {name!r}") from None


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
