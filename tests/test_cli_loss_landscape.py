"""``spinscope landscape`` without a sub-command: small runs end to end, --resume, bad input."""

from __future__ import annotations

import json

import pytest

from spinscope.cli.main import main
from spinscope.workflows import landscape_protocols


def run(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_pspin_protocol_json_report_and_resume(capsys, tmp_path):
    out = tmp_path / "run"
    rc, stdout, _ = run(capsys, "--json", "--seed", 2, "landscape", "--protocol", "pspin", "--p", 3, "--N", 40,
                        "--out", out)
    assert rc == 0
    res = json.loads(stdout)
    s = res["protocols"]["pspin"]
    assert res["seed"] == 2 and s["N"] == 40 and s["E_inf"] == pytest.approx(-1.63299, abs=1e-5)
    assert s["minima"] >= 16 and s["index_deviation_max"] < 0.1
    names = sorted(p.name for p in out.iterdir())
    assert names == ["config.json", "pspin.json", "pspin.png", "pspin_critical_points.csv", "report.html",
                     "summary.json"]
    assert "data:image/png;base64" in (out / "report.html").read_text()
    before = (out / "pspin.json").read_bytes()
    rc, stdout, _ = run(capsys, "--json", "landscape", "--resume", out)
    assert rc == 0 and json.loads(stdout)["protocols"] == res["protocols"]
    assert (out / "pspin.json").read_bytes() == before
    # a new run into the same directory is refused
    rc, _, err = run(capsys, "landscape", "--protocol", "pspin", "--N", 10, "--out", out)
    assert rc == 2 and "not empty" in err


def test_p2_minima_are_ground_states(tmp_path):
    res = landscape_protocols("pspin", p=2, N=30, out=tmp_path / "r", seed=1)
    s = res.summaries["pspin"]
    assert s["minima"] >= 16 and s["minima_at_ground_state"] == s["minima"]


def test_interpolate_protocol_small(capsys, tmp_path):
    out = tmp_path / "run"
    rc, stdout, _ = run(capsys, "--json", "--seed", 1, "landscape", "--protocol", "interpolate", "--width", 8,
                        "--nets", 4, "--steps", 150, "--out", out)
    assert rc == 0
    s = json.loads(stdout)["protocols"]["interpolate"]
    assert s["self_copy_exact"] and s["self_copy_barrier_after"] == pytest.approx(0.0, abs=1e-6)
    assert s["self_copy_overlap_after"] == pytest.approx(1.0)
    assert (out / "nets" / "main.safetensors").exists() and (out / "barriers.png").exists()
    # an interrupted run (protocol result and trained networks lost) continues to the same numbers
    (out / "interpolate.json").unlink()
    (out / "nets" / "main.safetensors").unlink()
    rc, again, _ = run(capsys, "--json", "landscape", "--resume", out)
    assert rc == 0 and json.loads(again)["protocols"]["interpolate"] == s


def test_existing_subcommands_still_work(capsys):
    rc, stdout, _ = run(capsys, "landscape", "study", "--help")
    assert rc == 0 and "Exhaustive landscapes" in stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--width", 0], "--width (hidden units) must be an integer >= 1"),
    (["--width", -3], "--width (hidden units) must be an integer >= 1"),
    (["--protocol", "cluster", "--nets", 2], "--nets (networks per ensemble) must be an integer >= 3"),
    (["--protocol", "pspin", "--p", 1], "--p must be an integer >= 2"),
    (["--protocol", "pspin", "--N", 100000], "needs about"),
    (["--protocol", "walk", "--width", 10**9], "needs about"),
])
def test_bad_input_exits_2_and_writes_nothing(capsys, tmp_path, args, message):
    out = tmp_path / "run"
    rc, _, err = run(capsys, "landscape", *args, "--out", out)
    assert rc == 2 and message in err and "Traceback" not in err
    assert not out.exists()


def test_dataset_that_is_not_idx(capsys, tmp_path):
    bad = tmp_path / "data.txt"
    bad.write_text("not an IDX file")
    empty = tmp_path / "empty"
    empty.mkdir()
    for path, message in ((bad, "neither an .npz file nor a directory of IDX files"), (empty, "IDX")):
        out = tmp_path / "run"
        rc, _, err = run(capsys, "landscape", "--protocol", "walk", "--dataset", path, "--out", out)
        assert rc == 2 and message in err and "Traceback" not in err
        assert not out.exists()


def _write_idx(path, array):
    import struct

    import numpy as np

    a = np.asarray(array, dtype=np.uint8)
    path.write_bytes(bytes([0, 0, 0x08, a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape) + a.tobytes())


def test_directory_of_idx_files(capsys, tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    data = tmp_path / "idx"
    data.mkdir()
    for stem, n in (("train", 120), ("t10k", 40)):
        y = rng.integers(0, 3, n)
        x = (rng.random((n, 6, 6)) * 60 + 60 * y[:, None, None]).astype(np.uint8)
        _write_idx(data / f"{stem}-images-idx3-ubyte", x)
        _write_idx(data / f"{stem}-labels-idx1-ubyte", y)
    out = tmp_path / "run"
    rc, stdout, _ = run(capsys, "--json", "--seed", 0, "landscape", "--protocol", "walk", "--dataset", data,
                        "--width", 6, "--nets", 2, "--steps", 50, "--out", out)
    assert rc == 0
    s = json.loads(stdout)["protocols"]["walk"]
    assert s["hessian_doubled_fraction"] > 0 and len(s["top_eigenvalues"]) == 10
    assert (out / "walk_curves.png").exists()
