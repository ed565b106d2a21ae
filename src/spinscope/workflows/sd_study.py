"""The runs behind ``spinscope sd data`` and ``spinscope sd train``.

* :func:`sd_data`: exact-field data of the amorphous s-d model: for each of ``systems`` disorder
  realisations of ``n`` sites, ``random`` uniformly random spin configurations and ``quench``
  LLG quenches from random spins (frames every ``every`` steps), each with the exact
  Hellmann–Feynman fields and ``Ω``. One safetensors file per system (its checkpoint: ``resume``
  computes only the missing systems, bit-identically, since system ``k`` uses child seed ``k``).
* :func:`sd_train`: a Behler–Parrinello model trained on all systems but the last (15% of their
  configurations held out for early stopping), tested on the quench frames of the last system
  (never seen in training): R² and RMSE of the tangent fields; ``model.safetensors``, the loss
  history, a parity figure and ``report.html``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spinscope._validation import check_int, check_positive, resolve_seed, spawn_seeds
from spinscope.errors import InputError
from spinscope.workflows._progress import progress_bar
from spinscope.workflows._sd_common import (
    check_dynamics,
    check_size,
    make_params,
    make_system,
    one_thread,
    random_spins,
)

__all__ = ["SDDataResult", "SDTrainResult", "sd_data", "sd_train"]


@dataclass
class SDDataResult:
    """Outcome of :func:`sd_data`: the run directory, per-system summaries, the seed."""

    out: str
    systems: list[dict]
    config: dict
    seed: int
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` output."""
        return {"out": self.out, "seed": self.seed, "config": self.config, "systems": self.systems,
                "files": self.files}


def _one_system(n, params, seed, *, random, quench, quench_steps, every, dt, alpha, progress):
    from spinscope.spindynamics.llg import integrate

    sys_seed, spin_seed = seed.spawn(2)
    system = make_system(n, params, sys_seed)
    rng = np.random.default_rng(spin_seed)
    configs, kinds, traj = [random_spins(n, rng) for _ in range(random)], [0] * random, [-1] * random
    for q in range(quench):
        tr = integrate(random_spins(n, rng), system.fields, quench_steps, dt=dt, alpha=alpha, every=every,
                       progress=progress)
        configs += list(tr["spins"][1:])
        kinds += [1] * (len(tr["spins"]) - 1)
        traj += [q] * (len(tr["spins"]) - 1)
    fields, energies = zip(*(system.fields(s) for s in configs), strict=True)
    return system, {"positions": system.positions, "box": np.array([system.box]), "spins": np.array(configs),
                    "fields": np.array(fields), "energies": np.array(energies), "kind": np.array(kinds),
                    "trajectory": np.array(traj)}


@one_thread
def sd_data(out: str | os.PathLike | None = None, *, n: int = 100, systems: int = 5, random: int = 20,
            quench: int = 2, quench_steps: int = 200, every: int = 10, dt: float = 0.05, alpha: float = 0.5,
            physics: dict | None = None, seed: Any = None, resume: str | os.PathLike | None = None,
            progress: Any = False) -> SDDataResult:
    """Exact-field training data (see the module docstring).

    Parameters
    ----------
    out : path, optional
        New run directory (default ``runs/sd-data-<time>``); ``resume`` continues one instead.
    n, systems, random, quench, quench_steps, every : int
        Sites per system, disorder realisations, random configurations per system, quenches per
        system, LLG steps per quench, frame interval.
    dt, alpha : float
        LLG time step and damping of the quenches.
    physics : dict, optional
        s-d parameters (:class:`spinscope.spindynamics.SDParams` fields).
    seed : int, optional
        Recorded; system ``k`` uses child seed ``k``.
    resume : path, optional
        An interrupted ``sd data`` run directory (same configuration).
    progress : bool or callable

    Returns
    -------
    SDDataResult
    """
    from spinscope.io import RunDirectory

    params = make_params(physics)
    n = check_size(n, params)
    systems = check_int(systems, "systems", minimum=1)
    random, quench = check_int(random, "random", minimum=0), check_int(quench, "quench", minimum=0)
    dt, alpha, _, quench_steps, every = check_dynamics(dt, alpha, 0.0, quench_steps, every)
    if random + quench == 0:
        raise InputError("give at least one random configuration or one quench per system")
    if resume is not None:
        rd = RunDirectory.resume(resume, command="sd-data")
        cfg = rd.config
        seed = cfg["seed"]
    else:
        seed = resolve_seed(seed)
        cfg = {"n": n, "systems": systems, "random": random, "quench": quench, "quench_steps": quench_steps,
               "every": every, "dt": dt, "alpha": alpha, "physics": params.to_dict(), "seed": seed}
        rd = RunDirectory.create(out, command="sd-data", config=cfg)
    params = make_params(cfg["physics"])
    per_sys = cfg["quench"] * cfg["quench_steps"]
    update = progress_bar(progress, "sd data: exact quenches")
    summaries = []
    try:
        for k, child in enumerate(spawn_seeds(seed, cfg["systems"])):
            name = f"system_{k:03d}.safetensors"
            if not rd.exists(name):
                t0 = time.perf_counter()
                _, arrays = _one_system(cfg["n"], params, child, random=cfg["random"], quench=cfg["quench"],
                                        quench_steps=cfg["quench_steps"], every=cfg["every"], dt=cfg["dt"],
                                        alpha=cfg["alpha"], progress=lambda s, k=k: update(k * per_sys + s,
                                                                                          cfg["systems"] * per_sys))
                rd.save_arrays(name, arrays, {"system": k, "seconds": time.perf_counter() - t0})
            arrays, meta = rd.load_arrays(name)
            h = arrays["fields"]
            summaries.append({"system": k, "configurations": len(arrays["spins"]), "box": float(arrays["box"][0]),
                              "field_rms": float(np.sqrt(np.mean(h**2))), "omega_per_spin_mean":
                              float(arrays["energies"].mean() / cfg["n"]), "seconds": meta.get("seconds")})
    finally:
        update(None, None)
    result = SDDataResult(out=str(rd.path), systems=summaries, config=cfg, seed=seed)
    result.files = [str(rd.write_json("data.json", result.to_dict()))]
    return result


@dataclass
class SDTrainResult:
    """Outcome of :func:`sd_train`: the model file, the test accuracy, the training history."""

    out: str
    model_file: str
    test: dict
    validation: dict
    epochs: int
    config: dict
    seed: int
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` output."""
        return {"out": self.out, "model_file": self.model_file, "seed": self.seed, "test": self.test,
                "validation": self.validation, "epochs": self.epochs, "config": self.config, "files": self.files}


def read_data_dir(path) -> tuple[dict, list[dict]]:
    """The configuration and the per-system arrays of an ``sd data`` run directory."""
    from spinscope.io import RunDirectory

    rd = RunDirectory.resume(path, command="sd-data")
    arrays = []
    for k in range(rd.config["systems"]):
        name = f"system_{k:03d}.safetensors"
        if not rd.exists(name):
            raise InputError(f"{path} is incomplete ({name} is missing); finish it with "
                             f"'spinscope sd data --resume {path}'")
        arrays.append(rd.load_arrays(name)[0])
    return rd.config, arrays


def _training_sets(model, arrays: list[dict], rng, val_fraction: float, device: str):
    import torch

    from spinscope.spindynamics.bp_model import TrainingSet, tangent

    train, val = [], []
    for a in arrays[:-1]:
        geom = model.geometry(a["positions"], float(a["box"][0]), device=device)
        t = lambda x: torch.as_tensor(x, dtype=torch.float64, device=device)  # noqa: E731
        idx = rng.permutation(len(a["spins"]))
        nv = max(1, round(val_fraction * len(idx)))
        for part, sel in ((val, idx[:nv]), (train, idx[nv:])):
            s = a["spins"][sel]
            part.append(TrainingSet(geom, t(s), t(tangent(a["fields"][sel], s)), t(a["energies"][sel])))
    return train, val


def _test_metrics(model, a: dict, device: str) -> tuple[dict, np.ndarray, np.ndarray]:
    from spinscope.spindynamics.bp_model import tangent
    from spinscope.spindynamics.training import r2_rmse

    geom = model.geometry(a["positions"], float(a["box"][0]), device=device)
    sel = np.flatnonzero(a["kind"] == 1) if np.any(a["kind"] == 1) else np.arange(len(a["spins"]))
    exact = tangent(a["fields"][sel], a["spins"][sel])
    pred = np.array([model.fields(geom, s)[0] for s in a["spins"][sel]])
    return {**r2_rmse(pred, exact), "configurations": len(sel),
            "which": "quench frames of the held-out system" if np.any(a["kind"] == 1) else "held-out system"}, pred, exact


@one_thread
def sd_train(data: str | os.PathLike, out: str | os.PathLike | None = None, *, hidden=(32, 32),
             epochs: int = 300, lr: float = 3e-3, batch: int = 8, patience: int = 30, energy_weight: float = 0.1,
             val_fraction: float = 0.15, descriptor: dict | None = None, seed: Any = None, device: str = "cpu",
             init: str | os.PathLike | None = None, progress: Any = False) -> SDTrainResult:
    """Train a Behler–Parrinello model on an ``sd data`` run (see the module docstring).

    Parameters
    ----------
    data : path
        The ``sd data`` run directory (at least 2 systems: the last is the test system).
    out : path, optional
        New run directory for ``model.safetensors``, ``history.csv``, ``train.json``, figures and
        ``report.html``.
    hidden : sequence of int
        Hidden widths of the per-site network.
    epochs, lr, batch, patience, energy_weight, val_fraction
        Training settings (:func:`spinscope.spindynamics.training.train_model`).
    descriptor : dict, optional
        :class:`~spinscope.spindynamics.descriptor.DescriptorSettings` overrides.
    seed : int, optional
        Initial weights, validation split and minibatch order.
    device : str
        Torch device.
    init : path, optional
        A model file to continue training from (its descriptor settings, network shape and
        standardisation are kept; its s-d parameters must be the data's).
    progress : bool or callable

    Returns
    -------
    SDTrainResult
    """
    from spinscope.io import RunDirectory
    from spinscope.spindynamics.bp_model import save_model
    from spinscope.spindynamics.descriptor import DescriptorSettings
    from spinscope.spindynamics.training import train_model

    settings = DescriptorSettings.from_dict({**DescriptorSettings().to_dict(), **dict(descriptor or {})})
    hidden = tuple(check_int(h, "hidden width", minimum=1) for h in hidden)
    val_fraction = check_positive(val_fraction, "val_fraction")
    if val_fraction >= 1:
        raise InputError(f"val_fraction must be < 1, got {val_fraction}")
    dcfg, arrays = read_data_dir(data)
    if len(arrays) < 2:
        raise InputError(f"{data} holds {len(arrays)} system; training needs at least 2 (the last one is the "
                         "test system): run 'spinscope sd data --systems 2' or more")
    from spinscope.spindynamics.geometry import check_cutoff

    check_cutoff(settings.radial_cutoff, float(arrays[0]["box"][0]), "descriptor radial cutoff")
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    model = _initial_model(init, settings, hidden, dcfg, int(rng.integers(2**31))).to(device)
    cfg = {"init": None if init is None else str(init), "data": str(Path(data).resolve()),
           "hidden": list(model.hidden), "epochs": epochs, "lr": lr, "batch": batch, "patience": patience,
           "energy_weight": energy_weight, "val_fraction": val_fraction, "descriptor": model.settings.to_dict(),
           "seed": seed, "n": dcfg["n"], "physics": dcfg["physics"]}
    rd = RunDirectory.create(out, command="sd-train", config=cfg)
    train, val = _training_sets(model, arrays, rng, val_fraction, device)
    update = progress_bar(progress, "sd train: epochs")
    t0 = time.perf_counter()
    try:
        history = train_model(model, train, val, epochs=epochs, lr=lr, batch=batch, patience=patience,
                              energy_weight=energy_weight, seed=rng, progress=update, normalise=init is None)
    finally:
        update(None, None)
    seconds = time.perf_counter() - t0
    test, pred, exact = _test_metrics(model, arrays[-1], device)
    best = min(history, key=lambda h: h["val_mse"])
    validation = {"mse": best["val_mse"], "best_epoch": best["epoch"], "seconds": seconds}
    model_file = save_model(rd.file("model.safetensors"), model, physics=dcfg["physics"],
                            extra={"trained_n": dcfg["n"], "test": test}, overwrite=True)
    result = SDTrainResult(out=str(rd.path), model_file=str(model_file), test=test, validation=validation,
                           epochs=len(history), config=cfg, seed=seed)
    from spinscope.workflows._sd_output import write_train_outputs

    result.files = [str(model_file), *write_train_outputs(rd, result, history, pred, exact)]
    return result


def _initial_model(init, settings, hidden, dcfg, seed):
    """A fresh network, or the one of ``init`` (checked against the data's s-d parameters)."""
    from spinscope.spindynamics.bp_model import BPModel
    from spinscope.workflows._sd_common import load_checked_model, make_params

    if init is None:
        return BPModel(settings, hidden, seed=seed)
    model, _, _ = load_checked_model(init, make_params(dcfg["physics"]), dcfg["n"])
    return model
