"""CPM observables and layouts on configurations whose answers are known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.analysis.cpm import cell_centroids, cpm_observables, observable_names
from spinscope.errors import InputError
from spinscope.models.cpm import CellularPottsModel
from spinscope.models.cpm_layouts import blob_layout, tiling_layout

J = [[0, 5, 5], [5, 1, 3], [5, 3, 1]]


def model(shape, types, periodic=False, **kw):
    return CellularPottsModel(shape, types, J, target_volume=4, lambda_volume=1.0, T=1.0, neighbor_order=1,
                              contact_order=1, periodic=periodic, type_names=("Medium", "A", "B"), **kw)


def test_contacts_heterotypic_fraction_and_energy_by_hand():
    # 3x4 with walls: cell 1 (A) = left 2x2, cell 2 (B) = right 2x2 of the top rows, cell 3 (A) below
    s = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 0, 0]])
    m = model((3, 4), [0, 1, 2, 1])
    obs = cpm_observables(m, s)
    assert obs["contact_A-B"] == 2          # cells 1|2 share two vertical bonds
    assert obs["contact_A-A"] == 2          # cells 1 and 3 share two bonds (different cells, same type)
    assert obs["contact_B-B"] == 0
    # medium contacts, walls included: A sites: cell1 4 wall bonds, cell3 3 wall + 1 inner medium
    assert obs["contact_Medium-A"] == 4 + 4
    assert obs["contact_Medium-B"] == 4 + 2  # 4 wall bonds + 2 bonds to the medium row below
    assert obs["heterotypic_fraction"] == pytest.approx(2 / 4)
    assert obs["clusters_A"] == 1 and obs["clusters_B"] == 1
    assert obs["volume_mean"] == pytest.approx(10 / 3)
    assert obs["volume_std"] == pytest.approx(np.std([4, 4, 2]))
    assert obs["volume_mean_A"] == 3 and obs["volume_mean_B"] == 4
    # H = contacts (A-B 2*3, A-A 2*1, M-A 8*5, M-B 6*5) + volume (0, 0, (2 - 4)^2)
    assert obs["energy"] == pytest.approx(6 + 2 + 40 + 30 + 4)
    assert list(obs) == observable_names(m)


def test_clusters_join_across_periodic_border():
    s = np.zeros((6, 6), int)
    s[:, 0] = 1
    s[:, 5] = 2  # two A cells, adjacent through the periodic border
    per = cpm_observables(model((6, 6), [0, 1, 1], periodic=True), s)
    walls = cpm_observables(model((6, 6), [0, 1, 1], periodic=False), s)
    assert per["clusters_A"] == 1 and walls["clusters_A"] == 2
    assert per["contact_A-A"] == 6 and walls["contact_A-A"] == 0


def test_periodic_centroid_of_a_cell_across_the_border():
    s = np.zeros((8, 8), int)
    s[3, [7, 0, 1]] = 1
    c = cell_centroids(model((8, 8), [0, 1], periodic=True), s)
    assert c[0, 0] == pytest.approx(3) and c[0, 1] == pytest.approx(0, abs=1e-9)
    c_walls = cell_centroids(model((8, 8), [0, 1]), s)
    assert c_walls[0, 1] == pytest.approx(8 / 3)


def test_blob_and_tiling_layouts():
    s, t = blob_layout((100, 100), center=(50, 50), radius=40, width=5, fractions=[0.5, 0.5], seed=1)
    assert s.max() == t.size - 1 == 224 and np.bincount(t)[1:].tolist() == [112, 112]
    inside = (np.indices((100, 100)) - 50.0) ** 2
    assert np.array_equal(s > 0, inside.sum(0) <= 1600)
    assert np.bincount(s.ravel())[1:].max() == 25
    s, t = tiling_layout((200, 200), width=14, count=[10, 10], origin=[30, 30], fractions=[0.5, 0.5], seed=2)
    assert t.size - 1 == 100 and np.all(np.bincount(s.ravel())[1:] == 196)
    assert s[:30].max() == 0 and s[170:].max() == 0
    with pytest.raises(InputError, match="fractions"):
        tiling_layout((10, 10), width=2, fractions=[-1, 2])
