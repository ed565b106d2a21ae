"""Slow: on digits with the paper's learning rate, training turns the glass into hidden order and
T_c(t) grows (measured on the default run, seed 0: T_c 0.788 at step 0, hidden order from step 223,
T_c 4.98 (ReLU) and 2.65 (binary) at step 4500)."""

from __future__ import annotations

import numpy as np
import pytest

from spinscope.workflows.tracking import track


@pytest.mark.slow
def test_tc_grows_after_the_first_epochs(tmp_path):
    res = track(out=tmp_path / "run", activations=("relu",), epochs=20, checkpoints=12, n_betas=80,
                tap_starts=8, seed=0, workers=0)
    df = res.to_pandas()
    tc = df["tc"].to_numpy()
    steps = df["step"].to_numpy()
    # step 0: random couplings, lambda_min touches zero near the replica T_c (5%)
    assert df["crossing"].iloc[0] == "touch"
    assert abs(tc[0] / res.summary["relu"]["replica_tc0"] - 1) < 0.05
    # after 5 epochs (225 steps) the bond matrix has outliers and T_c has grown by more than 50%
    late = steps >= 225
    assert (df["crossing"][late] == "cross").all()
    assert np.all(tc[late] > 1.5 * tc[0])
    # and T_c keeps growing over the hidden-order checkpoints (allowing 2% wiggles)
    assert np.all(np.diff(tc[late]) > -0.02 * tc[late][:-1])
    assert df["val_error"].iloc[-1] < 0.2


@pytest.mark.slow
def test_cli_killed_by_sigterm_resumes_to_the_same_metrics(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    import pandas as pd

    from spinscope.cli.main import main

    args = ["track", "--architecture", "64,24,10", "--activation", "relu", "--epochs", "30", "--checkpoints", "10",
            "--lr", "1e-3", "--workers", "0"]
    assert main(["--seed", "4", "--quiet", *args, "--out", str(tmp_path / "full")]) == 0
    cut = tmp_path / "cut"
    proc = subprocess.Popen([sys.executable, "-m", "spinscope", "--seed", "4", "--quiet", *args, "--out", str(cut)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((cut / "analysis" / "relu").glob("*.json"))) < 4:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err
    assert not (cut / "metrics.csv").exists()
    assert main(["--quiet", "track", "--resume", str(cut), "--workers", "0"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(cut / "metrics.csv"), pd.read_csv(tmp_path / "full" / "metrics.csv"))
