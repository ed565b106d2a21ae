"""Cost of the fused measurement of the bit-packed multispin kernel, in process, printed as JSON.

For each lattice (2-D L = 1024 and 3-D L = 128 at T_c, one word = 64 replicas) and thread count,
one repetition times ``sweeps`` plain sweeps (:func:`multispin_sweeps`, the baseline) and then
``sweeps`` measured sweeps (:func:`multispin_sweeps_measured` with ``every = 1``) of the same
words, for each measurement set::

    all      pairs + structure factors: what ``spinscope simulate --algorithm multispin`` measures
    basic    energies and magnetisations only

Repetitions interleave the baseline and the measured runs, so a change in the machine's load hits
both; the report gives medians over repetitions of the wall (and process CPU) seconds per sweep,
``kernel_fraction = t_kernel / t_measured`` (goal >= 0.9 for ``all``) and the measurement's cost
in ns per site. ``--baseline REV`` also times the measured kernel of ``numba_multispin.py`` at
git revision ``REV`` (loaded from the repository into a temporary module, called the way that
revision's ``multispin_sweeps_measured`` calls it), interleaved with the others: a before/after
comparison in one machine state::

    python benchmarks/bench_multispin_measure.py --threads 1,2 --reps 5 --baseline 80829e5
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time

import numpy as np

T_C = {2: 2.269185, 3: 4.5115}
LATTICES = {"2d_L1024": (1024, 1024), "3d_L128": (128, 128, 128)}
MODES = {"all": (True, True), "basic": (False, False)}


def _setup(shape, seed=0):
    import spinscope.mc.kernels as K
    from spinscope.models import IsingModel, hypercubic

    plan = K.prepare_multispin(IsingModel.from_graph(hypercubic(shape), 1.0))
    words = np.random.default_rng(seed).integers(0, np.iinfo(np.uint64).max, (1, plan.n),
                                                 dtype=np.uint64, endpoint=True)
    return K, plan, words, K.make_keys(seed, 1), np.array([1.0 / T_C[len(shape)]])


def load_revision(rev: str):
    """``spinscope/mc/kernels/numba_multispin.py`` at git revision ``rev`` as a module."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = subprocess.run(["git", "-C", root, "show", f"{rev}:src/spinscope/mc/kernels/numba_multispin.py"],
                         check=True, capture_output=True, text=True).stdout
    path = os.path.join(tempfile.mkdtemp(prefix="ms_baseline_"), "ms_baseline.py")
    with open(path, "w") as f:
        f.write(src)
    spec = importlib.util.spec_from_file_location("ms_baseline", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def measured_with(ms, K, plan, words, betas, keys, counters, sweeps, pairs, structure):
    """``multispin_sweeps_measured`` with the kernel module ``ms`` (either scratch signature)."""
    import numba

    W = words.shape[0]
    par = W >= numba.get_num_threads() or plan.n < 4096
    slots = W if par else 1
    if "shape" in inspect.signature(ms.measure_scratch).parameters:
        sc, nch = ms.measure_scratch(slots, plan.shape)
    else:
        sc, nch = ms.measure_scratch(slots, plan.rows, plan.row_len, len(plan.shape))
    out, four = np.zeros((sweeps, W, 4, 64), np.int64), np.zeros((sweeps, W, 64, 6))
    return ms.multispin_measured_kernel(
        words, ms.threshold_masks(plan, betas), keys, counters, plan.rows, plan.row_len,
        plan.row_nbr, plan.row_par, plan.anti, not bool(plan.anti.any()), sweeps, 1, par,
        pairs, structure, K._measure_args(plan, structure), sc, nch, out, four)


def _timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def measure(shape, sweeps: int, reps: int, modes, baseline=None) -> dict:
    """Interleaved timings of the plain and the measured kernel on the same chain."""
    K, plan, words, keys, betas = _setup(shape)
    ctr = np.zeros(1, np.uint64)

    def plain():
        K.multispin_sweeps(plan, words, betas, keys, ctr, sweeps=sweeps)

    def measured(pairs, structure):
        return lambda: K.multispin_sweeps_measured(plan, words, betas, keys, ctr, sweeps=sweeps,
                                                   every=1, pairs=pairs, structure=structure)

    runs = {"kernel": plain} | {m: measured(*MODES[m]) for m in modes}
    if baseline is not None:
        for m in modes:
            runs[f"baseline_{m}"] = (lambda p=MODES[m]: measured_with(
                baseline, K, plan, words, betas, keys, ctr, sweeps, *p))
    for fn in runs.values():   # compile and warm the caches
        fn()
    times = {k: [] for k in runs}
    for _ in range(reps):
        for k, fn in runs.items():
            times[k].append(_timed(fn))
    n = plan.n
    out = {"shape": list(shape), "replicas": 64, "sweeps_per_rep": sweeps, "reps": reps}
    kern = times["kernel"]
    for k, ts in times.items():
        wall = [t[0] / sweeps for t in ts]
        cpu = [t[1] / sweeps for t in ts]
        row = {"seconds_per_sweep": statistics.median(wall),
               "cpu_seconds_per_sweep": statistics.median(cpu),
               "flips_per_ns": 64 * n / statistics.median(wall) / 1e9}
        if k != "kernel":
            # per repetition, against the baseline run just before it (same machine state)
            frac = [a[0] / b[0] for a, b in zip(kern, ts)]
            cfrac = [a[1] / b[1] for a, b in zip(kern, ts)]
            cost = [(b[0] - a[0]) / sweeps / n * 1e9 for a, b in zip(kern, ts)]
            row |= {"kernel_fraction": statistics.median(frac),
                    "kernel_fraction_cpu": statistics.median(cfrac),
                    "kernel_fraction_all_reps": frac,
                    "measurement_ns_per_site": statistics.median(cost)}
        out[k] = row
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default="1,2", help="comma-separated numba thread counts")
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions (interleaved)")
    ap.add_argument("--sweeps", type=int, default=10, help="sweeps per repetition and run")
    ap.add_argument("--only", default="", help="run only lattices whose name contains this")
    ap.add_argument("--modes", default="all,basic", help="measurement sets (all, basic)")
    ap.add_argument("--baseline", default="", help="git revision of the kernel to compare with")
    args = ap.parse_args(argv)

    import numba

    modes = [m for m in args.modes.split(",") if m]
    bad = [m for m in modes if m not in MODES]
    if bad:
        ap.error(f"unknown mode(s) {bad}; choose from {sorted(MODES)}")
    baseline = load_revision(args.baseline) if args.baseline else None
    load_before = os.getloadavg()
    results = {}
    for threads in (int(t) for t in args.threads.split(",")):
        numba.set_num_threads(threads)
        for name, shape in LATTICES.items():
            if args.only in name:
                results[f"{name}_threads{threads}"] = measure(shape, args.sweeps, args.reps, modes,
                                                                 baseline)
    targets = {f"{k}_all_>=0.9": r["all"]["kernel_fraction"] >= 0.9
               for k, r in results.items() if "all" in r}
    summary = {k: {m: round(r[m]["kernel_fraction"], 3) for m in r
                   if isinstance(r[m], dict) and "kernel_fraction" in r[m]}
               for k, r in results.items()}
    import spinscope

    out = {"benchmark": "bench_multispin_measure",
           "spinscope": os.path.dirname(spinscope.__file__),
           "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                       "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
                       "numba": numba.__version__},
           "baseline": args.baseline or None, "workloads": results,
           "kernel_fraction": summary, "targets_met": targets}
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
