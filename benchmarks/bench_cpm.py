"""Benchmark of the Cellular Potts kernels against a plain vectorised numpy CPM; prints JSON.

Cases (copy attempts per nanosecond = MCS * sites * replicas / seconds):

* ``cellsort``: the CompuCell3D cellsort_2D preset (100 x 100, 224 cells): the numba kernel
  (``CPMSampler.run``), the user's path (``workflows.cpm``: kernel + 40 log-spaced measurements,
  no run directory) and the baseline, all in this run; the time of 10 000 MCS (measured with
  ``--full``, else extrapolated from ``--mcs``).
* ``large``: 512 x 512 periodic, 10 404 cells of target volume 25 (a 5 x 5 tiling): numba (a
  single chain, tile-parallel) against the baseline.
* ``torch``: the batched torch kernel with ``--replicas`` (64) cellsort replicas on ``--device``.

Baseline (written here, no spinscope code): every MCS is 9 vectorised sub-steps; each picks a
random offset of the 3 x 3 sublattice, lets all its sites (non-adjacent for 8-neighbour copies)
propose a copy from a random neighbour at once, evaluates contact + volume changes with the volumes
of the sub-step's start (so it is an approximation) and applies the accepted copies with numpy.

Usage: ``python benchmarks/bench_cpm.py [--quick] [--full] [--cpu-time] [--reps 3] [--device cpu] [--replicas 64]``
(``--cpu-time``: CPU seconds of one thread instead of wall time, for a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

from spinscope.mc.cpm import CPMSampler
from spinscope.models.cpm import CellularPottsModel
from spinscope.models.cpm_layouts import tiling_layout
from spinscope.workflows.cell_sorting import cpm
from spinscope.workflows.cpm_config import PRESETS, build_run


class NumpyCPM:
    """The plain vectorised baseline (3 x 3 sublattice sub-steps, stale volumes within a sub-step)."""

    def __init__(self, model, sigma, seed=0):
        self.m, self.rng = model, np.random.default_rng(seed)
        self.s = np.append(np.asarray(sigma).reshape(-1), 0).astype(np.int64)
        self.nbr = model.neighbors().astype(np.int64)
        self.zc, self.zj, _ = model.shell_sizes()
        self.vol = np.bincount(self.s[:-1], minlength=model.n_cells + 1).astype(np.float64)
        coords = np.indices(model.shape).reshape(2, -1)
        self.groups = [np.flatnonzero((coords[0] % 3 == a) & (coords[1] % 3 == b)) for a in range(3) for b in range(3)]

    def mcs(self):
        m, s, t = self.m, self.s, self.m.cell_types
        for _ in range(9):
            sites = self.groups[self.rng.integers(9)]
            j = self.nbr[sites, self.rng.integers(self.zc, size=sites.size)]
            old, new = s[sites], s[j]
            nb = s[self.nbr[sites, : self.zj]]
            dh = ((nb != new[:, None]) * m.J[t[new][:, None], t[nb]] - (nb != old[:, None]) * m.J[t[old][:, None], t[nb]]).sum(1)
            lv, vt = m.lambda_volume, m.target_volume
            dh += np.where(old > 0, lv[t[old]] * (1 - 2 * (self.vol[old] - vt[t[old]])), 0)
            dh += np.where(new > 0, lv[t[new]] * (1 + 2 * (self.vol[new] - vt[t[new]])), 0)
            ok = (new != old) & (self.rng.random(sites.size) < np.exp(np.minimum(-dh / m.T, 0)))
            s[sites[ok]] = new[ok]
            np.add.at(self.vol, old[ok], -1)
            np.add.at(self.vol, new[ok], 1)


CLOCK = time.perf_counter  # --cpu-time: time.process_time (robust on a shared, loaded machine)


def timed(fn, reps):
    out = []
    for _ in range(reps):
        t = CLOCK()
        fn()
        out.append(CLOCK() - t)
    return statistics.median(out)


def bench_cellsort(args):
    model, s0, _ = build_run(PRESETS["cellsort"], seed=1)
    smp = CPMSampler(model, s0, seed=1)
    smp.run(2)  # compile
    n = args.mcs
    t_kernel = timed(lambda: smp.run(n), args.reps)
    base = NumpyCPM(model, s0)
    nb = max(1, n // 20)
    t_base = timed(lambda: [base.mcs() for _ in range(nb)], args.reps) * n / nb
    t_user = timed(lambda: cpm("cellsort", mcs=n, seed=1), 1)
    out = {"mcs": n, "sites": model.n, "numba_attempts_per_ns": n * model.n / t_kernel / 1e9,
           "user_path_attempts_per_ns": n * model.n / t_user / 1e9,
           "baseline_attempts_per_ns": n * model.n / t_base / 1e9, "speedup_vs_baseline": t_base / t_kernel,
           "seconds_10000_mcs_numba": t_kernel * 10000 / n,
           "user_path_note": f"{n} MCS with 40 log-spaced measurements (a fixed cost, not proportional to MCS)"}
    if args.full:
        out["seconds_10000_mcs_user_path_measured"] = timed(lambda: cpm("cellsort", mcs=10000, seed=1), 1)
    return out


def bench_large(args):
    shape = (512, 512)
    s0, types = tiling_layout(shape, width=5, fractions=[0.5, 0.5], seed=1)
    model = CellularPottsModel(shape, types, [[0, 16, 16], [16, 2, 11], [16, 11, 16]], target_volume=25,
                               lambda_volume=2.0, T=10.0, periodic=True)
    smp = CPMSampler(model, s0, seed=1)
    smp.run(1)
    n = max(2, args.mcs // 25)
    t_kernel = timed(lambda: smp.run(n), args.reps)
    base = NumpyCPM(model, s0)
    t_base = timed(lambda: base.mcs(), args.reps)
    return {"mcs": n, "sites": model.n, "cells": model.n_cells, "tiles": smp.tiling.n_tiles,
            "numba_attempts_per_ns": n * model.n / t_kernel / 1e9, "baseline_attempts_per_ns": model.n / t_base / 1e9,
            "speedup_vs_baseline": t_base * n / t_kernel, "serial_phases": int(smp.conflicts[0, 0])}


def bench_torch(args):
    model, s0, _ = build_run(PRESETS["cellsort"], seed=1)
    smp = CPMSampler(model, s0, seed=1, replicas=args.replicas, backend="torch", device=args.device)
    smp.run(1)
    n = 1
    t = timed(lambda: smp.run(n), 1)
    return {"replicas": args.replicas, "device": args.device, "mcs": n,
            "torch_attempts_per_ns": n * model.n * args.replicas / t / 1e9, "seconds_per_mcs_all_replicas": t / n}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--full", action="store_true", help="also time 10 000 cellsort MCS through the user's path")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--mcs", type=int, default=None)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--replicas", type=int, default=64)
    ap.add_argument("--only", default="cellsort,large,torch")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time with process CPU time on one numba thread (for a loaded machine)")
    args = ap.parse_args()
    global CLOCK
    if args.cpu_time:
        import numba
        import torch

        numba.set_num_threads(1)
        torch.set_num_threads(1)
        CLOCK = time.process_time
    args.mcs = args.mcs or (100 if args.quick else 1000)
    if args.quick:
        args.reps = 1
    res = {"host": platform.node(), "cpus": os.cpu_count(), "clock": "process CPU time, 1 thread" if args.cpu_time
           else "wall", "load_average": os.getloadavg()[0], "cases": {}}
    for name in args.only.split(","):
        res["cases"][name] = {"cellsort": bench_cellsort, "large": bench_large, "torch": bench_torch}[name](args)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
