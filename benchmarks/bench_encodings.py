"""Landscape encodings of number partitioning: exhaustive landscapes and local search; prints JSON.

Workloads:

* ``landscapes``: random instances (uniform reals on (0, 1]) at n = 16, 18, 20, ``--instances``
  each (default 100): mean number of single-flip local minima, minima per state, and the exact
  fraction of steepest-descent and first-improvement walks from uniform starts that reach the
  global minimum, on the original landscape (2^n states) and on the decimation encoding
  (``n_fine = n // 2``: 2^(n/2) encoded states); barriers (escape barrier, saddle between s* and
  -s*) at n = 16 only; fractions of instances where the encoded landscape is strictly better.
* ``search``: n = 64 and 128, 20 instances: best residual of repeated first-improvement descents
  with the same evaluation budget (10^4 and 10^5) on the original landscape and on the encoding
  with 16 decimated numbers; the original with 10x the budget as a same-time baseline (an encoded
  evaluation does a binary search over 2^16 sorted sums); Karmarkar-Karp as a reference.

* ``levels``: the multi-level encoding (each level decimates the smaller half of the spins still
  coarse): per level mean minima and exact walk success, over random partition, ±1 SK and sparse
  Max-Cut instances at n = 16, 18, 20 (``--level-instances`` each, default 50).
* ``fine``: partition local search at n = 64 and 128 (20 instances, 10^5 evaluations) against
  the number k of decimated numbers, k = 0 (the original, the baseline), 4, 8, 12, 16, 20: at
  large n the multi-level flow is cut off by the oracle, which stores 2^k sorted sums.
* ``ising``: ±1 SK at n = 64, 128, 256, 10 instances: best energy of first-improvement descents
  with restarts on the original landscape (the baseline) and on the block encodings with 4 and 8
  decimated spins, (a) with the same number of evaluations (10^6) and (b) with the same wall time
  (1 s per search).
* ``maxcut``: Erdős–Rényi graphs of mean degree 3 at n = 256 and 1024 (10 each) and the Gset
  graphs G14 and G22 from ``../shared/data/gset`` when present (skipped otherwise): best cut on
  the original landscape and on the independent-set encoding, same evaluations (10^6) and same
  wall time (1 s; Gset 5 s, 3 runs).

Run: ``python benchmarks/bench_encodings.py [--quick] [--what landscapes|search|fine|levels|ising|maxcut|all]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from spinscope.optimize import (
    ising_local_search,
    karmarkar_karp,
    level_study,
    partition_landscape_study,
    partition_local_search,
    random_maxcut_problem,
    random_partition_numbers,
    read_gset,
    sk_pm_problem,
)

GSET = Path(__file__).resolve().parents[2] / "shared" / "data" / "gset"


def landscapes(sizes, instances: int) -> list[dict]:
    rows = []
    for n in sizes:
        t0 = time.perf_counter()
        study = partition_landscape_study(n, instances=instances, seed=2024 + n, barriers=n <= 16)
        seconds = time.perf_counter() - t0
        rows.append({
            "n": n, "instances": instances, "n_fine": study["n_fine"], "seconds": round(seconds, 2),
            "seconds_per_instance": round(seconds / instances, 4),
            "original": study["original"]["mean"], "encoded": study["encoded"]["mean"],
            "encoded_fewer_minima": study["encoded_fewer_minima"],
            "encoded_higher_steepest": study["encoded_higher_steepest"],
            "encoded_higher_random": study["encoded_higher_random"],
            "same_optimum": study["same_optimum"],
            "min_random_success_ratio": float(np.min(np.divide(study["encoded"]["random_success"],
                                                               study["original"]["random_success"]))),
        })
    return rows


def _run(a, budget, n_fine, seed):
    t0 = time.perf_counter()
    r = partition_local_search(a, budget=budget, n_fine=n_fine, seed=seed)
    return r.residual, time.perf_counter() - t0


def search(sizes, budgets, instances: int, n_fine: int = 16) -> list[dict]:
    partition_local_search([1.0, 2.0, 4.0], budget=10, n_fine=1)  # compile outside the timings
    rows = []
    for n in sizes:
        for budget in budgets:
            res = {"original": [], "encoded": [], "original_10x": []}
            secs = {k: 0.0 for k in res}
            kk = []
            for k in range(instances):
                a = random_partition_numbers(n, seed=10_000 * n + k)
                kk.append(karmarkar_karp(a))
                for name, b, f in (("original", budget, 0), ("encoded", budget, n_fine),
                                   ("original_10x", 10 * budget, 0)):
                    r, s = _run(a, b, f, k)
                    res[name].append(r)
                    secs[name] += s
            rows.append({
                "n": n, "budget": budget, "instances": instances, "n_fine": n_fine,
                **{f"median_residual_{k}": float(np.median(v)) for k, v in res.items()},
                "median_residual_karmarkar_karp": float(np.median(kk)),
                "encoded_better": int(np.sum(np.array(res["encoded"]) < np.array(res["original"]))),
                "encoded_better_than_original_10x": int(np.sum(np.array(res["encoded"]) < np.array(res["original_10x"]))),
                "encoded_better_than_kk": int(np.sum(np.array(res["encoded"]) < np.array(kk))),
                **{f"seconds_{k}": round(v, 3) for k, v in secs.items()},
            })
    return rows


def fine(sizes, instances: int, budget: int = 100_000, ks=(0, 4, 8, 12, 16, 20)) -> list[dict]:
    partition_local_search([1.0, 2.0, 4.0], budget=10, n_fine=1)  # compile outside the timings
    rows = []
    for n in sizes:
        res = {k: [] for k in ks}
        secs = {k: 0.0 for k in ks}
        for i in range(instances):
            a = random_partition_numbers(n, seed=10_000 * n + i)
            for k in ks:
                r, t = _run(a, budget, k, i)
                res[k].append(r)
                secs[k] += t
        rows.append({"n": n, "instances": instances, "budget": budget,
                     "median_residual": {str(k): float(np.median(v)) for k, v in res.items()},
                     "better_than_original": {str(k): int(np.sum(np.array(v) < np.array(res[0]))) for k, v in res.items()},
                     "seconds": {str(k): round(v, 3) for k, v in secs.items()}})
    return rows


def levels(sizes, instances: int, n_levels: int = 3) -> list[dict]:
    rows = []
    for kind in ("partition", "ising", "maxcut"):
        for n in sizes:
            t0 = time.perf_counter()
            st = level_study(kind, n, instances=instances, levels=n_levels, seed=7000 + n)
            rows.append({"kind": kind, "n": n, "instances": instances, "sizes": st["sizes"],
                         "seconds": round(time.perf_counter() - t0, 2),
                         "per_level": [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()}
                                       for r in st["per_level"]]})
    return rows


def _warm_up() -> None:
    for enc in ("none", "independent", "block"):
        ising_local_search(sk_pm_problem(12, seed=0), budget=100, encoding=enc, n_fine=3, seed=0)


def _compare(problem, configs, budget, seconds, runs, seed0) -> dict:
    """Best values of each configuration, same evaluations and same time, ``runs`` seeds."""
    out = {}
    for name, enc, k in configs:
        for mode, kw in (("evals", {"budget": budget}), ("time", {"time_limit": seconds})):
            res = [ising_local_search(problem, encoding=enc, n_fine=k, seed=seed0 + r, **kw) for r in range(runs)]
            out[f"{name}_{mode}"] = {"value": max(r.value for r in res) if problem.kind == "maxcut"
                                     else min(r.value for r in res),
                                     "evaluations": int(np.median([r.evaluations for r in res])),
                                     "seconds": round(float(np.median([r.seconds for r in res])), 3)}
    return out


def _tally(rows: list[dict], names, sign: float) -> dict:
    """Per mode: instances where each encoding beats / ties / loses to the original (the baseline)."""
    out = {}
    for name in names:
        for mode in ("evals", "time"):
            diff = [sign * (r[f"{name}_{mode}"]["value"] - r[f"original_{mode}"]["value"]) for r in rows]
            out[f"{name}_{mode}"] = {"better": int(np.sum(np.array(diff) < 0)), "ties": int(np.sum(np.array(diff) == 0)),
                                     "worse": int(np.sum(np.array(diff) > 0)),
                                     "median_gain": float(np.median(-np.array(diff)))}
    return out


def ising(sizes, instances: int, budget: int = 10**6, seconds: float = 1.0) -> list[dict]:
    _warm_up()
    configs = (("original", "none", None), ("block4", "block", 4), ("block8", "block", 8))
    out = []
    for n in sizes:
        rows = [_compare(sk_pm_problem(n, seed=20_000 + 100 * n + k), configs, budget, seconds, 1, k)
                for k in range(instances)]
        out.append({"n": n, "instances": instances, "budget": budget, "seconds_per_search": seconds,
                    "median_energy": {c: float(np.median([r[c]["value"] for r in rows])) for c in rows[0]},
                    "median_evaluations": {c: int(np.median([r[c]["evaluations"] for r in rows])) for c in rows[0]},
                    "vs_original": _tally(rows, ("block4", "block8"), 1.0)})
    return out


def maxcut(sizes, instances: int, budget: int = 10**6, seconds: float = 1.0, gset=("G14", "G22"),
           gset_seconds: float = 5.0) -> dict:
    _warm_up()
    configs = (("original", "none", None), ("encoded", "independent", None))
    out: dict = {"random": []}
    for n in sizes:
        rows = [_compare(random_maxcut_problem(n, seed=30_000 + 100 * n + k), configs, budget, seconds, 1, k)
                for k in range(instances)]
        out["random"].append({"n": n, "degree": 3, "instances": instances, "budget": budget,
                              "seconds_per_search": seconds,
                              "median_cut": {c: float(np.median([r[c]["value"] for r in rows])) for c in rows[0]},
                              "median_evaluations": {c: int(np.median([r[c]["evaluations"] for r in rows]))
                                                     for c in rows[0]},
                              "vs_original": _tally(rows, ("encoded",), -1.0)})
    out["gset"] = []
    for name in gset:
        path = GSET / f"{name}.txt"
        if not path.is_file():
            out["gset"].append({"graph": name, "skipped": f"{path} not found"})
            continue
        p = read_gset(path)
        res = _compare(p, configs, budget, gset_seconds, 3, 0)
        out["gset"].append({"graph": name, "n": p.n, "runs": 3, "seconds_per_search": gset_seconds,
                            **{c: v for c, v in res.items()}})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 instances, n = 16 and 18, one budget")
    ap.add_argument("--what", choices=("landscapes", "search", "fine", "levels", "ising", "maxcut", "all"), default="all")
    ap.add_argument("--instances", type=int, default=100)
    ap.add_argument("--level-instances", type=int, default=50)
    args = ap.parse_args()
    out = {"platform": platform.platform(), "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    t0 = time.perf_counter()
    if args.what in ("landscapes", "all"):
        out["landscapes"] = landscapes((16, 18) if args.quick else (16, 18, 20), 20 if args.quick else args.instances)
    if args.what in ("search", "all"):
        out["search"] = search((64,) if args.quick else (64, 128), (10_000,) if args.quick else (10_000, 100_000),
                               5 if args.quick else 20)
    if args.what in ("fine", "all"):
        out["fine"] = fine((64,) if args.quick else (64, 128), 5 if args.quick else 20)
    if args.what in ("levels", "all"):
        out["levels"] = levels((12, 14) if args.quick else (16, 18, 20), 5 if args.quick else args.level_instances)
    if args.what in ("ising", "all"):
        out["ising"] = ising((64,) if args.quick else (64, 128, 256), 2 if args.quick else 10,
                             10**5 if args.quick else 10**6, 0.2 if args.quick else 1.0)
    if args.what in ("maxcut", "all"):
        out["maxcut"] = maxcut((256,) if args.quick else (256, 1024), 2 if args.quick else 10,
                               10**5 if args.quick else 10**6, 0.2 if args.quick else 1.0,
                               ("G14",), 0.5 if args.quick else 5.0)
    out["seconds_total"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
