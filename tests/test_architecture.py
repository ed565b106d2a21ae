"""The architecture, enforced (tests/test_architecture.py).

Everything the checks below rely on is declared in the constants at the top of this file, in one
place: the layer map, the sideways-import exceptions, the ``isinstance(..., Model)`` allow-list and
the size limits. Change the architecture here, never by silencing a check.

Layer map (lowest first; a module may import modules of its own layer unit and of lower layers):

0. root private/shared modules: ``spinscope._validation``, ``_files``, ``_jsonutil``, ``_rng``,
   ``_version`` and ``spinscope.errors``; importable by every layer (they may import each other).
1. ``spinscope.models``: Hamiltonians as plain data.
2. algorithms: ``exact``, ``mc``, ``meanfield``, ``mcm``, ``optimize``. An algorithm package must
   not import another one (sideways); the only exceptions are listed in :data:`ALLOWED_SIDEWAYS`,
   each with its reason.
3. ``spinscope.analysis``.
4. ``spinscope.nn``.
5. ``spinscope.io`` and ``spinscope.report``; neither imports the other.
6. ``spinscope.workflows``: the complete runs behind the commands.
7. ``spinscope.cli`` and ``spinscope.__main__``.

The root ``spinscope/__init__.py`` re-exports the public API and may import layers 0-2 only. To
every other module it counts as a layer-2 unit of its own: only layers 3 and up may import it
(modules below would import their own importer).

Imports are collected with :mod:`ast` from every ``.py`` file under ``src/spinscope``: module level
and inside functions, ``import x``, ``from x import y`` (relative ones resolved) and
``importlib.import_module("x")`` with a literal name, including
``if TYPE_CHECKING:`` blocks; ``from pkg import name`` where ``pkg/name`` is a module counts as
importing that module. The cycle check uses only the imports executed when a module is imported
(not those inside functions, nor ``TYPE_CHECKING`` blocks), one node per file; an import of a module
does not count as an import of its parent packages (Python loads a package before its modules, so
``pkg/__init__.py`` importing ``pkg.a`` while ``pkg.a`` imports ``pkg.b`` is no cycle).
"""

from __future__ import annotations

import ast
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

ROOT_PACKAGE = "spinscope"
SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE_DIR = SRC / ROOT_PACKAGE

#: The layer map: unit (a module or package, matched by longest dotted prefix) -> layer.
LAYERS: dict[str, int] = {
    # 0 -- root private/shared helpers, importable by all
    "spinscope._validation": 0,
    "spinscope._files": 0,
    "spinscope._jsonutil": 0,
    "spinscope._rng": 0,
    "spinscope._version": 0,
    "spinscope.errors": 0,
    # 1 -- Hamiltonians as plain data
    "spinscope.models": 1,
    # 2 -- algorithms (no sideways imports between them)
    "spinscope.exact": 2,
    "spinscope.mc": 2,
    "spinscope.meanfield": 2,
    "spinscope.mcm": 2,
    "spinscope.optimize": 2,
    "spinscope.glm": 2,
    "spinscope.spindynamics": 2,
    # 3 -- analyses of samples, spectra, fits
    "spinscope.analysis": 3,
    # 4 -- neural networks as spin models
    "spinscope.nn": 4,
    "spinscope.inverse": 4,
    "spinscope.phases": 4,
    # 5 -- outputs (no sideways imports between them)
    "spinscope.io": 5,
    "spinscope.report": 5,
    # 6 -- the runs behind the commands
    "spinscope.workflows": 6,
    # 7 -- the command line
    "spinscope.cli": 7,
    "spinscope.__main__": 7,
}

#: Layers whose units must not import each other (a different unit of the same layer).
ISOLATED_LAYERS: dict[int, str] = {
    2: "an algorithm package must not import another algorithm package",
    5: "io and report must not import each other",
}

#: The root package ``spinscope/__init__.py``: it may import layers up to this one, and to the
#: other modules it is a unit of this layer (so only layers above it may import it).
ROOT_LAYER = 2

#: Sideways imports allowed despite :data:`ISOLATED_LAYERS`: (importer unit, imported unit) -> reason.
ALLOWED_SIDEWAYS: dict[tuple[str, str], str] = {}

#: Files (relative to ``src/``) where ``isinstance(..., SomethingModel)`` may appear: the one
#: dispatch point on the kind of a model (the model-kind registry) and input validation.
ISINSTANCE_MODEL_ALLOWED: frozenset[str] = frozenset({
    "spinscope/models/registry.py",
    "spinscope/_validation.py",
})
ISINSTANCE_MODEL = re.compile(r"isinstance\([^)]*Model\b")  # a ...Model class, not ModelFileError

MAX_FUNCTION_LINES = 80  # no function or method longer than this (def line to last line)
MAX_MEDIAN_FILE_LINES = 250  # the median .py file under src/spinscope is shorter than this
TEST_HOOK = "SPINSCOPE_TEST_"  # environment variables that only tests set


# ---------------------------------------------------------------------------- collection
@dataclass(frozen=True)
class Import:
    """One import statement's target inside the package."""

    importer: str  # dotted module name of the importing file
    target: str  # dotted module name imported
    path: str  # importing file, relative to src/
    line: int
    runtime: bool  # executed when the importer is imported (module level, not TYPE_CHECKING)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    return sorted(PACKAGE_DIR.rglob("*.py"))


MODULES: dict[str, Path] = {module_name(p): p for p in source_files()}


def rel(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST, runtime: bool):
    """Yield ``(node, runtime)`` for every node below ``node``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from _walk_all(child)
            continue
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            yield child, runtime
            for stmt in child.body:
                yield from _walk_all(stmt)
            for stmt in child.orelse:
                yield stmt, runtime
                yield from _walk(stmt, runtime)
            continue
        yield child, runtime
        yield from _walk(child, runtime)


def _walk_all(node: ast.AST):
    for child in ast.walk(node):
        yield child, False


def _resolve_base(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = importer.split(".")
    package = parts if is_package else parts[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _import_module_target(call: ast.Call) -> str | None:
    """The literal module of ``importlib.import_module("x")`` / ``__import__("x")``, else None."""
    f = call.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
    if name in ("import_module", "__import__") and call.args and isinstance(call.args[0], ast.Constant) \
            and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def imports_of(path: Path) -> list[Import]:
    importer = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[Import] = []

    def add(target: str, node: ast.AST, runtime: bool) -> None:
        if target == ROOT_PACKAGE or target.startswith(ROOT_PACKAGE + "."):
            out.append(Import(importer, target, rel(path), node.lineno, runtime))

    for node, runtime in _walk(tree, True):
        if isinstance(node, ast.Call) and _import_module_target(node):
            add(_import_module_target(node), node, runtime)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node, runtime)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_base(importer, path.name == "__init__.py", node)
            plain = False
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    add(sub, node, runtime)
                else:
                    plain = True
            if plain:
                add(base, node, runtime)
    return out


ALL_IMPORTS: list[Import] = [imp for p in source_files() for imp in imports_of(p)]


def unit_of(module: str) -> str | None:
    """The layer-map unit of ``module`` (longest dotted prefix), the root package, or None."""
    if module == ROOT_PACKAGE:
        return ROOT_PACKAGE
    best = None
    for unit in LAYERS:
        if (module == unit or module.startswith(unit + ".")) and (best is None or len(unit) > len(best)):
            best = unit
    return best


def layer_of(unit: str) -> int:
    return ROOT_LAYER if unit == ROOT_PACKAGE else LAYERS[unit]


def layer_violation(imp: Import) -> str | None:
    """Why ``imp`` breaks the layer map, or None."""
    src, dst = unit_of(imp.importer), unit_of(imp.target)
    where = f"{imp.path}:{imp.line}: {imp.importer} imports {imp.target}"
    if src is None:
        return f"{where} -- {imp.importer} is not in the layer map"
    if dst is None:
        return f"{where} -- {imp.target} is not in the layer map" + (
            "" if imp.target in MODULES else " (and is no module of the package)")
    if src == dst:
        return None
    ls, ld = layer_of(src), layer_of(dst)
    if src == ROOT_PACKAGE:
        ok = ld <= ROOT_LAYER
        return None if ok else f"{where} -- the root package may import layers <= {ROOT_LAYER}, not {dst} (layer {ld})"
    if dst == ROOT_PACKAGE and ls <= ROOT_LAYER:
        return (f"{where} -- only layers above {ROOT_LAYER} may import the root package; "
                "import from the defining module")
    if ld > ls:
        return f"{where} -- upward: {src} (layer {ls}) -> {dst} (layer {ld})"
    if ld == ls and ls in ISOLATED_LAYERS and (src, dst) not in ALLOWED_SIDEWAYS:
        return f"{where} -- sideways: {ISOLATED_LAYERS[ls]} ({src} -> {dst})"
    return None


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in ALL_IMPORTS:
        if imp.target in MODULES and imp.target != imp.importer:
            graph[imp.importer].add(imp.target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    comps: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    comps.append(sorted(comp))
    return comps


def cycle_path(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """A shortest cycle through the first module of a strongly connected component (BFS)."""
    members, start = set(comp), comp[0]
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [*reversed(path), start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover


def functions(tree: ast.AST, prefix: str = ""):
    """Yield ``(qualified name, node)`` of every function and method, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = f"{prefix}{node.name}"
            yield name, node
            yield from functions(node, f"{name}.<locals>.")
        elif isinstance(node, ast.ClassDef):
            yield from functions(node, f"{prefix}{node.name}.")
        else:
            yield from functions(node, prefix)


def _by_place(violation: str) -> tuple:
    """Sort key of ``"path:line: ..."`` / ``"path:name:length"``: path, then line as a number."""
    path, _, rest = violation.partition(":")
    head = rest.split(":", 1)[0]
    return (path, int(head) if head.isdigit() else 0, violation)


def report(title: str, violations: list[str]) -> str:
    violations = sorted(set(violations), key=_by_place)
    return f"{len(violations)} {title}:\n  " + "\n  ".join(violations)


# ---------------------------------------------------------------------------- the checks
def test_layer_map_covers_the_package():
    missing = sorted(m for m in MODULES if unit_of(m) is None)
    assert not missing, report("modules not in the layer map (add them to LAYERS)", missing)
    stale = sorted(u for u in LAYERS if not any(m == u or m.startswith(u + ".") for m in MODULES))
    assert not stale, report("layer-map entries without a module (remove them)", stale)


def test_no_upward_or_sideways_imports():
    bad = sorted({v for imp in ALL_IMPORTS if (v := layer_violation(imp)) is not None})
    assert not bad, report("imports break the layer map", bad)


def test_no_import_cycles():
    graph = import_graph()
    cycles = []
    for comp in strongly_connected(graph):
        if len(comp) > 1:
            cycles.append(" -> ".join(cycle_path(graph, comp)) + f"  (component: {', '.join(comp)})")
    assert not cycles, report("import cycles (module-level and function-level imports)", cycles)


def test_functions_are_short():
    long = []
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, node in functions(tree):
            n = node.end_lineno - node.lineno + 1
            if n > MAX_FUNCTION_LINES:
                long.append(f"{rel(path)}:{name}:{n}")
    assert not long, report(f"functions longer than {MAX_FUNCTION_LINES} lines (file:name:length)", long)


def test_median_file_is_short():
    sizes = {rel(p): len(p.read_text(encoding="utf-8").splitlines()) for p in source_files()}
    median = statistics.median(sizes.values())
    biggest = sorted(sizes.items(), key=lambda kv: -kv[1])[:10]
    assert median < MAX_MEDIAN_FILE_LINES, (
        f"median .py file under src/{ROOT_PACKAGE} has {median} lines (limit < {MAX_MEDIAN_FILE_LINES}); "
        "largest: " + ", ".join(f"{k} ({v})" for k, v in biggest))


def test_isinstance_model_only_at_the_dispatch_point():
    bad = []
    for path in source_files():
        if rel(path) in ISINSTANCE_MODEL_ALLOWED:
            continue
        text = path.read_text(encoding="utf-8")
        for m in ISINSTANCE_MODEL.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            bad.append(f"{rel(path)}:{line}: {' '.join(m.group(0).split())}")
    assert not bad, report("isinstance(..., Model) outside the allow-list ISINSTANCE_MODEL_ALLOWED", bad)


def _pyplot_or_backend(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mpl_names, use_names, out = set(), set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "matplotlib.pyplot" or a.name.startswith("matplotlib.pyplot."):
                    out.append(f"{rel(path)}:{node.lineno}: import {a.name}")
                elif a.name == "matplotlib":
                    mpl_names.add(a.asname or a.name)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module == "matplotlib":
                for a in node.names:
                    if a.name == "pyplot":
                        out.append(f"{rel(path)}:{node.lineno}: from matplotlib import pyplot")
                    elif a.name == "use":
                        use_names.add(a.asname or a.name)
            elif node.module == "matplotlib.pyplot" or node.module.startswith("matplotlib.pyplot."):
                out.append(f"{rel(path)}:{node.lineno}: from {node.module} import ...")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Attribute) and f.attr == "use" and isinstance(f.value, ast.Name)
                    and f.value.id in mpl_names) or (isinstance(f, ast.Name) and f.id in use_names):
                out.append(f"{rel(path)}:{node.lineno}: matplotlib.use(")
    return out


def test_no_pyplot_and_no_backend_switch():
    bad = sorted(v for p in source_files() for v in _pyplot_or_backend(p))
    text_hits = [f"{rel(p)}:{i}: matplotlib.use(" for p in source_files()
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
                 if "matplotlib.use(" in line]
    bad = sorted(set(bad) | set(text_hits))
    assert not bad, report("uses of pyplot or matplotlib.use in the library (use Figure objects)", bad)


def test_no_test_hooks_in_the_library():
    bad = [f"{rel(p)}:{i}: {line.strip()}" for p in source_files()
           for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1) if TEST_HOOK in line]
    assert not bad, report(f"mentions of {TEST_HOOK}* environment variables in src/", bad)


# ---------------------------------------------------------------------------- the checker itself
def test_checker_resolves_imports_and_finds_cycles(tmp_path):
    # relative imports and submodule imports resolve to the module
    node = ast.parse("from ..mcm import search\nfrom . import _kernels\n").body
    assert _resolve_base("spinscope.mcm.model", False, node[0]) == "spinscope.mcm"
    assert _resolve_base("spinscope.mcm", True, node[1]) == "spinscope.mcm"
    assert unit_of("spinscope.mc.kernels.plans") == "spinscope.mc"
    assert unit_of("spinscope.mcm.search") == "spinscope.mcm"  # longest prefix, not "spinscope.mc"
    assert layer_violation(Import("spinscope.mc.sampler", "spinscope.optimize.kernels", "x.py", 1, True))
    assert layer_violation(Import("spinscope.models.ising", "spinscope.analysis", "x.py", 1, True))
    assert layer_violation(Import("spinscope.io.rundir", "spinscope.report.html", "x.py", 1, True))
    assert "root package" in layer_violation(Import("spinscope.mcm.model", "spinscope", "x.py", 1, True))
    assert not layer_violation(Import("spinscope.analysis.spectrum", "spinscope", "x.py", 1, True))
    assert layer_violation(Import("spinscope", "spinscope.analysis", "x.py", 1, True))
    assert not layer_violation(Import("spinscope", "spinscope.mcm", "x.py", 1, True))
    assert not layer_violation(Import("spinscope.cli.mcm", "spinscope.workflows.mcm", "x.py", 1, True))
    assert not layer_violation(Import("spinscope._files", "spinscope.errors", "x.py", 1, True))
    g = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    (comp,) = [c for c in strongly_connected(g) if len(c) > 1]
    assert comp == ["a", "b", "c"] and cycle_path(g, comp) == ["a", "b", "c", "a"]
    # function-level and TYPE_CHECKING imports are collected but do not count for cycles
    src = ("from typing import TYPE_CHECKING\nimport spinscope.errors\nif TYPE_CHECKING:\n"
           "    from spinscope.models import IsingModel\ndef f():\n    from spinscope import mcm\n")
    tree = ast.parse(src)
    found = [(n.lineno, rt) for n, rt in _walk(tree, True) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert found == [(1, True), (2, True), (4, False), (6, False)]
    call = ast.parse("importlib.import_module('spinscope.mcm.search')").body[0].value
    assert _import_module_target(call) == "spinscope.mcm.search"
    assert ISINSTANCE_MODEL.search("isinstance(model,\n    (models.IsingModel, PottsModel))")
    assert not ISINSTANCE_MODEL.search("isinstance(exc, ModelFileError)")


def test_workflow_functions_are_not_shadowed_by_modules():
    """``from spinscope.workflows import X`` must be the function: no submodule may be called X
    (once such a submodule is imported, the package attribute becomes the module)."""
    from spinscope import workflows

    pkg = SRC / "spinscope" / "workflows"
    clashes = sorted(name for name in workflows._EXPORTS
                     if (pkg / f"{name}.py").exists() or (pkg / name / "__init__.py").exists())
    assert not clashes, f"rename these workflow modules (e.g. cpm -> cell_sorting): {clashes}"
