"""The ``track`` workflow's option handling: resume fills unspecified options from config.json;
the CLI's --json payload is ``TrackResult.to_summary()``. (The runs themselves: test_track.py.)"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from spinscope.errors import InputError, ResumeError
from spinscope.io import RunDirectory
from spinscope.nn.track_fit import PowerLawFit
from spinscope.workflows.tracking import RESUMABLE, TrackResult, track, track_options_from_run

STORED = {"dataset": "digits", "n_train": 256, "n_val": 96, "architecture": [64, 16, 10],
          "activations": ["relu"], "optimizer": "sgd", "lr": 0.001, "batch_size": 16, "epochs": 2,
          "checkpoints": 5, "init_scale": 0.5, "n_betas": 24, "tap_starts": 4, "seed": 9, "device": "cpu"}


def _run(tmp_path, **changes) -> Path:
    return RunDirectory.create(tmp_path / "run", command="track", config={**STORED, **changes}).path


def test_unspecified_options_come_from_the_stored_run(tmp_path):
    run = _run(tmp_path)
    opts = track_options_from_run(run)
    assert opts == {**{k: STORED[k] for k in RESUMABLE if k not in ("activations", "tap_count_at")},
                    "activations": ("relu",), "tap_count_at": (), "dataset": "digits"}  # made before the count
    assert set(opts) <= set(inspect.signature(track).parameters)  # track(**opts, resume=run) works
    given = {"epochs": 3, "activations": ("relu", "binary"), "dataset": "mnist"}
    assert track_options_from_run(run, given) == {**opts, **given}


def test_stored_tap_count_temperatures_are_resumed(tmp_path):
    assert track_options_from_run(_run(tmp_path, tap_count_at=[0.5, 0.01]))["tap_count_at"] == (0.5, 0.01)


def test_dataset_files_must_be_given_again(tmp_path):
    run = _run(tmp_path, dataset="my-images")
    with pytest.raises(InputError, match="give the dataset path again"):
        track_options_from_run(run)
    assert track_options_from_run(run, {"dataset": "data/my-images.npz"})["dataset"] == "data/my-images.npz"


def test_not_a_track_run(tmp_path):
    with pytest.raises(ResumeError, match=r"no config\.json"):
        track_options_from_run(tmp_path / "nothing")
    other = RunDirectory.create(tmp_path / "sim", command="simulate", config={}).path
    with pytest.raises(ResumeError, match="'simulate' run"):
        track_options_from_run(other)


def test_resumed_settings_must_agree(tmp_path):
    run = _run(tmp_path)
    with pytest.raises(ResumeError, match="epochs"):
        track(**track_options_from_run(run, {"epochs": 3}), resume=run, workers=0)
    with pytest.raises(InputError, match="not both"):
        track(**track_options_from_run(run), resume=run, out=tmp_path / "new", workers=0)


def test_to_summary_is_the_cli_payload(tmp_path):
    fit = PowerLawFit(exponent=0.3, exponent_ci=(0.2, 0.4), amplitude=1.0, r2=0.95, curvature=0.0,
                      curvature_ci=(-0.1, 0.1), steps=[1, 10], values=[1.0, 2.0], residuals=[0.0, 0.0],
                      n_dropped=0, fits=True, verdict="ok")
    summary = {"final_accuracy": 0.9, "final_val_error": 0.1, "tc0": 0.8, "replica_tc0": 0.78,
               "tc0_rel_deviation": 0.02, "tc_final": 2.0, "tc_max": 2.1, "first_hidden_order_step": 3,
               "exponent": 0.3, "exponent_ci": [0.2, 0.4], "power_law_fits": True, "fit_verdict": "ok"}
    res = TrackResult(tmp_path, {"seed": 4}, [], {"relu": fit}, {"relu": summary}, tmp_path / "report.html")
    out = res.to_summary()
    assert out == {"run_dir": str(tmp_path), "report": str(tmp_path / "report.html"), "seed": 4,
                   "networks": {"relu": {**{k: summary[k] for k in (
                       "final_accuracy", "tc0", "replica_tc0", "tc0_rel_deviation", "tc_final",
                       "first_hidden_order_step", "exponent", "exponent_ci", "power_law_fits")},
                       "diverged": None}}}
    assert list(out["networks"]["relu"]) == ["final_accuracy", "tc0", "replica_tc0", "tc0_rel_deviation",
                                             "tc_final", "first_hidden_order_step", "exponent",
                                             "exponent_ci", "power_law_fits", "diverged"]
    # a diverged network carries where and how (the key is always there: None when training went well)
    summary["diverged"] = {"step": 7, "loss": "nan", "kind": "mini-batch", "limit": 230.0, "lr": 10.0,
                           "message": "training diverged at step 7"}
    assert res.to_summary()["networks"]["relu"]["diverged"] == summary["diverged"]
    assert res.diverged == {"relu": summary["diverged"]}


def test_download_only_for_mnist(tmp_path):
    with pytest.raises(InputError, match="--download applies to"):
        track(dataset="digits", download=True, out=tmp_path / "x", workers=0)
