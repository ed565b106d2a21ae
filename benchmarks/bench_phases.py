"""Benchmark of ``spinscope phases``: data generation, training, the default command; prints JSON.

Cases:

* ``sampling``: independent Ising configurations per second at ``L`` over a temperature grid
  around T_c, through the public :func:`spinscope.phases.data.generate_data` (Swendsen–Wang, 10
  chains per temperature, thinning 2 tau measured) against the naive baseline in the same run:
  one Metropolis chain per temperature, one temperature after the other, thinned by a fixed
  ``baseline_thin`` sweeps (which is *less* than Metropolis' autocorrelation time near T_c at
  ``L = 32``, tau ~ L^2.17: the baseline's samples are not even independent).
* ``training``: the Carrasquilla–Melko FC network on 5000 ``32 x 32`` configurations, ``epochs=20``
  (raised to the 2000-step minimum of :class:`~spinscope.phases.classifiers.TrainSettings`),
  with one torch thread (what the workflow uses) against torch's default thread count.
* ``default_command``: wall time of ``phases()`` with the command's defaults (``--quick``: a tiny
  run instead).

Medians of ``--reps`` repetitions. Usage: ``python benchmarks/bench_phases.py [--reps 3] [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time

import numpy as np

from spinscope.mc import MonteCarlo
from spinscope.phases.classifiers import TrainSettings, train_classifier
from spinscope.phases.data import build_model, generate_data
from spinscope.workflows import phases
from spinscope.workflows._threads import single_threaded


def _median_time(fn, reps: int) -> float:
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def sampling(L: int, samples: int, reps: int, baseline_thin: int) -> dict:
    T = np.linspace(2.0, 2.6, 7)
    generate_data("ising", 8, T[:2], samples=10, seed=0)  # compile outside the timing
    t_pub = _median_time(lambda: generate_data("ising", L, T, samples=samples, seed=1), reps)
    model = build_model("ising", None, L)
    mc = MonteCarlo(algorithm="metropolis")

    def naive(per_t: int):
        for k, t in enumerate(T):
            st = mc.init(model, betas=[1 / t], replicas=1, seed=k)
            st, _ = mc.run(st, sweeps=200)
            for _ in range(per_t):
                st, _ = mc.run(st, sweeps=baseline_thin)
                st.spins_numpy().copy()
    naive(1)  # compile outside the timing
    per_t = max(4, samples // 10)   # the baseline is slow: time fewer samples; its rate is per sample
    t_naive = _median_time(lambda: naive(per_t), 1)
    rate_pub = T.size * samples / t_pub
    rate_naive = T.size * per_t / t_naive
    return {"L": L, "temperatures": T.size, "samples_per_T": samples, "public_seconds": t_pub,
            "public_configs_per_s": rate_pub, "naive_configs_per_s": rate_naive,
            "speedup": rate_pub / rate_naive, "baseline_thin": baseline_thin}


def training(reps: int) -> dict:
    rng = np.random.default_rng(0)
    m = np.repeat(np.linspace(0, 0.9, 10), 500)
    x = np.where(rng.random((5000, 32, 32)) < (1 + m[:, None, None] * rng.choice([-1, 1], (5000, 1, 1))) / 2,
                 1.0, -1.0).astype(np.float32)
    y = (m < 0.45).astype(int)

    def fit():
        train_classifier(x, y, seed=0, settings=TrainSettings(epochs=20))
    with single_threaded():
        one = _median_time(fit, reps)
    default = _median_time(fit, reps)
    return {"samples": 5000, "L": 32, "epochs": 20, "one_thread_s": one, "default_threads_s": default,
            "ratio_default_over_one": default / one}


def default_command(quick: bool) -> dict:
    with tempfile.TemporaryDirectory() as d:
        kw = dict(L=(8, 12), T=np.linspace(1.6, 3.0, 8), samples=80, seeds=1, epochs=20) if quick else {}
        t = time.perf_counter()
        r = phases(out=os.path.join(d, "run"), seed=1, **kw)
        wall = time.perf_counter() - t
    return {"quick": quick, "wall_s": wall, "T_c": r.estimates.get("T_c"), "T_c_err": r.estimates.get("T_c_err"),
            "relative_error": r.estimates.get("relative_error"), "per_L": r.per_L}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    reps = 1 if a.quick else a.reps
    out = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                       "load_average": os.getloadavg()},
           "sampling": sampling(16 if a.quick else 32, 50 if a.quick else 400, reps, 100),
           "training": training(reps),
           "default_command": default_command(a.quick)}
    print(json.dumps(out, indent=2, default=float))


if __name__ == "__main__":
    main()
