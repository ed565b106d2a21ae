"""Helpers shared by the ``spinscope sd`` workflows: parameters, systems, field functions, checks."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from spinscope._validation import check_int, check_memory, check_positive, make_rng
from spinscope.errors import InputError, ModelFileError
from spinscope.spindynamics import SDParams, SDSystem, check_cutoff, check_spins, random_positions
from spinscope.spindynamics.geometry import box_length

#: Physics keys a model file records and a system must match.
PHYSICS_KEYS = ("t0", "xi", "hopping_cutoff", "J", "mu", "T_e", "density", "min_distance", "dim")


def make_params(physics: dict | SDParams | None) -> SDParams:
    """``SDParams`` from a dict of overrides (unknown keys refused)."""
    if isinstance(physics, SDParams):
        return physics
    physics = dict(physics or {})
    unknown = sorted(set(physics) - set(PHYSICS_KEYS))
    if unknown:
        raise InputError(f"unknown s-d parameter(s) {', '.join(unknown)}; known: {', '.join(PHYSICS_KEYS)}")
    return SDParams(**physics)


def check_size(n: int, params: SDParams, *, what: str = "n") -> int:
    """``n`` sites: hopping cutoff <= L/2 and the exact diagonalisation fits in memory."""
    n = check_int(n, what, minimum=2)
    check_cutoff(params.hopping_cutoff, box_length(n, params.density, params.dim), "hopping cutoff")
    check_memory(4 * (2 * n) ** 2 * 16.0, f"exact fields of n = {n} spins (complex {2 * n}x{2 * n} matrices)")
    return n


def load_array_file(path, name: str) -> np.ndarray:
    """An ``(n, 3)`` array from ``.npy`` or text (CSV/whitespace)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{name} file {p} does not exist")
    try:
        arr = np.load(p, allow_pickle=False) if p.suffix == ".npy" else np.loadtxt(p, delimiter=None if p.suffix != ".csv" else ",", ndmin=2)
    except (ValueError, OSError) as exc:
        raise InputError(f"{name} file {p}: cannot read it as numbers ({exc}); give a .npy or CSV file "
                         "with one row x,y,z per site") from None
    return np.asarray(arr, dtype=np.float64)


def make_system(n: int, params: SDParams, seed, *, positions=None, box=None) -> SDSystem:
    """A random system (or one from given positions; ``box`` default from the density)."""
    if positions is None:
        pos, box = random_positions(n, density=params.density, dim=params.dim,
                                    min_distance=params.min_distance, seed=seed)
        return SDSystem(pos, box, params)
    pos = np.asarray(positions, dtype=np.float64)
    box = box_length(pos.shape[0], params.density, pos.shape[1] if pos.ndim == 2 else 3) if box is None else box
    return SDSystem(pos, box, params)


def random_spins(n: int, rng) -> np.ndarray:
    """``n`` independent uniform unit vectors."""
    s = make_rng(rng).standard_normal((n, 3))
    return s / np.linalg.norm(s, axis=1, keepdims=True)


def initial_spins(spins, n: int, rng) -> np.ndarray:
    """Given spins (checked: unit length, refused otherwise) or random ones."""
    if spins is None:
        return random_spins(n, rng)
    return check_spins(spins, n)


def check_dynamics(dt: float, alpha: float, temperature: float, steps: int, every: int) -> tuple:
    """Validated ``(dt, alpha, temperature, steps, every)``."""
    dt = check_positive(dt, "dt")
    if not np.isfinite(alpha) or alpha < 0:
        raise InputError(f"alpha (Gilbert damping) must be >= 0, got {alpha}")
    if not np.isfinite(temperature) or temperature < 0:
        raise InputError(f"temperature must be >= 0, got {temperature}")
    return dt, float(alpha), float(temperature), check_int(steps, "steps", minimum=1), check_int(every, "every", minimum=1)


def load_checked_model(path: str | os.PathLike, params: SDParams | None, n: int):
    """Load a model file; its s-d parameters must equal ``params`` (if given) and its descriptor must fit
    a box of ``n`` sites. Returns ``(model, metadata, params)``."""
    from spinscope.spindynamics.bp_model import load_model

    if not Path(path).is_file():
        raise InputError(f"model file {path} does not exist; train one with 'spinscope sd train'")
    model, meta = load_model(path)
    stored = make_params(meta.get("physics", {}))
    if params is not None and params != stored:
        diff = [f"{k} = {getattr(stored, k)!r} in the model vs {getattr(params, k)!r} here"
                for k in PHYSICS_KEYS if getattr(stored, k) != getattr(params, k)]
        raise ModelFileError(f"model file {path} was trained for another s-d system ({'; '.join(diff)}); "
                             "use the model's parameters (omit these options) or train a model for these")
    box = box_length(n, stored.density, stored.dim)
    if model.settings.radial_cutoff > box / 2:
        raise ModelFileError(f"model file {path}: its descriptor cutoff {model.settings.radial_cutoff:g} is "
                             f"larger than half the box of n = {n} sites ({box / 2:.4g}); the descriptor "
                             "settings do not match the system: use more sites")
    return model, meta, stored


def autocorrelation(frames: np.ndarray) -> np.ndarray:
    """``C(t) = ⟨S_i(t)·S_i(0)⟩`` over sites for frames ``(T, N, 3)``."""
    return np.einsum("tia,ia->t", frames, frames[0]) / frames.shape[1]


def one_thread(fn):
    """Run a workflow with one BLAS/torch thread (restored after): on the shared 2-core machine the
    exact fields of n = 100 took 0.07 s per evaluation with one thread and 0.87 s with two, and the
    learned fields of n = 1000 0.12 s against 0.83 s (measured under load, see docs/spindynamics.md)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from spinscope.workflows._threads import single_threaded

        with single_threaded():
            return fn(*args, **kwargs)
    return wrapper
