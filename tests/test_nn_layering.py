"""Layering of spinscope.nn and spinscope.report: imports point down only (function-local imports too).

nn (networks <-> Hamiltonians, training, checkpoint analysis) imports neither the run machinery
(io), the figures (report) nor the workflows; report imports neither nn nor an algorithm.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import spinscope

SRC = Path(spinscope.__file__).parent
ALGORITHMS = ("exact", "mc", "meanfield", "mcm", "optimize")


def _imports(package: str) -> dict[str, set[str]]:
    """``{file: modules imported anywhere in it}`` for every module of ``spinscope.<package>``."""
    out = {}
    for f in sorted((SRC / package).rglob("*.py")):
        mods = set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                mods.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods.add(node.module)
                mods.update(f"{node.module}.{a.name}" for a in node.names)
        out[str(f.relative_to(SRC))] = mods
    return out


def _offending(package: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for f, mods in _imports(package).items():
        for m in sorted(mods):
            if any(m == p or m.startswith(p + ".") for p in forbidden):
                bad.append(f"{f}: {m}")
    return bad


def test_nn_imports_no_io_report_workflows_or_cli():
    assert _offending("nn", ("spinscope.io", "spinscope.report", "spinscope.workflows", "spinscope.cli")) == []


def test_report_imports_no_nn_algorithm_or_workflow():
    forbidden = ("spinscope.nn", "spinscope.workflows", "spinscope.cli", *(f"spinscope.{a}" for a in ALGORITHMS))
    assert _offending("report", forbidden) == []


@pytest.mark.parametrize("package", ["nn", "report"])
def test_no_pyplot_or_backend_selection(package):
    assert _offending(package, ("matplotlib.pyplot", "matplotlib.use", "pylab")) == []
    for f in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                assert (node.value.id, node.attr) not in {("matplotlib", "use"), ("matplotlib", "pyplot")}, f


def test_the_driver_lives_in_workflows():
    import spinscope.nn
    from spinscope.workflows.network_analysis import analyze
    from spinscope.workflows.tracking import TrackResult, track

    assert not hasattr(spinscope.nn, "track") and not hasattr(spinscope.nn, "TrackResult")
    assert track.__module__ == TrackResult.__module__ == "spinscope.workflows.tracking"
    assert analyze.__module__ == "spinscope.workflows.network_analysis"
