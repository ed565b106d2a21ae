"""The four methods of ``spinscope phases`` and the files each run writes (tables, figures, report)."""

from __future__ import annotations

import numpy as np

from spinscope.phases import analysis as an
from spinscope.phases import data as dt
from spinscope.phases.classifiers import TrainSettings
from spinscope.phases.correlation import network_input
from spinscope.workflows._phases_steps import (
    NU,
    PhasesResult,
    combine,
    dataset,
    default_grid,
    epochs_for,
    sign_symmetric,
    supervised_outputs,
)
from spinscope.workflows._threads import single_threaded

__all__ = ["METHOD_RUNNERS", "bar_factory", "write_outputs"]


def bar_factory(progress):
    """``bar(label, done, total)``: one progress bar per label (``bar(None, ...)`` closes it)."""
    from spinscope.workflows._progress import progress_bar

    state = {"label": None, "update": None}

    def bar(label, done, total):
        if state["label"] != label and state["update"] is not None:
            state["update"](None, None)
            state["update"] = None
        if label is None:
            return
        if state["update"] is None:
            state["label"], state["update"] = label, progress_bar(progress, label)
        state["update"](done, total)
    return bar


def _reference(model: str, q) -> list:
    return list(dt.critical_temperatures(model, q))


def _nu_key(model: str, q) -> float | None:
    return NU.get("ising" if model == "ising" else f"{model}{q}")


def _extrapolations(cfg: dict, rows: list, model: str, q) -> dict:
    """Extrapolations of the crossings (nu fixed to the known value; nu fitted with >= 3 sizes)."""
    Ls = np.array([r["L"] for r in rows])
    t = np.array([r["T_star"] for r in rows])
    e = np.array([r["T_star_err"] for r in rows])
    out = {"largest_L": {"L": int(Ls[-1]), "T": float(t[-1]), "err": float(e[-1])}}
    nu = _nu_key(model, q)
    if nu is not None and Ls.size >= 2 and np.all(np.isfinite(t)):
        out["nu_fixed"] = an.extrapolate(Ls, t, e, nu=nu, seed=cfg["seed"]).to_dict()
        if Ls.size >= 3:
            out["nu_fitted"] = an.extrapolate(Ls, t, e, nu=None, seed=cfg["seed"]).to_dict()
    best = out.get("nu_fixed", {"T_c": t[-1], "T_c_err": e[-1]})
    out["T_c"], out["T_c_err"] = float(best["T_c"]), float(best["T_c_err"])
    ref = _reference(model, q)
    if ref:
        out["reference"] = ref
        out["relative_error"] = float(out["T_c"] / max(ref) - 1.0)
    return out


def _classify(ctx, cfg: dict, train: tuple, test: tuple):
    rows, curves = [], {}
    for L in cfg["L"]:
        settings = TrainSettings(epochs=epochs_for(cfg["epochs"], L), device=ctx.device)
        with single_threaded():
            r = supervised_outputs(ctx, train=train, test=test, L=L, arch=cfg["classifier"], seeds=cfg["seeds"],
                                   gap=cfg["gap"], settings=settings, input_kind=cfg["input"])
        t, e = combine(r["crossings"])
        mean_out = r["outputs"].mean(0).mean(-1)
        row = {"L": L, "T_star": t, "T_star_err": e, "epochs": settings.epochs,
               "per_seed": r["crossings"][:, 0].tolist(),
               "validation_accuracy": [i.get("validation_accuracy") for i in r["train"]]}
        if test[0] == "clock" and (test[1] or 0) >= 5:
            row["T_low"], row["T_high"] = an.plateau_temperatures(test[2], mean_out)
        rows.append(row)
        curves[L] = mean_out
    return PhasesResult(config=cfg, estimates=_extrapolations(cfg, rows, test[0], test[1]), per_L=rows,
                        curves={"T": np.asarray(test[2]), "outputs": curves})


def _supervised(ctx, cfg):
    T = np.asarray(cfg["temperatures"])
    return _classify(ctx, cfg, (cfg["model"], cfg["q"], T), (cfg["model"], cfg["q"], T))


def _transfer(ctx, cfg):
    src = cfg["train_on"]
    res = _classify(ctx, cfg, (src, None, default_grid(src, None)),
                    (cfg["model"], cfg["q"], np.asarray(cfg["temperatures"])))
    rows = res.per_L
    if rows and "T_low" in rows[-1]:
        res.estimates["T_low"] = rows[-1]["T_low"]
        res.estimates["T_high"] = rows[-1]["T_high"]
    return res


def _pca(ctx, cfg):
    T = np.asarray(cfg["temperatures"])
    rows, curves = [], {}
    for L in cfg["L"]:
        d = dataset(ctx, cfg["model"], cfg["q"], L, T)
        x = network_input(d.configurations, cfg["model"], cfg["q"], cfg["input"]).reshape(-1, L, L)
        r = an.pca_order_parameter(x, np.abs(d.magnetization).ravel(), seed=cfg["seed"])
        rows.append({"L": L, "correlation_absPC1_absm": r["correlation"],
                     "explained": r["explained"].tolist()})
        curves[L] = r["scores"][:, :2]
    est = {"correlation": rows[-1]["correlation_absPC1_absm"], "L": rows[-1]["L"]}
    return PhasesResult(config=cfg, estimates=est, per_L=rows,
                        curves={"T": T, "scores": curves, "samples": cfg["samples"]})


def _confusion(ctx, cfg):
    T = np.asarray(cfg["temperatures"])
    L = cfg["L"][0]
    d = dataset(ctx, cfg["model"], cfg["q"], L, T)
    x = network_input(d.configurations, cfg["model"], cfg["q"], cfg["input"])
    with single_threaded():
        c = an.confusion_curve(x, T, arch=cfg["classifier"], seed=ctx.seed,
                               settings=TrainSettings(epochs=epochs_for(cfg["epochs"], L), device=ctx.device),
                               sign_symmetric=sign_symmetric(cfg["model"], cfg["input"]),
                               progress=lambda k, n: ctx.bar(f"confusion L={L}", k, n))
    est = {"T_c": c.peak, "grid_step": float(np.min(np.diff(T))), "L": L}
    ref = _reference(cfg["model"], cfg["q"])
    if ref:
        est["reference"] = ref
        est["within_one_step"] = bool(abs(c.peak - max(ref)) <= est["grid_step"] + 1e-12)
    return PhasesResult(config=cfg, estimates=est, per_L=[{"L": L, **c.to_dict()}],
                        curves={"confusion": c})


METHOD_RUNNERS = {"supervised": _supervised, "transfer": _transfer, "pca": _pca, "confusion": _confusion}


def _tables(result) -> dict:
    """CSV tables of the run: name -> list of rows."""
    cfg, cv = result.config, result.curves
    tables = {}
    if "outputs" in cv:
        tables["outputs.csv"] = [{"L": L, "T": float(t), "P_ordered": float(p)}
                                 for L, ps in cv["outputs"].items() for t, p in zip(cv["T"], ps)]
        tables["crossings.csv"] = [{k: v for k, v in r.items() if not isinstance(v, list)}
                                   for r in result.per_L]
    if "scores" in cv:
        tables["pca.csv"] = [r | {"explained": ";".join(f"{v:.4g}" for v in r["explained"])}
                             for r in result.per_L]
    if "confusion" in cv:
        c = cv["confusion"]
        tables["confusion.csv"] = [{"trial_T": float(t), "accuracy": float(a)} for t, a in zip(c.trial, c.accuracy)]
    del cfg
    return tables


def write_outputs(rd, result) -> None:
    """Tables (CSV), ``result.json``, figures (PNG) and ``report.html`` into the run directory."""
    from spinscope.report.phases_figures import write_phases_report

    for name, rows in _tables(result).items():
        rd.write_table(name, rows)
    rd.write_json("result.json", result.to_dict())
    write_phases_report(rd, result)
