"""Benchmark of the MCM partition searches; prints JSON.

Cases (medians of ``--reps`` repetitions after one warm-up that includes numba compilation):

* ``scotus_exact``: exact search on the US Supreme Court data (n = 9, N = 895); baseline in
  the same run: brute-force enumeration of all Bell(9) = 21147 set partitions, each partition's
  evidence computed from the counts (the reference code's algorithm, here in numba/Python).
* ``synthetic_n16_exact``: exact search on a planted MCM, n = 16, N = 10**5; baseline: greedy
  search on the same data (time, and the evidence it misses).
* ``synthetic_n20_exact`` (only with ``--n20``): one exact search, n = 20, N = 10**5.
* ``greedy_n128``: greedy search, n = 128, N = 6 * 10**4 (16 planted components of 8 variables).

Usage: ``python benchmarks/bench_mcm.py [--reps 5] [--n20] [--data ../shared/data]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numba
import numpy as np

from spinscope.mcm import _kernels as K
from spinscope.mcm import as_binary_data, exact_search, greedy_search, read_binary_data
from spinscope.mcm._partition import mask_to_words
from spinscope.mcm.evidence import tables
from spinscope.mcm.synthetic import sample_planted_mcm


def timed(fn, reps):
    fn()  # warm-up (compilation, caches)
    times = []
    out = None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times, out


def set_partitions(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in set_partitions(rest):
        yield [1 << first, *part]
        for i in range(len(part)):
            yield [*part[:i], part[i] | (1 << first), *part[i + 1:]]


def brute_force(data):
    """Best partition by enumerating all set partitions, each evaluated from the data counts."""
    t = tables(data.N).lgh
    best, arg = -np.inf, None
    for part in set_partitions(list(range(data.n))):
        v = 0.0
        for m in part:
            s, _ = K.masked_sum(data.states, data.counts, mask_to_words(m, 1), t)
            v += K.complete_prefactor(bin(m).count("1"), data.N) + s
        if v > best:
            best, arg = v, part
    return best, arg


def planted(n, N, block, seed):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n).tolist()
    parts = [perm[i:i + block] for i in range(0, n, block)]
    return as_binary_data(sample_planted_mcm(parts, N, alpha=0.3, seed=seed + 1)), parts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--n20", action="store_true", help="also run the exact search at n = 20")
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    args = ap.parse_args()
    out = {"benchmark": "mcm", "python": platform.python_version(), "cpu_count": os.cpu_count(),
           "numba_threads": numba.get_num_threads(), "reps": args.reps, "cases": {}}

    scotus = args.data / "mcm" / "SCOTUS_n9_N895.dat"
    if scotus.is_file():
        d = read_binary_data(scotus)
        med, times, res = timed(lambda: exact_search(d), args.reps)
        bmed, _btimes, (bval, _) = timed(lambda: brute_force(d), max(1, min(args.reps, 3)))
        out["cases"]["scotus_exact"] = {
            "n": d.n, "N": d.N, "median_s": med, "times_s": times, "log_evidence": res.log_evidence,
            "baseline": "brute-force enumeration of Bell(9) = 21147 partitions",
            "baseline_median_s": bmed, "baseline_log_evidence": bval, "speedup": bmed / med}
    else:
        out["cases"]["scotus_exact"] = {"skipped": f"{scotus} not found"}

    d16, parts16 = planted(16, 10**5, 4, seed=16)
    med, times, res = timed(lambda: exact_search(d16), args.reps)
    gmed, _gtimes, gres = timed(lambda: greedy_search(d16), args.reps)
    out["cases"]["synthetic_n16_exact"] = {
        "n": 16, "N": d16.N, "distinct_states": d16.m, "median_s": med, "times_s": times,
        "log_evidence": res.log_evidence,
        "recovers_planted": sorted(res.components) == sorted(tuple(sorted(p)) for p in parts16),
        "baseline": "greedy search on the same data", "baseline_median_s": gmed,
        "baseline_log_evidence": gres.log_evidence, "exact_over_greedy_time": med / gmed,
        "evidence_gain_over_greedy": res.log_evidence - gres.log_evidence}

    if args.n20:
        d20, parts20 = planted(20, 10**5, 5, seed=20)
        t = time.perf_counter()
        res = exact_search(d20)
        out["cases"]["synthetic_n20_exact"] = {
            "n": 20, "N": d20.N, "distinct_states": d20.m, "time_s": time.perf_counter() - t,
            "reps": 1, "log_evidence": res.log_evidence,
            "recovers_planted": sorted(res.components) == sorted(tuple(sorted(p)) for p in parts20)}

    d128, parts128 = planted(128, 6 * 10**4, 8, seed=128)
    med, times, res = timed(lambda: greedy_search(d128), max(1, min(args.reps, 3)))
    out["cases"]["greedy_n128"] = {
        "n": 128, "N": d128.N, "distinct_states": d128.m, "median_s": med, "times_s": times,
        "log_evidence": res.log_evidence,
        "recovers_planted": sorted(res.components) == sorted(tuple(sorted(p)) for p in parts128)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
