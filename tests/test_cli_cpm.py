"""``spinscope cpm`` and ``workflows.cpm``: run directory, bit-identical resume, bad input."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from spinscope.cli.main import main
from spinscope.workflows.cell_sorting import cpm

SMALL = {"shape": [30, 30], "periodic": False, "T": 10.0, "neighbor_order": 2, "contact_order": 2, "mcs": 60,
         "types": ["C", "N"], "J": {"Medium-Medium": 0, "N-N": 16, "C-C": 2, "N-C": 11, "N-Medium": 16, "C-Medium": 16},
         "volume": {"target": 25, "lambda": 2.0},
         "layout": {"kind": "blob", "center": [15, 15], "radius": 12, "width": 5, "fractions": [0.5, 0.5]}}

TOML = """shape = [30, 30]
periodic = false
T = 10
mcs = 20
types = ["C", "N"]
[J]
"Medium-Medium" = 0
"N-N" = 16
"C-C" = 2
"N-C" = 11
"N-Medium" = 16
"C-Medium" = 16
[volume]
target = 25
lambda = 2.0
[layout]
kind = "blob"
center = [15, 15]
radius = 12
width = 5
fractions = [0.5, 0.5]
"""


def run(argv, capsys):
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_writes_run_directory_and_json(tmp_path, capsys):
    cfg = tmp_path / "small.toml"
    cfg.write_text(TOML)
    rc, out, err = run(["--seed", "3", "--json", "cpm", "--config", str(cfg), "--out", str(tmp_path / "r")], capsys)
    assert rc == 0, err
    res = json.loads(out)
    assert res["mcs"] == 20 and res["seed"] == 3 and 0 <= res["final"]["heterotypic_fraction"] <= 1
    files = set(os.listdir(tmp_path / "r"))
    assert {"observables.csv", "sorting.gif", "curves.png", "report.html", "checkpoint.npz", "config.json",
            "result.json", "snapshots"} <= files
    assert (tmp_path / "r" / "sorting.gif").read_bytes()[:6] == b"GIF89a"
    html = (tmp_path / "r" / "report.html").read_text()
    assert "data:image/gif;base64" in html and "data:image/png;base64" in html and "http" not in html


def test_resume_is_bit_identical(tmp_path):
    full = cpm(config=SMALL, seed=7, replicas=2, out=tmp_path / "full")
    calls = []

    def stop(done, total):
        calls.append(done)
        if len(calls) == 12:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cpm(config=SMALL, seed=7, replicas=2, out=tmp_path / "cut", progress=stop)
    resumed = cpm(resume=tmp_path / "cut")
    assert 0 < calls[-1] < 60 and resumed.mcs == full.mcs == 60
    assert np.array_equal(resumed.sigma, full.sigma)
    assert (tmp_path / "cut" / "observables.csv").read_bytes() == (tmp_path / "full" / "observables.csv").read_bytes()


BAD = {
    "asymmetric": (TOML.replace('"N-C" = 11', '"N-C" = 11\n"C-N" = 12'), "not symmetric"),
    "negative lambda": (TOML.replace("lambda = 2.0", "lambda = -1.0"), "lambda_volume must be >= 0"),
    "target volume": (TOML.replace("target = 25", "target = 0"), "target_volume must be > 0"),
    "unknown type": (TOML.replace('"C-C" = 2', '"C-C" = 2\n"X-C" = 3'), "must name two known types"),
    "malformed": (TOML.replace("[volume]", "[volume"), "not valid TOML"),
    "sigma shape": (TOML.split("[layout]")[0] + '[layout]\nkind = "file"\npath = "SIGMA"\nfractions = [0.5, 0.5]\n',
                    "has shape (4, 4), the lattice is (30, 30)"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exit_2_nothing_written(tmp_path, capsys, case):
    text, msg = BAD[case]
    np.savez(tmp_path / "sigma.npz", sigma=np.zeros((4, 4), int), cell_types=np.array([0, 1]))
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text.replace("SIGMA", str(tmp_path / "sigma.npz")))
    rc, _, err = run(["cpm", "--config", str(cfg), "--out", str(tmp_path / "r")], capsys)
    assert rc == 2 and msg in err and "Traceback" not in err, err
    assert not (tmp_path / "r").exists()


def test_existing_directory_and_bad_combinations(tmp_path, capsys):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "keep.txt").write_text("mine")
    rc, _, err = run(["cpm", "--preset", "cellsort", "--mcs", "5", "--out", str(tmp_path / "r")], capsys)
    assert rc == 2 and "not empty" in err
    assert os.listdir(tmp_path / "r") == ["keep.txt"]
    rc, _, err = run(["cpm", "--mcs", "5"], capsys)
    assert rc == 2 and "preset" in err
    cfg = tmp_path / "c3.toml"
    cfg.write_text(TOML.replace("T = 10", "T = 10\ncontact_order = 3"))
    rc, _, err = run(["cpm", "--config", str(cfg), "--tile", "1", "--out", str(tmp_path / "t")], capsys)
    assert rc == 2 and "tile side must be >= 2" in err
    assert not (tmp_path / "t").exists()  # validated before the run directory is made


def test_interrupt_inside_a_kernel_call_resumes_exactly(tmp_path, monkeypatch):
    """Ctrl-C can land after the kernel has advanced the chains but before the MCS counter moved;
    the checkpoint must hold the last consistent state, not that half-updated one."""
    from spinscope.mc.cpm import CPMSampler

    full = cpm(config=SMALL, seed=5, out=tmp_path / "full")
    original, calls = CPMSampler.run, []

    def torn(self, n_mcs):
        calls.append(n_mcs)
        if len(calls) == 15:
            self.entry.advance(self, n_mcs)  # the chains moved ...
            raise KeyboardInterrupt          # ... the counter did not
        return original(self, n_mcs)

    monkeypatch.setattr(CPMSampler, "run", torn)
    with pytest.raises(KeyboardInterrupt):
        cpm(config=SMALL, seed=5, out=tmp_path / "cut")
    monkeypatch.setattr(CPMSampler, "run", original)
    resumed = cpm(resume=tmp_path / "cut")
    assert np.array_equal(resumed.sigma, full.sigma)
    assert (tmp_path / "cut" / "observables.csv").read_bytes() == (tmp_path / "full" / "observables.csv").read_bytes()
