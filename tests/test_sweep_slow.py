"""Slow sweep tests on local Dask clusters: 1 and 2 workers give the serial results bitwise; a
worker killed mid-sweep (SIGKILL) is replaced and its task re-run, with all 32 results equal to
the serial run; a driver killed mid-sweep leaves only complete tasks, and ``--resume`` runs
exactly the missing ones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from spinscope.workflows.sweeps import sweep
from spinscope.workflows.sweeps.engine import local_client

pytestmark = pytest.mark.slow

#: 8 temperatures x 4 seeds, tasks long enough (~0.2-0.5 s) to be killed mid-run
SPEC = {"workflow": "simulate", "seed": 23, "seeds": 4,
        "options": {"model": "ising", "L": 8, "sweeps": 1000}, "axes": {"T": "1.8:3.2:8"}}
TOML = """workflow = "simulate"
seed = 23
seeds = 4
[options]
model = "ising"
L = 8
sweeps = 1000
[axes]
T = "1.8:3.2:8"
"""


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return sweep(SPEC, workers=0, out=tmp_path_factory.mktemp("serial") / "run")


def assert_same_results(a, b) -> None:
    pd.testing.assert_frame_equal(pd.read_parquet(a.results_path), pd.read_parquet(b.results_path),
                                  check_exact=True)
    for i in range(a.n_tasks):
        name = f"tasks/task-{i:06d}/sweep-task.json"
        assert (a.run_dir / name).read_bytes() == (b.run_dir / name).read_bytes(), name


@pytest.mark.parametrize("workers", [1, 2])
def test_local_clusters_of_1_and_2_workers_equal_serial(serial, tmp_path, workers):
    res = sweep(SPEC, workers=workers, out=tmp_path / "run")
    assert res.done == 32 and f"{workers} worker" in res.engine
    assert_same_results(res, serial)


def test_a_killed_worker_is_replaced_and_its_task_rerun(serial, tmp_path):
    client, cluster = local_client(2)
    try:
        pids = client.run(os.getpid)  # worker address -> process id
        killed: list[int] = []

        def kill_one(done, failed, running, total):
            if done >= 2 and not killed:
                pid = sorted(pids.values())[0]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        res = sweep(SPEC, client, out=tmp_path / "run", progress=kill_one)
        assert killed and res.done == 32 and res.failed == 0
        assert_same_results(res, serial)
        client.wait_for_workers(2, timeout=60)
        assert killed[0] not in set(client.run(os.getpid).values())  # the nanny started a new one
        assert not list((tmp_path / "run" / "tasks").glob(".task-*"))  # the half task was removed
    finally:
        client.close()
        cluster.close()


def test_resume_after_the_driver_is_killed_runs_only_missing_tasks(serial, tmp_path):
    spec, out = tmp_path / "s.toml", tmp_path / "run"
    spec.write_text(TOML)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    with open(tmp_path / "log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "spinscope", "-q", "sweep", str(spec),
                                 "--workers", "2", "--out", str(out)],
                                env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while len(list(out.glob("tasks/task-*"))) < 6:
            assert proc.poll() is None, (tmp_path / "log").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its cluster, as a crash would
        proc.wait()
    done = len(list(out.glob("tasks/task-*")))
    assert 6 <= done < 32
    assert all((p / "sweep-task.json").is_file() for p in out.glob("tasks/task-*"))
    res = sweep(None, workers=2, resume=out)
    assert res.submitted == 32 - done and res.done == 32
    assert_same_results(res, serial)
