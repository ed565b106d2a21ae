"""The five protocols of ``spinscope landscape`` (:func:`spinscope.workflows.loss_study.landscape_protocols`).

Each ``run_<protocol>(ctx)`` returns ``(summary, tables, arrays)``: a JSON-ready summary, CSV
tables (lists of row dicts) and the arrays its figures need. ``ctx`` (:class:`Context`) holds the
data, the settings and ``ensemble(name, ...)``, which trains a group of networks or loads it from
the run directory (``nets/<name>.safetensors``), so that ``--resume`` reuses trained networks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import bootstrap, spearmanr

from spinscope.analysis.ultrametric import (
    cluster,
    overlap_distribution,
    overlap_matrix,
    ultrametricity_test,
)
from spinscope.meanfield.pspin import ground_state_energy, index_fraction, threshold_energy
from spinscope.nn.flatness import hutchinson_trace, perturbation_sharpness, top_eigenpairs
from spinscope.nn.loss_landscape import (
    MLPShape,
    accuracies,
    align,
    align_ensemble,
    interpolate,
    losses,
    permute_hidden,
    random_walks,
    train_ensemble,
)
from spinscope.optimize.spherical_pspin import critical_points, spherical_pspin

__all__ = ["PROTOCOLS", "Context"]

PROTOCOLS = ("walk", "interpolate", "cluster", "flatness", "pspin")


@dataclass
class Context:
    """Everything a protocol needs: data (``x_train``...), settings, the seed and the net store."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    cfg: dict
    store: object  # RunDirectory
    cache: dict = field(default_factory=dict)
    tick: Callable[[], None] = lambda: None

    def shape(self, width: int) -> MLPShape:
        return MLPShape(self.x_train.shape[1], width, self.n_classes)

    def ensemble(self, name: str, *, width: int, nets: int, lr: float, batch_size: int, seed: int) -> np.ndarray:
        """Trained networks of group ``name`` (M, D), from ``nets/<name>.safetensors`` when present."""
        if name in self.cache:
            return self.cache[name]
        f = f"nets/{name}.safetensors"
        if self.store.exists(f):
            arrays, _ = self.store.load_arrays(f)
            theta = arrays["theta"]
        else:
            theta = train_ensemble(self.shape(width), self.x_train, self.y_train, nets=nets,
                                   steps=self.cfg["steps"], lr=lr, batch_size=batch_size, seed=seed)
            self.store.save_arrays(f, {"theta": theta}, {"width": width, "nets": nets, "lr": lr,
                                                         "batch_size": batch_size, "seed": seed,
                                                         "steps": self.cfg["steps"], "layout": "W1,b1,W2,b2"})
        self.cache[name] = theta
        return theta

    def main(self) -> np.ndarray:
        c = self.cfg
        return self.ensemble("main", width=c["width"], nets=c["nets"], lr=c["lr"], batch_size=c["batch_size"],
                             seed=c["seed"])


def _doubling(dist: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Per walker: the distance where the loss first reaches twice its start (nan if never)."""
    out = np.full(dist.shape[0], np.nan)
    for w in range(dist.shape[0]):
        hit = np.flatnonzero(loss[w] >= 2 * loss[w, 0])
        if hit.size:
            j = hit[0]
            f = (2 * loss[w, 0] - loss[w, j - 1]) / (loss[w, j] - loss[w, j - 1])
            out[w] = dist[w, j - 1] + f * (dist[w, j] - dist[w, j - 1])
    return out


def run_walk(ctx: Context):
    c = ctx.cfg
    theta, shape = ctx.main()[0].astype(np.float64), ctx.shape(c["width"])
    vals, vecs = top_eigenpairs(shape, theta, ctx.x_train, ctx.y_train, k=c["hessian_directions"])
    data = {"train": (ctx.x_train, ctx.y_train), "test": (ctx.x_test, ctx.y_test)}
    rows, arrays, summary = [], {}, {"top_eigenvalues": vals.tolist()}
    for kind, dirs in (("isotropic", None), ("hessian", vecs.T)):
        step = c["step_size"] * (c["isotropic_factor"] if dirs is None else 1.0)
        w = random_walks(shape, theta, data, walkers=c["walkers"], steps=c["walk_steps"], step_size=step,
                         directions=dirs, seed=c["seed"] + 1)
        dbl = _doubling(w["distance"], w["loss_train"])
        summary[f"{kind}_doubling_distance_median"] = float(np.nanmedian(dbl)) if np.any(np.isfinite(dbl)) else None
        summary[f"{kind}_doubled_fraction"] = float(np.mean(np.isfinite(dbl)))
        summary[f"{kind}_step_size"] = step
        for s in range(w["distance"].shape[1]):
            rows.append({"kind": kind, "step": s, "distance_median": float(np.median(w["distance"][:, s])),
                         "train_loss_median": float(np.median(w["loss_train"][:, s])),
                         "test_loss_median": float(np.median(w["loss_test"][:, s]))})
        arrays[kind] = {k: v.tolist() for k, v in w.items()}
    ctx.tick()
    return summary, {"walk_curves.csv": rows}, arrays


def _pairs(m: int, count: int) -> list[tuple[int, int]]:
    disjoint = [(2 * i, 2 * i + 1) for i in range(m // 2)]
    ring = [(i, (i + 1) % m) for i in range(1, m, 2)]
    return (disjoint + ring)[:count]


def run_interpolate(ctx: Context):
    c = ctx.cfg
    nets, shape = ctx.main(), ctx.shape(c["width"])
    x, y = ctx.x_train, ctx.y_train
    rows, curves = [], {"before": [], "after": []}
    for a, b in _pairs(len(nets), c["pairs"]):
        t, before, bar0 = interpolate(shape, nets[a], nets[b], x, y)
        aligned, _ = align(shape, nets[a], nets[b])
        _, after, bar1 = interpolate(shape, nets[a], aligned, x, y)
        rows.append({"a": a, "b": b, "barrier_before": bar0, "barrier_after": bar1,
                     "overlap_before": float(overlap_matrix(np.stack([nets[a], nets[b]]))[0, 1]),
                     "overlap_after": float(overlap_matrix(np.stack([nets[a], aligned]))[0, 1])})
        curves["before"].append(before.tolist())
        curves["after"].append(after.tolist())
    perm = np.random.default_rng(c["seed"]).permutation(c["width"])
    copy = permute_hidden(shape, nets[0], perm)
    _, _, self_before = interpolate(shape, nets[0], copy, x, y)
    back, _ = align(shape, nets[0], copy)
    _, _, self_after = interpolate(shape, nets[0], back, x, y)
    q_self = float(overlap_matrix(np.stack([nets[0], back]))[0, 1])
    bb, ba = np.array([r["barrier_before"] for r in rows]), np.array([r["barrier_after"] for r in rows])
    summary = {"pairs": len(rows), "median_barrier_before": float(np.median(bb)),
               "median_barrier_after": float(np.median(ba)), "pairs_lowered": int(np.sum(ba < bb)),
               "self_copy_barrier_before": self_before, "self_copy_barrier_after": self_after,
               "self_copy_overlap_after": q_self,
               "self_copy_exact": bool(np.array_equal(back, nets[0]))}
    ctx.tick()
    return summary, {"barriers.csv": rows}, {"t": t.tolist(), **curves}


def _band(ctx: Context) -> list[dict]:
    c, rows = ctx.cfg, []
    for k, h in enumerate(c["band_widths"]):
        th = ctx.ensemble(f"band_h{h}", width=h, nets=c["band_nets"], lr=c["lr"], batch_size=c["batch_size"],
                          seed=c["seed"] + 100 + k) if h != c["width"] else ctx.main()
        tr = losses(ctx.shape(h), th, ctx.x_train, ctx.y_train)
        te = losses(ctx.shape(h), th, ctx.x_test, ctx.y_test)
        rows.append({"width": h, "nets": len(th), "train_loss_median": float(np.median(tr)),
                     "train_loss_std": float(tr.std(ddof=1)), "test_loss_median": float(np.median(te)),
                     "test_loss_std": float(te.std(ddof=1)),
                     "test_accuracy_median": float(np.median(accuracies(ctx.shape(h), th, ctx.x_test, ctx.y_test)))})
    return rows


def run_cluster(ctx: Context):
    c = ctx.cfg
    shape = ctx.shape(c["width"])
    aligned = align_ensemble(shape, ctx.main())
    q = overlap_matrix(aligned)
    q_raw = overlap_matrix(ctx.main())
    cl = cluster(q)
    um = ultrametricity_test(q, seed=c["seed"])
    centres, dens = overlap_distribution(q, range_=(float(q[np.triu_indices(len(q), 1)].min()) - 1e-9, 1.0))
    band = _band(ctx)
    off = q[np.triu_indices(len(q), 1)]
    summary = {"nets": len(q), "overlap_mean": float(off.mean()), "overlap_std": float(off.std()),
               "overlap_mean_unaligned": float(q_raw[np.triu_indices(len(q), 1)].mean()),
               "cophenetic_correlation": cl.cophenetic_correlation, "ultrametricity": um.to_dict(),
               "loss_band": band}
    ctx.tick()
    arrays = {"q": q.tolist(), "order": cl.order.tolist(), "linkage": cl.linkage.tolist(),
              "pq_centres": centres.tolist(), "pq_density": dens.tolist()}
    return summary, {"loss_band.csv": band, "overlaps.csv": [{"a": a, "b": b, "q": float(q[a, b])}
                                                             for a in range(len(q)) for b in range(a + 1, len(q))]}, arrays


def _rank_correlation(x: np.ndarray, y: np.ndarray, seed: int) -> dict:
    rho = float(spearmanr(x, y).statistic)
    ci = bootstrap((x, y), lambda a, b: spearmanr(a, b).statistic, paired=True, vectorized=False,
                   n_resamples=999, confidence_level=0.95, method="percentile", random_state=seed).confidence_interval
    return {"spearman": rho, "ci_low": float(ci.low), "ci_high": float(ci.high)}


def run_flatness(ctx: Context):
    c, rows = ctx.cfg, []
    shape = ctx.shape(c["width"])
    for i, bs in enumerate(c["flat_batch_sizes"]):
        for j, lr in enumerate(c["flat_lrs"]):
            nets = ctx.ensemble(f"flat_bs{bs}_lr{lr:g}", width=c["width"], nets=c["flat_seeds"], lr=lr, batch_size=bs,
                                seed=c["seed"] + 1000 + 10 * i + j)
            acc = accuracies(shape, nets, ctx.x_test, ctx.y_test)
            for k, th in enumerate(nets.astype(np.float64)):
                lam = top_eigenpairs(shape, th, ctx.x_train, ctx.y_train, k=1)[0][0]
                tr, tr_err = hutchinson_trace(shape, th, ctx.x_train, ctx.y_train, probes=c["probes"], seed=k)
                pert = perturbation_sharpness(shape, th, ctx.x_train, ctx.y_train, radius=c["radius"],
                                              probes=c["probes"], seed=k)
                rows.append({"batch_size": bs, "lr": lr, "net": k, "lambda_max": float(lam), "trace": tr,
                             "trace_err": tr_err, "perturbation": pert, "test_accuracy": float(acc[k]),
                             "train_loss": float(losses(shape, th[None], ctx.x_train, ctx.y_train)[0])})
    acc = np.array([r["test_accuracy"] for r in rows])
    summary = {"nets": len(rows), "radius": c["radius"]}
    for key in ("lambda_max", "trace", "perturbation"):
        summary[f"{key}_vs_accuracy"] = _rank_correlation(np.array([r[key] for r in rows]), acc, c["seed"])
    ctx.tick()
    return summary, {"flatness.csv": rows}, {"rows": rows}


def run_pspin(ctx: Context):
    c = ctx.cfg
    model = spherical_pspin(c["N"], c["p"], seed=c["seed"])
    cp = critical_points(model, starts=c["starts"], saddles=c["starts"], steps=c["descent_steps"], seed=c["seed"] + 1)
    rows = cp.rows()
    einf = threshold_energy(c["p"])
    mins = np.array([r["energy"] for r in rows if r["method"] == "descent" and r["converged"] and r["index"] == 0])
    conv = [r for r in rows if r["converged"]]
    dev = [abs(r["index_fraction"] - float(index_fraction(c["p"], r["energy"]))) for r in conv]
    summary = {"p": c["p"], "N": c["N"], "E_inf": einf, "E_ground_theory": ground_state_energy(c["p"]),
               "start_energy_median": float(np.median(cp.start_energy)),
               "minima": int(mins.size), "descent_converged": int(np.sum((cp.method == "descent") & cp.converged)),
               "minimum_energy_median": float(np.median(mins)) if mins.size else None,
               "minimum_energy_relative_to_E_inf": float(np.median(mins) / einf - 1) if mins.size else None,
               "critical_points": len(conv), "index_deviation_max": float(max(dev)) if dev else None,
               "index_deviation_mean": float(np.mean(dev)) if dev else None}
    if c["p"] == 2:
        gs = float(np.linalg.eigvalsh(model.tensor)[0] * model.scale)
        summary["ground_state_exact"] = gs
        summary["minima_at_ground_state"] = int(np.sum(np.abs(mins - gs) < 1e-6 * abs(gs)))
    ctx.tick()
    energies = [r["energy"] for r in conv]
    grid = np.linspace(min(min(energies, default=einf), summary["E_ground_theory"]) - 0.05, 0.0, 200)
    theory = {"energy": grid.tolist(), "index_fraction": np.asarray(index_fraction(c["p"], grid)).tolist()}
    return summary, {"pspin_critical_points.csv": rows}, {"rows": rows, "theory": theory}


RUNNERS = {"walk": run_walk, "interpolate": run_interpolate, "cluster": run_cluster, "flatness": run_flatness,
           "pspin": run_pspin}
