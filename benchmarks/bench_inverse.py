"""Benchmark of inverse Ising: accuracy (round trips) and speed of pseudo-likelihood; prints JSON.

Every data set is drawn in this run with the project's own sampler
(:func:`spinscope.inverse.equilibrium_samples`: 1000 Metropolis chains, burn-in >= 20 tau of the
energy, thinning >= 2 tau, first/second-half drift check); nothing is cached across runs.

Cases:

* ``sk_roundtrip``: SK, N = 64, couplings N(0, 1/N), zero field, beta = 0.5 and 1.0, B = 10^4 and
  10^5: reconstruction error gamma = ||J* - J0||_F / ||J0||_F of PLM (symmetric, no
  regularisation), naive mean field and TAP; PLM's wall time.
* ``plm_speed``: PLM on N = 64, B = 10^5 (beta = 1): median of ``--reps`` timed fits of the public
  estimator (float64 and float32), against the baseline in the same run: scikit-learn's
  ``LogisticRegression`` (lbfgs, no penalty) fitted spin by spin, the classic asymmetric PLM
  loop. The baseline is timed on ``--baseline-spins`` spins and scaled to N (its cost is the same
  for every spin); gamma of the baseline is computed on those spins' rows against the same rows
  of PLM.
* ``sparse_2d``: 20 x 20 periodic ferromagnet (J = 1), beta = 0.3, B = 10^5, L1-PLM: precision and
  recall of the graph thresholded at J/2, and of the N_edges largest couplings; PLM time.
* ``bm_moments`` (N = 64, beta = 0.5, B = 10^4): Boltzmann learning's final moment residuals in
  units of their sampling errors.

Usage: ``python benchmarks/bench_inverse.py [--reps 3] [--quick] [--device cpu]``
(``--quick``: B = 10^4 only, smaller sizes; for a smoke test).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

from spinscope.inverse import (
    BoltzmannLearning,
    MeanFieldInverse,
    PseudoLikelihood,
    TAPInverse,
    equilibrium_samples,
)
from spinscope.models import IsingModel, hypercubic, sk


def gamma(J, J0) -> float:
    return float(np.linalg.norm(J - J0) / np.linalg.norm(J0))


def timed(fn, reps):
    """Median wall time of ``reps`` calls, the wall times, the last result, and the median CPU
    time of the process (all threads; on a machine shared with other jobs it is the better
    estimate of the work done)."""
    times, cpu, out = [], [], None
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    timed.cpu = statistics.median(cpu)
    return statistics.median(times), times, out


def sk_roundtrip(args) -> tuple[list[dict], dict]:
    model = sk(64, seed=args.seed)
    J0 = model.dense_couplings()
    rows, data = [], {}
    sizes = [10**4] if args.quick else [10**4, 10**5]
    for beta in (0.5, 1.0):
        t = time.perf_counter()
        ss = equilibrium_samples(model, beta, max(sizes), seed=args.seed + int(10 * beta))
        t_sample = time.perf_counter() - t
        for B in sizes:
            X = ss.spins[:B]
            t = time.perf_counter()
            plm = PseudoLikelihood(beta=beta, device=args.device).fit(X)
            t_plm = time.perf_counter() - t
            rows.append({"beta": beta, "B": B, "gamma_plm": gamma(plm.couplings_, J0),
                         "gamma_mf": gamma(MeanFieldInverse(beta=beta).fit(X).couplings_, J0),
                         "gamma_tap": gamma(TAPInverse(beta=beta).fit(X).couplings_, J0),
                         "plm_seconds": t_plm, "plm_iterations": plm.n_iter_,
                         "sampling": ss.to_dict(), "sampling_seconds": t_sample})
            data[(beta, B)] = X
    return rows, {"J0": J0, "data": data}


def plm_speed(args, J0, X) -> dict:
    from sklearn.linear_model import LogisticRegression

    out = {"N": X.shape[1], "B": X.shape[0], "cpu_threads": os.cpu_count()}
    for dt in ("float64", "float32"):
        med, times, est = timed(lambda dt=dt: PseudoLikelihood(dtype=dt, device=args.device).fit(X), args.reps)
        out[f"plm_{dt}"] = {"median_s": med, "times_s": times, "cpu_s": timed.cpu,
                             "iterations": est.n_iter_, "gamma": gamma(est.couplings_, J0)}
    k = args.baseline_spins
    rows = np.zeros((k, X.shape[1]))

    def baseline():
        for i in range(k):
            others = np.delete(np.arange(X.shape[1]), i)
            lr = LogisticRegression(C=np.inf, max_iter=1000, tol=1e-6).fit(X[:, others], X[:, i])
            rows[i, others] = lr.coef_[0] / 2  # P(s_i | rest) = sigmoid(2 s_i theta_i)
        return rows

    med_b, _, _ = timed(baseline, 1)
    plm_rows = est.couplings_[:k]
    out["sklearn_per_spin"] = {"spins_timed": k, "seconds_for_those": med_b, "cpu_s_for_those": timed.cpu,
                               "scaled_to_N_s": med_b * X.shape[1] / k,
                               "cpu_scaled_to_N_s": timed.cpu * X.shape[1] / k,
                               "gamma_rows": gamma(rows, J0[:k]), "plm_gamma_same_rows": gamma(plm_rows, J0[:k])}
    out["speedup_vs_sklearn"] = out["sklearn_per_spin"]["scaled_to_N_s"] / out["plm_float32"]["median_s"]
    out["cpu_speedup_vs_sklearn"] = out["sklearn_per_spin"]["cpu_scaled_to_N_s"] / out["plm_float32"]["cpu_s"]
    return out


def sparse_2d(args) -> dict:
    L = 12 if args.quick else 20
    graph = hypercubic((L, L), periodic=True)
    model = IsingModel.from_graph(graph, 1.0)
    B = 10**4 if args.quick else 10**5
    ss = equilibrium_samples(model, 0.3, B, seed=args.seed + 7)
    t_fit, _, est = timed(lambda: PseudoLikelihood(beta=0.3, l1=args.l1, device=args.device).fit(ss.spins), 1)
    J = est.couplings_
    iu = np.triu_indices(L * L, 1)
    truth = model.dense_couplings()[iu] != 0
    found = J[iu] > 0.5
    top = np.zeros_like(found)
    top[np.argsort(-J[iu])[: truth.sum()]] = True
    return {"L": L, "B": B, "l1": args.l1, "sampling": ss.to_dict(), "plm_seconds": t_fit,
            "plm_cpu_s": timed.cpu, "plm_iterations": est.n_iter_,
            "threshold_half_J": {"precision": float((found & truth).sum() / max(found.sum(), 1)),
                                 "recall": float((found & truth).sum() / truth.sum())},
            "top_edges": {"precision": float((top & truth).sum() / truth.sum())},
            "max_nonedge": float(np.abs(J[iu][~truth]).max()), "min_edge": float(J[iu][truth].min())}


def bm_moments(args, J0, X) -> dict:
    t = time.perf_counter()
    est = BoltzmannLearning(beta=0.5, seed=args.seed, max_steps=400 if args.quick else 1500).fit(X)
    return {"B": X.shape[0], "seconds": time.perf_counter() - t, "gamma": gamma(est.couplings_, J0),
            "converged": est.converged_, "steps": est.n_steps_, "residuals": est.residuals_}


def progress(name: str, value) -> None:
    """Each case's result on stderr as soon as it is known (the full JSON goes to stdout at the end)."""
    print(json.dumps({name: value}), file=sys.stderr, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--baseline-spins", type=int, default=8)
    ap.add_argument("--l1", type=float, default=1e-3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip", default="", help="comma-separated cases to skip")
    args = ap.parse_args()
    skip = set(args.skip.split(",")) - {""}
    import torch

    res = {"machine": platform.machine(), "python": platform.python_version(), "torch": torch.__version__,
           "torch_threads": torch.get_num_threads(), "device": args.device, "seed": args.seed}
    rows, sk_data = sk_roundtrip(args)
    res["sk_roundtrip"] = rows
    progress("sk_roundtrip", rows)
    B = max(b for _, b in sk_data["data"])
    if "plm_speed" not in skip:
        res["plm_speed"] = plm_speed(args, sk_data["J0"], sk_data["data"][(1.0, B)])
        progress("plm_speed", res["plm_speed"])
    if "sparse_2d" not in skip:
        res["sparse_2d"] = sparse_2d(args)
        progress("sparse_2d", res["sparse_2d"])
    if "bm_moments" not in skip:
        res["bm_moments"] = bm_moments(args, sk_data["J0"], sk_data["data"][(0.5, 10**4)])
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
