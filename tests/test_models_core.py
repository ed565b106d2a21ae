"""The spin-model core: hand-computed energies, constructors, validation, file format."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

import spinscope as ss
from spinscope.errors import InputError, MemoryLimitError, ModelFileError


def test_hand_computed_energy_three_spins():
    # H = -J01 s0 s1 - J12 s1 s2 - h.s with J01 = 1, J12 = -2, h = (0.5, 0, -1)
    j = np.array([[0, 1, 0], [1, 0, -2], [0, -2, 0]], dtype=float)
    m = ss.IsingModel(j, [0.5, 0.0, -1.0])
    s = np.array([[1, 1, 1], [1, -1, 1], [-1, -1, 1]])
    expected = [-1 + 2 - 0.5 + 1, 1 - 2 - 0.5 + 1, -1 - 2 + 0.5 + 1]
    np.testing.assert_allclose(m.energy(s), expected)
    np.testing.assert_allclose(m.energy(torch.as_tensor(s)).numpy(), expected)
    # single-flip differences equal energy differences
    for i in range(3):
        flipped = s.copy()
        flipped[:, i] *= -1
        np.testing.assert_allclose(m.delta_energy(s, i), m.energy(flipped) - m.energy(s))


def test_local_fields_dense_sparse_torch_agree():
    m = ss.sk(30, seed=1).with_fields(np.linspace(-1, 1, 30))
    sparse = ss.IsingModel(sp.csr_array(m.couplings), m.fields)
    rng = np.random.default_rng(0)
    s = rng.choice([-1, 1], size=(4, 5, 30))
    np.testing.assert_allclose(m.local_fields(s), sparse.local_fields(s))
    np.testing.assert_allclose(sparse.local_fields(torch.as_tensor(s)).numpy(), m.local_fields(s))
    np.testing.assert_allclose(m.energy(s), sparse.energy(torch.as_tensor(s, dtype=torch.float64)).numpy())
    assert m.energy(s).shape == (4, 5)


def test_square_lattice_ground_state_energy():
    m = ss.IsingModel.from_graph(ss.hypercubic((8, 8)))
    assert m.energy(np.ones(64)) == pytest.approx(-128.0)  # 2 bonds per spin
    chk = (np.indices((8, 8)).sum(0) % 2 * 2 - 1).ravel()
    assert m.energy(chk) == pytest.approx(128.0)
    assert m.graph.neighbor_table().shape == (64, 4)
    assert m.graph.sublattice() is not None


@pytest.mark.parametrize(("shape", "periodic", "edges"), [
    ((5,), True, 5), ((5,), False, 4), ((4, 3), True, 24), ((4, 3), False, 17), ((3, 3, 3), True, 81),
    ((2, 2), True, 4),
])
def test_hypercubic_edge_counts(shape, periodic, edges):
    assert ss.hypercubic(shape, periodic=periodic).num_edges == edges


def test_triangular_lattice_degree_six():
    g = ss.triangular((4, 4))
    assert np.all(g.degrees() == 6)
    assert g.num_edges == 48


def test_odd_periodic_lattice_is_not_bipartite():
    assert ss.hypercubic((5, 5)).sublattice() is None
    assert ss.hypercubic((5, 5), periodic=False).sublattice() is not None


def test_sk_statistics():
    m = ss.sk(400, seed=3)
    upper = m.couplings[np.triu_indices(400, 1)]
    assert np.allclose(m.couplings, m.couplings.T)
    assert np.all(np.diag(m.couplings) == 0)
    # variance 1/N within 5 sigma of its sampling error
    var = upper.var() * 400
    assert abs(var - 1) < 5 * np.sqrt(2 / upper.size)


def test_layered_sk_structure():
    m = ss.layered_sk([5, 4, 3], [0.5, 2.0], seed=0)
    assert m.layers == (5, 4, 3) and m.n == 12
    w = m.layer_weights()
    assert [x.shape for x in w] == [(5, 4), (4, 3)]
    j = m.couplings.toarray()
    assert np.all(j[:5, 9:] == 0) and np.all(j[:5, :5] == 0)
    np.testing.assert_array_equal(j[:5, 5:9], w[0])
    np.testing.assert_array_equal(m.layer_index(), [0] * 5 + [1] * 4 + [2] * 3)


def test_from_layers_with_biases_matches_formula():
    rng = np.random.default_rng(1)
    w = [rng.normal(size=(3, 2)), rng.normal(size=(2, 2))]
    b = [rng.normal(size=2), rng.normal(size=2)]
    m = ss.IsingModel.from_layers(w, b)
    s = rng.choice([-1, 1], size=7)
    s0, s1, s2 = s[:3], s[3:5], s[5:]
    expected = -(s0 @ w[0] @ s1) - (s1 @ w[1] @ s2) - b[0] @ s1 - b[1] @ s2
    assert m.energy(s) == pytest.approx(expected)


def test_from_layers_csr_equals_dense_blocks_and_drops_zeros():
    rng = np.random.default_rng(3)
    w = [rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=(5, 2))]
    w[1][1, :] = 0.0  # a unit with no outgoing weights, and scattered zeros
    w[2][[0, 3], [1, 0]] = 0.0
    m = ss.IsingModel.from_layers(w)
    dense = np.zeros((14, 14))
    offs = [0, 4, 7, 12, 14]
    for k, wk in enumerate(w):
        dense[offs[k]:offs[k + 1], offs[k + 1]:offs[k + 2]] = wk
    dense += dense.T
    j = m.couplings
    np.testing.assert_array_equal(j.toarray(), dense)
    assert j.nnz == np.count_nonzero(dense)  # no explicit zeros kept
    assert all(np.all(np.diff(j.indices[a:b]) > 0) for a, b in zip(j.indptr[:-1], j.indptr[1:]))


def test_symmetry_check_of_sparse_couplings_names_the_entry():
    j = sp.csr_array(np.array([[0, 1.0, 0], [1.0, 0, 2.0], [0, 2.5, 0]]))
    with pytest.raises(InputError, match=r"J\[1,2\] = 2.0 but J\[2,1\] = 2.5"):
        ss.IsingModel(j)
    pattern = sp.csr_array(np.array([[0, 1.0, 0], [1.0, 0, 2.0], [0, 0, 0]]))
    with pytest.raises(InputError, match="symmetric"):
        ss.IsingModel(pattern)


def test_hopfield_stores_patterns():
    rng = np.random.default_rng(2)
    xi = rng.choice([-1, 1], size=(2, 50))
    m = ss.hopfield(xi)
    # each pattern is a local energy minimum for small loading
    for p in xi:
        assert all(m.delta_energy(p, i) > 0 for i in range(50))


def test_potts_and_clock_energies():
    g = ss.hypercubic((3,), periodic=True)  # triangle 0-1-2
    potts = ss.PottsModel.from_graph(g, q=3)
    assert potts.energy(np.array([0, 0, 0])) == pytest.approx(-3)
    assert potts.energy(np.array([0, 1, 2])) == pytest.approx(0)
    clock = ss.ClockModel.from_graph(g, q=4)
    assert clock.energy(np.array([0, 1, 0])) == pytest.approx(-1.0)  # cos(pi/2) twice, cos 0 once
    assert clock.energy(np.array([0, 2, 0])) == pytest.approx(1.0)
    # q=2 clock = Ising with the same J
    ising = ss.IsingModel.from_graph(g)
    s = np.array([[0, 1, 1], [1, 1, 1]])
    c2 = ss.ClockModel.from_graph(g, q=2)
    np.testing.assert_allclose(c2.energy(s), ising.energy(1 - 2 * s))


@pytest.mark.parametrize(("couplings", "match"), [
    (np.ones((2, 3)), "square"),
    (np.array([[0, 1], [2, 0]]), "symmetric"),
    (np.array([[1, 0], [0, 0]]), "zero diagonal"),
    (np.array([[0, np.nan], [np.nan, 0]]), "NaN"),
])
def test_bad_couplings_raise_value_error(couplings, match):
    with pytest.raises(ValueError, match=match):
        ss.IsingModel(couplings)


def test_bad_inputs():
    with pytest.raises(InputError, match="fields"):
        ss.IsingModel(np.zeros((3, 3)), [1, 2])
    with pytest.raises(InputError, match="spins"):
        ss.models.as_spins([1, 0, 1], 3)
    with pytest.raises(InputError, match="integer"):
        ss.hypercubic((4.5, 4))
    with pytest.raises(InputError, match=">= 2"):
        ss.PottsModel.from_graph(ss.hypercubic(4), q=1)
    with pytest.raises(InputError, match="self-loop"):
        ss.from_edges(3, [[0, 1], [2, 2]])
    with pytest.raises(InputError, match="duplicates"):
        ss.from_edges(3, [[0, 1], [1, 0]])
    with pytest.raises(InputError, match="outside"):
        ss.from_edges(3, [[0, 3]])
    with pytest.raises(InputError, match="rows do not match"):
        ss.IsingModel.from_layers([np.ones((3, 2)), np.ones((3, 2))])


def test_memory_estimate_refuses_huge_dense_model():
    with pytest.raises(MemoryLimitError, match="needs"):
        ss.sk(10**7, seed=0)


@pytest.mark.parametrize("make", [
    lambda: ss.IsingModel.from_graph(ss.hypercubic((4, 3)), J=-1.0, h=0.3),
    lambda: ss.sk(10, seed=4),
    lambda: ss.layered_sk([3, 4, 2], seed=5),
    lambda: ss.PottsModel.from_graph(ss.triangular(3), q=3),
    lambda: ss.ClockModel(5, ss.hypercubic(6).adjacency(), np.ones((6, 5))),
])
def test_file_round_trip(tmp_path, make):
    m = make()
    path = ss.save_model(tmp_path / "m.npz", m)
    back = ss.load_model(path)
    assert type(back) is type(m)
    a = m.couplings.toarray() if sp.issparse(m.couplings) else m.couplings
    b = back.couplings.toarray() if sp.issparse(back.couplings) else back.couplings
    np.testing.assert_array_equal(a, b)
    if m.fields is not None:
        np.testing.assert_array_equal(m.fields, back.fields)
    assert getattr(back, "layers", None) == getattr(m, "layers", None)
    if m.graph is not None:
        assert back.graph.shape == m.graph.shape and back.graph.kind == m.graph.kind
        np.testing.assert_array_equal(back.graph.edges, m.graph.edges)


def test_file_errors(tmp_path):
    m = ss.sk(4, seed=0)
    p = ss.save_model(tmp_path / "m.npz", m)
    with pytest.raises(InputError, match="exists"):
        ss.save_model(p, m)
    with pytest.raises(ModelFileError, match="potts model is needed"):
        ss.load_model(p, kind="potts")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="not a readable"):
        ss.load_model(bad)
    with pytest.raises(ModelFileError, match="does not exist"):
        ss.load_model(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", x=np.ones(3))
    with pytest.raises(ModelFileError, match="header"):
        ss.load_model(tmp_path / "other.npz")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["bad.npz", "m.npz", "other.npz"]
