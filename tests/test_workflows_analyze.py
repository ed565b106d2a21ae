"""The ``analyze`` workflow: the CLI's --json payload as a Python object, the recorded seed, bad
input, and the Monte Carlo check of T_c."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spinscope._jsonutil import to_jsonable
from spinscope.cli.main import main
from spinscope.errors import InputError
from spinscope.nn import analyze_network
from spinscope.nn.analysis import random_weights
from spinscope.workflows.network_analysis import analyze, mc_check

FAST = {"n_betas": 20, "tap_starts": 4}


def _jsonable(d):
    return json.loads(json.dumps(to_jsonable(d)))


def test_to_dict_is_the_cli_json(capsys, tmp_path):
    res = analyze(random=(40, 30, 10), seed=5, out=tmp_path / "plots", **FAST)
    assert res.seed == 5 and res.ensemble["sizes"] == [40, 30, 10]
    assert {p.name for p in res.plots} >= {"stability.png", "spectrum.png"}
    assert main(["--seed", "5", "--json", "analyze", "--random", "40,30,10", "--n-betas", "20",
                 "--tap-starts", "4", "--out", str(tmp_path / "cli")]) == 0
    cli = json.loads(capsys.readouterr().out)
    mine = _jsonable(res.to_dict())
    assert [p.rsplit("/", 1)[-1] for p in cli.pop("plots")] == [p.rsplit("/", 1)[-1] for p in mine.pop("plots")]
    for d in (cli, mine):  # wall-clock timings differ between runs
        d.pop("timings")
    assert cli == mine
    assert list(cli)[-2:] == ["ensemble", "seed"]


def test_seed_is_recorded_and_reproduces(capsys):
    a = analyze(random=(30, 20), **FAST)
    assert isinstance(a.seed, int) and 0 <= a.seed < 2**63
    b = analyze(random=(30, 20), seed=a.seed, **FAST)
    assert b.analysis.tc == a.analysis.tc and b.to_dict()["seed"] == a.seed
    assert b.to_dict()["tap"]["free_energies"] == a.to_dict()["tap"]["free_energies"]
    # the CLI records the drawn seed too
    assert main(["--json", "analyze", "--random", "30,20", "--n-betas", "20", "--no-tap"]) == 0
    seed = json.loads(capsys.readouterr().out)["seed"]
    assert isinstance(seed, int)
    again = analyze(random=(30, 20), seed=seed, n_betas=20, tap=False)
    assert main(["--seed", str(seed), "--json", "analyze", "--random", "30,20", "--n-betas", "20", "--no-tap"]) == 0
    assert json.loads(capsys.readouterr().out)["tc"] == again.analysis.tc


def test_weights_file_and_options(tmp_path):
    torch = pytest.importorskip("torch")
    net = torch.nn.Sequential(torch.nn.Linear(30, 20), torch.nn.ReLU(), torch.nn.Linear(20, 4))
    torch.save(net.state_dict(), tmp_path / "w.pt")
    res = analyze(tmp_path / "w.pt", tap=False, spectrum=False, biases=False, betas=np.linspace(0.1, 3, 30), seed=0)
    d = res.to_dict()
    assert d["ensemble"] is None and d["tap"] is None and d["spectrum"] is None
    assert "mc_check" not in d and "plots" not in d and d["layers"] == [30, 20, 4]


@pytest.mark.parametrize("kwargs,match", [
    ({}, "either a WEIGHTS_FILE or --random"),
    ({"weights_file": "x.pt", "random": (3, 2)}, "either a WEIGHTS_FILE or --random"),
    ({"random": (5,)}, "needs at least two widths"),
    ({"random": (5, 3), "tap_beta": -1.0}, "--tap-beta must be a positive"),
    ({"random": (5, 3), "betas": [1.0, 2.0]}, "at least 3"),
    ({"random": (5, 3), "betas": [1.0, -2.0, 3.0]}, "finite and > 0"),
    ({"random": (5, 3), "seed": -1}, "non-negative"),
    ({"random": (5, 3), "init": "uniformish"}, "init must be one of"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        analyze(**kwargs)


@pytest.mark.slow
def test_mc_check_overlap_distribution_narrows_above_tc():
    from spinscope.models import IsingModel

    model = IsingModel.from_layers(random_weights((40, 30, 20), seed=4))
    tc = analyze_network(model, tap=False, spectrum=False).tc
    d = mc_check(model, tc=tc, t_ratios=(0.5, 1.8), n_temps=6, sweeps=1500, seed=1)
    q, below, above = (np.asarray(d[k]) for k in ("q", "p_q_below", "p_q_above"))
    dq = q[1] - q[0]
    # thresholds: above T_c at n = 90 the overlap is Gaussian of width ~ 1/sqrt(n) ≈ 0.1
    assert (above[np.abs(q) < 0.35] * dq).sum() > 0.9
    assert d["q2"][0] > 2 * d["q2"][-1]
    assert (below[np.abs(q) < 0.35] * dq).sum() < (above[np.abs(q) < 0.35] * dq).sum()


def test_mc_check_bad_ratios():
    from spinscope.models import IsingModel

    model = IsingModel.from_layers(random_weights((6, 4), seed=0))
    with pytest.raises(InputError, match="bracket 1"):
        mc_check(model, tc=1.0, t_ratios=(1.2, 2.0))
