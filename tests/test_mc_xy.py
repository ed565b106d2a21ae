"""The XY model, added through the registries (model kind + Metropolis implementation).

Statistical thresholds: chi-square tests of binned angles against the exact von Mises law use
independent samples (the final state of many independent chains, >= 20 autocorrelation times
after a hot start), 24 equiprobable bins, and Fisher's combination of 3 seeds must exceed
P_MIN = 1e-4 (a correct sampler fails about once in 10^4 runs); the power check requires the
same test to reject a 15 % wrong temperature with p < 1e-6. Energies agree with the exact ring
within 4 standard errors.
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from spinscope.errors import InputError
from spinscope.exact import energy_levels, xy_chain
from spinscope.mc import RULES, MonteCarlo
from spinscope.models import ClockModel, XYModel, from_edges, hypercubic, load_model, save_model
from spinscope.workflows import model_from_spec, simulate

P_MIN = 1e-4
BINS = 24


def _von_mises_p(sample: np.ndarray, kappa: float, loc: float = 0.0) -> float:
    """Chi-square p-value of angles against von Mises(kappa, loc) in equiprobable bins."""
    edges = stats.vonmises.ppf(np.linspace(0, 1, BINS + 1)[1:-1], kappa, loc=loc)
    x = (np.asarray(sample) - loc + np.pi) % (2 * np.pi) - np.pi + loc  # into (loc - pi, loc + pi]
    counts = np.bincount(np.searchsorted(edges, x), minlength=BINS)
    return float(stats.chisquare(counts).pvalue)


def _final_angles(model, beta, *, chains=3000, sweeps=60, seed=0):
    mc = MonteCarlo(algorithm="metropolis")
    state = mc.init(model, betas=[beta], replicas=chains, seed=seed)
    state, _ = mc.run(state, sweeps=sweeps)
    return state.spins_numpy()


def test_ring_closed_form_matches_quadrature():
    # ring of 3 rotors: fix theta_0 = 0 (rotation symmetry) and integrate the other two
    def bonds(b, a):
        return np.cos(a) + np.cos(a - b) + np.cos(b)

    for K in (0.7, -0.7, 2.0):
        T, J = 1 / abs(K), math.copysign(1.0, K)
        z, _ = integrate.dblquad(lambda b, a, K=K: np.exp(K * bonds(b, a)), 0, 2 * np.pi, 0, 2 * np.pi)
        e, _ = integrate.dblquad(lambda b, a, K=K, J=J: -J * bonds(b, a) * np.exp(K * bonds(b, a)),
                                 0, 2 * np.pi, 0, 2 * np.pi)
        r = xy_chain(3, T, J)
        assert r.energy == pytest.approx(e / z / 3, rel=1e-9)
        assert r.free_energy == pytest.approx(-T * (math.log(z) + math.log(2 * np.pi)) / 3, rel=1e-9)


def test_chain_limits():
    hot = xy_chain(10, 1e6, periodic=False)   # free rotors: E -> 0, F -> -T log 2 pi
    assert abs(hot.energy) < 1e-6
    assert hot.free_energy == pytest.approx(-1e6 * math.log(2 * math.pi), rel=1e-6)
    cold = xy_chain(10, 1e-3)                 # ground state: every bond aligned, E = -J
    assert cold.energy == pytest.approx(-1.0, abs=1e-3)
    # a long ring approaches the open chain per bond: E -> -I1(K)/I0(K)
    assert xy_chain(400, 0.8).energy == pytest.approx(
        xy_chain(401, 0.8, periodic=False).energy * 401 / 400, rel=1e-6)


def test_xy_energy_is_the_large_q_clock_energy():
    g = hypercubic((4, 4))
    q = 12
    s = np.random.default_rng(1).integers(0, q, size=(5, 16))
    np.testing.assert_allclose(XYModel.from_graph(g, 0.7).energy(2 * np.pi * s / q),
                               ClockModel.from_graph(g, q, 0.7).energy(s), rtol=1e-12)


def test_metropolis_open_chain_bond_angles_are_von_mises():
    """On an open chain the n-1 bond angles are independent von Mises(beta J) variables."""
    chain = XYModel.from_graph(from_edges(6, [(i, i + 1) for i in range(5)]), 1.0)
    beta = 1.3
    pvals, wrong = [], []
    for seed in range(3):
        th = _final_angles(chain, beta, seed=seed)
        d = (th[:, 1:] - th[:, :-1]).ravel()
        pvals.append(_von_mises_p(d, beta))
        wrong.append(_von_mises_p(d, 1.15 * beta))
    assert stats.combine_pvalues(pvals, method="fisher").pvalue > P_MIN
    assert stats.combine_pvalues(wrong, method="fisher").pvalue < 1e-6   # the test has power


def test_metropolis_single_rotor_in_a_field():
    h = np.array([[0.6, -0.8]])                        # |h| = 1, direction atan2(-0.8, 0.6)
    rotor = XYModel(np.zeros((1, 1)), fields=h)
    beta = 1.7
    pvals = [_von_mises_p(_final_angles(rotor, beta, chains=6000, sweeps=40, seed=s)[:, 0], beta,
                          loc=math.atan2(-0.8, 0.6)) for s in range(3)]
    assert stats.combine_pvalues(pvals, method="fisher").pvalue > P_MIN


def test_ring_energy_matches_exact():
    ring = XYModel.from_graph(hypercubic((8,)), 1.0)
    T = 0.8
    mc = MonteCarlo()
    state = mc.init(ring, betas=[1 / T], replicas=400, seed=3)
    state, _ = mc.run(state, sweeps=100)
    state, st = mc.run(state, sweeps=400, measure_every=20)
    e = st.energy.mean(0)                               # one mean per chain: independent
    assert abs(e.mean() - xy_chain(8, T).energy) < 4 * e.std(ddof=1) / np.sqrt(e.size)


def test_registry_and_errors():
    assert "xy" in RULES["metropolis"].kinds("numba")
    assert "xy" not in RULES["metropolis"].kinds("torch")
    m = model_from_spec("xy", L=4)
    with pytest.raises(InputError, match="not xy models"):
        MonteCarlo(algorithm="multispin").init(m, betas=[1.0])
    with pytest.raises(InputError, match="not xy models"):
        MonteCarlo(backend="torch").init(m, betas=[1.0])
    with pytest.raises(InputError, match="continuous"):
        energy_levels(m)


def test_simulate_and_file_roundtrip(tmp_path):
    m = model_from_spec("xy", L=8)
    r = simulate(m, temperatures=[0.5, 2.0], sweeps=400, seed=1, out=tmp_path / "run")
    s = r.summary()
    assert s.abs_m.iloc[0] > 0.6 > s.abs_m.iloc[1]       # ordered at low T, disordered at high T
    assert r.config["model"]["kind"] == "xy"
    save_model(tmp_path / "xy.npz", m)
    back = load_model(tmp_path / "xy.npz")
    theta = np.random.default_rng(0).uniform(0, 2 * np.pi, (3, m.n))
    np.testing.assert_allclose(back.energy(theta), m.energy(theta))


def test_resume_is_bit_for_bit(tmp_path):
    m = model_from_spec("xy", L=4)
    common = dict(temperatures=[0.9], sweeps=200, therm=40, replicas=2, seed=5)
    full = simulate(m, out=tmp_path / "a", **common)

    def stop(done, total):
        if done >= 120:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulate(m, out=tmp_path / "b", progress=stop, **common)
    resumed = simulate(m, resume=tmp_path / "b", **{k: v for k, v in common.items() if k != "seed"})
    np.testing.assert_array_equal(full.final_spins, resumed.final_spins)
    assert full.rows == resumed.rows
