"""Benchmark of `spinscope track` (prints JSON).

Measures
--------
* ``analysis_784_256_256_10``: wall time of :func:`spinscope.nn.track_analysis.analyze_checkpoint` (the full
  per-checkpoint analysis: T_c root, λ_min curve on 200 temperatures, 64 TAP starts, spectrum) on
  one randomly initialised 784-256-256-10 checkpoint, in this process with all threads; median
  of ``--repeats`` runs.
* ``parallel_vs_serial``: analysing ``--batch`` such checkpoints one after the other in this process
  (baselines: with all threads, and with one thread as ``track --workers 0`` does) against a spawn
  pool of ``--workers`` single-threaded processes (what ``track`` does); the pool's start-up
  (spawn, imports, one small warm-up analysis per worker) is reported separately.
* ``default_track`` (with ``--full``): wall time of ``spinscope track`` with no arguments
  (digits, both networks, default settings), run once as a subprocess.

Usage: ``python benchmarks/bench_track.py [--repeats 3] [--batch 4] [--workers 2] [--full]``
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _checkpoints(tmp: Path, n: int, arch=(784, 256, 256, 10)) -> list[Path]:
    from spinscope.io import RunDirectory
    from spinscope.nn.networks import build_network

    rd = RunDirectory.create(tmp / "bench", command="bench", config={})
    paths = []
    for k in range(n):
        net = build_network(arch, seed=k)
        paths.append(rd.save_arrays(f"ck/step_{k:08d}.safetensors",
                                    {f"model.{n}": v for n, v in net.state_dict().items()}))
    return paths


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--full", action="store_true", help="also time the default `spinscope track` run")
    args = ap.parse_args()
    from spinscope.nn.track_analysis import analyze_checkpoint
    from spinscope.workflows.tracking import _init_worker, _single_threaded

    out: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory() as tmp:
        paths = _checkpoints(Path(tmp), max(args.batch, 1))
        small = _checkpoints(Path(tmp) / "small", 1, (64, 16, 10))[0]
        analyze_checkpoint(paths[0], seed=0)  # warm-up: imports, numba compilation
        times = []
        for r in range(args.repeats):
            t0 = time.perf_counter()
            analyze_checkpoint(paths[0], seed=r)
            times.append(time.perf_counter() - t0)
        out["analysis_784_256_256_10"] = {"median_s": statistics.median(times), "runs_s": times}

        t0 = time.perf_counter()
        for k, p in enumerate(paths):
            analyze_checkpoint(p, seed=k)
        serial = time.perf_counter() - t0
        with _single_threaded():
            t0 = time.perf_counter()
            for k, p in enumerate(paths):
                analyze_checkpoint(p, seed=k)
            serial1 = time.perf_counter() - t0
        t0 = time.perf_counter()
        with cf.ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_init_worker) as pool:
            # warm-up: one small analysis per worker (imports, numba cache loading)
            for f in [pool.submit(analyze_checkpoint, str(small), seed=0) for _ in range(args.workers)]:
                f.result()
            startup = time.perf_counter() - t0
            t0 = time.perf_counter()
            futures = [pool.submit(analyze_checkpoint, str(p), seed=k) for k, p in enumerate(paths)]
            for f in futures:
                f.result()
            parallel = time.perf_counter() - t0
        out["parallel_vs_serial"] = {"checkpoints": len(paths), "serial_all_threads_s": serial,
                                     "serial_1_thread_s": serial1, "pool_workers": args.workers,
                                     "pool_startup_s": startup, "pool_s": parallel,
                                     "speedup_vs_all_threads": serial / parallel,
                                     "speedup_vs_1_thread": serial1 / parallel}
        if args.full:
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "spinscope", "--quiet", "track", "--out",
                                   str(Path(tmp) / "default")], capture_output=True, text=True)
            out["default_track"] = {"wall_s": time.perf_counter() - t0, "exit_status": proc.returncode,
                                    "stdout_tail": proc.stdout[-600:]}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
