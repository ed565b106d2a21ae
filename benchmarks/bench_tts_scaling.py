"""Scaling of the time to target with problem size on planted classes, and on G1/G2; prints JSON.

Every run gets ``--time-limit`` seconds and stops at the planted ground-state energy (Gset: the
best-known cut); :func:`spinscope.optimize.time_to_target` turns the hitting times into the optimal
``TTS_99`` (restart time chosen from the measured distribution). Per class, size and solver: the
median over ``--instances`` instances with its bootstrap interval, the solved fraction, and per
solver the fitted exponential rate ``b`` of ``log10(median TTS) = a + b N`` over the sizes where the
median is finite (N = spins; for tiles N = L^2). The baseline in the same run is PT, the default
solver for these classes (``auto``).

Classes: the Wishart planted ensemble at alpha = 0.5 (``--wishart 32,48,64,96,128``), 2-D tile
planting (``--tiles 8,16,24,32``), Gset G1 and G2 (``--gset G1,G2``; skipped when ../shared/data is
absent). A size whose median is infinite for a solver is not run at larger sizes for that solver.

Run: ``python benchmarks/bench_tts_scaling.py [--solvers pt,sa,cac,cim] [--time-limit 5] [--runs 8]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from spinscope.optimize import median_tts, tile_planted_2d, time_to_target, wishart_planted
from spinscope.optimize.gset import read_gset

BEST_KNOWN = {"G1": 11624, "G2": 11620}
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "gset"


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def _fit(sizes: list[int], medians: list[float | None]) -> dict | None:
    pts = [(n, math.log10(m)) for n, m in zip(sizes, medians) if m is not None and m > 0]
    if len(pts) < 2:
        return None
    x, y = np.array(pts).T
    b, a = np.polyfit(x, y, 1)
    return {"log10_tts_per_spin": float(b), "intercept": float(a), "points": len(pts)}


def _class(kind: str, sizes: list[int], solvers: list[str], args) -> dict:
    out: dict = {}
    dead: set[str] = set()
    for size in sizes:
        insts = [wishart_planted(size, alpha=0.5, seed=100 + k) if kind == "wishart"
                 else tile_planted_2d(size, seed=100 + k) for k in range(args.instances)]
        row: dict = {"n_spins": insts[0].problem.n}
        for solver in solvers:
            if solver in dead:
                row[solver] = {"skipped": "median infinite at a smaller size"}
                continue
            t0 = time.perf_counter()
            res = [time_to_target(inst.problem, target=inst.energy, time_limit=args.time_limit,
                                  solver=solver, runs=args.runs, seed=k) for k, inst in enumerate(insts)]
            med = median_tts(res, seed=0)
            row[solver] = {**med, "successes": [r.successes for r in res], "runs": args.runs,
                           "seconds": round(time.perf_counter() - t0, 2)}
            if med["median"] is None:
                dead.add(solver)
            print(f"{kind} {size} {solver}: {med}", file=sys.stderr, flush=True)
        out[str(size)] = row
    out["fits"] = {s: _fit([out[str(z)]["n_spins"] for z in sizes],
                           [out[str(z)][s].get("median") for z in sizes]) for s in solvers}
    return out


def _gset(names: list[str], solvers: list[str], args) -> dict:
    out: dict = {}
    for g in names:
        path = DATA / f"{g}.txt"
        if not path.exists():
            out[g] = {"skipped": f"{path} not found"}
            continue
        p = read_gset(path, name=g)
        row: dict = {"best_known": BEST_KNOWN[g]}
        for solver in solvers:
            r = time_to_target(p, target=BEST_KNOWN[g], time_limit=args.gset_time_limit, solver=solver,
                               runs=args.gset_runs, seed=1)
            row[solver] = {k: v for k, v in r.to_dict().items() if k != "settings"}
            print(f"{g} {solver}: tts {r.tts:.3g} ({r.successes}/{r.runs})", file=sys.stderr, flush=True)
        out[g] = row
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--solvers", default="pt,sa,cac,cim")
    ap.add_argument("--wishart", default="32,48,64,96,128")
    ap.add_argument("--tiles", default="8,16,24,32")
    ap.add_argument("--gset", default="G1,G2")
    ap.add_argument("--instances", type=int, default=3)
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--time-limit", type=float, default=5.0)
    ap.add_argument("--gset-runs", type=int, default=5)
    ap.add_argument("--gset-time-limit", type=float, default=10.0)
    args = ap.parse_args(argv)
    solvers = [s for s in args.solvers.split(",") if s]
    res = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_before": os.getloadavg()},
           "protocol": {"instances": args.instances, "runs": args.runs, "time_limit_s": args.time_limit,
                        "gset_runs": args.gset_runs, "gset_time_limit_s": args.gset_time_limit},
           "wishart_alpha0.5": _class("wishart", _ints(args.wishart), solvers, args),
           "tiles2d": _class("tiles", _ints(args.tiles), solvers, args),
           "gset": _gset([g for g in args.gset.split(",") if g], solvers, args)}
    res["machine"]["load_after"] = os.getloadavg()
    print(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
