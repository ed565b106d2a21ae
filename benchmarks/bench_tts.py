"""Time to solution (TTS_99) of every solver on planted instance classes; prints JSON.

Classes: the Wishart planted ensemble at alpha = 0.5 (N = 32, 64, 128; 256 with ``--full``) and 2-D
tile planting (L = 8, 16, 32). For each size, ``--instances`` instances (seeded) are generated; each
solver runs ``--runs`` times per instance with its default budget (one call of
:func:`spinscope.optimize.solve` with no time limit: SA 1000 sweeps x reads, PT, SB, CIM-AHC,
CAC with their defaults, and ``auto``), and :func:`spinscope.optimize.time_to_solution` gives the
success probability against the planted ground-state energy and TTS_99. Per class and size the
table reports the median TTS over instances with its bootstrap interval, and which solver has the
smallest median (the winner; ties on infinity are no winner).

Run: ``python benchmarks/bench_tts.py [--quick | --full]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

from spinscope.optimize import median_tts, tile_planted_2d, time_to_solution, wishart_planted

SOLVERS = ("sa", "pt", "sb", "cim", "cac", "auto")


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


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="N = 32, 64 and L = 8, 16; 3 instances, 6 runs")
    g.add_argument("--full", action="store_true", help="also N = 256")
    ap.add_argument("--instances", type=int, default=None)
    ap.add_argument("--runs", type=int, default=None)
    args = ap.parse_args(argv)
    inst = args.instances or (3 if args.quick else 5)
    runs = args.runs or (6 if args.quick else 10)
    wsizes = (32, 64) if args.quick else ((32, 64, 128, 256) if args.full else (32, 64, 128))
    lsizes = (8, 16) if args.quick else (8, 16, 32)
    res = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_before": os.getloadavg()},
           "instances": inst, "runs": runs,
           "wishart_alpha0.5": _class_rows("wishart", wsizes, inst, runs),
           "tiles2d": _class_rows("tiles", lsizes, inst, runs)}
    res["machine"]["load_after"] = os.getloadavg()
    print(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
