"""The run behind ``spinscope cpm``: a Cellular Potts simulation with pictures, movie and report.

:func:`cpm` builds the model and the initial layout from a preset or a TOML specification
(:mod:`spinscope.workflows.cpm_config`), validates everything (the output directory included)
before computing, advances ``replicas`` chains with :class:`spinscope.mc.cpm.CPMSampler` and
measures them at logarithmically spaced MCS. With ``out`` it writes a run directory:

``observables.csv``      one row per (MCS, replica): energy, heterotypic fraction, volumes,
                         contact lengths, clusters per type, mean-squared displacement of centroids
``snapshots/*.png``      replica 0 at four times (cells coloured by type, borders black)
``sorting.gif``          the movie of replica 0 (one frame per measurement)
``curves.png``           heterotypic fraction, energy, clusters, medium contacts vs MCS (log axis)
``report.html``          all of it in one self-contained page
``checkpoint.npz``       the chains' full state (ids, volumes, perimeters, keys, MCS) and the
                         series so far: ``resume`` continues bit for bit
``result.json``          the final observables (the ``--json`` output)
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._validation import check_int, resolve_seed
from spinscope.errors import InputError, ResumeError

__all__ = ["CPMResult", "cpm"]

CHECKPOINT = "checkpoint.npz"
_CHECKPOINT_SECONDS = 30.0


@dataclass
class CPMResult:
    """Final observables and the time series of a CPM run (``to_dict()`` is the ``--json`` output)."""

    config: dict
    seed: int
    mcs: int
    final: dict
    table: list = field(default_factory=list, repr=False)
    acceptance: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    seconds: float = 0.0
    out: Path | None = None
    sigma: Any = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return {"seed": self.seed, "mcs": self.mcs, "rule": self.config["rule"], "backend": self.config["backend"],
                "replicas": self.config["replicas"], "final": self.final, "acceptance": self.acceptance,
                "conflict_phases": self.conflicts, "seconds": self.seconds,
                "out": str(self.out) if self.out is not None else None}

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame(self.table)


def measurement_times(mcs: int, points: int) -> np.ndarray:
    """0 and about ``points`` logarithmically spaced MCS up to ``mcs`` (distinct integers)."""
    if mcs <= 0:
        return np.array([0])
    return np.unique(np.concatenate([[0], np.round(np.geomspace(1, mcs, points)).astype(np.int64), [mcs]]))


def _spec(preset, config) -> tuple[dict, str]:
    from spinscope.workflows.cpm_config import PRESETS, load_config

    if (preset is None) == (config is None):
        raise InputError("give exactly one of a preset (--preset " + "|".join(PRESETS) + ") or a config file (--config)")
    if preset is not None:
        if preset not in PRESETS:
            raise InputError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        return dict(PRESETS[preset]), preset
    return (dict(config), "dict") if isinstance(config, dict) else (load_config(config), str(config))


class _Run:
    """The chains, their series and their movie; checkpointed as one .npz."""

    def __init__(self, model, sigma0, config: dict, device: str) -> None:
        from spinscope.analysis.cpm import cell_centroids
        from spinscope.mc.cpm import CPMSampler

        self.model, self.config = model, config
        self.sampler = CPMSampler(model, sigma0, rule=config["rule"], backend=config["backend"],
                                  replicas=config["replicas"], seed=config["seed"], tile=config["tile"], device=device)
        c0 = np.stack([cell_centroids(model, s) for s in self.sampler.sigma])
        self.prev, self.disp = c0, np.zeros_like(c0)
        self.rows: list[dict] = []
        self.frames: list[np.ndarray] = []
        self.frame_mcs: list[int] = []
        self.commit()

    def measure(self) -> None:
        from spinscope.analysis.cpm import cell_centroids, cpm_observables
        from spinscope.report.cpm_figures import type_image

        sig = self.sampler.sigma
        now = np.stack([cell_centroids(self.model, s) for s in sig])
        step = now - self.prev
        if self.model.periodic:
            L = np.array(self.model.shape, float)
            step -= L * np.round(step / L)
        self.disp += np.nan_to_num(step)
        self.prev = np.where(np.isnan(now), self.prev, now)
        msd = np.nanmean((self.disp**2).sum(-1), axis=1)
        for r, s in enumerate(sig):
            self.rows.append({"mcs": self.sampler.mcs, "replica": r, **cpm_observables(self.model, s), "msd": msd[r]})
        self.frames.append(type_image(self.model, sig[0]))
        self.frame_mcs.append(self.sampler.mcs)
        self.commit()

    def commit(self) -> None:
        """Remember the current state as consistent: a Ctrl-C may land anywhere (even between a
        kernel's return and the MCS counter's update), so checkpoints are written from here."""
        self.committed = (self.sampler.state_dict(), self.prev.copy(), self.disp.copy(), len(self.rows))

    def save(self, path: Path) -> None:
        """Write the last committed state (see :meth:`commit`) as the checkpoint."""
        from spinscope._files import atomic_write

        state, prev, disp, n_rows = self.committed
        n_frames = len({r["mcs"] for r in self.rows[:n_rows]})
        arrays = {f"s_{k}": v for k, v in state.items()}
        frames = np.stack(self.frames[:n_frames]) if n_frames else np.zeros((0, 1, 1, 3), np.uint8)
        arrays.update(prev=prev, disp=disp, frames=frames,
                      frame_mcs=np.array(self.frame_mcs[:n_frames]), rows=np.array(json.dumps(self.rows[:n_rows])),
                      format=np.array("spinscope-cpm-checkpoint/1"))
        atomic_write(path, lambda tmp: np.savez_compressed(tmp, **arrays), overwrite=True, suffix=".npz")

    def load(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (OSError, ValueError) as exc:
            raise ResumeError(f"cannot read {path}: it is damaged or not a CPM checkpoint ({exc}); start again with --out") from None
        if str(data.get("format")) != "spinscope-cpm-checkpoint/1":
            raise ResumeError(f"{path} is not a spinscope CPM checkpoint (format spinscope-cpm-checkpoint/1)")
        self.sampler.load_state({k[2:]: v for k, v in data.items() if k.startswith("s_")})
        self.prev, self.disp = data["prev"], data["disp"]
        self.frames, self.frame_mcs = list(data["frames"]), [int(x) for x in data["frame_mcs"]]
        self.rows = json.loads(str(data["rows"]))
        self.commit()


def _open(preset, config, *, mcs, T, connectivity, rule, backend, replicas, out, resume, seed, tile, points):
    """Validate everything and return ``(model, sigma0, run config, run directory or None)``."""
    from spinscope.io.rundir import RunDirectory
    from spinscope.workflows.cpm_config import build_run

    if out is not None and resume is not None:
        raise InputError("give either out (a new run) or resume (an existing run), not both")
    if resume is not None:
        if any(v is not None for v in (preset, config, mcs, T, tile, connectivity)):
            raise InputError("resume continues a run as it was configured: give only the directory "
                             "(no preset, config, mcs, T or tile)")
        rd = RunDirectory.resume(resume, command="cpm")
        cfg = rd.config
        model, sigma0, _ = build_run(cfg["spec"], seed=cfg["seed"])
        if not rd.exists(CHECKPOINT):
            raise ResumeError(f"cannot resume {rd.path}: it has no {CHECKPOINT}; start a new run with --out")
        return model, sigma0, cfg, rd
    spec, source = _spec(preset, config)
    seed = resolve_seed(seed)
    model, sigma0, spec = build_run(spec, T=T, connectivity=connectivity, seed=seed)
    total = check_int(spec.get("mcs", 1000) if mcs is None else mcs, "mcs", minimum=0)
    spec["mcs"] = total
    spec.pop("_source", None)
    cfg = {"source": source, "spec": spec, "rule": rule, "backend": backend, "replicas": check_int(replicas, "replicas", minimum=1),
           "seed": seed, "tile": tile, "points": check_int(points, "points", minimum=2)}
    from spinscope.mc.cpm import BACKENDS, RULES

    if rule not in RULES or backend not in BACKENDS:
        raise InputError(f"rule must be one of {RULES} and backend one of {BACKENDS}; got {rule!r}, {backend!r}")
    return model, sigma0, cfg, None


def cpm(preset: str | None = None, *, config: str | Path | dict | None = None, mcs: int | None = None,
        T: float | None = None, connectivity: bool | None = None, rule: str = "standard", backend: str = "numba", replicas: int = 1,
        out: str | Path | None = None, resume: str | Path | None = None, seed: Any = None,
        device: str = "cpu", tile: int | None = None, points: int = 40, progress: Any = False) -> CPMResult:
    """Run a Cellular Potts simulation (the ``spinscope cpm`` command as one call).

    Parameters
    ----------
    preset : {"cellsort", "graner-glazier", "morpheus"}, optional
        A shipped setup (see docs/cpm.md); exactly one of ``preset`` and ``config``.
    config : path or dict, optional
        A TOML specification (format in :mod:`spinscope.workflows.cpm_config`) or the same as a dict.
    mcs : int, optional
        Monte Carlo steps (default: the preset's); 1 MCS = one copy attempt per lattice site.
    T : float, optional
        Temperature overriding the preset's.
    connectivity : bool, optional
        Switch the local connectivity constraint on/off (default: the specification's, off).
    rule : {"standard", "exact"}
        Standard CPM kinetics or the Metropolis-Hastings corrected rule.
    backend : {"numba", "torch"}
    replicas : int
        Independent chains (seeded from one seed).
    out : path, optional
        New run directory (refused if not empty); ``resume``: an existing one to continue.
    seed : int, optional
        Seed of the layout and of every chain (resolved and recorded).
    device : str
        Torch device (backend torch).
    tile : int, optional
        Tile side of the parallel scheme (part of the chain's definition; default from the cell size).
    points : int
        Logarithmically spaced measurement times (and movie frames).
    progress : bool or callable
        Progress bar on stderr, or ``progress(done, total)``; it may raise ``KeyboardInterrupt``
        to stop the run as Ctrl-C does (the checkpoint is saved first).

    Returns
    -------
    CPMResult
    """
    from spinscope.workflows._progress import progress_bar

    model, sigma0, cfg, rd = _open(preset, config, mcs=mcs, T=T, connectivity=connectivity, rule=rule, backend=backend, replicas=replicas,
                                   out=out, resume=resume, seed=seed, tile=tile, points=points)
    run = _Run(model, sigma0, cfg, device)  # validates the sampler (tiles, memory, device) first
    if out is not None:
        from spinscope.io.rundir import RunDirectory

        rd = RunDirectory.create(out, command="cpm", config=cfg)
    if resume is not None:
        run.load(rd.path / CHECKPOINT)
    elif not run.rows:
        run.measure()
    total = int(cfg["spec"]["mcs"])
    bar = progress_bar(progress, "cpm")
    start = time.perf_counter()
    try:
        _advance(run, measurement_times(total, cfg["points"]), total, rd, bar)
    finally:
        bar(None, None)
    result = _result(run, cfg, time.perf_counter() - start, rd)
    if rd is not None:
        _write_outputs(run, result, rd)
    return result


def _advance(run: _Run, times: np.ndarray, total: int, rd, bar) -> None:
    last = time.monotonic()
    try:
        for t in times[times > run.sampler.mcs]:
            run.sampler.run(int(t) - run.sampler.mcs)
            run.measure()
            if rd is not None and time.monotonic() - last > _CHECKPOINT_SECONDS:
                run.save(rd.file(CHECKPOINT))
                last = time.monotonic()
            bar(run.sampler.mcs, total)
    except KeyboardInterrupt:
        if rd is not None:
            run.save(rd.file(CHECKPOINT))
        raise
    if rd is not None:
        run.save(rd.file(CHECKPOINT))


def _result(run: _Run, cfg: dict, seconds: float, rd) -> CPMResult:
    last = [r for r in run.rows if r["mcs"] == run.sampler.mcs]
    keys = [k for k in last[0] if k not in ("mcs", "replica")]
    final = {k: float(np.mean([r[k] for r in last])) for k in keys}
    if len(last) > 1:
        final["per_replica"] = {k: [r[k] for r in last] for k in ("heterotypic_fraction", "energy")}
    return CPMResult(cfg, cfg["seed"], run.sampler.mcs, final, run.rows, run.sampler.acceptance.tolist(),
                     run.sampler.conflicts[:, 0].tolist(), seconds, rd.path if rd is not None else None,
                     run.sampler.sigma)


def _write_outputs(run: _Run, result: CPMResult, rd) -> None:
    import pandas as pd

    from spinscope.report._figures import png_bytes, save_png
    from spinscope.report.cpm_figures import (
        curves_figure,
        frame_figure,
        render_cpm_report,
        write_gif,
    )

    table = pd.DataFrame(run.rows)
    rd.write_table("observables.csv", table)
    figures, captions = {}, {}
    idx = sorted({0, len(run.frames) // 3, 2 * len(run.frames) // 3, len(run.frames) - 1})
    for k in idx:
        fig = frame_figure(run.frames[k], f"MCS {run.frame_mcs[k]}", run.model.type_names)
        save_png(fig, rd.file(f"snapshots/snapshot_mcs{run.frame_mcs[k]:07d}.png"))
        figures[f"snapshot {run.frame_mcs[k]}"] = png_bytes(fig)
        captions[f"snapshot {run.frame_mcs[k]}"] = f"Replica 0 at MCS {run.frame_mcs[k]} (cells by type, borders black)."
    curves = curves_figure(table, run.model.type_names)
    save_png(curves, rd.file("curves.png"))
    figures["curves"] = png_bytes(curves)
    captions["curves"] = ("Heterotypic boundary fraction, energy, clusters per type and contact with the medium "
                          "vs MCS (log axis; MCS 0 drawn at 0.5), every replica.")
    gif = write_gif(rd.file("sorting.gif"), run.frames)
    cfg = result.config
    src = f"--preset {cfg['source']}" if cfg["source"] in _presets() else f"--config {cfg['source']}"
    spec = cfg["spec"]
    command = (f"spinscope --seed {cfg['seed']} cpm {src} --mcs {result.mcs} --T {spec.get('T')} "
               f"--{'' if spec.get('connectivity') else 'no-'}connectivity --rule {cfg['rule']} "
               f"--backend {cfg['backend']} --replicas {cfg['replicas']} --points {cfg['points']}"
               + (f" --tile {cfg['tile']}" if cfg["tile"] is not None else ""))
    summary = {k: v for k, v in result.final.items() if k != "per_replica"}
    rd.write_text("report.html", render_cpm_report(config={k: v for k, v in cfg.items() if k != "spec"} | cfg["spec"],
                                                   summary=summary, figures=figures, captions=captions,
                                                   movie=gif.read_bytes(), command=command))
    rd.write_json("result.json", result.to_dict())


def _presets():
    from spinscope.workflows.cpm_config import PRESETS

    return PRESETS
