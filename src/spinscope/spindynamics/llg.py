"""Landau–Lifshitz–Gilbert dynamics of classical unit spins, norm-preserving semi-implicit midpoint.

Equation of motion (Landau–Lifshitz form, precession plus Gilbert damping α)::

    dS_i/dt = −S_i × h_i − α S_i × (S_i × h_i) = ω_i × S_i,   ω_i = h_i + α S_i × h_i,

so ``dE/dt = −Σ h_i·dS_i/dt = −α Σ |S_i × h_i|^2 <= 0`` (with ``h = −∂E/∂S``). The step is the
semi-implicit midpoint scheme of Mentink et al., J. Phys.: Condens. Matter 22, 176001 (2010): for
a given ``ω`` the implicit midpoint equation ``S' − S = dt ω × (S + S')/2`` is a rotation solved in
closed form (the Cayley transform, :func:`cayley_rotate`), so ``|S_i|`` is conserved to round-off
whatever the field; the field is taken at the midpoint of a Cayley predictor.

Optional Langevin noise: a thermal field ``b`` added to ``h`` in both terms, Gaussian with
``<b_ia(t) b_jb(t')> = 2 α T/(1 + α²) δ_ij δ_ab δ(t − t')`` (Brown's fluctuation–dissipation
relation for this form of the equation; one draw per step, used in predictor and corrector, so the
midpoint rule integrates it in the Stratonovich sense). Its stationary law is Boltzmann's
``exp(−E/T)`` (tested on independent spins in a field: the Langevin function).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["cayley_rotate", "integrate", "llg_step", "thermal_field"]


def cayley_rotate(spins: np.ndarray, omega: np.ndarray, dt: float) -> np.ndarray:
    """Solve ``S' − S = dt ω × (S + S')/2`` exactly for ``S'`` (rotation of ``S`` about ``ω``).

    With ``a = dt ω/2``: ``S' = [(1 − |a|²) S + 2 (a·S) a + 2 a × S] / (1 + |a|²)``.
    """
    a = 0.5 * dt * omega
    a2 = np.sum(a * a, axis=-1, keepdims=True)
    adots = np.sum(a * spins, axis=-1, keepdims=True)
    return ((1.0 - a2) * spins + 2.0 * adots * a + 2.0 * np.cross(a, spins)) / (1.0 + a2)


def thermal_field(rng: np.random.Generator, shape, *, alpha: float, temperature: float, dt: float) -> np.ndarray:
    """One step's Langevin field: Gaussian, variance ``2 α T / ((1 + α²) dt)`` per component."""
    return rng.standard_normal(shape) * np.sqrt(2.0 * alpha * temperature / ((1.0 + alpha**2) * dt))


def llg_step(spins: np.ndarray, field_fn: Callable, *, dt: float = 0.01, alpha: float = 0.5,
             noise: np.ndarray | None = None, first=None):
    """One semi-implicit midpoint step.

    Parameters
    ----------
    spins : ndarray (N, 3)
    field_fn : callable
        ``field_fn(S) -> (h (N, 3), E)``; called twice (at ``S`` and at the predictor midpoint).
    dt, alpha : float
    noise : ndarray (N, 3), optional
        The thermal field of this step (:func:`thermal_field`).
    first : tuple, optional
        ``field_fn(spins)`` if already known (saves one evaluation).

    Returns
    -------
    new_spins : ndarray (N, 3)
    energy : float
        ``E`` at the start of the step (from the first evaluation).
    """
    h0, e0 = first if first is not None else field_fn(spins)
    if noise is not None:
        h0 = h0 + noise
    pred = cayley_rotate(spins, h0 + alpha * np.cross(spins, h0), dt)
    mid = 0.5 * (spins + pred)
    hm, _ = field_fn(mid)
    if noise is not None:
        hm = hm + noise
    return cayley_rotate(spins, hm + alpha * np.cross(mid, hm), dt), e0


def integrate(spins: np.ndarray, field_fn: Callable, steps: int, *, dt: float = 0.01, alpha: float = 0.5,
              temperature: float = 0.0, rng: np.random.Generator | None = None, every: int = 1,
              progress: Callable | None = None) -> dict:
    """Integrate ``steps`` LLG steps from ``spins``; record frames every ``every`` steps.

    Parameters
    ----------
    spins : ndarray (N, 3)
        Initial spins (not modified).
    field_fn : callable
        ``field_fn(S) -> (h, E)``.
    steps, every : int
        Number of steps; frames at steps ``0, every, 2 every, ...`` and at ``steps``.
    dt, alpha, temperature : float
        Time step, damping, Langevin temperature (``0``: no noise).
    rng : numpy Generator
        Source of the noise (needed when ``temperature > 0``).
    progress : callable, optional
        ``progress(step)`` after every step.

    Returns
    -------
    dict
        ``steps`` (frame step numbers), ``times``, ``spins`` (frames, N, 3), ``energies`` (``E`` of every
        frame), ``energy_every_step`` (``E`` at the start of every step and at the end), ``final``.
    """
    s = np.array(spins, dtype=np.float64)
    frames, energies, marks, all_e = [], [], [], []
    first = field_fn(s)
    for k in range(steps + 1):
        if k % every == 0 or k == steps:
            frames.append(s.copy())
            energies.append(first[1])
            marks.append(k)
        if k == steps:
            all_e.append(first[1])
            break
        noise = (thermal_field(rng, s.shape, alpha=alpha, temperature=temperature, dt=dt)
                 if temperature > 0 else None)
        s, e0 = llg_step(s, field_fn, dt=dt, alpha=alpha, noise=noise, first=first)
        all_e.append(e0)
        first = field_fn(s)
        if progress is not None:
            progress(k + 1)
    marks = np.array(marks)
    return {"steps": marks, "times": marks * dt, "spins": np.array(frames), "energies": np.array(energies),
            "energy_every_step": np.array(all_e), "final": s}
