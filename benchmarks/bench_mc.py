"""Monte Carlo throughput: attempted spin flips per nanosecond, printed as JSON.

Workloads (``WORKLOADS``: name -> builder; add new ones there, e.g. the layered block update)::

    python benchmarks/bench_mc.py                 # all workloads, 2 threads, 5 repetitions
    python benchmarks/bench_mc.py --threads 1 --reps 7 --only ising2d
    python benchmarks/bench_mc.py --user-path --only ising2d   # + the CLI rows (USER_PATH)

User-path rows time what a user runs: ``spinscope --json --quiet --seed 1 simulate ising --L L
--dim d --T T_c --sweeps N --therm 0 [--algorithm A] [--replicas 64]`` as a subprocess at ``N1``
and ``N2`` sweeps (twice each, interleaved, the shorter time kept: the fixed cost of a run
scatters by seconds), and report the marginal throughput ``n R (N2 - N1) / (t2 - t1)``
(start-up, compilation and output writing cancel), in wall and child-CPU time, next to the
kernel row of the same run (``user_path_vs_kernel``; goal >= 0.8).

The baseline is a plain vectorised PyTorch checkerboard Metropolis (float32 spins, ``torch.roll``
neighbour sums, ``torch.rand`` per site) measured in the same run with the same thread count.
Each workload is warmed up once (numba compilation, caches), then timed ``reps`` times; the
median wall time per repetition gives ``flips_per_ns`` = sites x sweeps / median seconds / 1e9;
``flips_per_cpu_ns`` uses the process CPU time instead (all threads), which other users' load
on a shared machine does not inflate.
The numba timings include the per-call layout conversion of the lattice kernel.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

T_C_2D = 2.269
T_C_3D = 4.5115


# ---------------------------------------------------------------------------- baseline
def torch_checkerboard(shape: tuple[int, ...], beta: float, sweeps: int, seed: int = 0):
    """Plain vectorised PyTorch checkerboard Metropolis; returns a step function."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    s = (torch.randint(0, 2, shape, generator=gen) * 2 - 1).to(torch.float32)
    parity = sum(torch.arange(n).reshape([-1 if a == k else 1 for a in range(len(shape))])
                 for k, n in enumerate(shape)) % 2
    masks = [parity == c for c in (0, 1)]

    def step():
        nonlocal s
        for _ in range(sweeps):
            for m in masks:
                nb = sum(torch.roll(s, sh, dims=a) for a in range(len(shape)) for sh in (1, -1))
                de = 2.0 * s * nb
                flip = (torch.rand(shape, generator=gen) < torch.exp(-beta * de)) & m
                s = torch.where(flip, -s, s)
        return s

    return step


# ---------------------------------------------------------------------------- numba workloads
def numba_lattice(shape: tuple[int, ...], beta: float, sweeps: int, seed: int = 0,
                  rule: str = "metropolis"):
    import spinscope.mc.kernels as K
    from spinscope.models import IsingModel, hypercubic

    plan = K.prepare_ising(IsingModel.from_graph(hypercubic(shape), 1.0))
    s = np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (1, plan.n))
    keys, ctr, b = K.make_keys(seed, 1), np.zeros(1, np.uint64), np.array([beta])

    def step():
        return K.ising_sweeps(plan, s, b, keys, ctr, rule=rule, sweeps=sweeps)

    return step


def numba_lattice_heatbath(shape, beta, sweeps, seed=0):
    return numba_lattice(shape, beta, sweeps, seed, rule="heatbath")


def numba_multispin(shape: tuple[int, ...], beta: float, sweeps: int, seed: int = 0):
    import spinscope.mc.kernels as K
    from spinscope.models import IsingModel, hypercubic

    plan = K.prepare_multispin(IsingModel.from_graph(hypercubic(shape), 1.0))
    rng = np.random.default_rng(seed)
    words = rng.integers(0, np.iinfo(np.uint64).max, (1, plan.n), dtype=np.uint64, endpoint=True)
    keys, ctr, b = K.make_keys(seed, 1), np.zeros(1, np.uint64), np.array([beta])

    def step():
        return K.multispin_sweeps(plan, words, b, keys, ctr, sweeps=sweeps)

    return step


# ---------------------------------------------------------------------------- torch workloads (spinscope.mc.kernels.torch_backend)
def torch_spinscope_lattice(shape: tuple[int, ...], beta: float, sweeps: int, seed: int = 0):
    """spinscope's torch backend (colour classes, padded neighbour lists) on the CPU."""
    import torch

    from spinscope.mc.kernels.torch_backend import prepare_torch, torch_sweeps
    from spinscope.models import IsingModel, hypercubic

    plan = prepare_torch(IsingModel.from_graph(hypercubic(shape), 1.0), dtype=torch.float32)
    gen = torch.Generator().manual_seed(seed)
    s = (torch.randint(0, 2, (1, plan.n), generator=gen) * 2 - 1).to(torch.int8)
    b = torch.tensor([beta], dtype=torch.float64)
    ctr = [0]

    def step():
        torch_sweeps(plan, s, b, key=seed, counter=ctr[0], rule="metropolis", sweeps=sweeps)
        ctr[0] += sweeps

    return step


def torch_layered_block(shape: tuple[int, ...], beta: float, sweeps: int, seed: int = 0,
                        replicas: int = 256, dtype: str = "float32"):
    """Whole-layer heat-bath of a layered SK model (``shape`` = (layers, units per layer))."""
    import torch

    from spinscope.mc.kernels.torch_backend import prepare_torch, torch_sweeps
    from spinscope.models import layered_sk

    model = layered_sk((shape[1],) * shape[0], seed=seed)
    plan = prepare_torch(model, block=True, dtype=getattr(torch, dtype))
    gen = torch.Generator().manual_seed(seed)
    s = (torch.randint(0, 2, (replicas, model.n), generator=gen) * 2 - 1).to(torch.int8)
    b = torch.full((replicas,), beta, dtype=torch.float64)
    ctr = [0]

    def step():
        torch_sweeps(plan, s, b, key=seed, counter=ctr[0], rule="heatbath", sweeps=sweeps)
        ctr[0] += sweeps

    return step


def torch_layered_block_f64(shape, beta, sweeps, seed=0):
    return torch_layered_block(shape, beta, sweeps, seed, dtype="float64")


# name -> (builder, shape, replicas per call, beta, sweeps per repetition)
WORKLOADS: dict[str, tuple[Callable, tuple[int, ...], int, float, int]] = {
    "ising2d_L1024_torch_baseline": (torch_checkerboard, (1024, 1024), 1, 1 / T_C_2D, 2),
    "ising2d_L1024_numba": (numba_lattice, (1024, 1024), 1, 1 / T_C_2D, 10),
    "ising2d_L1024_numba_heatbath": (numba_lattice_heatbath, (1024, 1024), 1, 1 / T_C_2D, 10),
    "ising2d_L1024_multispin64": (numba_multispin, (1024, 1024), 64, 1 / T_C_2D, 2),
    "ising3d_L128_torch_baseline": (torch_checkerboard, (128, 128, 128), 1, 1 / T_C_3D, 1),
    "ising3d_L128_numba": (numba_lattice, (128, 128, 128), 1, 1 / T_C_3D, 4),
    "ising3d_L128_numba_heatbath": (numba_lattice_heatbath, (128, 128, 128), 1, 1 / T_C_3D, 4),
    "ising3d_L128_multispin64": (numba_multispin, (128, 128, 128), 64, 1 / T_C_3D, 1),
    "ising2d_L1024_torch_spinscope": (torch_spinscope_lattice, (1024, 1024), 1, 1 / T_C_2D, 2),
    "layered_block_4x1000_R256_f32": (torch_layered_block, (4, 1000), 256, 1.0, 20),
    "layered_block_4x1000_R256_f64": (torch_layered_block_f64, (4, 1000), 256, 1.0, 20),
}


# name -> (kernel workload it is compared with, dimension, L, algorithm, replicas, N1, N2)
USER_PATH: dict[str, tuple[str, int, int, str, int, int, int]] = {
    "ising2d_L1024_cli_metropolis": ("ising2d_L1024_numba", 2, 1024, "metropolis", 1, 200, 1200),
    "ising2d_L1024_cli_heatbath": ("ising2d_L1024_numba_heatbath", 2, 1024, "heatbath", 1, 200, 1200),
    "ising2d_L1024_cli_multispin": ("ising2d_L1024_multispin64", 2, 1024, "multispin", 64, 10, 310),
    "ising3d_L128_cli_metropolis": ("ising3d_L128_numba", 3, 128, "metropolis", 1, 100, 600),
    "ising3d_L128_cli_heatbath": ("ising3d_L128_numba_heatbath", 3, 128, "heatbath", 1, 100, 600),
    "ising3d_L128_cli_multispin": ("ising3d_L128_multispin64", 3, 128, "multispin", 64, 10, 310),
}


def _cli_seconds(d: int, L: int, algorithm: str, replicas: int, sweeps: int, threads: int) -> tuple[float, float]:
    """Wall and child-CPU seconds of one ``spinscope simulate`` run (a fresh run directory)."""
    import resource
    import subprocess
    import sys
    import tempfile

    T = T_C_2D if d == 2 else T_C_3D
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "spinscope", "--json", "--quiet", "--seed", "1", "--threads",
               str(threads), "simulate", "ising", "--L", str(L), "--dim", str(d), "--T", str(T),
               "--sweeps", str(sweeps), "--therm", "0", "--algorithm", algorithm, "--replicas",
               str(replicas), "--out", f"{tmp}/run"]
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)


def measure_user_path(name: str, threads: int) -> dict:
    """Marginal flips/ns of the CLI between ``N1`` and ``N2`` sweeps (see the module docstring)."""
    _, d, L, algorithm, replicas, n1, n2 = USER_PATH[name]
    _cli_seconds(d, L, algorithm, replicas, n1, threads)            # warm the numba cache
    # the fixed cost of a run (imports, cache loading, initial state, output files) scatters by
    # seconds on a shared machine: the shortest of two runs at each length (interleaved)
    runs = [(_cli_seconds(d, L, algorithm, replicas, n1, threads), _cli_seconds(d, L, algorithm, replicas, n2, threads))
            for _ in range(2)]
    w1, c1 = min(r[0] for r in runs)
    w2, c2 = min(r[1] for r in runs)
    flips = L**d * replicas * (n2 - n1)
    return {"command": f"spinscope simulate ising --L {L} --dim {d} --algorithm {algorithm} "
                       f"--replicas {replicas} --therm 0 --sweeps {n1}|{n2}",
            "seconds": [w1, w2], "cpu_seconds": [c1, c2],
            "flips_per_ns": flips / max(w2 - w1, 1e-9) / 1e9,
            "flips_per_cpu_ns": flips / max(c2 - c1, 1e-9) / 1e9}


def measure(name: str, reps: int) -> dict:
    builder, shape, replicas, beta, sweeps = WORKLOADS[name]
    step = builder(shape, beta, sweeps)
    step()  # warm-up: compilation, allocation
    times, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    flips = int(np.prod(shape)) * replicas * sweeps
    med = statistics.median(times)
    return {"shape": list(shape), "replicas": replicas, "beta": beta, "sweeps_per_rep": sweeps,
            "reps": reps, "seconds_median": med, "seconds_min": min(times),
            "flips_per_ns": flips / med / 1e9,
            # CPU time of all threads: insensitive to other users' load on a shared machine
            "flips_per_cpu_ns": flips / statistics.median(cpu) / 1e9}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2, help="numba and torch threads (default 2)")
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions per workload")
    ap.add_argument("--only", default="", help="run only workloads whose name contains this")
    ap.add_argument("--user-path", action="store_true",
                    help="also time the CLI (spinscope simulate) against its kernel row")
    args = ap.parse_args(argv)

    import numba
    import torch

    numba.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    results = {name: measure(name, args.reps) for name in WORKLOADS if args.only in name}
    ratios = {}
    if args.user_path:
        for name, spec in USER_PATH.items():
            if args.only not in name:
                continue
            results[name] = measure_user_path(name, args.threads)
            kernel = results.get(spec[0]) or measure(spec[0], args.reps)
            results.setdefault(spec[0], kernel)
            for unit in ("flips_per_ns", "flips_per_cpu_ns"):
                ratios[f"{name}_vs_kernel_{unit}"] = results[name][unit] / kernel[unit]
    for dim in ("2d_L1024", "3d_L128"):
        base = results.get(f"ising{dim}_torch_baseline")
        for kind in ("numba", "multispin64"):
            r = results.get(f"ising{dim}_{kind}")
            if base and r:
                ratios[f"ising{dim}_{kind}_vs_torch"] = r["flips_per_ns"] / base["flips_per_ns"]
    targets = {}
    if "ising2d_L1024_numba" in results:
        targets["ising2d_numba_>=0.5_flips_per_ns"] = results["ising2d_L1024_numba"]["flips_per_ns"] >= 0.5
    if "ising2d_L1024_numba_vs_torch" in ratios:
        targets["ising2d_numba_>=15x_torch"] = ratios["ising2d_L1024_numba_vs_torch"] >= 15
    for key, ratio in ratios.items():
        if key.endswith("_vs_kernel_flips_per_cpu_ns"):
            targets[key.replace("_vs_kernel_flips_per_cpu_ns", "_>=0.8_of_kernel")] = ratio >= 0.8
    if "ising2d_L1024_multispin64" in results:
        targets["multispin64_>=2_flips_per_ns"] = results["ising2d_L1024_multispin64"]["flips_per_ns"] >= 2
    out = {
        "benchmark": "bench_mc",
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "cpu_count": os.cpu_count(), "threads": args.threads,
                    "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
                    "numba": numba.__version__, "torch": torch.__version__},
        "workloads": results,
        "ratios": ratios,
        "targets_met": targets,
    }
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
