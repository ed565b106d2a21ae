"""The solver registry (one entry per solver, everything derived from it) and the module graph."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import spinscope.optimize as opt
from spinscope.errors import InputError
from spinscope.optimize import ising_problem, maxcut_from_edges
from spinscope.optimize.registry import (
    SOLVER_REGISTRY,
    SOLVERS,
    SolverSpec,
    get_solver,
    solvers_accepting,
    solvers_on,
)
from spinscope.optimize.solve import solve

SMALL = {"sa": {"num_sweeps": 50, "num_reads": 2}, "pt": {"num_sweeps": 50, "num_replicas": 4},
         "pa": {"num_steps": 5, "num_reads": 8}, "sb": {"num_steps": 50, "num_reads": 4},
         "cim": {"num_steps": 50, "num_reads": 4}, "cac": {"num_steps": 50, "num_reads": 4},
         "bls": {"num_cycles": 20, "num_reads": 2}}


def _import_graph(package_dir: Path, package: str) -> dict[str, set[str]]:
    """Module -> modules of the same package it imports, counting every import statement
    anywhere in the file (function-local ones included)."""
    modules = {package if p.stem == "__init__" else f"{package}.{p.stem}": p
               for p in package_dir.glob("*.py")}
    graph = {}
    for mod, path in modules.items():
        here = mod if path.stem == "__init__" else mod.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    root = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(root + ([base] if base else []))
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != mod:
                    deps.add(name)
        graph[mod] = deps
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                return [*stack[stack.index(d):], d]
            if d not in state and (c := visit(d)):
                return c
        state[m] = 2
        stack.pop()
        return None

    for m in sorted(graph):
        if m not in state and (c := visit(m)):
            return c
    return None


def test_optimize_module_graph_is_acyclic_counting_lazy_imports():
    graph = _import_graph(Path(opt.__file__).parent, "spinscope.optimize")
    assert "spinscope.optimize.sampleset" not in graph  # split into result and dimod_sampler
    assert {"spinscope.optimize.result", "spinscope.optimize.dimod_sampler",
            "spinscope.optimize.registry"} <= set(graph)
    assert _find_cycle(graph) is None, _find_cycle(graph)
    # the checker does see function-local imports: the old layout had a cycle through one
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    src = "def f():\n    from spinscope.optimize.solve import solve\n"
    tree_imports = [n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.ImportFrom)]
    assert tree_imports  # ast.walk reaches into function bodies


def test_registry_entries_and_derived_names():
    assert list(SOLVER_REGISTRY) == ["sa", "pt", "pa", "sb", "cim", "cac", "bls"]
    assert opt.SOLVERS is SOLVERS and opt.SOLVER_REGISTRY is SOLVER_REGISTRY
    for name, spec in SOLVER_REGISTRY.items():
        assert spec.name == name and SOLVERS[name] is spec.function
        params = tuple(p for p in inspect.signature(spec.function).parameters if p != "problem")
        assert spec.settings == params
        assert spec.summary and "\n" not in spec.summary
        assert spec.accepts(spec.sweeps_setting) and spec.accepts(spec.reads_setting)
        assert spec.reads_setting == "num_reads" and spec.runs_on("cpu")
    for name in ("sb", "cim", "cac"):
        assert SOLVER_REGISTRY[name].devices == ("cpu", "cuda") and SOLVER_REGISTRY[name].runs_on("cuda:1")
    assert all(SOLVER_REGISTRY[n].devices == ("cpu",) for n in ("sa", "pt", "pa", "bls"))
    assert solvers_on("cuda") == ("sb", "cim", "cac") and solvers_on("cpu") == ("sa", "pt", "pa", "sb", "cim", "cac", "bls")
    assert solvers_accepting("num_replicas") == ("pt",) and solvers_accepting("variant") == ("sb",)
    with pytest.raises(TypeError):
        SOLVERS["new"] = SOLVERS["sa"]  # read-only: the registry is the one place to add solvers


def test_sweeps_translation_is_the_clis():
    """--sweeps N: sa/pt -> num_sweeps = N, sb -> num_steps = N, pa -> num_steps = N // 10 (>= 1)."""
    assert get_solver("sa").sweeps_settings(100) == {"num_sweeps": 100}
    assert get_solver("pt").sweeps_settings(100) == {"num_sweeps": 100}
    assert get_solver("sb").sweeps_settings(100) == {"num_steps": 100}
    assert get_solver("pa").sweeps_settings(105) == {"num_steps": 10}
    assert get_solver("pa").sweeps_settings(5) == {"num_steps": 1}
    assert get_solver("pa").describe_sweeps() == "num_steps = sweeps // 10"


def test_solve_dispatch_and_errors_come_from_the_registry():
    p = ising_problem([1.0, -1.0, 0.5])
    assert inspect.signature(solve).parameters["solver"].default == "auto"  # was "sa" (issue 12)
    assert solve(p, solver="sa", seed=0, num_sweeps=20).solver == "sa"
    with pytest.raises(InputError, match=r"solver must be one of \('sa', 'pt', 'pa', 'sb', 'cim', 'cac', 'bls'\), got 'qa'"):
        solve(p, solver="qa")
    with pytest.raises(InputError, match=r"solver must be one of"):
        get_solver(["sa"])  # unhashable names are refused the same way
    with pytest.raises(InputError, match=r"unknown setting\(s\) \['num_replicas'\] for solver 'sa'"):
        solve(p, solver="sa", num_replicas=4)


def test_cli_choices_come_from_the_registry():
    from spinscope.cli.solve import command

    solver = next(p for p in command.params if p.name == "solver")
    assert list(solver.type.choices) == ["auto", *SOLVER_REGISTRY]
    assert solver.default == "auto"  # was "sa" (issue 12: the default is the recommended solver)
    sweeps = next(p for p in command.params if p.name == "sweeps")
    assert "pa -> num_steps = sweeps // 10" in sweeps.help


def test_a_new_entry_is_checked_against_its_function():
    def toy(problem, *, num_reads=1, num_sweeps=1, seed=None, time_limit=None, target=None, callback=None):
        """A toy solver."""

    spec = SolverSpec("toy", toy, "a toy")
    assert spec.settings == ("num_reads", "num_sweeps", "seed", "time_limit", "target", "callback")
    spec.check_settings({"num_reads": 2})
    with pytest.raises(InputError, match="unknown setting"):
        spec.check_settings({"device": "cuda"})
    with pytest.raises(TypeError, match="lacks the setting"):
        SolverSpec("toy", toy, "a toy", devices=("cpu", "cuda"))  # a GPU solver takes a device
    with pytest.raises(TypeError, match="num_steps"):
        SolverSpec("toy", toy, "a toy", sweeps_setting="num_steps")


@pytest.mark.parametrize("solver", list(SOLVER_REGISTRY))
def test_every_solver_records_the_seed_it_drew(solver):
    p = maxcut_from_edges([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2]])
    a = solve(p, solver=solver, **SMALL[solver])
    assert isinstance(a.seed, int) and 0 <= a.seed < 2**63
    assert a.to_dict()["seed"] == a.seed
    b = solve(p, solver=solver, seed=a.seed, **SMALL[solver])
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.final_states, b.final_states)
