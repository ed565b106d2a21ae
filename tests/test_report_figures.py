"""Figures of spinscope.report: written files, and no global matplotlib state (no pyplot, no backend)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from spinscope.errors import InputError
from spinscope.nn import analyze_network
from spinscope.nn.analysis import random_weights
from spinscope.report.analysis_figures import plot_analysis


def test_plots_written_and_not_overwritten(tmp_path):
    r = analyze_network(random_weights((40, 30, 5), seed=0), seed=0, n_betas=20, tap_starts=4)
    paths = plot_analysis(r, tmp_path)
    assert {p.name for p in paths} >= {"stability.png", "spectrum.png"}
    assert all(p.stat().st_size > 1000 for p in paths)
    with pytest.raises(InputError, match="already exists"):
        plot_analysis(r, tmp_path)


_SCRIPT = textwrap.dedent('''
    import json, sys
    from pathlib import Path
    from types import SimpleNamespace as NS

    import matplotlib
    import numpy as np
    import pandas as pd

    out = Path(sys.argv[1])
    def backend():
        # the stored value, without resolving matplotlib's automatic choice (that imports pyplot)
        return dict.__getitem__(matplotlib.rcParams, "backend")

    before = backend()
    from spinscope.nn import analyze_network
    from spinscope.nn.analysis import random_weights
    from spinscope.nn.track_fit import fit_power_law
    from spinscope.report.analysis_figures import plot_analysis
    from spinscope.report.html import render_track_report
    from spinscope.report.mc_plots import plot_observables, plot_overlap_distribution
    from spinscope.report.track_figures import track_figures

    r = analyze_network(random_weights((30, 20, 5), seed=0), seed=0, n_betas=20, tap_starts=4)
    written = [p.name for p in plot_analysis(r, out / "analysis")]
    steps = [0, 1, 3, 10, 30, 100]
    rows = [{"network": net, "step": s, "tc": 1.0 + 0.1 * k + s / 100, "val_error": 0.5 / (1 + k),
             "crossing": "cross" if s >= 3 else "touch"} for net in ("relu", "binary")
            for k, s in enumerate(steps)]
    analyses = {net: {s: {"betas": [0.5, 1.0, 2.0], "lambda_min": [0.8, 0.3, -0.2], "tc": 1.0,
                          "eigenvalues": list(np.linspace(-2, 2, 50))} for s in (0, 100)}
                for net in ("relu", "binary")}
    fits = {net: fit_power_law(np.array(steps, float), np.array([x["tc"] for x in rows[:6]]),
                               use=np.array(steps) >= 3, seed=0) for net in ("relu", "binary")}
    figs = track_figures(rows=rows, analyses=analyses, fits=fits, theory_tc0=1.0)
    html = render_track_report(config={"seed": 1}, dataset={"name": "x"}, summary={}, fits=fits,
                               rows=rows, figures=figs)
    summary = pd.DataFrame({"T": [1.0, 2.0], "n": [16, 16], "energy": [-1.5, -0.5],
                            "energy_err": [0.1, 0.1], "abs_m": [0.9, 0.1], "abs_m_err": [0.01, 0.01]})
    plot_observables(summary, out / "obs.png")
    res = NS(overlap_q=np.linspace(-1, 1, 11), overlap_density=np.ones((2, 11)) / 2,
             config={"temperatures": [1.0, 2.0]})
    plot_overlap_distribution(res, out / "pq.png")
    print(json.dumps({"before": str(before), "after": str(backend()),
                      "pyplot": "matplotlib.pyplot" in sys.modules,
                      "get_backend": matplotlib.get_backend() if before == "svg" else None, "written": written,
                      "figures": {k: v[:4].hex() for k, v in figs.items()}, "html": len(html),
                      "files": sorted(p.name for p in out.iterdir())}))
''')


@pytest.mark.parametrize("backend", ["svg", None])
def test_figures_leave_matplotlib_state_alone(tmp_path, backend):
    # a fresh interpreter: the user's backend (or matplotlib's automatic choice) stays as it was,
    # and matplotlib.pyplot (global figure registry, backend switching) is never imported
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    if backend is not None:
        env["MPLBACKEND"] = backend
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, str(tmp_path)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout.strip().splitlines()[-1])
    assert d["pyplot"] is False
    assert d["before"] == d["after"]
    if backend is not None:
        assert d["get_backend"] == backend
    assert set(d["written"]) >= {"stability.png", "spectrum.png"}
    assert set(d["figures"]) == {"phase_diagram", "val_error", "lambda_min", "tc_loglog", "spectrum"}
    assert all(h == "89504e47" for h in d["figures"].values())
    assert {"obs.png", "pq.png", "analysis"} <= set(d["files"])
    assert d["html"] > 1000
