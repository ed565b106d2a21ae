"""Datasets: digits, IDX / npz files (written here), arrays; bad input gives DataFileError."""

from __future__ import annotations

import gzip
import struct
import urllib.error

import numpy as np
import pytest

from spinscope.errors import DataFileError, InputError
from spinscope.nn.data import dataset_from_arrays, load_dataset, read_idx

STEMS = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def _idx_bytes(a: np.ndarray) -> bytes:
    assert a.dtype == np.uint8
    return bytes([0, 0, 0x08, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape) + a.tobytes()


def _fake_mnist(tmp_path, *, gz: bool, n_train=30, n_test=10, side=5, seed=0):
    rng = np.random.default_rng(seed)
    arrs = [rng.integers(0, 256, (n_train, side, side), dtype=np.uint8),
            rng.integers(0, 10, n_train).astype(np.uint8),
            rng.integers(0, 256, (n_test, side, side), dtype=np.uint8),
            rng.integers(0, 10, n_test).astype(np.uint8)]
    for stem, a in zip(STEMS, arrs):
        data = _idx_bytes(a)
        if gz:
            (tmp_path / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (tmp_path / stem).write_bytes(data)
    return arrs


def test_digits_split_is_stratified_normalised_and_seeded():
    d = load_dataset("digits", seed=3)
    assert d.n_features == 64 and d.n_classes == 10
    assert len(d.y_train) + len(d.y_val) == 1797
    assert d.x_train.dtype == np.float32 and d.x_train.min() >= 0 and d.x_train.max() <= 1.0
    assert d.x_train.max() == 1.0  # 16/16 occurs
    # every class has ~20% of its samples in validation
    for c in range(10):
        frac = np.sum(d.y_val == c) / (np.sum(d.y_val == c) + np.sum(d.y_train == c))
        assert abs(frac - 0.2) < 0.01
    again = load_dataset("digits", seed=3)
    np.testing.assert_array_equal(d.y_val, again.y_val)
    other = load_dataset("digits", seed=4)
    assert not np.array_equal(d.x_val, other.x_val)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_from_idx_files(tmp_path, gz):
    arrs = _fake_mnist(tmp_path, gz=gz)
    d = load_dataset("mnist", data_dir=tmp_path)
    assert d.x_train.shape == (30, 25) and d.x_val.shape == (10, 25)
    np.testing.assert_allclose(d.x_train, arrs[0].reshape(30, -1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(d.y_val, arrs[3])
    assert "255" in d.normalisation
    np.testing.assert_array_equal(read_idx(tmp_path / (STEMS[1] + (".gz" if gz else ""))), arrs[1])
    # a directory path works the same way
    d2 = load_dataset(tmp_path)
    np.testing.assert_array_equal(d2.x_train, d.x_train)


def test_npz_dataset(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (12, 4, 4), dtype=np.uint8)
    y = np.arange(12) % 3
    np.savez(tmp_path / "tiny.npz", x_train=x, y_train=y, x_test=x[:4], y_test=y[:4])
    d = load_dataset(tmp_path / "tiny.npz")
    assert d.n_features == 16 and d.n_classes == 3 and d.name == "tiny"
    np.testing.assert_allclose(d.x_val, x[:4].reshape(4, -1) / 255.0, rtol=1e-6)
    np.savez(tmp_path / "bad.npz", x_train=x)
    with pytest.raises(DataFileError, match="lacks the arrays"):
        load_dataset(tmp_path / "bad.npz")


def test_corrupt_and_missing_files(tmp_path):
    _fake_mnist(tmp_path, gz=False)
    f = tmp_path / STEMS[0]
    f.write_bytes(f.read_bytes()[:-7])
    with pytest.raises(DataFileError, match="corrupt"):
        load_dataset("mnist", data_dir=tmp_path)
    f.write_bytes(b"hello world, not idx")
    with pytest.raises(DataFileError, match="not an IDX file"):
        load_dataset("mnist", data_dir=tmp_path)
    f.unlink()
    with pytest.raises(DataFileError, match="train-images-idx3-ubyte"):
        load_dataset("mnist", data_dir=tmp_path)
    with pytest.raises(DataFileError, match="does not exist"):
        load_dataset("fashion-mnist", data_dir=tmp_path / "nowhere")
    with pytest.raises(DataFileError, match="unknown dataset"):
        load_dataset("cifar-1000")
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / (STEMS[0] + ".gz")).write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(DataFileError, match="cannot read"):
        read_idx(tmp_path / "g" / (STEMS[0] + ".gz"))


def test_download_only_when_asked_and_fails_clearly(tmp_path, monkeypatch):
    calls = []

    def no_network(url, timeout=None):
        calls.append(url)
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    with pytest.raises(DataFileError, match="does not exist"):
        load_dataset("mnist", data_dir=tmp_path / "m")
    assert calls == []
    with pytest.raises(DataFileError, match="could not download mnist"):
        load_dataset("mnist", data_dir=tmp_path / "m", download=True)
    assert len(calls) == 1


def test_arrays():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2, 3))
    y = np.arange(50) % 5
    d = dataset_from_arrays(x, y, seed=0)
    assert d.n_features == 6 and d.n_classes == 5 and len(d.y_val) == 10
    with pytest.raises(InputError, match="y must have shape"):
        dataset_from_arrays(x, y[:-1])
    with pytest.raises(InputError, match="non-negative integer"):
        dataset_from_arrays(x, y - 1)
    with pytest.raises(InputError, match="NaN"):
        dataset_from_arrays(np.full((4, 2), np.nan), np.zeros(4, int))
