"""Network → layered Ising model: layouts, files, convolutions, and clear refusals."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from spinscope.errors import DataFileError, InputError, SpinscopeTypeError
from spinscope.nn import extract_layers, network_to_model


def _mlp(seed=0, widths=(12, 7, 5, 3)):
    g = torch.Generator().manual_seed(seed)
    layers = []
    for k in range(len(widths) - 1):
        lin = nn.Linear(widths[k], widths[k + 1])
        with torch.no_grad():
            lin.weight.copy_(torch.randn(lin.weight.shape, generator=g))
            lin.bias.copy_(torch.randn(lin.bias.shape, generator=g))
        layers += [lin, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def test_sequential_energy_matches_definition():
    net = _mlp()
    m = network_to_model(net)
    assert m.layers == (12, 7, 5, 3)
    ws = [lay.weight.detach().double().numpy().T for lay in net if isinstance(lay, nn.Linear)]
    bs = [lay.bias.detach().double().numpy() for lay in net if isinstance(lay, nn.Linear)]
    rng = np.random.default_rng(0)
    s = rng.choice([-1.0, 1.0], (5, m.n))
    o = m.layer_offsets
    ref = np.zeros(5)
    for k, w in enumerate(ws):
        a, b = s[:, o[k]:o[k + 1]], s[:, o[k + 1]:o[k + 2]]
        ref -= np.einsum("bi,ij,bj->b", a, w, b) + b @ bs[k]
    np.testing.assert_allclose(m.energy(s), ref, atol=1e-10)
    assert np.all(network_to_model(net, biases=False).fields == 0)
    assert np.allclose(network_to_model(net, scale=2.0).dense_couplings(), 2 * m.dense_couplings())


def test_list_layouts_and_state_dict_agree():
    net = _mlp(1)
    ref = network_to_model(net, biases=False).dense_couplings()
    t_list = [lay.weight.detach() for lay in net if isinstance(lay, nn.Linear)]
    n_list = [w.double().numpy().T for w in t_list]
    assert np.allclose(network_to_model(t_list).dense_couplings(), ref)
    assert np.allclose(network_to_model(n_list).dense_couplings(), ref)
    assert np.allclose(network_to_model([w.T for w in n_list], layout="out_in").dense_couplings(), ref)
    assert np.allclose(network_to_model(net.state_dict(), biases=False).dense_couplings(), ref)


def test_state_dict_natural_order_beyond_ten_layers():
    widths = tuple(range(3, 15))
    net = _mlp(2, widths)  # keys 0, 2, 4, ..., 20: "10" must come after "8"
    assert network_to_model(net.state_dict()).layers == widths


def test_checkpoint_files(tmp_path):
    from safetensors.torch import save_file

    net = _mlp(3)
    ref = network_to_model(net)
    save_file({f"model.{k}": v.contiguous() for k, v in net.state_dict().items()}
              | {"optim.state.0": torch.zeros(3)}, str(tmp_path / "c.safetensors"))
    torch.save(net.state_dict(), tmp_path / "c.pt")
    for name in ("c.safetensors", "c.pt"):
        m = network_to_model(tmp_path / name)
        assert np.allclose(m.dense_couplings(), ref.dense_couplings()) and np.allclose(m.fields, ref.fields)


def test_pickled_module_is_refused(tmp_path):
    torch.save(_mlp(), tmp_path / "whole.pt")  # pickles the nn.Module class, not weights only
    with pytest.raises(DataFileError, match="not a weights-only checkpoint"):
        network_to_model(tmp_path / "whole.pt")
    with pytest.raises(DataFileError, match="does not exist"):
        network_to_model(tmp_path / "missing.pt")
    (tmp_path / "junk.safetensors").write_bytes(b"not a file")
    with pytest.raises(DataFileError):
        network_to_model(tmp_path / "junk.safetensors")


def test_conv2d_unrolled_matches_convolution():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(2, 3, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 3 * 3, 4))
    m = network_to_model(net, input_shape=(2, 6, 5))
    assert m.layers == (60, 27, 4)
    x = torch.randn(4, 2, 6, 5, dtype=torch.float64)
    w0 = m.layer_weights()[0]
    out = x.reshape(4, -1).numpy() @ w0 + m.fields[60:87]
    ref = net[0].double()(x).reshape(4, -1).detach().numpy()
    np.testing.assert_allclose(out, ref, atol=1e-12)


@pytest.mark.parametrize("net,shape,match", [
    (nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2)), None, "BatchNorm1d"),
    (nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), nn.Flatten()), (1, 8, 8), "dilation"),
    (nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2)), (1, 8, 8), "MaxPool2d"),
    (nn.Sequential(nn.Linear(4, 3), nn.Linear(5, 2)), None, "expects 5 inputs"),
    (nn.Sequential(nn.Flatten(), nn.Linear(60, 2)), (1, 8, 8), "expects 60 inputs"),
    (nn.Sequential(nn.ReLU()), None, "no Linear"),
])
def test_unsupported_layers_named(net, shape, match):
    with pytest.raises(InputError, match=match):
        network_to_model(net, input_shape=shape)


def test_conv_needs_input_shape_and_bad_weights():
    with pytest.raises(InputError, match="input_shape"):
        network_to_model(nn.Sequential(nn.Conv2d(1, 2, 3)))
    w = [np.ones((3, 2)), np.ones((2, 4))]
    w[1][0, 1] = np.nan
    with pytest.raises(InputError, match="NaN"):
        network_to_model(w)
    with pytest.raises(InputError, match="inputs but layer 0"):
        network_to_model([np.ones((3, 2)), np.ones((3, 4))])
    with pytest.raises(InputError, match="2-D"):
        extract_layers([np.ones(3)])
    with pytest.raises(InputError, match="convolution kernel"):
        network_to_model({"0.weight": torch.ones(2, 1, 3, 3)})
    with pytest.raises(SpinscopeTypeError):
        network_to_model(42)
