"""``spinscope glm``: the user's path, its outputs, and one clear message per bad input."""

from __future__ import annotations

import json

import pytest

from spinscope.cli.main import main


def test_glm_json_reports_the_perceptron_thresholds(capsys):
    assert main(["--seed", "1", "--json", "glm", "--alpha", "0.1:2.5:25"]) == 0
    out = json.loads(capsys.readouterr().out)
    th = out["thresholds"]
    assert abs(th["alpha_it"] - 1.245) < 0.005 and abs(th["alpha_alg"] - 1.493) < 0.005
    assert out["seed"] == 1 and len(out["theory"]["q"]) == 25


def test_glm_run_directory_with_amp_and_exact(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["--seed", "3", "--quiet", "glm", "--alpha", "0.5,2.0", "--N", "200", "--instances", "4",
                 "--amp", "--exact", "--exact-n", "8", "--exact-instances", "3", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "alpha_IT" in text and "GAMP alpha" in text and "exact N=8" in text
    names = {p.name for p in out.iterdir()}
    assert {"config.json", "result.json", "theory.csv", "glm.png", "trace.png", "report.html"} <= names
    res = json.loads((out / "result.json").read_text())
    assert len(res["amp"]) == 2 and len(res["exact"]) == 2 and res["trace"]["alpha"] in (0.5, 2.0)
    html = (out / "report.html").read_text()
    assert "data:image/png;base64" in html and "<section id='thresholds'>" in html


def test_glm_grf_reports_the_all_or_nothing_load(capsys):
    assert main(["--json", "glm", "--channel", "grf", "--covariance", "q**3", "--noise", "0.1",
                 "--alpha", "0.1:1.5:15"]) == 0
    th = json.loads(capsys.readouterr().out)["thresholds"]
    assert th["strictly_nonlinear"] and th["alpha_alg"] is None
    assert abs(th["alpha_it"] - th["all_or_nothing_load"]) < 3e-3


@pytest.mark.parametrize("args,message", [
    (["--alpha", "0:2:5"], "alpha must be > 0"),
    (["--alpha", "1,-2"], "alpha must be > 0"),
    (["--alpha", "abc"], "not a list of loads"),
    (["--N", "1"], "--N"),
    (["--prior", "laplace"], "unknown prior 'laplace'"),
    (["--channel", "tanh"], "unknown channel 'tanh'"),
    (["--channel", "grf", "--covariance", "q - q**3"], "not positive definite"),
    (["--channel", "grf"], "needs a covariance function"),
    (["--covariance", "q**3"], "--covariance applies to --channel grf only"),
    (["--channel", "relu", "--noise", "0"], "noise variance must be > 0"),
    (["--exact", "--exact-n", "24"], "N <= 20"),
    (["--exact", "--prior", "gaussian"], "--prior rademacher"),
    (["--amp", "--channel", "grf", "--covariance", "q**3"], "GAMP needs the GLM form"),
    (["--amp", "--N", "1000000", "--alpha", "2"], "memory is available"),
])
def test_bad_input_exits_2_with_one_message(tmp_path, capsys, args, message):
    out = tmp_path / "run"
    assert main(["glm", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_existing_output_is_not_touched(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["glm", "--alpha", "1", "--out", str(out)]) == 2
    assert "not an empty directory" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_same_seed_same_result_and_the_python_api_mirrors_the_cli(capsys):
    from spinscope.workflows import glm

    args = ["--seed", "5", "--json", "glm", "--alpha", "0.5,1.5", "--N", "100", "--instances", "3", "--amp",
            "--exact", "--exact-n", "6", "--exact-instances", "2"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    for key in ("theory", "amp", "exact", "trace", "thresholds"):
        assert first[key] == second[key]
    api = glm(alphas="0.5,1.5", n=100, instances=3, amp=True, exact=True, exact_n=[6], exact_instances=2,
              seed=5).to_dict()
    assert api["amp"] == first["amp"] and api["exact"] == first["exact"]
