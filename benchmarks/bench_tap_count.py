"""Counting physical TAP solutions: the search methods against the exact T = 0 states, and speed; prints JSON.

Workloads:

* ``sk_vs_enumeration``: SK instances (N = 16, 20, 24; 3 seeds each) at T = 0.003, 0.03, 0.1: the
  number of distinct physical solutions found from 256 starts by each method ("heat", "quench",
  "random"), next to the number of one-flip-stable states (exact enumeration, one per ±pair), and the
  smallest overlap of a found solution with its nearest stable state;
* ``network``: a random 64-128-128-10 network (torch initialisation, the default ``track`` width) at
  T = 0.5, 0.01 and 0 times its T_c, 256 starts, each method (the T = 0 count is method-free);
* ``speed``: 256 starts of the default method on a random 784-256-256-10 network at 0.5 and 0.01 T_c
  (wall and CPU seconds; target <= 30 s on 2 cores); baseline in the same run: 64 starts of
  :func:`spinscope.meanfield.tap_solve` at T = 0.8 T_c.

Run: ``python benchmarks/bench_tap_count.py [--quick]`` (``--quick``: one seed, N = 16 and 20).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from spinscope.exact import one_flip_stable_states
from spinscope.meanfield import stability_tc, tap_solve
from spinscope.meanfield.landscape import METHODS, tap_landscape
from spinscope.models import sk
from spinscope.nn.analysis import random_weights
from spinscope.nn.mapping import network_to_model


def _timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def sk_vs_enumeration(sizes, seeds, temperatures) -> list[dict]:
    rows = []
    for n in sizes:
        for seed in seeds:
            model = sk(n, seed=seed)
            exact = one_flip_stable_states(model)
            S = exact.states.astype(float)
            for T in temperatures:
                row = {"n": n, "seed": seed, "T": T, "stable_pairs": len(S)}
                for method in METHODS:
                    r = tap_landscape(model, beta=1 / T, starts=256, seed=seed, method=method)
                    ov = np.abs(r.solutions @ S.T).max(axis=1) / n if r.n_solutions else np.array([np.nan])
                    row[method] = {"found": r.n_solutions, "min_overlap_with_stable": float(ov.min()),
                                   "rejected": r.rejected}
                rows.append(row)
    return rows


def network(sizes=(64, 128, 128, 10)) -> dict:
    model = network_to_model(random_weights(sizes, seed=0))
    tc = stability_tc(model).tc
    out = {"layers": list(sizes), "tc": tc}
    for f in (0.5, 0.01, 0.0):
        beta = np.inf if f == 0 else 1 / (f * tc)
        for method in METHODS if f else ("quench",):
            r, wall, _ = _timed(lambda b=beta, m=method: tap_landscape(model, beta=b, starts=256, seed=1, method=m))
            out[f"{f:g}Tc_{method}"] = {"found": r.n_solutions, "estimated_total": r.estimated_total,
                                        "rejected": r.rejected, "seconds": wall}
    return out


def speed() -> dict:
    model = network_to_model(random_weights((784, 256, 256, 10), seed=0))
    tc = stability_tc(model).tc
    out = {"layers": [784, 256, 256, 10], "tc": tc}
    _, w, c = _timed(lambda: tap_solve(model, beta=1.25 / tc, starts=64, seed=1))
    out["baseline_tap_solve_64_starts"] = {"wall": w, "cpu": c}
    for f in (0.5, 0.01):
        r, w, c = _timed(lambda f=f: tap_landscape(model, beta=1 / (f * tc), starts=256, seed=1))
        out[f"count_256_starts_{f:g}Tc"] = {"wall": w, "cpu": c, "found": r.n_solutions,
                                            "ratio_to_baseline_wall": w / out["baseline_tap_solve_64_starts"]["wall"]}
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one seed, N = 16 and 20")
    args = ap.parse_args(argv)
    sizes, seeds = ((16, 20), (0,)) if args.quick else ((16, 20, 24), (0, 1, 2))
    load = os.getloadavg()
    res = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_before": load},
           "sk_vs_enumeration": sk_vs_enumeration(sizes, seeds, (0.003, 0.03, 0.1)),
           "network": network(), "speed": speed()}
    res["machine"]["load_after"] = os.getloadavg()
    print(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
