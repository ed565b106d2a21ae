"""Time to solution (TTS_99) of every solver on planted instance classes; prints JSON.

Classes: the Wishart planted ensemble at alpha = 0.5 (N = 32, 64, 128; 256 with ``--full``) and 2-D
tile planting (L = 8, 16, 32). For each size, ``--instances`` instances (seeded) are generated; each
solver runs ``--runs`` times per instance with its default budget (one call of
:func:`spinscope.optimize.solve` with no time limit: SA 1000 sweeps x reads, PT, SB, CIM-AHC,
CAC with their defaults, and ``auto``), and :func:`spinscope.optimize.time_to_solution` gives the
success probability against the planted ground-state energy and TTS_99. Per class and size the
table reports the median TTS over instances with its bootstrap interval, and which solver has the
smallest median (the winner; ties on infinity are no winner).

The ``xorsat`` class (planted 3-regular 3-XORSAT, N = 16, 24, 32, 48, 64; ``--xorsat-only`` runs
just it) measures the 3-XORSAT solvers (``sa``, ``pt``, ``auto`` of
:func:`spinscope.optimize.xorsat_solvers.solve_xorsat`) the same way, against the planted energy
``-N``, and fits ``ln(median TTS) = a + r N`` over the sizes where the median is finite: ``r`` is
the exponential scaling rate per variable (``rate_per_n``; also as ``log10`` per variable).

Run: ``python benchmarks/bench_tts.py [--quick | --full] [--xorsat-only]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from spinscope.optimize import (
    median_tts,
    tile_planted_2d,
    time_to_solution,
    wishart_planted,
    xorsat_planted,
)

SOLVERS = ("sa", "pt", "sb", "cim", "cac", "auto")
XORSAT_SOLVERS = ("sa", "pt", "auto")


def _class_rows(kind: str, sizes, instances: int, runs: int) -> dict:
    out = {}
    for size in sizes:
        insts = [wishart_planted(size, alpha=0.5, seed=100 + k) if kind == "wishart" else
                 tile_planted_2d(size, seed=100 + k) for k in range(instances)]
        row = {}
        for solver in SOLVERS:
            t0 = time.perf_counter()
            res = [time_to_solution(inst.problem, target=inst.energy, solver=solver, runs=runs, seed=k)
                   for k, inst in enumerate(insts)]
            med = median_tts(res, seed=0)
            row[solver] = {**med, "p_success": [r.p_success for r in res],
                           "t_run_median": sorted(r.t_run for r in res)[len(res) // 2],
                           "seconds": time.perf_counter() - t0}
        finite = {s: r["median"] for s, r in row.items() if r["median"] is not None}
        row["winner"] = min(finite, key=finite.get) if finite else None
        out[f"{'N' if kind == 'wishart' else 'L'}={size}"] = row
    return out


def _xorsat_rows(sizes, instances: int, runs: int) -> dict:
    """Median TTS_99 per solver and size on planted 3-regular 3-XORSAT, and its fitted growth rate."""
    out: dict = {}
    insts = {n: [xorsat_planted(n, seed=100 + k) for k in range(instances)] for n in sizes}
    for n in sizes:
        row = {}
        for solver in XORSAT_SOLVERS:
            t0 = time.perf_counter()
            res = [time_to_solution(inst, target=inst.ground_energy, solver=solver, runs=runs, seed=k)
                   for k, inst in enumerate(insts[n])]
            row[solver] = {**median_tts(res, seed=0), "p_success": [r.p_success for r in res],
                           "t_run_median": float(np.median([r.t_run for r in res])),
                           "seconds": time.perf_counter() - t0}
        finite = {s: r["median"] for s, r in row.items() if r["median"] is not None}
        row["winner"] = min(finite, key=finite.get) if finite else None
        out[f"N={n}"] = row
    out["scaling"] = {}
    for solver in XORSAT_SOLVERS:
        pts = [(n, out[f"N={n}"][solver]["median"]) for n in sizes if out[f"N={n}"][solver]["median"]]
        if len(pts) >= 2:
            slope, icpt = np.polyfit([p[0] for p in pts], np.log([p[1] for p in pts]), 1)
            out["scaling"][solver] = {"rate_per_n": float(slope), "log10_per_n": float(slope / np.log(10)),
                                      "intercept_ln_s": float(icpt), "sizes": [p[0] for p in pts]}
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="N = 32, 64 and L = 8, 16; 3 instances, 6 runs")
    g.add_argument("--full", action="store_true", help="also N = 256")
    ap.add_argument("--instances", type=int, default=None)
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--xorsat-only", action="store_true", help="only the 3-XORSAT class")
    args = ap.parse_args(argv)
    inst = args.instances or (3 if args.quick else 5)
    runs = args.runs or (6 if args.quick else 10)
    wsizes = (32, 64) if args.quick else ((32, 64, 128, 256) if args.full else (32, 64, 128))
    lsizes = (8, 16) if args.quick else (8, 16, 32)
    xsizes = (16, 24, 32) if args.quick else (16, 24, 32, 48, 64)
    res = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_before": os.getloadavg()},
           "instances": inst, "runs": runs}
    if not args.xorsat_only:
        res["wishart_alpha0.5"] = _class_rows("wishart", wsizes, inst, runs)
        res["tiles2d"] = _class_rows("tiles", lsizes, inst, runs)
    res["xorsat"] = _xorsat_rows(xsizes, inst, runs)
    res["machine"]["load_after"] = os.getloadavg()
    print(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
