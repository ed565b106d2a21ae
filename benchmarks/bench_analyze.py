"""Benchmark of the network analysis on a 784-256-256-10 network (N = 1306); prints JSON.

Workloads (medians of ``--repeats`` runs, seconds):

* ``tc_root``: :func:`spinscope.meanfield.stability_tc` (grid + Brent/brentq refinement to 1e-6),
  on the random (touch) network and on a planted "trained-like" one (cross);
* ``curve``: :func:`stability_curve` on 200 inverse temperatures; baseline in the same run: a dense
  ``numpy.linalg.eigvalsh`` of ``I - beta J + beta^2 D`` per grid point, timed on every
  ``--baseline-stride``-th point (per-point time reported, and the ratio per point);
* ``tap``: :func:`tap_solve` with 64 starts at ``T = 0.8 T_c``;
* ``tap_methods``: the TAP schemes compared on the planted network at ``T = 0.6 T_c`` (fraction of
  64 starts converged to residual < 1e-6 within 500 sweeps): plain parallel iteration, damped
  parallel iteration, AMP (Onsager term on the previous iterate), block-coordinate descent;
* ``analyze_network``: the whole analysis.

Run: ``python benchmarks/bench_analyze.py [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
from threadpoolctl import threadpool_limits

from spinscope.meanfield import stability_curve, stability_tc, tap_solve
from spinscope.meanfield._couplings import Couplings
from spinscope.meanfield.stability import default_betas
from spinscope.models import IsingModel
from spinscope.nn import analyze_network
from spinscope.nn.analysis import random_weights

SIZES = (784, 256, 256, 10)


def _median_time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), times, out


def _planted(ws, seed=0, strength=2.0):
    rng = np.random.default_rng(seed)
    xi = [rng.choice([-1.0, 1.0], s) for s in SIZES]
    return [w + strength * np.outer(xi[k], xi[k + 1]) / np.sqrt(SIZES[k] * SIZES[k + 1]) for k, w in enumerate(ws)]


def _parallel_scheme(cp, M, beta, kind, sweeps=500, alpha=0.5):
    prev = M.copy()
    for it in range(sweeps):
        c = cp.apply_sq(1.0 - M * M)
        ons = prev if kind == "amp" else M
        new = np.tanh(beta * cp.apply(M) - beta**2 * c * ons)
        prev = M
        M = (1 - alpha) * M + alpha * new if kind == "damped" else new
        if it % 10 == 9:
            c = cp.apply_sq(1.0 - M * M)
            res = np.max(np.abs(M - np.tanh(beta * cp.apply(M) - beta**2 * c * M)), axis=1)
            if np.all(res < 1e-6):
                break
    c = cp.apply_sq(1.0 - M * M)
    res = np.max(np.abs(M - np.tanh(beta * cp.apply(M) - beta**2 * c * M)), axis=1)
    return float(np.mean(res < 1e-6))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline-stride", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    ws = random_weights(SIZES, init="torch", seed=args.seed)
    rnd = IsingModel.from_layers(ws)
    planted = IsingModel.from_layers(_planted(ws, args.seed))
    out: dict = {"network": list(SIZES), "n": rnd.n, "repeats": args.repeats, "cpu_count": os.cpu_count(),
                 "python": platform.python_version()}

    t_r, _, st = _median_time(lambda: stability_tc(rnd), args.repeats)
    t_p, _, stp = _median_time(lambda: stability_tc(planted), args.repeats)
    out["tc_root"] = {"random_s": t_r, "random_tc": st.tc, "random_crossing": st.crossing,
                      "planted_s": t_p, "planted_tc": stp.tc, "planted_crossing": stp.crossing,
                      "target_s": 2.0}

    betas = default_betas(rnd, 200)
    t_c, _, (_, lam) = _median_time(lambda: stability_curve(rnd, betas), args.repeats)
    J = rnd.dense_couplings()
    D = np.diag((J * J).sum(1))
    idx = np.arange(0, betas.size, args.baseline_stride)
    with threadpool_limits(limits=1, user_api="blas"):
        t0 = time.perf_counter()
        dense = [np.linalg.eigvalsh(np.eye(rnd.n) - b * J + b * b * D)[0] for b in betas[idx]]
        t_dense = (time.perf_counter() - t0) / idx.size
    out["curve"] = {"points": int(betas.size), "median_s": t_c, "per_point_s": t_c / betas.size,
                    "baseline_dense_per_point_s": t_dense, "baseline_points_timed": int(idx.size),
                    "speedup_per_point": t_dense / (t_c / betas.size),
                    "max_abs_diff_vs_dense": float(np.max(np.abs(np.array(dense) - lam[idx]))),
                    "target_s": 10.0}

    beta_tap = 1.25 * st.beta_c
    t_t, _, tr = _median_time(lambda: tap_solve(rnd, beta=beta_tap, starts=64, seed=args.seed), args.repeats)
    t_tp, _, trp = _median_time(lambda: tap_solve(planted, beta=1.25 * stp.beta_c, starts=64, seed=args.seed),
                                args.repeats)
    out["tap"] = {"random_s": t_t, "random_n_solutions": tr.n_solutions, "random_iterations": tr.iterations,
                  "planted_s": t_tp, "planted_n_solutions": trp.n_solutions,
                  "planted_n_valid": int(trp.valid.sum()), "target_s": 10.0}

    cp = Couplings(planted)
    beta_m = stp.beta_c / 0.6
    rng = np.random.default_rng(args.seed)
    M0 = rng.uniform(-1, 1, (64, rnd.n))
    methods = {}
    with threadpool_limits(limits=1, user_api="blas"):
        for kind in ("plain", "damped", "amp"):
            t0 = time.perf_counter()
            frac = _parallel_scheme(cp, M0.copy(), beta_m, kind)
            methods[kind] = {"converged_fraction": frac, "s": time.perf_counter() - t0}
    t0 = time.perf_counter()
    r = tap_solve(planted, beta=beta_m, starts=64, seed=args.seed, max_iter=500, hessian=False)
    methods["block_descent"] = {"converged_fraction": 1 - r.n_unconverged / 64, "s": time.perf_counter() - t0}
    out["tap_methods"] = {"beta": beta_m, "max_sweeps": 500, **methods}

    t_a, _, an = _median_time(lambda: analyze_network(ws, seed=args.seed), args.repeats)
    out["analyze_network"] = {"median_s": t_a, "timings_last": an.timings, "target_s": 10.0}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
