"""The runs behind ``spinscope sd run`` and ``spinscope sd compare``.

* :func:`sd_run`: LLG dynamics of one system (random or given positions and spins) with exact or
  learned fields; frames every ``every`` steps (energy of the fields used, ``C(t)``); a checkpoint
  after every frame, so ``resume`` continues bit-identically (the noise generator's state is saved).
* :func:`sd_compare`: ``realisations`` systems of ``n`` sites (the model's s-d parameters), each
  quenched from the same random spins with exact and with learned fields; the energy per spin (exact
  ``Ω/N`` on both trajectories) and ``C(t)`` compared against the spread over realisations, and the
  learned fields tested on the exact trajectory's frames (R², RMSE). One checkpoint file per
  realisation (``resume`` computes the missing ones).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spinscope._validation import check_int, resolve_seed, spawn_seeds
from spinscope.errors import InputError
from spinscope.workflows._progress import progress_bar
from spinscope.workflows._sd_common import (
    autocorrelation,
    check_dynamics,
    check_size,
    initial_spins,
    load_array_file,
    load_checked_model,
    make_params,
    make_system,
    one_thread,
)

__all__ = ["SDRunResult", "exact_field_fn", "learned_field_fn", "sd_run"]

FIELDS = ("exact", "learned")


@dataclass
class SDRunResult:
    """Outcome of :func:`sd_run`."""

    out: str
    fields: str
    summary: dict
    config: dict
    seed: int
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` output."""
        return {"out": self.out, "fields": self.fields, "seed": self.seed, "summary": self.summary,
                "config": self.config, "files": self.files}


def exact_field_fn(system, device: str = "cpu"):
    """``S -> (h, Ω)`` with LAPACK (cpu) or torch on ``device``."""
    if device == "cpu":
        return system.fields

    def fn(s):
        h, e = system.fields_torch(s, device=device)
        return h.cpu().numpy(), e
    return fn


def learned_field_fn(model, system, device: str = "cpu"):
    """``S -> (h, E)`` of the model on the system's positions."""
    geom = model.geometry(system.positions, system.box, device=device)
    return lambda s: model.fields(geom, s)


def _setup_run(cfg, positions, spins, device):
    params = make_params(cfg["physics"])
    model = None
    if cfg["fields"] == "learned":
        model, _, params = load_checked_model(cfg["model"], params if cfg["physics_given"] else None, cfg["n"])
        model.to(device)
    sys_seed, spin_seed, noise_seed = spawn_seeds(cfg["seed"], 3)
    system = make_system(cfg["n"], params, sys_seed, positions=positions)
    s0 = initial_spins(spins, cfg["n"], np.random.default_rng(spin_seed))
    fn = exact_field_fn(system, device) if model is None else learned_field_fn(model, system, device)
    return system, s0, fn, np.random.default_rng(noise_seed), params


@one_thread
def sd_run(out: str | os.PathLike | None = None, *, n: int = 200, fields: str = "exact", model=None,
           steps: int = 200, dt: float = 0.01, alpha: float = 0.5, temperature: float = 0.0, every: int = 10,
           positions=None, spins=None, physics: dict | None = None, seed: Any = None, device: str = "cpu",
           resume: str | os.PathLike | None = None, progress: Any = False) -> SDRunResult:
    """LLG dynamics with exact or learned fields (see the module docstring).

    Parameters
    ----------
    out : path, optional
        New run directory (``trajectory.csv``, ``final_spins.csv``, ``relaxation.png``, ``report.html``).
    n : int
        Sites (ignored when ``positions`` are given).
    fields : {"exact", "learned"}
    model : path, optional
        Model file of ``sd train`` (``fields="learned"``); its s-d parameters are used unless
        ``physics`` is given, which must then match them.
    steps, dt, alpha, temperature, every
        LLG settings; ``temperature > 0`` adds Langevin noise.
    positions, spins : path or array (n, 3), optional
        Positions (folded into the box of the density) and initial unit spins (refused if not of unit
        length); default random.
    physics : dict, optional
        s-d parameters (exact fields; or a check against the model's).
    seed : int, optional
    device : str
        Torch device (learned fields; exact fields use torch ``eigh`` there when not ``"cpu"``).
    resume : path, optional
        An interrupted ``sd run`` directory.
    progress : bool or callable

    Returns
    -------
    SDRunResult
    """
    from spinscope.io import RunDirectory

    if resume is not None:
        rd = RunDirectory.resume(resume, command="sd-run")
        cfg = rd.config
        positions = np.array(cfg["positions"]) if cfg.get("positions") is not None else None
    else:
        cfg, positions, spins = _run_config(n, fields, model, steps, dt, alpha, temperature, every, positions,
                                            spins, physics, seed)
    _, s0, fn, rng, params = _setup_run(cfg, positions, spins, device)
    cfg["physics"] = params.to_dict()
    if resume is None:
        cfg["initial_spins"] = s0
        rd = RunDirectory.create(out, command="sd-run", config=cfg)
    return _run_loop(rd, cfg, np.array(cfg["initial_spins"]), fn, rng, progress)


def _run_config(n, fields, model, steps, dt, alpha, temperature, every, positions, spins, physics, seed):
    if fields not in FIELDS:
        raise InputError(f"fields must be one of {', '.join(FIELDS)}, got {fields!r}")
    if fields == "learned" and model is None:
        raise InputError("learned fields need a model file (--model FILE from 'spinscope sd train')")
    dt, alpha, temperature, steps, every = check_dynamics(dt, alpha, temperature, steps, every)
    if isinstance(positions, (str, os.PathLike)):
        positions = load_array_file(positions, "positions")
    if isinstance(spins, (str, os.PathLike)):
        spins = load_array_file(spins, "spins")
    if positions is not None:
        n = np.asarray(positions).shape[0]
    params = make_params(physics)
    n = check_size(n, params) if fields == "exact" else check_int(n, "n", minimum=2)
    cfg = {"n": n, "fields": fields, "model": None if model is None else str(model), "steps": steps, "dt": dt,
           "alpha": alpha, "temperature": temperature, "every": every, "physics": params.to_dict(),
           "physics_given": physics is not None, "seed": resolve_seed(seed),
           "positions": None if positions is None else np.asarray(positions, dtype=float)}
    return cfg, positions, spins


def _run_loop(rd, cfg, s0, fn, rng, progress) -> SDRunResult:
    from spinscope.spindynamics.llg import integrate
    from spinscope.workflows._sd_output import trajectory_rows, write_run_outputs

    steps, every = cfg["steps"], cfg["every"]
    if rd.exists("checkpoint.safetensors"):
        arrays, meta = rd.load_arrays("checkpoint.safetensors")
        s, frames, energies, done = arrays["spins"], list(arrays["frames"]), list(arrays["energies"]), meta["step"]
        rng.bit_generator.state = meta["rng"]
    else:
        s, frames, energies, done = s0.copy(), [s0.copy()], [fn(s0)[1]], 0
    update = progress_bar(progress, f"sd run ({cfg['fields']} fields)")
    try:
        while done < steps:
            chunk = min(every, steps - done)
            tr = integrate(s, fn, chunk, dt=cfg["dt"], alpha=cfg["alpha"], temperature=cfg["temperature"],
                           rng=rng, every=chunk, progress=lambda k, d=done: update(d + k, steps))
            s, done = tr["final"], done + chunk
            frames.append(s.copy())
            energies.append(tr["energies"][-1])
            rd.save_arrays("checkpoint.safetensors", {"spins": s, "frames": np.array(frames),
                                                     "energies": np.array(energies)},
                           {"step": done, "rng": rng.bit_generator.state})
    finally:
        update(None, None)
    frames = np.array(frames)
    times = np.minimum(np.arange(len(frames)) * every, steps) * cfg["dt"]
    e = np.array(energies) / cfg["n"]
    c = autocorrelation(frames)
    norm_err = float(np.max(np.abs(np.linalg.norm(frames, axis=2) - 1)))
    summary = {"energy_per_spin_initial": float(e[0]), "energy_per_spin_final": float(e[-1]),
               "autocorrelation_final": float(c[-1]), "max_norm_error": norm_err, "frames": len(frames),
               "energy": "exact Ω" if cfg["fields"] == "exact" else "learned E (model)"}
    result = SDRunResult(out=str(rd.path), fields=cfg["fields"], summary=summary,
                         config={k: v for k, v in cfg.items() if k not in ("initial_spins", "positions")},
                         seed=cfg["seed"])
    result.files = write_run_outputs(rd, result, trajectory_rows(times, e, c),
                                     {cfg["fields"]: {"energy": e, "autocorrelation": c}}, s)
    return result
