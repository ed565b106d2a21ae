"""The steps of ``spinscope phases``: data sets (stored, reused), classifiers (stored, reused), outputs.

Kept apart from :mod:`spinscope.workflows.phases_study` (the public function and its result) so
that both files stay short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spinscope._files import atomic_write
from spinscope.phases import analysis as an
from spinscope.phases import classifiers as cl
from spinscope.phases import data as dt
from spinscope.phases.correlation import network_input

__all__ = ["DEFAULT_GRIDS", "NU", "Context", "PhasesResult", "dataset", "epochs_for", "labels_for", "supervised_outputs", "trained"]

#: Default temperature grids ``(start, stop, count)`` per model (q where it matters). The Ising grid
#: has step 0.05 with T_c half-way between two points, so that the labels split it symmetrically
#: (measured: the crossings T*(L) then fall monotonically with L; docs/phases.md).
_TC_ISING = 2.0 / math.log(1.0 + math.sqrt(2.0))
DEFAULT_GRIDS = {"ising": (_TC_ISING - 0.725, _TC_ISING + 0.725, 30), "potts3": (0.75, 1.25, 26),
                 "potts4": (0.70, 1.15, 26), "clock": (0.4, 1.3, 31), "xy": (0.5, 1.3, 33)}
#: Correlation-length exponents of the finite-size extrapolation (nu fixed): Ising 1, Potts q=3 5/6,
#: q=4 2/3 (den Nijs; Baxter); None where the transition is BKT (no power law).
NU = {"ising": 1.0, "potts2": 1.0, "potts3": 5 / 6, "potts4": 2 / 3, "clock2": 1.0, "clock4": 1.0}


@dataclass
class PhasesResult:
    """What ``spinscope phases`` found; ``to_dict()`` is its ``--json`` output."""

    config: dict
    estimates: dict
    per_L: list = field(default_factory=list)
    curves: dict = field(default_factory=dict, repr=False)
    out: Path | None = None
    seconds: float = 0.0
    files: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"config": self.config, "estimates": self.estimates, "per_L": self.per_L,
                "out": None if self.out is None else str(self.out), "seconds": self.seconds,
                "files": self.files}


def default_grid(model: str, q: int | None) -> np.ndarray:
    """The default grid of ``model``: around its known transition(s)."""
    key = f"{model}{q}" if f"{model}{q}" in DEFAULT_GRIDS else model
    if key in DEFAULT_GRIDS:
        return np.linspace(*DEFAULT_GRIDS[key])
    tc = dt.critical_temperatures(model, q)
    centre = tc[0] if tc else 1.0
    return np.linspace(0.7 * centre, 1.3 * centre, 25)


class Context:
    """Where a run keeps its files, and how it reports progress."""

    def __init__(self, rundir, data_dir: Path, seed: int, samples: int, bar, device: str = "cpu") -> None:
        self.rundir, self.data_dir, self.seed, self.samples, self.bar = rundir, data_dir, seed, samples, bar
        self.device = device  # where the classifiers train (not part of the configuration: resume anywhere)
        self.generated: list[str] = []
        self.reused: list[str] = []
        self.cache: dict[str, dt.PhaseData] = {}


def needed_datasets(cfg: dict) -> list[tuple]:
    """``(model, q, L, T)`` of every data set a run of ``cfg`` reads."""
    T = np.asarray(cfg["temperatures"])
    Ls = cfg["L"][:1] if cfg["method"] == "confusion" else cfg["L"]
    out = [(cfg["model"], cfg["q"], L, T) for L in Ls]
    if cfg["method"] == "transfer":
        out += [(cfg["train_on"], None, L, default_grid(cfg["train_on"], None)) for L in Ls]
    return out


def check_stored(ctx: Context, cfg: dict) -> None:
    """Read (and keep) every stored data set the run needs, before anything is computed or written:
    a damaged or mismatching file is refused up front."""
    for model, q, L, T in needed_datasets(cfg):
        name = dt.data_file_name(model, q, L, T, ctx.samples, ctx.seed)
        path = ctx.data_dir / name
        if path.exists():
            ctx.cache[name] = dt.load_data(path, expect={"model": model, "q": q, "L": L, "samples": ctx.samples,
                                                         "seed": ctx.seed, "temperatures": T.tolist()})


def dataset(ctx: Context, model: str, q: int | None, L: int, T: np.ndarray) -> dt.PhaseData:
    """The data set of (model, q, L, T, samples, seed): read from the data directory, else generated
    and stored there."""
    name = dt.data_file_name(model, q, L, T, ctx.samples, ctx.seed)
    path = ctx.data_dir / name
    if name in ctx.cache:
        ctx.reused.append(name)
        return ctx.cache[name]
    if path.exists():
        ctx.reused.append(name)
        return dt.load_data(path, expect={"model": model, "q": q, "L": L, "samples": ctx.samples,
                                          "seed": ctx.seed, "temperatures": T.tolist()})
    label = f"sampling {model} L={L}"
    d = dt.generate_data(model, L, T, q=q, samples=ctx.samples, seed=ctx.seed,
                         progress=lambda d, t: ctx.bar(label, d, t))
    dt.save_data(path, d)
    ctx.generated.append(name)
    return d


def labels_for(model: str, q: int | None, T: np.ndarray, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Training temperatures (mask) and their labels (0 ordered, 1 disordered) from the known
    transition(s): ``T <= T_low (1 - gap)`` ordered, ``T >= T_high (1 + gap)`` disordered."""
    tc = dt.critical_temperatures(model, q)
    lo, hi = min(tc) * (1 - gap), max(tc) * (1 + gap)
    mask = (T <= lo) | (T >= hi)
    return mask, (T[mask] >= hi).astype(int)


def epochs_for(epochs: int | None, L: int) -> int:
    """Training epochs at size ``L``: ``epochs``, or by default 40 up to L = 32 and 80 above
    (measured: with 40 the L = 48, 64 networks are under-trained and their crossings stop falling;
    docs/phases.md)."""
    if epochs is not None:
        return int(epochs)
    return 40 if L <= 32 else 80


def sign_symmetric(model: str, input_kind: str) -> bool:
    """Whether ``x -> -x`` is a symmetry of the network inputs (raw Ising spins; the correlation
    configuration is already invariant, and its sign is meaningful)."""
    return model == "ising" and input_kind == "spins"


def trained(ctx: Context, name: str, x: np.ndarray, y: np.ndarray, *, arch: str, seed: int,
            settings: cl.TrainSettings, meta: dict, sign: bool = False):
    """The classifier stored as ``networks/<name>.safetensors`` (resume), else trained and stored."""
    rel = f"networks/{name}.safetensors"
    f = ctx.rundir.path / rel
    if f.exists():
        net, stored = cl.from_bytes(f.read_bytes(), where=str(f))
        return net, {"validation_accuracy": float(stored.get("validation_accuracy", "nan")), "reused": True}
    net, info = cl.train_classifier(x, y, arch=arch, seed=seed, settings=settings, sign_symmetric=sign,
                                    progress=lambda d, t: ctx.bar(f"training {name}", d, t))
    meta = {k: str(v) for k, v in {**meta, "arch": arch, "L": x.shape[-1], "seed": seed,
                                    "validation_accuracy": info["validation_accuracy"]}.items()}
    atomic_write(ctx.rundir.file(rel), cl.to_bytes(net, meta), overwrite=True)
    return net, info


def split(S: int) -> tuple[slice, slice]:
    """First half of the configurations of every temperature for training, second half for testing."""
    h = S // 2
    return slice(0, h), slice(h, S)


def supervised_outputs(ctx: Context, *, train: tuple, test: tuple, L: int, arch: str, seeds: int,
                       gap: float, settings: cl.TrainSettings, input_kind: str) -> dict:
    """Train on ``train = (model, q, T)`` data (first halves, far from its transition) for
    ``seeds`` seeds; apply to the second halves of ``test = (model, q, T)``; crossings per seed."""
    (m_tr, q_tr, T_tr), (m_te, q_te, T_te) = train, test
    d_tr = dataset(ctx, m_tr, q_tr, L, T_tr)
    d_te = d_tr if test == train else dataset(ctx, m_te, q_te, L, T_te)
    x_tr = network_input(d_tr.configurations, m_tr, q_tr, input_kind)
    x_te = x_tr if d_te is d_tr else network_input(d_te.configurations, m_te, q_te, input_kind)
    fit, _held = split(x_tr.shape[1])
    mask, y = labels_for(m_tr, q_tr, T_tr, gap)
    xs = x_tr[mask, fit].reshape(-1, L, L)
    ys = np.repeat(y, fit.stop - fit.start)
    _, held_te = split(x_te.shape[1])
    outs, cross, infos = [], [], []
    for s in range(seeds):
        net, info = trained(ctx, f"{m_tr}-L{L}-{input_kind}-{arch}-seed{s}", xs, ys, arch=arch,
                            seed=ctx.seed * 1000 + s, settings=settings, meta={"model": m_tr},
                            sign=sign_symmetric(m_tr, input_kind))
        p = cl.predict(net, x_te[:, held_te].reshape(-1, L, L))[:, 0].reshape(len(T_te), -1)
        outs.append(p)
        cross.append(an.crossing_with_error(T_te, p, seed=ctx.seed + s))
        infos.append(info)
    return {"outputs": np.stack(outs), "crossings": np.array(cross), "train": infos, "data": d_te}


def combine(crossings: np.ndarray) -> tuple[float, float]:
    """Mean crossing over seeds; error = sqrt(bootstrap error^2 + seed spread^2 / seeds)."""
    t, e = crossings[:, 0], crossings[:, 1]
    if not np.all(np.isfinite(t)):
        return float("nan"), float("nan")
    spread = float(np.std(t, ddof=1)) / math.sqrt(t.size) if t.size > 1 else 0.0
    eb = float(np.mean(e)) if np.all(np.isfinite(e)) else float("nan")
    return float(np.mean(t)), float(math.sqrt(eb**2 + spread**2))
