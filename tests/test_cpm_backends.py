"""The torch CPM kernel runs the numba kernel's chain: same seed, same trajectory, bit for bit.

(The statistical two-sample comparison over independent seeds is in test_cpm_slow.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.mc.cpm import CPMSampler
from spinscope.models.cpm import CellularPottsModel

pytest.importorskip("torch")


def model_and_state(L=20, T=6.0, **kw):
    s = np.zeros((L, L), int)
    cells = 0
    for a in range(3):
        for b in range(3):
            cells += 1
            s[2 + 6 * a: 6 + 6 * a, 2 + 6 * b: 6 + 6 * b] = cells
    types = [0] + [1 + (c % 2) for c in range(cells)]
    model = CellularPottsModel((L, L), types, [[0, 16, 16], [16, 2, 11], [16, 11, 14]], target_volume=16,
                               lambda_volume=2.0, T=T, **kw)
    return model, s


@pytest.mark.parametrize("rule", ["standard", "exact"])
def test_torch_equals_numba_bit_for_bit(rule):
    model, s0 = model_and_state(target_surface=[0, 14, 14], lambda_surface=[0, 0.2, 0.2], periodic=False)
    a = CPMSampler(model, s0, rule=rule, seed=4, replicas=2, tile=5).run(6)
    b = CPMSampler(model, s0, rule=rule, seed=4, replicas=2, tile=5, backend="torch").run(6)
    assert a.tiling.n_tiles == 16 and a.acceptance.min() > 0.01
    assert np.array_equal(a.sigma, b.sigma)
    assert np.array_equal(a.vol, b.vol) and np.array_equal(a.surf, b.surf)
    assert np.array_equal(a.accepted_tiles, b.accepted_tiles)
    # small tiles: cells reach two tiles of a phase, which then run one by one (on both backends)
    a3 = CPMSampler(model, s0, rule=rule, seed=4, replicas=2, tile=3).run(3)
    b3 = CPMSampler(model, s0, rule=rule, seed=4, replicas=2, tile=3, backend="torch").run(3)
    assert a3.conflicts[:, 1].min() > 0 and np.array_equal(a3.conflicts, b3.conflicts)
    assert np.array_equal(a3.sigma, b3.sigma)
    # and a different seed gives a different trajectory (the comparison can fail)
    c = CPMSampler(model, s0, rule=rule, seed=5, replicas=2, tile=5, backend="torch").run(6)
    assert not np.array_equal(a.sigma, c.sigma)


def test_torch_zero_temperature_and_periodic():
    model, s0 = model_and_state(T=0.0, periodic=True, neighbor_order=1, contact_order=3)
    a = CPMSampler(model, s0, seed=8, tile=4).run(4)
    b = CPMSampler(model, s0, seed=8, tile=4, backend="torch").run(4)
    assert np.array_equal(a.sigma, b.sigma)


@pytest.mark.parametrize("rule", ["standard", "exact"])
def test_torch_equals_numba_with_connectivity(rule):
    model, s0 = model_and_state(T=10.0, periodic=False, connectivity=True)
    a = CPMSampler(model, s0, rule=rule, seed=6, replicas=2, tile=5).run(5)
    b = CPMSampler(model, s0, rule=rule, seed=6, replicas=2, tile=5, backend="torch").run(5)
    assert a.flags == (2 if rule == "standard" else 7)
    assert np.array_equal(a.sigma, b.sigma)
