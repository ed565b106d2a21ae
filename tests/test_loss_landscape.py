"""One-hidden-layer networks: alignment, barriers, walks, Hessian (Lanczos, Hutchinson), training."""

import numpy as np
import pytest
import torch

from spinscope.nn.flatness import (
    hutchinson_trace,
    hvp,
    loss_function,
    perturbation_sharpness,
    top_eigenpairs,
)
from spinscope.nn.loss_landscape import (
    MLPShape,
    accuracies,
    align,
    align_ensemble,
    interpolate,
    losses,
    permute_hidden,
    random_walks,
    train_ensemble,
)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread, as the workflow uses (restored after the module)."""
    from spinscope.workflows._threads import single_threaded

    with single_threaded():
        yield


@pytest.fixture(scope="module")
def toy(one_thread):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 6)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1).astype(np.int64)
    shape = MLPShape(6, 8, 3)
    nets = train_ensemble(shape, x, y, nets=4, steps=300, lr=0.03, batch_size=50, seed=1)
    return shape, x, y, nets


def test_training_learns_and_is_reproducible(toy):
    shape, x, y, nets = toy
    assert np.all(accuracies(shape, nets, x, y) > 0.85)
    again = train_ensemble(shape, x, y, nets=4, steps=300, lr=0.03, batch_size=50, seed=1)
    assert np.array_equal(again, nets)
    assert not np.array_equal(nets[0], nets[1])


def test_permuted_copy_is_aligned_back_exactly(toy):
    shape, x, y, nets = toy
    perm = np.random.default_rng(3).permutation(shape.h)
    copy = permute_hidden(shape, nets[0], perm)
    assert np.allclose(losses(shape, copy[None], x, y), losses(shape, nets[:1], x, y), atol=1e-6)  # same function
    assert not np.array_equal(copy, nets[0])
    back, found = align(shape, nets[0], copy)
    assert np.array_equal(back, nets[0])                           # overlap exactly 1
    assert np.array_equal(perm[found], np.arange(shape.h))
    _, curve, barrier = interpolate(shape, nets[0], back, x, y)
    assert barrier == pytest.approx(0.0, abs=1e-6)
    assert np.ptp(curve) < 1e-6
    _, _, barrier_before = interpolate(shape, nets[0], copy, x, y)
    assert barrier_before > 1e-3                                    # the unaligned copy sits behind a barrier


def test_alignment_raises_overlap_and_ensemble_alignment_is_a_permutation(toy):
    shape, x, y, nets = toy
    al = align_ensemble(shape, nets)
    for a, b in zip(al, nets, strict=True):
        assert np.allclose(np.sort(a), np.sort(b))
        assert np.allclose(losses(shape, a[None], x, y), losses(shape, b[None], x, y), atol=1e-6)
    cos = lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)  # noqa: E731
    assert cos(al[0], al[1]) >= cos(nets[0], nets[1]) - 1e-9


def test_lanczos_and_hvp_match_the_dense_hessian(toy):
    shape, x, y, nets = toy
    theta = nets[0].astype(np.float64)
    dense = torch.autograd.functional.hessian(loss_function(shape, x, y), torch.as_tensor(theta)).numpy()
    ev = np.linalg.eigvalsh(dense)
    v = np.random.default_rng(0).standard_normal(theta.size)
    assert np.allclose(hvp(shape, theta, x, y)(v), dense @ v, atol=1e-8)
    vals, vecs = top_eigenpairs(shape, theta, x, y, k=3)
    assert np.allclose(vals, ev[::-1][:3], rtol=1e-6)
    assert np.allclose(np.abs(vecs[:, 0] @ np.linalg.eigh(dense)[1][:, -1]), 1.0, atol=1e-5)


def test_hutchinson_trace_within_its_error(toy):
    shape, x, y, nets = toy
    theta = nets[1].astype(np.float64)
    dense = torch.autograd.functional.hessian(loss_function(shape, x, y), torch.as_tensor(theta)).numpy()
    est, err = hutchinson_trace(shape, theta, x, y, probes=200, seed=4)
    # 200 probes: |z| < 4 standard errors (two-sided p ~ 6e-5 at this fixed seed)
    assert abs(est - np.trace(dense)) < 4 * err
    assert err < 0.2 * abs(np.trace(dense))


def test_perturbations_and_walks(toy):
    shape, x, y, nets = toy
    theta = nets[0].astype(np.float64)
    small = perturbation_sharpness(shape, theta, x, y, radius=0.05, probes=64, seed=0)
    large = perturbation_sharpness(shape, theta, x, y, radius=2.0, probes=64, seed=0)
    assert 0 <= small < large
    _, vecs = top_eigenpairs(shape, theta, x, y, k=4)
    data = {"train": (x, y)}
    iso = random_walks(shape, theta, data, walkers=8, steps=10, step_size=0.3, seed=1)
    hes = random_walks(shape, theta, data, walkers=8, steps=10, step_size=0.3, directions=vecs.T, seed=1)
    assert iso["distance"].shape == (8, 11) and np.all(iso["distance"][:, 0] == 0)
    assert np.allclose(iso["loss_train"][:, 0], losses(shape, theta[None].astype(np.float32), x, y)[0])
    # at equal distance, walks along the stiffest directions climb faster than isotropic ones
    assert np.median(hes["loss_train"][:, -1]) > np.median(iso["loss_train"][:, -1])
