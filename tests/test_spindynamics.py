"""Exactness tests of spinscope.spindynamics: Hellmann–Feynman fields, RKKY limit, descriptor
symmetries, autograd fields, the LLG integrator (norm, energy, Langevin stationary law)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from spinscope.errors import InputError
from spinscope.spindynamics import (
    SDParams,
    SDSystem,
    cayley_rotate,
    check_spins,
    llg_step,
    random_positions,
)
from spinscope.spindynamics.bp_model import BPModel, tangent
from spinscope.spindynamics.descriptor import DescriptorSettings, descriptors
from spinscope.spindynamics.geometry import neighbour_pairs
from spinscope.spindynamics.llg import integrate, thermal_field
from spinscope.spindynamics.rkky import rkky_couplings


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """One BLAS/torch thread, as the sd workflows use (far faster on a shared machine)."""
    from spinscope.workflows._threads import single_threaded

    with single_threaded():
        yield


def _spins(n, seed):
    s = np.random.default_rng(seed).standard_normal((n, 3))
    return s / np.linalg.norm(s, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def small_system():
    pos, box = random_positions(30, density=0.3, seed=1)
    return SDSystem(pos, box, SDParams(density=0.3))


def test_hellmann_feynman_fields_equal_finite_differences_of_omega(small_system):
    s, eps = _spins(30, 2), 1e-5
    h, omega = small_system.fields(s)
    fd = np.empty_like(h)
    for i in range(30):
        for a in range(3):
            sp, sm = s.copy(), s.copy()
            sp[i, a] += eps
            sm[i, a] -= eps
            fd[i, a] = -(small_system.grand_potential(sp) - small_system.grand_potential(sm)) / (2 * eps)
    assert np.abs(h).max() > 0.1  # not a vacuous comparison
    assert np.abs(h - fd).max() < 1e-8
    assert omega == pytest.approx(small_system.grand_potential(s), abs=1e-10)


def test_torch_fields_equal_lapack_fields(small_system):
    s = _spins(30, 3)
    h, omega = small_system.fields(s)
    ht, omega_t = small_system.fields_torch(s)
    assert np.abs(ht.numpy() - h).max() < 1e-12
    assert omega_t == pytest.approx(omega, abs=1e-10)


def test_weak_coupling_fields_are_the_rkky_pair_fields():
    """h_i -> sum_j K_ij S_j with K = 2 J^2 chi; the error is O(J^4)/O(J^2) = O(J^2) relative."""
    pos, box = random_positions(30, density=0.5, seed=4)
    s, errs = _spins(30, 5), []
    for J in (0.02, 0.01):
        p = SDParams(J=J, mu=0.0, hopping_cutoff=1.5, density=0.5)
        system = SDSystem(pos, box, p)
        h, _ = system.fields(s)
        hr = rkky_couplings(system.hopping, J=J, mu=p.mu, T_e=p.T_e) @ s
        errs.append(np.abs(h - hr).max() / np.abs(h).max())
    assert errs[1] < 2e-3
    assert 3.0 < errs[0] / errs[1] < 5.0  # second-order convergence


def test_spins_of_wrong_length_are_refused():
    with pytest.raises(InputError, match="unit length"):
        check_spins(2 * _spins(5, 0), 5)


# ------------------------------------------------------------------------ descriptor and model
@pytest.fixture(scope="module")
def model_system():
    pos, box = random_positions(100, seed=7)
    model = BPModel(DescriptorSettings(), (16, 16), seed=3)
    return model, model.geometry(pos, box), pos, box


def test_descriptor_invariant_under_global_spin_rotation(model_system):
    _, geom, _, _ = model_system
    s = _spins(100, 8)
    rot = Rotation.random(random_state=9).as_matrix()
    d1 = descriptors(geom, torch.as_tensor(s))
    d2 = descriptors(geom, torch.as_tensor(s @ rot.T))
    assert torch.abs(d1 - d2).max() < 1e-12
    s3 = s.copy()
    s3[0] = rot @ s3[0]  # rotating one spin only must change it (power check)
    assert torch.abs(d1 - descriptors(geom, torch.as_tensor(s3))).max() > 1e-3


def test_descriptor_equals_direct_triplet_sums(model_system):
    """The O(neighbours) factorised sums equal the direct double sums over neighbour pairs."""
    model, geom, pos, box = model_system
    st, s, i = model.settings, _spins(100, 10), 5
    d = descriptors(geom, torch.as_tensor(s))[i].numpy()
    pi, pj, vec, dist = neighbour_pairs(pos, box, st.angular_cutoff)
    js, u, r = pj[pi == i], vec[pi == i] / dist[pi == i, None], dist[pi == i]
    c = np.linspace(st.r_min, st.angular_cutoff, st.n_angular)
    rad = np.exp(-st.angular_eta * (r[:, None] - c) ** 2) * (0.5 * (1 + np.cos(np.pi * r / st.angular_cutoff)))[:, None]
    cos = u @ u.T
    legendre = [np.ones_like(cos), cos, 1.5 * cos**2 - 0.5]
    chi = np.einsum("a,jka->jk", s[i], np.cross(s[js][:, None, :], s[js][None, :, :]))
    si_sj = s[js] @ s[i]
    weights = {"ss": s[js] @ s[js].T, "ii": np.outer(si_sj, si_sj)}
    nr, ka = st.n_radial, st.n_angular
    off = 2 * nr + 3 * ka
    for w, start in (("ss", off), ("ii", off + 3 * ka)):
        for ell in range(3):
            direct = np.einsum("js,ks,jk->s", rad, rad, weights[w] * legendre[ell])
            assert np.allclose(d[start:start + 3 * ka].reshape(ka, 3)[:, ell], direct, rtol=1e-12, atol=1e-12)
    assert np.allclose(d[-ka:], np.einsum("js,ks,jk->s", rad, rad, chi**2), rtol=1e-12, atol=1e-12)


def test_descriptor_permutation_invariant(model_system):
    model, geom, pos, box = model_system
    s, perm = _spins(100, 11), np.random.default_rng(12).permutation(100)
    d = descriptors(geom, torch.as_tensor(s))
    d_perm = descriptors(model.geometry(pos[perm], box), torch.as_tensor(s[perm]))
    assert torch.abs(d[perm] - d_perm).max() < 1e-12


def test_learned_fields_covariant_under_global_rotation(model_system):
    model, geom, _, _ = model_system
    s = _spins(100, 13)
    rot = Rotation.random(random_state=14).as_matrix()
    h1, e1 = model.fields(geom, s)
    h2, e2 = model.fields(geom, s @ rot.T)
    assert np.abs(h1).max() > 1e-3
    assert np.abs(h1 @ rot.T - h2).max() < 1e-10
    assert e1 == pytest.approx(e2, abs=1e-10)


def test_autograd_fields_equal_finite_differences_of_energy(model_system):
    model, geom, _, _ = model_system
    s, eps = _spins(100, 15), 1e-6
    h, _ = model.fields(geom, s, project=False)
    energy = lambda x: float(model.energy(geom, torch.as_tensor(x)).detach())  # noqa: E731
    for i, a in [(0, 0), (3, 1), (17, 2), (42, 0), (99, 1)]:
        sp, sm = s.copy(), s.copy()
        sp[i, a] += eps
        sm[i, a] -= eps
        fd = -(energy(sp) - energy(sm)) / (2 * eps)
        assert abs(fd - h[i, a]) <= 1e-6 * max(abs(h[i, a]), 1e-3)
    ht, _ = model.fields(geom, s)
    assert np.abs(np.sum(ht * s, axis=1)).max() < 1e-12  # projected on the tangent plane
    assert np.allclose(ht, tangent(h, s), atol=1e-14)


# ------------------------------------------------------------------------ integrator
def test_cayley_step_solves_the_implicit_midpoint_equation():
    s, w, dt = _spins(50, 16), np.random.default_rng(17).standard_normal((50, 3)), 0.3
    s1 = cayley_rotate(s, w, dt)
    assert np.abs(s1 - s - dt * np.cross(w, 0.5 * (s + s1))).max() < 1e-14


def test_norm_preserved_over_ten_thousand_steps():
    rng = np.random.default_rng(18)
    k = rng.standard_normal((40, 40))
    k = (k + k.T) / 2
    np.fill_diagonal(k, 0)
    field = lambda s: (k @ s + np.array([0.0, 0.0, 0.3]), -0.5 * np.sum(s * (k @ s)))  # noqa: E731
    out = integrate(_spins(40, 19), field, 10_000, dt=0.01, alpha=0.5, temperature=0.2, rng=rng, every=1000)
    assert np.abs(np.linalg.norm(out["spins"], axis=2) - 1).max() < 1e-12


def test_energy_never_increases_with_damping(small_system):
    out = integrate(_spins(30, 20), small_system.fields, 200, dt=0.05, alpha=0.5, every=50)
    e = out["energy_every_step"]
    assert e[-1] < e[0] - 1e-3  # it relaxes
    assert np.max(np.diff(e)) <= 1e-12 * np.abs(e).max()
    up = integrate(_spins(30, 20), small_system.fields, 20, dt=0.05, alpha=-0.5, every=50)["energy_every_step"]
    assert np.max(np.diff(up)) > 0  # the check sees a wrong sign of the damping


def test_langevin_noise_gives_the_boltzmann_law_of_a_spin_in_a_field():
    """Independent spins, h = B z: <S_z> = coth(B/T) - T/B (Langevin function); 4 standard errors."""
    rng, b, temp, alpha, dt = np.random.default_rng(21), 1.0, 0.5, 0.5, 0.02
    field = lambda s: (np.broadcast_to([0.0, 0.0, b], s.shape), 0.0)  # noqa: E731
    s = _spins(2000, 22)
    means = []
    for k in range(2500):
        noise = thermal_field(rng, s.shape, alpha=alpha, temperature=temp, dt=dt)
        s, _ = llg_step(s, field, dt=dt, alpha=alpha, noise=noise)
        if k >= 500 and k % 50 == 0:
            means.append(s[:, 2].mean())
    means = np.array(means)
    expected = 1 / np.tanh(b / temp) - temp / b
    se = means.std(ddof=1) / np.sqrt(len(means))
    assert abs(means.mean() - expected) < 4 * se + 2e-3
    assert abs((1 / np.tanh(b / (2 * temp)) - 2 * temp / b) - expected) > 0.1  # a doubled T would be seen
