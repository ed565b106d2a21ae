"""TAP solver: exact limits, planted patterns, both kernels (bipartite blocks and Gauss–Seidel)."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.meanfield import tap_free_energy, tap_residual, tap_solve
from spinscope.meanfield._tap_kernels import solve_spin_x
from spinscope.models import IsingModel, hopfield, layered_sk, sk


def _planted_layered(sizes=(120, 80, 60), strength=3.0, seed=0):
    rng = np.random.default_rng(seed)
    base = layered_sk(sizes, [1 / (3 * s) for s in sizes[:-1]], seed=seed)
    xi = [rng.choice([-1.0, 1.0], s) for s in sizes]
    ws = [w + strength * np.outer(xi[k], xi[k + 1]) / np.sqrt(sizes[k] * sizes[k + 1])
          for k, w in enumerate(base.layer_weights())]
    return IsingModel.from_layers(ws), np.concatenate(xi)


def test_one_spin_solver():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0, 50, 1000), rng.normal(0, 20, 1000)
    x = solve_spin_x(a, b)
    np.testing.assert_allclose(x + a * np.tanh(x), b, rtol=1e-12, atol=1e-12)


def test_high_temperature_only_paramagnet():
    m = sk(150, seed=1)
    r = tap_solve(m, beta=0.5, starts=16, seed=0)
    assert r.n_solutions == 1 and r.paramagnetic
    assert r.counts.sum() == 16 and r.n_unconverged == 0
    assert r.plefka[0] > 0 and r.hessian_min_eig[0] > 0
    # f(m=0) = -T ln 2 - beta/(4n) sum_ij J_ij^2
    J = m.dense_couplings()
    f0 = -np.log(2) / 0.5 - 0.5 / 4 * (J * J).sum() / m.n
    assert abs(r.free_energies[0] - f0) < 1e-12


def test_paramagnet_below_tc_violates_plefka():
    r = tap_solve(sk(150, seed=1), beta=2.0, starts=8, seed=0)
    para = r.self_overlaps < 1e-10
    assert para.any() and np.all(r.plefka[para] < 0)


def test_hopfield_patterns_recovered_and_distinct():
    rng = np.random.default_rng(5)
    xi = rng.choice([-1.0, 1.0], (3, 200))
    r = tap_solve(hopfield(xi), beta=2.0, starts=32, seed=1)
    cos = np.abs(r.solutions @ xi.T) / (np.linalg.norm(r.solutions, axis=1)[:, None] * np.sqrt(200))
    # every planted pattern is found with overlap > 0.9 among distinct valid solutions
    assert np.all(cos[r.valid].max(0) > 0.9)
    assert r.n_solutions >= 3
    assert np.all(tap_residual(hopfield(xi), r.solutions, beta=2.0) < 1e-6)


def test_layered_planted_pattern_and_kernels_agree():
    model, xi = _planted_layered()
    r = tap_solve(model, beta=1.5, starts=16, seed=2)
    best = r.solutions[0]
    assert abs(best @ xi) / (np.linalg.norm(best) * np.sqrt(xi.size)) > 0.9
    assert r.valid[0] and r.hessian_min_eig[0] > 0
    # the same couplings without layer structure go through the Gauss–Seidel kernel
    flat = IsingModel(model.dense_couplings())
    r2 = tap_solve(flat, beta=1.5, starts=16, seed=2)
    assert abs(r2.free_energies[0] - r.free_energies[0]) < 1e-8
    np.testing.assert_allclose(np.abs(r2.solutions[0] @ best) / (best @ best), 1.0, atol=1e-6)
    assert abs(tap_free_energy(model, best, beta=1.5) - r.free_energies[0]) < 1e-12


def test_flip_dedup_only_without_field():
    model, _ = _planted_layered()
    r = tap_solve(model, beta=1.5, starts=16, seed=3)
    q = r.normalized_overlaps()
    off = q[~np.eye(r.n_solutions, dtype=bool)]
    assert not np.any(np.isclose(off, -1.0, atol=1e-6))  # no ± duplicates
    field = model.with_fields(np.full(model.n, 1e-3))
    assert tap_solve(field, beta=1.5, starts=16, seed=3).n_solutions >= r.n_solutions


def test_reproducible_with_seed():
    model, _ = _planted_layered()
    a = tap_solve(model, beta=1.5, starts=8, seed=7)
    b = tap_solve(model, beta=1.5, starts=8, seed=7)
    np.testing.assert_array_equal(a.solutions, b.solutions)
    d = a.to_dict()
    assert d["n_solutions"] == a.n_solutions and "solutions" not in d


@pytest.mark.parametrize("kw", [{"beta": 0}, {"beta": 1, "starts": 0}, {"beta": 1, "tol": -1}])
def test_bad_input(kw):
    with pytest.raises(InputError):
        tap_solve(sk(10, seed=0), **kw)


@pytest.mark.slow
def test_sk_below_tc_several_distinct_solutions():
    m = sk(800, seed=2)
    r = tap_solve(m, beta=1.3, starts=32, seed=0, hessian=False)
    assert r.n_solutions >= 3
    valid = r.solutions[r.valid & (r.self_overlaps > 0.1)]
    assert valid.shape[0] >= 2  # at least two distinct physical (Plefka-valid) states
    cos = np.abs(valid @ valid.T) / np.outer(*(2 * [np.linalg.norm(valid, axis=1)]))
    assert np.all(cos[~np.eye(len(valid), dtype=bool)] < 0.99)
    assert np.all(tap_residual(m, r.solutions, beta=1.3) < 1e-6)
    para = r.self_overlaps < 1e-10
    assert np.all(r.plefka[para] < 0)
