"""``spinscope analyze``: JSON output, plots, weights files, exit status 2 on bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from spinscope.cli.main import main


def _run(capsys, *args):
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_random_json_and_plots(capsys, tmp_path):
    rc, out, err = _run(capsys, "--seed", "3", "--json", "analyze", "--random", "60,40,10", "--n-betas", "30",
                        "--tap-starts", "4", "--out", str(tmp_path / "plots"))
    assert rc == 0, err
    d = json.loads(out)
    assert d["layers"] == [60, 40, 10] and d["crossing"] in ("touch", "cross")
    assert d["ensemble"]["init"] == "torch" and d["ensemble"]["replica_tc"] > 0
    assert (tmp_path / "plots" / "stability.png").is_file()
    rc2, out2, _ = _run(capsys, "--seed", "3", "--json", "analyze", "--random", "60,40,10", "--n-betas", "30",
                        "--tap-starts", "4")
    assert rc2 == 0 and json.loads(out2)["tc"] == d["tc"]  # same seed, same network


def test_weights_file_human_output(capsys, tmp_path):
    net = torch.nn.Sequential(torch.nn.Linear(30, 20), torch.nn.ReLU(), torch.nn.Linear(20, 4))
    torch.save(net.state_dict(), tmp_path / "w.pt")
    rc, out, err = _run(capsys, "analyze", str(tmp_path / "w.pt"), "--no-tap", "--betas", "0.1:3:40")
    assert rc == 0, err
    assert "T_c (TAP stability)" in out and "spectrum:" in out


@pytest.mark.parametrize("make,match", [
    (lambda p: torch.save(torch.nn.Sequential(torch.nn.Linear(3, 2)), p), "weights-only"),
    (lambda p: torch.save({"0.weight": torch.full((2, 3), float("nan"))}, p), "NaN"),
    (lambda p: torch.save({"0.weight": torch.ones(2, 3), "1.weight": torch.ones(2, 5)}, p), "inputs"),
    (lambda p: torch.save({"0.weight": torch.ones(2, 3), "bn.running_mean": torch.ones(2)}, p), "unsupported"),
])
def test_bad_files_exit_2(capsys, tmp_path, make, match):
    make(tmp_path / "bad.pt")
    rc, _, err = _run(capsys, "analyze", str(tmp_path / "bad.pt"))
    assert rc == 2 and match in err and "Traceback" not in err


@pytest.mark.parametrize("args", [
    ["analyze"],
    ["analyze", "x.pt", "--random", "3,2"],
    ["analyze", "--random", "3,a"],
    ["analyze", "--random", "5,3", "--betas", "1,2"],
    ["analyze", "--random", "5,3", "--tap-beta", "-1"],
    ["analyze", "missing-file.safetensors"],
])
def test_bad_arguments_exit_2(capsys, args):
    rc, _, err = _run(capsys, *args)
    assert rc == 2 and "error" in err.lower()


def test_random_inits_differ(capsys):
    res = {}
    for init in ("kaiming", "xavier"):
        rc, out, _ = _run(capsys, "--seed", "1", "--json", "analyze", "--random", "50,50", "--init", init,
                          "--no-tap", "--n-betas", "20")
        assert rc == 0
        res[init] = json.loads(out)["ensemble"]["replica_tc"]
    # kaiming: sigma^2 = 2/50, xavier: 2/100 -> T_c = sqrt(sigma^2 * 50)
    assert np.isclose(res["kaiming"], np.sqrt(2.0)) and np.isclose(res["xavier"], 1.0)


@pytest.mark.slow
def test_mc_check_json(capsys):
    rc, out, err = _run(capsys, "--seed", "2", "--json", "analyze", "--random", "30,20,10", "--mc-check",
                        "--mc-sweeps", "200", "--no-tap", "--n-betas", "20")
    assert rc == 0, err
    mc = json.loads(out)["mc_check"]
    assert len(mc["p_q_below"]) == len(mc["q"]) and mc["temperatures"][0] < mc["tc"] < mc["temperatures"][-1]
