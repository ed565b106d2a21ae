"""3-XORSAT solvers: clause-kernel bookkeeping, ground states against enumeration, Boltzmann
sampling (chi-square with a power check), replica-exchange balance, the CLI, determinism."""

from __future__ import annotations

import itertools
import json

import numba
import numpy as np
import pytest
from scipy import stats

from spinscope.cli.main import main
from spinscope.errors import InputError, SpinscopeTypeError
from spinscope.optimize import sk_problem
from spinscope.optimize.pspin_kernels import pspin_anneal_sweeps, pspin_pt_sweeps, pspin_state
from spinscope.optimize.tts import median_tts, time_to_solution
from spinscope.optimize.xorsat import XorsatInstance, xorsat_planted
from spinscope.optimize.xorsat_files import read_xorsat, write_xorsat
from spinscope.optimize.xorsat_solvers import (
    choose_xorsat_solver,
    clause_arrays,
    solve_xorsat,
    table_kmax,
    xorsat_annealing,
    xorsat_tempering,
)
from spinscope.workflows.solve import solve_file

ALPHA = 1e-3  # p-value threshold of every chi-square test (fixed seeds)


def _all_states(n: int) -> np.ndarray:
    return np.array(list(itertools.product([-1, 1], repeat=n)), dtype=np.int8)


def _energy(s: np.ndarray, clauses, w) -> np.ndarray:
    """``-sum_c w_c prod_{i in c} s_i`` computed independently of the kernels."""
    s = np.atleast_2d(s).astype(np.float64)
    return -sum(wc * np.prod(s[:, list(c)], axis=1) for c, wc in zip(clauses, w))


def _random_clauses(n: int, m: int, rng: np.random.Generator, sizes=(1, 2, 3, 4)):
    return [tuple(rng.choice(n, size=int(rng.choice(sizes)), replace=False)) for _ in range(m)]


def _boltzmann(energies: np.ndarray, beta: float) -> np.ndarray:
    p = np.exp(-beta * (energies - energies.min()))
    return p / p.sum()


def _chi2(counts: np.ndarray, probs: np.ndarray) -> float:
    """p-value of the chi-square test of ``counts`` against ``probs``, cells pooled to expect >= 5."""
    expected = probs * counts.sum()
    order = np.argsort(expected)
    obs, exp, co, ce = [], [], 0.0, 0.0
    for k in order:
        co, ce = co + counts[k], ce + expected[k]
        if ce >= 5:
            obs.append(co)
            exp.append(ce)
            co = ce = 0.0
    if ce > 0:
        obs[-1] += co
        exp[-1] += ce
    return float(stats.chisquare(obs, np.array(exp) * sum(obs) / sum(exp)).pvalue)


def _tiny_instance(n: int, m: int, seed: int) -> XorsatInstance:
    """Random 3-spin clauses (not regular, some variables in many clauses)."""
    rng = np.random.default_rng(seed)
    clauses = np.array([rng.choice(n, 3, replace=False) for _ in range(m)], dtype=np.int64)
    planted = rng.choice(np.array([-1, 1], dtype=np.int8), n)
    signs = (planted[clauses].prod(axis=1)).astype(np.int8)
    return XorsatInstance(n, clauses, signs, planted, 0, name="tiny")


# ------------------------------------------------------------------------------ kernels
@pytest.mark.parametrize("integer", [True, False])
def test_kernel_bookkeeping_equals_recomputation_after_every_sweep(integer):
    rng = np.random.default_rng(11 if integer else 12)
    for n, m in ((7, 12), (12, 30), (20, 20)):
        clauses = _random_clauses(n, m, rng)
        w = rng.choice([-2.0, -1.0, 1.0, 3.0], m) if integer else rng.normal(size=m)
        vptr, vcl, cptr, cvar, wa = clause_arrays(n, clauses, w)
        kmax = table_kmax(n, cptr, cvar, wa)
        assert (kmax >= 0) == integer
        R = 5
        spins = rng.choice(np.array([-1, 1], dtype=np.int8), (R, n))
        fields, terms, energy = np.empty((R, n)), np.empty((R, m)), np.empty(R)
        pspin_state(vptr, vcl, cptr, cvar, wa, spins, fields, terms, energy)
        best_s, best_e, best_k = np.ones((R, n), np.int8), np.full(R, np.inf), np.zeros(R, np.int64)
        keys = np.arange(1, R + 1, dtype=np.uint64)
        for k in range(40):
            betas = np.full((R, 1), [0.05, 0.5, 2.0, 10.0][k % 4])
            pspin_anneal_sweeps(vptr, vcl, cptr, cvar, betas, spins, fields, terms, energy, best_s, best_e,
                                best_k, keys, np.uint64(k), -np.inf, kmax)
            ref = np.empty_like(fields), np.empty_like(terms), np.empty_like(energy)
            pspin_state(vptr, vcl, cptr, cvar, wa, spins.copy(), *ref)
            np.testing.assert_allclose(energy, _energy(spins, clauses, w), atol=1e-9)
            np.testing.assert_allclose(fields, ref[0], atol=1e-9)
            np.testing.assert_allclose(terms, ref[1], atol=0)
            # the field is half the energy change of a flip
            i = k % n
            flipped = spins.copy()
            flipped[:, i] *= -1
            np.testing.assert_allclose(_energy(flipped, clauses, w) - energy, 2 * fields[:, i], atol=1e-9)
            np.testing.assert_allclose(best_e, _energy(best_s, clauses, w), atol=1e-9)


def test_pt_kernel_bookkeeping_and_permutation_after_every_round():
    rng = np.random.default_rng(5)
    n, m, G, T = 10, 25, 3, 4
    clauses = _random_clauses(n, m, rng, sizes=(2, 3, 4))
    w = rng.choice([-1.0, 1.0], m)
    vptr, vcl, cptr, cvar, wa = clause_arrays(n, clauses, w)
    kmax = table_kmax(n, cptr, cvar, wa)
    betas = np.geomspace(0.1, 2.0, T)
    accept = np.exp(-np.outer(betas, 2.0 * np.arange(kmax + 1)))
    spins = rng.choice(np.array([-1, 1], dtype=np.int8), (G * T, n))
    fields, terms, energy = np.empty((G * T, n)), np.empty((G * T, m)), np.empty(G * T)
    pspin_state(vptr, vcl, cptr, cvar, wa, spins, fields, terms, energy)
    temp_of, chain_at = np.tile(np.arange(T), G), np.tile(np.arange(T), (G, 1))
    best = np.ones((G * T, n), np.int8), np.full(G * T, np.inf), np.zeros(G * T, np.int64)
    accepted = np.zeros((G, T - 1), np.int64)
    for k in range(60):
        pspin_pt_sweeps(vptr, vcl, cptr, cvar, betas, temp_of, chain_at, spins, fields, terms, energy, *best,
                        np.arange(G * T, dtype=np.uint64), np.arange(G, dtype=np.uint64) + 99, np.uint64(k), 1,
                        -np.inf, accepted, accept)
        np.testing.assert_allclose(energy, _energy(spins, clauses, w), atol=1e-9)
        ref = np.empty_like(fields), np.empty_like(terms), np.empty_like(energy)
        pspin_state(vptr, vcl, cptr, cvar, wa, spins.copy(), *ref)
        np.testing.assert_allclose(fields, ref[0], atol=1e-9)
        for g in range(G):  # chain_at and temp_of stay inverse permutations
            assert sorted(chain_at[g]) == list(range(T))
            assert np.array_equal(temp_of[g * T + chain_at[g]], np.arange(T))
    assert accepted.sum() > 0


def test_clause_arrays_and_instance_checks():
    vptr, vcl, cptr, cvar, w = clause_arrays(4, [(0, 1, 2), (1, 3), (2,)], [1, -1, 2])
    assert vptr.tolist() == [0, 1, 3, 5, 6] and vcl.tolist() == [0, 0, 1, 0, 2, 1]
    assert cptr.tolist() == [0, 3, 5, 6] and table_kmax(4, cptr, cvar, w) == 3
    for bad, match in (([(0, 0, 1)], "twice"), ([(0, 5, 1)], r"in \[0, 4\)")):
        with pytest.raises(InputError, match=match):
            clause_arrays(4, bad, [1])
    with pytest.raises(InputError, match="2 clauses but 1 weights"):
        clause_arrays(4, [(0, 1), (1, 2)], [1])


# ------------------------------------------------------------------------------ ground states
def test_sa_and_pt_reach_the_brute_force_ground_state_every_time():
    """9 instances (N = 8, 12, 16) x 3 seeds x {sa, pt}, default settings, no target: every one
    of the 54 runs ends at the minimum over all 2^N states (which is -N, the planted energy)."""
    for n in (8, 12, 16):
        S = _all_states(n)
        for k in range(3):
            inst = xorsat_planted(n, seed=40 + k)
            e_min = float(inst.energy(S).min())
            assert e_min == -n
            for solver in ("sa", "pt"):
                for seed in range(3):
                    r = solve_xorsat(inst, solver=solver, seed=seed)
                    assert r.best_energy == e_min, (n, k, solver, seed)
                    assert r.best_energy == float(inst.energy(r.best_state)) and r.kind == "xorsat"


# ------------------------------------------------------------------------------ sampling
def test_metropolis_kernel_samples_boltzmann_with_power():
    """4000 independent chains, 100 sweeps at fixed beta from random states: the final states
    follow exp(-beta E) over all 2^7 states (chi-square p > ALPHA), and the same test rejects
    the distribution at 1.25 beta (p < 1e-6), so it can see a deviation of that size. (At
    beta = 0.9 this instance needs ~300 sweeps to mix between its local minima: measured.)"""
    inst = _tiny_instance(7, 9, seed=3)
    S = _all_states(7)
    E = inst.energy(S)
    index = ((S + 1) // 2) @ (1 << np.arange(6, -1, -1))
    for beta in (0.3, 0.6):
        r = xorsat_annealing(inst, num_reads=4000, num_sweeps=100, beta_range=(beta, beta), seed=17)
        counts = np.bincount(((r.final_states + 1) // 2) @ (1 << np.arange(6, -1, -1)), minlength=128)
        assert np.array_equal(index, np.arange(128))
        assert _chi2(counts, _boltzmann(E, beta)) > ALPHA
        assert _chi2(counts, _boltzmann(E, 1.25 * beta)) < 1e-6


def test_general_clause_kernel_samples_boltzmann():
    """Mixed clause sizes 1-4 with real weights (the exp path of the kernel)."""
    rng = np.random.default_rng(8)
    n, clauses = 6, _random_clauses(6, 10, np.random.default_rng(8))
    w = rng.normal(size=10)
    arrays = clause_arrays(n, clauses, w)
    R, beta = 4000, 0.8
    spins = np.where(rng.random((R, n)) < 0.5, 1, -1).astype(np.int8)
    f, t, e = np.empty((R, n)), np.empty((R, 10)), np.empty(R)
    pspin_state(*arrays, spins, f, t, e)
    best = np.ones((R, n), np.int8), np.full(R, np.inf), np.zeros(R, np.int64)
    pspin_anneal_sweeps(*arrays[:4], np.full((R, 30), beta), spins, f, t, e, *best,
                        np.arange(R, dtype=np.uint64) * 7 + 1, np.uint64(0), -np.inf, -1)
    S = _all_states(n)
    counts = np.bincount(((spins + 1) // 2) @ (1 << np.arange(n - 1, -1, -1)), minlength=2 ** n)
    E = _energy(S, clauses, w)
    assert _chi2(counts, _boltzmann(E, beta)) > ALPHA
    assert _chi2(counts, _boltzmann(E, 1.3 * beta)) < 1e-6


def test_parallel_tempering_marginals_and_swap_rates_are_exact():
    """N = 8 planted instance, 1500 ladders of 4 temperatures, 400 rounds: the energies at each
    temperature follow the exact Boltzmann distribution (chi-square p > ALPHA / 4 each), the
    coldest fails against its neighbour's distribution (p < 1e-6: power), and each pair's swap
    acceptance equals the exact E[min(1, exp(dbeta dE))] over independent Boltzmann pairs within
    0.015 (binomial standard error ~0.0013 before time correlations)."""
    inst = xorsat_planted(8, seed=2)
    E = inst.energy(_all_states(8))
    betas = np.geomspace(0.3, 1.5, 4)
    r = xorsat_tempering(inst, num_replicas=4, num_reads=1500, num_sweeps=400, beta_range=(0.3, 1.5), seed=9)
    np.testing.assert_allclose(r.settings["betas"], betas)
    levels = np.unique(E)
    temp = r.settings["temperature_of_read"]
    final_e = inst.energy(r.final_states)
    exact = [np.array([_boltzmann(E, b)[E == lv].sum() for lv in levels]) for b in betas]
    for t in range(4):
        counts = np.array([np.sum(final_e[temp == t] == lv) for lv in levels])
        assert counts.sum() == 1500
        assert _chi2(counts, exact[t]) > ALPHA / 4, t
    cold = np.array([np.sum(final_e[temp == 3] == lv) for lv in levels])
    assert _chi2(cold, exact[2]) < 1e-6
    for t in range(3):
        pa, pb = _boltzmann(E, betas[t]), _boltzmann(E, betas[t + 1])
        acc = np.minimum(1.0, np.exp((betas[t] - betas[t + 1]) * (E[:, None] - E[None, :])))
        assert abs(r.settings["swap_acceptance"][t] - pa @ acc @ pb) < 0.015, t


# ------------------------------------------------------------------------------ API
def test_auto_stopping_and_result_fields():
    inst = xorsat_planted(24, seed=1)
    r = solve_xorsat(inst, seed=3, target=inst.ground_energy, time_limit=30)
    assert r.solver == "pt" and r.auto == choose_xorsat_solver(inst) | {"settings": r.auto["settings"]}
    assert r.auto["settings"] == {"num_replicas": 8, "num_reads": 4}
    assert r.target_reached and r.stopped_by == "target" and r.best_energy == -24
    assert r.reads == 32 and r.states.shape == r.final_states.shape == (32, 24)
    np.testing.assert_array_equal(r.energies, inst.energy(r.states))
    assert r.to_dict()["kind"] == "xorsat" and r.to_dict()["auto"]["solver"] == "pt"
    r = solve_xorsat(inst, seed=3, num_reads=2)
    assert r.auto["settings"]["num_reads"] == 2 and r.reads == 16 and r.target_reached is None
    r = xorsat_annealing(inst, seed=1, num_reads=2, num_sweeps=10**7, time_limit=0.3)
    assert r.stopped_by in ("time_limit", "target")
    r = xorsat_annealing(inst, seed=1, num_reads=2, num_sweeps=20, time_limit=0.3, target=-20)
    assert r.rounds >= 1


def test_fixed_seed_is_deterministic_and_thread_independent():
    inst = xorsat_planted(32, seed=6)
    before = numba.get_num_threads()
    for fn, kw in ((xorsat_annealing, {"num_reads": 4, "num_sweeps": 200}),
                   (xorsat_tempering, {"num_reads": 2, "num_replicas": 4, "num_sweeps": 200})):
        a, b = fn(inst, seed=5, **kw), fn(inst, seed=5, **kw)
        try:
            numba.set_num_threads(1)
            c = fn(inst, seed=5, **kw)
        finally:
            numba.set_num_threads(before)
        d = fn(inst, seed=6, **kw)
        assert np.array_equal(a.states, b.states) and np.array_equal(a.final_states, c.final_states)
        assert np.array_equal(a.states, c.states) and not np.array_equal(a.final_states, d.final_states)


@pytest.mark.parametrize("call, err, match", [
    (lambda i: solve_xorsat(i, solver="sb"), InputError, "does not take 3-XORSAT"),
    (lambda i: solve_xorsat(i, solver="sa", num_replicas=4), InputError, "unknown setting"),
    (lambda i: solve_xorsat(i, target=-100), InputError, "below the ground-state energy -8"),
    (lambda i: solve_xorsat(i, target=float("nan")), InputError, "finite"),
    (lambda i: solve_xorsat(i, target="low"), InputError, "a number"),
    (lambda i: xorsat_tempering(i, num_replicas=1), InputError, "num_replicas"),
    (lambda i: xorsat_annealing(i, beta_range=(1.0,)), InputError, "beta_range"),
    (lambda i: xorsat_annealing(i, beta_range=(-1.0, 2.0)), InputError, "beta_range"),
    (lambda i: xorsat_annealing(i, schedule="cubic"), InputError, "schedule"),
    (lambda i: xorsat_annealing(i, time_limit=0), InputError, "time_limit"),
    (lambda i: solve_xorsat(sk_problem(4, seed=1)), SpinscopeTypeError, "XorsatInstance"),
])
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call(xorsat_planted(8, seed=1))


def test_time_to_solution_on_xorsat():
    insts = [xorsat_planted(12, seed=k) for k in range(3)]
    res = [time_to_solution(i, target=i.ground_energy, solver="sa", runs=4, seed=k, num_sweeps=300)
           for k, i in enumerate(insts)]
    assert all(r.successes == 4 and r.tts == r.t_run and r.solver == "sa" for r in res)
    assert median_tts(res, seed=0)["solved_instances"] == 3
    r = time_to_solution(insts[0], target=insts[0].ground_energy, solver="pt", runs=6, seed=1,
                         num_sweeps=1, num_reads=1, num_replicas=2)
    assert r.successes == int(np.sum(r.values <= -12)) and r.successes < 6   # one round: mostly fails
    with pytest.raises(InputError, match="does not take 3-XORSAT"):
        time_to_solution(insts[0], target=-12, solver="cac", runs=2)


# ------------------------------------------------------------------------------ files and CLI
@pytest.fixture
def xfile(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inst = xorsat_planted(16, seed=3)
    write_xorsat(tmp_path / "x.txt", inst, seed=3)
    return tmp_path / "x.txt"


def test_cli_solves_a_generated_file(xfile, capsys):
    assert main(["--seed", "3", "generate", "xorsat", "--n", "20", "--out", "g.txt"]) == 0
    capsys.readouterr()
    assert main(["--seed", "1", "--json", "solve", "g.txt"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["kind"] == "xorsat" and d["solver"] == "pt" and d["auto"]["solver"] == "pt"
    assert d["target"] == d["planted_energy"] == d["best_energy"] == -20.0
    assert d["target_reached"] is True and d["planted_reached"] is True and d["seed"] == 1
    assert d["stopped_by"] == "target" and d["problem"] == "g"
    inst = read_xorsat("g.txt")
    assert inst.energy(np.array(d["best_assignment"])) == -20.0
    assert main(["--seed", "2", "solve", "x.txt", "--solver", "sa", "--reads", "4", "--sweeps", "500",
                 "--out", "a.txt"]) == 0
    out = capsys.readouterr().out
    assert "planted ground-state energy -16 reached" in out and "solver sa" in out
    spins = np.loadtxt("a.txt", comments="#")
    assert read_xorsat(xfile).energy(spins) == -16.0
    with pytest.raises(InputError, match="its solvers run on the CPU"):
        solve_file(xfile, device="cuda")
    run = solve_file(xfile, solver="pt", replicas=3, reads=1, sweeps=5, seed=4, target=0)
    assert run.result.settings["num_replicas"] == 3 and run.target == 0.0 and run.result.target_reached


def test_solve_file_is_deterministic(xfile):
    a = solve_file(xfile, seed=8, sweeps=50, target=-16)
    b = solve_file(xfile, seed=8, sweeps=50, target=-16)
    assert np.array_equal(a.result.states, b.result.states) and a.result.sweeps == b.result.sweeps


BAD = [
    (["solve", "x.txt", "--solver", "sb"], "--solver sb does not take it; use --solver auto, sa or pt"),
    (["solve", "x.txt", "--solver", "pa"], "--solver pa"),
    (["solve", "x.txt", "--target", "nan"], "finite"),
    (["solve", "x.txt", "--target", "-17"], "below the ground-state energy -16"),
    (["solve", "x.txt", "--target", "low"], "--target"),
    (["solve", "x.txt", "--problem", "ising"], "--problem applies to pairwise files"),
    (["solve", "x.txt", "--cluster-moves"], "--cluster-moves"),
    (["solve", "x.txt", "--variant", "discrete"], "--variant"),
    (["solve", "x.txt", "--solver", "sa", "--replicas", "4"], "--replicas applies to --solver pt"),
    (["solve", "x.txt", "--time-limit", "-1"], "--time-limit"),
    (["solve", "x.txt", "--out", "x.txt"], "exists"),
    (["solve", "bad1.txt"], "line 3"),
    (["solve", "bad2.txt"], "clauses=5"),
    (["solve", "bad3.txt"], "cannot all be satisfied"),
    (["solve", "bad4.txt"], "version v7"),
]


@pytest.mark.parametrize("args, match", BAD, ids=[" ".join(a[1:4]) for a, _ in BAD])
def test_cli_bad_input_is_one_line_exit_2(xfile, capsys, args, match):
    head = "# spinscope-xorsat v1 n=4 clauses={} energy=-{} degeneracy={}\n"
    (xfile.parent / "bad1.txt").write_text(head.format(2, 2, 4) + "0 1 2 1\n0 1 1 -1\n")
    (xfile.parent / "bad2.txt").write_text(head.format(5, 5, 8) + "0 1 2 1\n")
    (xfile.parent / "bad3.txt").write_text(head.format(2, 2, 8) + "0 1 2 1\n0 1 2 -1\n")
    (xfile.parent / "bad4.txt").write_text("# spinscope-xorsat v7 n=4\n0 1 2 1\n")
    before = sorted(p.name for p in xfile.parent.iterdir())
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("spinscope: error: ")
    assert match in err, err
    assert sorted(p.name for p in xfile.parent.iterdir()) == before


def test_target_runs_chunk_on_a_fixed_schedule():
    """With a target and no time limit the kernel calls do not depend on the machine's speed,
    so where a run stops (and its final states) depend only on the seed."""
    from spinscope.optimize.solvers import chunk_sweeps

    for done in (0, 10, 100, 1000, 12345):
        sizes = {chunk_sweeps(per, 10**6, np.inf, el, True, done)
                 for per in (None, 1e-7, 1e-3) for el in (0.0, 0.01, 10.0)}
        assert sizes == {max(4, done // 20)}
    assert chunk_sweeps(1e-3, 3, np.inf, 1.0, True, 1000) == 3  # never past the end
    # with a time limit, calls are timed (about 5 % of the elapsed time)
    assert chunk_sweeps(1e-3, 10**6, 5.0, 1.0, True, 1000) == 50
