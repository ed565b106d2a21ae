"""Benchmark of ``spinscope sweep`` on Dask: speed-up on 2 local workers, per-task overhead; JSON.

Cases (every number a median over ``--reps`` interleaved repetitions, all measured in this run):

* ``speedup``: the issue's sweep, 8 temperatures x 4 seeds of ``simulate`` (Ising, ``--L``,
  ``--sweeps``): 32 tasks run one by one in this process (``workers=0``, the baseline), through
  the user's path ``sweep(spec, workers=2)`` (a new 2-process ``LocalCluster`` started and closed
  inside the call, as ``spinscope sweep --workers 2`` does), and on an already running 2-worker
  cluster (``sweep(spec, client)``: the engine without the cluster's start). Speed-ups are the
  serial time divided by each.
* ``overhead``: ``--tiny`` tasks of ``exact`` on a 2-spin chain (microseconds of work; the task's
  directory and record are written as for any task) on a running 1-worker cluster vs in this
  process: the engine's cost per task is ``(t_dask - t_serial) / tasks``. Also the round trip
  of a bare ``client.submit`` of a no-op, for reference.

Usage: ``python benchmarks/bench_sweep.py [--reps 3] [--quick]`` (``--quick``: smaller tasks, 1
repetition; a smoke test). Timings on a shared machine are "loaded": other processes compete.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from spinscope.workflows.sweeps import sweep
from spinscope.workflows.sweeps.engine import local_client


def _spec(L: int, sweeps: int) -> dict:
    return {"workflow": "simulate", "seed": 1, "seeds": 4,
            "options": {"model": "ising", "L": L, "sweeps": sweeps}, "axes": {"T": "1.8:3.2:8"}}


def _timed(fn, base: Path, name: str) -> float:
    out = base / name
    t0 = time.perf_counter()
    fn(out)
    dt = time.perf_counter() - t0
    shutil.rmtree(out, ignore_errors=True)
    return dt


def bench_speedup(base: Path, *, L: int, sweeps: int, reps: int) -> dict:
    spec = _spec(L, sweeps)
    sweep(spec, workers=0, out=base / "warmup")  # numba kernels loaded in this process
    shutil.rmtree(base / "warmup")
    client, cluster = local_client(2)
    try:
        sweep(spec, client, out=base / "warmup")  # ...and in the workers
        shutil.rmtree(base / "warmup")
        t = {"serial": [], "user_path_workers2": [], "warm_client2": []}
        for r in range(reps):
            t["serial"].append(_timed(lambda o: sweep(spec, workers=0, out=o), base, f"s{r}"))
            t["user_path_workers2"].append(_timed(lambda o: sweep(spec, workers=2, out=o), base, f"u{r}"))
            t["warm_client2"].append(_timed(lambda o: sweep(spec, client, out=o), base, f"w{r}"))
    finally:
        client.close()
        cluster.close()
    med = {k: statistics.median(v) for k, v in t.items()}
    return {"tasks": 32, "L": L, "sweeps": sweeps, "seconds": t, "median_s": med,
            "serial_s_per_task": med["serial"] / 32,
            "speedup_user_path": med["serial"] / med["user_path_workers2"],
            "speedup_warm_cluster": med["serial"] / med["warm_client2"]}


def bench_overhead(base: Path, *, tasks: int, reps: int) -> dict:
    spec = {"workflow": "exact", "seed": 1, "seeds": tasks,
            "options": {"model": "ising", "lattice": "chain", "L": 2, "T": [2.0]}}
    client, cluster = local_client(1)
    try:
        sweep(spec, client, out=base / "warmup")
        shutil.rmtree(base / "warmup")
        ser, dsk, bare = [], [], []
        for r in range(reps):
            ser.append(_timed(lambda o: sweep(spec, workers=0, out=o), base, f"os{r}"))
            dsk.append(_timed(lambda o: sweep(spec, client, out=o), base, f"od{r}"))
            t0 = time.perf_counter()
            client.gather([client.submit(int, i, pure=False) for i in range(tasks)])
            bare.append(time.perf_counter() - t0)
    finally:
        client.close()
        cluster.close()
    s, d, b = statistics.median(ser), statistics.median(dsk), statistics.median(bare)
    return {"tasks": tasks, "serial_s": ser, "dask_s": dsk, "bare_submit_s": bare,
            "serial_ms_per_task": 1e3 * s / tasks, "dask_ms_per_task": 1e3 * d / tasks,
            "engine_overhead_ms_per_task": 1e3 * (d - s) / tasks,
            "bare_dask_ms_per_task": 1e3 * b / tasks}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--L", type=int, default=16)
    ap.add_argument("--sweeps", type=int, default=4000)
    ap.add_argument("--tiny", type=int, default=200)
    a = ap.parse_args()
    reps = 1 if a.quick else a.reps
    L, sweeps, tiny = (8, 500, 50) if a.quick else (a.L, a.sweeps, a.tiny)
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        base = Path(tmp)
        res = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                           "load_avg_at_start": os.getloadavg()},
               "speedup": bench_speedup(base, L=L, sweeps=sweeps, reps=reps),
               "overhead": bench_overhead(base, tasks=tiny, reps=reps)}
        res["machine"]["load_avg_at_end"] = os.getloadavg()
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
