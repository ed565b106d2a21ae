"""Benchmark of ``spinscope glm``: state evolution along alpha, GAMP, exact enumeration.

Prints one JSON object. Each timing is the median of ``--repeats`` runs and is compared, in the
same run, with a baseline:

* ``se``: the user's path ``glm(alphas="0.05:3:200")`` (every fixed point at 200 loads plus both
  thresholds) against the textbook baseline, iterating the state-evolution recursion to
  convergence from ``q = 0`` at each load (which finds only one fixed point per load);
* ``amp``: GAMP on the binary perceptron at ``N = 10^4``, ``M = 2 10^4`` (alpha = 2), float32
  matrices (the default) against float64, data generation and iterations timed separately, and
  the public ``amp_instances`` next to the kernel;
* ``exact``: enumeration of ``{±1}^N`` for one instance at alpha = 1.

``--quick`` uses ``N = 2000`` for GAMP and ``N = 14`` for the enumeration.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np


def _median_time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def bench_se(repeats):
    from spinscope.glm.channels import make_channel
    from spinscope.glm.priors import make_prior
    from spinscope.glm.state_evolution import StateEvolution
    from spinscope.workflows import glm

    alphas = np.linspace(0.05, 3.0, 200)
    user, res = _median_time(lambda: glm(alphas="0.05:3:200", seed=0), repeats)

    def baseline():
        se = StateEvolution(make_prior("rademacher"), make_channel("sign"), grid=3)
        out = []
        for a in alphas:
            q = 0.0
            for _ in range(2000):
                new = se.step(a, q)
                if abs(new - q) < 1e-10:
                    break
                q = new
            out.append(q)
        return np.array(out)

    base, q_iter = _median_time(baseline, max(1, repeats // 2))
    return {"loads": 200, "user_path_s": user, "baseline_iterate_from_zero_s": base,
            "ratio_baseline_over_user": base / user, "alpha_it": res.thresholds["alpha_it"],
            "alpha_alg": res.thresholds["alpha_alg"],
            "max_abs_diff_amp_branch_vs_iteration": float(np.max(np.abs(res.theory.q_amp - q_iter)))}


def bench_amp(n, repeats):
    import torch  # noqa: F401  (imported before the clock starts: the matrix is drawn by torch)

    from spinscope.glm.amp import amp_instances, gamp, teacher_student
    from spinscope.glm.channels import make_channel
    from spinscope.glm.priors import make_prior

    p, c = make_prior("rademacher"), make_channel("sign")
    m = 2 * n
    out = {"N": n, "M": m}
    for dtype in (np.float32, np.float64):
        name = np.dtype(dtype).name
        gen, (x, A, y) = _median_time(lambda d=dtype: teacher_student(p, c, n, m, 1, 1, dtype=d), 1)
        run, res = _median_time(lambda x=x, A=A, y=y: gamp(y, A, p, c, x_true=x, iterations=200), repeats)
        out[name] = {"generate_s": gen, "gamp_s": run, "iterations": int(res.iterations[0]),
                     "final_overlap": float(res.overlaps[0, -1]), "matrix_bytes": int(A.nbytes)}
        del A
    user, res = _median_time(lambda: amp_instances(p, c, 2.0, n, 1, seed=1, iterations=200), 1)
    out["user_path_amp_instances_s"] = user
    out["user_path_final_overlap"] = float(res.overlaps[0, -1])
    out["ratio_float64_over_float32_gamp"] = out["float64"]["gamp_s"] / out["float32"]["gamp_s"]
    return out


def bench_exact(n):
    from spinscope.glm.channels import make_channel
    from spinscope.glm.exact import exact_glm, exact_grf
    from spinscope.glm.grf import GRFOutput, make_covariance

    glm_s, _ = _median_time(lambda: exact_glm(make_channel("sign"), 1.0, n, 1, seed=0), 1)
    out = GRFOutput(make_covariance("q**3"), 0.1)
    grf_s, _ = _median_time(lambda: exact_grf(out, 1.0, n, 1, seed=0), 1)
    return {"N": n, "states": 2**n, "glm_sign_one_instance_s": glm_s, "grf_q3_one_instance_s": grf_s}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    n_amp, n_exact = (2000, 14) if args.quick else (10_000, 20)
    result = {"benchmark": "glm", "quick": args.quick, "machine": platform.machine(),
              "cpus": os.cpu_count(), "note": "timings on a shared machine unless stated otherwise",
              "se": bench_se(args.repeats), "amp": bench_amp(n_amp, args.repeats), "exact": bench_exact(n_exact)}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
