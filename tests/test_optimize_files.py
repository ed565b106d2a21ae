"""Problem files (Gset, Ising/QUBO text, .npz), assignments, the dimod sampler and the CLI."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from spinscope.cli.main import main
from spinscope.errors import DataFileError, InputError
from spinscope.models import IsingModel, save_model
from spinscope.optimize.dimod_sampler import SpinscopeSampler
from spinscope.optimize.gset import parse_gset
from spinscope.optimize.problem_files import load_problem, parse_terms, write_assignment
from spinscope.optimize.problems import ising_problem
from spinscope.optimize.solve import solve

SQUARE = "4 4 trailing text\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n"  # a 4-cycle: max cut 4


def test_gset_parse_with_trailing_text():
    n, edges, w = parse_gset(SQUARE)
    assert n == 4 and edges.tolist() == [[0, 1], [1, 2], [2, 3], [3, 0]] and w.tolist() == [1, 1, 1, 1]


@pytest.mark.parametrize(("text", "match"), [
    ("4 5\n1 2 1\n2 3 1\n", "announces m=5 edges but the file has 2"),
    ("4 1\n1 2 1\n2 3 1\n", "line 3: more edge lines than the m=1"),
    ("4 2\n1 2 1\n2 5 1\n", "line 3: vertex 5 is outside 1..4"),
    ("4 2\n1 2 1\n0 3 1\n", "line 3: vertex 0 is outside"),
    ("4 2\n1 2 1\n3 3 1\n", "line 3: self-loop"),
    ("4 2\n1 2 1\n2 1 -1\n", "line 3: edge 2-1 already listed on line 2"),
    ("4 1\n1 2 nan\n", "line 2: weight 'nan' is not finite"),
    ("4 1\n1 2\n", "line 2: expected 'i j w'"),
    ("four 1\n", "line 1: n must be an integer"),
])
def test_gset_errors_name_the_line(text, match):
    with pytest.raises(DataFileError, match=match):
        parse_gset(text, source="g.txt")


def test_shared_gset_file(shared_data):
    p = load_problem(shared_data / "gset" / "G11.txt")
    assert (p.kind, p.n, len(p.edges)) == ("maxcut", 800, 1600)
    assert set(np.unique(p.weights)) == {-1.0, 1.0}


def test_ising_and_qubo_text_and_npz(tmp_path):
    f = tmp_path / "p.txt"
    f.write_text("# n = 3\n0 1 1.0\n1 2 -2.0\n2 2 0.5\n")
    n, h, pairs = parse_terms(f.read_text())
    assert n == 3 and h.tolist() == [0, 0, 0.5] and pairs[1, 2] == -2.0
    s = np.array([1, -1, 1])
    ising = load_problem(f, problem="ising")
    assert ising.energy(s) == pytest.approx(1.0 * 1 * -1 + -2.0 * -1 * 1 + 0.5 * 1)
    qubo = load_problem(f, problem="qubo")
    assert qubo.energy(s) == pytest.approx(0.0 + 0.0 + 0.5)  # x = (1, 0, 1)
    m = IsingModel(np.array([[0.0, 1.0], [1.0, 0.0]]), [0.5, 0.0])
    save_model(tmp_path / "m.npz", m)
    p = load_problem(tmp_path / "m.npz")
    assert p.kind == "ising" and p.energy(np.array([1, 1])) == pytest.approx(float(m.energy(np.array([1, 1]))))


@pytest.mark.parametrize(("text", "match"), [
    ("0 1 1\n1 0 2\n", "line 2: term 0 1 already given on line 1"),
    ("0 1\n", "line 1: expected 'i j value'"),
    ("0 -1 1\n", "0-based and must be >= 0"),
    ("0 1 inf\n", "not finite"),
    ("# n = 2\n0 2 1\n", "outside 0..1"),
])
def test_text_errors_name_the_line(text, match):
    with pytest.raises(DataFileError, match=match):
        parse_terms(text)


def test_write_assignment_never_overwrites(tmp_path):
    p = load_problem(_write(tmp_path, "sq.txt", SQUARE))
    r = solve(p, seed=0, num_sweeps=50)
    out = write_assignment(tmp_path / "a.txt", r)
    vals = [int(v) for v in out.read_text().split("\n")[1:] if v]
    assert p.cut(np.array(vals)) == r.best_value == 4
    with pytest.raises(InputError, match="already exists"):
        write_assignment(out, r)
    write_assignment(out, r, overwrite=True)


def _write(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text)
    return f


def test_sampler_returns_dimod_samplesets():
    dimod = pytest.importorskip("dimod")
    sampler = SpinscopeSampler("sa", num_sweeps=100)
    ss = sampler.sample_ising({0: 0.5}, {(0, 1): 1.0, (1, 2): 1.0}, num_reads=4, seed=1)
    assert isinstance(ss, dimod.SampleSet) and len(ss) == 4
    assert ss.first.energy == pytest.approx(-2.5)
    # the rows are the reads of solve() with the same settings: SolveResult is solve()'s type
    res = solve(ising_problem({0: 0.5}, {(0, 1): 1.0, (1, 2): 1.0}), solver="sa", num_sweeps=100,
                num_reads=4, seed=1)
    np.testing.assert_allclose(ss.record.energy, res.energies)
    assert ss.info["seed"] == 1 and ss.info["solver"] == "sa"
    Q = {(0, 0): -1.0, (1, 1): -1.0, (0, 1): 2.0, (2, 2): 0.5}
    ss = sampler.sample_qubo(Q, num_reads=4, seed=1)
    assert isinstance(ss, dimod.SampleSet) and len(ss) == 4
    bqm = dimod.BinaryQuadraticModel.from_qubo(Q)
    np.testing.assert_allclose(ss.record.energy, bqm.energies(ss))  # same convention as dimod
    assert ss.first.energy == pytest.approx(-1.0)
    ss = sampler.sample_ising({0: 0.5}, {(0, 1): 1.0, (1, 2): 1.0}, num_reads=2, seed=1)
    bqm = dimod.BinaryQuadraticModel.from_ising({0: 0.5}, {(0, 1): 1.0, (1, 2): 1.0})
    np.testing.assert_allclose(ss.record.energy, bqm.energies(ss))


@pytest.mark.parametrize("method", ["sample_ising", "sample_qubo"])
def test_sampler_without_dimod_names_the_extra(monkeypatch, method):
    """No silent fallback: without dimod the sampler says which extra to install."""
    monkeypatch.setitem(sys.modules, "dimod", None)  # makes `import dimod` fail
    sampler = SpinscopeSampler("sa", num_sweeps=10)
    args = ({0: 0.5}, {(0, 1): 1.0}) if method == "sample_ising" else ({(0, 0): -1.0},)
    with pytest.raises(ImportError, match=r"pip install 'spinscope\[qubo\]'"):
        getattr(sampler, method)(*args, num_reads=2, seed=1)


def test_sampler_validates_solver_and_settings_from_the_registry():
    with pytest.raises(InputError, match="solver must be one of"):
        SpinscopeSampler("qa")
    with pytest.raises(InputError, match="unknown setting"):
        SpinscopeSampler("sa", num_steps=10)  # a setting of pa/sb, not of sa
    assert "num_replicas" in SpinscopeSampler("pt").parameters
    assert "variant" in SpinscopeSampler("sb").parameters


def test_cli_solve_json_out_and_errors(tmp_path, capsys):
    f = _write(tmp_path, "sq.txt", SQUARE)
    out = tmp_path / "best.txt"
    rc = main(["--seed", "3", "--json", "solve", str(f), "--sweeps", "100", "--out", str(out)])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["best_value"] == 4 and len(d["best_assignment"]) == 4 and d["seed"] == 3
    assert out.exists()
    assert main(["solve", str(f), "--out", str(out)]) == 2  # refuses to overwrite
    assert "already exists" in capsys.readouterr().err
    bad = _write(tmp_path, "bad.txt", "4 2\n1 2 1\n2 2 1\n")
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "line 3: self-loop" in err and "Traceback" not in err
    q = _write(tmp_path, "q.txt", "0 0 -1\n1 1 -1\n0 1 3\n")
    assert main(["--json", "solve", str(q), "--problem", "qubo", "--target", "-1", "--reads", "2"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["best_value"] == -1 and sorted(d["best_assignment"]) == [0, 1] and d["target_reached"]
    assert main(["--seed", "1", "solve", str(f), "--solver", "sb", "--sweeps", "200"]) == 0
    assert "best cut 4" in capsys.readouterr().out


def test_cli_solve_parallel_tempering_options(tmp_path, capsys):
    f = _write(tmp_path, "sq.txt", SQUARE)
    rc = main(["--seed", "2", "--json", "solve", str(f), "--solver", "pt", "--replicas", "4",
               "--cluster-moves", "--reads", "2", "--sweeps", "50"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["best_value"] == 4
    assert d["settings"]["num_replicas"] == 4 and d["settings"]["cluster_moves"] is True
    assert main(["solve", str(f), "--solver", "pt", "--cluster-moves", "--reads", "3"]) == 2
    assert "num_reads must be even" in capsys.readouterr().err
    assert main(["solve", str(f), "--solver", "sa", "--replicas", "4"]) == 2
    assert "--solver pt only" in capsys.readouterr().err
