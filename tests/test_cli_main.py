"""The CLI skeleton: help, version, JSON output, errors as one line with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import spinscope as ss
from spinscope.cli.main import COMMANDS, main


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_subcommands(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    assert "exact" in out
    for name in COMMANDS:
        try:
            __import__(COMMANDS[name][0])
        except ImportError:
            continue
        assert name in out


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and ss.__version__ in out


def test_exact_json_parses_and_matches_api(capsys):
    code, out, _ = run(["--json", "exact", "ising", "--L", "4", "--T", "2.0,3.0"], capsys)
    assert code == 0
    data = json.loads(out)
    assert [r["T"] for r in data["rows"]] == [2.0, 3.0]
    ref = ss.exact.ferdinand_fisher(4, 4, 2.0)
    assert data["rows"][0]["energy"] == pytest.approx(ref.energy, abs=1e-10)
    assert data["rows"][0]["energy_ferdinand_fisher"] == pytest.approx(ref.energy, abs=1e-12)


def test_exact_onsager_and_model_file(tmp_path, capsys):
    code, out, _ = run(["--json", "exact", "onsager", "--T", "2.0"], capsys)
    assert code == 0 and json.loads(out)["rows"][0]["energy"] == pytest.approx(ss.exact.onsager_energy(2.0))
    p = ss.save_model(tmp_path / "m.npz", ss.sk(8, seed=0))
    code, out, _ = run(["--json", "exact", str(p), "--T", "1.0"], capsys)
    assert code == 0
    ref = ss.exact.enumerate_ising(ss.load_model(p), 1.0)
    assert json.loads(out)["rows"][0]["log_z"] == pytest.approx(ref.log_z)


@pytest.mark.parametrize("args", [
    ["exact", "ising", "--T", "-1"],
    ["exact", "ising", "--T", "abc"],
    ["exact", "nosuchfile.npz"],
    ["exact", "ising", "--L", "7"],  # 49 spins: too many to enumerate
    ["exact", "ising", "--L", "x"],
])
def test_bad_input_is_one_line_exit_2(args, capsys):
    code, out, err = run(args, capsys)
    assert code == 2
    assert "Traceback" not in err
    assert out == ""


def test_console_script_runs_as_module():
    r = subprocess.run([sys.executable, "-m", "spinscope", "exact", "ising", "--T", "0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "must all be finite and > 0" in r.stderr


@pytest.mark.parametrize(("args", "expected"), [
    (["exact", "ising", "--bogus"], "No such option '--bogus'"),
    (["exact"], "Missing argument 'MODEL'"),
    (["exact", "ising", "--L"], "requires an argument"),
    (["exact", "ising", "--lattice", "hex"], "'hex' is not one of"),
    (["nosuchcommand"], "No such command"),
    (["--seed", "-1", "exact", "ising"], "--seed"),
    (["mcm"], "Missing argument 'DATAFILE'"),
])
def test_usage_errors_are_one_line_exit_2(args, expected, capsys):
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("spinscope: error: ") and expected in err
    assert "Usage:" not in err and "Traceback" not in err


def test_help_still_works_everywhere(capsys):
    for args in (["--help"], ["exact", "--help"], ["mcm", "-h"]):
        code, out, _ = run(args, capsys)
        assert code == 0 and "Usage:" in out


def test_multi_line_exception_messages_become_one_line(capsys, monkeypatch):
    import spinscope.workflows as wf

    def fail(*args, **kwargs):
        raise ValueError("first line\n  second line\n")

    monkeypatch.setattr(wf, "exact_table", fail)
    code, _, err = run(["exact", "ising"], capsys)
    assert code == 2 and err == "spinscope: error: first line second line\n"


@pytest.mark.parametrize(("text", "value"), [("1000", 1000), ("10_000", 10000), ("1e3", 1000),
                                             ("2.5e3", 2500), (" 7 ", 7), ("1e17", 10**17)])
def test_counts_accept_scientific_notation_for_whole_numbers(text, value):
    from spinscope.cli._common import Count

    assert Count(min=1).convert(text, None, None) == value


@pytest.mark.parametrize("text", ["1.5", "1e400", "nan", "abc", "1e-3", "0"])
def test_counts_refuse_what_is_not_a_whole_number_in_range(text, capsys):
    code, out, err = run(["exact", "ising", "--L", text], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "--L" in err and "Traceback" not in err


def test_sizes_in_scientific_notation_reach_the_workflow(capsys):
    code, out, _ = run(["--json", "--seed", "1", "exact", "ising", "--L", "2e0", "--T", "2"], capsys)
    code2, out2, _ = run(["--json", "--seed", "1", "exact", "ising", "--L", "2", "--T", "2"], capsys)
    assert code == code2 == 0 and out == out2 and '"log_z"' in out
