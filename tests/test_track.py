"""End to end: a tiny `track` run, its run directory, the report's structure, exact resume."""

from __future__ import annotations

import base64
import json
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from spinscope.errors import InputError, ResumeError
from spinscope.nn.data import dataset_from_arrays, load_dataset
from spinscope.workflows.tracking import track

TINY = {"architecture": (64, 16, 16, 10), "epochs": 2, "checkpoints": 5, "batch_size": 32, "lr": 1e-3,
        "n_betas": 24, "tap_starts": 4, "seed": 3, "workers": 0}


@pytest.fixture(scope="module")
def tiny_data():
    d = load_dataset("digits", seed=0)
    return dataset_from_arrays(d.x_train[:256], d.y_train[:256], x_val=d.x_val[:96], y_val=d.y_val[:96],
                               name="digits-subset")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_data):
    out = tmp_path_factory.mktemp("track") / "run"
    return track(dataset=tiny_data, out=out, **TINY)


class _Report(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.imgs, self.external, self.captions, self.tables = [], [], [], 0, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.sections.append(a.get("id"))
        if tag == "img":
            self.imgs.append(a.get("src", ""))
        if tag == "figcaption":
            self.captions += 1
        if tag == "table":
            self.tables += 1
        for key in ("src", "href"):
            if key in a and not str(a[key]).startswith(("data:", "#")):
                self.external.append(a[key])


def test_run_directory_content(tiny_run):
    p = tiny_run.run_dir
    for name in ("config.json", "dataset.json", "metrics.csv", "fits.json", "summary.json", "report.html"):
        assert (p / name).is_file(), name
    cfg = json.loads((p / "config.json").read_text())
    assert cfg["command"] == "track" and cfg["config"]["architecture"] == [64, 16, 16, 10]
    df = pd.read_csv(p / "metrics.csv")
    assert list(df.groupby("network").size().items()) == [("binary", 5), ("relu", 5)]
    for col in ("step", "epoch", "train_loss", "val_error", "tc", "lambda_min_at_tc", "crossing", "replica_tc",
                "n_outliers", "tail_exponent", "n_tap_solutions"):
        assert col in df.columns, col
    assert df.groupby("network")["step"].first().eq(0).all()
    assert df["tc"].notna().all() and (df["tc"] > 0).all()
    for net in ("relu", "binary"):
        assert len(list((p / "checkpoints" / net).glob("step_*.safetensors"))) == 5
        assert len(list((p / "analysis" / net).glob("step_*.json"))) == 5
    assert sorted(f.name for f in (p / "figures").iterdir()) == sorted(
        f"{n}.png" for n in ("phase_diagram", "val_error", "lambda_min", "tc_loglog", "spectrum", "tap_landscape"))
    s = json.loads((p / "summary.json").read_text())
    assert set(s) == {"relu", "binary"}
    assert 0 <= s["relu"]["final_accuracy"] <= 1 and s["relu"]["tc0"] == df["tc"].iloc[0]
    assert tiny_run.to_dict()["summary"]["relu"]["tc0"] == s["relu"]["tc0"]


def test_tap_count_at_fixed_temperatures_of_the_untrained_network(tiny_run):
    """Every checkpoint of every network is counted at f * T_c(0), f = 0.5, 0.01 and 0 by default."""
    df = pd.read_csv(tiny_run.run_dir / "metrics.csv")
    tc0 = df["tc"].iloc[0]
    for f in (0.5, 0.01, 0.0):
        sfx = f"_{f:g}Tc0"
        np.testing.assert_allclose(df[f"tap_count_T{sfx}"], f * tc0, rtol=1e-12)
        assert (df[f"n_tap_physical{sfx}"] >= 0).all()
        assert (df[f"tap_estimated_total{sfx}"] >= df[f"n_tap_physical{sfx}"]).all()
    s = json.loads((tiny_run.run_dir / "summary.json").read_text())
    assert set(s["relu"]["tap_count"]) == {"0.5Tc0", "0.01Tc0", "0Tc0"}
    assert (df["n_tap_physical_0Tc0"] >= 1).all()          # quenching always ends in a stable state
    assert s["relu"]["tap_count"]["0.01Tc0"]["step0"] == df["n_tap_physical_0.01Tc0"].iloc[0]


def test_report_structure(tiny_run):
    parser = _Report()
    parser.feed(tiny_run.report.read_text())
    assert parser.sections == ["run", "summary", "figures", "fit", "metrics"]
    assert len(parser.imgs) == 6 and parser.captions == 6
    for src in parser.imgs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert parser.external == []
    assert parser.tables >= 4


def test_resume_after_interruption_gives_same_metrics(tmp_path, tiny_data, tiny_run):
    out = tmp_path / "cut"

    def interrupt(event, net, done, total):
        if event == "train" and net == "binary" and done >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        track(dataset=tiny_data, out=out, progress=interrupt, **TINY)
    assert not (out / "metrics.csv").exists()
    assert (out / "checkpoints" / "binary").is_dir()
    track(dataset=tiny_data, resume=out, **TINY)
    a = pd.read_csv(out / "metrics.csv")
    b = pd.read_csv(tiny_run.run_dir / "metrics.csv")
    pd.testing.assert_frame_equal(a, b)


def test_parallel_workers_match_serial(tmp_path, tiny_data, tiny_run):
    res = track(dataset=tiny_data, out=tmp_path / "par", **{**TINY, "workers": 2, "activations": ("relu",)})
    a = res.to_pandas()
    b = tiny_run.to_pandas()
    b = b[b["network"] == "relu"].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_bad_input_leaves_earlier_results_untouched(tmp_path, tiny_data, tiny_run):
    before = (tiny_run.run_dir / "metrics.csv").read_bytes()
    with pytest.raises(InputError, match="already exists and is not empty"):
        track(dataset=tiny_data, out=tiny_run.run_dir, **TINY)
    with pytest.raises(ResumeError, match="epochs"):
        track(dataset=tiny_data, resume=tiny_run.run_dir, **{**TINY, "epochs": 3})
    assert (tiny_run.run_dir / "metrics.csv").read_bytes() == before
    with pytest.raises(InputError, match="64 pixels"):
        track(dataset=tiny_data, out=tmp_path / "x", **{**TINY, "architecture": (100, 10, 10)})
    with pytest.raises(InputError, match="3 pixels"):  # (X, y) arrays are accepted and checked
        track(dataset=(np.zeros((40, 3)), np.arange(40) % 10), out=tmp_path / "z", **TINY)
    with pytest.raises(InputError, match="activations"):
        track(dataset=tiny_data, out=tmp_path / "y", **{**TINY, "activations": ("tanh",)})
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot write"):
        track(dataset=tiny_data, out=blocker / "sub", **TINY)
    assert not np.isnan(pd.read_csv(tiny_run.run_dir / "metrics.csv")["tc"]).any()
