"""Benchmark of ``spinscope sd``: time per LLG step with exact and with learned fields; prints JSON.

Cases (all in one run, one BLAS/torch thread unless ``--threads 2``, as the workflows use):

* ``llg_step``: for N = 100, 200, 400, 800, 1000, 1600 (``--quick``: 100, 200, 400): the median of
  ``--reps`` semi-implicit midpoint steps (two field evaluations each) with the exact
  Hellmann–Feynman fields (LAPACK ``zheevr`` of the 2N x 2N Hamiltonian) and with the learned
  fields (descriptor + per-site network + autograd; the network of ``--model`` or a fresh one of
  the default shape: the cost does not depend on the weights); the ratio, and the slope of
  log(time) against log(N) for each (exact ~3, learned ~1 expected).
* ``user_path``: ``spinscope.workflows.sd_run`` with learned fields at N = 1000 (``--quick``: 400),
  20 steps, whole call (geometry, files, figures and report included) and per step.
* ``exact_baseline``: at N = 100 the Hellmann–Feynman fields (one ``eigh``) against the naive
  baseline in the same run: central finite differences of Ω (6N ``eigvalsh``), and their
  largest difference.
* ``gpu``: the torch paths on ``--device`` when it is not ``cpu`` (exact fields with
  ``torch.linalg.eigh``, learned fields).

Usage: ``python benchmarks/bench_sd.py [--quick] [--reps 3] [--model FILE] [--device cuda]``.
Timings on the shared 2-core machine are "loaded" (other jobs running): compare ratios in one run.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time

import numpy as np

from spinscope.spindynamics import SDParams, SDSystem, llg_step, random_positions
from spinscope.spindynamics.bp_model import BPModel, load_model
from spinscope.spindynamics.descriptor import DescriptorSettings


def _median_time(fn, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), ts


def _spins(n, seed=0):
    s = np.random.default_rng(seed).standard_normal((n, 3))
    return s / np.linalg.norm(s, axis=1, keepdims=True)


def llg_steps(sizes, reps, model, device="cpu") -> list[dict]:
    rows = []
    for n in sizes:
        pos, box = random_positions(n, seed=n)
        system, s = SDSystem(pos, box, SDParams()), _spins(n)
        geom = model.geometry(pos, box, device=device)
        learned = lambda x, g=geom: model.fields(g, x)  # noqa: E731
        learned(s)  # warm-up
        t_l, _ = _median_time(lambda lf=learned, s=s: llg_step(s, lf, dt=0.01, alpha=0.5), max(reps, 5))
        ex_reps = 1 if n >= 1600 else reps
        t_e, ts_e = _median_time(lambda sy=system, s=s: llg_step(s, sy.fields, dt=0.01, alpha=0.5), ex_reps)
        rows.append({"n": n, "exact_s": t_e, "exact_reps": ts_e, "learned_s": t_l, "ratio": t_e / t_l})
        print(json.dumps(rows[-1]), file=sys.stderr)
    ln = np.log([r["n"] for r in rows])
    slopes = {f"slope_log_time_vs_log_n_{key}": float(np.polyfit(ln, np.log([r[key] for r in rows]), 1)[0])
              for key in ("exact_s", "learned_s")} if len(rows) > 1 else {}
    return {"rows": rows, **slopes}


def user_path(n, model_file) -> dict:
    from spinscope.workflows import sd_run

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        sd_run(f"{tmp}/run", n=n, fields="learned", model=model_file, steps=20, every=10, seed=1)
        total = time.perf_counter() - t
    return {"n": n, "steps": 20, "total_s": total, "per_step_s": total / 20}


def exact_baseline(n=100) -> dict:
    pos, box = random_positions(n, seed=1)
    system, s = SDSystem(pos, box, SDParams()), _spins(n)
    t_hf, _ = _median_time(lambda: system.fields(s), 3)
    h = system.fields(s)[0]

    def fd():
        out, eps = np.empty((n, 3)), 1e-5
        for i in range(n):
            for a in range(3):
                sp, sm = s.copy(), s.copy()
                sp[i, a] += eps
                sm[i, a] -= eps
                out[i, a] = -(system.grand_potential(sp) - system.grand_potential(sm)) / (2 * eps)
        return out
    t = time.perf_counter()
    h_fd = fd()
    t_fd = time.perf_counter() - t
    return {"n": n, "hellmann_feynman_s": t_hf, "finite_difference_s": t_fd, "ratio": t_fd / t_hf,
            "max_abs_difference": float(np.abs(h - h_fd).max())}


def gpu(device, model) -> dict:
    import torch

    out = {}
    for n in (400, 1600):
        pos, box = random_positions(n, seed=n)
        system, s = SDSystem(pos, box, SDParams()), _spins(n)
        h_ref = system.fields(s)[0] if n <= 400 else None
        system.fields_torch(s, device=device)
        torch.cuda.synchronize() if device.startswith("cuda") else None
        t_e, _ = _median_time(lambda sy=system, s=s: sy.fields_torch(s, device=device), 3)
        geom = model.to(device).geometry(pos, box, device=device)
        model.fields(geom, s)
        t_l, _ = _median_time(lambda g=geom, s=s: model.fields(g, s), 5)
        row = {"n": n, "exact_fields_s": t_e, "learned_fields_s": t_l}
        if h_ref is not None:
            row["exact_max_diff_vs_lapack"] = float(np.abs(system.fields_torch(s, device=device)[0].cpu().numpy() - h_ref).max())
        out[str(n)] = row
    model.to("cpu")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--model", default=None, help="A model file of 'spinscope sd train' (default: fresh network).")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--sizes", default=None, help="Comma list of N for llg_step (default: see above).")
    args = ap.parse_args(argv)
    import threadpoolctl
    import torch

    torch.set_num_threads(args.threads)
    model = load_model(args.model)[0] if args.model else BPModel(DescriptorSettings(), (32, 32))
    model_file = args.model
    if model_file is None:
        from spinscope.spindynamics.bp_model import save_model

        model_file = tempfile.NamedTemporaryFile(suffix=".safetensors", delete=False).name
        save_model(model_file, model, physics=SDParams().to_dict(), overwrite=True)
    sizes = [100, 200, 400] if args.quick else [100, 200, 400, 800, 1000, 1600]
    if args.sizes:
        sizes = [int(x) for x in args.sizes.split(",")]
    res = {"machine": {"platform": platform.platform(), "threads": args.threads, "torch": torch.__version__,
                       "note": "loaded: shared 2-core machine"}}
    with threadpoolctl.threadpool_limits(args.threads):
        res["exact_baseline"] = exact_baseline()
        res["llg_step"] = llg_steps(sizes, args.reps, model)
        res["user_path"] = user_path(400 if args.quick else 1000, model_file)
        if args.device != "cpu":
            res["gpu"] = gpu(args.device, model)
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
