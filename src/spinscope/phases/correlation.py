"""Network inputs: raw spins and the correlation configuration (after Shiina et al., Sci. Rep. 10, 2177).

The correlation configuration of an ``L x L`` periodic configuration assigns to each site
``r = (x, y)`` the mean of its correlation with the two sites half a lattice away::

    g(r) = [ c(s_r, s_{r + (L/2) e_x}) + c(s_r, s_{r + (L/2) e_y}) ] / 2

with the pair correlation ``c`` of the model's spins seen as unit vectors:

* Ising: ``c = s_a s_b`` (``±1``);
* q-state Potts: ``c = (q delta(a, b) - 1) / (q - 1)``, the scalar product of the two simplex
  vectors of the states (``1`` if equal, ``-1/(q-1)`` otherwise; ``= s_a s_b`` for q = 2);
* q-state clock: ``c = cos(2 pi (a - b) / q)``;  XY: ``c = cos(theta_a - theta_b)``.

Every ``c`` depends only on a pair and is invariant under the model's global symmetry (Potts
permutations, clock Z_q and XY O(2) rotations and reflections, the Ising flip), so ``g`` is too, and
all models give values in ``[-1, 1]`` with mean ``<c(r, r + L/2)>``: about 1 in an ordered phase,
0 in a disordered one. That common scale is what lets a network trained on Ising correlation
configurations be applied unchanged to the other models. The two directions are averaged (not
kept as two channels) so that ``g`` has the shape of the lattice and the same networks take raw
spins or ``g``.
"""

from __future__ import annotations

import numpy as np

from spinscope.errors import InputError

__all__ = ["INPUTS", "correlation_configuration", "network_input", "pair_correlation"]

INPUTS = ("spins", "correlation")


def pair_correlation(a: np.ndarray, b: np.ndarray, model: str, q: int | None = None) -> np.ndarray:
    """Pair correlation ``c(a, b)`` of the module docstring (float64, same shape)."""
    if model == "ising":
        return a.astype(np.float64) * b
    if model == "potts":
        return (q * (a == b) - 1.0) / (q - 1.0)
    if model == "clock":
        return np.cos(2.0 * np.pi * (a.astype(np.int64) - b) / q)
    if model == "xy":
        return np.cos(a.astype(np.float64) - b)
    raise InputError(f"no pair correlation for model {model!r}")


def correlation_configuration(spins: np.ndarray, model: str, q: int | None = None, *,
                              dtype=np.float32) -> np.ndarray:
    """``g(r)`` of every configuration: ``spins`` of shape ``(..., L, L)`` -> ``(..., L, L)`` of
    ``dtype`` (float32, the networks' precision, by default)."""
    s = np.asarray(spins)
    L = s.shape[-1]
    if s.ndim < 2 or s.shape[-2] != L or L % 2:
        raise InputError(f"correlation configurations need square L x L configurations with L even, "
                         f"got shape {s.shape}")
    h = L // 2
    gx = pair_correlation(s, np.roll(s, -h, axis=-1), model, q)
    gy = pair_correlation(s, np.roll(s, -h, axis=-2), model, q)
    return (0.5 * (gx + gy)).astype(dtype)


def network_input(spins: np.ndarray, model: str, q: int | None, kind: str) -> np.ndarray:
    """The network input of ``kind``: raw Ising spins (float32) or the correlation configuration."""
    if kind == "correlation":
        return correlation_configuration(spins, model, q)
    if kind == "spins":
        if model != "ising":
            raise InputError(f"raw spins are a network input for the Ising model only (their values are "
                             f"not comparable across states of a {model} model); use --input correlation")
        return np.asarray(spins, dtype=np.float32)
    raise InputError(f"unknown input {kind!r}; choose one of {', '.join(INPUTS)}")
