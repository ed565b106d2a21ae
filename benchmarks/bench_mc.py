"""Monte Carlo throughput: attempted spin flips per nanosecond, printed as JSON.

Workloads (``WORKLOADS``: name -> builder; add new ones there, e.g. the layered block update)::

    python benchmarks/bench_mc.py                 # all workloads, 2 threads, 5 repetitions
    python benchmarks/bench_mc.py --threads 1 --reps 7 --only ising2d

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
def numba_lattice(shape: tuple[int, ...], beta: float, sweeps: int, seed: int = 0):
    import spinscope.mc.kernels as K
    from spinscope.models import IsingModel, hypercubic

    plan = K.prepare_ising(IsingModel.from_graph(hypercubic(shape), 1.0))
    s = np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (1, plan.n))
    keys, ctr, b = K.make_keys(seed, 1), np.zeros(1, np.uint64), np.array([beta])

    def step():
        return K.ising_sweeps(plan, s, b, keys, ctr, sweeps=sweeps)

    return step


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
    "ising2d_L1024_multispin64": (numba_multispin, (1024, 1024), 64, 1 / T_C_2D, 2),
    "ising3d_L128_torch_baseline": (torch_checkerboard, (128, 128, 128), 1, 1 / T_C_3D, 1),
    "ising3d_L128_numba": (numba_lattice, (128, 128, 128), 1, 1 / T_C_3D, 4),
    "ising3d_L128_multispin64": (numba_multispin, (128, 128, 128), 64, 1 / T_C_3D, 1),
    "ising2d_L1024_torch_spinscope": (torch_spinscope_lattice, (1024, 1024), 1, 1 / T_C_2D, 2),
    "layered_block_4x1000_R256_f32": (torch_layered_block, (4, 1000), 256, 1.0, 20),
    "layered_block_4x1000_R256_f64": (torch_layered_block_f64, (4, 1000), 256, 1.0, 20),
}


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
    args = ap.parse_args(argv)

    import numba
    import torch

    numba.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    results = {name: measure(name, args.reps) for name in WORKLOADS if args.only in name}
    ratios = {}
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
