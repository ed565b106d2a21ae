"""``spinscope phases``: bad input (exit 2, one message, nothing written), a tiny end-to-end run, resume."""

import json

import numpy as np
import pytest

from spinscope.cli.main import main
from spinscope.phases import data as dt
from spinscope.workflows._threads import single_threaded

TINY = ["--L", "8", "--T", "1.6:3.0:6", "--samples", "80", "--seeds", "1", "--epochs", "40"]


def _run(capsys, args):
    with single_threaded():  # tiny lattices: thread start-up would dominate on a shared machine
        code = main(list(args))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.mark.parametrize("args,message", [
    (["--model", "heisenberg"], "unknown model 'heisenberg'"),
    (["--model", "potts", "--q", "1"], "needs q >= 2"),
    (["--L", "2"], "L must be even and >= 4"),
    (["--L", "9"], "L must be even and >= 4"),
    (["--T", "2.5:3.0:5"], "does not straddle the transition"),
    (["--T", "1.0:2.0:5"], "does not straddle the transition"),
    (["--method", "magic"], "unknown method"),
    (["--model", "potts", "--input", "spins"], "Ising model only"),
])
def test_bad_input_exit_2_and_nothing_written(tmp_path, capsys, args, message):
    out = tmp_path / "run"
    code, _, err = _run(capsys, ["phases", *args, "--out", str(out)])
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_corrupted_stored_data_is_refused_before_writing(tmp_path, capsys):
    data = tmp_path / "store"
    data.mkdir()
    T = np.linspace(1.6, 3.0, 6)
    name = dt.data_file_name("ising", None, 8, T, 80, 0)
    (data / name).write_bytes(b"PK\x03\x04 this is not a complete npz")
    out = tmp_path / "run"
    code, _, err = _run(capsys, ["--seed", "0", "phases", *TINY, "--data-dir", str(data), "--out", str(out)])
    assert code == 2
    assert "damaged or incomplete" in err and name in err and "delete" in err
    assert not out.exists()


def test_end_to_end_tiny_run_and_resume(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = _run(capsys, ["--seed", "3", "--json", "phases", *TINY, "--out", str(out)])
    assert code == 0, err
    res = json.loads(stdout)
    assert res["config"]["seed"] == 3 and res["config"]["L"] == [8]
    assert res["per_L"][0]["epochs"] == 40                 # --epochs as given
    assert res["estimates"]["reference"] == [pytest.approx(dt.ONSAGER)]
    for f in ("config.json", "result.json", "outputs.csv", "crossings.csv", "report.html", "outputs.png",
              "networks/ising-L8-spins-fc-seed0.safetensors"):
        assert (out / f).is_file(), f
    assert len(list((out / "data").glob("*.npz"))) == 1
    # resume: the stored data set and network are reused; the same outputs come back
    code, stdout2, err = _run(capsys, ["--seed", "3", "--json", "phases", *TINY, "--resume", str(out)])
    assert code == 0, err
    again = json.loads(stdout2)
    assert again["files"]["reused"] and not again["files"]["generated"]
    assert again["per_L"] == res["per_L"]
    assert np.isfinite(res["per_L"][0]["T_star"])
    # a different configuration cannot resume it
    code, _, err = _run(capsys, ["--seed", "3", "phases", *TINY[:-1], "3", "--resume", str(out)])
    assert code == 2 and "another configuration" in err


def test_pca_and_confusion_tiny(tmp_path, capsys):
    store = tmp_path / "store"
    store.mkdir()
    code, stdout, err = _run(capsys, ["--seed", "1", "--json", "phases", "--method", "pca", *TINY,
                                      "--data-dir", str(store), "--out", str(tmp_path / "p")])
    assert code == 0, err
    assert -1 <= json.loads(stdout)["estimates"]["correlation"] <= 1
    assert (tmp_path / "p" / "pca.png").is_file()
    code, stdout, err = _run(capsys, ["--seed", "1", "--json", "phases", "--method", "confusion", *TINY[:-1], "4",
                                      "--data-dir", str(store), "--out", str(tmp_path / "c")])
    assert code == 0, err
    assert json.loads(stdout)["files"]["reused"]          # the data set is shared between runs
    c = json.loads(stdout)["per_L"][0]
    assert len(c["accuracy"]) == 7 and c["accuracy"][0] == 1.0 and c["accuracy"][-1] == 1.0
    assert (tmp_path / "c" / "confusion.csv").is_file()
