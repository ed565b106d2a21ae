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


# --------------------------------------------------------------- extreme temperatures (issue 12)
@pytest.fixture
def no_float_warnings():
    with np.errstate(over="raise", invalid="raise", divide="raise"), __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("error")
        yield


@pytest.mark.usefixtures("no_float_warnings")
def test_enumeration_is_stable_at_any_temperature():
    model = ss.IsingModel.from_graph(ss.hypercubic((4, 4)))
    cold = exact.enumerate_ising(model, 1e300, probabilities=False)     # T = 1e-300
    assert cold.energy == -2.0 and cold.specific_heat == 0.0 and cold.abs_magnetization == 1.0
    assert cold.free_energy == pytest.approx(-2.0, rel=1e-15) and np.isfinite(cold.log_z)
    hot = exact.enumerate_ising(model, 1e-300, probabilities=False)     # T = 1e300
    assert hot.log_z == pytest.approx(16 * np.log(2), rel=1e-15)
    assert hot.energy == pytest.approx(-2e-300, rel=1e-10)               # u = -2 tanh(K) + O(K^3)
    assert hot.specific_heat == 0.0                                     # 2 K^2 underflows
    t8 = exact.enumerate_ising(model, 1e-8, probabilities=False)
    assert t8.energy == pytest.approx(-2e-8, rel=1e-8)


def test_degenerate_ground_states_give_no_spurious_specific_heat():
    # the two SK ground states s, -s come out of the enumeration ~1e-13 apart (rounding)
    res = exact.enumerate_ising(ss.sk(12, seed=3), 1e13, probabilities=False)
    assert res.specific_heat == 0.0
    assert res.log_z == pytest.approx(np.log(2) - 1e13 * 12 * res.energy, rel=1e-12)


@pytest.mark.usefixtures("no_float_warnings")
@pytest.mark.parametrize(("L", "M"), [(3, 3), (4, 4), (3, 5)])
def test_ferdinand_fisher_matches_enumeration_from_1e_minus_300_to_1e300(L, M):
    model = ss.IsingModel.from_graph(ss.hypercubic((M, L)))
    levels = exact.energy_levels(model)
    for T in (1e-300, 0.05, 0.3, 1.0, 2.269185314213022, 5.0, 30.0, 1e3, 1e8, 1e300):
        e = exact.thermo_from_levels(*levels, 1.0 / T, model.n, probabilities=False)
        f = exact.ferdinand_fisher(L, M, T)
        assert f.log_z == pytest.approx(e.log_z, rel=1e-13)
        assert f.free_energy == pytest.approx(e.free_energy, rel=1e-13)
        assert f.energy == pytest.approx(e.energy, rel=1e-9)
        assert f.specific_heat == pytest.approx(e.specific_heat, rel=1e-8, abs=1e-20)


def test_ferdinand_fisher_two_by_two_is_the_doubled_bond_torus():
    model = ss.IsingModel.from_graph(ss.hypercubic((2, 2)))     # one bond per pair of sites
    for T in (0.5, 2.0, 10.0):
        e = exact.enumerate_ising(model, 1.0 / T, probabilities=False)
        f = exact.ferdinand_fisher(2, 2, T, J=0.5)                # two bonds per pair, J/2 each
        assert f.energy == pytest.approx(e.energy, rel=1e-12)
        assert f.specific_heat == pytest.approx(e.specific_heat, rel=1e-10)
    from spinscope.workflows import exact_table

    table = exact_table("ising", temperatures=[1.0, 3.0], L=2)
    for r in table.rows:
        assert r["energy_ferdinand_fisher"] == pytest.approx(r["energy"], rel=1e-12)


@pytest.mark.usefixtures("no_float_warnings")
def test_onsager_limits_and_critical_point():
    tc = exact.onsager_tc()
    assert exact.onsager_specific_heat(tc) == np.inf
    assert exact.onsager_energy(1e-300) == -2.0 and exact.onsager_free_energy(1e-300) == -2.0
    assert exact.onsager_energy(1e-3) == -2.0 and exact.onsager_magnetization(1e-300) == 1.0
    assert exact.onsager_energy(1e300) == pytest.approx(-2e-300, rel=1e-12)
    assert exact.onsager_free_energy(1e300) == pytest.approx(-1e300 * np.log(2), rel=1e-15)
    # high-temperature series: u = -(2v + 4v^3 + ...), c = 2K^2 + 10K^4 + ..., v = tanh K
    for T in (1e4, 1e8):
        K = 1.0 / T
        v = np.tanh(K)
        assert exact.onsager_energy(T) == pytest.approx(-(2 * v + 4 * v**3), rel=1e-13)
        assert exact.onsager_specific_heat(T) == pytest.approx(2 * K**2 + 10 * K**4, rel=1e-12)
    # low-temperature series: one flipped spin costs 8J, so c = 64 K^2 e^{-8K} (1 + O(e^{-4K}))
    for T in (0.1, 0.2):
        K = 1.0 / T
        assert exact.onsager_specific_heat(T) == pytest.approx(64 * K**2 * np.exp(-8 * K), rel=1e-6)


def test_onsager_series_and_elliptic_forms_agree_where_they_meet():
    # the closed forms switch from power series to scipy's elliptic integrals at k^2 = 1/2
    from scipy.special import ellipe, ellipk

    for T in np.linspace(1.0, 6.0, 26):
        K = 1.0 / T
        t, k2 = np.tanh(2 * K), (2 * np.sinh(2 * K) / np.cosh(2 * K) ** 2) ** 2
        kk, ee = ellipk(k2), ellipe(k2)
        u = -1 / t * (1 + 2 / np.pi * (2 * t * t - 1) * kk)
        c = 4 / np.pi * (K / t) ** 2 * (kk - ee - (1 - t * t) * (np.pi / 2 + (2 * t * t - 1) * kk))
        assert exact.onsager_energy(T) == pytest.approx(u, rel=1e-12)
        if abs(T - exact.onsager_tc()) > 0.3:   # the elliptic form itself loses digits at T_c
            assert exact.onsager_specific_heat(T) == pytest.approx(c, rel=1e-9)


def test_exact_table_notes_the_divergence_and_refuses_huge_lattices_before_building(monkeypatch):
    from spinscope.workflows import exact as wexact

    table = wexact.exact_table("onsager", temperatures=[exact.onsager_tc(), 3.0])
    assert table.rows[0]["specific_heat"] == np.inf and "diverges" in table.notes[0]
    assert "notes" in table.to_dict() and "notes" not in wexact.exact_table(
        "onsager", temperatures=[3.0]).to_dict()

    def boom(*args, **kwargs):
        raise AssertionError("the lattice must not be built")

    monkeypatch.setattr(wexact, "model_from_spec", boom)
    with pytest.raises(ValueError, match=r"up to 26 Ising spins.*10000000000 spins"):
        wexact.exact_table("ising", temperatures=[1.0], L=100000)
    with pytest.raises(ValueError, match=r"3\^1000000 states"):
        wexact.exact_table("potts", temperatures=[1.0], L=1000, q=3)
    with pytest.raises(ValueError, match="up to 26"):
        wexact.exact_table("ising", temperatures=[1.0], L=3, dim=3)


def test_exact_xy_off_the_chain_is_refused_before_building(monkeypatch):
    from spinscope.workflows import exact as wexact

    monkeypatch.setattr(wexact, "model_from_spec", lambda *a, **k: pytest.fail("built the lattice"))
    with pytest.raises(ValueError, match="chain only"):
        wexact.exact_table("xy", temperatures=[1.0], L=100000)
