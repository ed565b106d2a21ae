"""Benchmark of the embedding cluster rules (Wolff, Swendsen–Wang) against Metropolis; prints JSON.

For each case the public path runs: ``MonteCarlo(algorithm=...).init`` (hot start),
``run(burn-in)``, then ``run(sweeps, measure_every=1)`` timed (CPU time of the process and wall
time). From the measured series of ``|m|`` and ``E`` (``R`` chains pooled) the integrated
autocorrelation times ``tau`` (Sokal window, :func:`spinscope.analysis.statistics.integrated_time`)
give the number of independent samples ``R N / (2 tau)``; the figure of merit is independent
samples per CPU second of the slower observable (the larger ``tau``), and its ratios
Wolff / Metropolis and Swendsen–Wang / Metropolis in the same run.

A Wolff "sweep" is ``clusters_per_sweep`` clusters; here it is set, after a Wolff burn-in, to
``n / <cluster size>`` (one sweep reflects about ``n`` spins), so a Wolff sweep and a Metropolis
sweep touch about as many spins and ``tau`` is resolved on a comparable scale. A Swendsen–Wang
sweep reflects the clusters of one embedding (all ``n`` sites take part). Metropolis uses
the rule's default proposal (a uniform new angle for XY, a uniform other state for clock).

Cases: XY L = 32 at T = 0.9, 0.7 and 1.3 (the top of the phases grid), 6-state clock L = 32 at
T = 0.8 (``--quick``: L = 16, fewer sweeps). One numba thread (chains one after the other): the
machine is shared.

``phases``: the data generator of ``spinscope phases``
(:func:`spinscope.phases.data.generate_data`: XY and 6-state clock, L = 32 (``--quick``: 16),
9 temperatures spanning the default grid, 100 samples (``--quick``: 50)) with each rule that :func:`~spinscope.phases.data.algorithm_for` could return:
CPU time, the thinning interval and the largest ``tau`` (in sweeps) over the grid.

Usage: ``python benchmarks/bench_mc_embed.py [--quick] [--chains 4] [--seed 0] [--no-phases]``
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time

import numba
import numpy as np

from spinscope.analysis.statistics import integrated_time
from spinscope.mc import MonteCarlo
from spinscope.models import ClockModel, XYModel, hypercubic

CASES = (("xy", None, 0.9), ("xy", None, 0.7), ("xy", None, 1.3), ("clock", 6, 0.8))
ALGORITHMS = ("wolff", "swendsen-wang", "metropolis")


def _model(kind: str, q, L: int):
    g = hypercubic((L, L))
    return XYModel.from_graph(g, 1.0) if kind == "xy" else ClockModel.from_graph(g, q, 1.0)


def _clusters_for(model, T: float, chains: int, seed: int, burn: int) -> tuple[int, float]:
    """Clusters per sweep that reflect ~n spins, from the mean cluster size after a burn-in."""
    mc = MonteCarlo(algorithm="wolff", clusters_per_sweep=16)
    st = mc.init(model, betas=[1 / T], replicas=chains, seed=seed)
    st, _ = mc.run(st, sweeps=burn)
    st, rs = mc.run(st, sweeps=burn)
    size = float(rs.changes.sum() / (chains * burn * 16))
    return max(1, round(model.n / size)), size


def measure(model, T: float, algorithm: str, clusters: int, *, chains: int, burn: int, sweeps: int,
            seed: int) -> dict:
    mc = MonteCarlo(algorithm=algorithm, clusters_per_sweep=clusters)
    st = mc.init(model, betas=[1 / T], replicas=chains, seed=seed)
    st, _ = mc.run(st, sweeps=burn)
    st, _ = mc.run(st, sweeps=2, measure_every=1)  # compiles the measuring path outside the timing
    t, c = time.perf_counter(), time.process_time()
    st, rs = mc.run(st, sweeps=sweeps, measure_every=1)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    taus = {"abs_m": integrated_time(rs.magnetization.T), "energy": integrated_time(rs.energy.T)}
    tau = max(a.tau for a in taus.values())
    indep = chains * sweeps / (2.0 * tau)
    return {"algorithm": algorithm, "clusters_per_sweep": clusters if algorithm == "wolff" else None,
            "sweeps": sweeps, "chains": chains, "cpu_s": cpu, "wall_s": wall,
            "cpu_ms_per_sweep": 1e3 * cpu / (chains * sweeps),
            "tau": {k: {"tau": a.tau, "error": a.error, "reliable": a.reliable} for k, a in taus.items()},
            "mean_abs_m": float(rs.magnetization.mean()), "mean_energy": float(rs.energy.mean()),
            "independent_samples": indep, "independent_per_cpu_s": indep / cpu}


def run_case(kind, q, T, args) -> dict:
    L = 16 if args.quick else 32
    model = _model(kind, q, L)
    burn = 200 if args.quick else 1000
    clusters, size = _clusters_for(model, T, args.chains, args.seed + 1, burn // 4)
    short = 1000 if args.quick else 5000
    sweeps = {"wolff": short, "swendsen-wang": short, "metropolis": 4000 if args.quick else 40000}
    out = {"model": kind, "q": q, "L": L, "T": T, "mean_cluster_size": size}
    for algo in ALGORITHMS:
        out[algo] = measure(model, T, algo, clusters, chains=args.chains, burn=burn,
                            sweeps=sweeps[algo], seed=args.seed)
    m = out["metropolis"]
    for algo in ALGORITHMS[:2]:
        w = out[algo]
        out[f"ratio_{algo}_vs_metropolis"] = {
            "independent_per_cpu_s": w["independent_per_cpu_s"] / m["independent_per_cpu_s"],
            "tau_per_sweep": (max(a["tau"] for a in m["tau"].values())
                              / max(a["tau"] for a in w["tau"].values()))}
    return out


def phases_generator(args) -> list[dict]:
    """CPU time and thinning of the phases data generator with each candidate rule."""
    from spinscope.phases import data as pdata
    from spinscope.workflows._phases_steps import DEFAULT_GRIDS

    rows, original = [], pdata.algorithm_for
    try:
        for model, q in (("xy", None), ("clock", 6)):
            a, b, _ = DEFAULT_GRIDS[model]
            T = np.linspace(a, b, 9)
            L = 16 if args.quick else 32
            for algo in ("metropolis", "swendsen-wang"):
                pdata.algorithm_for = lambda m, algo=algo: algo
                t = time.process_time()
                d = pdata.generate_data(model, L, T, q=q, samples=50 if args.quick else 100,
                                        seed=args.seed)
                rows.append({"model": model, "q": q, "L": L, "temperatures": T.size,
                             "algorithm": algo, "cpu_s": time.process_time() - t,
                             "thin": d.metadata["thin"], "max_tau": max(d.metadata["tau"]),
                             "tau_at_lowest_T": d.metadata["tau"][0]})
    finally:
        pdata.algorithm_for = original
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="L = 16, short runs (smoke test)")
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-phases", action="store_true", help="skip the phases data generator")
    args = p.parse_args(argv)
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        cases = [run_case(kind, q, T, args) for kind, q, T in CASES]
        phases = [] if args.no_phases else phases_generator(args)
    finally:
        numba.set_num_threads(old)
    print(json.dumps({"benchmark": "mc_embed", "quick": args.quick, "threads": 1,
                      "python": platform.python_version(), "numba": numba.__version__,
                      "note": "CPU times on a shared (loaded) 2-core machine", "cases": cases,
                      "phases_generator": phases},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
