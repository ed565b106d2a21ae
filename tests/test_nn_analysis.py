"""analyze_network: random ensemble vs trained-like (planted) networks; JSON output.

The figures are tested in test_report_figures.py, the Monte Carlo check in test_workflows_analyze.py."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spinscope.errors import InputError
from spinscope.meanfield import layered_tc
from spinscope.nn import analyze_network
from spinscope.nn.analysis import init_variance, random_weights

SIZES = (300, 150, 150, 10)


def test_random_network_touches_near_replica_tc():
    ws = random_weights(SIZES, init="torch", seed=1)
    r = analyze_network(ws, seed=0, n_betas=60, tap_starts=8)
    assert r.crossing == "touch"
    # finite-size threshold at n = 610: 6%
    assert abs(r.tc / layered_tc(SIZES, init_variance(SIZES)) - 1) < 0.06
    assert abs(r.replica_tc / layered_tc(SIZES, init_variance(SIZES)) - 1) < 0.03
    assert r.spectrum["n_outliers"] == 0
    d = json.loads(json.dumps(r.to_dict()))
    assert d["tc"] == r.tc and len(d["lambda_min"]) == len(d["betas"]) >= 60
    assert d["tap"]["n_starts"] == 8


def test_planted_network_crosses_and_tap_aligns_with_top_eigenvector():
    rng = np.random.default_rng(0)
    ws = random_weights(SIZES, seed=2)
    xi = [rng.choice([-1.0, 1.0], s) for s in SIZES]
    ws = [w + 2.5 * np.outer(xi[k], xi[k + 1]) / np.sqrt(SIZES[k] * SIZES[k + 1]) for k, w in enumerate(ws)]
    r = analyze_network(ws, seed=0, n_betas=60, tap_starts=16)
    assert r.crossing == "cross" and r.tc > 1.3 * r.replica_tc
    assert r.spectrum["n_outliers"] >= 1
    assert r.tap["n_valid"] >= 1 and r.tap["max_eigvec_overlap"] > 0.9


def test_options_and_bad_input():
    ws = random_weights((30, 20, 5), seed=3, init="kaiming")
    r = analyze_network(ws, tap=False, spectrum=False, betas=np.linspace(0.1, 3, 30))
    assert r.tap is None and r.spectrum is None and r.betas.size >= 30
    with pytest.raises(InputError):
        init_variance((10, 5), "uniformish")
    with pytest.raises(InputError):
        analyze_network(ws, tap_starts=0)
    with pytest.raises(InputError):
        analyze_network(ws, tap_beta=-1.0)
