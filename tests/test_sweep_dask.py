"""Sweeps on a 2-worker Dask ``LocalCluster`` (processes): bitwise equal to the serial run, the
client passed in is left open, an unreachable scheduler is refused, ``track --scheduler``."""

from __future__ import annotations

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
