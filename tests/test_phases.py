"""Machine learning of phases: correlation configurations, data files, classifiers, estimators.

Thresholds: symmetry invariance is exact (``==``) for Ising flips and Potts permutations and within
1e-12 for clock/XY rotations (float64 rounding of ``cos``). The planted-threshold test puts the
transition of synthetic data between two grid points and requires the crossing within one grid
step of it; the same test with the threshold moved by 3 steps must move the estimate (power).
"""

import numpy as np
import pytest

from spinscope.errors import DataFileError, InputError
from spinscope.phases import analysis as an
from spinscope.phases import classifiers as cl
from spinscope.phases import data as dt
from spinscope.phases.correlation import correlation_configuration, network_input, pair_correlation
from spinscope.workflows._threads import single_threaded

RNG = np.random.default_rng(12)


def _explicit(s, model, q):
    L = s.shape[-1]
    g = np.zeros((L, L))
    for x in range(L):
        for y in range(L):
            a = s[x, y]
            g[x, y] = 0.5 * (pair_correlation(np.array(a), np.array(s[x, (y + L // 2) % L]), model, q)
                             + pair_correlation(np.array(a), np.array(s[(x + L // 2) % L, y]), model, q))
    return g


@pytest.mark.parametrize("model,q", [("ising", None), ("potts", 3), ("clock", 6), ("xy", None)])
def test_correlation_configuration_definition(model, q):
    L = 6
    if model == "ising":
        s = RNG.choice([-1, 1], (L, L)).astype(np.int8)
    elif model == "xy":
        s = RNG.uniform(0, 2 * np.pi, (L, L))
    else:
        s = RNG.integers(0, q, (L, L)).astype(np.int8)
    g = correlation_configuration(s, model, q, dtype=np.float64)
    np.testing.assert_allclose(g, _explicit(s, model, q), atol=1e-14)
    ordered = correlation_configuration(np.full((L, L), 1 if model == "ising" else 0), model, q)
    assert np.all(ordered == 1)


def test_correlation_invariant_under_global_symmetries():
    L, S = 8, 5
    ising = RNG.choice([-1, 1], (S, L, L)).astype(np.int8)
    assert np.array_equal(correlation_configuration(ising, "ising"), correlation_configuration(-ising, "ising"))
    for q in (3, 4, 5):
        p = RNG.integers(0, q, (S, L, L))
        for _ in range(5):
            perm = RNG.permutation(q)
            assert np.array_equal(correlation_configuration(perm[p], "potts", q, dtype=np.float64),
                                  correlation_configuration(p, "potts", q, dtype=np.float64))
    c = RNG.integers(0, 6, (S, L, L))
    g = correlation_configuration(c, "clock", 6, dtype=np.float64)
    for k in range(1, 6):
        np.testing.assert_allclose(correlation_configuration((c + k) % 6, "clock", 6, dtype=np.float64), g, atol=1e-12)
    np.testing.assert_allclose(correlation_configuration((-c) % 6, "clock", 6, dtype=np.float64), g, atol=1e-12)
    th = RNG.uniform(0, 2 * np.pi, (S, L, L))
    g = correlation_configuration(th, "xy", dtype=np.float64)
    for phi in RNG.uniform(0, 2 * np.pi, 4):
        np.testing.assert_allclose(correlation_configuration((th + phi) % (2 * np.pi), "xy", dtype=np.float64), g,
                                   atol=1e-12)
    np.testing.assert_allclose(correlation_configuration(-th, "xy", dtype=np.float64), g, atol=1e-12)
    # power: the raw Potts spins are not invariant, and the correlation does see the configuration
    assert not np.array_equal(correlation_configuration(p, "potts", 5), correlation_configuration(p[::-1], "potts", 5))


def test_two_state_limits_agree_with_ising():
    a = RNG.integers(0, 2, (3, 8, 8))
    s = (2 * a - 1).astype(np.int8)
    g = correlation_configuration(s, "ising", dtype=np.float64)
    assert np.array_equal(correlation_configuration(a, "potts", 2, dtype=np.float64), g)
    np.testing.assert_allclose(correlation_configuration(a, "clock", 2, dtype=np.float64), g, atol=1e-15)


def test_network_input_rules():
    with pytest.raises(InputError, match="Ising model only"):
        network_input(np.zeros((2, 4, 4), dtype=np.int8), "potts", 3, "spins")
    with pytest.raises(InputError, match="L even"):
        correlation_configuration(np.zeros((2, 5, 5)), "ising")


def test_critical_temperatures_and_model_checks():
    assert dt.critical_temperatures("ising")[0] == pytest.approx(2.269185, abs=1e-6)
    assert dt.critical_temperatures("potts", 3)[0] == pytest.approx(0.99497, abs=1e-5)
    assert dt.critical_temperatures("potts", 4)[0] == pytest.approx(0.91024, abs=1e-5)
    assert dt.critical_temperatures("potts", 2)[0] == pytest.approx(dt.ONSAGER / 2, rel=1e-12)  # J_Ising = J/2
    assert dt.critical_temperatures("clock", 6) == (0.701, 0.901)
    with pytest.raises(InputError, match="unknown model"):
        dt.check_model("heisenberg", None, 8)
    with pytest.raises(InputError, match="q >= 2"):
        dt.check_model("potts", 1, 8)
    with pytest.raises(InputError, match="even"):
        dt.check_model("ising", None, 7)


def test_generated_data_are_consistent_and_roundtrip(tmp_path):
    T = np.array([1.2, 2.27, 5.0])
    with single_threaded():
        d = dt.generate_data("ising", 8, T, samples=30, chains=5, burn_in=20, seed=3)
    assert d.configurations.shape == (3, 30, 8, 8) and d.configurations.dtype == np.int8
    model = dt.build_model("ising", None, 8)
    e = model.energy(d.configurations.reshape(3, 30, 64).astype(float)) / 64
    np.testing.assert_allclose(d.energy, e, atol=1e-12)   # records belong to their configurations
    m = np.abs(d.configurations.reshape(3, 30, 64).mean(-1))
    assert m[0].mean() > 0.95 and m[2].mean() < 0.3
    f = dt.save_data(tmp_path / "a.npz", d)
    back = dt.load_data(f, expect={"model": "ising", "L": 8, "temperatures": T.tolist()})
    assert np.array_equal(back.configurations, d.configurations) and back.metadata == d.metadata
    with single_threaded():
        again = dt.generate_data("ising", 8, T, samples=30, chains=5, burn_in=20, seed=3)
    assert np.array_equal(again.configurations, d.configurations)       # one seed, same data
    with pytest.raises(DataFileError, match="holds L = 8, not 16"):
        dt.load_data(f, expect={"L": 16})
    raw = f.read_bytes()
    (tmp_path / "bad.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataFileError, match="damaged or incomplete"):
        dt.load_data(tmp_path / "bad.npz")


def _planted(T, t0, S, L, rng):
    """Synthetic configurations: |m| = 0.7 (random sign) below t0, 0 above; i.i.d. spins."""
    m = np.where(T < t0, 0.7, 0.0)[:, None, None, None] * rng.choice([-1, 1], (T.size, S, 1, 1))
    return np.where(rng.random((T.size, S, L, L)) < (1 + m) / 2, 1, -1).astype(np.float32)


@pytest.mark.parametrize("t0", [1.43, 1.73])
def test_pipeline_recovers_a_planted_threshold(t0):
    rng = np.random.default_rng(5)
    T = np.linspace(1.0, 2.0, 11)
    x = _planted(T, t0, 200, 8, rng)
    far = np.abs(T - t0) > 0.15
    net, _info = cl.train_classifier(x[far, :100].reshape(-1, 8, 8), np.repeat((T[far] > t0).astype(int), 100),
                                    seed=1, sign_symmetric=True,
                                    settings=cl.TrainSettings(epochs=20))
    p = cl.predict(net, x[:, 100:].reshape(-1, 8, 8))[:, 0].reshape(T.size, -1)
    t, err = an.crossing_with_error(T, p, n_boot=50)
    assert abs(t - t0) < 0.1, (t, t0)        # within one grid step of the planted threshold
    assert err < 0.1


def test_classifier_seed_and_safetensors_roundtrip():
    a, b = cl.build("fc", 8, seed=4), cl.build("fc", 8, seed=4)
    assert all(np.array_equal(p.detach(), r.detach()) for p, r in zip(a.parameters(), b.parameters()))
    x = RNG.choice([-1.0, 1.0], (10, 8, 8)).astype(np.float32)
    for arch in cl.ARCHITECTURES:
        net = cl.build(arch, 8, seed=1)
        back, _meta = cl.from_bytes(cl.to_bytes(net, {"arch": arch, "L": "8"}))
        np.testing.assert_array_equal(cl.predict(back, x), cl.predict(net, x))
    with pytest.raises(DataFileError, match="damaged"):
        cl.from_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")


def test_crossing_extrapolation_and_confusion_peak():
    T = np.linspace(2.0, 2.6, 25)
    assert an.crossing(T, 1 / (1 + np.exp((T - 2.3) / 0.05))) == pytest.approx(2.3, abs=2e-3)
    assert np.isnan(an.crossing(T, np.full(T.size, 0.9)))
    L = np.array([16, 24, 32, 48, 64])
    fit = an.extrapolate(L, 2.269 + 0.5 / L, np.full(5, 1e-3), nu=1.0)
    assert fit.tc == pytest.approx(2.269, abs=1e-9) and fit.a == pytest.approx(0.5, abs=1e-7)
    free = an.extrapolate(L, 2.269 + 0.5 * L ** (-1 / 0.8), np.full(5, 1e-4), nu=None, n_boot=20)
    assert free.nu == pytest.approx(0.8, abs=1e-3) and free.tc == pytest.approx(2.269, abs=1e-4)
    trial = np.arange(9.0)
    assert an.confusion_peak(trial, [1, 0.8, 0.7, 0.8, 0.95, 0.8, 0.7, 0.8, 1]) == 4.0


def test_pca_first_component_is_the_magnetisation():
    rng = np.random.default_rng(3)
    T = np.linspace(1.0, 2.0, 11)
    x = _planted(T, 1.5, 40, 8, rng) * 1.0
    m = np.abs(x.reshape(T.size * 40, -1).mean(-1))
    r = an.pca_order_parameter(x.reshape(-1, 8, 8), m)
    assert r["correlation"] > 0.99


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_unavailable_device_is_refused_before_anything_is_written(tmp_path):
    from spinscope.errors import InputError
    from spinscope.workflows import phases

    with pytest.raises(InputError, match="not available here"):
        phases(L=(4,), samples=8, out=tmp_path / "run", device="cuda")
    with pytest.raises(InputError, match="unknown torch device"):
        phases(L=(4,), samples=8, out=tmp_path / "run", device="gpu0")
    assert not (tmp_path / "run").exists()


def test_default_epochs_grow_above_L32():
    from spinscope.workflows._phases_steps import epochs_for

    assert [epochs_for(None, L) for L in (8, 16, 32, 48, 64)] == [40, 40, 40, 80, 80]
    assert epochs_for(7, 64) == 7                       # an explicit --epochs wins at every size
