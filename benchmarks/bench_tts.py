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
``-N`` (``--full`` adds N = 80), and fits ``ln(median TTS) = a + r N``: ``r`` is the exponential
scaling rate per variable (``rate_per_n``; also as ``log10`` per variable), over all sizes with a
finite median and over the "unsaturated" ones (median success probability < 0.99; where every run
succeeds, TTS is just the default budget's run time). The same is done for ``sweeps99``, the
TTS formula with a run's work in sweeps instead of seconds (independent of the machine's load).
``xorsat_best_budget_sweeps`` removes the budget floor: TTS_99 in sweeps at the best budget
(PT: from the distribution of single ladders' work to the target; SA: the best of four anneal
lengths), with its fitted rate.

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
    tts_from_success,
    wishart_planted,
    xorsat_planted,
)
from spinscope.optimize.xorsat_solvers import xorsat_annealing, xorsat_tempering

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


XORSAT_BUDGET = {"sa": 16 * 10000, "pt": 4 * 8 * 2000, "auto": 4 * 8 * 2000}  # sweeps of one default run


def _fit(out: dict, sizes, key: str, solver: str, saturated_ok: bool) -> dict | None:
    """Least-squares ``ln(key) = a + r N`` over the sizes with a finite median (and, unless
    ``saturated_ok``, a median success probability below 0.99: there TTS is one run's budget)."""
    pts = [(n, out[f"N={n}"][solver][key]) for n in sizes if out[f"N={n}"][solver][key]
           and (saturated_ok or np.median(out[f"N={n}"][solver]["p_success"]) < 0.99)]
    if len(pts) < 2:
        return None
    slope, icpt = np.polyfit([p[0] for p in pts], np.log([p[1] for p in pts]), 1)
    return {"rate_per_n": float(slope), "log10_per_n": float(slope / np.log(10)), "intercept_ln": float(icpt),
            "sizes": [p[0] for p in pts]}


def _xorsat_rows(sizes, instances: int, runs: int) -> dict:
    """Median TTS_99 per solver and size on planted 3-regular 3-XORSAT, and its fitted growth rate.

    Besides the wall-clock TTS (load-sensitive), ``sweeps99_median`` is the same formula with a
    run's work in sweeps (reads x replicas x sweeps of the default budget) instead of its seconds.
    """
    out: dict = {}
    insts = {n: [xorsat_planted(n, seed=100 + k) for k in range(instances)] for n in sizes}
    for n in sizes:
        row = {}
        for solver in XORSAT_SOLVERS:
            t0 = time.perf_counter()
            res = [time_to_solution(inst, target=inst.ground_energy, solver=solver, runs=runs, seed=k)
                   for k, inst in enumerate(insts[n])]
            sweeps = [tts_from_success(r.p_success, XORSAT_BUDGET[solver]) for r in res]
            row[solver] = {**median_tts(res, seed=0), "p_success": [r.p_success for r in res],
                           "t_run_median": float(np.median([r.t_run for r in res])),
                           "sweeps99_median": float(np.median(sweeps)) if np.isfinite(np.median(sweeps)) else None,
                           "seconds": time.perf_counter() - t0}
        finite = {s: r["median"] for s, r in row.items() if r["median"] is not None}
        row["winner"] = min(finite, key=finite.get) if finite else None
        out[f"N={n}"] = row
    out["scaling"] = {s: {"tts_all_sizes": _fit(out, sizes, "median", s, True),
                          "tts_unsaturated": _fit(out, sizes, "median", s, False),
                          "sweeps99_all_sizes": _fit(out, sizes, "sweeps99_median", s, True),
                          "sweeps99_unsaturated": _fit(out, sizes, "sweeps99_median", s, False)}
                      for s in XORSAT_SOLVERS}
    return out


def _best_budget_tts(works: np.ndarray) -> float:
    """TTS_99 in sweeps at the best budget ``B`` for runs with these works-to-target (inf: not
    reached): ``min_B B ln(0.01) / ln(1 - p(B))``, ``p(B)`` the fraction of runs done by ``B``."""
    finite = np.sort(works[np.isfinite(works)])
    if finite.size == 0:
        return float("inf")
    return min(tts_from_success(float(np.mean(works <= b)), float(b)) for b in finite)


def _median_ci(values, seed: int = 0, n_boot: int = 1000) -> dict:
    v = np.asarray(values, dtype=float)
    meds = np.median(v[np.random.default_rng(seed).integers(0, v.size, (n_boot, v.size))], axis=1)
    fin = lambda x: float(x) if np.isfinite(x) else None  # noqa: E731
    return {"median": fin(np.median(v)), "ci": [fin(np.percentile(meds, 2.5, method="lower")),
                                                 fin(np.percentile(meds, 97.5, method="higher"))]}


def _xorsat_best_budget(sizes, instances: int, runs: int) -> dict:
    """Budget-optimised TTS_99 in sweeps (load-independent, no floor at one run's budget).

    PT: ``runs`` single ladders (8 replicas) per instance run to the planted energy; the work of
    each is rounds x replicas, and TTS_99 is minimised over the budget (:func:`_best_budget_tts`).
    SA: anneals of S = 100, 1000, 10000, 100000 sweeps (``4 * runs`` reads each), ``p_S`` the fraction
    reaching ``-N``, TTS_99 = min_S S ln 0.01 / ln(1 - p_S). Median over instances with a bootstrap
    interval, and the fitted rate of ``ln(median)`` against N.
    """
    out: dict = {"sa": {}, "pt": {}}
    for n in sizes:
        insts = [xorsat_planted(n, seed=100 + k) for k in range(instances)]
        pt, sa = [], []
        for k, inst in enumerate(insts):
            w = [xorsat_tempering(inst, num_reads=1, num_replicas=8, num_sweeps=10**9, target=-n, seed=1000 * k + j,
                                  time_limit=60) for j in range(runs)]
            pt.append(_best_budget_tts(np.array([r.sweeps * 8.0 if r.target_reached else np.inf for r in w])))
            best = np.inf
            for S in (100, 1000, 10000, 100000):
                r = xorsat_annealing(inst, num_reads=4 * runs, num_sweeps=S, seed=k)
                best = min(best, tts_from_success(float(np.mean(r.energies <= -n + 1e-9)), float(S)))
            sa.append(best)
        out["pt"][f"N={n}"], out["sa"][f"N={n}"] = _median_ci(pt), _median_ci(sa)
    for solver in ("sa", "pt"):
        pts = [(n, out[solver][f"N={n}"]["median"]) for n in sizes if out[solver][f"N={n}"]["median"]]
        if len(pts) >= 2:
            slope, icpt = np.polyfit([p[0] for p in pts], np.log([p[1] for p in pts]), 1)
            out[solver]["scaling"] = {"rate_per_n": float(slope), "log10_per_n": float(slope / np.log(10)),
                                      "intercept_ln_sweeps": float(icpt), "sizes": [p[0] for p in pts]}
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
    xsizes = (16, 24, 32) if args.quick else ((16, 24, 32, 48, 64, 80) if args.full else (16, 24, 32, 48, 64))
    res = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_before": os.getloadavg()},
           "instances": inst, "runs": runs}
    if not args.xorsat_only:
        res["wishart_alpha0.5"] = _class_rows("wishart", wsizes, inst, runs)
        res["tiles2d"] = _class_rows("tiles", lsizes, inst, runs)
    res["xorsat"] = _xorsat_rows(xsizes, inst, runs)
    res["xorsat_best_budget_sweeps"] = _xorsat_best_budget(xsizes, inst, runs)
    res["machine"]["load_after"] = os.getloadavg()
    print(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
