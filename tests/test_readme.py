"""The README's Python tour runs as written (its code block is executed, not copied)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_python_tour_runs():
    text = README.read_text(encoding="utf-8")
    m = re.search(r"## A tour of the Python API\s+```python\n(.*?)```", text, re.S)
    if m is None:
        pytest.fail("README.md has no '## A tour of the Python API' python block")
    namespace: dict = {}
    exec(compile(m.group(1), "README tour", "exec"), namespace)
    assert namespace["res"].summary().shape[0] == 3
    assert namespace["RULES"]["wolff"].support_text() == "ising, potts, clock, xy (numba)"
    assert namespace["solve"](namespace["problem"], solver="sa", seed=0, time_limit=1).best_value == 4.0
