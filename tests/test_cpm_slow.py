"""Long CPM tests: cellsort sorts (5 seeds x 10 000 MCS), numba and torch agree statistically."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from spinscope.mc.cpm import CPMSampler
from spinscope.workflows.cell_sorting import cpm

pytestmark = pytest.mark.slow


def test_cellsort_sorts_and_engulfs():
    res = cpm("cellsort", replicas=5, seed=2026, points=30)
    df = res.to_pandas()
    times = sorted(df.mcs.unique())
    picks = [min(times, key=lambda t: abs(t - m)) for m in (1, 10, 100, 1000, 10000)]
    het = [df[df.mcs == t].heterotypic_fraction.mean() for t in picks]
    # measured (seed 2026): 0.53, 0.48, 0.40, 0.25, 0.15
    assert all(np.diff(het) < 0), het
    final = df[df.mcs == 10000]
    assert (final["clusters_Condensing"] <= 3).sum() >= 4, final["clusters_Condensing"].tolist()
    first = df[df.mcs == 0]["contact_Medium-Condensing"].mean()
    assert final["contact_Medium-Condensing"].mean() <= 0.02 * first  # engulfment: NC cells surround C
    assert abs(final.volume_mean.mean() - 25) <= 2.0  # lambda_V = 2: measured 23.2


def test_numba_and_torch_agree_statistically():
    from test_cpm_backends import model_and_state

    model, s0 = model_and_state(L=24, T=8.0, periodic=True)
    obs = {}
    for backend, seed in (("numba", 1), ("torch", 2)):
        smp = CPMSampler(model, s0, seed=seed, replicas=24, backend=backend).run(40)
        obs[backend] = (model.energies(smp.sigma), smp.vol[:, 1:].std(1))
    for k in range(2):
        p = stats.ks_2samp(obs["numba"][k], obs["torch"][k]).pvalue
        assert p > 1e-3, (k, p)
