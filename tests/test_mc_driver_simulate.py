"""The sampler interface, simulate(), resume bit for bit, tempering and annealing.

Statistical thresholds: energies agree with the exact finite-torus value (Ferdinand–Fisher)
within 4 combined standard errors (fixed seeds; a correct sampler fails < 1e-4 of the time);
chi-square tests of tempering use Fisher-combined p-values > 1e-4 as in test_mc_driver_torch.
"""

import itertools

import numpy as np
import pytest
from scipy import stats

from spinscope.errors import InputError, ResumeError, SpinscopeTypeError
from spinscope.exact import ferdinand_fisher
from spinscope.mc import (
    MonteCarlo,
    ParallelTempering,
    anneal,
    beta_schedule,
    tune_ladder,
)
from spinscope.models import IsingModel, PottsModel, from_edges, hypercubic, sk
from spinscope.workflows import simulate

P_MIN = 1e-4


@pytest.fixture(scope="module")
def torus8():
    return IsingModel.from_graph(hypercubic((8, 8)), 1.0)


@pytest.mark.parametrize("algorithm,backend", [("metropolis", "numba"), ("heatbath", "torch"),
                                               ("wolff", "numba"), ("swendsen-wang", "numba")])
def test_energy_matches_ferdinand_fisher_8x8(torus8, algorithm, backend):
    temps = [2.0, 2.6]
    r = simulate(torus8, temperatures=temps, algorithm=algorithm, backend=backend, sweeps=2000,
                 therm=200, replicas=2, measure_every=2, seed=5,
                 clusters_per_sweep=4)
    s = r.summary()
    for t, row in zip(temps, s.itertuples()):
        exact = ferdinand_fisher(8, 8, t).energy
        assert abs(row.energy - exact) < 4 * row.energy_err, (t, row.energy, exact, row.energy_err)
        assert row.thermalized
    df = r.to_pandas()
    assert len(df) == 4 and set(df.replica) == {0, 1}
    assert {"T", "energy_err", "binder", "tau_energy"} <= set(df.columns)


def test_hot_and_cold_starts_agree(torus8):
    from spinscope.analysis import compare_starts

    kw = dict(temperatures=[2.6], sweeps=2000, therm=200, replicas=2, seed=3)
    hot = simulate(torus8, start="random", **kw)
    cold = simulate(torus8, start="ordered", **kw)
    chk = compare_starts(hot.series["energy"].T, cold.series["energy"].T)
    assert chk.passed, chk.to_dict()  # within 3 combined standard errors
    with pytest.raises(InputError, match="start"):
        simulate(torus8, start="warm", **kw)


def test_sampler_does_not_mutate_state_and_chunking_is_invisible(torus8):
    smp = MonteCarlo(algorithm="metropolis")
    st0 = smp.init(torus8, betas=[0.4, 0.5], replicas=3, seed=7)
    before = st0.spins.copy()
    a, sa = smp.run(st0, sweeps=60, measure_every=10)
    np.testing.assert_array_equal(st0.spins, before)
    assert st0.sweeps == 0 and a.sweeps == 60
    b, _ = smp.run(st0, sweeps=30, measure_every=10)
    b, sb = smp.run(b, sweeps=30, measure_every=10)
    np.testing.assert_array_equal(a.spins, b.spins)
    np.testing.assert_array_equal(sa.energy[3:], sb.energy)
    # save / restore
    c = smp.restore(torus8, a.arrays())
    np.testing.assert_array_equal(smp.run(c, sweeps=5)[0].spins, smp.run(a, sweeps=5)[0].spins)


def test_torch_state_chunking_is_invisible(torus8):
    smp = MonteCarlo(algorithm="heatbath", backend="torch")
    st0 = smp.init(torus8, betas=0.4, replicas=4, seed=8)
    a, _ = smp.run(st0, sweeps=20)
    b, _ = smp.run(smp.run(st0, sweeps=7)[0], sweeps=13)
    assert (a.spins == b.spins).all()


@pytest.mark.parametrize("kw", [
    dict(algorithm="metropolis", backend="numba", interrupt=150),   # during thermalisation
    dict(algorithm="metropolis", backend="numba", interrupt=330),   # during measurement
    dict(algorithm="heatbath", backend="torch", interrupt=300),
    dict(algorithm="metropolis", backend="numba", interrupt=300, tempering=True),
])
def test_interrupt_and_resume_is_bit_for_bit(tmp_path, torus8, kw):
    kw = dict(kw)
    stop = kw.pop("interrupt")
    common = dict(temperatures=[2.1, 2.3, 2.5], sweeps=400, therm=200, replicas=2,
                  measure_every=3, seed=11, **kw)
    full = simulate(torus8, out=tmp_path / "a", **common)

    def ctrl_c(done, total):  # the user's progress callback may stop the run as Ctrl-C does
        if done >= stop:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulate(torus8, out=tmp_path / "b", progress=ctrl_c, **common)
    assert (tmp_path / "b" / "checkpoint.safetensors").exists()
    assert not (tmp_path / "b" / "results.csv").exists()
    resumed = simulate(torus8, resume=tmp_path / "b", **{k: v for k, v in common.items() if k != "seed"})
    np.testing.assert_array_equal(full.final_spins, resumed.final_spins)
    for k in full.series:
        np.testing.assert_array_equal(full.series[k], resumed.series[k])
    assert full.rows == resumed.rows
    assert (tmp_path / "b" / "results.csv").read_text() == (tmp_path / "a" / "results.csv").read_text()


def test_resume_refuses_other_configuration_and_out_is_not_overwritten(tmp_path, torus8):
    common = dict(temperatures=[2.3], sweeps=40, replicas=1, seed=1)
    simulate(torus8, out=tmp_path / "r", **common)
    cfg = (tmp_path / "r" / "config.json").read_text()
    with pytest.raises(ResumeError, match="sweeps"):
        simulate(torus8, resume=tmp_path / "r", **{**common, "sweeps": 80})
    with pytest.raises(InputError, match="not empty"):
        simulate(torus8, out=tmp_path / "r", **common)
    assert (tmp_path / "r" / "config.json").read_text() == cfg
    other = IsingModel.from_graph(hypercubic((8, 8)), 0.9)
    with pytest.raises(ResumeError, match="model"):
        simulate(other, resume=tmp_path / "r", **common)


def _random_graph(n=8, seed=0):
    rng = np.random.default_rng(seed)
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.45]
    g = from_edges(n, edges)
    return IsingModel.from_graph(g, rng.choice([-1.0, 1.0], size=g.num_edges), rng.normal(0, 0.5, n))


def test_tempering_samples_boltzmann_at_every_temperature():
    model = _random_graph(seed=2)
    states = np.array(list(itertools.product((-1, 1), repeat=model.n)), dtype=np.int8)
    e = model.energy(states)
    ladder = np.array([0.3, 0.7, 1.2, 2.0])
    pt = ParallelTempering(MonteCarlo(algorithm="metropolis"), swap_every=1)
    st = pt.init(model, betas=ladder, replicas=2000, seed=3)
    st, ts = pt.run(st, sweeps=40)
    assert np.all(ts.acceptance > 0.05) and ts.attempted.sum() > 0
    s = st.spins.reshape(4, 2000, model.n)
    pvals = []
    idx_all = ((states + 1) // 2) @ (1 << np.arange(model.n))
    for t, b in enumerate(ladder):
        p = np.exp(-b * (e - e.min()))
        p /= p.sum()
        idx = ((s[t].astype(int) + 1) // 2) @ (1 << np.arange(model.n))
        counts = np.bincount(idx, minlength=2**model.n)  # indexed by state value
        exp = p[np.argsort(idx_all)] * 2000
        small = exp < 5
        pvals.append(stats.chisquare(np.append(counts[~small], counts[small].sum()),
                                     np.append(exp[~small], exp[small].sum())).pvalue)
    assert stats.combine_pvalues(pvals, method="fisher").pvalue > P_MIN


def test_tune_ladder_evens_out_acceptance():
    m = sk(48, seed=4)
    tl = tune_ladder(m, t_min=0.3, t_max=1.5, n_temps=8, sweeps=400, iterations=4, seed=5)
    first = ParallelTempering(MonteCarlo())
    st = first.init(m, betas=1 / np.geomspace(0.3, 1.5, 8), replicas=4, seed=6)
    _, geo = first.run(first.run(st, sweeps=300)[0], sweeps=600)
    st = first.init(m, betas=1 / tl.temperatures, replicas=4, seed=6)
    _, tuned = first.run(first.run(st, sweeps=300)[0], sweeps=600)
    assert tl.temperatures[0] == pytest.approx(0.3) and tl.temperatures[-1] == pytest.approx(1.5)
    # spread of the acceptance rates shrinks (the geometric ladder's is ~0.3 here)
    assert np.ptp(tuned.acceptance) < np.ptp(geo.acceptance)


def test_anneal_finds_ground_state_of_small_sk():
    m = sk(12, seed=9)
    states = np.array(list(itertools.product((-1, 1), repeat=12)), dtype=np.int8)
    e0 = m.energy(states).min()
    sched = beta_schedule("geometric", beta_start=0.1, beta_end=5.0, steps=60)
    assert sched[0] == pytest.approx(0.1) and sched[-1] == pytest.approx(5.0)
    assert np.allclose(np.diff(np.log(sched)), np.log(50) / 59)
    r = anneal(m, schedule=sched, sweeps_per_step=2, replicas=8, seed=1)
    assert r.best_energy == pytest.approx(e0)
    assert m.energy(r.best_spins) == pytest.approx(r.best_energy)
    assert np.all(np.diff(beta_schedule("linear", beta_start=1, beta_end=2, steps=5)) == 0.25)


def test_multispin_and_block_via_simulate():
    m = IsingModel.from_graph(hypercubic((8, 8)), 1.0)
    r = simulate(m, temperatures=[2.6], algorithm="multispin", sweeps=400, replicas=64, seed=2,
                 measure_every=2)
    row = r.summary().iloc[0]
    assert abs(row.energy - ferdinand_fisher(8, 8, 2.6).energy) < 4 * row.energy_err
    # tempering swaps unpacked configurations between words of different temperature
    r = simulate(m, temperatures=[2.4, 2.6], algorithm="multispin", tempering=True, sweeps=200,
                 replicas=64, seed=3)
    assert r.summary().swap_acceptance_to_next.iloc[0] > 0.05
    lay = IsingModel.from_layers([np.full((4, 4), 0.2), np.full((4, 4), -0.1)])
    r = simulate(lay, temperatures=[1.0], algorithm="block", sweeps=100, replicas=4, seed=1)
    assert r.summary().shape[0] == 1


def test_bad_input(torus8):
    with pytest.raises(InputError, match="temperatures"):
        simulate(torus8, temperatures=[2.0, -1.0], sweeps=10)
    with pytest.raises(InputError, match="sweeps"):
        simulate(torus8, temperatures=[2.0], sweeps=10.5)
    with pytest.raises(InputError, match="multiple of 64"):
        simulate(torus8, temperatures=[2.0], algorithm="multispin", replicas=10, sweeps=10)
    with pytest.raises(InputError, match="backend='numba'"):
        MonteCarlo(algorithm="wolff", backend="torch")
    with pytest.raises(InputError, match="algorithm must be"):
        MonteCarlo(algorithm="glauber")
    anti = IsingModel.from_graph(hypercubic((4, 4)), -1.0)
    with pytest.raises(InputError, match="ferromagnetic"):
        simulate(anti, temperatures=[2.0], algorithm="wolff", sweeps=10)
    with pytest.raises(InputError, match="layered"):
        simulate(torus8, temperatures=[2.0], algorithm="block", sweeps=10)
    with pytest.raises(SpinscopeTypeError):
        simulate("ising", temperatures=[2.0], sweeps=10)
    with pytest.raises(InputError, match="measurements"):
        simulate(torus8, temperatures=[2.0], sweeps=10, measure_every=5)
    potts = PottsModel.from_graph(hypercubic((4, 4)), 3)
    with pytest.raises(InputError, match="multispin"):
        simulate(potts, temperatures=[1.0], algorithm="multispin", replicas=64, sweeps=10)
