"""Planted instances (spinscope.optimize.planted): the stated ground-state energy is the exact
minimum (brute force over all 2^N states), the planted state attains it, the gauge keeps the
spectrum; the planted header round-trips through files; ``spinscope generate`` refuses bad input
with one line and exit 2, writing nothing; ``spinscope solve`` targets the planted energy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from spinscope.cli.main import main
from spinscope.errors import DataFileError, InputError
from spinscope.models import IsingModel
from spinscope.optimize import load_problem, solve
from spinscope.optimize.planted import (
    _tiles3d_couplings,
    gauge_problem,
    planted_instance,
    tile_planted_2d,
    tile_planted_3d,
    wishart_planted,
)
from spinscope.optimize.planted_files import planted_header, read_planted_header
from spinscope.optimize.problems import Problem
from spinscope.optimize.tiles3d import (
    CUBE_EDGES,
    TILE3D_ENERGIES,
    cube_tiles,
    tile_signs,
)
from spinscope.optimize.xorsat import gf2_solve, xorsat_planted
from spinscope.optimize.xorsat_files import read_xorsat, write_xorsat
from spinscope.workflows import generate, solve_file

_STATES: dict[int, np.ndarray] = {}


def all_states(n: int) -> np.ndarray:
    """Every ±1 configuration of ``n`` spins, shape (2^n, n)."""
    if n not in _STATES:
        idx = np.arange(2**n)[:, None]
        _STATES[n] = (1 - 2 * ((idx >> np.arange(n)) & 1)).astype(np.float64)
    return _STATES[n]


def check_exact(inst) -> float:
    """Assert E0 is the brute-force minimum and the planted state attains it; return |dE|."""
    energies = inst.problem.energy(all_states(inst.n))
    gap = abs(float(energies.min()) - inst.energy)
    assert gap < 1e-9, (inst.generator, inst.params, energies.min(), inst.energy)
    assert abs(float(inst.problem.energy(inst.state)) - inst.energy) < 1e-9
    assert abs(float(inst.problem.energy(-inst.state)) - inst.energy) < 1e-9
    assert inst.problem.planted_energy == inst.energy
    return gap


# ------------------------------------------------------------------------------ exactness
WISHART_CASES = [(n, alpha, seed) for n in (8, 10, 12, 14, 16) for alpha in (0.25, 0.5, 1.0, 2.5)
                 for seed in (0, 1)]  # 40 instances, alpha < 1 and > 1


def test_wishart_energy_is_the_brute_force_minimum():
    gaps = [check_exact(wishart_planted(n, alpha=a, gauge=True, seed=s)) for n, a, s in WISHART_CASES]
    gaps += [check_exact(wishart_planted(n, alpha=a, discrete=True, seed=s))
             for n, a, s in WISHART_CASES[::2]]  # 20 more with ±1 entries of R
    assert len(gaps) == 60 and max(gaps) < 1e-9


def test_wishart_structure():
    inst = wishart_planted(12, alpha=0.5, seed=3)
    j = inst.problem.model.couplings
    assert inst.params["m"] == 6 and np.allclose(j, j.T) and np.all(np.diag(j) == 0)
    assert np.all(inst.state == 1) and inst.energy < 0
    assert wishart_planted(9, alpha=0.01, seed=0).params["m"] == 1  # at least one column


TILE_PROBS = [(0.2, 0.5, 0.1), (1, 0, 0), (0, 1, 0), (0, 0, 1), (0, 0, 0), (0.25, 0.25, 0.25)]


def test_tiles2d_energy_is_the_brute_force_minimum():
    gaps = [check_exact(tile_planted_2d(4, probabilities=p, gauge=bool(s % 2), seed=s))
            for p in TILE_PROBS for s in range(5)]  # 30 instances, every class alone and mixed
    assert len(gaps) == 30 and max(gaps) == 0.0


def test_tiles2d_structure():
    inst = tile_planted_2d(6, probabilities=(0, 0, 0), seed=1)   # all C4: every tile -2
    j = inst.problem.model.couplings.toarray()
    assert inst.energy == -2 * 18 and np.count_nonzero(np.triu(j)) == 2 * 36
    assert np.all((j != 0).sum(axis=1) == 4) and set(np.unique(j)) <= {-1.0, 0.0, 1.0}
    inst = tile_planted_2d(4, probabilities=(1, 0, 0), seed=2)   # all C1: one -1, three 2
    assert inst.energy == -5 * 8 and inst.params["classes"] == [8, 0, 0, 0]
    assert set(np.unique(inst.problem.model.couplings.toarray())) == {-1.0, 0.0, 2.0}


@pytest.mark.parametrize("make", [lambda g: wishart_planted(10, alpha=0.7, gauge=g, seed=5),
                                  lambda g: tile_planted_2d(4, gauge=g, seed=5)], ids=["wishart", "tiles2d"])
def test_gauge_keeps_the_spectrum(make):
    plain, gauged = make(False), make(True)
    n = plain.n
    e1 = np.sort(plain.problem.energy(all_states(n)))
    e2 = np.sort(gauged.problem.energy(all_states(n)))
    assert np.allclose(e1, e2, atol=1e-9) and not np.all(gauged.state == 1)
    again = gauge_problem(gauged.problem, gauged.state)       # the gauge is its own inverse
    assert np.allclose(_dense(again.model.couplings), _dense(plain.problem.model.couplings))


def _dense(j) -> np.ndarray:
    return j.toarray() if hasattr(j, "toarray") else np.asarray(j)


def test_seeded_generation_is_reproducible():
    a, b = wishart_planted(8, seed=11, gauge=True), wishart_planted(8, seed=11, gauge=True)
    assert a.energy == b.energy and np.array_equal(a.state, b.state)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: wishart_planted(1), "N (number of spins) must be >= 2"),
    (lambda: wishart_planted(8, alpha=0), "alpha must be a finite number > 0"),
    (lambda: wishart_planted(8, alpha=-1), "alpha must be a finite number > 0"),
    (lambda: wishart_planted(8, alpha=float("nan")), "alpha must be a finite number > 0"),
    (lambda: wishart_planted(8, alpha="x"), "alpha must be a positive number"),
    (lambda: tile_planted_2d(5), "L must be even"),
    (lambda: tile_planted_2d(2), "L (linear size) must be >= 4"),
    (lambda: tile_planted_2d(4, probabilities=(0.6, 0.5, 0)), "must be <= 1"),
    (lambda: tile_planted_2d(4, probabilities=(-0.1, 0.5, 0)), ">= 0"),
    (lambda: tile_planted_2d(4, probabilities=(0.1, 0.5)), "three finite numbers"),
    (lambda: planted_instance("tiles4d", L=4), "unknown planted generator"),
    (lambda: planted_instance("wishart", L=4), "wishart needs N"),
    (lambda: planted_instance("tiles2d", n=16), "tiles2d needs L"),
    (lambda: tile_planted_3d(5), "L must be even"),
    (lambda: tile_planted_3d(7), "L must be even"),
    (lambda: tile_planted_3d(2), "L (linear size) must be >= 4"),
    (lambda: tile_planted_3d(0), "L (linear size) must be >= 4"),
    (lambda: tile_planted_3d(4, probabilities=(0.6, 0.5)), "p2 + p4 must be <= 1"),
    (lambda: tile_planted_3d(4, probabilities=(0.1, 0.2, 0.3)), "two finite numbers"),
    (lambda: tile_planted_3d(4, probabilities=(float("nan"), 0)), "two finite numbers"),
    (lambda: planted_instance("tiles3d", n=64), "tiles3d needs L"),
    (lambda: planted_instance("tiles3d", L=4, probabilities=(0.2, 0.5, 0.1)), "two finite numbers"),
    (lambda: xorsat_planted(3), "N (number of variables) must be >= 4"),
    (lambda: xorsat_planted(-1), "N (number of variables) must be >= 4"),
    (lambda: xorsat_planted(10**6), "too large"),
    (lambda: planted_instance("xorsat", L=4), "xorsat needs N"),
    (lambda: planted_instance("xorsat", n=8, gauge=True), "xorsat takes no gauge"),
])
def test_input_errors(call, words):
    with pytest.raises(InputError) as info:
        call()
    assert words in str(info.value) and "\n" not in str(info.value)


# ------------------------------------------------------------------------------ 3-D tiles
def _tile_energies(states: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Energies ``-sum_e J_e s_a s_b`` of 8-spin tiles, states (B, 8), signs (..., 12)."""
    bonds = states[:, CUBE_EDGES[:, 0]] * states[:, CUBE_EDGES[:, 1]]
    return -(bonds @ np.asarray(signs, dtype=np.float64).T)


@pytest.mark.parametrize(("kind", "orientations", "ground_states"), [("2FP", 12, 4), ("4FP", 6, 2), ("6FP", 8, 8)])
def test_tiles3d_every_tile_is_minimised_by_the_planted_state(kind, orientations, ground_states):
    signs = tile_signs(kind)                                   # all 48 orientations
    assert signs.shape == (48, 12) and len({tuple(r) for r in signs}) == orientations
    e = _tile_energies(all_states(8), signs)                   # (256, 48), brute force over 2^8 states
    planted = e[0]                                             # state 0 is all up
    assert np.all(e.min(axis=0) == planted) and np.all(planted == TILE3D_ENERGIES[kind])
    assert np.all((e == planted).sum(axis=0) == 2 * ground_states)  # ground states mod the global flip


def test_cube_tiles_partition_the_lattice_edges():
    for shape in ((4, 4, 4), (6, 4, 8)):
        tiles = cube_tiles(shape)
        n = int(np.prod(shape))
        a, b = tiles[:, CUBE_EDGES[:, 0]].ravel(), tiles[:, CUBE_EDGES[:, 1]].ravel()
        edges = {(min(x, y), max(x, y)) for x, y in zip(a.tolist(), b.tolist())}
        assert len(tiles) == n // 4 and len(a) == 3 * n and len(edges) == 3 * n   # each edge once
        deg = np.bincount(np.concatenate([a, b]), minlength=n)
        assert np.all(deg == 6)


SMALL_3D = [(shape, p, seed) for shape in ((2, 2, 2), (2, 2, 4), (2, 4, 2), (4, 2, 2))
            for p in ((0.05, 0.05), (1, 0), (0, 1), (0, 0), (0.3, 0.3)) for seed in range(3)]  # 60


def test_tiles3d_small_lattices_brute_force():
    """Lattices with a side of 2 (8 or 16 spins, doubled edges summed): E0 is the exact minimum."""
    gaps = []
    for shape, p, seed in SMALL_3D:
        j, energy, counts = _tiles3d_couplings(shape, p, np.random.default_rng(seed))
        prob = Problem(IsingModel(j, np.zeros(j.shape[0])), kind="ising")   # spinscope's sign
        e = prob.energy(all_states(j.shape[0]))
        gaps.append(abs(float(e.min()) - energy))
        assert float(e[0]) == energy and sum(counts) == np.prod(shape) // 4
        g = np.random.default_rng(seed).choice([-1, 1], size=j.shape[0])
        assert np.array_equal(np.sort(gauge_problem(prob, g).energy(all_states(j.shape[0]))), np.sort(e))
    assert len(gaps) == 60 and max(gaps) == 0.0


def test_tiles3d_l4_is_a_sum_of_minimised_tiles():
    """On L = 4 the couplings, read back tile by tile, give per-tile minima summing to E0."""
    tiles = cube_tiles((4, 4, 4))
    rng = np.random.default_rng(0)
    for seed, p in ((0, (0.05, 0.05)), (1, (1, 0)), (2, (0, 1)), (3, (0, 0)), (4, (0.4, 0.3))):
        inst = tile_planted_3d(4, probabilities=p, gauge=True, seed=seed)
        j = inst.problem.model.couplings.toarray()
        assert np.count_nonzero(np.triu(j)) == 3 * 64 and set(np.unique(j)) == {-1.0, 0.0, 1.0}
        signs = j[tiles[:, CUBE_EDGES[:, 0]], tiles[:, CUBE_EDGES[:, 1]]]          # (16, 12)
        g = inst.state.astype(np.float64)[tiles]                                    # the gauge per tile
        plain = signs * g[:, CUBE_EDGES[:, 0]] * g[:, CUBE_EDGES[:, 1]]             # undo it
        e = _tile_energies(all_states(8), plain)                                    # (256, 16)
        assert np.all(e.min(axis=0) == e[0]) and float(e[0].sum()) == inst.energy
        s = rng.choice([-1.0, 1.0], size=(20, 64))
        by_tile = sum(_tile_energies(s[:, t], sg[None, :])[:, 0] for t, sg in zip(tiles, signs))
        assert np.allclose(by_tile, inst.problem.energy(s))
        assert inst.problem.energy(inst.state) == inst.energy == inst.problem.planted_energy


def test_tiles3d_gauge_relates_the_couplings():
    plain, gauged = tile_planted_3d(4, seed=9), tile_planted_3d(4, gauge=True, seed=9)
    assert plain.energy == gauged.energy and not np.all(gauged.state == 1)
    back = gauge_problem(gauged.problem, gauged.state)
    assert np.array_equal(back.model.couplings.toarray(), plain.problem.model.couplings.toarray())


def test_tiles3d_parallel_tempering_reaches_e0_and_not_below():
    for seed in range(4):
        inst = tile_planted_3d(4, probabilities=(0.05, 0.05) if seed < 2 else (0, 0), gauge=True, seed=seed)
        res = solve(inst.problem, solver="pt", seed=seed, time_limit=10, target=inst.energy)
        assert res.best_energy == inst.energy, (seed, res.best_energy, inst.energy)
        res = solve(inst.problem, solver="pt", seed=seed, num_sweeps=300)   # no target: never below E0
        assert res.best_energy >= inst.energy


# ------------------------------------------------------------------------------ 3-XORSAT
XORSAT_CASES = [(n, seed) for n in range(4, 17) for seed in range(4)]  # 52 instances


def test_xorsat_brute_force_energy_and_degeneracy():
    degeneracies = []
    for n, seed in XORSAT_CASES:
        inst = xorsat_planted(n, seed=seed)
        c = inst.clauses
        assert c.shape == (n, 3) and np.all(np.bincount(c.ravel(), minlength=n) == 3)
        assert np.all((c[:, 0] != c[:, 1]) & (c[:, 1] != c[:, 2]) & (c[:, 0] != c[:, 2]))
        e = inst.energy(all_states(n))
        assert float(e.min()) == inst.ground_energy == -n == inst.energy(inst.planted_state)
        assert int(np.sum(e == -n)) == inst.degeneracy == 2 ** (n - inst.rank)
        degeneracies.append(inst.degeneracy)
    assert len(degeneracies) == 52 and max(degeneracies) > 1   # some instances are degenerate


def test_gf2_solve_against_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(40):
        r, m = rng.integers(1, 9, size=2)
        a = (rng.random((r, m)) < 0.4).astype(np.uint8)
        b = rng.integers(0, 2, size=r)
        xs = ((np.arange(2**m)[:, None] >> np.arange(m)) & 1)
        solutions = int(np.sum(np.all((xs @ a.T) % 2 == b, axis=1)))
        rank, x = gf2_solve(a, b)
        assert rank == gf2_solve(a)[0]
        if solutions == 0:
            assert x is None
        else:
            assert solutions == 2 ** (m - rank) and np.array_equal((a @ x) % 2, b)


def test_xorsat_file_round_trip_and_errors(tmp_path):
    inst = xorsat_planted(12, seed=5)
    write_xorsat(tmp_path / "x.txt", inst, seed=5)
    first = (tmp_path / "x.txt").read_text().splitlines()[0]
    assert first == (f"# spinscope-xorsat v1 n=12 clauses=12 energy=-12 degeneracy={inst.degeneracy} "
                     "generator=xorsat seed=5")
    back = read_xorsat(tmp_path / "x.txt")
    assert np.array_equal(back.clauses, inst.clauses) and np.array_equal(back.signs, inst.signs)
    assert back.degeneracy == inst.degeneracy and back.energy(back.planted_state) == -12
    f = tmp_path / "bad.txt"
    for text, words in (("0 1 2 1\n", "expected the header"),
                        ("# spinscope-xorsat v2 n=4 clauses=1 energy=-1 degeneracy=8\n0 1 2 1\n", "v2"),
                        ("# spinscope-xorsat v1 n=4 clauses=1 energy=-1\n0 1 2 1\n", "degeneracy"),
                        ("# spinscope-xorsat v1 n=4 clauses=1 energy=-1 degeneracy=8\n0 1 1 1\n", "distinct"),
                        ("# spinscope-xorsat v1 n=4 clauses=1 energy=-1 degeneracy=8\n0 1 2 2\n", "J = ±1"),
                        ("# spinscope-xorsat v1 n=4 clauses=1 energy=-1 degeneracy=8\n0 1 9 1\n", "[0, 4)"),
                        ("# spinscope-xorsat v1 n=4 clauses=1 energy=-1 degeneracy=8\n0 1 2\n", "four integers"),
                        ("# spinscope-xorsat v1 n=4 clauses=2 energy=-2 degeneracy=8\n0 1 2 1\n", "clauses=2"),
                        ("# spinscope-xorsat v1 n=4 clauses=1 energy=-1 degeneracy=4\n0 1 2 1\n", "degeneracy=4"),
                        ("# spinscope-xorsat v1 n=4 clauses=2 energy=-2 degeneracy=8\n0 1 2 1\n0 1 2 -1\n",
                         "cannot all be satisfied")):
        f.write_text(text)
        with pytest.raises(DataFileError, match=re.escape(words)):
            read_xorsat(f)


def test_cli_generate_tiles3d_and_xorsat(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--seed", "2", "--json", "generate", "tiles3d", "--L", "4", "--p", "0.2,0.3", "--gauge",
                 "--out", "t.txt"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["kind"] == "tiles3d" and d["n"] == 64 and d["params"]["probabilities"] == [0.2, 0.3]
    prob = load_problem(tmp_path / "t.txt")
    assert prob.planted_energy == d["planted_energy"] == tile_planted_3d(4, probabilities=(0.2, 0.3),
                                                                         gauge=True, seed=2).energy
    assert main(["--seed", "4", "generate", "xorsat", "--n", "10", "--out", "x.txt"]) == 0
    out = capsys.readouterr().out
    inst = xorsat_planted(10, seed=4)
    assert f"planted ground-state energy -10, {inst.degeneracy} ground state" in out
    assert read_xorsat(tmp_path / "x.txt").degeneracy == inst.degeneracy
    assert main(["--json", "generate", "xorsat", "--n", "10", "--out", "x.txt", "--overwrite"]) == 0
    assert json.loads(capsys.readouterr().out)["degeneracy"] >= 1
    with pytest.raises(InputError, match="3-XORSAT instance"):
        load_problem(tmp_path / "x.txt")


# ------------------------------------------------------------------------------ files
def test_header_round_trip_and_load(tmp_path):
    run = generate("wishart", n=12, alpha=1.5, gauge=True, out=tmp_path / "w.txt", seed=4)
    first = (tmp_path / "w.txt").read_text().splitlines()[0]
    assert first.startswith("# spinscope-planted v1 energy=") and "generator=wishart" in first and "seed=4" in first
    prob = load_problem(tmp_path / "w.txt")          # read as Ising without --problem
    assert prob.kind == "ising" and prob.planted_energy == run.planted_energy
    states = all_states(12)
    assert np.allclose(prob.energy(states), run.instance.problem.energy(states), atol=1e-12)
    assert abs(prob.energy(run.instance.state) - run.planted_energy) < 1e-12
    d = run.to_dict()
    assert d["kind"] == "wishart" and d["n"] == 12 and d["seed"] == 4 and d["path"].endswith("w.txt")
    with pytest.raises(InputError, match="--problem ising"):
        load_problem(tmp_path / "w.txt", problem="qubo")


def test_header_errors(tmp_path):
    assert read_planted_header("# n = 4") is None
    line = planted_header(-3.5, generator="x", n=4, seed=1, params={"gauge": True, "p": [0.1, 0.2]})
    assert read_planted_header(line) == {"energy": -3.5, "generator": "x", "n": "4", "seed": "1",
                                         "gauge": "1", "p": "0.1,0.2"}
    for bad, words in (("# spinscope-planted v2 energy=1", "version v2 is not supported"),
                       ("# spinscope-planted v1 energy=nan", "finite energy"),
                       ("# spinscope-planted v1 generator=x", "finite energy"),
                       ("# spinscope-planted v1 energy=1 junk", "key=value")):
        with pytest.raises(DataFileError, match=words):
            read_planted_header(bad)
    f = tmp_path / "p.txt"
    f.write_text("# spinscope-planted v1 energy=-1.0 n=3\n0 1 1.0\n")
    with pytest.raises(DataFileError, match="n=3 but the file describes 2 spins"):
        load_problem(f)
    f.write_text("# spinscope-planted v9 energy=-1.0\n0 1 1.0\n")
    with pytest.raises(DataFileError, match="v9"):
        load_problem(f)


def test_file_mode_follows_the_umask(tmp_path):
    import os
    old = os.umask(0o027)
    try:
        generate("tiles2d", L=4, out=tmp_path / "t.txt", seed=0)
    finally:
        os.umask(old)
    assert (tmp_path / "t.txt").stat().st_mode & 0o777 == 0o640


def test_solve_targets_the_planted_energy(tmp_path):
    run = generate("tiles2d", L=4, gauge=True, out=tmp_path / "t.txt", seed=2)
    res = solve_file(tmp_path / "t.txt", solver="sa", time_limit=20, seed=0)
    assert res.target == run.planted_energy and res.planted_reached is True
    assert res.result.stopped_by == "target" and res.result.best_energy == run.planted_energy
    d = res.to_dict()
    assert d["planted_energy"] == run.planted_energy and d["planted_reached"] is True
    res = solve_file(tmp_path / "t.txt", solver="sa", target=-1e9, sweeps=10, reads=1, seed=0)
    assert res.target == -1e9 and res.result.target_reached is False   # a given target wins
    assert res.planted_reached in (True, False)


def test_cli_generate_and_solve(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--seed", "3", "--json", "generate", "tiles2d", "--L", "4", "--gauge", "--out", "t.txt"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["kind"] == "tiles2d" and d["n"] == 16 and d["seed"] == 3 and d["path"] == "t.txt"
    assert main(["--seed", "1", "solve", "t.txt", "--solver", "sa", "--time-limit", "20"]) == 0
    out = capsys.readouterr().out
    assert f"planted ground-state energy {d['planted_energy']:.12g} reached" in out
    assert main(["--seed", "3", "--json", "generate", "wishart", "--N", "6", "--alpha", "2",
                 "--discrete", "--out", "t.txt", "--overwrite"]) == 0
    assert json.loads(capsys.readouterr().out)["params"]["m"] == 12


# ------------------------------------------------------------------------------ fuzz
def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


FUZZ = [
    ["generate", "tiles4d", "--L", "4", "--out", "x.txt"],
    ["generate", "tiles3d", "--L", "5", "--out", "x.txt"],
    ["generate", "tiles3d", "--L", "2", "--out", "x.txt"],
    ["generate", "tiles3d", "--L", "-4", "--out", "x.txt"],
    ["generate", "tiles3d", "--L", "100000", "--out", "x.txt"],
    ["generate", "tiles3d", "--n", "64", "--out", "x.txt"],
    ["generate", "tiles3d", "--L", "4", "--p", "0.6,0.6", "--out", "x.txt"],
    ["generate", "tiles3d", "--L", "4", "--p", "0.2,0.5,0.1", "--out", "x.txt"],
    ["generate", "tiles3d", "--L", "4", "--p", "x,y", "--out", "x.txt"],
    ["generate", "xorsat", "--n", "3", "--out", "x.txt"],
    ["generate", "xorsat", "--n", "0", "--out", "x.txt"],
    ["generate", "xorsat", "--n", "1000000", "--out", "x.txt"],
    ["generate", "xorsat", "--L", "4", "--out", "x.txt"],
    ["generate", "xorsat", "--out", "x.txt"],
    ["generate", "xorsat", "--n", "8", "--gauge", "--out", "x.txt"],
    ["generate", "xorsat", "--n", "8", "--out", "exists.txt"],
    ["solve", "xor.txt", "--solver", "sb"],
    ["solve", "xor.txt", "--problem", "ising"],
    ["generate", "", "--out", "x.txt"],
    ["generate", "wishart", "--n", "1", "--out", "x.txt"],
    ["generate", "wishart", "--n", "-3", "--out", "x.txt"],
    ["generate", "wishart", "--n", "8", "--alpha", "0", "--out", "x.txt"],
    ["generate", "wishart", "--n", "8", "--alpha", "-1", "--out", "x.txt"],
    ["generate", "wishart", "--n", "8", "--alpha", "nan", "--out", "x.txt"],
    ["generate", "wishart", "--n", "8", "--alpha", "inf", "--out", "x.txt"],
    ["generate", "wishart", "--n", "8", "--alpha", "abc", "--out", "x.txt"],
    ["generate", "wishart", "--n", "100", "--alpha", "1e15", "--out", "x.txt"],
    ["generate", "wishart", "--n", "1000000", "--out", "x.txt"],
    ["generate", "wishart", "--L", "4", "--out", "x.txt"],
    ["generate", "wishart", "--out", "x.txt"],
    ["generate", "tiles2d", "--L", "5", "--out", "x.txt"],
    ["generate", "tiles2d", "--L", "2", "--out", "x.txt"],
    ["generate", "tiles2d", "--L", "1000000", "--out", "x.txt"],
    ["generate", "tiles2d", "--out", "x.txt"],
    ["generate", "tiles2d", "--L", "4", "--p", "0.6,0.6,0", "--out", "x.txt"],
    ["generate", "tiles2d", "--L", "4", "--p", "a,b,c", "--out", "x.txt"],
    ["generate", "tiles2d", "--L", "4", "--p", "0.1,0.2", "--out", "x.txt"],
    ["generate", "tiles2d", "--L", "4", "--p", "nan,0,0", "--out", "x.txt"],
    ["generate", "tiles2d", "--L", "4", "--out", "exists.txt"],
    ["generate", "tiles2d", "--L", "4", "--out", "nodir/x.txt"],
    ["generate", "tiles2d", "--L", "4", "--out", "adir"],
    ["generate", "tiles2d", "--L", "4"],
    ["generate", "tiles2d", "--L", "4", "--out", "x.txt", "--bogus"],
    ["--seed", "-1", "generate", "tiles2d", "--L", "4", "--out", "x.txt"],
    ["solve", "v2.txt"],
    ["solve", "exists.txt", "--problem", "qubo"],
]


@pytest.mark.parametrize("args", FUZZ, ids=[" ".join(a[1:3]) + f"-{i}" for i, a in enumerate(FUZZ)])
def test_bad_generate_input_is_one_line_exit_2_and_writes_nothing(args, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exists.txt").write_text("# spinscope-planted v1 energy=-1.0\n0 1 -1.0\n")
    (tmp_path / "v2.txt").write_text("# spinscope-planted v2 energy=-1.0\n0 1 -1.0\n")
    (tmp_path / "xor.txt").write_text("# spinscope-xorsat v1 n=4 clauses=1 energy=-1 degeneracy=8\n0 1 2 1\n")
    (tmp_path / "adir").mkdir()
    before = _snapshot(tmp_path)
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 2, f"exit {code} for {args}: {err}"
    assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}"
    assert err.startswith("spinscope: error: ") and "Traceback" not in err and out == ""
    assert _snapshot(tmp_path) == before, f"{args} wrote or changed files"
