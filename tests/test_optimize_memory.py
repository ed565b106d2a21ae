"""Inputs that would exhaust memory are refused with one clear error, before anything is allocated.

Every refusal is tested without allocating: the estimate is checked (tracemalloc sees numpy's
allocations, and the peak stays small), and the available memory is pinned so that the outcome
does not depend on the machine.
"""

from __future__ import annotations

import itertools
import json
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

import spinscope._validation as validation
import spinscope.optimize.solvers as solvers
from spinscope.cli.main import main
from spinscope.errors import DataFileError, InputError, MemoryLimitError
from spinscope.models import IsingModel, save_model
from spinscope.optimize import ising_problem, maxcut_from_edges
from spinscope.optimize.gset import parse_gset
from spinscope.optimize.problem_files import load_problem, parse_terms
from spinscope.optimize.solve import solve
from spinscope.optimize.solvers import _Betas, _schedule

GIB = 2**30
SMALL_PEAK = 64 * 2**20  # what a refused request may allocate at most (64 MiB)


@pytest.fixture
def eight_gib(monkeypatch):
    """Pretend 8 GiB are available (check_memory refuses above 80 % of it)."""
    monkeypatch.setattr(validation, "available_memory_bytes", lambda: 8 * GIB)


class _Peak:
    """Peak bytes traced while the block ran."""

    def __enter__(self):
        tracemalloc.start()
        return self

    def __exit__(self, *exc):
        self.bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return False


def _refused(fn, error=MemoryLimitError, match="needs"):
    with _Peak() as peak, pytest.raises(error, match=match) as info:
        fn()
    assert peak.bytes < SMALL_PEAK, f"{peak.bytes / 2**20:.0f} MiB allocated before refusing"
    return str(info.value)


def _file(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text)
    return f


def test_gset_header_with_two_billion_vertices(tmp_path, eight_gib, capsys):
    f = _file(tmp_path, "huge.txt", "2000000000 1\n1 2 1\n")
    msg = _refused(lambda: load_problem(f))
    assert "n=2000000000" in msg and "GiB" in msg and "available" in msg
    assert main(["solve", str(f)]) == 2
    err = capsys.readouterr().err
    assert "needs" in err and "Traceback" not in err and "internal error" not in err


def test_gset_header_with_more_edges_than_lines(tmp_path, eight_gib, capsys):
    f = _file(tmp_path, "m.txt", "10 2000000000000\n1 2 1\n")
    msg = _refused(lambda: load_problem(f), DataFileError, "announces m=2000000000000 edges")
    assert "1 line after it" in msg
    assert main(["solve", str(f)]) == 2
    assert "announces m=2000000000000" in capsys.readouterr().err
    with pytest.raises(DataFileError, match="announces m=3 edges but the file has 2 lines after it"):
        parse_gset("4 3\n1 2 1\n2 3 1\n")


def test_gset_header_fitting_lines_but_not_memory(eight_gib):
    # as many lines as the header says, but an n too large: refused by the estimate
    _refused(lambda: parse_gset("3000000000 1\n1 2 1\n", source="g.txt"), match=r"g.txt, line 1")


@pytest.mark.parametrize("kind", ["ising", "qubo"])
def test_text_index_of_two_billion(tmp_path, eight_gib, kind, capsys):
    f = _file(tmp_path, "p.txt", "0 1999999999 1.0\n")
    msg = _refused(lambda: load_problem(f, problem=kind))
    assert "largest index 1999999999" in msg and "n=2000000000" in msg
    assert main(["solve", str(f), "--problem", kind]) == 2
    assert "largest index 1999999999" in capsys.readouterr().err
    g = _file(tmp_path, "d.txt", "# n = 2000000000\n0 1 1.0\n")
    assert "'# n = 2000000000'" in _refused(lambda: parse_terms(g.read_text(), source="d.txt"))


def test_python_constructors_check_the_size(eight_gib):
    _refused(lambda: ising_problem({0: 1.0}, {(0, 1999999999): 1.0}))
    _refused(lambda: ising_problem({1999999999: 1.0}, {(0, 1): 1.0}))
    _refused(lambda: maxcut_from_edges([[0, 1]], n=2_000_000_000))


@pytest.mark.parametrize(("solver", "settings", "what"), [
    ("pt", {"num_replicas": 100_000_000}, "num_replicas=100000000"),
    ("pt", {"num_reads": 1_000_000_000}, "num_reads=1000000000 ladders"),
    ("sa", {"num_reads": 1_000_000_000}, "simulated annealing with num_reads=1000000000"),
    ("pa", {"num_reads": 1_000_000_000}, "population annealing with num_reads=1000000000"),
    ("sb", {"num_reads": 1_000_000_000}, "simulated bifurcation with num_reads=1000000000"),
    ("sb", {"num_reads": 1_000_000_000, "backend": "torch"}, r"\(torch, cpu\)"),
])
def test_solver_settings_are_checked_before_allocating(monkeypatch, eight_gib, solver, settings, what):
    def boom(*args, **kwargs):
        raise AssertionError("allocated the chains before checking their size")

    monkeypatch.setattr(solvers, "_Run", boom)
    p = maxcut_from_edges(np.array([(i, (i + 1) % 1000) for i in range(1000)]))
    msg = _refused(lambda: solve(p, solver=solver, seed=0, **settings), match=what)
    assert f"n={p.n} variables" in msg


def test_cli_replicas_and_reads_exit_2(tmp_path, eight_gib, capsys):
    f = _file(tmp_path, "ring.txt", "4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n")
    for argv in (["--replicas", "100000000"], ["--solver", "pt", "--replicas", "1000000000"],
                 ["--reads", "1000000000"], ["--solver", "sa", "--reads", "10000000000"]):
        with _Peak() as peak:
            assert main(["solve", str(f), *argv]) == 2
        assert peak.bytes < SMALL_PEAK
        err = capsys.readouterr().err
        assert "needs" in err and "available" in err and "Traceback" not in err


def test_the_memory_estimate_allows_normal_runs():
    p = maxcut_from_edges([[0, 1], [1, 2], [2, 0]])
    for solver in ("sa", "pt", "pa", "sb"):
        assert solve(p, solver=solver, seed=0, num_reads=4 if solver != "pt" else 2).best_value == 2


@pytest.mark.parametrize(("solver", "settings"), [
    ("sa", {"num_sweeps": 10**12}),
    ("pa", {"num_steps": 10**11}),
    ("pa", {"num_steps": 3, "sweeps_per_step": 10**12}),
    ("pt", {"num_sweeps": 10**12}),
    ("sb", {"num_steps": 10**12}),
])
def test_sweeps_are_time_not_memory(solver, settings):
    """A huge sweep count with a time limit runs, allocating nothing proportional to it."""
    p = maxcut_from_edges(np.array([(i, (i + 1) % 200) for i in range(200)]))
    solve(p, solver=solver, seed=0, num_sweeps=2) if solver in ("sa", "pt") else None  # compile
    with _Peak() as peak:
        r = solve(p, solver=solver, seed=1, time_limit=0.3, **settings)
    assert r.stopped_by == "time_limit" and r.best_value > 0
    assert peak.bytes < SMALL_PEAK


def test_cli_huge_sweeps_with_a_time_limit(tmp_path, capsys):
    f = _file(tmp_path, "ring.txt", "4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n")
    for solver in ("sa", "auto"):
        assert main(["--json", "--quiet", "solve", str(f), "--solver", solver, "--sweeps",
                     "1000000000000", "--time-limit", "0.3"]) == 0
        d = json.loads(capsys.readouterr().out)
        assert d["best_value"] == 4 and d["stopped_by"] in ("time_limit", "target")


@pytest.mark.parametrize("kind", ["geometric", "linear"])
def test_sliced_schedule_is_bitwise_numpys(kind):
    """Long schedules are computed slice by slice, with exactly numpy's numbers."""
    rng = np.random.default_rng(0)
    for num in [2, 3, 7, 1000, 4097, 123457]:
        for b0, b1 in [(0.1, 3.0), (0.0123, 7.77), (2.0, 2.0), (3.0, 0.1), tuple(rng.uniform(0.01, 5, 2))]:
            ref = _schedule(b0, b1, num, kind)
            lazy = _Betas(b0, b1, num, kind, materialize=0)
            cuts = sorted({0, num, *rng.integers(0, num, 5).tolist()})
            got = np.concatenate([lazy[a:b] for a, b in itertools.pairwise(cuts)])
            np.testing.assert_array_equal(got.view(np.int64), ref.view(np.int64))
            assert lazy[num - 1] == ref[-1] and lazy[0] == ref[0] and lazy.size == num
    assert _Betas(0.1, 3.0, 10**12, kind)[10**12 - 1] == 3.0


@pytest.mark.parametrize("fields", [False, True])
@pytest.mark.parametrize("storage", ["coo", "dense"])
def test_npz_header_larger_than_the_data(tmp_path, storage, fields):
    """A model file whose header says n=1000 but holds 16 spins is refused, not run with 1000.

    (coo storage without fields is the reported case: it loaded as 1000 spins.)
    """
    rng = np.random.default_rng(1)
    a = np.triu(rng.normal(size=(16, 16)), 1)
    j = a + a.T if storage == "dense" else sp.csr_array(a + a.T)
    f = save_model(tmp_path / "m.npz", IsingModel(j, rng.normal(size=16) if fields else None))
    with np.load(f) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(str(arrays["header"]))
    assert header["storage"] == storage and header["n"] == 16 and ("h" in arrays) == fields
    header["n"] = 1000
    arrays["header"] = np.array(json.dumps(header))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(InputError, match="1000"):
        load_problem(tmp_path / "bad.npz")
