"""``generate``: the whole ``spinscope generate KIND`` run as a Python function.

Validates the output path (before any computation), draws a planted instance
(:mod:`spinscope.optimize.planted`) and writes it as an Ising text file with the planted header
(:mod:`spinscope.optimize.planted_files`), which ``spinscope solve`` reads back as its default
target; ``xorsat`` instances (3-spin clauses) go to the 3-XORSAT text format instead
(:mod:`spinscope.optimize.xorsat_files`), which ``solve`` recognises and minimises with the
3-XORSAT solvers (:mod:`spinscope.optimize.xorsat_solvers`)::

    from spinscope.workflows import generate
    run = generate("wishart", n=64, alpha=0.5, gauge=True, out="w64.txt", seed=1)
    run.planted_energy, run.seed, run.path
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from spinscope._files import check_output_path
from spinscope._validation import resolve_seed
from spinscope.optimize.planted import PlantedInstance, planted_instance
from spinscope.optimize.planted_files import write_planted
from spinscope.optimize.xorsat import XorsatInstance
from spinscope.optimize.xorsat_files import write_xorsat

__all__ = ["GenerateResult", "generate"]


@dataclass
class GenerateResult:
    """Outcome of :func:`generate`.

    Attributes
    ----------
    instance : PlantedInstance or XorsatInstance
        The problem (or the 3-XORSAT clauses), its planted energy and planted state.
    seed : int
        The seed used (the given one, or fresh entropy), so the instance can be drawn again.
    path : Path
        The file written.
    """

    instance: PlantedInstance | XorsatInstance
    seed: int
    path: Path

    @property
    def planted_energy(self) -> float:
        """The planted ground-state energy ``E0``."""
        return self.instance.ground_energy

    def to_dict(self) -> dict:
        """The ``--json`` output of ``spinscope generate``.

        Returns
        -------
        dict
            ``kind``, ``n``, ``planted_energy``, ``seed``, ``path`` and ``params`` (for
            ``xorsat`` also ``degeneracy``, the number of ground states).
        """
        out = {"kind": self.instance.generator, "n": self.instance.n,
               "planted_energy": self.instance.ground_energy, "seed": self.seed, "path": str(self.path),
               "params": dict(self.instance.params)}
        if isinstance(self.instance, XorsatInstance):
            out["degeneracy"] = self.instance.degeneracy
        return out


def generate(kind: str, *, n: int | None = None, L: int | None = None, alpha: float = 0.5,
             discrete: bool = False, probabilities: Sequence[float] | None = None,
             gauge: bool = False, out: str | os.PathLike, overwrite: bool = False,
             seed: int | None = None) -> GenerateResult:
    """Draw a planted instance and write it, as ``spinscope generate`` does.

    Parameters
    ----------
    kind : {"wishart", "tiles2d", "tiles3d", "xorsat"}
        The generator (:data:`~spinscope.optimize.planted.PLANTED_KINDS`).
    n : int, optional
        Number of spins (``wishart``, ``>= 2``) or variables (``xorsat``, ``>= 4``).
    L : int, optional
        Linear size of the torus (``tiles2d``, ``tiles3d``: even, ``>= 4``).
    alpha : float
        Wishart ``M / N`` (> 0).
    discrete : bool
        Wishart with ±1 entries of ``R`` instead of Gaussians.
    probabilities : sequence of float, optional
        Tile classes: C1, C2, C3 for ``tiles2d`` (C4 takes the rest), 2FP, 4FP for ``tiles3d``
        (6FP takes the rest); None for the generator's default.
    gauge : bool
        Hide the planted state behind a random gauge.
    out : path-like
        The file to write (Ising text, or the 3-XORSAT format for ``xorsat``); checked before
        anything is drawn.
    overwrite : bool
        Allow ``out`` to replace an existing file.
    seed : int, optional
        Seed of the instance; None draws one, recorded in the result and the file's header.

    Returns
    -------
    GenerateResult

    Raises
    ------
    InputError
        An unknown kind, invalid sizes or settings, an existing ``out`` without ``overwrite``,
        or a missing output directory.
    """
    check_output_path(out, overwrite=overwrite, what="--out")
    seed = resolve_seed(seed)
    inst = planted_instance(kind, n=n, L=L, alpha=alpha, discrete=discrete, probabilities=probabilities,
                            gauge=gauge, seed=seed)
    write = write_xorsat if isinstance(inst, XorsatInstance) else write_planted
    path = write(out, inst, seed=seed, overwrite=overwrite)
    return GenerateResult(instance=inst, seed=seed, path=path)
