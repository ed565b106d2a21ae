"""Benchmark of ``spinscope hopfield``: the RS phase diagram and the Monte Carlo point; prints JSON.

Cases:

* ``rs_diagram``: the whole 100 x 100 (alpha, T) diagram (alpha 0.002..0.16, T 0.05..1.5) through
  the public :func:`spinscope.meanfield.hopfield_diagram.phase_diagram` (grid + T_M, T_c, T_g
  lines), and the grid kernel alone with warm-started continuation against the baseline in the
  same run: the same AGS iteration started cold (from the pattern) at every point, timed once on
  ``--baseline-columns`` evenly spread alpha columns and scaled to the grid.
* ``rs_workflow``: the user's path :func:`spinscope.workflows.hopfield` (grid, lines, reference
  check), no Monte Carlo.
* ``mc_point``: one Monte Carlo point as ``spinscope hopfield --mc`` runs it: N = 4000,
  alpha = 0.05 (P = 200), 3 target patterns x (300 burn-in + 300 sweeps); seconds per sweep of
  the overlap kernel against the baseline in the same run: spinscope's dense Metropolis
  (``MonteCarlo("metropolis")`` on ``HopfieldModel.to_ising()``, O(N^2) per sweep), timed on
  ``--baseline-sweeps`` sweeps.

* ``capacity`` (with ``--capacity``): the zero-temperature capacity from Monte Carlo. For
  N = 1000, 2000, 4000, 8000 and alpha = 0.10 .. 0.18, networks started on a stored pattern are
  run at T = 0.005 (effectively T = 0) for 60 sweeps; alpha_c(N) is where the final overlap,
  averaged over 3 patterns, crosses 0.8 (linear interpolation), and alpha_c(N) = a + b / sqrt(N)
  is fitted by least squares to extrapolate to N = infinity (RS: 0.138).

Medians of ``--reps`` repetitions. Usage: ``python benchmarks/bench_hopfield.py [--reps 3] [--quick]
[--capacity]``
(``--quick``: 30 x 30 grid, N = 1000; a smoke test).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

from spinscope.mc import MonteCarlo
from spinscope.mc.hopfield import hopfield_sample
from spinscope.meanfield import _hopfield_kernels as hk
from spinscope.meanfield.hopfield import _GRID
from spinscope.meanfield.hopfield_diagram import phase_diagram
from spinscope.models.hopfield_rbm import HopfieldModel, random_patterns
from spinscope.workflows import hopfield


def timed(fn, reps: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _cold(alphas, betas):
    out = np.empty((alphas.size, betas.size, 3))
    for i, a in enumerate(alphas):
        for j, b in enumerate(betas):
            out[i, j] = hk.ags_point(a, b, 1.0, 1.0, *_GRID, 1e-10, 5000)[:3]
    return out


def rs_cases(n: int, reps: int, baseline_columns: int) -> dict:
    a, t = np.linspace(0.002, 0.16, n), np.linspace(0.05, 1.5, n)
    phase_diagram(a[:2], t[:2])  # compile
    hk.ags_point(0.05, 2.0, 1.0, 1.0, *_GRID, 1e-10, 10)
    public, d = timed(lambda: phase_diagram(a, t), reps)
    out = np.empty((n, n, 5))
    warm, _ = timed(lambda: hk.diagram_columns(a, 1.0 / t, 0.0, 1.0, True, *_GRID, 1e-10, 5000, out), reps)
    cols = a[np.linspace(0, n - 1, min(baseline_columns, n)).astype(int)]
    cold, _ = timed(lambda: _cold(cols, 1.0 / t), 1)
    cold *= n / cols.size  # scaled to the whole grid
    workflow, res = timed(lambda: hopfield(alphas=a, temperatures=t), 1)
    return {"rs_diagram": {"grid": [n, n], "phase_diagram_s": public, "counts": d.counts(),
                           "kernel_warm_retrieval_and_sg_s": warm, "baseline_cold_retrieval_only_s": cold,
                           "speedup_warm_vs_cold": cold / warm},
            "rs_workflow": {"grid": [n, n], "seconds": workflow, "timings": res.timings,
                            "reference_max_abs_difference": res.reference["max_abs_difference"]}}


def mc_case(N: int, reps: int, baseline_sweeps: int) -> dict:
    xi = random_patterns(int(0.05 * N), N, seed=1)
    hopfield_sample(HopfieldModel(xi[:, :32]), 0.4, sweeps=2, burn_in=0)  # compile

    def point():
        m = []
        for k in range(3):
            r = hopfield_sample(HopfieldModel(xi, target=k), 0.46, sweeps=300, burn_in=300, every=10, seed=k)
            m.append(r.target_overlap(k)[0])
        return m

    t_point, m = timed(point, reps)
    per_sweep = t_point / (3 * 600)
    ising = HopfieldModel(xi).to_ising()
    mc = MonteCarlo("metropolis")
    state = mc.init(ising, betas=[1 / 0.46], replicas=1, seed=1)
    mc.run(state, sweeps=1)  # compile / plan
    t_base, _ = timed(lambda: mc.run(state, sweeps=baseline_sweeps), reps)
    base_per_sweep = t_base / baseline_sweeps
    return {"mc_point": {"N": N, "P": xi.shape[0], "T": 0.46, "point_s": t_point, "m": [float(x) for x in m],
                         "overlap_kernel_s_per_sweep": per_sweep,
                         "baseline_dense_metropolis_s_per_sweep": base_per_sweep,
                         "speedup": base_per_sweep / per_sweep}}


CAPACITY_ALPHAS = np.arange(0.10, 0.1801, 0.01)


def capacity_case(sizes=(1000, 2000, 4000, 8000), alphas=CAPACITY_ALPHAS) -> dict:
    rows = []
    for N in sizes:
        ms = []
        for k, a in enumerate(alphas):
            xi = random_patterns(round(a * N), N, seed=1000 * k + N)
            m = [hopfield_sample(HopfieldModel(xi, target=t), 0.005, sweeps=10, burn_in=50, every=10,
                                 seed=t).target_overlap(t)[0] for t in range(3)]
            ms.append(float(np.mean(m)))
        ms = np.array(ms)
        k = int(np.argmax(ms < 0.8)) if np.any(ms < 0.8) else None
        ac = (float(alphas[k - 1] + (alphas[k] - alphas[k - 1]) * (ms[k - 1] - 0.8) / (ms[k - 1] - ms[k]))
              if k else None)
        rows.append({"N": N, "alpha_c": ac, "m": ms.round(4).tolist()})
    ok = [r for r in rows if r["alpha_c"] is not None]
    x = 1 / np.sqrt([r["N"] for r in ok])
    fit = np.polyfit(x, [r["alpha_c"] for r in ok], 1) if len(ok) >= 2 else [np.nan, np.nan]
    return {"capacity": {"alphas": alphas.round(3).tolist(), "rows": rows, "slope_b": float(fit[0]),
                         "alpha_c_extrapolated": float(fit[1]), "rs_value": 0.138}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--capacity", action="store_true", help="only the zero-temperature capacity case")
    ap.add_argument("--baseline-sweeps", type=int, default=20)
    ap.add_argument("--baseline-columns", type=int, default=10,
                    help="alpha columns the cold-start baseline is timed on (scaled to the grid)")
    args = ap.parse_args()
    n, N = (30, 1000) if args.quick else (100, 4000)
    if args.capacity:
        print(json.dumps(capacity_case(), indent=2))
        return
    result = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                          "load_1min": os.getloadavg()[0]},
              "reps": args.reps, "quick": args.quick}
    result.update(rs_cases(n, args.reps, args.baseline_columns))
    result.update(mc_case(N, args.reps, args.baseline_sweeps))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
