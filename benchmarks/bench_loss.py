"""Benchmark of the loss-landscape study (``spinscope landscape``); prints JSON.

Cases (medians of ``--reps`` repetitions; every baseline runs in the same process):

* ``hessian_top``: largest Hessian eigenvalue of a trained 64-128-10 ReLU network on digits
  (1437 training images; ``--quick``: 64-32-10): HVP + Lanczos
  (:func:`spinscope.nn.flatness.top_eigenpairs`) against the dense Hessian built from D
  Hessian-vector products (the same double back-propagation; ``torch.autograd.functional.hessian``
  needed more than 8 GB and 6 minutes here) and ``numpy.linalg.eigvalsh``; time, ratio and the
  relative difference of the eigenvalues.
* ``walkers``: 32 isotropic random walkers of 40 steps from a trained 64-64-10 network, batched
  (:func:`spinscope.nn.loss_landscape.random_walks`) against a loop of one walker at a time.
* ``pspin_descent``: gradient descent on the spherical 3-spin model, N = 200 (``--quick``: 100),
  32 starts, 200 steps: batched (:func:`spinscope.optimize.spherical_pspin.descend`) against a loop
  over the starts.
* ``default_command``: wall time of the user's path, ``spinscope --quiet landscape`` with the
  default settings (only without ``--quick``; ``--quick`` runs ``--protocol pspin --N 100``).

Usage: ``python benchmarks/bench_loss.py [--reps 3] [--quick]``. Timings on a shared machine are
"loaded" numbers; compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from spinscope.nn.data import load_dataset
from spinscope.nn.flatness import hvp, top_eigenpairs
from spinscope.nn.loss_landscape import MLPShape, random_walks, train_ensemble
from spinscope.optimize.spherical_pspin import descend, spherical_pspin


def timed(fn, reps: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def hessian_top(ds, reps: int, width: int) -> dict:
    shape = MLPShape(64, width, 10)
    theta = train_ensemble(shape, ds.x_train, ds.y_train, nets=1, steps=600, batch_size=64, seed=0)[0]
    theta = theta.astype(np.float64)
    t_l, (vals, _) = timed(lambda: top_eigenpairs(shape, theta, ds.x_train, ds.y_train, k=1), reps)
    apply = hvp(shape, theta, ds.x_train, ds.y_train)

    def dense_top():                           # the full Hessian, column by column, then eigvalsh
        h = np.concatenate([apply(np.eye(shape.size)[:, i:i + 512]) for i in range(0, shape.size, 512)], axis=1)
        return np.linalg.eigvalsh(0.5 * (h + h.T))[-1]
    t_d, dense = timed(dense_top, 1)
    return {"parameters": shape.size, "lanczos_s": t_l, "dense_s": t_d, "speedup": t_d / t_l,
            "lambda_lanczos": float(vals[0]), "lambda_dense": float(dense),
            "relative_difference": abs(float(vals[0]) - float(dense)) / abs(float(dense))}


def walkers(ds, reps: int) -> dict:
    shape = MLPShape(64, 64, 10)
    theta = train_ensemble(shape, ds.x_train, ds.y_train, nets=1, steps=600, batch_size=64, seed=1)[0]
    data = {"train": (ds.x_train, ds.y_train)}
    t_b, _ = timed(lambda: random_walks(shape, theta, data, walkers=32, steps=40, step_size=0.5, seed=0), reps)
    t_l, _ = timed(lambda: [random_walks(shape, theta, data, walkers=1, steps=40, step_size=0.5, seed=k)
                            for k in range(32)], 1)
    return {"walkers": 32, "steps": 40, "batched_s": t_b, "loop_s": t_l, "speedup": t_l / t_b}


def pspin_descent(n: int, reps: int) -> dict:
    m = spherical_pspin(n, 3, seed=0)
    x0 = np.random.default_rng(0).standard_normal((32, n))
    kw = {"steps": 200, "tol": 1e-300}
    t_b, _ = timed(lambda: descend(m, x0, **kw), reps)
    t_l, _ = timed(lambda: [descend(m, x0[k:k + 1], **kw) for k in range(32)], 1)
    return {"N": n, "starts": 32, "steps": 200, "batched_s": t_b, "loop_s": t_l, "speedup": t_l / t_b}


def default_command(quick: bool) -> dict:
    extra = ["--protocol", "pspin", "--N", "100"] if quick else []
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "spinscope", "--quiet", "--seed", "0", "landscape", *extra,
               "--out", os.path.join(tmp, "run")]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return {"command": " ".join(["spinscope", *cmd[3:-2]]), "wall_s": time.perf_counter() - t}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    ds = load_dataset("digits", seed=0)
    torch.set_num_threads(1)   # this benchmark process only: one thread, as the workflow uses
    out = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "torch_threads": torch.get_num_threads(), "note": "shared machine: loaded timings"}}
    for name, fn in (("hessian_top", lambda: hessian_top(ds, args.reps, 32 if args.quick else 128)),
                     ("walkers", lambda: walkers(ds, args.reps)),
                     ("pspin_descent", lambda: pspin_descent(100 if args.quick else 200, args.reps)),
                     ("default_command", lambda: default_command(args.quick))):
        out[name] = fn()
        print(json.dumps({name: out[name]}), file=sys.stderr, flush=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
