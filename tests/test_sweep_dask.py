"""Sweeps on Dask ``LocalCluster``s (processes): a 2-worker sweep is bitwise equal to the serial
run, the client passed in is left open, an unreachable scheduler is refused, ``track --scheduler``
equals the local pool. Slow: 1 and 2 workers give the serial results bitwise; a worker killed
mid-sweep (SIGKILL) is replaced and its task re-run, all 32 results equal to the serial run; a
driver killed mid-sweep leaves only complete tasks, and ``--resume`` runs exactly the missing ones."""

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

from spinscope.cli.main import main
from spinscope.workflows.sweeps import sweep
from spinscope.workflows.sweeps.engine import local_client

#: the issue's sweep: 8 temperatures x 4 seeds of a small Ising simulation (32 tasks)
SPEC32 = {"workflow": "simulate", "seed": 11, "seeds": 4,
          "options": {"model": "ising", "L": 6, "sweeps": 200},
          "axes": {"T": "1.8:3.2:8"}}


@pytest.fixture(scope="module")
def client():
    c, cluster = local_client(2)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return sweep(SPEC32, workers=0, out=tmp_path_factory.mktemp("serial") / "run")


def assert_same_results(a, b) -> None:
    """Bitwise: the tables (values and dtypes) and every task's record file, byte for byte."""
    pd.testing.assert_frame_equal(pd.read_parquet(a.results_path), pd.read_parquet(b.results_path),
                                  check_exact=True)
    pd.testing.assert_frame_equal(a.to_pandas(), b.to_pandas(), check_exact=True)
    for i in range(a.n_tasks):
        name = f"tasks/task-{i:06d}/sweep-task.json"
        assert (a.run_dir / name).read_bytes() == (b.run_dir / name).read_bytes(), name


def test_two_workers_equal_serial_bitwise_and_client_left_open(client, serial, tmp_path):
    res = sweep(SPEC32, client, out=tmp_path / "dask")
    assert res.n_tasks == 32 and res.done == 32 and res.failed == 0
    assert len(res.to_pandas()) == 32 and sorted(res.to_pandas()["T"].unique()) == sorted(serial.to_pandas()["T"].unique())
    assert_same_results(res, serial)
    # the client passed in is used and never closed
    assert client.status == "running"
    assert client.submit(sum, [1, 2], pure=False).result() == 3
    assert "Dask client" in res.engine
    # one thread per worker process: the environment, and torch/numba inside a task
    assert set(client.run(os.environ.get, "OMP_NUM_THREADS").values()) == {"1"}
    from spinscope.workflows._threads import call_single_threaded

    def threads():
        import numba
        import torch

        return torch.get_num_threads(), numba.get_num_threads()

    assert client.submit(call_single_threaded, threads, pure=False).result() == (1, 1)


def test_unreachable_scheduler_is_refused_before_anything(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('workflow = "exact"\n[options]\nmodel = "ising"\nL = 2\n')
    out = tmp_path / "out"
    code = main(["sweep", str(spec), "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1",
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9' within 1 s" in err
    assert "dask scheduler" in err and err.count("\n") == 1
    assert not out.exists()


def test_track_on_the_scheduler_equals_the_local_pool(client, tmp_path):
    from spinscope.nn.data import dataset_from_arrays, load_dataset
    from spinscope.workflows.tracking import track

    d = load_dataset("digits", seed=0)
    data = dataset_from_arrays(d.x_train[:128], d.y_train[:128], x_val=d.x_val[:64], y_val=d.y_val[:64],
                               name="digits-subset")
    kw = {"architecture": (64, 12, 10), "epochs": 1, "checkpoints": 3, "batch_size": 32, "lr": 1e-3,
          "n_betas": 12, "tap_starts": 2, "seed": 5, "activations": ("relu",), "tap_count_at": ()}
    local = track(dataset=data, out=tmp_path / "local", workers=0, **kw)  # = the pool (test_track.py)
    remote = track(dataset=data, out=tmp_path / "dask", scheduler=client.scheduler.address, **kw)
    pd.testing.assert_frame_equal(local.to_pandas(), remote.to_pandas(), check_exact=True)
    assert remote.report.is_file()
    assert client.status == "running"


@pytest.mark.slow  # the 10 s connection timeout
def test_track_unreachable_scheduler_exits_2(tmp_path, capsys):
    out = tmp_path / "t"
    code = main(["track", "--epochs", "1", "--checkpoints", "2", "--architecture", "64,8,10",
                 "--scheduler", "tcp://127.0.0.1:9", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach the Dask scheduler" in err and not out.exists()


# ----------------------------------------------------------------------------- slow
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
def serial_slow(tmp_path_factory):
    return sweep(SPEC, workers=0, out=tmp_path_factory.mktemp("serial-slow") / "run")


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_local_clusters_of_1_and_2_workers_equal_serial(serial_slow, tmp_path, workers):
    res = sweep(SPEC, workers=workers, out=tmp_path / "run")
    assert res.done == 32 and f"{workers} worker" in res.engine
    assert_same_results(res, serial_slow)


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_its_task_rerun(serial_slow, tmp_path):
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
        assert_same_results(res, serial_slow)
        client.wait_for_workers(2, timeout=60)
        assert killed[0] not in set(client.run(os.getpid).values())  # the nanny started a new one
        assert not list((tmp_path / "run" / "tasks").glob(".task-*"))  # the half task was removed
    finally:
        client.close()
        cluster.close()


@pytest.mark.slow
def test_resume_after_the_driver_is_killed_runs_only_missing_tasks(serial_slow, tmp_path):
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
    assert_same_results(res, serial_slow)
