"""Model files whose header disagrees with their arrays, or that are not model files at all:
one clear ``ModelFileError`` naming the file, before anything is built."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import spinscope as ss
from spinscope.errors import MemoryLimitError, ModelFileError


def _rewrite(src, dst, header=None, arrays=None, drop=()):
    with np.load(src) as z:
        data = {k: z[k] for k in z.files}
    h = json.loads(str(data["header"]))
    h.update(header or {})
    data["header"] = np.array(json.dumps(h))
    data.update(arrays or {})
    for k in drop:
        data.pop(k, None)
    np.savez(dst, **data)
    return dst


@pytest.fixture
def files(tmp_path):
    g = ss.hypercubic((4, 4))
    return {
        "lattice": ss.save_model(tmp_path / "lat.npz", ss.IsingModel.from_graph(g, h=0.1)),
        "sk": ss.save_model(tmp_path / "sk.npz", ss.sk(16, seed=1)),
        "potts": ss.save_model(tmp_path / "potts.npz", ss.PottsModel(3, g.adjacency(), np.ones((16, 3)), graph=g)),
    }


@pytest.mark.parametrize(("base", "header", "arrays", "drop", "match"), [
    ("sk", {"n": 1000}, None, (), r"says n = 1000, but J has shape \(16, 16\)"),
    ("lattice", {"n": 1000}, None, (), r"says n = 1000, but h has shape \(16,\)"),
    ("lattice", {"n": 1000}, None, ("h",), r"says n = 1000, but the graph's shape is \[4, 4\]"),
    ("lattice", {"n": 10}, None, ("h",), r"coupling indices run from 0 to 15"),
    ("potts", {"q": 4}, None, (), r"says q = 4, but h has shape \(16, 3\)"),
    ("lattice", {"graph": {"kind": "hypercubic", "shape": [5, 5], "periodic": True}}, None, (), "shape is"),
    ("lattice", None, {"graph_edges": np.array([[0, 1], [1, 2]])}, (), r"coupling \(0, 3\) is not an edge"),
    ("lattice", None, {"graph_edges": np.array([[0, 99]])}, (), "graph_edges must be"),
    ("lattice", None, None, ("graph_edges",), "no 'graph_edges' array"),
    ("lattice", {"graph": {"kind": "moebius"}}, None, (), "header 'graph' must say kind"),
    ("sk", {"layers": [3, 4]}, None, (), r"layer sizes are \[3, 4\]"),
    ("sk", {"n": "16"}, None, (), "header 'n' must be an integer"),
    ("sk", {"kind": "heisenberg"}, None, (), "unknown model kind 'heisenberg'"),
    ("sk", {"storage": "csc"}, None, (), "'storage' must be"),
    ("sk", None, None, ("J",), "no 'J' array"),
    ("sk", None, {"J": np.array(["a", "b"])}, (), "'J' must be a 2-D numeric array"),
    ("lattice", None, {"J_row": np.array([0.5, 1.5])}, (), "J_row, J_col"),
])
def test_header_is_checked_against_the_arrays(files, tmp_path, base, header, arrays, drop, match):
    bad = _rewrite(files[base], tmp_path / "bad.npz", header, arrays, drop)
    with pytest.raises(ModelFileError, match=match) as info:
        ss.load_model(bad)
    assert str(bad) in str(info.value)


def test_not_model_files(tmp_path, files):
    cases = {"empty.npz": b"", "garbage.npz": bytes(range(256)) * 8,
             "truncated.npz": files["sk"].read_bytes()[:300], "text.npz": b"n = 16\n"}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ModelFileError, match=re.escape(name)) as info:
            ss.load_model(tmp_path / name)
        assert "allow_pickle" not in str(info.value)
    np.save(tmp_path / "one.npy", np.ones(3))
    (tmp_path / "one.npy").rename(tmp_path / "one.npz")
    with pytest.raises(ModelFileError, match="single numpy array"):
        ss.load_model(tmp_path / "one.npz")
    np.savez(tmp_path / "list.npz", header=np.array("[1, 2]"))
    with pytest.raises(ModelFileError, match="not a spinscope model file"):
        ss.load_model(tmp_path / "list.npz")
    corrupt = bytearray(files["sk"].read_bytes())
    corrupt[len(corrupt) // 2: len(corrupt) // 2 + 40] = b"\0" * 40
    (tmp_path / "crc.npz").write_bytes(bytes(corrupt))
    with pytest.raises(ModelFileError, match=r"crc\.npz"):
        ss.load_model(tmp_path / "crc.npz")


def test_absurd_header_n_is_refused_before_allocating(files, tmp_path, monkeypatch):
    bad = _rewrite(files["lattice"], tmp_path / "huge.npz", {"n": 10**15, "graph": None},
                   drop=("h", "graph_edges"))
    with pytest.raises(MemoryLimitError, match="n = 1000000000000000 in its header"):
        ss.load_model(bad)
    # the unpacked size of the archive is checked before it is read
    monkeypatch.setattr("spinscope._validation.available_memory_bytes", lambda: 1000)
    with pytest.raises(MemoryLimitError, match="reading the model file"):
        ss.load_model(files["sk"])


def test_valid_files_still_load(files):
    for p in files.values():
        m = ss.load_model(p)
        assert m.n == 16
