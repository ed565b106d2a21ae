"""Run every torch path of spinscope on one device with small sizes; print JSON figures.

Paths: the torch Monte Carlo rules of the registry (Metropolis, heat-bath on Ising/Potts/clock;
block updates of a layered model), ``spinscope simulate --backend torch`` through the CLI,
the torch solvers (``solve --solver sb|cim|cac``), network training of ``track``, the
differentiable expectations of ``spinscope.inverse`` (gradient against enumeration) and the
batched Cellular Potts kernel (bit-identical to the numba chain of the same seed), the s-d model's
exact fields (torch ``eigh`` against LAPACK) and learned Behler–Parrinello fields, and the phase
classifier of ``spinscope phases`` (trained on the device, accuracy next to the CPU's). The
loss-landscape protocols run on the CPU (small float64 networks; no device path). Each row records
the wall time, a figure of merit (flips/ns, energy, cut, accuracy) and, where an exact or
CPU reference exists in the same run, the comparison (the 2-D Ising energy at T = 2.6 against the
numba backend's, agreement within 4 combined error bars). A path that raises is recorded with its
error and the script goes on; the exit status is 1 if any path failed.

Run: ``python benchmarks/gpu_check.py --device cuda`` (``bash benchmarks/gpu_check.sh`` does this
with a time limit); ``--device cpu`` is a dry run of the same code.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def mc_rules(device: str) -> dict:
    """Every torch rule of the registry on a small model; Ising energies checked against numba."""
    from spinscope.mc import RULES, MonteCarlo
    from spinscope.models import hypercubic, layered_sk
    from spinscope.models.ising import IsingModel
    from spinscope.models.potts import ClockModel, PottsModel

    models = {"ising": IsingModel.from_graph(hypercubic((64, 64)), 1.0),
              "potts": PottsModel.from_graph(hypercubic((64, 64)), 3),
              "clock": ClockModel.from_graph(hypercubic((64, 64)), 4),
              "layered": layered_sk([64, 128, 64], seed=0)}
    out = {}
    for name, rule in RULES.items():
        for impl in rule.implementations:
            if impl.backend != "torch":
                continue
            for kind in impl.kinds:
                model = models["layered" if name == "block" else kind]
                key = f"{name}_{kind}"
                mc = MonteCarlo(algorithm=name, backend="torch", device=device)
                state = mc.init(model, betas=[1 / 2.6], replicas=8, seed=1)
                mc.run(state, sweeps=20)
                _sync(device)
                (state, stats), sec = _timed(lambda mc=mc, state=state: mc.run(state, sweeps=200, measure_every=2))
                _sync(device)
                e = np.asarray(stats.energy)
                out[key] = {"seconds": sec, "flips_per_ns": model.n * 8 * 200 / sec / 1e9,
                            "energy_per_spin": float(e.mean()), "finite": bool(np.isfinite(e).all())}
    out["ising_vs_numba"] = _ising_reference(models["ising"], out.get("metropolis_ising"), device)
    return out


def _ising_reference(model, row, device) -> dict | None:
    """The Metropolis energy at T = 2.6 from numba in the same run, and the torch/numba agreement."""
    from spinscope.analysis.statistics import estimate_mean
    from spinscope.mc import MonteCarlo

    if row is None:
        return None
    res = {}
    for backend in ("numba", "torch"):
        mc = MonteCarlo(algorithm="metropolis", backend=backend, device=device if backend == "torch" else "cpu")
        state = mc.init(model, betas=[1 / 2.6], replicas=8, seed=3)
        mc.run(state, sweeps=200)
        _, st = mc.run(state, sweeps=2000, measure_every=1)
        est = estimate_mean(np.asarray(st.energy).T)       # (chains, sweeps)
        res[backend] = (est.value, est.error)
    diff = abs(res["torch"][0] - res["numba"][0])
    err = float(np.hypot(res["torch"][1], res["numba"][1]))
    return {"torch": res["torch"], "numba": res["numba"], "z": diff / err if err else None,
            "agree": bool(diff <= 4 * err)}


def simulate_cli(device: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "spinscope", "--json", "--quiet", "--seed", "1", "--device", device,
               "simulate", "ising", "--L", "64", "--T", "2.269", "--sweeps", "200", "--therm", "20",
               "--backend", "torch", "--replicas", "4", "--out", f"{tmp}/run"]
        p, sec = _timed(lambda: subprocess.run(cmd, capture_output=True, text=True, timeout=300))
    if p.returncode:
        raise RuntimeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}")
    d = json.loads(p.stdout)
    return {"seconds": sec, "command": " ".join(cmd[1:-2]), "keys": sorted(d)[:12]}


def solvers(device: str) -> dict:
    """The torch solvers (simulated bifurcation, CIM-AHC, CAC) on SK instances, next to their CPU runs."""
    from spinscope.optimize import sk_problem, solve

    out = {}
    for solver in ("sb", "cim", "cac"):
        for n in (64, 512):
            prob = sk_problem(n, seed=0)
            kw = {"solver": solver, "seed": 1, "num_reads": 64, "num_steps": 1000}
            cpu = solve(prob, device="cpu", **kw)
            dev, sec = _timed(lambda prob=prob, kw=kw: solve(prob, device=device, **kw))
            out[f"{solver}_sk{n}"] = {
                "seconds": sec, "best_energy": dev.best_energy, "cpu_best_energy": cpu.best_energy,
                "recomputed": bool(np.isclose(prob.energy(dev.best_state), dev.best_energy, rtol=1e-10))}
    return out


def training(device: str) -> dict:
    from spinscope.workflows import track

    with tempfile.TemporaryDirectory() as tmp:
        res, sec = _timed(lambda: track(out=f"{tmp}/run", architecture=(64, 32, 32, 10), epochs=3, checkpoints=5,
                                        n_betas=40, tap_starts=8, seed=0, device=device, workers=0))
    return {"seconds": sec, "accuracy": {k: v["final_accuracy"] for k, v in res.summary.items()},
            "tc_final": {k: v["tc_final"] for k, v in res.summary.items()}}


def differentiable_expectation(device: str) -> dict:
    """``inverse.expectation`` with the torch sampler and the parameters on ``device``: the gradient
    of <E> (n = 12, random couplings and fields) against exact enumeration on the same device."""
    import torch

    from spinscope.inverse import TorchIsing, exact_expectation, expectation

    g = np.random.default_rng(0)
    a = np.triu(g.normal(size=(12, 12)) / np.sqrt(12), 1)
    J = torch.tensor(a + a.T, device=device, requires_grad=True)
    h = torch.tensor(g.normal(size=12) * 0.3, device=device, requires_grad=True)
    model = TorchIsing(J, h)
    res, sec = _timed(lambda: expectation(model, "energy", beta=0.6, backend="torch", replicas=256,
                                          sweeps=200, seed=1, with_errors=True))
    (mc,) = torch.autograd.grad(res.value, [J])
    (ex,) = torch.autograd.grad(exact_expectation(model, "energy", beta=0.6), [J])
    z = ((mc - ex) / res.grad_error()["couplings"])[~torch.eye(12, dtype=torch.bool, device=device)]
    return {"seconds": sec, "samples": res.n_samples, "max_abs_z": float(z.abs().max()),
            "mean_z2": float((z**2).mean()), "agrees": bool(z.abs().max() < 5)}


def cpm_torch(device: str) -> dict:
    """The batched torch Cellular Potts kernel (8 cellsort replicas, 20 MCS) against the numba run of
    the same seed: the two backends run the same chain, so the final observables must be equal."""
    from spinscope.workflows import cpm

    kw = {"mcs": 20, "replicas": 8, "points": 2, "seed": 1, "progress": False}
    ref = cpm("cellsort", backend="numba", **kw)
    res, sec = _timed(lambda: cpm("cellsort", backend="torch", device=device, **kw))
    return {"seconds": sec, "attempts_per_ns": 100 * 100 * 20 * 8 / sec / 1e9,
            "energy": res.final["energy"], "numba_energy": ref.final["energy"],
            "identical_to_numba": res.final == ref.final}


def sd_fields(device: str) -> dict:
    """The s-d model's exact fields with torch ``eigh`` (N = 400, against LAPACK) and a BP model's learned
    fields (N = 1000) on the device."""
    import torch

    from spinscope.spindynamics import SDSystem, random_positions
    from spinscope.spindynamics.bp_model import BPModel
    from spinscope.spindynamics.descriptor import DescriptorSettings

    pos, box = random_positions(400, seed=0)
    system = SDSystem(pos, box)
    s = np.random.default_rng(1).standard_normal((400, 3))
    s /= np.linalg.norm(s, axis=1, keepdims=True)
    ref = system.fields(s)[0]
    (h, _), sec = _timed(lambda: system.fields_torch(s, device=device))
    pos2, box2 = random_positions(1000, seed=2)
    model = BPModel(DescriptorSettings()).to(device)
    geom = model.geometry(pos2, box2, device=device)
    s2 = np.random.default_rng(3).standard_normal((1000, 3))
    s2 /= np.linalg.norm(s2, axis=1, keepdims=True)
    model.fields(geom, s2)
    _sync(device)
    _, sec_l = _timed(lambda: model.fields(geom, s2))
    return {"exact_seconds_n400": sec, "exact_max_diff_vs_lapack": float(torch.abs(h.cpu() - torch.as_tensor(ref)).max()),
            "learned_seconds_n1000": sec_l}


def phases_classifier(device: str) -> dict:
    """The phase classifier (Carrasquilla–Melko FC net) trained on the device: ordered (mostly
    aligned) against random 16 x 16 configurations, its validation accuracy next to the CPU's."""
    from spinscope.phases.classifiers import TrainSettings, predict, train_classifier

    g = np.random.default_rng(0)
    n, L = 400, 16
    ordered = np.where(g.random((n, L, L)) < 0.9, 1.0, -1.0) * g.choice([-1.0, 1.0], size=(n, 1, 1))
    x = np.concatenate([ordered, g.choice([-1.0, 1.0], size=(n, L, L))])
    y = np.repeat([0, 1], n)
    (net, info), sec = _timed(lambda: train_classifier(x, y, seed=1, sign_symmetric=True,
                                                       settings=TrainSettings(device=device)))
    _, cpu_info = train_classifier(x, y, seed=1, sign_symmetric=True, settings=TrainSettings())
    return {"seconds": sec, "validation_accuracy": info["validation_accuracy"],
            "cpu_validation_accuracy": cpu_info["validation_accuracy"],
            "mean_p_ordered_on_ordered": float(predict(net, ordered)[:, 0].mean())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda")
    args = ap.parse_args(argv)
    import torch

    info = {"device": args.device, "torch": torch.__version__,
            "cuda_available": torch.cuda.is_available(),
            "name": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
    results, failed = {"info": info}, []
    for name, fn in (("mc_rules", mc_rules), ("simulate_cli", simulate_cli), ("solvers", solvers),
                     ("training", training), ("differentiable_expectation", differentiable_expectation),
                     ("cpm_torch", cpm_torch), ("sd_fields", sd_fields),
                     ("phases_classifier", phases_classifier)):
        try:
            results[name], _ = _timed(lambda fn=fn: fn(args.device))
        except Exception as exc:  # report every path, failures included
            failed.append(name)
            results[name] = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-2000:]}
    results["failed"] = failed
    print(json.dumps(results, indent=1, default=str))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
