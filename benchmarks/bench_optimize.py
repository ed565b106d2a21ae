"""Benchmark of spinscope.optimize: Gset quality, SK ground states, sweep speed vs dwave-samplers.

Prints one JSON document on stdout (progress on stderr). Sections (``--what``):

``quality``  Gset Max-Cut: for each graph and seed, the solver runs until the best-known cut is
             reached or the time limit expires (10 s for the first group, 60 s for the second;
             ``--quick``: 10 s and 20 s, one seed). Reports cuts and time-to-target per seed.
             ``--solver pt`` (default): parallel tempering with
             ``recommended_pt_settings`` (mean degree > 6: 2 ladders of 24 replicas; sparse
             lattice-like graphs: 2 pairs of ladders of 32 replicas with Houdayer cluster moves
             and a cold end 1.5x the default; sparse random graphs: 2 ladders of 20 replicas
             with that colder end).
             ``--solver sa``: 4 reads x 10 000 sweeps per round, beta range (0.1, 3.0).
``sk``       SK, N = 2000, Gaussian couplings of variance 1/N: mean ground-state energy per spin
             found over 5 instances (``--quick``: 2 instances, N = 1000).
``speed``    Single-spin-flip sweeps per second on G22 and on a 2-D ±J lattice of 10^6 spins,
             spinscope SA (1 thread and all threads) against dwave-samplers'
             ``SimulatedAnnealingSampler`` (if installed; else a plain numpy Metropolis sweep) at
             the same sweeps, reads and beta range, medians of ``--reps`` repetitions measured in
             the same run; plus the G22 cut each reaches at equal wall time.
``cli``      The user path: ``spinscope --seed S --json solve GRAPH.txt --time-limit T`` with no
             other option (the default ``--solver auto``), run through the CLI's own entry point
             (``spinscope.cli.main.main``) exactly as a user types it, for seeds ``0..--seeds-1``;
             no ``--target``, so every run takes the whole time limit, and the time to the
             best-known cut is the run's ``time_to_best_s`` when it reached it. Baseline in the
             same run, same seeds: the same command with ``--solver sa`` (the default before
             ``auto``; ``--baseline none`` skips it). ``--time-limit`` (default 10 s).
``compare``  Candidates against the default, interleaved: for each graph and seed, every arm of
             ``--arms`` runs once, one after the other (so they share the machine's load), with
             ``--time-limit`` and the best-known cut as target (the run stops there; whether it
             hits is the same as without a target). An arm is ``auto`` (what ``solve`` does by
             default), or ``SOLVER[:key=value,...]``; ``pt`` starts from
             ``recommended_pt_settings``. Reports hits, median time to target and the load
             average before and after (``os.getloadavg``).
``pt-table`` Parallel tempering on G14 (16 replicas x 2 ladders, 5000 rounds): spin updates per
             second with the tabulated Metropolis acceptance of integer problems against
             evaluating ``exp`` (medians of ``--reps``, same run; same chains either way).

Usage::

    python benchmarks/bench_optimize.py --quick --what quality --graphs G1,G22
    python benchmarks/bench_optimize.py --what speed --reps 3
    python benchmarks/bench_optimize.py --what cli --graphs G22,G14 --seeds 10
    python benchmarks/bench_optimize.py --what compare --graphs G14 --seeds 20 \
        --arms "auto;pt:restart_sweeps=10000;bls"
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numba
import numpy as np
import scipy.sparse as sp

from spinscope.models import edwards_anderson
from spinscope.optimize import ising_problem, sk_problem
from spinscope.optimize.problem_files import load_problem
from spinscope.optimize.solve import solve
from spinscope.optimize.solvers import recommended_pt_settings

BEST_KNOWN = {"G1": 11624, "G2": 11620, "G6": 2178, "G11": 564, "G14": 3064, "G18": 992,
              "G22": 13359, "G43": 6660, "G32": 1410, "G35": 7687, "G39": 2408, "G55": 10299,
              "G60": 14188, "G70": 9591, "G81": 14060}
GROUP1 = ["G1", "G2", "G6", "G11", "G14", "G18", "G22", "G43"]
GROUP2 = ["G32", "G35", "G39", "G55", "G60", "G70", "G81"]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "gset"
SA_SETTINGS = {"num_reads": 4, "num_sweeps": 10000, "beta_range": (0.1, 3.0)}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def quality(graphs: list[str], seeds: int, quick: bool, solver: str) -> dict:
    out = {}
    for g in graphs:
        p = load_problem(DATA / f"{g}.txt")
        best = BEST_KNOWN[g]
        group1 = g in GROUP1
        limit = 10.0 if group1 else (20.0 if quick else 60.0)
        settings = dict(SA_SETTINGS) if solver == "sa" else {}
        if solver == "pt":  # by mean degree: plain PT, or Houdayer moves and a colder end
            settings = recommended_pt_settings(p)
        if solver == "sa" and not group1:  # big graphs: a round must fit in the time limit
            sweeps = int(min(10000, 2e7 / p.n)) if quick else (10000 if p.n <= 10000 else 25000)
            settings.update(num_reads=2, num_sweeps=sweeps)
        runs = []
        settings_used = {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}
        for seed in range(seeds):
            r = solve(p, solver=solver, seed=seed, time_limit=limit, target=best, **settings)
            runs.append({"seed": seed, "cut": r.best_value, "reached": bool(r.best_value >= best),
                         "time_to_best_s": round(r.time_to_best, 3), "wall_s": round(r.wall_time, 3)})
            log(f"{g} seed {seed}: cut {r.best_value:.0f} / {best} at {r.time_to_best:.2f} s")
        hit_times = [x["time_to_best_s"] for x in runs if x["reached"]]
        out[g] = {"best_known": best, "time_limit_s": limit, "settings": settings_used, "runs": runs,
                  "best_cut": max(x["cut"] for x in runs),
                  "hits": f"{len(hit_times)}/{len(runs)}",
                  "median_time_to_target_s": statistics.median(hit_times) if hit_times else None,
                  "worst_gap_percent": round(100 * (best - min(x["cut"] for x in runs)) / best, 4)}
    return {"solver": solver, "graphs": out}


def sk_energies(quick: bool) -> dict:
    n, count = (1000, 2) if quick else (2000, 5)
    settings = {"variant": "discrete", "num_reads": 16, "num_steps": 2000}
    per_spin, secs = [], []
    for k in range(count):
        p = sk_problem(n, seed=1000 + k)
        t = time.perf_counter()
        r = solve(p, solver="sb", seed=k, **settings)
        per_spin.append(r.best_energy / n)
        secs.append(time.perf_counter() - t)
        log(f"SK n={n} instance {k}: E/N = {per_spin[-1]:.5f} ({secs[-1]:.1f} s)")
    return {"n": n, "instances": count, "solver": "sb", "settings": settings,
            "energy_per_spin": per_spin, "seconds": secs, "mean": float(np.mean(per_spin)),
            "parisi_limit": -0.7632}


def _median_time(fn, reps: int) -> tuple[float, object]:
    times, last = [], None
    for _ in range(reps):
        t = time.perf_counter()
        last = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), last


def _numpy_baseline(problem, reads: int, sweeps: int, betas: np.ndarray, seed: int) -> np.ndarray:
    """Plain numpy Metropolis sweeps (sequential sites, vectorised over reads)."""
    rng = np.random.default_rng(seed)
    j = problem.model.sparse_couplings()
    s = rng.choice(np.array([-1.0, 1.0]), size=(reads, problem.n))
    rows = [(j.indices[j.indptr[i]:j.indptr[i + 1]], j.data[j.indptr[i]:j.indptr[i + 1]]) for i in range(problem.n)]
    for b in betas[:sweeps]:
        u = rng.random((problem.n, reads))
        for i, (idx, val) in enumerate(rows):
            de = 2.0 * s[:, i] * (s[:, idx] @ val)
            flip = (de <= 0) | (u[i] < np.exp(-b * np.maximum(de, 0)))
            s[flip, i] *= -1
    return s


def speed(reps: int, quick: bool) -> dict:
    try:
        import dimod
        from dwave.samplers import SimulatedAnnealingSampler
        have_dwave = True
    except ImportError:
        have_dwave = False
    cases = {"G22": load_problem(DATA / "G22.txt")}
    side = 300 if quick else 1000
    cases[f"ea2d-{side}x{side}"] = ising_problem(edwards_anderson((side, side), seed=5))
    out = {"baseline": "dwave-samplers SimulatedAnnealingSampler" if have_dwave else "numpy Metropolis",
           "threads_available": numba.config.NUMBA_NUM_THREADS, "reps": reps, "cases": {}}
    for name, p in cases.items():
        reads, sweeps = (8, 1000) if name == "G22" else (2, 20)
        br = (0.1, 3.0)
        solve(p, solver="sa", seed=0, num_reads=2, num_sweeps=2, beta_range=br)  # warm-up/compile
        row = {"n": p.n, "reads": reads, "sweeps": sweeps}
        for th in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(th)
            t, r = _median_time(partial(solve, p, solver="sa", seed=1, num_reads=reads,
                                        num_sweeps=sweeps, beta_range=br), reps)
            row[f"spinscope_{th}thr_s"] = t
            row[f"spinscope_{th}thr_sweeps_per_s"] = reads * sweeps / t
            row[f"spinscope_{th}thr_best_energy"] = r.best_energy
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        if have_dwave:
            sampler = SimulatedAnnealingSampler()
            up = p.model.sparse_couplings()
            coo = sp.triu(up, k=1).tocoo()
            bqm = dimod.BQM.from_numpy_vectors(-p.model.fields, (coo.row, coo.col, -coo.data), 0.0, "SPIN")
            t, ss = _median_time(partial(sampler.sample, bqm, num_reads=reads, num_sweeps=sweeps,
                                         beta_range=br, beta_schedule_type="geometric", seed=1), reps)
            row["baseline_best_energy"] = float(ss.first.energy) + p.offset
        else:
            betas = np.geomspace(*br, sweeps)
            s_b = min(sweeps, 5)
            t, _ = _median_time(partial(_numpy_baseline, p, reads, s_b, betas, 1), 1)
            t *= sweeps / s_b
        row["baseline_s"] = t
        row["baseline_sweeps_per_s"] = reads * sweeps / t
        row["speedup_1thr"] = t / row["spinscope_1thr_s"]
        out["cases"][name] = row
        log(f"{name}: {json.dumps(row)}")
    if have_dwave:  # cut at equal wall time on G22, several seeds each
        p = cases["G22"]
        row = out["cases"]["G22"]
        budget = row["baseline_s"]
        sampler = SimulatedAnnealingSampler()
        coo = sp.triu(p.model.sparse_couplings(), k=1).tocoo()
        bqm = dimod.BQM.from_numpy_vectors(-p.model.fields, (coo.row, coo.col, -coo.data), 0.0, "SPIN")
        ours, theirs = [], []
        for seed in range(1, 4):
            r = solve(p, solver="sa", seed=seed, time_limit=budget, num_reads=2, num_sweeps=2000,
                      beta_range=(0.1, 3.0))
            ours.append(r.best_value)
            ss = sampler.sample(bqm, num_reads=row["reads"], num_sweeps=row["sweeps"],
                                beta_range=(0.1, 3.0), beta_schedule_type="geometric", seed=seed)
            theirs.append((p.total_weight - float(ss.first.energy)) / 2)
        out["equal_time_G22"] = {"wall_s": budget, "spinscope_cuts": ours, "baseline_cuts": theirs,
                                 "spinscope_settings": "sa, 2 reads x 2000 sweeps, restarts until wall_s",
                                 "baseline_settings": f"{row['reads']} reads x {row['sweeps']} sweeps"}
    return out


def _cli_run(graph: str, seed: int, time_limit: float, solver: str | None) -> dict:
    """One ``spinscope --seed S --json solve G.txt --time-limit T [--solver X]``, as typed."""
    from spinscope.cli.main import main

    argv = ["--seed", str(seed), "--json", "--quiet", "solve", str(DATA / f"{graph}.txt"),
            "--time-limit", str(time_limit)] + (["--solver", solver] if solver else [])
    buf = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        rc = main(argv)
    if rc != 0:
        raise SystemExit(f"spinscope {' '.join(argv)} exited with {rc}")
    d = json.loads(buf.getvalue())
    return {"seed": seed, "cut": d["best_value"], "time_to_best_s": round(d["time_to_best_s"], 3),
            "wall_s": round(time.perf_counter() - t, 3), "solver": d["solver"], "auto": d["auto"],
            "command": "spinscope " + " ".join(argv[:3] + argv[4:5]) + f" {graph}.txt " + " ".join(argv[6:])}


def _summary(runs: list[dict], best: int) -> dict:
    hits = [r for r in runs if r["cut"] >= best]
    return {"hits": f"{len(hits)}/{len(runs)}", "hit_rate": len(hits) / len(runs),
            "median_time_to_target_s": round(statistics.median(r["time_to_best_s"] for r in hits), 3) if hits else None,
            "cuts": [r["cut"] for r in runs], "best_cut": max(r["cut"] for r in runs)}


def cli_user_path(graphs: list[str], seeds: int, time_limit: float, baseline: str) -> dict:
    """``spinscope solve G.txt --time-limit T`` as a user runs it (default solver), and a baseline."""
    out: dict = {"time_limit_s": time_limit, "seeds": list(range(seeds)), "graphs": {}}
    for g in graphs:
        best = BEST_KNOWN[g]
        row: dict = {"best_known": best}
        for label, solver in (("default", None), ("baseline", None if baseline == "none" else baseline)):
            if label == "baseline" and solver is None:
                continue
            runs = []
            for seed in range(seeds):
                runs.append(_cli_run(g, seed, time_limit, solver))
                log(f"{g} {label} seed {seed}: cut {runs[-1]['cut']:.0f} / {best} "
                    f"at {runs[-1]['time_to_best_s']:.2f} s")
            row[label] = {"command": runs[0]["command"].replace("--seed 0", "--seed S"),
                          "solver": runs[0]["solver"], "auto": runs[0]["auto"], **_summary(runs, best),
                          "runs": [{k: r[k] for k in ("seed", "cut", "time_to_best_s", "wall_s")} for r in runs]}
        out["graphs"][g] = row
    return out


def _arm(spec: str, problem) -> tuple[str, dict]:
    """``"auto"`` or ``"SOLVER:key=value,..."`` -> (solver, settings); values parsed as JSON."""
    name, _, rest = spec.partition(":")
    settings = recommended_pt_settings(problem) if name == "pt" else {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        settings[key] = json.loads(value)
    return name, settings


def compare(graphs: list[str], seeds: int, time_limit: float, arms: list[str]) -> dict:
    """Arms interleaved seed by seed on each graph (module docstring)."""
    out: dict = {"time_limit_s": time_limit, "seeds": list(range(seeds)), "arms": arms,
                 "load_before": os.getloadavg(), "graphs": {}}
    for g in graphs:
        p = load_problem(DATA / f"{g}.txt")
        best = BEST_KNOWN[g]
        setup = {a: _arm(a, p) for a in arms}
        for name, settings in setup.values():  # compile / warm up
            solve(p, solver=name, seed=0, time_limit=0.2, **settings)
        runs: dict = {a: [] for a in arms}
        for seed in range(seeds):
            for a, (name, settings) in setup.items():
                r = solve(p, solver=name, seed=seed, time_limit=time_limit, target=best, **settings)
                runs[a].append({"seed": seed, "cut": r.best_value, "time_to_best_s": round(r.time_to_best, 3),
                                "sweeps": r.sweeps, "solver": r.solver})
                log(f"{g} {a} seed {seed}: cut {r.best_value:.0f} / {best} at {r.time_to_best:.2f} s "
                    f"({r.sweeps} sweeps, load {os.getloadavg()[0]:.1f})")
        out["graphs"][g] = {"best_known": best, **{a: {"settings": {k: list(v) if isinstance(v, tuple) else v
                                                                     for k, v in setup[a][1].items()},
                                                        **_summary(runs[a], best), "runs": runs[a]}
                                                    for a in arms}}
    out["load_after"] = os.getloadavg()
    return out


def pt_table(reps: int) -> dict:
    """PT spin updates per second on G14 with tabulated acceptance against ``exp`` (same run)."""
    import spinscope.optimize.solvers as solvers

    p = load_problem(DATA / "G14.txt")
    T, G, S = 16, 2, 5000
    table_fn = solvers.acceptance_table

    def rate(seed: int) -> float:
        t = time.perf_counter()
        solve(p, solver="pt", num_replicas=T, num_reads=G, beta_range=(0.5, 2.0), num_sweeps=S, seed=seed)
        return S * T * G * p.n / (time.perf_counter() - t) / 1e6

    out = {}
    try:
        for name, fn in (("table", table_fn),
                         ("exp", lambda problem, betas: np.zeros((len(betas), 0)))):
            solvers.acceptance_table = fn
            rate(0)  # compile / warm up
            rates = [rate(k) for k in range(reps)]
            out[f"{name}_M_updates_per_s"] = statistics.median(rates)
            log(f"PT G14 {name}: {statistics.median(rates):.1f} M updates/s")
    finally:
        solvers.acceptance_table = table_fn
    out["speedup"] = out["table_M_updates_per_s"] / out["exp_M_updates_per_s"]
    out["settings"] = {"graph": "G14", "num_replicas": T, "num_reads": G, "num_sweeps": S,
                       "beta_range": [0.5, 2.0]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="short limits, one seed, smaller SK/lattice")
    ap.add_argument("--what", default="quality,sk,speed",
                    help="comma list of quality, sk, speed, pt-table, cli, compare")
    ap.add_argument("--graphs", default=",".join(GROUP1 + GROUP2), help="comma list of Gset graphs")
    ap.add_argument("--seeds", type=int, default=None, help="seeds per graph (default 3, quick 1)")
    ap.add_argument("--solver", default="pt", choices=["sa", "pt", "pa", "sb"])
    ap.add_argument("--reps", type=int, default=3, help="repetitions of each speed measurement")
    ap.add_argument("--time-limit", type=float, default=10.0, help="cli: --time-limit of each run")
    ap.add_argument("--arms", default="auto;pt:restart_sweeps=10000",
                    help="compare: ';'-separated arms, 'auto' or 'SOLVER[:key=value,...]'")
    ap.add_argument("--baseline", default="sa", choices=["none", "sa", "pt", "pa", "sb"],
                    help="cli: the --solver of the baseline runs")
    args = ap.parse_args()
    what = set(args.what.split(","))
    seeds = args.seeds or (1 if args.quick else 3)
    result: dict = {"numba_threads": numba.get_num_threads()}
    if "quality" in what:
        result["quality"] = quality([g for g in args.graphs.split(",") if g], seeds, args.quick, args.solver)
    if "sk" in what:
        result["sk"] = sk_energies(args.quick)
    if "speed" in what:
        result["speed"] = speed(args.reps, args.quick)
    if "pt-table" in what:
        result["pt_table"] = pt_table(args.reps)
    if "cli" in what:
        graphs = [g for g in args.graphs.split(",") if g] if args.graphs != ",".join(GROUP1 + GROUP2) else ["G22", "G14"]
        result["cli"] = cli_user_path(graphs, args.seeds or 5, args.time_limit, args.baseline)
    if "compare" in what:
        result["compare"] = compare([g for g in args.graphs.split(",") if g], args.seeds or 20, args.time_limit,
                                    args.arms.split(";"))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
