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

Run: ``python benchmarks/bench_encodings.py [--quick] [--what landscapes|search|all]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from spinscope.optimize import (
    karmarkar_karp,
    partition_landscape_study,
    partition_local_search,
    random_partition_numbers,
)


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20 instances, n = 16 and 18, one budget")
    ap.add_argument("--what", choices=("landscapes", "search", "all"), default="all")
    ap.add_argument("--instances", type=int, default=100)
    args = ap.parse_args()
    out = {"platform": platform.platform(), "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    t0 = time.perf_counter()
    if args.what in ("landscapes", "all"):
        out["landscapes"] = landscapes((16, 18) if args.quick else (16, 18, 20), 20 if args.quick else args.instances)
    if args.what in ("search", "all"):
        out["search"] = search((64,) if args.quick else (64, 128), (10_000,) if args.quick else (10_000, 100_000),
                               5 if args.quick else 20)
    out["seconds_total"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
