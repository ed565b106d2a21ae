"""Tables, figures and ``report.html`` of the ``spinscope sd`` runs (written into the run directory)."""

from __future__ import annotations

import json

import numpy as np

from spinscope._jsonutil import to_jsonable


def _png(fig) -> bytes:
    from spinscope.report._figures import png_bytes

    return png_bytes(fig)


def _write_figs(rd, figs: dict) -> tuple[list[str], dict]:
    from spinscope.report._figures import save_png

    files, pngs = [], {}
    for name, fig in figs.items():
        files.append(str(save_png(fig, rd.file(f"{name}.png"))))
        pngs[name] = _png(fig)
    return files, pngs


def _report(rd, **kwargs) -> str:
    from spinscope.report.sd_report import render_sd_report

    return str(rd.write_text("report.html", render_sd_report(**kwargs)))


def write_train_outputs(rd, result, history, pred, exact) -> list[str]:
    """``history.csv``, ``train.json``, ``parity.png``, ``history.png``, ``report.html``."""
    from spinscope.report.sd_figures import history_figure, parity_figure

    files = [str(rd.write_table("history.csv", history))]
    t = result.test
    figs = {"parity": parity_figure(pred, exact, r2=t["r2"], rmse=t["rmse"], title="held-out: "),
            "history": history_figure(history)}
    fig_files, pngs = _write_figs(rd, figs)
    files += fig_files
    files.append(str(rd.write_json("train.json", {**result.to_dict(), "files": files})))
    captions = {"parity": f"Predicted against exact tangent fields on the {t['which']} "
                          f"({t['configurations']} configurations).",
                "history": "Training loss and validation field MSE per epoch (early stopping on the latter)."}
    files.append(_report(rd, title="spinscope sd train: a Behler–Parrinello model of the s-d fields",
                         intro="A per-site network on the rotation-invariant magnetic descriptor, trained on exact "
                               "Hellmann–Feynman fields (tangent parts) of the amorphous s-d model.",
                         run=result.config, summary={**{f"test {k}": v for k, v in t.items()},
                                                     **{f"validation {k}": v for k, v in result.validation.items()},
                                                     "epochs run": result.epochs},
                         figures=pngs, captions=captions))
    return files


def trajectory_rows(times, energies, autocorr, extra: dict | None = None) -> list[dict]:
    """Rows ``t, energy_per_spin, autocorrelation[, extra columns]``."""
    rows = []
    for k, t in enumerate(times):
        row = {"t": float(t), "energy_per_spin": float(energies[k]), "autocorrelation": float(autocorr[k])}
        for name, col in (extra or {}).items():
            row[name] = float(col[k])
        rows.append(row)
    return rows


def write_run_outputs(rd, result, rows, curves, final_spins) -> list[str]:
    """``trajectory.csv``, ``final_spins.csv``, ``relaxation.png``, ``run.json``, ``report.html``."""
    from spinscope.report.sd_figures import relaxation_figure

    files = [str(rd.write_table("trajectory.csv", rows)),
             str(rd.write_text("final_spins.csv", "sx,sy,sz\n" + "\n".join(",".join(f"{v:.17g}" for v in s)
                                                                          for s in final_spins)))]
    times = np.array([r["t"] for r in rows])
    fig_files, pngs = _write_figs(rd, {"relaxation": relaxation_figure(times, curves)})
    files += fig_files
    files.append(str(rd.write_json("run.json", {**result.to_dict(), "files": files})))
    files.append(_report(rd, title=f"spinscope sd run: LLG dynamics with {result.fields} fields",
                         intro="Landau–Lifshitz–Gilbert dynamics of the amorphous s-d model from the initial spins, "
                               "semi-implicit midpoint (Cayley) steps.",
                         run=result.config, summary=result.summary, figures=pngs,
                         captions={"relaxation": "Energy per spin (the energy of the fields used) and spin "
                                                 "autocorrelation C(t) against time."}))
    return files


def write_compare_outputs(rd, result, times, curves, pred, exact) -> list[str]:
    """``compare.csv``, figures, ``compare.json``, ``report.html``."""
    from spinscope.report.sd_figures import parity_figure, relaxation_figure

    rows = []
    for k, t in enumerate(times):
        row = {"t": float(t)}
        for label, c in curves.items():
            for key in ("energy", "autocorrelation"):
                y = np.atleast_2d(c[key])[:, k]
                row[f"{key}_{label}_mean"] = float(y.mean())
                row[f"{key}_{label}_std"] = float(y.std(ddof=1)) if len(y) > 1 else 0.0
        rows.append(row)
    files = [str(rd.write_table("compare.csv", rows))]
    p = result.parity
    figs = {"relaxation": relaxation_figure(times, curves),
            "parity": parity_figure(pred, exact, r2=p["r2"], rmse=p["rmse"], title=f"N = {result.config['n']}: ")}
    fig_files, pngs = _write_figs(rd, figs)
    files += fig_files
    files.append(str(rd.write_json("compare.json", {**result.to_dict(), "files": files})))
    captions = {"relaxation": "Relaxation after a quench from random spins: exact-field against learned-field "
                              "dynamics, mean over disorder realisations with a ±1 standard-deviation band; the "
                              "energy is the exact Ω/N evaluated on both trajectories.",
                "parity": "Learned against exact tangent fields on the frames of the exact-field trajectories "
                          "(configurations from the dynamics, at a size the model was not trained on)."}
    files.append(_report(rd, title="spinscope sd compare: learned against exact spin dynamics",
                         intro=f"{result.config['realisations']} disorder realisations of N = {result.config['n']} "
                               "spins, each quenched from the same random spins with exact and with learned fields.",
                         run=result.config, summary=json.loads(json.dumps(to_jsonable(result.summary))),
                         figures=pngs, captions=captions, tables={"Per realisation": result.realisations}))
    return files
