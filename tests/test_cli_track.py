"""`spinscope track` on the command line: JSON summary, resume, bad input -> exit status 2."""

from __future__ import annotations

import json

import pytest

from spinscope.cli.main import main

TINY = ["track", "--architecture", "64,12,10", "--epochs", "1", "--checkpoints", "3", "--lr", "1e-3",
        "--activation", "relu", "--workers", "0"]


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    return out


def test_json_summary_and_resume(cli_run, capsys):
    assert main(["--seed", "2", "--json", *TINY, "--out", str(cli_run)]) == 0
    cap = capsys.readouterr()
    res = json.loads(cap.out)
    assert res["seed"] == 2 and set(res["networks"]) == {"relu"}
    net = res["networks"]["relu"]
    for key in ("final_accuracy", "tc0", "tc_final", "exponent", "exponent_ci", "replica_tc0"):
        assert key in net
    assert net["tc0"] > 0 and 0 <= net["final_accuracy"] <= 1
    assert (cli_run / "report.html").is_file()
    # resuming a finished run with no flags re-uses the stored configuration and seed
    assert main(["--json", "track", "--resume", str(cli_run), "--workers", "0"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["networks"] == res["networks"]


def test_bad_input_exit_2_without_traceback(cli_run, tmp_path, capsys):
    cases = [
        ([*TINY, "--architecture", "100,10,10", "--out", str(tmp_path / "a")], "64 pixels"),
        ([*TINY, "--out", str(cli_run)], "not empty"),
        (["track", "--resume", str(cli_run), "--epochs", "5", "--workers", "0"], "epochs"),
        (["track", "--resume", str(tmp_path / "nothing")], "no config.json"),
        ([*TINY, "--dataset", "mnist", "--data-dir", str(tmp_path / "none"), "--out", str(tmp_path / "b")],
         "does not exist"),
        ([*TINY, "--activation", "relu,tanh", "--out", str(tmp_path / "c")], "activations"),
        ([*TINY, "--architecture", "64,x,10", "--out", str(tmp_path / "d")], "comma-separated"),
    ]
    (tmp_path / "f").write_text("a file")
    cases.append(([*TINY, "--out", str(tmp_path / "f" / "sub")], "cannot write"))
    before = (cli_run / "metrics.csv").read_bytes()
    for argv, msg in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert msg in err and "Traceback" not in err, (argv, err)
    assert (cli_run / "metrics.csv").read_bytes() == before


def test_cli_defaults_match_the_python_api():
    import inspect

    from spinscope.cli.track import _DEFAULTS
    from spinscope.workflows.tracking import track

    sig = inspect.signature(track)
    for key, value in _DEFAULTS.items():
        assert sig.parameters[key].default == value, key
