"""``spinscope sd data|train|run|compare``: the pipeline at small sizes, exact resume, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spinscope.cli.main import main
from spinscope.workflows.sd_dynamics import sd_run


def _run(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """A tiny data set (2 systems of n = 100) and a model trained for 3 epochs, through the CLI."""
    base = tmp_path_factory.mktemp("sd")
    rc = main(["--seed", "1", "--quiet", "--json", "sd", "data", "--out", str(base / "data"), "--n", "100",
               "--systems", "2", "--random", "3", "--quench", "1", "--quench-steps", "20", "--every", "10"])
    assert rc == 0
    rc = main(["--seed", "2", "--quiet", "--json", "sd", "train", str(base / "data"), "--out", str(base / "train"),
               "--epochs", "3", "--hidden", "8"])
    assert rc == 0
    return base


def test_data_and_train_outputs(pipeline):
    d = json.loads((pipeline / "data" / "data.json").read_text())
    assert [s["configurations"] for s in d["systems"]] == [5, 5]
    t = json.loads((pipeline / "train" / "train.json").read_text())
    assert np.isfinite(t["test"]["r2"]) and t["test"]["configurations"] == 2
    for name in ("model.safetensors", "history.csv", "parity.png", "report.html"):
        assert (pipeline / "train" / name).is_file()
    assert "data:image/png;base64" in (pipeline / "train" / "report.html").read_text()


def test_train_continues_from_a_model_file(pipeline, tmp_path, capsys):
    rc, out, err = _run(capsys, "--seed", "2", "--quiet", "--json", "sd", "train", pipeline / "data", "--out",
                        tmp_path / "t2", "--epochs", "1", "--init", pipeline / "train" / "model.safetensors")
    assert rc == 0, err
    d = json.loads(out)
    assert d["config"]["hidden"] == [8] and d["config"]["init"].endswith("model.safetensors")


def test_data_resume_recomputes_missing_system_identically(pipeline, tmp_path, capsys):
    import shutil

    shutil.copytree(pipeline / "data", tmp_path / "d")
    (tmp_path / "d" / "system_001.safetensors").unlink()
    rc, _, err = _run(capsys, "--quiet", "--json", "sd", "data", "--resume", tmp_path / "d")
    assert rc == 0, err
    from safetensors.numpy import load_file

    a = load_file(pipeline / "data" / "system_001.safetensors")
    b = load_file(tmp_path / "d" / "system_001.safetensors")
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_run_learned_and_compare(pipeline, tmp_path, capsys):
    model = pipeline / "train" / "model.safetensors"
    rc, out, err = _run(capsys, "--seed", "3", "--json", "--quiet", "sd", "run", "--fields", "learned", "--model",
                        model, "--n", "100", "--steps", "20", "--out", tmp_path / "run")
    assert rc == 0, err
    d = json.loads(out)
    assert d["summary"]["max_norm_error"] < 1e-12 and (tmp_path / "run" / "report.html").is_file()
    rc, out, err = _run(capsys, "--seed", "4", "--json", "--quiet", "sd", "compare", "--model", model, "--n", "100",
                        "--realisations", "2", "--steps", "10", "--every", "5", "--out", tmp_path / "cmp")
    assert rc == 0, err
    d = json.loads(out)
    assert d["parity"]["configurations"] == 4 and len(d["realisations"]) == 2
    assert (tmp_path / "cmp" / "relaxation.png").is_file() and (tmp_path / "cmp" / "compare.csv").is_file()


def test_run_resume_is_bit_identical(tmp_path):
    kw = {"n": 100, "steps": 30, "every": 10, "dt": 0.05, "temperature": 0.05, "seed": 5}
    full = sd_run(tmp_path / "a", **kw)

    def stop(done, total):
        if done >= 15:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sd_run(tmp_path / "b", progress=stop, **kw)
    resumed = sd_run(resume=tmp_path / "b")
    assert (tmp_path / "b" / "final_spins.csv").read_text() == (tmp_path / "a" / "final_spins.csv").read_text()
    assert resumed.summary == full.summary


# ------------------------------------------------------------------------ bad input: exit 2, nothing written
def _refused(capsys, tmp_path, args, message):
    out_dir = tmp_path / "out"
    rc, _, err = _run(capsys, "sd", *args, "--out", out_dir)
    assert rc == 2
    assert message in err and "Traceback" not in err
    assert not out_dir.exists()


def test_spins_not_of_unit_norm_refused(capsys, tmp_path):
    s = np.random.default_rng(0).standard_normal((100, 3))
    np.savetxt(tmp_path / "s.csv", s, delimiter=",")
    _refused(capsys, tmp_path, ["run", "--n", "100", "--spins", tmp_path / "s.csv"], "not of unit length")


def test_overlapping_positions_refused(capsys, tmp_path):
    pos = np.random.default_rng(0).random((100, 3)) * 4.64
    pos[7] = pos[3] + 1e-3
    np.save(tmp_path / "p.npy", pos)
    _refused(capsys, tmp_path, ["run", "--positions", tmp_path / "p.npy"], "overlap")


def test_cutoff_larger_than_half_box_refused(capsys, tmp_path):
    _refused(capsys, tmp_path, ["run", "--n", "20"], "larger than half the box")
    _refused(capsys, tmp_path, ["data", "--n", "100", "--hopping-cutoff", "3"], "larger than half the box")


def test_model_not_matching_the_system_refused(pipeline, capsys, tmp_path):
    model = pipeline / "train" / "model.safetensors"
    _refused(capsys, tmp_path, ["run", "--fields", "learned", "--model", model, "--J", "1.0"],
             "trained for another s-d system")
    _refused(capsys, tmp_path, ["run", "--fields", "learned", "--model", model, "--n", "40"],
             "descriptor settings do not match the system")
    _refused(capsys, tmp_path, ["compare", "--model", model, "--n", "40"], "descriptor settings do not match")
    (tmp_path / "junk.safetensors").write_bytes(b"not a model")
    _refused(capsys, tmp_path, ["run", "--fields", "learned", "--model", tmp_path / "junk.safetensors"],
             "cannot read model file")
    _refused(capsys, tmp_path, ["train", pipeline / "data", "--radial-cutoff", "2.5"], "larger than half the box")


@pytest.mark.slow
def test_model_learns_the_fields(tmp_path):
    """Held-out quench frames: R² > 0.2 after 60 epochs on 2 small training systems of N = 100
    (measured 0.32 at this seed; the full run reaches 0.92, docs/spindynamics.md). A constant
    prediction gives R² <= 0, and the same training stopped at 30 epochs gave R² = -2.0, so the check
    sees a model that has not learned. About 7 min on the loaded machine."""
    from spinscope.workflows.sd_study import sd_data, sd_train

    sd_data(tmp_path / "d", n=100, systems=3, random=10, quench=2, quench_steps=100, every=5, seed=11)
    res = sd_train(tmp_path / "d", tmp_path / "t", epochs=60, seed=12)
    assert res.test["r2"] > 0.2
