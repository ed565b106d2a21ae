"""Exact ground truth: enumeration against Kaufman/Ferdinand–Fisher and Onsager."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import spinscope as ss
from spinscope import exact


@pytest.mark.parametrize(("L", "M"), [(4, 4), (4, 6)])
@pytest.mark.parametrize("T", [1.2, 2.0, 2.269185314213022, 2.6, 5.0])
def test_enumeration_matches_ferdinand_fisher(L, M, T):
    model = ss.IsingModel.from_graph(ss.hypercubic((M, L)))
    e = exact.enumerate_ising(model, 1.0 / T, probabilities=False)
    f = exact.ferdinand_fisher(L, M, T)
    assert abs(e.log_z - f.log_z) < 1e-10
    assert abs(e.free_energy - f.free_energy) < 1e-10
    assert abs(e.energy - f.energy) < 1e-10
    assert abs(e.specific_heat - f.specific_heat) < 1e-10


def test_enumeration_against_direct_sum():
    model = ss.IsingModel(ss.sk(6, seed=1).couplings, np.linspace(-0.5, 0.5, 6))
    beta = 0.7
    states = np.array(list(itertools.product([1, -1], repeat=6)))[:, ::-1]
    w = np.exp(-beta * model.energy(states))
    res = exact.enumerate_ising(model, beta)
    assert res.log_z == pytest.approx(np.log(w.sum()), rel=1e-12)
    idx = exact.state_index(states)
    np.testing.assert_allclose(res.probabilities[idx], w / w.sum(), rtol=1e-12)
    np.testing.assert_array_equal(exact.all_states(6)[idx], states)
    assert res.abs_magnetization == pytest.approx((np.abs(states.mean(1)) * w).sum() / w.sum())


def test_potts_enumeration_matches_direct_sum_and_ising_limit():
    g = ss.hypercubic((2, 3))
    p = ss.PottsModel.from_graph(g, q=3, J=1.0)
    beta = 0.9
    states = np.array(list(itertools.product(range(3), repeat=6)))[:, ::-1]
    w = np.exp(-beta * p.energy(states))
    res = exact.enumerate_potts(p, beta)
    assert res.log_z == pytest.approx(np.log(w.sum()), rel=1e-12)
    np.testing.assert_allclose(res.probabilities[exact.state_index(states, q=3)], w / w.sum(), rtol=1e-12)
    # q=2 Potts with J equals Ising with J/2 up to the constant -J/2 per bond
    p2 = exact.enumerate_potts(ss.PottsModel.from_graph(g, q=2, J=2.0), beta)
    i2 = exact.enumerate_ising(ss.IsingModel.from_graph(g, J=1.0), beta)
    assert p2.log_z == pytest.approx(i2.log_z + beta * g.num_edges, rel=1e-12)
    assert p2.abs_magnetization == pytest.approx(i2.abs_magnetization, rel=1e-12)


def test_onsager_closed_forms():
    tc = exact.onsager_tc()
    assert tc == pytest.approx(2.269185314213022, rel=1e-14)
    assert exact.potts_tc(3) == pytest.approx(1 / np.log(1 + np.sqrt(3)))
    assert exact.potts_tc(2) == pytest.approx(tc / 2)  # J_Potts = 2 J_Ising
    assert exact.onsager_magnetization(tc * 1.0001) == 0.0
    assert exact.onsager_magnetization(1.0) == pytest.approx(0.9992757, abs=1e-6)
    assert exact.onsager_energy(tc) == pytest.approx(-np.sqrt(2), rel=1e-12)  # known value at T_c
    # specific heat is the temperature derivative of the energy
    for t in (1.5, 2.0, 3.0):
        h = 1e-5
        deriv = (exact.onsager_energy(t + h) - exact.onsager_energy(t - h)) / (2 * h)
        assert exact.onsager_specific_heat(t) == pytest.approx(deriv, rel=1e-6)


@pytest.mark.parametrize("T", [1.8, 2.0, 3.0])
def test_large_torus_approaches_onsager(T):
    f = exact.ferdinand_fisher(128, 128, T)
    assert f.energy == pytest.approx(exact.onsager_energy(T), abs=1e-8)
    assert f.specific_heat == pytest.approx(exact.onsager_specific_heat(T), abs=1e-6)
    # free energy: below T_c the two ordered sectors add T ln2 / N
    corr = T * np.log(2) / 128**2 if T < exact.onsager_tc() else 0.0
    assert f.free_energy == pytest.approx(exact.onsager_free_energy(T) - corr, abs=1e-8)


def test_enumeration_size_limits():
    with pytest.raises(ValueError, match="up to"):
        exact.enumerate_ising(ss.IsingModel.from_graph(ss.hypercubic((6, 6))), 1.0)
    with pytest.raises(ValueError, match="beta"):
        exact.enumerate_ising(ss.IsingModel.from_graph(ss.hypercubic(4)), -1.0)
