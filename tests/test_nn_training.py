"""Networks, checkpoint schedule, training determinism and exact resume after an interruption."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spinscope.errors import InputError
from spinscope.io import RunDirectory
from spinscope.nn.data import dataset_from_arrays, load_dataset
from spinscope.nn.networks import BinaryActivation, build_network, init_variances
from spinscope.nn.training import TrainSettings, checkpoint_schedule, load_checkpoint_weights, train


@pytest.fixture(scope="module")
def small_data():
    d = load_dataset("digits", seed=0)
    return dataset_from_arrays(d.x_train[:300], d.y_train[:300], x_val=d.x_val[:100], y_val=d.y_val[:100])


def test_schedule_is_log_spaced_and_dense_at_start():
    s = checkpoint_schedule(10_000, 30)
    assert s[0] == 0 and s[-1] == 10_000 and len(s) == 30
    assert np.all(np.diff(s) > 0)
    assert list(s[:6]) == [0, 1, 2, 3, 4, 5]  # rounding collisions become consecutive steps
    late = s[-10:].astype(float)
    ratios = late[1:] / late[:-1]
    assert np.allclose(ratios, ratios.mean(), rtol=0.02)  # geometric spacing at late times
    np.testing.assert_array_equal(checkpoint_schedule(5, 20), np.arange(6))
    with pytest.raises(InputError):
        checkpoint_schedule(100, 1)


def test_binary_activation_sign_forward_hardtanh_backward():
    x = torch.tensor([-2.0, -1.0, -0.3, 0.0, 0.5, 1.0, 1.5], requires_grad=True)
    y = BinaryActivation()(x)
    assert y.tolist() == [-1, -1, -1, 1, 1, 1, 1]
    y.sum().backward()
    assert x.grad.tolist() == [0, 1, 1, 1, 1, 1, 0]


def test_init_law_and_determinism():
    arch = (400, 300, 10)
    net = build_network(arch, activation="relu", init_scale=2.0, seed=5)
    w = net[0].weight.detach().numpy()
    # uniform law: variance a^2/(3 N_in); with 120000 draws the relative error is ~0.3%, allow 3%
    assert abs(w.var() / init_variances(arch, 2.0)[0] - 1) < 0.03
    assert np.abs(w).max() <= 2.0 / 20 + 1e-7
    assert float(net[0].bias.detach().abs().max()) == 0.0
    again = build_network(arch, activation="binary", init_scale=2.0, seed=5)
    assert torch.equal(again[0].weight, net[0].weight)
    assert isinstance(again[1], BinaryActivation)
    with pytest.raises(InputError, match="activation"):
        build_network(arch, activation="tanh")
    with pytest.raises(InputError, match="architecture"):
        build_network((10,))


def _params(net):
    return [p.detach().clone() for p in net.parameters()]


@pytest.mark.parametrize("opt,act", [("adam", "binary"), ("sgd", "relu")])
def test_resume_after_interruption_is_exact(tmp_path, small_data, opt, act):
    settings = TrainSettings(optimizer=opt, lr=1e-3, batch_size=32, epochs=3, checkpoints=8, momentum=0.9 * (opt == "sgd"))
    arch = (64, 32, 16, 10)
    rd_full = RunDirectory.create(tmp_path / "full", command="test", config={})
    net_full = build_network(arch, activation=act, seed=1)
    rows_full = train(net_full, small_data, settings, rundir=rd_full, prefix="ck", seed=7)

    rd = RunDirectory.create(tmp_path / "cut", command="test", config={})

    def interrupt(step, total):
        if step == 17:  # after some checkpoints, before the last
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(build_network(arch, activation=act, seed=1), small_data, settings, rundir=rd, prefix="ck",
              seed=7, on_step=interrupt)
    assert len(list((rd.path / "ck").glob("*.safetensors"))) < len(rows_full)
    seen = []
    net = build_network(arch, activation=act, seed=1)
    rows = train(net, small_data, settings, rundir=rd, prefix="ck", seed=7,
                 on_checkpoint=lambda s, p, m: seen.append(s))
    assert rows == rows_full
    assert seen == [r["step"] for r in rows_full]
    for a, b in zip(_params(net), _params(net_full)):
        assert torch.equal(a, b)


def test_training_learns_and_checkpoints_hold_weights(tmp_path, small_data):
    settings = TrainSettings(lr=3e-3, epochs=8, checkpoints=6)
    rd = RunDirectory.create(tmp_path / "r", command="test", config={})
    net = build_network((64, 32, 10), seed=0)
    rows = train(net, small_data, settings, rundir=rd, prefix="ck", seed=0)
    assert rows[0]["step"] == 0 and rows[-1]["step"] == 8 * 10
    # untrained: ~90% error on 10 classes; trained 8 epochs at lr 3e-3: well below 50%
    assert rows[0]["val_error"] > 0.6 and rows[-1]["val_error"] < 0.3
    assert rows[-1]["train_loss"] < rows[0]["train_loss"]
    ws = load_checkpoint_weights(rd.path / rows[-1]["checkpoint"])
    assert [w.shape for w in ws] == [(64, 32), (32, 10)]
    np.testing.assert_allclose(ws[0], net[0].weight.detach().numpy().T, rtol=0, atol=0)


def test_init_scale_moves_between_rich_and_lazy(tmp_path, small_data):
    # relative weight change of the first layer after the same training: large init scale -> lazy
    # (weights move little relative to their size). Measured: 0.264 vs 0.040 (ratio 6.7); require > 3.
    settings = TrainSettings(lr=1e-3, epochs=2, checkpoints=2)
    change = {}
    for a in (0.5, 4.0):
        net = build_network((64, 32, 10), init_scale=a, seed=0)
        w0 = net[0].weight.detach().clone()
        rd = RunDirectory.create(tmp_path / f"s{a}", command="test", config={})
        train(net, small_data, settings, rundir=rd, prefix="ck", seed=0)
        change[a] = float((net[0].weight.detach() - w0).norm() / w0.norm())
    assert change[0.5] > 3 * change[4.0]


def test_damaged_last_checkpoint_falls_back_to_the_previous_one(tmp_path, small_data):
    settings = TrainSettings(lr=1e-3, epochs=2, checkpoints=6)
    arch = (64, 16, 10)
    full = build_network(arch, seed=2)
    rows_full = train(full, small_data, settings, rundir=RunDirectory.create(tmp_path / "a", command="t", config={}),
                      prefix="ck", seed=1)
    rd = RunDirectory.create(tmp_path / "b", command="t", config={})

    def interrupt(step, total):
        if step == 12:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(build_network(arch, seed=2), small_data, settings, rundir=rd, prefix="ck", seed=1, on_step=interrupt)
    last = sorted((rd.path / "ck").glob("step_*.safetensors"))[-1]
    assert last.name == "step_00000009.safetensors"  # schedule 0,1,2,4,9,20: resume must fall back to 4
    last.write_bytes(last.read_bytes()[:100])  # a torn file (e.g. disk full)
    net = build_network(arch, seed=2)
    assert train(net, small_data, settings, rundir=rd, prefix="ck", seed=1) == rows_full
    for a, b in zip(_params(net), _params(full)):
        assert torch.equal(a, b)
