"""Fused measurement: energies, magnetisations and structure factors accumulated inside the
lattice kernel equal a full recomputation after every sweep, and fusing changes no spin.

Exactness: the fused energies and magnetisations are integer sums (equal to the unfused path's
exactly; to a float recomputation ``model.energy`` within 1e-13); the Fourier sums are
accumulated in float64 (compared to 1e-9 absolute).
"""

import numpy as np
import pytest

import spinscope.mc.kernels as K
from spinscope.mc import MonteCarlo
from spinscope.mc.sampler import structure_factors
from spinscope.models import IsingModel, hypercubic


@pytest.mark.parametrize("shape", [(8,), (8, 6), (4, 6, 8)])
@pytest.mark.parametrize("rule", ["metropolis", "heatbath"])
@pytest.mark.parametrize("h", [0.0, 0.3])
def test_fused_kernel_matches_recomputation_every_sweep(shape, rule, h):
    model = IsingModel.from_graph(hypercubic(shape), 1.0, h)
    plan = K.prepare_ising(model)
    assert plan.kind == "lattice"
    s0 = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), (3, model.n))
    betas = np.array([0.3, 0.5, 0.9])
    keys = K.make_keys(5, 3)
    # reference: one plain sweep at a time, full recomputation after each
    s_ref, c_ref = s0.copy(), np.zeros(3, np.uint64)
    coords = np.indices(shape).reshape(len(shape), -1)
    phases = np.exp(2j * np.pi * coords / np.asarray(shape)[:, None])
    E, M, F, changes = [], [], [], np.zeros(3, np.int64)
    for _ in range(6):
        changes += K.ising_sweeps(plan, s_ref, betas, keys, c_ref, rule=rule, sweeps=1)
        E.append(model.energy(s_ref))
        M.append(s_ref.mean(1))
        F.append(s_ref.astype(float) @ phases.T)
    s, c = s0.copy(), np.zeros(3, np.uint64)
    acc, e, m, f = K.ising_sweeps_measured(plan, s, betas, keys, c, rule=rule, sweeps=6, every=1)
    np.testing.assert_array_equal(s, s_ref)
    np.testing.assert_array_equal(c, c_ref)
    np.testing.assert_array_equal(acc, changes)
    np.testing.assert_allclose(e, np.array(E), rtol=1e-13, atol=1e-12)  # E: float recomputation
    np.testing.assert_array_equal(m, np.array(M))
    np.testing.assert_allclose(f, np.array(F), atol=1e-9)


def test_every_records_the_right_sweeps():
    model = IsingModel.from_graph(hypercubic((8, 8)), 1.0)
    plan = K.prepare_ising(model)
    s0 = np.ones((2, 64), np.int8)
    keys = K.make_keys(1, 2)
    s_ref, c_ref = s0.copy(), np.zeros(2, np.uint64)
    E = []
    for t in range(7):
        K.ising_sweeps(plan, s_ref, np.full(2, 0.4), keys, c_ref, sweeps=1)
        if (t + 1) % 3 == 0:
            E.append(model.energy(s_ref))
    _, e, _, _ = K.ising_sweeps_measured(plan, s0, np.full(2, 0.4), keys, np.zeros(2, np.uint64),
                                         sweeps=7, every=3)
    np.testing.assert_array_equal(e, np.array(E))


@pytest.mark.parametrize("rule", ["metropolis", "heatbath"])
def test_sampler_fused_path_equals_unfused_path(rule):
    """run() with the fused kernel gives the same measurements as the separate-measurement path
    (forced here by a measurement callback, which needs the spins at every point)."""
    model = IsingModel.from_graph(hypercubic((8, 8)), 1.0)
    mc = MonteCarlo(algorithm=rule)
    state = mc.init(model, betas=[0.4, 0.45], replicas=2, seed=3)
    a, sa = mc.run(state, sweeps=50, measure_every=5, structure_factor=True)
    b, sb = mc.run(state, sweeps=50, measure_every=5, structure_factor=True,
                   measure=lambda s: {"copy": s.copy()})
    np.testing.assert_array_equal(a.spins, b.spins)
    np.testing.assert_array_equal(sa.energy, sb.energy)
    np.testing.assert_array_equal(sa.magnetization, sb.magnetization)
    np.testing.assert_array_equal(sa.changes, sb.changes)
    np.testing.assert_allclose(sa.extra["sfk"], sb.extra["sfk"], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(sa.extra["sf0"], sb.extra["sf0"], rtol=1e-12)
    sf0, sfk = structure_factors(sb.extra["copy"][-1], (8, 8))
    np.testing.assert_allclose(sa.extra["sf0"][-1], sf0, rtol=1e-12)
    np.testing.assert_allclose(sa.extra["sfk"][-1], sfk, rtol=1e-10, atol=1e-9)


def test_structure_factor_needs_an_ising_lattice():
    from spinscope.errors import InputError
    from spinscope.models import sk

    mc = MonteCarlo()
    state = mc.init(sk(8, seed=1), betas=[1.0], seed=1)
    with pytest.raises(InputError, match="structure_factor"):
        mc.run(state, sweeps=2, measure_every=1, structure_factor=True)


@pytest.mark.parametrize("shape", [(8,), (6, 8), (4, 4, 6), (5, 7)])
def test_structure_factors_compiled_equals_numpy(shape):
    """The compiled one-pass structure factors equal the numpy definition (odd sides: numpy)."""
    n = int(np.prod(shape))
    s = np.random.default_rng(2).choice(np.array([-1, 1], np.int8), (4, n))
    sf0, sfk = structure_factors(s, shape)
    x = s.astype(float)
    coords = np.indices(shape).reshape(len(shape), -1)
    ph = np.exp(2j * np.pi * coords / np.asarray(shape)[:, None])
    np.testing.assert_allclose(sf0, x.sum(1) ** 2 / n, rtol=1e-12)
    np.testing.assert_allclose(sfk, (np.abs(x @ ph.T) ** 2).mean(1) / n, rtol=1e-10, atol=1e-12)


def test_multispin_measured_path_equals_unpacked_measurements():
    from spinscope.models import edwards_anderson

    model = edwards_anderson((8, 8), seed=4)
    mc = MonteCarlo(algorithm="multispin")
    state = mc.init(model, betas=[0.8], replicas=64, seed=1)
    a, sa = mc.run(state, sweeps=12, measure_every=3, structure_factor=True)
    b, sb = mc.run(state, sweeps=12, measure_every=3, structure_factor=True,
                   measure=lambda s: {"copy": s.copy()})
    np.testing.assert_array_equal(a.spins, b.spins)
    np.testing.assert_allclose(sa.energy, sb.energy, rtol=1e-12)
    np.testing.assert_array_equal(sa.magnetization, sb.magnetization)
    np.testing.assert_allclose(sa.extra["sfk"], sb.extra["sfk"], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(sa.energy[-1], model.energy(sb.extra["copy"][-1]) / model.n, rtol=1e-12)


def test_a_state_runs_with_the_rule_of_the_sampler_that_runs_it():
    """A state made by one sampler and advanced by another uses the second sampler's rule."""
    model = IsingModel.from_graph(hypercubic((8, 8)), 1.0)
    metro, heat = MonteCarlo(algorithm="metropolis"), MonteCarlo(algorithm="heatbath")
    state = metro.init(model, betas=[0.4], replicas=2, seed=5)
    a, _ = heat.run(state, sweeps=10)
    b, _ = heat.run(heat.init(model, betas=[0.4], replicas=2, seed=5), sweeps=10)
    c, _ = metro.run(state, sweeps=10)
    np.testing.assert_array_equal(a.spins, b.spins)          # same seed, same rule: same chains
    assert not np.array_equal(a.spins, c.spins)
    from spinscope.errors import InputError

    with pytest.raises(InputError, match="chain layout"):
        MonteCarlo(algorithm="multispin").run(state, sweeps=1)


@pytest.mark.parametrize("shape", [(8, 6), (4, 6, 10)])
@pytest.mark.parametrize("every", [1, 3])
@pytest.mark.parametrize("structure", [False, True])
def test_multispin_fused_pair_overlaps_equal_measurement_from_spins(shape, every, structure):
    """Pair overlaps counted inside the multispin kernel (a PairOverlaps measure) equal the
    same measurement from the unpacked spins (forced by wrapping it in a plain callable)."""
    from spinscope.mc.overlaps import PairOverlaps
    from spinscope.models import edwards_anderson

    model = edwards_anderson(shape, seed=4)
    mc = MonteCarlo(algorithm="multispin")
    state = mc.init(model, betas=[0.5, 0.9], replicas=64, seed=2)
    class Counting(PairOverlaps):
        calls = 0

        def __call__(self, spins):
            self.calls += 1
            return super().__call__(spins)

    meas = Counting(model, 2, 64)
    assert meas.countable(128)
    a, sa = mc.run(state, sweeps=7, measure_every=every, measure=meas, structure_factor=structure)
    assert meas.calls == 0                      # counted inside the kernel
    b, sb = mc.run(state, sweeps=7, measure_every=every, measure=lambda s: meas(s),
                   structure_factor=structure)
    np.testing.assert_array_equal(a.spins, b.spins)
    np.testing.assert_array_equal(sa.energy, sb.energy)
    np.testing.assert_array_equal(sa.magnetization, sb.magnetization)
    np.testing.assert_array_equal(sa.changes, sb.changes)
    assert set(sa.extra) == set(sb.extra)
    for key in ("q", "q_link", "sf0"):
        if key in sa.extra:
            np.testing.assert_array_equal(sa.extra[key], sb.extra[key])
    if structure:
        np.testing.assert_allclose(sa.extra["sfk"], sb.extra["sfk"], rtol=1e-10, atol=1e-9)
