"""The worked inverse-design example (examples/inverse_design.py) runs, descends and writes its plot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "inverse_design.py"


def _load():
    spec = importlib.util.spec_from_file_location("inverse_design_example", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_example_runs_with_a_tiny_budget(tmp_path, capsys):
    out = tmp_path / "design.png"
    result = _load().main(["--out", str(out), "--steps", "6", "--sweeps", "20", "--replicas", "16"])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    losses = [r["loss"] for r in result["history"]]
    assert len(losses) == 6 and losses[-1] < 0.5 * losses[0]     # from ~11: the energy moves fast
    assert '"exact_final"' in capsys.readouterr().out
    with pytest.raises(SystemExit):                               # no overwrite without --overwrite
        _load().main(["--out", str(out), "--steps", "2"])
