"""The track report as a reader sees it: a narrow summary, no always-empty columns, the touch
criterion in the caption, divergence stated, the shared step-0 curve drawn once."""

from __future__ import annotations

import re

import numpy as np

from spinscope.report.html import render_track_report
from spinscope.report.track_figures import lambda_min, phase_diagram, track_captions

STEPS = [0, 1, 3, 10, 30, 100]


def _rows():
    return [{"network": net, "step": s, "tc": 1.0 + s / 100, "val_error": 0.5, "crossing": "cross" if s >= 10 else "touch",
             "tap_max_overlap": None, "tap_max_eigvec_overlap": 0.5, "tail_exponent": None}
            for net in ("relu", "binary") for s in STEPS]


def _summary(diverged=None):
    s = {"final_accuracy": 0.96, "final_val_error": 0.04, "tc0": 0.788, "replica_tc0": 0.7615,
         "tc0_rel_deviation": 0.035, "tc_final": 2.65, "tc_max": 2.65, "first_hidden_order_step": 223,
         "exponent": 0.307, "exponent_ci": [0.277, 0.332], "power_law_fits": True, "fit_verdict": "ok",
         "diverged": None}
    return {"relu": dict(s, diverged=diverged), "binary": s}


def test_summary_has_one_column_per_network_and_says_when_training_diverged():
    div = {"step": 7, "loss": "nan", "kind": "mini-batch", "limit": 230.0, "lr": 10.0,
           "message": "training diverged at step 7: the mini-batch loss is nan; lower the learning rate (it is 10)"}
    page = render_track_report(config={"seed": 0, "architecture": [64, 128, 128, 10]}, dataset={"name": "digits"},
                               summary=_summary(div), fits={}, rows=_rows(), figures={})
    summary = page[page.index("<section id='summary'>"):page.index("<section id='figures'>")]
    head = re.search(r"<thead>(.*?)</thead>", summary).group(1)
    assert head.count("<th") == 3  # the label column and one per network, however many quantities
    assert "[0.277, 0.332]" in summary and "+3.5%" in summary
    assert "relu: training diverged." in summary and "lower the learning rate" in summary
    metrics = page[page.index("<section id='metrics'>"):]
    table_head = re.search(r"<table><thead>(.*?)</thead>", metrics).group(1)
    assert "tap_max_overlap" not in table_head and "tail_exponent" not in table_head
    assert "tap_max_eigvec_overlap" in table_head
    assert "<code>tap_max_overlap</code> (the largest |cos| between two distinct TAP solutions" in metrics
    assert "<code>tail_exponent</code> (no value in any row)" in metrics


def test_lambda_min_caption_states_the_touch_criterion():
    cap = track_captions({"architecture": [64, 128, 128, 10]})["lambda_min"]
    assert "−4 n^(−2/3)" in cap and "0.0838 for the n = 330 spins of 64-128-128-10" in cap
    assert "same initial weights" in cap and "{window}" not in track_captions({})["lambda_min"]


def _analysis(shift):
    betas = np.linspace(0.1, 2.0, 20)
    return {"betas": betas.tolist(), "lambda_min": ((1 - betas) ** 2 + shift).tolist(),
            "tc": 1.0, "crossing": "touch", "lambda_min_at_tc": shift}


def test_shared_step_zero_curve_is_drawn_once(monkeypatch):
    import spinscope.report.track_figures as tf

    labels = []
    real = tf._curve

    def spy(ax, a, style, color, label):
        labels.append(label)
        real(ax, a, style, color, label)

    monkeypatch.setattr(tf, "_curve", spy)
    same = {net: {0: _analysis(0.05), 100: _analysis(-0.5 - k)} for k, net in enumerate(("relu", "binary"))}
    assert lambda_min(same)[:4] == b"\x89PNG"
    assert labels == ["step 0, every network (same initial weights)", "relu, step 100", "binary, step 100"]
    labels.clear()
    differ = {"relu": {0: _analysis(0.05), 100: _analysis(-0.5)}, "binary": {0: _analysis(0.06), 100: _analysis(-1)}}
    lambda_min(differ)
    assert labels == ["relu, step 0", "relu, step 100", "binary, step 0", "binary, step 100"]


def test_phase_diagram_shades_without_gaps(monkeypatch):
    import spinscope.report.track_figures as tf

    calls = []
    real = tf._shade_regimes

    def spy(ax, t, tc, hidden):
        real(ax, t, tc, hidden)
        calls.append([(c.get_paths()[0].vertices[:, 0].min(), c.get_paths()[0].vertices[:, 0].max())
                      for c in ax.collections])

    monkeypatch.setattr(tf, "_shade_regimes", spy)
    assert phase_diagram(_rows(), 1.0)[:4] == b"\x89PNG"
    for spans in calls:  # two regimes: touching up to the split, crossing from it to the end
        assert len(spans) == 2 and spans[0][0] == 0 and spans[1][1] == STEPS[-1]
        assert spans[0][1] == spans[1][0] == np.sqrt(3 * 10)
